"""Wider checks of dlnotes.descent: the Optimizer base and SGD step by step against torch.optim.SGD (every option,
parameter groups, schedules of lr), bad input named, the divergence rule, minibatches properties."""
import inspect, math, warnings
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from dlnotes.descent import (Parameter, Optimizer, SGD, minibatches, DivergenceError, DIVERGENCE_FACTOR, check_finite,
                             check_divergence, gradient_descent, QuadraticModel, mse_with_grad, train_quadratic)
from dlnotes.gradients import gradcheck

SHAPES = [(3,), (2, 4), (), (1, 2, 3)]


def _pair(init):
    return [Parameter(a) for a in init], [torch.tensor(a, requires_grad=True) for a in init]


def _run(opt, opt_t, ps, ts, rng, steps=12, check=True):
    for _ in range(steps):
        grads = [rng.normal(size=np.shape(p.data)) for p in ps]
        opt.zero_grad(); opt_t.zero_grad()
        for p, t, g in zip(ps, ts, grads):
            p.grad += g; t.grad = torch.tensor(g)
        opt.step(); opt_t.step()
        if check:
            for p, t in zip(ps, ts):
                np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-12, atol=1e-13)


SGD_OPTIONS = [dict(), dict(weight_decay=1e-4), dict(weight_decay=0.3), dict(momentum=0.9), dict(momentum=0.5, dampening=0.5),
               dict(momentum=0.9, dampening=1.0), dict(momentum=0.9, nesterov=True), dict(momentum=0.99, weight_decay=0.1),
               dict(momentum=0.7, dampening=0.2, weight_decay=0.01), dict(momentum=0.8, nesterov=True, weight_decay=0.05)]


@pytest.mark.parametrize("lr", [1e-3, 0.1, 1.5])
@pytest.mark.parametrize("kw", SGD_OPTIONS)
@pytest.mark.parametrize("seed", range(2))
def test_sgd_matches_torch(lr, kw, seed):
    rng = np.random.default_rng(seed)
    ps, ts = _pair([rng.normal(size=s) for s in SHAPES])
    _run(SGD(ps, lr=lr, **kw), torch.optim.SGD(ts, lr=lr, **kw), ps, ts, rng)


@pytest.mark.parametrize("kw", SGD_OPTIONS[::2])
def test_sgd_param_groups_match_torch(kw):
    """Groups override lr, weight decay and momentum (torch style: no weight decay on the biases)."""
    rng = np.random.default_rng(5)
    ps, ts = _pair([rng.normal(size=s) for s in [(4, 3), (3,), (3, 2), (2,)]])
    gs = [{"params": [ps[0], ps[2]]}, {"params": [ps[1], ps[3]], "weight_decay": 0.0, "lr": 0.02, "momentum": 0.5}]
    gt = [{"params": [ts[0], ts[2]]}, {"params": [ts[1], ts[3]], "weight_decay": 0.0, "lr": 0.02, "momentum": 0.5}]
    kw = {"weight_decay": 0.1, **kw}
    if kw.get("nesterov"): gs[1]["momentum"] = gt[1]["momentum"] = 0.6
    opt, opt_t = SGD(gs, lr=0.1, **kw), torch.optim.SGD(gt, lr=0.1, **kw)
    assert opt.params == ps[::2] + ps[1::2]
    _run(opt, opt_t, [ps[0], ps[2], ps[1], ps[3]], [ts[0], ts[2], ts[1], ts[3]], rng, steps=20)


def test_sgd_lr_changed_between_steps_matches_torch():
    rng = np.random.default_rng(0)
    a = rng.normal(size=5)
    p, t = Parameter(a), torch.tensor(a, requires_grad=True)
    opt, opt_t = SGD([p], lr=0.5, weight_decay=0.01, momentum=0.9), torch.optim.SGD([t], lr=0.5, weight_decay=0.01, momentum=0.9)
    for k in range(10):
        g = rng.normal(size=5)
        opt.lr = 0.5 * 0.8**k
        for group in opt_t.param_groups: group["lr"] = 0.5 * 0.8**k
        p.grad[...] = g; t.grad = torch.tensor(g)
        opt.step(); opt_t.step()
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-13, atol=1e-13)


