"""The Chinese edition (中文版): one `nbs/<stem>.zh.qmd` beside each English page `nbs/<stem>.ipynb`.

A Chinese page holds only Chinese prose. Everything the notebook computes (code, figures, tables, printed
results, API docs) is pulled from the English notebook when the site is rendered, with Quarto's embed
shortcode addressed by the cell's Jupyter id:

    {{< embed 02_descent.ipynb#bacf3798 echo=true >}}

so a chapter changed and re-executed in its notebook changes both editions, and nothing is copied.
Around that, three conventions that `nbs/zh.lua` (the Chinese pages' filter) and `nbs/solution.lua` read:
  ::: {.zh-fig alt="…"} embed + a Chinese caption paragraph :::   the figure with this caption and alt text
  ::: {.zh-exercise} embed :::                                    an exercise's stub cell, code only
  {{< solution 02.1 >}}                                           the code of the English "Solution 02.1"
Every English markdown cell's translation starts with a marker `<!-- en ID HASH -->` (the cell's id and a
hash of its English text when it was translated), so `stale` lists the prose changed since.

Usage: python tools/zh_pages.py skeleton STEM [--force]  write nbs/STEM.zh.qmd with the English text to translate
       python tools/zh_pages.py check [STEM ...]         the structural problems (tests/test_zh.py runs this)
       python tools/zh_pages.py stale [STEM ...]         English cells changed since their translation
       python tools/zh_pages.py stamp STEM CELL ...      after updating those translations: mark them current
"""
import json, re, sys, zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / "nbs"
sys.path.insert(0, str(Path(__file__).parent))
from reading_rules import directives  # noqa: E402

EMBED = re.compile(r"\{\{<\s*embed\s+([\w.-]+)\.ipynb#([\w-]+)((?:\s+[\w-]+=[\w\"']+)*)\s*>\}\}")
MARKER = re.compile(r"<!--\s*en\s+([\w-]+)\s+([0-9a-f]{8})\s*-->")
SOLUTION = re.compile(r"\{\{<\s*solution\s+([\w.]+)\s*>\}\}")
_CALLOUT = re.compile(r'::: \{\.callout-tip collapse="true" title="Solution ([\d.a-z]+)"\}')
_HEADING = re.compile(r"^(#{2,6})\s+\S")


def src(cell): return "".join(cell["source"])
def digest(text): return f"{zlib.crc32(text.encode()):08x}"
def notebook(stem): return json.loads((NBS / f"{stem}.ipynb").read_text())
def zh_path(stem): return NBS / f"{stem}.zh.qmd"
def english_stems(): return sorted(p.stem for p in NBS.glob("*.ipynb"))
def zh_stems(): return sorted(p.name[:-len(".zh.qmd")] for p in NBS.glob("*.zh.qmd"))


def shown(cell):
    "How a code cell appears on the English page: None (hidden), 'code' (code and outputs) or 'output' (outputs only)."
    s = src(cell)
    d = directives(s)
    if {"hide", "export", "exporti", "default_exp"} & set(d) or d.get("include", "").lower() == "false": return None
    if not s.strip(): return None
    if d.get("echo", "").lower() == "false" or re.match(r"\s*(show_doc|doc)\(", "\n".join(
            l for l in s.splitlines() if not l.lstrip().startswith("#|"))):
        return "output" if cell.get("outputs") else None
    return "code"


def output_file(stem):
    "The Chinese page's file name on the site: nbdev's name for the English page (number prefix dropped) + .zh.html."
    return re.sub(r"^\d+[a-zA-Z0-9]*_", "", stem.lower()) + ".zh.html"


def has_output(cell): return bool(cell.get("outputs"))


def headings(text):
    "The levels of the `##`… headings in a block of markdown (fenced code skipped)."
    out, fence = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"): fence = not fence
        elif not fence and _HEADING.match(line): out.append(len(_HEADING.match(line).group(1)))
    return out


# ---------------------------------------------------------------- skeleton
def _title(cell_text):
    "(title, description, rest) of a notebook's first markdown cell (`# Title`, `> description`)."
    lines = cell_text.splitlines()
    title = next((l[2:].strip() for l in lines if l.startswith("# ")), "")
    desc = next((l[1:].strip() for l in lines if l.startswith(">")), "")
    rest = "\n".join(l for l in lines if not (l.startswith("# ") or l.startswith(">"))).strip()
    return title, desc, rest


