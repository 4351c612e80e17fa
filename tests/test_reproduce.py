"""Appendix C: `reproduce` and the `dlnotes-reproduce` console script on small synthetic MNIST-format (IDX) files."""
import os
import subprocess
import sys
from pathlib import Path
import numpy as np
import pytest

from dlnotes.data import MNIST_FILES, MNISTUnavailable, write_idx
from dlnotes.reproduce import LADDER, format_table, load_ladder_data, main, reproduce


def _write_fake_mnist(d, n_train=600, n_test=120, seed=0):
    "Learnable 28×28 uint8 images: class c has a bright 7×7 block at a class-specific place, plus noise."
    rng = np.random.default_rng(seed)
    def make(n):
        y = rng.integers(0, 10, n).astype(np.uint8)
        X = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for i, c in enumerate(y):
            r, col = 2 + 7 * (c // 4), 2 + 6 * (c % 4)
            X[i, r:r + 7, col:col + 7] = 255
        return X, y
    (Xtr, ytr), (Xte, yte) = make(n_train), make(n_test)
    for name, a in zip(MNIST_FILES, (Xtr, ytr, Xte, yte)): write_idx(Path(d) / name, a)   # uncompressed: no checksums apply
    return d


@pytest.fixture(scope="module")
def fake_mnist(tmp_path_factory):
    return _write_fake_mnist(tmp_path_factory.mktemp("mnist"))


def _cli():
    exe = Path(sys.executable).parent / "dlnotes-reproduce"
    return [str(exe)] if exe.exists() else [sys.executable, "-c", "import sys; from dlnotes.reproduce import main; sys.exit(main())"]


def test_load_ladder_data_reads_idx_and_splits(fake_mnist):
    data, name, note = load_ladder_data(fake_mnist, download=False)
    assert name == "MNIST" and note == ""
    assert [len(s.y) for s in data] == [500, 100, 120] and data.train.X.shape[1] == 784
    assert 0 <= data.train.X.min() and data.train.X.max() <= 1


def test_reproduce_on_fake_mnist(fake_mnist, tmp_path):
    out = tmp_path / "ladder.png"
    res = reproduce(fake_mnist, download=False, seeds=(0, 1), epochs=2, rungs=["ch3-crossentropy-30", "ch3-L2-100"],
                    out=out, progress=False)
    assert res["dataset"] == "MNIST" and out.stat().st_size > 1000
    assert [r["rung"] for r in res["rows"]] == ["ch3-crossentropy-30", "ch3-L2-100"]
    assert all(r["best_mean"] > 0.5 and r["n_seeds"] == 2 and r["epochs"] == 2 for r in res["rows"])   # learnable data
    assert res["curves"]["ch3-L2-100"].shape == (2, 2)
    table = format_table(res)
    assert "95.49%" in table and "98.04%" in table and "pts" in table and "NOT comparable" not in table


def test_same_seed_same_numbers(fake_mnist):
    a = reproduce(fake_mnist, download=False, seeds=(3,), epochs=1, rungs=["ch1-quadratic-30"], progress=False)
    b = reproduce(fake_mnist, download=False, seeds=(3,), epochs=1, rungs=["ch1-quadratic-30"], progress=False)
    np.testing.assert_array_equal(a["curves"]["ch1-quadratic-30"], b["curves"]["ch1-quadratic-30"])


def test_console_script(fake_mnist, tmp_path):
    out = tmp_path / "cli.png"
    r = subprocess.run(_cli() + ["--data-dir", str(fake_mnist), "--no-download", "--seeds", "0", "--epochs", "1",
                                 "--rungs", "ch1-quadratic-30", "ch3-crossentropy-30", "--out", str(out)],
                       capture_output=True, text=True, timeout=300, env={**os.environ, "MPLBACKEND": "Agg"})
    assert r.returncode == 0, r.stderr
    assert "on MNIST" in r.stdout and "95.42%" in r.stdout and "[2/2] ch3-crossentropy-30 seed 0" in r.stdout
    assert out.exists() and f"figure saved to {out}" in r.stdout


def test_console_script_falls_back_to_digits(tmp_path):
    r = subprocess.run(_cli() + ["--data-dir", str(tmp_path), "--no-download", "--quick", "--seeds", "0",
                                 "--rungs", "ch3-crossentropy-30", "--out", str(tmp_path / "d.png"), "--quiet"],
                       capture_output=True, text=True, timeout=300, env={**os.environ, "MPLBACKEND": "Agg"})
    assert r.returncode == 0, r.stderr
    assert "on digits" in r.stdout and "NOT comparable" in r.stdout and "[1/1]" not in r.stdout   # --quiet: table only


def test_console_script_requires_mnist_when_asked(tmp_path):
    r = subprocess.run(_cli() + ["--data-dir", str(tmp_path), "--no-download", "--dataset", "mnist"],
                       capture_output=True, text=True, timeout=300, env={**os.environ, "MPLBACKEND": "Agg"})
    assert r.returncode == 2 and "MNIST is not available" in r.stderr


def test_bad_arguments(fake_mnist):
    with pytest.raises(SystemExit): main(["--epochs", "0"])
    with pytest.raises(SystemExit): main(["--rungs", "ch9-nothing"])
    with pytest.raises(ValueError, match="unknown rung"): reproduce(fake_mnist, download=False, rungs=["x"])
    with pytest.raises(MNISTUnavailable): load_ladder_data(Path(fake_mnist) / "missing", download=False, dataset="mnist")


def test_ladder_is_nielsens():
    book = {r.name: (r.hidden, r.cost, r.lr, r.epochs, r.lmbda, r.init, r.book) for r in LADDER}
    assert book["ch1-quadratic-30"] == (30, "quadratic", 3.0, 30, 0.0, "standard", 0.9542)
    assert book["ch1-quadratic-100"][-1] == 0.9659
    assert book["ch3-L2-100"] == (100, "cross-entropy", 0.1, 60, 5.0, "standard", 0.9804)
