"""The lexical index under concurrent builds and reads, and a question that arrives while someone
else is writing the index.

The first tests need no model: they drive ``LexicalIndex`` directly, as several builders (one
per ingest) and readers (the chat's questions) would, all on one folder. The last ones use a
real ``Assistant`` on a small index and hold the ingest lock the way a running `evidence ingest`
does.
"""
from __future__ import annotations

import threading
import traceback
from pathlib import Path

import pytest

from evidence_ingest.lexical import LexicalIndex
from evidence_ingest.store import IngestLock

WORDS = ["record", "trust", "patch", "budget", "nurse", "tablet", "okapi", "tapir", "system", "board"]


def _rows(gen: int, n: int) -> list[tuple[str, str, str]]:
    """Rows whose passage ids name their generation, so a reader can tell builds apart."""
    return [(f"g{gen}-p{i}", f"g{gen}-d{i // 3}", " ".join(WORDS[(i + j) % len(WORDS)] for j in range(4)))
            for i in range(n)]


def _build_folders(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("lexical."))


def test_builds_and_reads_on_one_folder_never_mix_or_fail(tmp_path: Path) -> None:
    folder = tmp_path / "lexical"
    LexicalIndex(folder).build(_rows(0, 5), 0)
    failures: list[str] = []
    done = threading.Event()
    counter = iter(range(1, 10_000))
    counter_lock = threading.Lock()
    loads = [0]

    def builder() -> None:
        lex = LexicalIndex(folder)  # its own object, as another process would have
        try:
            for _ in range(15):
                with counter_lock:
                    gen = next(counter)
                lex.build(_rows(gen, 5 + gen % 7), gen)
                done.wait(0.01)
        except Exception as exc:
            failures.append(f"build: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")

    def reader() -> None:
        lex = LexicalIndex(folder)
        while not done.is_set():
            try:
                lex.load()
                gen = lex.generation
                assert all(pid.startswith(f"g{gen}-") for pid in lex.ids), "ids of another build"
                assert len(lex.row_docs) == len(lex.ids)
                hits = lex.search("okapi tapir budget", 10)
                assert hits, "nothing found"
                assert len({pid.split("-")[0] for pid, _ in hits}) == 1, f"one search, two builds: {hits}"
                loads[0] += 1
            except Exception as exc:
                failures.append(f"read: {type(exc).__name__}: {exc}")

    builders = [threading.Thread(target=builder) for _ in range(2)]
    readers = [threading.Thread(target=reader) for _ in range(2)]
    for t in readers + builders:
        t.start()
    for t in builders:
        t.join(120)
    done.set()
    for t in readers:
        t.join(60)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:5])
    assert loads[0] > 0
    assert _build_folders(tmp_path) == [], "build folders left behind"
    final = LexicalIndex(folder)
    final.load()
    assert final.generation == final.stored_generation() >= 1


def test_a_build_makes_the_new_index_the_one_searched(tmp_path: Path) -> None:
    lex = LexicalIndex(tmp_path / "lexical")
    lex.build(_rows(1, 4), 1)
    assert lex.generation == 1 and lex.stored_generation() == 1
    lex.build(_rows(2, 6), 2)
    assert lex.generation == 2 and len(lex.ids) == 6 and lex.stored_generation() == 2
    assert all(pid.startswith("g2-") for pid, _ in lex.search("okapi", 6))
    lex.build([], 3)  # everything removed: nothing to find, not an error
    assert lex.generation == 3 and lex.ids == [] and lex.search("okapi", 5) == []
    again = LexicalIndex(tmp_path / "lexical")
    again.load()
    assert again.generation == 3 and again.ids == []


def test_leftovers_of_a_killed_build_are_discarded(tmp_path: Path) -> None:
    lex = LexicalIndex(tmp_path / "lexical")
    lex.build(_rows(1, 4), 1)
    # What a build killed mid-swap leaves (this version), and what an older version left.
    (tmp_path / "lexical.building" / "4242-7.building").mkdir(parents=True)
    (tmp_path / "lexical.building" / "4242-7.old").mkdir()
    (tmp_path / "lexical.old").mkdir()
    lex.build(_rows(2, 4), 2)  # a build leaves others' folders alone
    assert (tmp_path / "lexical.building" / "4242-7.building").is_dir()
    lex.discard_leftovers()
    assert _build_folders(tmp_path) == []
    assert LexicalIndex(tmp_path / "lexical").stored_generation() == 2


