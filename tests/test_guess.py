"""Chapter 00 (dlnotes.guess): the console game driven through stdin in a subprocess, and property tests."""
import math, os, signal, subprocess, sys, time
from pathlib import Path
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from dlnotes.guess import (GuessingGame, GameOverError, describe, linear_search, random_guess, random_narrowing,
                           bisection, use_difference, play, count_guesses, main)

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).parent / "dlnotes-guess"
COMMANDS = {"module": [sys.executable, "-m", "dlnotes.guess"], "entry point": [str(SCRIPT)]}


def bound(n): return math.ceil(math.log2(n + 1))


def target_for(seed, low=0, high=100): return GuessingGame(low, high, seed=seed).target


@pytest.fixture(params=list(COMMANDS), ids=list(COMMANDS))
def game_cmd(request):
    if request.param == "entry point" and not SCRIPT.exists():
        pytest.skip(f"{SCRIPT} not installed (run `.venv/bin/pip install -e . --no-deps`)")
    def run(args, text, timeout=60):
        return subprocess.run(COMMANDS[request.param] + list(args), input=text, capture_output=True, text=True,
                              timeout=timeout, cwd=ROOT)
    return run


def test_win(game_cmd):
    t = target_for(3)
    moves = bisection(GuessingGame(0, 100, target=t))
    assert len(moves) <= 5, "pick a seed whose target bisection finds within 5 guesses"
    r = game_cmd(["--seed", "3"], "\n".join(map(str, moves)) + "\n")
    assert r.returncode == 0, r.stderr
    assert f"You found {t} in {len(moves)} guess" in r.stdout
    assert r.stdout.count("too low") + r.stdout.count("too high") == len(moves) - 1
    assert "Traceback" not in r.stderr


def test_lose_reveals_target(game_cmd):
    t = target_for(11)
    wrong = [n for n in range(0, 101, 7) if n != t][:5]
    r = game_cmd(["--seed", "11"], "\n".join(map(str, wrong)) + "\n999\n")  # extra line is never read as a guess
    assert r.returncode == 0, r.stderr
    assert f"Out of guesses. The number was {t}." in r.stdout
    assert "Guess 6" not in r.stdout
    for n in wrong: assert ("too low" if n < t else "too high") in r.stdout


def test_garbage_does_not_count(game_cmd):
    t = target_for(5)
    garbage = ["abc", "3.5", "-1", "101", "1e3", "0x10", "  ", "五十"]
    r = game_cmd(["--seed", "5"], "\n".join(garbage + [f"  {t}  "]) + "\n")
    assert r.returncode == 0, r.stderr
    assert f"You found {t} in 1 guess!" in r.stdout
    assert r.stdout.count("Please type a whole number from 0 to 100") == len(garbage)
    assert "Traceback" not in r.stderr


def test_empty_lines(game_cmd):
    t = target_for(8)
    r = game_cmd(["--seed", "8"], "\n\n\n" + f"{t}\n")
    assert r.returncode == 0 and f"You found {t} in 1 guess!" in r.stdout
    assert r.stdout.count("that did not count") == 3


def test_eof_right_away(game_cmd):
    t = target_for(2)
    r = game_cmd(["--seed", "2"], "")
    assert r.returncode == 0, r.stderr
    assert f"No more input: goodbye! The number was {t}." in r.stdout
    assert "Traceback" not in r.stderr


def test_eof_mid_game(game_cmd):
    t = target_for(4)
    first = 0 if t != 0 else 100
    r = game_cmd(["--seed", "4"], f"{first}\nnot a number\n")  # last line without newline handled too
    assert r.returncode == 0, r.stderr
    assert f"No more input: goodbye! The number was {t}." in r.stdout
    assert r.stdout.count("Guess 2 of 5") == 2  # re-prompted after the bad line, then EOF


def test_difference_feedback_and_options(game_cmd):
    t = target_for(9, 10, 20)
    first = 10 if t != 10 else 20
    r = game_cmd(["--seed", "9", "--low", "10", "--high", "20", "--guesses", "2", "--feedback", "difference"],
                 f"{first}\n{t}\n")
    assert r.returncode == 0, r.stderr
    assert f"by {abs(t - first)}" in r.stdout and f"You found {t} in 2 guesses!" in r.stdout
    assert "You have 2 guesses" in r.stdout and "from 10 to 20" in r.stdout


@pytest.mark.parametrize("args,msg", [
    (["--low", "5", "--high", "1"], "--high must be an integer >= --low (5), got 1"),
    (["--guesses", "0"], "--guesses must be an integer >= 1, got 0"),
    (["--seed", "-1"], "--seed must be an integer >= 0, got -1"),
    (["--seed", "abc"], "argument --seed: invalid int value: 'abc'"),
    (["--high", str(10**30)], "--high must be an integer in"),
    (["--feedback", "warmer"], "argument --feedback: invalid choice"),
    (["--rounds", "3"], "unrecognized arguments: --rounds"),
])
def test_bad_options_are_named(game_cmd, args, msg):
    r = game_cmd(args, "50\n")
    assert r.returncode == 2 and msg in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and "I am thinking" not in r.stdout  # refused before the game starts


