"""Structure-aware chunking: a pure function from a document's blocks to passages.

The document's text is its blocks joined by blank lines; every passage is an exact slice of
that text, so a citation's character offsets always point at the words shown. Passages never
cross documents, start at heading boundaries, pack whole paragraphs up to the size limit, and
split a paragraph too long for one passage into sentence-aligned windows that overlap.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Callable, Sequence

from evidence_assistant.core.text import BLOCK_SEPARATOR, sentence_spans
from evidence_assistant.core.types import Block, Passage, SourceDocument

def document_text(blocks: Sequence[Block]) -> tuple[str, list[int]]:
    """The document's text and the offset where each block starts in it."""
    starts: list[int] = []
    pos = 0
    for b in blocks:
        starts.append(pos)
        pos += len(b.text) + len(BLOCK_SEPARATOR)
    return BLOCK_SEPARATOR.join(b.text for b in blocks), starts


def passage_id(doc_id: str, char_start: int, char_end: int) -> str:
    """Stable across runs: the same bytes chunked the same way give the same ids."""
    h = hashlib.sha256(f"{doc_id}:{char_start}:{char_end}".encode()).hexdigest()
    return f"{doc_id[:12]}-{h[:12]}"


@dataclass
class _Piece:
    """A run of text inside one block: the whole block, or a sentence window of it."""
    block: int
    start: int  # offset in the document text
    end: int
    tokens: int


def _split_long_block(text: str, offset: int, block_index: int, max_tokens: int, overlap: int,
                      count_tokens: Callable[[Sequence[str]], list[int]]) -> list[_Piece]:
    """Sentence-aligned windows of one over-long block, consecutive windows sharing about
    ``overlap`` tokens. A single sentence longer than the limit is cut at word boundaries."""
    units: list[tuple[int, int]] = []
    for a, b in sentence_spans(text):
        units.extend(_word_windows(text, a, b, max_tokens, count_tokens))
    sizes = count_tokens([text[a:b] for a, b in units])
    pieces: list[_Piece] = []
    i = 0
    while i < len(units):
        j, total = i, 0
        while j < len(units) and (total + sizes[j] <= max_tokens or j == i):
            total += sizes[j]
            j += 1
        pieces.append(_Piece(block_index, offset + units[i][0], offset + units[j - 1][1], total))
        if j >= len(units):
            break
        # Step back over trailing sentences worth at most ``overlap`` tokens, but always advance.
        k, carried = j, 0
        while k - 1 > i and carried + sizes[k - 1] <= overlap:
            k -= 1
            carried += sizes[k]
        i = k
    return pieces


def _word_windows(text: str, a: int, b: int, max_tokens: int,
                  count_tokens: Callable[[Sequence[str]], list[int]]) -> list[tuple[int, int]]:
    if count_tokens([text[a:b]])[0] <= max_tokens:
        return [(a, b)]
    words = [(m.start() + a, m.end() + a) for m in re.finditer(r"\S+", text[a:b])]
    sizes = count_tokens([text[s:e] for s, e in words])
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        j, total = i, 0
        while j < len(words) and (total + sizes[j] + 1 <= max_tokens or j == i):
            total += sizes[j] + 1  # +1: word pieces can merge differently when joined; stay under
            j += 1
        out.append((words[i][0], words[j - 1][1]))
        i = j
    return out


def chunk_blocks(doc: SourceDocument, blocks: Sequence[Block], *, max_tokens: int, overlap: int,
                 count_tokens: Callable[[Sequence[str]], list[int]]) -> list[Passage]:
    """Cut one document's blocks into passages of at most ``max_tokens`` model tokens."""
    if max_tokens < 16:
        raise ValueError(f"max_tokens must be at least 16, got {max_tokens}")
    if not 0 <= overlap < max_tokens:
        raise ValueError(f"overlap must be >= 0 and < max_tokens ({max_tokens}), got {overlap}")
    if not blocks:
        return []
    text, starts = document_text(blocks)
    sizes = count_tokens([b.text for b in blocks])

    pieces: list[_Piece] = []
    for i, (b, n) in enumerate(zip(blocks, sizes)):
        if n <= max_tokens:
            pieces.append(_Piece(i, starts[i], starts[i] + len(b.text), n))
        else:
            pieces.extend(_split_long_block(b.text, starts[i], i, max_tokens, overlap, count_tokens))

    # Pack consecutive pieces into passages (the rule is ``_joins``).
    groups: list[list[_Piece]] = []
    current: list[_Piece] = []
    current_tokens = 0
    for p in pieces:
        if current and not _joins(current, current_tokens, p, blocks, starts, max_tokens):
            groups.append(current)
            current, current_tokens = [], 0
        current.append(p)
        current_tokens += p.tokens
    if current:
        groups.append(current)

    passages: list[Passage] = []
    for seq, g in enumerate(groups):
        first, last = g[0], g[-1]
        covered = [blocks[p.block] for p in g]
        content = [b for b in covered if b.kind != "heading"] or covered
        pages = [b.page for b in covered if b.page is not None]
        paras = [b.paragraph for b in covered if b.paragraph is not None]
        heading_path = content[0].heading_path
        if content[0].kind == "heading":
            heading_path = heading_path + (content[0].text,)
        start, end = first.start, last.end
        segments = tuple((max(starts[p.block], start) - start, blocks[p.block].page, blocks[p.block].paragraph)
                         for p in g)
        passages.append(Passage(
            passage_id=passage_id(doc.doc_id, start, end),
            doc_id=doc.doc_id,
            seq=seq,
            text=text[start:end],
            char_start=start,
            char_end=end,
            page_start=pages[0] if pages else None,
            page_end=pages[-1] if pages else None,
            paragraph_start=paras[0] if paras else None,
            paragraph_end=paras[-1] if paras else None,
            heading_path=tuple(heading_path),
            title=doc.title,
            kind=doc.kind,
            date=doc.date,
            publisher=doc.publisher,
            url=doc.url,
            path=doc.path,
            segments=segments,
        ))
    return passages


def _whole(p: _Piece, blocks: Sequence[Block], starts: Sequence[int]) -> bool:
    return p.start == starts[p.block] and p.end == starts[p.block] + len(blocks[p.block].text)


def _joins(current: list[_Piece], tokens: int, p: _Piece, blocks: Sequence[Block],
           starts: Sequence[int], max_tokens: int) -> bool:
    """Whether piece ``p`` continues the passage being built.

    Whole paragraphs join while they fit and stay in one section; a heading starts a new
    passage (so a passage's heading path is that of its content) but keeps the headings just
    above it; headings alone join the first window of the paragraph under them. Windows of a
    split paragraph otherwise stand alone: they already overlap.
    """
    if tokens + p.tokens > max_tokens:
        return False
    prev, block = blocks[current[-1].block], blocks[p.block]
    only_headings = all(blocks[c.block].kind == "heading" for c in current)
    if not _whole(p, blocks, starts):
        return only_headings and p.start == starts[p.block]  # first window of its block
    if not _whole(current[-1], blocks, starts):
        return False
    if block.kind == "heading":
        return prev.kind == "heading"
    return only_headings or prev.heading_path == block.heading_path


def embedding_text(p: Passage) -> str:
    """What the model reads for a passage: the document title and headings give a short passage
    the context a reader would have. The stored and cited text stays the verbatim ``p.text``."""
    context = " › ".join([p.title, *p.heading_path[-2:]]) if p.title else " › ".join(p.heading_path[-2:])
    return f"{context}\n{p.text}" if context else p.text
