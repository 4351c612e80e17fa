"""dlnotes.data: the MNIST download path against a local HTTP server (127.0.0.1 only), IDX parsing,
and property tests of the digits split, one_hot and synthetic_regression."""
import contextlib, gzip, hashlib, http.server, os, signal, socket, stat, subprocess, sys, threading, time, warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import dlnotes.data as D
from dlnotes.data import (MNIST_CHECKSUMS, MNIST_FILES, MNIST_MIRRORS, MNISTUnavailable, load_digits, load_mnist,
                          mnist_dir, one_hot, read_idx, stratified_split, synthetic_regression, write_idx)

N_TRAIN, N_TEST = 30, 8


# --------------------------------------------------------------------------- fixtures: tiny MNIST + local server
def _arrays(seed=0):
    rng = np.random.default_rng(seed)
    return {"train-images-idx3-ubyte": rng.integers(0, 256, (N_TRAIN, 28, 28), dtype=np.uint8),
            "train-labels-idx1-ubyte": rng.integers(0, 10, N_TRAIN, dtype=np.uint8),
            "t10k-images-idx3-ubyte": rng.integers(0, 256, (N_TEST, 28, 28), dtype=np.uint8),
            "t10k-labels-idx1-ubyte": rng.integers(0, 10, N_TEST, dtype=np.uint8)}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    "The four tiny files gzipped: (arrays, {name.gz: bytes}, checksums with sha256, md5 and size)."
    d = tmp_path_factory.mktemp("src")
    arrays, blobs, sums = _arrays(), {}, {}
    for name, a in arrays.items():
        b = write_idx(d / (name + ".gz"), a).read_bytes()
        blobs[name + ".gz"] = b
        sums[name + ".gz"] = {"sha256": hashlib.sha256(b).hexdigest(), "md5": hashlib.md5(b).hexdigest(), "size": len(b)}
    return arrays, blobs, sums


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args): pass

    def do_GET(self):
        srv = self.server
        if srv.modes.get(self.path) == "trickle-headers":                         # the status line, then 1 byte / 50 ms
            with srv.lock: srv.hits.append(self.path)
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n" + b"X-Slow: " + b"a" * 300 + b"\r\n\r\n"
            for i in range(len(head)):
                if srv.stop.is_set(): return
                try: self.wfile.write(head[i:i + 1]); self.wfile.flush()
                except OSError: return
                time.sleep(0.05)
            return
        with srv.lock: srv.hits.append(self.path)
        body, mode = srv.files.get(self.path), srv.modes.get(self.path)
        if body is None:
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        self.send_response(200)
        if mode != "close-no-length": self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if mode == "hang":
            srv.stop.wait(3); return
        if mode == "trickle":                                                      # one byte every 50 ms (bounded)
            for i in range(min(len(body), 400)):
                if srv.stop.is_set(): return
                try: self.wfile.write(body[i:i + 1]); self.wfile.flush()
                except OSError: return
                time.sleep(0.05)
            return
        if mode in ("truncate", "close-no-length"): body = body[: len(body) // 2]
        self.wfile.write(body); self.wfile.flush()
        self.close_connection = True


class Server:
    "An HTTP server on 127.0.0.1 (port 0) in a daemon thread; `files`/`modes` keyed by URL path, `hits` lists requests."

    def __init__(self):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.files, self.httpd.modes, self.httpd.hits, self.httpd.lock = {}, {}, [], threading.Lock()
        self.httpd.stop = threading.Event()
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs=dict(poll_interval=0.05), daemon=True)
        self.thread.start()

    def mirror(self, prefix, blobs, modes=None, skip=()):
        "Serve `blobs` under /prefix/; returns the mirror URL."
        for name, b in blobs.items():
            if name not in skip: self.httpd.files[f"/{prefix}/{name}"] = b
        for name, m in (modes or {}).items(): self.httpd.modes[f"/{prefix}/{name}"] = m
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{prefix}/"

    @property
    def hits(self):
        with self.httpd.lock: return list(self.httpd.hits)

    def close(self):
        self.httpd.stop.set(); self.httpd.shutdown(); self.httpd.server_close(); self.thread.join(5)


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    "Keep every request on 127.0.0.1, whatever proxy the environment configures."
    for v in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"): monkeypatch.delenv(v, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.delenv("DLNOTES_DATA", raising=False)


