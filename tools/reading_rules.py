"""The reading rules of DESIGN.md ("How a chapter reads"), checked on the saved notebooks.

Visible cells are the lesson and outputs fit the page. A rule is broken by
  tool-import   a visible cell importing fastcore.test, nbdev.showdoc or threadpoolctl (hide it: `#| hide`)
  test-fail     `test_fail` in a visible cell: bad-input blocks belong in `#| hide` cells or tests/
  test-wall     a visible cell dominated by checks: 3+ `test_*`/`assert` statements, or 2+ that are more
                than half of its statements (a visible check is one short line stating the claim)
  wide-output   a saved text output line wider than WIDTH characters (the code column)
  long-repr     a numpy/torch scalar repr (`np.float64(…)`) or an `array([…`/`tensor([…` spanning lines
  timing        a timing in a saved output ("1.2 ms", "Wall time", "it/s") or a visible %time/%timeit
  fig-caption   a visible cell that draws a figure without both `#| fig-cap:` and `#| fig-alt:` (an
                interactive figure carries its own <figcaption> and alt text: interactive_sweep requires them)
  fold-plot     a visible cell that draws a figure with more than FOLD lines of code, not `#| code-fold: true`
  chapter-link  "chapter 05" in the prose without a link to it (`python tools/link_chapters.py` adds them)
  raw-traceback a saved error output
  bad-directive a `#| key: value` whose value is not valid YAML (e.g. an unquoted caption with ": " in it):
                Quarto stops the whole site build on it; quote the value. Never allow-listed.
Chapters not yet converted to the reader's edition are on ALLOW (notebook stem -> rules it may break,
or ALL); the reader's-edition issues remove them. tests/test_reading.py fails on any other violation.
Usage: python tools/reading_rules.py [--all] [NOTEBOOK ...]   (--all ignores the allow-list)
"""
import ast, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDTH = 90
RULES = ("tool-import", "test-fail", "test-wall", "wide-output", "long-repr", "timing", "fig-caption",
         "fold-plot", "chapter-link", "raw-traceback", "bad-directive")
FOLD = 6  # plotting code longer than this many lines is folded
ALL = frozenset(RULES) - {"bad-directive"}  # a broken directive breaks the site build: never allowed
# Not yet converted: remove a chapter from here when its reader's edition lands (then it must have zero).
ALLOW = {

}
# Notebooks that already follow every rule and must stay that way (tests/test_reading.py).
CONVERTED = ("index", "00_guess", "01_gradients", "02_descent", "03_activations", "04_losses", "91_plots", "99_exercises", "glossary", "90_data", "92_reproduce", "08_optimizers", "10_beam", "05_network", "05a_training", "93_checks", "06_regularization", "07_init", "09_vanishing")

_DIRECTIVE = re.compile(r"^\s*#\|\s*([\w-]+)\s*:?\s*(.*)$")
_TOOLS = re.compile(r"^\s*(from|import)\s+(fastcore\.test|nbdev\.showdoc|threadpoolctl)\b", re.M)
_SCALAR = re.compile(r"\b(np|numpy)\.(float|int|uint|bool_|complex)\w*\(|\btensor\(\d")
_MULTI = re.compile(r"\b(array|tensor)\(\[")
_TIMING = re.compile(r"\b\d+(\.\d+)?\s?(ms|µs|μs|ns|msec|sec|seconds?)\b|Wall time|CPU times|\bit/s\b|"
                     r"\bper loop\b|\btook \d")
_PLOT = re.compile(r"\b(plt\.|plot_\w*\(|\.plot\(|\.imshow\(|\.hist\(|\.scatter\(|\.contour|show_images\(|"
                   r"interactive_sweep\(|subplots\()")
_CHAPTER = re.compile(r"\b([Cc]hapters?)\s+((?:\d\d[a-z]?)(?:(?:,\s*|\s+and\s+|\s+or\s+|\s*[–-]\s*)\d\d[a-z]?\b)*)")
_NUM = re.compile(r"\b\d\d[a-z]?\b")
# spans where a chapter mention is not prose to link: links, code, math, HTML tags, headings
_PROTECT = re.compile(r"\[[^\]]*\]\([^)]*\)|`[^`]*`|\$\$.*?\$\$|\$[^$\n]*\$|<[^>]+>|(?m:^#{1,6} [^\n]*$)", re.S)


def directives(src):
    "The cell's `#| key: value` directives (leading comment lines only), as a dict."
    out = {}
    for line in src.splitlines():
        m = _DIRECTIVE.match(line)
        if not m:
            if line.strip() and not line.lstrip().startswith("#"): break
            continue
        out[m.group(1)] = m.group(2).strip()
    return out


def _false(v): return v.strip().lower() in ("false", "0", "no")


def code_visible(d): return not ("hide" in d or _false(d.get("include", "true")) or _false(d.get("echo", "true")))


def output_visible(d): return not ("hide" in d or _false(d.get("include", "true")) or _false(d.get("output", "true")))


def _code(src): return "\n".join("" if l.lstrip().startswith(("%", "!")) else l for l in src.splitlines())


def _is_check(node):
    if isinstance(node, ast.Assert): return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        f = node.value.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        return name.startswith("test_")
    return False


def _statements(tree):
    "Top-level statements, with the bodies of `for`/`with`/`if` blocks counted as their statements."
    out = []
    for n in tree.body:
        if isinstance(n, (ast.For, ast.With, ast.If, ast.While)): out.extend(_statements(ast.Module(n.body, [])) or [n])
        else: out.append(n)
    return out