def test_help(game_cmd):
    r = game_cmd(["--help"], "")
    assert r.returncode == 0 and "--feedback" in r.stdout


# ---------------------------------------------------------------- never a traceback (issue 14)

def _shell(cmd, **kw):
    return subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=60, cwd=ROOT, **kw)


def _cli(): return " ".join(map(str, COMMANDS["module"]))


def test_stdin_closed():
    r = _shell(f"exec {_cli()} --seed 2 <&-")
    assert r.returncode == 0, r.stderr
    assert f"No more input: goodbye! The number was {target_for(2)}." in r.stdout and "Traceback" not in r.stderr


def test_stdin_not_utf8():
    r = subprocess.run(COMMANDS["module"] + ["--seed", "2"], input=b"\xff\xfe\n" + f"{target_for(2)}\n".encode(),
                       capture_output=True, timeout=60, cwd=ROOT)
    assert r.returncode == 0 and b"You found" in r.stdout and b"Traceback" not in r.stderr, r.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_stdout_full():
    r = _shell(f"{_cli()} --seed 2 >/dev/full", input="50\n")
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "cannot write the game" in r.stderr and "Traceback" not in r.stderr and "Exception ignored" not in r.stderr


def test_stdout_closed_pipe():
    r = _shell(f"yes 50 | {_cli()} --seed 2 --guesses 100000 | head -c 10 >/dev/null; echo rc=${{PIPESTATUS[1]}}")
    assert "rc=1" in r.stdout or "rc=0" in r.stdout, r.stdout
    assert "Traceback" not in r.stderr and "Exception ignored" not in r.stderr, r.stderr


def _interrupt(cmd, ready):
    "Start `cmd`, wait until `ready(proc)` holds, send SIGINT (Ctrl-C); returns (returncode, stdout, stderr)."
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.monotonic() + 30
    while not ready(p) and time.monotonic() < deadline and p.poll() is None: time.sleep(0.005)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    return p.returncode, out, err


def test_ctrl_c_while_playing():
    import fcntl
    def prompted(p):  # the first prompt has been written: the game waits for a guess
        fl = fcntl.fcntl(p.stdout, fcntl.F_GETFL); fcntl.fcntl(p.stdout, fcntl.F_SETFL, fl | os.O_NONBLOCK)
        chunk = p.stdout.read(200) or ""
        prompted.seen = getattr(prompted, "seen", "") + chunk
        return "Guess 1 of 5" in prompted.seen
    rc, out, err = _interrupt(COMMANDS["module"] + ["--seed", "2"], prompted)
    assert rc == 130, (rc, err)
    assert "Interrupted: goodbye! The number was" in prompted.seen + out and "Traceback" not in err


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc to see the start-up")
def test_ctrl_c_during_start_up():
    def importing_numpy(p):  # numpy's libraries are being loaded: the module is starting, no game yet
        try: return "numpy" in Path(f"/proc/{p.pid}/maps").read_text()
        except OSError: return False
    for cmd in COMMANDS.values():
        if not Path(cmd[0]).exists(): continue
        rc, out, err = _interrupt(cmd + ["--seed", "2"], importing_numpy)
        assert rc == 130 and "Traceback" not in err, (cmd, rc, err[-2000:])


