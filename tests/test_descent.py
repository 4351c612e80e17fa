"""Wider checks of dlnotes.descent: SGD step by step against torch.optim.SGD, minibatches properties, errors."""
import math, warnings
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from dlnotes.descent import (Parameter, Optimizer, SGD, minibatches, DivergenceError, check_finite,
                             gradient_descent, QuadraticModel, mse_with_grad, train_quadratic)
from dlnotes.gradients import gradcheck

@pytest.mark.parametrize("lr", [1e-3, 0.1, 1.5])
@pytest.mark.parametrize("weight_decay", [0.0, 1e-4, 0.3])
@pytest.mark.parametrize("seed", range(4))
def test_sgd_matches_torch(lr, weight_decay, seed):
    rng = np.random.default_rng(seed)
    shapes = [(3,), (2, 4), (), (1, 2, 3)]
    init = [rng.normal(size=s) for s in shapes]
    ps = [Parameter(a) for a in init]
    ts = [torch.tensor(a, requires_grad=True) for a in init]
    opt, opt_t = SGD(ps, lr=lr, weight_decay=weight_decay), torch.optim.SGD(ts, lr=lr, weight_decay=weight_decay)
    for step in range(12):
        grads = [rng.normal(size=s) for s in shapes]
        opt.zero_grad(); opt_t.zero_grad()
        for p, t, g in zip(ps, ts, grads):
            p.grad += g; t.grad = torch.tensor(g)
        opt.step(); opt_t.step()
        for p, t in zip(ps, ts):
            np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-13, atol=1e-13)

def test_sgd_lr_changed_between_steps_matches_torch():
    rng = np.random.default_rng(0)
    a = rng.normal(size=5)
    p, t = Parameter(a), torch.tensor(a, requires_grad=True)
    opt, opt_t = SGD([p], lr=0.5, weight_decay=0.01), torch.optim.SGD([t], lr=0.5, weight_decay=0.01)
    for k in range(10):
        g = rng.normal(size=5)
        opt.lr = 0.5 * 0.8**k
        for group in opt_t.param_groups: group["lr"] = 0.5 * 0.8**k
        p.grad[...] = g; t.grad = torch.tensor(g)
        opt.step(); opt_t.step()
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-13, atol=1e-13)

def test_sgd_float32_parameter_stays_float32():
    p = Parameter(np.ones(3, np.float32)); p.grad += 1
    SGD([p], lr=0.1).step()
    assert p.data.dtype == np.float32 and np.allclose(p.data, 0.9)

