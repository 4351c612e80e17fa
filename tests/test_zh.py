"""The Chinese edition (中文版), checked without rendering: tools/zh_pages.py says how it is built.

Every English page has its Chinese page and vice versa; every embed names a cell that exists, is shown
on the English page and shows something; every cell the English page shows is embedded, in order; every
figure has a Chinese caption and alt text; the headings follow the English ones one for one (they share
anchors); every solution comes from the English call-out; no marker names a vanished cell; glossary terms
and chapter mentions are linked. The browser test (tests/test_site.py) checks both editions as rendered.
"""
import json, re, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import zh_pages, link_glossary  # noqa: E402
from exercise_support import SOLUTIONS  # noqa: E402


def test_every_page_has_its_twin():
    en, zh = set(zh_pages.english_stems()), set(zh_pages.zh_stems())
    assert en == zh, f"English only: {sorted(en - zh)}; Chinese only: {sorted(zh - en)}"


@pytest.mark.parametrize("stem", zh_pages.english_stems())
def test_chinese_page_is_single_sourced_and_complete(stem):
    assert zh_pages.page_problems(stem) == []


def test_solutions_are_the_english_ones():
    used = {m for s in zh_pages.zh_stems() for m in zh_pages.SOLUTION.findall(zh_pages.zh_path(s).read_text())}
    assert used == set(SOLUTIONS)


def test_sidebars_pair_the_editions():
    import yaml
    cfg = yaml.safe_load((ROOT / "nbs" / "_quarto.yml").read_text())
    def hrefs(items):
        for it in items:
            if "contents" in it: yield from hrefs(it["contents"])
            else: yield it["href"]
    bars = {b["id"]: list(hrefs(b["contents"])) for b in cfg["website"]["sidebar"]}
    assert [h.replace(".ipynb", "") for h in bars["en"]] == [h.replace(".zh.qmd", "") for h in bars["zh"]]
    assert "*.zh.qmd" in cfg["project"]["render"] and "zh.lua" in cfg["filters"]


def test_glossary_terms_and_chapters_are_linked():
    vocab = link_glossary.terms()
    assert len(vocab) >= 100, "the glossary table (nbs/glossary_table.md) has anchored rows"
    todo = {}
    for p in link_glossary.pages([]):
        own = p.name.split("_")[0] if p.name[:2].isdigit() else None
        _, linked = link_glossary.link_text(p.read_text(), own, vocab)
        if linked: todo[p.name] = linked[:8]
    assert not todo, f"run `python tools/link_glossary.py`: {todo}"


def test_linker_links_first_use_only_and_leaves_code_alone():
    vocab = {"批量": "g-批量", "小批量": "g-小批量"}
    text = "---\ntitle: 批量\n---\n小批量的`批量`大小，$批量$；批量与小批量。第 05 章\n"
    new, linked = link_glossary.link_text(text, None, vocab, {"05": "network.zh.html"})
    assert new.startswith("---\ntitle: 批量\n---\n[小批量](glossary.zh.html#g-小批量)的`批量`大小，$批量$；")
    assert "；[批量](glossary.zh.html#g-批量)与小批量。" in new and "[第 05 章](network.zh.html)" in new
    assert link_glossary.link_text(new, None, vocab, {"05": "network.zh.html"})[1] == []  # idempotent


def test_checker_catches_a_drifting_page(tmp_path, monkeypatch):
    "A removed embed, an embed of a hidden cell, an untranslated caption and a lost heading are all reported."
    stem = "93_checks"
    text = zh_pages.zh_path(stem).read_text()
    nb = zh_pages.notebook(stem)
    hidden = next(c["id"] for c in nb["cells"] if c["cell_type"] == "code" and zh_pages.shown(c) is None)
    first = zh_pages.EMBED.search(text).group(0)
    broken = text.replace(first, f"{{{{< embed {stem}.ipynb#{hidden} >}}}}", 1).replace("\n## ", "\n", 1)
    monkeypatch.setattr(zh_pages, "zh_path", lambda s: tmp_path / f"{s}.zh.qmd")
    (tmp_path / f"{stem}.zh.qmd").write_text(broken)
    found = "\n".join(zh_pages.page_problems(stem))
    assert "hidden cell" in found and "not embedded" in found and "headings" in found


def test_stale_translations_are_found(tmp_path, monkeypatch):
    stem = "93_checks"
    text = zh_pages.zh_path(stem).read_text()
    cid, h = zh_pages.MARKER.findall(text)[1]
    monkeypatch.setattr(zh_pages, "zh_path", lambda s: tmp_path / f"{s}.zh.qmd")
    (tmp_path / f"{stem}.zh.qmd").write_text(text.replace(f"{cid} {h}", f"{cid} 00000000"))
    assert [c for c, _ in zh_pages.stale(stem)] == [cid]


def test_no_translation_is_stale():
    "Every Chinese paragraph was translated from the English text the notebook has now (`zh_pages.py stale`)."
    stale = {s: zh_pages.stale(s) for s in zh_pages.zh_stems()}
    assert not any(stale.values()), {s: v for s, v in stale.items() if v}
