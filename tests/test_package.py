"""The package as an importer sees it: light imports, a version, the README's example, the console scripts."""
import re, subprocess, sys, tomllib
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
LIGHT = ["dlnotes", "dlnotes.guess", "dlnotes.data", "dlnotes.plots"]


def _modules():
    return sorted(p.stem for p in (ROOT / "dlnotes").glob("*.py") if not p.stem.startswith("_"))


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
