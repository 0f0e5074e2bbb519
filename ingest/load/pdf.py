"""PDF loader (pypdf).

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

Page furniture is dropped: a line in the top or bottom two lines of a page that recurs (digits
ignored) on at least three pages and a third of them — running heads such as "| 12 |" or
"Data Driven Healthcare in 2030" and bare page numbers. It would otherwise split sentences
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
from .layout import continues, join_continuation, tidy_pdf_page
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


def _furniture_keys(pages: list[list[str]]) -> set[str]:
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        nonblank = [ln.strip() for ln in lines if ln.strip()]
        edge = nonblank[:_FURNITURE_WINDOW] + nonblank[-_FURNITURE_WINDOW:]
        counts.update({_furniture_key(ln) for ln in edge})
    threshold = max(3, len(pages) / 3)
    return {k for k, c in counts.items() if c >= threshold}


def _furniture_key(line: str) -> str:
    return re.sub(r"\d+", "#", clean(line)).lower()


def _strip_furniture(lines: list[str], keys: set[str], page_numbers: set[str]) -> list[str]:
    """Blank out running heads/feet, and a bare page number as the first or last line."""
    idx = [i for i, ln in enumerate(lines) if ln.strip()]
    if not idx:
        return lines
    edge = set(idx[:_FURNITURE_WINDOW] + idx[-_FURNITURE_WINDOW:])
    out = list(lines)
    for i in edge:
        if _furniture_key(lines[i]) in keys:
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
    scans = ocr.ScannedPages(path, data, reader)  # pages without a text layer (see ocr.py)
    for i in range(n):
        try:
            raw = reader.pages[i].extract_text() or ""
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
    carry: str | None = None
    for i, lines in enumerate(page_lines):
        lines = _strip_furniture(lines, furniture, {labels[i], str(i + 1)})
        pending = list(outline.get(i, []))

        def heading_of(j: int, ls: list[str], prev: str | None, full: int,
                       pending=pending) -> tuple[int, int] | None:
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
            return (level, 1) if level else None

        groups = group_lines(lines, carry_paragraph=carry, short_line_breaks=True, plain_numbers=plain,
                             heading_of=heading_of)
        page_blocks = groups_to_blocks(groups, stack, page=labels[i], page_index=i)
        for b in page_blocks:
            last = blocks[-1] if blocks else None
            if (last is not None and last.kind == b.kind == "paragraph" and last.page_index == i
                    and b.paragraph in (None, last.paragraph) and continues(last.text, b.text)):
                # One sentence broken by a column break or a stray line break on the page. Across a
                # page break the two blocks stay apart, so that each part is cited at its own page.
                blocks[-1] = replace(last, text=join_continuation(last.text, b.text))
            else:
                blocks.append(b)
        if page_blocks:
            last = page_blocks[-1]
            carry = last.paragraph if last.kind == "paragraph" else None

    return Loaded(blocks=scans.mark(blocks), metadata=_metadata(reader), pages=n, warnings=warnings)
