"""Words whose "ll" the extraction lost: "We wil run the process annual y", "funding al ocated".

Some PDFs draw "ll" as one glyph with no text behind it, and text extracted from them (or
Markdown converted from them) has one "l" and a space where the two letters were. A reader
fills the gap without noticing; a search for "will", "annually" or "allocated" does not, and a
quotation reads as a misprint. The repair works on a whole document, and only on one that shows
the loss throughout: at least ``MIN_BROKEN`` broken words, outnumbering its words that still
have their "ll". A document that merely contains "al" or "Kel" somewhere is left alone.

Two shapes of break, judged against the packaged embedding model's word list (the vocabulary
its tokenizer ships with; no download):
- inside a word: "al ocated", "chal enging", "annual y", "Kel y" — one "l", a space, the rest;
  joined with "ll" they make a known word, and one side on its own is not a word (or is one
  letter);
- at the end of a word: "wil", "stil", "overal", "al" before a space — with "ll" a known word,
  and on their own not one (or one of the few that are pieces in the word list: "wil", "stil",
  "al"; "al" after "et" is Latin and stays).
"""
from __future__ import annotations

import functools
import re
from typing import Iterable

MIN_BROKEN = 5
# In the word list as pieces of other words or names, but in running English text almost always
# a word that lost its "ll".
_PIECES = frozenset({"wil", "stil", "al", "smal", "shal", "wel"})
# The rest of the word is looked at, not taken, so that it can itself be a broken word's start
# ("wil fol ow").
_INSIDE = re.compile(r"\b([A-Za-z]*[a-z]l|[Aa]l) (?=([a-z]+)\b)")
_END = re.compile(r"(?<!\bet )\b([A-Za-z]*[a-z]l|[Aa]l)\b(?= [a-z(])")
_LL_WORD = re.compile(r"\b[A-Za-z]*ll[a-z]*\b")


@functools.lru_cache(maxsize=1)
def words() -> frozenset[str]:
    """The whole words of the packaged model's vocabulary; empty when the model is not installed
    (then nothing is repaired)."""
    try:
        from evidence_ingest.embed import packaged_model_path

        path = packaged_model_path() / "vocab.txt"
        lines = path.read_text(encoding="utf-8").split()
    except Exception:  # no packaged model: the text is kept as extracted
        return frozenset()
    return frozenset(w for w in lines if w.isalpha() and w.islower())


def _joined(m: re.Match[str], vocab: frozenset[str]) -> str | None:
    left, right = m.group(1), m.group(2)
    whole = f"{left}l{right}"
    if whole.lower() not in vocab:
        return None
    if left.lower() in vocab and left.lower() not in _PIECES and right in vocab and len(right) > 1:
        return None  # two words that happen to meet: "general practice", "real life"
    return whole


def _ended(m: re.Match[str], vocab: frozenset[str]) -> str | None:
    left = m.group(1)
    whole = f"{left}l"
    if whole.lower() not in vocab:
        return None
    if left.lower() in vocab and left.lower() not in _PIECES:
        return None  # a word in its own right ("general", "annual", "real")
    return whole


def broken_words(text: str, vocab: frozenset[str] | None = None) -> int:
    """How many words in ``text`` look like they lost an "ll"."""
    vocab = words() if vocab is None else vocab
    if not vocab:
        return 0
    inside = sum(1 for m in _INSIDE.finditer(text) if _joined(m, vocab))
    end = sum(1 for m in _END.finditer(text) if _ended(m, vocab))
    return inside + end


def shows_lost_ll(texts: Iterable[str], vocab: frozenset[str] | None = None) -> bool:
    """Whether a document, given as its blocks' texts, lost its "ll"s throughout."""
    vocab = words() if vocab is None else vocab
    text = "\n".join(texts)
    broken = broken_words(text, vocab)
    return broken >= MIN_BROKEN and broken > len(_LL_WORD.findall(text))


def repair(text: str, vocab: frozenset[str] | None = None) -> str:
    """``text`` with every lost "ll" put back (call only for a document ``shows_lost_ll``)."""
    vocab = words() if vocab is None else vocab
    if not vocab:
        return text
    text = _INSIDE.sub(lambda m: f"{m.group(1)}l" if _joined(m, vocab) else m.group(0), text)
    return _END.sub(lambda m: _ended(m, vocab) or m.group(0), text)
