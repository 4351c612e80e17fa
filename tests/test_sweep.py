"""The project's bad-input sweep (issue 14): every public callable of every dlnotes module, found by introspection,
gets bad values for each of its arguments, and must answer with a clear error.

How it works
* **Discovery.** For every module `dlnotes.<name>` (private `_modules` excluded), every name in `__all__` that is
  defined there: functions, classes (their constructor) and the public methods of those classes. A new function
  is swept automatically; `test_sweep_covers_everything` fails when the sweep cannot build a valid call for it
  (then add its arguments to `VALID`/`CALLS` below).
* **A valid call first.** Each callable is first called with valid arguments (`VALID`, by argument name, and
  `CALLS`, per callable); then one argument at a time is replaced by a bad value.
* **Kinds of argument.** The kind of an argument comes from its name (`KINDS`), else from its default (bool, int,
  float, str); `KIND_OVERRIDES` settles names that mean different things in different places. Each kind has
  * values that are wrong everywhere (`must`): the call must raise `TypeError` or `ValueError` whose message names
    the argument, or a documented domain error (`DOMAIN_ERRORS`: `DivergenceError`, `MNISTUnavailable`,
    `ImportError`, ...);
  * values that may be fine (`may`: extreme but finite numbers, other shapes, NaN data): the call may succeed, but
    if it raises, it must be one of those clear errors;
  * a hypothesis strategy of more wrong values (`GEN`), drawn with the project's derandomized profile.
* **Never**: `AttributeError`, `IndexError`, `KeyError`, `ZeroDivisionError`, `OverflowError`, a `RuntimeWarning`
  (warnings are errors here), a `TypeError`/`ValueError` that does not name the argument (a numpy/torch error
  leaking), a silent success on a `must` value, or a call running longer than `CALL_TIMEOUT` seconds.

Each failure reads `module.function(arg=value): what happened`. `python tests/test_sweep.py --report FILE` writes
all current failures, grouped by module, to FILE (the session writes /work/spec/SWEEP.md this way).
"""
import atexit
import contextlib
import importlib
import inspect
import io
import itertools
import math
import os
import pkgutil
import re
import shutil
import signal
import sys
import tempfile
import time
import types
import warnings
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import dlnotes

CALL_TIMEOUT = 5.0          # seconds per call (the valid calls take milliseconds)
N_GENERATED = 6             # hypothesis examples per callable, on top of the fixed bad values

# --------------------------------------------------------------------------------------------------- discovery
SKIP_MODULES = set()        # none: every public module is swept
# Callables deliberately not swept, and why.
SKIP = {
    "guess.main": "a command line: tests/test_guess.py runs it with bad options",
    "reproduce.main": "a command line: tests/test_cli.py runs it with bad options",
    "exercises.register": "adds to the book's global exercise table: a valid call would change the book",
}
# Methods an algorithm overrides and the base class calls (Optimizer.update/check): swept through the constructor and step().
OVERRIDDEN = {"update", "check"}
# Event methods of callbacks are called by the training loop with the learner, never by a user.
HOOK = re.compile(r"^(on|before|after)_")
# Abstract bases: their constructors and methods are swept through their concrete subclasses.
ABSTRACT = {"activations.Module", "losses.Loss", "descent.Optimizer", "optimizers.LRScheduler", "network.Callback",
            "training.Callback"}


class Target(NamedTuple):
    name: str               # "module.function", "module.Class" or "module.Class.method"
    module: str
    obj: object             # the function or class
    cls: type = None        # for a method: its class
    method: str = None


def _is_record(c):
    "NamedTuples and dataclasses are plain records (no checks by design); exceptions are not called with data."
    import dataclasses
    return (issubclass(c, tuple) and hasattr(c, "_fields")) or issubclass(c, BaseException) or dataclasses.is_dataclass(c)


def _modules():
    for m in sorted(pkgutil.iter_modules(dlnotes.__path__), key=lambda m: m.name):
        if m.name.startswith("_") or m.name in SKIP_MODULES: continue
        yield importlib.import_module(f"dlnotes.{m.name}")


def discover():
    "Every public callable of every dlnotes module, once, under the module that defines it."
    out, seen = [], set()
    for mod in _modules():
        short = mod.__name__.split(".", 1)[1]
        for n in getattr(mod, "__all__", []):
            o = getattr(mod, n, None)
            if not callable(o) or getattr(o, "__module__", None) != mod.__name__ or id(o) in seen: continue
            seen.add(id(o))
            if inspect.isclass(o):
                if _is_record(o) or f"{short}.{n}" in ABSTRACT: continue
                out.append(Target(f"{short}.{n}", short, o))
                for m, f in inspect.getmembers(o):
                    if m.startswith("_") or HOOK.match(m) or isinstance(inspect.getattr_static(o, m), property): continue
                    if m in OVERRIDDEN and any(b.__name__ == "Optimizer" for b in o.__mro__): continue
                    if not callable(f) or not (getattr(f, "__module__", None) or "").startswith("dlnotes"): continue
                    out.append(Target(f"{short}.{n}.{m}", short, f, o, m))
            else:
                out.append(Target(f"{short}.{n}", short, o))
    return [t for t in out if t.name not in SKIP]


def _find(name):
    "A public object of dlnotes by name, from whichever module defines it now (APIs move between chapters)."
    for mod in _modules():
        o = getattr(mod, name, None)
        if o is not None and getattr(o, "__module__", mod.__name__) == mod.__name__: return o
    for mod in _modules():
        if hasattr(mod, name): return getattr(mod, name)
    raise LookupError(name)


# --------------------------------------------------------------------------------------------------- valid values
def _rng(): return np.random.default_rng(0)
def _mlp(sizes=(3, 4, 2), **kw): return _find("MLP")(list(sizes), seed=0, **kw)


def _opt_for(model, lr=0.1):
    try: SGD = importlib.import_module("dlnotes.optimizers").SGD
    except (ImportError, AttributeError): SGD = _find("SGD")
    try: return SGD(model.parameters(), lr=lr, momentum=0.9)
    except TypeError: return SGD(model.parameters(), lr=lr)


def _trained_history():
    h = _find("History")()
    h.append(train_loss=1.0, valid_acc=0.5); h.append(train_loss=0.5, valid_acc=0.7)
    return h


_TMP = Path(tempfile.mkdtemp(prefix="dlnotes-sweep-"))
atexit.register(shutil.rmtree, _TMP, True)


def _tiny_mnist_dir():
    "Four tiny raw IDX files (no checksums apply), written once."
    d = _TMP / "mnist"
    if not d.exists():
        from dlnotes.data import MNIST_FILES, write_idx
        d.mkdir()
        r = _rng()
        for name, a in zip(MNIST_FILES, (r.integers(0, 256, (24, 28, 28), dtype=np.uint8), np.arange(24, dtype=np.uint8) % 10,
                                          r.integers(0, 256, (6, 28, 28), dtype=np.uint8), np.arange(6, dtype=np.uint8) % 10)):
            write_idx(d / name, a)
    return d


def _tiny_splits(n_in=64):
    DataSplits, Split = _find("DataSplits"), _find("Split")
    r = _rng()
    def s(n): return Split(r.random((n, n_in)), np.arange(n) % 10)
    return DataSplits(s(20), s(10), s(10))


def _table_lm():
    return _find("NGramTable").random(vocab_size=4, context=2, seed=0)


