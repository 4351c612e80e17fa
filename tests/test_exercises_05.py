"""Exercises (练习) of chapters 05 and 05a: every worked solution (read from the chapter's `Solution NN.K` call-out)
passes its checker, realistic wrong answers fail with the intended hint, and an untouched stub is "not attempted".

tests/test_exercises.py runs every solution and every wrong answer of the book (this file's `WRONG` with the
others) through the checkers; this file holds these chapters' wrong answers and one check of its own.
"""
import math
import numpy as np

from dlnotes.activations import sigmoid, sigmoid_prime
from dlnotes.descent import minibatches
from dlnotes.training import Callback, CancelFitException

CHAPTERS = ("05_network", "05a_training")


def _grads(X, Y, W1, b1, W2, b2, mean=True, out_prime=True):
    A1 = sigmoid(X @ W1.T + b1); A2 = sigmoid(A1 @ W2.T + b2)
    D2 = (A2 - Y) / (len(X) if mean else 1) * (A2 * (1 - A2) if out_prime else 1)
    D1 = (D2 @ W2) * A1 * (1 - A1)
    return D1.T @ X, D1.sum(0), D2.T @ A1, D2.sum(0)

def _no_mean(*a): return _grads(*a, mean=False)               # forgets the 1/m of the mean cost
def _no_out_prime(*a): return _grads(*a, out_prime=False)     # BP1 without σ′(z^L)
def _transposed(*a):                                          # Aᵀ Δ instead of Δᵀ A
    g = _grads(*a); return g[0].T, g[1], g[2].T, g[3]


class _Patience(Callback):  # compares with the previous epoch, not with the best so far
    def __init__(self, patience): self.patience, self.prev, self.wait = patience, math.inf, 0
    def after_epoch(self, learn):
        v = learn.history["valid_loss"][-1]
        self.wait = 0 if v < self.prev else self.wait + 1
        self.prev = v
        if self.wait >= self.patience: raise CancelFitException()

class _OneLate(Callback):   # stops one epoch too late (wait > patience)
    def __init__(self, patience): self.patience, self.best, self.wait = patience, math.inf, 0
    def after_epoch(self, learn):
        v = learn.history["valid_loss"][-1]
        if v < self.best: self.best, self.wait = v, 0
        else: self.wait += 1
        if self.wait > self.patience: raise CancelFitException()

def _no_zero_grad(net, loss, opt, X, y, batch_size, rng):    # gradients pile up over the epoch
    for idx in minibatches(len(X), batch_size, rng=rng):
        loss(net(X[idx]), y[idx]); net.backward(loss.backward()); opt.step()

def _in_order(net, loss, opt, X, y, batch_size, rng):        # no shuffling
    for i in range(0, len(X), batch_size):
        idx = np.arange(i, min(i + batch_size, len(X)))
        loss(net(X[idx]), y[idx]); opt.zero_grad(); net.backward(loss.backward()); opt.step()


A2, A1 = 0.3648, 0.5
WRONG = {
    "05.1": [(23_860, "central differences need the cost at w + h and at w − h"), (2 * 23_820, "count the biases too")],
    "05.2": [(A2 * A2 * (1 - A2), "BP2 carries it back"), (A2 * A1 * (1 - A1), "BP1 first"),
             (-A2 * A2 * (1 - A2) * A1 * (1 - A1), "a sign")],
    "05.3": [(lambda d, W, z: d @ W, "⊙ σ′(z)"), (lambda d, W, z: (d @ W) * sigmoid(z), "not σ(z)"),
             (lambda d, W, z: (d @ W.T) * sigmoid_prime(z), "not its transpose")],
    "05.4": [(_no_mean, "a mean over the batch"), (_no_out_prime, "output's σ′(z²)"), (_transposed, "W's shape")],
    "05a.1": [(4687, "it is an update too"), (1563, "three"), (150_000, "not per example")],
    "05a.2": [(lambda losses, sizes: float(np.mean(losses)), "weight each batch's cost by its size"),
              (lambda losses, sizes: float(np.dot(losses, sizes)), "divide by the number of examples")],
    "05a.3": [(_Patience, "compare with the best cost so far"), (_OneLate, "not one earlier or later")],
    "05a.4": [(_no_zero_grad, "opt.zero_grad()"), (_in_order, "shuffled order")],
}








def test_solution_05_2_is_the_figures_network():
    "The number the prompt gives (a² = 0.3648) is the figure's output activation, to 4 digits."
    from dlnotes.network import Sequential
    from dlnotes.activations import Linear, Sigmoid
    net = Sequential(Linear(2, 2), Sigmoid(), Linear(2, 1), Sigmoid())
    for p, v in zip(net.parameters(), ([[0.5, -1.0], [1.5, 0.5]], [0.0, -0.5], [[1.0, -2.0]], [0.5])): p.data[...] = v
    assert abs(net(np.array([[1.0, 0.5]]))[0, 0] - A2) < 5e-5
