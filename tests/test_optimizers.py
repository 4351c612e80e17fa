"""dlnotes.optimizers checked step for step against torch.optim and torch.optim.lr_scheduler (float64)."""
import math
import warnings
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st, HealthCheck

from dlnotes.descent import Parameter, SGD as PlainSGD
from dlnotes.optimizers import (SGD, Adagrad, RMSprop, Adam, StepLR, ExponentialLR, CyclicLR, ReduceLROnPlateau,
                                grid_search, random_search, loguniform, optimizer_path, newton_step, mlp_param_count)


def run_pair(ours_cls, torch_cls, kw, x0s, grads):
    """Apply ours and torch's optimizer to the same parameters (a list of arrays) and gradient sequence."""
    ps = [Parameter(np.array(x, dtype=np.float64)) for x in x0s]
    tps = [torch.tensor(np.array(x, dtype=np.float64), requires_grad=True) for x in x0s]
    opt, topt = ours_cls(ps, **kw), torch_cls(tps, **kw)
    for gs in grads:
        for p, tp, g in zip(ps, tps, gs):
            p.grad[...] = g
            tp.grad = torch.tensor(np.array(g, dtype=np.float64))
        opt.step(); topt.step()
        for p, tp in zip(ps, tps):
            np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-10, atol=1e-12)
    return ps


def grad_seq(seed, steps, shapes, scale=1.0):
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=s) * scale for s in shapes] for _ in range(steps)]


SHAPES = [(3, 4), (4,), (2, 2, 2)]
X0 = [np.random.default_rng(99).normal(size=s) for s in SHAPES]

SGD_CASES = [dict(lr=0.1), dict(lr=0.01, momentum=0.9), dict(lr=0.05, momentum=0.5, dampening=0.5),
             dict(lr=0.1, momentum=0.9, nesterov=True), dict(lr=0.02, momentum=0.99, weight_decay=0.1),
             dict(lr=0.1, momentum=0.7, dampening=0.2, weight_decay=0.01), dict(lr=0.0, momentum=0.9)]
ADAGRAD_CASES = [dict(), dict(lr=0.5), dict(lr=0.1, lr_decay=0.05), dict(lr=0.1, weight_decay=0.2),
                 dict(lr=0.1, initial_accumulator_value=0.3, eps=1e-6), dict(lr=0.3, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=1.0)]
RMSPROP_CASES = [dict(), dict(lr=0.001, alpha=0.9), dict(lr=0.01, momentum=0.9), dict(lr=0.01, centered=True),
                 dict(lr=0.003, alpha=0.95, momentum=0.5, centered=True, weight_decay=0.1, eps=1e-6), dict(lr=0.01, alpha=0.0)]
ADAM_CASES = [dict(), dict(lr=0.01), dict(lr=0.01, betas=(0.5, 0.9)), dict(lr=0.01, amsgrad=True),
              dict(lr=0.003, betas=(0.0, 0.99), weight_decay=0.1), dict(lr=0.01, betas=(0.9, 0.999), eps=1e-4, amsgrad=True, weight_decay=0.01),
              dict(lr=0.1, betas=(0.99, 0.0))]


@pytest.mark.parametrize("kw", SGD_CASES)
def test_sgd_matches_torch(kw):
    run_pair(SGD, torch.optim.SGD, kw, X0, grad_seq(0, 300, SHAPES))


@pytest.mark.parametrize("kw", ADAGRAD_CASES)
def test_adagrad_matches_torch(kw):
    run_pair(Adagrad, torch.optim.Adagrad, kw, X0, grad_seq(1, 300, SHAPES))


@pytest.mark.parametrize("kw", RMSPROP_CASES)
def test_rmsprop_matches_torch(kw):
    run_pair(RMSprop, torch.optim.RMSprop, kw, X0, grad_seq(2, 300, SHAPES))


@pytest.mark.parametrize("kw", ADAM_CASES)
def test_adam_matches_torch(kw):
    run_pair(Adam, torch.optim.Adam, kw, X0, grad_seq(3, 300, SHAPES))