def _char_model():
    return _find("char_lm")(5, context=3, emb=4, hidden=8, seed=0)


def _reproduce_res():
    return _find("reproduce")(dataset="digits", rungs=["ch3-crossentropy-30"], seeds=(0,), epochs=1, progress=False)


_CACHE = {}
def _cached(key, f):
    "Expensive valid values that a call never mutates (a reproduce result, the char LM's vocabulary)."
    if key not in _CACHE: _CACHE[key] = f()
    return _CACHE[key]


# Valid values by argument name: functions of the call's context `c` (a dict of the values chosen so far), so that
# model, optimizer, data and labels fit together. Fresh for every call.
VALID = {
    "x": lambda c: _rng().uniform(-1, 1, (4, 3)), "X": lambda c: _rng().random((6, 3)),
    "y": lambda c: np.array([0, 1, 0, 1, 1, 0]), "input": lambda c: _rng().normal(size=(6, 2)),
    "target": lambda c: np.array([0, 1, 0, 1, 1, 0]), "grad_out": lambda c: None,
    "model": lambda c: _mlp(), "opt": lambda c: _opt_for(c["model"]), "optimizer": lambda c: _opt_for(_mlp()),
    "loss": lambda c: _find("CrossEntropyLoss")(), "epochs": lambda c: 1, "batch_size": lambda c: 3,
    "progress": lambda c: False, "verbose": lambda c: False, "seed": lambda c: 0, "rng": lambda c: _rng(),
    "n_in": lambda c: 3, "n_out": lambda c: 2, "sizes": lambda c: [3, 4, 2], "n": lambda c: 5, "steps": lambda c: 3,
    "lr": lambda c: 0.1, "w": lambda c: np.zeros((4, 3)), "params": lambda c: _mlp().parameters(),
    "parameters": lambda c: _mlp().parameters(), "data": lambda c: _tiny_splits(),
    "f": lambda c: (lambda x: np.sum(np.asarray(x) ** 2)), "grad_f": lambda c: (lambda x: 2 * np.asarray(x)),
    "grad": lambda c: (lambda *x: 2 * np.asarray(x)), "x0": lambda c: np.array([1.0, -1.0]),
    "make_opt": lambda c: (lambda ps: _find("SGD")(ps, lr=0.1)), "game": lambda c: _find("GuessingGame")(0, 100, target=37),
    "strategy": lambda c: _find("bisection"), "feedback": lambda c: None, "nonlinearity": lambda c: "relu",
    "fn": lambda c: _find("normal_"), "lmbda": lambda c: 0.1, "max_norm": lambda c: 1.0, "step_size": lambda c: 2,
    "gamma": lambda c: 0.5, "base_lr": lambda c: 0.01, "max_lr": lambda c: 0.1, "metric": lambda c: 1.0,
    "train_fn": lambda c: (lambda lr: -abs(lr - 0.1)), "space": lambda c: {"lr": [0.01, 0.1]}, "low": lambda c: 0.001,
    "high": lambda c: 1.0, "n_trials": lambda c: 3, "path": lambda c: _TMP / "sweep.idx", "a": lambda c: np.arange(6, dtype=np.uint8),
    "root": lambda c: _tiny_mnist_dir(), "download": lambda c: False, "valid_size": lambda c: 4,
    "step_fn": lambda c: _table_lm(), "step_fn_batched": lambda c: _table_lm().batched, "bos": lambda c: 4, "eos": lambda c: 0,
    "max_len": lambda c: 3, "beam_width": lambda c: 2, "vocab_size": lambda c: 4,
    "logp": lambda c: _table_lm().logp, "prefixes": lambda c: [(4,), (4, 1)], "score": lambda c: -1.5, "length": lambda c: 3,
    "text": lambda c: "abcab cab", "n_chars": lambda c: 5, "prompt_ids": lambda c: [0, 1],
    "rung": lambda c: _find("LADDER")[2], "res": lambda c: _cached("res", _reproduce_res),
    "data_dir": lambda c: _TMP / "no-mnist", "dataset": lambda c: "digits", "rungs": lambda c: ["ch3-crossentropy-30"],
    "seeds": lambda c: (0,), "quick_epochs": lambda c: 1,
    "images": lambda c: _rng().random((3, 64)), "samples": lambda c: _rng().normal(size=50),
    "curves": lambda c: {"a": [1.0, 0.5, 0.2]},
    "hess": lambda c: np.eye(2), "key": lambda c: "valid_acc",
    "layers": lambda c: (_find("Linear")(3, 4, seed=0), _find("Sigmoid")(), _find("Linear")(4, 2, seed=0)),
    "angles": lambda c: np.array([0.0, 10.0, -10.0]), "dx": lambda c: 1, "dy": lambda c: -1,
    "val": lambda c: 0.5, "ax": lambda c: _find("new_ax")(),
    "loss_func": lambda c: _find("CrossEntropyLoss")(), "xb": lambda c: _rng().random((3, 3)), "yb": lambda c: np.array([0, 1, 1]),
    "scheduler": lambda c: _find("StepLR")(_opt_for(_mlp()), 2), "weight_decay": lambda c: 0.01,
    "group": lambda c: {"params": [_find("Parameter")(np.zeros(2))]}, "layer": lambda c: _find("Linear")(3, 2, seed=0),
    "G": lambda c: _rng().normal(size=(4, 2)), "first_loss": lambda c: 1.0,
    "rows": lambda c: [[1, 2.5], ["a", None]], "headers": lambda c: ["x", "y"], "html": lambda c: "<div></div>",
    "words": lambda c: ["<eos>", "a", "b"], "table": lambda c: {(): {"a": 0.6, "b": 0.4}, ("a",): {"<eos>": 1.0}},
    "n_frames": lambda c: 1, "draw": lambda c: (lambda fig, v: fig.add_subplot().plot([0, v])), "values": lambda c: [0.5, 1.0],
    "caption": lambda c: "a caption", "alt": lambda c: "alt text", "id": lambda c: next(iter(_find("EXERCISES"))),
    "answer": lambda c: None, "mode": lambda c: None, "y_pred": lambda c: _rng().normal(size=5),
}

