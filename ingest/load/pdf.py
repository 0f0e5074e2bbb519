"""PDF loader (pypdf for text, pdfplumber for word positions and ruled tables).

Each page is extracted on its own, so one bad page becomes a warning rather than a failed
file. ``page_index`` is the 0-based physical page; ``page`` is the page label a reader would
cite (the PDF's /PageLabels, e.g. roman numerals for front matter), else the 1-based number.

Page text is NFKC-normalised (ligatures such as "ﬂ" become "fl"), then split into blocks by
``text.group_lines``: blank lines, numbered paragraphs ("12.", "12 The", "3.4"), bullets and
short sentence-ending lines end a block. When the document numbers paragraphs with a full
stop ("12. The") a bare "12 The" is not taken for a paragraph number: in such documents those
are footnotes, addresses and chart labels. A numbered paragraph that runs over a page break
carries its number onto the first block of the next page.

Before blocks are made, each page is tidied by ``layout``: zero-width characters removed,
double-spaced extraction read as single-spaced, and a page holding only a running head and a
page number (a blank divider page) dropped; lines broken mid-sentence are rejoined within a page.
A page with no text layer is read by OCR when it is enabled (``ocr``) and marked as such.

Tables: pdfplumber's ruled-table finder is run on every page (when pdfplumber is installed). A
table with at least two rows and two columns and at least half its cells filled is kept as a
table: each row becomes one paragraph block made by ``tables.table_row_text`` with the header row
(the first row, or the rows of a header whose first cell is merged down, when it is set apart in
bold or heads rows of figures) and a "Table N: ..." caption found just above or below it. Such a
page is read from its word positions with the table's area cut out, in column order when it is set
in two columns (``layout.find_gutter`` / ``reading_order``), so that the cells are not read again as
text; other pages keep pypdf's text-layer order.

Footnote numbers set as superscripts after a word ("… and Scala⁵⁸.") are left out of the text
(``page_text``): the text layer glues them to the word ("Scala58"), which is then neither found
by a search for the word nor quoted as the page prints it.

Page furniture is dropped: a line in the top or bottom two lines of a page that recurs (digits
ignored) on at least three pages and a third of them — running heads such as "| 12 |" or
"Gadgets in the Year 2040" and bare page numbers. It would otherwise split sentences
that run over a page break and be cited as text.

Headings: when the PDF has an outline (bookmarks), a line that matches an outline entry on
that entry's page becomes a heading at the outline's depth, and nothing else does. Without an
outline a line is a heading only when it starts a block, is short, ends without punctuation,
is followed by body text and is either section-numbered ("2.1 Background": level 2) or in
capitals or Title Case (level 1) — deliberately conservative; see ``_heading_level``.

Metadata: /Title, /Author (kept as "author"), /Subject, and the custom keys /Kind, /Date,
/Publisher, /URL, /Licence (any case). /CreationDate is kept only as the extra "created": it is
when the file was made, not when the document was published.
"""
from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from evidence_assistant.core.errors import IngestError
from evidence_assistant.core.types import Block

from . import ocr
from .base import Loaded, normalise_date
from .layout import continues, find_gutter, join_continuation, lines_text, reading_order, tidy_pdf_page
from .tables import is_figure, table_row_text
from .text import HeadingStack, clean, dotted_numbering, group_lines, groups_to_blocks

_FURNITURE_WINDOW = 2  # lines at the top and at the bottom of a page that may be furniture

# Titles that authoring tools leave in the document information: not the document's title.
_PLACEHOLDER_TITLES = frozenset({"untitled", "unknown", "title", "document", "template", "report template",
                                 "presentation", "powerpoint presentation", "slide 1"})



# Set by the ingest worker from settings.index.max_pdf_pages; a PDF with more pages is refused unread.
MAX_PAGES = 2000

