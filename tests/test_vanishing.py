"""dlnotes.vanishing: clip_grad_norm_ against torch.nn.utils.clip_grad_norm_, layer_grad_norms against autograd."""
import math
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from dlnotes.descent import Parameter
from dlnotes.activations import Linear, Sigmoid, ReLU, Tanh
from dlnotes.network import MLP, to_torch
from dlnotes.training import fit
from dlnotes.losses import CrossEntropyLoss, CrossEntropyCost, MSELoss
from dlnotes.optimizers import SGD
from dlnotes.vanishing import clip_grad_norm_, layer_grad_norms, grad_norms, linear_layers, GradNormRecorder, GradClip


def make_pair(shapes, rng, scale=1.0):
    gs = [rng.normal(size=s) * scale for s in shapes]
    ps = [Parameter(np.zeros(s)) for s in shapes]
    for p, g in zip(ps, gs): p.grad[...] = g
    tps = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in shapes]
    for p, g in zip(tps, gs): p.grad = torch.tensor(g)
    return ps, tps


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, float("inf"), "inf"])
@pytest.mark.parametrize("max_norm", [0.0, 1e-3, 0.5, 10.0, 1e9])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    rng = np.random.default_rng(0)
    ps, tps = make_pair([(30, 64), (30,), (10, 30), (10,), ()], rng)
    total = clip_grad_norm_(ps, max_norm, norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tps, max_norm, norm_type).item()
    assert isinstance(total, float)
    np.testing.assert_allclose(total, ttotal, rtol=1e-12)
    for p, tp in zip(ps, tps): np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-12, atol=1e-300)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(1, 5), max_norm=st.floats(0.0, 100.0),
       norm_type=st.sampled_from([1.0, 2.0, 2.5, float("inf")]), scale=st.sampled_from([1e-6, 1.0, 1e6]))
def test_clip_property(seed, n, max_norm, norm_type, scale):
    rng = np.random.default_rng(seed)
    shapes = [tuple(rng.integers(1, 6, size=rng.integers(0, 3))) for _ in range(n)]
    ps, tps = make_pair(shapes, rng, scale)
    total = clip_grad_norm_(ps, max_norm, norm_type)
    np.testing.assert_allclose(total, torch.nn.utils.clip_grad_norm_(tps, max_norm, norm_type).item(), rtol=1e-12)
    for p, tp in zip(ps, tps): np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-12, atol=1e-300)
    after = np.linalg.norm(np.concatenate([p.grad.ravel() for p in ps]), norm_type)
    assert after <= max(max_norm, 0) * (1 + 1e-9) + 1e-12 or after <= total * (1 + 1e-12)
    if total > max_norm: assert after <= max_norm * (1 + 1e-9) + 1e-12


def test_clip_nonfinite_like_torch():
    for bad in (np.inf, np.nan):
        ps, tps = make_pair([(3,), (2,)], np.random.default_rng(0))
        ps[0].grad[1] = bad; tps[0].grad[1] = bad
        with pytest.raises(RuntimeError, match="non-finite"): clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
        with pytest.raises(RuntimeError, match="non-finite"): torch.nn.utils.clip_grad_norm_(tps, 1.0, error_if_nonfinite=True)
        total = clip_grad_norm_(ps, 1.0); ttotal = torch.nn.utils.clip_grad_norm_(tps, 1.0).item()
        assert (math.isnan(total) and math.isnan(ttotal)) or total == ttotal
        for p, tp in zip(ps, tps): np.testing.assert_array_equal(np.isnan(p.grad), np.isnan(tp.grad.numpy()))


def test_clip_single_parameter_and_empty():
    p = Parameter(np.zeros(2)); p.grad[...] = [3.0, 4.0]
    tp = torch.zeros(2, dtype=torch.float64, requires_grad=True); tp.grad = torch.tensor([3.0, 4.0], dtype=torch.float64)
    assert clip_grad_norm_(p, 2.0) == pytest.approx(torch.nn.utils.clip_grad_norm_(tp, 2.0).item())
    np.testing.assert_allclose(p.grad, tp.grad.numpy())
    assert clip_grad_norm_([], 1.0) == 0.0
    with pytest.raises(TypeError, match="Parameter"): clip_grad_norm_([np.zeros(2)], 1.0)
    with pytest.raises(ValueError, match="max_norm"): clip_grad_norm_([p], float("nan"))


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
@pytest.mark.parametrize("sizes", [[8, 5, 3], [8, 6, 6, 6, 4], [8, 4, 4, 4, 4, 4, 2]])
@pytest.mark.parametrize("loss", ["ce", "cost", "mse"])
def test_layer_grad_norms_match_autograd(activation, sizes, loss, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(25, sizes[0])); y = rng.integers(0, sizes[-1], size=25)
    net = MLP(sizes, activation, seed=seed); tnet = to_torch(net)
    out = tnet(torch.tensor(X))
    if loss == "ce": ours_loss, target, tl = CrossEntropyLoss(), y, torch.nn.functional.cross_entropy(out, torch.tensor(y))
    elif loss == "cost":
        T = np.eye(sizes[-1])[y]
        ours_loss, target = CrossEntropyCost(), y
        tl = torch.nn.functional.binary_cross_entropy_with_logits(out, torch.tensor(T), reduction="sum") / len(X)
    else:
        T = rng.normal(size=(25, sizes[-1])); ours_loss, target = MSELoss(), T
        tl = torch.nn.functional.mse_loss(out, torch.tensor(T))
    tl.backward()
    tlin = [m for m in tnet if isinstance(m, torch.nn.Linear)]
    np.testing.assert_allclose(layer_grad_norms(net, X, target, ours_loss), [m.bias.grad.norm().item() for m in tlin], rtol=1e-10)
    np.testing.assert_allclose(grad_norms(net, "weight"), [m.weight.grad.norm().item() for m in tlin], rtol=1e-10)
    # a second call gives the same numbers (grads are zeroed first, not accumulated)
    np.testing.assert_allclose(layer_grad_norms(net, X, target, ours_loss), [m.bias.grad.norm().item() for m in tlin], rtol=1e-10)


