"""An incremental BM25 index: passages can be added and removed without rebuilding it.

Why: the lexical index the assistant searches today stores finished BM25 scores, one per
(word, passage). A score folds in how rare the word is across the whole collection and how
long passages are on average, so adding one document changes every stored score and each
ingest rebuilt the whole index (13 s at 100k passages). Here the index stores only what does
not change when other passages arrive -- how often each word occurs in each passage, and each
passage's length -- and works the scores out when a question is asked, from the statistics of
that moment. Adding passages then costs only their own words.

The scores are the same as the ``bm25s`` library's "lucene" variant built from scratch over the
same passages (the variant the assistant has used so far, so rankings do not move):

    idf(t)      = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))
    score(t, d) = idf(t) * tf(t, d) / (tf(t, d) + k1 * (1 - b + b * len(d) / avg_len))

with N, df and avg_len counted over the passages currently in the index. As in ``bm25s``, a
word repeated in the question counts once per repetition and a word no passage holds is ignored.

Layout. Each passage has a row number (its position in insertion order). Postings -- for each
word, the rows holding it and how often -- live in a short list of immutable *segments*, each a
term-major (CSC-like) table: the word columns it holds (sorted), where each column's postings
start, and the postings' rows and counts. The first segment is the large "main" one; every
``add`` writes one small segment of its own rows, and small segments are merged in the manner of
a binary counter (two neighbours of similar size become one), so there are only a few. When
the small ones together outgrow a share of the main one, everything is merged into a new main
segment. Each merge is a linear pass without sorting, so the cost of an ingest is its own words
plus an amortised constant per posting already held.

Removing a passage marks its row dead (a tombstone): from that moment it counts in no statistic
and is never returned. Its postings are dropped at the next merge that touches them; ``compact``
renumbers the rows without the dead ones and forgets words no live passage holds.

Reading while writing. All a search reads is one immutable snapshot (``_View``), replaced whole
by every change, so a search running on another thread while passages are added or removed sees
the index either before or after the change, never half of it. Changes themselves are
serialised by a lock.

On disk (``save``/``load``): ``bm25.json`` (written last, it names the segments and the sizes the
other files must have), ``vocab.json``, ``dl.npy`` and ``live.npy`` (one entry per row), and four
``.npy`` files per segment. Segment files are named by the segment and never change, so saving a
new generation next to an old one hard-links the segments it shares instead of writing them again;
every file is written under a temporary name and renamed into place, so a reader that memory-maps
a file never sees it change under it.
"""
from __future__ import annotations

import json
import os
import threading
import uuid
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

FORMAT = "evidence-bm25/1"
META = "bm25.json"
_SEG_PARTS = ("cols", "ptr", "rows", "tf")

# numpy reads a .npy file's header with ast.literal_eval, and CPython 3.11's AST constructor keeps
# its recursion depth in state that threads share: two threads reading arrays at once (two
# questions, or a question during an ingest's swap) have failed with "SystemError: AST
# constructor recursion depth mismatch" (tests/reliability/test_lexical_swap.py). Reads of
# .npy files therefore take turns; a read is a header and, mostly, a memory map.
_NPY_READ = threading.RLock()


def load_array(path: Path, mmap_mode: str | None = None) -> np.ndarray:
    """``np.load`` of one .npy file, one thread at a time."""
    with _NPY_READ:
        return np.load(path, mmap_mode=mmap_mode)


class _Segment:
    """Postings of some rows, term-major. ``cols`` (sorted, int32): the word columns present;
    the postings of ``cols[i]`` are ``rows[ptr[i]:ptr[i+1]]`` (ascending) with counts ``tf[...]``.
    Never changed after it is made."""

    __slots__ = ("name", "cols", "ptr", "rows", "tf", "origin")

    def __init__(self, name: str, cols: np.ndarray, ptr: np.ndarray, rows: np.ndarray, tf: np.ndarray,
                 origin: Path | None = None):
        self.name = name
        self.cols, self.ptr, self.rows, self.tf = cols, ptr, rows, tf
        self.origin = origin  # folder its files were last written to or read from

    @property
    def nnz(self) -> int:
        return int(self.rows.shape[0])

    def files(self, directory: Path) -> dict[str, Path]:
        return {part: Path(directory) / f"seg-{self.name}.{part}.npy" for part in _SEG_PARTS}


def _new_name() -> str:
    return uuid.uuid4().hex[:20]