# Per-callable valid arguments (override VALID; also used to keep optional arguments small and fast).
def _loss_target_float(c): return _rng().random((6, 2))
def _prob_input(c): return _rng().uniform(0.05, 0.95, (6, 2))
def _quad_model(c): return _find("QuadraticModel")(seed=0)
_FLOAT_TARGET = {"input": lambda c: _rng().normal(size=(6, 2)), "target": _loss_target_float}
_PROB_TARGET = {"input": _prob_input, "target": _loss_target_float}
_CHAR_LM = {"steps": lambda c: 2, "batch_size": lambda c: 4}
CALLS = {
    "losses.l1_loss": _FLOAT_TARGET, "losses.mse_loss": _FLOAT_TARGET, "losses.L1Loss.forward": _FLOAT_TARGET,
    "losses.MSELoss.forward": _FLOAT_TARGET, "losses.binary_cross_entropy": _PROB_TARGET,
    "losses.BCELoss.forward": _PROB_TARGET, "losses.binary_cross_entropy_with_logits": _FLOAT_TARGET,
    "losses.BCEWithLogitsLoss.forward": _FLOAT_TARGET, "losses.nll_loss": {"input": lambda c: np.log(np.full((6, 2), 0.5))},
    "losses.NLLLoss.forward": {"input": lambda c: np.log(np.full((6, 2), 0.5))},
    "losses.QuadraticCost.forward": {"input": _prob_input},
    "descent.gradient_descent": {"grad": lambda c: (lambda x: 2 * x), "x0": lambda c: np.array([1.0, 2.0])},
    "descent.mse_with_grad": {"y": lambda c: _rng().normal(size=5)},
    "descent.QuadraticModel.forward": {"x": lambda c: _rng().uniform(-1, 1, 5)},
    "descent.QuadraticModel": {"w": lambda c: None},
    "descent.train_quadratic": {"model": _quad_model, "x": lambda c: _rng().uniform(-1, 1, 12),
                                "y": lambda c: _rng().normal(size=12), "epochs": lambda c: 2, "batch_size": lambda c: 4},
    "descent.check_finite": {"loss": lambda c: 1.0},
    "descent.Parameter": {"data": lambda c: np.zeros(3)},
    "descent.minibatches": {"n": lambda c: 7},
    "gradients.derivative": {"f": lambda c: np.sin, "x": lambda c: 0.5},
    "gradients.gradcheck": {"x": lambda c: _rng().normal(size=3)},
    "gradients.numerical_gradient": {"x": lambda c: _rng().normal(size=3)},
    "guess.GuessingGame.guess": {"n": lambda c: 50},
    "guess.describe": {"feedback": lambda c: 1}, "guess.play": {"seed": lambda c: 0},
    "guess.count_guesses": {"high": lambda c: 20},
    "guess.use_difference": {"game": lambda c: _find("GuessingGame")(0, 100, target=37, feedback="difference")},
    "init.calculate_fans": {"w": lambda c: np.zeros((4, 3))}, "init.constant_": {"val": lambda c: 0.5},
    "init.make_init": {"fn": lambda c: _find("normal_")}, "init.activation_stats": {"X": lambda c: _rng().random((6, 3))},
    "init.uniform_": {"a": lambda c: -1.0, "b": lambda c: 1.0},
    "init.calculate_gain": {"nonlinearity": lambda c: "leaky_relu"},
    "optimizers.optimizer_path": {"grad": lambda c: (lambda x1, x2: (2 * x1, 2 * x2)), "steps": lambda c: 5},
    "optimizers.newton_step": {"x": lambda c: np.array([1.0, 2.0]), "grad": lambda c: np.array([2.0, 4.0])},
    "optimizers.steps_to": {"path": lambda c: np.array([[1.0, 1.0], [0.5, 0.5], [0.0, 0.0]]), "target": lambda c: np.zeros(2)},
    "optimizers.rosenbrock": {"x": lambda c: np.array([0.5, 1.0]), "y": lambda c: np.array([0.2, 1.0])},
    "optimizers.rosenbrock_grad": {"x": lambda c: np.array([0.5, 1.0]), "y": lambda c: np.array([0.2, 1.0])},
    "optimizers.CyclicLR": {"step_size_up": lambda c: 2},
    "optimizers.ReduceLROnPlateau.step": {"metric": lambda c: 1.0},
    "optimizers.grid_search": {"mode": lambda c: "max"}, "optimizers.random_search": {"mode": lambda c: "max"},
    "optimizers.loguniform": {"low": lambda c: 0.001, "high": lambda c: 1.0},
    "network.History.best": {"key": lambda c: "valid_acc"},
    "network.predict": {"X": lambda c: _rng().random((6, 3))},
    "regularization.shift_images": {"X": lambda c: _rng().random((3, 64))},
    "regularization.rotate_images": {"X": lambda c: _rng().random((3, 64))},
    "regularization.augment": {"X": lambda c: _rng().random((3, 64)), "y": lambda c: np.array([0, 1, 2])},
    "regularization.weights": {"model": lambda c: _mlp()},
    "beam.train_char_lm": _CHAR_LM, "beam.lm_step_fns": {"model": lambda c: _char_model()},
    "beam.char_lm": {"hidden": lambda c: 8},
    "beam.exhaustive_search": {"max_len": lambda c: 2},
    "reproduce.train_rung": {"epochs": lambda c: 1},
    "reproduce.reproduce": {"download": lambda c: False},
    "reproduce.load_ladder_data": {"download": lambda c: False},
    "data.write_idx": {"path": lambda c: _TMP / "w.idx"}, "data.read_idx": {"path": lambda c: _written_idx()},
    "data.stratified_split": {"y": lambda c: np.repeat(np.arange(3), 5)}, "data.one_hot": {"y": lambda c: np.array([0, 2, 1])},
    "data.synthetic_regression": {"w": lambda c: (2.0, -3.0, 1.0)}, "data.mnist_dir": {"root": lambda c: _TMP},
    "plots.plot_function": {"f": lambda c: np.sin, "n": lambda c: 21},
    "plots.plot_contours": {"f": lambda c: (lambda a, b: a ** 2 + b ** 2), "n": lambda c: 11},
    "plots.show_images": {"images": lambda c: _rng().random((3, 64)), "labels": lambda c: None},
    "vanishing.layer_grad_norms": {"X": lambda c: _rng().random((6, 3))},
    "vanishing.clip_grad_norm_": {"parameters": lambda c: _params_with_grads()},
    "data.load_mnist": {"valid_size": lambda c: 4, "verify": lambda c: False},
    "descent.check_divergence": {"loss": lambda c: 2.0},
    "training.Learner": {"valid": lambda c: (_rng().random((4, 3)), np.array([0, 1, 0, 1]))},
    "plots.interactive_sweep": {"size": lambda c: (2.0, 1.0), "dpi": lambda c: 30},
    "optimizers.weight_decay_groups": {"params": lambda c: _mlp().parameters()},
    "optimizers.LogUniform": {"low": lambda c: 0.001, "high": lambda c: 1.0},
    "optimizers.tpe_search": {"n_trials": lambda c: 2, "n_startup_trials": lambda c: 1},
    "beam.TableModel.text": {"h": lambda c: _find("Hypothesis")((1, 0), -0.5, True)},
    "beam.beam_candidates": {"beams": lambda c: [((), 0.0)], "logp": lambda c: np.log(np.full((1, 2), 0.5))},
}
CALLS["beam.NGramTable.batched"] = {"prefixes": lambda c: __import__("torch").tensor([[4], [4]])}


def _written_idx():
    from dlnotes.data import write_idx
    return write_idx(_TMP / "r.idx", np.arange(6, dtype=np.uint8).reshape(2, 3))


def _params_with_grads():
    ps = _mlp().parameters()
    for p in ps: p.grad[...] = 1.0
    return ps


