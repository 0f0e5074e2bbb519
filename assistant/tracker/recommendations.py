"""Recommendations, responses and commitments read from the documents themselves.

Committee staff follow what a Committee recommended, what the Government replied, and what it
undertook to do and by when. This module reads that from loaded documents (``evidence_ingest.load``):

- ``extract_recommendations`` finds a report's numbered conclusions and recommendations: the
  items of a "Conclusions and recommendations" section (numbered in the text, or one list item
  each), or else body paragraphs marked as recommendations ("Recommendation 3: ...",
  "We recommend ..."), with any deadline they set ("by March 2024", "within six months").
- ``match_response`` finds, in a government response, the quotation of each recommendation
  (by its number where the response gives one, by its wording otherwise, so replies out of
  order, replies to several recommendations together and inexact quotations are matched where
  the text allows), and classifies each reply as accepted, partly accepted, not accepted, noted
  or not addressed, citing the sentence that decides it. A recommendation that cannot be matched
  is reported as "not matched" with the reason; nothing is guessed.
- ``propose_commitments`` lists the undertakings a response or policy document makes ("we will
  ... by March 2026"), with owner and deadline where stated, for a maintainer to confirm before
  they enter the registry.

It is a pure layer over loaded documents: nothing here reads an index or calls a model.
"""
from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Sequence

from evidence_assistant.core.errors import EvidenceError
from evidence_assistant.core.types import Block, SourceDocument

__all__ = [
    "Recommendation", "Citation", "Reply", "RecommendationMatch", "ResponseAnalysis", "ProposedCommitment",
    "STANCES", "load_document", "extract_recommendations", "find_deadline", "classify_reply", "match_response",
    "analyse_folder", "propose_commitments", "within_two_months", "response_received_date", "find_deadlines",
    "parse_date", "load_or_error",
]

STANCES = ("accepted", "partly accepted", "not accepted", "noted", "not addressed")

# --- Small text helpers -------------------------------------------------------------------------

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_SEASON = r"(?:spring|summer|autumn|winter|Spring|Summer|Autumn|Winter)"
_NUMBER_WORDS = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|twenty-four|\d{1,3})"
_YEAR = r"(?:19|20)\d{2}(?:\s*(?:/|to|-|–)\s*(?:19|20)?\d{2})?"

# Deadlines as documents state them. Order matters only for overlapping phrases; every match is kept.
_DEADLINE_RES = [
    re.compile(rf"\b(?:by|before|no later than|not later than|until)\s+(?:the\s+)?(?:end|start|beginning|middle|close)\s+of\s+"
               rf"(?:{_MONTH}\s+|{_SEASON}\s+|the\s+(?:financial\s+|calendar\s+)?year\s+)?(?:{_YEAR}|this (?:year|Parliament|decade))"),
    re.compile(rf"\b(?:by|before|no later than|not later than|from|in)\s+(?:\d{{1,2}}\s+)?{_MONTH}\s+{_YEAR}"),
    re.compile(rf"\b(?:by|before|no later than|from|in)\s+(?:the\s+)?{_SEASON}\s+(?:of\s+)?{_YEAR}"),
    re.compile(rf"\b(?:by|before|no later than|not later than)\s+{_YEAR}\b"),
    re.compile(rf"\bwithin\s+(?:the\s+next\s+)?{_NUMBER_WORDS}\s+(?:days?|weeks?|months?|years?)(?:\s+of\s+[a-z][\w' -]{{0,40}}?(?=[,.;]|\s+(?:and|so|to)\b|$))?"),
    re.compile(rf"\b(?:over|in)\s+the\s+next\s+{_NUMBER_WORDS}\s+(?:months|years)\b"),
    re.compile(r"\bby\s+the\s+end\s+of\s+(?:the|this)\s+(?:year|Parliament|spending review period|decade)\b"),
    # A bare date in brackets after an undertaking ("... health information (November 2022)");
    # "(completed May 2022)" is a progress note, not a deadline, and does not match.
    re.compile(rf"(?<=\()(?:\d{{1,2}}\s+)?{_MONTH}\s+(?:19|20)\d{{2}}(?=\))"),
    re.compile(r"\bin\s+(?:19|20)\d{2}\s+to\s+(?:19|20)\d{2}\b"),
    re.compile(r"\bwithin\s+the\s+lifetime\s+of\s+this\s+(?:Plan|plan|Parliament|strategy)\b"),
]


def find_deadline(text: str) -> str | None:
    """The deadline a sentence or paragraph sets, as worded ("by March 2024", "within six months
    of this report"), or None. Where several are stated, the first in the text."""
    hits = find_deadlines(text)
    return hits[0] if hits else None


def find_deadlines(text: str) -> list[str]:
    spans: list[tuple[int, int]] = []
    for rx in _DEADLINE_RES:
        for m in rx.finditer(text):
            if not any(a <= m.start() < b or m.start() <= a < m.end() for a, b in spans):
                spans.append((m.start(), m.end()))
    return [text[a:b].strip() for a, b in sorted(spans)]


