"""Exercises (练习) of chapters 08 (optimizers) and 10 (beam search): every worked solution (read from the chapter's
`Solution NN.K` call-out) passes its checker, realistic wrong answers fail with the intended hint, and an untouched
stub is "not attempted yet".

The machinery and the solution reader are tests/test_exercises.py's (`SOLUTIONS`, `solved`); this file adds the
wrong answers of these chapters' exercises.
"""
import math
import numpy as np
import pytest

from dlnotes.exercises import EXERCISES

CHAPTERS = ("08_optimizers", "10_beam")


def _adam_uncorrected():  # two Adam steps without the bias corrections: the classic slip
    m = v = 0.0; theta = 1.0
    for g in (2.0, -1.0):
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        theta -= 0.1 * m / (math.sqrt(v) + 1e-8)
    return theta


def _adam_no_correction(theta, g, m, v, t, lr, betas, eps):
    m = betas[0] * m + (1 - betas[0]) * g; v = betas[1] * v + (1 - betas[1]) * g * g
    return theta - lr * m / (np.sqrt(v) + eps), m, v


def _adam_power_off_by_one(theta, g, m, v, t, lr, betas, eps):  # uses t − 1 (a 0-based step counter)
    m = betas[0] * m + (1 - betas[0]) * g; v = betas[1] * v + (1 - betas[1]) * g * g
    with np.errstate(divide="ignore", invalid="ignore"):
        return theta - lr * (m / (1 - betas[0] ** (t - 1))) / (np.sqrt(v / (1 - betas[1] ** (t - 1))) + eps), m, v


def _adam_theta_only(theta, g, m, v, t, lr, betas, eps):
    return _adam_no_correction(theta, g, m, v, t, lr, betas, eps)[0]


def _per_beam(beams, logp, k):  # keeps k per beam, then merges: more than k candidates
    out = []
    for i, (toks, s) in enumerate(beams):
        out += sorted([(toks + (w,), s + logp[i, w]) for w in range(logp.shape[1])], key=lambda c: -c[1])[:k]
    return sorted(out, key=lambda c: -c[1])


def _token_only(beams, logp, k):  # forgets the prefix's score
    return sorted([(t + (w,), logp[i, w]) for i, (t, s) in enumerate(beams) for w in range(logp.shape[1])],
                  key=lambda c: -c[1])[:k]


def _worst_first(beams, logp, k):  # sorts ascending: keeps the k worst
    return sorted([(t + (w,), s + logp[i, w]) for i, (t, s) in enumerate(beams) for w in range(logp.shape[1])],
                  key=lambda c: c[1])[:k]


WRONG = {
    "08.1": [(_adam_uncorrected(), "bias correction"), (0.9, "that is θ₁"), (0.8, "the second step is not ±η")],
    "08.2": [(lambda mu: 1 / (1 + mu), "does not alternate"), (lambda mu: mu / (1 - mu), "this step's own gradient")],
    "08.3": [(_adam_no_correction, "bias-corrected moments"), (_adam_power_off_by_one, "the power t"),
             (_adam_theta_only, "as a tuple: (theta, m, v)")],
    "08.4": [(58, "one trial more"), (20, "64 %")],
    "10.1": [(math.log10(0.216), "natural logarithm"), (0.216, "its logarithm"), (3.0, "add their logs"),
             (math.log(0.144), "greedy's sentence")],
    "10.2": [(0.216, "step 3 decides"), (0.24, "still needs étudiant"), (0.144, "now 0.95"), (2.95, "not their sum")],
    "10.3": [(_per_beam, "not k per beam"), (_token_only, "not the token's alone"), (_worst_first, "highest")],
}








def test_checkers_use_the_chapters_numbers():
    from dlnotes.beam import NOTES_TABLE
    assert EXERCISES["10.1"].cases(None)[0].expected == pytest.approx(math.log(0.216))
    assert EXERCISES["10.2"].cases(None)[0].expected == pytest.approx(0.4 * 0.6 * 0.95)
    assert NOTES_TABLE[("moi", "suis")]["étudiant"] == 0.6  # the exercise changes a copy, not the chapter's table
    assert EXERCISES["08.1"].cases(None)[0].expected == pytest.approx(0.873366, abs=1e-6)
