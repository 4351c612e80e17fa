"""Wider checks of dlnotes.gradients: finite differences against torch.autograd on random inputs, properties."""
import subprocess, sys
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays, array_shapes

from dlnotes.gradients import derivative, numerical_gradient, gradcheck

# (name, numpy scalar function, the same function in torch)
A = np.random.default_rng(123).normal(size=(4, 4))
FUNCS = [
    ("sum_squares", lambda x: np.sum(x**2), lambda t: torch.sum(t**2)),
    ("sin_exp", lambda x: np.sum(np.sin(x) * np.exp(0.5 * x)), lambda t: torch.sum(torch.sin(t) * torch.exp(0.5 * t))),
    ("logsumexp", lambda x: np.log(np.sum(np.exp(x))), lambda t: torch.logsumexp(t.reshape(-1), 0)),
    ("tanh_x", lambda x: np.sum(np.tanh(x) * x), lambda t: torch.sum(torch.tanh(t) * t)),
    ("softplus", lambda x: np.sum(np.log1p(np.exp(x))), lambda t: torch.sum(torch.nn.functional.softplus(t))),
    ("sigmoid_mse", lambda x: np.mean((1 / (1 + np.exp(-x)) - 0.3) ** 2), lambda t: torch.mean((torch.sigmoid(t) - 0.3) ** 2)),
    ("quad_form", lambda x: x.reshape(-1)[:4] @ A @ x.reshape(-1)[:4], lambda t: t.reshape(-1)[:4] @ torch.tensor(A) @ t.reshape(-1)[:4]),
    ("course_y3", lambda x: 2 * x.flat[0]**2 + 6 * x.flat[1]**2 + 7 * x.flat[2]**3,
                  lambda t: 2 * t.reshape(-1)[0]**2 + 6 * t.reshape(-1)[1]**2 + 7 * t.reshape(-1)[2]**3),
]

def torch_grad(ft, x):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ft(t).backward()
    return t.grad.numpy()

@pytest.mark.parametrize("name,f,ft", FUNCS, ids=[n for n, *_ in FUNCS])
@pytest.mark.parametrize("shape", [(4,), (2, 3), (2, 2, 2)])
@pytest.mark.parametrize("seed", range(5))
def test_numerical_gradient_matches_autograd(name, f, ft, shape, seed):
    x = np.random.default_rng(seed).normal(size=shape)
    x0 = x.copy()
    num, auto = numerical_gradient(f, x), torch_grad(ft, x)
    assert num.shape == x.shape
    np.testing.assert_allclose(num, auto, rtol=1e-6, atol=1e-7)
    assert gradcheck(f, lambda v: torch_grad(ft, v), x) < 1e-5
    np.testing.assert_array_equal(x, x0)  # unchanged

@pytest.mark.parametrize("name,f,ft", FUNCS[:6], ids=[n for n, *_ in FUNCS[:6]])
def test_derivative_matches_autograd_1d(name, f, ft):
    for x in np.linspace(-2, 2, 9):
        g = torch_grad(ft, np.array([x]))[0]
        f1 = lambda s: f(np.array([s]))
        assert abs(derivative(f1, x) - g) < 1e-7 * max(1.0, abs(g))
        assert abs(derivative(f1, x, h=1e-7, method="forward") - g) < 1e-5 * max(1.0, abs(g))

def test_quadratic_model_chain_rule_against_autograd():
    rng = np.random.default_rng(0)
    for _ in range(50):
        w, x, y = rng.normal(size=3), rng.normal(), rng.normal()
        analytic = 2 * (w[0] * x**2 + w[1] * x + w[2] - y) * np.array([x**2, x, 1.0])
        np.testing.assert_allclose(torch_grad(lambda t: (t[0] * x**2 + t[1] * x + t[2] - y) ** 2, w), analytic, rtol=1e-12, atol=1e-12)
        assert gradcheck(lambda v: (v[0] * x**2 + v[1] * x + v[2] - y) ** 2, lambda v: analytic, w) < 1e-6

@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, array_shapes(min_dims=0, max_dims=3, max_side=4), elements=st.floats(-3, 3)))
def test_numerical_gradient_any_shape_unchanged_input(x):
    x0 = x.copy()
    g = numerical_gradient(lambda v: np.sum(v**3 + v), x)
    assert g.shape == x.shape and g.dtype == np.float64
    np.testing.assert_allclose(g, 3 * x**2 + 1, rtol=1e-7, atol=1e-6)
    np.testing.assert_array_equal(x, x0)

