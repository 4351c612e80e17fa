"""Checks of dlnotes.training (chapter 05a): the Learner's events and their order, callback order, the cancel
exceptions, the scheduler callback, the History and its running/exact training metrics, the progress modes,
agreement with a torch training loop, divergence on every optimizer, the traps of issue 14 and bad input."""
import math
import re
import warnings
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlnotes.network import MLP, to_torch
from dlnotes.training import (EVENTS, Callback, CancelBatchException, CancelEpochException, CancelFitException, History,
                              Learner, ProgressCallback, SchedulerCallback, accuracy, evaluate, fit, predict, train_mlp)
from dlnotes.losses import BCEWithLogitsLoss, CrossEntropyCost, CrossEntropyLoss, MSELoss, QuadraticCost
from dlnotes.descent import SGD, DivergenceError
from dlnotes import optimizers


def toy(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 3)); return X, X.argmax(1)


def run(seed, epochs=3, **kw):
    X, y = toy()
    net = MLP([3, 8, 3], "tanh", seed=seed)
    return fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.5), X[:150], y[:150], epochs=epochs, batch_size=16,
               valid=(X[150:], y[150:]), seed=seed, progress=False, **kw)


class Log(Callback):
    "Records every event it sees (methods defined in the class body, one per event)."
    def __init__(self, tag=""): self.calls, self.tag = [], tag
    def _log(self, e): self.calls.append(self.tag + e)
    def before_fit(self, learn): self._log("before_fit")
    def before_epoch(self, learn): self._log("before_epoch")
    def before_batch(self, learn): self._log("before_batch")
    def after_pred(self, learn): self._log("after_pred")
    def after_loss(self, learn): self._log("after_loss")
    def after_backward(self, learn): self._log("after_backward")
    def after_step(self, learn): self._log("after_step")
    def after_batch(self, learn): self._log("after_batch")
    def after_epoch(self, learn): self._log("after_epoch")
    def before_validate(self, learn): self._log("before_validate")
    def after_validate(self, learn): self._log("after_validate")
    def after_fit(self, learn): self._log("after_fit")


BATCH = ["before_batch", "after_pred", "after_loss", "after_backward", "after_step", "after_batch"]


def small_fit(callbacks, epochs=2, valid=True, n=8, bs=4, **kw):
    X, y = toy(16)
    net = MLP([3, 4, 3], seed=0)
    return fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X[:n], y[:n], epochs=epochs, batch_size=bs,
               valid=(X[8:], y[8:]) if valid else None, callbacks=callbacks, progress=False, **kw)


# ---------------------------------------------------------------- events, order, cancel
def test_every_event_in_order():
    log = Log()
    small_fit([log])
    epoch = ["before_epoch", *BATCH, *BATCH, "before_validate", "after_validate", "after_epoch"]
    assert log.calls == ["before_fit", *epoch, *epoch, "after_fit"]
    assert set(log.calls) == set(EVENTS) and len(EVENTS) == 12


def test_no_validation_events_without_valid():
    log = Log()
    small_fit([log], epochs=1, valid=False)
    assert log.calls == ["before_fit", "before_epoch", *BATCH, *BATCH, "after_epoch", "after_fit"]


def test_callbacks_run_in_order_of_order_then_given():
    a, b, c = Log("a:"), Log("b:"), Log("c:")
    b.order, c.order = -5, 10          # an instance attribute overrides the class's order
    small_fit([a, b, c], epochs=1)
    fits = [x for x in a.calls + b.calls + c.calls if x.endswith("before_fit")]
    assert fits == ["a:before_fit", "b:before_fit", "c:before_fit"]   # each logs into its own list
    seen = []
    class Mark(Callback):
        def __init__(self, name, order): self.name, self.order = name, order
        def before_fit(self, learn): seen.append(self.name)
    small_fit([Mark("late", 5), Mark("first", -1), Mark("mid1", 0), Mark("mid2", 0)], epochs=1)
    assert seen == ["first", "mid1", "mid2", "late"]


def test_only_overridden_events_are_called():
    class Only(Callback):
        def after_step(self, learn): pass
    X, y = toy(16); net = MLP([3, 4, 3], seed=0)
    learn = Learner(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X, y, 4, callbacks=[Only()])
    assert [e for e in EVENTS if learn._events[e]] == ["after_step"]


