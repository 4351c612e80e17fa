"""dlnotes.optimizers checked step for step against torch.optim and torch.optim.lr_scheduler (float64), with parameter
groups; bad hyper-parameters named; every optimizer's divergence caught; searches never pick a NaN."""
import inspect
import math
import warnings
from functools import partial
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st, HealthCheck

from dlnotes.descent import Parameter, Optimizer, DivergenceError, SGD as PlainSGD
from dlnotes.optimizers import (SGD, Adagrad, RMSprop, Adam, StepLR, ExponentialLR, CyclicLR, ReduceLROnPlateau, LRScheduler,
                                grid_search, random_search, loguniform, optimizer_path, steps_to, newton_step, mlp_param_count,
                                weight_decay_groups)

OURS = {"SGD": (SGD, torch.optim.SGD), "Adagrad": (Adagrad, torch.optim.Adagrad), "RMSprop": (RMSprop, torch.optim.RMSprop),
        "Adam": (Adam, torch.optim.Adam)}


def run_pair(ours_cls, torch_cls, kw, x0s, grads, groups=None):
    """Apply ours and torch's optimizer to the same parameters (a list of arrays) and gradient sequence.
    `groups`: optional list of (indices, overrides) giving parameter groups."""
    ps = [Parameter(np.array(x, dtype=np.float64)) for x in x0s]
    tps = [torch.tensor(np.array(x, dtype=np.float64), requires_grad=True) for x in x0s]
    mk = (lambda xs: xs) if groups is None else (lambda xs: [{"params": [xs[i] for i in idx], **o} for idx, o in groups])
    opt, topt = ours_cls(mk(ps), **kw), torch_cls(mk(tps), **kw)
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


SHAPES = [(3, 4), (4,), (2, 2, 2), ()]
X0 = [np.random.default_rng(99).normal(size=s) for s in SHAPES]

CASES = {
    "SGD": [dict(lr=0.1), dict(lr=0.01, momentum=0.9), dict(lr=0.05, momentum=0.5, dampening=0.5),
            dict(lr=0.1, momentum=0.9, nesterov=True), dict(lr=0.02, momentum=0.99, weight_decay=0.1),
            dict(lr=0.1, momentum=0.7, dampening=0.2, weight_decay=0.01), dict(lr=0.05, momentum=0.9, dampening=1.0),
            dict(lr=0.03, momentum=0.8, nesterov=True, weight_decay=0.05)],
    "Adagrad": [dict(), dict(lr=0.5), dict(lr=0.1, lr_decay=0.05), dict(lr=0.1, weight_decay=0.2),
                dict(lr=0.1, initial_accumulator_value=0.3, eps=1e-6),
                dict(lr=0.3, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=1.0)],
    "RMSprop": [dict(), dict(lr=0.001, alpha=0.9), dict(lr=0.01, momentum=0.9), dict(lr=0.01, centered=True),
                dict(lr=0.003, alpha=0.95, momentum=0.5, centered=True, weight_decay=0.1, eps=1e-6), dict(lr=0.01, alpha=0.0),
                dict(lr=0.01, alpha=1.0, eps=1e-3)],
    "Adam": [dict(), dict(lr=0.01), dict(lr=0.01, betas=(0.5, 0.9)), dict(lr=0.01, amsgrad=True),
             dict(lr=0.003, betas=(0.0, 0.99), weight_decay=0.1), dict(lr=0.01, betas=(0.9, 0.999), eps=1e-4, amsgrad=True, weight_decay=0.01),
             dict(lr=0.1, betas=(0.99, 0.0)), dict(lr=0.01, betas=[0.8, 0.95])],
}


@pytest.mark.parametrize("name, kw", [(n, kw) for n, cases in CASES.items() for kw in cases])
def test_optimizer_matches_torch(name, kw):
    run_pair(*OURS[name], kw, X0, grad_seq(len(name), 300, SHAPES))


