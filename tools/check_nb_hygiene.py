"""Static checks that keep a notebook renderable by nbdev's doc build and its saved outputs worth reading.

nbdev's site build (`nbdev-proc-nbs`, `nbdev-docs`) re-executes, in a fresh kernel, only the exported cells,
the `show_doc` cells and every cell that contains an import. A non-exported cell that mixes an import with
other code therefore runs without the cells before it and fails. Rule checked here: a non-exported code cell
that contains an import has only imports (and function/class definitions) at top level.
The site shows the outputs saved in the notebooks, so also: no saved error, every (visible) plotting cell has
its image, and every chapter was executed before it was committed.
Usage: python tools/check_nb_hygiene.py [NOTEBOOK ...]   (default: nbs/*.ipynb). Exit 1 if any problem.
"""
import ast, json, re, sys
from pathlib import Path

_EXPORT = re.compile(r"^\s*#\|\s*(export|exports|exporti|exec_doc)\b", re.M)
_OK_TOP = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)


def _code(src):
    "Source with IPython magics/shell lines blanked so that `ast` can parse it."
    return "\n".join("" if l.lstrip().startswith(("%", "!")) else l for l in src.splitlines())


def problems(path):
    nb = json.loads(Path(path).read_text())
    out = []
    for i, c in enumerate(nb["cells"]):
        if c["cell_type"] != "code": continue
        src = "".join(c["source"])
        if _EXPORT.search(src): continue
        try: tree = ast.parse(_code(src))
        except SyntaxError as e:
            out.append(f"cell {i}: does not parse: {e}"); continue
        has_import = any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree))
        if has_import and not all(isinstance(n, _OK_TOP) or _guarded_import(n) for n in tree.body):
            first = src.strip().splitlines()[0][:70]
            out.append(f"cell {i} ({first!r}): mixes imports with other code; move the imports to an imports-only cell")
    return out


def _guarded_import(node):
    "`try: import x` / `except ImportError: x = None`: an optional import is still an imports-only statement."
    return (isinstance(node, ast.Try) and node.body and all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in node.body)
            and all(isinstance(n, (ast.Assign, ast.Pass)) for h in node.handlers for n in h.body)
            and not node.orelse and not node.finalbody)


def _only_defs(src):
    "Does the cell only define functions/classes (a drawing function is not a drawing)?"
    try: tree = ast.parse(_code(src))
    except SyntaxError: return False
    return bool(tree.body) and all(isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)) for n in tree.body)


_PLOT = re.compile(r"\b(plt\.|plot_\w*\(|\.plot\(|\.imshow\(|\.hist\(|\.scatter\(|\.contour|show_images\()")


def output_problems(path):
    "Saved outputs that would render broken: errors, plotting cells without an image, a chapter never executed."
    nb = json.loads(Path(path).read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    out, n_out = [], 0
    for i, c in enumerate(code):
        src, outs = "".join(c["source"]), c.get("outputs", [])
        n_out += len(outs)
        if any(o.get("output_type") == "error" for o in outs): out.append(f"code cell {i}: saved an error output")
        if re.search(r"#\|\s*(export|hide)", src): continue
        images = any({"image/png", "image/svg+xml"} & set(o.get("data", {})) for o in outs)
        images = images or any("dlnotes-interactive" in "".join(o.get("data", {}).get("text/html", "")) for o in outs)
        if _PLOT.search(src) and not images and not _only_defs(src):
            out.append(f"code cell {i}: draws a plot but has no saved image")
    if code and n_out == 0 and Path(path).stem != "index": out.append("no saved outputs at all (never executed?)")
    return out


def main(paths):
    paths = paths or sorted(Path("nbs").glob("*.ipynb"))
    bad = 0
    for p in paths:
        for msg in problems(p) + output_problems(p):
            print(f"{p}: {msg}"); bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
