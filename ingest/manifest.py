"""The manifest: a SQLite record of what is indexed — files, documents and their passages.

It is the source of truth for the other two stores. A document is written in three steps
(``pending`` with its passage ids, vectors stored, then ``indexed``), so a run killed at any
point leaves enough here for the next run to finish or undo the work (``Index.recover``).

It also records which documents are one *work* (the same text as Word, Markdown and HTML; see
``evidence_ingest.works``): each document's MinHash signature is written with its passages (step 1), and
its work is settled in the transaction that marks it indexed (step 3) or removes it, so a killed
run never leaves a work naming a document that is not indexed.

Indexes made by earlier versions are brought up to the current schema when opened
(``Manifest._upgrade``): new columns are added in place and filled from what the manifest
already holds (no file is read again, nothing is embedded again).
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from evidence_assistant.core.types import Passage, SourceDocument

from . import works

log = logging.getLogger(__name__)

# 1: documents, files, passages. 2: works (work_id, signature, cite_rank) and metadata_sources. ``_upgrade`` takes a version-1 manifest to 2 in place.
SCHEMA_VERSION = "2"

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
    data TEXT NOT NULL,
    work_id TEXT,
    metadata_sources TEXT,
    signature BLOB,
    cite_rank INTEGER NOT NULL DEFAULT 0
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

# Columns added to ``documents`` after version 1, in order (ALTER TABLE appends them, so an
# upgraded table has the same columns in the same order as a new one).
_ADDED_COLUMNS = (("work_id", "TEXT"), ("metadata_sources", "TEXT"), ("signature", "BLOB"),
                  ("cite_rank", "INTEGER NOT NULL DEFAULT 0"))
# Made after the columns exist (an old table has no work_id until it is upgraded).
_LATE_INDEXES = "CREATE INDEX IF NOT EXISTS documents_work ON documents(work_id);"
_DOC_COLUMNS = ("doc_id,title,kind,date,publisher,url,path,format,n_passages,state,added_at,work_id,"
                "metadata_sources,cite_rank")


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
    work_id: str | None = None  # the work this document is one copy of (see evidence_ingest.works)
    metadata_sources: str | None = None  # JSON: field -> where the loader found it
    cite_rank: int = 0  # 2: passages carry pages and numbered paragraphs, 1: one of them, 0: neither
    alternates: tuple[str, ...] = ()  # the other indexed documents of the work, preferred first

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["alternates"] = list(self.alternates)
        return d

    @property
    def preference(self) -> tuple[int, int, int, str]:
        return works.preference_key(self.cite_rank, self.format, self.n_passages, self.doc_id)


@dataclass(frozen=True)
class FileRecord:
    path: str
    doc_id: str | None
    size: int | None
    mtime_ns: int | None
    state: str  # indexed | skipped
    reason: str | None


@dataclass
class _Signatures:
    """The signatures of the indexed documents at one generation, held by a process that adds
    documents so that each new one is compared with all of them in one array operation. Only a
    source of candidates: every candidate is checked against the manifest itself, so rows of
    documents removed since (or of a transaction rolled back) cost nothing but a look."""

    generation: int
    ids: list[str]
    matrix: np.ndarray  # (capacity, NUM_PERM) uint32; rows past len(ids) are unused
    held: set[str] = field(default_factory=set)

    def candidates(self, sig: np.ndarray) -> list[str]:
        return [self.ids[i] for i in works.probe(self.matrix[:len(self.ids)], sig)]

    def add(self, doc_id: str, sig: np.ndarray) -> None:
        if doc_id in self.held:  # same id, same bytes, same signature
            return
        self.held.add(doc_id)
        if len(self.ids) == len(self.matrix):
            grown = np.zeros((max(64, 2 * len(self.matrix)), works.NUM_PERM), dtype=np.uint32)
            grown[:len(self.matrix)] = self.matrix
            self.matrix = grown
        self.matrix[len(self.ids)] = sig
        self.ids.append(doc_id)


class Manifest:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection per thread: the chat answers questions from several threads.
        self._local = threading.local()
        self._signatures: _Signatures | None = None  # see _candidates
        self._shared: tuple[int, dict[str, tuple[str, tuple[int, int, int, str]]]] | None = None
        self.conn.executescript(_SCHEMA)  # executescript commits on its own
        with self.tx() as c:
            new = c.execute("SELECT 1 FROM meta WHERE key='schema'").fetchone() is None
            if new and c.execute("SELECT 1 FROM documents LIMIT 1").fetchone() is not None:
                new = False  # a manifest from before the schema was recorded: version 1
            c.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION if new else "1",))
            c.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
        self._upgrade()

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
        sigs = self._signatures
        if sigs is not None:  # still current if it was before this change (made by this process)
            gen = int(c.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])
            sigs.generation = gen if sigs.generation == gen - 1 else -1

    # --- schema upgrade ------------------------------------------------------------------
    def _upgrade(self) -> None:
        """Bring a manifest made by an earlier version up to ``SCHEMA_VERSION``, in place.

        Version 1 -> 2: the works columns and ``metadata_sources`` are added; each document's
        ``metadata_sources`` is copied from the loader's record already stored with it; each
        document's signature and citation rank are computed from its stored passages, and the
        documents are grouped into works. Signatures are computed outside any transaction; the
        writes, and the new version number, are one transaction, so a process killed during the
        upgrade leaves the manifest as it was and the next open upgrades it again. Two processes
        opening the same old index at once upgrade it once."""
        conn = self.conn
        have = {r[1] for r in conn.execute("PRAGMA table_info(documents)")}
        if any(name not in have for name, _ in _ADDED_COLUMNS):
            with self.tx() as c:
                have = {r[1] for r in c.execute("PRAGMA table_info(documents)")}  # another process may have
                for name, decl in _ADDED_COLUMNS:
                    if name not in have:
                        c.execute(f"ALTER TABLE documents ADD COLUMN {name} {decl}")
        conn.execute(_LATE_INDEXES)
        if self.get_meta("schema") == SCHEMA_VERSION:
            return
        t0 = time.perf_counter()
        todo = [r[0] for r in conn.execute("SELECT doc_id FROM documents WHERE signature IS NULL ORDER BY doc_id")]
        computed: dict[str, tuple[bytes | None, int]] = {}
        for doc_id in todo:
            passages = self.passages_of(doc_id)
            computed[doc_id] = (works.to_bytes(works.signature(works.text_of(passages))),
                                works.Citability.of(passages).rank)
        with self.tx() as c:
            if self.get_meta("schema") == SCHEMA_VERSION:  # another process upgraded it meanwhile
                return
            c.execute("UPDATE documents SET metadata_sources = json_extract(data, '$.extra.metadata_sources') "
                      "WHERE metadata_sources IS NULL AND json_valid(data) "
                      "AND json_type(data, '$.extra.metadata_sources') = 'object'")
            c.executemany("UPDATE documents SET signature=?, cite_rank=? WHERE doc_id=? AND signature IS NULL",
                          [(sig, rank, doc_id) for doc_id, (sig, rank) in computed.items()])
            indexed = [r[0] for r in c.execute(
                "SELECT doc_id FROM documents WHERE state='indexed' AND work_id IS NULL ORDER BY doc_id")]
            for doc_id in indexed:
                self._link(c, doc_id)
            self.set_meta("schema", SCHEMA_VERSION, c)
        log.warning("upgraded the manifest at %s to schema %s: %d document(s) signed and grouped into works "
                    "(%.1f s, once)", self.path, SCHEMA_VERSION, len(indexed), time.perf_counter() - t0)

    # --- documents -----------------------------------------------------------------------
    def begin_document(self, doc: SourceDocument, passages: list[Passage], lex: list[str]) -> None:
        """Step 1 of 3: record the document as pending, with its passages and its signature (the
        work it belongs to is settled when it is committed)."""
        sig = works.to_bytes(works.signature(works.text_of(passages)))  # computed before the write lock
        rank = works.Citability.of(passages).rank
        sources = doc.extra.get("metadata_sources") if isinstance(doc.extra, dict) else None
        sources_json = json.dumps(sources, sort_keys=True) if isinstance(sources, dict) and sources else None
        with self.tx() as c:
            prev = c.execute("SELECT work_id, state FROM documents WHERE doc_id=?", (doc.doc_id,)).fetchone()
            c.execute("DELETE FROM passages WHERE doc_id=?", (doc.doc_id,))
            c.execute(
                "INSERT OR REPLACE INTO documents (doc_id,title,kind,date,publisher,url,path,format,n_passages,state,"
                "added_at,data,work_id,metadata_sources,signature,cite_rank) "
                "VALUES (?,?,?,?,?,?,?,?,?,'pending',?,?,NULL,?,?,?)",
                (doc.doc_id, doc.title, doc.kind, doc.date, doc.publisher, doc.url, doc.path, doc.format,
                 len(passages), now(), json.dumps(doc.to_dict()), sources_json, sig, rank),
            )
            c.executemany(
                "INSERT INTO passages VALUES (?,?,?,?,?)",
                [(p.passage_id, p.doc_id, p.seq, t, json.dumps(p.to_dict())) for p, t in zip(passages, lex)],
            )
            if prev and prev[0]:
                self._regroup(c, prev[0])  # it was indexed before: its work goes on without it
            if prev and prev[1] == "indexed":
                self._bump(c)  # an indexed document is pending again

    def commit_document(self, doc_id: str, file: FileRecord) -> None:
        """Step 3 of 3: vectors are stored; the document counts as indexed, and joins the work
        of every indexed document it is a near-duplicate of."""
        with self.tx() as c:
            c.execute("UPDATE documents SET state='indexed' WHERE doc_id=?", (doc_id,))
            self._link(c, doc_id)
            self._put_file(c, file)
            self._bump(c)

    def mark_removing(self, doc_id: str) -> None:
        with self.tx() as c:
            row = c.execute("SELECT work_id FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
            c.execute("UPDATE documents SET state='removing', work_id=NULL WHERE doc_id=?", (doc_id,))
            if row and row[0]:
                self._regroup(c, row[0])
            self._bump(c)

    def drop_document(self, doc_id: str) -> None:
        with self.tx() as c:
            row = c.execute("SELECT work_id FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
            c.execute("DELETE FROM passages WHERE doc_id=?", (doc_id,))
            c.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
            c.execute("DELETE FROM files WHERE doc_id=? AND state='indexed'", (doc_id,))
            if row and row[0]:
                self._regroup(c, row[0])
            self._bump(c)

    def documents(self, state: str | None = "indexed") -> list[DocumentRecord]:
        q = f"SELECT {_DOC_COLUMNS} FROM documents"
        rows = self.conn.execute(q + (" WHERE state=?" if state else "") + " ORDER BY date, title",
                                 (state,) if state else ()).fetchall()
        alternates = self._alternates()
        return [self._record(r, alternates) for r in rows]

    def document(self, doc_id: str) -> DocumentRecord | None:
        row = self.conn.execute(f"SELECT {_DOC_COLUMNS} FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return self._record(row, self._alternates(row[11])) if row else None

    @staticmethod
    def _record(row: tuple[Any, ...], alternates: dict[str, list[str]]) -> DocumentRecord:
        rec = DocumentRecord(*row[:13], cite_rank=int(row[13] or 0))
        if rec.state != "indexed" or not rec.work_id:
            return rec
        others = tuple(d for d in alternates.get(rec.work_id, ()) if d != rec.doc_id)
        return DocumentRecord(**{**rec.__dict__, "alternates": others})

    def source_document(self, doc_id: str) -> SourceDocument | None:
        row = self.conn.execute("SELECT data FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return SourceDocument(**json.loads(row[0])) if row else None

    # --- works ---------------------------------------------------------------------------
    def _candidates(self, c: sqlite3.Connection, doc_id: str, sig: np.ndarray) -> list[str]:
        """Indexed documents that may be near-duplicates of ``doc_id`` (inside the caller's
        transaction). The signatures are read from the manifest once and then kept up to date by
        this process's own changes; a change made by another process (the generation moved on
        without this process) makes it read them again."""
        gen = int(c.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])
        sigs = self._signatures
        if sigs is None or sigs.generation != gen:
            rows = c.execute("SELECT doc_id, signature FROM documents WHERE state='indexed' "
                             "AND signature IS NOT NULL").fetchall()
            sigs = _Signatures(gen, [], np.zeros((max(64, len(rows)), works.NUM_PERM), dtype=np.uint32))
            for d, blob in rows:
                known = works.from_bytes(blob)
                if known is not None:
                    sigs.add(d, known)
            self._signatures = sigs
        found = [d for d in sigs.candidates(sig) if d != doc_id]
        sigs.add(doc_id, sig)  # it is indexed once this transaction commits
        return found

    def _link(self, c: sqlite3.Connection, doc_id: str) -> None:
        """Put the indexed document ``doc_id`` in one work with every indexed document it is a
        near-duplicate of, merging their works (inside the caller's transaction)."""
        row = c.execute("SELECT signature FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        if row is None:
            return
        sig = works.from_bytes(row[0])
        members = {doc_id}
        linked_works: set[str] = set()
        found = self._candidates(c, doc_id, sig) if sig is not None else []
        for i in range(0, len(found), 500):
            chunk = found[i:i + 500]
            for other, other_sig, other_work in c.execute(
                    "SELECT doc_id, signature, work_id FROM documents WHERE state='indexed' "
                    f"AND doc_id IN ({','.join('?' * len(chunk))})", chunk).fetchall():
                if works.similarity(sig, works.from_bytes(other_sig)) >= works.THRESHOLD:
                    members.add(other)
                    if other_work:
                        linked_works.add(other_work)
        for w in sorted(linked_works):
            members.update(r[0] for r in c.execute(
                "SELECT doc_id FROM documents WHERE work_id=? AND state='indexed'", (w,)))
        new_id = works.work_id_for(members)
        c.executemany("UPDATE documents SET work_id=? WHERE doc_id=?", [(new_id, d) for d in sorted(members)])

    def _regroup(self, c: sqlite3.Connection, work_id: str) -> None:
        """A document left ``work_id``: the indexed documents still in it are grouped again (they
        may fall apart if the one that went was what linked them), and each group is named
        after its own members."""
        rows = c.execute("SELECT doc_id, signature FROM documents WHERE work_id=? AND state='indexed'",
                         (work_id,)).fetchall()
        sigs = {d: works.from_bytes(sig) for d, sig in rows}
        for group in works.components(sigs):
            new_id = works.work_id_for(group)
            c.executemany("UPDATE documents SET work_id=? WHERE doc_id=?", [(new_id, d) for d in sorted(group)])

    def _alternates(self, work_id: str | None = None) -> dict[str, list[str]]:
        """work id -> its indexed documents, preferred first, for the works with two or more."""
        q = ("SELECT work_id, doc_id, cite_rank, format, n_passages FROM documents WHERE state='indexed' AND "
             "work_id IN (SELECT work_id FROM documents WHERE state='indexed' AND work_id IS NOT NULL"
             + (" AND work_id=?" if work_id else "") + " GROUP BY work_id HAVING COUNT(*) > 1)")
        out: dict[str, list[tuple[tuple[int, int, int, str], str]]] = {}
        for w, d, rank, fmt, n in self.conn.execute(q, (work_id,) if work_id else ()):
            out.setdefault(w, []).append((works.preference_key(rank or 0, fmt, n, d), d))
        return {w: [d for _, d in sorted(members)] for w, members in out.items()}

    def shared_works(self) -> dict[str, tuple[str, tuple[int, int, int, str]]]:
        """doc id -> (work id, preference key) for every indexed document whose work has another
        indexed document; empty when no work has two (then nothing needs to be deduplicated)."""
        gen = self.generation()
        cached = self._shared
        if cached is not None and cached[0] == gen:  # every change to works moves the generation on
            return cached[1]
        q = ("SELECT doc_id, work_id, cite_rank, format, n_passages FROM documents WHERE state='indexed' AND "
             "work_id IN (SELECT work_id FROM documents WHERE state='indexed' AND work_id IS NOT NULL "
             "GROUP BY work_id HAVING COUNT(*) > 1)")
        out = {d: (w, works.preference_key(rank or 0, fmt, n, d)) for d, w, rank, fmt, n in self.conn.execute(q)}
        if self.generation() == gen:  # nothing changed while it was read
            self._shared = (gen, out)
        return out

    def work(self, doc_id: str) -> list[DocumentRecord]:
        """The indexed documents of ``doc_id``'s work, preferred first (just the document itself
        when it is the only copy; empty when it is not indexed)."""
        rec = self.document(doc_id)
        if rec is None or rec.state != "indexed":
            return []
        if not rec.alternates:
            return [rec]
        members = [rec] + [m for m in (self.document(d) for d in rec.alternates) if m is not None]
        return sorted(members, key=lambda r: r.preference)

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
    def doc_ids_of(self, passage_ids: Iterable[str]) -> dict[str, str]:
        """passage id -> document id, for the ids the manifest knows."""
        return dict(self._passage_rows("doc_id", passage_ids))

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
        return {pid: Passage.from_dict(json.loads(data)) for pid, data in self._passage_rows("data", ids)}

    def _passage_rows(self, column: str, ids: Iterable[str]) -> Iterator[tuple[str, Any]]:
        """(passage id, ``column``) for the given ids the manifest knows, 500 ids a query (SQLite's
        limit on bound parameters)."""
        ids = list(ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            q = f"SELECT passage_id, {column} FROM passages WHERE passage_id IN ({','.join('?' * len(chunk))})"
            yield from self.conn.execute(q, chunk)

    def next_passage(self, passage: Passage) -> Passage | None:
        """The passage after ``passage`` in its document, if the document is indexed and has one."""
        row = self.conn.execute("SELECT p.data FROM passages p JOIN documents d USING (doc_id) "
                                "WHERE p.doc_id=? AND p.seq=? AND d.state='indexed'",
                                (passage.doc_id, passage.seq + 1)).fetchone()
        return Passage.from_dict(json.loads(row[0])) if row else None

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
