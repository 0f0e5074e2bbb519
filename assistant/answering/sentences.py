"""The answerer's own reading of a passage into sentences.

Published documents reach the index as extracted text: bullet points run into the sentence
before them, a list item or a line that introduces a list ("… has three stages:") has no full
stop, and a page's running header or contents line sits between two sentences. The chunker's
sentence splitter (ingest/chunk.py) is right for cutting passages; answering needs finer pieces,
each still an exact span of the passage so that it can be quoted and cited word for word.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from evidence_assistant.core.text import is_table_row, sentence_spans

# A bullet mark opening a list item, at the start of a line or after a space ("… as follows: • put
# in place …").
_BULLET = re.compile(r"(?:^|(?<=\s))[•◦▪●‣∙·]\s+|^\s*[-*–]\s+(?=\S)", re.M)
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'’”)\]]*$")
_INTRODUCES = re.compile(r"[:\u2013\u2014-]$")
_LIST_ITEM_END = re.compile(r"[;,]$|[;,] (?:and|or)$")


@dataclass(frozen=True)
class Piece:
    start: int
    end: int
    kind: str  # "sentence", "item" (a list item), "lead-in" (ends with a colon), "row" (of a table) or "fragment"


def _kind(text: str, item: bool) -> str:
    t = text.rstrip()
    if _ENDS_SENTENCE.search(t):
        return "item" if item else "sentence"
    if _INTRODUCES.search(t):
        return "lead-in"
    if _LIST_ITEM_END.search(t):
        return "item"  # "diagnose communicable diseases;": one of a list's items
    return "item" if item else "fragment"


def pieces(text: str) -> list[Piece]:
    """The spans of ``text`` an answer may quote: its sentences, with bullet points and list
    items cut out of the sentences they were run into, each labelled with what kind of piece it
    is. Every span is exact: ``text[p.start:p.end]`` is the piece, stripped."""
    out: list[Piece] = []
    for a, b in sentence_spans(text):
        if is_table_row(text[a:b]):  # a table's row states its figures with their headers: one piece
            out.append(Piece(a, b, "row"))
            continue
        # Cut before each bullet mark; the mark itself is not part of the quoted item.
        cuts: list[tuple[int, int, bool]] = []
        pos, item = a, False
        for m in _BULLET.finditer(text, a, b):
            if m.start() > pos:
                cuts.append((pos, m.start(), item))
            pos, item = m.end(), True
        cuts.append((pos, b, item))
        for s, e, is_item in cuts:
            # Lines of one list item or sentence may be broken; only a blank line ends a block.
            seg = text[s:e]
            lead = len(seg) - len(seg.lstrip())
            trail = len(seg.rstrip())
            if trail <= lead:
                continue
            s2, e2 = s + lead, s + trail
            out.append(Piece(s2, e2, _kind(text[s2:e2], is_item)))
    return out