def _norm(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


def _sentences(text: str) -> list[tuple[int, int]]:
    from evidence_assistant.core.text import sentence_spans

    return sentence_spans(text)


def _similarity(a: str, b: str) -> float:
    """How closely the text ``a`` quotes ``b`` (0-100): the better of a whole-text comparison and
    the best alignment of the shorter text inside the longer one."""
    from rapidfuzz import fuzz

    a, b = _norm(a).lower(), _norm(b).lower()
    if not a or not b:
        return 0.0
    whole = fuzz.token_sort_ratio(a, b)
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    part = fuzz.partial_ratio(short, long_) if len(short) >= 40 else 0.0
    # A short fragment found inside a long text is weaker evidence than a full quotation.
    cover = len(short) / max(len(long_), 1)
    return max(whole, part * min(1.0, 0.6 + cover))


def parse_date(text: str | None) -> date | None:
    """A date from "2023-06-30", "30 June 2023" or "June 2023" (first of the month)."""
    if not text:
        return None
    text = text.strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", text)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
    m = re.fullmatch(rf"(?:(\d{{1,2}})\s+)?({_MONTH})\s+(\d{{4}})", text)
    if m:
        return date(int(m.group(3)), _MONTHS.index(m.group(2).lower()) + 1, int(m.group(1) or 1))
    return None


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    y, m = d.year + y, m + 1
    return date(y, m, min(d.day, monthrange(y, m)[1]))


# --- Loading ------------------------------------------------------------------------------------

@dataclass
class Loaded:
    document: SourceDocument
    blocks: list[Block]

    @property
    def label(self) -> str:
        return Path(self.document.path).name


def load_document(path: str | Path) -> Loaded:
    """Load one file with the product's loaders; a file that cannot be read raises the loader's
    error, which names the file and the fix."""
    from evidence_ingest.load import load_file

    loaded = load_file(Path(path))
    return Loaded(loaded.document, list(loaded.blocks))


# --- Recommendations ----------------------------------------------------------------------------

@dataclass
class Recommendation:
    """One numbered conclusion or recommendation of a report."""

    number: str
    text: str
    kind: str  # "recommendation" (asks for something) or "conclusion"
    report: str  # file name of the report
    report_title: str
    report_date: str | None
    page: str | None
    paragraph: str | None  # the item's own paragraph number, where the document gives one
    body_paragraphs: list[str] = field(default_factory=list)  # "(Paragraph 12)" references
    section: str | None = None
    deadline: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_SECTION_RE = re.compile(r"(?:\d+(?:\.\d+)*\.?\s+)?(?:summary of |list of )?(?:(?:our |the committee's )?conclusions\s+and\s+"
                         r"recommendations|recommendations(?:\s+and\s+conclusions)?)\s*", re.I)
_ASKS_RE = re.compile(r"\b(?:we recommend|recommendation\s*:|recommend that|should|must|we urge|we call on|we ask|"
                      r"we expect|needs? to|is urged to)\b", re.I)
_PARA_REF_RE = re.compile(r"\((?:Paragraphs?|Paras?\.?)\s+([\d][\d,\s–\-andto]*)\)", re.I)
_LEADING_NUMBER_RE = re.compile(r"^\s*(\d{1,3})\.\s+")
_BODY_MARK_RE = re.compile(r"^\s*(?:Recommendation\s*(\d{1,3})?\s*[:.\-–]|We recommend\b)", re.I)


def _para_refs(text: str) -> list[str]:
    out: list[str] = []
    for m in _PARA_REF_RE.finditer(text):
        out.extend(re.findall(r"\d+", m.group(1)))
    return out


def _in_section(block: Block) -> str | None:
    for h in reversed(block.heading_path):
        if _SECTION_RE.fullmatch(h.strip()):
            return h
    return None


def extract_recommendations(doc: Loaded) -> list[Recommendation]:
    """The numbered conclusions and recommendations of a report, in order.

    Read from a "Conclusions and recommendations" section where the report has one: each item is
    a numbered paragraph ("3. ...") or, in a list without numbers in its text, one list item; an
    unnumbered paragraph after a numbered one belongs to it (a "Recommendation: ..." line under a
    conclusion). Without such a section, body paragraphs marked "Recommendation N:" or opening
    "We recommend" are taken. A report with neither gives an empty list.
    """
    items = _from_section(doc) or _from_body(doc)
    return items


def _make(doc: Loaded, number: str, parts: list[Block], section: str | None) -> Recommendation:
    text = _norm(" ".join(b.text for b in parts))
    text = _LEADING_NUMBER_RE.sub("", text, count=1)
    kind = "recommendation" if _ASKS_RE.search(text) else "conclusion"
    return Recommendation(number=number, text=text, kind=kind, report=doc.label, report_title=doc.document.title,
                          report_date=doc.document.date, page=parts[0].page, paragraph=parts[0].paragraph,
                          body_paragraphs=_para_refs(text), section=section, deadline=find_deadline(text))


def _from_section(doc: Loaded) -> list[Recommendation]:
    blocks = [b for b in doc.blocks if b.kind == "paragraph" and _in_section(b)]
    if not blocks:
        return []
    numbered = [b for b in blocks if _LEADING_NUMBER_RE.match(b.text)]
    groups: list[tuple[str, list[Block]]] = []
    if numbered:
        for b in blocks:
            m = _LEADING_NUMBER_RE.match(b.text)
            if m:
                groups.append((m.group(1), [b]))
            elif groups:
                groups[-1][1].append(b)
    else:
        groups = [(str(i), [b]) for i, b in enumerate(blocks, start=1)]
    return [_make(doc, n, parts, _in_section(parts[0])) for n, parts in groups]


def _from_body(doc: Loaded) -> list[Recommendation]:
    out: list[Recommendation] = []
    for b in doc.blocks:
        if b.kind != "paragraph":
            continue
        body = _LEADING_NUMBER_RE.sub("", b.text, count=1)
        m = _BODY_MARK_RE.match(body)
        if not m:
            continue
        number = m.group(1) or str(len(out) + 1)
        rec = _make(doc, number, [b], None)
        rec.text = _norm(body)
        out.append(rec)
    return out


# --- Replies ------------------------------------------------------------------------------------

@dataclass
class Citation:
    document: str  # file name
    title: str
    page: str | None
    paragraph: str | None
    quote: str  # exact text of the document (after loading)


@dataclass
class Reply:
    """One reply of a response: the quotations it answers and its own text."""

    quoted: list[str]  # the quotations, as the response gives them
    labels: list[str]  # recommendation numbers the response names for them
    text: str
    sentences: list[Citation]
    matched: list[str] = field(default_factory=list)  # recommendation numbers matched
    notes: list[str] = field(default_factory=list)
    stance: str = "not addressed"
    decisive: Citation | None = None


@dataclass
class RecommendationMatch:
    recommendation: Recommendation
    status: str  # "matched" or "not matched"
    stance: str | None = None
    decisive: Citation | None = None
    method: str | None = None  # "number and wording", "wording", "number"
    score: float | None = None
    answered_with: list[str] = field(default_factory=list)  # other recommendations answered in the same reply
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return d


@dataclass
class ResponseAnalysis:
    report: str
    report_title: str
    report_date: str | None
    response: str
    response_title: str
    response_date: str | None  # the date used for the two-month check
    response_date_basis: str  # "received (stated in the response)" or "document date"
    within_two_months: bool | None
    matches: list[RecommendationMatch]
    unmatched_replies: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# Stance phrases. Checked in this order: a partial or negative phrase contains the positive one.
_PARTLY = re.compile(r"\b(?:accept|agree|support)s?\b[^.]{0,60}\b(?:in part|partly|partially|in principle)\b|"
                     r"\b(?:partly|partially)\s+(?:accept|agree|support)s?\b|\baccepts? (?:part|elements|aspects) of\b", re.I)
_NOT = re.compile(r"\b(?:does not|do not|did not|cannot|can ?not|is unable to|are unable to|not able to|will not)\s+"
                  r"(?:accept|agree|support|take forward|implement)\b|\b(?:rejects?|disagrees?)\b"
                  r"|\bnot accepted\b", re.I)
_ACCEPT = re.compile(r"\b(?:accepts?|agrees? with|supports?|welcomes? and accepts?)\b[^.]{0,40}\b(?:recommendations?|committee|conclusion)\b|"
                     r"\b(?:we|the government|the department)\s+(?:fully\s+)?(?:accept|agree)s?\b|\brecommendation is accepted\b", re.I)
_NOTED = re.compile(r"\b(?:notes?|acknowledges?|has noted|have noted|takes? note of)\b[^.]{0,40}\b(?:recommendations?|committee|conclusion|concern)s?\b", re.I)


def classify_reply(sentences: Sequence[str]) -> tuple[str, int | None]:
    """The stance a reply takes and the index of the sentence that decides it; ("not addressed",
    None) when no sentence states a position. The first sentence that states one decides."""
    for i, s in enumerate(sentences):
        for stance, rx in (("partly accepted", _PARTLY), ("not accepted", _NOT), ("accepted", _ACCEPT), ("noted", _NOTED)):
            if rx.search(s):
                return stance, i
    return "not addressed", None


_LABEL_RE = re.compile(r"^\s*(?:\*\*)?\s*(?:(?:PAC\s+)?(?:conclusions?\s+and\s+)?recommendations?|Rec\.?)\s+"
                       r"(\d{1,3}(?:\s*(?:,|and|&|to|-|–)\s*\d{1,3})*)\s*[:.\-–)]?\s*", re.I)
_GROUP_IN_REPLY_RE = re.compile(r"\brecommendations\s+(\d{1,3}(?:\s*(?:,|and|&|to|-|–)\s*\d{1,3})+)", re.I)
_PARA_MARK_RE = re.compile(r"(?:(?<=^)|(?<=[\s)]))(\d{1,3}(?:\.\d{1,3})?)\.?\s+(?=[A-Z])")


def _numbers(spec: str) -> list[str]:
    nums = [int(x) for x in re.findall(r"\d+", spec)]
    if re.search(r"\d\s*(?:to|-|–)\s*\d", spec) and len(nums) == 2 and nums[0] < nums[1] <= nums[0] + 50:
        return [str(n) for n in range(nums[0], nums[1] + 1)]
    return [str(n) for n in nums]


@dataclass
class _Unit:
    text: str
    page: str | None
    paragraph: str | None
    first: bool = False  # first sentence of its block
    heading: bool = False


def _units(doc: Loaded) -> list[_Unit]:
    """The response's sentences with the page and paragraph each lies in. Paragraph numbers that
    a PDF loader ran into a quotation ("...(Paragraph 6) 4. The Government accepts") are recovered
    when they continue the document's numbering."""
    units: list[_Unit] = []
    last = 0
    for b in doc.blocks:
        if b.kind != "paragraph":
            units.append(_Unit(b.text, b.page, None, True, True))
            continue
        current = b.paragraph
        first = True
        if current and current.isdigit():
            last = int(current)
        text = b.text
        # A paragraph reference closing a quotation also closes its sentence.
        text = _PARA_REF_RE.sub(lambda m: m.group(0) + "\n\n", text)
        for part in text.split("\n\n"):
            for a, z in _sentences(part):
                s = part[a:z].strip()
                m = re.match(r"^(\d{1,3})\.\s+(?=\S)", s)
                if m and int(m.group(1)) == last + 1:
                    last += 1
                    current = m.group(1)
                if s:
                    units.append(_Unit(s, b.page, current, first))
                    first = False
            # Text after a paragraph reference: look for the next paragraph number at its start.
            tail = part.strip()
            if _PARA_REF_RE.search(tail) and tail.endswith(")"):
                current = None
    # Sentences like "4." alone (a number split from its text) carry no words.
    return [u for u in units if u.heading or not re.fullmatch(r"\(?\d{1,3}\.?\)?", u.text)]


def _unnumbered(text: str) -> str:
    """A sentence without the paragraph number it opens with; what is left is still exact text."""
    return re.sub(r"^\d{1,3}(?:\.\d{1,3})?\.?\s+(?=\S)", "", text, count=1)


def _strip_marks(text: str) -> str:
    text = _LABEL_RE.sub("", text, count=1)
    text = re.sub(r"^\s*\d{1,3}\.\s+", "", text)
    return _PARA_REF_RE.sub("", text).strip()


def _best(text: str, recs: Sequence[Recommendation]) -> list[tuple[float, Recommendation]]:
    return sorted(((_similarity(text, r.text), r) for r in recs), key=lambda x: -x[0])


QUOTE_THRESHOLD = 80.0  # a sentence this close to a recommendation is taken as quoting it
WORDING_MARGIN = 8.0  # and it must be clearly closer to it than to any other


def _segment(doc: Loaded, recs: Sequence[Recommendation]) -> list[Reply]:
    """Split a response into replies: runs of quotation sentences followed by reply sentences."""
    replies: list[Reply] = []
    current: Reply | None = None
    in_quote = False
    quote_buf: list[str] = []
    pending: str | None = None  # "Recommendation 4" standing alone, above the quotation it numbers
    for u in _units(doc):
        label = _LABEL_RE.match(u.text)
        body = _strip_marks(u.text)
        if label and len(body) < 3:
            pending = label.group(1)
            in_quote = False
            continue
        scored = _best(body, recs) if body else []
        top = scored[0][0] if scored else 0.0
        is_quote_start = bool(label) or (top >= QUOTE_THRESHOLD and len(body) >= 30)
        if u.heading and not is_quote_start:
            # Converters often turn a bold quotation into a heading; any other heading is skipped.
            in_quote = False
            continue
        continues = in_quote and quote_buf and (not body or (scored and _similarity(body, _quote_target(quote_buf[-1], recs)) >= QUOTE_THRESHOLD))
        if is_quote_start and not continues:
            if current is None or current.sentences:  # a reply ended: start a new one
                current = Reply(quoted=[], labels=[], text="", sentences=[])
                replies.append(current)
            current.quoted.append(u.text)
            spec = label.group(1) if label else pending
            current.labels.append(spec or "")
            pending = None
            quote_buf = [u.text]
            in_quote = True
        elif continues and current is not None:
            current.quoted[-1] = current.quoted[-1] + " " + u.text
            quote_buf.append(current.quoted[-1])
        else:
            in_quote = False
            if pending is not None:  # a number with no quotation under it: the reply is to that number
                current = Reply(quoted=[f"Recommendation {pending}"], labels=[pending], text="", sentences=[])
                replies.append(current)
                pending = None
            if current is None:
                continue  # introduction before the first quotation
            current.sentences.append(Citation(doc.label, doc.document.title, u.page, u.paragraph, _unnumbered(u.text)))
    for r in replies:
        r.text = " ".join(c.quote for c in r.sentences)
    return replies


def _quote_target(quote: str, recs: Sequence[Recommendation]) -> str:
    scored = _best(_strip_marks(quote), recs)
    return scored[0][1].text if scored else ""


def _resolve(reply: Reply, recs: Sequence[Recommendation]) -> None:
    """Decide which recommendations each quotation of a reply stands for."""
    by_number = {r.number: r for r in recs}
    for quote, label in zip(reply.quoted, reply.labels):
        body = _strip_marks(quote)
        scored = _best(body, recs) if body else []
        labels = _numbers(label) if label else []
        if len(labels) > 1:  # "Recommendations 5 and 6" above one quotation: trust the numbers
            known = [n for n in labels if n in by_number]
            reply.matched.extend(known)
            missing = [n for n in labels if n not in by_number]
            if missing:
                reply.notes.append(f"the response names recommendation(s) {', '.join(missing)}, which the report does not have")
            continue
        if labels:
            n = labels[0]
            own = _similarity(body, by_number[n].text) if n in by_number and body else None
            best_score, best_rec = scored[0] if scored else (0.0, None)
            if n in by_number and (not body or (own or 0) >= 60):
                reply.matched.append(n)
            elif best_rec is not None and best_score >= QUOTE_THRESHOLD:
                reply.matched.append(best_rec.number)
                reply.notes.append(f"numbered {n} in the response, but the quoted words are those of recommendation "
                                   f"{best_rec.number} ({best_score:.0f}% alike); matched by wording")
            elif n in by_number:
                reply.notes.append(f"numbered {n} in the response, but the quoted words match recommendation {n} "
                                   f"only {own or 0:.0f}% and no other recommendation closely; not matched")
            else:
                reply.notes.append(f"numbered {n} in the response; the report has no recommendation {n} and the quoted words "
                                   "match none of its recommendations closely")
            continue
        if not scored:
            continue
        (s1, r1), s2 = scored[0], (scored[1][0] if len(scored) > 1 else 0.0)
        if s1 >= QUOTE_THRESHOLD and s1 - s2 >= WORDING_MARGIN:
            reply.matched.append(r1.number)
        else:
            reply.notes.append(f"a quotation resembles recommendation {r1.number} ({s1:.0f}% alike) but not clearly "
                               f"more than recommendation {scored[1][1].number if len(scored) > 1 else '-'} ({s2:.0f}%); not matched")
    # "The Government accepts recommendations 5 and 6": the reply itself says what it answers.
    for c in reply.sentences[:3]:
        m = _GROUP_IN_REPLY_RE.search(c.quote)
        if m:
            for n in _numbers(m.group(1)):
                if n in by_number and n not in reply.matched:
                    reply.matched.append(n)
    seen: list[str] = []
    for n in reply.matched:
        if n not in seen:
            seen.append(n)
    reply.matched = seen


def response_received_date(doc: Loaded) -> str | None:
    """The date the response says it was received ("Response received: 22 August 2023")."""
    text = " ".join(b.text for b in doc.blocks[:80])
    m = re.search(rf"\breceived\b[^.]{{0,80}}?(\d{{1,2}}\s+{_MONTH}\s+\d{{4}})", text)
    if m:
        d = parse_date(m.group(1))
        return d.isoformat() if d else None
    return None


def within_two_months(report_date: str | None, response_date: str | None) -> bool | None:
    """True when the response is dated no more than two calendar months after the report."""
    a, b = parse_date(report_date), parse_date(response_date)
    if not a or not b:
        return None
    return b <= _add_months(a, 2)


def match_response(report: Loaded, response: Loaded, recs: Sequence[Recommendation] | None = None) -> ResponseAnalysis:
    """Match every recommendation of ``report`` to its reply in ``response`` and classify it."""
    recs = list(recs) if recs is not None else extract_recommendations(report)
    replies = _segment(response, recs)
    for r in replies:
        _resolve(r, recs)
        stance, i = classify_reply([c.quote for c in r.sentences])
        r.stance = stance
        r.decisive = r.sentences[i] if i is not None else None
    matches: list[RecommendationMatch] = []
    for rec in recs:
        hits = [r for r in replies if rec.number in r.matched]
        if not hits:
            near = [n for r in replies for n in r.notes if re.search(rf"\b{re.escape(rec.number)}\b", n)]
            reason = near[0] if near else "no reply in the response quotes this recommendation or names its number"
            matches.append(RecommendationMatch(rec, "not matched", reason=reason))
            continue
        r = hits[0]
        idx = r.matched.index(rec.number)
        quote = r.quoted[idx] if idx < len(r.quoted) else (r.quoted[0] if r.quoted else "")
        labelled = rec.number in [n for lab in r.labels for n in _numbers(lab)] if any(r.labels) else False
        score = _similarity(_strip_marks(quote), rec.text) if quote else None
        method = ("number and wording" if labelled and score and score >= 60 else "number" if labelled else "wording")
        others = [n for n in r.matched if n != rec.number]
        reason = "; ".join(r.notes) or None
        if r.stance == "not addressed":
            reason = (reason + "; " if reason else "") + "the reply states no position on the recommendation"
        matches.append(RecommendationMatch(rec, "matched", stance=r.stance, decisive=r.decisive, method=method,
                                           score=round(score, 1) if score is not None else None, answered_with=others,
                                           reason=reason))
    received = response_received_date(response)
    used, basis = (received, "received (stated in the response)") if received else (response.document.date, "document date")
    unmatched = [{"quoted": r.quoted, "notes": r.notes} for r in replies if not r.matched]
    return ResponseAnalysis(report=report.label, report_title=report.document.title, report_date=report.document.date,
                            response=response.label, response_title=response.document.title, response_date=used,
                            response_date_basis=basis, within_two_months=within_two_months(report.document.date, used),
                            matches=matches, unmatched_replies=unmatched)


def analyse_folder(paths: Iterable[str | Path]) -> tuple[list[tuple[Loaded, list[Recommendation]]], list[ResponseAnalysis]]:
    """Reports with their recommendations, and each response matched to the report it answers
    best (the report most of whose recommendations it quotes). Files that are neither reports
    nor responses are skipped."""
    reports: list[tuple[Loaded, list[Recommendation]]] = []
    responses: list[Loaded] = []
    for p in paths:
        doc = load_document(p)
        if doc.document.kind == "report":
            reports.append((doc, extract_recommendations(doc)))
        elif doc.document.kind == "response":
            responses.append(doc)
    analyses: list[ResponseAnalysis] = []
    for resp in responses:
        best: ResponseAnalysis | None = None
        for rep, recs in reports:
            if not recs:
                continue
            a = match_response(rep, resp, recs)
            hits = sum(m.status == "matched" for m in a.matches)
            if hits and (best is None or hits > sum(m.status == "matched" for m in best.matches)):
                best = a
        if best is not None:
            analyses.append(best)
    return reports, analyses


# --- Commitments --------------------------------------------------------------------------------

@dataclass
class ProposedCommitment:
    """An undertaking found in a document, proposed for the registry; a maintainer confirms it."""

    text: str
    owner: str | None
    deadline: str | None
    document: str
    title: str
    page: str | None
    paragraph: str | None
    status: str = "proposed"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_ACTOR = (r"(?:(?i:we|the government|government|the department(?: of health and social care)?|ministers|"
          r"nhs england|nhse|nhs digital|nhsx|dhsc|ukhsa|dfe|dluhc|mhra|nice|cqc|the nhs|"
          r"integrated care (?:boards?|systems?)|icbs|trusts|local authorities|"
          r"(?:our|the)\s+(?:[a-z-]+\s+){0,3}(?:agencies|bodies|organisations|teams|partners|boards|departments))|"
          r"[A-Z][A-Za-z&]+(?:,?\s+(?:and\s+)?(?:the\s+)?[A-Z][A-Za-z&]+){0,5})")
_UNDERTAKING_RE = re.compile(rf"\b(?P<owner>{_ACTOR})(?:,[^,]{{1,80}},)?\s+(?:will|shall|are going to|is going to|"
                             rf"(?:are|is|remain)\s+committed\s+to|commits?\s+to|pledges?\s+to|intends?\s+to|plans?\s+to)\b")
_QUOTING_RE = re.compile(r"^\s*(?:recommendations?\s+\d|the committee recommend|we recommend|recommendation\s*:)", re.I)
_FUTURE_RE = re.compile(r"\bwill\b", re.I)
_HEDGE_RE = re.compile(r"^\s*(?:if|where|when|should|unless|this|that|these|it|which|such)\b", re.I)
_LEAD_IN_RE = re.compile(r"\b(?:we|[A-Z][A-Za-z&]+)\s+will\s*(?:[a-z ]{0,40})?:\s*$", re.I)
# "will:" opens a list of what the actor will do, wherever it stands: a PDF laid out in two columns
# can run the other column's words on after the colon.
_WILL_LIST_RE = re.compile(r"\bwill\s*:", re.I)
# What the commitments make possible ("we will be able to:") is not itself undertaken.
_ABLE_LIST_RE = re.compile(r"\bable\s+to\s*:", re.I)
# After "will": a need ("will need to"), a wish, or a state or passive ("will be withheld", "will be
# a service that ...") describes rather than undertakes; "will be publishing" still undertakes.
_NOT_AN_ACT_RE = re.compile(r"\s+(?:(?:also|still|then|now|always|increasingly|rapidly|further)\s+)?"
                            r"(?:need|needs|wish|be\s+(?!\w+ing\b)\w+)\b", re.I)
_EXPECTATION_RE = re.compile(r"\b(?:expects?|expected|anticipates?|anticipated)\s+that\b", re.I)
_PRONOUN_WILL_RE = re.compile(r"^(?:(?!\bwill\b).)*?\b(?:it|this|these|they|that)\s+will\b", re.I | re.S)  # at the first "will"
_BULLET_RE = re.compile(r"^\s*[•·▪◦\-–*]\s*")
_NOT_ACTORS = {"this", "that", "it", "these", "those", "they", "which", "there", "people", "patients", "you",
               "everyone", "staff", "the app", "the plan", "doing so",
               # a document does not act: "This Plan will transform ...", "the strategy will ..."
               "plan", "strategy", "guidance", "document",
               # words that open a sentence without naming anyone ("To ... we will", "In turn, ...")
               "to", "in", "by", "for", "as", "at", "on", "from", "with", "over", "under", "through", "when",
               "where", "while", "and", "but", "or", "so", "what", "how", "who", "why"}


def _owner(match: re.Match[str] | None, doc: SourceDocument) -> str | None:
    if not match:
        return None
    owner = match.group("owner").strip()
    if owner.lower() in ("we", "i"):
        return _author(doc)
    return owner


def _author(doc: SourceDocument) -> str:
    return doc.publisher or doc.extra.get("author") or "the document's author"


def _is_undertaking(sentence: str) -> re.Match[str] | None:
    if re.match(r"^\s*(?:if|unless|should|were)\b", sentence, re.I):
        return None  # a condition, not an undertaking
    for m in _UNDERTAKING_RE.finditer(sentence):
        owner = m.group("owner").strip().lower()
        if owner in _NOT_ACTORS or owner.split()[0] in _NOT_ACTORS:
            continue
        rest = sentence[m.end():]
        # "... will" with nothing after it (a line cut off by the layout) names no act.
        if not re.match(r"\s*(?::|,?\s*[\w(‘'\"])", rest):
            continue
        # "We will be able to publish ..." promises what the authors will do; "people will be able
        # to ..." describes what follows for others.
        if re.match(r"\s+be\s+able\s+to\b", rest, re.I):
            if owner != "we" or re.match(r"\s+be\s+able\s+to\s*:", rest, re.I):
                continue
        elif _NOT_AN_ACT_RE.match(rest):
            continue
        # "We expect that ICBs will ..." is what others are expected to do.
        if _EXPECTATION_RE.search(sentence[:m.start()]):
            continue
        return m
    return None


_MORE_DEADLINES = [
    re.compile(rf"\b(?:(?:by|in|during|from|beginning in|starting in|for)\s+)?(?:the\s+)?financial\s+year\s+{_YEAR}",
               re.I),
    re.compile(r"\b(?:by|in|during|from|beginning in|starting in)\s+(?:19|20)\d{2}/\d{2}\b", re.I),
    re.compile(rf"\b(?:over|in|within|during)\s+the\s+(?:next|coming)\s+{_NUMBER_WORDS}"
               rf"(?:\s+to\s+{_NUMBER_WORDS})?\s+(?:months|years)\b", re.I),
    re.compile(r"\b(?:by|before|until)\s+the\s+end\s+of\s+the\s+(?:plan|parliament|decade|strategy)\b", re.I),
    re.compile(r"\bover\s+the\s+(?:course|lifetime|life)\s+of\s+this\s+(?:plan|parliament|strategy)\b", re.I),
    re.compile(rf"\b(?:(?:beginning|starting|from)\s+)?(?:this|next)\s+(?:year|{_SEASON})\b", re.I),
]


def _dated(text: str) -> str | None:
    """``find_deadline`` where a sentence opens with a capital ("By 2028, ...")."""
    folded = re.sub(r"\b(By|Before|Within|In|From|Over|Until)\b", lambda m: m.group(1).lower(), text)
    hits = find_deadlines(folded)
    if not hits:
        return None
    a = folded.index(hits[0])
    return text[a:a + len(hits[0])]


def _deadline(text: str) -> str | None:
    """The deadline an undertaking states: as ``_dated``, or failing that a period a plan gives
    ("over the next 3 to 4 years", "in 2025/26", "from financial year 2026 to 2027", "next year")."""
    found = _dated(text)
    if found:
        return found
    hits = [m for rx in _MORE_DEADLINES for m in rx.finditer(text)]
    return min(hits, key=lambda m: m.start()).group(0) if hits else None


def _complete(text: str) -> bool:
    """A paragraph as written: it opens with a capital and ends a sentence. A PDF laid out in
    columns leaves fragments (a line from the other column, the rest of a sentence cut by a page
    break) that open with a small letter or stop mid-sentence; they do not end a list."""
    text = _BULLET_RE.sub("", text.strip())
    return bool(text) and not text[0].islower() and text[-1] in ".!?;)\"’”"


def propose_commitments(doc: Loaded) -> list[ProposedCommitment]:
    """The undertakings a document makes, each with owner and deadline where it states them.

    A sentence is proposed when an actor undertakes to act: "we will ...", "NHS England will ...",
    "the Government is committed to ..."; or when it states a dated outcome ("... will be ... by
    2028"). A lead-in such as "we will:" makes each item of the list under it an undertaking of
    the same owner; a lead-in that introduces something else ("All systems must:", "we will be
    able to:") makes its items nothing. Descriptions of consequences ("this will mean ..."),
    needs, expectations of others and conditions are left out. Each proposal cites its page and
    paragraph.

    Lists survive a broken layout: a list runs on past fragments that a two-column PDF puts
    between its items (lines from the other column, a heading split off with a small letter) and
    ends at a heading, a complete paragraph or the next lead-in.
    """
    out: list[ProposedCommitment] = []
    seen: set[str] = set()
    # The open list: None when there is none; else the owner its lead-in gives its items, or ""
    # when its items are not undertakings. ``bulleted``: its items carry bullet marks, so a
    # paragraph opening with a small letter is a fragment, not an item.
    lead_owner: str | None = None
    bulleted = False
    units = _units(doc)
    starts = [i for i, u in enumerate(units) if u.first] + [len(units)]
    block_end = {a: z for a, z in zip(starts, starts[1:])}
    for i, u in enumerate(units):
        s = u.text
        if u.heading:
            if not s[:1].islower():
                lead_owner = None
            continue
        bullet = u.first and _BULLET_RE.match(s) is not None
        size = block_end.get(i, i + 1) - i
        # A list item is a bulleted block, or a short block of at most three sentences that
        # continues the lead-in's sentence (opens with a small letter).
        item = bullet or (u.first and size <= 3 and len(s) < 500 and not bulleted and s[:1].islower())
        if lead_owner is not None and u.first and not item:
            whole = " ".join(x.text for x in units[i:block_end.get(i, i + 1)])
            if _complete(whole):
                lead_owner = None
        m = _is_undertaking(s)
        dated = _dated(s)
        owner = _owner(m, doc.document) if m else None
        # A dated outcome, unless it is what someone else is expected to do or a claim about "it".
        take = m is not None or (dated is not None and _FUTURE_RE.search(s) is not None and not _HEDGE_RE.match(s)
                                 and not _EXPECTATION_RE.search(s) and not _PRONOUN_WILL_RE.search(s))
        deadline = dated or _deadline(s)
        if not take and lead_owner and item and not _HEDGE_RE.match(_BULLET_RE.sub("", s)):
            take, owner = True, lead_owner
        # A lead-in opens a new list; an item ending in a colon opens sub-items that stay in its list.
        # "will:" inside a fragment is a lead-in whose line the layout ran on; inside a complete
        # sentence ("We will: publish the data; review it.") it is an undertaking with its list inline.
        will_list = (_WILL_LIST_RE.search(s) is not None and _ABLE_LIST_RE.search(s) is None
                     and (s.rstrip().endswith(":") or not _complete(s)))
        opens = will_list or (s.rstrip().endswith(":") and not item)
        if opens:
            if will_list:
                lead_owner = owner or _author(doc.document)
                # "• develop a business case ... will:": the layout ran the lead-in's "will:" onto
                # an item of the list it opens; the item is proposed, a bare "NHS England will:" is not.
                if bullet and m is None:
                    take, owner = True, lead_owner
            elif m is not None and _LEAD_IN_RE.search(s) and not _ABLE_LIST_RE.search(s):
                lead_owner = owner
            else:
                lead_owner = ""
            # The list's items carry bullets when one of the next blocks does.
            nxt = [j for j in starts if j > i][:4]
            bulleted = any(j < len(units) and _BULLET_RE.match(units[j].text) for j in nxt)
            if not item or not take:
                continue
        if not take or _QUOTING_RE.match(s):
            continue
        key = _norm(s).lower()
        if key in seen:
            continue
        seen.add(key)
        out.append(ProposedCommitment(text=_unnumbered(s), owner=owner, deadline=deadline, document=doc.label,
                                      title=doc.document.title, page=u.page, paragraph=u.paragraph))
    return out


def load_or_error(path: str | Path) -> Loaded:
    p = Path(path)
    if not p.exists():
        raise EvidenceError(f"{p}: no such file; give the path of a report, response or policy document")
    return load_document(p)
