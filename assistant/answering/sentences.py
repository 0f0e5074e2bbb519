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
ENDS_SENTENCE = re.compile(r"[.!?…][\"'’”)\]]*$")
# A line that introduces a list ends with a colon or a dash, or with a semicolon after a word that
# cannot end a statement ("… the medication record by;"), where a list item ends "…;" after one that can.
_INTRODUCES = re.compile(r"[:\u2013\u2014-]$|\b(?:by|to|of|for|with|from|include|includes|including|are|as follows|"
                         r"following|namely|such as);$", re.I)
_LIST_ITEM_END = re.compile(r"[;,]$|[;,] (?:and|or)$")


# A block numbered as one of a list ("3. Use the minimum necessary", "(b) …").
_NUMBERED = re.compile(r"^(?:\(?\d{1,2}[.)]|\(?[a-z][.)]|\((?:i|ii|iii|iv|v|vi|vii|viii|ix|x)\))\s+\S")
# A sentence that announces a list to follow: "The report lists 6 principles … (see below).",
# "… the following:".
_ANNOUNCES = re.compile(r"\b(?:following|below|as follows)\b|(?<![\d.,])\b(?:[2-9]|1[0-2]|two|three|four|five|six|"
                        r"seven|eight|nine|ten|eleven|twelve)\s+(?:[\w-]+\s+){0,2}[a-z]+s\b", re.I)


@dataclass(frozen=True)
class Piece:
    start: int
    end: int
    kind: str  # "sentence", "item" (a list item), "lead-in" (ends with a colon), "row" (of a table) or "fragment"


def _kind(text: str, item: bool) -> str:
    t = text.rstrip()
    if ENDS_SENTENCE.search(t):
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
    return _lists(text, _rejoined(text, out))


# A word no sentence ends on: a line ending in one was cut off by the page's layout.
_CANNOT_END = re.compile(r"\b(?:the|a|an|of|to|with|and|or|by|for|from|in|on|at|as|that|than|into|between)$", re.I)


def _rejoined(text: str, out: list[Piece]) -> list[Piece]:
    """A sentence the layout broke across a blank line ("… it must be registered with the" then
    "Medicines and Healthcare Products Regulatory Agency (MHRA) and have a CE mark.") read as one
    piece: a fragment ending on a word no sentence ends on goes on into the sentence after it."""
    merged: list[Piece] = []
    for p in out:
        prev = merged[-1] if merged else None
        if prev is not None and prev.kind == "fragment" and _CANNOT_END.search(text[prev.start:prev.end]) \
                and p.kind in ("sentence", "fragment"):
            merged[-1] = Piece(prev.start, p.end, p.kind)
            continue
        merged.append(p)
    return merged


def _list_like(text: str, p: Piece) -> bool:
    """Whether a block could be one of a list's items: marked or numbered as one, running on in
    lower case, or a short line without a full stop."""
    t = text[p.start:p.end]
    return p.kind == "item" or bool(_NUMBERED.match(t)) or t[:1].islower() or \
        (p.kind == "fragment" and len(t.split()) <= 15)


def _opens_list(line: str) -> bool:
    """Whether a line can be a list's first: unnumbered, or numbered 1, a or i (a report's
    numbered paragraphs go on from where they are: "13. The Panel …")."""
    m = _NUMBERED.match(line)
    return not m or bool(re.match(r"\(?(?:1|a|i)[.)]", line))


def _lists(text: str, out: list[Piece]) -> list[Piece]:
    """Lists set out one item to a line, as converted documents set them: a sentence announcing
    a list ("The report lists 6 principles … (see below).") followed by two or more such lines
    introduces it; the lines after a list's opening — numbered, in lower case, short, or after
    an item ending "…, and" — are its items, up to the first that is none of these or that
    follows an item ending a sentence."""
    def own_line(i: int) -> bool:
        return i > 0 and "\n" in text[out[i - 1].end:out[i].start]

    fixed = list(out)
    for i, p in enumerate(fixed):
        if p.kind == "sentence" and _ANNOUNCES.search(text[p.start:p.end]) and i + 2 < len(fixed) and \
                all(own_line(j) and _list_like(text, fixed[j]) for j in (i + 1, i + 2)) and \
                _opens_list(text[fixed[i + 1].start:fixed[i + 1].end]):
            fixed[i] = Piece(p.start, p.end, "lead-in")
        elif i and own_line(i) and p.kind in ("sentence", "fragment") and fixed[i - 1].kind in ("lead-in", "item"):
            before = text[fixed[i - 1].start:fixed[i - 1].end].rstrip()
            ended = fixed[i - 1].kind == "item" and bool(ENDS_SENTENCE.search(before))
            if not ended and (_list_like(text, p) or _LIST_ITEM_END.search(before)):
                fixed[i] = Piece(p.start, p.end, "item")
    return _block_items(text, fixed)


# The longest one-sentence block read as an item of the list a colon introduces.
BLOCK_ITEM_WORDS = 20
# A paragraph that opens with a short label and a dash or colon ("Missing data - gaps can mislead
# …"): one entry of a list of labelled paragraphs.
_LABELLED = re.compile(r"^[A-Z][\w'’/&,()]*(?: [\w'’/&,()]+){0,5} (?:-|–|—|:) \S")


def _block_items(text: str, out: list[Piece]) -> list[Piece]:
    """A colon's list set out as paragraphs, one item to each, read as its items: two or more
    paragraphs of one short sentence each ("The review asked:" then "Who may read the record?",
    "How is consent kept?"), or paragraphs each opening with a label and a dash ("… check the
    following:" then "Missing data - gaps can mislead …. Errors are …"),
    each such paragraph one item however many sentences it holds. The list ends at the first
    paragraph that is neither. A list already read as one (its lines marked, numbered or in lower
    case) is left as it is, except that a bulleted labelled paragraph is one item whole, as the
    unmarked one is."""
    def gap_breaks(a: int, b: int) -> bool:
        return bool(re.search(r"\n[ \t]*\n", text[a:b]))

    def block_end(j: int) -> int:
        """The index of the last piece of the paragraph that ``out[j]`` opens (a bullet mark
        opens another)."""
        while j + 1 < len(out) and not gap_breaks(out[j].end, out[j + 1].start) and \
                not _BULLET.search(text, out[j].end, out[j + 1].start + 1):
            j += 1
        return j

    def opens_block(j: int) -> bool:
        return gap_breaks(out[j - 1].end, out[j].start)

    fixed: list[Piece] = []
    i = 0
    while i < len(out):
        p = out[i]
        fixed.append(p)
        i += 1
        if p.kind != "lead-in" or not text[p.start:p.end].rstrip().endswith(":"):
            continue
        # Paragraphs of one short sentence each.
        run = []
        j = i
        while j < len(out) and out[j].kind in ("sentence", "fragment") and opens_block(j) and block_end(j) == j \
                and len(text[out[j].start:out[j].end].split()) <= BLOCK_ITEM_WORDS:
            run.append(j)
            j += 1
        if len(run) >= 2:
            fixed.extend(Piece(out[k].start, out[k].end, "item") for k in run)
            i = j
            continue
        # Labelled paragraphs, each one item, bulleted or not ("• Transcription - Where staff …").
        blocks = []
        j = i
        while j < len(out) and out[j].kind in ("sentence", "fragment", "item") and opens_block(j) \
                and _LABELLED.match(text[out[j].start:out[j].end]):
            blocks.append((j, block_end(j)))
            j = block_end(j) + 1
        if len(blocks) >= 2:
            fixed.extend(Piece(out[a].start, out[b].end, "item") for a, b in blocks)
            i = j
    return fixed