def _tf_dtype(max_tf: int) -> np.dtype:
    # Passages are short: counts fit 16 bits, which keeps the postings a quarter smaller on disk.
    return np.dtype(np.uint16) if max_tf <= np.iinfo(np.uint16).max else np.dtype(np.uint32)


def _segment_from_coo(cols: np.ndarray, rows: np.ndarray, tf: np.ndarray) -> _Segment:
    """A segment from postings already ordered by (column, row)."""
    n = cols.shape[0]
    if n == 0:
        return _Segment(_new_name(), np.zeros(0, np.int32), np.zeros(1, np.int64), np.zeros(0, np.int32),
                        np.zeros(0, np.uint16))
    starts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]])
    ptr = np.empty(starts.shape[0] + 1, dtype=np.int64)
    ptr[:-1] = starts
    ptr[-1] = n
    return _Segment(_new_name(), cols[starts].astype(np.int32), ptr, rows.astype(np.int32, copy=False),
                    tf.astype(_tf_dtype(int(tf.max())), copy=False))


def _merge(segments: Sequence[_Segment], n_cols: int, *, keep: np.ndarray | None = None,
           row_map: np.ndarray | None = None, col_map: np.ndarray | None = None) -> _Segment:
    """One segment holding the postings of ``segments`` (given in row order), without those whose
    row ``keep`` marks False, rows and columns renumbered by ``row_map``/``col_map`` when given
    (both must keep order). A counting placement: linear in the postings, no sort."""
    parts = []
    for seg in segments:
        if seg.nnz == 0:
            continue
        c = np.repeat(seg.cols, np.diff(seg.ptr))
        r = np.asarray(seg.rows)
        t = np.asarray(seg.tf)
        if keep is not None:
            k = keep[r]
            if not k.all():
                c, r, t = c[k], r[k], t[k]
        if row_map is not None:
            r = row_map[r]
        if col_map is not None:
            c = col_map[c]
        if c.shape[0]:
            parts.append((c.astype(np.int64, copy=False), r, t))
    if not parts:
        return _segment_from_coo(np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.uint16))
    if len(parts) == 1:
        c, r, t = parts[0]
        return _segment_from_coo(c, r, t)

    counts = np.zeros(n_cols, dtype=np.int64)
    for c, _, _ in parts:
        counts += np.bincount(c, minlength=n_cols)
    dense_ptr = np.zeros(n_cols + 1, dtype=np.int64)
    np.cumsum(counts, out=dense_ptr[1:])
    total = int(dense_ptr[-1])
    out_rows = np.empty(total, dtype=np.int32)
    out_tf = np.empty(total, dtype=np.result_type(*(t.dtype for _, _, t in parts)))
    placed = dense_ptr[:-1].copy()  # next free slot of each column
    for c, r, t in parts:
        # Within a part a column's postings are one run, in row order: each goes to the column's
        # next free slot plus its place in the run.
        n = c.shape[0]
        run_starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
        run_lens = np.diff(np.r_[run_starts, n])
        within = np.arange(n, dtype=np.int64) - np.repeat(run_starts, run_lens)
        dest = placed[c] + within
        out_rows[dest] = r
        out_tf[dest] = t
        placed[c[run_starts]] += run_lens
    present = np.flatnonzero(counts)
    ptr = np.empty(present.shape[0] + 1, dtype=np.int64)
    ptr[:-1] = dense_ptr[present]
    ptr[-1] = total
    return _Segment(_new_name(), present.astype(np.int32), ptr, out_rows,
                    out_tf.astype(_tf_dtype(int(out_tf.max())), copy=False))


