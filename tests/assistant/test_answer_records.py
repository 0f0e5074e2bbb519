"""A citation refers to its passage; every surface writes an answer the same way.

A citation names its document, page and paragraph by reading them from the passage it holds, so
the two cannot disagree; the Markdown that ``evidence ask`` prints and the chat's Markdown download
are one rendering; and the API, the exports and the chat name each verdict with the same words.
"""
from __future__ import annotations

import re
import typing
from dataclasses import replace
from pathlib import Path

import pytest
from docx import Document

from evidence_assistant.answering.answer import (VERDICTS, Answer, AnswerSentence, Citation, Verdict,
                                                 words_for_verdict)
from evidence_assistant.core.locator import locator
from evidence_assistant.core.md_escape import md_text
from evidence_assistant.core.types import Passage, ScoredPassage
from evidence_assistant.surfaces.export import to_docx, to_markdown
from evidence_assistant.surfaces.tracker_export import _where
from evidence_assistant.surfaces.ui import render

# The keys (in this order) that `evidence ask --json`, the evaluations and exports read.
CITATION_KEYS = ["n", "passage_id", "doc_id", "title", "kind", "date", "page", "paragraph", "quote", "quote_start",
                 "quote_end", "url", "path", "support", "sentence", "exact"]

FIRST = "The Panel rated progress on the digital workforce as inadequate."
SECOND = "The Government accepted the recommendation in April 2023."


def _passage(**changes: object) -> Passage:
    """A passage over two pages: its second block starts on page 5, paragraph 17."""
    text = f"{FIRST}\n\n{SECOND}"
    p = Passage(passage_id="doc1-p3", doc_id="doc1", seq=3, text=text, char_start=100, char_end=100 + len(text),
                page_start="4", page_end="5", paragraph_start="16", paragraph_end="17",
                heading_path=("Findings",), title="Digital transformation in the NHS", kind="report",
                date="2023-06-30", publisher="House of Commons", url="https://example.org/hc223",
                path="/corpus/hc223.pdf", segments=((0, "4", "16"), (len(FIRST) + 2, "5", "17")))
    return replace(p, **changes)


def _cite(p: Passage, quote: str, n: int = 1, sentence: int = 0, support: float = 0.93) -> Citation:
    start = p.text.index(quote)
    return Citation(n=n, passage=p, quote_start=start, quote_end=start + len(quote), support=support,
                    sentence=sentence, exact=True)


def _answer(p: Passage, *, verdict: Verdict = "partially_supported", sentence: str = FIRST) -> Answer:
    c1, c2 = _cite(p, sentence), _cite(p, SECOND, n=1, sentence=1, support=0.3)
    sentences = [AnswerSentence(sentence, [1], 0.93, True), AnswerSentence(SECOND, [1], 0.3, False, ["weak"])]
    return Answer(question="What did the Panel find?", standalone_question="What did the Panel find?",
                  text=f"{sentence} {SECOND}", sentences=sentences, citations=[c1, c2],
                  passages=[ScoredPassage(p, 1.0)], verdict=verdict, evidence_as_of="2025-01-02")


# --- a citation refers to its passage ----------------------------------------------------------

def test_a_citation_reads_document_page_and_paragraph_from_its_passage() -> None:
    p = _passage()
    first, second = _cite(p, FIRST), _cite(p, SECOND)
    assert (first.title, first.kind, first.date, first.url, first.path) == (
        "Digital transformation in the NHS", "report", "2023-06-30", "https://example.org/hc223", "/corpus/hc223.pdf")
    assert (first.passage_id, first.doc_id) == ("doc1-p3", "doc1")
    # Page and paragraph are those of the quote, not of the passage's start.
    assert (first.page, first.paragraph, first.locator()) == ("4", "16", "p. 4, para. 16")
    assert (second.page, second.paragraph, second.locator()) == ("5", "17", "p. 5, para. 17")
    assert second.quote == SECOND and second.doc_char_span == (len(FIRST) + 2, len(FIRST) + 2 + len(SECOND))

    # A different passage (the document retitled, its pages relabelled) is what the citation shows.
    moved = replace(second, passage=_passage(title="HC 223", segments=((0, "iv", None), (len(FIRST) + 2, "v", None))))
    assert (moved.title, moved.page, moved.paragraph, moved.locator()) == ("HC 223", "v", None, "p. v")