# --------------------------------------------------------------------------------------------------- kinds
COUNT = ("count", "count0", "int", "token")
KINDS = {  # argument name -> kind
    **dict.fromkeys(["n_in", "n_out", "epochs", "steps", "batch_size", "max_len", "beam_width", "n_trials", "step_size",
                     "vocab_size", "n_chars", "context", "emb", "hidden", "ncols", "nrows", "n_classes", "max_guesses",
                     "step_size_up", "step_size_down", "max_candidates", "quick_epochs", "length", "n", "n_best"], "count"),
    **dict.fromkeys(["valid_size", "patience", "cooldown", "n_rotations", "order"], "count0"),
    **dict.fromkeys(["low", "high", "target", "first", "dx", "dy", "start", "step"], "int"),
    **dict.fromkeys(["bos", "eos"], "token"),
    **dict.fromkeys(["lr", "eps", "h", "max_norm", "base_lr", "max_lr", "tol", "timeout", "deadline"], "pos"),
    **dict.fromkeys(["momentum", "weight_decay", "std", "noise", "lmbda", "lr_decay", "initial_accumulator_value",
                     "threshold", "min_lr", "base_momentum", "max_momentum", "min_delta", "alpha", "length_penalty",
                     "max_angle", "gamma", "norm_type", "temperature"], "nonneg"),
    **dict.fromkeys(["p", "valid_frac", "test_frac", "factor"], "prob"),
    **dict.fromkeys(["a", "b", "mean", "val", "gain", "dampening", "score", "metric", "param", "lo", "hi"], "real"),
    **dict.fromkeys(["x", "X", "input", "w", "x0", "grad_out", "logp", "images", "samples", "angles", "hess", "y_pred"], "array"),
    **dict.fromkeys(["y"], "labels"),
    **dict.fromkeys(["model"], "model"), **dict.fromkeys(["layers"], "module"),
    **dict.fromkeys(["opt", "optimizer"], "optimizer"), **dict.fromkeys(["loss"], "loss"),
    **dict.fromkeys(["f", "grad_f", "grad", "step_fn", "step_fn_batched", "train_fn", "strategy", "make_opt", "fn",
                     "derivative"], "callable"),
    **dict.fromkeys(["reduction", "activation", "output", "init", "mode", "nonlinearity", "lp_style", "style",
                     "approximate", "which", "dataset", "threshold_mode", "method"], "choice"),
    **dict.fromkeys(["seed"], "seed"), **dict.fromkeys(["rng"], "rng"),
    **dict.fromkeys(["dtype"], "dtype"),
    **dict.fromkeys(["path", "root", "data_dir", "out"], "path"),
    **dict.fromkeys(["sizes"], "sizes"), **dict.fromkeys(["betas"], "betas"),
    **dict.fromkeys(["x_range", "xlim", "ylim"], "interval"), **dict.fromkeys(["params", "parameters"], "params"),
    **dict.fromkeys(["callbacks"], "callbacks"), **dict.fromkeys(["metrics"], "metrics"),
    **dict.fromkeys(["seeds"], "seeds"), **dict.fromkeys(["rungs"], "rungs"), **dict.fromkeys(["mirrors"], "mirrors"),
    **dict.fromkeys(["checksums"], "checksums"), **dict.fromkeys(["space"], "space"), **dict.fromkeys(["text"], "text"),
    **dict.fromkeys(["prompt_ids"], "tokens"), **dict.fromkeys(["prefixes"], "prefixes"),
    **dict.fromkeys(["res", "sd", "curves"], "dict"), **dict.fromkeys(["data"], "splits"),
    **dict.fromkeys(["rung"], "rung"), **dict.fromkeys(["game"], "game"), **dict.fromkeys(["key", "monitor"], "key"),
    **dict.fromkeys(["ax", "axes"], "axes"), **dict.fromkeys(["valid"], "validpair"),
    **dict.fromkeys(["size"], "figsize"), **dict.fromkeys(["feedback"], "choice"),
    # free text (labels, titles, names) and matplotlib's own arguments: not swept
    **dict.fromkeys(["words"], "rows"), **dict.fromkeys(["table"], "table"),
    **dict.fromkeys(["n_startup_trials"], "count"), **dict.fromkeys(["n_jobs"], "n_jobs"),
    **dict.fromkeys(["loss_func"], "loss"), **dict.fromkeys(["xb"], "array"), **dict.fromkeys(["yb"], "labels"),
    **dict.fromkeys(["scheduler"], "scheduler"), **dict.fromkeys(["group", "state_dict"], "dict"),
    **dict.fromkeys(["G"], "array"), **dict.fromkeys(["first_loss"], "real"), **dict.fromkeys(["layer"], "module"),
    **dict.fromkeys(["rows"], "rows"), **dict.fromkeys(["headers"], "rows"), **dict.fromkeys(["align"], "align"),
    **dict.fromkeys(["values"], "rows"), **dict.fromkeys(["epoch"], "count0"), **dict.fromkeys(["id"], "key"),
    **dict.fromkeys(["dpi", "colors", "max_bytes"], "count"), **dict.fromkeys(["every"], "choice"),
    # free text (labels, titles, names) and matplotlib's own arguments: not swept
    **dict.fromkeys(["what", "title", "shape", "fmt", "html", "caption", "alt", "answer", "ex", "xlabel", "ylabel",
                     "label", "name", "study_name", "storage", "cmap", "bins", "levels", "styles", "shade", "paths", "trace", "kwargs", "defaults"], None),
}
KIND_OVERRIDES = {  # names that mean something else in one place
    "optimizers.newton_step": {"grad": "array", "x": "array"}, "optimizers.steps_to": {"path": "array", "target": "array"},
    "optimizers.rosenbrock": {"x": "array", "y": "array"}, "optimizers.rosenbrock_grad": {"x": "array", "y": "array"},
    "optimizers.loguniform": {"low": "pos", "high": "pos"},
    "optimizers.LogUniform": {"low": "pos", "high": "pos"}, "beam.beam_candidates": {"beams": "beams"}, "beam.TableModel.text": {"h": "hypothesis"}, "descent.check_finite": {"loss": "real", "step": "count0", "lr": "lr_or_list"},
    "descent.train_quadratic": {"model": "quadmodel", "x": "array", "y": "array"},
    "descent.mse_with_grad": {"y": "array"}, "guess.describe": {"feedback": "int"},
    "guess.GuessingGame.describe": {"feedback": "int"}, "guess.GuessingGame.guess": {"n": "int"},
    "gradients.derivative": {"x": "real"}, "plots.show_images": {"size": "pos", "labels": "labels", "title": None},
    "plots.plot_hist": {"range": "interval"},
    "plots.plot_curves": {"curves": "curves", "start": "real"},   # one sequence is a curve too; x may start anywhere "beam.length_normalized": {"alpha": "nonneg"},
    "init.uniform_": {"a": "real", "b": "real"}, "init.kaiming_uniform_": {"a": "real"}, "init.kaiming_normal_": {"a": "real"},   # torch: any negative slope
    "vanishing.clip_grad_norm_": {"norm_type": "pos_or_inf", "max_norm": "nonneg", "parameters": "params_or_empty"},
    "vanishing.GradClip": {"norm_type": "pos_or_inf", "max_norm": "nonneg"},   # torch: norm_type=inf, max_norm=0 are valid
    "regularization.EarlyStopping": {"monitor": "monitor"}, "training.SchedulerCallback": {"monitor": "monitor"},
    "data.write_idx": {"a": "array"}, "descent.check_divergence": {"loss": "real", "first_loss": "real", "params": None, "lr": "lr_or_list", "step": "count0", "factor": "pos"},
    "descent.Parameter": {"data": "array"},
    "plots.interactive_sweep": {"colors": "count0", "start": "count0"}, "optimizers.ReduceLROnPlateau": {"mode": "choice", "factor": "prob"},
    "optimizers.random_search": {"seed": "seed"}, "data.mnist_dir": {"root": "path"},
}


class Bad(NamedTuple):
    label: str
    value: object
    must: bool              # True: the call must raise a clear error; False: it may also succeed


def _obj(): return object()
class _NotAModel: "An object of the wrong class."


SHAPE_STRICT = {"grad_out", "G"}   # a gradient of the wrong shape must never broadcast silently