def _leftovers(d):
    "Temporary or partial files left in the cache directory."
    return [p.name for p in Path(d).iterdir() if p.name.startswith(".") or p.suffix == ".part"] if Path(d).exists() else []


def _corrupt(b):
    b = bytearray(b); b[len(b) // 2] ^= 0xFF; return bytes(b)


@contextlib.contextmanager
def _bounded(seconds):
    "Fail (instead of hanging) if the block takes longer than `seconds` (SIGALRM interrupts a blocking open/read)."
    def on_alarm(*_): raise AssertionError(f"still running after {seconds}s: this would hang")
    old = signal.signal(signal.SIGALRM, on_alarm); signal.setitimer(signal.ITIMER_REAL, seconds)
    try: yield
    finally: signal.setitimer(signal.ITIMER_REAL, 0); signal.signal(signal.SIGALRM, old)


def _own(d, arrays, gz=False):
    "Write the tiny arrays into `d` as the four MNIST files (your own data set: not the official sizes)."
    for name, a in arrays.items(): write_idx(Path(d) / (name + (".gz" if gz else "")), a)
    return d


def _quiet_load(*args, **kw):
    "load_mnist(..., verify=False) without its UserWarning."
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return load_mnist(*args, **kw)


def _refused_url():
    "A URL on 127.0.0.1 where nothing listens (connection refused)."
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    return f"http://127.0.0.1:{port}/nothing/"


# --------------------------------------------------------------------------- the download path
def test_download_good_files_then_cache_reused(server, tiny, tmp_path):
    arrays, blobs, sums = tiny
    m = server.mirror("m1", blobs)
    data = load_mnist(tmp_path, mirrors=[m], checksums=sums, valid_size=5, timeout=5)
    assert [s.X.shape for s in data] == [(N_TRAIN - 5, 784), (5, 784), (N_TEST, 784)]
    assert all(s.X.dtype == np.float64 and s.y.dtype == np.int64 for s in data)
    np.testing.assert_array_equal(data.test.y, arrays["t10k-labels-idx1-ubyte"])
    np.testing.assert_array_equal(data.valid.y, arrays["train-labels-idx1-ubyte"][-5:])
    np.testing.assert_allclose(data.train.X[0], arrays["train-images-idx3-ubyte"][0].ravel() / 255)
    assert all(0 <= s.X.min() and s.X.max() <= 1 for s in data)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(blobs)          # exactly the 4 files, nothing else
    for name, b in blobs.items(): assert (tmp_path / name).read_bytes() == b
    assert len(server.hits) == 4
    again = load_mnist(tmp_path, mirrors=[m], checksums=sums, valid_size=5, timeout=5)
    assert len(server.hits) == 4                                                 # served from the cache
    for a, b in zip(data, again): np.testing.assert_array_equal(a.X, b.X)


def test_only_missing_files_are_downloaded(server, tiny, tmp_path):
    arrays, blobs, sums = tiny
    for name in list(blobs)[:3]: (tmp_path / name).write_bytes(blobs[name])
    m = server.mirror("m1", blobs)
    load_mnist(tmp_path, mirrors=[m], checksums=sums, valid_size=5, timeout=5)
    assert server.hits == ["/m1/t10k-labels-idx1-ubyte.gz"]


def test_corrupt_file_tries_next_mirror(server, tiny, tmp_path):
    arrays, blobs, sums = tiny
    bad = dict(blobs, **{"train-labels-idx1-ubyte.gz": _corrupt(blobs["train-labels-idx1-ubyte.gz"])})
    m1, m2 = server.mirror("bad", bad), server.mirror("good", blobs)
    data = load_mnist(tmp_path, mirrors=[m1, m2], checksums=sums, valid_size=5, timeout=5)
    np.testing.assert_array_equal(np.concatenate([data.train.y, data.valid.y]), arrays["train-labels-idx1-ubyte"])
    assert "/bad/train-labels-idx1-ubyte.gz" in server.hits and "/good/train-labels-idx1-ubyte.gz" in server.hits
    assert (tmp_path / "train-labels-idx1-ubyte.gz").read_bytes() == blobs["train-labels-idx1-ubyte.gz"]
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("algo", ["sha256", "md5"])
def test_corrupt_file_everywhere_is_a_clear_error(server, tiny, tmp_path, algo):
    arrays, blobs, sums = tiny
    name = "t10k-images-idx3-ubyte.gz"
    bad = dict(blobs, **{name: _corrupt(blobs[name])})
    only = {k: {algo: v[algo]} for k, v in sums.items()}                          # each algorithm works on its own
    m1, m2 = server.mirror("a", bad), server.mirror("b", bad)
    with pytest.raises(MNISTUnavailable) as e:
        load_mnist(tmp_path, mirrors=[m1, m2], checksums=only, valid_size=5, timeout=5)
    msg = str(e.value)
    assert f"{algo} checksum mismatch" in msg and name in msg and str(tmp_path) in msg
    assert msg.count("checksum mismatch") == 2                                    # both mirrors tried and reported
    assert not (tmp_path / name).exists() and _leftovers(tmp_path) == []


def test_wrong_size_is_refused(server, tiny, tmp_path):
    arrays, blobs, sums = tiny
    name = "train-labels-idx1-ubyte.gz"
    sizes = {k: dict(v) for k, v in sums.items()}; sizes[name]["size"] -= 1
    with pytest.raises(MNISTUnavailable, match="more than the expected"):
        load_mnist(tmp_path, mirrors=[server.mirror("m", blobs)], checksums=sizes, timeout=5)
    assert not (tmp_path / name).exists() and _leftovers(tmp_path) == []


@pytest.mark.parametrize("mode", ["truncate", "close-no-length"])
def test_truncated_transfer_leaves_no_partial_file(server, tiny, tmp_path, mode):
    arrays, blobs, sums = tiny
    name = "train-images-idx3-ubyte.gz"
    m = server.mirror("t", blobs, modes={name: mode})
    with pytest.raises(MNISTUnavailable) as e:
        load_mnist(tmp_path, mirrors=[m], checksums=sums, timeout=5)
    assert name in str(e.value) and str(tmp_path) in str(e.value)
    assert not (tmp_path / name).exists() and _leftovers(tmp_path) == []
    # a good second mirror rescues the same call
    data = load_mnist(tmp_path, mirrors=[m, server.mirror("ok", blobs)], checksums=sums, valid_size=5, timeout=5)
    assert len(data.train.y) == N_TRAIN - 5 and _leftovers(tmp_path) == []


@pytest.mark.parametrize("mode, why", [("truncate", "truncated transfer"), ("close-no-length", "not a complete gzip file")])
def test_truncated_transfer_without_checksums(server, tiny, tmp_path, mode, why):
    "Content-Length, or else the gzip stream's end, catches a short transfer even when no digest is known."
    arrays, blobs, sums = tiny
    name = "t10k-images-idx3-ubyte.gz"
    m = server.mirror("t", blobs, modes={name: mode})
    with pytest.raises(MNISTUnavailable, match=why) as e:
        load_mnist(tmp_path, mirrors=[m], checksums={}, timeout=5)
    assert ".part" not in str(e.value)                                             # messages name the real file
    assert not (tmp_path / name).exists() and _leftovers(tmp_path) == []


def test_timeout_is_an_error(server, tiny, tmp_path):
    arrays, blobs, sums = tiny
    name = "train-images-idx3-ubyte.gz"
    m = server.mirror("slow", blobs, modes={name: "hang"})
    t0 = time.perf_counter()
    with pytest.raises(MNISTUnavailable, match="timed out|TimeoutError"):
        load_mnist(tmp_path, mirrors=[m], checksums=sums, timeout=0.5)
    assert time.perf_counter() - t0 < 2.5
    assert not (tmp_path / name).exists() and _leftovers(tmp_path) == []


def test_missing_everywhere_names_file_and_directory(server, tiny, tmp_path):
    arrays, blobs, sums = tiny
    name = "t10k-labels-idx1-ubyte.gz"
    m1, m2 = server.mirror("x", blobs, skip=[name]), server.mirror("y", blobs, skip=[name])
    cache = tmp_path / "cache"
    with pytest.raises(MNISTUnavailable) as e:
        load_mnist(cache, mirrors=[m1, m2, _refused_url()], checksums=sums, timeout=5)
    msg = str(e.value)
    assert f"could not download a verified {name}" in msg and str(cache) in msg
    assert msg.count("404") == 2 and "URLError" in msg                            # each mirror's reason
    assert all(f + ".gz" in msg for f in MNIST_FILES)                              # what to put there by hand
    assert not (cache / name).exists() and _leftovers(cache) == []
    assert isinstance(e.value, RuntimeError)


def test_unreachable_mirror_then_good_one(server, tiny, tmp_path):
    arrays, blobs, sums = tiny
    data = load_mnist(tmp_path, mirrors=[_refused_url(), server.mirror("m", blobs)], checksums=sums, valid_size=5, timeout=5)
    assert len(data.test.y) == N_TEST


def test_bad_idx_header_is_a_clear_error(server, tiny, tmp_path):
    arrays, blobs, sums = tiny
    name = "train-labels-idx1-ubyte.gz"
    bad = gzip.compress(b"\x00\x00\x07\x01" + bytes(8), mtime=0)                   # unknown type code 0x07
    sums2 = dict(sums, **{name: {"sha256": hashlib.sha256(bad).hexdigest()}})      # the server's bytes are "genuine"
    with pytest.raises(MNISTUnavailable, match="bad magic number"):
        load_mnist(tmp_path, mirrors=[server.mirror("m", dict(blobs, **{name: bad}))], checksums=sums2, timeout=5)


def test_size_not_matching_header_is_a_clear_error(tiny, tmp_path):
    arrays, blobs, sums = tiny
    _own(tmp_path, arrays)
    p = tmp_path / "t10k-images-idx3-ubyte"
    p.write_bytes(p.read_bytes() + b"\0")
    with pytest.raises(MNISTUnavailable, match="size does not match the header"):
        _quiet_load(tmp_path, download=False, valid_size=5, verify=False)


def test_download_false_with_missing_files(tmp_path, server, tiny):
    arrays, blobs, sums = tiny
    m = server.mirror("m", blobs)
    with pytest.raises(MNISTUnavailable) as e:
        load_mnist(tmp_path / "nowhere", download=False, mirrors=[m], checksums=sums)
    assert "download=False" in str(e.value) and str(tmp_path / "nowhere") in str(e.value)
    assert server.hits == [] and not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("download", [False, True])
def test_cached_file_failing_its_check_is_never_overwritten(server, tiny, tmp_path, download):
    "A cached .gz that fails its checksum may be the user's own file: an error that advises verify=False, file untouched."
    arrays, blobs, sums = tiny
    for name, b in blobs.items(): (tmp_path / name).write_bytes(b)
    name = "train-images-idx3-ubyte.gz"
    (tmp_path / name).write_bytes(_corrupt(blobs[name]))
    with pytest.raises(MNISTUnavailable, match="fails its checksum") as e:
        load_mnist(tmp_path, download=download, mirrors=[server.mirror("m", blobs)], checksums=sums, timeout=5)
    msg = str(e.value)
    assert "verify=False" in msg and "--own-files" in msg and "delete" not in msg.lower() and str(tmp_path / name) in msg
    assert server.hits == [] and (tmp_path / name).read_bytes() == _corrupt(blobs[name])


def test_default_checksums_are_enforced(server, tiny, tmp_path):
    "With the built-in digests, files that are not the real MNIST are refused (here by size)."
    arrays, blobs, sums = tiny
    with pytest.raises(MNISTUnavailable, match="expected"):
        load_mnist(tmp_path, mirrors=[server.mirror("m", blobs)], timeout=5)
    assert list(tmp_path.iterdir()) == []


def test_dlnotes_data_env_var(server, tiny, tmp_path, monkeypatch):
    arrays, blobs, sums = tiny
    monkeypatch.setenv("DLNOTES_DATA", str(tmp_path / "envdir"))
    assert mnist_dir() == tmp_path / "envdir" and mnist_dir(tmp_path) == tmp_path
    load_mnist(mirrors=[server.mirror("m", blobs)], checksums=sums, valid_size=5, timeout=5)
    assert sorted(p.name for p in (tmp_path / "envdir").iterdir()) == sorted(blobs)
    monkeypatch.delenv("DLNOTES_DATA")
    assert mnist_dir() == Path.home() / ".cache" / "dlnotes" / "mnist"


def test_raw_files_must_have_the_official_sizes(tiny, tmp_path):
    arrays, blobs, sums = tiny
    _own(tmp_path, arrays)
    with pytest.raises(MNISTUnavailable, match="not the official MNIST file") as e:
        load_mnist(tmp_path, download=False)
    assert "verify=False" in str(e.value) and "delete" not in str(e.value).lower()


@pytest.mark.parametrize("gz", [False, True])
def test_own_files_with_verify_false(tiny, tmp_path, gz):
    "Your own IDX files (raw or gzipped, any number of images) with verify=False; a warning says the checksums were skipped."
    arrays, blobs, sums = tiny
    _own(tmp_path, arrays, gz=gz)
    with pytest.warns(UserWarning, match=rf"checksums were skipped.*\({N_TRAIN} training and {N_TEST} test images\)"):
        data = load_mnist(tmp_path, download=False, valid_size=0, verify=False)
    assert len(data.train.y) == N_TRAIN and len(data.valid.y) == 0 and len(data.test.y) == N_TEST
    np.testing.assert_array_equal(data.test.y, arrays["t10k-labels-idx1-ubyte"])


# --------------------------------------------------------------------------- issue 14: deadline, cache entries, mirrors
def test_trickling_server_meets_the_deadline(server, tiny, tmp_path):
    "A server sending one byte every 50 ms cannot keep a download alive past `deadline` (each read is within `timeout`)."
    arrays, blobs, sums = tiny
    name = "train-images-idx3-ubyte.gz"
    m = server.mirror("slow", blobs, modes={name: "trickle"})
    t0 = time.perf_counter()
    with _bounded(10), pytest.raises(MNISTUnavailable, match="deadline=0.6s") as e:
        load_mnist(tmp_path, mirrors=[m], checksums=sums, timeout=0.5, deadline=0.6)
    assert time.perf_counter() - t0 < 3 and name in str(e.value)
    assert not (tmp_path / name).exists() and _leftovers(tmp_path) == []


def test_ctrl_c_during_a_download_leaves_nothing(server, tiny, tmp_path):
    "Ctrl-C (KeyboardInterrupt) in the middle of a transfer: it propagates, and no partial file stays in the cache."
    arrays, blobs, sums = tiny
    m = server.mirror("slow", blobs, modes={"train-images-idx3-ubyte.gz": "trickle"})
    def on_alarm(*_): raise KeyboardInterrupt
    old = signal.signal(signal.SIGALRM, on_alarm); signal.setitimer(signal.ITIMER_REAL, 0.4)
    try:
        with pytest.raises(KeyboardInterrupt): load_mnist(tmp_path, mirrors=[m], checksums=sums, timeout=5, deadline=20)
    finally: signal.setitimer(signal.ITIMER_REAL, 0); signal.signal(signal.SIGALRM, old)
    assert list(tmp_path.iterdir()) == []


def test_server_trickling_its_headers_meets_the_deadline(server, tiny, tmp_path):
    "Each header byte arrives within `timeout`, so only the total `deadline` (a watchdog on the socket) stops it."
    arrays, blobs, sums = tiny
    m = server.mirror("slowhead", blobs, modes={n: "trickle-headers" for n in blobs})
    t0 = time.perf_counter()
    with _bounded(10), pytest.raises(MNISTUnavailable, match="deadline=0.6s"):
        load_mnist(tmp_path, mirrors=[m], checksums=sums, timeout=0.5, deadline=0.6)
    assert time.perf_counter() - t0 < 3 and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("what", ["fifo", "dev-zero-link", "directory"])
@pytest.mark.parametrize("gz", [False, True])
def test_only_regular_files_are_read_from_the_cache(tiny, tmp_path, what, gz):
    "A FIFO, a symlink to /dev/zero or a directory in a file's place: a clear MNISTUnavailable at once, never a hang."
    arrays, blobs, sums = tiny
    _own(tmp_path, arrays, gz=gz)
    p = tmp_path / ("train-images-idx3-ubyte" + (".gz" if gz else ""))
    p.unlink()
    if what == "fifo":
        if not hasattr(os, "mkfifo"): pytest.skip("no FIFOs here")
        os.mkfifo(p); words = "FIFO"
    elif what == "dev-zero-link":
        if not os.path.exists("/dev/zero"): pytest.skip("no /dev/zero here")
        os.symlink("/dev/zero", p); words = "character device"
    else: p.mkdir(); words = "a directory"
    for verify in (True, False):
        with _bounded(5), pytest.raises(MNISTUnavailable, match="only regular files") as e:
            _quiet_load(tmp_path, download=False, verify=verify)
        assert words in str(e.value) and str(p) in str(e.value)


def test_cache_that_cannot_be_written(server, tiny, tmp_path):
    "The cache under a regular file (or read-only): MNISTUnavailable naming the directory, no raw OSError, no request."
    arrays, blobs, sums = tiny
    (tmp_path / "afile").write_bytes(b"x")
    m = server.mirror("m", blobs)
    with pytest.raises(MNISTUnavailable, match="cannot write to") as e:
        load_mnist(tmp_path / "afile" / "mnist", mirrors=[m], checksums=sums, timeout=5)
    assert str(tmp_path / "afile" / "mnist") in str(e.value)
    with pytest.raises(MNISTUnavailable, match="is not a directory"):
        load_mnist(tmp_path / "afile", mirrors=[m], checksums=sums, timeout=5)
    if os.geteuid() != 0:                                                          # root ignores permissions
        ro = tmp_path / "ro"; ro.mkdir(); ro.chmod(0o500)
        try:
            with pytest.raises(MNISTUnavailable, match="cannot write to"):
                load_mnist(ro / "mnist", mirrors=[m], checksums=sums, timeout=5)
        finally: ro.chmod(0o700)
    assert server.hits == []


def test_unreadable_cached_file(tiny, tmp_path):
    if os.geteuid() == 0: pytest.skip("root reads any file")
    arrays, blobs, sums = tiny
    _own(tmp_path, arrays)
    p = tmp_path / "t10k-labels-idx1-ubyte"; p.chmod(0)
    try:
        with pytest.raises(MNISTUnavailable, match="cannot read"): _quiet_load(tmp_path, download=False, verify=False)
    finally: p.chmod(0o600)


def test_stale_part_files_are_removed(tiny, tmp_path):
    "A .part left by a killed download is removed; a fresh one (a download running now elsewhere) and other files are kept."
    arrays, blobs, sums = tiny
    _own(tmp_path, arrays)
    old, fresh = tmp_path / ".train-images-idx3-ubyte.gz.k1ll3d.part", tmp_path / ".t10k-images-idx3-ubyte.gz.l1v3.part"
    mine = tmp_path / ".my-notes.part"
    for p in (old, fresh, mine): p.write_bytes(b"")
    os.utime(old, (time.time() - 86400,) * 2); os.utime(mine, (time.time() - 86400,) * 2)
    _quiet_load(tmp_path, download=False, verify=False, valid_size=0)
    assert not old.exists() and fresh.exists() and mine.exists()


def test_dead_mirror_is_skipped_after_its_first_failure(server, tiny, tmp_path):
    "A hung first mirror costs one timeout, not one per file; a mirror that only lacks a file (404) is still asked."
    arrays, blobs, sums = tiny
    hung = server.mirror("hung", blobs, modes={n: "hang" for n in blobs})
    partial = server.mirror("partial", blobs, skip=["train-labels-idx1-ubyte.gz"])
    good = server.mirror("good", blobs)
    t0 = time.perf_counter()
    data = load_mnist(tmp_path, mirrors=[hung, partial, good], checksums=sums, valid_size=5, timeout=0.5)
    assert time.perf_counter() - t0 < 2.5 and len(data.test.y) == N_TEST
    hits = server.hits
    assert sum(h.startswith("/hung/") for h in hits) == 1                            # asked once, then skipped
    assert sum(h.startswith("/partial/") for h in hits) == 4                         # its 404 did not mark it dead
    assert hits.count("/good/train-labels-idx1-ubyte.gz") == 1 and sum(h.startswith("/good/") for h in hits) == 1


def test_unreachable_only_mirror_gives_its_reason(server, tiny, tmp_path):
    arrays, blobs, sums = tiny
    with pytest.raises(MNISTUnavailable) as e:
        load_mnist(tmp_path, mirrors=[_refused_url()], checksums=sums, timeout=2)
    msg = str(e.value)
    assert "URLError" in msg and "could not download a verified train-images-idx3-ubyte.gz" in msg  # first file: the reason


@pytest.mark.parametrize("kw, err, words", [
    (dict(checksums="abc"), TypeError, "checksums must be"), (dict(checksums=[1]), TypeError, "checksums must be"),
    (dict(checksums={"x.gz": 3}), TypeError, "checksums['x.gz'] must be"),
    (dict(checksums={"x.gz": {"sha999": "ab"}}), ValueError, "checksums['x.gz'] must be"),
    (dict(checksums={"x.gz": {"sha256": "xyz"}}), TypeError, "must be a hexadecimal digest"),
    (dict(checksums={"x.gz": {"size": -1}}), ValueError, "['size'] must be"),
    (dict(mirrors=[None]), TypeError, "mirrors[0] must be"), (dict(mirrors=["ftp://x/"]), ValueError, "mirrors[0] must be"),
    (dict(mirrors="https://x/"), TypeError, "mirrors must be"), (dict(mirrors=3), TypeError, "mirrors must be"),
    (dict(timeout=0), ValueError, "timeout must be"), (dict(timeout="5"), TypeError, "timeout must be"),
    (dict(timeout=float("nan")), ValueError, "timeout must be"), (dict(deadline=-1), ValueError, "deadline must be"),
    (dict(deadline=float("inf")), ValueError, "deadline must be"), (dict(download="yes"), TypeError, "download must be"),
    (dict(verify=1), TypeError, "verify must be"), (dict(valid_size=2.5), TypeError, "valid_size must be"),
    (dict(valid_size=-1), ValueError, "valid_size must be"), (dict(root=3), TypeError, "root must be"),
    (dict(root=""), ValueError, "root must be")])
def test_bad_arguments_are_named_before_any_work(server, tmp_path, kw, err, words):
    kw = {"root": tmp_path / "c", **kw}
    with pytest.raises(err) as e: load_mnist(**kw)
    assert words in str(e.value)
    assert server.hits == [] and not (tmp_path / "c").exists()


# --------------------------------------------------------------------------- constants and hygiene
def test_known_checksums_table():
    assert set(MNIST_CHECKSUMS) == {f + ".gz" for f in MNIST_FILES}
    for v in MNIST_CHECKSUMS.values():
        assert len(v["sha256"]) == 64 and len(v["md5"]) == 32 and v["size"] > 0
        int(v["sha256"], 16); int(v["md5"], 16)
    assert MNIST_CHECKSUMS["train-images-idx3-ubyte.gz"]["size"] == 9912422
    assert all(m.startswith("https://") and m.endswith("/") for m in MNIST_MIRRORS)


def test_no_pickle_and_no_torch():
    src = Path(D.__file__).read_text()
    assert "pickle" not in src and "np.load" not in src
    code = "import sys, dlnotes.data; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- read_idx / write_idx
@settings(max_examples=40, deadline=None)
@given(dtype=st.sampled_from([np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]),
       shape=st.lists(st.integers(0, 4), min_size=0, max_size=4), gz=st.booleans(), seed=st.integers(0, 99))
def test_idx_roundtrip(tmp_path_factory, dtype, shape, gz, seed):
    a = (np.random.default_rng(seed).standard_normal(shape) * 100).astype(dtype)
    p = write_idx(tmp_path_factory.mktemp("idx") / ("a.gz" if gz else "a"), a)
    b = read_idx(p)
    assert b.dtype == np.dtype(dtype) and b.shape == a.shape and b.dtype.isnative
    np.testing.assert_array_equal(a, b)


@settings(max_examples=30, deadline=None)
@given(cut=st.integers(1, 200))
def test_idx_truncation_detected(tmp_path_factory, cut):
    p = write_idx(tmp_path_factory.mktemp("idx") / "a", np.arange(100, dtype=np.int16).reshape(10, 10))
    b = p.read_bytes()
    p.write_bytes(b[: max(0, len(b) - cut)])
    with pytest.raises(ValueError, match="size does not match|header truncated|bad magic"):
        read_idx(p)


# --------------------------------------------------------------------------- digits, one_hot, synthetic
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), vf=st.sampled_from([0.1, 0.15, 0.2, 0.25]), tf=st.sampled_from([0.1, 0.2, 0.3]))
def test_digits_split_stratified_and_disjoint(seed, vf, tf):
    data = load_digits(valid_frac=vf, test_frac=tf, seed=seed)
    ys = np.concatenate([s.y for s in data])
    overall = np.bincount(ys, minlength=10) / len(ys)
    for s in data:
        share = np.bincount(s.y, minlength=10) / len(s.y)
        assert np.abs(share - overall).max() < 0.02
        assert s.X.dtype == np.float64 and s.y.dtype == np.int64 and 0 <= s.X.min() and s.X.max() <= 1
    rows = {r.tobytes() for s in data for r in np.c_[s.X, s.y]}
    assert len(ys) == 1797 and len(rows) >= 1797 - 5                               # disjoint (up to duplicate images)


