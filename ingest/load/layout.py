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
# "… deemed 'adequate' i.e." then "recognised by …" on the next line: an abbreviation that
# introduces what follows ends no sentence, although it ends in a full stop.
_LEADS_ON = re.compile(r"(?:^|[\s(])(?:i\.\s?e|e\.\s?g|viz|cf)\.$", re.I)
_STARTS_LOWER = re.compile(r"^[\"'“‘(]?[a-z]")
# A bullet, or a lettered or roman-numbered item ("a) ", "b. ", "iv) "): a list item, not a
# continuation, although it starts in lower case.
_BULLET_START = re.compile(r"^(?:[•●▪■◦‣∙·\-–—*o]|\(?[a-z]{1,2}[.)]|\(?[ivx]{1,5}[.)])\s")


def continues(prev: str, nxt: str) -> bool:
    """True when ``nxt`` carries on the sentence that ``prev`` left unfinished: ``prev`` does not
    end with closing punctuation and ``nxt`` starts with a lower-case letter and is not a list item (bullet, "a)", "iv.")."""
    prev, nxt = prev.rstrip(), nxt.lstrip()
    if not prev or not nxt or (_OPEN_END.search(prev) and not _LEADS_ON.search(prev)):
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


# --- Reading order of a laid-out page -------------------------------------------------------
#
# A PDF's text layer holds words with positions but not the order a person reads them in. On a
# page set in two columns, extraction in content-stream or top-to-bottom order can interleave
# the columns' lines or run the foot of the left column into the head of the right. The
# functions below work on word boxes (dicts with x0, x1, top, bottom and text, as pdfplumber
# gives them) and decide the order from the geometry alone.

_LETTER = re.compile(r"[^\W\d_]")
_GUTTER_MIN = 6.0       # points: the narrowest white strip taken for a gutter
_COLUMN_MIN_LINES = 5   # text lines each column must have
_COLUMN_MIN_SHARE = 0.2  # of the page's words, on each side of the gutter
_COLUMN_MIN_HEIGHT = 0.4  # of the body's height, that the two columns must share


