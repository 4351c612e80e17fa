"""`dlnotes-reproduce` as a user runs it (subprocesses): every option checked before any work, never a traceback,
Ctrl-C exits 130 with one line, a closed or full stdout is handled. Tiny synthetic IDX files and 1 epoch keep it fast."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_reproduce import write_fake_mnist

ENV = {**os.environ, "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
ENV.pop("DLNOTES_DATA", None)


def _cli():
    exe = Path(sys.executable).parent / "dlnotes-reproduce"
    return [str(exe)] if exe.exists() else [sys.executable, "-c", "import sys; from dlnotes.reproduce import main; sys.exit(main())"]


def run(*args, timeout=120, **kw):
    "Run the command; returns the CompletedProcess (text), after checking that nothing printed a traceback."
    kw.setdefault("capture_output", True)
    r = subprocess.run(_cli() + [str(a) for a in args], text=True, timeout=timeout, env=ENV, **kw)
    assert "Traceback" not in (r.stderr or "") + (r.stdout or ""), r.stderr
    return r


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    "A user's own MNIST-format subset: 600 training images, gzipped."
    return write_fake_mnist(tmp_path_factory.mktemp("own"), gz=True)


def test_own_files_run_prints_size_and_not_comparable(own, tmp_path):
    out = tmp_path / "cli.png"
    r = run("--data-dir", own, "--no-download", "--own-files", "--dataset", "mnist", "--seeds", "0", "--epochs", "1",
            "--rungs", "ch1-quadratic-30", "ch3-crossentropy-30", "--out", out)
    assert r.returncode == 0, r.stderr
    text = " ".join(r.stdout.split())                                               # notes are wrapped at 88 columns
    assert "MNIST-format files (own, unverified) (500 training images" in text and "95.42%" in text
    assert "NOT comparable" in text and "ours − book" not in text
    assert "[2/2] ch3-crossentropy-30 seed 0" in r.stdout and out.exists() and f"figure saved to {out}" in r.stdout


def test_own_files_without_the_option_say_how(own, tmp_path):
    r = run("--data-dir", own, "--no-download", "--dataset", "mnist", "--out", tmp_path / "x.png")
    assert r.returncode == 2 and "fails its checksum" in r.stderr and "--own-files" in r.stderr
    assert "delete" not in r.stderr.lower() and not (tmp_path / "x.png").exists()


def test_auto_mode_falls_back_to_digits_and_says_why(tmp_path):
    r = run("--data-dir", tmp_path, "--no-download", "--quick", "--seeds", "0", "--rungs", "ch3-crossentropy-30",
            "--out", tmp_path / "d.png", "--quiet")
    assert r.returncode == 0, r.stderr
    text = " ".join(r.stdout.split())
    assert "on digits" in text and "NOT comparable" in text and "[1/1]" not in text   # --quiet: table only
    assert "missing train-images-idx3-ubyte.gz" in text                                        # why it fell back


def test_requires_mnist_when_asked(tmp_path):
    r = run("--data-dir", tmp_path, "--no-download", "--dataset", "mnist", "--out", tmp_path / "x.png")
    assert r.returncode == 2 and "MNIST is not available" in r.stderr


@pytest.mark.parametrize("args, option", [
    (["--seeds", "-1"], "--seeds"), (["--seeds", "x"], "--seeds"), (["--seeds"], "--seeds"), (["--epochs", "0"], "--epochs"),
    (["--epochs", "-3"], "--epochs"), (["--epochs", "1.5"], "--epochs"), (["--rungs", "ch9"], "--rungs"),
    (["--dataset", "cifar"], "--dataset"), (["--out", "/no/such/dir/ladder.png"], "--out"), (["--out", "ladder.txt"], "--out"),
    (["--out", "."], "--out"), (["--bogus"], "--bogus")])
def test_bad_options_are_named_before_any_work(tmp_path, args, option):
    t0 = time.perf_counter()
    r = run("--dataset", "digits", *args, cwd=tmp_path) if "--dataset" not in args else run(*args, cwd=tmp_path)
    assert r.returncode == 2 and option in r.stderr and "usage:" in r.stderr, r.stderr
    assert r.stdout == "" and list(tmp_path.iterdir()) == []                                        # nothing trained or written
    assert time.perf_counter() - t0 < 30


def test_output_path_checked_before_training(tmp_path):
    "The figure path in a missing directory: refused at once, not after the training (which would be lost)."
    r = run("--dataset", "digits", "--rungs", "ch3-L2-100", "--out", tmp_path / "missing" / "ladder.png")
    assert r.returncode == 2 and "does not exist" in r.stderr and "seed 0" not in r.stdout


def test_closed_stdout_is_a_quiet_stop(tmp_path):
    "`dlnotes-reproduce | head -0`: the reader is gone before the first line; no traceback, exit 141."
    rfd, wfd = os.pipe()
    os.close(rfd)
    try:
        r = run("--dataset", "digits", "--quick", "--seeds", "0", "--rungs", "ch3-crossentropy-30", "--out", tmp_path / "p.png",
                stdout=wfd, stderr=subprocess.PIPE, capture_output=False)
    finally: os.close(wfd)
    assert r.returncode == 141 and r.stderr == "", r.stderr


def test_pipe_into_head(tmp_path):
    cmd = " ".join(_cli()) + f" --dataset digits --quick --seeds 0 1 --out {tmp_path / 'h.png'} | head -n 1"
    r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, timeout=120, env=ENV)
    assert r.stdout.startswith("NOTE:") and "Traceback" not in r.stderr and r.returncode in (0, 141), r.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_full_stdout(tmp_path):
    with open("/dev/full", "w") as full:
        r = run("--dataset", "digits", "--quick", "--seeds", "0", "--rungs", "ch3-crossentropy-30", "--out", tmp_path / "f.png",
                stdout=full, stderr=subprocess.PIPE, capture_output=False)
    assert r.returncode == 1 and "cannot write the output" in r.stderr and r.stderr.count("\n") == 1, r.stderr


def test_ctrl_c_during_training_exits_130_with_one_line(tmp_path):
    p = subprocess.Popen(_cli() + ["--dataset", "digits", "--rungs", "ch3-crossentropy-100", "--epochs", "400", "--seeds", "0", "1",
                                   "--out", str(tmp_path / "c.png")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        assert p.stdout.readline().startswith("NOTE:")                   # loaded, now training seed 0
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None: p.kill(); p.wait()
    assert p.returncode == 130 and "Traceback" not in err and err.strip() == "dlnotes-reproduce: interrupted (Ctrl-C); nothing was saved"
    assert not (tmp_path / "c.png").exists()
