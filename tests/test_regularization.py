"""Chapter 06 cross-checks: L2/L1 penalties against torch.optim.SGD / autograd, dropout against torch, early stopping, augmentation."""
from types import SimpleNamespace
import warnings
import math
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st

from dlnotes.data import one_hot
from dlnotes.descent import SGD
from dlnotes.gradients import gradcheck
from dlnotes.activations import Linear
from dlnotes.losses import CrossEntropyCost
from dlnotes.network import MLP, to_torch
from dlnotes.training import CancelFitException, fit, predict, accuracy
from dlnotes.regularization import (L1, L2, Dropout, EarlyStopping, augment, rotate_images, shift_images, weights)


def _data(n=24, d=6, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, k, n)


def _torch_train(tnet, X, y, k, lr, steps, penalty=None):
    "Full-batch steps with Nielsen's cross-entropy cost (BCE with logits summed over units, mean over the batch)."
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(one_hot(y, k))
    ws = [p for n, p in tnet.named_parameters() if n.endswith("weight")]
    bs = [p for n, p in tnet.named_parameters() if n.endswith("bias")]
    wd = penalty[1] if penalty and penalty[0] == "L2" else 0.0
    opt = torch.optim.SGD([{"params": ws, "weight_decay": wd}, {"params": bs, "weight_decay": 0.0}], lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(tnet(Xt), Yt, reduction="sum") / len(X)
        if penalty and penalty[0] == "L1": loss = loss + penalty[1] * sum(w.abs().sum() for w in ws)
        loss.backward(); opt.step()
    return [p.detach().numpy() for p in tnet.parameters()]


@pytest.mark.parametrize("lmbda", [0.0, 0.5, 5.0])
@pytest.mark.parametrize("sizes", [[6, 5, 3], [6, 8, 4, 3]])
def test_l2_matches_torch_sgd_weight_decay(lmbda, sizes):
    X, y = _data(k=sizes[-1])
    net = MLP(sizes, seed=1); tnet = to_torch(net)
    fit(net, CrossEntropyCost(), SGD(net.parameters(), lr=0.3), X, y, 4, len(X), callbacks=[L2(lmbda)], progress=False)
    expected = _torch_train(tnet, X, y, sizes[-1], 0.3, 4, ("L2", lmbda / len(X)))   # torch's weight_decay = λ/n
    for p, e in zip(net.parameters(), expected): np.testing.assert_allclose(p.data, e, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("lmbda", [0.1, 2.0])
def test_l1_matches_torch_autograd(lmbda):
    X, y = _data()
    net = MLP([6, 5, 3], seed=2); tnet = to_torch(net)
    fit(net, CrossEntropyCost(), SGD(net.parameters(), lr=0.3), X, y, 4, len(X), callbacks=[L1(lmbda)], progress=False)
    expected = _torch_train(tnet, X, y, 3, 0.3, 4, ("L1", lmbda / len(X)))
    for p, e in zip(net.parameters(), expected): np.testing.assert_allclose(p.data, e, rtol=1e-9, atol=1e-11)


def test_penalty_reported_in_training_cost():
    X, y = _data()
    net = MLP([6, 5, 3], seed=3)
    h = fit(net, CrossEntropyCost(), SGD(net.parameters(), lr=0.1), X, y, 2, 8, callbacks=[L2(2.0)], progress=False,
            exact_train_metrics=True)
    net2 = MLP([6, 5, 3], seed=3)
    h2 = fit(net2, CrossEntropyCost(), SGD(net2.parameters(), lr=0.1), X, y, 2, 8, callbacks=[L2(2.0)], progress=False, metrics=("acc",))
    data_cost = CrossEntropyCost()(net(X), one_hot(y, 3))
    penalty = 2.0 / (2 * len(X)) * sum(np.sum(w.data ** 2) for w in weights(net))
    assert math.isclose(h["train_loss"][-1], data_cost + penalty, rel_tol=1e-10)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 10.0), st.integers(1, 500))