def test_cancel_batch_skips_the_step_but_not_after_batch():
    class SkipOdd(Callback):
        def after_loss(self, learn):
            if learn.loss and self.n % 2: self.n += 1; raise CancelBatchException()
            self.n += 1
        def before_fit(self, learn): self.n = 0
    log = Log()
    X, y = toy(16); net = MLP([3, 4, 3], seed=0)
    learn = Learner(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X, y, 4, callbacks=[SkipOdd(), log])
    h = learn.fit(2)
    assert learn.step == 4 and h.epochs == [1, 2]           # 8 batches, every second one cancelled
    assert log.calls.count("after_batch") == 8 and log.calls.count("after_step") == 4


def test_cancel_epoch_ends_training_of_the_epoch_but_records_it():
    class OneBatch(Callback):
        def after_batch(self, learn): raise CancelEpochException()
    log = Log()
    X, y = toy(40); net = MLP([3, 4, 3], seed=0)
    learn = Learner(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X[:20], y[:20], 5,
                    valid=(X[20:], y[20:]), callbacks=[OneBatch(), log])
    h = learn.fit(3)
    assert learn.step == 3 and h.epochs == [1, 2, 3] and log.calls.count("after_validate") == 3


def test_cancel_fit_mid_epoch_keeps_complete_epochs_and_runs_after_fit():
    class StopAt(Callback):
        def after_step(self, learn):
            if learn.step == 7: raise CancelFitException()
    log = Log()
    X, y = toy(40); net = MLP([3, 4, 3], seed=0)
    h = fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X, y, 5, 10, callbacks=[StopAt(), log], progress=False)
    assert h.epochs == [1] and log.calls[-1] == "after_fit" and log.calls.count("after_epoch") == 1


def test_after_fit_runs_when_training_diverges():
    log = Log()
    X, y = toy(); net = MLP([3, 16, 3], "relu", seed=0)
    with pytest.raises(DivergenceError):
        fit(net, MSELoss(), SGD(net.parameters(), lr=1000.0), X, y, 20, 20, callbacks=[log], progress=False)
    assert log.calls[-1] == "after_fit"


def test_learner_state_seen_by_callbacks():
    seen = {}
    class Spy(Callback):
        def after_pred(self, learn): seen.setdefault("pred", learn.pred.shape)
        def after_loss(self, learn): seen.setdefault("loss", learn.loss)
        def after_backward(self, learn):
            seen.setdefault("grad_norm", float(sum((p.grad ** 2).sum() for p in learn.model.parameters())))
            seen.setdefault("data", [p.data.copy() for p in learn.model.parameters()])
            learn.extra_loss += 1.0
        def after_validate(self, learn): seen["valid"] = dict(learn.valid_metrics)
        def before_fit(self, learn): seen["n"], seen["epochs"], seen["lr"] = learn.n_train, learn.epochs, learn.lr
    X, y = toy(30)
    net = MLP([3, 4, 3], seed=0)
    before = [p.data.copy() for p in net.parameters()]
    h = fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X[:20], y[:20], 1, 20, valid=(X[20:], y[20:]),
            callbacks=[Spy()], progress=False, exact_train_metrics=True)
    assert seen["pred"] == (20, 3) and seen["grad_norm"] > 0 and (seen["n"], seen["epochs"], seen["lr"]) == (20, 1, 0.1)
    for a, b in zip(seen["data"], before): np.testing.assert_array_equal(a, b)   # before opt.step
    assert h["train_loss"][0] == pytest.approx(evaluate(net, CrossEntropyLoss(), X[:20], y[:20])[0] + 1.0)
    assert seen["valid"] == {"valid_loss": h["valid_loss"][0], "valid_acc": h["valid_acc"][0]}


def test_fit_twice_continues_the_history():
    X, y = toy(40); net = MLP([3, 4, 3], seed=0)
    learn = Learner(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X, y, 10, seed=0)
    learn.fit(2); h = learn.fit(3)
    assert h.epochs == [1, 2, 3, 4, 5] and learn.epoch == learn.epochs == 5 and learn.step == 20