# parameter groups overriding each optimizer's own hyper-parameters (and no weight decay on the 1-d "biases")
GROUP_CASES = {
    "SGD": (dict(lr=0.05, momentum=0.9, weight_decay=0.1), {"lr": 0.01, "weight_decay": 0.0, "dampening": 0.3}),
    "Adagrad": (dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.2), {"lr": 0.5, "weight_decay": 0.0, "lr_decay": 0.1}),
    "RMSprop": (dict(lr=0.01, weight_decay=0.1), {"weight_decay": 0.0, "alpha": 0.9, "momentum": 0.5, "centered": True}),
    "Adam": (dict(lr=0.01, weight_decay=0.1), {"lr": 0.003, "weight_decay": 0.0, "betas": (0.8, 0.99), "amsgrad": True}),
}


@pytest.mark.parametrize("name", list(GROUP_CASES))
def test_param_groups_match_torch(name):
    kw, override = GROUP_CASES[name]
    groups = [([0, 2], {}), ([1, 3], override)]
    ps = run_pair(*OURS[name], kw, X0, grad_seq(7, 200, SHAPES), groups=groups)
    assert len(ps) == 4


def test_adagrad_group_initial_accumulator_is_honoured():
    """Unlike torch (which fills every group's sums with the constructor's value), a group's own value is used."""
    p, q = Parameter(np.zeros(1)), Parameter(np.zeros(1))
    opt = Adagrad([{"params": [p]}, {"params": [q], "initial_accumulator_value": 3.0}], lr=1.0)
    p.grad[...] = q.grad[...] = 1.0; opt.step()
    np.testing.assert_allclose([p.data[0], q.data[0]], [-1 / (1 + 1e-10), -1 / (2 + 1e-10)])


def test_gradients_from_a_loss():
    """Gradients depending on the parameters (a quadratic) rather than a fixed sequence, for every optimizer."""
    A = np.diag([1.0, 10.0, 100.0])
    for cls, tcls in OURS.values():
        kw = dict(lr=0.01, weight_decay=0.01) | (dict(momentum=0.9) if cls in (SGD, RMSprop) else {})
        p, tp = Parameter(np.ones(3)), torch.ones(3, dtype=torch.float64, requires_grad=True)
        opt, topt = cls([p], **kw), tcls([tp], **kw)
        for _ in range(200):
            opt.zero_grad(); p.grad[...] = A @ p.data; opt.step()
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


NAN, INF = float("nan"), float("inf")
# (optimizer, argument, bad value, exception): every hyper-parameter of every constructor, wrong values and wrong types
BAD = [(n, "lr", v, ValueError) for n in OURS for v in (0.0, -1e-3, NAN, INF)] + \
      [(n, "lr", v, TypeError) for n in OURS for v in ("0.1", None, True, [0.1])] + \
      [(n, "weight_decay", v, ValueError) for n in OURS for v in (-0.1, NAN, INF)] + \
      [(n, "weight_decay", v, TypeError) for n in OURS for v in ("0", None)] + \
      [("SGD", "momentum", v, ValueError) for v in (-0.1, NAN, INF)] + [("SGD", "momentum", "0.9", TypeError),
       ("SGD", "dampening", -0.1, ValueError), ("SGD", "dampening", 1.1, ValueError), ("SGD", "dampening", NAN, ValueError),
       ("SGD", "dampening", None, TypeError), ("SGD", "nesterov", 1, TypeError), ("SGD", "nesterov", True, ValueError)] + \
      [("Adagrad", k, v, ValueError) for k in ("lr_decay", "initial_accumulator_value") for v in (-1.0, NAN, INF)] + \
      [("Adagrad", "eps", v, ValueError) for v in (0.0, -1.0, NAN, INF)] + [("Adagrad", "lr_decay", "x", TypeError)] + \
      [("RMSprop", "alpha", v, ValueError) for v in (-0.5, 1.5, NAN, INF)] + [("RMSprop", "alpha", None, TypeError)] + \
      [("RMSprop", "eps", v, ValueError) for v in (0.0, -1e-8, NAN)] + [("RMSprop", "momentum", v, ValueError) for v in (-1, INF)] + \
      [("RMSprop", "centered", "yes", TypeError)] + \
      [("Adam", "betas", v, ValueError) for v in ((1.0, 0.999), (0.9, 1.0), (-0.1, 0.9), (NAN, 0.9), (0.9, INF))] + \
      [("Adam", "betas", v, TypeError) for v in (0.9, (0.9,), (0.9, 0.99, 0.1), "ab", ("0.9", 0.99), None)] + \
      [("Adam", "eps", v, ValueError) for v in (0.0, -1.0, INF)] + [("Adam", "amsgrad", None, TypeError)]


