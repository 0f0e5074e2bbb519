"""Works: one text that reaches the index as several documents.

The same chapter of a guideline may be indexed as its Word original, a Markdown conversion and
the HTML page made from that; a report may be indexed twice in two editions that differ by a
few corrections. Each file is a document of its own (its own id, passages and citations), but
a reader wants the *work* counted once: one set of passages in an answer, not the same
paragraph three times, and one citation.

How near-duplicates are found, at ingest, without comparing every pair of documents:

* A document's text is read as lower-case words; every run of ``SHINGLE_WORDS`` consecutive
  words is a shingle. Two copies of one text share nearly all their shingles whatever their
  format (markup, page furniture and chunking leave the run of words alone); a summary shares
  few with its full report, because it has far fewer shingles (the measure is Jaccard: shared
  shingles over all the shingles of either).
* The shingle set is summarised by a MinHash signature (``datasketch``, ``NUM_PERM`` hash
  functions): the share of equal slots in two signatures estimates their Jaccard similarity.
* A new document is compared in full only with the indexed documents that share one of the
  first ``PROBE_SLOTS`` slots of its signature (``probe``, one array comparison over all of
  them): a pair at the threshold shares none with probability about 0.5 ** 32, while unrelated
  documents (similarity near 0) almost never share one.
* A pair whose estimated similarity is at least ``THRESHOLD`` is one work, and so are the
  documents linked through such pairs. The threshold was chosen on the real documents of
  ``shared/data/uk-health-policy`` (the GP good practice guidelines in up to three formats,
  and 30 other health-policy documents): see ``THRESHOLD``.

Which document of a work is cited is decided by ``preference_key``.
"""
from __future__ import annotations

import functools
import re
import unicodedata
import zlib
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

SHINGLE_WORDS = 5
NUM_PERM = 128
SEED = 1
PROBE_SLOTS = 32
_BATCH = 8192
# Constants of the shingle hash (any odd multiplier works; these are splitmix64's).
_MULT = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
# Chosen in the gap measured over the 48 documents (1,128 pairs) of shared/data/uk-health-policy
# (tests/ingest/test_works.py prints it): the 12 pairs of copies of one chapter in two formats are
# at 0.648 and above (estimated; 0.685 exact, a Word copy vs a Markdown copy), every other pair
# at 0.094 and below (0.059 exact, a full report vs its own summary report; the 99th
# percentile of other pairs is 0.016). 0.5 keeps both more than three standard deviations of the
# estimate away, and reads as "most of the text is the same": an edition that changes one word in
# twenty keeps about 0.6, one rewritten in large part falls well below.
THRESHOLD = 0.5

_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """The words of ``text`` in reading order: compatibility-normalised (ligatures, curly and
    straight quotes, full-width letters fold together), lower case, punctuation dropped."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str, k: int = SHINGLE_WORDS) -> set[str]:
    """Every run of ``k`` consecutive words (the whole text when it is shorter)."""
    w = words(text)
    if not w:
        return set()
    if len(w) <= k:
        return {" ".join(w)}
    return {" ".join(w[i:i + k]) for i in range(len(w) - k + 1)}


def text_of(passages: Sequence[object]) -> str:
    """The document's text rebuilt from its passages (each knows its span of the document text),
    so that overlapping windows are read once and words across a passage boundary stay
    neighbours."""
    parts: list[str] = []
    covered = 0
    for p in sorted(passages, key=lambda p: (p.char_start, p.char_end)):  # type: ignore[attr-defined]
        start, end, text = p.char_start, p.char_end, p.text  # type: ignore[attr-defined]
        if end <= covered:
            continue
        if start >= covered:
            if parts:
                parts.append("\n\n")
            parts.append(text)
        else:
            parts.append(text[covered - start:])
        covered = end
    return "".join(parts)


def shingle_hashes(text: str, k: int = SHINGLE_WORDS) -> np.ndarray:
    """The distinct 32-bit hashes of ``text``'s shingles (the same runs of words as
    ``shingles``), computed with array arithmetic: CRC-32 of each word, the ``k`` word hashes of a
    run combined as one number, mixed (the splitmix64 finaliser) and cut to 32 bits. Stable
    across processes and machines, unlike Python's own ``hash``."""
    w = words(text)
    if not w:
        return np.empty(0, dtype=np.uint32)
    wh = np.fromiter((zlib.crc32(x.encode("utf-8")) for x in w), dtype=np.uint64, count=len(w))
    n = max(1, len(w) - k + 1)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(min(k, len(w))):
        h = h * _MULT + wh[j:j + n] + np.uint64(1)
    h ^= h >> np.uint64(30)
    h *= _MIX1
    h ^= h >> np.uint64(27)
    h *= _MIX2
    h ^= h >> np.uint64(31)
    return np.unique((h >> np.uint64(32)).astype(np.uint32))


