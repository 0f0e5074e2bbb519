"""Several people on one instance: questions keep being answered while someone adds documents.

This is the chat's own situation: one process, one ``Assistant``; the Sources tab calls
``add_files`` (which writes the index and rebuilds the lexical index) while other sessions'
questions run on other threads. Every question asked during the uploads must be answered —
not fail because the lexical index was being rebuilt under it — and afterwards the index must
be consistent and hold the new documents. The same holds when the documents are added by
`evidence ingest` in another process: afterwards the chat finds them in both indexes, without
a restart.
"""
from __future__ import annotations

import threading
import traceback
from pathlib import Path

import pytest

from evidence_assistant import Assistant, Settings
from index_state import problems, snapshot
from evidence_ingest.pipeline import ingest
from rel_support import make_small_corpus, notes_text

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

READERS = 4
BATCHES = 6
QUESTIONS = ["How long did data sharing agreements take to sign?",
             "What did witnesses say about legacy systems and security patches?",
             "Which digital posts were hard to fill outside London?"]


def _build_folders(index_dir: Path) -> list[str]:
    """Lexical build folders left in the index folder (there must be none once no build runs)."""
    return sorted(p.name for p in Path(index_dir).iterdir() if p.name.startswith("lexical."))


def test_questions_answered_while_documents_are_added(tmp_path: Path) -> None:
    corpus = make_small_corpus(tmp_path / "docs")
    s = Settings(index_dir=tmp_path / "index")
    ingest([corpus], settings=s)
    a = Assistant.open(settings=s)
    failures: list[str] = []
    answered = [0] * READERS
    done = threading.Event()

    def reader(i: int) -> None:
        k = 0
        while not done.is_set():
            q = QUESTIONS[(i + k) % len(QUESTIONS)]
            try:
                ans = a.ask(q)
                assert ans.question == q
                answered[i] += 1
            except Exception as exc:  # every failure is recorded; the test reports them all
                failures.append(f"{q!r}: {type(exc).__name__}: {exc} "
                                f"at {traceback.extract_tb(exc.__traceback__)[-1].name}")
            k += 1

    threads = [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(READERS)]
    for t in threads:
        t.start()
    added: list[Path] = []
    try:
        for b in range(BATCHES):
            batch = []
            for j in range(3):
                p = tmp_path / "uploads" / f"batch{b}-note{j}.md"
                p.parent.mkdir(exist_ok=True)
                p.write_text(notes_text(f"Upload {b}.{j}", [
                    f"Upload {b}.{j} records that the okapi records budget rose by {10 * b + j} per cent.",
                    "It also notes the procurement of a new records system by the trust."]))
                batch.append(p)
            report = a.add_files(batch)
            assert report.ok and report.indexed == 3, report.to_dict()
            added += batch
    finally:
        done.set()
        for t in threads:
            t.join(120)
    try:
        total = sum(answered)
        assert not failures, (f"{len(failures)} of {total + len(failures)} questions failed while documents "
                              f"were added:\n" + "\n".join(failures[:8]))
        assert total >= READERS, "the readers did not get to ask"
        state = snapshot(s.index_dir)
        assert problems(state) == [], problems(state)
        # The last upload is searchable at once, in both indexes, through the same Assistant.
        found = a.retrieve("Upload 3.2 okapi records budget rose by 32 per cent").results
        assert any("batch3-note2" in (sp.passage.path or "") for sp in found), [sp.passage.path for sp in found]
        assert a.index.lexical.generation == a.index.manifest.generation()
        assert set(a.index.lexical.ids) == set(state["manifest_ids"])
        assert _build_folders(s.index_dir) == []
    finally:
        a.close()


def test_simultaneous_questions_after_the_index_changed(tmp_path: Path) -> None:
    """The moment after a document is committed and before the lexical index is rebuilt, every
    question that arrives finds the lexical index behind the manifest. Six such questions at
    once, five times over: all must be answered (one rebuild, the others wait for it)."""
    corpus = make_small_corpus(tmp_path / "docs")
    s = Settings(index_dir=tmp_path / "index")
    ingest([corpus], settings=s)
    a = Assistant.open(settings=s)
    failures: list[str] = []
    try:
        a.ask(QUESTIONS[0])  # loaded and current
        for round_ in range(5):
            # What a commit does to the manifest: one more generation, lexical index not yet rebuilt.
            m = a.index.manifest
            with m.tx() as c:
                m._bump(c)
            barrier = threading.Barrier(6)

            def one(i: int) -> None:
                barrier.wait()
                try:
                    a.ask(QUESTIONS[i % len(QUESTIONS)])
                except Exception as exc:
                    failures.append(f"round {round_}: {type(exc).__name__}: {exc}")

            threads = [threading.Thread(target=one, args=(i,)) for i in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
        assert not failures, f"{len(failures)} of 30 questions failed:\n" + "\n".join(failures[:6])
        state = snapshot(s.index_dir)
        assert problems(state) == [], problems(state)
        assert state["leftover_dirs"] == [], state["leftover_dirs"]
        assert _build_folders(s.index_dir) == []
        assert a.index.lexical.generation == a.index.manifest.generation()
    finally:
        a.close()


def test_chat_finds_documents_ingested_by_the_cli_while_it_runs(tmp_path: Path) -> None:
    """Staff run `evidence ingest` while the chat is open on the same index. The chat's
    questions must keep working during that ingest, and afterwards find the new documents in
    both indexes (lexical and dense), without a restart."""
    import subprocess

    from rel_support import EVIDENCE, REPO, subprocess_env

    corpus = make_small_corpus(tmp_path / "docs")
    s = Settings(index_dir=tmp_path / "index")
    ingest([corpus], settings=s)
    a = Assistant.open(settings=s)  # the chat's process: this one
    failures: list[str] = []
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            try:
                a.ask(QUESTIONS[0])
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=reader, daemon=True) for _ in range(2)]
    for t in threads:
        t.start()
    new = tmp_path / "new"
    new.mkdir()
    (new / "tapir-note.md").write_text(notes_text("Staff notes on the tapir scheme", [
        "The tapir scheme gave every district nurse a tablet computer in 2023.",
        "Its evaluation found that home visits were recorded on the same day."]))
    try:
        proc = subprocess.run([str(EVIDENCE), "ingest", str(new), "--index", str(s.index_dir), "--json", "--quiet"],
                              capture_output=True, text=True, timeout=600, env=subprocess_env(), cwd=REPO)
    finally:
        done.set()
        for t in threads:
            t.join(120)
    try:
        assert proc.returncode == 0, proc.stderr
        assert not failures, failures[:5]
        found = a.retrieve("Which scheme gave every district nurse a tablet computer?").results
        tapir = [sp for sp in found if "tapir-note" in (sp.passage.path or "")]
        assert tapir, f"the new document is not retrieved at all: {[sp.passage.path for sp in found]}"
        assert tapir[0].lexical_rank == 1, "the chat's lexical index does not have the new document"
        assert tapir[0].dense_rank == 1, ("the chat's dense index (embedded Chroma) does not see vectors another "
                                          f"process added: dense rank {tapir[0].dense_rank}")
        assert _build_folders(s.index_dir) == []
    finally:
        a.close()
