"""The package as an importer sees it: light imports, torch an extra, a version, the README's example, the console scripts."""
import re, subprocess, sys, textwrap, tomllib
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
LIGHT = ["dlnotes", "dlnotes.guess", "dlnotes.data", "dlnotes.plots"]
# where `fit` lives: the training-loop chapter (05a) once it exists, chapter 05 before
TRAINING = "dlnotes.training" if (ROOT / "dlnotes" / "training.py").exists() else "dlnotes.network"
PIP_HINT = 'pip install "dlnotes[torch]"'


def _modules():
    return sorted(p.stem for p in (ROOT / "dlnotes").glob("*.py") if not p.stem.startswith("_"))


# `import torch` fails as if torch were not installed. (Not `sys.modules["torch"] = None`: SciPy, which scikit-learn
# imports, looks torch up in sys.modules and fails on a None entry, which no real install has.)
NO_TORCH = """
import sys, importlib.abc
class NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "torch": raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, NoTorch())
"""


def _without_torch(code):
    "Run `code` in a fresh interpreter where `import torch` fails, as on a `pip install dlnotes` without the extra."
    prog = NO_TORCH + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, timeout=600, cwd=ROOT)


def test_import_dlnotes_does_not_import_torch():
    code = f"import sys; import {', '.join(LIGHT)}; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("mod", _modules())
def test_every_module_imports_without_torch(mod):
    "torch is imported inside the functions that need it, never at import time."
    code = f"import sys, dlnotes.{mod}; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False", f"dlnotes.{mod} imports torch at import time"


def test_numpy_chapters_import_and_train_with_torch_absent():
    "Every module imports, a small MLP trains with `fit`, and the numpy beam searches decode, with torch not installed."
    r = _without_torch(f"""
        import importlib
        for m in {_modules()!r}: importlib.import_module("dlnotes." + m)
        from dlnotes.data import load_digits
        from dlnotes.network import MLP
        from dlnotes.losses import CrossEntropyLoss
        from dlnotes.descent import SGD
        from {TRAINING} import fit
        d = load_digits(seed=0)
        net = MLP([64, 30, 10], activation="sigmoid", seed=0)
        hist = fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.5), *d.train, epochs=3, batch_size=10,
                   valid=d.valid, seed=0, progress=False)
        from dlnotes.beam import NGramTable, beam_search, greedy_search, exhaustive_search
        m = NGramTable.random(4, context=2, seed=0)
        assert beam_search(m, 1, m.bos, 0, 5) == [greedy_search(m, m.bos, 0, 5)]
        assert beam_search(m, 64, m.bos, 0, 4)[0] == exhaustive_search(m, m.bos, 0, 4, 4)[0]
        print("valid_acc", hist["valid_acc"][-1])
    """)
    assert r.returncode == 0, r.stderr[-3000:]
    assert float(r.stdout.split()[-1]) > 0.8, r.stdout


@pytest.mark.parametrize("call", [
    "from dlnotes.beam import char_lm; char_lm(5)",
    "from dlnotes.beam import train_char_lm; train_char_lm('abc', steps=1)",
    "from dlnotes.beam import lm_step_fns; lm_step_fns(object(), [0])",
    "from dlnotes.beam import beam_search_batched, NGramTable; m = NGramTable.random(3); beam_search_batched(m.batched, 2, m.bos, 0, 3)",
    "from dlnotes.beam import NGramTable; NGramTable.random(3).batched(None)",
    "from dlnotes._checks import require_torch; require_torch('this check')",
])
def test_torch_functions_say_how_to_install_it(call):
    "A function that needs torch raises ImportError naming the extra, not a NameError or a bare 'No module named torch'."
    r = _without_torch(f"""
        try: {call}
        except ImportError as e: print("ImportError:", e)
    """)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.startswith("ImportError:") and PIP_HINT in r.stdout, r.stdout


def test_torch_is_an_extra():
    "pip install dlnotes brings no torch; the torch extra and the dev extra do."
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(re.match(r"torch\b", d) for d in project["dependencies"]), project["dependencies"]
    extras = project["optional-dependencies"]
    assert any(re.match(r"torch\b", d) for d in extras["torch"])
    assert any(re.match(r"torch\b", d) or d.startswith("dlnotes[torch") for d in extras["dev"])
    assert any(d.startswith("fastcore") for d in project["dependencies"])  # @patch in dlnotes.activations


def test_readme_shows_both_installs():
    text = (ROOT / "README.md").read_text()
    assert "pip install dlnotes" in text and PIP_HINT in text


def test_version_is_the_packages():
    import dlnotes
    assert re.fullmatch(r"\d+\.\d+\.\d+", dlnotes.__version__)


def test_console_scripts_point_at_functions():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    import importlib
    for name, target in scripts.items():
        mod, fn = target.split(":")
        assert callable(getattr(importlib.import_module(mod), fn)), name


def test_readme_example_runs():
    "The README's usage example is real code."
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, "README has a python example"
    ns = {}
    exec(compile(blocks[0], "README.md", "exec"), ns)
    assert ns["hist"]["valid_acc"][-1] > 0.9
