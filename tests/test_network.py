"""Wider checks of dlnotes.network: torch cross-checks of the whole network, finite-difference gradchecks,
fit determinism, callbacks, divergence and bad input."""
import math
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st

from dlnotes.network import (Sequential, MLP, History, Callback, Trainer, fit, predict, accuracy, evaluate, to_torch)
from dlnotes.activations import Linear, Sigmoid, Tanh, ReLU, LogSoftmax
from dlnotes.losses import CrossEntropyLoss, NLLLoss, QuadraticCost, CrossEntropyCost, MSELoss, BCEWithLogitsLoss
from dlnotes.descent import SGD, DivergenceError
from dlnotes.gradients import gradcheck

ACTS = ["sigmoid", "tanh", "relu", "gelu", "hardsigmoid", "identity"]
ARCHS = [[5, 3], [5, 4, 3], [6, 8, 7, 4]]


def ours(net, loss, x, y):
    net.zero_grad(); c = loss(net(x), y); net.backward(loss.backward())
    return float(c), [p.grad.copy() for p in net.parameters()]


def theirs(net, tloss, x, y):
    tn = to_torch(net); c = tloss(tn(torch.from_numpy(x)), torch.from_numpy(y)); c.backward()
    return c.item(), [p.grad.numpy() for p in tn.parameters()]


def rel(a, b): return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def onehot(y, k): return F.one_hot(y, k).double()

# (loss object, torch loss on (output, int labels), output activation)
LOSSES = {
    "cross_entropy": (CrossEntropyLoss, lambda z, y: F.cross_entropy(z, y), None),
    "cross_entropy_sum": (lambda: CrossEntropyLoss(reduction="sum"), lambda z, y: F.cross_entropy(z, y, reduction="sum"), None),
    "nll": (NLLLoss, lambda z, y: F.nll_loss(z, y), "log_softmax"),
    "quadratic": (QuadraticCost, lambda a, y: 0.5 * ((a - onehot(y, a.shape[1])) ** 2).sum() / len(a), "sigmoid"),
    "ce_cost": (CrossEntropyCost, lambda z, y: F.binary_cross_entropy_with_logits(z, onehot(y, z.shape[1]), reduction="sum") / len(z), None),
    "mse": (MSELoss, lambda z, y: F.mse_loss(z, onehot(y, z.shape[1])), None),
}


def _targets_for(name, y, k):
    "Our losses: int labels for index losses, one-hot for the rest (as fit converts them)."
    return y if name in ("cross_entropy", "cross_entropy_sum", "nll") else np.eye(k)[y]


@pytest.mark.parametrize("sizes", ARCHS, ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("loss_name", list(LOSSES))
def test_matches_torch(sizes, act, loss_name):
    make, tloss, out = LOSSES[loss_name]
    rng = np.random.default_rng(sizes[-1] * 7 + len(act))
    net = MLP(sizes, act, output=out, seed=3)
    for batch in (1, 9):
        x, y = rng.normal(size=(batch, sizes[0])), rng.integers(0, sizes[-1], batch)
        c, gs = ours(net, make(), x, _targets_for(loss_name, y, sizes[-1]))
        tc, tgs = theirs(net, tloss, x, y)
        assert c == pytest.approx(tc, rel=1e-12, abs=1e-14)
        assert len(gs) == len(tgs) == 2 * (len(sizes) - 1)
        # torch's hardsigmoid backward multiplies by 1/6 rounded to float32 (relative error 3e-8) even in float64
        tol = 1e-7 if act == "hardsigmoid" else 1e-10
        for g, tg in zip(gs, tgs): assert g.shape == tg.shape and rel(g, tg) < tol, (act, loss_name, rel(g, tg))


@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu", "gelu"])
def test_gradcheck_every_parameter(act):
    rng = np.random.default_rng(1)
    net = MLP([4, 6, 5, 3], act, seed=2)
    x, y = rng.normal(size=(5, 4)), rng.integers(0, 3, 5)
    loss = CrossEntropyLoss()
    for i, p in enumerate(net.parameters()):
        saved = p.data.copy()
        def f(w): p.data[...] = w; return loss(net(x), y)
        def g(w): p.data[...] = w; return ours(net, loss, x, y)[1][i]
        err = gradcheck(f, g, saved)
        p.data[...] = saved
        assert err < 1e-5, (act, i, err)


@settings(max_examples=25, deadline=None)
@given(batch=st.integers(1, 12), seed=st.integers(0, 10_000))
def test_batch_gradient_is_sum_of_per_example_gradients(batch, seed):
    "Vectorised backprop on a batch (sum reduction) = Nielsen's loop over examples, summed."
    rng = np.random.default_rng(seed)
    net = MLP([4, 5, 3], "sigmoid", seed=seed)
    x, y = rng.normal(size=(batch, 4)), rng.integers(0, 3, batch)
    loss = CrossEntropyLoss(reduction="sum")
    _, g_batch = ours(net, loss, x, y)
    g_loop = [np.zeros_like(g) for g in g_batch]
    for i in range(batch):
        for acc, g in zip(g_loop, ours(net, loss, x[i:i + 1], y[i:i + 1])[1]): acc += g
    for a, b in zip(g_batch, g_loop): np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_backward_accumulates_and_zero_grad_resets():
    rng = np.random.default_rng(0)
    net, loss = MLP([3, 4, 2], seed=0), CrossEntropyLoss()
    x, y = rng.normal(size=(4, 3)), rng.integers(0, 2, 4)
    _, g1 = ours(net, loss, x, y)
    loss(net(x), y); net.backward(loss.backward())   # no zero_grad: accumulates
    for p, g in zip(net.parameters(), g1): np.testing.assert_allclose(p.grad, 2 * g)
    net.zero_grad()
    assert all((p.grad == 0).all() for p in net.parameters())


def test_to_torch_float32_and_unknown_layer():
    net = MLP([3, 4, 2], "relu", dtype=np.float32, seed=0)
    tn = to_torch(net)
    assert tn[0].weight.dtype == torch.float32
    x = np.random.default_rng(0).random((5, 3), dtype=np.float32)
    np.testing.assert_allclose(net(x), tn(torch.from_numpy(x)).detach().numpy(), rtol=1e-6, atol=1e-6)
    from dlnotes.activations import Module
    class Odd(Module): pass
    with pytest.raises(TypeError, match="to_torch"): to_torch(Sequential(Linear(2, 2), Odd()))


def test_shared_layer_parameters_listed_once():
    lin = Linear(3, 3, seed=0)
    net = Sequential(lin, Tanh(), lin)
    assert len(net.parameters()) == 2
    SGD(net.parameters(), lr=0.1)   # no duplicate-parameter error


# ---------------------------------------------------------------- fit
def toy(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 3)); return X, X.argmax(1)


