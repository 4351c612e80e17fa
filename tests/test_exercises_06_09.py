"""Exercises (练习) of chapters 06, 07 and 09: every worked solution (read from the chapter's `Solution NN.K`
call-out) passes its checker, and realistic wrong answers fail with the intended hint.

tests/test_exercises.py runs every solution and every wrong answer of the book (this file's `WRONG` with
the others) through the checkers; this file holds these chapters' wrong answers.
"""
import math
import numpy as np

from dlnotes.exercises import _ties_improve  # counts a tie as an improvement (the slip hint 06.4 names)


CHAPTERS = ("06_regularization", "07_init", "09_vanishing")


def _no_scale(a, p, rng):  # drops the right share but forgets the 1/(1-p)
    return np.where(rng.random(np.shape(a)) >= p, a, 0.0)

def _times_keep(a, p, rng):  # scales by (1-p) instead of dividing
    return np.where(rng.random(np.shape(a)) >= p, a * (1 - p), 0.0)

def _keeps_p(a, p, rng):  # p taken as the probability of keeping
    return np.where(rng.random(np.shape(a)) < p, a / (1 - p), 0.0)

def _in_place(a, p, rng):  # right values, but written into the caller's array
    a *= (rng.random(np.shape(a)) >= p) / (1 - p)
    return a


def _zero_based(accs, patience):  # epochs counted from 0
    best, best_epoch, wait = None, None, 0
    for e, v in enumerate(accs):
        if best is None or v > best: best, best_epoch, wait = v, e, 0
        else:
            wait += 1
            if wait >= patience: return best_epoch, e
    return best_epoch, None

def _sig(z): return 1 / (1 + math.exp(-z))

def _forward(ws, bs, x):
    zs, a = [], x
    for w, b in zip(ws, bs): zs.append(w * a + b); a = _sig(zs[-1])
    return zs, a

def _no_output_sigma(ws, bs, x, y):  # δ₃ = a₃ − y, forgetting σ′(z₃)
    zs, a = _forward(ws, bs, x)
    d = [a - y]
    for j in (1, 0): d.insert(0, d[0] * ws[j + 1] * _sig(zs[j]) * (1 - _sig(zs[j])))
    return np.array(d)

def _no_weights(ws, bs, x, y):  # multiplies by σ′ only, forgetting the weights in between
    zs, a = _forward(ws, bs, x)
    d = [(a - y) * _sig(zs[2]) * (1 - _sig(zs[2]))]
    for j in (1, 0): d.insert(0, d[0] * _sig(zs[j]) * (1 - _sig(zs[j])))
    return np.array(d)

def _output_first(ws, bs, x, y):  # right numbers, output layer first
    zs, a = _forward(ws, bs, x)
    d = [(a - y) * _sig(zs[2]) * (1 - _sig(zs[2]))]
    for j in (1, 0): d.append(d[-1] * ws[j + 1] * _sig(zs[j]) * (1 - _sig(zs[j])))
    return np.array(d)


WRONG = {
    "06.1": [(0.95 * 0.8 - 0.15, "that is the L2 step"), (0.8 - 0.5 * 3 - 0.15, "divide ηλ by n"),
             (0.75, "the data gradient takes its step too"), (0.7, "with w > 0 subtract")],
    "06.2": [(lambda lr, lmbda, n, steps: math.exp(-lr * lmbda * steps / n), "only approximates it"),
             (lambda lr, lmbda, n, steps: (1 - lr * lmbda) ** steps, "divide by the training-set size n"),
             (lambda lr, lmbda, n, steps: 1 - steps * lr * lmbda / n, "the shrink compounds")],
    "06.3": [(_no_scale, "scale the kept entries by 1/(1 − p)"), (_times_keep, "divide the kept entries by (1 − p)"),
             (_keeps_p, "p is the probability of dropping"), (_in_place, "do not write into a")],
    "06.4": [(_ties_improve, "a tie is not an improvement"), (_zero_based, "epochs are counted from 1")],
    "07.1": [(2.0, "only the 300 inputs that are on"), (300 / 784, "add the bias"),
             (math.sqrt(300 / 784 + 1), "the standard deviation")],
    "07.2": [(lambda x, w_std, b_std: float(np.sum(x)) * w_std**2 + b_std**2, "square the inputs"),
             (lambda x, w_std, b_std: float(np.sum(np.square(x))) * w_std + b_std, "square w_std and b_std"),
             (lambda x, w_std, b_std: float(np.sum(np.square(x))) * w_std**2, "the bias adds")],
    "07.3": [(lambda shape: (shape[0] * math.prod(shape[2:]), shape[1] * math.prod(shape[2:])), "fan_in is shape[1]"),
             (lambda shape: (shape[1], shape[0]), "receptive-field size")],
    "07.4": [(5 / 3 * math.sqrt(2 / 814), "√3 times larger"), (math.sqrt(6 / 814), "tanh's gain"),
             (5 / 3 * math.sqrt(6 / 784), "averages the two fans")],
    "09.1": [(math.erfc(1 / math.sqrt(2)) / 2, "that is one tail"), (1 - math.erfc(1 / math.sqrt(2)), "within one standard deviation"),
             (0.0, "is false")],
    "09.2": [(_no_output_sigma, "the output neuron's own σ′"), (_no_weights, "multiplies by the weight in between"),
             (_output_first, "first layer first")],
    "09.3": [(lambda ws: float(np.prod(np.abs(ws))) / 4 ** (len(ws) - 1), "w₁ does not appear"),
             (lambda ws: float(np.prod(np.abs(ws[1:]))), "divide by 4 per factor"),
             (lambda ws: float(np.prod(np.abs(ws[1:]))) / 4 ** len(ws), "L − 1 ="),
             (lambda ws: float(np.prod(ws[1:])) / 4 ** (len(ws) - 1), "take |w_j|")],
    "09.4": [(lambda lr, batch_size: lr * batch_size, "must shrink, not grow"),
             (lambda lr, batch_size: lr / math.sqrt(batch_size), "divide by B")],
}






