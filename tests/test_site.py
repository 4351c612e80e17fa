"""The rendered site in a real browser: Playwright driving Debian's Chromium, with the network blocked.

Runs when `quarto` is on PATH, a Chromium is installed (`chromium` on PATH or /usr/bin/chromium) and the
`playwright` package imports; otherwise every test here is skipped with the reason (CI has no Quarto).
The site is rendered with `tools/render_book.py` (what `make book` does after executing the notebooks),
unless `_docs/` is newer than every notebook and the site configuration (or DLNOTES_SITE_REUSE=1 is set
and `_docs/` exists: check the site as it is). Then each page is loaded from a
local HTTP server, every request to any other host aborted, at 1280 px and at 390 px, and checked:
site-wide (every page): nothing is requested from the network, images load, internal links and their anchors resolve, MathJax typesets every
formula (no raw TeX left), no page is wider than a 390 px phone, previous/next links;
class signatures read `class Name(`;
both editions: every page links to its twin in the other language and back, `<html lang>` says which,
the search box finds pages of both from a Chinese and an English query;
per chapter (chapters on tools/reading_rules.ALLOW are exempt until converted): no output block, table or
display equation wider than its column at 1280 px, every figure has a caption and alt text and opens
enlarged on a click (lightbox), every interactive figure's slider changes it.
Screenshots of index, chapter 00 and chapter 02 at both widths go to _book_out/screens/, the summary line
to _book_out/site_report.txt. Run: `.venv/bin/python -m pytest tests/test_site.py -q -s`.
"""
import functools, http.server, os, re, shutil, socketserver, subprocess, sys, threading
from urllib.parse import unquote
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS, NBS, OUT = ROOT / "_docs", ROOT / "nbs", ROOT / "_book_out"
sys.path.insert(0, str(ROOT / "tools"))
from reading_rules import ALLOW  # noqa: E402

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
try:
    import playwright.sync_api  # noqa: F401
    HAVE_PLAYWRIGHT = True
except ImportError:
    HAVE_PLAYWRIGHT = False
WHY = ("Quarto is not on PATH (the site cannot be rendered)" if shutil.which("quarto") is None else
       "no Chromium (chromium on PATH or /usr/bin/chromium)" if CHROMIUM is None else
       "the playwright package is not installed (pip install playwright)" if not HAVE_PLAYWRIGHT else None)
needs_site = pytest.mark.skipif(WHY is not None, reason=f"browser test of the site skipped: {WHY}")

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
DESKTOP, PHONE = 1280, 390
SCREENS = {"index", "00_guess", "02_descent", "index.zh", "02_descent.zh"}