def test_penalty_gradients_gradcheck(seed, lmbda, n):
    W = np.random.default_rng(seed).normal(size=(3, 4))
    layer = Linear(4, 3, seed=0)
    for pen, grad in [(L2(lmbda), lambda w: lmbda / n * w), (L1(lmbda), lambda w: lmbda / n * np.sign(w))]:
        def value(w):
            layer.weight.data[...] = w; return pen.penalty(layer, n)
        assert gradcheck(value, grad, W) < 1e-5


def test_weights_excludes_biases():
    net = MLP([4, 3, 2], seed=0)
    assert [w.shape for w in weights(net)] == [(3, 4), (2, 3)]


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_scaling_matches_torch(p):
    x = np.random.default_rng(0).uniform(0.5, 2.0, (400, 50))
    ours = Dropout(p, seed=0)(x)
    theirs = F.dropout(torch.from_numpy(x), p, training=True).numpy()
    for out in (ours, theirs):
        kept = out != 0
        np.testing.assert_allclose(out[kept], x[kept] / (1 - p), rtol=1e-13)   # both scale kept units by 1/(1-p)
        se = math.sqrt(p * (1 - p) / x.size)
        assert abs((~kept).mean() - p) < 5 * se
    assert abs((ours == 0).mean() - (theirs == 0).mean()) < 7 * math.sqrt(p * (1 - p) / x.size)


@pytest.mark.parametrize("p", [0.2, 0.6])
def test_dropout_backward_matches_torch_given_the_mask(p):
    x = torch.from_numpy(np.random.default_rng(1).normal(size=(6, 7))).requires_grad_()
    g = np.random.default_rng(2).normal(size=(6, 7))
    out = F.dropout(x, p, training=True); out.backward(torch.from_numpy(g))
    mask = out.detach().numpy() / x.detach().numpy()                   # torch's mask·1/(1-p)
    d = Dropout(p, seed=0); d(x.detach().numpy()); d._mask = mask      # the same mask in ours
    np.testing.assert_allclose(d.backward(g), x.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 5)])
def test_dropout_gradcheck(shape):
    x0 = np.random.default_rng(3).normal(size=shape); G = np.random.default_rng(4).normal(size=shape)
    f = lambda x: float(np.sum(G * Dropout(0.5, seed=11)(x)))
    def grad(x):
        d = Dropout(0.5, seed=11); d(x); return d.backward(G)
    assert gradcheck(f, grad, x0) < 1e-7


def test_dropout_eval_deterministic_in_a_trained_net():
    X, y = _data()
    net = MLP([6, 16, 3], seed=0, dropout=lambda rng: Dropout(0.5, rng=rng))
    fit(net, CrossEntropyCost(), SGD(net.parameters(), lr=0.5), X, y, 3, 8, progress=False)
    np.testing.assert_array_equal(predict(net, X), predict(net, X))
    assert net.training                                                # predict restores the mode


@settings(max_examples=30, deadline=None)
@given(st.floats(0.0, 0.95), st.integers(0, 1000))
def test_dropout_preserves_expectation(p, seed):
    x = np.ones((200, 100))
    y = Dropout(p, seed=seed)(x)
    assert abs(y.mean() - 1.0) < 6 * math.sqrt(p / (1 - p) / x.size) + 1e-12


def _fake_run(es, values, key="valid_acc"):
    "Drive EarlyStopping by hand with a sequence of metric values; returns the epochs seen."
    model = SimpleNamespace(parameters=lambda: [])
    learn = SimpleNamespace(history={key: []}, epoch=0, model=model)
    es.before_fit(learn)
    try:
        for learn.epoch, v in enumerate(values, 1):
            learn.history[key].append(v); es.after_epoch(learn)
    except CancelFitException: pass
    es.after_fit(learn)
    return learn.epoch


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=40), st.integers(1, 6))
def test_early_stopping_best_is_argmax_and_stops_after_patience(values, patience):
    es = EarlyStopping(patience)
    seen = _fake_run(es, values)
    assert es.best_epoch == int(np.argmax(values[:seen])) + 1
    if es.stopped_epoch is not None: assert es.stopped_epoch == es.best_epoch + patience == seen
    else: assert seen == len(values) and len(values) - es.best_epoch < patience


