"""The index on disk: manifest (SQLite), dense vectors (Chroma) and the lexical index, kept in
step. The manifest leads: vectors and lexical entries exist only for passages it records."""
from __future__ import annotations

import errno
import fcntl
import logging
import os
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from evidence_assistant.core.errors import IndexLockedError, IndexMismatchError, IndexNotFoundError
from evidence_assistant.core.settings import Settings, get_settings

from . import lexical_text
from .embed import Embedder, get_embedder
from .lexical import LexicalIndex
from .manifest import Manifest
from .vectors import VectorStore

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.sqlite"
# Manifest record of whether a run's writes to the dense index are under way ("open") or ended
# cleanly ("clean"). Missing on indexes made before it: treated as open once.
WRITES_KEY = "vector_writes"
WRITES_OPEN, WRITES_CLEAN = "open", "clean"


class IngestLock:
    """Only one writer at a time. ``flock`` is released by the kernel when its holder dies, so a
    lock left by a crashed or killed ingest never blocks the next one.

    The open ``Index`` objects of this process on the same folder are told when this process
    starts and stops writing there: that is how a long-running chat tells its own changes from
    those of another process (an ``evidence ingest`` in a terminal).

    A chat also takes the lock, ``brief``-ly, to catch up with a change (see
    ``Index.ensure_lexical_loaded``). The lock file then says so, and a writer that finds it held
    that way waits for it (up to ``BRIEF_WAIT_S``) rather than refusing to run."""

    BRIEF = "(catching up)"
    BRIEF_WAIT_S = 120.0  # longest a writer waits for a chat to catch up (a rebuild of a large index)
    _watchers: ClassVar[dict[str, "weakref.WeakSet[Index]"]] = {}
    _watchers_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, index_dir: Path, *, brief: bool = False):
        self.path = Path(index_dir) / "ingest.lock"
        self.brief = brief
        self._fd: int | None = None

    def acquire(self) -> "IngestLock":
        start = time.monotonic()
        empty_since: float | None = None
        while True:
            holder = self._attempt()
            if holder is None:
                return self
            now_ = time.monotonic()
            waited = now_ - start
            # An empty file is a holder that has not yet written its pid, or one letting go (it
            # empties the file just before unlocking): look again for a moment before naming nobody.
            empty_since = (empty_since or now_) if not holder else None
            # A chat catching up lets go in moments.
            if (holder.endswith(self.BRIEF) and waited < self.BRIEF_WAIT_S) or (
                    empty_since is not None and now_ - empty_since < 0.5):
                time.sleep(0.05)
                continue
            pid = holder.split()[0] if holder else "unknown"
            raise IndexLockedError(
                f"another ingest (pid {pid}) is writing to {self.path.parent}; wait for it to "
                "finish, then run this again")

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; return False at once if someone does (or if this
        process may not write to the folder at all). Never waits."""
        try:
            return self._attempt() is None
        except OSError:
            return False

    def _attempt(self) -> str | None:
        """One try: None when the lock is now held by this object, else what its holder wrote."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip()
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                return holder
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, (f"{os.getpid()} {self.BRIEF}" if self.brief else str(os.getpid())).encode(), 0)
        self._fd = fd
        self._tell("_writer_started")
        return None

    def release(self) -> None:
        if self._fd is not None:
            self._tell("_writer_finished")  # still held: nobody else can have written meanwhile
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "IngestLock":
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()

    # --- who is told ---------------------------------------------------------------------
    @staticmethod
    def _key(index_dir: Path) -> str:
        return str(Path(index_dir).resolve())

    @classmethod
    def watch(cls, index_dir: Path, index: "Index") -> None:
        with cls._watchers_lock:
            cls._watchers.setdefault(cls._key(index_dir), weakref.WeakSet()).add(index)

    @classmethod
    def unwatch(cls, index_dir: Path, index: "Index") -> None:
        with cls._watchers_lock:
            cls._watchers.get(cls._key(index_dir), weakref.WeakSet()).discard(index)

    def _tell(self, event: str) -> None:
        with self._watchers_lock:
            indexes = list(self._watchers.get(self._key(self.path.parent), ()))
        for index in indexes:
            try:
                getattr(index, event)()
            except Exception:  # a reader failing to catch up must not break the writer
                log.warning("could not bring an open index up to date at %s", event.strip("_"), exc_info=True)


