"""Exercises (练习, dlnotes.exercises): every worked solution passes its checker, a realistic wrong answer
per exercise fails with the intended hint, and an untouched stub is "not attempted yet", never an error.

The solutions are read from the chapters themselves (the code in each `Solution NN.K` call-out), so the
solution a reader unfolds is the one tested here. Every registered exercise's solution is checked here; the
wrong answers of chapters 00 and 02 are here, those of other chapters in tests/test_exercises_*.py.
Every report comes in English and in Chinese (`check(id, answer, lang="zh")`, or DLNOTES_LANG=zh): each wrong
answer fails the same way in both, and every hint and every worded case of the source is written `_t(en, zh)`.
"""
import ast, importlib, math, re, zlib
from pathlib import Path
import numpy as np
import pytest

import dlnotes.exercises as exercises_module
from dlnotes.exercises import EXERCISES, Exercise, Case, Result, Say, check, exercises, register, _say
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


CJK = re.compile(r"[\u4e00-\u9fff]")


def _same(a, b):
    "Are two reported values (numbers, strings, arrays, tuples/lists of them) the same?"
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray): return np.array_equal(a, b, equal_nan=True)
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a): return math.isnan(b)
    return a == b


@pytest.mark.parametrize("ex_id,k", [(i, k) for i in sorted(ALL_WRONG) for k in range(len(ALL_WRONG[i]))])
def test_wrong_answer_gets_the_hint(ex_id, k, monkeypatch):
    monkeypatch.delenv("DLNOTES_LANG", raising=False)
    answer, words = ALL_WRONG[ex_id][k]
    r = check(ex_id, answer)
    assert r.status == "failed" and not r and r.lang == "en", r.message()
    assert words in r.hint, f"{ex_id}: hint {r.hint!r} should say {words!r}"
    msg = r.message()
    assert r.case in msg.replace("\n    ", " ") and "expected" in msg and "got" in msg
    assert all(len(line) <= 90 for line in msg.splitlines()), msg
    # lang="en" is the default: the same English report, word for word, and no Chinese in its hint
    en = check(ex_id, answer, lang="en")
    assert (en.status, en.n_cases, en.case, en.hint, en.message(), en._repr_markdown_()) == \
           (r.status, r.n_cases, r.case, r.hint, msg, r._repr_markdown_())
    assert not CJK.search(en.hint), en.hint
    # lang="zh": the same failing case, expected and got values, with the hint and the report words in Chinese
    zh = check(ex_id, answer, lang="zh")
    assert zh.status == "failed" and not zh and zh.lang == "zh", zh.message()
    assert zh.n_cases == r.n_cases and _same(zh.expected, r.expected) and _same(zh.got, r.got), (zh, r)
    if r.case != f"{EXERCISES[ex_id].name} itself":
        show = EXERCISES[ex_id].cases(np.random.default_rng(zlib.crc32(ex_id.encode())))[r.n_cases].show
        assert (zh.case, r.case) == (_say(show, "zh"), _say(show, "en"))
        assert zh.case == r.case if isinstance(show, str) else CJK.search(zh.case), (zh.case, r.case)
    assert CJK.search(zh.hint) and zh.hint != r.hint, f"{ex_id}: hint {zh.hint!r} should be Chinese"
    zmsg = zh.message()
    assert all(w in zmsg for w in ("未通过用例", "期望", "得到", "提示")) and "expected" not in zmsg.split("\n")[1]
    assert zh.case in zmsg.replace("\n    ", "").replace("\n", "") or zh.case in zmsg.replace("\n    ", " ")
    assert all(len(line) <= 90 for line in zmsg.splitlines()), zmsg
    assert all(exercises_module._cols(line) <= 90 for line in zmsg.splitlines() if CJK.search(line[:12])), zmsg
    assert zh._repr_markdown_().startswith("❌") and zh.hint in zh._repr_markdown_()


