"""Cross-checks of dlnotes.losses against PyTorch (values and autograd gradients), gradchecks and properties."""
import warnings
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from dlnotes.activations import sigmoid, log_softmax, softmax
from dlnotes.gradients import gradcheck
from dlnotes.losses import (l1_loss, mse_loss, binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                            nll_loss, Loss, L1Loss, MSELoss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss,
                            QuadraticCost, CrossEntropyCost, REDUCTIONS)

RNG = np.random.default_rng(2024)


def _inputs(kind):
    "(name -> (input, target)) for every loss, random or extreme."
    r = np.random.default_rng(0 if kind == "random" else 1)
    if kind == "random":
        x, y = r.normal(size=(6, 4)), r.normal(size=(6, 4))
        p, q = r.uniform(0.01, 0.99, size=(6, 4)), r.uniform(size=(6, 4))
        z = r.normal(scale=3, size=(6, 4))
        logits, t = r.normal(scale=1.5, size=(6, 5)), r.integers(0, 5, 6)
    else:
        x = np.array([[-1e6, 1e6, 0.0, 1e-300], [1e150, -1e150, 3.0, -3.0]]); y = np.array([[1e6, -1e6, 0.0, 0.0], [0.0, 0.0, 3.0, 3.0]])
        p = np.array([[0.0, 1.0, 0.0, 1.0], [1e-20, 1 - 1e-12, 0.5, 0.5]]); q = np.array([[0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0]])
        z = np.array([[-1000.0, 1000.0, -40.0, 40.0], [0.0, 1e5, -1e5, 710.0]])
        logits = np.array([[1000.0, 0.0, -1000.0, 5.0, 0.0], [1e5, 1e5, -1e5, 0.0, 1.0], [-800.0, 0.0, 0.0, 0.0, 0.0]])
        t = np.array([2, 0, 0])
    return {"l1": (x, y), "mse": (x, y), "bce": (p, q), "bce_logits": (z, q), "ce": (logits, t),
            "nll": (log_softmax(logits), t)}


OURS = {"l1": (l1_loss, L1Loss), "mse": (mse_loss, MSELoss), "bce": (binary_cross_entropy, BCELoss),
        "bce_logits": (binary_cross_entropy_with_logits, BCEWithLogitsLoss), "ce": (cross_entropy, CrossEntropyLoss),
        "nll": (nll_loss, NLLLoss)}
TORCH = {"l1": F.l1_loss, "mse": F.mse_loss, "bce": F.binary_cross_entropy,
         "bce_logits": F.binary_cross_entropy_with_logits, "ce": F.cross_entropy, "nll": F.nll_loss}


def _torch(name, x, t, reduction, g=None):
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = TORCH[name](xt, torch.tensor(t), reduction=reduction)
    (out if reduction != "none" else (out * torch.tensor(g)).sum()).backward()
    return out.detach().numpy(), xt.grad.numpy()