@pytest.mark.parametrize("kw", [dict(lr=0.1, momentum=0.9, weight_decay=0.01), dict(lr=0.01, centered=True, momentum=0.5)])
def test_gradients_from_a_loss(kw):
    """Gradients depending on the parameters (a quadratic) rather than a fixed sequence."""
    A = np.diag([1.0, 10.0, 100.0])
    cls, tcls = (SGD, torch.optim.SGD) if "weight_decay" in kw else (RMSprop, torch.optim.RMSprop)
    p, tp = Parameter(np.ones(3)), torch.ones(3, dtype=torch.float64, requires_grad=True)
    opt, topt = cls([p], **kw), tcls([tp], **kw)
    for _ in range(200):
        p.grad[...] = A @ p.data; opt.step()
        topt.zero_grad(); (0.5 * tp @ torch.tensor(A) @ tp).backward(); topt.step()
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-9, atol=1e-12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.sampled_from(["sgd", "adagrad", "rmsprop", "adam"]),
       lr=st.floats(1e-4, 0.5), mom=st.floats(0.0, 0.99), beta2=st.floats(0.0, 0.9999),
       wd=st.sampled_from([0.0, 1e-3, 0.1]), flag=st.booleans(), scale=st.sampled_from([1e-3, 1.0, 1e3]),
       seed=st.integers(0, 2**16))
def test_optimizers_property_vs_torch(which, lr, mom, beta2, wd, flag, scale, seed):
    """Hypothesis: random hyper-parameters and gradient scales; 60 steps agree with torch."""
    grads = grad_seq(seed, 60, SHAPES[:2], scale)
    if which == "sgd":
        kw = dict(lr=lr, momentum=mom, weight_decay=wd, nesterov=flag and mom > 0)
        run_pair(SGD, torch.optim.SGD, kw, X0[:2], grads)
    elif which == "adagrad":
        run_pair(Adagrad, torch.optim.Adagrad, dict(lr=lr, lr_decay=mom, weight_decay=wd), X0[:2], grads)
    elif which == "rmsprop":
        run_pair(RMSprop, torch.optim.RMSprop, dict(lr=lr, alpha=beta2, momentum=mom, centered=flag, weight_decay=wd), X0[:2], grads)
    else:
        run_pair(Adam, torch.optim.Adam, dict(lr=lr, betas=(mom, beta2), weight_decay=wd, amsgrad=flag), X0[:2], grads)


def _p(): return [Parameter(np.zeros(2))]