def test_early_stopping_min_mode_and_min_delta():
    es = EarlyStopping(3, monitor="valid_loss", mode="min", min_delta=0.05)
    seen = _fake_run(es, [1.0, 0.97, 0.96, 0.5, 0.49, 0.48, 0.47, 0.1], key="valid_loss")
    assert (es.best_epoch, es.stopped_epoch, seen) == (4, 7, 7)        # 0.97, 0.96, 0.49, 0.48, 0.47 are not enough better


def test_early_stopping_restores_best_weights():
    X, y = _data(60)
    net = MLP([6, 10, 3], seed=0)
    es = EarlyStopping(3)
    h = fit(net, CrossEntropyCost(), SGD(net.parameters(), lr=2.0), X[:40], y[:40], 40, 5, valid=(X[40:], y[40:]),
            callbacks=[es], progress=False)
    assert accuracy(net, X[40:], y[40:]) == es.best == max(h["valid_acc"])


@pytest.mark.parametrize("bad", [dict(patience=0), dict(patience=1.5), dict(mode="up"), dict(min_delta=-1)])
def test_early_stopping_bad_input(bad):
    with pytest.raises((ValueError, TypeError), match=list(bad)[0]): EarlyStopping(**bad)


@pytest.mark.parametrize("p", [1.0, -0.1, 2, "0.5", True])
def test_dropout_bad_p(p):
    with pytest.raises((ValueError, TypeError), match="p must be a finite number in \\[0, 1\\)"): Dropout(p)


@pytest.mark.parametrize("lmbda", [-1e-9, float("inf"), float("nan"), "1"])
def test_penalty_bad_lmbda(lmbda):
    for cls in (L1, L2):
        with pytest.raises((ValueError, TypeError), match="lmbda must be"): cls(lmbda)


def test_shift_round_trip_and_bounds():
    X = np.random.default_rng(0).random((5, 28 * 28))
    back = shift_images(shift_images(X, 2, -3), -2, 3).reshape(5, 28, 28)
    np.testing.assert_array_equal(back[:, 3:, :-2], X.reshape(5, 28, 28)[:, 3:, :-2])
    assert not shift_images(X, 28, 0).any() and not shift_images(X, 0, -30).any()


@pytest.mark.parametrize("angle", [-30.0, -7.5, 12.0, 45.0, 90.0])
def test_rotation_matches_torch_grid_sample(angle):
    "Bilinear rotation about the centre with zero padding = torch's affine_grid + grid_sample(align_corners=True)."
    imgs = np.random.default_rng(0).random((3, 9, 9))
    th = math.radians(angle)
    theta = torch.tensor([[[math.cos(th), -math.sin(th), 0.0], [math.sin(th), math.cos(th), 0.0]]], dtype=torch.float64).repeat(3, 1, 1)
    grid = F.affine_grid(theta, (3, 1, 9, 9), align_corners=True)
    ref = F.grid_sample(torch.from_numpy(imgs)[:, None], grid, mode="bilinear", padding_mode="zeros", align_corners=True)[:, 0]
    np.testing.assert_allclose(rotate_images(imgs, angle), ref.numpy(), atol=1e-12)


def test_rotation_four_quarter_turns_and_nearest():
    X = np.random.default_rng(1).random((4, 64))
    Y = X
    for _ in range(4): Y = rotate_images(Y, 90)
    np.testing.assert_allclose(Y, X, atol=1e-12)
    np.testing.assert_allclose(rotate_images(X, 90, order=0), rotate_images(X, 90, order=1), atol=1e-12)


