"""Chapter 07 cross-checks: fans, gains and every initializer against the formulas and torch.nn.init (statistically)."""
import math
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from dlnotes.descent import Parameter
from dlnotes.activations import Linear
from dlnotes.network import MLP
from dlnotes.init import (INITIALIZERS, activation_stats, calculate_fans, calculate_gain, constant_, kaiming_normal_,
                          kaiming_uniform_, make_init, normal_, ones_, scaled_normal_, uniform_, xavier_normal_,
                          xavier_uniform_, zeros_)

NONLINS = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "sigmoid", "tanh", "relu", "leaky_relu", "selu"]


@pytest.mark.parametrize("name", NONLINS)
@pytest.mark.parametrize("param", [None, 0.0, 0.2, 3])
def test_gain_matches_torch(name, param):
    assert math.isclose(calculate_gain(name, param), torch.nn.init.calculate_gain(name, param), rel_tol=1e-15)


@pytest.mark.parametrize("shape", [(3, 4), (7, 1), (16, 3, 5), (8, 4, 3, 3), (2, 3, 2, 2, 2)])
def test_fans_match_torch(shape):
    assert calculate_fans(np.empty(shape)) == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert calculate_fans(shape) == calculate_fans(Parameter(np.empty(shape)))


# (ours(w, rng), torch(t), variance formula as a function of (fan_in, fan_out), uniform bound or None)
CASES = {
    "normal": (lambda w, r: normal_(w, 0.5, 0.2, rng=r), lambda t: torch.nn.init.normal_(t, 0.5, 0.2), lambda fi, fo: 0.04, None),
    "uniform": (lambda w, r: uniform_(w, -0.3, 0.7, rng=r), lambda t: torch.nn.init.uniform_(t, -0.3, 0.7), lambda fi, fo: 1 / 12, None),
    "scaled_normal": (lambda w, r: scaled_normal_(w, rng=r), lambda t: torch.nn.init.normal_(t, 0, 1 / math.sqrt(t.shape[1] * math.prod(t.shape[2:]))),
                      lambda fi, fo: 1 / fi, None),
    "xavier_uniform": (lambda w, r: xavier_uniform_(w, rng=r), torch.nn.init.xavier_uniform_, lambda fi, fo: 2 / (fi + fo),
                       lambda fi, fo: math.sqrt(6 / (fi + fo))),
    "xavier_normal_gain": (lambda w, r: xavier_normal_(w, gain=0.5, rng=r), lambda t: torch.nn.init.xavier_normal_(t, gain=0.5),
                           lambda fi, fo: 0.25 * 2 / (fi + fo), None),
    "kaiming_uniform": (lambda w, r: kaiming_uniform_(w, rng=r), torch.nn.init.kaiming_uniform_, lambda fi, fo: 2 / fi,
                        lambda fi, fo: math.sqrt(6 / fi)),
    "kaiming_uniform_leaky_fanout": (lambda w, r: kaiming_uniform_(w, a=0.2, mode="fan_out", rng=r),
                                     lambda t: torch.nn.init.kaiming_uniform_(t, a=0.2, mode="fan_out"),
                                     lambda fi, fo: 2 / (1 + 0.04) / fo, lambda fi, fo: math.sqrt(3 * 2 / (1 + 0.04) / fo)),
    "kaiming_normal_relu": (lambda w, r: kaiming_normal_(w, nonlinearity="relu", rng=r),
                            lambda t: torch.nn.init.kaiming_normal_(t, nonlinearity="relu"), lambda fi, fo: 2 / fi, None),
    "kaiming_normal_tanh_fanout": (lambda w, r: kaiming_normal_(w, mode="fan_out", nonlinearity="tanh", rng=r),
                                   lambda t: torch.nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="tanh"),
                                   lambda fi, fo: (5 / 3) ** 2 / fo, None),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("shape", [(400, 300), (120, 700), (64, 32, 3, 3)])
def test_variance_matches_formula_and_torch(case, shape):
    ours, theirs, var, bound = CASES[case]
    fi, fo = calculate_fans(shape)
    w = ours(np.empty(shape), np.random.default_rng(0))
    torch.manual_seed(0)
    t = theirs(torch.empty(shape, dtype=torch.float64)).numpy()
    n, v = w.size, var(fi, fo)
    tol = 6 * math.sqrt(2 / n) * v * 1.5                      # ~6 standard errors of a sample variance (×1.5 for uniform)
    assert abs(w.var() - v) < tol and abs(t.var() - v) < tol and abs(w.var() - t.var()) < 2 * tol
    assert abs(w.mean() - t.mean()) < 12 * math.sqrt(v / n)
    if bound is not None:
        b = bound(fi, fo)
        assert np.abs(w).max() <= b and np.abs(t).max() <= b + 1e-12 and np.abs(w).max() > 0.99 * b
    # the standardized distributions agree: quantiles of ours vs torch's
    q = np.linspace(0.02, 0.98, 25)
    np.testing.assert_allclose(np.quantile(w, q), np.quantile(t, q), atol=0.05 * math.sqrt(v) * 3)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 50), st.integers(1, 50), st.integers(0, 2**31))