@pytest.mark.parametrize("make, torch_make, msg", [
    (lambda: SGD(_p(), lr=-1), lambda ps: torch.optim.SGD(ps, lr=-1), "Invalid learning rate"),
    (lambda: SGD(_p(), lr=0.1, momentum=-0.1), lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=-0.1), "Invalid momentum value"),
    (lambda: SGD(_p(), lr=0.1, weight_decay=-0.1), lambda ps: torch.optim.SGD(ps, lr=0.1, weight_decay=-0.1), "Invalid weight_decay value"),
    (lambda: SGD(_p(), lr=0.1, nesterov=True), lambda ps: torch.optim.SGD(ps, lr=0.1, nesterov=True), "Nesterov momentum requires"),
    (lambda: SGD(_p(), lr=0.1, momentum=0.9, dampening=0.5, nesterov=True),
     lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.5, nesterov=True), "Nesterov momentum requires"),
    (lambda: Adagrad(_p(), lr=-0.1), lambda ps: torch.optim.Adagrad(ps, lr=-0.1), "Invalid learning rate"),
    (lambda: Adagrad(_p(), lr_decay=-0.1), lambda ps: torch.optim.Adagrad(ps, lr_decay=-0.1), "Invalid lr_decay value"),
    (lambda: Adagrad(_p(), eps=-1.0), lambda ps: torch.optim.Adagrad(ps, eps=-1.0), "Invalid epsilon value"),
    (lambda: Adagrad(_p(), initial_accumulator_value=-1.0), lambda ps: torch.optim.Adagrad(ps, initial_accumulator_value=-1.0), "initial_accumulator_value"),
    (lambda: RMSprop(_p(), alpha=-0.5), lambda ps: torch.optim.RMSprop(ps, alpha=-0.5), "Invalid alpha value"),
    (lambda: RMSprop(_p(), eps=-1e-8), lambda ps: torch.optim.RMSprop(ps, eps=-1e-8), "Invalid epsilon value"),
    (lambda: RMSprop(_p(), momentum=-1), lambda ps: torch.optim.RMSprop(ps, momentum=-1), "Invalid momentum value"),
    (lambda: Adam(_p(), lr=-1e-3), lambda ps: torch.optim.Adam(ps, lr=-1e-3), "Invalid learning rate"),
    (lambda: Adam(_p(), betas=(1.0, 0.999)), lambda ps: torch.optim.Adam(ps, betas=(1.0, 0.999)), "Invalid beta parameter at index 0"),
    (lambda: Adam(_p(), betas=(0.9, 1.0)), lambda ps: torch.optim.Adam(ps, betas=(0.9, 1.0)), "Invalid beta parameter at index 1"),
    (lambda: Adam(_p(), betas=(-0.1, 0.9)), lambda ps: torch.optim.Adam(ps, betas=(-0.1, 0.9)), "Invalid beta parameter at index 0"),
    (lambda: Adam(_p(), eps=-1.0), lambda ps: torch.optim.Adam(ps, eps=-1.0), "Invalid epsilon value"),
    (lambda: Adam(_p(), weight_decay=-1.0), lambda ps: torch.optim.Adam(ps, weight_decay=-1.0), "Invalid weight_decay value"),
])
def test_invalid_hyperparameters_like_torch(make, torch_make, msg):
    with pytest.raises(ValueError, match=msg): make()
    with pytest.raises(ValueError, match=msg): torch_make([torch.zeros(2, requires_grad=True)])


def test_sgd_is_a_descent_sgd_and_defaults_match_torch():
    import inspect
    assert issubclass(SGD, PlainSGD)
    for ours, theirs in [(SGD, torch.optim.SGD), (Adagrad, torch.optim.Adagrad), (RMSprop, torch.optim.RMSprop), (Adam, torch.optim.Adam)]:
        tsig = inspect.signature(theirs).parameters
        for name, par in inspect.signature(ours).parameters.items():
            if name == "params": continue
            assert name in tsig, (ours, name)
            assert par.default == tsig[name].default, (ours, name, par.default, tsig[name].default)


def lr_seq(opt, sched, epochs, metrics=None):
    is_ours = not isinstance(opt, torch.optim.Optimizer)
    out = []
    for e in range(epochs):
        out.append(opt.lr if is_ours else opt.param_groups[0]["lr"])
        mom = (opt.betas[0] if hasattr(opt, "betas") else getattr(opt, "momentum", None)) if is_ours else \
              (opt.param_groups[0]["betas"][0] if "betas" in opt.param_groups[0] else opt.param_groups[0]["momentum"])
        out.append(mom)
        opt.step()
        sched.step() if metrics is None else sched.step(metrics[e])
    return np.array(out, dtype=float)