@pytest.mark.parametrize("kind", ["random", "extreme"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", list(OURS))
def test_value_and_grad_match_torch(name, reduction, kind):
    x, t = _inputs(kind)[name]
    fn, cls = OURS[name]
    v = fn(x, t, reduction)
    loss = cls(reduction=reduction)
    v2 = loss(x, t)
    g = RNG.normal(size=np.shape(v)) if reduction == "none" else None
    tv, tg = _torch(name, x, t, reduction, g)
    if reduction != "none": assert isinstance(v, float) and isinstance(v2, float)
    np.testing.assert_allclose(v, tv, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(v2, tv, rtol=1e-12, atol=1e-12)
    grad = loss.backward(g)
    assert grad.shape == np.shape(x) and np.all(np.isfinite(grad))
    # where p(1−p) < 1e-12 torch divides by the guard 1e-12 rounded to float32 (9.99999996e-13): relative 4e-9
    np.testing.assert_allclose(grad, tg, rtol=1e-8 if (name, kind) == ("bce", "extreme") else 1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(OURS))
def test_batchmean_is_sum_over_batch(name):
    x, t = _inputs("random")[name]
    fn, cls = OURS[name]
    n = x.shape[0]
    np.testing.assert_allclose(fn(x, t, "batchmean"), fn(x, t, "sum") / n, rtol=1e-14)
    a, b = cls(reduction="batchmean"), cls(reduction="sum")
    a(x, t); b(x, t)
    np.testing.assert_allclose(a.backward(), b.backward() / n, rtol=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum", "batchmean"])
@pytest.mark.parametrize("name", list(OURS))
def test_gradcheck(name, reduction):
    x, t = _inputs("random")[name]
    loss = OURS[name][1](reduction=reduction)
    assert gradcheck(lambda v: loss(v, t), lambda v: (loss(v, t), loss.backward())[1], x) < 1e-6


def test_none_backward_is_vector_jacobian_product():
    x, t = _inputs("random")["ce"]
    loss = CrossEntropyLoss(reduction="none")
    terms = loss(x, t)
    g = RNG.normal(size=terms.shape)
    assert gradcheck(lambda v: float(np.sum(g * CrossEntropyLoss(reduction="none")(v, t))),
                     lambda v: (loss(v, t), loss.backward(g))[1], x) < 1e-6


def test_nielsen_costs():
    a, z = RNG.uniform(size=(7, 10)), RNG.normal(size=(7, 10))
    labels = RNG.integers(0, 10, 7)
    Y = np.eye(10)[labels]
    q, c = QuadraticCost(), CrossEntropyCost()
    np.testing.assert_allclose(q(a, labels), np.sum((a - Y) ** 2) / (2 * 7), rtol=1e-14)
    np.testing.assert_allclose(q(a, Y), q(a, labels), rtol=0)
    np.testing.assert_allclose(q.backward(), (a - Y) / 7, rtol=1e-14)
    ce = -np.sum(Y * np.log(sigmoid(z)) + (1 - Y) * np.log(1 - sigmoid(z))) / 7
    np.testing.assert_allclose(c(z, labels), ce, rtol=1e-12)
    np.testing.assert_allclose(c.backward(), (sigmoid(z) - Y) / 7, rtol=1e-14)
    tv = F.binary_cross_entropy_with_logits(torch.tensor(z), torch.tensor(Y), reduction="sum").item() / 7
    np.testing.assert_allclose(c(z, Y), tv, rtol=1e-13)
    assert isinstance(q, Loss) and q.reduction == c.reduction == "batchmean"
    assert gradcheck(lambda v: q(v, labels), lambda v: (q(v, labels), q.backward())[1], a) < 1e-6
    assert gradcheck(lambda v: c(v, labels), lambda v: (c(v, labels), c.backward())[1], z) < 1e-6


def test_unbatched_cross_entropy():
    x, t = RNG.normal(size=5), np.int64(3)
    np.testing.assert_allclose(cross_entropy(x, t), F.cross_entropy(torch.tensor(x), torch.tensor(t)).item(), rtol=1e-14)
    loss = CrossEntropyLoss(); loss(x, t)
    np.testing.assert_allclose(loss.backward(), softmax(x) - np.eye(5)[3], rtol=1e-14, atol=1e-16)


def test_stable_with_huge_logits():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert cross_entropy(np.array([[1000.0, 0.0]]), np.array([1])) == 1000.0
        assert binary_cross_entropy_with_logits(np.array([1000.0]), np.array([0.0])) == 1000.0
        assert binary_cross_entropy_with_logits(np.array([-1000.0]), np.array([0.0])) == 0.0


@pytest.mark.parametrize("fn", [l1_loss, mse_loss, binary_cross_entropy, binary_cross_entropy_with_logits])
def test_errors_same_shape_losses(fn):
    with pytest.raises(ValueError, match=r"^target must be an array of the input's shape \(2, 3\), got shape \(3,\)"):
        fn(np.full((2, 3), 0.5), np.full(3, 0.5))
    with pytest.raises(ValueError, match="^reduction must be one of"): fn(np.full(3, 0.5), np.full(3, 0.5), "avg")
    with pytest.raises(TypeError, match="^target must be an array of real numbers"): fn(np.full(2, 0.5), np.array(["a", "b"]))
    for bad in [None, "x", np.array([0.5 + 1j, 0.5])]:
        with pytest.raises(TypeError, match="^input must be an array of real numbers"): fn(bad, np.full(2, 0.5))


@pytest.mark.parametrize("fn", [cross_entropy, nll_loss])
def test_errors_class_losses(fn):
    x = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"^target must be class indices in \[0, 3\]"): fn(x, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match="^target must be class indices"): fn(x, np.array([-1, 0, 1]))
    with pytest.raises(TypeError, match="^target must be integer class indices"): fn(x, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(TypeError, match="^target must be"): fn(x, None)
    with pytest.raises(ValueError, match=r"^target must be one class index per row of input, shape \(3,\)"): fn(x, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"^input must be an array of shape \(N, C\) or \(C,\)"): fn(np.zeros((2, 3, 4)), np.zeros((2, 3), int))
    with pytest.raises(TypeError, match="^input must be"): fn(None, np.zeros(3, int))


def test_errors_probabilities_and_objects():
    with pytest.raises(ValueError, match=r"^input must be probabilities in \[0, 1\]"):
        binary_cross_entropy(np.array([-0.1, 0.5]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="^target must be probabilities"):
        binary_cross_entropy(np.array([0.1, 0.5]), np.array([0.0, 1.5]))
    for cls in [L1Loss, MSELoss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss]:
        with pytest.raises(ValueError, match="^reduction"): cls(reduction="average")
        with pytest.raises(TypeError, match="^reduction must be one of"): cls(reduction=None)
        with pytest.raises(RuntimeError, match="before forward"): cls().backward()
        assert cls.__module__ == "dlnotes.losses" and cls.__doc__
    assert set(REDUCTIONS) == {"mean", "sum", "none", "batchmean"}
    with pytest.raises(ValueError, match=r"^target must be labels in \[0, 2\]"): QuadraticCost()(np.zeros((2, 3)), np.array([0, 3]))


CLASSES = [L1Loss, MSELoss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss, QuadraticCost, CrossEntropyCost]


@pytest.mark.parametrize("cls", CLASSES)
def test_loss_classes_are_real_classes(cls):
    "Defined with `class`, so source, signature, docs and method names survive (show_doc shows them)."
    import inspect
    assert inspect.getsource(cls).startswith(f"class {cls.__name__}(Loss")
    assert "*args" not in str(inspect.signature(cls))
    assert cls.forward.__qualname__ == "Loss.forward" and cls.backward.__qualname__ == "Loss.backward"
    assert cls.__qualname__ == cls.__name__


@pytest.mark.parametrize("name", list(OURS))
@pytest.mark.parametrize("reduction", ["mean", "sum", "batchmean", "none"])
def test_backward_checks_grad_out(name, reduction):
    x, t = _inputs("random")[name]
    loss = OURS[name][1](reduction=reduction); v = loss(x, t)
    if reduction == "none":
        with pytest.raises(ValueError, match=rf"^grad_out must be an array of shape \({x.shape[0]},"): loss.backward(np.ones(x.shape[0] + 1))
        with pytest.raises(TypeError, match="^grad_out must be"): loss.backward("a")
        assert loss.backward(np.ones(np.shape(v))).shape == x.shape
    else:
        with pytest.raises(ValueError, match="^grad_out must be a number"): loss.backward(np.ones(3))
        with pytest.raises(TypeError, match="^grad_out must be"): loss.backward("a")
        np.testing.assert_allclose(loss.backward(np.float64(2.0)), 2 * loss.backward(), rtol=1e-15)


EXTREME = [np.array([[1e308, -1e308]]), np.array([[-1e308, 1e308], [1e308, -1e308]]), np.full((4, 3), 1e308),
           np.array([[1.7e308, -1.7e308, 0.0], [0.0, -1.7e308, 1.7e308]])]


@pytest.mark.parametrize("x", EXTREME)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
def test_softmax_family_losses_warning_free_on_extreme_logits(x, reduction):
    t = np.arange(len(x)) % x.shape[1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ce, nll = cross_entropy(x, t, reduction), nll_loss(log_softmax(x), t, reduction)
        np.testing.assert_array_equal(ce, nll)
        assert not np.any(np.isnan(ce)) and np.all(np.asarray(ce) >= 0)
        for cls in (CrossEntropyLoss, NLLLoss):
            loss = cls(reduction=reduction); loss(x if cls is CrossEntropyLoss else log_softmax(x), t)
            assert np.all(np.isfinite(loss.backward()))


def test_reductions_of_huge_terms_warning_free_and_right():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert nll_loss(np.full((4, 2), -1e308), np.zeros(4, int)) == 1e308          # the mean of four 1e308 terms
        assert nll_loss(np.full((4, 2), -1e308), np.zeros(4, int), "batchmean") == 1e308
        assert nll_loss(np.array([[-1e308], [-1e308], [1e308]]), np.zeros(3, int), "sum") == 1e308  # partial sums overflow
        assert l1_loss(np.full(5, 1e308), np.zeros(5)) == 1e308
        assert l1_loss(np.full(3, 1e308), np.zeros(3), "sum") == np.inf               # 3e308 is beyond the float range
        assert mse_loss(np.full(3, 1e308), np.zeros(3)) == np.inf and mse_loss(np.array([1e308]), np.array([-1e308])) == np.inf
        loss = MSELoss(); loss(np.array([1e308]), np.array([-1e308])); assert loss.backward()[0] == np.inf
        assert np.isnan(mse_loss(np.zeros(0), np.zeros(0)))  # the mean of no terms, as torch


def test_losses_do_not_import_data():
    "dlnotes.losses has its own one-hot: importing the model stack does not load the data module (and urllib)."
    import subprocess, sys
    code = "import sys, dlnotes.losses; assert 'dlnotes.data' not in sys.modules and 'urllib.request' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


logits_2d = arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)), elements=st.floats(-1e4, 1e4))


@settings(max_examples=200, deadline=None)
@given(logits_2d, st.data())
def test_cross_entropy_properties(x, data):
    t = np.array(data.draw(st.lists(st.integers(0, x.shape[1] - 1), min_size=x.shape[0], max_size=x.shape[0])))
    terms = cross_entropy(x, t, "none")
    assert np.all(np.isfinite(terms)) and np.all(terms >= -1e-12)
    np.testing.assert_allclose(terms, nll_loss(log_softmax(x), t, "none"), rtol=0, atol=1e-12)
    loss = CrossEntropyLoss(reduction="sum"); loss(x, t)
    g = loss.backward()
    np.testing.assert_allclose(g.sum(1), 0.0, atol=1e-12)  # softmax − one-hot sums to 0 per row
    assert np.all(g[np.arange(len(t)), t] <= 0)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(1, 10), elements=st.floats(-10, 10)), st.data())
def test_bce_with_logits_equals_bce_of_sigmoid(z, data):
    y = np.array(data.draw(st.lists(st.floats(0, 1), min_size=len(z), max_size=len(z))))
    np.testing.assert_allclose(binary_cross_entropy_with_logits(z, y, "none"), binary_cross_entropy(sigmoid(z), y, "none"),
                               rtol=1e-6, atol=1e-9)