@pytest.mark.parametrize("name, arg, value, exc", BAD)
def test_bad_hyperparameters_are_named(name, arg, value, exc):
    cls = OURS[name][0]
    with pytest.raises(exc, match=rf"^{arg}(\[\d\])? must be .*, got "):
        cls(_p(), **{"lr": 0.1, arg: value})
    with pytest.raises(exc, match=rf"^param_groups\[0\]\['{arg}'\](\[\d\])? must be"):  # the same check on a group's own value
        cls([{"params": _p(), arg: value}], lr=0.1)


def test_one_sgd_and_defaults_match_torch():
    assert SGD is PlainSGD and SGD.__module__ == "dlnotes.descent"
    assert inspect.signature(SGD).parameters["lr"].default is inspect.Parameter.empty  # ours: lr required
    for ours, theirs in OURS.values():
        tsig = inspect.signature(theirs).parameters
        for name, par in inspect.signature(ours).parameters.items():
            if name == "params" or (ours is SGD and name == "lr"): continue
            assert name in tsig, (ours, name)
            assert par.default == tsig[name].default, (ours, name, par.default, tsig[name].default)
        assert ours.update.__qualname__ == f"{ours.__name__}.update" and ours.check.__qualname__ == f"{ours.__name__}.check"
    assert CyclicLR.get_lr.__qualname__ == "CyclicLR.get_lr" and ReduceLROnPlateau.step.__qualname__ == "ReduceLROnPlateau.step"


@pytest.mark.parametrize("name", list(OURS))
def test_state_dict_round_trip_resumes_exactly(name):
    cls = OURS[name][0]
    kw = dict(lr=0.05) | ({"momentum": 0.9} if name in ("SGD", "RMSprop") else {})
    grads = grad_seq(3, 12, SHAPES)
    a = [Parameter(x) for x in X0]; oa = cls(weight_decay_groups(a, 0.01), **kw)
    for gs in grads:
        for p, g in zip(a, gs): p.grad[...] = g
        oa.step()
    b = [Parameter(x) for x in X0]; ob = cls(weight_decay_groups(b, 0.01), **kw)
    for gs in grads[:6]:
        for p, g in zip(b, gs): p.grad[...] = g
        ob.step()
    sd = ob.state_dict()
    c = [Parameter(p.data) for p in b]; oc = cls(weight_decay_groups(c, 0.01), **kw); oc.load_state_dict(sd)
    for gs in grads[6:]:
        for p, g in zip(c, gs): p.grad[...] = g
        oc.step()
    for p, q in zip(a, c): np.testing.assert_array_equal(p.data, q.data)


@pytest.mark.parametrize("make", [partial(SGD, lr=1e6), partial(SGD, lr=1e6, momentum=0.9), partial(SGD, lr=1e6, momentum=0.9, nesterov=True),
                                  partial(Adagrad, lr=1e6), partial(RMSprop, lr=1e6), partial(RMSprop, lr=1e6, centered=True, momentum=0.5),
                                  partial(Adam, lr=1e6), partial(Adam, lr=1e6, amsgrad=True)])
def test_every_optimizer_divergence_is_caught_without_warnings(make):
    quad = lambda x, y: 0.5 * (x * x + 10 * y * y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError, match=r"lr=1000000\.0"):
            optimizer_path(lambda x, y: (x, 10 * y), (1.0, 1.0), make, steps=100, f=quad)


@pytest.mark.parametrize("opt_func", [SGD, partial(SGD, momentum=0.9), Adagrad, RMSprop, Adam])
def test_every_optimizer_divergence_in_training_raises(opt_func):
    """lr=1e6 on a tiny classification problem through the book's training wrapper: DivergenceError, no warning."""
    from dlnotes.training import train_mlp
    from dlnotes.losses import CrossEntropyLoss
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4)); y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError, match="lr=1000000.0"):
            train_mlp([4, 8, 2], CrossEntropyLoss(), X, y, 20, 10, 1e6, opt_func=opt_func)