# Measured in the page after load (and after MathJax has typeset): one JSON object per page.
PROBE = r"""async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  await new Promise(r => setTimeout(r, 50));
  const main = document.querySelector('main#quarto-document-content') || document.querySelector('main');
  const col = main ? main.getBoundingClientRect() : {left: 0, right: innerWidth, width: innerWidth};
  const txt = e => (e.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 60);
  const wide = [];
  for (const e of (main ? main.querySelectorAll('.cell-output pre, .cell-output-stdout pre, .cell-output-display pre, .cell-output-display table, .cell-output table') : [])) {
    const r = e.getBoundingClientRect();
    if (e.scrollWidth > e.clientWidth + 2 || r.right > col.right + 2) wide.push('output: ' + txt(e));
  }
  for (const e of (main ? main.querySelectorAll('mjx-container[display="true"]') : [])) {
    const r = e.getBoundingClientRect(), inner = e.firstElementChild ? e.firstElementChild.getBoundingClientRect() : r;
    if (r.right > col.right + 2 || inner.width > col.width + 2 || e.scrollWidth > e.clientWidth + 2) wide.push('equation: ' + txt(e));
  }
  const rawtex = [...document.querySelectorAll('span.math')].filter(e => !e.querySelector('mjx-container')).map(txt);
  // TeX that never became math: "$1 - $ friction", a stray \frac, outside code and outside typeset formulas
  const walker = document.createTreeWalker(main || document.body, NodeFilter.SHOW_TEXT);
  const TEX = /\$[^$\s][^$]*\$|\\(frac|mathrm|sum|sigma|eta|lambda|partial|left|right)\b|\\[\(\[]/;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest('code, pre, script, style, mjx-container, .sourceCode, textarea')) continue;
    const m = n.textContent.match(TEX);
    if (m) rawtex.push('raw TeX in text: ' + n.textContent.trim().slice(Math.max(0, m.index - 20), m.index + 40));
  }
  const imgs = main ? [...main.querySelectorAll('img')] : [];
  const broken = [...document.querySelectorAll('img')].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'));
  const nocap = imgs.filter(i => !i.closest('.dlnotes-interactive')).filter(i => {
    const f = i.closest('figure'); const cap = f && f.querySelector('figcaption');
    return !(cap && cap.textContent.trim()) || !(i.getAttribute('alt') || '').trim();
  }).map(i => (i.getAttribute('src') || '').slice(0, 60));
  for (const i of imgs) if (!i.closest('.dlnotes-interactive') && !i.closest('a.lightbox')) nocap.push('not click-to-enlarge: ' + (i.getAttribute('src') || '').slice(0, 50));
  for (const f of document.querySelectorAll('.dlnotes-interactive')) {
    const cap = f.querySelector('figcaption'), im = f.querySelector('img');
    if (!(cap && cap.textContent.trim()) || !(im && (im.getAttribute('alt') || '').trim())) nocap.push('interactive figure');
  }
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  // show_doc's signature blocks (not the notebook's code cells): a class must read `class Name(`, not `def Name(`
  const defclass = (main ? [...main.querySelectorAll('div.sourceCode:not(.cell-code) pre code, pre.sourceCode:not(.cell-code) code')] : [])
    .filter(c => !c.closest('.cell-code, .cell > .sourceCode') && /^def [A-Z]\w*\(/.test(c.textContent.trim())).map(c => c.textContent.trim().slice(0, 40));
  return {width: document.documentElement.scrollWidth, wide, rawtex, broken, nocap, links, defclass, nimg: imgs.length,
          prev: !!document.querySelector('.page-navigation .nav-page-previous a'),
          next: !!document.querySelector('.page-navigation .nav-page-next a'),
          source: (document.querySelector('a[href*="/blob/"][href$=".ipynb"], a[href*="/blob/"][href$=".zh.qmd"]') || {}).href || null,
          lang: document.documentElement.lang,
          footer: [...document.querySelectorAll('footer a[href]')].map(a => (a.getAttribute('href') || '').split('/').pop() + ' ' + a.textContent.trim()),
          imgsrc: imgs.map(i => i.getAttribute('src') || ''),
          switch: (document.querySelector('main p.lang-switch a') || {}).href || null,
          ninteractive: document.querySelectorAll('.dlnotes-interactive').length,
          nmath: document.querySelectorAll('mjx-container').length};
}"""

# Drive each interactive figure's slider to its other end: the picture must change.
SLIDE = r"""() => [...document.querySelectorAll('.dlnotes-interactive')].map(f => {
  const s = f.querySelector('input[type=range]'), im = f.querySelector('img');
  if (!s || !im) return false;
  const before = im.src, v0 = s.value;
  s.value = (s.value === s.max) ? s.min : s.max; s.dispatchEvent(new Event('input', {bubbles: true}));
  const changed = im.src !== before; s.value = v0; s.dispatchEvent(new Event('input', {bubbles: true}));
  return changed;
})"""


# Queries for the search box, and a page each must find: one in each language (search.json indexes both editions)
SEARCHES = {"反向传播": "network.zh.html", "backpropagation": "network.html"}


def _search(page, url, query):
    "Type `query` into the site's search box (Quarto's autocomplete) and return the result links' pages."
    page.goto(url, wait_until="load", timeout=60_000)
    page.click("#quarto-search .aa-DetachedSearchButton, #quarto-search button, #quarto-search input", timeout=10_000)
    page.wait_for_selector("input.aa-Input", state="visible", timeout=10_000)
    page.fill("input.aa-Input", query)
    try: page.wait_for_selector(".aa-Item a, .aa-Panel a[href]", timeout=10_000)
    except Exception: return []
    hrefs = page.eval_on_selector_all(".aa-Item a[href], .aa-Panel a[href]", "as => as.map(a => a.href)")
    page.keyboard.press("Escape")
    return sorted({h.split("#")[0].split("?")[0].split("/")[-1] for h in hrefs})


