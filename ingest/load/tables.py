"""How a table row reads once it leaves its table: every loader that keeps tables (PDF, DOCX,
HTML, Markdown) writes each row as one block through ``table_row_text``, so a figure can be found,
and quoted, by what it measures: its column headers and the table's caption travel with it.

The structured loaders (DOCX, HTML, Markdown) hand a whole table to ``table_rows``: rows of
``(text, columns spanned)`` cells as the markup gives them. It lays merged cells out on the
table's column grid (a header cell spanning two columns heads both; a body cell spanning two sits
under the first), takes a first row holding one cell across the whole table as the table's title
when no caption was found, works out the header rows when the markup does not mark them
(``header_rows``), and returns one text per body row. The header rows are not returned as rows of
their own: every body row already carries them, and a block holding only column names would
compete with the rows for the same searches while holding no figure. A table of header rows only
reads as those rows, cells joined by " | ".
"""
from __future__ import annotations

import re
from typing import Sequence

from .text import clean

# "Table 4", "Table 3.2:", "Table A1 -", "TABLE 2." opening a short line: a table's caption.
_CAPTION = re.compile(r"^(?:table|tbl\.?)\s+[A-Z]?\d+(?:[.\-]\d+)*[a-z]?\b", re.IGNORECASE)
# A cell holding a figure alone, once its spaces are taken out: "7.4%", "-32.7%", "–3%",
# "£1.2bn", "4,000", "12 per cent".
_FIGURE = re.compile(r"[£$€]?[-+−–]?[£$€]?\d[\d,.]*(?:%|percent|[kmb]n?)?", re.IGNORECASE)

Cell = tuple[str, int]  # a cell's text and how many grid columns it spans


def _clean(cell: object) -> str:
    return clean(str(cell or ""))


def is_caption(text: str) -> bool:
    """A short line that names a table: "Table 4.9", "Table 3: Workforce by area"."""
    text = _clean(text)
    return bool(text) and len(text) <= 250 and bool(_CAPTION.match(text))


def table_row_text(cells: Sequence[object], headers: Sequence[object] | None = None,
                   caption: str | None = None) -> str:
    """One row as a sentence-like line: ``"Caption: Header A: v1; Header B: v2."``.

    A cell under an empty header, or whose header repeats its value, stands alone; empty cells are
    left out. Without headers the cells are joined by " | " (how rows read before headers were
    kept). The caption, when given, leads so that the row is found by what the table is about."""
    values = [_clean(c) for c in cells]
    heads = [_clean(h) for h in headers] if headers else []
    if heads and any(heads):
        parts = []
        for i, value in enumerate(values):
            if not value:
                continue
            head = heads[i] if i < len(heads) else ""
            parts.append(f"{head}: {value}" if head and head.casefold() != value.casefold() else value)
        body = "; ".join(parts)
    else:
        body = " | ".join(v for v in values if v)
    if not body:
        return ""
    cap = _clean(caption).rstrip(".:")
    return f"{cap}: {body}" if cap else body


def is_figure(text: str) -> bool:
    """Whether a cell or a paragraph is a figure and nothing else (a number, a share, an amount)."""
    return bool(_FIGURE.fullmatch(text.replace(" ", "")))


def header_rows(rows: Sequence[Sequence[object]]) -> int:
    """How many leading rows are headers when the markup does not say: the first row when every
    cell in it is filled and none of it is a number while a later row holds one; else none. (A
    first row of words over rows of words is as often a first entry as a header — a glossary, a
    list of checks — so it is not taken for one without markup.)"""
    if len(rows) < 2:
        return 0
    first = [_clean(c) for c in rows[0]]
    if not first or not all(first):
        return 0
    if any(is_figure(v) for v in first):
        return 0
    return 1 if any(is_figure(_clean(c)) for r in rows[1:] for c in r) else 0


def _width(rows: Sequence[Sequence[Cell]]) -> int:
    return max((sum(max(1, span) for _, span in r) for r in rows), default=0)


def expand(row: Sequence[Cell], width: int, repeat: bool) -> list[str]:
    """A row on the column grid: a cell spanning columns fills them all when ``repeat`` (a header
    heads every column under it), else only its first (a value is read once)."""
    out: list[str] = []
    for text, span in row:
        span = max(1, span)
        out.append(_clean(text))
        out.extend([_clean(text) if repeat else ""] * (span - 1))
    return (out + [""] * width)[:max(width, len(out))]


def column_headers(rows: Sequence[Sequence[str]]) -> list[str]:
    """One header per column from one or more header rows: a column's header words from the top
    row down, a word repeated by the row below (a spanning group header) said once."""
    width = max((len(r) for r in rows), default=0)
    heads: list[str] = []
    for col in range(width):
        parts: list[str] = []
        for r in rows:
            v = _clean(r[col]) if col < len(r) else ""
            if v and (not parts or parts[-1].casefold() != v.casefold()):
                parts.append(v)
        heads.append(" ".join(parts))
    return heads


def is_layout(rows: Sequence[Sequence[Cell]]) -> bool:
    """A table of one column is a box around text (a panel, a quotation, a note), not data."""
    return _width(rows) <= 1


def table_rows(rows: Sequence[Sequence[Cell]], header_count: int | None = None,
               caption: str | None = None) -> list[str]:
    """The texts of a table's body rows, each carrying the column headers and the caption (see the
    module docstring). ``header_count`` is how many leading rows the markup marks as headers;
    None when it does not say."""
    rows = [list(r) for r in rows if any(_clean(t) for t, _ in r)]
    if not rows:
        return []
    width = _width(rows)
    first_filled = [t for t, _ in rows[0] if _clean(t)]
    if width > 1 and len(rows) > 1 and len(first_filled) == 1 and (header_count or 0) <= 1:
        # A title row: one cell across the table ("Figure 2 - Access by role").
        if not _clean(caption):
            caption = first_filled[0]
        rows = rows[1:]
        header_count = None
    grid = [expand(r, width, repeat=False) for r in rows]
    if header_count is None:
        header_count = header_rows(grid)
    header_count = min(max(0, header_count), len(rows))
    if header_count == len(rows):
        return [t for t in (table_row_text(r, None, caption) for r in grid) if t]
    headers = column_headers([expand(r, width, repeat=True) for r in rows[:header_count]])
    return [t for t in (table_row_text(r, headers, caption) for r in grid[header_count:]) if t]
