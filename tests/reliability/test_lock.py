"""The ingest lock: one writer per index, a clear refusal for the second, and no lock left by a
dead process ever blocks the next ingest. (Fast: no model is loaded; the CLI refuses before it
would load one.)"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from evidence_assistant.core.errors import IndexLockedError
from evidence_ingest.store import IngestLock
from rel_support import EVIDENCE, REPO, subprocess_env


def _dead_pid() -> int:
    """The pid of a process that has certainly exited (and been reaped)."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_second_lock_in_same_process_is_refused_with_holder_pid(tmp_path: Path) -> None:
    first = IngestLock(tmp_path).acquire()
    try:
        with pytest.raises(IndexLockedError) as err:
            IngestLock(tmp_path).acquire()
        msg = str(err.value)
        assert f"another ingest (pid {os.getpid()}) is writing to {tmp_path}" in msg
        assert "wait for it to finish" in msg
    finally:
        first.release()
    # Released: the next writer gets it.
    IngestLock(tmp_path).acquire().release()


def test_stale_lock_file_from_dead_process_does_not_block(tmp_path: Path) -> None:
    dead = _dead_pid()
    (tmp_path / "ingest.lock").write_text(str(dead))
    lock = IngestLock(tmp_path).acquire()
    try:
        assert (tmp_path / "ingest.lock").read_text() == str(os.getpid()), "the new holder's pid replaces the stale one"
    finally:
        lock.release()
    assert (tmp_path / "ingest.lock").read_text() == "", "a released lock names no holder"


def test_lock_held_by_process_killed_with_sigkill_is_released_by_kernel(tmp_path: Path) -> None:
    # A child takes the lock and is SIGKILLed while holding it: no release code runs.
    code = ("import sys, time; import evidence_assistant; from evidence_ingest.store import IngestLock; IngestLock(sys.argv[1]).acquire(); "
            "print('held', flush=True); time.sleep(600)")
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                             env=subprocess_env(), cwd=REPO)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        with pytest.raises(IndexLockedError, match=rf"another ingest \(pid {child.pid}\)"):
            IngestLock(tmp_path).acquire()
    finally:
        child.kill()
        child.wait(10)
    assert (tmp_path / "ingest.lock").read_text() == str(child.pid), "the dead holder's pid is still in the file"
    IngestLock(tmp_path).acquire().release()  # ...and does not matter


def test_cli_ingest_refused_while_another_holds_the_index(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "a.md").write_text("# A\n\nSome text about digital records.\n")
    index = tmp_path / "index"
    held = IngestLock(index).acquire()
    try:
        proc = subprocess.run([str(EVIDENCE), "ingest", str(corpus), "--index", str(index), "--json"],
                              capture_output=True, text=True, timeout=300, env=subprocess_env(), cwd=REPO)
    finally:
        held.release()
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == "", "a refused ingest prints no report"
    line = proc.stderr.strip()
    assert line.startswith("evidence: another ingest (pid "), line
    assert f"(pid {os.getpid()}) is writing to {index}" in line
    assert "Traceback" not in proc.stderr
    assert not (index / "manifest.sqlite").exists(), "the refused ingest must not touch the index"


def test_concurrent_acquirers_exactly_one_wins(tmp_path: Path) -> None:
    # Eight threads race for the lock (each with its own file descriptor, as separate processes
    # would have): exactly one may hold it at a time.
    results: list[str] = []
    barrier = threading.Barrier(8)
    holders: list[IngestLock] = []
    guard = threading.Lock()

    def race() -> None:
        barrier.wait()
        try:
            lock = IngestLock(tmp_path).acquire()
        except IndexLockedError:
            results.append("refused")
            return
        with guard:
            holders.append(lock)
        results.append("won")

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    try:
        assert results.count("won") == 1 and results.count("refused") == 7, results
    finally:
        for lock in holders:
            lock.release()