def _stale():
    index = DOCS / "index.html"
    if not index.exists(): return True
    src = [*NBS.glob("*.ipynb"), *NBS.glob("*.qmd"), *NBS.glob("*.md"), *NBS.glob("*.yml"), *NBS.glob("*.css"),
           *NBS.glob("*.scss"), *NBS.glob("*.lua"),
           ROOT / "tools" / "mathjax.py", ROOT / "tools" / "render_book.py"]
    return max(p.stat().st_mtime for p in src) > index.stat().st_mtime or not (DOCS / "mathjax").exists()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass


def _ids(html):
    return set(re.findall(r'\bid="([^"]+)"', html))


@pytest.fixture(scope="module")
def site():
    "Render if needed, serve _docs/ on localhost, visit every page; returns the measurements per page."
    if _stale() and not (os.environ.get("DLNOTES_SITE_REUSE") and (DOCS / "index.html").exists()):
        r = subprocess.run([sys.executable, str(ROOT / "tools" / "render_book.py")], cwd=ROOT, capture_output=True,
                           text=True, timeout=1800)
        errors = [l for l in (r.stdout + r.stderr).splitlines() if "ERROR" in l or "Error in notebook" in l]
        assert r.returncode == 0, "the site did not render:\n" + "\n".join(errors[:10]) + "\n...\n" + r.stderr[-3000:]
    pages = sorted(p.name for p in DOCS.glob("*.html"))
    handler = functools.partial(_Quiet, directory=str(DOCS))
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}/"
    from playwright.sync_api import sync_playwright
    res, blocked = {}, set()
    (OUT / "screens").mkdir(parents=True, exist_ok=True)
    (OUT / "site_report.txt").unlink(missing_ok=True)

    def route(r):
        if r.request.url.startswith(base) or r.request.url.startswith("data:"): r.continue_()
        else: blocked.add(r.request.url.split("?")[0][:100]); r.abort()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for width, height in [(DESKTOP, 900), (PHONE, 844)]:
                ctx = browser.new_context(viewport={"width": width, "height": height}, service_workers="block")
                ctx.route("**/*", route)
                page = ctx.new_page()
                errors = []
                page.on("pageerror", lambda e: errors.append(str(e)[:120]))
                for name in pages:
                    errors.clear()
                    page.goto(base + name, wait_until="load", timeout=60_000)
                    m = page.evaluate(PROBE)
                    m["jserrors"] = list(errors)
                    if width == DESKTOP: m["slides"] = page.evaluate(SLIDE)
                    stem = Path(m["source"]).stem if m["source"] else Path(name).stem
                    res.setdefault(name, {"stem": stem})[width] = m
                    if stem in SCREENS:
                        page.screenshot(path=str(OUT / "screens" / f"{stem}-{width}.png"), full_page=True)
                if width == DESKTOP: searches = {q: _search(page, base + "index.html", q) for q in SEARCHES}
                ctx.close()
            browser.close()
    finally:
        srv.shutdown(); srv.server_close()
    return {"pages": res, "base": base, "blocked": sorted(blocked), "searches": searches}


def _exempt(stem): return bool(ALLOW.get(stem))


def _report(site, rule, bad):
    "Record one rule's outcome in _book_out/site_report.txt; returns the failure text."
    OUT.mkdir(exist_ok=True)
    lines = [f"{p}: {x}" for p, xs in bad.items() for x in (xs if isinstance(xs, list) else [xs])]
    with open(OUT / "site_report.txt", "a") as f:
        f.write(f"{rule}: {len(site['pages'])} pages, {len(lines)} failures\n" + "".join(f"  {l}\n" for l in lines[:50]))
    return "\n".join(lines[:40])


@needs_site
def test_every_page_loads_with_math_typeset(site):
    assert len(site["pages"]) >= 15
    bad = {p: [f"raw TeX: {t}" for t in v[w]["rawtex"][:3]] for p, v in site["pages"].items() for w in (DESKTOP,)
           if v[w]["rawtex"]}
    assert not bad, _report(site, "math", bad)
    assert sum(v[DESKTOP]["nmath"] for v in site["pages"].values()) > 100  # MathJax ran offline
    _report(site, "math", {})


@needs_site
def test_nothing_is_loaded_from_the_network(site):
    bad = {"site": [f"requested {u}" for u in site["blocked"]]} if site["blocked"] else {}
    assert not bad, _report(site, "network", bad)
    _report(site, "network", {})


@needs_site
def test_no_javascript_errors(site):
    bad = {p: v[w]["jserrors"] for p, v in site["pages"].items() for w in (DESKTOP, PHONE) if v[w]["jserrors"]}
    assert not bad, _report(site, "javascript", bad)
    _report(site, "javascript", {})


