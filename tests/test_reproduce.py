"""Appendix C: `reproduce`, `train_rung` and `load_ladder_data` on small synthetic MNIST-format (IDX) files.
The command line `dlnotes-reproduce` is tested in tests/test_cli.py."""
import warnings
from dataclasses import replace
from pathlib import Path
import numpy as np
import pytest

from dlnotes.data import MNIST_FILES, MNISTUnavailable, load_digits, write_idx
import dlnotes.reproduce as reproduce_mod
from dlnotes.data import DataSplits, Split
from dlnotes.regularization import Dropout
from dlnotes.reproduce import LADDER, REPORTED, format_table, load_ladder_data, plot_ladder, reproduce, train_rung

OWN = "MNIST-format files (own, unverified)"


def write_fake_mnist(d, n_train=600, n_test=120, seed=0, gz=False):
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
    for name, a in zip(MNIST_FILES, (Xtr, ytr, Xte, yte)): write_idx(Path(d) / (name + (".gz" if gz else "")), a)
    return d


@pytest.fixture(scope="module")
def fake_mnist(tmp_path_factory):
    return write_fake_mnist(tmp_path_factory.mktemp("mnist"))


def test_own_files_are_read_and_split(fake_mnist):
    data, name, note = load_ladder_data(fake_mnist, download=False, verify=False)
    assert name == OWN and note == ""
    assert [len(s.y) for s in data] == [500, 100, 120] and data.train.X.shape[1] == 784
    assert 0 <= data.train.X.min() and data.train.X.max() <= 1


@pytest.mark.parametrize("gz", [False, True])
def test_own_files_without_the_option_fall_back_and_say_why(tmp_path, gz):
    "Auto mode on a user's own files: the digits, with a note that says why and how to use the files."
    write_fake_mnist(tmp_path, n_train=60, n_test=12, gz=gz)
    data, name, note = load_ladder_data(tmp_path, download=False)
    note = " ".join(note.split())
    assert name == "digits" and "--own-files" in note and "NOT comparable" in note and str(tmp_path) in note
    assert "delete" not in note.lower()
    with pytest.raises(MNISTUnavailable, match="verify=False"): load_ladder_data(tmp_path, download=False, dataset="mnist")
    d, name, _ = load_ladder_data(tmp_path, download=False, dataset="mnist", verify=False)
    assert name == OWN and len(d.test.y) == 12


def test_missing_files_note_says_why(tmp_path):
    data, name, note = load_ladder_data(tmp_path / "none", download=False)
    note = " ".join(note.split())
    assert name == "digits" and "missing train-images-idx3-ubyte.gz" in note and "download=False" in note


def test_reproduce_on_own_files(fake_mnist, tmp_path):
    out = tmp_path / "ladder.png"
    res = reproduce(fake_mnist, download=False, seeds=(0, 1), epochs=2, rungs=["ch3-crossentropy-30", "ch3-L2-100"],
                    out=out, progress=False, verify=False)
    assert res["dataset"] == OWN and res["n_train"] == 500 and not res["comparable"] and out.stat().st_size > 1000
    assert [r["rung"] for r in res["rows"]] == ["ch3-crossentropy-30", "ch3-L2-100"]
    assert all(r["best_mean"] > 0.5 and r["n_seeds"] == 2 and r["epochs"] == 2 for r in res["rows"])   # learnable data
    assert res["curves"]["ch3-L2-100"].shape == (2, 2)
    table = " ".join(format_table(res).split())                                     # notes are wrapped at 88 columns
    assert "95.49%" in table and "98.04%" in table and "500 training images" in table
    assert "NOT comparable" in table and "not Nielsen's 50 000" in table and "pts" not in table and "ours − book" not in table


def test_table_difference_only_when_comparable(fake_mnist):
    res = reproduce(fake_mnist, download=False, seeds=(0,), epochs=1, rungs=["ch1-quadratic-30"], progress=False, verify=False)
    fair = dict(res, dataset="MNIST", n_train=50_000, comparable=True, note="")
    assert "pts" in format_table(fair) and "50 000 training images" in format_table(fair)
    assert "pts" not in format_table(dict(res, dataset="digits", comparable=False))