def find_gutter(words: list[dict], page_width: float, *, x_from: float = 0.0,
                min_share: float = _COLUMN_MIN_SHARE,
                min_height: float = _COLUMN_MIN_HEIGHT, reach: float = 0.25,
                min_lines: int = _COLUMN_MIN_LINES) -> tuple[float, float] | None:
    """The (left, right) edges of a vertical gutter that splits the page into two columns, or
    None for a page read as one column.

    The gutter is a strip at least ``_GUTTER_MIN`` wide in the middle of the page (from ``reach``
    of its width to ``1 - reach``; ``x_from`` is the page's left edge) that no
    word crosses except on a few full-width lines (a title or heading set above the columns, a
    footnote below them). It is taken only when each side holds a fifth of the words on at least
    ``_COLUMN_MIN_LINES`` lines, the two sides run side by side over at least ``_COLUMN_MIN_HEIGHT``
    of the text's height, and the lines that do cross it lie outside that shared stretch, not
    between its lines (a single-column page crosses the middle on nearly every line)."""
    words = [w for w in words if w["x1"] > w["x0"] and w["bottom"] > w["top"] and str(w.get("text", "")).strip()]
    if len(words) < 30 or page_width <= 0:
        return None
    lo, hi = int(x_from + page_width * reach), int(x_from + page_width * (1 - reach))
    cover = [0] * (hi - lo + 1)
    for w in words:
        a, b = max(lo, int(w["x0"]) + 1), min(hi, int(w["x1"]))
        for x in range(a, b + 1):
            cover[x - lo] += 1
    limit = max(2, len(words) // 100)
    best: tuple[float, float] | None = None
    best_score = 0.0
    x = 0
    while x < len(cover):
        if cover[x] > limit:
            x += 1
            continue
        start = x
        while x < len(cover) and cover[x] <= limit:
            x += 1
        # Within the strip, the stretch crossed by the fewest words: a ragged column edge that a
        # few words reach into is not the gutter's middle.
        least = min(cover[start:x])
        k0 = next(k for k in range(start, x) if cover[k] == least)
        k1 = k0
        while k1 + 1 < x and cover[k1 + 1] == least:
            k1 += 1
        left, right = float(lo + k0), float(lo + k1)
        if right - left >= _GUTTER_MIN:
            split = _columns_about(words, left, right, min_share, min_height, min_lines)
            if split is not None and split > best_score:
                best, best_score = (left, right), split
    return best


def _lines_of(words: list[dict]) -> list[tuple[float, float]]:
    """Vertical extents of the text lines the words form (words overlapping in height share one)."""
    spans: list[list[float]] = []
    for w in sorted(words, key=lambda w: w["top"]):
        if spans and w["top"] < spans[-1][1] - 0.5 * (w["bottom"] - w["top"]):
            spans[-1][1] = max(spans[-1][1], w["bottom"])
        else:
            spans.append([w["top"], w["bottom"]])
    return [(a, b) for a, b in spans]


def _columns_about(words: list[dict], left: float, right: float, min_share: float,
                   min_height: float, min_lines: int = _COLUMN_MIN_LINES) -> float | None:
    """How well the words divide into two columns at a gutter from ``left`` to ``right`` (the
    smaller side's share of the words), or None when they do not."""
    mid = (left + right) / 2
    lside = [w for w in words if w["x1"] <= mid]
    rside = [w for w in words if w["x0"] >= mid]
    across = [w for w in words if w["x0"] < mid < w["x1"]]
    share = min(len(lside), len(rside)) / len(words)
    if share < min_share:
        return None
    llines, rlines = _lines_of(lside), _lines_of(rside)
    if len(llines) < min_lines or len(rlines) < min_lines:
        return None
    # Both sides are words, not a column of bullets or numbers beside their items.
    for side, lines in ((lside, llines), (rside, rlines)):
        if sum(len(_LETTER.findall(str(w["text"]))) for w in side) < 8 * len(lines):
            return None
    top = max(llines[0][0], rlines[0][0])
    bottom = min(llines[-1][1], rlines[-1][1])
    body = max(w["bottom"] for w in words) - min(w["top"] for w in words)
    if body <= 0 or bottom - top < min_height * body:
        return None
    # Lines crossing the gutter inside the stretch the columns share would be read as prose set
    # across the page: then the page is one column with a white river, or a table.
    # (A title beside the first line of one column, or a note by the last, is not between lines.)
    edge = 0.1 * body
    inside = [w for w in across if w["top"] > top + edge and w["bottom"] < bottom - edge]
    if len(inside) > max(1, 0.02 * len(words)):
        return None
    # Each side must read as running text, not as labels facing values: its lines fill most
    # of its width on average.
    # (Its width runs to where nearly all its words end: a page number set far out does not count.)
    for side, lines, x_from, x_to in ((lside, llines, _nth(sorted(w["x0"] for w in lside), 0.05), mid),
                                      (rside, rlines, mid, _nth(sorted(w["x1"] for w in rside), 0.95))):
        width = x_to - x_from
        if width <= 0:
            return None
        spans = _line_widths(side)
        if sorted(spans)[len(spans) // 2] < 0.5 * width:
            return None
    return share


def _nth(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


def _line_widths(words: list[dict]) -> list[float]:
    rows: list[list[dict]] = []
    for w in sorted(words, key=lambda w: w["top"]):
        if rows and w["top"] < max(x["bottom"] for x in rows[-1]) - 0.5 * (w["bottom"] - w["top"]):
            rows[-1].append(w)
        else:
            rows.append([w])
    return [max(x["x1"] for x in r) - min(x["x0"] for x in r) for r in rows]


_MARGIN = 0.07  # of the page's height: the top and bottom strips where running heads and page numbers sit


def reading_order(words: list[dict], gutter: tuple[float, float] | None,
                  page_height: float | None = None) -> list[list[dict]]:
    """The words as text lines in reading order (each line's words left to right).

    Without a gutter, lines run top to bottom. With one, the page is cut into bands at every line
    that crosses the gutter (a title above the columns, a heading or figure set across the page,
    footnotes below); within a band the left column is read top to bottom, then the right. Words
    in the top and bottom margins (running heads, page numbers: ``_MARGIN`` of ``page_height``)
    come first and last, so that they stay at the edges of the page's text where page furniture
    is looked for. A word box marked ``"alone": True`` (a table kept as a table) always forms a
    line of its own."""
    if gutter is None:
        return _rows(words)
    if page_height:
        head = [w for w in words if w["bottom"] < _MARGIN * page_height and not w.get("alone")]
        foot = [w for w in words if w["top"] > (1 - _MARGIN) * page_height and not w.get("alone")]
        if head or foot:
            edge = {id(w) for w in head + foot}
            body = [w for w in words if id(w) not in edge]
            return _rows(head) + reading_order(body, gutter) + _rows(foot)
    mid = (gutter[0] + gutter[1]) / 2
    full = [w for w in words if w["x0"] < mid < w["x1"]]
    full_lines = _rows(full)
    out: list[list[dict]] = []
    rest = [w for w in words if not (w["x0"] < mid < w["x1"])]
    cuts = [(min(x["top"] for x in ln), max(x["bottom"] for x in ln), ln) for ln in full_lines]
    start = float("-inf")
    for top, bottom, line in cuts + [(float("inf"), float("inf"), None)]:
        band = [w for w in rest if start < (w["top"] + w["bottom"]) / 2 < top]
        out += _column([w for w in band if w["x1"] <= mid])
        out += _column([w for w in band if w["x0"] >= mid])
        if line is not None:  # the crossing line, with the words beside it at its height
            beside = [w for w in rest if top <= (w["top"] + w["bottom"]) / 2 <= bottom]
            out.append(sorted(line + beside, key=lambda w: w["x0"]))
        start = bottom
    placed = {id(w) for ln in out for w in ln}
    stray = [w for w in rest if id(w) not in placed]
    if stray:
        out += _rows(stray)
    return out


def _column(words: list[dict]) -> list[list[dict]]:
    """One column's lines; a column that itself holds a narrow column beside it (a pull quote, a
    side note) is read one part after the other."""
    if len(words) < 20:
        return _rows(words)
    x0, x1 = min(w["x0"] for w in words), max(w["x1"] for w in words)
    gutter = find_gutter(words, x1 - x0, x_from=x0, min_share=0.02, min_height=0.0, reach=0.1, min_lines=2)
    return reading_order(words, gutter) if gutter else _rows(words)


def _rows(words: list[dict]) -> list[list[dict]]:
    """Words grouped into lines, top to bottom: a word joins a line whose height it overlaps by
    half its own (so a raised footnote number stays on its line); each line sorted left to right."""
    rows: list[list[dict]] = []
    extents: list[list[float]] = []
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        h = max(w["bottom"] - w["top"], 0.1)
        if w.get("alone"):
            rows.append([w])
            extents.append([w["top"], w["bottom"], 1.0])
            continue
        placed = False
        for k in range(len(rows) - 1, max(-1, len(rows) - 4), -1):
            top, bottom, alone = extents[k]
            if alone:
                continue
            if min(bottom, w["bottom"]) - max(top, w["top"]) >= 0.5 * h:
                rows[k].append(w)
                extents[k][0], extents[k][1] = min(top, w["top"]), max(bottom, w["bottom"])
                placed = True
                break
        if not placed:
            rows.append([w])
            extents.append([w["top"], w["bottom"], 0.0])
    return [sorted(r, key=lambda w: w["x0"]) for r in rows]


def lines_text(lines: list[list[dict]]) -> str:
    """Lines of words as page text: words joined by spaces, and a blank line where the gap above a
    line is clearly wider than the usual line spacing (a paragraph or column break)."""
    out: list[str] = []
    gaps = [b[0]["top"] - a[0]["top"] for a, b in zip(lines, lines[1:])
            if 0 < b[0]["top"] - a[0]["top"] < 40]
    step = sorted(gaps)[len(gaps) // 2] if gaps else 0.0
    prev_top: float | None = None
    prev_alone = False
    for line in lines:
        top = min(w["top"] for w in line)
        alone = any(w.get("alone") for w in line)
        if prev_top is not None and (alone or prev_alone):
            out += ["", ""]  # two: a page read as double-spaced keeps one of them
        elif prev_top is not None and (top < prev_top or (step and top - prev_top > 1.6 * step)):
            out.append("")
        out.append(" ".join(str(w["text"]) for w in line))
        prev_top, prev_alone = top, alone
    return "\n".join(out)
