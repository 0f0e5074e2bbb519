"""The lexical (BM25) index, beside the dense one.

Tokens are lower-cased words of two or more characters, English stop words removed, Snowball
stemmed: on SciFact this scores far better than whitespace tokens. Each passage's tokens are
computed once at ingest and kept in the manifest, so the index never tokenises old passages.

The index is an incremental BM25 (``evidence_ingest.bm25``): an ingest that adds or removes a few
documents adds or removes only their rows (``update``), and its save hard-links the postings it
did not change, so re-running ingest after adding one file costs that file's words, not the
whole collection's. A full ``build`` is made when there is no index yet, when the one on disk is
of an older kind (earlier releases stored finished ``bm25s`` scores), or on request.

Each build writes to a folder of its own under ``lexical.building`` (named by process and
build number, so two builds never share one), then takes the place of ``lexical``. In memory,
one object holds everything a search reads and is replaced whole, so a search never mixes the
ids of one build with the scores of another.
"""
from __future__ import annotations

import errno
import itertools
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from evidence_assistant.core.settings import IndexSettings
from evidence_assistant.core.text import tokenize

from .bm25 import Bm25, load_array

FORMAT = "evidence-lexical/2"  # ids.json of an index held as evidence_ingest.bm25 segments

@dataclass(frozen=True)
class Change:
    """What the last build or update of this object did (for the ingest's log and for tests)."""
    kind: str  # "build" | "update"
    added: int = 0
    removed: int = 0
    compacted: bool = False
    rows: int = 0  # rows on disk afterwards, dead ones included


class _Loaded:
    """One generation of the index in memory. Replaced whole, never changed in place, so a search
    that has picked it up sees ids, documents and scores of the same build.

    ``row_ids[row]`` is the passage of each BM25 row (None for a row whose document was removed
    and not yet compacted away); ``row_docs[row]`` indexes ``doc_ids``. ``ids`` lists the live
    passages in the manifest's order (document, then position), as ``ids.json`` stores them."""

    __slots__ = ("generation", "ids", "row_ids", "doc_ids", "row_docs", "bm25", "token_kind")

    def __init__(self, generation: int, ids: list[str], row_ids: list[str | None], doc_ids: list[str],
                 row_docs: np.ndarray, bm25: Bm25 | None, token_kind: str = ""):
        self.generation = generation
        self.ids = ids
        self.row_ids = row_ids
        self.doc_ids = doc_ids
        self.row_docs = row_docs
        self.bm25 = bm25
        self.token_kind = token_kind

    def held_documents(self) -> set[str]:
        """Documents with at least one live row."""
        if self.bm25 is None or not len(self.row_docs):
            return set()
        live = np.asarray(self.bm25.live)
        return {self.doc_ids[i] for i in np.unique(self.row_docs[live]).tolist()}


_NOTHING = _Loaded(-1, [], [], [], np.zeros(0, dtype=np.int32), None)
_builds = itertools.count(1)  # numbers this process's builds, for their private folders

# What reading a folder that is being swapped out can raise: a file gone, or the folder holding
# another build than the one its first file came from (seen as a mismatch below).
_SWAPPED = (OSError, KeyError, ValueError, EOFError)  # ValueError covers invalid JSON


def _tokens(text: str) -> list[str]:
    # An empty passage still counts in the collection's length statistics, as it always has:
    # "_" keeps every row aligned with its id and the scores equal to earlier releases'.
    return text.split() or ["_"]


_BM25 = IndexSettings.model_fields  # k1 and b default to the settings' own (bm25_k1, bm25_b)


