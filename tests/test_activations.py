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
                                 ReLU, GELU, Hardsigmoid, Softmax, LogSoftmax, Identity, ACTIVATIONS, layer_gradcheck)
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
    for bad in [0, -1]:
        with pytest.raises(ValueError, match="^n_in must be an integer >= 1"): Linear(bad, 2)
    for bad in [2.5, True, "3", None]:
        with pytest.raises(TypeError, match="^n_in must be an integer >= 1"): Linear(bad, 2)
    with pytest.raises(ValueError, match="^init must be"): Linear(3, 2, init="he")
    with pytest.raises(TypeError, match="^init must be"): Linear(3, 2, init=3)


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


# ---- issue 14: bad input is a TypeError or ValueError naming the argument; backward checks grad_out ----

ALL_LAYERS = [Sigmoid, Tanh, ReLU, GELU, lambda: GELU("tanh"), Hardsigmoid, Identity, Softmax, lambda: Softmax(0),
              LogSoftmax, lambda: LogSoftmax(0), lambda: Linear(4, 4, seed=0)]


@pytest.mark.parametrize("make", ALL_LAYERS)
def test_every_backward_checks_grad_out(make):
    layer = make()
    with pytest.raises(RuntimeError, match="before forward"): layer.backward(np.ones((3, 4)))
    layer(np.ones((3, 4)))
    for bad in [np.ones((3, 1)), np.ones(4), np.ones((4, 3)), np.ones((1, 3, 4)), 1.0]:
        with pytest.raises(ValueError, match=r"^grad_out must be an array of shape \(3, 4\)"): layer.backward(bad)
    for bad in [None, "a", np.ones((3, 4), complex)]:
        with pytest.raises(TypeError, match="^grad_out must be"): layer.backward(bad)
    assert layer.backward(np.ones((3, 4), int)).shape == (3, 4)  # integers are numbers


FUNCS = [sigmoid, sigmoid_prime, tanh, tanh_prime, relu, relu_prime, gelu, gelu_prime, hardsigmoid, hardsigmoid_prime,
         softmax, log_softmax]


@pytest.mark.parametrize("f", FUNCS + [lambda x: Sigmoid()(x), lambda x: Softmax()(x), lambda x: Linear(2, 2)(x)])
@pytest.mark.parametrize("bad", [None, "abc", np.array([1 + 2j, 3j]), [1, None], {"a": 1}])
def test_non_numbers_are_type_errors(f, bad):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # complex input: a TypeError, not numpy's ComplexWarning
        with pytest.raises(TypeError, match="^x must be an array of real numbers"): f(bad)


def test_linear_arguments():
    np.testing.assert_array_equal(Linear(3, 2, rng=3).weight.data, Linear(3, 2, seed=3).weight.data)  # int seed, as MLP
    np.testing.assert_array_equal(Linear(3, 2, rng=np.random.default_rng(3)).weight.data, Linear(3, 2, rng=3).weight.data)
    for dtype in [np.int64, int, "int32", np.bool_, None, "abc"]:
        with pytest.raises(TypeError, match="^dtype must be a floating-point dtype"): Linear(3, 2, dtype=dtype)
    with pytest.raises(TypeError, match="^rng must be"): Linear(3, 2, rng="a")
    with pytest.raises(ValueError, match="^rng must be"): Linear(3, 2, rng=-1)
    with pytest.raises(TypeError, match="^seed must be"): Linear(3, 2, seed=1.5)
    with pytest.raises(TypeError, match="^bias must be True or False"): Linear(3, 2, bias=None)
    with pytest.raises(ValueError, match=r"^x must be an array of shape \(\.\.\., n_in=3\)"): Linear(3, 2)(np.ones((2, 4)))
    with pytest.raises(ValueError, match="^x must be"): Linear(3, 2)(5.0)
    assert Linear(3, 2, dtype=np.float32)(np.ones((1, 3))).dtype == np.float32