def test_sgd_float32_parameter_stays_float32():
    p = Parameter(np.ones(3, np.float32)); p.grad += 1
    SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1).step()
    assert p.data.dtype == np.float32 and np.allclose(p.data, 1 - 0.1 * 1.1)


def test_one_sgd_contract():
    import dlnotes.optimizers
    assert dlnotes.optimizers.SGD is SGD and "SGD" in dlnotes.optimizers.__all__
    sig = inspect.signature(SGD)
    assert list(sig.parameters) == ["params", "lr", "momentum", "dampening", "weight_decay", "nesterov"]
    assert sig.parameters["lr"].default is inspect.Parameter.empty  # lr is required
    with pytest.raises(TypeError): SGD([Parameter(1.0)])
    assert SGD.update.__qualname__ == "SGD.update" and Optimizer.step.__qualname__ == "Optimizer.step"


P = lambda: [Parameter(np.ones(2))]


@pytest.mark.parametrize("kw, exc, match", [
    (dict(lr=0), ValueError, "lr must be a finite number > 0"), (dict(lr=-1), ValueError, "lr must be"),
    (dict(lr=float("nan")), ValueError, "lr must be"), (dict(lr=float("inf")), ValueError, "lr must be"),
    (dict(lr=None), TypeError, "lr must be"), (dict(lr="1"), TypeError, "lr must be"), (dict(lr=True), TypeError, "lr must be"),
    (dict(lr=0.1, momentum=-0.1), ValueError, "momentum must be"), (dict(lr=0.1, momentum=float("inf")), ValueError, "momentum must be"),
    (dict(lr=0.1, momentum="0.9"), TypeError, "momentum must be"),
    (dict(lr=0.1, dampening=-0.1), ValueError, "dampening must be"), (dict(lr=0.1, dampening=1.5), ValueError, "dampening must be"),
    (dict(lr=0.1, dampening=float("nan")), ValueError, "dampening must be"), (dict(lr=0.1, dampening=None), TypeError, "dampening must be"),
    (dict(lr=0.1, weight_decay=-0.1), ValueError, "weight_decay must be"), (dict(lr=0.1, weight_decay=float("nan")), ValueError, "weight_decay must be"),
    (dict(lr=0.1, weight_decay=[0.1]), TypeError, "weight_decay must be"),
    (dict(lr=0.1, nesterov=True), ValueError, "nesterov must be False unless"),
    (dict(lr=0.1, momentum=0.9, dampening=0.5, nesterov=True), ValueError, "nesterov must be False unless"),
    (dict(lr=0.1, nesterov="yes"), TypeError, "nesterov must be True or False"),
])
def test_sgd_bad_hyperparameters_named(kw, exc, match):
    with pytest.raises(exc, match=match): SGD(P(), **kw)
    group = {k: v for k, v in kw.items() if k != "lr"} or {"lr": kw["lr"]}
    key = "nesterov" if "nesterov" in group else list(group)[-1]
    with pytest.raises(exc, match=rf"param_groups\[0\]\['{key}'\]"):  # the same check on a group's own value
        SGD([{"params": P(), **group}], lr=0.1)


