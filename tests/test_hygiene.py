"""Notebook hygiene: what nbdev's doc build needs, and what the rendered site shows."""
import subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from check_nb_hygiene import problems, output_problems  # noqa: E402

NBS = sorted((ROOT / "nbs").glob("*.ipynb"))


@pytest.mark.parametrize("nb", NBS, ids=[p.stem for p in NBS])
def test_imports_in_cells_of_their_own(nb):
    assert problems(nb) == []


@pytest.mark.parametrize("nb", NBS, ids=[p.stem for p in NBS])
def test_saved_outputs_render(nb):
    "Committed executed: no saved errors, every plotting cell has its image, no chapter left unexecuted."
    assert output_problems(nb) == []


def test_docs_build_processes_every_notebook():
    "nbdev's doc processing (what Quarto renders) runs on every notebook: exported, import and show_doc cells."
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "render_book.py"), "--proc-only"], cwd=ROOT,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-5000:]
    proc = ROOT / "_proc"
    assert {p.name for p in NBS} <= {p.name for p in proc.glob("*.ipynb")}