@needs_site
def test_images_load(site):
    bad = {p: v[DESKTOP]["broken"] for p, v in site["pages"].items() if v[DESKTOP]["broken"]}
    assert not bad, _report(site, "images", bad)
    _report(site, "images", {})


@needs_site
def test_internal_links_resolve(site):
    base, bad, html = site["base"], {}, {}
    for p, v in site["pages"].items():
        for url in set(v[DESKTOP]["links"]):
            if not url.startswith(base): continue
            path, _, anchor = url[len(base):].partition("#")
            path, anchor = unquote(path), unquote(anchor)
            path = path.split("?")[0] or "index.html"
            target = DOCS / path
            if target.is_dir(): target = target / "index.html"
            if not target.exists(): bad.setdefault(p, []).append(f"missing {path}"); continue
            if anchor and target.suffix == ".html":
                ids = html.setdefault(target, _ids(target.read_text(errors="replace")))
                if anchor not in ids: bad.setdefault(p, []).append(f"dead anchor {path}#{anchor}")
    assert not bad, _report(site, "links", bad)
    _report(site, "links", {})


@needs_site
def test_class_signatures_read_class(site):
    "The API docs show a class as `class Name(`, not nbdev's `def Name(` (nbs/book_filter.lua)."
    bad = {p: v[DESKTOP]["defclass"] for p, v in site["pages"].items() if v[DESKTOP]["defclass"]}
    assert not bad, _report(site, "class signatures", bad)
    _report(site, "class signatures", {})


@needs_site
def test_no_page_wider_than_a_phone(site):
    bad = {p: f"{v[PHONE]['width']} px wide at {PHONE} px" for p, v in site["pages"].items() if v[PHONE]["width"] > PHONE + 1}
    assert not bad, _report(site, "phone width", bad)
    _report(site, "phone width", {})


@needs_site
def test_previous_next_navigation(site):
    pages, bad = site["pages"], {}
    for zh in (False, True):  # each edition is one sequence: only its first page lacks "previous", its last "next"
        edition = {p: v for p, v in pages.items() if p.endswith(".zh.html") == zh}
        no_prev = [p for p, v in edition.items() if not v[DESKTOP]["prev"]]
        no_next = [p for p, v in edition.items() if not v[DESKTOP]["next"]]
        bad.update({p: "no previous/next links" for p in set(no_prev) & set(no_next)})
        bad.update({p: "no previous link (only the first page may lack one)" for p in no_prev[1:] if p not in bad})
        bad.update({p: "no next link (only the last page may lack one)" for p in no_next[1:] if p not in bad})
    assert not bad, _report(site, "navigation", bad)
    assert {v["stem"] for p, v in pages.items() if v[DESKTOP]["source"]} >= {"00_guess", "index"}
    assert all("/blob/main/nbs/" in v[DESKTOP]["source"] for v in pages.values() if v[DESKTOP]["source"])
    _report(site, "navigation", {})


@needs_site
def test_outputs_and_equations_fit_the_column(site):
    bad = {p: v[DESKTOP]["wide"] for p, v in site["pages"].items() if v[DESKTOP]["wide"] and not _exempt(v["stem"])}
    assert not bad, _report(site, "column width", bad)
    _report(site, "column width", {})


@needs_site
def test_figures_have_captions(site):
    bad = {p: v[DESKTOP]["nocap"] for p, v in site["pages"].items() if v[DESKTOP]["nocap"] and not _exempt(v["stem"])}
    assert not bad, _report(site, "captions", bad)
    _report(site, "captions", {})


@needs_site
def test_interactive_figures_respond(site):
    slides = {p: v[DESKTOP]["slides"] for p, v in site["pages"].items() if v[DESKTOP]["slides"]}
    assert slides, "no interactive figure on the site"
    bad = {p: f"{s.count(False)} of {len(s)} sliders change nothing" for p, s in slides.items() if not all(s)}
    assert not bad, _report(site, "interactive", bad)
    _report(site, "interactive", {})


@needs_site
def test_site_size_budget(site):
    "The whole rendered site within 40 MB (issue 11's budget), MathJax and every figure included."
    total = sum(p.stat().st_size for p in DOCS.rglob("*") if p.is_file())
    assert total <= 40e6, f"_docs/ is {total / 1e6:.1f} MB"