def test_seeded_and_in_place(n_out, n_in, seed):
    for name, fn in INITIALIZERS.items():
        a = np.empty((n_out, n_in)); p = Parameter(np.empty((n_out, n_in)))
        kw = {} if fn in (zeros_, ones_) else {"rng": seed}
        assert fn(a, **kw) is a and fn(p, **kw) is p
        np.testing.assert_array_equal(a, p.data)


def test_make_init_in_linear_and_mlp():
    lin = Linear(300, 200, init=make_init("xavier_uniform_", gain=2.0), seed=0)
    assert np.abs(lin.weight.data).max() <= 2.0 * math.sqrt(6 / 500) and not lin.bias.data.any()
    a = MLP([5, 4, 3], init=make_init(kaiming_normal_, nonlinearity="relu"), seed=7)
    b = MLP([5, 4, 3], init=make_init(kaiming_normal_, nonlinearity="relu"), seed=7)
    np.testing.assert_array_equal(a[0].weight.data, b[0].weight.data)
    c = MLP([5, 4, 3], init=make_init(constant_, val=0.25), seed=0)
    assert np.all(c[0].weight.data == 0.25)


def test_activation_stats_counts_activation_layers():
    net = MLP([8, 16, 16, 4], "tanh", output="sigmoid", seed=0)
    s = activation_stats(net, np.random.default_rng(0).normal(size=(50, 8)))
    assert len(s["mean"]) == len(s["std"]) == len(s["outputs"]) == 3
    assert s["outputs"][-1].shape == (50, 4) and 0 < s["mean"][-1] < 1


@pytest.mark.parametrize("call, match", [
    (lambda: calculate_fans(np.zeros(4)), ">= 2 dimensions"),
    (lambda: calculate_gain("swish"), "unsupported nonlinearity"),
    (lambda: kaiming_uniform_(np.empty((2, 2)), mode="avg"), "mode must be"),
    (lambda: xavier_uniform_(np.empty((2, 2)), np.random.default_rng()), "gain must be a finite number"),
    (lambda: normal_(np.empty(3), std=-1), "std must be >= 0"),
    (lambda: uniform_(np.empty(3), 2, 1), "a <= b"),
    (lambda: normal_(torch.empty(3)), "numpy ndarray or a Parameter"),
    (lambda: make_init("orthogonal"), "unknown initializer"),
])
def test_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match): call()


@pytest.mark.parametrize("shape", [(0, 5), (5, 0), (3, 0, 2), (0, 0)])
@pytest.mark.parametrize("init", [scaled_normal_, xavier_uniform_, xavier_normal_, kaiming_uniform_, kaiming_normal_])
def test_zero_size_weights_are_a_value_error(shape, init):
    with pytest.raises(ValueError, match="zero-size"): init(np.empty(shape))
    with pytest.raises(ValueError, match="zero-size"): calculate_fans(shape)


def test_huge_hyper_parameters_no_overflow():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for slope in (1e308, -1e308, 1e200, 1e-300):
            g = calculate_gain("leaky_relu", slope)
            assert math.isfinite(g) and g == pytest.approx(math.sqrt(2.0 / (1 + slope ** 2)) if abs(slope) < 1e150 else math.sqrt(2) / abs(slope))
        for bad in (float("inf"), float("nan")):
            with pytest.raises(ValueError, match="negative slope"): calculate_gain("leaky_relu", bad)
        for call in (lambda: xavier_uniform_(np.empty((3, 4)), gain=1e308), lambda: xavier_normal_(np.empty((3, 4)), gain=1e308),
                     lambda: uniform_(np.empty(3), -1e308, 1e308), lambda: normal_(np.empty(3), 0, 1e307),
                     lambda: normal_(np.empty(3), 1e308, 1e307)):
            with pytest.raises(ValueError): call()


@pytest.mark.parametrize("val", [0.0, 0.3])
def test_constant_init_keeps_hidden_units_identical(val):
    "Chapter 07's symmetry claim: from a constant init every hidden unit gets the same update, forever."
    from dlnotes.init import make_init
    from dlnotes.training import fit
    from dlnotes.losses import CrossEntropyCost
    from dlnotes.optimizers import SGD
    rng = np.random.default_rng(0)
    X, y = rng.random((60, 8)), rng.integers(0, 3, 60)
    net = MLP([8, 6, 3], init=make_init(constant_, val=val), seed=0)
    fit(net, CrossEntropyCost(), SGD(net.parameters(), lr=0.5), X, y, 5, 10, seed=0, progress=False)
    W1, W2 = net[0].weight.data, net[2].weight.data
    assert np.abs(W1).max() > 0.01                                  # it did learn something
    assert np.abs(W1 - W1[0]).max() <= 1e-9 * max(1.0, np.abs(W1).max())
    assert np.abs(W2 - W2[:, :1]).max() <= 1e-9 * max(1.0, np.abs(W2).max())