def test_augment_sizes_labels_and_seed():
    X, y = np.random.default_rng(0).random((10, 64)), np.arange(10)
    Xa, ya = augment(X, y, n_rotations=2, rng=3)
    assert Xa.shape == (70, 64) and sorted(ya.tolist()) == sorted(np.tile(y, 7).tolist())
    Xb, yb = augment(X, y, n_rotations=2, rng=3)
    np.testing.assert_array_equal(Xa, Xb); np.testing.assert_array_equal(ya, yb)
    Xc, yc = augment(X, y, shuffle=False)
    np.testing.assert_array_equal(Xc[:10], X); np.testing.assert_array_equal(yc, np.tile(y, 5))
    for i, img in enumerate(Xc):                                      # each copy is the right shift of its original
        k, j = divmod(i, 10)
        dx, dy = [(0, 0), (0, -1), (0, 1), (-1, 0), (1, 0)][k]
        np.testing.assert_array_equal(img, shift_images(X[j:j + 1], dx, dy)[0])


def test_dropout_checks_its_input_and_grad_out():
    with pytest.raises(TypeError, match="x must be"): Dropout(0.5).forward(None)
    with pytest.raises(TypeError, match="x must be"): Dropout(0.5).forward("abc")
    d = Dropout(0.5, seed=0)
    with pytest.raises(RuntimeError, match="before forward"): d.backward(np.ones(3))
    d(np.ones((4, 3)))
    for bad in (np.ones(3), np.ones((4, 1)), np.ones((1, 3))):            # would broadcast silently
        with pytest.raises(ValueError, match=r"grad_out must be an array of shape \(4, 3\)"): d.backward(bad)
    d.eval(); d(np.ones((2, 2)))
    with pytest.raises(ValueError, match="grad_out"): d.backward(np.ones(2))   # checked in evaluation mode too


def test_dropout_rng_and_seed_are_checked():
    with pytest.raises(TypeError, match="rng must be"): Dropout(0.5, rng="gen")
    with pytest.raises(ValueError, match="seed must be"): Dropout(0.5, seed=-1)
    a, b = Dropout(0.5, rng=np.random.default_rng(3)), Dropout(0.5, seed=3)
    np.testing.assert_array_equal(a(np.ones((5, 5))), b(np.ones((5, 5))))


def test_mlp_dropout_layers_get_independent_reproducible_masks():
    make = lambda: MLP([8, 16, 16, 3], dropout=lambda rng: Dropout(0.5, rng=rng), seed=4)
    x = np.ones((6, 16))
    masks = [d(x) != 0 for d in make() if isinstance(d, Dropout)]
    again = [d(x) != 0 for d in make() if isinstance(d, Dropout)]
    assert len(masks) == 2 and not np.array_equal(masks[0], masks[1])
    for m, n in zip(masks, again): np.testing.assert_array_equal(m, n)


def test_callbacks_use_the_new_events_and_have_real_names():
    for cls, names in [(EarlyStopping, ("before_fit", "after_epoch", "after_fit")), (L2, ("_term", "_grad")),
                       (L1, ("_term", "_grad"))]:
        for n in names: assert getattr(cls, n).__qualname__ == f"{cls.__name__}.{n}"
    assert L2.after_backward.__qualname__ == "_Penalty.after_backward" and L2.after_step.__qualname__ == "_Penalty.after_step"


def test_early_stopping_inside_fit_stops_with_cancel_and_no_warning():
    X, y = _data(60)
    net = MLP([6, 10, 3], seed=0)
    es = EarlyStopping(2, monitor="valid_loss", mode="min")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = fit(net, CrossEntropyCost(), SGD(net.parameters(), lr=3.0), X[:40], y[:40], 200, 5, valid=(X[40:], y[40:]),
                callbacks=[es], progress=False)
    assert es.stopped_epoch == len(h.epochs) < 200


def test_dropout_scaled_network_is_the_mean_of_thinned_logits():
    "Chapter 06's ensemble claim: with a linear output layer the eval-mode logits are the expectation over masks."
    rng = np.random.default_rng(0)
    X = rng.random((5, 6))
    net = MLP([6, 40, 3], dropout=lambda g: Dropout(0.5, rng=g), seed=0)
    net.eval(); scaled = net(X)
    net.train(); thinned = np.array([net(X) for _ in range(4000)]); net.eval()
    se = thinned.std(0) / math.sqrt(len(thinned))
    assert np.all(np.abs(thinned.mean(0) - scaled) < 5 * se + 1e-12)