def test_weight_decay_is_chapter_06_l2():
    """SGD's weight_decay = λ/n on the weights' group trains exactly like chapter 06's L2(λ) callback."""
    from dlnotes.training import train_mlp
    from dlnotes.losses import CrossEntropyLoss
    from dlnotes.regularization import L2
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 5)); y = (X[:, 0] + X[:, 1] > 0).astype(int)
    lmbda, n = 4.0, len(X)
    common = ([5, 7, 2], CrossEntropyLoss(), X, y, 4, 16, 0.3)
    a, _ = train_mlp(*common, opt_func=partial(SGD, momentum=0.9), callbacks=[L2(lmbda)])
    b, _ = train_mlp(*common, opt_func=lambda ps, lr: SGD(weight_decay_groups(ps, lmbda / n), lr=lr, momentum=0.9))
    for p, q in zip(a.parameters(), b.parameters()): np.testing.assert_allclose(p.data, q.data, rtol=1e-13, atol=1e-15)
    groups = weight_decay_groups(b.parameters(), 0.1)
    assert [len(g["params"]) for g in groups] == [2, 2] and all(p.data.ndim == 1 for p in groups[1]["params"])
    with pytest.raises(ValueError, match="weight_decay must be"): weight_decay_groups(b.parameters(), -1)
    with pytest.raises(TypeError, match=r"params\[0\] must be a Parameter"): weight_decay_groups([np.ones(2)], 0.1)


def lr_seq(opt, sched, epochs, metrics=None):
    """The lr and momentum (or beta1) of every group at each epoch, stepping the scheduler after each."""
    groups = opt.param_groups
    out = []
    for e in range(epochs):
        for g in groups:
            out.append(g["lr"]); out.append(g["betas"][0] if "betas" in g else g["momentum"])
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


def _opts(opt_name, two_groups):
    mk = {"SGD": (lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
          "plain SGD": (lambda ps: SGD(ps, lr=0.1), lambda ps: torch.optim.SGD(ps, lr=0.1)),
          "Adam": (lambda ps: Adam(ps, lr=0.1), lambda ps: torch.optim.Adam(ps, lr=0.1))}[opt_name]
    ps = [Parameter(np.ones(2)), Parameter(np.ones(3))]
    ts = [torch.ones(2, dtype=torch.float64, requires_grad=True), torch.ones(3, dtype=torch.float64, requires_grad=True)]
    for t in ts: t.grad = torch.zeros_like(t)
    if two_groups:
        ps, ts = [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.03}], [{"params": [ts[0]]}, {"params": [ts[1]], "lr": 0.03}]
    return mk[0](ps), mk[1](ts)


@pytest.mark.parametrize("two_groups", [False, True])
@pytest.mark.parametrize("opt_name", ["SGD", "plain SGD", "Adam"])
@pytest.mark.parametrize("name, kw", SCHED_CASES)
def test_schedulers_match_torch(name, kw, opt_name, two_groups):
    import dlnotes.optimizers as ours
    opt, topt = _opts(opt_name, two_groups)
    s, ts = getattr(ours, name)(opt, **kw), getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    a, b = lr_seq(opt, s, 30), lr_seq(topt, ts, 30)
    np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_allclose(s.get_last_lr(), ts.get_last_lr(), rtol=1e-12)


@pytest.mark.parametrize("kw", [dict(), dict(factor=0.5, patience=2), dict(mode="max", factor=0.3, patience=1, threshold=0.01),
                                dict(patience=0, cooldown=2, min_lr=0.02), dict(threshold_mode="abs", threshold=0.05, patience=1),
                                dict(mode="max", threshold_mode="abs", threshold=0.0, patience=3, factor=0.9, eps=0.05)])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("two_groups", [False, True])
def test_plateau_matches_torch(kw, seed, two_groups):
    rng = np.random.default_rng(seed)
    metrics = np.r_[np.linspace(1, 0.5, 8), 0.5 + 0.05 * rng.random(40), np.linspace(0.5, 0.1, 10)]
    opt, topt = _opts("SGD", two_groups)
    a = lr_seq(opt, ReduceLROnPlateau(opt, **kw), len(metrics), metrics)
    b = lr_seq(topt, torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw), len(metrics), metrics)
    np.testing.assert_allclose(a, b, rtol=1e-12)