def test_optimizer_params_errors():
    p = Parameter(np.ones(2))
    with pytest.raises(ValueError, match="params must be a non-empty iterable"): SGD([], lr=0.1)
    with pytest.raises(ValueError, match="params must be a non-empty iterable"): SGD(iter([]), lr=0.1)
    with pytest.raises(TypeError, match=r"params\[1\] must be a Parameter"): SGD([p, np.ones(2)], lr=0.1)
    with pytest.raises(TypeError, match="wrap a single one in a list"): SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="params must be"): SGD(3, lr=0.1)
    with pytest.raises(TypeError, match="params must be"): SGD(None, lr=0.1)
    with pytest.raises(TypeError, match="params must be"): SGD("abc", lr=0.1)
    with pytest.raises(ValueError, match="more than once"): SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match=r"param_groups\[1\]\['params'\]"): SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match=r"param_groups\[0\] must be a dict of 'params'"): SGD([{"params": [p], "mom": 0.9}], lr=0.1)
    with pytest.raises(ValueError, match=r"param_groups\[0\]"): SGD([{"lr": 0.1}], lr=0.1)
    with pytest.raises(ValueError, match=r"param_groups\[0\]\['params'\] must be a non-empty"): SGD([{"params": []}], lr=0.1)
    with pytest.raises(TypeError, match=r"param_groups\[0\]\['params'\]\[0\] must be a Parameter"): SGD([{"params": [1.0]}], lr=0.1)
    with pytest.raises(TypeError, match="defaults must be"): Optimizer([p], [("lr", 0.1)])
    with pytest.raises(NotImplementedError, match="update"): Optimizer([p], dict(lr=0.1)).step()
    with pytest.raises(TypeError, match="data must be"): Parameter("abc")
    with pytest.raises(TypeError, match="data must be"): Parameter(None)
    with pytest.raises(TypeError, match="name must be"): Parameter(1.0, name=3)


def test_optimizer_base_api():
    p, q = Parameter([1.0, 2.0]), Parameter(3.0)
    opt = SGD((x for x in [p, q]), lr=0.1)  # any iterable, e.g. a generator
    assert opt.params == [p, q] and opt.lr == 0.1 and opt.momentum == 0.0
    assert opt.defaults == {"lr": 0.1, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False}
    p.grad += 5; q.grad += 5; opt.zero_grad()
    assert not p.grad.any() and not q.grad.any()
    sd = opt.state_dict(); opt.lr = 3.0; opt.load_state_dict(sd); assert opt.lr == 0.1
    for bad, exc in [(0.0, ValueError), (float("inf"), ValueError), ("x", TypeError)]:
        with pytest.raises(exc, match="lr"): opt.lr = bad
    assert opt.lr == 0.1
    with pytest.raises(ValueError, match="momentum"): opt.momentum = -1
    with pytest.raises(AttributeError): opt.no_such_thing
    opt.add_param_group({"params": [Parameter(np.ones((2, 2)))], "lr": 0.5})
    assert opt.lr == [0.1, 0.5] and len(opt.params) == 3
    opt.lr = 0.2; assert [g["lr"] for g in opt.param_groups] == [0.2, 0.2]
    assert "shape=(2,)" in repr(p) and "3 parameters in 2 group(s)" in repr(opt)