@needs_site
def test_summary(site):
    "One line for the record: how many pages, images, formulas and interactive figures were checked."
    pages = site["pages"].values()
    d = {k: sum(v[DESKTOP][k] for v in pages) for k in ("nimg", "nmath", "ninteractive")}
    mb = sum(p.stat().st_size for p in DOCS.rglob("*") if p.is_file()) / 1e6
    line = (f"site: {len(site['pages'])} pages ({mb:.0f} MB) at {DESKTOP} and {PHONE} px, {d['nimg']} images, {d['nmath']} formulas "
            f"typeset offline, {d['ninteractive']} interactive figures; {len(site['blocked'])} outside URLs blocked; "
            f"exempt (not yet converted): {sum(_exempt(v['stem']) for v in pages)} pages")
    (OUT / "site_summary.txt").write_text(line + "\n" + "\n".join(site["blocked"]) + "\n")
    print("\n" + line)


@pytest.mark.skipif(CHROMIUM is None or not HAVE_PLAYWRIGHT, reason="needs Chromium and the playwright package")
def test_interactive_block_is_self_contained():
    "The HTML that `interactive_sweep` saves in a notebook works alone (as in Jupyter's output area): no Quarto, no network."
    import numpy as np
    from playwright.sync_api import sync_playwright
    from dlnotes.plots import interactive_sweep
    def draw(fig, k): fig.subplots().plot(np.arange(5) ** k)
    html = interactive_sweep(draw, [0.5, 1.0, 2.0], caption="c", alt="a", size=(3, 2), dpi=40).html
    requests = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.route("**/*", lambda r: (requests.append(r.request.url), r.abort()))
        page.set_content(html)
        first = page.eval_on_selector(".dlnotes-interactive img", "i => i.src")
        page.fill(".dlnotes-interactive input[type=range]", "2")
        after = page.eval_on_selector(".dlnotes-interactive img", "i => i.src")
        label = page.inner_text(".dlnotes-interactive output")
        browser.close()
    assert after != first and label == "value = 2" and not requests


def test_offline_configuration():
    "Without rendering: the pages are told to load the pinned MathJax from the site, and CDN scripts are stripped."
    import yaml
    import mathjax, render_book
    cfg = yaml.safe_load((NBS / "_quarto.yml").read_text())
    math = cfg["format"]["html"]["html-math-method"]
    assert math["method"] == "mathjax" and math["url"] == "mathjax/tex-chtml-full.js" and math["url"].split("/")[-1] in mathjax.PARTS
    assert mathjax.VERSION == "3.2.2" and mathjax.INTEGRITY.startswith("sha512-")
    assert cfg["website"]["page-navigation"] is True and cfg["website"]["repo-subdir"] == "nbs"
    page = ('<head>\n  <script src="https://cdnjs.cloudflare.com/polyfill/v3/polyfill.min.js?features=es6"></script>\n'
            '<script src="https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.6/require.min.js" integrity="x" crossorigin="anonymous"></script>\n'
            '<script src="https://cdnjs.cloudflare.com/ajax/libs/jquery/3.5.1/jquery.min.js" integrity="y" data-relocate-top="true"></script>\n'
            "<script type=\"application/javascript\">define('jquery', [],function() {return window.jQuery;})</script>\n"
            '<script src="mathjax/tex-chtml-full.js" type="text/javascript"></script></head>')
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "p.html").write_text(page)
        render_book.strip_network(d)
        out = (Path(d) / "p.html").read_text()
    assert "cdnjs" not in out and "define('jquery'" not in out and 'src="mathjax/tex-chtml-full.js"' in out


def test_sidebar_lists_every_page():
    "Every notebook is in the sidebar (chapters in order, 05a after 05), and every sidebar entry exists or is announced."
    import yaml
    cfg = yaml.safe_load((NBS / "_quarto.yml").read_text())
    def hrefs(items):
        for it in items:
            if "contents" in it: yield from hrefs(it["contents"])
            else: yield it["href"] if isinstance(it, dict) else it
    bars = {b["id"]: list(hrefs(b["contents"])) for b in cfg["website"]["sidebar"]}
    listed = bars["en"]
    assert {p.name for p in NBS.glob("*.ipynb")} <= set(listed)
    assert {p.name for p in NBS.glob("*.zh.qmd")} <= set(bars["zh"])
    chapters = [h for h in listed if h[:2].isdigit() and int(h[:2]) < 90]
    assert chapters == sorted(chapters) and chapters.index("05a_training.ipynb") == chapters.index("05_network.ipynb") + 1


