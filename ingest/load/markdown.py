"""Markdown loader: a small line-based reader, enough for reports converted to Markdown.

Front matter between "---" lines at the very top is YAML and gives the metadata (title,
kind or type, date, publisher, url, licence/license, plus scalar extras such as author).
Invalid YAML there is an error that names the line.

Blocks: ATX headings (# .. ######) and setext headings (a line underlined with === or ---)
are heading blocks; a short line that is bold as a whole ("**Introduction**") followed by an
ordinary paragraph is read as a heading one level below the last real heading, because
documents converted from PDF or Word mark their headings that way. Paragraphs are separated
by blank lines; each list item is a block (its marker dropped, except an ordered item's
number, which stays and becomes its paragraph number — "1. item" is thus paragraph "1", which
we accept; as in CommonMark only "1." may interrupt a paragraph, so a wrapped "2020. The" is
text); fenced code blocks are kept whole with their line breaks collapsed like any
block; block quotes lose their ">". Tables (pipe tables, and the grid tables Pandoc writes, whose
cells wrap over several lines between "+---+" rules) give one block per body row carrying its
column headers and caption (``tables.table_rows``): the header is the row above a pipe table's
"---" separator or above a grid table's "+===+" rule (else guessed), the caption a "Table N ..."
line or a bold line just before the table. A table of one column is a box around text: a pipe
table's rows read one block each, a grid box's content is read as Markdown.

Only the syntax that stands between a reader and the words is removed: emphasis markers
(**, __, *, _) around words, leftover "**", the backticks of code spans, links [text](url)
→ text, images → alt text, <autolinks> → the address, backslash escapes. Words are never
changed.

Markdown converted from paged PDFs is recognised by its lone page numbers between wide gaps;
then those numbers and the running head that opens each page are removed (``layout``), and a
paragraph that ends mid-sentence is joined to the next one that starts in lower case (never
to a list item, table, code block or heading).
"""
from __future__ import annotations

import copy
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from evidence_assistant.core.errors import IngestError
from evidence_assistant.core.types import Block

