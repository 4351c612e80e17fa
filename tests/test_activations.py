"""Cross-checks of dlnotes.activations against PyTorch, finite-difference gradchecks and softmax properties."""
import warnings
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from dlnotes.activations import (Module, Linear, sigmoid, sigmoid_prime, tanh, tanh_prime, relu, relu_prime, gelu,
                                 gelu_prime, hardsigmoid, hardsigmoid_prime, softmax, log_softmax, Sigmoid, Tanh,
                                 ReLU, GELU, Hardsigmoid, Softmax, LogSoftmax, Identity, ACTIVATIONS)
from dlnotes.descent import Parameter
from dlnotes.gradients import gradcheck

RNG = np.random.default_rng(1234)
RANDOM = RNG.normal(scale=3, size=500)
EXTREME = np.array([-1e300, -1e6, -1000.0, -710.0, -100.0, -40.0, -20.0, -3.0, -1e-300, 0.0, 1e-300, 3.0,
                    20.0, 40.0, 100.0, 710.0, 1000.0, 1e6, 1e300])
INPUTS = {"random": RANDOM, "extreme": EXTREME}

# name -> (ours, our derivative, torch function)
ELEMENTWISE = {
    "sigmoid": (sigmoid, sigmoid_prime, torch.sigmoid),
    "tanh": (tanh, tanh_prime, torch.tanh),
    "relu": (relu, relu_prime, torch.relu),
    "gelu": (gelu, gelu_prime, F.gelu),
    "gelu_tanh": (lambda x: gelu(x, "tanh"), lambda x: gelu_prime(x, "tanh"), lambda t: F.gelu(t, approximate="tanh")),
    "hardsigmoid": (hardsigmoid, hardsigmoid_prime, F.hardsigmoid),
}


def _torch_value_and_grad(tf, x):
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = tf(xt)
    y.backward(torch.ones_like(y))
    return y.detach().numpy(), xt.grad.numpy()


@pytest.mark.parametrize("inputs", INPUTS)
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_matches_torch(name, inputs):
    f, fp, tf = ELEMENTWISE[name]
    x = INPUTS[inputs]
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        y, d = f(x), fp(x)
    ty, td = _torch_value_and_grad(tf, x)
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(d))
    # torch's tanh-GELU gradient overflows (x³) to NaN at ±1e300; ours stays finite: compare where torch is finite
    ok = np.isfinite(ty) & np.isfinite(td)
    assert ok.all() or (name == "gelu_tanh" and np.all(np.abs(x[~ok]) > 1e100))
    x, y, d, ty, td = x[ok], y[ok], d[ok], ty[ok], td[ok]
    # absolute 1e-12: in GELU's far negative tail torch's x/2·(1 + erf(x/√2)) loses digits to cancellation
    np.testing.assert_allclose(y, ty, rtol=1e-12, atol=1e-12)
    # torch's hardsigmoid backward multiplies by 1/6 rounded to float32
    np.testing.assert_allclose(d, td, rtol=5e-8 if name == "hardsigmoid" else 1e-12, atol=1e-12)


def test_gelu_tail_accurate():
    mpmath = pytest.importorskip("mpmath")
    x = np.array([-30.0, -20.0, -10.0, -7.2, -3.0, 0.5, 5.0])
    exact = np.array([float(mpmath.mpf(v) * mpmath.ncdf(v)) for v in x])
    np.testing.assert_allclose(gelu(x), exact, rtol=1e-12, atol=0)  # relative accuracy even at 1e-196


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_finite_differences(name):
    f, fp, _ = ELEMENTWISE[name]
    x = RNG.normal(size=50)
    x = x[np.abs(x) > 1e-3]  # away from ReLU's kink
    if name == "hardsigmoid": x = x[np.abs(np.abs(x) - 3) > 1e-3]
    assert gradcheck(lambda v: np.sum(f(v)), fp, x) < 1e-6