def _texts(o):
    "The text lines a saved output shows as plain text (rich outputs such as Markdown/HTML/images excluded)."
    if o.get("output_type") == "stream": return "".join(o.get("text", "")).splitlines()
    data = o.get("data", {})
    if set(data) & {"text/html", "text/markdown", "image/png", "image/svg+xml", "image/jpeg"}: return []
    return "".join(data.get("text/plain", "")).splitlines()


def chapter_files(nbs=ROOT / "nbs"):
    "Chapter number ('05', '05a') -> notebook file name, for chapters 00-89."
    out = {}
    for p in sorted(Path(nbs).glob("[0-8][0-9]*_*.ipynb")):
        out[p.name.split("_")[0]] = p.name
    return out


def unlinked_chapters(text, chapters, own=None):
    "Chapter mentions ('chapter 05', 'chapters 03 and 05') in markdown `text` that are not links."
    out = []
    for i, seg in enumerate(_PROTECT.split(text)):
        for m in _CHAPTER.finditer(seg):
            out += [n for n in _NUM.findall(m.group(2)) if n in chapters and n != own]
    return out


def _yaml_ok(key, value):
    "Would Quarto's YAML parser accept `key: value`?"
    import yaml
    try: yaml.safe_load(f"{key}: {value}")
    except yaml.YAMLError: return False
    return True


def violations(path):
    "List of (rule, where, what) for one notebook, ignoring the allow-list."
    path = Path(path)
    nb = json.loads(path.read_text())
    chapters, own = chapter_files(path.parent), path.name.split("_")[0]
    out, k = [], 0
    for i, c in enumerate(nb["cells"]):
        src = "".join(c["source"])
        if c["cell_type"] == "markdown":
            for n in unlinked_chapters(src, chapters, own):
                out.append(("chapter-link", f"markdown cell {i}", f"'chapter {n}' is not linked"))
            continue
        if c["cell_type"] != "code": continue
        d, first = directives(src), (src.strip().splitlines() or [""])[0][:60]
        where = f"code cell {i} ({first!r})"
        for key, value in d.items():
            if value and not _yaml_ok(key, value):
                out.append(("bad-directive", where, f"#| {key}: is not valid YAML; quote the value"))
        outs = c.get("outputs", [])
        if code_visible(d):
            if _TOOLS.search(src): out.append(("tool-import", where, "imports a test/doc tool in a visible cell"))
            if re.search(r"\btest_fail\(", src): out.append(("test-fail", where, "test_fail in a visible cell"))
            try: stmts = _statements(ast.parse(_code(src)))
            except SyntaxError: stmts = []
            checks = sum(_is_check(s) for s in stmts)
            if checks >= 3 or (checks >= 2 and 2 * checks > len(stmts)):
                out.append(("test-wall", where, f"{checks} of {len(stmts)} statements are checks"))
            if re.search(r"^\s*%%?(time|timeit)\b", src, re.M): out.append(("timing", where, "visible %time"))
        if any(o.get("output_type") == "error" for o in outs):
            out.append(("raw-traceback", where, "saved error output"))
        if not output_visible(d): continue
        images = any({"image/png", "image/svg+xml", "image/jpeg"} & set(o.get("data", {})) for o in outs)
        html = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outs)
        if images and not ("fig-cap" in d and "fig-alt" in d):
            out.append(("fig-caption", where, "a figure without #| fig-cap and #| fig-alt"))
        n_code = sum(1 for l in src.splitlines() if l.strip() and not _DIRECTIVE.match(l))
        if (images or "dlnotes-interactive" in html) and code_visible(d) and n_code > FOLD and d.get("code-fold") != "true":
            out.append(("fold-plot", where, f"{n_code} lines of plotting code, not folded (#| code-fold: true)"))
        if "dlnotes-interactive" in html and not (re.search(r"<figcaption>\s*\S", html) and re.search(r'<img [^>]*alt="\s*[^"\s]', html)):
            out.append(("fig-caption", where, "an interactive figure without a caption and alt text"))
        for o in outs:
            lines = _texts(o)
            for l in lines:
                if len(l) > WIDTH: out.append(("wide-output", where, f"{len(l)} chars: {l[:50]!r}…"))
            text = "\n".join(lines)
            if _SCALAR.search(text): out.append(("long-repr", where, f"scalar repr: {_SCALAR.search(text).group(0)}…"))
            for m in _MULTI.finditer(text):
                if "\n" in text[m.start():text.find(")", m.start()) if ")" in text[m.start():] else len(text)]:
                    out.append(("long-repr", where, "an array repr spanning lines")); break
            if _TIMING.search(text): out.append(("timing", where, f"timing in output: {_TIMING.search(text).group(0)!r}"))
    return out


def allowed(path): return ALLOW.get(Path(path).stem, frozenset())


def problems(path):
    "Violations of the rules this notebook is not allowed to break."
    ok = allowed(path)
    return [v for v in violations(path) if v[0] not in ok]


def main(argv):
    every = "--all" in argv
    paths = [Path(a) for a in argv if a != "--all"] or sorted((ROOT / "nbs").glob("*.ipynb"))
    total = 0
    for p in paths:
        vs = violations(p) if every else problems(p)
        total += len(vs)
        counts = {}
        for r, _, _ in vs: counts[r] = counts.get(r, 0) + 1
        note = " (allow-listed)" if (not every and allowed(p)) else ""
        print(f"{p.name}: {len(vs)} violations{note}" + (f" {counts}" if counts else ""))
        if not every or len(argv) > 1:
            for r, w, what in vs: print(f"  [{r}] {w}: {what}")
    print(f"total: {total}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