@dataclass
class RecoveryReport:
    pending_undone: int = 0
    removals_finished: int = 0
    orphans_deleted: int = 0


class Index:
    """Opens (or creates) the three stores under ``settings.index.index_dir``.

    One ``Index`` serves many threads (the chat's questions) while documents may be added by this
    process or another. Each question calls ``ensure_lexical_loaded``, which keeps this process's
    view current: the lexical index in memory and, with embedded Chroma, the dense index's reader.
    """

    def __init__(self, settings: Settings, embedder: Embedder, *, create: bool):
        self.settings = settings
        self.dir = Path(settings.index.index_dir)
        manifest_path = self.dir / MANIFEST_NAME
        if not create and not manifest_path.is_file():
            raise IndexNotFoundError(
                f"no index at {self.dir}: run `evidence ingest corpus/sample` (or your own folder) first, "
                "or point EVIDENCE_INDEX_DIR / --index at an existing index")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.embedder = embedder
        self.manifest = Manifest(manifest_path)
        self._check_model(create)
        lexical_text.upgrade(self, IngestLock(self.dir))  # BM25 tokens of an older kind are recomputed once
        # Read before Chroma opens: the dense view is at least as new as this generation.
        opened_at = self.manifest.generation()
        self.vectors = VectorStore(settings, embedder)
        self.lexical = LexicalIndex(self.dir / "lexical", k1=settings.index.bm25_k1, b=settings.index.bm25_b)
        # Catching up (loading or rebuilding the lexical index, reopening Chroma) is one thread's
        # job at a time; re-entrant because the ingest lock's notices come back in on the thread
        # that holds it.
        self._lock = threading.RLock()
        self._vectors_gen = opened_at  # manifest generation the dense view is known to show
        self._writer_base: int | None = None  # set while this process holds the ingest lock
        self._current_gen = -1  # generation at which both views were last found current
        self._writes_open = False  # this object has recorded writes under way (begin_writes)
        IngestLock.watch(self.dir, self)

    @classmethod
    def open(cls, settings: Settings | None = None, *, create: bool = False,
             embedder: Embedder | None = None) -> "Index":
        s = get_settings(settings)
        return cls(s, embedder or get_embedder(s), create=create)

    def _check_model(self, create: bool) -> None:
        want = {"model": self.embedder.model_id, "chunk_tokens": str(self.settings.index.chunk_tokens),
                "chunk_overlap": str(self.settings.index.chunk_overlap)}
        have = {k: self.manifest.get_meta(k) for k in want}
        if all(v is None for v in have.values()):
            if create:
                with self.manifest.tx() as c:
                    for k, v in want.items():
                        self.manifest.set_meta(k, v, c)
            return
        diff = [f"{k}: index {have[k]!r}, settings {want[k]!r}" for k in want if have[k] != want[k]]
        if diff:
            raise IndexMismatchError(
                f"the index at {self.dir} was built with other settings ({'; '.join(diff)}); use the "
                "settings it was built with, or ingest into a new folder with --index")

    # --- consistency ---------------------------------------------------------------------
    def begin_writes(self) -> None:
        """Record, before a run's first write to the dense index, that writes are under way. A
        run killed before ``end_writes`` leaves the record, and the next ``recover`` then looks
        for vectors the manifest does not know."""
        if not self._writes_open:
            self._set_writes(WRITES_OPEN)
            self._writes_open = True

    def end_writes(self) -> None:
        """The run finished cleanly: every vector written is one the manifest records."""
        if self._writes_open or self.manifest.get_meta(WRITES_KEY) != WRITES_CLEAN:
            self._set_writes(WRITES_CLEAN)
        self._writes_open = False

    def _set_writes(self, value: str) -> None:
        with self.manifest.tx() as c:
            self.manifest.set_meta(WRITES_KEY, value, c)

    def recover(self) -> RecoveryReport:
        """Finish or undo what a killed run left: pending documents are removed (the run that
        follows indexes them again), removals are completed, and -- when the last writing run
        did not finish -- vectors the manifest does not know are deleted."""
        rep = RecoveryReport()
        for doc in self.manifest.documents(state="pending"):
            self.vectors.delete_document(doc.doc_id)
            self.manifest.drop_document(doc.doc_id)
            rep.pending_undone += 1
        for doc in self.manifest.documents(state="removing"):
            self.vectors.delete_document(doc.doc_id)
            self.manifest.drop_document(doc.doc_id)
            rep.removals_finished += 1
        # A run killed between indexing a changed file and removing its old version leaves the
        # old document with no file pointing at it.
        for doc_id in self.manifest.unreferenced_documents():
            self.remove_document(doc_id)
            rep.removals_finished += 1
        # Listing every vector costs seconds on a large index: done only when the last run that
        # wrote may not have finished (or the index predates the record of it).
        if self.manifest.get_meta(WRITES_KEY) != WRITES_CLEAN:
            known = set(self.manifest.passage_ids(state="indexed"))
            orphans = [pid for pid in self.vectors.all_ids() if pid not in known]
            if orphans:
                self.vectors.delete_ids(orphans)
                rep.orphans_deleted = len(orphans)
            self._set_writes(WRITES_CLEAN)
        self.lexical.discard_leftovers()  # a killed rebuild's folders; this run builds anew
        if rep.pending_undone or rep.removals_finished or rep.orphans_deleted:
            log.warning("recovered index: %s", rep)
        return rep

    def remove_document(self, doc_id: str) -> int:
        """Remove a document's passages from every store; returns how many passages went."""
        n = len(self.manifest.passage_ids(doc_id, state=None))
        self.manifest.mark_removing(doc_id)
        self.vectors.delete_document(doc_id)
        self.manifest.drop_document(doc_id)
        return n

    def refresh_lexical(self, *, force: bool = False) -> bool:
        """Bring the lexical index up to the manifest when it has moved on: the rows of documents
        indexed since are added and those of documents gone are removed (a full build when there
        is no index to update, it is of an older format or tokens, or ``force``). Callers hold
        the ingest lock (the pipeline does, and so does ``ensure_lexical_loaded``)."""
        with self._lock:
            conn = self.manifest.conn
            own_tx = not conn.in_transaction
            if own_tx:
                conn.execute("BEGIN")  # one snapshot: the generation and the rows it labels
            try:
                gen = self.manifest.generation()
                if not force and self.lexical.stored_generation() == gen:
                    return False
                kind = self.manifest.get_meta(lexical_text.META_KEY) or ""
                base = None if force else self.lexical.read_stored()
                if base is not None and base.token_kind != kind:
                    base = None  # the manifest's tokens were recomputed: every row changes
                add: list[str] = []
                gone: set[str] = set()
                if base is not None:
                    want = self.manifest.indexed_doc_ids()
                    held = base.held_documents()
                    add = sorted(want - held)
                    gone = held - want
                    if len(add) > len(held):
                        base = None  # mostly new: one build is cheaper than many additions
                if base is None:
                    rows = list(self.manifest.iter_indexed())
                else:
                    rows = self.manifest.lexical_rows(add)
            finally:
                if own_tx:
                    conn.execute("COMMIT")
            if base is None:
                self.lexical.build(rows, gen, token_kind=kind)
            else:
                self.lexical.update(base, rows, gone, gen, token_kind=kind)
            log.info("lexical index at generation %d: %s", gen, self.lexical.last_change)
            return True

    def ensure_lexical_loaded(self) -> None:
        """Bring this process's view of the index up to the manifest before a question is
        answered: the lexical index in memory and, with embedded Chroma, the dense index.

        When nothing has changed this costs one read of the manifest's generation. When it has,
        one thread catches up while the others keep answering from what is loaded. Catching up
        never waits for a writer: while one holds the ingest lock (an ingest in this process or
        another), questions are answered from the previous generation and the next question
        after the writer finishes catches up."""
        gen = self.manifest.generation()
        if gen == self._current_gen:
            return
        # With nothing loaded yet there is nothing to answer from: wait for whoever is loading.
        if not self._lock.acquire(blocking=self.lexical.generation < 0):
            return
        try:
            self._catch_up()
        finally:
            self._lock.release()

    def _catch_up(self) -> None:
        gen = self.manifest.generation()
        # The lock is needed only to rebuild the lexical index or to reopen Chroma: not after
        # this process's own writes (their writer rebuilt it, and Chroma shows its own writes).
        # While a writer holds it, trying costs nothing and the writer is left alone.
        if self.lexical.stored_generation() != gen or self._vectors_gen != gen:
            writer = IngestLock(self.dir, brief=True)
            if writer.try_acquire():  # taking it reopens Chroma if another process wrote (_writer_started)
                try:
                    self.lexical.discard_leftovers()
                    self.refresh_lexical()
                except Exception:
                    if self.lexical.generation < 0:
                        raise
                    log.warning("could not rebuild the lexical index at %s; answering from the one loaded",
                                self.lexical.directory, exc_info=True)
                finally:
                    writer.release()
        stored = self.lexical.stored_generation()
        if stored >= 0 and stored != self.lexical.generation:
            try:
                self.lexical.load()
            except Exception:
                if self.lexical.generation < 0:
                    raise
                log.warning("could not load the lexical index at %s; answering from the one loaded",
                            self.lexical.directory, exc_info=True)
        gen = self.manifest.generation()
        if self.lexical.generation == gen and self._vectors_gen == gen:
            self._current_gen = gen

    # Notices from IngestLock, on the thread that takes or releases it (see IngestLock._tell).
    def _writer_started(self) -> None:
        with self._lock:
            gen = self.manifest.generation()
            if gen != self._vectors_gen:
                # Changed by a writer that was not this process: embedded Chroma would go on
                # answering from the vectors it read before. Nobody writes now: reopen it.
                self.vectors.reopen()
                self._vectors_gen = gen
            self._writer_base = gen

    def _writer_finished(self) -> None:
        with self._lock:
            if self._writer_base is not None:
                # Every change since the lock was taken was this process's own, and Chroma shows
                # its own writes: the dense view is current.
                self._vectors_gen = self.manifest.generation()
                self._writer_base = None

    # --- status --------------------------------------------------------------------------
    def size_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.dir.rglob("*") if f.is_file())

    def status(self) -> dict[str, Any]:
        docs = self.manifest.documents()
        skipped = [f for f in self.manifest.files() if f.state == "skipped"]
        return {
            "index_dir": str(self.dir),
            "documents": len(docs),
            "passages": self.manifest.count_passages(),
            "vectors": self.vectors.count(),
            "skipped_files": len(skipped),
            "size_bytes": self.size_bytes(),
            "model": self.manifest.get_meta("model"),
            "chunk_tokens": int(self.manifest.get_meta("chunk_tokens") or 0),
            "chroma": (f"server {self.settings.index.chroma_host}:{self.settings.index.chroma_port}"
                       if self.settings.index.chroma_host else "embedded"),
            "last_ingest": self.manifest.get_meta("last_ingest"),
            "kinds": sorted({d.kind for d in docs}),
        }

    def close(self) -> None:
        IngestLock.unwatch(self.dir, self)
        self.manifest.close()