SCHED_BAD = [(lambda o: StepLR(o, 0), ValueError, "step_size"), (lambda o: StepLR(o, 2.0), TypeError, "step_size"),
             (lambda o: StepLR(o, 2, gamma=NAN), ValueError, "gamma"), (lambda o: StepLR(o, 2, gamma=0), ValueError, "gamma"),
             (lambda o: ExponentialLR(o, INF), ValueError, "gamma"), (lambda o: ExponentialLR(o, "0.9"), TypeError, "gamma"),
             (lambda o: CyclicLR(o, 0.0, 0.1), ValueError, "base_lr"), (lambda o: CyclicLR(o, NAN, 0.1), ValueError, "base_lr"),
             (lambda o: CyclicLR(o, 0.01, INF), ValueError, "max_lr"), (lambda o: CyclicLR(o, 0.1, 0.01), ValueError, "max_lr"),
             (lambda o: CyclicLR(o, 0.01, 0.1, step_size_up=0), ValueError, "step_size_up"),
             (lambda o: CyclicLR(o, 0.01, 0.1, step_size_down=-1), ValueError, "step_size_down"),
             (lambda o: CyclicLR(o, 0.01, 0.1, mode="sine"), ValueError, "mode"),
             (lambda o: CyclicLR(o, 0.01, 0.1, mode="exp_range", gamma=NAN), ValueError, "gamma"),
             (lambda o: CyclicLR(o, 0.01, 0.1, base_momentum=NAN), ValueError, "base_momentum"),
             (lambda o: CyclicLR(o, 0.01, 0.1, max_momentum=1.0), ValueError, "max_momentum"),
             (lambda o: CyclicLR(o, 0.01, 0.1, cycle_momentum="yes"), TypeError, "cycle_momentum"),
             (lambda o: ReduceLROnPlateau(o, factor=1.0), ValueError, "factor"), (lambda o: ReduceLROnPlateau(o, factor=0), ValueError, "factor"),
             (lambda o: ReduceLROnPlateau(o, factor=NAN), ValueError, "factor"), (lambda o: ReduceLROnPlateau(o, mode="best"), ValueError, "mode"),
             (lambda o: ReduceLROnPlateau(o, patience=-1), ValueError, "patience"), (lambda o: ReduceLROnPlateau(o, patience=1.5), TypeError, "patience"),
             (lambda o: ReduceLROnPlateau(o, threshold=-1), ValueError, "threshold"), (lambda o: ReduceLROnPlateau(o, threshold=INF), ValueError, "threshold"),
             (lambda o: ReduceLROnPlateau(o, threshold_mode="x"), ValueError, "threshold_mode"),
             (lambda o: ReduceLROnPlateau(o, cooldown=-1), ValueError, "cooldown"), (lambda o: ReduceLROnPlateau(o, min_lr=-1), ValueError, "min_lr"),
             (lambda o: ReduceLROnPlateau(o, eps=NAN), ValueError, "eps"),
             (lambda o: ReduceLROnPlateau(o).step(NAN), ValueError, "metric"), (lambda o: ReduceLROnPlateau(o).step(None), TypeError, "metric")]


@pytest.mark.parametrize("make, exc, arg", SCHED_BAD)
def test_scheduler_bad_input_named(make, exc, arg):
    with pytest.raises(exc, match=rf"^{arg} must be"): make(SGD(_p(), lr=0.1, momentum=0.9))


def test_scheduler_errors():
    with pytest.raises(ValueError, match="momentum or beta1"): CyclicLR(Adagrad(_p(), lr=0.1), 0.01, 0.1)
    CyclicLR(Adagrad(_p(), lr=0.1), 0.01, 0.1, cycle_momentum=False)  # fine without momentum cycling
    for make in (lambda o: ExponentialLR(o, 0.9), lambda o: StepLR(o, 2), lambda o: ReduceLROnPlateau(o), lambda o: CyclicLR(o, 0.01, 0.1)):
        for bad in (object(), None, torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)):
            with pytest.raises(TypeError, match="optimizer must be an Optimizer"): make(bad)
    with pytest.raises(NotImplementedError): LRScheduler(SGD(_p(), lr=0.1))


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