@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.integers(1, 6), elements=st.floats(0.1, 1.5)), st.floats(0.1, 3.0))  # gradient entries >= 0.2
def test_gradcheck_separates_right_from_wrong(x, scale):
    f = lambda v: np.sum(np.sin(v) * v)
    right = lambda v: np.cos(v) * v + np.sin(v)
    assert gradcheck(f, right, x) < 1e-6
    wrong = lambda v: right(v) + 0.5 + scale  # a shift no gradient of this size can hide
    assert gradcheck(f, wrong, x) > 0.05

def test_error_orders():
    # forward error ~ h, central ~ h^2 on exp at 1 (truncation regime)
    e = lambda h, m: abs(derivative(np.exp, 1.0, h, m) - np.e)
    assert 8 < e(1e-2, "forward") / e(1e-3, "forward") < 12
    assert 80 < e(1e-2, "central") / e(1e-3, "central") < 120

def test_bad_input():
    with pytest.raises(ValueError, match="h must be"): derivative(np.sin, 0.0, h=0.0)
    with pytest.raises(ValueError, match="h must be"): numerical_gradient(np.sum, np.ones(2), h=-1)
    with pytest.raises(ValueError, match="method must be"): derivative(np.sin, 0.0, method="left")
    with pytest.raises(ValueError, match="f must return a scalar"): numerical_gradient(lambda v: v, np.ones(3))
    with pytest.raises(ValueError, match="grad_f returned shape"): gradcheck(np.sum, lambda v: np.ones(2), np.ones(3))

@pytest.mark.parametrize("call, name", [
    (lambda: numerical_gradient(np.sum, None), "x"),
    (lambda: numerical_gradient(np.sum, "abc"), "x"),
    (lambda: numerical_gradient(np.sum, np.ones(2, complex)), "x"),
    (lambda: numerical_gradient(None, np.ones(2)), "f"),
    (lambda: numerical_gradient(lambda v: "a", np.ones(2)), "f"),
    (lambda: numerical_gradient(np.sum, np.ones(2), h="1e-6"), "h"),
    (lambda: derivative(np.sin, None), "x"),
    (lambda: derivative(np.sin, 1 + 2j), "x"),
    (lambda: derivative(3, 1.0), "f"),
    (lambda: derivative(np.sin, 1.0, h=None), "h"),
    (lambda: derivative(np.sin, 1.0, method=3), "method"),
    (lambda: gradcheck(np.sum, None, np.ones(2)), "grad_f"),
    (lambda: gradcheck(np.sum, lambda v: None, np.ones(2)), "grad_f"),
    (lambda: gradcheck(np.sum, np.ones_like, None), "x"),
])
def test_wrong_types_are_type_errors_naming_the_argument(call, name):
    with pytest.raises(TypeError) as e: call()
    assert str(e.value).startswith(f"{name} must") or f"{name}(" in str(e.value), str(e.value)


@pytest.mark.parametrize("call, name", [
    (lambda: derivative(np.sin, 1.0, h=float("inf")), "h"),
    (lambda: derivative(np.sin, float("nan")), "x"),
    (lambda: numerical_gradient(np.sum, np.ones(2), h=0), "h"),
    (lambda: derivative(np.sin, 1.0, method="left"), "method"),
])
def test_wrong_values_are_value_errors_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=f"^{name} must"): call()


def test_import_is_light():
    code = "import sys, dlnotes.gradients, dlnotes.descent; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_overflow_is_a_clear_error_not_a_warning():
    "f overflowing at x ± h, or a step so large the quotient overflows, is a ValueError naming f or h, with no warning."
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="f must be a function returning a finite number"):
            numerical_gradient(lambda v: np.sum(v ** 2), np.full(3, 1e308))
        with pytest.raises(ValueError, match="f must be a function returning a finite number"):
            derivative(np.exp, 1000.0)
        with pytest.raises(ValueError, match="h must be a step small enough"):
            numerical_gradient(lambda v: np.sum(v), np.ones(2) * 1e300, h=1e308)
