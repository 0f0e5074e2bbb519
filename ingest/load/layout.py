"""Repairs for text laid out for print: shared by the PDF, Markdown and plain-text loaders.

A reader of a printed page skips the running head, the page number and the break at the end
of every line; the text layer of a PDF, and Markdown converted from one, keep all three. The
functions here undo that, with rules that look only at the shape of the text (never at what a
particular document says), so that well-formed documents pass through unchanged:

- ``tidy_pdf_page``: invisible zero-width characters removed (a line holding nothing else is a
  link boundary, not a line break), and "double-spaced" extraction — every line followed by a
  blank line — read as single-spaced, with two or more blank lines as the paragraph break.
- ``continues`` / ``join_continuation``: a paragraph that stops mid-sentence (no closing
  punctuation) and a next paragraph that starts in lower case are one sentence split by a line,
  column or page break; they are joined, a hyphen at the break kept without a space ("62-" +
  "day" -> "62-day").
- ``strip_converted_page_furniture``: in text converted from a PDF, lone page numbers between
  blank lines and a running head repeated (also glued onto the first line of a page) after the
  long blank gaps that mark page breaks are removed.
"""
from __future__ import annotations

import re
from collections import Counter

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_ZW_LINE = re.compile(r"[ \t]*\n[ \t]*[" + _ZERO_WIDTH + r"]+[ \t]*\n[ \t]*")
_ZW = re.compile("[" + _ZERO_WIDTH + "]")


def tidy_pdf_page(text: str) -> str:
    """A page's extracted text with zero-width characters removed and double spacing undone."""
    text = _ZW_LINE.sub(" ", text)
    text = _ZW.sub("", text)
    lines = text.split("\n")
    return "\n".join(_single_spaced(lines))


def _single_spaced(lines: list[str]) -> list[str]:
    """Lines of a page extracted with a blank line after every line, read as single-spaced.

    The page is taken for double-spaced when it has at least six text lines and at least
    three in five of them are followed by exactly one blank line; then a single blank line is
    dropped and a run of two or more becomes one paragraph break."""
    n = len(lines)
    text_lines = [i for i, ln in enumerate(lines) if ln.strip()]
    if len(text_lines) < 6:
        return lines
    single = 0
    for i in text_lines:
        if i + 2 < n and not lines[i + 1].strip() and lines[i + 2].strip():
            single += 1
    if single < 0.6 * len(text_lines):
        return lines
    out: list[str] = []
    blank_run = 0
    for ln in lines:
        if ln.strip():
            if blank_run >= 2 and out:
                out.append("")
            out.append(ln)
            blank_run = 0
        else:
            blank_run += 1
    return out


_OPEN_END = re.compile(r"[.!?:;…][\"'”’)\]]*$")
_STARTS_LOWER = re.compile(r"^[\"'“‘(]?[a-z]")
# A bullet, or a lettered or roman-numbered item ("a) ", "b. ", "iv) "): a list item, not a
# continuation, although it starts in lower case.
_BULLET_START = re.compile(r"^(?:[•●▪■◦‣∙·\-–—*o]|\(?[a-z]{1,2}[.)]|\(?[ivx]{1,5}[.)])\s")


def continues(prev: str, nxt: str) -> bool:
    """True when ``nxt`` carries on the sentence that ``prev`` left unfinished: ``prev`` does not
    end with closing punctuation and ``nxt`` starts with a lower-case letter and is not a list item (bullet, "a)", "iv.")."""
    prev, nxt = prev.rstrip(), nxt.lstrip()
    if not prev or not nxt or _OPEN_END.search(prev):
        return False
    if _BULLET_START.match(nxt):
        return False
    return bool(_STARTS_LOWER.match(nxt))


def join_continuation(prev: str, nxt: str) -> str:
    """``prev`` and ``nxt`` as one sentence; a hyphen after a letter or digit at the break is kept
    and the words closed up ("62-" + "day" -> "62-day")."""
    prev, nxt = prev.rstrip(), nxt.lstrip()
    if re.search(r"[\w][-‐]$", prev):
        return prev + nxt
    return prev + " " + nxt


_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,4}\s*$", re.IGNORECASE)
_GAP = 3  # blank lines in a row that mark a page break in converted text


def strip_converted_page_furniture(text: str) -> str:
    """Text converted from a PDF without its page furniture; other text is returned unchanged.

    Evidence that the text was converted is required first: at least three lone page numbers
    (a line holding only a number, with a run of ``_GAP`` blank lines on one side). Then those
    numbers are removed, and a running head is removed where it opens a page: the most
    repeated (then longest) run of leading words (four to fifteen) shared by at least three lines, and a third, that follow a page-break
    gap, whether it stands alone or is glued to the page's first line of text."""
    lines = text.split("\n")
    n = len(lines)

    def blank_run_before(i: int) -> int:
        k = 0
        while i - 1 - k >= 0 and not lines[i - 1 - k].strip():
            k += 1
        return k

    def blank_run_after(i: int) -> int:
        k = 0
        while i + 1 + k < n and not lines[i + 1 + k].strip():
            k += 1
        return k

    numbers = [i for i, ln in enumerate(lines)
               if _PAGE_NUMBER.match(ln) and (blank_run_before(i) >= _GAP or blank_run_after(i) >= _GAP)
               and blank_run_before(i) >= 1 and blank_run_after(i) >= 1]
    if len(numbers) < 3:
        return text
    for i in numbers:
        lines[i] = ""

    page_starts = [i for i, ln in enumerate(lines) if ln.strip() and blank_run_before(i) >= _GAP]
    counts: Counter[str] = Counter()
    for i in page_starts:
        words = lines[i].split()
        for k in range(4, min(15, len(words)) + 1):
            counts[" ".join(words[:k])] += 1
    # Four words or more, opening at least a third of the pages: a sentence opening ("The NHS
    # will") does not repeat that often at the top of pages.
    need = max(3, len(page_starts) / 3)
    heads = [p for p, c in counts.items()
             if c >= need and len(p.split()) >= 4 and not p.startswith(("#", "|", "-", "*", ">"))]
    if heads:
        # The most repeated prefix, at its longest: a longer one that repeats less often has taken
        # in words of the pages' own text.
        head = max(heads, key=lambda p: (counts[p], len(p.split())))
        for i in page_starts:
            stripped = lines[i].strip()
            if stripped == head:
                lines[i] = ""
            elif stripped.startswith(head + " "):
                lines[i] = stripped[len(head) + 1:]
    return "\n".join(lines)