def _values(kind, b, none_ok, c, name=None):
    "Fixed bad values of a kind: `b` the valid value of this call, `none_ok` whether None is allowed, `c` the context."
    M, Y = (lambda l, v: Bad(l, v, True)), (lambda l, v: Bad(l, v, False))
    common = [M("object()", _NotAModel())] + ([] if none_ok else [M("None", None)])
    inf, nan = math.inf, math.nan
    if kind in COUNT:
        v = common + [M("'3'", "3"), M("True", True), M("2.5", 2.5), M("3.0", 3.0), M("nan", nan), M("inf", inf), M("1+1j", 1 + 1j)]
        if kind == "count": v += [M("0", 0), M("-1", -1)]
        if kind == "count0": v += [M("-1", -1)]
        if kind == "token": v += [M("-1", -1), M("10**6", 10 ** 6)]
        return v
    if kind == "pos_or_inf":     # a p-norm's p: inf is the max-norm
        return [v for v in _values("pos", b, none_ok, c, name) if v.label != "inf"]
    if kind == "params_or_empty":
        return [v for v in _values("params", b, none_ok, c, name) if v.label != "[]"]
    if kind == "monitor":        # a History key, known only once training runs
        return [v for v in _values("key", b, none_ok, c, name) if v.label != "'no-such-key'"]
    if kind == "lr_or_list":     # a learning rate, or one per parameter group (opt.lr of groups that differ): only named
        return [v for v in _values("pos", b, none_ok, c, name) if v.label != "[0.1]"]
    if kind in ("real", "nonneg", "pos", "prob"):
        v = common + [M("'0.1'", "0.1"), M("True", True), M("1+1j", 1 + 1j), M("nan", nan), M("inf", inf), M("-inf", -inf),
                      M("[0.1]", [0.1]), Y("1e308", 1e308), Y("10**400", 10 ** 400), Y("1e-308", 1e-308)]
        if kind != "real": v += [M("-1.0", -1.0), Y("-0.0", -0.0)]
        if kind == "pos": v += [M("0.0", 0.0)]
        if kind == "prob": v += [M("1.0", 1.0), M("1.5", 1.5)]
        if kind == "real": v += [Y("-1e308", -1e308)]
        return v
    if kind == "bool":
        return common + [M("'yes'", "yes"), M("2", 2), M("1.5", 1.5), M("'False'", "False")]
    if kind in ("seed", "rng"):
        return [M("object()", _NotAModel()), M("-1", -1), M("2.5", 2.5), M("'0'", "0"), M("True", True), M("1+1j", 1 + 1j),
                M("RandomState(0)", np.random.RandomState(0))]
    if kind == "choice":
        return common + [M("3", 3), M("'no-such-choice'", "no-such-choice"), M("['x']", ["x"])]
    if kind == "key":
        return common + [M("3", 3), M("'no-such-key'", "no-such-key")]
    if kind == "dtype":
        return common + [M("np.int64", np.int64), M("'int32'", "int32"), M("'nope'", "nope"), M("complex", np.complex128)]
    if kind == "path":
        return common + [M("3", 3), M("2.5", 2.5)]
    if kind in ("array", "labels"):
        a = np.asarray(b)
        if a.dtype.kind not in "biuf": a = np.ones((4, 3))       # no valid value known here (a None default)
        v = common + [M("'abc'", "abc"), M("{}", {}), M("[[1, 2], [3]]", [[1.0, 2.0], [3.0]]),
                      M("complex array", a.astype(np.complex128) + 1j)]
        if kind == "array":
            S = M if name in SHAPE_STRICT else Y                       # shapes that must be refused, or may be fine
            v += [S("extra axis", a[..., None]), Y("nan-filled", np.full(a.shape, nan)),
                  Y("1e308-filled", np.full(a.shape, 1e308)), Y("int dtype", (a * 10).astype(np.int64))]
            if a.ndim >= 1: v += [S("empty", a[:0]), S("0-d", np.float64(0.5))]
            if a.size: v += [Y("±1e308 alternating", np.where(np.arange(a.size).reshape(a.shape) % 2, 1e308, -1e308))]
            if a.ndim >= 1:
                wide = M if name in SHAPE_STRICT or (name in ("X", "x", "xb") and "model" in c) else Y
                v += [wide("one more column", np.concatenate([a, a[..., :1]], axis=-1))]
        else:
            v += [M("labels + 0.5", a + 0.5), M("negative labels", a - 10), Y("labels >= n_classes", a + 100),
                  M("labels nan", np.full(a.shape, nan)), Y("one fewer label", a[:-1]), Y("labels[:, None]", a[:, None]),
                  Y("float labels", a.astype(np.float64))]
        return v
    if kind == "model":
        v = common + [M("'abc'", "abc"), M("3", 3), M("np.zeros(3)", np.zeros(3))]
        if "X" in c or "x" in c: v += [Y("MLP([5, 4, 2])", _mlp((5, 4, 2)))]
        return v
    if kind == "quadmodel":
        return common + [M("'abc'", "abc"), M("3", 3), M("an MLP", _mlp())]
    if kind == "module":
        return [M("3", 3), M("'abc'", "abc"), M("None", None), M("object()", _NotAModel()), M("a function", np.tanh)]
    if kind == "optimizer":
        v = common + [M("'abc'", "abc"), M("3", 3), M("a model", _mlp())]
        if "model" in c: v += [M("optimizer of another model", _opt_for(_mlp()))]
        return v
    if kind == "loss":
        return common + [M("'abc'", "abc"), M("3", 3), M("the CrossEntropyLoss class", _find("CrossEntropyLoss"))]
    if kind == "callable":
        return common + [M("'abc'", "abc"), M("3", 3), Y("returns None", lambda *a, **k: None),
                         Y("returns nan", lambda *a, **k: math.nan), Y("returns 'x'", lambda *a, **k: "x")]
    if kind == "sizes":
        return common + [M("'abc'", "abc"), M("3", 3), M("[]", []), M("[3]", [3]), M("[3, 0, 2]", [3, 0, 2]),
                         M("[3, -1, 2]", [3, -1, 2]), M("[3, 2.5, 2]", [3, 2.5, 2]), M("[3, True, 2]", [3, True, 2]),
                         M("[3, None, 2]", [3, None, 2])]
    if kind == "betas":
        return common + [M("'ab'", "ab"), M("0.9", 0.9), M("(0.9,)", (0.9,)), M("(1.0, 0.999)", (1.0, 0.999)),
                         M("(-0.1, 0.9)", (-0.1, 0.9)), M("(nan, 0.9)", (nan, 0.9)), M("(0.9, 0.99, 0.1)", (0.9, 0.99, 0.1))]
    if kind == "interval":
        return common + [M("'ab'", "ab"), M("3", 3), M("(1,)", (1,)), M("(2, -2)", (2, -2)), M("(nan, 1)", (nan, 1)),
                         M("(0, inf)", (0, inf)), M("(1, 1)", (1, 1)), M("('a', 'b')", ("a", "b"))]
    if kind == "figsize":
        return common + [M("'ab'", "ab"), M("(0, 3)", (0, 3)), M("(-1, 3)", (-1, 3)), M("(nan, 3)", (nan, 3)), M("(3,)", (3,))]
    if kind == "params":
        return common + [M("'abc'", "abc"), M("3", 3), M("[]", []), M("[np.zeros(3)]", [np.zeros(3)]),
                         M("[object()]", [_NotAModel()]), M("[None]", [None])]
    if kind == "callbacks":
        return [M("3", 3), M("'abc'", "abc"), M("[3]", [3]), M("[None]", [None]), M("[object()]", [_NotAModel()]),
                Y("one callback, not in a list", _find("L2")(0.1))]
    if kind == "metrics":
        return common + [M("3", 3), M("['nope']", ["nope"]), M("[3]", [3]), M("[]", [])]
    if kind == "seeds":
        return [M("'abc'", "abc"), M("[]", []), M("[-1]", [-1]), M("[2.5]", [2.5]), M("[True]", [True]), M("['a']", ["a"])]
    if kind == "rungs":
        return [M("3", 3), M("[]", []), M("['nope']", ["nope"]), M("[3]", [3])]
    if kind == "mirrors":
        return [M("'http://x'", "http://x"), M("3", 3), M("[None]", [None]), M("[3]", [3])]
    if kind == "checksums":
        return [M("'abc'", "abc"), M("3", 3), M("[1]", [1]), M("{'x.gz': 3}", {"train-images-idx3-ubyte.gz": 3})]
    if kind == "space":
        return common + [M("'abc'", "abc"), M("3", 3), M("{'lr': 3}", {"lr": 3}), M("{'lr': []}", {"lr": []})]
    if kind == "text":
        return common + [M("3", 3), M("''", ""), M("['abc']", ["abc"])]
    if kind == "tokens":
        return common + [M("'abc'", "abc"), M("[-1]", [-1]), M("[10**6]", [10 ** 6]), M("[2.5]", [2.5])]
    if kind == "prefixes":
        return common + [M("'abc'", "abc"), M("3", 3), M("[(-1,)]", [(-1,)]), M("[(10**6,)]", [(10 ** 6,)])]
    if kind == "dict":
        return common + [M("'abc'", "abc"), M("3", 3), M("{}", {}), M("[1, 2]", [1, 2])]
    if kind == "splits":
        return common + [M("'abc'", "abc"), M("3", 3), M("(1, 2, 3)", (1, 2, 3))]
    if kind == "rung":
        v = common + [M("'abc'", "abc"), M("3", 3)]
        import dataclasses
        if dataclasses.is_dataclass(b) or hasattr(b, "_replace"):
            rep = dataclasses.replace if dataclasses.is_dataclass(b) else (lambda r, **kw: r._replace(**kw))
            v += [M("rung with hidden=0", rep(b, hidden=0)), M("rung with lr=-1", rep(b, lr=-1.0)),
                  M("rung with cost='nope'", rep(b, cost="nope")), M("rung with split='nope'", rep(b, split="nope"))]
        return v
    if kind == "n_jobs":         # joblib's convention: -1 means every core
        return [v for v in _values("count", b, none_ok, c, name) if v.label != "-1"]
    if kind == "beams":
        return common + [M("3", 3), M("'abc'", "abc"), Y("[]", [])]
    if kind == "curves":
        return [v for v in _values("dict", b, none_ok, c, name) if v.label != "[1, 2]"]
    if kind == "table":
        return [v for v in _values("dict", b, none_ok, c, name) if v.label != "{}"]
    if kind == "hypothesis":
        return common + [M("'abc'", "abc"), M("3", 3)]
    if kind == "scheduler":
        return common + [M("'abc'", "abc"), M("3", 3), M("a model", _mlp())]
    if kind == "rows":
        return common + [M("3", 3), M("[]", []), M("[[1], [2, 3]] (ragged)", [[1], [2, 3]])]
    if kind == "align":
        return [M("3", 3), M("['q', 'r']", ["q", "r"]), M("['l']", ["l"])]
    if kind == "game":
        return common + [M("'abc'", "abc"), M("3", 3)]
    if kind == "axes":
        return [M("'abc'", "abc"), M("3", 3), M("object()", _NotAModel())]
    if kind == "validpair":
        return [M("'abc'", "abc"), M("3", 3), M("(X,)", (np.zeros((2, 3)),)), M("(X, y, z)", (1, 2, 3)),
                M("(X of 5 columns, y)", (np.zeros((2, 5)), np.array([0, 1])))]
    return []


