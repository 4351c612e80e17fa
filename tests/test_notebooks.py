"""Run every notebook in nbs/ as one pytest test, with nbdev's own `test_nb` and the project's tst_flags."""
import os
from pathlib import Path
import pytest
from nbdev.config import get_config
import nbdev.test as nbtest  # not `from … import test_nb`: pytest would collect it

CFG = get_config(Path(__file__).parent)
NBS = sorted(CFG.nbs_path.glob("*.ipynb"))
FLAGS = CFG.tst_flags.split() if isinstance(CFG.tst_flags, str) else list(CFG.tst_flags)


def test_found_notebooks():
    assert len(NBS) >= 1, f"expected notebooks in {CFG.nbs_path}"


@pytest.mark.parametrize("nb", NBS, ids=[p.stem for p in NBS])
def test_notebook(nb):
    os.environ.setdefault("MPLBACKEND", "Agg")
    ok, secs = nbtest.test_nb(nb, skip_flags=FLAGS, basepath=CFG.config_path)
    assert ok, f"{nb.name} failed after {secs:.1f}s (traceback printed above)"