def _reason_for(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {clean(str(exc))[:200]}"


def _open(path: Path, data: bytes):
    import pypdf  # imported here so that other formats load without it

    if b"%PDF" not in data[:1024]:
        raise IngestError(str(path), "not a PDF file (no %PDF header); check the file and its extension")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
    except Exception as exc:  # pypdf raises many types on damaged input; all mean the same here
        raise IngestError(str(path), f"file is truncated or corrupt (pypdf: {_reason_for(exc)}); "
                          "re-download or re-export it") from exc
    if reader.is_encrypted:
        # Many PDFs are encrypted only to restrict printing/copying and open with the empty password.
        try:
            opened = reader.decrypt("")
        except pypdf.errors.DependencyError as exc:
            raise IngestError(str(path), f"encrypted PDF needs the 'cryptography' package to open ({exc}); "
                              "install it, or export an unprotected copy") from exc
        except Exception as exc:
            raise IngestError(str(path), f"encrypted PDF that pypdf cannot open ({_reason_for(exc)}); "
                              "export an unprotected copy") from exc
        if not opened:
            raise IngestError(str(path), "encrypted PDF and no password; remove the password or export an "
                              "unprotected copy")
    try:
        n = len(reader.pages)
    except Exception as exc:
        raise IngestError(str(path), f"file is truncated or corrupt (pypdf: {_reason_for(exc)}); "
                          "re-download or re-export it") from exc
    if n == 0:
        raise IngestError(str(path), "the PDF has no pages; re-export it")
    if n > MAX_PAGES:
        raise IngestError(str(path), f"the PDF has {n:,} pages, over the {MAX_PAGES:,}-page limit; split it, or "
                          "raise EVIDENCE_MAX_PDF_PAGES if it is genuine")
    return reader, n


def _labels(reader: Any, n: int) -> list[str]:
    try:
        labels = [str(x) for x in reader.page_labels]
    except Exception:  # a broken /PageLabels tree should not cost us the text
        labels = []
    if len(labels) != n:
        return [str(i + 1) for i in range(n)]
    return [lab.strip() or str(i + 1) for i, lab in enumerate(labels)]


def _metadata(reader: Any) -> dict[str, Any]:
    try:
        info = reader.metadata or {}
        raw = {str(k).lstrip("/").lower(): v for k, v in info.items()}
    except Exception:
        return {}

    def text(key: str) -> str | None:
        value = raw.get(key)
        if value is None:
            return None
        try:
            s = clean(str(value).replace("\x00", ""))
        except Exception:
            return None
        return s or None

    meta: dict[str, Any] = {}
    title = text("title")
    if title:
        title = re.sub(r"^Microsoft (?:Word|PowerPoint) - ", "", title)
        title = re.sub(r"\.(?:docx?|pptx?)$", "", title, flags=re.IGNORECASE).strip()
        if title.lower() not in _PLACEHOLDER_TITLES:
            meta["title"] = title
    for key, field in (("author", "author"), ("subject", "subject"), ("kind", "kind"), ("date", "date"),
                       ("publisher", "publisher"), ("url", "url"), ("licence", "licence"),
                       ("license", "licence"), ("keywords", "keywords")):
        value = text(key)
        if value and field not in meta:
            meta[field] = value
    created = normalise_date(text("creationdate"))
    if created:
        meta["created"] = created
    return meta


def _outline_titles(reader: Any) -> dict[int, list[tuple[str, int]]]:
    """{page_index: [(normalised title, level), ...]} from the PDF outline, or {}."""
    out: dict[int, list[tuple[str, int]]] = {}

    def walk(items: list, level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
                title = _key(str(item.title))
            except Exception:
                continue
            if page is not None and page >= 0 and title:
                out.setdefault(page, []).append((title, min(level, 6)))

    try:
        walk(reader.outline, 1)
    except Exception:  # broken outlines are common and never worth failing a file over
        return {}
    return out


def _key(text: str) -> str:
    """Comparison key for a heading: NFKC, case-folded, without whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


_LETTERS = re.compile(r"[^\W\d_]")
_CAPTION = re.compile(r"(?:table|figure|fig\.|chart|box|graph|source|note)s?\s*[\d:.]", re.IGNORECASE)
_ENDS_SENTENCE = re.compile(r"[.!?:][\"'”’)\]]*$")


def _heading_level(line: str, prev: str | None, following: str | None, full: int) -> int:
    """The level of a heading line in a PDF without an outline, or 0. ``following`` is the next
    non-blank line.

    Magazine-style layouts (pull quotes, captions, name lists, contents pages) produce many
    short capitalised lines, so every condition here exists to reject one of those: the line
    must start a block (page start, after a blank line or a finished sentence), be clearly
    shorter than a full line, hold no sentence break, and be followed by body text (a longer
    line starting with a capital). Then it is a heading when it carries a section number
    ("2.1 Background to the work": level = number of parts; it may also be followed by its
    first subsection, "2.1 ..." after "2 ..."), or is in capitals (two words, or one of four
    letters or more), or in Title Case with at least two words and no comma.
    """
    if prev is not None and not _ENDS_SENTENCE.search(prev):
        return 0
    if following is None or not (3 <= len(line) <= 80) or len(line.split()) > 12:
        return 0
    number = re.match(r"(\d{1,2}(?:\.\d{1,2}){0,4})\.?\s+(?=[^\W\d_])", line)
    words_part = line[number.end():] if number else line
    if (full and len(line) > 0.7 * full) or line[-1] in ".,;:!?-–&" or ". " in words_part:
        return 0
    if "://" in line or "www." in line or len(_LETTERS.findall(line)) < 3 or _CAPTION.match(line):
        return 0
    body_follows = len(following) >= max(40, len(line) + 10) and following[0].isupper()
    if number:
        if not words_part[0].isupper():
            return 0
        child = re.match(re.escape(number.group(1)) + r"\.\d", following)
        return min(number.group(1).count(".") + 1, 6) if body_follows or child else 0
    if not body_follows or not line[0].isupper():
        return 0
    words = line.split()
    letters = _LETTERS.findall(line)
    if all(c.isupper() for c in letters):
        return 1 if len(words) >= 2 or len(letters) >= 4 else 0
    if "," in line or len(words) < 2:
        return 0
    long_words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", line) if len(w) >= 4]
    return 1 if long_words and all(w[0].isupper() for w in long_words) else 0


# "5. ", "2.1 ", "2.1.3. " before a capital; not "39 Victoria Street".
_SECTION_NUMBER = re.compile(r"(\d{1,2}(?:\.\d{1,2}){1,4}|\d{1,2}(?=\.))\.?\s+(?=[A-Z])")
# A title line that cannot end there: it stops on a word that needs more after it.
_OPEN_END = re.compile(r"\b(?:and|or|the|a|an|of|for|to|by|with|in|on|at|as|from|into|that|its|their)$", re.I)
_SUBHEADING = re.compile(r"[A-Z][a-z]+(?: [a-z]+){0,3}")


def _numbered_title(ls: list[str], j: int, prev: str | None) -> tuple[int, int, int] | None:
    """(level, lines, index of its subheading) of a numbered section title that wraps over up to
    three lines and is followed by a one- to four-word subheading, then the text under it, as in a
    standard whose sections read "5. Ensure that the product collects, stores and processes" /
    "users' information in a safe, fair and lawful way" / "Rationale" / "…". Too long for
    ``_heading_level`` and followed by no body text, such a title was read as a paragraph. A line
    continues the title when it starts in lower case or the line before stops on a word like
    "and" or "the"; the layout reader may put blank lines between them."""
    if prev is not None and not _ENDS_SENTENCE.search(prev):
        return None
    number = _SECTION_NUMBER.match(ls[j])
    if not number:
        return None

    def next_line(k: int) -> int | None:
        for m in range(k + 1, min(k + 6, len(ls))):
            if ls[m]:
                return m
        return None

    lines, k = [ls[j]], j
    while len(lines) < 3 and (m := next_line(k)) is not None and (ls[m][0].islower() or _OPEN_END.search(ls[k])):
        lines.append(ls[m])
        k = m
    title = " ".join(lines)
    if len(title) > 200 or ". " in title[number.end():] or title[-1] in ".,;:!?" or _OPEN_END.search(title):
        return None
    sub = next_line(k)
    after = next_line(sub) if sub is not None else None
    if sub is None or not _SUBHEADING.fullmatch(ls[sub]) or len(ls[sub]) < 4:
        return None
    # The text under the subheading starts a sentence or a list, or is on the next page.
    if after is None:
        if any(ls[sub + 1:]):
            return None
    elif not (ls[after][0].isupper() or ls[after][0] in "•●▪-–"):
        return None
    return min(number.group(1).count(".") + 1, 6), k - j + 1, sub


def _furniture_keys(pages: list[list[str]]) -> set[str]:
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        nonblank = [ln.strip() for ln in lines if ln.strip() and _TABLE_MARK not in ln]
        edge = nonblank[:_FURNITURE_WINDOW] + nonblank[-_FURNITURE_WINDOW:]
        counts.update({_furniture_key(ln) for ln in edge})
    threshold = max(3, len(pages) / 3)
    return {k for k, c in counts.items() if c >= threshold}


def _furniture_key(line: str) -> str:
    """Digits stand for any number, and a run of numbers and rules ("| 52 |", "52 | | 53") for any
    other such run: the same running head reads either way from the two ways a page is read."""
    return re.sub(r"[\s|]*#[#\s|]*", "#", re.sub(r"\d+", "#", clean(line))).strip().lower()


def _strip_furniture(lines: list[str], keys: set[str], page_numbers: set[str]) -> list[str]:
    """Blank out running heads/feet, and a bare page number as the first or last line."""
    idx = [i for i, ln in enumerate(lines) if ln.strip()]
    if not idx:
        return lines
    edge = set(idx[:_FURNITURE_WINDOW] + idx[-_FURNITURE_WINDOW:])
    out = list(lines)
    for i in edge:
        if _furniture_key(lines[i]) in keys and _TABLE_MARK not in lines[i]:
            out[i] = ""
    for i in (idx[0], idx[-1]):
        if lines[i].strip() in page_numbers:
            out[i] = ""
    if any(ln.strip() for ln in out):
        return out
    # A page that is nothing but "furniture" is content that happens to repeat (a slide title,
    # a one-word page): keep it — unless it carries its page number, which marks a blank
    # divider page printed with its running head and number.
    if any(lines[i].strip() in page_numbers for i in idx):
        return out
    return lines


# A table kept as a table stands in the page text as one line holding this mark and its number
# on the page, until its rows replace it as blocks. Private-use characters: never in real text.
_TABLE_MARK = "\ue000"
_TABLE_MARKS = re.compile(_TABLE_MARK + r"(\d+)" + _TABLE_MARK)
_TABLE_CAPTION = re.compile(r"^(?:Table|Tab\.)\s*[A-Z]?\d+(?:\.\d+)*[a-z]?\b", re.IGNORECASE)
_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)


# A footnote's number set as a superscript comes out of the text layer on the line, after the
# full stop it follows: "… or a combination of these.1 Data professionals sit within …". Left
# there, the sentence does not end ("these.1 Data" is no sentence break) and runs into the next.
_NOTE_MARK = re.compile(r"(?:(?<=[a-z]{3}[.!?])|(?<=[%)”’\"][.!?]))\d{1,2}(?=\s+[A-Z“\"‘(]|\s*$)")


# How much smaller than the text before it, and how far above its baseline, a run of digits is
# set to be read as a footnote's number ("Scala⁵⁸"): 8 pt after 12 pt, raised 4 pt, in the
# reports measured; a figure in a table cell or the text is set at the text's own size.
_RAISED_SIZE = 0.85
_RAISED_BY = 0.15  # of the text's size


def page_text(page: Any) -> str:
    """A page's text layer as pypdf reads it, without the footnote numbers set as superscripts
    glued to the word they follow: "… communication skills, Java, and Scala58." reads "… and
    Scala.", so that the word is found and quoted as written. A superscript is a run of one to
    three digits set smaller than the text just before it and above its baseline, after a word of
    three letters or more (a power such as "km²" or "R²" stays)."""
    marks: list[tuple[str, str]] = []
    prev: list[Any] = [None]  # the last piece of text with words: (text, size, baseline)

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if not text or not text.strip():
            return
        scale = abs(float(tm[3]) * float(cm[3])) or 1.0
        height, base = float(size) * scale, float(tm[5]) * float(cm[3]) + float(cm[5])
        before = prev[0]
        if re.fullmatch(r"\d{1,3}", text.strip()) and before is not None:
            b_text, b_height, b_base = before
            tail = re.search(r"(\S+)$", b_text)
            # (A word of three letters or more: "R2", "x2" and "km2" are powers, not notes.)
            if tail and not b_text[-1].isspace() and len(re.findall(r"[^\W\d_]", tail.group(1))) >= 3 and \
                    height < _RAISED_SIZE * b_height and \
                    base > b_base + _RAISED_BY * b_height:
                marks.append((tail.group(1), text.strip()))
                return
        prev[0] = (text, height, base)

    text = page.extract_text(visitor_text=visit) or ""
    for word, digits in dict.fromkeys(marks):
        # (Followed by a space or a stop, as a note's number is; "cos2(x)" is a power.)
        text = re.sub(rf"(?<!\S){re.escape(word)}{re.escape(digits)}(?=[\s.,;:!?)\]”’\"]|$)", lambda m: word, text)
    return text


def drop_note_marks(text: str) -> str:
    """``text`` without the footnote numbers glued after a sentence's full stop (a word of three
    or more letters, a percentage or a closing bracket or quote, then ".", then the number, then
    a new sentence or the end). Figures ("2019.12", "3.2.1") are not touched."""
    return _NOTE_MARK.sub("", text)


class _Table:
    """A ruled table found on a page: its rows as cell texts, its header row, its caption."""

    def __init__(self, rows: list[list[str]], headers: list[str] | None, caption: str | None):
        self.rows, self.headers, self.caption = rows, headers, caption

    def texts(self) -> list[str]:
        out = [table_row_text(r, self.headers, self.caption) for r in self.rows]
        return [t for t in out if t]


def _cell(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).replace("\x00", "")
    text = re.sub(r"(?<=[^\W\d_])-\n(?=[a-z])", "-", text)  # a word broken at a hyphen in a narrow cell
    return clean(text)


def _table_rows(found: Any, page: Any) -> tuple[list[list[str]], list[str] | None] | None:
    """The rows and header of a table pdfplumber found, or None when it is not kept as a table:
    fewer than two rows or two columns, or half its cells empty (a box drawn around a layout)."""
    raw = found.extract()
    rows = [[_cell(c) if c is not None else None for c in r] for r in raw]
    keep = [k for k, r in enumerate(rows) if any(c for c in r)]
    rows = [rows[k] for k in keep]
    if len(rows) < 2:
        return None
    width = max(len(r) for r in rows)
    if width < 2 or sum(1 for r in rows if sum(1 for c in r if c) >= 2) < 2:
        return None
    cells = [c for r in rows for c in r if c is not None]
    if not cells or sum(1 for c in cells if c) < 0.5 * len(cells):
        return None
    geometry = [found.rows[k] for k in keep]
    # A header whose first cell is merged down over the next rows is set on several rows: those
    # rows (no figures in them) are read into the first as one header row.
    band = 1
    while (band < len(rows) - 1 and rows[0][0] and rows[band][0] is None
           and not any(c and is_figure(c) for c in rows[band])):
        band += 1
    if band > 1:
        merged = [" ".join(r[c] for r in rows[:band] if c < len(r) and r[c]) for c in range(width)]
        rows = [[m or None for m in merged]] + rows[band:]
        geometry = geometry[:1] + geometry[band:]
    # A cell merged down over several rows is given once, in its top row: the rows below carry its
    # text in the first column, where such merges name a group of rows.
    for k in range(2, len(rows)):
        if rows[k][0] is None and rows[k - 1][0]:
            rows[k][0] = rows[k - 1][0]
    texts = [[c or "" for c in r] + [""] * (width - len(r)) for r in rows]
    headers = None
    if _is_header(texts, geometry, page):
        headers, texts = texts[0], texts[1:]
        headers = _align_headers(headers, texts)
    return texts, headers


def _align_headers(headers: list[str], rows: list[list[str]]) -> list[str]:
    """Headers moved onto the figures they head: a ruled grid often sets a header one column off
    from its values (a header cell over two grid columns), leaving a header with nothing under it
    beside values with no header. Such a header moves to the nearest such column, left first."""
    heads = list(headers)
    filled = [any(r[c] for r in rows) for c in range(len(heads))]
    for c, head in enumerate(headers):
        if not head or filled[c]:
            continue
        for d in (-1, 1, -2, 2):
            t = c + d
            if 0 <= t < len(heads) and filled[t] and not heads[t]:
                heads[t], heads[c] = head, ""
                break
    return heads


def _is_header(rows: list[list[str]], geometry: list[Any], page: Any) -> bool:
    """Whether the first row heads the columns: every cell filled and none a bare figure, and
    either set in bold while the next row is not, or words over a body that holds figures."""
    first = [c for c in rows[0] if c]
    if len(first) < 2 or len(first) < 0.5 * len(rows[0]):
        return False
    if any(is_figure(c) for c in first):
        return False
    if any(is_figure(c) for r in rows[1:] for c in r if c):
        return True

    def bold_share(row: Any) -> float:
        try:
            chars = page.within_bbox(row.bbox).chars
        except Exception:
            return 0.0
        chars = [c for c in chars if str(c.get("text", "")).strip()]
        return sum(1 for c in chars if _BOLD.search(str(c.get("fontname", "")))) / len(chars) if chars else 0.0

    return len(geometry) >= 2 and bold_share(geometry[0]) >= 0.9 and bold_share(geometry[1]) < 0.5


def _caption(lines: list[list[dict]], bbox: tuple[float, float, float, float]) -> str | None:
    """A "Table 3: ..." line set just above the table (with the lines that carry it on to the
    table), or just below it."""
    x0, top, x1, bottom = bbox
    near = [ln for ln in lines if min(w["x1"] for w in ln) > x0 - 20 and max(w["x0"] for w in ln) < x1 + 20]
    above = [ln for ln in near if max(w["bottom"] for w in ln) <= top + 1 and top - max(w["bottom"] for w in ln) < 60]
    for k, ln in enumerate(above):
        text = " ".join(w["text"] for w in ln)
        if _TABLE_CAPTION.match(text):
            return clean(" ".join(" ".join(w["text"] for w in x) for x in above[k:k + 3]))[:300]
    below = [ln for ln in near if min(w["top"] for w in ln) >= bottom - 1 and min(w["top"] for w in ln) - bottom < 30]
    for k, ln in enumerate(below[:2]):
        text = " ".join(w["text"] for w in ln)
        if _TABLE_CAPTION.match(text):
            return clean(text)[:300]
    return None


def _plumb_page(page: Any) -> tuple[str, bool, list[_Table]]:
    """A page's text in reading order with its tables cut out, whether it is set in two
    columns, and its tables."""
    tables: list[_Table] = []
    boxes: list[tuple[float, float, float, float]] = []
    for t in page.find_tables():
        got = _table_rows(t, page)
        if got is not None:
            boxes.append(tuple(t.bbox))
            tables.append(_Table(got[0], got[1], None))
    if not tables:  # only a page holding a table is read by position (see ``load``)
        return "", False, []
    words = [w for w in page.extract_words() if str(w.get("text", "")).strip()]

    def inside(w: dict, b: tuple[float, float, float, float]) -> bool:
        cx, cy = (w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2
        return b[0] <= cx <= b[2] and b[1] <= cy <= b[3]

    rest = [w for w in words if not any(inside(w, b) for b in boxes)]
    marks = [{"x0": b[0], "x1": b[2], "top": b[1], "bottom": b[3], "alone": True,
              "text": f"{_TABLE_MARK}{k}{_TABLE_MARK}"} for k, b in enumerate(boxes)]
    # Two columns of text; else one column of text beside a narrow one (a pull quote, a side note).
    gutter = (find_gutter(rest + marks, float(page.width))
              or find_gutter(rest + marks, float(page.width), min_share=0.05, min_height=0.15, reach=0.1))
    lines = reading_order(rest + marks, gutter, float(page.height))
    plain_lines = [ln for ln in lines if not any(w.get("alone") for w in ln)]
    for t, b in zip(tables, boxes):
        t.caption = _caption(plain_lines, b)
    return lines_text(lines), gutter is not None, tables


# Path operators in a page's content stream: a rectangle ("re") or a line segment ("l") that builds
# a path, and the operators that end a path: painted (stroked or filled) or not ("n", which ends
# the clipping paths "re W n" that designed reports set around every block of text).
_PATH_OPS = re.compile(rb"(?<![^\s])(re|l|S|s|f\*?|F|B\*?|b\*?|n)(?![^\s])")
_BUILDS = (b"re", b"l")
_MIN_PATH_OPS = 6  # a ruled table of two rows and two columns draws at least this many rules


def painted_rules(data: bytes) -> int:
    """How many rectangles and line segments a content stream paints. A path ended by "n" draws
    nothing (it only clips), so its segments do not count: pdfplumber finds no rule in it."""
    painted = pending = 0
    for op in _PATH_OPS.findall(data):
        if op in _BUILDS:
            pending += 1
        else:
            painted += pending if op != b"n" else 0
            pending = 0
    return painted


def _drawn_lines(page: Any) -> bool:
    """Whether a page paints enough rules to hold a ruled table: read from its content stream
    with pypdf, so that the far slower layout analysis runs only where a table can be. Clipping
    paths are not rules: a designed report clips every text block, and counting those sent each of
    its pages through the analysis (about 0.2 s a page) for no table. A stream that cannot be read
    lets the analysis decide."""
    try:
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
    except Exception:
        return True
    return painted_rules(data) >= _MIN_PATH_OPS


class _Layout:
    """Word positions of each page (pdfplumber), read for columns and ruled tables. Without
    pdfplumber, or when it cannot read the file, every page keeps the plain extraction."""

    def __init__(self, data: bytes):
        self.pdf = None
        try:
            import pdfplumber

            self.pdf = pdfplumber.open(io.BytesIO(data))
        except Exception:  # not installed, or a file pdfminer cannot parse: pypdf's text stands
            self.pdf = None

    def page(self, i: int, where: str, warnings: list[str], ruled: bool = True) -> tuple[str | None, bool, list[_Table]]:
        if self.pdf is None or i >= len(self.pdf.pages) or not ruled:
            return None, False, []
        page = self.pdf.pages[i]
        try:
            return _plumb_page(page)
        except Exception as exc:  # a page whose layout cannot be read keeps its plain text
            warnings.append(f"{where}: columns and tables not read ({_reason_for(exc)}); plain text kept")
            return None, False, []
        finally:
            try:
                page.close()
            except Exception:
                pass

    def close(self) -> None:
        if self.pdf is not None:
            try:
                self.pdf.close()
            except Exception:
                pass


def load(path: Path, data: bytes) -> Loaded:
    reader, n = _open(path, data)
    labels = _labels(reader, n)
    warnings: list[str] = []
    if b"%%EOF" not in data[-1024:]:
        warnings.append("no %%EOF marker at the end of the file: it may be truncated; re-download it "
                        "if text is missing")

    def where(i: int) -> str:
        return f"page {labels[i]}" + (f" (physical {i + 1})" if labels[i] != str(i + 1) else "")

    page_lines: list[list[str]] = []
    page_tables: list[list[_Table]] = []
    scans = ocr.ScannedPages(path, data, reader)  # pages without a text layer (see ocr.py)
    layout = _Layout(data)
    laid_out = [layout.page(i, where(i), warnings, _drawn_lines(reader.pages[i])) for i in range(n)]
    layout.close()
    for i in range(n):
        # A page holding a table is read from its word positions (in column order when it is set
        # in columns), with the table cut out; any other page keeps the text layer's own order.
        # Reading every two-column page by position was measured on real reports and lost more
        # than it gained: side notes (author names, pull quotes) were run into the body text, which
        # the text layer keeps apart.
        laid, _, tables = laid_out[i]
        positional = laid is not None and bool(tables)
        page_tables.append(tables if positional else [])
        try:
            raw = laid if positional else page_text(reader.pages[i])
        except Exception as exc:  # one damaged page must not sink the document
            warnings.append(f"{where(i)}: text extraction failed ({_reason_for(exc)}); page skipped")
            raw = ""
        text = tidy_pdf_page(unicodedata.normalize("NFKC", raw).replace("\x00", ""))
        page_lines.append(text.split("\n"))
        if not text.strip():  # a scanned page: OCR reads it when enabled, else the warning says how
            page_lines[-1] = scans.read(i, where(i), warnings).split("\n")

    if not any(any(ln.strip() for ln in lines) for lines in page_lines):
        raise scans.no_text_error(n)

    outline = _outline_titles(reader)
    plain = not dotted_numbering([ln for lines in page_lines for ln in lines])
    furniture = _furniture_keys(page_lines)
    stack = HeadingStack()
    blocks: list[Block] = []
    rows: set[int] = set()  # indexes of blocks that are table rows: never joined to text
    carry: str | None = None
    for i, lines in enumerate(page_lines):
        lines = _strip_furniture(lines, furniture, {labels[i], str(i + 1)})
        pending = list(outline.get(i, []))

        subheading: dict[int, int] = {}  # line index -> level of a subheading under a numbered title

        def heading_of(j: int, ls: list[str], prev: str | None, full: int,
                       pending=pending, subheading=subheading) -> tuple[int, int] | None:
            if outline:
                # An outline title may be wrapped over up to three lines.
                joined = ""
                for k in range(j, min(j + 3, len(ls))):
                    if not ls[k]:
                        break
                    joined += _key(ls[k])
                    for p, (title, level) in enumerate(pending):
                        if title == joined:
                            del pending[p]
                            return level, k - j + 1
                return None
            following = next((ln for ln in ls[j + 1:] if ln), None)
            level = _heading_level(ls[j], prev, following, full)
            if level:
                return level, 1
            titled = _numbered_title(ls, j, prev)
            if titled:
                level, n, sub = titled
                subheading[sub] = level + 1
                return level, n
            if j in subheading:
                return subheading.pop(j), 1
            return None

        groups = group_lines(lines, carry_paragraph=carry, short_line_breaks=True, plain_numbers=plain,
                             heading_of=heading_of)
        page_blocks = groups_to_blocks(groups, stack, page=labels[i], page_index=i)
        for b in page_blocks:
            if _TABLE_MARK in b.text:  # a table: one block per row, under the headings it sits under
                marks = [int(k) for k in _TABLE_MARKS.findall(b.text)]
                rest = clean(_TABLE_MARKS.sub(" ", b.text))
                if rest:  # text that a table mark was run into
                    blocks.append(replace(b, text=rest))
                for k in marks:
                    for text in (page_tables[i][k].texts() if k < len(page_tables[i]) else []):
                        blocks.append(Block(text, "paragraph", labels[i], i, None, b.heading_path))
                        rows.add(len(blocks) - 1)
                continue
            last = blocks[-1] if blocks else None
            if (last is not None and last.kind == b.kind == "paragraph" and last.page_index == i
                    and len(blocks) - 1 not in rows
                    and b.paragraph in (None, last.paragraph) and continues(last.text, b.text)):
                # One sentence broken by a column break or a stray line break on the page. Across a
                # page break the two blocks stay apart, so that each part is cited at its own page.
                blocks[-1] = replace(last, text=join_continuation(last.text, b.text))
            else:
                blocks.append(b)
        if page_blocks:
            last = page_blocks[-1]
            carry = last.paragraph if last.kind == "paragraph" else None

    blocks = [replace(b, text=drop_note_marks(b.text)) if b.kind == "paragraph" and i not in rows else b
              for i, b in enumerate(blocks)]
    return Loaded(blocks=scans.mark(blocks), metadata=_metadata(reader), pages=n, warnings=warnings)
