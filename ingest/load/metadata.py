"""Title, date of publication, publisher and kind, read from a document the way a person reads it.

A person finding a report's title looks at its cover: the largest words on the first page, or
the heading the document opens with, not the file's name and not the first subsection. They
take its date from a "Published 15 October 2019" or "March 2021" line near the front, and its
kind from what it calls itself ("guidance", "plan", "survey key findings"). This module does
the same with what a loader has read (blocks and metadata) and, for PDF and DOCX, the raw bytes
(font sizes on the first pages; the running header of a Word file).

Every field comes with where it came from (``sources``: "pdf-info", "cover-largest-text",
"published-line", "file-name", ...), and every candidate that was found but refused comes with
the reason (``rejected``), so that a wrong value can be traced and fixed. ``sources.toml``
entries are applied by the caller and override all of this.

The order of preference, per field:

* title: authored metadata that the document's own text confirms (PDF /Title, DOCX core title,
  Markdown front matter, HTML <title> with the site name removed, a JSON data set's name); else
  the cover (PDF: largest text on the first page that has a title, with a subtitle directly
  under it; other formats: the opening heading or lines before the body; letters: the subject
  line under "Dear ..."); else the refused metadata title; else the file name. Never a numbered
  subsection ("3.1 Introduction"), a generic section name ("Contents"), a cover slogan in
  capitals, a file name kept in the metadata ("Microsoft Word - final2.docx") or a placeholder.
* date: a date in the metadata; a "published" line on the first pages; a Word page header; a
  dated line on the cover; a date in the file name; a financial year in the title ("2025/26").
  A date in the future or before 1900 is refused with the reason.
* publisher: "Organisation | Title" on a cover, a site's home link on a printed web page,
  "Published by ..." lines, else the public body named most prominently on the cover and the
  first pages (a list of UK health and parliamentary bodies, and any "... Committee").
* kind: what the title calls the document (the last genre word wins: "planning guidance" is
  guidance), the structure (a JSON data set is a standard; a letter is "other"; a list of
  "We will ..." commitments is a plan), then the wording of the cover and first pages.
"""
from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Sequence

from evidence_assistant.core.types import Block

from .base import normalise_date, normalise_kind, title_from_filename

# --------------------------------------------------------------------------------- text helpers

_WS = re.compile(r"\s+")
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december"]
_MONTH_RE = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).replace("\u200b", "")
    return _WS.sub(" ", text).strip()


def _norm(text: str) -> str:
    """Lower case, letters and digits only, single spaces: for comparing titles."""
    text = unicodedata.normalize("NFKC", text).lower().replace("&", " and ")
    return _WS.sub(" ", re.sub(r"[^\w]+", " ", text)).strip()


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'’/-]+", text)


def _tidy_title(text: str) -> str:
    """Spacing and dashes as a person would write them; no Markdown or attribute debris."""
    t = _clean(text)
    t = re.sub(r"\s*\{[#.][^}]*\}\s*$", "", t)  # pandoc attributes: {#id .Class}
    t = re.sub(r"[*_`]{1,3}", "", t) if re.search(r"[*`]", t) else t
    t = re.sub(r"\s+--+\s+", " – ", t)
    t = re.sub(r"\s+([:;,])", r"\1", t)
    return t.strip(" -–—|:;,")


# --------------------------------------------------------------------------------- dates

@dataclass
class FoundDate:
    value: str  # ISO: YYYY-MM-DD, YYYY-MM or YYYY
    text: str  # what was read


def _iso(y: int, m: int | None = None, d: int | None = None) -> str | None:
    if m is not None and not 1 <= m <= 12:
        return None
    if d is not None:
        try:
            date(y, m or 1, d)
        except ValueError:
            return None
        return f"{y:04d}-{m:02d}-{d:02d}"
    return f"{y:04d}-{m:02d}" if m else f"{y:04d}"


def _month(word: str) -> int | None:
    w = word.lower().rstrip(".")
    if len(w) < 3:
        return None
    for i, name in enumerate(_MONTHS, start=1):
        if name.startswith(w):
            return i
    return None


_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I)
_MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_MONTH_YEAR = re.compile(rf"\b({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")  # UK order: day/month/year