def test_dim_and_approximate():
    for f in (softmax, log_softmax):
        with pytest.raises(ValueError, match=r"^dim must be an integer in \[-2, 1\]"): f(np.ones((2, 3)), dim=2)
        with pytest.raises(TypeError, match="^dim must be an integer"): f(np.ones((2, 3)), dim=1.0)
    for cls in (Softmax, LogSoftmax):
        with pytest.raises(TypeError, match="^dim must be"): cls(dim="1")
    with pytest.raises(ValueError, match="^approximate must be one of 'none', 'tanh'"): gelu(1.0, "fast")
    with pytest.raises(ValueError, match="^approximate must be"): GELU("erf")
    with pytest.raises(TypeError, match="^mode must be True or False"): Sigmoid().train(None)


def test_methods_have_real_names_and_signatures():
    import inspect
    for cls in [Module, Linear, Sigmoid, Tanh, ReLU, GELU, Hardsigmoid, Identity, Softmax, LogSoftmax]:
        assert "*args" not in str(inspect.signature(cls)), cls
        for name, m in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("_"): continue
            owner = next(c for c in cls.__mro__ if name in c.__dict__)
            assert m.__qualname__ == f"{owner.__name__}.{name}", (cls, name, m.__qualname__)
    assert Linear.forward.__qualname__ == "Linear.forward" and Linear.backward_params.__qualname__ == "Linear.backward_params"
    assert str(inspect.signature(Linear.forward)) == "(self: dlnotes.activations.Linear, x)"


EXTREME_LOGITS = [[1e308, -1e308], [-1e308, 1e308, 0.0], [1e308] * 5, [-1e308] * 5, [1.7e308, -1.7e308, 1.7e308],
                  [[1e308, -1e308], [-1e308, 1e308]]]


@pytest.mark.parametrize("x", EXTREME_LOGITS)
def test_softmax_family_warning_free_on_any_finite_logits(x):
    x = np.array(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dim in range(-x.ndim, x.ndim):
            p, lp = softmax(x, dim), log_softmax(x, dim)
            np.testing.assert_allclose(p.sum(dim), 1.0, rtol=0, atol=1e-15)
            assert np.all(lp <= 0) and not np.any(np.isnan(lp))
            np.testing.assert_array_equal(np.exp(lp), p)  # −inf where the probability underflows to 0
            for cls in (Softmax, LogSoftmax):
                layer = cls(dim); layer(x)
                for g in (np.ones_like(x), np.full(x.shape, 1e308), np.where(np.arange(x.size).reshape(x.shape) % 2, 1e308, -1e308)):
                    assert not np.any(np.isnan(layer.backward(g)))


def test_softmax_backward_with_huge_gradients_is_exact():
    "Gradients near the float limit are scaled before the sums: no overflow where the exact result is finite."
    ls = LogSoftmax(); ls(np.array([0.0, -800.0]))
    np.testing.assert_allclose(ls.backward(np.array([1e308, 1e308])), [-1e308, 1e308], rtol=1e-15)
    sm = Softmax(); s = sm(np.array([np.log(0.01), np.log(0.99)]))
    g = np.array([1e308, -1e308])
    np.testing.assert_allclose(sm.backward(g), s * (g / 4 - np.sum(g / 4 * s)) * 4, rtol=1e-14)  # 1.98e306, not inf
    x, G = RNG.normal(size=(5, 4)), RNG.normal(size=(5, 4))  # ordinary gradients: bit-identical to the plain formula
    sm = Softmax(); s = sm(x); np.testing.assert_array_equal(sm.backward(G), s * (G - np.sum(G * s, -1, keepdims=True)))


def test_layer_gradcheck_arguments():
    with pytest.raises(TypeError, match="^layer must be a Module"): layer_gradcheck(None, np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(TypeError, match="^G must be"): layer_gradcheck(Tanh(), np.ones((2, 3)), None)
    with pytest.raises(ValueError, match="^G must be an array of shape"): layer_gradcheck(Tanh(), np.ones((2, 3)), np.ones(3))


def test_extremes_give_no_warning():
    "Empty inputs give empty outputs (as in torch); a gradient beyond the float range becomes inf silently, as in torch."
    import warnings
    from dlnotes.activations import Linear, softmax, log_softmax
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert softmax(np.ones((0,))).shape == (0,) and log_softmax(np.ones((2, 0))).shape == (2, 0)
        lin = Linear(3, 2, rng=0)
        lin.forward(np.ones((4, 3)))
        lin.backward(np.full((4, 2), 1e308))
        assert np.isinf(lin.bias.grad).all()