@settings(max_examples=30, deadline=None)
@given(scores=st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(math.nan)), min_size=1, max_size=8), mode=st.sampled_from(["max", "min"]))
def test_a_nan_score_is_never_best(scores, mode):
    train_fn = lambda i: scores[i]
    if all(math.isnan(s) for s in scores):
        with pytest.raises(ValueError, match="NaN for all"): grid_search(train_fn, {"i": list(range(len(scores)))}, mode=mode)
        return
    res = grid_search(train_fn, {"i": list(range(len(scores)))}, mode=mode)
    finite = [s for s in scores if not math.isnan(s)]
    assert res.best.score == (max if mode == "max" else min)(finite) and len(res.trials) == len(scores)
    try: rs = random_search(train_fn, {"i": list(range(len(scores)))}, n_trials=10, seed=0, mode=mode)
    except ValueError as e: assert "NaN for all" in str(e)
    else: assert not math.isnan(rs.best.score)


def test_search_bad_input_named():
    f = lambda lr: lr
    for call, exc, match in [(lambda: grid_search(f, {"lr": []}), ValueError, r"space\['lr'\]"), (lambda: grid_search(f, {}), ValueError, "space"),
                             (lambda: grid_search(f, {"lr": 0.1}), TypeError, r"space\['lr'\]"), (lambda: grid_search(None, {"lr": [1]}), TypeError, "train_fn"),
                             (lambda: grid_search(f, {"lr": [1]}, mode="best"), ValueError, "mode"),
                             (lambda: grid_search(lambda lr: "good", {"lr": [1]}), TypeError, "train_fn's score"),
                             (lambda: random_search(f, {"lr": [1]}, n_trials=0), ValueError, "n_trials"),
                             (lambda: random_search(f, {"lr": [1]}, n_trials=2.0), TypeError, "n_trials"),
                             (lambda: random_search(f, {"lr": [1]}, seed=-1), ValueError, "seed"),
                             (lambda: random_search(f, {"lr": "abc"}), TypeError, r"space\['lr'\]"),
                             (lambda: random_search(f, None), TypeError, "space"),
                             (lambda: loguniform(0, 1), ValueError, "low"), (lambda: loguniform(NAN, 1), ValueError, "low"),
                             (lambda: loguniform(1, 0.5), ValueError, "high"), (lambda: loguniform(1, INF), ValueError, "high")]:
        with pytest.raises(exc, match=match): call()


def test_newton_and_counts():
    rng = np.random.default_rng(0)
    M = rng.normal(size=(5, 5)); A = M @ M.T + 5 * np.eye(5); b = rng.normal(size=5)
    x = rng.normal(size=5)
    np.testing.assert_allclose(newton_step(x, A @ x - b, A), np.linalg.solve(A, b), rtol=1e-10)
    assert mlp_param_count([784, 30, 10]) == sum(p.numel() for p in torch.nn.Sequential(torch.nn.Linear(784, 30), torch.nn.Linear(30, 10)).parameters())
    with pytest.raises(ValueError, match="hess must be an invertible"): newton_step(np.ones(2), np.ones(2), np.ones((2, 2)))
    with pytest.raises(ValueError, match="sizes"): mlp_param_count([10])


def test_optimizer_path_stops_on_divergence_and_tol():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError, match="diverged"):
            optimizer_path(lambda x, y: (x, 100 * y), (1.0, 1.0), lambda ps: SGD(ps, lr=1.0), steps=1000)
    path = optimizer_path(lambda x, y: (x, y), (1.0, 1.0), lambda ps: SGD(ps, lr=0.5), steps=1000, tol=1e-8)
    assert len(path) < 40 and steps_to(path, (0, 0), tol=1e-6) is not None
    ok = optimizer_path(lambda x, y: (x, y), (1.0, 1.0), lambda ps: Adam(ps, lr=0.1), steps=50, f=lambda x, y: 0.5 * (x * x + y * y))
    assert ok.shape == (51, 2)
    with pytest.raises(TypeError, match="f must be"): optimizer_path(lambda x, y: (x, y), (1.0, 1.0), lambda ps: SGD(ps, lr=0.1), f=3)
    with pytest.raises(ValueError, match="tol must be"): optimizer_path(lambda x, y: (x, y), (1.0, 1.0), lambda ps: SGD(ps, lr=0.1), tol=-1)
    with pytest.raises(ValueError, match="x0 must be"): optimizer_path(lambda x, y: (x, y), (1.0, np.inf), lambda ps: SGD(ps, lr=0.1))