def test_one_batch_is_one_sgd_step():
    X, y = toy(10); net = MLP([3, 4, 3], seed=0); twin = to_torch(net)
    learn = Learner(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.3), X, y, 10)
    assert learn.one_batch(X, y) is True and learn.step == 1
    opt = torch.optim.SGD(twin.parameters(), lr=0.3)
    F.cross_entropy(twin(torch.from_numpy(X)), torch.from_numpy(y)).backward(); opt.step()
    for p, tp in zip(net.parameters(), twin.parameters()): np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-12)


# ---------------------------------------------------------------- history and metrics
def test_fit_deterministic():
    h1, h2, h3 = run(5), run(5), run(6)
    assert dict(h1) == dict(h2) and h1.epochs == h2.epochs == [1, 2, 3]
    assert dict(h1) != dict(h3)


def test_exact_train_metrics_match_evaluate_and_running_means_do_not():
    X, y = toy()
    net = MLP([3, 16, 3], "tanh", seed=0)
    h = fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.5), X, y, epochs=15, batch_size=10, seed=0, progress=False,
            exact_train_metrics=True)
    assert h["train_acc"][-1] > 0.9 and h["train_loss"][-1] < h["train_loss"][0]
    loss, acc = evaluate(net, CrossEntropyLoss(), X, y)
    assert loss == pytest.approx(h["train_loss"][-1], rel=1e-12) and acc == pytest.approx(h["train_acc"][-1])
    assert accuracy(net, X, y) == pytest.approx(acc) and predict(net, X).shape == (len(X),)
    net2 = MLP([3, 16, 3], "tanh", seed=0)
    r = fit(net2, CrossEntropyLoss(), SGD(net2.parameters(), lr=0.5), X, y, epochs=15, batch_size=10, seed=0, progress=False)
    for a, b in zip(net.parameters(), net2.parameters()): np.testing.assert_array_equal(a.data, b.data)  # same training
    assert r["train_loss"] != h["train_loss"]                 # running means of the batches, not the end-of-epoch pass
    assert abs(r["train_loss"][-1] - h["train_loss"][-1]) < 0.1 and abs(r["train_acc"][-1] - h["train_acc"][-1]) < 0.1


def test_running_means_are_the_batch_averages():
    "Running metrics = mean over the epoch's batches (weighted by size) of the loss and accuracy seen in training."
    X, y = toy(25)
    losses, hits = [], []
    class Rec(Callback):
        def after_backward(self, learn):
            losses.append((learn.loss, len(learn.xb))); hits.append(int((learn.pred.argmax(1) == learn.yb).sum()))
    net = MLP([3, 4, 3], seed=0)
    h = fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X, y, 1, 10, callbacks=[Rec()], progress=False)
    assert [n for _, n in losses] == [10, 10, 5]
    assert h["train_loss"][0] == pytest.approx(sum(l * n for l, n in losses) / 25, rel=1e-12)
    assert h["train_acc"][0] == pytest.approx(sum(hits) / 25)


def test_history_api():
    h = History()
    assert len(h) == 0 and h.epochs == [] and repr(h) == "History(0 epochs)"
    h.append(a=1.0); h.append(a=2.0, b=5.0); h.append(b=3.0)
    assert h.epochs == [1, 2, 3] and math.isnan(h["b"][0]) and math.isnan(h["a"][2])
    assert h.best("a") == (2, 2.0) and h.best("b", mode="min") == (3, 3.0)
    with pytest.raises(ValueError, match="mode"): h.best("a", mode="median")
    with pytest.raises(ValueError, match="key must be one of 'a', 'b'"): h.best("c")
    with pytest.raises(TypeError, match="key must be"): h.best(3)


