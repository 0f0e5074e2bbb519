"""Plain-text loader, and the small text helpers the other loaders share.

Decoding is detected, not assumed: a byte-order mark wins; then strict UTF-8; then
charset-normalizer's guess. Windows-1252 is preferred over the guess whenever it reads the
bytes at least as cleanly, because short Western European text is ambiguous between the
single-byte code pages (charset-normalizer picks cp1250 for "£150", giving "Ł150") and
cp1252 is what British Windows software writes.

Paragraphs are separated by blank lines; a line that starts with a paragraph number
("12.", "12 The", "3.4") after a line that ends a sentence starts a new, numbered block.
A form feed (as pdftotext writes between pages) starts a new page: blocks then carry
``page``/``page_index``. Title: the first non-empty line, when it is short.

The shared helpers (``clean``, ``paragraph_number``, ``group_lines``, ``HeadingStack``)
live here because this is the simplest format; pdf, html, docx and markdown import them.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

from evidence_assistant.core.errors import IngestError
from evidence_assistant.core.types import Block

from .base import Loaded
from .layout import strip_converted_page_furniture

# --------------------------------------------------------------------------- shared helpers

_WS = re.compile(r"\s+")


def clean(text: str) -> str:
    """Collapse every run of whitespace (including NBSP and tabs) to one space; trim."""
    return _WS.sub(" ", text).strip()


_MONTH_WORDS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
# "12. Text", "12.Text", "3.4 Text", "3.4. Text", "12 Text". At most three digits per part:
# committee reports stop well short of 1,000 paragraphs, and it keeps years ("2019. The")
# from being read as paragraph numbers.
_PARA_RE = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){0,3})(\.?)\s*(?=\S)")
_OPENERS = "\"'“‘([«"


# A paragraph that opens with its own bullet or number ("12. We recommend …", "• Fund …", "(b) …"):
# a list mark the loader would write before it is there already.
MARKED_ITEM = re.compile(r"^\s*(?:[•▪◦·\-–*]|\(?(?:\d+(?:\.\d+)*|[a-z]|[ivx]+)[.)])\s", re.I)


def paragraph_number(text: str, *, plain: bool = True) -> str | None:
    """The paragraph number a block of text starts with, or None.

    Without a full stop after the number ("12 The ...") the next character must be a capital
    letter or an opening quote/bracket, so that wrapped lines such as "132 different
    products" or "3.4 million people" are not taken for paragraph numbers. A following month
    name ("1 April 2020") is a date, not a paragraph. ``plain=False`` refuses a bare integer
    without a full stop ("12 The"): in a document whose paragraphs are "12." those are
    footnotes, addresses or chart labels.
    """
    m = _PARA_RE.match(text)
    if not m:
        return None
    number, dot = m.group(1), m.group(2)
    rest = text[m.end():]
    if not rest:
        return None
    if not dot and m.end() == len(number):  # "12abc", "2019.": no separator after the number
        return None
    if not plain and not dot and "." not in number:
        return None
    first = rest[0]
    if not dot and not (first.isupper() or first in _OPENERS):
        return None
    if dot and not (first.isalpha() or first in _OPENERS):
        return None  # "1.5%" or "12.-" are not paragraph starts
    word = re.match(r"[A-Za-z]+", rest)
    if word and word.group(0).lower() in _MONTH_WORDS:
        return None
    return number


@dataclass
class HeadingStack:
    """The chain of headings above the current point. A heading of level n replaces every
    heading of level >= n, so skipped levels (h1 then h3) work."""

    items: list[tuple[int, str]] = field(default_factory=list)

    def push(self, level: int, text: str) -> tuple[str, ...]:
        """Register a heading; return the heading's own path (its parents)."""
        while self.items and self.items[-1][0] >= level:
            self.items.pop()
        parents = self.path()
        self.items.append((level, text))
        return parents

    def path(self) -> tuple[str, ...]:
        return tuple(t for _, t in self.items)


_TERMINAL = re.compile(r"[.!?:;…][\"'”’)\]]*$")
_SENTENCE_END = re.compile(r"[.!?:…][\"'”’)\]]*$")
_BULLET = re.compile(r"^[•●▪■◦‣∙·\-–—*]\s+\S")


def _join_lines(lines: list[str]) -> str:
    """Join wrapped lines into one paragraph. A line ending in a hyphen after a letter, followed
    by a lowercase letter, is joined without a space and the hyphen is kept ("adip-iscing",
    "co-ordinated"): we cannot tell a soft break from a real hyphen, so no character is lost."""
    out: list[str] = []
    for line in lines:
        if out and len(out[-1]) > 1 and out[-1][-1] == "-" and out[-1][-2].isalpha() and line[:1].islower():
            out[-1] = out[-1] + line
        else:
            out.append(line)
    return clean(" ".join(out))


@dataclass
class LineGroup:
    """A block in the making: its lines, its paragraph number and whether it is a heading."""

    lines: list[str]
    paragraph: str | None = None
    heading_level: int = 0  # > 0: a heading of this level


def dotted_numbering(lines: list[str]) -> bool:
    """True when at least three lines start with a dotted paragraph number ("12. The", "3.4 The"):
    the document numbers its paragraphs that way, so bare "12 The" lines are something else."""
    count = 0
    for line in lines:
        s = line.lstrip()
        if s[:1].isdigit() and paragraph_number(s, plain=False):
            count += 1
            if count >= 3:
                return True
    return False