def test_same_seed_same_numbers(fake_mnist):
    kw = dict(download=False, seeds=(3,), epochs=1, rungs=["ch1-quadratic-30"], progress=False, verify=False)
    a, b = reproduce(fake_mnist, **kw), reproduce(fake_mnist, **kw)
    np.testing.assert_array_equal(a["curves"]["ch1-quadratic-30"], b["curves"]["ch1-quadratic-30"])


def test_epochs_zero_is_an_error_not_the_books_30(fake_mnist):
    data = load_digits()
    with pytest.raises(ValueError, match="epochs must be an integer >= 1, got 0"): train_rung(LADDER[2], data, epochs=0)
    with pytest.raises(ValueError, match="epochs must be"): reproduce(dataset="digits", epochs=0, progress=False)
    with pytest.raises(ValueError, match="quick_epochs must be"): reproduce(dataset="digits", quick=True, quick_epochs=0)
    h = train_rung(LADDER[2], data, epochs=1)
    assert len(h["valid_acc"]) == 1


def test_bad_arguments_fail_before_any_training(fake_mnist, tmp_path, monkeypatch):
    import dlnotes.reproduce as R
    monkeypatch.setattr(R, "load_ladder_data", lambda *a, **k: pytest.fail("loaded data before checking the arguments"))
    for kw, err, words in [(dict(rungs=["x"]), ValueError, "unknown rung"), (dict(rungs="ch3-L2-100"), TypeError, "rungs must be"),
                           (dict(rungs=[]), ValueError, "rungs must be"), (dict(seeds=[-1]), ValueError, "seeds[0] must be"),
                           (dict(seeds=[1.5]), TypeError, "seeds[0] must be"), (dict(seeds="0"), TypeError, "seeds must be"),
                           (dict(seeds=()), ValueError, "at least one seed"), (dict(epochs=2.0), TypeError, "epochs must be"),
                           (dict(out=tmp_path / "nowhere" / "x.png"), ValueError, "does not exist"),
                           (dict(out=tmp_path / "x.txt"), ValueError, "out must be a figure file"),
                           (dict(out=3), TypeError, "out must be"), (dict(dataset="cifar"), ValueError, "dataset must be"),
                           (dict(dataset=3), TypeError, "dataset must be"), (dict(download="no"), TypeError, "download must be"),
                           (dict(verify=None), TypeError, "verify must be"), (dict(progress=2), TypeError, "progress must be"),
                           (dict(data_dir=3), TypeError, "data_dir must be")]:
        with pytest.raises(err) as e: reproduce(**{"data_dir": fake_mnist, **kw})
        assert words in str(e.value), (kw, str(e.value))
    assert not (tmp_path / "x.txt").exists()


def test_bad_rung_and_data(fake_mnist):
    data = load_digits()
    for rung, words in [("ch1", "rung must be a Rung"), (replace(LADDER[0], cost="hinge"), "rung.cost"),
                        (replace(LADDER[0], hidden=0), "rung.hidden"), (replace(LADDER[0], lr=-1.0), "rung.lr"),
                        (replace(LADDER[0], split="train"), "rung.split")]:
        with pytest.raises((TypeError, ValueError), match=words): train_rung(rung, data, epochs=1)
    for bad in (None, (1, 2, 3), data.train):
        with pytest.raises(TypeError, match="data must be"): train_rung(LADDER[0], bad, epochs=1)
    with pytest.raises(TypeError, match="res must be"): format_table({"rows": []})
    with pytest.raises(TypeError, match="res must be"): plot_ladder(None)


def test_ladder_is_nielsens():
    book = {r.name: (r.hidden, r.cost, r.lr, r.epochs, r.lmbda, r.init, r.book) for r in LADDER}
    assert book["ch1-quadratic-30"] == (30, "quadratic", 3.0, 30, 0.0, "standard", 0.9542)
    assert book["ch1-quadratic-100"][-1] == 0.9659
    assert book["ch3-L2-100"] == (100, "cross-entropy", 0.1, 60, 5.0, "standard", 0.9804)