def test_digits_split_covers_every_index_once():
    for seed in range(5):
        parts = stratified_split(np.repeat(np.arange(10), 37), 0.2, 0.2, seed)
        idx = np.concatenate(parts)
        assert sorted(idx) == list(range(370))


def test_digits_determinism():
    a, b, c = load_digits(seed=7), load_digits(seed=7), load_digits(seed=8)
    for s, t in zip(a, b):
        np.testing.assert_array_equal(s.X, t.X); np.testing.assert_array_equal(s.y, t.y)
    assert not np.array_equal(a.test.y, c.test.y)


@given(st.lists(st.integers(0, 12), min_size=1, max_size=50))
def test_one_hot_property(labels):
    Y = one_hot(labels)
    assert Y.dtype == np.float64 and Y.shape == (len(labels), max(labels) + 1)
    np.testing.assert_array_equal(Y.argmax(1), labels)
    np.testing.assert_array_equal(Y.sum(1), 1.0)
    assert one_hot(labels, 20).shape == (len(labels), 20)


@pytest.mark.parametrize("bad, n, err, msg", [([0, -2], None, ValueError, "non-negative"),
                                              ([0.5], None, TypeError, "integer labels"),
                                              ([1, 5], 5, ValueError, "n_classes=5"),
                                              ([True, False], None, TypeError, "integer labels"),
                                              ([1], -1, ValueError, "n_classes")])