class _View:
    """Everything one search reads, from one moment. ``dl`` and ``live`` may be longer buffers
    shared with later views; only the first ``n_rows`` entries belong to this one. ``vocab`` may
    have gained words since (their columns are ``>= n_cols``, and count as unknown here)."""

    __slots__ = ("n_rows", "n_live", "sum_dl", "dl", "live", "segments", "vocab", "terms", "n_cols",
                 "_norm")

    def __init__(self, n_rows: int, n_live: int, sum_dl: int, dl: np.ndarray, live: np.ndarray,
                 segments: tuple[_Segment, ...], vocab: dict[str, int], terms: list[str], n_cols: int):
        self.n_rows, self.n_live, self.sum_dl = n_rows, n_live, sum_dl
        self.dl, self.live = dl, live
        self.segments = segments
        self.vocab, self.terms, self.n_cols = vocab, terms, n_cols
        self._norm: np.ndarray | None = None

    @property
    def n_dead(self) -> int:
        return self.n_rows - self.n_live

    def norm(self, k1: float, b: float) -> np.ndarray:
        """Per row, the length part of the BM25 denominator: k1 * (1 - b + b * len / avg_len).
        Worked out once per view, on its first search."""
        norm = self._norm
        if norm is None:
            avgdl = self.sum_dl / self.n_live
            norm = k1 * ((1 - b) + b * self.dl[:self.n_rows] / avgdl)
            self._norm = norm
        return norm

    def postings(self, col: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """(rows, counts) of one word column in every segment that holds it."""
        out = []
        for seg in self.segments:
            cols = seg.cols
            i = int(np.searchsorted(cols, col))
            if i < cols.shape[0] and cols[i] == col:
                s, e = int(seg.ptr[i]), int(seg.ptr[i + 1])
                out.append((seg.rows[s:e], seg.tf[s:e]))
        return out

    def df(self, col: int, lists: list[tuple[np.ndarray, np.ndarray]] | None = None) -> int:
        """Live passages holding the word."""
        if lists is None:
            lists = self.postings(col)
        if self.n_dead == 0:
            return sum(int(r.shape[0]) for r, _ in lists)
        live = self.live
        return sum(int(np.count_nonzero(live[r])) for r, _ in lists)

    def col_of(self, term: str) -> int | None:
        col = self.vocab.get(term)
        return col if col is not None and col < self.n_cols else None


def _lucene_idf(df: int, n: int) -> float:
    return float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))


