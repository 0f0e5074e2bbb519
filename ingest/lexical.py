"""The lexical (BM25) index, beside the dense one.

Tokens are lower-cased words of two or more characters, English stop words removed, Snowball
stemmed: on SciFact this scores far better than whitespace tokens. Each passage's tokens are
computed once at ingest and kept in the manifest, so rebuilding the index after a change costs
no tokenising of old passages; the build is written to a new folder and swapped in whole.
"""
from __future__ import annotations

import json
import re
import shutil
import threading
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def _quiet_bm25s() -> None:
    # bm25s sets its own logger to DEBUG; its build messages are noise in the CLI and the chat.
    import logging
    logging.getLogger("bm25s").setLevel(logging.WARNING)


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN
    return frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer
    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    stop = _stopwords()
    words = [w for w in _TOKEN.findall(text.lower()) if w not in stop]
    return _stemmer().stemWords(words)


def tokenize_many(texts: Sequence[str]) -> list[str]:
    """Space-joined tokens of each text, as the manifest stores them."""
    return [" ".join(tokenize(t)) for t in texts]


class LexicalIndex:
    """BM25 over every indexed passage. ``k1`` and ``b`` were chosen on SciFact's train queries."""

    def __init__(self, directory: Path, *, k1: float = 0.9, b: float = 0.4):
        self.directory = Path(directory)
        self.k1, self.b = k1, b
        self._bm25 = None
        self._df: np.ndarray | None = None
        self.ids: list[str] = []
        self.row_docs: np.ndarray = np.zeros(0, dtype=np.int32)  # row -> index into self.doc_ids
        self.doc_ids: list[str] = []
        self.generation = -1
        self._lock = threading.Lock()

    # --- build ---------------------------------------------------------------------------
    def build(self, rows: Sequence[tuple[str, str, str]], generation: int) -> None:
        """Build from (passage_id, doc_id, tokens) rows and swap the new index in atomically."""
        import bm25s
        _quiet_bm25s()

        tmp = self.directory.with_name(self.directory.name + ".building")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        ids = [r[0] for r in rows]
        doc_index: dict[str, int] = {}
        row_docs = np.fromiter((doc_index.setdefault(r[1], len(doc_index)) for r in rows), dtype=np.int32,
                               count=len(rows))
        if rows:
            bm25 = bm25s.BM25(k1=self.k1, b=self.b)
            # An empty token list would be dropped by BM25; "_" keeps every row aligned with its id.
            bm25.index([r[2].split() or ["_"] for r in rows], show_progress=False)
            bm25.save(str(tmp), show_progress=False)
        np.save(tmp / "row_docs.npy", row_docs)
        (tmp / "ids.json").write_text(json.dumps({
            "generation": generation, "ids": ids, "doc_ids": list(doc_index), "k1": self.k1, "b": self.b}))
        old = self.directory.with_name(self.directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self.directory.exists():
            self.directory.rename(old)
        tmp.rename(self.directory)
        shutil.rmtree(old, ignore_errors=True)
        self._bm25 = None
        self.generation = -1

    # --- load and search -----------------------------------------------------------------
    def stored_generation(self) -> int:
        try:
            return int(json.loads((self.directory / "ids.json").read_text())["generation"])
        except (OSError, ValueError, KeyError):
            return -1

    def load(self) -> None:
        import bm25s
        _quiet_bm25s()

        with self._lock:
            meta = json.loads((self.directory / "ids.json").read_text())
            self.ids = meta["ids"]
            self.doc_ids = meta["doc_ids"]
            self.row_docs = np.load(self.directory / "row_docs.npy")
            self.generation = int(meta["generation"])
            self._bm25 = bm25s.BM25.load(str(self.directory), show_progress=False) if self.ids else None
            self._df = None

    def idf(self, tokens: Sequence[str]) -> list[float]:
        """BM25 inverse document frequency of each token; a token the index has never seen gets
        the highest possible value (it is as distinctive as a word can be)."""
        n = len(self.ids)
        if self._bm25 is None or n == 0:
            return [0.0 for _ in tokens]
        if self._df is None:
            self._df = np.diff(np.asarray(self._bm25.scores["indptr"]))
        vocab = self._bm25.vocab_dict
        out = []
        for t in tokens:
            col = vocab.get(t)
            df = int(self._df[col]) if col is not None and col < len(self._df) else 0
            out.append(float(np.log(1 + (n - df + 0.5) / (df + 0.5))))
        return out

    def search(self, query: str, k: int, *, doc_ids: set[str] | None = None) -> list[tuple[str, float]]:
        """Top ``k`` (passage_id, score) for ``query``, only from ``doc_ids`` when given."""
        if self._bm25 is None or not self.ids:
            return []
        tokens = tokenize(query)
        if not tokens:
            return []
        mask = None
        if doc_ids is not None:
            allowed = np.array([i for i, d in enumerate(self.doc_ids) if d in doc_ids], dtype=np.int32)
            mask = np.isin(self.row_docs, allowed).astype(np.float32)
            if not mask.any():
                return []
        k = min(k, len(self.ids))
        docs, scores = self._bm25.retrieve([tokens], k=k, show_progress=False, weight_mask=mask, n_threads=1)
        out = []
        for row, score in zip(docs[0], scores[0]):
            if score <= 0:
                break
            out.append((self.ids[int(row)], float(score)))
        return out