def test_one_hot_errors(bad, n, err, msg):
    with pytest.raises(err, match=msg): one_hot(bad, n)


def test_one_hot_matches_torch():
    torch = pytest.importorskip("torch")
    y = np.random.default_rng(0).integers(0, 10, 50)
    np.testing.assert_array_equal(one_hot(y, 10), torch.nn.functional.one_hot(torch.from_numpy(y), 10).numpy())


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 300), seed=st.integers(0, 1000), noise=st.floats(0, 3),
       lo=st.floats(-5, 4), width=st.floats(0.1, 5))
def test_synthetic_regression_property(n, seed, noise, lo, width):
    x, y = synthetic_regression(n=n, noise=noise, x_range=(lo, lo + width), seed=seed)
    assert x.shape == y.shape == (n,) and x.dtype == y.dtype == np.float64
    assert lo <= x.min() and x.max() <= lo + width
    x2, y2 = synthetic_regression(n=n, noise=noise, x_range=(lo, lo + width), seed=seed)
    np.testing.assert_array_equal(y, y2)
    if noise == 0: np.testing.assert_allclose(y, 2 * x**2 - 3 * x + 1)


def test_synthetic_regression_noise_level():
    x, y = synthetic_regression(n=20000, noise=0.5, seed=1)
    r = y - (2 * x**2 - 3 * x + 1)
    assert abs(r.mean()) < 0.02 and abs(r.std() - 0.5) < 0.02


