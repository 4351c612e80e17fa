"""The reading rules of DESIGN.md, over the saved notebooks (tools/reading_rules.py).

Every notebook must have zero violations of the rules it is not allow-listed for; the allow-list
(`reading_rules.ALLOW`) names the chapters not yet converted to the reader's edition, and the converted
ones (`reading_rules.CONVERTED`) may never join it. The rules themselves are tested on small notebooks.
"""
import json, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import reading_rules as rr  # noqa: E402
from link_chapters import link_text  # noqa: E402

NBS = sorted((ROOT / "nbs").glob("*.ipynb"))


@pytest.mark.parametrize("nb", NBS, ids=[p.stem for p in NBS])
def test_reading_rules(nb):
    bad = rr.problems(nb)
    assert not bad, f"{nb.name}: {len(bad)} reading-rule violations\n" + "\n".join(f"  [{r}] {w}: {x}" for r, w, x in bad)


def test_allow_list_is_explicit_and_shrinks_only():
    stems = {p.stem for p in NBS}
    assert set(rr.ALLOW) <= stems | {"05a_training"}, f"allow-listed but missing: {set(rr.ALLOW) - stems}"
    assert not set(rr.CONVERTED) & set(rr.ALLOW), "a converted notebook is back on the allow-list"
    assert {"index", "00_guess", "02_descent"} <= set(rr.CONVERTED)
    assert all(set(v) <= set(rr.RULES) for v in rr.ALLOW.values())
    for stem in rr.CONVERTED:
        assert (ROOT / "nbs" / f"{stem}.ipynb").exists(), stem


# ---------------------------------------------------------------- the rules on small notebooks