def test_citation_to_dict_keeps_its_keys_and_values() -> None:
    c = _cite(_passage(), SECOND, n=2, sentence=1)
    d = c.to_dict()
    assert list(d) == CITATION_KEYS
    start = len(FIRST) + 2
    assert d == {"n": 2, "passage_id": "doc1-p3", "doc_id": "doc1", "title": "Digital transformation in the NHS",
                 "kind": "report", "date": "2023-06-30", "page": "5", "paragraph": "17", "quote": SECOND,
                 "quote_start": start, "quote_end": start + len(SECOND), "url": "https://example.org/hc223",
                 "path": "/corpus/hc223.pdf", "support": 0.93, "sentence": 1, "exact": True}
    assert replace(c, sentence=0).to_dict() == {**d, "sentence": 0}  # how the API renumbers sentences


def test_a_quote_outside_its_passage_is_refused_with_the_passage_named() -> None:
    p = _passage()
    with pytest.raises(ValueError, match=r"citation \[1\] quotes characters 5\.\.999 of passage doc1-p3"):
        Citation(n=1, passage=p, quote_start=5, quote_end=999, support=1.0, sentence=0)
    with pytest.raises(ValueError, match="inside the passage"):
        Citation(n=1, passage=p, quote_start=9, quote_end=3, support=1.0, sentence=0)


def test_one_locator_for_every_surface() -> None:
    assert [locator("4", "16"), locator("4", None), locator(None, "16"), locator(None, None)] == [
        "p. 4, para. 16", "p. 4", "para. 16", ""]
    a = _answer(_passage())
    html = render.answer_html(a)
    md = to_markdown([a])
    # The chat's source line and the export's footnote name the quotes' places the same way.
    assert "report · 2023-06-30 · p. 4, para. 16" in html
    assert "“The Panel rated progress on the digital workforce as inadequate.” (p. 4, para. 16); " \
           "“The Government accepted the recommendation in April 2023.” (p. 5, para. 17)" in md
    assert _where("HC 223", "2023-06-30", "4", "16") == "HC 223 (2023-06-30, p. 4, para. 16)"


# --- one Markdown, one verdict vocabulary -------------------------------------------------------

def _without_export_stamp(md: str) -> str:
    return re.sub(r" Exported \d{4}-\d\d-\d\d \d\d:\d\d\.\*", "*", md, count=1)


def test_evidence_ask_and_the_markdown_download_are_one_rendering() -> None:
    a = _answer(_passage())
    printed, exported = a.to_markdown(), to_markdown([a])
    assert re.search(r"^\*Evidence as of 2025-01-02\. Exported \d{4}-\d\d-\d\d \d\d:\d\d\.\*$", exported, re.M)
    assert printed == _without_export_stamp(exported)
    assert "*Evidence as of 2025-01-02.*" in printed
    for md in (printed, exported):
        assert f"{FIRST}[^1] {SECOND}[^1] **[not supported by the cited passage]**" in md
        assert "*Partly supported: sentences marked as not supported are not backed by their citation.*" in md


def test_hostile_document_text_is_escaped_alike_in_both() -> None:
    hostile = "The Panel said <img src=x onerror=alert(1)> and ![p](http://evil.example/p.png) too!"
    text = f"{hostile}\n\n{SECOND}"
    p = _passage(text=text, title="Report <script>alert(2)</script>",
                 segments=((0, "4", "16"), (len(hostile) + 2, "5", "17")))
    a = _answer(p, sentence=hostile)
    printed, exported = a.to_markdown(), to_markdown([a])
    assert printed == _without_export_stamp(exported)
    for md in (printed, exported):
        assert f"{md_text(hostile)}[^1]" in md
        assert "<img" not in md and "<script>" not in md and "![p](" not in md
        assert "Report &lt;script>alert(2)&lt;/script> (report, 2023-06-30)." in md


@pytest.mark.parametrize("verdict", typing.get_args(Verdict))
def test_every_surface_names_a_verdict_with_the_same_words(verdict: str, tmp_path: Path) -> None:
    words = VERDICTS[verdict]
    a = _answer(_passage(), verdict=verdict)
    assert a.verdict_words == words == words_for_verdict(verdict)
    html = render.answer_html(a)
    assert f"<strong>{render.esc(words.label)}</strong> — {render.esc(words.explanation)}" in html
    for md in (a.to_markdown(), to_markdown([a])):
        assert f"\n*{md_text(words.summary)}*\n" in md
    doc = Document(str(to_docx([a], tmp_path / "a.docx")))
    assert words.summary in [par.text for par in doc.paragraphs]


def test_the_verdict_vocabulary_covers_every_verdict_and_shows_an_unknown_one_as_it_is() -> None:
    assert set(VERDICTS) == set(typing.get_args(Verdict))
    assert all(w.label and w.explanation and w.summary for w in VERDICTS.values())
    odd = words_for_verdict("under_review")
    assert (odd.label, odd.explanation, odd.summary) == ("under_review", "", "under_review")