def run(seed, epochs=3, **kw):
    X, y = toy()
    net = MLP([3, 8, 3], "tanh", seed=seed)
    return fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.5), X[:150], y[:150], epochs=epochs, batch_size=16,
               valid=(X[150:], y[150:]), seed=seed, progress=False, **kw)


def test_fit_deterministic():
    h1, h2, h3 = run(5), run(5), run(6)
    assert dict(h1) == dict(h2) and h1.epochs == h2.epochs == [1, 2, 3]
    assert dict(h1) != dict(h3)


def test_fit_learns_and_history_matches_evaluate():
    X, y = toy()
    net = MLP([3, 16, 3], "tanh", seed=0)
    h = fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.5), X, y, epochs=15, batch_size=10, seed=0, progress=False)
    assert h["train_acc"][-1] > 0.9 and h["train_loss"][-1] < h["train_loss"][0]
    loss, acc = evaluate(net, CrossEntropyLoss(), X, y)
    assert loss == pytest.approx(h["train_loss"][-1], rel=1e-12) and acc == pytest.approx(h["train_acc"][-1])
    assert accuracy(net, X, y) == pytest.approx(acc)
    assert predict(net, X).shape == (len(X),)


def test_fit_matches_torch_training():
    "A few epochs of our fit = the same SGD loop in torch (same init, same batch order), float64."
    X, y = toy(60)
    net = MLP([3, 5, 3], "sigmoid", seed=1)
    tn = to_torch(net)
    h = fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.3), X, y, epochs=3, batch_size=8, seed=4, progress=False)
    opt = torch.optim.SGD(tn.parameters(), lr=0.3)
    rng = np.random.default_rng(4)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    for _ in range(3):
        order = rng.permutation(len(X))
        for i in range(0, len(X), 8):
            b = torch.from_numpy(order[i:i + 8])
            opt.zero_grad(); F.cross_entropy(tn(Xt[b]), yt[b]).backward(); opt.step()
    for p, tp in zip(net.parameters(), tn.parameters()): np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert h["train_loss"][-1] == pytest.approx(F.cross_entropy(tn(Xt), yt).item(), rel=1e-10)


def test_one_hot_conversion_for_quadratic_and_ce_cost():
    X, y = toy()
    for loss, out in [(QuadraticCost(), "sigmoid"), (CrossEntropyCost(), None), (MSELoss(), None), (BCEWithLogitsLoss(), None)]:
        net = MLP([3, 8, 3], seed=0, output=out)
        h = fit(net, loss, SGD(net.parameters(), lr=1.0), X, y, epochs=2, batch_size=10, seed=0, progress=False)
        assert np.isfinite(h["train_loss"]).all() and len(h["train_acc"]) == 2


def test_callback_order_and_stop_mid_epoch():
    calls = []
    class Log(Callback):
        def on_train_begin(self, t): calls.append("tb")
        def on_epoch_begin(self, t): calls.append(f"eb{t.epoch}")
        def on_batch_begin(self, t): calls.append("bb")
        def after_backward(self, t): calls.append("ab")
        def on_batch_end(self, t): calls.append("be"); t.stop = t.step == 3
        def on_epoch_end(self, t): calls.append(f"ee{t.epoch}")
        def on_train_end(self, t): calls.append("te")
    X, y = toy(40)
    net = MLP([3, 4, 3], seed=0)
    h = fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X, y, epochs=5, batch_size=10, callbacks=[Log()], progress=False)
    assert calls == ["tb", "eb1"] + ["bb", "ab", "be"] * 3 + ["ee1", "te"]
    assert h.epochs == [1]   # the interrupted epoch is still recorded