def test_load_of_a_missing_index_fails_after_a_few_tries(tmp_path: Path) -> None:
    lex = LexicalIndex(tmp_path / "lexical")
    with pytest.raises(FileNotFoundError):
        lex.load(attempts=2)
    assert lex.generation == -1 and lex.ids == []


def test_writer_waits_for_a_chat_catching_up_but_not_for_another_writer(tmp_path: Path) -> None:
    import os
    import time

    from evidence_assistant.core.errors import IndexLockedError

    brief = IngestLock(tmp_path, brief=True)
    assert brief.try_acquire()
    assert (tmp_path / "ingest.lock").read_text() == f"{os.getpid()} {IngestLock.BRIEF}"
    assert not IngestLock(tmp_path).try_acquire(), "try_acquire must not wait"
    timer = threading.Timer(0.5, brief.release)
    timer.start()
    t0 = time.monotonic()
    writer = IngestLock(tmp_path).acquire()  # waits for the catch-up, then holds the lock
    try:
        assert time.monotonic() - t0 >= 0.3
        assert (tmp_path / "ingest.lock").read_text() == str(os.getpid())
        t0 = time.monotonic()
        with pytest.raises(IndexLockedError, match=rf"another ingest \(pid {os.getpid()}\) is writing"):
            IngestLock(tmp_path).acquire()  # a writer holds it: refused at once
        assert time.monotonic() - t0 < 0.3
    finally:
        writer.release()
        timer.join()


# --------------------------------------------------------------- with the chat's Assistant


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory):
    from evidence_assistant import Assistant, Settings
    from evidence_ingest.pipeline import ingest
    from rel_support import make_small_corpus

    base = tmp_path_factory.mktemp("lexical-swap")
    s = Settings(index_dir=base / "index")
    ingest([make_small_corpus(base / "docs")], settings=s)
    a = Assistant.open(settings=s)
    yield a, s
    a.close()


QUESTION = "How long did data sharing agreements take to sign?"


def _bump(a) -> None:
    """What a writer's commit does to the manifest: one more generation."""
    m = a.index.manifest
    with m.tx() as c:
        m._bump(c)


@pytest.mark.slow
def test_question_while_a_writer_holds_the_lock_answers_from_the_loaded_index(small) -> None:
    a, s = small
    a.ask(QUESTION)
    loaded = a.index.lexical.generation
    assert loaded == a.index.manifest.generation()
    writer = IngestLock(s.index_dir).acquire()  # a writer (here: this test) is mid-run
    try:
        _bump(a)
        ans = a.ask(QUESTION)  # answered at once, from the generation loaded before
        assert ans.citations, ans.text
        assert a.index.lexical.generation == loaded, "a question rebuilt the index under a running writer"
        assert _build_folders(Path(s.index_dir)) == []
    finally:
        writer.release()
    a.ask(QUESTION)  # the writer is gone: this question catches up
    assert a.index.lexical.generation == a.index.manifest.generation() == loaded + 1
    assert LexicalIndex(Path(s.index_dir) / "lexical").stored_generation() == loaded + 1


@pytest.mark.slow
def test_catching_up_clears_what_a_killed_build_left(small) -> None:
    a, s = small
    leftover = Path(s.index_dir) / "lexical.building" / "4242-1.building"
    leftover.mkdir(parents=True)
    _bump(a)
    a.ask(QUESTION)
    assert a.index.lexical.generation == a.index.manifest.generation()
    assert _build_folders(Path(s.index_dir)) == []


@pytest.mark.slow
def test_unchanged_index_costs_no_lock(small, monkeypatch: pytest.MonkeyPatch) -> None:
    a, _ = small
    a.ask(QUESTION)  # current now
    taken: list[str] = []
    original = IngestLock.try_acquire
    monkeypatch.setattr(IngestLock, "try_acquire", lambda self: taken.append("x") or original(self))
    for _ in range(3):
        a.index.ensure_lexical_loaded()
    assert taken == [], "an unchanged index was caught up again"