def test_landscape_helpers_check_their_input():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from dlnotes.optimizers import rosenbrock, rosenbrock_grad
        assert rosenbrock(1.0, 1.0) == 0.0 and rosenbrock(np.full(2, 1e308), 0.0)[0] == np.inf
        np.testing.assert_allclose(rosenbrock_grad(np.ones(3), np.ones(3)), np.zeros((2, 3)))
        assert steps_to(np.full((2, 2), 1e308), (-1e308, 0.0)) is None
    for call, exc, match in [(lambda: rosenbrock(None, 1.0), TypeError, "x must be"), (lambda: rosenbrock(1.0, "y"), TypeError, "y must be"),
                             (lambda: rosenbrock(np.ones(2), np.ones(3)), ValueError, "y must be an array that broadcasts"),
                             (lambda: rosenbrock(1.0, 1.0, a=np.nan), ValueError, "a must be"),
                             (lambda: rosenbrock_grad(1.0, 1.0, b="x"), TypeError, "b must be"),
                             (lambda: steps_to(np.ones((3, 3)), (0, 0)), ValueError, "path must be points with 2"),
                             (lambda: steps_to(np.ones((3, 2)), ()), ValueError, "target must be"),
                             (lambda: optimizer_path(lambda x, y: "g", (1.0, 1.0), lambda ps: SGD(ps, lr=0.1)), TypeError, r"grad\(x1, x2\)"),
                             (lambda: optimizer_path(lambda x, y: (x, y, 1.0), (1.0, 1.0), lambda ps: SGD(ps, lr=0.1)), ValueError, r"grad\(x1, x2\)"),
                             (lambda: optimizer_path(lambda x, y: (x, y), (1.0, 1.0), lambda ps: SGD(ps, lr=0.1), f=lambda x, y: None), TypeError, r"f\(x1, x2\)"),
                             (lambda: optimizer_path(lambda x, y: (x, y), (1.0, 1.0), lambda ps: SGD(ps, lr=0.1), steps=0), ValueError, "steps must be")]:
        with pytest.raises(exc, match=match): call()


# searches in parallel processes, and Bayesian optimisation with Optuna's TPE (the optional extra "search")
from dlnotes.optimizers import LogUniform, Trial, SearchResult, tpe_search


def _toy(lr, width):
    "A known score: best at lr = 0.01, width 50 (module level, so worker processes can import it)."
    return -(math.log10(lr) + 2) ** 2 - 0.001 * abs(width - 50)


TOY_SPACE = {"lr": loguniform(1e-4, 1.0), "width": [10, 30, 50, 100]}


def test_random_and_grid_search_in_parallel_give_the_same_trials():
    assert random_search(_toy, TOY_SPACE, 8, seed=3, n_jobs=2) == random_search(_toy, TOY_SPACE, 8, seed=3)
    grid = {"lr": [1e-3, 1e-2, 1e-1], "width": [30, 50]}
    assert grid_search(_toy, grid, n_jobs=2) == grid_search(_toy, grid)
    for bad, exc in [(0, ValueError), (-2, ValueError), (1.5, TypeError), ("2", TypeError)]:
        with pytest.raises(exc, match="n_jobs must be"): random_search(_toy, TOY_SPACE, 2, n_jobs=bad)


def test_loguniform_is_a_distribution_with_a_range():
    d = loguniform(1e-3, 10.0)
    assert isinstance(d, LogUniform) and (d.low, d.high) == (1e-3, 10.0) and d == loguniform(1e-3, 10.0)
    x = np.array([d(np.random.default_rng(s)) for s in range(200)])
    assert x.min() >= 1e-3 and x.max() <= 10.0 and repr(d) == "loguniform(0.001, 10)"


def test_trial_and_result_unpack_like_tuples():
    r = random_search(_toy, TOY_SPACE, 3, seed=0)
    trials, best = r
    params, score = best
    assert trials == r.trials and (params, score) == (r.best.params, r.best.score)
    assert isinstance(best, Trial) and isinstance(r, SearchResult)


import importlib.util
needs_optuna = pytest.mark.skipif(importlib.util.find_spec("optuna") is None, reason='the "search" extra (optuna) is not installed')


