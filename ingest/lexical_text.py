"""What the lexical (BM25) index reads of each passage, and bringing an index up to it.

Two kinds (``Settings.lexical_context``): the passage text alone, or what the embedding model
reads — the document title and the nearest headings, then the passage. With context, a later
window of a long paragraph, or the second half of an abstract, still matches the words of the
title it sits under: on SciFact's 809 train queries BM25 alone rose from 0.678 to 0.687 nDCG@10.
On committee papers it does harm: their titles ("… Government response to the Committee's
report …") repeat the words of the questions in every passage, so BM25 can no longer tell the
passage that answers from its neighbours (sample suite, evals/reports). The stored and cited
text is the same either way; only the tokens differ.

The manifest records which kind its tokens are. When an index is opened with the other kind,
``upgrade`` recomputes them from the passages the manifest already holds (no file is read again,
nothing is embedded again), once, by a process that may write to the index.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any, Sequence

from evidence_assistant.core.text import tokenize_many
from evidence_assistant.core.types import Passage

from .chunk import embedding_text

# ``index`` below is an open ``evidence_ingest.store.Index`` (its manifest and settings are read);
# the store imports this module, so the type is not imported back.
Index = Any

log = logging.getLogger(__name__)

META_KEY = "lexical_text"
WITH_CONTEXT = "title+headings+text"
TEXT_ONLY = "text"


def kind(context: bool) -> str:
    return WITH_CONTEXT if context else TEXT_ONLY


def passage_tokens(passages: Sequence[Passage], context: bool) -> list[str]:
    """Space-joined BM25 tokens of each passage, as the manifest stores them."""
    return tokenize_many([embedding_text(p) if context else p.text for p in passages])


def wanted(index: "Index") -> str:
    return kind(index.settings.index.lexical_context)


def record_current(index: "Index") -> None:
    """Mark a new, empty index as holding tokens of the kind its settings ask for."""
    if index.manifest.get_meta(META_KEY) != wanted(index):
        with index.manifest.tx() as c:
            index.manifest.set_meta(META_KEY, wanted(index), c)


def needs_upgrade(index: "Index") -> bool:
    return index.manifest.get_meta(META_KEY) != wanted(index)


def upgrade(index: "Index", lock: Any) -> int:
    """Recompute every passage's tokens when the index holds another kind; returns how many
    passages were rewritten (0 when nothing was needed or another process holds the ingest lock,
    in which case the index keeps answering with its older tokens and a later open upgrades it).
    The rewrite is one transaction: a process killed during it leaves the old tokens whole.
    ``lock`` is the index's ``IngestLock`` (not yet held), taken only when a rewrite is needed."""

    m = index.manifest
    have, want = m.get_meta(META_KEY), wanted(index)
    if have == want:
        return 0
    # A new index, or one from before the marker (its tokens are text-only): only the marker is missing.
    if (have or TEXT_ONLY) == want or m.conn.execute("SELECT 1 FROM passages LIMIT 1").fetchone() is None:
        record_current(index)
        return 0
    if not lock.try_acquire():
        log.info("lexical tokens of %s are of another kind; another process is writing, upgrade deferred",
                 index.dir)
        return 0
    try:
        if not needs_upgrade(index):  # another process did it before this one took the lock
            return 0
        t0 = time.perf_counter()
        rows = m.conn.execute("SELECT passage_id, data FROM passages").fetchall()
        ids = [pid for pid, _ in rows]
        tokens = passage_tokens([Passage.from_dict(json.loads(data)) for _, data in rows],
                                index.settings.index.lexical_context)
        with m.tx() as c:
            c.executemany("UPDATE passages SET lex=? WHERE passage_id=?", zip(tokens, ids))
            m.set_meta(META_KEY, want, c)
            m._bump(c)  # the lexical index is rebuilt from the new tokens at the next question
        log.warning("re-tokenised the %d passages of %s for BM25 (%.1f s, once)", len(ids), index.dir,
                    time.perf_counter() - t0)
        return len(ids)
    finally:
        lock.release()
