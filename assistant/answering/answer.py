"""What an answer is: sentences, each with the citations that back it, and the evidence shown;
the words every surface uses for an answer's verdict; and the one way an answer is written as
Markdown (what ``evidence ask`` prints and what the chat's Markdown download holds)."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, Sequence

from evidence_assistant.core.locator import locator
from evidence_assistant.core.md_escape import md_text
from evidence_assistant.core.types import Passage, ScoredPassage

# How the citation check words a citation that names no passage shown (see citations.py).
UNKNOWN_CITATION = re.compile(r"^cites \[(\d+)\], which was not among")

Verdict = Literal["supported", "partially_supported", "unsupported", "no_answer", "premise_rejected"]

NO_ANSWER_TEXT = "The documents do not answer this question."


@dataclass(frozen=True)
class VerdictWords:
    """How the product names one verdict to its readers."""

    label: str  # the short name the chat shows in bold: "Partly supported"
    explanation: str  # what the chat says after the label (its unsupported sentences carry ⚠)
    summary: str  # the one line under the question in Markdown and Word, where such sentences are marked in words


VERDICTS: dict[str, VerdictWords] = {
    "supported": VerdictWords(
        "Supported", "Every sentence is backed by the passage it cites.",
        "Supported: every sentence is backed by the passage it cites."),
    "partially_supported": VerdictWords(
        "Partly supported", "Sentences marked ⚠ are not backed by the passage they cite; check before quoting.",
        "Partly supported: sentences marked as not supported are not backed by their citation."),
    "unsupported": VerdictWords(
        "Not supported", "No sentence is backed by the passage it cites; read the sources rather than the answer.",
        "Not supported: no sentence is backed by the passage it cites."),
    "no_answer": VerdictWords(
        "The documents do not answer this",
        "Nothing indexed answers the question; the nearest passages are listed below.", NO_ANSWER_TEXT),
    "premise_rejected": VerdictWords(
        "The question's premise is contradicted",
        "The documents say something different from what the question assumes.",
        "The documents contradict the question's premise."),
}


def words_for_verdict(verdict: str) -> VerdictWords:
    """The words for ``verdict``; a verdict the product does not know is shown as it is."""
    return VERDICTS.get(verdict) or VerdictWords(verdict, "", verdict)


@dataclass(frozen=True)
class Citation:
    """One answer sentence's claim on one passage, down to the characters quoted.

    The citation holds the passage it cites; ``quote_start``/``quote_end`` are offsets in the
    passage's text (``quote`` is that slice), so a UI can highlight them. Everything else a reader
    is shown about the source (document, kind, date, address, and the page and paragraph of the
    quote itself, which may differ from where the passage starts) is read from the passage, so a
    citation can never name a page or title its passage does not have.
    """

    n: int
    passage: Passage
    quote_start: int
    quote_end: int
    support: float
    sentence: int  # index of the answer sentence that cites it
    exact: bool = False  # the sentence (or its quotation) appears verbatim in the passage

    def __post_init__(self) -> None:
        if not 0 <= self.quote_start <= self.quote_end <= len(self.passage.text):
            raise ValueError(f"citation [{self.n}] quotes characters {self.quote_start}..{self.quote_end} of passage "
                             f"{self.passage.passage_id}, whose text has {len(self.passage.text)}; the quote must lie "
                             "inside the passage")

    @property
    def passage_id(self) -> str:
        return self.passage.passage_id

    @property
    def doc_id(self) -> str:
        return self.passage.doc_id

    @property
    def title(self) -> str:
        return self.passage.title

    @property
    def kind(self) -> str:
        return self.passage.kind

    @property
    def date(self) -> str | None:
        return self.passage.date

    @property
    def url(self) -> str | None:
        return self.passage.url

    @property
    def path(self) -> str | None:
        return self.passage.path

    @property
    def page(self) -> str | None:
        """The page the quote starts on."""
        return self.passage.locate(self.quote_start)[0]

    @property
    def paragraph(self) -> str | None:
        """The paragraph the quote starts in."""
        return self.passage.locate(self.quote_start)[1]

    @property
    def quote(self) -> str:
        return self.passage.text[self.quote_start:self.quote_end]

    @property
    def doc_char_span(self) -> tuple[int, int]:
        return self.quote_start, self.quote_end

    def locator(self) -> str:
        """'p. 4, para. 12': where the quote is."""
        page, paragraph = self.passage.locate(self.quote_start)
        return locator(page, paragraph)

    def to_dict(self) -> dict[str, Any]:
        page, paragraph = self.passage.locate(self.quote_start)
        return {"n": self.n, "passage_id": self.passage_id, "doc_id": self.doc_id, "title": self.title,
                "kind": self.kind, "date": self.date, "page": page, "paragraph": paragraph, "quote": self.quote,
                "quote_start": self.quote_start, "quote_end": self.quote_end, "url": self.url, "path": self.path,
                "support": self.support, "sentence": self.sentence, "exact": self.exact}


@dataclass
class AnswerSentence:
    text: str
    citations: list[int]  # the [n] it carries, after checking
    support: float = 0.0
    supported: bool = False
    problems: list[str] = field(default_factory=list)  # "cites [9], which was not shown", ...

    @property
    def unknown_citations(self) -> list[int]:
        """The [n] this sentence carried that named no passage shown (kept in its problems, so
        that every surface can show them as unknown instead of dropping them)."""
        return [int(m.group(1)) for p in self.problems if (m := UNKNOWN_CITATION.match(p))]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    question: str
    standalone_question: str
    text: str
    sentences: list[AnswerSentence]
    citations: list[Citation]
    passages: list[ScoredPassage]  # what retrieval returned, in rank order (the nearest when declining)
    verdict: Verdict
    answerer: str = "extractive"
    notes: list[str] = field(default_factory=list)  # e.g. why a premise was rejected
    timings: dict[str, float] = field(default_factory=dict)
    prompt: dict[str, str] | None = None  # name and sha256 of the prompt used, for generative answers
    filters: dict[str, Any] | None = None
    evidence_as_of: str | None = None
    signals: dict[str, float] = field(default_factory=dict)  # relevance measures behind the verdict

    @property
    def answered(self) -> bool:
        return self.verdict in ("supported", "partially_supported")

    @property
    def verdict_words(self) -> VerdictWords:
        """How the verdict is named to readers (label, explanation, one-line summary)."""
        return words_for_verdict(self.verdict)

    def sources(self) -> list[Citation]:
        """One citation per [n], in number order (the first quote of each)."""
        seen: dict[int, Citation] = {}
        for c in self.citations:
            seen.setdefault(c.n, c)
        return [seen[n] for n in sorted(seen)]

    def to_markdown(self) -> str:
        """The answer as a Markdown document with footnotes, as :func:`render_markdown` writes it
        (the chat's Markdown download of this one answer, without the time of export)."""
        return render_markdown([self])

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "standalone_question": self.standalone_question,
            "text": self.text,
            "verdict": self.verdict,
            "answerer": self.answerer,
            "sentences": [s.to_dict() for s in self.sentences],
            "citations": [c.to_dict() for c in self.citations],
            "passages": [sp.to_dict() for sp in self.passages],
            "notes": list(self.notes),
            "timings": dict(self.timings),
            "prompt": self.prompt,
            "filters": self.filters,
            "evidence_as_of": self.evidence_as_of,
            "signals": dict(self.signals),
        }


