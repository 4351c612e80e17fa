"""Link the chapter mentions in a notebook's prose: "chapter 05" -> "[chapter 05](05_network.ipynb)",
"chapters 02 and 08" -> "chapters [02](02_descent.ipynb) and [08](08_optimizers.ipynb)".

Links to the notebook work in Jupyter and on the site (Quarto resolves them to the rendered page).
Mentions inside links, code spans and math are left alone, and so is a chapter's mention of itself.
Usage: python tools/link_chapters.py NOTEBOOK ...          rewrite the markdown cells in place
       python tools/link_chapters.py --check NOTEBOOK ...  list unlinked mentions, exit 1 if any
The reading rule `chapter-link` (tools/reading_rules.py) fails on what this tool would change.
"""
import json, re, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from reading_rules import _CHAPTER, _NUM, _PROTECT, chapter_files, unlinked_chapters  # noqa: E402


def link_text(text, chapters, own=None):
    "`text` with every unlinked chapter mention turned into a link."
    def one(m):
        word, nums = m.group(1), m.group(2)
        todo = [n for n in _NUM.findall(nums) if n in chapters and n != own]
        if not todo: return m.group(0)
        if len(_NUM.findall(nums)) == 1: return f"[{word} {nums}]({chapters[nums]})"
        return word + " " + _NUM.sub(lambda k: f"[{k.group(0)}]({chapters[k.group(0)]})"
                                     if k.group(0) in todo else k.group(0), nums)
    parts, keep = _PROTECT.split(text), _PROTECT.findall(text)
    out = [_CHAPTER.sub(one, p) for p in parts]
    return "".join(o + (keep[i] if i < len(keep) else "") for i, o in enumerate(out))


def link_notebook(path, check=False):
    "Rewrite (or, with check=True, only count) the unlinked chapter mentions of one notebook."
    path = Path(path)
    nb = json.loads(path.read_text())
    chapters, own, n = chapter_files(path.parent), path.name.split("_")[0], 0
    for c in nb["cells"]:
        if c["cell_type"] != "markdown": continue
        src = "".join(c["source"])
        found = unlinked_chapters(src, chapters, own)
        n += len(found)
        if found and not check:
            new = link_text(src, chapters, own)
            c["source"] = new.splitlines(keepends=True)
    if n and not check:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return n


if __name__ == "__main__":
    check = "--check" in sys.argv
    total = 0
    for p in [a for a in sys.argv[1:] if a != "--check"]:
        n = link_notebook(p, check)
        total += n
        print(f"{p}: {n} chapter mention(s) {'unlinked' if check else 'linked'}")
    sys.exit(1 if check and total else 0)
