"""Issue 14: training that diverges says so. A deliberately diverging run per optimizer through every training helper
(`fit`, `train_mlp`, `train_rung`, `train_quadratic`, `optimizer_path`, the char LM) must raise `DivergenceError` naming
the learning rate, and emit no RuntimeWarning on the way (warnings are errors here). A sane run of each must not."""
import re
import warnings
from dataclasses import replace

import numpy as np
import pytest

from dlnotes.data import load_digits
from dlnotes.descent import DivergenceError

HUGE = 1e6

OPTIMIZERS = {   # name -> factory(params, lr)
    "SGD": lambda ps, lr: _opt("SGD")(ps, lr=lr),
    "SGD+momentum": lambda ps, lr: _opt("SGD")(ps, lr=lr, momentum=0.9),
    "Nesterov": lambda ps, lr: _opt("SGD")(ps, lr=lr, momentum=0.9, nesterov=True),
    "Adagrad": lambda ps, lr: _opt("Adagrad")(ps, lr=lr),
    "RMSprop": lambda ps, lr: _opt("RMSprop")(ps, lr=lr),
    "Adam": lambda ps, lr: _opt("Adam")(ps, lr=lr),
}


def _opt(name):
    import dlnotes.optimizers as O
    return getattr(O, name)


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    "No RuntimeWarning (overflow, invalid value) may escape before the DivergenceError."
    with warnings.catch_warnings(), np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
        warnings.simplefilter("error")
        yield


def _names_lr(msg, lr):
    forms = {repr(lr), str(lr), f"{lr:g}", f"{lr:.0e}", f"{lr:e}"}
    return "lr" in msg and any(f in msg for f in forms)


def assert_diverges(run, lr):
    with pytest.raises(DivergenceError) as e: run()
    msg = str(e.value)
    assert _names_lr(msg, lr), f"the message does not name lr={lr}: {msg}"
    assert re.search(r"epoch|step", msg), f"the message does not say when: {msg}"
    return msg


@pytest.fixture(scope="module")
def digits():
    d = load_digits(seed=0)
    return d.train.X[:200], d.train.y[:200], d.valid.X[:100], d.valid.y[:100]


def _fit(digits, make_opt, lr, epochs=3, output=None, loss=None):
    from dlnotes.losses import CrossEntropyLoss
    from dlnotes.network import MLP
    from dlnotes.training import fit
    X, y, Xv, yv = digits
    net = MLP([64, 16, 10], "sigmoid", output=output, seed=0)
    return fit(net, loss or CrossEntropyLoss(), make_opt(net.parameters(), lr), X, y, epochs, 10, valid=(Xv, yv),
               seed=0, progress=False)


# --------------------------------------------------------------------------- fit, per optimizer
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_fit_diverges_per_optimizer(digits, name):
    assert_diverges(lambda: _fit(digits, OPTIMIZERS[name], HUGE), HUGE)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_fit_converging_run_does_not_raise(digits, name):
    lr = 0.5 if name.startswith(("SGD", "Nesterov")) else 0.01
    h = _fit(digits, OPTIMIZERS[name], lr, epochs=2)
    assert np.all(np.isfinite(h["train_loss"]))


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_fit_sigmoid_net_at_1e300(digits, name):
    "A sigmoid net at lr=1e300: the loss reaches ~1e300 and the weights overflow; no RuntimeWarning before the error."
    assert_diverges(lambda: _fit(digits, OPTIMIZERS[name], 1e300, epochs=3), 1e300)


# --------------------------------------------------------------------------- the other training helpers
def test_train_mlp_diverges(digits):
    from dlnotes.losses import CrossEntropyLoss
    from dlnotes.training import train_mlp
    X, y, Xv, yv = digits
    assert_diverges(lambda: train_mlp([64, 16, 10], CrossEntropyLoss(), X, y, 3, 10, HUGE, seed=0), HUGE)


@pytest.mark.parametrize("lr", [HUGE, 1e300])
def test_train_rung_diverges(lr):
    from dlnotes.data import DataSplits, Split
    from dlnotes.reproduce import LADDER, train_rung
    d = load_digits(seed=0)
    small = DataSplits(Split(d.train.X[:200], d.train.y[:200]), Split(d.valid.X[:50], d.valid.y[:50]), d.test)
    # the cross-entropy rungs (without and with L2). Nielsen's quadratic cost on sigmoid outputs is bounded (<= 5), so a
    # saturated quadratic-cost net is not "divergence" under the rule (non-finite values, or the loss x DIVERGENCE_FACTOR).
    for rung in (LADDER[2], LADDER[4]):
        assert_diverges(lambda: train_rung(replace(rung, lr=lr), small, epochs=3), lr)


def test_train_quadratic_diverges():
    from dlnotes.data import synthetic_regression
    from dlnotes.descent import QuadraticModel, train_quadratic
    x, y = synthetic_regression(n=50, seed=0)
    assert_diverges(lambda: train_quadratic(QuadraticModel(seed=0), x, y, lr=HUGE, epochs=5, batch_size=10), HUGE)
    log = train_quadratic(QuadraticModel(seed=0), x, y, lr=0.01, epochs=5, batch_size=10)
    assert np.all(np.isfinite(log.train_loss))


def _bowl(x1, x2): return x1 ** 2 + 10 * x2 ** 2
def _bowl_grad(x1, x2): return np.array([2 * x1, 20 * x2])


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optimizer_path_diverges_per_optimizer(name):
    """With the function itself (`f=`), a value that explodes is divergence: Adagrad/RMSprop/Adam at lr=1e6 stay finite
    (steps of about lr each) but the bowl's value grows ~1e11-fold."""
    from dlnotes.optimizers import optimizer_path
    make = lambda ps: OPTIMIZERS[name](ps, HUGE)
    assert_diverges(lambda: optimizer_path(_bowl_grad, (1.0, 1.0), make, steps=200, f=_bowl), HUGE)


def test_optimizer_path_converging_run_does_not_raise():
    from dlnotes.optimizers import optimizer_path
    path = optimizer_path(_bowl_grad, (1.0, 1.0), lambda ps: OPTIMIZERS["SGD"](ps, 0.01), steps=50, f=_bowl)
    assert np.all(np.isfinite(path)) and np.linalg.norm(path[-1]) < np.linalg.norm(path[0])


def test_char_lm_diverges():
    pytest.importorskip("torch")
    from dlnotes.beam import train_char_lm, zen_text
    text = zen_text()[:400]
    assert_diverges(lambda: train_char_lm(text, steps=60, batch_size=16, lr=1e12, seed=0), 1e12)
    model, chars, losses = train_char_lm(text, steps=5, batch_size=16, lr=3e-3, seed=0)
    assert np.all(np.isfinite(losses))