def test_optimizer_errors():
    p = Parameter(np.ones(2))
    for lr in (0, -1, float("nan"), float("inf"), None, "1", True):
        with pytest.raises(ValueError, match="lr must be"): SGD([p], lr=lr)
    with pytest.raises(ValueError, match="weight_decay must be"): SGD([p], lr=0.1, weight_decay=-0.1)
    with pytest.raises(ValueError, match="empty parameter list"): SGD([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"): SGD(iter([]), lr=0.1)
    with pytest.raises(TypeError, match=r"params\[1\] must be a Parameter"): SGD([p, np.ones(2)], lr=0.1)
    with pytest.raises(TypeError, match="single Parameter"): SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="iterable of Parameters"): SGD(3, lr=0.1)
    with pytest.raises(ValueError, match="more than once"): SGD([p, p], lr=0.1)
    with pytest.raises(NotImplementedError): Optimizer([p], lr=0.1).step()

def test_optimizer_base_api():
    p, q = Parameter([1.0, 2.0]), Parameter(3.0)
    opt = SGD((x for x in [p, q]), lr=0.1)  # any iterable, e.g. a generator
    assert opt.params == [p, q] and opt.defaults == {"lr": 0.1, "weight_decay": 0.0} and opt.lr == 0.1
    p.grad += 5; q.grad += 5; opt.zero_grad()
    assert not p.grad.any() and not q.grad.any()
    sd = opt.state_dict(); opt.lr = 3.0; opt.load_state_dict(sd); assert opt.lr == 0.1
    assert "shape=(2,)" in repr(p)

@settings(max_examples=200, deadline=None)
@given(st.integers(0, 300), st.integers(1, 64), st.booleans(), st.integers(0, 2**32 - 1))
def test_minibatches_partition(n, b, shuffle, seed):
    batches = list(minibatches(n, b, shuffle=shuffle, rng=seed))
    assert len(batches) == math.ceil(n / b)
    assert all(len(x) == b for x in batches[:-1]) and all(1 <= len(x) <= b for x in batches)
    allidx = np.concatenate(batches) if batches else np.array([], int)
    assert sorted(allidx.tolist()) == list(range(n))  # a partition of range(n)
    if not shuffle: assert allidx.tolist() == list(range(n))
    again = list(minibatches(n, b, shuffle=shuffle, rng=seed))  # same seed, same batches
    assert all(np.array_equal(x, y) for x, y in zip(batches, again))

@settings(max_examples=100, deadline=None)
@given(st.integers(0, 300), st.integers(1, 64), st.integers(0, 1000))
def test_minibatches_drop_last(n, b, seed):
    batches = list(minibatches(n, b, rng=seed, drop_last=True))
    assert len(batches) == n // b and all(len(x) == b for x in batches)
    assert len(set(np.concatenate(batches).tolist()) if batches else set()) == b * (n // b)

def test_minibatches_errors_are_eager():
    for n, b, match in [(10, 0, "batch_size"), (-1, 3, "n must"), (10, 1.5, "batch_size"), (True, 2, "n must"), (3.0, 1, "n must")]:
        with pytest.raises(ValueError, match=match): minibatches(n, b)

def test_check_finite_and_divergence():
    assert check_finite(2.0, lr=0.1) == 2.0
    for bad in (float("inf"), float("nan"), np.array([1.0, np.nan])):
        with pytest.raises(DivergenceError, match=r"lr=0\.3"): check_finite(bad, lr=0.3, step=7)
    assert issubclass(DivergenceError, FloatingPointError)

def test_train_quadratic_diverges_loudly_without_warnings():
    from dlnotes.data import synthetic_regression
    x, y = synthetic_regression(n=100, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow RuntimeWarning would fail the test
        with pytest.raises(DivergenceError, match=r"lr=2\.0"):
            train_quadratic(QuadraticModel(seed=0), x, y, lr=2.0, epochs=1000)
        with pytest.raises(DivergenceError, match="lr=0.7"):
            train_quadratic(QuadraticModel(seed=0), x, y, lr=0.7, epochs=1000, batch_size=1, seed=0)

@pytest.mark.parametrize("seed", range(3))
def test_train_quadratic_recovers_weights(seed):
    from dlnotes.data import synthetic_regression
    x, y = synthetic_regression(n=400, w=(-1.0, 0.5, 2.0), noise=0.3, seed=seed)
    m = QuadraticModel(seed=seed)
    log = train_quadratic(m, x, y, lr=0.05, epochs=40, batch_size=32, seed=seed)
    np.testing.assert_allclose(m.weights, [-1.0, 0.5, 2.0], atol=0.1)
    assert len(log.update_loss) == 40 * math.ceil(400 / 32) and log.weights.shape == (41, 3)

def test_quadratic_model_backward_gradcheck_and_accumulates():
    rng = np.random.default_rng(0)
    for _ in range(10):
        x, y, w = rng.normal(size=7), rng.normal(size=7), rng.normal(size=3)
        def grad(wv):
            m = QuadraticModel(wv); m.backward(mse_with_grad(m(x), y)[1]); return np.array([float(p.grad) for p in m.parameters()])
        assert gradcheck(lambda wv: mse_with_grad(QuadraticModel(wv)(x), y)[0], grad, w) < 1e-7
    m = QuadraticModel([1.0, 1.0, 1.0]); m(np.ones(3)); m.backward(np.ones(3)); m.backward(np.ones(3))
    assert float(m.w3.grad) == 6.0  # backward accumulates
    m.zero_grad(); assert float(m.w3.grad) == 0.0

@pytest.mark.parametrize("a", [0.1, 1.0, 7.0, 250.0])
def test_quadratic_threshold_two_over_a(a):
    below = gradient_descent(lambda x: a * x, 1.0, lr=0.98 * 2 / a, steps=2000)
    above = gradient_descent(lambda x: a * x, 1.0, lr=1.02 * 2 / a, steps=2000)
    assert abs(below[-1]) < 1e-10 and abs(above[-1]) > 1e10
    with pytest.raises(DivergenceError):
        gradient_descent(lambda x: a * x, 1.0, lr=3 / a, steps=5000)
