"""The site's own copy of MathJax, so that the book's math typesets with no network.

`python tools/mathjax.py [DEST]` makes sure the pinned MathJax (npm package `mathjax@3.2.2`, checked
against its registry integrity hash) is unpacked under `build/mathjax-3.2.2/` (fetched once with
`npm pack`), then copies the parts the site loads (the `tex-chtml-full` component, its CommonHTML
fonts, the TeX extensions, the menu and accessibility modules) into DEST (default `_docs/mathjax`).
`nbs/_quarto.yml` points `html-math-method` at `mathjax/tex-chtml-full.js`, relative to each page.
`tools/render_book.py` (`make book`) and `.github/workflows/deploy.yaml` call it after rendering.
`python tools/mathjax.py --fetch` only fetches (so that `make book` fails early, before executing anything;
where neither npm nor Quarto is installed there is no site to render and it only says so).
Needs `npm` (Node.js) the first time; without it it exits with status 4 and says what to install.
"""
import base64, hashlib, json, shutil, subprocess, sys, tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSION = "3.2.2"
# `npm view mathjax@3.2.2 dist.integrity`: the registry's sha512 of the package tarball
INTEGRITY = "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
CACHE = ROOT / "build" / f"mathjax-{VERSION}"
# what tex-chtml-full.js loads at run time (sre/ is only for the speech explorer, off by default)
PARTS = ["tex-chtml-full.js", "output/chtml/fonts/woff-v2", "input/tex/extensions", "a11y", "ui", "adaptors"]


def _integrity(path):
    return "sha512-" + base64.b64encode(hashlib.sha512(Path(path).read_bytes()).digest()).decode()


def fetch():
    "Unpack the pinned package into build/ once; returns the directory holding es5/."
    es5 = CACHE / "package" / "es5"
    if (es5 / "tex-chtml-full.js").exists(): return es5
    npm = shutil.which("npm")
    if npm is None:
        print("npm (Node.js) is needed once to fetch MathJax for the site's offline math: "
              "install Node.js (e.g. `apt-get install npm`), then run `make book` again.", file=sys.stderr)
        sys.exit(4)
    CACHE.mkdir(parents=True, exist_ok=True)
    r = subprocess.run([npm, "pack", f"mathjax@{VERSION}", "--json", "--pack-destination", str(CACHE)],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0: sys.exit(f"npm pack mathjax@{VERSION} failed:\n{r.stderr[-2000:]}")
    tgz = CACHE / json.loads(r.stdout)[0]["filename"]
    got = _integrity(tgz)
    if got != INTEGRITY: sys.exit(f"{tgz}: integrity {got} is not the pinned {INTEGRITY}")
    with tarfile.open(tgz) as t:
        members = [m for m in t.getmembers() if m.name.startswith("package/es5/") and (m.isfile() or m.isdir())]
        t.extractall(CACHE, members=members, filter="data")
    tgz.unlink()
    return es5


def install(dest):
    "Copy the parts of MathJax the site loads into `dest`; returns the number of bytes copied."
    es5, dest = fetch(), Path(dest)
    shutil.rmtree(dest, ignore_errors=True)
    for part in PARTS:
        s, d = es5 / part, dest / part
        d.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(s, d) if s.is_dir() else shutil.copy2(s, d)
    return sum(f.stat().st_size for f in dest.rglob("*") if f.is_file())


if __name__ == "__main__":
    if sys.argv[1:] == ["--fetch"]:  # only make sure the pinned package is in build/ (`make book` does this first)
        if shutil.which("npm") is None and shutil.which("quarto") is None and not (CACHE / "package").exists():
            print("Neither npm nor Quarto is installed: the site will not be rendered, so MathJax is not needed now.",
                  file=sys.stderr)
            sys.exit(0)
        print(f"MathJax {VERSION} ready in {fetch()}")
        sys.exit(0)
    dest = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_docs" / "mathjax"
    n = install(dest)
    print(f"MathJax {VERSION} ({n / 1e6:.1f} MB) copied into {dest}")
