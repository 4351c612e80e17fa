"""Wider checks of dlnotes.network: torch cross-checks of the whole network, finite-difference gradchecks,
Sequential's shape checks and bad input (the training loop is tested in test_training.py)."""
import math
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st

from dlnotes.network import Sequential, MLP, to_torch
from dlnotes.activations import Linear, Sigmoid, Tanh, ReLU, LogSoftmax, layer_gradcheck
from dlnotes.losses import CrossEntropyLoss, NLLLoss, QuadraticCost, CrossEntropyCost, MSELoss, BCEWithLogitsLoss
from dlnotes.descent import SGD

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
@pytest.mark.parametrize("sizes", [[4, 6, 5, 3], [3, 2]])
def test_gradcheck_whole_network(act, sizes):
    "Finite differences (chapter 03's layer_gradcheck) for the input and every parameter of an MLP."
    rng = np.random.default_rng(1)
    net = MLP(sizes, act, seed=2)
    assert layer_gradcheck(net, rng.normal(size=(5, sizes[0])), rng.normal(size=(5, sizes[-1]))) < 1e-5


def test_backward_params_equals_backward_without_input_grad():
    rng = np.random.default_rng(0)
    net, G, x = MLP([4, 5, 3], "tanh", seed=0), rng.normal(size=(6, 3)), rng.normal(size=(6, 4))
    net.zero_grad(); net(x); dx = net.backward(G); full = [p.grad.copy() for p in net.parameters()]
    net.zero_grad(); net(x); assert net.backward_params(G) is None
    for p, g in zip(net.parameters(), full): np.testing.assert_array_equal(p.grad, g)
    assert dx.shape == x.shape


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


def test_mlp_and_sequential_errors():
    with pytest.raises(ValueError, match="sizes"): MLP([3])
    with pytest.raises(ValueError, match="sizes"): MLP([3, 2.5])
    with pytest.raises(TypeError, match="sizes"): MLP(3)
    with pytest.raises(ValueError, match="activation"): MLP([3, 2], "softplus")
    with pytest.raises(TypeError, match="dropout"): MLP([3, 4, 2], dropout=0.5)
    with pytest.raises(TypeError, match="layers\\[0\\]"): Sequential(np.eye(2))
    net = MLP([3, 4, 4, 2], "relu", output="log_softmax", seed=0)
    assert isinstance(net[-1], LogSoftmax) and isinstance(net[1], ReLU) and len(net) == 6


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, bool, "int16"])
def test_mlp_rejects_integer_dtypes(dtype):
    with pytest.raises(TypeError, match="dtype must be a floating-point dtype"): MLP([3, 2], dtype=dtype)


def test_sequential_backward_checks_grad_out():
    net = MLP([3, 4, 2], seed=0)
    with pytest.raises(RuntimeError, match="before forward"): net.backward(np.ones((2, 2)))
    net(np.ones((5, 3)))
    for bad in (np.ones((5, 1)), np.ones(2), np.ones((1, 2)), np.ones((5, 2, 1))):   # would broadcast silently
        with pytest.raises(ValueError, match=r"grad_out must be an array of shape \(5, 2\)"): net.backward(bad)
        with pytest.raises(ValueError, match=r"grad_out must be an array of shape \(5, 2\)"): net.backward_params(bad)
    for bad in (None, "g"):
        with pytest.raises(TypeError, match="grad_out"): net.backward(bad)
    assert net.backward(np.ones((5, 2))).shape == (5, 3)


def test_methods_have_real_names():
    for name in ("forward", "backward", "backward_params", "parameters", "children", "__getitem__", "__len__", "__iter__", "__repr__"):
        assert getattr(Sequential, name).__qualname__ == f"Sequential.{name}"


def test_dropout_factory_gets_a_generator_per_layer():
    gens = []
    def factory(rng):
        gens.append(rng); return Tanh()
    net = MLP([3, 4, 4, 4, 2], dropout=factory, seed=5)
    assert len(gens) == 3 and all(isinstance(g, np.random.Generator) for g in gens)
    draws = [g.random(4) for g in gens]
    assert not np.array_equal(draws[0], draws[1])
    gens.clear(); MLP([3, 4, 4, 4, 2], dropout=factory, seed=5)
    np.testing.assert_array_equal([g.random(4) for g in gens][0], draws[0])    # same seed, same streams
    # the weights do not depend on whether there is dropout
    np.testing.assert_array_equal(net[0].weight.data, MLP([3, 4, 4, 4, 2], seed=5)[0].weight.data)


# What backpropagation costs (chapter 05): FLOPs counted by torch, forward passes of finite differences, memory.
@pytest.mark.parametrize("sizes", [[784, 30, 10], [64, 100, 10], [5, 8, 8, 3], [20, 3]], ids=lambda s: "-".join(map(str, s)))
def test_backward_costs_one_to_two_forward_passes(sizes):
    from torch.utils.flop_counter import FlopCounterMode
    net = MLP(sizes, seed=0)
    tn = to_torch(net)
    for input_grad in (False, True):
        x = torch.from_numpy(np.random.default_rng(0).random((16, sizes[0]))).requires_grad_(input_grad)
        with FlopCounterMode(display=False) as f: out = tn(x)
        with FlopCounterMode(display=False) as b: out.sum().backward()
        fwd, bwd = f.get_total_flops(), b.get_total_flops()
        # forward: 2·m·Σ n_in·n_out; backward: twice that, minus the first layer's ∂C/∂x unless x needs a gradient
        mm = [2 * 16 * i * o for i, o in zip(sizes[:-1], sizes[1:])]
        assert fwd == sum(mm) and bwd == 2 * sum(mm) - (0 if input_grad else mm[0])
        assert 1 <= bwd / fwd <= 2


def test_finite_differences_cost_two_forward_passes_per_parameter():
    from dlnotes.activations import Module
    from dlnotes.gradients import numerical_gradient
    class Count(Module):
        def __init__(self): self.n = 0
        def forward(self, x): self.n += 1; return x
        def backward(self, g): return g
    c, net = Count(), MLP([4, 3, 2], seed=0)
    model, loss = Sequential(c, *net), CrossEntropyLoss()
    x, y = np.random.default_rng(0).random((5, 4)), np.array([0, 1, 1, 0, 1])
    for p in model.parameters():
        def f(v, p=p):
            old = p.data.copy(); p.data[...] = v
            try: return loss(model(x), y)
            finally: p.data[...] = old
        numerical_gradient(f, p.data)
    assert c.n == 2 * sum(p.data.size for p in net.parameters())


@pytest.mark.parametrize("act,per_layer", [("sigmoid", 2), ("tanh", 1), ("relu", 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m", [1, 7, 100])
def test_stored_activations_memory(act, per_layer, dtype, m):
    "What the layers keep for backward: each Linear its input, each activation its input (Sigmoid also e^{-|z|})."
    sizes = [50, 20, 8, 5]
    net = MLP(sizes, act, output=act, dtype=dtype, seed=0)
    net(np.zeros((m, sizes[0]), dtype))
    stored = sum(v.nbytes for l in net for v in vars(l).values() if isinstance(v, np.ndarray))
    numbers = sum(sizes[:-1]) + per_layer * sum(sizes[1:])
    assert stored == m * numbers * np.dtype(dtype).itemsize