_FLOATS = st.floats(allow_nan=True, allow_infinity=True)
_TEXT = st.text(max_size=4)
_CPLX = st.complex_numbers(allow_nan=False, allow_infinity=False).filter(lambda z: z.imag != 0)
GEN = {  # more wrong values, drawn by hypothesis
    "count": st.one_of(st.integers(max_value=0), _FLOATS, _TEXT, st.booleans(), _CPLX),
    "count0": st.one_of(st.integers(max_value=-1), _FLOATS, _TEXT, st.booleans(), _CPLX),
    "int": st.one_of(_FLOATS, _TEXT, st.booleans(), _CPLX),
    "token": st.one_of(st.integers(max_value=-1), st.integers(min_value=10 ** 5), _FLOATS, _TEXT, st.booleans()),
    "real": st.one_of(st.sampled_from([math.nan, math.inf, -math.inf]), _TEXT, st.booleans(), _CPLX),
    "nonneg": st.one_of(st.floats(max_value=-1e-300, allow_infinity=True), st.integers(max_value=-1), st.just(math.nan), _TEXT, _CPLX),
    "pos": st.one_of(st.floats(max_value=0.0).filter(lambda v: v != 0 or math.copysign(1, v) > 0), st.integers(max_value=0),
                     st.just(math.nan), st.just(math.inf), _TEXT, _CPLX),
    "prob": st.one_of(st.floats(min_value=1.0), st.floats(max_value=-1e-300), st.just(math.nan), _TEXT),
    "bool": st.one_of(st.integers(), st.floats(), _TEXT),
    "seed": st.one_of(st.integers(max_value=-1), st.floats(), _TEXT, st.booleans()),
    "rng": st.one_of(st.integers(max_value=-1), st.floats(), _TEXT, st.booleans()),
    "choice": st.one_of(_TEXT.map(lambda s: "zz" + s + "!"), st.integers(), st.floats()),
    "array": st.one_of(_TEXT, st.lists(_TEXT, min_size=1, max_size=3), st.lists(_CPLX, min_size=1, max_size=3)),
    "labels": st.one_of(_TEXT, st.lists(st.integers(max_value=-1), min_size=6, max_size=6),
                        st.lists(st.floats(0.1, 0.9), min_size=6, max_size=6)),
    "sizes": st.lists(st.one_of(st.integers(max_value=0), st.floats(), _TEXT), min_size=2, max_size=3).map(lambda l: [3] + l),
    "dtype": st.sampled_from([np.int8, np.int16, np.uint8, np.bool_, np.complex64, "U3", object]),
}
NONE_OK_KINDS = {"seed", "rng", "axes", "callbacks", "seeds", "rungs", "mirrors", "checksums", "validpair"}


def kind_of(target, p):
    "The kind of parameter `p` of `target` (None: not swept)."
    ov = KIND_OVERRIDES.get(target.name, {})
    if p.name in ov: return ov[p.name]
    if p.name in KINDS: return KINDS[p.name]
    d = p.default
    if isinstance(d, (bool, np.bool_)): return "bool"
    if isinstance(d, int) and d is not p.empty: return "int"
    if isinstance(d, float): return "real"
    if isinstance(d, str): return "choice"
    return None


# --------------------------------------------------------------------------------------------------- calling
class CallTimeout(BaseException):
    "Raised by the alarm when a call runs too long (a BaseException, so that `except Exception` cannot swallow it)."


