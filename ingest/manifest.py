"""The manifest: a SQLite record of what is indexed — files, documents and their passages.

It is the source of truth for the other two stores. A document is written in three steps
(``pending`` with its passage ids, vectors stored, then ``indexed``), so a run killed at any
point leaves enough here for the next run to finish or undo the work (``Index.recover``).
"""
from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from assistant.types import Passage, SourceDocument

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    date TEXT,
    publisher TEXT,
    url TEXT,
    path TEXT NOT NULL,
    format TEXT NOT NULL,
    n_passages INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('pending', 'indexed', 'removing')),
    added_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    doc_id TEXT,
    size INTEGER,
    mtime_ns INTEGER,
    state TEXT NOT NULL,
    reason TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS passages (
    passage_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    lex TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id, seq);
CREATE INDEX IF NOT EXISTS files_doc ON files(doc_id);
"""


def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    title: str
    kind: str
    date: str | None
    publisher: str | None
    url: str | None
    path: str
    format: str
    n_passages: int
    state: str
    added_at: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class FileRecord:
    path: str
    doc_id: str | None
    size: int | None
    mtime_ns: int | None
    state: str  # indexed | skipped
    reason: str | None


class Manifest:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection per thread: the chat answers questions from several threads.
        self._local = threading.local()
        self.conn.executescript(_SCHEMA)  # executescript commits on its own
        with self.tx() as c:
            c.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            c.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")

    @property
    def conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            c = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = c
        return c

    class _Tx:
        def __init__(self, conn: sqlite3.Connection):
            self.conn = conn

        def __enter__(self) -> sqlite3.Connection:
            self.conn.execute("BEGIN IMMEDIATE")
            return self.conn

        def __exit__(self, exc_type, exc, tb) -> None:
            self.conn.execute("ROLLBACK" if exc_type else "COMMIT")

    def tx(self) -> "Manifest._Tx":
        return Manifest._Tx(self.conn)

    def close(self) -> None:
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None

    # --- meta ----------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str, conn: sqlite3.Connection | None = None) -> None:
        (conn or self.conn).execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def generation(self) -> int:
        """Bumped on every change to the set of indexed passages; derived indexes compare it."""
        return int(self.get_meta("generation") or 0)

    def _bump(self, c: sqlite3.Connection) -> None:
        c.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")

    # --- documents -----------------------------------------------------------------------
    def begin_document(self, doc: SourceDocument, passages: list[Passage], lex: list[str]) -> None:
        """Step 1 of 3: record the document as pending, with its passages."""
        with self.tx() as c:
            c.execute("DELETE FROM passages WHERE doc_id=?", (doc.doc_id,))
            c.execute(
                "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?,?,?,'pending',?,?)",
                (doc.doc_id, doc.title, doc.kind, doc.date, doc.publisher, doc.url, doc.path, doc.format,
                 len(passages), now(), json.dumps(doc.to_dict())),
            )
            c.executemany(
                "INSERT INTO passages VALUES (?,?,?,?,?)",
                [(p.passage_id, p.doc_id, p.seq, t, json.dumps(p.to_dict())) for p, t in zip(passages, lex)],
            )

    def commit_document(self, doc_id: str, file: FileRecord) -> None:
        """Step 3 of 3: vectors are stored; the document counts as indexed."""
        with self.tx() as c:
            c.execute("UPDATE documents SET state='indexed' WHERE doc_id=?", (doc_id,))
            self._put_file(c, file)
            self._bump(c)

    def mark_removing(self, doc_id: str) -> None:
        with self.tx() as c:
            c.execute("UPDATE documents SET state='removing' WHERE doc_id=?", (doc_id,))
            self._bump(c)

    def drop_document(self, doc_id: str) -> None:
        with self.tx() as c:
            c.execute("DELETE FROM passages WHERE doc_id=?", (doc_id,))
            c.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
            c.execute("DELETE FROM files WHERE doc_id=? AND state='indexed'", (doc_id,))
            self._bump(c)

    def documents(self, state: str | None = "indexed") -> list[DocumentRecord]:
        q = "SELECT doc_id,title,kind,date,publisher,url,path,format,n_passages,state,added_at FROM documents"
        rows = self.conn.execute(q + (" WHERE state=?" if state else "") + " ORDER BY date, title",
                                 (state,) if state else ()).fetchall()
        return [DocumentRecord(*r) for r in rows]

    def document(self, doc_id: str) -> DocumentRecord | None:
        row = self.conn.execute(
            "SELECT doc_id,title,kind,date,publisher,url,path,format,n_passages,state,added_at FROM documents "
            "WHERE doc_id=?", (doc_id,)).fetchone()
        return DocumentRecord(*row) if row else None

    def source_document(self, doc_id: str) -> SourceDocument | None:
        row = self.conn.execute("SELECT data FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return SourceDocument(**json.loads(row[0])) if row else None

    # --- files ---------------------------------------------------------------------------
    @staticmethod
    def _put_file(c: sqlite3.Connection, f: FileRecord) -> None:
        c.execute("INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?)",
                  (f.path, f.doc_id, f.size, f.mtime_ns, f.state, f.reason, now()))

    def put_file(self, f: FileRecord) -> None:
        with self.tx() as c:
            self._put_file(c, f)

    def forget_file(self, path: str) -> None:
        with self.tx() as c:
            c.execute("DELETE FROM files WHERE path=?", (path,))

    def file(self, path: str) -> FileRecord | None:
        row = self.conn.execute("SELECT path,doc_id,size,mtime_ns,state,reason FROM files WHERE path=?",
                                (path,)).fetchone()
        return FileRecord(*row) if row else None

    def files(self) -> list[FileRecord]:
        rows = self.conn.execute("SELECT path,doc_id,size,mtime_ns,state,reason FROM files ORDER BY path").fetchall()
        return [FileRecord(*r) for r in rows]

    def unreferenced_documents(self) -> list[str]:
        """Indexed documents that no indexed file points at (one query, not one per document)."""
        rows = self.conn.execute(
            "SELECT d.doc_id FROM documents d WHERE d.state='indexed' AND NOT EXISTS "
            "(SELECT 1 FROM files f WHERE f.doc_id=d.doc_id AND f.state='indexed') ORDER BY d.date, d.title")
        return [r[0] for r in rows]

    def paths_of(self, doc_id: str) -> list[str]:
        rows = self.conn.execute("SELECT path FROM files WHERE doc_id=? AND state='indexed'", (doc_id,)).fetchall()
        return [r[0] for r in rows]

    # --- passages ------------------------------------------------------------------------
    def passage_ids(self, doc_id: str | None = None, *, state: str | None = "indexed") -> list[str]:
        q = "SELECT p.passage_id FROM passages p JOIN documents d USING (doc_id)"
        conds, args = [], []
        if doc_id:
            conds.append("p.doc_id=?")
            args.append(doc_id)
        if state:
            conds.append("d.state=?")
            args.append(state)
        if conds:
            q += " WHERE " + " AND ".join(conds)
        return [r[0] for r in self.conn.execute(q + " ORDER BY p.doc_id, p.seq", args)]

    def passages(self, ids: Iterable[str]) -> dict[str, Passage]:
        ids = list(ids)
        out: dict[str, Passage] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            q = f"SELECT passage_id, data FROM passages WHERE passage_id IN ({','.join('?' * len(chunk))})"
            for pid, data in self.conn.execute(q, chunk):
                out[pid] = Passage.from_dict(json.loads(data))
        return out

    def passages_of(self, doc_id: str) -> list[Passage]:
        rows = self.conn.execute("SELECT data FROM passages WHERE doc_id=? ORDER BY seq", (doc_id,))
        return [Passage.from_dict(json.loads(r[0])) for r in rows]

    def iter_indexed(self, batch: int = 5000) -> Iterator[tuple[str, str, str]]:
        """(passage_id, doc_id, lexical tokens) of every indexed passage, in a stable order."""
        cur = self.conn.execute(
            "SELECT p.passage_id, p.doc_id, p.lex FROM passages p JOIN documents d USING (doc_id) "
            "WHERE d.state='indexed' ORDER BY p.doc_id, p.seq")
        while rows := cur.fetchmany(batch):
            yield from rows

    def indexed_doc_ids(self) -> set[str]:
        """Every document in the 'indexed' state."""
        return {r[0] for r in self.conn.execute("SELECT doc_id FROM documents WHERE state='indexed'")}

    def lexical_rows(self, doc_ids: Iterable[str]) -> list[tuple[str, str, str]]:
        """(passage_id, doc_id, lexical tokens) of the indexed passages of ``doc_ids``: document
        by document in the order given, each document's passages in order."""
        out: list[tuple[str, str, str]] = []
        q = ("SELECT p.passage_id, p.doc_id, p.lex FROM passages p JOIN documents d USING (doc_id) "
             "WHERE p.doc_id=? AND d.state='indexed' ORDER BY p.seq")
        for doc_id in doc_ids:
            out.extend(self.conn.execute(q, (doc_id,)).fetchall())
        return out

    def iter_all_passages(self) -> Iterator[Passage]:
        cur = self.conn.execute(
            "SELECT p.data FROM passages p JOIN documents d USING (doc_id) WHERE d.state='indexed' "
            "ORDER BY p.doc_id, p.seq")
        while rows := cur.fetchmany(2000):
            for (data,) in rows:
                yield Passage.from_dict(json.loads(data))

    def count_passages(self) -> int:
        return self.conn.execute(
            "SELECT COUNT(*) FROM passages p JOIN documents d USING (doc_id) WHERE d.state='indexed'").fetchone()[0]