def signature(text: str) -> np.ndarray | None:
    """The MinHash signature of ``text``'s shingles (``NUM_PERM`` unsigned 32-bit values), or
    None for a text without words (it can be no one's duplicate)."""
    hashes = shingle_hashes(text)
    if not hashes.size:
        return None
    m = _empty_minhash().copy()
    for i in range(0, hashes.size, _BATCH):  # bounded memory: a batch is _BATCH x NUM_PERM values
        m.update_batch(hashes[i:i + _BATCH].tolist())
    return np.asarray(m.hashvalues, dtype=np.uint32)


def _as_is(value: int) -> int:
    return value


@functools.lru_cache(maxsize=1)
def _empty_minhash():  # -> datasketch.MinHash; its permutations are drawn once per process
    try:
        from datasketch import MinHash
    except ImportError as exc:  # pragma: no cover - an install problem, said plainly
        from evidence_assistant.core.errors import ConfigError

        raise ConfigError("finding copies of one document in several formats needs datasketch: "
                          "pip install datasketch==2.0.0 (or reinstall the project)") from exc

    # The scheme is named so that an upgrade of datasketch cannot change stored signatures; the
    # shingles come already hashed (``shingle_hashes``), so its hash function passes them on.
    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32", hashfunc=_as_is)


def to_bytes(sig: np.ndarray | None) -> bytes | None:
    return None if sig is None else np.asarray(sig, dtype="<u4").tobytes()


def from_bytes(data: bytes | None) -> np.ndarray | None:
    if not data or len(data) != NUM_PERM * 4:
        return None
    return np.frombuffer(data, dtype="<u4")


def similarity(a: np.ndarray | None, b: np.ndarray | None) -> float:
    """Estimated Jaccard similarity of two documents' shingle sets: the share of equal slots."""
    if a is None or b is None:
        return 0.0
    return float(np.count_nonzero(a == b)) / NUM_PERM


def probe(matrix: np.ndarray, sig: np.ndarray | None) -> np.ndarray:
    """Rows of ``matrix`` (signatures, one a row) worth comparing with ``sig`` in full: those
    equal to it in at least one of the first ``PROBE_SLOTS`` slots."""
    if sig is None or not len(matrix):
        return np.empty(0, dtype=np.intp)
    return np.flatnonzero((matrix[:, :PROBE_SLOTS] == sig[:PROBE_SLOTS]).any(axis=1))


# --- which document of a work is cited -------------------------------------------------------

# Formats a reader can cite most precisely come first when citation locators tie.
FORMAT_ORDER = ("pdf", "docx", "html", "markdown", "text", "json")


@dataclass(frozen=True)
class Citability:
    """What a document's passages let a citation point at."""

    pages: bool  # at least one passage carries a page number
    paragraphs: bool  # at least one passage carries the document's own paragraph number

    @property
    def rank(self) -> int:
        """2 with page numbers and numbered paragraphs, 1 with one of the two, 0 with neither."""
        return int(self.pages) + int(self.paragraphs)

    @classmethod
    def of(cls, passages: Iterable[object]) -> "Citability":
        pages = paragraphs = False
        for p in passages:
            pages = pages or getattr(p, "page_start", None) is not None
            paragraphs = paragraphs or getattr(p, "paragraph_start", None) is not None
            if pages and paragraphs:
                break
        return cls(pages, paragraphs)


def preference_key(cite_rank: int, fmt: str, n_passages: int, doc_id: str) -> tuple[int, int, int, str]:
    """Sort key (smallest first) for the document of a work that answers and citations use.

    The rule: a document whose passages carry page numbers or the document's own numbered
    paragraphs comes before one whose passages carry neither (both before one); then the format
    in ``FORMAT_ORDER`` (PDF, Word, HTML, Markdown, text); then the document with more passages
    (the fuller copy); then the document id, so the choice never depends on the order of
    indexing."""
    fmt_rank = FORMAT_ORDER.index(fmt) if fmt in FORMAT_ORDER else len(FORMAT_ORDER)
    return (-int(cite_rank), fmt_rank, -int(n_passages), doc_id)


def work_id_for(members: Iterable[str]) -> str:
    """A work's id: ``work-`` and the first 16 characters of the smallest id among its documents.
    It depends only on which documents are indexed, never on the order they came in, so an index
    brought up to date step by step names its works as a fresh ingest of the same files would."""
    return "work-" + min(members)[:16]


def components(signatures: dict[str, np.ndarray | None], threshold: float | None = None) -> list[set[str]]:
    """The documents grouped into works: two documents are one work when their similarity is at
    least ``threshold`` (``THRESHOLD``), and so, through them, are the documents linked to either
    (connected components; the result does not depend on the order of the documents)."""
    t = THRESHOLD if threshold is None else threshold
    ids = sorted(signatures)
    parent = {d: d for d in ids}

    def root(d: str) -> str:
        while parent[d] != d:
            parent[d] = parent[parent[d]]
            d = parent[d]
        return d

    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            if similarity(signatures[a], signatures[b]) >= t:
                ra, rb = root(a), root(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, set[str]] = {}
    for d in ids:
        groups.setdefault(root(d), set()).add(d)
    return sorted(groups.values(), key=min)