SCHED_CASES = [
    ("StepLR", dict(step_size=3, gamma=0.5)), ("StepLR", dict(step_size=1, gamma=0.9)), ("StepLR", dict(step_size=7)),
    ("ExponentialLR", dict(gamma=0.9)), ("ExponentialLR", dict(gamma=1.0)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4)),
    ("CyclicLR", dict(base_lr=0.001, max_lr=0.1, step_size_up=3, step_size_down=7, mode="triangular2")),
    ("CyclicLR", dict(base_lr=0.001, max_lr=0.1, step_size_up=5, mode="exp_range", gamma=0.97)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=2, cycle_momentum=False)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, base_momentum=0.5, max_momentum=0.95)),
]


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
@pytest.mark.parametrize("name, kw", SCHED_CASES)
def test_schedulers_match_torch(name, kw, opt_name):
    import dlnotes.optimizers as ours
    mk = {"SGD": (lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
          "Adam": (lambda ps: Adam(ps, lr=0.1), lambda ps: torch.optim.Adam(ps, lr=0.1))}[opt_name]
    opt = mk[0]([Parameter(np.ones(2))]); topt = mk[1]([torch.ones(2, dtype=torch.float64, requires_grad=True)])
    for p in topt.param_groups[0]["params"]: p.grad = torch.zeros(2, dtype=torch.float64)
    a = lr_seq(opt, getattr(ours, name)(opt, **kw), 30)
    b = lr_seq(topt, getattr(torch.optim.lr_scheduler, name)(topt, **kw), 30)
    np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("kw", [dict(), dict(factor=0.5, patience=2), dict(mode="max", factor=0.3, patience=1, threshold=0.01),
                                dict(patience=0, cooldown=2, min_lr=0.02), dict(threshold_mode="abs", threshold=0.05, patience=1),
                                dict(mode="max", threshold_mode="abs", threshold=0.0, patience=3, factor=0.9, eps=0.05)])
@pytest.mark.parametrize("seed", [0, 1])
def test_plateau_matches_torch(kw, seed):
    rng = np.random.default_rng(seed)
    metrics = np.r_[np.linspace(1, 0.5, 8), 0.5 + 0.05 * rng.random(40), np.linspace(0.5, 0.1, 10)]
    opt = SGD([Parameter(np.ones(2))], lr=0.1)
    topt = torch.optim.SGD([torch.ones(2, dtype=torch.float64, requires_grad=True)], lr=0.1)
    a = lr_seq(opt, ReduceLROnPlateau(opt, **kw), len(metrics), metrics)
    b = lr_seq(topt, torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw), len(metrics), metrics)
    np.testing.assert_allclose(a[::2], b[::2], rtol=1e-12)


def test_scheduler_errors():
    with pytest.raises(ValueError, match="momentum or beta1"): CyclicLR(PlainSGD(_p(), lr=0.1), 0.01, 0.1)
    with pytest.raises(ValueError, match="Factor should be"): ReduceLROnPlateau(SGD(_p(), lr=0.1), factor=1.0)
    with pytest.raises(TypeError, match="Optimizer"): ExponentialLR(object(), 0.9)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 12))
def test_random_search_reproducible(seed, n):
    f = lambda a, b: math.sin(3 * a) + b
    space = {"a": loguniform(0.01, 10), "b": [1, 2, 3]}
    r1, r2 = random_search(f, space, n, seed=seed), random_search(f, space, n, seed=seed)
    assert r1 == r2 and len(r1.trials) == n
    assert r1.best.score == max(t.score for t in r1.trials)
    assert all(0.01 <= t.params["a"] <= 10 and t.params["b"] in (1, 2, 3) for t in r1.trials)


def test_grid_search_covers_the_grid():
    seen = []
    res = grid_search(lambda x, y: seen.append((x, y)) or -(x - 2) ** 2 - y, {"x": [1, 2, 3], "y": [0, 1]})
    assert seen == [(1, 0), (1, 1), (2, 0), (2, 1), (3, 0), (3, 1)]
    assert res.best.params == {"x": 2, "y": 0}


def test_newton_and_counts():
    rng = np.random.default_rng(0)
    M = rng.normal(size=(5, 5)); A = M @ M.T + 5 * np.eye(5); b = rng.normal(size=5)
    x = rng.normal(size=5)
    np.testing.assert_allclose(newton_step(x, A @ x - b, A), np.linalg.solve(A, b), rtol=1e-10)
    assert mlp_param_count([784, 30, 10]) == sum(p.numel() for p in torch.nn.Sequential(torch.nn.Linear(784, 30), torch.nn.Linear(30, 10)).parameters())


def test_optimizer_path_stops_on_divergence_and_tol():
    with np.errstate(over="ignore", invalid="ignore"):
        path = optimizer_path(lambda x, y: (x, 100 * y), (1.0, 1.0), lambda ps: SGD(ps, lr=1.0), steps=1000)
    assert len(path) < 1000 and not np.all(np.isfinite(path[-1]))
    path = optimizer_path(lambda x, y: (x, y), (1.0, 1.0), lambda ps: SGD(ps, lr=0.5), steps=1000, tol=1e-8)
    assert len(path) < 40