# --- the answer as Markdown (and the footnotes the Word export shares) --------------------------

UNSUPPORTED_MARK = "not supported by the cited passage"


@dataclass
class Footnote:
    number: int
    citations: list[Citation]  # every quote of one [n] in one answer

    @property
    def first(self) -> Citation:
        return self.citations[0]

    def text(self) -> str:
        """'Title (kind, date). “quote” (p. 4, para. 16); “another quote” (p. 5) address', as plain
        text (Markdown escapes it; Word takes it as it is)."""
        c = self.first
        where = ", ".join(x for x in (c.kind, c.date) if x)
        quotes: list[str] = []
        for x in self.citations:
            loc = x.locator()
            q = f"“{x.quote.strip()}”" + (f" ({loc})" if loc else "")
            if q not in quotes:
                quotes.append(q)
        out = f"{c.title}" + (f" ({where})" if where else "") + ". " + "; ".join(quotes)
        if c.url:
            out += f" {c.url}"
        elif c.path:
            out += f" File: {Path(c.path).name}"
        return out


def footnotes(answer: Answer, start: int) -> tuple[dict[int, int], list[Footnote]]:
    """Map each [n] of the answer to its footnote number (numbered from ``start``, so that a
    conversation numbers its footnotes through), and the footnotes in order."""
    by_n: dict[int, list[Citation]] = {}
    for c in answer.citations:
        by_n.setdefault(c.n, []).append(c)
    mapping, notes = {}, []
    for i, n in enumerate(sorted(by_n)):
        mapping[n] = start + i
        notes.append(Footnote(start + i, by_n[n]))
    return mapping, notes