def test_import_is_light_and_silent():
    code = "import sys, dlnotes.guess; assert 'torch' not in sys.modules; print('ok')"
    r = subprocess.run([sys.executable, "-c", code], input="", capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr  # importing never starts a game


# ---------------------------------------------------------------- property tests

ranges = st.integers(-1000, 1000).flatmap(
    lambda low: st.integers(low, low + 2000).flatmap(lambda high: st.tuples(st.just(low), st.just(high),
                                                                            st.integers(low, high))))
small_ranges = st.integers(-200, 200).flatmap(
    lambda low: st.integers(low, low + 300).flatmap(lambda high: st.tuples(st.just(low), st.just(high),
                                                                           st.integers(low, high))))


@settings(max_examples=300, deadline=None)
@given(ranges, st.sampled_from(["direction", "difference"]))
def test_bisection_within_bound(r, feedback):
    low, high, t = r
    g = play(bisection, low, high, t, feedback=feedback)
    assert g.solved and g.guesses[-1] == t
    assert g.n_guesses <= bound(high - low + 1)
    assert all(low <= n <= high for n in g.guesses)


@settings(max_examples=300, deadline=None)
@given(ranges, st.none() | st.integers(-1000, 3000))
def test_use_difference_at_most_two(r, first):
    low, high, t = r
    if first is not None: first = min(max(first, low), high)
    g = play(use_difference, low, high, t, first=first)
    assert g.solved and g.guesses[-1] == t and g.n_guesses <= 2
    assert g.n_guesses == 1 or g.guesses[0] == (first if first is not None else (low + high) // 2)


@settings(max_examples=100, deadline=None)
@given(small_ranges, st.integers(0, 2**32 - 1))
def test_every_strategy_stays_in_range_and_ends_at_target(r, seed):
    low, high, t = r
    for strat, kw in [(linear_search, {}), (random_guess, dict(seed=seed)), (random_narrowing, dict(seed=seed)),
                      (bisection, {}), (use_difference, {})]:
        g = play(strat, low, high, t, **kw)
        assert g.solved and g.guesses[-1] == t, strat.__name__
        assert all(low <= n <= high for n in g.guesses), strat.__name__
        assert all(isinstance(n, int) for n in g.guesses)
        if strat in (linear_search, random_guess): assert len(set(g.guesses)) == len(g.guesses)
    assert play(linear_search, low, high, t).n_guesses == t - low + 1


@settings(max_examples=100, deadline=None)
@given(small_ranges, st.integers(1, 10), st.integers(0, 2**32 - 1))
def test_budget_is_respected(r, budget, seed):
    low, high, t = r
    for strat, kw in [(linear_search, {}), (random_guess, dict(seed=seed)), (bisection, {})]:
        g = play(strat, low, high, t, max_guesses=budget, **kw)
        assert g.over and g.n_guesses <= budget
        assert g.solved or g.n_guesses == budget
        with pytest.raises(GameOverError):
            g.guess(low)


@settings(max_examples=200, deadline=None)
@given(ranges, st.integers(-3000, 3000))
def test_feedback_points_to_target(r, n):
    low, high, t = r
    for fb_kind in ("direction", "difference"):
        g = GuessingGame(low, high, target=t, feedback=fb_kind)
        if not low <= n <= high:
            with pytest.raises(ValueError, match=r"guess must be an integer in \["):
                g.guess(n)
            assert g.n_guesses == 0
            continue
        fb = g.guess(n)
        assert np.sign(fb) == np.sign(t - n)
        if fb_kind == "difference": assert fb == t - n
        assert g.describe() == ("correct" if n == t else "too low" if n < t else "too high")


def test_bisection_bound_is_tight_exhaustively():
    for low, high in [(0, 0), (0, 1), (0, 2), (1, 4), (0, 7), (1, 8), (0, 100), (-30, 33), (0, 511), (0, 512)]:
        c = count_guesses(bisection, low, high)
        assert c.max() == bound(high - low + 1), (low, high)
        # a perfect split: exactly 2^(j-1) targets found at guess j, except possibly the last level
        for j in range(1, c.max()): assert (c == j).sum() == 2 ** (j - 1), (low, high, j)


def test_random_guess_mean_matches_expectation():
    rng, N, games = np.random.default_rng(7), 50, 4000
    counts = np.array([play(random_guess, 1, N, seed=int(rng.integers(2**32)), rng=rng).n_guesses for _ in range(games)])
    se = math.sqrt((N**2 - 1) / 12 / games)
    assert abs(counts.mean() - (N + 1) / 2) < 4 * se
    # same target every time: the expectation does not depend on the target
    counts = np.array([play(random_guess, 1, N, target=1, rng=rng).n_guesses for _ in range(games)])
    assert abs(counts.mean() - (N + 1) / 2) < 4 * se


@pytest.mark.parametrize("bad,exc,msg", [
    (dict(low=3, high=2), ValueError, "high must be an integer >= low = 3, got 2"),
    (dict(seed=-1), ValueError, "seed must be None, an integer seed >= 0"),
    (dict(high=10**30), ValueError, "high must be an integer in"),
    (dict(target=101), ValueError, "target must be an integer in [0, 100]"),
    (dict(target=2.0), TypeError, "target must be an integer"),
    (dict(feedback="hot/cold"), ValueError, "feedback must be one of"),
    (dict(max_guesses=0), ValueError, "max_guesses must be an integer >= 1"),
    (dict(high="100"), TypeError, "high must be an integer"),
    (dict(low=True), TypeError, "low must be an integer"),
])
def test_constructor_errors(bad, exc, msg):
    with pytest.raises(exc, match=msg.replace("[", r"\[").replace("]", r"\]")):
        GuessingGame(**bad)


@pytest.mark.parametrize("n,exc", [(3.5, TypeError), (3.0, TypeError), (True, TypeError), (np.bool_(False), TypeError),
                                   ("7", TypeError), (None, TypeError), (-1, ValueError), (101, ValueError),
                                   (np.int64(200), ValueError)])
def test_guess_errors(n, exc):
    g = GuessingGame(0, 100, target=50)
    with pytest.raises(exc, match="guess must be an integer in"):
        g.guess(n)
    assert g.n_guesses == 0
    assert g.guess(np.int16(50)) == 0 and g.solved


def test_main_in_process_streams():
    import io
    out = io.StringIO()
    assert main(["--seed", "1"], stdin=io.StringIO(""), stdout=out) == 0
    assert f"The number was {target_for(1)}" in out.getvalue()
