"""Exercises (练习) of chapters 01, 03 and 04: every worked solution (read from the chapter's `Solution NN.K`
call-out) passes its checker, and realistic wrong answers fail with the intended hint.

tests/test_exercises.py runs every solution and every wrong answer of the book (this file's `WRONG` with
the others) through the checkers; this file holds these chapters' wrong answers.
"""
import math
import numpy as np


CHAPTERS = ("01_gradients", "03_activations", "04_losses")


def _forward(f, x, h):  # a forward difference: right shape, wrong accuracy
    x = np.array(x, float); g = np.zeros_like(x); f0 = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]; x[i] = old + h; g[i] = (f(x) - f0) / h; x[i] = old
    return g

def _no_restore(f, x, h):  # nudges the caller's array and never puts it back
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]; x[i] = old + h; fp = f(x); x[i] = old - h; fm = f(x)
        g[i] = (fp - fm) / (2 * h)
    return g


def _sig(z): return 1 / (1 + math.exp(-z))
def _sig_a(u): return 1 / (1 + np.exp(-u))


WRONG = {
    "01.1": [(12, "derivative f′(2) itself"), ((2.1**3 - 1.9**3) / 0.2, "central difference")],
    "01.2": [(lambda w, x, y: (np.dot(w, x) - y) * np.asarray(x), "factor 2"),
             (lambda w, x, y: 2 * (np.dot(w, x) - y), "multiply 2(w·x − y) by the vector x"),
             (lambda w, x, y: 2 * (y - np.dot(w, x)) * np.asarray(x), "a sign")],
    "01.3": [(np.array([1.0, -5.0]) / math.sqrt(26), "uphill"), (np.array([-1.0, 5.0]), "length 1")],
    "01.4": [(_forward, "forward difference"), (_no_restore, "restore each entry")],
    "03.1": [(np.array([0.5, -1.0]), "σ′(0) = 1/4"), (np.array([2.0, 4.0]), "x = −b/w")],
    "03.2": [(lambda x, a, b, c: c * (np.maximum(x - a, 0) - np.maximum(x - b, 0)), "divide by b − a"),
             (lambda x, a, b, c: c * (np.maximum(x - a, 0) + np.maximum(x - b, 0)) / (b - a), "subtract the second ReLU")],
    "03.3": [(lambda x, c, bs, ws: c * _sig_a(bs + ws * x) * x, "differentiate σ too"),
             (lambda x, c, bs, ws: c * _sig_a(bs + ws * x) * (1 - _sig_a(bs + ws * x)), "a factor x is missing")],
    "03.4": [(lambda X, G: X.T @ G, "GᵀX rather than XᵀG"), (lambda X, G: G.T @ X / len(X), "do not average")],
    "04.1": [(-(math.log(math.exp(2) + math.exp(1) + 1) - 2), "positive"),
             ((math.log(math.exp(2) + math.exp(1) + 1) - 2) / math.log(10), "natural logarithm")],
    "04.2": [(lambda z, y: (_sig(z) - y) * _sig(z) * (1 - _sig(z)), "quadratic cost's gradient"),
             (lambda z, y: (_sig(z) - y) / (_sig(z) * (1 - _sig(z))), "that is ∂C/∂a"),
             (lambda z, y: y - _sig(z), "a sign")],
    "04.3": [(lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True), "subtract each row's maximum"),
             (lambda z: np.exp(z - np.max(z)) / np.exp(z - np.max(z)).sum(), "along the last axis")],
    "04.4": [(22.0, "the median"), (2.5, "balance the two counts")],
}