def test_fit_matches_torch_training():
    "A few epochs of our fit = the same SGD loop in torch (same init, same batch order), float64."
    X, y = toy(60)
    net = MLP([3, 5, 3], "sigmoid", seed=1)
    tn = to_torch(net)
    h = fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.3), X, y, epochs=3, batch_size=8, seed=4, progress=False,
            exact_train_metrics=True)
    opt = torch.optim.SGD(tn.parameters(), lr=0.3)
    rng = np.random.default_rng(4)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    for _ in range(3):
        order = rng.permutation(len(X))
        for i in range(0, len(X), 8):
            b = torch.from_numpy(order[i:i + 8])
            opt.zero_grad(); F.cross_entropy(tn(Xt[b]), yt[b]).backward(); opt.step()
    for p, tp in zip(net.parameters(), tn.parameters()): np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert h["train_loss"][-1] == pytest.approx(F.cross_entropy(tn(Xt), yt).item(), rel=1e-10)


def test_one_hot_conversion_for_quadratic_and_ce_cost():
    X, y = toy()
    for loss, out in [(QuadraticCost(), "sigmoid"), (CrossEntropyCost(), None), (MSELoss(), None), (BCEWithLogitsLoss(), None)]:
        net = MLP([3, 8, 3], seed=0, output=out)
        h = fit(net, loss, SGD(net.parameters(), lr=1.0), X, y, epochs=2, batch_size=10, seed=0, progress=False)
        assert np.isfinite(h["train_loss"]).all() and len(h["train_acc"]) == 2


def test_float32_training_stays_float32():
    X, y = toy()
    net = MLP([3, 8, 3], "relu", dtype=np.float32, seed=0)
    h = fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.3), X, y, epochs=3, batch_size=10, seed=0, progress=False)
    assert all(p.data.dtype == np.float32 for p in net.parameters())
    assert h["train_acc"][-1] > 0.7


def test_train_mlp_is_mlp_plus_optimizer_plus_fit():
    X, y = toy()
    net, h = train_mlp([3, 8, 3], CrossEntropyLoss(), X, y, 3, 16, 0.5, activation="tanh", seed=2)
    net2 = MLP([3, 8, 3], "tanh", seed=2)
    h2 = fit(net2, CrossEntropyLoss(), SGD(net2.parameters(), lr=0.5), X, y, 3, 16, seed=2, progress=False)
    assert dict(h) == dict(h2)
    _, h3 = train_mlp([3, 8, 3], CrossEntropyLoss(), X, y, 2, 16, 0.01, opt_func=optimizers.Adam, seed=2)
    assert h3.epochs == [1, 2]


# ---------------------------------------------------------------- schedulers
class Halve:
    def __init__(self, opt): self.opt, self.calls = opt, []
    def step(self, metric=None): self.calls.append(metric); self.opt.lr = self.opt.lr / 2


@pytest.mark.parametrize("every, steps", [("epoch", 3), ("batch", 12)])
def test_scheduler_callback_steps_per_epoch_or_batch(every, steps):
    X, y = toy(40); net = MLP([3, 4, 3], seed=0); opt = SGD(net.parameters(), lr=1.0)
    cb = SchedulerCallback(Halve(opt), every=every)
    fit(net, CrossEntropyLoss(), opt, X, y, 3, 10, callbacks=[cb], progress=False)
    assert len(cb.lrs) == steps and cb.lrs[-1] == 0.5 ** steps and opt.lr == 0.5 ** steps


def test_scheduler_callback_passes_the_monitored_metric():
    X, y = toy(40); net = MLP([3, 4, 3], seed=0); opt = SGD(net.parameters(), lr=1.0)
    sched = Halve(opt)
    h = fit(net, CrossEntropyLoss(), opt, X[:30], y[:30], 3, 10, valid=(X[30:], y[30:]),
            callbacks=[SchedulerCallback(sched, monitor="valid_loss")], progress=False)
    assert sched.calls == h["valid_loss"]
    with pytest.raises(ValueError, match="monitor='valid_loss' is not recorded"):
        fit(net, CrossEntropyLoss(), opt, X, y, 1, 10, callbacks=[SchedulerCallback(sched, monitor="valid_loss")], progress=False)


