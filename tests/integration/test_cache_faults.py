"""Storage faults degrade the cache, never the answers (issue 7, part 4).

A real kilnd and real clients: flipped bytes in RocksDB table files, a damaged
MANIFEST or CURRENT at start-up, a full disk (a real tmpfs: root only, and CI
runs as root), --cache-max-bytes. After each, every result is right, and
`kilnctl cache verify` says what it finds.
"""

import glob
import json
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import IN_CI, PYTHON_DIR, ROOT, KilndProcess

KILNCTL = os.path.join(ROOT, "client", "python", "bin", "kilnctl")

# A client in its own process (nothing cached in memory between phases):
# compiles f0..f(n-1), calls each, and prints what jit and Python computed.
CLIENT = textwrap.dedent("""
    import json, sys
    from kiln import jit
    n, tag = int(sys.argv[1]), sys.argv[2]
    src = "".join(
        f"def f{i}(x):\\n    y = x\\n    for k in range({i % 5 + 1}):\\n        y = y * {i % 3 + 2} + {i}\\n"
        f"    return y - {tag}\\n" for i in range(n))
    ns = {}
    exec(compile(src, "generated.py", "exec"), ns)
    print(json.dumps([[jit(ns[f"f{i}"])(i + 1), ns[f"f{i}"](i + 1)] for i in range(n)]))
""")


def run_client(server, tmp_path, n, tag=0):
    script = tmp_path / "client.py"
    script.write_text(CLIENT)
    out = subprocess.run([sys.executable, str(script), str(n), str(tag)], capture_output=True, text=True,
                         timeout=300, env={**os.environ, "PYTHONPATH": PYTHON_DIR, "KILN_SERVER": server.target})
    assert out.returncode == 0, out.stderr
    pairs = json.loads(out.stdout)
    wrong = [(i, got, want) for i, (got, want) in enumerate(pairs) if got != want]
    assert not wrong, f"wrong answers: {wrong[:5]}"
    return len(pairs)


def stats(server):
    from kiln import _kiln
    old = os.environ.get("KILN_SERVER")
    os.environ["KILN_SERVER"] = server.target
    try:
        return _kiln.server_stats(False)
    finally:
        if old is None:
            del os.environ["KILN_SERVER"]
        else:
            os.environ["KILN_SERVER"] = old