@contextlib.contextmanager
def _time_limit(seconds):
    if not hasattr(signal, "setitimer") or sys.platform == "win32": yield; return
    def on_alarm(*_): raise CallTimeout()
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try: yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _domain_errors():
    errs = [ImportError]
    for n in ("DivergenceError", "MNISTUnavailable", "GameOverError"):
        with contextlib.suppress(LookupError): errs.append(_find(n))
    return tuple(errs)


def _params(target):
    "The sweepable parameters of `target` (no self, no **kwargs)."
    obj = target.obj
    try: sig = inspect.signature(obj)
    except (TypeError, ValueError): return []
    return [p for p in sig.parameters.values() if p.kind is not p.VAR_KEYWORD and p.name != "self"]


def _value_for(target, name, c):
    f = CALLS.get(target.name, {}).get(name) or VALID.get(name)
    if f is None: raise LookupError(name)
    return f(c)


def _call_kwargs(target, c):
    "Valid keyword arguments (and '*' for *args) of `target`, building the context `c` as it goes."
    kw = {}
    for p in _params(target):
        if p.kind is p.VAR_POSITIONAL:
            c[p.name] = kw["*"] = tuple(_value_for(target, p.name, c))
            continue
        if p.name in c and p.default is p.empty:       # prepared by _prepare (a backward's grad_out)
            kw[p.name] = c[p.name]; continue
        has = p.name in CALLS.get(target.name, {}) or p.default is p.empty or p.name in c
        if not has and p.name in VALID and p.name in ("progress", "verbose", "steps", "epochs", "batch_size", "download",
                                                      "seeds", "rungs", "dataset", "quick_epochs", "data_dir", "root"):
            has = True                  # optional, but the default would be slow or touch the network
        if has:
            c[p.name] = kw[p.name] = c[p.name] if p.name in c else _value_for(target, p.name, c)
        elif p.default is not p.empty:
            c[p.name] = p.default
    return kw


def _prepare(target, inst, c):
    "Calls a method needs first (forward before backward), and valid values that depend on them."
    fwd = CALLS.get(target.name.rsplit(".", 1)[0] + ".forward", {})
    if target.method.startswith("backward") and hasattr(inst, "forward"):
        if len(inspect.signature(inst.forward).parameters) >= 2:            # a loss: forward(input, target) -> a number
            out = inst.forward(fwd.get("input", VALID["input"])(c), fwd.get("target", VALID["target"])(c))
            c["grad_out"] = np.ones_like(np.asarray(out, dtype=np.float64))
        else:
            out = inst.forward(fwd.get("x", VALID["x"])(c))
            c["grad_out"] = np.ones_like(np.asarray(out, dtype=np.float64))
    if target.method == "best":
        inst.append(train_loss=1.0, valid_acc=0.5); inst.append(train_loss=0.5, valid_acc=0.7)
    if target.method == "load_state_dict": c["sd"] = c["state_dict"] = inst.state_dict()
    if target.method == "check_grad_out":
        out = inst.forward(fwd.get("x", VALID["x"])(c))
        c["grad_out"], c["shape"] = np.ones_like(np.asarray(out, dtype=np.float64)), np.shape(out)
    if target.name.endswith("GuessingGame.describe"): inst.guess(50)


def build(target):
    "A fresh valid call of `target`: (function, positional args, keyword args, context of the chosen values)."
    c = {}
    if target.cls is None: fn = target.obj
    else:
        kw = _call_kwargs(Target(target.name.rsplit(".", 1)[0], target.module, target.cls), {})
        inst = target.cls(*kw.pop("*", ()), **kw)
        _prepare(target, inst, c)
        fn = getattr(inst, target.method)
    kw = _call_kwargs(Target(target.name, target.module, fn, target.cls, target.method), c)
    return fn, list(kw.pop("*", ())), kw, c


class Outcome(NamedTuple):
    ok: bool
    what: str               # what happened, for the report


def _names(msg, name, loose=False):
    "Does an error message name the argument? (Short names must appear as `x must`, `x=`, `x[`, `'x'`, ...)"
    if loose: msg, name = msg.lower(), name.lower()
    if len(name) <= 2:
        return re.search(rf"(?<![\w.]){re.escape(name)}(?=\s+(must|has|is|should|needs|contains|of|was|and|or)\b|\s*[=\[(:]|['`\"])"
                         rf"|['`\"]{re.escape(name)}['`\"]", msg) is not None
    return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", msg) is not None


def _short(v, n=60):
    try: r = " ".join(repr(v).split())
    except Exception as e: r = f"<{type(v).__name__} whose repr fails: {type(e).__name__}: {e}>"
    return r if len(r) <= n else r[:n - 3] + "..."


def _line(msg, n=140):
    "An error message on one line, shortened."
    m = " ".join(str(msg).split())
    return m if len(m) <= n else m[:n - 3] + "..."


def call(target, arg, value, must):
    "Call `target` with `arg` replaced by `value` (arg None: the valid call); an Outcome (ok=False: a failure)."
    import matplotlib.pyplot as plt
    try:
        with _time_limit(CALL_TIMEOUT), warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            fn, star, kw, c = build(target)
    except CallTimeout:
        return Outcome(False, "BASELINE: building a valid call timed out")
    except NotImplementedError:
        return Outcome(True, "SKIP: abstract")
    except ImportError:
        return Outcome(True, "SKIP: needs an optional dependency")
    except Exception as e:
        return Outcome(False, f"BASELINE: cannot build a valid call ({type(e).__name__}: {_line(e, 150)})")
    pnames = [p.name for p in _params(Target(target.name, target.module, fn))]
    if arg == "*":
        if not star: return Outcome(True, "no *args")
        star[min(1, len(star) - 1)] = value
        arg = next(p.name for p in _params(Target(target.name, target.module, fn)) if p.kind is p.VAR_POSITIONAL)
    elif arg is not None: kw[arg] = value
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", RuntimeWarning)
            with np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"), _time_limit(CALL_TIMEOUT):
                r = fn(*star, **kw)
                if isinstance(r, types.GeneratorType): r = list(itertools.islice(r, 10_000))
    except CallTimeout:
        return Outcome(False, f"{'BASELINE: ' if arg is None else ''}timeout: still running after {CALL_TIMEOUT:.0f}s")
    except NotImplementedError:
        return Outcome(True, "SKIP: abstract")
    except RuntimeWarning as e:
        return Outcome(False, f"{'BASELINE: ' if arg is None else ''}{type(e).__name__} (warning): {_line(e, 120)}")
    except _domain_errors() as e:
        if arg is None and isinstance(e, ImportError): return Outcome(True, "SKIP: needs an optional dependency")
        if arg is None: return Outcome(False, f"BASELINE: {type(e).__name__}: {_line(e, 150)}")
        return Outcome(True, type(e).__name__)
    except (TypeError, ValueError) as e:
        msg = str(e)
        if arg is None: return Outcome(False, f"BASELINE: the valid call fails ({type(e).__name__}: {_line(msg, 150)})")
        names = [arg] if must else [arg, "self"] + pnames
        if len(pnames) == 1: names.append(getattr(fn, "__name__", arg))   # guess(n): "guess must be an integer"
        if not any(_names(msg, n, loose=not must) for n in names):
            return Outcome(False, f"{type(e).__name__} not naming {arg!r}: {_line(msg, 140)}")
        return Outcome(True, f"{type(e).__name__}: {_line(msg, 80)}")
    except Exception as e:
        return Outcome(False, f"{'BASELINE: the valid call fails (' if arg is None else ''}{type(e).__name__}: {_line(e, 140)}")
    finally:
        plt.close("all")
    if arg is None: return Outcome(True, "valid call works")
    if must: return Outcome(False, f"no error (returned {_short(r, 50)})")
    return Outcome(True, "accepted")