def evidence_as_of(answers: Sequence[Answer]) -> str:
    """The latest ``evidence_as_of`` of the answers (the index's last ingest), else today."""
    dates = [a.evidence_as_of for a in answers if a.evidence_as_of]
    return max(dates) if dates else date.today().isoformat()


def nearest_line(p: Passage) -> str:
    """How a nearest passage of an unanswered question is listed: 'Title, p. 4: the start of its text…'."""
    loc = p.locator()
    return f"{p.title}, {loc}" if loc else p.title


def _answer_md(answer: Answer, index: int | None, start: int) -> tuple[list[str], list[Footnote]]:
    mapping, notes = footnotes(answer, start)
    head = f"## {index}. {md_text(answer.question)}" if index else f"## {md_text(answer.question)}"
    lines = [head, ""]
    if answer.standalone_question != answer.question:
        lines += [f"*Understood as:* {md_text(answer.standalone_question)}", ""]
    lines += [f"*{md_text(answer.verdict_words.summary)}*", ""]
    if answer.filters and any(answer.filters.get(k) for k in ("kinds", "doc_ids", "since", "until", "publishers")):
        f = answer.filters
        parts = [f"kind {', '.join(map(str, f['kinds']))}" if f.get("kinds") else "",
                 f"{len(f['doc_ids'])} chosen document(s)" if f.get("doc_ids") else "",
                 f"dated from {f['since']}" if f.get("since") else "", f"dated to {f['until']}" if f.get("until") else ""]
        lines += ["*Searched only: " + md_text("; ".join(p for p in parts if p)) + ".*", ""]
    if answer.sentences:
        body = []
        for s in answer.sentences:
            marks = "".join(f"[^{mapping[n]}]" for n in s.citations if n in mapping) \
                + "".join(f" \\[{n}?\\]" for n in s.unknown_citations)
            flag = "" if s.supported else f" **[{UNSUPPORTED_MARK}]**"
            body.append(f"{md_text(s.text)}{marks}{flag}")
        lines.append(" ".join(body))
    else:
        lines.append(md_text(answer.text))
    for note in answer.notes:
        lines += ["", f"> {md_text(note)}"]
    if answer.verdict == "no_answer" and answer.passages:
        lines += ["", "Nearest passages (they do not answer the question):"]
        for sp in answer.passages[:3]:
            p = sp.passage
            lines.append(f"- {md_text(nearest_line(p))}: “{md_text(p.text[:200])}…”")
    return lines, notes


def render_markdown(answers: Sequence[Answer], *, title: str | None = None, exported: str | None = None) -> str:
    """One answer (a list of one) or a conversation as one Markdown document: a title, the date
    the evidence is current to (and ``exported``, the time of export, when given), each answer
    under its question with its verdict, and numbered footnotes through the whole document that
    name document, kind, date, page, paragraph and the quoted words.

    Everything taken from documents or from the user (questions, sentences, quotes, titles, page
    labels, source addresses, notes) passes through :func:`evidence_assistant.core.md_escape.md_text`,
    so a document's markup, links and images show as text in any Markdown viewer; source addresses
    are written as plain text, not as links."""
    if not answers:
        raise ValueError("nothing to export: ask a question first")
    as_of = evidence_as_of(answers)
    title = title or ("Evidence Assistant: answer" if len(answers) == 1 else "Evidence Assistant: conversation")
    when = f"Evidence as of {md_text(as_of)}." + (f" Exported {md_text(exported)}." if exported else "")
    lines = [f"# {md_text(title)}", "", f"*{when}*", ""]
    notes: list[Footnote] = []
    for i, a in enumerate(answers, start=1):
        body, own = _answer_md(a, i if len(answers) > 1 else None, len(notes) + 1)
        lines += body + [""]
        notes += own
    if notes:
        lines += ["---", ""]
        lines += [f"[^{f.number}]: {md_text(f.text())}" for f in notes]
        lines.append("")
    lines.append(f"*Evidence as of {md_text(as_of)}: documents indexed after this date are not reflected.*")
    return "\n".join(lines) + "\n"