def test_report_language(monkeypatch):
    "lang picks the report's language; None reads DLNOTES_LANG; anything but en/zh is refused, naming lang."
    monkeypatch.delenv("DLNOTES_LANG", raising=False)
    wrong = lambda N: math.ceil(math.log2(N))
    with pytest.raises(ValueError, match="lang"): check("00.2", wrong, lang="fr")
    with pytest.raises(ValueError, match="lang"): check("00.2", wrong, lang="")
    assert check("00.2", wrong).lang == "en" and "one short" in check("00.2", wrong).hint
    monkeypatch.setenv("DLNOTES_LANG", "zh")
    r = check("00.2", wrong)
    assert r.lang == "zh" and CJK.search(r.hint) and r.message().startswith("练习 00.2：未通过用例 worst_case(4)")
    assert check("00.2", wrong, lang="en").hint == check("00.2", wrong, lang="en").hint and \
           "one short" in check("00.2", wrong, lang="en").hint  # an explicit lang wins over the variable
    assert "尚未作答" in check("00.2", ...).message() and check("00.2", ...).status == "not attempted"
    ok = check("00.2", solved("00.2"))
    assert ok.passed and ok.message() == f"练习 00.2：全部 {ok.n_cases} 个隐藏用例都通过了，做得好！"
    r = check("00.2", 7)  # a number where a function is asked for: the case and hint in Chinese too
    assert r.case == "worst_case 本身" and "def worst_case" in r.hint and CJK.search(r.hint)
    monkeypatch.setenv("DLNOTES_LANG", "fr")
    with pytest.raises(ValueError, match="lang"): check("00.2", wrong)
    monkeypatch.setenv("DLNOTES_LANG", "")  # set but empty: English
    assert check("00.2", wrong).lang == "en"
    assert Say("a", "甲")("zh") == "甲" and _say("worst_case(4)", "zh") == "worst_case(4)"


# two words in a row, or a little word: a case shown with words, not a plain call like "worst_case(4)"
_WORDS = re.compile(r"[A-Za-z]{2,} [a-z]{2,}|\b(of|for|on|in|at|to|with|after|under|from|the|by|epochs?|numbers?|inputs?)\b")
_MATH = re.compile(r"\b(log|ln|exp|sin|sum|softmax)\b")  # function names in a formula are not words


def _text(node):
    "The literal text of a str constant or f-string (its placeholders dropped), else None."
    if isinstance(node, ast.Constant) and isinstance(node.value, str): return node.value
    if isinstance(node, ast.JoinedStr): return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    return None


def _branches(node):
    "The values an expression may take, through `a if c else b`."
    return _branches(node.body) + _branches(node.orelse) if isinstance(node, ast.IfExp) else [node]


def _bilingual(node, where):
    "`node` is `_t(english, chinese)`: two literal texts, the first without Chinese, the second with it."
    assert isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_t" and len(node.args) == 2, \
        f"{where}: {ast.unparse(node)[:80]} should be _t(english, chinese)"
    en, zh = (_text(a) for a in node.args)
    assert en is not None and zh is not None and not CJK.search(en) and CJK.search(zh), f"{where}: {ast.unparse(node)[:120]}"


def test_every_hint_and_worded_case_is_bilingual():
    "Read from the source: every message a hint returns is `_t(en, zh)`, and so is every Case shown with words."
    tree = ast.parse(Path(exercises_module.__file__).read_text())
    funcs = {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
    hints = 0
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "Exercise"): continue
        ex_id = _text(call.args[0])
        hint = call.args[5] if len(call.args) > 5 else next(k.value for k in call.keywords if k.arg == "hint")
        if isinstance(hint, ast.Lambda): returns = [hint.body]
        else: returns = [r.value for r in ast.walk(funcs[hint.id]) if isinstance(r, ast.Return) and r.value is not None]
        assert returns, ex_id
        for value in returns:
            for msg in _branches(value): _bilingual(msg, f"hint of {ex_id}"); hints += 1
    assert hints >= 3 * len(EXERCISES)
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "Case" and call.args): continue
        for show in _branches(call.args[0]):
            text = _text(show)
            if text is None: _bilingual(show, "Case")
            else: assert not _WORDS.search(_MATH.sub("", text)), f"Case {text!r} has words: write it _t(english, chinese)"


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