def test_scheduler_callback_with_the_book_schedulers():
    X, y = toy(40); net = MLP([3, 4, 3], seed=0); opt = SGD(net.parameters(), lr=1.0)
    cb = SchedulerCallback(optimizers.StepLR(opt, step_size=2, gamma=0.1))
    fit(net, CrossEntropyLoss(), opt, X, y, 4, 10, callbacks=[cb], progress=False)
    assert cb.lrs == pytest.approx([1.0, 0.1, 0.1, 0.01])
    net = MLP([3, 4, 3], seed=0); opt = SGD(net.parameters(), lr=1.0)
    plateau = SchedulerCallback(optimizers.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=0), monitor="valid_acc")
    fit(net, CrossEntropyLoss(), opt, X[:30], y[:30], 6, 10, valid=(X[30:], y[30:]), callbacks=[plateau], progress=False)
    assert len(plateau.lrs) == 6 and min(plateau.lrs) < 1.0


def test_scheduler_callback_bad_input():
    with pytest.raises(TypeError, match="scheduler must be"): SchedulerCallback(None)
    with pytest.raises(ValueError, match="every must be one of"): SchedulerCallback(Halve(None), every="step")
    with pytest.raises(ValueError, match="every must be"): SchedulerCallback(Halve(None), every="batch", monitor="valid_loss")


# ---------------------------------------------------------------- progress
def test_progress_false_prints_nothing(capsys):
    run(0, epochs=3)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("epochs", [1, 3, 40, 400])
def test_progress_in_a_log_is_a_few_summary_rows(capsys, epochs):
    X, y = toy(20)
    net = MLP([3, 4, 3], seed=0)
    fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.5), X, y, epochs=epochs, batch_size=20, seed=0)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split()[0] == "epoch" and lines[-1].split()[0] == str(epochs)
    assert 2 <= len(lines) <= 7 and len(lines) == min(epochs, 5) + 1 or epochs == 400 and len(lines) <= 7


def test_progress_early_stop_prints_the_last_epoch(capsys):
    class Stop(Callback):
        def after_epoch(self, learn):
            if learn.epoch == 7: raise CancelFitException()
    X, y = toy(20); net = MLP([3, 4, 3], seed=0)
    fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.5), X, y, epochs=100, batch_size=20, callbacks=[Stop()])
    assert capsys.readouterr().out.strip().splitlines()[-1].split()[0] == "7"


def test_progress_live_is_one_updating_line(capsys):
    X, y = toy(40); net = MLP([3, 4, 3], seed=0)
    fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.5), X, y, epochs=30, batch_size=10,
        callbacks=[ProgressCallback(live=True)], progress=False)
    out = capsys.readouterr().out
    assert out.count("\n") <= 1 and "\r" in out and "epoch 30/30" in out


def test_progress_callback_bad_input():
    with pytest.raises(ValueError, match="max_rows"): ProgressCallback(max_rows=1)
    net = MLP([3, 3], seed=0)
    with pytest.raises(TypeError, match="progress must be"):
        fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), *toy(4), 1, 2, progress="yes")


# ---------------------------------------------------------------- divergence
def _optimizer(name, params, lr):
    return {"sgd": lambda: SGD(params, lr=lr), "momentum": lambda: optimizers.SGD(params, lr=lr, momentum=0.9),
            "nesterov": lambda: optimizers.SGD(params, lr=lr, momentum=0.9, nesterov=True),
            "adam": lambda: optimizers.Adam(params, lr=lr), "rmsprop": lambda: optimizers.RMSprop(params, lr=lr),
            "adagrad": lambda: optimizers.Adagrad(params, lr=lr)}[name]()