def test_callbacks_in_fit():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 5)); y = rng.integers(0, 3, size=64)
    net = MLP([5, 7, 7, 3], "sigmoid", seed=0)
    rec, clip = GradNormRecorder(), GradClip(0.01)
    fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X, y, epochs=3, batch_size=16, callbacks=[rec, clip], seed=0, progress=False)
    assert len(rec.bias) == len(clip.norms) == 12 and rec.per_epoch("bias").shape == (3, 3) and rec.per_epoch("weight").shape == (3, 3)
    # the recorder runs before the clip: its total norm equals the clip's pre-clipping norm
    totals = [math.sqrt(np.sum(b**2) + np.sum(w**2)) for b, w in zip(rec.bias, rec.weight)]
    np.testing.assert_allclose(totals, clip.norms, rtol=1e-12)
    assert len(linear_layers(net)) == 3
    with pytest.raises(ValueError, match="max_norm"): GradClip(-1)


def test_grad_clip_keeps_an_exploding_run_finite_and_warning_free():
    import warnings
    from dlnotes.descent import DivergenceError
    rng = np.random.default_rng(0)
    X, y = rng.random((64, 8)), rng.integers(0, 4, 64)
    def run(callbacks):
        net = MLP([8] + [30] * 6 + [4], "relu", init="standard", seed=0)
        return fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X, y, 5, 16, callbacks=callbacks, seed=0, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError, match="lr=0.1"): run([])
        h = run([GradClip(1.0)])
    assert np.isfinite(h["train_loss"]).all()


def test_callbacks_have_real_names_and_check_arguments():
    assert GradClip.after_backward.__qualname__ == "GradClip.after_backward"
    assert GradNormRecorder.after_backward.__qualname__ == "GradNormRecorder.after_backward"
    with pytest.raises(TypeError, match="max_norm"): GradClip("1")
    with pytest.raises(ValueError, match="which must be one of"): GradNormRecorder().per_epoch("grad")


@pytest.mark.parametrize("B", [1, 7, 64])
def test_summed_loss_gradient_is_batch_size_times_the_mean(B):
    "Chapter 09's claim: with reduction='sum' every gradient is exactly B times the mean's; SGD with lr/B is the same run."
    rng = np.random.default_rng(B)
    X, y = rng.random((B, 6)), rng.integers(0, 3, B)
    grads = {}
    for red in ("mean", "sum"):
        net = MLP([6, 5, 5, 3], "sigmoid", seed=0)
        loss = CrossEntropyLoss(reduction=red)
        loss.forward(net.forward(X), y); net.backward(loss.backward())
        grads[red] = [p.grad.copy() for p in net.parameters()]
    for gm, gs in zip(grads["mean"], grads["sum"]): np.testing.assert_allclose(gs, B * gm, rtol=1e-12, atol=1e-15)
    nets = {red: MLP([6, 5, 3], seed=1) for red in ("mean", "sum")}
    for red, lr in (("mean", 0.5), ("sum", 0.5 / B)):
        fit(nets[red], CrossEntropyLoss(reduction=red), SGD(nets[red].parameters(), lr=lr), X, y, 3, B, seed=0, progress=False)
    for p, q in zip(nets["mean"].parameters(), nets["sum"].parameters()): np.testing.assert_allclose(p.data, q.data, rtol=1e-9, atol=1e-12)


def test_sigmoid_factor_bound():
    "|w σ′(z)| <= |w|/4 for every w and z; a third of N(0, 1) weights exceed 1 in magnitude."
    from dlnotes.activations import sigmoid_prime
    rng = np.random.default_rng(0)
    w, z = rng.normal(size=10_000) * 3, rng.normal(size=10_000) * 5
    assert np.all(np.abs(w * sigmoid_prime(z)) <= np.abs(w) / 4 * (1 + 1e-12))
    assert abs(np.mean(np.abs(rng.standard_normal(200_000)) > 1) - math.erfc(1 / math.sqrt(2))) < 0.005
