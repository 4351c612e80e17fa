"""Render the book's site with Quarto, or say clearly why it cannot and what was done.

Called by `make book` after every notebook has been executed (outputs saved) and cleaned.
With Quarto on PATH: `nbdev-docs` renders the site into `_docs/` (checked: `_docs/index.html`), then
`tools/mathjax.py` copies the pinned MathJax (npm `mathjax@3.2.2`) into `_docs/mathjax/`, so the math
typesets with no network (`nbs/_quarto.yml` points `html-math-method` there).
`--proc-only` builds `_proc/` and stops (the test suite uses it to check the doc build).
`--check-fonts` exits with status 4 and what to install when matplotlib has no font with Chinese glyphs
(the figures' labels are bilingual); `make book` runs it before executing the notebooks.
Without Quarto: the notebooks are still processed into `_proc/` (what Quarto would render) and
the script exits with status 3 and a message on how to install Quarto.
"""
import re, shutil, sys
from pathlib import Path

INSTALL = """Quarto is not installed, so the site was not rendered.

What was done: every notebook in nbs/ was executed (slow cells included) with its outputs and
figures saved, cleaned with nbdev-clean, the library exported, and _proc/ built by nbdev's
notebook processing (the exact input Quarto renders).

To render the site into _docs/:
  * Linux (Debian/Ubuntu): download the .deb from https://quarto.org/docs/get-started/ and
      sudo dpkg -i quarto-*-linux-amd64.deb
    or, without root: download the .tar.gz there, unpack it and put its bin/ on PATH;
  * macOS: brew install --cask quarto  (or the .pkg from the same page);
  * Windows: the .msi from the same page.
Then run `make book` again (or just `.venv/bin/nbdev-docs`). Preview locally with
`.venv/bin/nbdev-preview`."""


def proc():
    "What nbdev-proc-nbs does, without its attempt to install Quarto: refresh nbdev.yml, build `_proc/`."
    from nbdev.quarto import refresh_quarto_yml
    from nbdev.doclinks import _build_modidx
    from nbdev.serve import proc_nbs
    refresh_quarto_yml()
    _build_modidx()
    cache = proc_nbs()
    print(f"Processed {len(list(Path(cache).glob('*.ipynb')))} notebooks into {cache}/.", file=sys.stderr)
    return cache


# What Quarto loads from CDNs and the book does not use: a polyfill for pre-2017 browsers (MathJax 3 needs
# none), and require.js + jQuery, added to every page with an HTML output for "JavaScript widgets" such as
# plotly (the book's interactive figures are plain HTML and a few lines of JavaScript).
_CDN = [re.compile(r'\s*<script src="https://cdnjs\.cloudflare\.com/polyfill/[^"]*"></script>'),
        re.compile(r'\s*<script src="https://cdnjs\.cloudflare\.com/ajax/libs/(require\.js|jquery)/[^"]*"[^>]*></script>'),
        re.compile(r'\s*<script type="application/javascript">define\(\'jquery\', \[\],function\(\) \{return window\.jQuery;\}\)</script>')]


# Quarto marks an embedded cell (the Chinese pages) with the build machine's path to its notebook
_LOCAL = re.compile(r' data-notebook="[^"]*"')


def strip_network(docs):
    "Remove the scripts Quarto adds from CDNs, so that every page loads with no network (tests/test_site.py checks)."
    for page in Path(docs).glob("*.html"):
        text = page.read_text()
        new = text
        for pat in _CDN: new = pat.sub("", new)
        new = _LOCAL.sub("", new)
        if new != text: page.write_text(new)


FONTS = """No font with Chinese glyphs was found, so the figures' Chinese words would be drawn as boxes.

The book's figures are shared by its English and Chinese editions, so their labels are bilingual; matplotlib
needs one CJK font (dlnotes.plots.CJK_FONTS lists those it looks for). Install one and run `make book` again:
  * Debian/Ubuntu: sudo apt-get install fonts-noto-cjk      * Fedora: sudo dnf install google-noto-sans-cjk-fonts
  * macOS and Windows have one already (PingFang SC, Microsoft YaHei).
If it is installed and still not found, delete matplotlib's font cache (~/.cache/matplotlib) and retry."""