class Failure(NamedTuple):
    module: str
    key: str                # "module.function(arg=value)"
    what: str

    @property
    def arg(self): return self.key[self.key.index("(") + 1:].split("=", 1)[0]
    @property
    def how(self): return self.what.split(":")[0]


def sweep_target(target, n_generated=N_GENERATED):
    "All failures of one callable."
    base = call(target, None, None, False)
    if not base.ok: return [Failure(target.module, f"{target.name}()", base.what)]
    if base.what.startswith("SKIP"): return []
    fails = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fn, _, _, c = build(target)
    ps = _params(Target(target.name, target.module, fn))
    swept, shaped = [], []
    for p in ps:
        k = kind_of(target, p)
        if k is None: continue
        name = "*" if p.kind is p.VAR_POSITIONAL else p.name
        b = c.get(p.name, None if p.default is p.empty else p.default)
        none_ok = (p.default is None) or k in NONE_OK_KINDS
        try: vals = _values(k, b, none_ok, c, p.name)
        except Exception as e: vals = []; fails.append(Failure(target.module, f"{target.name}({p.name}=...)", f"SWEEP: {e!r}"))
        for bad in vals:
            o = call(target, name, bad.value, bad.must)
            if not o.ok: fails.append(Failure(target.module, f"{target.name}({p.name}={bad.label})", o.what))
        if k in GEN: swept.append((name, p.name, k, none_ok))
        if k == "array": shaped.append((name, p.name))
    if swept and n_generated:
        seen = {(f.arg, f.how) for f in fails}
        @settings(max_examples=n_generated, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(st.data())
        def generated(data):
            name, pname, k, none_ok = data.draw(st.sampled_from(swept), label="argument")
            v = data.draw(GEN[k], label=pname)
            o = call(target, name, v, True)
            if not o.ok:
                key = (pname, o.what.split(":")[0])
                if key not in seen:
                    seen.add(key); fails.append(Failure(target.module, f"{target.name}({pname}={_short(v, 30)})", o.what))
        generated()
    if shaped and n_generated:
        seen = {(f.arg, f.how) for f in fails}
        @settings(max_examples=n_generated, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(st.data())
        def other_shapes(data):
            "Finite arrays of other shapes: the call may succeed, or raise a clear error, never leak an IndexError etc."
            name, pname = data.draw(st.sampled_from(shaped), label="argument")
            v = data.draw(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5),
                                     elements=st.floats(-10, 10)), label=pname)
            o = call(target, name, v, False)
            if not o.ok and (pname, o.what.split(":")[0]) not in seen:
                seen.add((pname, o.what.split(":")[0]))
                fails.append(Failure(target.module, f"{target.name}({pname}=array of shape {v.shape})", o.what))
        other_shapes()
    return fails


# --------------------------------------------------------------------------------------------------- the tests
# Failures that remain for now: a key "module.function(arg=value)" accepts that one failure, "module.function(arg)" every
# failure of that argument; the value says why (or who fixes it). An empty KNOWN: every bad value is answered clearly.
KNOWN = {
    # training (nbs/05a): Learner.one_batch(xb, yb) is the loop's own step; a bad batch is refused by the model's and the
    # loss's checks, whose clear messages name *their* arguments (`x`, `target`) rather than `xb`/`yb`. Kept: re-checking
    # every label of every batch in the loop would cost the training loop more than the wording is worth.
    "training.Learner.one_batch(xb)": "ValueError/TypeError naming the layer's `x`, e.g. 'x must be an array of shape (..., n_in=3)'",
    "training.Learner.one_batch(yb)": "ValueError/TypeError naming the loss's `target`, e.g. 'target must be integer class indices'",
}


def _known(f):
    return f.key in KNOWN or f"{f.key.split('(', 1)[0]}({f.arg})" in KNOWN

TARGETS = discover()


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_bad_inputs_get_clear_errors(target):
    fails = [f for f in sweep_target(target) if not _known(f) and not f.what.startswith("BASELINE")]
    if fails: pytest.fail(f"{len(fails)} bad input(s) not answered clearly:\n" + "\n".join(f"  {f.key}: {f.what}" for f in fails),
                          pytrace=False)


def test_sweep_covers_everything():
    "Every public callable can be called validly by the sweep (else add its arguments to VALID/CALLS above)."
    gaps = []
    for t in TARGETS:
        o = call(t, None, None, False)
        if not o.ok: gaps.append(f"  {t.name}: {o.what}")
    if gaps: pytest.fail("the sweep cannot call:\n" + "\n".join(gaps), pytrace=False)


def test_discovery_finds_new_functions():
    names = {t.name for t in TARGETS}
    assert {"data.load_mnist", "activations.Linear", "activations.Linear.backward", "reproduce.train_rung"} <= names
    assert len(TARGETS) > 150


# --------------------------------------------------------------------------------------------------- the report
def report(path, targets=None):
    "Run the whole sweep and write the failures, grouped by module, to `path` (Markdown)."
    t0, by_mod, n_calls = time.time(), defaultdict(list), 0
    targets = targets or TARGETS
    for t in targets:
        for f in sweep_target(t): by_mod[f.module].append(f)
    total = sum(len(v) for v in by_mod.values())
    lines = [f"# Bad-input sweep (tests/test_sweep.py) — {time.strftime('%Y-%m-%d %H:%M:%S')}", "",
             f"{len(targets)} public callables swept in {time.time() - t0:.0f} s; {total} failures "
             f"({sum(f.what.startswith('BASELINE') for v in by_mod.values() for f in v)} of them: the sweep cannot build a valid call — "
             "tell H5 the new signature, or it is a real bug). Regenerate: "
             "`.venv/bin/python tests/test_sweep.py --report /work/spec/SWEEP.md` (or `--only module`).", "",
             "| module | failures |", "|---|---|"]
    lines += [f"| {m} | {len(v)} |" for m, v in sorted(by_mod.items())]
    for m, v in sorted(by_mod.items()):
        lines += ["", f"## {m} ({len(v)})", ""]
        lines += [f"- `{f.key}`: {f.what}" for f in v]
    Path(path).write_text("\n".join(lines) + "\n")
    return by_mod


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--report", required=True)
    ap.add_argument("--only", nargs="*", default=None, help="modules (or module.function prefixes) to sweep")
    ap.add_argument("--known", default=None, help="also write the current failures as KNOWN entries to this file")
    a = ap.parse_args()
    sel = [t for t in TARGETS if not a.only or any(t.name == o or t.name.startswith(o + ".") for o in a.only)]
    res = report(a.report, sel)
    print({m: len(v) for m, v in sorted(res.items())})
    if a.known:
        out = []
        for m, v in sorted(res.items()):
            out.append(f"    # {m}")
            seen = {}
            for f in v:
                k = f"{f.key.split('(', 1)[0]}({f.arg})"
                if k not in seen: seen[k] = f.what
            out += [f"    {k!r}: {_line(w, 90)!r}," for k, w in seen.items()]
        Path(a.known).write_text("\n".join(out) + "\n")