def group_lines(
    lines: list[str],
    *,
    carry_paragraph: str | None = None,
    short_line_breaks: bool = False,
    plain_numbers: bool = True,
    heading_of=None,  # callable(index, lines, previous line or None, full width) -> (level, n) | None
) -> list[LineGroup]:
    """Split a page (or a text file) into blocks.

    A block ends at a blank line; a new block starts at a line beginning with a paragraph
    number or a bullet, provided the previous line ended a sentence (or was short) — a number
    in the middle of a wrapped sentence is not a paragraph start. With ``short_line_breaks``
    (PDFs, where paragraphs are rarely separated by blank lines) a line that ends a sentence
    well short of the usual line width also ends the block. ``carry_paragraph`` is given to the
    first block when it does not start a numbered paragraph of its own (a paragraph continued
    from the previous page). ``plain_numbers`` is passed to ``paragraph_number``. ``heading_of``
    lets the caller recognise heading lines; it gets the previous line of the block in the making
    (None at the start of a block) and the usual full line width (0 when unknown).
    """
    stripped = [ln.strip() for ln in lines]
    widths = sorted(len(s) for s in stripped if len(s) >= 20)
    # The usual full line width: the 75th percentile of the longer lines, when there are enough.
    full = widths[(len(widths) * 3) // 4] if len(widths) >= 4 else 0

    groups: list[LineGroup] = []
    cur: LineGroup | None = None

    def flush() -> None:
        nonlocal cur
        if cur is not None and cur.lines:
            groups.append(cur)
        cur = None

    i = 0
    while i < len(stripped):
        s = stripped[i]
        if not s:
            flush()
            i += 1
            continue
        prev = cur.lines[-1] if cur is not None and cur.lines else None
        prev_ends = prev is None or bool(_TERMINAL.search(prev)) or (full > 0 and len(prev) < 0.6 * full)
        if heading_of is not None:
            found = heading_of(i, stripped, prev, full)
            if found:
                level, n = found
                flush()
                groups.append(LineGroup(stripped[i:i + n], heading_level=level))
                i += n
                continue
        number = paragraph_number(s, plain=plain_numbers) if prev_ends else None
        if number is not None or (prev_ends and _BULLET.match(s)):
            flush()
        elif (short_line_breaks and prev is not None and full > 0 and len(prev) < 0.75 * full
              and _SENTENCE_END.search(prev)):
            flush()
        if cur is None:
            if number is None and not groups:  # the page's first block may continue a paragraph
                number = carry_paragraph
            cur = LineGroup([], paragraph=number)
        cur.lines.append(s)
        i += 1
    flush()
    return groups


def groups_to_blocks(groups: list[LineGroup], stack: HeadingStack, *, page: str | None = None,
                     page_index: int | None = None) -> list[Block]:
    blocks: list[Block] = []
    for g in groups:
        text = _join_lines(g.lines)
        if not text:
            continue
        if g.heading_level:
            parents = stack.push(g.heading_level, text)
            blocks.append(Block(text, "heading", page, page_index, None, parents, g.heading_level))
        else:
            blocks.append(Block(text, "paragraph", page, page_index, g.paragraph, stack.path()))
    return blocks


# --------------------------------------------------------------------------- decoding

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(path: Path, data: bytes) -> tuple[str, str]:
    """(text, encoding) of ``data``, or IngestError when no encoding reads it cleanly."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise IngestError(str(path), f"cannot decode text: it starts with a {encoding} byte-order mark "
                                  f"but is not valid {encoding} ({exc.reason} at byte {exc.start}); "
                                  "save it as UTF-8") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    import charset_normalizer  # imported here: only needed for legacy files

    best = charset_normalizer.from_bytes(data).best()
    cp1252 = charset_normalizer.from_bytes(data, cp_isolation=["cp1252"]).best()
    if cp1252 is not None and (best is None or cp1252.chaos <= best.chaos):
        best = cp1252
    if best is None:
        raise IngestError(str(path), "cannot decode text (tried utf-8, the byte-order marks and charset "
                          "detection): not UTF-8 and no encoding detected; save it as UTF-8")
    return str(best), best.encoding


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


# --------------------------------------------------------------------------- loader

def load(path: Path, data: bytes) -> Loaded:
    text, encoding = decode_text(path, data)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = strip_converted_page_furniture(text)
    pages = text.split("\f")
    paged = len(pages) > 1
    stack = HeadingStack()  # plain text has no headings; kept so the block builder is shared
    blocks: list[Block] = []
    carry: str | None = None
    plain = not dotted_numbering(text.split("\n"))
    for i, page_text in enumerate(pages):
        groups = group_lines(page_text.split("\n"), carry_paragraph=carry if paged else None,
                             plain_numbers=plain)
        page_blocks = groups_to_blocks(groups, stack, page=str(i + 1) if paged else None,
                                       page_index=i if paged else None)
        blocks.extend(page_blocks)
        if page_blocks:
            carry = page_blocks[-1].paragraph
    metadata: dict[str, str] = {"encoding": encoding}
    first = next((ln.strip() for ln in text.split("\n") if ln.strip()), "")
    if first and len(first) < 120:
        metadata["title"] = clean(first)
    return Loaded(blocks=blocks, metadata=metadata, pages=len(pages) if paged else None)