def _markdown_block(cell):
    text = src(cell)
    solution = _CALLOUT.search(text)
    if solution:  # the explanation stays to translate; the code comes from the English call-out
        text = _CALLOUT.sub(lambda m: f'::: {{.callout-tip collapse="true" title="解答 {m.group(1)}"}}', text)
        first = [True]
        def code(m):
            keep, first[0] = first[0], False
            return f"{{{{< solution {solution.group(1)} >}}}}" if keep else ""
        text = re.sub(r"```python\n.*?```", code, text, flags=re.S)
    return f"<!-- en {cell['id']} {digest(src(cell))} -->\n{text}"


def _code_block(stem, cell, how):
    ref = f"{{{{< embed {stem}.ipynb#{cell['id']}{' echo=true' if how == 'code' else ''} >}}}}"
    d = directives(src(cell))
    if "fig-cap" in d:
        alt = d.get("fig-alt", "").strip().strip('"').replace('"', "'")
        return f'::: {{.zh-fig alt="{alt}"}}\n{ref}\n\n{d["fig-cap"].strip().strip(chr(34))}\n:::'
    if "interactive_sweep(" in src(cell):
        return f'::: {{.zh-fig alt="TRANSLATE the alt text"}}\n{ref}\n\nTRANSLATE the caption\n:::'
    if re.search(r"\bcheck\(\"[\w.]+\"", src(cell)): return f"::: {{.zh-exercise}}\n{ref}\n:::"
    return ref


def skeleton(stem):
    "The Chinese page's first draft: front matter, the English text to translate, and every embed in order."
    cells = notebook(stem)["cells"]
    first = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown")
    title, desc, rest = _title(src(cells[first]))
    out = ["---", f"title: {json.dumps(title, ensure_ascii=False)}"]
    if desc: out.append(f"description: {json.dumps(desc, ensure_ascii=False)}")
    out = ["\n".join(out + ["lang: zh", f"output-file: {output_file(stem)}", "---"])]
    out.append(f"<!-- en {cells[first]['id']} {digest(src(cells[first]))} -->" + (f"\n{rest}" if rest else ""))
    for c in cells[first + 1:]:
        if c["cell_type"] == "markdown": out.append(_markdown_block(c))
        elif c["cell_type"] == "code" and shown(c): out.append(_code_block(stem, c, shown(c)))
    return "\n\n".join(out) + "\n"


# ---------------------------------------------------------------- checks
def page_problems(stem):
    "What is structurally wrong with one Chinese page (an empty list when it is right)."
    p, out = zh_path(stem), []
    if not (NBS / f"{stem}.ipynb").exists(): return [f"{p.name}: no English notebook {stem}.ipynb"]
    if not p.exists(): return [f"{stem}.ipynb: no Chinese page {p.name}"]
    text, cells = p.read_text(), notebook(stem)["cells"]
    by_id = {c["id"]: c for c in cells}
    front = text.split("\n---", 1)[0]
    if not re.search(r"^lang:\s*zh\s*$", front, re.M): out.append(f"{p.name}: front matter lacks `lang: zh`")
    if not re.search(rf"^output-file:\s*{re.escape(output_file(stem))}\s*$", front, re.M):
        out.append(f"{p.name}: front matter lacks `output-file: {output_file(stem)}`")
    if not re.search(r"^title:.*[\u4e00-\u9fff]", front, re.M): out.append(f"{p.name}: the title is not Chinese")
    refs, books = EMBED.findall(text), {stem: by_id}  # books: notebook -> its cells by id (an embed may name another)
    for nb, cid, opts in refs:
        if nb not in books:
            books[nb] = {x["id"]: x for x in notebook(nb)["cells"]} if (NBS / f"{nb}.ipynb").exists() else {}
        cell = books[nb].get(cid)
        if cell is None: out.append(f"{p.name}: embed {nb}.ipynb#{cid} names no cell"); continue
        how = shown(cell)
        if how is None: out.append(f"{p.name}: embed {nb}.ipynb#{cid} is a hidden cell")
        elif not has_output(cell) and "echo=true" not in opts:
            out.append(f"{p.name}: embed {nb}.ipynb#{cid} shows nothing (no output, no echo=true)")
        elif how == "output" and "echo=true" in opts: out.append(f"{p.name}: embed {nb}.ipynb#{cid} shows code the English page hides")
    own = [cid for nb, cid, _ in refs if nb == stem]
    wanted = [c["id"] for c in cells if c["cell_type"] == "code" and shown(c)]
    missing = [cid for cid in wanted if cid not in own]
    if missing: out.append(f"{p.name}: English cells not embedded (add them where they belong): {', '.join(missing)}")
    seen = [cid for cid in own if cid in wanted]
    if len(set(seen)) != len(seen): out.append(f"{p.name}: a cell is embedded twice")
    elif seen != [cid for cid in wanted if cid in seen]: out.append(f"{p.name}: embeds are not in the English order")
    for cid in wanted:
        d = directives(src(by_id[cid]))
        if "fig-cap" in d and not re.search(r"::: \{\.zh-fig[^}]*\}\s*\n\{\{<\s*embed\s+" + re.escape(stem) + r"\.ipynb#" + cid, text):
            out.append(f"{p.name}: figure {cid} is not in a ::: {{.zh-fig}} block with a Chinese caption")
    for m in re.finditer(r"::: \{\.zh-fig([^}]*)\}\s*\n(.*?)\n:::", text, re.S):
        body = EMBED.sub("", m.group(2)).strip()
        if not re.search(r'alt="[^"]*[\u4e00-\u9fff][^"]*"', m.group(1)): out.append(f"{p.name}: a zh-fig has no Chinese alt text")
        if not re.search(r"[\u4e00-\u9fff]", body): out.append(f"{p.name}: a zh-fig has no Chinese caption")
    en_headings = [l for c in cells if c["cell_type"] == "markdown" for l in headings(src(c))]
    zh_headings = headings(text.split("\n---", 1)[-1])
    if zh_headings != en_headings:
        out.append(f"{p.name}: its ## headings ({len(zh_headings)}) do not follow the English ones ({len(en_headings)}) one for one"
                   " (zh.lua gives each the English heading's anchor, in order)")
    en_solutions = [m.group(1) for c in cells if c["cell_type"] == "markdown" for m in _CALLOUT.finditer(src(c))]
    if SOLUTION.findall(text) != en_solutions: out.append(f"{p.name}: solutions {SOLUTION.findall(text)} != English {en_solutions}")
    marked = [m.group(1) for m in MARKER.finditer(text)]
    gone = [cid for cid in marked if cid not in by_id]
    if gone: out.append(f"{p.name}: markers name cells the notebook no longer has: {', '.join(gone)}")
    if "TRANSLATE" in text: out.append(f"{p.name}: untranslated TRANSLATE placeholders")
    prose = EMBED.sub("", MARKER.sub("", text))
    han = len(re.findall(r"[\u4e00-\u9fff]", prose))
    if han < 0.15 * len(re.findall(r"[A-Za-z]", re.sub(r"\$[^$]*\$|`[^`]*`|\([^)]*\)|\{[^}]*\}", "", prose))):
        out.append(f"{p.name}: mostly English prose ({han} Chinese characters)")
    return out


