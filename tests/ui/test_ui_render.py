"""The chat's HTML: citations visible, quotes highlighted, doubts marked, document text inert."""
from __future__ import annotations

from dataclasses import replace

from evidence_assistant.surfaces.ui import render

from ui_helpers import make_answer, make_passage, no_answer


def test_escape_covers_markup_and_template_syntax() -> None:
    out = render.esc('<script>alert(1)</script> ${x} {{y}} `z` "q"')
    assert "<" not in out and ">" not in out and "$" not in out and "{" not in out and "`" not in out
    assert "&lt;script&gt;" in out


def test_highlight_marks_spans_and_escapes_everything_else() -> None:
    text = "a <b>bold</b> claim here"
    out = render.highlight(text, [(2, 13), (8, 19)])  # overlapping spans merge
    assert out.count("<mark") == 1
    assert out.startswith("a <mark") and "&lt;b&gt;bold&lt;/b&gt; claim" in out
    assert render.highlight("abc", [(5, 9), (2, 1)]) == "abc"  # out of range or empty: nothing marked


def test_answer_shows_citations_sources_and_highlighted_quote() -> None:
    html = render.answer_html(make_answer(), 1)
    assert 'data-verdict="supported"' in html
    assert '<sup class="ea-cite" data-n="1">[1]</sup>' in html and 'data-n="2">[2]</sup>' in html
    assert 'id="src-1-1"' in html and 'id="src-1-2"' in html
    assert '<mark class="ea-quote">The Panel published HC 780 on 17 February 2023.</mark>' in html
    for shown in ("Digital transformation", "report", "2023-06-30", "p. 4", "para. 16", "https://example.org/report"):
        assert shown in html
    assert "Evidence as of 2025-01-02" in html


def test_unsupported_sentence_and_no_answer_are_marked() -> None:
    html = render.answer_html(make_answer(unsupported=True), 1)
    assert "Partly supported" in html
    assert 'class="ea-sentence ea-unsupported"' in html and "not supported by the cited passage" in html
    assert "support 0.20 is below 0.50" in html  # the checker's reason, on hover
    html = render.answer_html(no_answer(), 2)
    assert 'data-verdict="no_answer"' in html and "The documents do not answer this" in html
    assert "Nearest passages" in html and "NHS App registration" in html


def test_standalone_question_shown_on_request_only() -> None:
    a = make_answer("And the response?")
    a.standalone_question = "And the response to HC 780?"
    assert "Understood as" not in render.answer_html(a, 1)
    assert "And the response to HC 780?" in render.answer_html(a, 1, show_standalone=True)


def test_filters_are_described_on_the_answer() -> None:
    a = make_answer()
    a.filters = {"kinds": ["response"], "doc_ids": ["d" * 64], "since": "2023-01-01", "until": None, "publishers": []}
    html = render.answer_html(a, 1, titles={"d" * 64: "HC 1313"})
    assert "Searched only: kind: response · documents: HC 1313 · dated 2023-01-01 or later" in html


def test_document_text_and_metadata_never_become_markup() -> None:
    evil = 'Before <img src=x onerror="alert(1)"> <script>alert(2)</script> ${7*7} after.'
    a = make_answer(passage_text=evil)
    c = a.citations[0]
    a.citations[0] = replace(c, passage=replace(c.passage, title="<b>T</b>", url="javascript:alert(3)"))
    a.question = "<script>alert(4)</script>?"
    html = render.conversation_html([a])
    assert "<script" not in html and "<img" not in html and "<b>T" not in html and "${" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html  # shown as text, not linked


def test_documents_table_escapes_titles() -> None:
    html = render.documents_html([{"title": "<script>x</script>", "kind": "report", "date": None, "n_passages": 2,
                                   "state": "indexed", "added_at": "2025-01-02T10:00:00+00:00", "doc_id": "ab" * 32}])
    assert "&lt;script&gt;" in html and "<script>" not in html and "not dated" in html


def test_pending_turn_streams_escaped_text() -> None:
    html = render.conversation_html([render.Pending("Q?", "<i>partial</i> [1]", None)])
    assert "&lt;i&gt;partial&lt;/i&gt; [1]" in html and "Checking each sentence" in html


def test_passage_lookup_is_used_when_the_answer_lacks_it() -> None:
    a = make_answer()
    p = a.passages[0].passage
    a.passages = []
    html = render.answer_html(a, 1, passage_text=lambda pid: p.text if pid == p.passage_id else None)
    assert "Intro. <mark" in html
    assert make_passage("x").locator() == "p. 4, para. 16"