@pytest.mark.parametrize("opt_name", ["sgd", "momentum", "nesterov", "adam", "rmsprop", "adagrad"])
@pytest.mark.parametrize("act, loss", [("sigmoid", CrossEntropyCost), ("relu", CrossEntropyLoss), ("tanh", MSELoss)])
def test_diverging_runs_raise_naming_lr_and_epoch_without_warnings(opt_name, act, loss):
    X, y = toy(100)
    net = MLP([3, 16, 3], act, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # no RuntimeWarning on the way
        with pytest.raises(DivergenceError, match=r"epoch \d+.*lr=1000000\.0"):
            fit(net, loss(), _optimizer(opt_name, net.parameters(), 1e6), X, y, epochs=30, batch_size=10, seed=0, progress=False)


@pytest.mark.parametrize("lr", [1e300, 1e100, 1e20])
@pytest.mark.parametrize("loss", [CrossEntropyCost, CrossEntropyLoss])
def test_sigmoid_net_at_absurd_lr_raises(lr, loss):
    X, y = toy(100)
    net = MLP([3, 16, 3], "sigmoid", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError, match=re.escape(f"lr={lr}")):
            fit(net, loss(), SGD(net.parameters(), lr=lr), X, y, epochs=30, batch_size=10, progress=False)


def test_good_runs_do_not_trip_the_divergence_rule():
    for opt_name, lr in [("sgd", 0.5), ("momentum", 0.1), ("adam", 0.01), ("rmsprop", 0.01), ("adagrad", 0.1)]:
        X, y = toy(100); net = MLP([3, 16, 3], "tanh", seed=0)
        h = fit(net, CrossEntropyLoss(), _optimizer(opt_name, net.parameters(), lr), X, y, 10, 10, seed=0, progress=False)
        assert np.isfinite(h["train_loss"]).all() and h["train_loss"][-1] < h["train_loss"][0], opt_name


def test_non_finite_parameter_is_divergence():
    class Poison(Callback):
        def after_epoch(self, learn): pass
        def after_step(self, learn):
            if learn.step == 3: learn.model[0].bias.data[0] = np.nan
    X, y = toy(40); net = MLP([3, 4, 3], seed=0)
    with pytest.raises(DivergenceError, match="epoch 1"):
        fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X, y, 3, 10, callbacks=[Poison()], progress=False)


# ---------------------------------------------------------------- traps (issue 14)
def test_optimizer_of_another_network_is_refused():
    X, y = toy(20); net = MLP([3, 4, 3], seed=0)
    other = MLP([3, 4, 3], seed=0)
    with pytest.raises(ValueError, match="built for another network"):
        fit(net, CrossEntropyLoss(), SGD(other.parameters(), lr=0.1), X, y, 1, 10, progress=False)
    # an optimizer over part of the model (freezing layers, as in torch) is fine
    h = fit(net, CrossEntropyLoss(), SGD(net[2].parameters(), lr=0.1), X, y, 1, 10, progress=False)
    assert h.epochs == [1]


@pytest.mark.parametrize("output, loss", [("sigmoid", CrossEntropyCost), ("sigmoid", BCEWithLogitsLoss),
                                          ("softmax", CrossEntropyLoss), ("sigmoid", CrossEntropyLoss)])
def test_output_activation_before_a_logits_loss_is_refused(output, loss):
    X, y = toy(20); net = MLP([3, 4, 3], output=output, seed=0)
    with pytest.raises(ValueError, match="applied twice"):
        fit(net, loss(), SGD(net.parameters(), lr=0.1), X, y, 1, 10, progress=False)


def test_probability_outputs_with_probability_losses_are_fine():
    X, y = toy(20); net = MLP([3, 4, 3], output="sigmoid", seed=0)
    assert fit(net, QuadraticCost(), SGD(net.parameters(), lr=0.1), X, y, 1, 10, progress=False).epochs == [1]


@pytest.mark.parametrize("make", [lambda X: (X * 255).astype(np.uint8), lambda X: (X * 255).round(),
                                  lambda X: (X * 255).astype(np.int64)])
def test_unscaled_pixels_warn(make):
    X, y = toy(20); net = MLP([3, 4, 3], seed=0)
    with pytest.warns(UserWarning, match=r"X / 255"):
        fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), make(X), y, 1, 10, progress=False)
    with pytest.warns(UserWarning, match=r"valid\[0\]"):
        fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X, y, 1, 10, valid=(make(X), y), progress=False)