def verify(cache_dir):
    out = subprocess.run([sys.executable, KILNCTL, "cache", "verify", "--cache-dir", cache_dir, "--json"],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": PYTHON_DIR})
    assert out.returncode in (0, 3), out.stderr
    report = json.loads(out.stdout)
    assert report["clean"] == (out.returncode == 0)
    return report


def db_files(server, pattern):
    return sorted(glob.glob(os.path.join(server.cache_dir, "cache.db", pattern)))


def restart(server, kilnd_binary, workdir, extra_args=()):
    server.stop()
    return KilndProcess(kilnd_binary, workdir, extra_args)


def flush_to_tables(server, kilnd_binary, workdir):
    """Stops and restarts kilnd twice: reopening replays the WAL into table files."""
    server = restart(server, kilnd_binary, workdir)
    server.stop()
    assert db_files(server, "*.sst"), "expected RocksDB table files after a reopen"
    return server


def test_flipped_table_bytes_recompile_and_answer_right(kilnd_binary, tmp_path):
    workdir = str(tmp_path / "srv")
    os.makedirs(workdir)
    server = KilndProcess(kilnd_binary, workdir)
    try:
        assert run_client(server, tmp_path, 60) == 60
        server = flush_to_tables(server, kilnd_binary, workdir)
        assert verify(server.cache_dir)["clean"]
        # Flip bytes through the data blocks of every table file.
        for sst in db_files(server, "*.sst"):
            data = bytearray(open(sst, "rb").read())
            for off in range(500, len(data) * 2 // 3, 3000):
                data[off] ^= 0x5A
            open(sst, "wb").write(bytes(data))
        report = verify(server.cache_dir)
        assert not report["clean"] and report["problems"], report

        server = KilndProcess(kilnd_binary, workdir)
        assert run_client(server, tmp_path, 60) == 60
        s = stats(server)
        assert s["corrupt_values"] >= 1, s
        assert s["cache_rebuilds"] == 1 and s["cache_moved_aside"] == 1, s
        assert s["cache_misses"] >= 1, s
        assert not s["cache_read_only"], s
        assert glob.glob(os.path.join(server.cache_dir, "cache.db.corrupt-*"))
        # The rebuilt cache verifies clean while the server runs, and serves hits.
        # Entries read before the corruption was found are not in the rebuilt
        # database (it starts empty): one more run stores them again.
        assert verify(server.cache_dir)["clean"]
        assert run_client(server, tmp_path, 60) == 60
        before = stats(server)["cache_hits"]
        assert run_client(server, tmp_path, 60) == 60
        assert stats(server)["cache_hits"] - before == 60
    finally:
        server.stop()


@pytest.mark.parametrize("damage", ["manifest", "current", "table-footer"])
def test_damaged_database_at_start_is_moved_aside(kilnd_binary, tmp_path, damage):
    workdir = str(tmp_path / "srv")
    os.makedirs(workdir)
    server = KilndProcess(kilnd_binary, workdir)
    try:
        run_client(server, tmp_path, 10)
        server = flush_to_tables(server, kilnd_binary, workdir)
        if damage == "manifest":
            os.truncate(db_files(server, "MANIFEST-*")[0], 10)
        elif damage == "current":
            open(os.path.join(server.cache_dir, "cache.db", "CURRENT"), "w").write("garbage\n")
        else:
            sst = db_files(server, "*.sst")[0]
            os.truncate(sst, os.path.getsize(sst) - 25)
        # It used to refuse to start; now it starts afresh and says why.
        server = KilndProcess(kilnd_binary, workdir)
        assert run_client(server, tmp_path, 10) == 10
        s = stats(server)
        assert s["cache_moved_aside"] == 1 and s["cache_misses"] == 10, s
        assert "moved aside" in open(server.log_path).read()
        assert len(glob.glob(os.path.join(server.cache_dir, "cache.db.corrupt-*"))) == 1
    finally:
        server.stop()


def test_cache_max_bytes_evicts_and_answers_right(kilnd_binary, tmp_path):
    workdir = str(tmp_path / "srv")
    os.makedirs(workdir)
    limit = 64 * 1024
    server = KilndProcess(kilnd_binary, workdir, ["--cache-max-bytes", "64K"])
    try:
        assert run_client(server, tmp_path, 80) == 80
        s = stats(server)
        assert s["cache_max_bytes"] == limit, s
        assert 0 < s["cache_bytes"] <= limit, s
        assert s["cache_evictions"] > 0, s
        # Evicted entries compile again, right.
        assert run_client(server, tmp_path, 80) == 80
        assert stats(server)["cache_bytes"] <= limit
    finally:
        server.stop()


def test_bad_cache_max_bytes_is_refused(kilnd_binary, tmp_path):
    out = subprocess.run([kilnd_binary, "--cache-dir", str(tmp_path), "--cache-max-bytes", "12Q", "--verify-cache"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "--cache-max-bytes" in out.stderr


def test_verify_of_a_missing_cache_fails_clearly(tmp_path):
    out = subprocess.run([sys.executable, KILNCTL, "cache", "verify", "--cache-dir", str(tmp_path)],
                         capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": PYTHON_DIR})
    assert out.returncode == 1 and "no cache" in out.stderr


@pytest.fixture
def small_tmpfs(tmp_path):
    if os.geteuid() != 0:
        if IN_CI:
            pytest.fail("CI must run this as root: it mounts a tmpfs")
        pytest.skip("needs root to mount a tmpfs")
    # The cache folder only: the socket and log stay on the real disk.
    mount = tmp_path / "srv" / "cache"
    mount.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], check=True)
    yield str(tmp_path / "srv")
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_turns_read_only_and_recovers(kilnd_binary, tmp_path, small_tmpfs):
    workdir = small_tmpfs
    filler = os.path.join(workdir, "cache", "filler")
    # No retry in the first phase: closing the database hands back RocksDB's
    # own preallocated space (4 MiB of MANIFEST), which would let a reopen
    # succeed on this tiny disk.
    server = KilndProcess(kilnd_binary, workdir, ["--cache-retry-seconds", "3600"])
    try:
        # Leave almost no room, then compile: every answer still comes back right.
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        assert run_client(server, tmp_path, 40) == 40
        s = stats(server)
        assert s["cache_read_only"] and "No space" in s["cache_read_only_reason"], s
        assert s["cache_dropped_writes"] >= 1, s

        # A restart on the full disk used to abort on every try; now it serves.
        server = restart(server, kilnd_binary, workdir, ["--cache-retry-seconds", "0"])
        assert run_client(server, tmp_path, 40) == 40

        # Space returns: the next store reopens the cache read-write.
        os.remove(filler)
        assert run_client(server, tmp_path, 40, tag=1) == 40
        s = stats(server)
        assert not s["cache_read_only"], s
        before = s["cache_hits"]
        assert run_client(server, tmp_path, 40, tag=1) == 40
        assert stats(server)["cache_hits"] - before == 40
        assert s["cache_moved_aside"] == 0, s
    finally:
        server.stop()