def test_splits_are_frozen_records_that_unpack_like_tuples():
    import dataclasses, pickle
    d = load_digits()
    X, y = d.train
    train, valid, test = d
    assert X is d.train.X and valid is d.valid and isinstance(d.valid, tuple) and len(d.valid) == 2 and d.test[1] is d.test.y
    assert [f.name for f in dataclasses.fields(d)] == ["train", "valid", "test"]
    assert [f.name for f in dataclasses.fields(d.train)] == ["X", "y"]
    with pytest.raises(dataclasses.FrozenInstanceError): d.train.X = None
    e = pickle.loads(pickle.dumps(d))
    assert type(e.train) is type(d.train) and all(np.array_equal(a.y, b.y) for a, b in zip(d, e))


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=300), gz=st.booleans(), header=st.booleans())
def test_read_idx_on_arbitrary_bytes_is_a_value_error_or_an_array(tmp_path_factory, data, gz, header):
    "Garbage in (random bytes, a plausible header with random data, gzipped or not): a ValueError, never another exception."
    if header: data = bytes([0, 0, 8, 2, 0, 0, 0, 3, 0, 0, 0, 4]) + data
    if gz: data = gzip.compress(data, mtime=0)
    if gz and data and len(data) > 20 and data[-1] % 3 == 0: data = data[:-5]                    # a cut-off gzip stream too
    p = tmp_path_factory.mktemp("fuzz") / "f"
    p.write_bytes(data)
    try: a = read_idx(p)
    except ValueError as e: assert str(p) in str(e)
    else: assert isinstance(a, np.ndarray)