def test_state_dict_resumes_momentum_exactly():
    rng = np.random.default_rng(1)
    grads = rng.normal(size=(10, 3))
    a, b = Parameter(np.zeros(3)), Parameter(np.zeros(3))
    oa = SGD([a], lr=0.1, momentum=0.9, nesterov=True)
    for g in grads: a.grad[...] = g; oa.step()
    ob = SGD([b], lr=0.1, momentum=0.9, nesterov=True)
    for g in grads[:5]: b.grad[...] = g; ob.step()
    sd, data = ob.state_dict(), b.data.copy()
    c = Parameter(data); oc = SGD([c], lr=0.7, momentum=0.9, nesterov=True); oc.load_state_dict(sd)
    assert oc.lr == 0.1
    for g in grads[5:]: c.grad[...] = g; oc.step()
    np.testing.assert_array_equal(a.data, c.data)
    sd["state"][0]["momentum_buffer"][:] = 99  # the state_dict is a copy
    assert not np.any(ob.state[b]["momentum_buffer"] == 99)
    with pytest.raises(ValueError, match="state_dict must be"): oc.load_state_dict({"state": {}, "param_groups": [{"params": [0]}, {"params": [1]}]})
    with pytest.raises(TypeError, match="state_dict must be"): oc.load_state_dict([1, 2])


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300), st.integers(1, 64), st.booleans(), st.integers(0, 2**32 - 1))
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
@given(st.integers(1, 300), st.integers(1, 64), st.integers(0, 1000))
def test_minibatches_drop_last(n, b, seed):
    batches = list(minibatches(n, b, rng=seed, drop_last=True))
    assert len(batches) == n // b and all(len(x) == b for x in batches)
    assert len(set(np.concatenate(batches).tolist()) if batches else set()) == b * (n // b)


def test_minibatches_errors_are_eager():
    for n, b, kw, exc, match in [(10, 0, {}, ValueError, "batch_size"), (-1, 3, {}, ValueError, "n must"), (0, 3, {}, ValueError, "n must"),
                                 (10, 1.5, {}, TypeError, "batch_size"), (True, 2, {}, TypeError, "n must"),
                                 (3.0, 1, {}, TypeError, "n must"), (3, 1, dict(rng=-1), ValueError, "rng"),
                                 (3, 1, dict(rng="x"), TypeError, "rng"), (3, 1, dict(shuffle=1), TypeError, "shuffle"),
                                 (3, 1, dict(drop_last=None), TypeError, "drop_last")]:
        with pytest.raises(exc, match=match): minibatches(n, b, **kw)


def test_check_finite_and_divergence_rule():
    assert check_finite(2.0, lr=0.1) == 2.0
    for bad in (float("inf"), float("nan"), np.array([1.0, np.nan])):
        with pytest.raises(DivergenceError, match=r"lr=0\.3"): check_finite(bad, lr=0.3, step=7)
    assert issubclass(DivergenceError, FloatingPointError) and DIVERGENCE_FACTOR == 1e4
    assert check_divergence(2.3e4, 2.3) == 2.3e4  # exactly at the limit is still allowed
    with pytest.raises(DivergenceError, match=r"at epoch 5 \(step 40\) with learning rate lr=0\.5"):
        check_divergence(2.31e4, 2.3, lr=0.5, step=40, epoch=5)
    assert check_divergence(1e4, 1e-6) == 1e4  # the floor max(|L0|, 1)
    with pytest.raises(DivergenceError): check_divergence(1.0001e4, 1e-6)
    with pytest.raises(DivergenceError): check_divergence(1.0001e4, -0.5)
    assert check_divergence(-5.0, 2.0) == -5.0  # a loss that falls below zero (a log-likelihood) is not divergence
    assert check_divergence(3e300, 1e300) == 3e300 and check_divergence(1e308, 1e300, factor=1e300) == 1e308  # no overflow
    with pytest.raises(DivergenceError, match="parameter 'W'"):
        check_divergence(1.0, 1.0, params=[Parameter(np.ones(2)), Parameter([np.nan], name="W")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError): check_divergence(np.float64(np.inf), 1.0)
    with pytest.raises(TypeError, match="loss must be a real number"): check_divergence(np.ones(2), 1.0)
    with pytest.raises(ValueError, match="factor must be"): check_divergence(1.0, 1.0, factor=float("nan"))


def test_train_quadratic_diverges_loudly_without_warnings():
    from dlnotes.data import synthetic_regression
    x, y = synthetic_regression(n=100, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow RuntimeWarning would fail the test
        with pytest.raises(DivergenceError, match=r"lr=2\.0"):
            train_quadratic(QuadraticModel(seed=0), x, y, lr=2.0, epochs=1000)
        with pytest.raises(DivergenceError, match="lr=0.7"):
            train_quadratic(QuadraticModel(seed=0), x, y, lr=0.7, epochs=1000, batch_size=1, seed=0)
        with pytest.raises(DivergenceError, match=r"lr=1000000\.0"):  # far too large: caught in the first epoch
            train_quadratic(QuadraticModel(seed=0), x, y, lr=1e6, epochs=5)
        with pytest.raises(DivergenceError, match="above factor"):  # finite but exploding: the factor clause
            train_quadratic(QuadraticModel(seed=0), x, y, lr=0.4, epochs=200)


@pytest.mark.parametrize("seed", range(3))
def test_train_quadratic_recovers_weights(seed):
    from dlnotes.data import synthetic_regression
    x, y = synthetic_regression(n=400, w=(-1.0, 0.5, 2.0), noise=0.3, seed=seed)
    m = QuadraticModel(seed=seed)
    log = train_quadratic(m, x, y, lr=0.05, epochs=40, batch_size=32, seed=seed)
    np.testing.assert_allclose(m.weights, [-1.0, 0.5, 2.0], atol=0.1)
    assert len(log.update_loss) == 40 * math.ceil(400 / 32) and log.weights.shape == (41, 3)


def test_train_quadratic_bad_input_named():
    x, y = np.linspace(-1, 1, 20), np.linspace(-1, 1, 20)
    m = QuadraticModel(seed=0)
    for kw, exc, match in [(dict(lr=0.0), ValueError, "lr"), (dict(epochs=-1), ValueError, "epochs"), (dict(epochs=1.5), TypeError, "epochs"),
                           (dict(batch_size=0), ValueError, "batch_size"), (dict(seed=-2), ValueError, "seed"),
                           (dict(weight_decay=float("inf")), ValueError, "weight_decay"), (dict(shuffle="no"), TypeError, "shuffle"),
                           (dict(valid=np.ones(3)), TypeError, "valid")]:
        with pytest.raises(exc, match=match): train_quadratic(m, x, y, **{"lr": 0.1, "epochs": 1, **kw})
    with pytest.raises(ValueError, match="x and y"): train_quadratic(m, x, y[:5], 0.1, 1)
    with pytest.raises(ValueError, match="x must be a non-empty"): train_quadratic(m, x[:0], y[:0], 0.1, 1)
    with pytest.raises(TypeError, match="model must be"): train_quadratic(None, x, y, 0.1, 1)


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
    with pytest.raises(ValueError, match="grad_out must be an array of shape"): m.backward(np.ones(4))
    with pytest.raises(RuntimeError, match="forward"): QuadraticModel(seed=0).backward(np.ones(3))


@pytest.mark.parametrize("a", [0.1, 1.0, 7.0, 250.0])
def test_quadratic_threshold_two_over_a(a):
    below = gradient_descent(lambda x: a * x, 1.0, lr=0.98 * 2 / a, steps=2000)
    above = gradient_descent(lambda x: a * x, 1.0, lr=1.02 * 2 / a, steps=2000)
    assert abs(below[-1]) < 1e-10 and abs(above[-1]) > 1e10
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError):
            gradient_descent(lambda x: a * x, 1.0, lr=3 / a, steps=5000)


def test_counts_and_huge_finite_inputs():
    """Counts are >= 1 (no silent empty run); huge but finite inputs give inf, never a RuntimeWarning."""
    with pytest.raises(ValueError, match="steps must be an integer >= 1"): gradient_descent(lambda x: x, 1.0, lr=0.1, steps=0)
    with pytest.raises(ValueError, match="epochs must be an integer >= 1"):
        train_quadratic(QuadraticModel(seed=0), np.ones(3), np.ones(3), 0.1, 0)
    with pytest.raises(TypeError, match=r"grad\(x\) must be"): gradient_descent(lambda x: "x", 1.0, lr=0.1, steps=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mse_with_grad(np.full(4, 1e308), np.full(4, -1e308))[0] == np.inf
        m = QuadraticModel([1.0, 1.0, 1.0]); out = m(np.full(3, 1e200)); assert np.all(np.isinf(out))
        m.backward(np.full(3, 1e200))
        with pytest.raises(DivergenceError): check_finite(10**400)


# ---- chapter 02's mini-batch count, stopping rules, saddle points and batch memory

@settings(max_examples=100, deadline=None)
@given(st.integers(1, 20_000), st.integers(1, 20_000))
def test_updates_per_epoch_is_ceil_n_over_b(n, b):
    "An epoch of minibatches makes ceil(N/B) updates; the course notes' N = 10 000, B = 10 gives 1 000."
    assert sum(1 for _ in minibatches(n, b, shuffle=False)) == math.ceil(n / b)
    assert len(list(minibatches(10_000, 10, rng=0))) == 1_000


@pytest.mark.parametrize("eta, b, delta", [(0.1, 1.0, 1e-6), (0.05, 2.0, 1e-9), (0.3, 0.5, 1e-3)])
def test_quadratic_saddle_offset_grows_geometrically(eta, b, delta):
    "On f = (x² − b·y²)/2 descent multiplies the offset from the saddle along y by 1 + ηb per step, exactly."
    steps = 60
    p = gradient_descent(lambda v: np.array([v[0], -b * v[1]]), [1.0, delta], lr=eta, steps=steps)
    np.testing.assert_allclose(p[:, 1], delta * (1 + eta * b) ** np.arange(steps + 1), rtol=1e-12)
    np.testing.assert_allclose(p[:, 0], (1 - eta) ** np.arange(steps + 1), rtol=1e-12)


def _tilted_double_well():
    grad = lambda v: np.array([2 * v[0], v[1]**3 - v[1] + 0.1])
    return grad, np.sort(np.roots([1, 0, -1, 0.1]).real)


@pytest.mark.parametrize("delta", [1e-4, 1e-6, 1e-8, 1e-10])
def test_saddle_crawl_lengthens_with_log_offset_and_escapes(delta):
    "Beside the notebook's saddle, the time spent near it grows like log(1/δ)/log(1 + η|λ|); the run then escapes."
    grad, (y_min, y_saddle, y_local) = _tilted_double_well()
    eta, lam = 0.1, abs(3 * y_saddle**2 - 1)
    for sign, end in ((-1, y_min), (1, y_local)):  # the side of the offset decides the minimum it slides into
        p = gradient_descent(grad, [0.0, y_saddle + sign * delta], lr=eta, steps=600)
        assert abs(p[-1, 1] - end) < 1e-6
        left = int(np.argmax(np.abs(p[:, 1] - y_saddle) > 0.05))  # first step farther than 0.05 from the saddle
        predicted = math.log(0.05 / delta) / math.log(1 + eta * lam)
        assert abs(left - predicted) < 0.15 * predicted + 5, (left, predicted)


@pytest.mark.parametrize("offset", [1e-8, 1e-3, 0.3])
def test_local_minimum_keeps_descent(offset):
    grad, (_, _, y_local) = _tilted_double_well()
    p = gradient_descent(grad, [1.5, y_local - offset], lr=0.1, steps=400)
    assert np.linalg.norm(p[-1] - [0.0, y_local]) < 1e-8


@pytest.mark.parametrize("hidden", [20, 100])
def test_forward_memory_linear_in_batch(hidden):
    "What a sigmoid MLP's forward keeps per example: z, σ'(z), a (hidden each) and the outputs, 8 bytes a number."
    import tracemalloc
    from dlnotes.network import MLP
    net, X = MLP([64, hidden, 10], seed=0), np.random.default_rng(0).random((1024, 64))
    held = []
    for B in (64, 256, 1024):
        net(X[:1]); tracemalloc.start()
        out = net(X[:B])
        held.append(tracemalloc.get_traced_memory()[0]); tracemalloc.stop()
    slope = np.polyfit([64, 256, 1024], held, 1)[0]
    assert abs(slope / ((3 * hidden + 10) * 8) - 1) < 0.02 and out.shape == (1024, 10)