@needs_optuna
def test_tpe_search_is_seeded_and_finds_the_toy_optimum():
    a = tpe_search(_toy, TOY_SPACE, n_trials=25, seed=1)
    assert a == tpe_search(_toy, TOY_SPACE, n_trials=25, seed=1)  # in memory, one process: reproducible
    assert len(a.trials) == 25 and abs(math.log10(a.best.params["lr"]) + 2) < 0.5
    assert set(a.best.params) == {"lr", "width"} and a.best.params["width"] in TOY_SPACE["width"]
    assert tpe_search(lambda lr, width: -_toy(lr, width), TOY_SPACE, n_trials=12, seed=0, mode="min").best.score <= 0.5


@needs_optuna
def test_tpe_search_shares_one_sqlite_study_between_processes_and_calls(tmp_path):
    import optuna
    url = f"sqlite:///{tmp_path / 'search.db'}"
    r = tpe_search(_toy, TOY_SPACE, n_trials=10, seed=0, n_jobs=2, storage=url, study_name="toy")
    assert len(r.trials) == 10 and (tmp_path / "search.db").exists()
    assert len({(t.params["lr"], t.params["width"]) for t in r.trials}) >= 9  # the two workers did not repeat each other
    more = tpe_search(_toy, TOY_SPACE, n_trials=3, seed=7, storage=url, study_name="toy")  # "another machine"
    assert len(more.trials) == 13 and more.trials[:10] == r.trials
    assert len(optuna.load_study(study_name="toy", storage=url).trials) == 13
    other = tpe_search(_toy, TOY_SPACE, n_trials=2, seed=0, storage=url, study_name="other")
    assert len(other.trials) == 2  # a second study in the same database is separate
    assert len(tpe_search(_toy, TOY_SPACE, n_trials=4, seed=0, n_jobs=2).trials) == 4  # no storage: a temporary file


@needs_optuna
def test_tpe_search_keeps_nan_scores_but_never_picks_them():
    f = lambda lr, width: math.nan if width == 10 else _toy(lr, width)
    r = tpe_search(f, TOY_SPACE, n_trials=20, seed=2)
    assert any(math.isnan(t.score) for t in r.trials) and not math.isnan(r.best.score)
    with pytest.raises(ValueError, match="NaN for all"): tpe_search(lambda lr, width: math.nan, TOY_SPACE, n_trials=3)
    with pytest.raises(TypeError, match="train_fn's score must be a real number"):
        tpe_search(lambda lr, width: "good", TOY_SPACE, n_trials=2)


def test_tpe_search_bad_input_named():
    for call, exc, match in [(lambda: tpe_search(_toy, {"lr": lambda rng: 0.1}), TypeError, r"space\['lr'\] must be"),
                             (lambda: tpe_search(_toy, {}), ValueError, "space must be a non-empty dict"),
                             (lambda: tpe_search(None, TOY_SPACE), TypeError, "train_fn must be"),
                             (lambda: tpe_search(_toy, TOY_SPACE, n_trials=0), ValueError, "n_trials must be"),
                             (lambda: tpe_search(_toy, TOY_SPACE, seed=-1), ValueError, "seed must be"),
                             (lambda: tpe_search(_toy, TOY_SPACE, mode="best"), ValueError, "mode must be one of"),
                             (lambda: tpe_search(_toy, TOY_SPACE, storage=3), TypeError, "storage must be"),
                             (lambda: tpe_search(_toy, TOY_SPACE, study_name=None), TypeError, "study_name must be"),
                             (lambda: tpe_search(_toy, TOY_SPACE, n_startup_trials=0), ValueError, "n_startup_trials must be"),
                             (lambda: tpe_search(_toy, TOY_SPACE, n_jobs=0), ValueError, "n_jobs must be")]:
        with pytest.raises(exc, match=match): call()


def test_tpe_search_without_optuna_says_how_to_install(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "optuna", None)  # `import optuna` now raises ImportError
    with pytest.raises(ImportError, match=r'pip install "dlnotes\[search\]"'): tpe_search(_toy, TOY_SPACE, n_trials=2)


def test_weight_decay_groups_names_bad_params():
    for bad, exc in [(None, TypeError), (3, TypeError), ([], ValueError), ([1.0], TypeError)]:
        with pytest.raises(exc, match=r"params"): weight_decay_groups(bad, 0.1)