# ---- the reported results (98.7 %, 99.3 %): REPORTED rungs with dropout and expanded data ----

def tiny_splits(n=60, seed=0):
    "Learnable 4×4 images (16 pixels, a square number, so `augment` can shift and rotate them)."
    rng = np.random.default_rng(seed)
    def make(m):
        y = rng.integers(0, 10, m)
        X = rng.random((m, 16)) * 0.2
        X[np.arange(m), y] = 1.0
        return Split(X, y)
    return DataSplits(make(n), make(20), make(20))


@pytest.fixture
def seen(monkeypatch):
    "Records what train_rung hands to train_mlp: the training-set size and the trained network."
    calls, real = [], reproduce_mod.train_mlp
    def spy(sizes, loss, X, y, *args, **kwargs):
        net, history = real(sizes, loss, X, y, *args, **kwargs)
        calls.append(dict(n=len(X), n_y=len(y), net=net))
        return net, history
    monkeypatch.setattr(reproduce_mod, "train_mlp", spy)
    return calls


def test_reported_rungs_are_the_quoted_results():
    by = {r.name: r for r in REPORTED}
    assert by["ch3-dropout-L2-100"].book == 0.987 and by["ch3-dropout-L2-100"].dropout == 0.5
    assert by["ch3-expanded-100"].book == 0.993 and by["ch3-expanded-100"].expand is True
    assert "Hinton" in by["ch3-dropout-L2-100"].where and "Simard" in by["ch3-expanded-100"].where
    assert all(r.dropout == 0 and r.expand is False for r in LADDER)   # the default ladder is unchanged
    assert not {r.name for r in REPORTED} & {r.name for r in LADDER}


@pytest.mark.parametrize("field, bad, err", [("dropout", 1.0, ValueError), ("dropout", -0.1, ValueError),
                                             ("dropout", float("nan"), ValueError), ("dropout", "0.5", TypeError),
                                             ("expand", 1, TypeError), ("expand", "yes", TypeError)])
def test_bad_dropout_and_expand(field, bad, err):
    with pytest.raises(err, match=f"rung.{field}"): train_rung(replace(LADDER[2], **{field: bad}), tiny_splits(), epochs=1)


def test_dropout_rung_has_dropout_layers_and_trains(seen):
    data = tiny_splits()
    h = train_rung(REPORTED[0], data, seed=0, epochs=1)
    net = seen[-1]["net"]
    drops = [layer for layer in net.layers if isinstance(layer, Dropout)]
    assert len(drops) == 1 and drops[0].p == 0.5   # one hidden layer: one Dropout after its activation
    assert seen[-1]["n"] == len(data.train.y)
    assert len(h["valid_acc"]) == 1 and 0 <= h["valid_acc"][0] <= 1
    train_rung(LADDER[2], data, seed=0, epochs=1)
    assert not any(isinstance(layer, Dropout) for layer in seen[-1]["net"].layers)


def test_expanded_rung_trains_on_more_examples_than_the_split(seen):
    data = tiny_splits()
    h = train_rung(REPORTED[1], data, seed=0, epochs=1)
    n = len(data.train.y)
    assert seen[-1]["n"] == seen[-1]["n_y"] == 6 * n > n   # originals + 4 shifts + 1 rotation
    assert len(h["valid_acc"]) == 1 and 0 <= h["valid_acc"][0] <= 1
    h2 = train_rung(REPORTED[1], data, seed=0, epochs=1)   # seeded: the same expansion, the same result
    assert list(h2["valid_acc"]) == list(h["valid_acc"])


def test_reported_rungs_run_by_name_only():
    res = reproduce(dataset="digits", rungs=[r.name for r in REPORTED], seeds=(0,), epochs=1, progress=False)
    assert [r["rung"] for r in res["rows"]] == [r.name for r in REPORTED]
    assert "NOT comparable" in format_table(res) and "99.30%" in format_table(res)
    assert reproduce_mod._pick_rungs(None) == list(LADDER)