class LexicalIndex:
    """BM25 over every indexed passage. ``k1`` and ``b`` default to the ``bm25_k1`` and ``bm25_b``
    settings, chosen on SciFact's train queries."""

    def __init__(self, directory: Path, *, k1: float = _BM25["bm25_k1"].default,
                 b: float = _BM25["bm25_b"].default, compact_share: float = 0.25):
        self.directory = Path(directory)
        self.k1, self.b = k1, b
        self.compact_share = compact_share  # removed rows are dropped for good past this share
        self._state = _NOTHING
        self._stored: tuple[tuple[int, ...], int] | None = None  # (identity, generation) of ids.json last read
        self.last_change: Change | None = None

    # What is loaded, all from one build.
    @property
    def generation(self) -> int:
        return self._state.generation

    @property
    def ids(self) -> list[str]:
        """The passages indexed (live ones only), in the manifest's order."""
        return self._state.ids

    @property
    def doc_ids(self) -> list[str]:
        return self._state.doc_ids

    @property
    def row_docs(self) -> np.ndarray:
        return self._state.row_docs

    # --- build ---------------------------------------------------------------------------
    @property
    def staging(self) -> Path:
        """Where builds in progress live, each in a folder of its own; empty (and removed) when
        no build is running."""
        return self.directory.with_name(self.directory.name + ".building")

    def build(self, rows: Sequence[tuple[str, str, str]], generation: int, *, token_kind: str = "") -> None:
        """Build from (passage_id, doc_id, tokens) rows, swap the new index in on disk whole and
        make it the one this object searches."""
        bm25 = Bm25(self.k1, self.b)
        doc_index: dict[str, int] = {}
        row_docs = np.fromiter((doc_index.setdefault(r[1], len(doc_index)) for r in rows), dtype=np.int32,
                               count=len(rows))
        if rows:
            bm25.add([_tokens(r[2]) for r in rows])
        row_ids: list[str | None] = [r[0] for r in rows]
        self._publish(bm25, row_ids, list(doc_index), row_docs, generation, token_kind)
        self.last_change = Change("build", added=len(rows), rows=len(rows))

    def read_stored(self) -> _Loaded | None:
        """The index on disk as a private object that ``update`` may change, or None when there
        is none that can be updated (missing, unreadable, of an older format, or made with other
        ``k1``/``b``): then a full ``build`` is needed."""
        try:
            base = self._read_retrying(attempts=3)
        except _SWAPPED:
            return None
        if base.bm25 is None or base.bm25.k1 != float(self.k1) or base.bm25.b != float(self.b):
            return None
        return base

    def update(self, base: _Loaded, add: Sequence[tuple[str, str, str]], remove_docs: set[str] | Sequence[str],
               generation: int, *, token_kind: str = "") -> None:
        """Make ``base`` (from ``read_stored``) hold the rows ``add`` (passage_id, doc_id, tokens;
        each document's passages together and in order) and no rows of ``remove_docs``; compact
        when removed rows pass ``compact_share``; save to a new folder (hard-linking the postings
        it did not change) and swap it in, as ``build`` does."""
        bm25 = base.bm25
        assert bm25 is not None
        row_ids = list(base.row_ids)
        doc_ids = list(base.doc_ids)
        doc_index = {d: i for i, d in enumerate(doc_ids)}
        row_docs = base.row_docs
        removed = 0
        gone = [doc_index[d] for d in remove_docs if d in doc_index]
        if gone:
            dead = np.flatnonzero(np.isin(row_docs, np.asarray(gone, dtype=np.int32)) & np.asarray(bm25.live))
            removed = bm25.remove(dead)
            for r in dead.tolist():
                row_ids[r] = None
        if add:
            bm25.add([_tokens(r[2]) for r in add])
            row_ids.extend(r[0] for r in add)
            new_docs = np.fromiter((doc_index.setdefault(r[1], len(doc_index)) for r in add), dtype=np.int32,
                                   count=len(add))
            doc_ids.extend(list(doc_index)[len(doc_ids):])
            row_docs = np.concatenate([row_docs, new_docs])
        old_to_new = bm25.compact(self.compact_share)
        if old_to_new is not None:
            kept = np.flatnonzero(old_to_new >= 0)
            row_ids = [row_ids[i] for i in kept.tolist()]
            # Forget the documents no row holds any more, renumbering the rest in order.
            used, row_docs = np.unique(row_docs[kept], return_inverse=True)
            row_docs = row_docs.astype(np.int32)
            doc_ids = [doc_ids[i] for i in used.tolist()]
        self._publish(bm25, row_ids, doc_ids, np.ascontiguousarray(row_docs, dtype=np.int32), generation,
                      token_kind)
        self.last_change = Change("update", added=len(add), removed=removed, compacted=old_to_new is not None,
                                  rows=len(row_ids))

    def _publish(self, bm25: Bm25, row_ids: list[str | None], doc_ids: list[str], row_docs: np.ndarray,
                 generation: int, token_kind: str) -> None:
        """Save to a private folder, swap it in and make it the one searched."""
        order = _manifest_order(bm25, row_docs, doc_ids)
        ids = [row_ids[r] for r in order.tolist()]  # type: ignore[misc]
        name = f"{os.getpid()}-{next(_builds)}"
        tmp = self.staging / f"{name}.building"
        old = self.staging / f"{name}.old"
        _make_private_dir(tmp)
        try:
            bm25.save(tmp)  # postings already on disk are hard-linked, not written again
            np.save(tmp / "row_docs.npy", row_docs)
            np.save(tmp / "rows.npy", order.astype(np.int32))
            (tmp / "ids.json").write_text(json.dumps({
                "format": FORMAT, "generation": generation, "ids": ids, "doc_ids": doc_ids,
                "k1": self.k1, "b": self.b, "tokens": token_kind}))
            self._swap_in(tmp, old)
        finally:
            shutil.rmtree(old, ignore_errors=True)
            shutil.rmtree(tmp, ignore_errors=True)  # only left if the swap failed
            _remove_if_empty(self.staging)
        self._state = _Loaded(generation, ids, row_ids, doc_ids, row_docs, bm25, token_kind)

    def _swap_in(self, tmp: Path, old: Path) -> None:
        # Two renames: the current index moves aside, the new one takes its name. Readers retry
        # over the instant between them (see ``load``).
        for attempt in range(5):
            try:
                self.directory.rename(old)
            except FileNotFoundError:
                pass  # no index yet, or a crash left none
            try:
                tmp.rename(self.directory)
                return
            except OSError as exc:  # another build put its index in place between our renames
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST) or attempt == 4:
                    raise
                shutil.rmtree(old, ignore_errors=True)

    def discard_leftovers(self) -> None:
        """Remove build folders that a killed or failed build left. Call only while holding the
        ingest lock (no build can be running then)."""
        shutil.rmtree(self.staging, ignore_errors=True)
        # Earlier versions moved the previous index to "<name>.old" beside it.
        shutil.rmtree(self.directory.with_name(self.directory.name + ".old"), ignore_errors=True)

    # --- load and search -----------------------------------------------------------------
    def stored_generation(self) -> int:
        """The generation of the index on disk (-1 if there is none, or it is of an older format
        that must be rebuilt). Cheap when it has not changed since the last call: the file is
        read again only when it was replaced."""
        meta = self.directory / "ids.json"
        try:
            st = os.stat(meta)
            identity = (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            known = self._stored
            if known is not None and known[0] == identity:
                return known[1]
            data = json.loads(meta.read_text())
            gen = int(data["generation"]) if data.get("format") == FORMAT else -1
        except (OSError, ValueError, KeyError, AttributeError):
            return -1
        self._stored = (identity, gen)
        return gen

    def load(self, *, attempts: int = 5) -> None:
        """Load the index on disk. A build in another process or thread may swap the folder while
        it is read: that is detected and the read retried (a few times, briefly)."""
        self._state = self._read_retrying(attempts)

    def _read_retrying(self, attempts: int) -> _Loaded:
        for attempt in range(attempts):
            try:
                return self._read()
            except _SWAPPED:
                if attempt + 1 == attempts:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _read(self) -> _Loaded:
        before = os.stat(self.directory).st_ino
        meta = json.loads((self.directory / "ids.json").read_text())
        if meta.get("format") != FORMAT:
            raise ValueError(f"{self.directory} holds an index of an older format; it is rebuilt at the next ingest")
        ids, doc_ids, gen = list(meta["ids"]), list(meta["doc_ids"]), int(meta["generation"])
        row_docs = load_array(self.directory / "row_docs.npy")
        order = load_array(self.directory / "rows.npy")
        bm25 = Bm25.load(self.directory, mmap=True)
        if os.stat(self.directory).st_ino != before:
            raise FileNotFoundError(f"{self.directory} was replaced while it was read")
        if len(row_docs) != bm25.n_rows or len(order) != len(ids) or len(ids) != bm25.n_live:
            raise ValueError(f"{self.directory} holds parts of different builds")
        row_ids: list[str | None] = [None] * bm25.n_rows
        for r, pid in zip(order.tolist(), ids):
            row_ids[r] = pid
        return _Loaded(gen, ids, row_ids, doc_ids, row_docs, bm25, str(meta.get("tokens", "")))

    def idf(self, tokens: Sequence[str]) -> list[float]:
        """BM25 inverse document frequency of each token; a token the index has never seen gets
        the highest possible value (it is as distinctive as a word can be)."""
        st = self._state
        if st.bm25 is None or not st.ids:
            return [0.0 for _ in tokens]
        return st.bm25.idf(list(tokens))

    def search(self, query: str, k: int, *, doc_ids: set[str] | None = None) -> list[tuple[str, float]]:
        """Top ``k`` (passage_id, score) for ``query``, only from ``doc_ids`` when given."""
        st = self._state
        if st.bm25 is None or not st.ids:
            return []
        tokens = tokenize(query)
        if not tokens:
            return []
        mask = None
        if doc_ids is not None:
            allowed = np.array([i for i, d in enumerate(st.doc_ids) if d in doc_ids], dtype=np.int32)
            if not allowed.size:
                return []
            mask = np.isin(st.row_docs, allowed)
            if not mask.any():
                return []
        rows, scores = st.bm25.search(tokens, min(k, len(st.ids)), mask=mask)
        row_ids = st.row_ids
        return [(row_ids[int(r)], float(s)) for r, s in zip(rows, scores)]  # type: ignore[misc]


def _manifest_order(bm25: Bm25, row_docs: np.ndarray, doc_ids: list[str]) -> np.ndarray:
    """The live rows in the manifest's order: by document id, then by row (a document's rows are
    added together, in passage order)."""
    live_rows = np.flatnonzero(np.asarray(bm25.live))
    if not live_rows.size:
        return live_rows
    rank = np.empty(len(doc_ids), dtype=np.int64)
    rank[np.argsort(np.asarray(doc_ids, dtype=object), kind="stable")] = np.arange(len(doc_ids))
    return live_rows[np.lexsort((live_rows, rank[row_docs[live_rows]]))]


def _make_private_dir(path: Path) -> None:
    """Create ``path`` and its parent. The parent is shared by builds and removed by the last one
    to finish, so it can vanish (or be seen half-gone) between the two steps: try again."""
    for attempt in range(10):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.mkdir()
            return
        except FileExistsError:
            if path.is_dir():
                # No running build has this name (process id and build number): it is what a
                # killed process whose id this one now has left behind.
                shutil.rmtree(path, ignore_errors=True)
            elif attempt == 9:
                raise
        except FileNotFoundError:
            if attempt == 9:
                raise


def _remove_if_empty(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:  # another build is still using it, or it is already gone
        pass
