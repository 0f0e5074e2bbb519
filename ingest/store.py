"""The index on disk: manifest (SQLite), dense vectors (Chroma) and the lexical index, kept in
step. The manifest leads: vectors and lexical entries exist only for passages it records."""
from __future__ import annotations

import errno
import fcntl
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import IndexLockedError, IndexMismatchError, IndexNotFoundError
from assistant.settings import Settings, get_settings

from .embed import Embedder, get_embedder
from .lexical import LexicalIndex
from .manifest import Manifest
from .vectors import VectorStore

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.sqlite"


class IngestLock:
    """Only one writer at a time. ``flock`` is released by the kernel when its holder dies, so a
    lock left by a crashed or killed ingest never blocks the next one."""

    def __init__(self, index_dir: Path):
        self.path = Path(index_dir) / "ingest.lock"
        self._fd: int | None = None

    def acquire(self) -> "IngestLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise IndexLockedError(
                    f"another ingest (pid {holder}) is writing to {self.path.parent}; wait for it to "
                    "finish, then run this again") from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "IngestLock":
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


@dataclass
class RecoveryReport:
    pending_undone: int = 0
    removals_finished: int = 0
    orphans_deleted: int = 0


class Index:
    """Opens (or creates) the three stores under ``settings.index_dir``."""

    def __init__(self, settings: Settings, embedder: Embedder, *, create: bool):
        self.settings = settings
        self.dir = Path(settings.index_dir)
        manifest_path = self.dir / MANIFEST_NAME
        if not create and not manifest_path.is_file():
            raise IndexNotFoundError(
                f"no index at {self.dir}: run `evidence ingest corpus/sample` (or your own folder) first, "
                "or point EVIDENCE_INDEX_DIR / --index at an existing index")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.embedder = embedder
        self.manifest = Manifest(manifest_path)
        self._check_model(create)
        self.vectors = VectorStore(settings, embedder)
        self.lexical = LexicalIndex(self.dir / "lexical")

    @classmethod
    def open(cls, settings: Settings | None = None, *, create: bool = False,
             embedder: Embedder | None = None) -> "Index":
        s = get_settings(settings)
        return cls(s, embedder or get_embedder(s), create=create)

    def _check_model(self, create: bool) -> None:
        want = {"model": self.embedder.model_id, "chunk_tokens": str(self.settings.chunk_tokens),
                "chunk_overlap": str(self.settings.chunk_overlap)}
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
    def recover(self) -> RecoveryReport:
        """Finish or undo what a killed run left: pending documents are removed (the run that
        follows indexes them again), removals are completed, and vectors the manifest does not
        know are deleted."""
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
        for doc in self.manifest.documents(state="indexed"):
            if not self.manifest.paths_of(doc.doc_id):
                self.remove_document(doc.doc_id)
                rep.removals_finished += 1
        known = set(self.manifest.passage_ids(state="indexed"))
        orphans = [pid for pid in self.vectors.all_ids() if pid not in known]
        if orphans:
            self.vectors.delete_ids(orphans)
            rep.orphans_deleted = len(orphans)
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
        """Rebuild the lexical index when the manifest has moved on since it was built."""
        gen = self.manifest.generation()
        if not force and self.lexical.stored_generation() == gen:
            return False
        rows = list(self.manifest.iter_indexed())
        self.lexical.build(rows, gen)
        return True

    def ensure_lexical_loaded(self) -> None:
        gen = self.manifest.generation()
        if self.lexical.generation == gen:
            return
        if self.lexical.stored_generation() != gen:
            self.refresh_lexical()
        self.lexical.load()

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
            "chroma": (f"server {self.settings.chroma_host}:{self.settings.chroma_port}"
                       if self.settings.chroma_host else "embedded"),
            "last_ingest": self.manifest.get_meta("last_ingest"),
            "kinds": sorted({d.kind for d in docs}),
        }

    def close(self) -> None:
        self.manifest.close()


def delete_index(index_dir: Path) -> None:
    shutil.rmtree(index_dir, ignore_errors=True)