@needs_site
def test_language_switch_pairs_the_editions(site):
    "Every page links to the same page in the other language, which links back; `<html lang>` is en or zh (zh-Hans)."
    base, pages, bad = site["base"], site["pages"], {}
    for p, v in pages.items():
        m, zh = v[DESKTOP], p.endswith(".zh.html")
        if m["lang"].split("-")[0] != ("zh" if zh else "en"): bad.setdefault(p, []).append(f"<html lang={m['lang']!r}>")
        if p in ("404.html",): continue
        twin = (m["switch"] or "")[len(base):]
        if twin != (p.replace(".zh.html", ".html") if zh else p.replace(".html", ".zh.html")):
            bad.setdefault(p, []).append(f"switch goes to {twin!r}")
        elif (pages.get(twin, {}).get(DESKTOP, {}).get("switch") or "")[len(base):] != p:
            bad.setdefault(p, []).append(f"{twin} does not link back")
    for p, v in pages.items():  # the footer's glossary link: to the glossary of the page's own edition
        want = "glossary.zh.html 术语表" if p.endswith(".zh.html") else "glossary.html Glossary (术语表)"
        if want not in v[DESKTOP]["footer"]: bad.setdefault(p, []).append(f"footer lacks {want!r}")
    assert sum(p.endswith(".zh.html") for p in pages) >= 19, "the Chinese edition has every page"
    assert not bad, _report(site, "language switch", bad)
    _report(site, "language switch", {})


@needs_site
def test_search_finds_both_editions(site):
    bad = {q: f"found {found[:6]}, not {SEARCHES[q]}" for q, found in site["searches"].items() if SEARCHES[q] not in found}
    assert not bad, _report(site, "search", bad)
    _report(site, "search", {})


def _image_digests(page, srcs):
    "sha256 of each image a page shows (a file of the site, or a data: URI), in page order."
    import base64, hashlib
    out = []
    for src in srcs:
        if src.startswith("data:"): data = base64.b64decode(src.split(",", 1)[1])
        else: data = (DOCS / Path(page).parent / unquote(src.split("#")[0])).read_bytes()
        out.append(hashlib.sha256(data).hexdigest()[:16])
    return out


@needs_site
def test_both_editions_show_the_same_figures(site):
    "Single-sourced: a Chinese page shows exactly the English page's images (the same bytes, in the same order)."
    pages, bad, n = site["pages"], {}, 0
    for p, v in pages.items():
        twin = p.replace(".html", ".zh.html")
        if p.endswith(".zh.html") or twin not in pages: continue
        en, zh = (_image_digests(q, pages[q][DESKTOP]["imgsrc"]) for q in (p, twin))
        n += len(en)
        if en != zh: bad[twin] = f"{len(zh)} images, English page {len(en)}; first difference at #{next((i for i, (a, b) in enumerate(zip(en, zh)) if a != b), min(len(en), len(zh)))}"
    assert n > 50 and not bad, _report(site, "same figures", bad)
    _report(site, "same figures", {})


def test_chinese_pages_share_the_english_figures(tmp_path):
    "Without rendering: a Chinese page's copy of a figure is replaced by the English page's file; others stay."
    import render_book
    (tmp_path / "a_files/figure-html").mkdir(parents=True); (tmp_path / "a.zh_files/figure-html").mkdir(parents=True)
    (tmp_path / "a_files/figure-html/x.png").write_bytes(b"same")
    (tmp_path / "a.zh_files/figure-html/a-x.png").write_bytes(b"same")
    (tmp_path / "a.zh_files/figure-html/own.png").write_bytes(b"only here")
    (tmp_path / "a.zh.html").write_text('<img src="a.zh_files/figure-html/a-x.png"><img src="a.zh_files/figure-html/own.png">')
    (tmp_path / "a.zh.html.md").write_text("![](a.zh_files/figure-html/a-x.png)")
    assert render_book.share_figures(tmp_path) == 4
    assert (tmp_path / "a.zh.html").read_text() == '<img src="a_files/figure-html/x.png"><img src="a.zh_files/figure-html/own.png">'
    assert (tmp_path / "a.zh.html.md").read_text() == "![](a_files/figure-html/x.png)"
    assert not (tmp_path / "a.zh_files/figure-html/a-x.png").exists() and (tmp_path / "a.zh_files/figure-html/own.png").exists()