def find_date(text: str) -> FoundDate | None:
    """The first full date or month and year in ``text`` ("15 October 2019", "3 December, 2024",
    "8th April 2020", "March 2021", "2024-03-05", "05/03/2024"), or None."""
    best: tuple[int, FoundDate] | None = None
    for rx, kind in ((_DAY_MONTH_YEAR, "dmy"), (_MONTH_DAY_YEAR, "mdy"), (_ISO_DATE, "iso"),
                     (_NUMERIC_DATE, "num"), (_MONTH_YEAR, "my")):
        for m in rx.finditer(text):
            if kind == "dmy":
                value = _iso(int(m.group(3)), _month(m.group(2)), int(m.group(1)))
            elif kind == "mdy":
                value = _iso(int(m.group(3)), _month(m.group(1)), int(m.group(2)))
            elif kind == "iso":
                value = _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            elif kind == "num":
                value = _iso(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            else:
                mo = _month(m.group(1))
                value = _iso(int(m.group(2)), mo) if mo else None
            if value and (best is None or m.start() < best[0]):
                best = (m.start(), FoundDate(value, m.group(0)))
            if value:
                break
    return best[1] if best else None


_FY = re.compile(r"(?<![\d/])((?:19|20)\d{2})\s?[/_–-]\s?(\d{2}|(?:19|20)\d{2})(?![\d/])")
_FY_RANGE = re.compile(r"(?:19|20)\d{2}\s?[/_–-]\s?\d{2,4}\s*(?:to|–|-|_)\s*(?:19|20)\d{2}", re.I)


def financial_year(text: str) -> tuple[int, int] | None:
    """A single financial or academic year named in ``text`` ("2025/26", "2023_24"), or None;
    a span of years ("2026/27 to 2028/29") names no one year and gives None."""
    if _FY_RANGE.search(text.replace("_to_", " to ").replace("-to-", " to ")):
        return None
    found = []
    for m in _FY.finditer(text):
        y1 = int(m.group(1))
        y2 = int(m.group(2)) if len(m.group(2)) == 4 else (y1 // 100) * 100 + int(m.group(2))
        if y2 == y1 + 1:
            found.append((y1, y2))
    return found[0] if len(set(found)) == 1 else None


def date_from_filename(path: Path) -> FoundDate | None:
    """A date written into a file name: "report-2019-10-15", "Mar 21", "january-2025",
    "211022" (day, month, year), "08042020", or None."""
    stem = path.stem
    spaced = re.sub(r"[_\-.]+", " ", stem)
    if _FY_RANGE.search(spaced) or re.search(r"(?:19|20)\d{2}\s\d{2}\s(?:to\s)?(?:19|20)\d{2}\s\d{2}", spaced):
        spaced = _FY_RANGE.sub(" ", spaced)
        spaced = re.sub(r"(?:19|20)\d{2}\s\d{2}\s(?:to\s)?(?:19|20)\d{2}\s\d{2}", " ", spaced)
    m = re.search(r"(?<!\d)((?:19|20)\d{2})[-_]?(\d{2})[-_]?(\d{2})(?!\d)", stem)
    if m:
        v = _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if v:
            return FoundDate(v, m.group(0))
    found = find_date(spaced)
    if found:
        return found
    m = re.search(rf"\b({_MONTH_RE})\s+(\d{{2}}|\d{{4}})\b", spaced, re.I)
    if m and _month(m.group(1)):
        y = int(m.group(2))
        y = y if y > 99 else 2000 + y
        return FoundDate(_iso(y, _month(m.group(1))) or "", m.group(0))
    m = re.search(r"(?<!\d)(\d{2})(\d{2})(\d{4})(?!\d)", stem)  # DDMMYYYY
    if m:
        v = _iso(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if v:
            return FoundDate(v, m.group(0))
    m = re.search(r"(?<!\d)(\d{2})(\d{2})(\d{2})(?!\d)", stem)  # DDMMYY, the usual UK order
    if m:
        v = _iso(2000 + int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if v:
            return FoundDate(v, m.group(0))
    fy = financial_year(spaced.replace(" ", "_"))
    if fy:
        return FoundDate(str(fy[0]), f"{fy[0]}/{str(fy[1])[2:]}")
    m = re.search(r"(?<![\d])((?:19|20)\d{2})(?![\d])", spaced)
    if m and len(re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", spaced)) == 1:
        return FoundDate(m.group(1), m.group(1))
    return None


def check_date(value: str, today: date | None = None) -> str | None:
    """Why ``value`` cannot be a publication date, or None when it can."""
    today = today or date.today()
    try:
        y = int(value[:4])
    except ValueError:
        return "not a date"
    if y < 1900:
        return f"{value} is before 1900"
    parts = [int(p) for p in value.split("-")]
    earliest = date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    if earliest > today:
        return f"{value} is in the future"
    return None


# --------------------------------------------------------------------------------- titles

_PLACEHOLDERS = frozenset({"untitled", "unknown", "title", "document", "template", "report template", "draft",
                           "presentation", "powerpoint presentation", "slide 1", "no title", "new document",
                           "document1", "document 1", "final", "copy", "word document", "pdf"})
# Section names that open many documents and name none of them.
_GENERIC_SECTIONS = frozenset({
    "contents", "table of contents", "introduction", "foreword", "preface", "summary", "executive summary",
    "abstract", "background", "overview", "key points", "key messages", "acknowledgements", "about this report",
    "about this document", "about us", "glossary", "content", "purpose", "scope", "context", "home",
    "ministerial foreword", "main points", "list of commitments", "commitments", "recommendations",
    "conclusions", "conclusions and recommendations", "methodology", "approach", "references", "annex", "appendix",
    "next steps", "action required", "findings", "key findings", "definitions", "terms of reference",
})
# Lines on a cover that are neither title nor date: security markings, references, contacts.
_FURNITURE = re.compile(
    r"^(?:classification\s*:|official(?:\s*[-:]?\s*sensitive)?$|publication (?:reference|approval)|"
    r"publishing approval|version\s*(?:number)?\s*:?\s*[\d.]+$|ref(?:erence)?\s*(?:no\.?|number)?\s*:|"
    r"page\s+\d+|\d{1,4}$|[ivxlc]{1,6}$|www\.|https?://|@\w+|[\w.+-]+@[\w-]+\.[\w.]+|"
    r"publication\s*\(|date (?:last )?updated\s*:|last updated\s*:|date published\s*:|"
    r"first published\s*:|published\s*:|publication date\s*:)", re.I)
_KEY_VALUE = re.compile(r"^[A-Z][\w ]{1,30}:\s+\S")  # "Agenda item: 5", "Report by: ...", "Paper type: ..."
_SUBSECTION = re.compile(r"^(?:\d+[a-z]?|[A-Z])\.\d+[a-z]?(?:\.\d+)*\.?\s+\S")  # 3.1 Introduction, 8e.1 ..., A.2 ...
_NUMBERED = re.compile(r"^(?:\d{1,2}[a-z]?\.?|[ivx]+\.)\s+(?=\S)", re.I)  # "1. Executive summary", "8 Data transfer"
_CHAPTER_LINE = re.compile(r"^(?:chapter|part|section|annex|appendix)\s+[\w.]{1,5}\s*(?:[-–—:.]+|\s)\s*\S", re.I)
_FILE_JUNK = re.compile(
    r"(^microsoft (?:word|powerpoint|excel)\s*-)|(\.(?:docx?|pdf|pptx?|xlsx?|odt|rtf|indd|txt)$)|"
    r"(_)|(\b(?:final|draft|rev|reviewed|v\d+(?:\.\d+)*|copy|clean|tracked)\b.*\b\d{6,8}\b)|(\b\d{6,8}\b)|"
    r"(\bfinal\s*\d*$)|(\(\d+\)$)", re.I)

# Words that name what a document is. A line made only of these (and numbers) is a label on a
# cover ("INTERIM REPORT", "Case Study", "Draft"), not its title.
_LABEL_WORDS = frozenset(
    "interim final draft full report summary executive and recommendations case study studies consultation "
    "response briefing paper note factsheet fact sheet annex appendix technical supplement version update "
    "official sensitive guidance policy statement press release news the a for of document easy read "
    "annual edition issue cohort part volume".split())
_STATUS_WORDS = frozenset("draft final interim official sensitive consultation version update".split())
_GENRE_NOUN = re.compile(
    r"\b(?:plan|strategy|report|review|guidance|guidelines?|guide|framework|standard|manual|survey|findings|"
    r"evidence|response|notice|code|charter|policy|paper|summary|statement|handbook|toolkit|roadmap|vision|"
    r"principles|commitments|specification|consultation|analysis|evaluation|assessment|inquiry|study|"
    r"audit|insights|programme|bill|act|regulations|directions|protocol|pathway|white paper)s?\b", re.I)


def filename_like(text: str, path: Path | None = None) -> bool:
    """True when ``text`` is a file's name rather than a title: a Word export name
    ("Microsoft Word - final2.docx"), an extension, underscores, version stamps or long digit runs."""
    return bool(_FILE_JUNK.search(_clean(text)))


def same_as_filename(text: str, path: Path | None) -> bool:
    """True when ``text`` says no more than the file's name ("Ch 3 clinical safety" for
    ch-3-clinical-safety.html): a weak title, used only when nothing better is found."""
    if path is None:
        return False
    stem = _norm(re.sub(r"[_\-]+", " ", path.stem))
    return bool(stem) and _norm(text) == stem


_STOP = frozenset("a an the of for and in on to with by from at or as into about its their our".split())
_NUMBER_WORD = re.compile(r"^(?:\d+[a-z]?|[ivxlc]+)$")


def titles_agree(a: str, b: str) -> bool:
    """True when two titles name the same document: chapter or part numbers, where both have
    them, are the same, and most of the words of the shorter one are in the longer one."""
    num = re.compile(r"\b(?:chapter|part|section|annex|appendix|volume)\s+([\w.]+)", re.I)
    na, nb = num.search(a), num.search(b)
    if na and nb and na.group(1).lower().rstrip(".") != nb.group(1).lower().rstrip("."):
        return False
    structural = {"chapter", "part", "section", "annex", "appendix", "volume"}

    def content(t: str) -> set[str]:
        return {w for w in _norm(t).split() if w not in _STOP and w not in structural and not _NUMBER_WORD.match(w)}

    wa, wb = content(a), content(b)
    if not wa or not wb:
        return _norm(a) == _norm(b)
    return len(wa & wb) / min(len(wa), len(wb)) >= 0.6


def title_problem(text: str | None, path: Path | None = None, *, metadata: bool = False) -> str | None:
    """Why ``text`` is not a usable title, or None. ``metadata`` applies the stricter rules for
    titles that authoring tools fill in by themselves (PDF /Title, Word's core title)."""
    if text is None or not _clean(text):
        return "empty"
    t = _clean(text)
    low = _norm(t)
    if not re.search(r"[A-Za-z]", t):
        return "no words"
    if low in _PLACEHOLDERS:
        return "a placeholder"
    if len(t) > 250:
        return "too long for a title"
    if filename_like(t):
        return "a file name"
    if _SUBSECTION.match(t):
        return "a numbered subsection heading"
    if low in _GENERIC_SECTIONS or (_NUMBERED.match(t) and _norm(_NUMBERED.sub("", t, 1)) in _GENERIC_SECTIONS):
        return "a section name, not the document's title"
    if len(re.findall(r"\b[A-Za-z]+:\s", t)) >= 3:
        return "form fields or labels, not a title"
    if metadata and len(_words(t)) < 2:
        return "a single word"
    if is_pull_quote(t):
        return "a slogan or pull-quote"
    return None


def is_pull_quote(text: str) -> bool:
    """Quoted words, or a short fragment in capitals that names nothing ("THE FUTURE")."""
    t = _clean(text)
    if re.match(r'^["“‘\'].+["”’\']$', t):
        return True
    letters = re.sub(r"[^A-Za-z]", "", t)
    words = _words(t)
    return (bool(letters) and letters.isupper() and len(words) <= 3 and not _GENRE_NOUN.search(t)
            and not re.search(r"\d", t) and len(letters) > 4 and any(w.lower() in {"the", "for", "of", "and", "a", "to", "our", "we", "is"}
                                                                      for w in words))


def is_label(text: str) -> bool:
    """A cover label such as "INTERIM REPORT", "Case Study", "Draft": only genre and status words."""
    words = [w.lower() for w in _words(text)]
    return bool(words) and all(w in _LABEL_WORDS or w.isdigit() for w in words) and len(words) <= 4


def _strip_trailing_date(text: str) -> str:
    """"Covid-19 and your information - Updated on 8th April 2020" -> "Covid-19 and your information"."""
    t = re.sub(rf"\s*[-–—|,:(]\s*(?:(?:updated|published|issued|revised|version)\b[^()]*?)?\s*(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?"
               rf"{_MONTH_RE}\.?,?\s+\d{{4}}\)?\s*$", "", text, flags=re.I)
    return t if t.strip() else text


_CONNECTORS = frozenset("for of and the in on to a an with & by from at or as into about".split())


def join_title_lines(lines: Sequence[str]) -> str:
    """Join the lines a title is broken into on a cover. A line that ends on a connecting word,
    or a next line that starts in lower case, continues it; a change from capitals to mixed case
    starts a subtitle (": "); a part such as "Executive Summary" is added after a dash."""
    out = ""
    prev = ""
    for line in lines:
        line = _clean(line).strip()
        if not line:
            continue
        if not out:
            out = line
        else:
            last_word = (_words(prev)[-1].lower() if _words(prev) else "")
            first = line[:1]
            prev_caps = re.sub(r"[^A-Za-z]", "", prev).isupper()
            line_caps = re.sub(r"[^A-Za-z]", "", line).isupper()
            if prev.endswith((":", "–", "-", "—", "|", ",")) or last_word in _CONNECTORS:
                sep = " "
            elif prev_caps and not line_caps and not is_label(line):
                sep = ": "
            elif is_label(line) and not first.islower():
                sep = " – "
            elif first.islower() and _GENRE_NOUN.search(last_word) and _words(line)[0].lower() not in _CONNECTORS:
                sep = ": "
            else:
                sep = " "
            out = f"{out}{sep}{line}"
        prev = line
    return _tidy_title(out)


# --------------------------------------------------------------------------------- PDF cover

@dataclass
class CoverLine:
    text: str
    size: float | None = None  # effective font size (points), PDF only
    y: float | None = None  # distance from the bottom of the page, PDF only
    page: int = 0
    heading: bool = False
    level: int = 0


def pdf_cover_lines(data: bytes, max_pages: int = 2) -> list[list[CoverLine]]:
    """The text lines of the first pages with their font sizes, top to bottom, one list per page.

    Runs of text that share a baseline are one line; runs are joined as they are (pypdf gives
    spaces as runs of their own), so "R" + "eport" stays "Report"."""
    try:
        import pypdf

        reader = pypdf.PdfReader(io.BytesIO(data))
        n = min(max_pages, len(reader.pages))
    except Exception:
        return []
    pages: list[list[CoverLine]] = []
    for pi in range(n):
        runs: list[tuple[float, float, str]] = []

        def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
            if not text or text == "\n":
                return
            try:
                scale = (tm[2] ** 2 + tm[3] ** 2) ** 0.5 * (cm[2] ** 2 + cm[3] ** 2) ** 0.5
                y = tm[5] * cm[3] + tm[4] * cm[1] + cm[5]
                runs.append((float(size) * (scale or 1.0), float(y), text))
            except Exception:
                return

        try:
            reader.pages[pi].extract_text(visitor_text=visit)
        except Exception:
            pages.append([])
            continue
        lines: list[CoverLine] = []
        for size, y, text in runs:
            # Whitespace-only runs carry the spacing of the line they sit on, not a size.
            same = next((ln for ln in reversed(lines[-6:]) if ln.y is not None
                         and abs(ln.y - y) <= max(2.0, 0.3 * (ln.size or size))), None)
            if same is not None:
                same.text += text
                if text.strip():
                    same.size = max(same.size or 0, size) if same.text.strip() != text.strip() else size
            elif text.strip():
                lines.append(CoverLine(text, size, y, pi))
        seen: set[tuple[int, str]] = set()
        page_lines = []
        for ln in sorted(lines, key=lambda ln: -(ln.y or 0)):
            ln.text = _clean(ln.text)
            doubled = re.fullmatch(r"(.{4,}?)\s?\1", ln.text)
            if doubled:  # the same words drawn twice on one baseline (a shadow or knock-out)
                ln.text = doubled.group(1).strip()
            key = (round(ln.y or 0), ln.text)
            if ln.text and key not in seen:  # text drawn twice (shadow, knock-out) is read once
                seen.add(key)
                page_lines.append(ln)
        pages.append(page_lines)
    return pages


def _group_by_gap(lines: Sequence[CoverLine], factor: float = 1.6) -> list[list[CoverLine]]:
    groups: list[list[CoverLine]] = []
    for ln in lines:
        if groups:
            last = groups[-1][-1]
            size = max(last.size or 10, ln.size or 10)
            same_size = abs((last.size or 0) - (ln.size or 0)) <= 0.1 * size
            if same_size and last.y is not None and ln.y is not None and 0 <= last.y - ln.y <= factor * size:
                groups[-1].append(ln)
                continue
        groups.append([ln])
    return groups


def _is_cover_noise(text: str) -> bool:
    t = _clean(text)
    return bool(_FURNITURE.match(t)) or len(re.sub(r"[^A-Za-z]", "", t)) < 2


def _only_date(text: str) -> bool:
    found = find_date(text)
    if not found:
        return bool(re.fullmatch(r"\(?(?:19|20)\d{2}\)?", text.strip()))
    rest = _clean(text.replace(found.text, " "))
    return len(_words(rest)) <= 2 and not _GENRE_NOUN.search(rest)


def pdf_title(pages: list[list[CoverLine]]) -> tuple[str, str] | None:
    """(title, how it was found) from the first page that shows one, or None."""
    # The body text's size: the size most of the text on these pages is set in.
    chars_by_size: dict[float, int] = {}
    for page in pages:
        for ln in page:
            key = round(ln.size or 0, 1)
            chars_by_size[key] = chars_by_size.get(key, 0) + len(ln.text)
    if not chars_by_size:
        return None
    body_size = max(chars_by_size, key=lambda s: chars_by_size[s])
    for n, lines in enumerate(pages):
        lines = [ln for ln in lines if not _is_cover_noise(ln.text)]
        if n > 0 and sum(len(_words(ln.text)) for ln in pages[0]) >= 60:
            break  # the first page had text enough to be the cover; the second is the body
        if not lines:
            continue
        letter = _letter_subject(lines)
        if letter:
            return letter, "letter-subject"
        sizes = sorted({round(ln.size or 0, 1) for ln in lines}, reverse=True)
        distinct = sizes[0] > body_size * 1.15
        groups = _group_by_gap(lines)
        if distinct:
            # Sizes that stand out from the body text, largest first.
            # Sizes within a tenth of the largest are one tier, read top to bottom.
            top = [g for g in groups if (g[0].size or 0) >= 0.9 * sizes[0]]
            ranked = top + [g for s in sizes if s > body_size * 1.15
                            for g in groups if round(g[0].size or 0, 1) == s and g not in top]
        else:
            ranked = groups
        label = None
        for g in ranked:
            text = join_title_lines([ln.text for ln in g])
            if is_label(text) and label is None:
                label = text
                continue
            if _only_date(text) or title_problem(text) or len(_words(text)) > 30:
                continue
            if not distinct and (len(_words(text)) > 20 or text.endswith(".")):
                continue
            title = _strip_trailing_date(text)
            title = _with_subtitle(title, g, groups, body_size)
            if label and distinct and len(_words(title)) <= 2 and label.lower() not in title.lower():
                title = f"{label}: {title}"
            return _tidy_title(title), "cover-largest-text" if distinct else "cover-first-line"
        if label:
            # Only a label stands out ("Case Study"): the title is the first short line under it.
            for g in groups:
                text = join_title_lines([ln.text for ln in g])
                if text == label or is_label(text) or _only_date(text) or title_problem(text):
                    continue
                if len(_words(text)) <= 8:
                    return _tidy_title(f"{label}: {text}"), "cover-label-and-heading"
                break
    return None


def _with_subtitle(title: str, group: list[CoverLine], groups: list[list[CoverLine]], body_size: float) -> str:
    """Add the line set directly under a title: a part name ("Full Report", "Phase 2 Report")
    or a subtitle set larger than the body text ("Gadget survey key findings"). Not a section
    heading with its text under it, a date, an author's name or a status ("Draft")."""
    try:
        i = next(k for k, g in enumerate(groups) if g is group)
    except StopIteration:
        return title
    if i + 1 >= len(groups):
        return title
    nxt = groups[i + 1]
    size = group[-1].size or 10
    gap = (group[-1].y or 0) - (nxt[0].y or 0)
    text = join_title_lines([ln.text for ln in nxt])
    words = _words(text)
    if not (0 <= gap <= 2.35 * size) or len(words) > 12 or _only_date(text) or text.endswith((".", "?")):
        return title
    if all(w.lower() in _STATUS_WORDS for w in words) or _norm(text) in _GENERIC_SECTIONS:
        return title
    if _publisher_in(text) and not _GENRE_NOUN.search(text):
        return title
    sub_size = nxt[0].size or 0
    if not is_label(text):
        if sub_size < 1.15 * body_size:
            return title
        if re.match(r"^(?:who|what|why|when|where|which|how)\b(?!\s+to\b)", text, re.I):
            return title
        if 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and not _GENRE_NOUN.search(text) \
                and not any(w.lower() in _CONNECTORS for w in words):
            return title  # "Your Name", "Jane Smith": an author, not a subtitle
        after = groups[i + 2] if i + 2 < len(groups) else None
        if after is not None and abs((after[0].size or 0) - body_size) < 0.5 and \
                0 <= (nxt[-1].y or 0) - (after[0].y or 0) <= 2.5 * sub_size and len(_words(after[0].text)) >= 6:
            return title  # a section heading with its body text directly under it
    sep = " – " if is_label(text) or text[:1].isupper() and sub_size >= size * 0.95 else ": "
    return f"{title}{sep}{text}"


def _letter_subject(lines: Sequence[CoverLine]) -> str | None:
    """The subject line of a letter: the first short line group after "Dear ...,"."""
    for i, ln in enumerate(lines):
        if re.match(r"^dear\b", ln.text, re.I) and len(_words(ln.text)) <= 8:
            rest = _group_by_gap(list(lines[i + 1:]), factor=1.7)
            if rest:
                text = _clean(" ".join(x.text for x in rest[0]))
                if 3 <= len(_words(text)) <= 35 and not text.endswith("."):
                    return _tidy_title(text)
            return None
    return None


# --------------------------------------------------------------------------------- other formats

def _block_is_body(b: Block) -> bool:
    words = len(_words(b.text))
    return b.kind == "paragraph" and (words > 25 or (words > 10 and b.text.rstrip().endswith((".", "?", "!"))))


def block_cover(blocks: Sequence[Block], path: Path | None = None, limit: int = 15) -> list[CoverLine]:
    """The lines before a document's body: its opening heading(s), or the title lines at the top
    of a converted cover. Dates, markings and key: value lines are skipped; the cover ends at the
    first body paragraph, subsection, table row, date line or section name."""
    out: list[CoverLine] = []
    mode = None  # "heading": a run of same-level headings; "lines": short lines of any kind
    weak: CoverLine | None = None  # an opening heading that only repeats the file name
    for b in blocks[:limit]:
        t = _clean(b.text)
        if not t:
            continue
        if not out and weak is None and b.kind == "heading" and same_as_filename(t, path):
            weak = CoverLine(t, heading=True, level=b.level)
            continue
        if _FURNITURE.match(t):
            if out:
                # A marking under the title ends it ("Publication reference", "Version 1").
                break
            continue
        if _only_date(t) or (find_date(t) and re.match(r"^(?:date|published|updated|issued)", t, re.I)):
            if out:
                break
            continue
        if _KEY_VALUE.match(t) and not _CHAPTER_LINE.match(t) and len(_words(t)) > 3 and ":" in t[:25]:
            if out:
                break
            continue
        if _block_is_body(b) or _SUBSECTION.match(t) or " | " in t:
            break
        if _norm(t) in _GENERIC_SECTIONS and (b.kind == "heading" or not out or not is_label(t)):
            break  # "Contents", "Foreword": the cover has ended (a part name under a title has not)
        if out and _norm(t).startswith(_norm(" ".join(x.text for x in out))):
            break  # a running head repeating the title
        is_heading = b.kind == "heading"
        if not out and weak is not None and is_heading:
            break  # under a heading made from the file name, a heading starts the first section
        if not out:
            mode = "heading" if is_heading else "lines"
        elif mode == "heading" and (not is_heading or b.level != out[-1].level):
            break
        if len(_words(t)) > 20 or t.endswith("."):
            break
        out.append(CoverLine(t, heading=is_heading, level=b.level))
        if len(out) >= 8:
            break
    return out or ([weak] if weak else [])


def cover_title(lines: Sequence[CoverLine], path: Path | None) -> tuple[str, str] | None:
    """A title from the opening lines of a non-paged document."""
    usable = [ln for ln in lines if not filename_like(ln.text)]
    if not usable:
        return None
    # A chapter line ("Chapter 3 -- Clinical Safety Assurance") names the document on its own.
    for ln in usable:
        if _CHAPTER_LINE.match(ln.text):
            return _tidy_title(ln.text), "chapter-line"
    # A label above the title ("INTERIM REPORT") is dropped; a part named under it ("Executive
    # Summary", "guidance" on a line of its own) belongs to it.
    while len(usable) > 1 and is_label(usable[0].text):
        usable = usable[1:]
    text = join_title_lines([ln.text for ln in usable if not all(w.lower() in _STATUS_WORDS for w in _words(ln.text))]
                            or [usable[0].text])
    text = _strip_trailing_date(text)
    if not text or title_problem(text, path):
        # The joined lines did not make a title; try the opening heading on its own.
        for ln in usable:
            if ln.heading and not title_problem(ln.text, path):
                return _tidy_title(ln.text), "first-heading"
        return None
    source = "first-heading" if len(usable) == 1 and usable[0].heading else "cover-lines"
    return text, source


# What separates a web page's title from its site's name: "Page | Site", "Site » Page", "Page – Site".
_SITE_SEPARATOR = r"\s+[|»·]\s+|\s+[-–—]\s+"


def _title_sides(text: str, *, saved: bool = False) -> list[str]:
    """A page title's parts between site separators; ``saved``: also " _ ", which stands for "|"
    in a file name a browser saved the page under."""
    pattern = _SITE_SEPARATOR + (r"|\s+_\s+" if saved else "")
    return [p.strip() for p in re.split(pattern, text) if p.strip()]


def strip_site_name(title: str, heading: str | None) -> str:
    """"Page - Site" or "Site | Page" -> "Page", using the page's own heading when it has one."""
    t = _clean(title)
    parts = _title_sides(t)
    if len(parts) < 2:
        return t
    if heading:
        h = _norm(heading)
        if _norm(t) == h:
            return t
        for k in range(len(parts), 0, -1):
            if _norm(" ".join(parts[:k])) == h:
                return " – ".join(parts[:k]) if k > 1 else parts[0]
        for k in range(1, len(parts)):
            if _norm(" ".join(parts[k:])) == h:
                return parts[k] if k == len(parts) - 1 else " – ".join(parts[k:])
    if re.search(r"\s\|\s", t):
        # "Page | Site": the site name is the shorter, organisation-like side.
        left, right = t.split(" | ", 1)
        if _publisher_in(right) or len(right) < len(left):
            return left
        return right
    if _publisher_in(parts[-1]) and not _GENRE_NOUN.search(parts[-1]):
        return t[: t.rfind(parts[-1])].rstrip(" -–—|")
    return t


def docx_header_text(data: bytes) -> str:
    """The text of a Word file's page headers (where a chapter file often names its series and year)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = sorted(n for n in z.namelist() if re.match(r"word/header\d*\.xml$", n))
            texts = []
            for n in names[:6]:
                xml = z.read(n)[:200_000].decode("utf-8", "replace")
                xml = re.sub(r"</w:p>", "\n", xml)
                texts.append(re.sub(r"<[^>]+>", "", xml))
    except Exception:
        return ""
    return "\n".join(_clean(line) for t in texts for line in t.splitlines() if _clean(line) and
                     not re.fullmatch(r"(?:PAGE|NUMPAGES|\d+|Page \d+( of \d+)?)", _clean(line)))


# --------------------------------------------------------------------------------- publishers

# Public bodies that publish UK health and parliamentary documents, by the names and web
# addresses they are written under. The first form is the name shown.
_PUBLISHERS: list[tuple[str, tuple[str, ...]]] = [
    ("NHS England", ("NHS England and NHS Improvement", "NHS England & Improvement", "NHS England",
                     "NHSE", "england.nhs.uk")),
    ("NHSX", ("NHSX", "nhsx.nhs.uk")),
    ("NHS Digital", ("NHS Digital", "digital.nhs.uk")),
    ("NHS Improvement", ("NHS Improvement", "improvement.nhs.uk")),
    ("Department of Health and Social Care", ("Department of Health and Social Care", "Department for Health and Social Care",
                                              "DHSC", "Secretary of State for Health and Social Care")),
    ("Department of Health", ("Department of Health(?! and)", "Department of Health Informatics Directorate")),
    ("Health Education England", ("Health Education England", "HEE", "hee.nhs.uk")),
    ("Professional Record Standards Body", ("Professional Record Standards Body", "PRSB", "theprsb.org")),
    ("Royal College of General Practitioners", ("Royal College of General Practitioners", "RCGP")),
    ("British Medical Association", ("British Medical Association", "BMA")),
    ("National Institute for Health and Care Excellence", ("National Institute for Health and Care Excellence", "NICE",
                                                           "nice.org.uk")),
    ("Care Quality Commission", ("Care Quality Commission", "CQC", "cqc.org.uk")),
    ("UK Health Security Agency", ("UK Health Security Agency", "UKHSA")),
    ("Public Health England", ("Public Health England", "PHE")),
    ("Medicines and Healthcare products Regulatory Agency", ("Medicines and Healthcare products Regulatory Agency", "MHRA")),
    ("National Data Guardian", ("National Data Guardian",)),
    ("NHS Confederation", ("NHS Confederation", "nhsconfed.org")),
    ("NHS Providers", ("NHS Providers",)),
    ("The King's Fund", ("The King's Fund", "King’s Fund", "kingsfund.org.uk")),
    ("The Health Foundation", ("The Health Foundation", "health.org.uk")),
    ("Nuffield Trust", ("Nuffield Trust",)),
    ("National Audit Office", ("National Audit Office", "nao.org.uk")),
    ("Scottish Government", ("Scottish Government", "gov.scot")),
    ("Welsh Government", ("Welsh Government", "gov.wales")),
    ("House of Commons", ("House of Commons",)),
    ("House of Lords", ("House of Lords",)),
]
_COMPILED = [(name, re.compile(r"(?<![\w.])(?:" + "|".join(
    (a if "(" in a else re.escape(a)) if not a.isupper() else rf"{re.escape(a)}(?![a-z])" for a in aliases) + r")(?![\w])",
    0 if any(a.isupper() for a in aliases) else re.I)) for name, aliases in _PUBLISHERS]
_COMMITTEE = re.compile(r"\b((?:House of (?:Commons|Lords)\s+)?(?:[A-Z][\w,'’&]*\s+(?:and\s+|&\s+)?){1,8}Committee)\b")


_ORG_WORDS = re.compile(
    r"\b(?:committee|department|ministry|nhs|council|trust|agency|college|university|society|association|board|"
    r"institute|office|service|services|parliament|government|commission|foundation|authority|federation|"
    r"confederation|network|partnership|partners|centre|center|unit|ltd|limited|plc|group|body|england|"
    r"scotland|wales|ireland|fund|charity|programme|directorate|executive)\b", re.I)


def _organisation_like(text: str) -> bool:
    """A body's name rather than a person's: names a known body or uses an organisation word."""
    return bool(_publisher_in(text) or _ORG_WORDS.search(text))


def _publisher_in(text: str) -> str | None:
    for name, rx in _COMPILED:
        if rx.search(text):
            return name
    return None


def _site_name(text: str) -> str | None:
    """The body a web page's title names as its site: "NHS England | Gadget framework …" (saved
    to disk as "NHS England _ Gadget framework …") or "Page – NHSX". Only a side that is a known
    body's name and little else counts."""
    parts = _title_sides(_clean(text), saved=True)
    if len(parts) < 2:
        return None
    for side in (parts[0], parts[-1]):
        found = _count_publishers(side)
        if len(found) == 1:
            name = next(iter(found))
            if len(_words(side)) <= len(_words(name)) + 1:
                return name
    return None


# A letter's close: the lines after "Yours sincerely" name who sends it.
_VALEDICTION = re.compile(r"\byours\s+(?:sincerely|faithfully|truly)\b", re.I)


def _signatory(closing_text: str) -> str | None:
    """The body a letter is sent on behalf of, named in the lines after its valediction."""
    closes = list(_VALEDICTION.finditer(closing_text))
    if not closes:
        return None
    end = closes[-1].end()
    found = _count_publishers(closing_text[end:end + 400])
    return next(iter(found)) if len(found) == 1 else None


def _imprint_lines(text: str) -> str:
    """The lines of a cover that stand for a body rather than mention one: a logo or imprint line
    is mostly a name ("NHS England", "Published by NHSX", "© Crown copyright 2021"), where a
    sentence running across the cover ("... is administered by NHS England and the Office for")
    names a body it is about. A line counts when it has at most four words besides the names in it."""
    kept = []
    for line in text.splitlines():
        found = _count_publishers(line)
        if not found:
            continue
        named = sum(len(_words(name)) * n for name, n in found.items())
        if len(_words(line)) <= named + 4:
            kept.append(line)
    return "\n".join(kept)


# A body's name followed by more capitalised words is the start of a longer name ("NHS Digital
# Health Technology Standard" is a title, not NHS Digital); "NHS England and …" is not.
_NAME_GOES_ON = re.compile(r"[ \t]+(?!(?:and|or|of|for|the|in|on|at|to|by)\b)[A-Z][a-z]")


def _count_publishers(text: str, *, names_in_titles: bool = True) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, rx in _COMPILED:
        if names_in_titles:
            n = len(rx.findall(text))
        else:
            n = sum(1 for m in rx.finditer(text) if not _NAME_GOES_ON.match(text, m.end()))
        if n:
            out[name] = n
    # "NHS England and NHS Improvement" is also counted as NHS Improvement; the longer name wins.
    if "NHS England" in out and "NHS Improvement" in out:
        out["NHS Improvement"] = max(0, out["NHS Improvement"] - out["NHS England"])
    if "Department of Health and Social Care" in out and "Department of Health" in out:
        out.pop("Department of Health", None) if out["Department of Health"] <= out[
            "Department of Health and Social Care"] else None
    return {k: v for k, v in out.items() if v}


# --------------------------------------------------------------------------------- kinds

# (kind, pattern). In a title the match that ends last wins: the head of an English noun phrase
# comes last ("operational planning guidance" is guidance, "Health Plan ... Executive Summary" a plan).
_KIND_PATTERNS: list[tuple[str, re.Pattern[str]]] = [(k, re.compile(p, re.I)) for k, p in [
    ("evidence", r"\b(?:written|oral|supplementary) evidence\b|\bevidence submitted by\b|\bsubmission (?:to|from)\b"),
    ("response", r"\bgovernment(?:'s|’s)? response\b|\bresponse (?:of|from) the government\b|\bresponse to the\b.*\b(?:committee|report|consultation)\b"),
    ("report", r"\b(?:select |joint |public accounts )?committee\b.*\breport\b|\breport\b.*\bcommittee\b|\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))\s+(?:special\s+)?report of session\b"),
    ("standard", r"\b(?:information|data|technical|interoperability|record|technology) standards?\b|\bstandards? for\b|\bstandard\b|\bdata set\b|\bspecification\b"),
    ("guidance", r"\bguidance\b|\bguidelines?\b|\bguide\b|\bmanual\b|\bhandbook\b|\bcodes? of (?:practice|conduct)\b|\bfrequently asked questions\b|\bFAQs?\b|\btoolkit\b|\bhow to\b|\bglossary\b|\bprivacy no(?:tice|te)s?\b|\btemplates?\b|\bplaybook\b|\bmethodology\b|\bbest practice\b"),
    ("plan", r"\bplan\b|\bplanning framework\b|\bstrategy\b|\broadmap\b|\bcommitments\b|\bdelivery plan\b|\bmandate\b"),
    ("survey", r"\bsurvey\b|\bkey findings\b|\bfindings\b|\breports?\b|\bcase stud(?:y|ies)\b|\bevaluation\b|\breview\b|\bresearch\b|\bengagement\b|\binsights?\b|\bstatistics\b|\bboard paper\b|\bpaper type\b|\baudit\b|\bupdate\b"),
    ("news", r"\bpress release\b|\bnews\b|\bblog\b|\bannouncement\b|\bannounces?\b"),
    ("policy", r"\bpolicy paper\b|\bwhite paper\b|\bgreen paper\b|\bvision\b|\bpolicy statement\b|\bconsultation\b|\bprinciples\b"),
]]
# Phrases a document uses of itself ("this report", "these guidelines").
_SELF_REFERENCE = re.compile(
    r"\b(?:this|these|the following|our)\s+(report|survey|guidance|guidelines|guide|plan|strategy|standard|"
    r"framework|manual|notice|paper|evidence|response|review|chapter|document|publication|section of the guidelines)\b",
    re.I)
_SELF_KIND = {"report": "survey", "survey": "survey", "review": None, "guidance": "guidance",
              "guidelines": "guidance", "guide": "guidance", "manual": "guidance", "plan": "plan", "strategy": "plan",
              "standard": "standard", "framework": None, "notice": None, "paper": None, "evidence": "evidence",
              "response": "response", "chapter": None, "document": None, "publication": None,
              "section of the guidelines": "guidance"}


def kind_from_title(title: str) -> str | None:
    best: tuple[int, int, str] | None = None
    for order, (kind, rx) in enumerate(_KIND_PATTERNS):
        for m in rx.finditer(title):
            # Committee reports, evidence and responses are decided by their phrase wherever it is.
            # A response to a report is a response, evidence to an inquiry is evidence.
            priority = {"response": 3, "evidence": 2, "report": 1}.get(kind, 0)
            key = (priority, m.end(), kind)
            if best is None or key[:2] > best[:2]:
                best = key
    return best[2] if best else None


# Wording that, used often, marks a kind in the body of a document (per 1,000 words).
_BODY_SIGNALS: dict[str, list[tuple[re.Pattern[str], float]]] = {
    "guidance": [(re.compile(r"\bguid(?:ance|elines?)\b|\bcodes? of practice\b|\b(?:good|best) practice\b", re.I), 1.0),
                 (re.compile(r"\bshould\b", re.I), 0.5)],
    "survey": [(re.compile(r"\bsurvey(?:ed)?\b|\brespondents?\b|\bfindings\b|\bparticipants\b|\bcase stud(?:y|ies)\b|"
                           r"\binterviewees?\b|\bwe heard\b", re.I), 1.5)],
    "plan": [(re.compile(r"\bwe will\b|\bwe are committed to\b|\bby (?:the end of )?(?:19|20)\d\d\b", re.I), 1.0)],
    "news": [(re.compile(r"\bpress release\b|\bannounced today\b|\bsaid today\b", re.I), 3.0)],
}


def kind_from_text(text: str) -> tuple[str, str] | None:
    """(kind, how) from the wording of the whole text: committee phrases first, then the kind
    whose wording is clearly densest."""
    head = text[:3000]
    for kind in ("evidence", "response"):
        if dict(_KIND_PATTERNS)[kind].search(head):
            return kind, "wording"
    if re.search(r"\bHouse of (?:Commons|Lords)\b", head) and re.search(r"\bCommittee\b", head) and \
            re.search(r"\breport\b", head, re.I):
        return "report", "wording"
    body = text[:100_000]
    n_words = max(len(body.split()), 1)
    votes: dict[str, float] = {}
    for kind, signals in _BODY_SIGNALS.items():
        votes[kind] = sum(len(rx.findall(body)) * w for rx, w in signals) * 1000 / n_words
    for m in _SELF_REFERENCE.finditer(body):
        k = _SELF_KIND.get(m.group(1).lower())
        if k in votes:
            votes[k] += 2.0
    ranked = sorted(votes.items(), key=lambda kv: -kv[1])
    if ranked[0][1] >= 1.5 and ranked[0][1] >= 1.3 * ranked[1][1]:
        return ranked[0][0], "wording"
    return None


def kind_from_structure(fmt: str, data: bytes | None, blocks: Sequence[Block]) -> tuple[str, str] | None:
    texts = [b.text for b in blocks[:400]]
    if fmt == "json" and data is not None and _json_is_data_set(data):
        return "standard", "structure:data-set"
    opening = " ".join(texts[:12])
    if re.search(r"(?:^|\s)Dear\s+\w+", opening) and re.search(r"\bYours (?:sincerely|faithfully)\b", " ".join(texts), re.I):
        return "other", "structure:letter"
    # Bracketed instructions to the reader ("[delete as appropriate]", "[insert name]"): a template.
    if len(re.findall(r"\[(?:delete|insert|add|enter|include|amend|name of|if so|is there)\b[^\]]{0,120}\]",
                      " ".join(texts), re.I)) >= 2:
        return "guidance", "structure:template"
    # A board or committee paper's cover sheet: "Agenda item: 5", "Paper type: For information".
    sheet = sum(1 for t in texts[:15] if re.match(r"^(?:agenda item|paper type|report by|presented by|"
                                                  r"purpose of (?:the )?paper|meeting date|board meeting)\s*:", t, re.I))
    if sheet >= 2:
        return "survey", "structure:board-paper"
    paragraphs = [t for t in texts if len(_words(t)) > 6]
    we_will = sum(1 for t in paragraphs if re.match(r"^(?:[•*-]\s*)?We will\b", t))
    if we_will >= 5 and we_will >= 0.3 * len(paragraphs):
        return "plan", "structure:commitments"
    return None


def _json_is_data_set(data: bytes) -> bool:
    """A JSON export of an information standard: nested named elements with cardinality,
    value sets or concept definitions."""
    head = data[:200_000].decode("utf-8", "replace")
    keys = set(re.findall(r'"(\w+)"\s*:', head))
    markers = {"concept", "dataset", "minimumMultiplicity", "maximumMultiplicity", "cardinality", "valueSet",
               "valueDomain", "element", "elements", "dataElement", "StructureDefinition", "archetype"}
    if len(keys & markers) >= 2:
        return True
    try:
        parsed = json.loads(data)
    except Exception:
        return False
    return isinstance(parsed, dict) and parsed.get("resourceType") in ("StructureDefinition", "ValueSet", "CodeSystem")


# --------------------------------------------------------------------------------- the inference

@dataclass
class InferredMetadata:
    """What the document says about itself, and where each value was read."""

    title: str | None = None
    date: str | None = None
    publisher: str | None = None
    kind: str | None = None
    sources: dict[str, str] = field(default_factory=dict)  # field -> where it was read
    rejected: dict[str, str] = field(default_factory=dict)  # field -> candidate refused and why

    def reject(self, key: str, what: str) -> None:
        self.rejected[key] = f"{self.rejected[key]}; {what}" if key in self.rejected else what


def _metadata_source(fmt: str) -> str:
    return {"pdf": "pdf-info", "docx": "docx-core", "html": "html-meta", "markdown": "front-matter",
            "json": "json-name", "text": "first-line"}.get(fmt, f"{fmt}-metadata")


def _first_pages_text(blocks: Sequence[Block], fmt: str, n_blocks: int = 60) -> str:
    if fmt == "pdf":
        chosen = [b.text for b in blocks if (b.page_index or 0) <= 2][:n_blocks * 2]
    else:
        chosen = [b.text for b in blocks[:n_blocks]]
    return "\n".join(chosen)


def infer(path: Path, fmt: str, blocks: Sequence[Block], raw: dict[str, Any], data: bytes | None = None,
          *, today: date | None = None) -> InferredMetadata:
    """Infer title, date, publisher and kind for one loaded document.

    ``raw`` is the loader's metadata (title, date, kind, publisher, author, description ...);
    ``data`` the file's bytes, used for PDF font sizes and Word page headers."""
    path = Path(path)
    out = InferredMetadata()
    pdf_pages = pdf_cover_lines(data) if fmt == "pdf" and data else []
    header = docx_header_text(data) if fmt == "docx" and data else ""
    cover = block_cover(blocks, path) if fmt != "pdf" else []
    first_text = _first_pages_text(blocks, fmt)
    cover_text = "\n".join(ln.text for page in pdf_pages for ln in page) if fmt == "pdf" else \
        "\n".join(b.text for b in blocks[:15])

    _infer_title(out, path, fmt, blocks, raw, pdf_pages, cover, first_text)
    _infer_date(out, path, fmt, raw, pdf_pages, blocks, header, today)
    closing_text = "\n".join(b.text for b in blocks[-12:])
    _infer_publisher(out, path, fmt, raw, pdf_pages, cover_text, first_text, header, closing_text)
    _infer_kind(out, fmt, raw, data, blocks, cover_text, first_text, header)
    return out


def _infer_title(out: InferredMetadata, path: Path, fmt: str, blocks: Sequence[Block], raw: dict[str, Any],
                 pdf_pages: list[list[CoverLine]], cover: list[CoverLine], first_text: str) -> None:
    meta_title = _clean(raw.get("title") or "") or None
    src = _metadata_source(fmt)
    first_heading = next((b.text for b in blocks[:20] if b.kind == "heading"), None)
    if meta_title and fmt == "html":
        meta_title = strip_site_name(meta_title, first_heading)
        src = "html-title"
    if meta_title and fmt == "pdf":
        # A site name after a printed web page's title ("Page - Site") is not part of it.
        meta_title = strip_site_name(meta_title, None)
    strict = fmt in ("pdf", "docx")
    problem = title_problem(meta_title, path, metadata=strict) if meta_title else "none"
    if meta_title and problem:
        out.reject("title", f"{src} {meta_title!r}: {problem}")
    visible: tuple[str, str] | None = None
    if fmt == "pdf":
        visible = pdf_title(pdf_pages)
    else:
        visible = cover_title(cover, path)
        if visible is None and first_heading and not title_problem(first_heading, path):
            visible = (_tidy_title(first_heading), "first-heading")
    # Authoring tools carry a title over from the file a document was copied from; such a title
    # contradicts the one printed on the document, and the printed one wins.
    confirmed = bool(meta_title) and not problem and (
        not strict or visible is None or titles_agree(meta_title, visible[0])
        or _norm(meta_title) in _norm(first_text[:20000]))
    if meta_title and not problem and strict and not confirmed:
        out.reject("title", f"{src} {meta_title!r}: contradicts the title on the document, {visible[0]!r}"
                   if visible else f"{src} {meta_title!r}: not found in the document's opening pages")
    if meta_title and not problem and visible and same_as_filename(meta_title, path) \
            and not same_as_filename(visible[0], path):
        out.reject("title", f"{src} {meta_title!r}: only repeats the file name")
        problem = "only repeats the file name"
        confirmed = False
    weak_visible = visible is not None and visible[1] in ("cover-first-line",)
    if confirmed or (meta_title and not problem and (not strict or weak_visible or visible is None)):
        out.title, out.sources["title"] = _tidy_title(meta_title), src
    elif visible:
        out.title, out.sources["title"] = visible
    elif meta_title and not problem:
        out.title, out.sources["title"] = _tidy_title(meta_title), src
    else:
        out.title, out.sources["title"] = title_from_filename(path), "file-name"
    # "Organisation | Title" on a cover: the organisation is the publisher, not part of the title.
    m = re.match(r"^(.{2,60}?)\s+\|\s+(.+)$", out.title or "")
    if m and _publisher_in(m.group(1)) and not _publisher_in(m.group(2)):
        out.publisher, out.sources["publisher"] = _publisher_in(m.group(1)), "title-prefix"
        out.title = m.group(2)


def _infer_date(out: InferredMetadata, path: Path, fmt: str, raw: dict[str, Any], pdf_pages: list[list[CoverLine]],
                blocks: Sequence[Block], header: str, today: date | None) -> None:
    candidates: list[tuple[str, str, str]] = []  # (value, source, what was read)
    meta_date = normalise_date(raw.get("date")) if raw.get("date") else None
    if raw.get("date") and not meta_date:
        out.reject("date", f"{_metadata_source(fmt)} {raw.get('date')!r}: not a date")
    if meta_date:
        candidates.append((meta_date, _metadata_source(fmt) if fmt != "markdown" else "front-matter", str(raw.get("date"))))
    if fmt != "json":  # a data set's descriptions are revision notes, not a publication line
        if fmt == "pdf":
            lines = [ln.text for page in pdf_pages for ln in page]
            lines += [b.text for b in blocks if (b.page_index or 0) <= 1]
        else:
            lines = [b.text for b in blocks[:40]]
        published = []
        updated = []
        for t in lines:
            m = re.search(r"\b(?:date\s+published|first\s+published|publication\s+date|date\s+of\s+publication|"
                          r"published(?:\s+on)?|issued(?:\s+on)?|date\s+issued)\s*[:\-]?\s*(.{4,40})", t, re.I)
            if m:
                found = find_date(m.group(1))
                if found:
                    published.append((found.value, "published-line", _clean(m.group(0))[:80]))
                    continue
            m = re.search(r"\b(?:updated(?:\s+on)?|last\s+updated|revised(?:\s+on)?)\s*[:\-]?\s*(.{4,40})", t, re.I)
            if m:
                found = find_date(m.group(1))
                if found:
                    updated.append((found.value, "updated-line", _clean(m.group(0))[:80]))
        candidates += published
        for h in header.splitlines():
            found = find_date(h)
            m = re.search(r"\((?:19|20)\d{2}\)|(?:19|20)\d{2}$", h) if not found else None
            if found:
                candidates.append((found.value, "docx-header", h[:80]))
            elif m:
                candidates.append((re.sub(r"\D", "", m.group(0)), "docx-header", h[:80]))
        cover_lines = [ln.text for page in pdf_pages for ln in page] if fmt == "pdf" else \
            [b.text for b in blocks[:15] if len(_words(b.text)) <= 14]
        for t in cover_lines:
            if len(_words(t)) <= 14:
                found = find_date(t)
                if found and not re.search(r"\b(?:by|until|from|before|after|since|between|in)\s+(?:the\s+end\s+of\s+)?"
                                           + re.escape(found.text), t, re.I):
                    candidates.append((found.value, "first-page-line", t[:80]))
        candidates += updated
    fn = date_from_filename(path)
    title = out.title or ""
    fy = financial_year(title)
    fn_is_year_span = bool(fn and "/" in fn.text)
    if fn and fn.value and not (fy and fn_is_year_span):
        candidates.append((fn.value, "file-name", fn.text))
    if fy:
        # A year's plan or guidance comes out before or as the year starts; an annual report
        # on a year comes out after it ends.
        retrospective = re.search(r"\b(?:annual|impact|year in review|accounts)\b", title, re.I)
        year = fy[1] if retrospective else fy[0]
        candidates.append((str(year), "title-financial-year", f"{fy[0]}/{str(fy[1])[2:]}"))
    for value, source, text in candidates:
        problem = check_date(value, today)
        if problem:
            out.reject("date", f"{source} {text!r}: {problem}")
            continue
        out.date, out.sources["date"] = value, source
        return


def _infer_publisher(out: InferredMetadata, path: Path, fmt: str, raw: dict[str, Any], pdf_pages: list[list[CoverLine]],
                     cover_text: str, first_text: str, header: str, closing_text: str = "") -> None:
    if out.publisher:
        return
    explicit = raw.get("publisher")
    if fmt == "docx" and explicit == raw.get("author") and not _organisation_like(str(explicit)):
        explicit = None  # Word's "author" is usually the person who saved the file, not the publisher
    if explicit and _clean(str(explicit)):
        out.publisher, out.sources["publisher"] = _clean(str(explicit)), _metadata_source(fmt)
        return
    m = re.search(r"\b(?:published|produced|issued)\s+by\s*:?\s+(?:the\s+)?([A-Z][\w&,'’ -]{2,80}?)(?:[.,;\n(]|$)",
                  cover_text + "\n" + first_text[:5000])
    if m:
        name = _publisher_in(m.group(1)) or _clean(m.group(1))
        if len(_words(name)) <= 10:
            out.publisher, out.sources["publisher"] = name, "published-by-line"
            return
    # A web page printed to PDF starts with the site's name linked to its home page.
    m = re.match(r"^\s*([A-Z][^()\n>]{2,80}?)\s*\(https?://[^/\s)]+/?\)", first_text)
    if m:
        out.publisher, out.sources["publisher"] = _clean(m.group(1)), "site-home-link"
        return
    m = re.search(r"^(?:.*\n){0,5}?.*?(House of (?:Commons|Lords)\s+[\w ,'’&]*?Committee)\b", cover_text)
    if m:
        out.publisher, out.sources["publisher"] = _clean(m.group(1)), "cover-committee"
        return
    site = _site_name(str(raw.get("title") or "")) or _site_name(path.stem)
    if site:
        out.publisher, out.sources["publisher"] = site, "site-name-in-title"
        return
    sender = _signatory(closing_text)
    if sender:
        out.publisher, out.sources["publisher"] = sender, "letter-signature"
        return
    scores: dict[str, float] = {}
    imprint = _imprint_lines(cover_text[:3000])
    for name, n in _count_publishers(imprint, names_in_titles=False).items():
        scores[name] = scores.get(name, 0) + 3 * min(n, 2)
    in_text = _count_publishers(first_text[:15000])
    for name, n in in_text.items():
        # A body the document speaks of throughout (five times or more, twice as often as any
        # other) is taken for its author, as a reader would; fewer mentions only support a cover.
        others = max((m for other, m in in_text.items() if other != name), default=0)
        scores[name] = scores.get(name, 0) + min(n, 3) + (1 if n >= 5 and n >= 2 * others else 0)
    for name, n in _count_publishers(re.sub(r"[_]+", " ", path.stem)).items():
        scores[name] = scores.get(name, 0) + 3
    author = raw.get("author")
    if author:
        for name in _count_publishers(str(author)):
            scores[name] = scores.get(name, 0) + 3
    if not scores:
        return
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    name, score = ranked[0]
    if score >= 4 and (len(ranked) == 1 or score > ranked[1][1]):
        out.publisher, out.sources["publisher"] = name, "named-on-cover" if name in _count_publishers(imprint, names_in_titles=False) \
            else "named-in-text"


def _infer_kind(out: InferredMetadata, fmt: str, raw: dict[str, Any], data: bytes | None, blocks: Sequence[Block],
                cover_text: str, first_text: str, header: str) -> None:
    k = normalise_kind(raw.get("kind")) if raw.get("kind") else None
    if raw.get("kind") and not k:
        out.reject("kind", f"{_metadata_source(fmt)} {raw.get('kind')!r}: not a kind this product knows")
    if k:
        out.kind, out.sources["kind"] = k, _metadata_source(fmt)
        return
    title = out.title or ""
    # Committee papers, evidence and responses say so in their title or on their cover.
    strong = kind_from_text(cover_text[:3000])
    if strong and strong[0] in ("evidence", "response", "report"):
        out.kind, out.sources["kind"] = strong[0], "cover-wording"
        return
    structural = kind_from_structure(fmt, data, blocks)
    if structural and structural[1] in ("structure:data-set", "structure:letter", "structure:template"):
        out.kind, out.sources["kind"] = structural
        return
    k = kind_from_title(title)
    if k:
        out.kind, out.sources["kind"] = k, "title-wording"
        return
    if structural:
        out.kind, out.sources["kind"] = structural
        return
    labels = "\n".join(line for line in cover_text.splitlines()[:40] if is_label(line))
    for text, source in ((header, "header-wording"), (str(raw.get("description") or ""), "description-wording"),
                         (labels, "cover-label")):
        k = kind_from_title(text) if text else None
        if k:
            out.kind, out.sources["kind"] = k, source
            return
    found = kind_from_text("\n".join(b.text for b in blocks))
    if found:
        out.kind, out.sources["kind"] = found[0], "text-wording"
        return
    out.kind, out.sources["kind"] = "other", "default"