def test_after_backward_sees_grads_before_step_and_extra_loss():
    seen = {}
    class Spy(Callback):
        def after_backward(self, t):
            seen.setdefault("grad_norm", float(sum((p.grad ** 2).sum() for p in t.params)))
            seen.setdefault("data", [p.data.copy() for p in t.params])
            t.extra_loss += 1.0
    X, y = toy(20)
    net = MLP([3, 4, 3], seed=0)
    before = [p.data.copy() for p in net.parameters()]
    h = fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X, y, epochs=1, batch_size=20, callbacks=[Spy()], progress=False)
    assert seen["grad_norm"] > 0
    for a, b in zip(seen["data"], before): np.testing.assert_array_equal(a, b)   # before opt.step
    assert h["train_loss"][0] == pytest.approx(evaluate(net, CrossEntropyLoss(), X, y)[0] + 1.0)


def test_divergence_names_lr():
    X, y = toy()
    net = MLP([3, 16, 3], "relu", seed=0)
    with np.errstate(all="ignore"), pytest.raises(DivergenceError, match=r"lr=1000\.0"):
        fit(net, MSELoss(), SGD(net.parameters(), lr=1000.0), X, y, epochs=20, batch_size=20, progress=False)


@pytest.mark.parametrize("args, kw, exc, match", [
    (lambda X, y: (X[:, :2], y), {}, ValueError, "features"),
    (lambda X, y: (X[0], y), {}, ValueError, "2-D"),
    (lambda X, y: (X, y + 3), {}, ValueError, "labels outside"),
    (lambda X, y: (X, -y - 1), {}, ValueError, "labels outside"),
    (lambda X, y: (X, y[:-3]), {}, ValueError, "shape"),
    (lambda X, y: (X, y.astype(float)), {}, TypeError, "integer class labels"),
    (lambda X, y: (X, y), {"epochs": 0}, ValueError, "epochs"),
    (lambda X, y: (X, y), {"epochs": 2.0}, ValueError, "epochs"),
    (lambda X, y: (X, y), {"batch_size": 0}, ValueError, "batch_size"),
    (lambda X, y: (X, y), {"batch_size": -5}, ValueError, "batch_size"),
    (lambda X, y: (X, y), {"valid": ([1, 2], [0])}, ValueError, "valid\\[0\\]"),
    (lambda X, y: (X, y), {"metrics": ("loss", "auc")}, ValueError, "metrics"),
    (lambda X, y: (np.zeros((0, 3)), y[:0]), {}, ValueError, "non-empty"),
    (lambda X, y: (X.astype(str), y), {}, TypeError, "numbers"),
])
def test_bad_input(args, kw, exc, match):
    X, y = toy(30)
    net = MLP([3, 4, 3], seed=0)
    kw = {"epochs": 1, "batch_size": 10, "progress": False, **kw}
    with pytest.raises(exc, match=match):
        fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), *args(X, y), **kw)


def test_float32_training_stays_float32():
    X, y = toy()
    net = MLP([3, 8, 3], "relu", dtype=np.float32, seed=0)
    h = fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.3), X, y, epochs=3, batch_size=10, seed=0, progress=False)
    assert all(p.data.dtype == np.float32 for p in net.parameters())
    assert h["train_acc"][-1] > 0.7


def test_progress_prints_one_row_per_epoch(capsys):
    run(0, epochs=3)
    assert capsys.readouterr().out == ""
    X, y = toy()
    net = MLP([3, 8, 3], seed=0)
    fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.5), X, y, epochs=3, batch_size=16, seed=0)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4 and lines[0].split()[0] == "epoch" and lines[-1].split()[0] == "3"


def test_history_api():
    h = History()
    assert len(h) == 0 and h.epochs == []
    h.append(a=1.0); h.append(a=2.0, b=5.0); h.append(b=3.0)
    assert h.epochs == [1, 2, 3] and math.isnan(h["b"][0]) and math.isnan(h["a"][2])
    assert h.best("a") == (2, 2.0) and h.best("b", mode="min") == (3, 3.0)
    with pytest.raises(ValueError): h.best("a", mode="median")
    with pytest.raises(KeyError): h.best("c")


def test_mlp_and_sequential_errors():
    with pytest.raises(ValueError, match="sizes"): MLP([3])
    with pytest.raises(ValueError, match="sizes"): MLP([3, 2.5])
    with pytest.raises(ValueError, match="activation"): MLP([3, 2], "softplus")
    with pytest.raises(TypeError, match="dropout"): MLP([3, 4, 2], dropout=0.5)
    with pytest.raises(TypeError, match="layers\\[0\\]"): Sequential(np.eye(2))
    net = MLP([3, 4, 4, 2], "relu", output="log_softmax", seed=0)
    assert isinstance(net[-1], LogSoftmax) and isinstance(net[1], ReLU) and len(net) == 6
