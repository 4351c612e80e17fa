"""Exercises (练习, dlnotes.exercises): every worked solution passes its checker, a realistic wrong answer
per exercise fails with the intended hint, and an untouched stub is "not attempted yet", never an error.

The solutions are read from the chapters themselves (the code in each `Solution NN.K` call-out), so the
solution a reader unfolds is the one tested here. Every registered exercise's solution is checked here; the
wrong answers of chapters 00 and 02 are here, those of other chapters in tests/test_exercises_*.py.
"""
import importlib, math
from pathlib import Path
import numpy as np
import pytest

from dlnotes.exercises import EXERCISES, Exercise, Case, Result, check, exercises, register
from exercise_support import SOLUTIONS, solved

OURS = ("00_guess", "02_descent")  # the other chapters' wrong answers live in tests/test_exercises_*.py


# a realistic wrong answer per exercise, and words the hint must contain
def _linear(game):
    n = game.low
    while not game.over: game.guess(n); n += 1

def _lo_equals_n(game):  # the classic off-by-one: the interval never shrinks past n
    lo, hi = game.low, game.high
    while not game.over:
        n = (lo + hi) // 2
        fb = game.guess(n)
        if fb > 0: lo = n
        elif fb < 0: hi = n

def _until_solved(game):  # ignores the budget: plays on after the game is over
    lo, hi = game.low, game.high
    while not game.solved:
        n = (lo + hi + 1) // 2 + 1 if hi - lo > 2 else lo
        fb = game.guess(min(max(n, game.low), game.high))
        if fb > 0: lo = n + 1
        elif fb < 0: hi = n - 1

def _sorted_batches(n, batch_size, rng):  # forgets to shuffle
    return [np.arange(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]

def _same_order(n, batch_size, rng):  # shuffles with a fixed seed: the same order every epoch
    order = np.random.default_rng(0).permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]