def test_scaled_inputs_do_not_warn():
    X, y = toy(20); net = MLP([3, 4, 3], seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for Xs in (X, X - 0.5, 3 * X, (X > 0.5).astype(np.float64), (X > 0.5).astype(np.int64)):
            fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), Xs, y, 1, 10, progress=False)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("args, kw, exc, match", [
    (lambda X, y: (X[:, :2], y), {}, ValueError, "X must fit the model"),
    (lambda X, y: (X[0], y), {}, ValueError, "2-D"),
    (lambda X, y: (X, y + 3), {}, ValueError, "labels outside"),
    (lambda X, y: (X, -y - 1), {}, ValueError, "labels outside"),
    (lambda X, y: (X, y[:-3]), {}, ValueError, "shape"),
    (lambda X, y: (X, y.astype(float)), {}, TypeError, "integer class labels"),
    (lambda X, y: (X, y), {"epochs": 0}, ValueError, "epochs"),
    (lambda X, y: (X, y), {"epochs": 2.0}, TypeError, "epochs"),
    (lambda X, y: (X, y), {"batch_size": 0}, ValueError, "batch_size"),
    (lambda X, y: (X, y), {"batch_size": -5}, ValueError, "batch_size"),
    (lambda X, y: (X, y), {"valid": ([1, 2], [0])}, ValueError, "valid\\[0\\]"),
    (lambda X, y: (X, y), {"valid": "data"}, TypeError, "valid must be"),
    (lambda X, y: (X, y), {"metrics": ("loss", "auc")}, ValueError, "metrics"),
    (lambda X, y: (X, y), {"metrics": "loss"}, TypeError, "metrics"),
    (lambda X, y: (X, y), {"seed": -1}, ValueError, "seed"),
    (lambda X, y: (X, y), {"exact_train_metrics": 1}, TypeError, "exact_train_metrics"),
    (lambda X, y: (np.zeros((0, 3)), y[:0]), {}, ValueError, "non-empty"),
    (lambda X, y: (X.astype(str), y), {}, TypeError, "X must be"),
    (lambda X, y: (None, y), {}, TypeError, "X must be"),
    (lambda X, y: (X + 1j, y), {}, TypeError, "X must be"),
    (lambda X, y: (X, y), {"callbacks": SchedulerCallback(Halve(None))}, TypeError, "wrap it in a list"),
    (lambda X, y: (X, y), {"callbacks": [3]}, TypeError, r"callbacks\[0\] must be a Callback"),
    (lambda X, y: (X, y), {"callbacks": None}, TypeError, "callbacks must be a list"),
    (lambda X, y: (X, y), {"callbacks": "cb"}, TypeError, "callbacks must be a list"),
])
def test_bad_input(args, kw, exc, match):
    X, y = toy(30)
    net = MLP([3, 4, 3], seed=0)
    kw = {"epochs": 1, "batch_size": 10, "progress": False, **kw}
    with pytest.raises(exc, match=match):
        fit(net, CrossEntropyLoss(), SGD(net.parameters(), lr=0.1), *args(X, y), **kw)


@pytest.mark.parametrize("model, loss, opt, match", [
    ("net", CrossEntropyLoss(), "ok", "model must be a Module"),
    (None, CrossEntropyLoss(), "ok", "model must be a Module"),
    ("ok", "ce", "ok", "loss must be"),
    ("ok", None, "ok", "loss must be"),
    ("ok", CrossEntropyLoss(), None, "opt must be an optimizer"),
    ("ok", CrossEntropyLoss(), 0.1, "opt must be an optimizer"),
])
def test_bad_objects_are_type_errors(model, loss, opt, match):
    X, y = toy(30); net = MLP([3, 4, 3], seed=0)
    model = net if model == "ok" else model
    opt = SGD(net.parameters(), lr=0.1) if opt == "ok" else opt
    with pytest.raises(TypeError, match=match): fit(model, loss, opt, X, y, 1, 10, progress=False)


def test_predict_accuracy_evaluate_bad_input_and_modes():
    X, y = toy(30); net = MLP([3, 4, 3], seed=0)
    with pytest.raises(ValueError, match="labels outside"): accuracy(net, X, y + 5)
    with pytest.raises(TypeError, match="X must be"): predict(net, None)
    with pytest.raises(ValueError, match="batch_size"): predict(net, X, batch_size=0)
    with pytest.raises(TypeError, match="loss must be"): evaluate(net, None, X, y)
    net.eval(); predict(net, X); assert net.training is False
    net.train(); evaluate(net, CrossEntropyLoss(), X, y); assert net.training is True


def test_methods_and_classes_have_real_names():
    for cls in (Callback, Learner, History, ProgressCallback, SchedulerCallback):
        for name, f in vars(cls).items():
            if callable(f) and not name.startswith("__"): assert f.__qualname__ == f"{cls.__name__}.{name}", (cls, name)