def problems(stems=None):
    "Every structural problem of the Chinese edition: pages on both sides, embeds, figures, headings, solutions."
    stems = stems or sorted(set(english_stems()) | set(zh_stems()))
    return [p for s in stems for p in page_problems(s)]


def stale(stem):
    "Markers whose English cell changed since it was translated: (cell id, first line of its English text)."
    by_id = {c["id"]: c for c in notebook(stem)["cells"]}
    return [(cid, src(by_id[cid]).splitlines()[0][:80]) for cid, h in MARKER.findall(zh_path(stem).read_text())
            if cid in by_id and digest(src(by_id[cid])) != h]


def main(argv):
    if not argv: print(__doc__); return 2
    cmd, args = argv[0], [a for a in argv[1:] if not a.startswith("--")]
    if cmd == "skeleton":
        for stem in args:
            p = zh_path(stem)
            if p.exists() and "--force" not in argv: print(f"{p} exists (use --force to overwrite)"); return 1
            p.write_text(skeleton(stem)); print(f"wrote {p.relative_to(ROOT)}")
        return 0
    if cmd == "check":
        found = problems(args or None)
        for f in found: print(f)
        print(f"{len(found)} problem(s) in {len(args) or len(set(english_stems()) | set(zh_stems()))} page pair(s)")
        return 1 if found else 0
    if cmd == "stamp":  # the translation of these cells is up to date again: record their English text's hash
        stem, cells = args[0], args[1:]
        p, by_id = zh_path(stem), {c["id"]: c for c in notebook(stem)["cells"]}
        text = MARKER.sub(lambda m: f"<!-- en {m.group(1)} {digest(src(by_id[m.group(1)]))} -->"
                          if m.group(1) in cells and m.group(1) in by_id else m.group(0), p.read_text())
        p.write_text(text); print(f"stamped {', '.join(cells)} in {p.name}")
        return 0
    if cmd == "stale":
        n = 0
        for stem in args or zh_stems():
            for cid, line in stale(stem): print(f"{stem}.zh.qmd: English cell {cid} changed since translated: {line}"); n += 1
        print(f"{n} stale translation(s)")
        return 1 if n else 0
    print(__doc__); return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