@pytest.mark.parametrize("dim", [0, 1, -1, -2])
@pytest.mark.parametrize("scale", [1.0, 50.0, 1e4])
def test_softmax_log_softmax_match_torch(dim, scale):
    x = RNG.normal(scale=scale, size=(7, 5))
    np.testing.assert_allclose(softmax(x, dim), torch.softmax(torch.tensor(x), dim).numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(log_softmax(x, dim), torch.log_softmax(torch.tensor(x), dim).numpy(), rtol=1e-12, atol=1e-12)


def test_softmax_huge_logits():
    x = np.array([[1000.0, 0.0, -1000.0], [1e308, -1e307, 1e308]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p, lp = softmax(x), log_softmax(x)
    np.testing.assert_allclose(p.sum(1), 1.0, rtol=0, atol=1e-15)
    assert np.all(np.isfinite(lp))


@pytest.mark.parametrize("dim", [0, 1])
@pytest.mark.parametrize("cls", [Softmax, LogSoftmax])
def test_softmax_layers_backward_match_torch(cls, dim):
    x, g = RNG.normal(size=(4, 6)), RNG.normal(size=(4, 6))
    layer = cls(dim=dim)
    y = layer(x)
    xt = torch.tensor(x, requires_grad=True)
    yt = (torch.softmax if cls is Softmax else torch.log_softmax)(xt, dim)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(layer.backward(g), xt.grad.numpy(), rtol=1e-10, atol=1e-13)


def layer_gradcheck(layer, x, G):
    "Max relative error of layer.backward for L = sum(G * layer(x)), for the input and each parameter."
    layer.forward(x)
    layer.zero_grad()
    dx = layer.backward(G)
    errs = [gradcheck(lambda v: np.sum(G * layer.forward(v)), lambda v: dx, x)]
    for p in layer.parameters():
        def f(v, p=p):
            old = p.data.copy()
            p.data[...] = v
            try: return np.sum(G * layer.forward(x))
            finally: p.data[...] = old
        errs.append(gradcheck(f, lambda v, p=p: p.grad.copy(), p.data))
    return max(errs)


LAYERS = [Sigmoid, Tanh, ReLU, GELU, lambda: GELU("tanh"), Hardsigmoid, Identity, Softmax, lambda: Softmax(0),
          LogSoftmax, lambda: LogSoftmax(0), lambda: Linear(4, 3, seed=0), lambda: Linear(4, 3, bias=False, seed=1),
          lambda: Linear(4, 3, init="standard", seed=2), lambda: Linear(4, 3, init="torch", seed=3)]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("make", LAYERS)
def test_layer_gradcheck(make, seed):
    layer = make()
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(6, 4))
    n_out = layer.n_out if isinstance(layer, Linear) else 4
    G = rng.normal(size=(6, n_out))
    assert layer_gradcheck(layer, x, G) < 1e-6


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 4), (4,), (2, 3, 4)])
def test_linear_matches_torch(bias, shape):
    lin = Linear(4, 3, bias=bias, seed=7)
    tl = torch.nn.Linear(4, 3, bias=bias).double()
    with torch.no_grad():
        tl.weight.copy_(torch.tensor(lin.weight.data))
        if bias: tl.bias.copy_(torch.tensor(lin.bias.data))
    x = RNG.normal(size=shape)
    g = RNG.normal(size=shape[:-1] + (3,))
    xt = torch.tensor(x, requires_grad=True)
    yt = tl(xt)
    yt.backward(torch.tensor(g))
    y = lin(x)
    dx = lin.backward(g)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(lin.weight.grad, tl.weight.grad.numpy(), rtol=1e-12, atol=1e-13)
    if bias: np.testing.assert_allclose(lin.bias.grad, tl.bias.grad.numpy(), rtol=1e-12, atol=1e-13)


def test_linear_init_and_api():
    lin = Linear(10, 4, seed=0)
    assert isinstance(lin, Module) and all(isinstance(p, Parameter) for p in lin.parameters())
    assert lin.weight.shape == (4, 10) and lin.bias.shape == (4,)
    assert np.array_equal(Linear(10, 4, seed=0).weight.data, lin.weight.data)
    assert not np.array_equal(Linear(10, 4, seed=1).weight.data, lin.weight.data)
    W = Linear(1000, 200, init="torch", seed=0).weight.data
    assert np.abs(W).max() <= 1 / np.sqrt(1000)
    assert abs(Linear(1000, 200, init="scaled", seed=0).weight.data.std() - 1 / np.sqrt(1000)) < 1e-3
    assert abs(Linear(1000, 200, init="standard", seed=0).weight.data.std() - 1) < 0.01
    assert lin.train(False).training is False and lin.train().training is True and lin.eval().training is False
    for bad in [0, -1, 2.5, True, "3"]:
        with pytest.raises(ValueError, match="n_in"): Linear(bad, 2)
    with pytest.raises(ValueError, match="init"): Linear(3, 2, init="he")


def test_two_linears_compose_to_one():
    l1, l2 = Linear(5, 8, seed=0), Linear(8, 2, seed=1)
    one = Linear(5, 2)
    one.weight.data[...] = l2.weight.data @ l1.weight.data
    one.bias.data[...] = l2.weight.data @ l1.bias.data + l2.bias.data
    x = RNG.normal(size=(20, 5))
    np.testing.assert_allclose(l2(l1(x)), one(x), rtol=1e-12, atol=1e-12)


def test_activations_dict():
    assert set(ACTIVATIONS) == {"sigmoid", "tanh", "relu", "gelu", "hardsigmoid", "identity"}
    x = RNG.normal(size=(3, 4))
    for name, cls in ACTIVATIONS.items():
        layer = cls()
        assert isinstance(layer, Module) and layer.parameters() == []
        assert layer(x).shape == x.shape and layer.backward(np.ones_like(x)).shape == x.shape


def test_hardsigmoid_is_relus():
    x = np.linspace(-10, 10, 10001)
    np.testing.assert_allclose(hardsigmoid(x), (relu(x + 3) - relu(x - 3)) / 6, rtol=0, atol=1e-15)


finite = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 6)), elements=finite),
       st.sampled_from([0, 1, -1]), st.floats(-1e3, 1e3, allow_nan=False))
def test_softmax_properties(x, dim, shift):
    p = softmax(x, dim)
    assert np.all(p >= 0) and np.all(p <= 1)
    np.testing.assert_allclose(p.sum(axis=dim), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(softmax(x + shift, dim), p, rtol=0, atol=1e-9)  # shift changes the rounding of x
    lp = log_softmax(x, dim)
    assert np.all(np.isfinite(lp)) and np.all(lp <= 1e-12)
    np.testing.assert_allclose(np.exp(lp), p, rtol=0, atol=1e-12)
    assert np.array_equal(np.take_along_axis(p, np.argmax(x, axis=dim, keepdims=True), axis=dim).squeeze(dim),
                          p.max(axis=dim))


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e300, 1e300, allow_nan=False)))
def test_elementwise_finite_and_bounded(x):
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        s, t, h = sigmoid(x), tanh(x), hardsigmoid(x)
        ds, dg = sigmoid_prime(x), gelu_prime(x)
    assert np.all((0 <= s) & (s <= 1)) and np.all((-1 <= t) & (t <= 1)) and np.all((0 <= h) & (h <= 1))
    assert np.all((0 <= ds) & (ds <= 0.25)) and np.all(np.isfinite(dg))