def _nb(tmp_path, *cells, name="07_x.ipynb"):
    out = []
    for kind, src, *outs in cells:
        c = {"cell_type": kind, "metadata": {}, "source": src}
        if kind == "code": c.update(outputs=outs[0] if outs else [], execution_count=None)
        out.append(c)
    p = tmp_path / name
    p.write_text(json.dumps({"cells": out, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    for n in ("00_a", "05_b", "05a_c"): (tmp_path / f"{n}.ipynb").write_text("{}")
    return p


def _rules(p): return sorted({r for r, _, _ in rr.violations(p)})


def _stream(text): return {"output_type": "stream", "name": "stdout", "text": text}


def _png(): return {"output_type": "display_data", "data": {"image/png": "iVBOR", "text/plain": "<Figure>"}, "metadata": {}}


def test_visible_tool_imports_and_test_fail(tmp_path):
    p = _nb(tmp_path, ("code", "from fastcore.test import test_eq\nimport numpy as np"),
            ("code", "test_fail(lambda: f(-1), contains='x')"))
    assert _rules(p) == ["test-fail", "tool-import"]
    p = _nb(tmp_path, ("code", "#| hide\nfrom fastcore.test import test_eq\nfrom nbdev.showdoc import show_doc"),
            ("code", "#| hide\ntest_fail(lambda: f(-1), contains='x')"))
    assert _rules(p) == []


def test_test_walls(tmp_path):
    wall = "test_eq(f(1), 1)\ntest_eq(f(2), 4)\nassert f(3) == 9"
    assert _rules(_nb(tmp_path, ("code", wall))) == ["test-wall"]
    assert _rules(_nb(tmp_path, ("code", "for x in xs:\n    test_eq(f(x), x)\n    assert g(x)"))) == ["test-wall"]
    claim = "y = f(3)\nprint(y)\nassert y == 9  # the claim"
    assert _rules(_nb(tmp_path, ("code", claim), ("code", "test_eq(f(3), 9)"))) == []


def test_outputs_fit_the_page(tmp_path):
    assert _rules(_nb(tmp_path, ("code", "print(x)", [_stream("a" * 91 + "\n")]))) == ["wide-output"]
    assert _rules(_nb(tmp_path, ("code", "print(x)", [_stream("a" * 90 + "\n")]))) == []
    scalar = {"output_type": "execute_result", "data": {"text/plain": "np.float64(0.5)"}, "metadata": {}}
    assert _rules(_nb(tmp_path, ("code", "x", [scalar]))) == ["long-repr"]
    arr = _stream("array([1., 2.,\n       3.])\n")
    assert _rules(_nb(tmp_path, ("code", "x", [arr]))) == ["long-repr"]
    assert _rules(_nb(tmp_path, ("code", "x", [_stream("array([1., 2., 3.])\n")]))) == []
    assert _rules(_nb(tmp_path, ("code", "x", [_stream("fit took 1.25 s\n")]))) == ["timing"]
    assert _rules(_nb(tmp_path, ("code", "%time f()"))) == ["timing"]
    md = {"output_type": "execute_result", "data": {"text/markdown": "| " + "x | " * 50, "text/plain": "y" * 200}, "metadata": {}}
    assert _rules(_nb(tmp_path, ("code", "md_table(rows, h)", [md]))) == []  # a table is not a text line
    err = {"output_type": "error", "ename": "ValueError", "evalue": "", "traceback": []}
    assert _rules(_nb(tmp_path, ("code", "f()", [err]))) == ["raw-traceback"]


def test_figures_need_caption_and_alt(tmp_path):
    assert _rules(_nb(tmp_path, ("code", "plt.plot(x)", [_png()]))) == ["fig-caption"]
    assert _rules(_nb(tmp_path, ("code", '#| fig-cap: "A"\nplt.plot(x)', [_png()]))) == ["fig-caption"]
    assert _rules(_nb(tmp_path, ("code", '#| fig-cap: "A"\n#| fig-alt: "B"\nplt.plot(x)', [_png()]))) == []
    assert _rules(_nb(tmp_path, ("code", "#| hide\nplt.plot(x)", [_png()]))) == []
    html = lambda cap, alt: {"output_type": "display_data", "metadata": {}, "data": {"text/html":
        f'<figure class="dlnotes-interactive"><img src="data:," alt="{alt}"><figcaption>{cap}</figcaption></figure>'}}
    assert _rules(_nb(tmp_path, ("code", "interactive_sweep(f, v)", [html("", "")]))) == ["fig-caption"]
    assert _rules(_nb(tmp_path, ("code", "interactive_sweep(f, v)", [html("C", "A")]))) == []


def test_directives_must_be_valid_yaml(tmp_path):
    bad = '#| fig-cap: Rosenbrock, 1 500 steps (circle: start; cross: end)\n#| fig-alt: "A"\nplt.plot(x)'
    good = '#| fig-cap: "Rosenbrock, 1 500 steps (circle: start; cross: end)"\n#| fig-alt: "A"\nplt.plot(x)'
    assert _rules(_nb(tmp_path, ("code", bad, [_png()]))) == ["bad-directive"]
    assert _rules(_nb(tmp_path, ("code", good, [_png()]))) == []
    p = _nb(tmp_path, ("code", bad, [_png()]), name="08_optimizers.ipynb")  # allow-listed chapters too
    assert [r for r, _, _ in rr.problems(p)] == ["bad-directive"]


def test_chapter_mentions_are_links(tmp_path):
    text = "As chapter 05 shows (and chapters 00 and 05a), see [chapter 05](05_b.ipynb), `chapter 00`, chapter 07."
    p = _nb(tmp_path, ("markdown", text), ("markdown", "## Chapter 05 in a heading"))
    assert [w for r, w, x in rr.violations(p) if r == "chapter-link"] == ["markdown cell 0"] * 3  # 05, 00, 05a; not 07 itself
    chapters = rr.chapter_files(tmp_path)
    linked = link_text(text, chapters, own="07")
    assert linked.startswith("As [chapter 05](05_b.ipynb) shows (and chapters [00](00_a.ipynb) and [05a](05a_c.ipynb))")
    assert rr.unlinked_chapters(linked, chapters, own="07") == []


def test_allow_list_applies(tmp_path, monkeypatch):
    monkeypatch.setitem(rr.ALLOW, "42_unconverted", rr.ALL)
    p = _nb(tmp_path, ("code", "test_fail(lambda: f(-1))"), name="42_unconverted.ipynb")
    assert rr.violations(p) and rr.problems(p) == []  # allow-listed: not converted yet
    p = _nb(tmp_path, ("code", "test_fail(lambda: f(-1))"), name="43_converted.ipynb")
    assert [r for r, _, _ in rr.problems(p)] == ["test-fail"]
