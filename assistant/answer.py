"""What an answer is: sentences, each with the citations that back it, and the evidence shown."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

from .md_escape import md_text
from .types import ScoredPassage

# How the citation check words a citation that names no passage shown (see citations.py).
UNKNOWN_CITATION = re.compile(r"^cites \[(\d+)\], which was not among")

Verdict = Literal["supported", "partially_supported", "unsupported", "no_answer", "premise_rejected"]

NO_ANSWER_TEXT = "The documents do not answer this question."


def _unique_quotes(cs: list["Citation"]) -> list["Citation"]:
    seen, out = set(), []
    for c in cs:
        if (c.quote_start, c.quote_end) not in seen:
            seen.add((c.quote_start, c.quote_end))
            out.append(c)
    return out


@dataclass(frozen=True)
class Citation:
    """One answer sentence's claim on one passage, down to the characters quoted.

    ``quote_start``/``quote_end`` are offsets in the passage text (``quote`` equals that slice),
    so a UI can highlight them; ``page`` and ``paragraph`` are those of the quote itself.
    """

    n: int
    passage_id: str
    doc_id: str
    title: str
    kind: str
    date: str | None
    page: str | None
    paragraph: str | None
    quote: str
    quote_start: int
    quote_end: int
    url: str | None
    path: str | None
    support: float
    sentence: int  # index of the answer sentence that cites it
    exact: bool = False  # the sentence (or its quotation) appears verbatim in the passage

    @property
    def doc_char_span(self) -> tuple[int, int]:
        return self.quote_start, self.quote_end

    def locator(self) -> str:
        parts = [p for p in (f"p. {self.page}" if self.page else None,
                             f"para. {self.paragraph}" if self.paragraph else None) if p]
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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

    def sources(self) -> list[Citation]:
        """One citation per [n], in number order (the first quote of each)."""
        seen: dict[int, Citation] = {}
        for c in self.citations:
            seen.setdefault(c.n, c)
        return [seen[n] for n in sorted(seen)]

    def to_markdown(self) -> str:
        """The answer with footnotes: [n] becomes [^n], each footnote naming document, page,
        paragraph and the quoted words.

        Everything taken from documents or from the question (sentences, quotes, titles, page
        labels, source addresses) passes through :func:`assistant.md_escape.md_text`, so a
        document's markup, links and images show as text in any Markdown viewer; the source
        address is written as plain text, not as a link."""
        body = []
        for s in self.sentences:
            marks = "".join(f"[^{n}]" for n in s.citations) + "".join(f" \\[{n}?\\]" for n in s.unknown_citations)
            flag = "" if s.supported or self.verdict in ("no_answer",) else " *(not supported by the cited passage)*"
            body.append(f"{md_text(s.text)}{marks}{flag}")
        lines = [f"**Question:** {md_text(self.question)}", ""]
        if self.standalone_question != self.question:
            lines += [f"*Understood as:* {md_text(self.standalone_question)}", ""]
        lines.append(" ".join(body) if body else md_text(self.text))
        if self.notes:
            lines += [""] + [f"> {md_text(n)}" for n in self.notes]
        if self.verdict == "no_answer" and self.passages:
            lines += ["", "Nearest passages:"]
            for sp in self.passages[:3]:
                p = sp.passage
                where = f"{p.title}, {p.locator()}" if p.locator() else p.title
                lines.append(f"- {md_text(where)}: “{md_text(p.text[:200])}…”")
        by_n: dict[int, list[Citation]] = {}
        for c in self.citations:
            by_n.setdefault(c.n, []).append(c)
        if by_n:
            lines.append("")
            for n in sorted(by_n):
                c = by_n[n][0]
                where = ", ".join(x for x in (c.kind, c.date) if x)
                quotes = "; ".join(f"“{x.quote}”" + (f" ({x.locator()})" if x.locator() else "")
                                   for x in _unique_quotes(by_n[n]))
                link = f" {c.url}" if c.url else ""
                lines.append(f"[^{n}]: {md_text(f'{c.title} ({where}).{link} {quotes}')}")
        lines += ["", f"*Evidence as of {md_text(self.evidence_as_of or date.today().isoformat())}; verdict: "
                      f"{md_text(self.verdict.replace('_', ' '))}.*"]
        return "\n".join(lines)

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