from .base import Loaded
from .layout import continues, join_continuation, strip_converted_page_furniture
from .tables import is_caption, is_figure, is_layout, table_row_text, table_rows
from .text import HeadingStack, clean, decode_text, dotted_numbering, paragraph_number

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```+|~~~+)")
_BULLET_ITEM = re.compile(r"^(\s*)[-*+][ \t]+(.*)$")
_ORDERED_ITEM = re.compile(r"^(\s*)(\d{1,9})([.)])[ \t]+(.*)$")
_RULE = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_BOLD_LINE = re.compile(r"^(\*\*|__)(?=\S)(.+?)(?<=\S)\1$")

_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()\s]|\([^)]*\))*(?:\s+\"[^\"]*\")?\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^>\s]+)>")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
_EM_UNDER = re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~\"'])")
_UNESCAPE = re.compile("[\ue000-\ue07f]")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def _inline(text: str) -> str:
    """Readable text from one block of Markdown inline syntax; code spans are left as they are."""
    pieces = _CODE_SPAN.split(text)
    out: list[str] = []
    # split() with one group pair yields [text, ticks, code, text, ticks, code, ...]
    for i in range(0, len(pieces), 3):
        # Escaped characters are hidden in the private-use area first, so that "\*" is never
        # taken for an emphasis marker; they come back as plain characters at the end.
        t = _ESCAPE.sub(lambda m: chr(0xE000 + ord(m.group(1))), pieces[i])
        t = _IMAGE.sub(r"\1", t)
        t = _LINK.sub(r"\1", t)
        t = _REF_LINK.sub(r"\1", t)
        t = _AUTOLINK.sub(r"\1", t)
        for _ in range(2):  # nested emphasis: ***word***, **_word_**
            t = _STRONG.sub(r"\2", t)
            t = _EM_STAR.sub(r"\1", t)
            t = _EM_UNDER.sub(r"\1", t)
        t = t.replace("**", "")  # debris such as "**1. **" left by converters
        t = _UNESCAPE.sub(lambda m: chr(ord(m.group(0)) - 0xE000), t)
        out.append(t)
        if i + 2 < len(pieces):
            out.append(pieces[i + 2])
    return clean("".join(out))


def _front_matter(path: Path, text: str) -> tuple[dict[str, Any], str]:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return {}, text
    source = "\n".join(lines[1:end])
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""  # +1 for 1-based, +1 for '---'
        problem = getattr(exc, "problem", None) or str(exc)
        raise IngestError(str(path), f"front matter is not valid YAML{where} ({problem}); fix the YAML between "
                          "the '---' lines") from exc
    if not isinstance(data, dict):  # "---" opening a document that has no front matter
        return {}, text
    # Keep the line count so that nothing downstream shifts; the front matter lines become blank.
    return data, "\n" * end + "\n".join(lines[end + 1:])


def _metadata(front: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for key, value in front.items():
        k = str(key).strip().lower()
        if k == "type":
            k = "kind"
        elif k == "license":
            k = "licence"
        if hasattr(value, "isoformat"):  # YAML reads 2024-03-05 as a date
            meta.setdefault(k, value.isoformat())
        elif isinstance(value, (str, int, float)):
            meta.setdefault(k, str(value))
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            meta.setdefault(k, ", ".join(value))  # e.g. authors: [a, b]
    return meta


class _Reader:
    def __init__(self, plain_numbers: bool = True) -> None:
        self.plain_numbers = plain_numbers  # see text.dotted_numbering
        self.blocks: list[Block] = []
        self.stack = HeadingStack()
        self.last_level = 0  # level of the last ATX/setext heading, for bold pseudo-headings
        self.para: list[str] = []
        self.bullet = False  # the block in the making is a bullet item: no paragraph number
        self.listed = False  # the block in the making is a list item (bullet or ordered)
        self.joinable = False  # the last block is prose that a following line may continue

    def heading(self, level: int, raw: str) -> None:
        text = _inline(raw)
        self.joinable = False
        if text:
            parents = self.stack.push(level, text)
            self.blocks.append(Block(text, "heading", None, None, None, parents, level))

    def paragraph(self, text: str, number: str | None = None) -> None:
        self.joinable = False
        if text:
            self.blocks.append(Block(text, "paragraph", None, None, number, self.stack.path()))

    def flush(self) -> None:
        if not self.para:
            return
        lines, self.para = self.para, []
        text = _inline(" ".join(lines))
        listed, self.listed = self.listed, False
        last = self.blocks[-1] if self.blocks else None
        if (self.joinable and not listed and last is not None and last.kind == "paragraph"
                and continues(last.text, text) and not is_figure(last.text)):
            # A sentence broken by a hard line break or a page break in text converted from print.
            self.blocks[-1] = replace(last, text=join_continuation(last.text, text))
            self.bullet = False
            return
        # An ordered item keeps its number in the text, so the ordinary rule reads it: "12. ..."
        # gives "12", and a year-like "2019. ..." gives nothing.
        self.paragraph(text, None if self.bullet else paragraph_number(text, plain=self.plain_numbers))
        self.bullet = False
        self.joinable = bool(text)

    def read(self, text: str) -> None:
        lines = text.split("\n")
        i = 0
        while i < len(lines):
            line = lines[i].rstrip()
            stripped = line.strip()
            fence = _FENCE.match(line)
            if fence:
                self.flush()
                end = next((j for j in range(i + 1, len(lines)) if lines[j].strip().startswith(fence.group(1))),
                           len(lines))
                self.paragraph(clean(" ".join(lines[i + 1:end])))
                i = end + 1
                continue
            if not stripped:
                self.flush()
                i += 1
                continue
            atx = _ATX.match(line)
            if atx:
                self.flush()
                self.last_level = len(atx.group(1))
                self.heading(self.last_level, atx.group(2) or "")
                i += 1
                continue
            # Setext: a paragraph line underlined with === (h1) or --- (h2).
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if not self.para and _SETEXT.match(nxt) and not _BULLET_ITEM.match(line) and not line.startswith(">"):
                self.last_level = 1 if nxt.strip().startswith("=") else 2
                self.heading(self.last_level, stripped)
                i += 2
                continue
            if _RULE.match(line):
                self.flush()
                i += 1
                continue
            if _GRID_RULE.match(stripped) and not self.para:
                end = i + 1
                while end < len(lines) and lines[end].strip().startswith(("|", "+")):
                    end += 1
                self.grid_table(lines[i:end], self._caption(lines, i))
                i = end
                continue
            if stripped.startswith("|") and stripped.count("|") >= 2:
                self.flush()
                end = i
                while end < len(lines) and lines[end].strip().startswith("|") and lines[end].strip().count("|") >= 2:
                    end += 1
                self.pipe_table([ln.strip() for ln in lines[i:end]], self._caption(lines, i))
                i = end
                continue
            bold = _BOLD_LINE.match(stripped)
            if bold and not self.para and len(stripped) <= 120 and self._plain_paragraph_follows(lines, i):
                self.heading(self.last_level + 1 if self.last_level < 6 else 6, bold.group(2))
                i += 1
                continue
            item = _BULLET_ITEM.match(line)
            ordered = _ORDERED_ITEM.match(line)
            if ordered and self.para and ordered.group(2) != "1":
                ordered = None  # as in CommonMark: only "1." may interrupt a paragraph ("...in\n2020. The")
            if item or ordered:
                self.flush()
                self.listed = True
                if ordered:
                    self.para = [f"{ordered.group(2)}{ordered.group(3)} {ordered.group(4)}"]
                else:
                    self.bullet = True
                    self.para = [item.group(2)]
                i += 1
                continue
            self.para.append(re.sub(r"^\s*(?:>\s?)+", "", line))
            i += 1
        self.flush()

    def rows(self, texts: list[str]) -> None:
        for text in texts:
            self.paragraph(text, paragraph_number(text, plain=self.plain_numbers))

    def pipe_table(self, lines: list[str], caption: str) -> None:
        """A pipe table: its header is the row above the "---" separator, else guessed."""
        header_count: int | None = None
        if len(lines) > 1 and _TABLE_SEP.match(lines[1]):
            header_count = 1
        rows = [[(_inline(c), 1) for c in _pipe_cells(ln)] for ln in lines if not _TABLE_SEP.match(ln)]
        if is_layout(rows):
            self.rows([" | ".join(t for t, _ in r if t) for r in rows])
        else:
            self.rows(table_rows(rows, header_count, caption))

    def grid_table(self, lines: list[str], caption: str) -> None:
        """A grid table ("+---+---+" rules, cells that wrap over several lines, as Pandoc writes
        them): a row runs from one rule to the next, a "+===+" rule closes the header. A table of
        one column is a box around text, and its content is read as Markdown of its own."""
        rule = lines[0].strip()
        bounds = [k for k, ch in enumerate(rule) if ch == "+"]
        if len(bounds) < 2:
            return
        indent = len(lines[0]) - len(lines[0].lstrip())
        body: list[list[str]] = []  # each row: its content lines, rule characters removed
        header_count: int | None = None
        current: list[str] = []
        for raw in lines[1:]:
            line = raw[indent:].rstrip()
            if _GRID_RULE.match(line.strip()):
                if current:
                    body.append(current)
                current = []
                if "=" in line and header_count is None:
                    header_count = len(body)
                continue
            current.append(line)
        if current:
            body.append(current)
        if len(bounds) == 2:  # one column: the box's text as Markdown
            self.flush()
            inner = [ln[bounds[0] + 1:bounds[1]] if len(ln) > bounds[0] else "" for ln in
                     (line for row in body for line in row + [""])]
            # Headings inside the box (a bold title line) head the box only, not what follows it.
            stack, level = copy.deepcopy(self.stack), self.last_level
            self.read("\n".join(_unpad(t) for t in inner))
            self.stack, self.last_level = stack, level
            self.joinable = False
            return
        rows = [[(_grid_cell(row, a, b), 1) for a, b in zip(bounds, bounds[1:])] for row in body]
        self.rows(table_rows(rows, header_count or None, caption))

    @staticmethod
    def _caption(lines: list[str], i: int) -> str:
        """The "Table N ..." line or the bold line just before the table starting at line ``i``."""
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        if k < 0:
            return ""
        line = _ATX.match(lines[k])
        text = (line.group(2) or "") if line else lines[k].strip()
        if _BOLD_LINE.match(text) and len(text) <= 200:
            return _inline(text)
        text = _inline(text)
        return text if is_caption(text) else ""

    @staticmethod
    def _plain_paragraph_follows(lines: list[str], i: int) -> bool:
        """True when the next non-blank line is ordinary text (not bold, a heading or a table)."""
        for line in lines[i + 1:]:
            s = line.strip()
            if s:
                return not (_BOLD_LINE.match(s) or s.startswith(("#", "|")) or _FENCE.match(s))
        return False


_GRID_RULE = re.compile(r"^\+(?:[-=:]+\+)+$")
_ATTRIBUTES = re.compile(r"\{#[^}]*\}")


def _pipe_cells(line: str) -> list[str]:
    """The cells of a pipe-table row; an escaped "\\|" stays inside its cell."""
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
    return [c.replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]


def _unpad(text: str) -> str:
    """A grid cell's line without the one space of padding on its left."""
    return text[1:] if text.startswith(" ") else text


def _grid_cell(row: list[str], a: int, b: int) -> str:
    """The text of the grid cell between columns ``a`` and ``b`` of a row's lines: its lines joined
    with a space, a hard break ("\\" at a line end) and heading marks dropped, except that a line
    holding one word that runs to the cell's edge, followed by a line starting in lower case, is a
    word too long for the column cut in two ("registration/re-regis" / "tration"): closed up."""
    width = b - a - 1
    pieces: list[tuple[str, bool]] = []  # a line's text; whether it is one word up to the edge
    for line in row:
        seg = line[a + 1:b].ljust(width)
        text = _unpad(seg).rstrip()
        if text.endswith("\\"):
            text = text[:-1].rstrip()
        text = re.sub(r"^#{1,6}\s+", "", text)
        if text:
            pieces.append((text, width >= 3 and seg[width - 2] != " " and " " not in text))
    joined = ""
    for k, (text, _) in enumerate(pieces):
        cut = k > 0 and pieces[k - 1][1] and text[:1].islower()
        joined += text if cut or not joined else " " + text
    return _inline(_ATTRIBUTES.sub("", joined))


def load(path: Path, data: bytes) -> Loaded:
    text, _ = decode_text(path, data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    front, body = _front_matter(path, text)
    body = strip_converted_page_furniture(body)
    reader = _Reader(plain_numbers=not dotted_numbering(body.split("\n")))
    reader.read(body)
    return Loaded(blocks=flattened_tables(reader.blocks), metadata=_metadata(front))


def _cell_label(block: Block, header: bool = False) -> bool:
    """A block that reads as a table's label cell: a few words, no sentence, not a figure; a
    column's header may be set in bold, which reads as a heading."""
    text = block.text.strip()
    return (block.kind == "paragraph" or header) and 0 < len(text.split()) <= 10 and not is_figure(text) \
        and not re.search(r"[.!?:;]$", text)


def flattened_tables(blocks: list[Block], min_rows: int = 3) -> list[Block]:
    """Tables that conversion from print flattened to one cell a paragraph ("Elective spells",
    "7.4%", "Outpatients", "5.2%", …), read back as rows: at least ``min_rows`` label/figure pairs
    in a row become one block each, "Header: label; Header: figure" when the two label cells
    before them are the column headers, led by the table's caption when one comes just before
    ("Table 1 – activity growth: Activity category: Elective spells; H1 2024/25 …: 7.4%"). A
    figure then reads with its row's label and its column's header, as in a table, instead of
    standing alone where no sentence holds it. Other blocks are kept as they are."""
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        j = i
        while j + 1 < len(blocks) and _cell_label(blocks[j]) and blocks[j + 1].kind == "paragraph" \
                and is_figure(blocks[j + 1].text):
            j += 2
        if (j - i) // 2 < min_rows:
            out.append(blocks[i])
            i += 1
            continue
        headers: list[str] | None = None
        caption = None
        if len(out) >= 2 and _cell_label(out[-1], header=True) and _cell_label(out[-2], header=True):
            headers = [out[-2].text.strip(), out[-1].text.strip()]
            caption = next((b.text.strip() for b in reversed(out[-5:-2]) if is_caption(b.text)), None)
        for k in range(i, j, 2):
            row = table_row_text([blocks[k].text.strip(), blocks[k + 1].text.strip()], headers, caption)
            out.append(replace(blocks[k], text=row, paragraph=None))
        i = j
    return out