def check_fonts():
    "Exit status 4 with how to install one, if matplotlib has no CJK font (`make book` runs this first)."
    from dlnotes.plots import cjk_font
    font = cjk_font()
    if font is None:
        print(FONTS, file=sys.stderr)
        return 4
    print(f"Chinese in figures: {font}")
    return 0


def share_figures(docs):
    """Point each Chinese page's figures at the English page's copy of the same file and drop its own.

    Quarto copies every embedded figure into the Chinese page's `*.zh_files/`; they are the same bytes as the
    English page's (tests/test_site.py checks), so one copy serves both editions and the site stays in budget.
    Returns the bytes saved."""
    import hashlib
    from functools import lru_cache
    docs, saved = Path(docs), 0
    digest = lru_cache(maxsize=None)(lambda f: hashlib.sha256(f.read_bytes()).hexdigest())
    english = {}
    for d in docs.glob("*_files"):
        if d.name.endswith(".zh_files"): continue
        for f in d.rglob("*"):
            if f.is_file(): english.setdefault(digest(f), f.relative_to(docs).as_posix())

    def swap(m):
        f = docs / m.group(2)
        twin = english.get(digest(f)) if f.is_file() else None
        return m.group(1) + twin if twin else m.group(0)
    texts = []
    for page in list(docs.glob("*.zh.html")) + list(docs.glob("*.zh.html.md")):
        text = page.read_text()
        new = re.sub(r'(src="|\]\(|href=")([^"()#]+\.zh_files/[^"()#]+)', swap, text)
        if new != text: page.write_text(new)
        texts.append(new)
    used = "\n".join(texts)  # what the Chinese pages still refer to after the swap
    for d in docs.glob("*.zh_files"):
        for f in d.rglob("*"):
            if f.is_file() and digest(f) in english and f.relative_to(docs).as_posix() not in used:
                saved += f.stat().st_size
                f.unlink()
    return saved


# The footer comes from nbs/_quarto.yml (site-wide, English); on the Chinese pages it reads in Chinese and its
# glossary link goes to the Chinese glossary (tests/test_site.py checks both editions' footers).
ZH_FOOTER = {'<p>dlnotes — deep-learning fundamentals, tested (深度学习基础). Apache-2.0.</p>':
             '<p>dlnotes：经过检验的深度学习基础。Apache-2.0 许可。</p>',
             '<p>Source on GitHub</p>': '<p>GitHub 上的源代码</p>',
             'href="./glossary.html">\n<p>Glossary (术语表)</p>': 'href="./glossary.zh.html">\n<p>术语表</p>'}


def localize_footers(docs):
    "The Chinese pages' footer in Chinese (ZH_FOOTER); returns how many pages changed."
    n = 0
    for page in Path(docs).glob("*.zh.html"):
        text = page.read_text()
        head, sep, foot = text.rpartition('<footer class="footer">')
        if not sep: continue
        new = foot
        for en, zh in ZH_FOOTER.items(): new = new.replace(en, zh)
        if new != foot: page.write_text(head + sep + new); n += 1
    return n


def main(argv):
    from nbdev.config import get_config
    if "--check-fonts" in argv: return check_fonts()
    cfg = get_config()
    if "--proc-only" in argv:
        proc()
        return 0
    if shutil.which("quarto"):
        from nbdev.quarto import nbdev_docs
        nbdev_docs.__wrapped__()
        index = Path(cfg.doc_path) / "index.html"
        if not index.exists(): sys.exit(f"Quarto ran but {index} was not produced.")
        strip_network(Path(cfg.doc_path))
        saved = share_figures(Path(cfg.doc_path))
        localize_footers(Path(cfg.doc_path))
        sys.path.insert(0, str(Path(__file__).parent))
        import mathjax
        n = mathjax.install(Path(cfg.doc_path) / "mathjax")
        print(f"Site rendered: {index} (with MathJax {mathjax.VERSION}, {n / 1e6:.1f} MB, for offline math; "
              f"the Chinese pages share the English pages' figures, {saved / 1e6:.1f} MB saved)")
        return 0
    proc()
    print(INSTALL, file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