def _equal_split(n, batch_size, rng):  # np.array_split into ceil(n/B) nearly equal parts, not full batches
    return np.array_split(rng.permutation(n), -(-n // batch_size))

WRONG = {
    "00.1": [(9, "⌊log₂ 1000⌋"), (1000, "2^k − 1")],
    "00.2": [(lambda N: math.ceil(math.log2(N)), "one short when N is a power of two"),
             (lambda N: math.floor(math.log2(N)) + 2, "2^k − 1 >= N")],
    "00.3": [(lambda N: N / 2, "off by ½"), (lambda N: N, "uniformly random position")],
    "00.4": [(_linear, "guess its middle"), (_lo_equals_n, "lo = n + 1"), (_until_solved, "while not game.over")],
    "02.1": [(0.2, "one step"), (2.5, "|1 − ηa|")],
    "02.2": [(lambda Phi: 2 / np.linalg.eigvalsh(Phi.T @ Phi).max(), "(2/N)·ΦᵀΦ, not ΦᵀΦ"),
             (lambda Phi: 2 / np.linalg.eigvalsh(2 / len(Phi) * Phi.T @ Phi).min(), "largest eigenvalue"),
             (lambda Phi: 1 / np.linalg.eigvalsh(2 / len(Phi) * Phi.T @ Phi).max(), "the limit is 2/λmax")],
    "02.3": [(lambda a, lr, x0, tol: math.ceil(math.log(tol / abs(x0)) / math.log(abs(1 - lr * a))) + 1, "one step too many"),
             (lambda a, lr, x0, tol: math.ceil(math.log(tol / abs(x0)) / math.log(abs(1 - lr * a) + 1e-300)) if abs(1 - lr * a) < 1
              else -1, "never shrink")],
    "02.4": [(_sorted_batches, "fresh order"), (_same_order, "fresh order"), (_equal_split, "full batches of batch_size")],
}


def _all_wrong():
    "WRONG of this file and of every tests/test_exercises_*.py (each holds its chapters' wrong answers)."
    tables = [WRONG] + [importlib.import_module(f.stem).WRONG for f in sorted(Path(__file__).parent.glob("test_exercises_*.py"))]
    out = {}
    for t in tables:
        assert not set(out) & set(t), f"wrong answers given twice for {set(out) & set(t)}"
        out.update(t)
    return out

ALL_WRONG = _all_wrong()


def test_every_exercise_has_a_solution_and_a_wrong_answer():
    assert set(SOLUTIONS) == set(EXERCISES), "each registered exercise needs exactly one solution call-out"
    ours = {e.id for e in EXERCISES.values() if e.chapter in OURS}
    assert ours <= set(WRONG), "each exercise of chapters 00 and 02 needs a realistic wrong answer here"
    assert set(ALL_WRONG) == set(EXERCISES), "each exercise needs realistic wrong answers (here or in tests/test_exercises_*.py)"
    for ex in EXERCISES.values():
        assert SOLUTIONS[ex.id][0] == ex.chapter, f"{ex.id}: solution is in {SOLUTIONS[ex.id][0]}, not {ex.chapter}"
    counts = {}
    for ex in EXERCISES.values(): counts[ex.chapter] = counts.get(ex.chapter, 0) + 1
    assert all(3 <= n <= 5 for n in counts.values()), counts
    assert {"00_guess", "02_descent"} <= set(counts)


@pytest.mark.parametrize("ex_id", sorted(EXERCISES))
def test_solution_passes(ex_id):
    r = check(ex_id, solved(ex_id))
    assert r.status == "passed", r.message()
    assert r.n_cases >= 1 and bool(r) and "passed all" in r.message()


@pytest.mark.parametrize("ex_id,k", [(i, k) for i in sorted(ALL_WRONG) for k in range(len(ALL_WRONG[i]))])
def test_wrong_answer_gets_the_hint(ex_id, k):
    answer, words = ALL_WRONG[ex_id][k]
    r = check(ex_id, answer)
    assert r.status == "failed" and not r, r.message()
    assert words in r.hint, f"{ex_id}: hint {r.hint!r} should say {words!r}"
    msg = r.message()
    assert r.case in msg.replace("\n    ", " ") and "expected" in msg and "got" in msg
    assert all(len(line) <= 90 for line in msg.splitlines()), msg


@pytest.mark.parametrize("ex_id", sorted(EXERCISES))
def test_untouched_stub_is_not_attempted(ex_id):
    ex = EXERCISES[ex_id]
    def stub(*args, **kw): ...
    def raises(*args, **kw): raise NotImplementedError
    for answer in ([..., None] if ex.kind != "function" else [stub, raises, ...]):
        r = check(ex_id, answer)
        assert r.status == "not attempted" and "not attempted yet" in r.message(), r


def test_reports_instead_of_raising():
    r = check("00.2", lambda N: 1 / 0)
    assert r.status == "failed" and r.got.startswith("ZeroDivisionError")
    r = check("00.2", 7)  # a number where a function is asked for
    assert r.status == "failed" and "def worst_case" in r.hint
    r = check("00.2", lambda N: "3")
    assert r.status == "failed"
    r = check("00.4", lambda game: game.guess("x"))
    assert r.status == "failed" and "TypeError" in r.got


def test_hidden_cases_are_seeded_and_reported_in_markdown():
    a = [c.show for c in EXERCISES["00.4"].cases(np.random.default_rng(1))]
    b = [c.show for c in EXERCISES["00.4"].cases(np.random.default_rng(1))]
    assert a == b and len(a) >= 30
    r1, r2 = check("00.2", lambda N: N), check("00.2", lambda N: N)
    assert r1 == r2
    md = r1._repr_markdown_()
    assert md.startswith("❌") and "expected" in md
    assert check("00.1", ...)._repr_markdown_().startswith("✏️")


def test_registry_rejects_bad_exercises():
    with pytest.raises(ValueError, match="registered twice"): register(EXERCISES["00.1"])
    with pytest.raises(TypeError, match="ex must be an Exercise"): register("00.9")
    with pytest.raises(ValueError, match="ex.kind must be one of"):
        register(Exercise("zz.1", "zz", "x", "essay", lambda rng: [], lambda c, g: ""))
    with pytest.raises(ValueError, match="id must be one of"): check("99.9", 1)
    assert [e.id for e in exercises("00_guess")] == ["00.1", "00.2", "00.3", "00.4"]
    assert [e.id for e in exercises("02_descent")] == ["02.1", "02.2", "02.3", "02.4"]
    assert isinstance(Case("f(1)", (1,), 2), Case) and Result("00.1", "passed", 1).passed