class Bm25:
    """BM25 ("lucene" variant) over rows of tokens that can be added and removed.

    ``k1`` and ``b`` as in BM25 (no defaults here: the index's come from the ``bm25_k1`` and
    ``bm25_b`` settings). ``tail_share``: small segments are merged into the main one when
    they hold more than this share of its postings. ``max_segments`` bounds how many segments a
    search visits.
    """

    def __init__(self, k1: float, b: float, *, tail_share: float = 0.25, max_segments: int = 12):
        self.k1, self.b = float(k1), float(b)
        self.tail_share = float(tail_share)
        self.max_segments = int(max_segments)
        self._write = threading.Lock()
        self._view = _View(0, 0, 0, np.zeros(0, np.int32), np.zeros(0, bool), (), {}, [], 0)

    # --- what is held ---------------------------------------------------------------------
    @property
    def n_rows(self) -> int:
        """Rows ever added since the last ``compact``, dead ones included (row numbers are below this)."""
        return self._view.n_rows

    @property
    def n_live(self) -> int:
        return self._view.n_live

    @property
    def n_dead(self) -> int:
        return self._view.n_dead

    @property
    def n_terms(self) -> int:
        return self._view.n_cols

    @property
    def avgdl(self) -> float:
        v = self._view
        return v.sum_dl / v.n_live if v.n_live else 0.0

    @property
    def live(self) -> np.ndarray:
        """Read-only: which rows are live."""
        v = self._view
        out = v.live[:v.n_rows].view()
        out.flags.writeable = False
        return out

    def segment_sizes(self) -> list[int]:
        return [s.nnz for s in self._view.segments]

    def __len__(self) -> int:
        return self._view.n_live

    # --- changes --------------------------------------------------------------------------
    def add(self, rows: Sequence[Sequence[str] | str]) -> range:
        """Add passages, each a list of tokens (or a space-joined string of them); returns their
        row numbers. An empty passage is allowed: it has length 0 and matches nothing."""
        token_rows = [r.split() if isinstance(r, str) else list(r) for r in rows]
        for r in token_rows:
            for t in r:
                if not isinstance(t, str):
                    raise TypeError(f"tokens must be strings, got {type(t).__name__}")
        with self._write:
            v = self._view
            start, k = v.n_rows, len(token_rows)
            if k == 0:
                return range(start, start)
            # Words to columns. The dictionary and list are shared with views already handed out:
            # they only grow, and a view ignores columns beyond its own n_cols.
            vocab, terms = v.vocab, v.terms
            lens = np.fromiter((len(r) for r in token_rows), dtype=np.int64, count=k)
            ids: list[int] = []
            append = ids.append
            get = vocab.get
            for r in token_rows:
                for t in r:
                    c = get(t)
                    if c is None:
                        c = len(terms)
                        vocab[t] = c
                        terms.append(t)
                    append(c)
            n_cols = len(terms)

            seg = None
            if ids:
                cols = np.asarray(ids, dtype=np.int64)
                local = np.repeat(np.arange(k, dtype=np.int64), lens)
                key, tf = np.unique(cols * k + local, return_counts=True)  # (column, row) order
                seg = _segment_from_coo(key // k, key % k + start, tf)

            dl, live = self._grown(v, start + k)
            dl[start:start + k] = lens
            live[start:start + k] = True
            segments = self._after_add(v.segments, seg, n_cols, live, start + k)
            self._view = _View(start + k, v.n_live + k, v.sum_dl + int(lens.sum()), dl, live, segments,
                               vocab, terms, n_cols)
            return range(start, start + k)

    def remove(self, row_numbers: Iterable[int]) -> int:
        """Mark rows dead; returns how many were live. Dead rows count in no statistic and are
        never returned."""
        idx = np.unique(np.asarray(list(row_numbers), dtype=np.int64))
        with self._write:
            v = self._view
            if idx.size == 0:
                return 0
            if idx[0] < 0 or idx[-1] >= v.n_rows:
                raise IndexError(f"row numbers must be in [0, {v.n_rows}), got {int(idx[0])}..{int(idx[-1])}")
            idx = idx[v.live[idx]]
            if idx.size == 0:
                return 0
            # A copy, not an edit: a search still reading the previous view keeps its own mask.
            live = v.live.copy()
            live[idx] = False
            self._view = _View(v.n_rows, v.n_live - int(idx.size), v.sum_dl - int(v.dl[idx].sum()), v.dl, live,
                               v.segments, v.vocab, v.terms, v.n_cols)
            return int(idx.size)

    def compact(self, min_dead_share: float = 0.0) -> np.ndarray | None:
        """Drop dead rows and the words only they held, renumbering rows in order. Does nothing and
        returns None when dead rows are at most ``min_dead_share`` of all rows (or there are none);
        otherwise returns ``old_to_new`` (int64, -1 for a dropped row)."""
        with self._write:
            v = self._view
            if v.n_dead == 0 or v.n_dead <= min_dead_share * v.n_rows:
                return None
            live = v.live[:v.n_rows]
            old_to_new = np.full(v.n_rows, -1, dtype=np.int64)
            old_to_new[live] = np.arange(v.n_live)
            # Words still held by a live row keep their order; the others go.
            seen = np.zeros(v.n_cols, dtype=bool)
            for seg in v.segments:
                if seg.nnz:
                    alive_cols = np.repeat(seg.cols, np.diff(seg.ptr))[live[np.asarray(seg.rows)]]
                    seen[alive_cols] = True
            col_map = np.full(v.n_cols, -1, dtype=np.int64)
            kept_cols = np.flatnonzero(seen)
            col_map[kept_cols] = np.arange(kept_cols.shape[0])
            seg = _merge(v.segments, v.n_cols, keep=live, row_map=old_to_new, col_map=col_map)
            terms = [v.terms[c] for c in kept_cols.tolist()]
            vocab = {t: i for i, t in enumerate(terms)}
            dl = np.ascontiguousarray(v.dl[:v.n_rows][live])
            self._view = _View(v.n_live, v.n_live, v.sum_dl, dl, np.ones(v.n_live, bool),
                               (seg,) if seg.nnz else (), vocab, terms, len(terms))
            return old_to_new

    def merge_all(self) -> None:
        """Merge every segment into one (dropping dead rows' postings; row numbers do not change)."""
        with self._write:
            v = self._view
            if len(v.segments) <= 1 and v.n_dead == 0:
                return
            seg = _merge(v.segments, v.n_cols, keep=v.live if v.n_dead else None)
            self._view = _View(v.n_rows, v.n_live, v.sum_dl, v.dl, v.live, (seg,) if seg.nnz else (),
                               v.vocab, v.terms, v.n_cols)

    @staticmethod
    def _grown(v: _View, need: int) -> tuple[np.ndarray, np.ndarray]:
        """Per-row buffers with room for ``need`` rows: the same ones when they have room (the
        entries past a view's rows belong to no view), else larger copies."""
        if need <= v.dl.shape[0]:
            return v.dl, v.live
        cap = max(need, int(v.dl.shape[0] * 1.5) + 1024)
        dl = np.zeros(cap, dtype=np.int32)
        live = np.zeros(cap, dtype=bool)
        dl[:v.n_rows] = v.dl[:v.n_rows]
        live[:v.n_rows] = v.live[:v.n_rows]
        return dl, live

    def _after_add(self, segments: tuple[_Segment, ...], new: _Segment | None, n_cols: int, live: np.ndarray,
                   n_rows: int) -> tuple[_Segment, ...]:
        """The merge policy. The new segment joins the end; while the one before it is no more
        than twice its size they become one (so sizes fall geometrically and there are few); when
        the small ones together pass ``tail_share`` of the main one, all become the main one."""
        segs = list(segments)
        if new is not None and new.nnz:
            segs.append(new)
        keep = live[:n_rows]
        while len(segs) >= 3 and segs[-2].nnz <= 2 * segs[-1].nnz:
            segs[-2:] = [_merge(segs[-2:], n_cols, keep=keep)]
        if len(segs) >= 2:
            tail = sum(s.nnz for s in segs[1:])
            if tail > self.tail_share * segs[0].nnz or len(segs) > self.max_segments:
                segs = [_merge(segs, n_cols, keep=keep)]
        return tuple(s for s in segs if s.nnz)

    # --- questions ------------------------------------------------------------------------
    def df(self, term: str) -> int:
        """How many live passages hold ``term``."""
        v = self._view
        col = v.col_of(term)
        return 0 if col is None else v.df(col)

    def idf(self, terms: Sequence[str]) -> list[float]:
        """BM25 (lucene) idf of each term over the live passages. A term no passage holds gets the
        highest possible value; with no passages at all every value is 0."""
        v = self._view
        if v.n_live == 0:
            return [0.0 for _ in terms]
        out = []
        for t in terms:
            col = v.col_of(t)
            out.append(_lucene_idf(0 if col is None else v.df(col), v.n_live))
        return out

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """The score of every row (dead rows 0), float64."""
        v = self._view
        return self._score(v, tokens)

    def _score(self, v: _View, tokens: Sequence[str]) -> np.ndarray:
        acc = np.zeros(v.n_rows, dtype=np.float64)
        if v.n_live == 0:
            return acc
        norm = None
        for term, times in Counter(tokens).items():
            col = v.col_of(term)
            if col is None:
                continue  # unknown words are ignored, as bm25s does
            lists = v.postings(col)
            df = v.df(col, lists)
            if df == 0:
                continue
            if norm is None:
                norm = v.norm(self.k1, self.b)
            weight = times * _lucene_idf(df, v.n_live)  # a repeated word counts once per repetition
            for rows, tf in lists:
                tf = tf.astype(np.float64)
                # rows are distinct within one column of one segment, so a plain += is exact
                acc[rows] += weight * (tf / (norm[rows] + tf))
        if v.n_dead:
            acc[~v.live[:v.n_rows]] = 0.0
        return acc

    def search(self, tokens: Sequence[str], k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best rows for a question's tokens: (rows int64, scores float64), best first,
        ties by row number. Only rows with a score above 0 are returned, so fewer than ``k`` when
        fewer match. ``mask``: the rows allowed, as a boolean array over all rows or an array of
        row numbers."""
        if isinstance(tokens, str):
            raise TypeError("search takes a list of tokens, not a string")
        v = self._view
        none = (np.zeros(0, np.int64), np.zeros(0, np.float64))
        if k <= 0 or v.n_live == 0 or not tokens:
            return none
        acc = self._score(v, tokens)
        cand = np.flatnonzero(acc)
        if mask is not None:
            mask = np.asarray(mask)
            if mask.dtype == bool:
                if mask.shape != (v.n_rows,):
                    raise ValueError(f"a boolean mask must have one entry per row ({v.n_rows}), got {mask.shape}")
                cand = cand[mask[cand]]
            else:
                allowed = np.zeros(v.n_rows, dtype=bool)
                allowed[mask.astype(np.int64)] = True
                cand = cand[allowed[cand]]
        if cand.size == 0:
            return none
        s = acc[cand]
        if cand.size > k:
            part = np.argpartition(-s, k - 1)[:k]
            cand, s = cand[part], s[part]
        order = np.lexsort((cand, -s))
        return cand[order].astype(np.int64, copy=False), s[order]

    # --- disk -----------------------------------------------------------------------------
    def save(self, directory: Path | str) -> None:
        """Write the index to ``directory`` (created if need be). Segments already on disk in a
        folder on the same file system (where they were loaded from or last saved to) are
        hard-linked rather than written again. Every file is written under a temporary name and
        renamed; ``bm25.json`` comes last, so a reader never takes a half-written save for a whole
        one. To replace an index that readers may be using, save to a new folder and swap it in."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        with self._write:
            v = self._view
            for seg in v.segments:
                self._save_segment(seg, directory)
            _write_npy(directory / "dl.npy", np.ascontiguousarray(v.dl[:v.n_rows]))
            _write_npy(directory / "live.npy", np.ascontiguousarray(v.live[:v.n_rows]))
            _write_bytes(directory / "vocab.json", json.dumps(v.terms[:v.n_cols], ensure_ascii=False).encode())
            meta = {
                "format": FORMAT, "k1": self.k1, "b": self.b, "n_rows": v.n_rows, "n_live": v.n_live,
                "sum_dl": v.sum_dl, "n_cols": v.n_cols,
                "segments": [{"name": s.name, "nnz": s.nnz, "n_cols": int(s.cols.shape[0]), "tf": s.tf.dtype.str}
                             for s in v.segments],
            }
            _write_bytes(directory / META, json.dumps(meta).encode())
            # Segment files of earlier saves here that this one no longer names.
            keep = {p.name for s in v.segments for p in s.files(directory).values()}
            for p in directory.glob("seg-*.npy"):
                if p.name not in keep:
                    try:
                        p.unlink()
                    except OSError:
                        pass

    @staticmethod
    def _save_segment(seg: _Segment, directory: Path) -> None:
        dest = seg.files(directory)
        src = seg.files(seg.origin) if seg.origin is not None else None
        for part, path in dest.items():
            if path.exists():  # same name, same content: segments never change
                continue
            if src is not None and src[part].exists():
                tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
                try:
                    os.link(src[part], tmp)
                    os.replace(tmp, path)
                    continue
                except OSError:  # another file system, or links not allowed: write it
                    try:
                        tmp.unlink()
                    except OSError:
                        pass
            _write_npy(path, np.ascontiguousarray(getattr(seg, part)))
        seg.origin = directory

    @classmethod
    def load(cls, directory: Path | str, *, mmap: bool = True, tail_share: float = 0.25,
             max_segments: int = 12) -> "Bm25":
        """Read an index written by ``save``. Postings are memory-mapped unless ``mmap`` is False.
        Raises ``OSError`` if files are missing and ``ValueError`` if they do not belong together
        (e.g. a save into the same folder happened while it was read): the caller may retry."""
        directory = Path(directory)
        meta = json.loads((directory / META).read_text())
        if meta.get("format") != FORMAT:
            raise ValueError(f"{directory} holds format {meta.get('format')!r}, not {FORMAT!r}")
        out = cls(meta["k1"], meta["b"], tail_share=tail_share, max_segments=max_segments)
        n_rows, n_cols = int(meta["n_rows"]), int(meta["n_cols"])
        terms = json.loads((directory / "vocab.json").read_text())
        dl = load_array(directory / "dl.npy")
        live = load_array(directory / "live.npy")
        if len(terms) != n_cols or dl.shape != (n_rows,) or live.shape != (n_rows,):
            raise ValueError(f"{directory} holds parts of different saves")
        n_live = int(np.count_nonzero(live))
        sum_dl = int(dl[live].sum(dtype=np.int64))
        if n_live != meta["n_live"] or sum_dl != meta["sum_dl"]:
            raise ValueError(f"{directory} holds parts of different saves")
        segments = []
        for s in meta["segments"]:
            seg = _Segment(s["name"], *(None,) * 4, origin=directory)
            files = seg.files(directory)
            arrays = {}
            for part in _SEG_PARTS:
                arrays[part] = load_array(files[part], mmap_mode="r" if mmap and s["nnz"] else None)
            seg.cols, seg.ptr, seg.rows, seg.tf = arrays["cols"], arrays["ptr"], arrays["rows"], arrays["tf"]
            if (seg.nnz != s["nnz"] or seg.cols.shape[0] != s["n_cols"] or seg.ptr.shape[0] != s["n_cols"] + 1
                    or seg.tf.shape[0] != s["nnz"]):
                raise ValueError(f"{directory} holds parts of different saves")
            segments.append(seg)
        vocab = {t: i for i, t in enumerate(terms)}
        if len(vocab) != n_cols:
            raise ValueError(f"{directory}: the vocabulary repeats a word")
        out._view = _View(n_rows, n_live, sum_dl, dl, live, tuple(segments), vocab, terms, n_cols)
        return out


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def _write_npy(path: Path, array: np.ndarray) -> None:
    tmp = _tmp_name(path)
    with open(tmp, "wb") as f:
        np.save(f, array, allow_pickle=False)
    os.replace(tmp, path)


def _write_bytes(path: Path, data: bytes) -> None:
    tmp = _tmp_name(path)
    tmp.write_bytes(data)
    os.replace(tmp, path)
