"""Markdown the product writes (``Answer.to_markdown`` behind ``evidence ask``, and the chat's
Markdown export) shows a document's markup as text: rendered by a Markdown viewer it runs no
script, loads nothing from another site and links nowhere a document chose.

The rendering uses markdown-it in CommonMark mode with raw HTML allowed and its own link check
switched off, the most permissive viewer a user is likely to paste into, so the safety comes from
the product's escaping and not from the renderer.
"""
from __future__ import annotations

import html
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from evidence_assistant.answering.answer import Answer, AnswerSentence, Citation
from evidence_assistant.surfaces.export import export_file, to_markdown
from evidence_assistant.core.md_escape import md_text
from evidence_assistant.core.types import Passage, ScoredPassage

markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py comes with gradio; reinstall the venv")

# What a hostile or careless document can carry. Newlines let a payload start a block of its own
# (an HTML block, a link definition, a heading) if the product keeps them.
PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<javascript:alert(3)>",
    "<http://evil.example/autolink>",
    "![pixel](http://evil.example/pixel.png)",
    "[click me](javascript:alert(4))",
    "[ref link][evil] and ![ref image][evil]\n[evil]: http://evil.example/ref",
    "&lt;script&gt;alert(5)&lt;/script&gt; and &#60;img src=x onerror=alert(6)&#62;",
    '<a href="javascript:alert(7)">plain</a>',
    "<svg onload=alert(8)>",
    '\n<iframe src="http://evil.example/frame"></iframe>\n',
    "\n# Injected heading\n",
    "\n[^1]: a forged footnote http://evil.example/forged\n",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCg5KTwvc2NyaXB0Pg==",
    "\\<script>alert(10)\\</script> and \\[x\\](javascript:alert(11))",
    "[x](java&#115;cript:alert(12)) <<script>script>alert(13)</script>",
    "`code` and <!-- a comment --> and <style>body{background:url(http://evil.example/bg)}</style>",
    "<div>\n<img src=http://evil.example/in-div.png>\n</div>",
]
HOSTILE = " ".join(PAYLOADS)
SAFE_TAGS = {"p", "h1", "h2", "h3", "em", "strong", "ul", "ol", "li", "blockquote", "hr", "code", "br"}


def _hostile_answer(question: str = "When was HC 780 published?", *, verdict: str = "supported") -> Answer:
    sentence = f"The Panel said {HOSTILE} in 2023."
    text = f"Intro. {sentence} More."
    title = "Report <img src=x onerror=alert(20)> ![t](http://evil.example/title.png)"
    p = Passage(passage_id="d1-p1", doc_id="d1", seq=0, text=text, char_start=0, char_end=len(text),
                page_start="<b onmouseover=alert(21)>4</b>", page_end="4", paragraph_start="[16](javascript:alert(22))",
                paragraph_end="16", title=title, kind="report<script>alert(23)</script>", date="2023-06-30",
                url="javascript:alert(24)//http://example.org", path=None)
    start = text.index(sentence)
    c = Citation(n=1, passage=p, quote_start=start, quote_end=start + len(sentence), support=0.9, sentence=0)
    p2 = Passage(passage_id="d2-p1", doc_id="d2", seq=0, text="Plain text.", char_start=0, char_end=11,
                 page_start="2", page_end="2", paragraph_start=None, paragraph_end=None, title="Response",
                 kind="response", date="2023-04-17", url="https://example.org/response <img src=x onerror=alert(25)>",
                 path=None)
    c2 = Citation(n=2, passage=p2, quote_start=0, quote_end=11, support=0.9, sentence=1)
    if verdict == "no_answer":
        return Answer(question=question, standalone_question=question, text="The documents do not answer this question.",
                      sentences=[], citations=[], passages=[ScoredPassage(p, 0.1)], verdict="no_answer",
                      notes=[f"The nearest passage says {PAYLOADS[4]} {PAYLOADS[0]}"])
    sentences = [AnswerSentence(sentence, [1], 0.9, True), AnswerSentence("Plain text.", [2], 0.2, False)]
    return Answer(question=question, standalone_question=f"{question} {PAYLOADS[1]}", text=sentence,
                  sentences=sentences, citations=[c, c2], passages=[ScoredPassage(p, 1.0), ScoredPassage(p2, 0.5)],
                  verdict="partially_supported", notes=[f"Note quoting {PAYLOADS[6]}"], evidence_as_of="2025-01-02")


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self.comments: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(k, v or "") for k, v in attrs]

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _render(md: str) -> _Elements:
    renderer = markdown_it.MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    renderer.validateLink = lambda url: True  # a permissive viewer: every link and image kept
    out = _Elements()
    out.feed(renderer.render(md))
    out.close()
    return out


def _assert_inert(md: str) -> _Elements:
    page = _render(md)
    assert set(page.tags) <= SAFE_TAGS, f"document markup became elements: {sorted(set(page.tags) - SAFE_TAGS)}"
    assert not page.comments, "a document's HTML comment reached the page"
    for name, value in page.attrs:
        assert not name.startswith("on"), f"event handler {name}={value!r}"
        assert name not in ("href", "src", "srcset", "action", "formaction", "style"), f"{name}={value!r}"
        assert "javascript:" not in re.sub(r"\s", "", value.lower())
    return page


def _visible(page: _Elements) -> str:
    return re.sub(r"\s+", " ", "".join(page.text))


@pytest.mark.parametrize("verdict", ["partially_supported", "no_answer"])
def test_answer_markdown_keeps_document_markup_inert(verdict: str) -> None:
    """What ``evidence ask`` prints."""
    md = _hostile_answer(PAYLOADS[2] + " " + PAYLOADS[4], verdict=verdict).to_markdown()
    page = _assert_inert(md)
    shown = _visible(page)
    assert "<script>alert(1)</script>" in shown and "![pixel](http://evil.example/pixel.png)" in shown
    if verdict != "no_answer":
        # The product's own structure stays: one footnote definition per source, at the start of a line.
        assert re.findall(r"^\[\^(\d+)\]:", md, flags=re.M) == ["1", "2"]
        assert "[^1]" in md.split("\n[^1]:")[0] and "[^2]" in md.split("\n[^1]:")[0]
        assert "javascript:alert(24)" in shown  # the bad source address is shown as text, not linked


def test_markdown_export_keeps_document_markup_inert(tmp_path: Path) -> None:
    """What the chat's Markdown download holds."""
    answers = [_hostile_answer("First <script>alert(30)</script>?"), _hostile_answer(verdict="no_answer"),
               _hostile_answer("# Third ![q](http://evil.example/q.png)")]
    md = to_markdown(answers)
    page = _assert_inert(md)
    shown = _visible(page)
    assert "<img src=x onerror=alert(2)>" in shown and "[click me](javascript:alert(4))" in shown
    # Structure stays: the title, one heading per answer, footnotes numbered through the export.
    assert page.tags.count("h1") == 1 and page.tags.count("h2") == 3
    assert re.findall(r"^\[\^(\d+)\]:", md, flags=re.M) == ["1", "2", "3", "4"]
    assert re.findall(r"^## (\d)\. ", md, flags=re.M) == ["1", "2", "3"]

    path = export_file(answers, "markdown", tmp_path)
    _assert_inert(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_each_payload_alone_is_inert_and_shown(payload: str) -> None:
    """The one rule, on each payload by itself, inside a line and at the start of one."""
    for md in (f"Text {md_text(payload)} end.", md_text(payload), f"## {md_text(payload)}", f"> {md_text(payload)}",
               f"- {md_text(payload)}", f"[^1]: {md_text(payload)}"):
        page = _assert_inert(md)
        assert page.tags.count("h1") == 0 and page.tags.count("h2") <= 1
        assert len(md.splitlines()) == 1, "a document's line breaks must not start a block of their own"
    expected = re.sub(r"\s+", " ", html.unescape(payload) if payload.startswith("&") else payload).strip()
    if not payload.startswith("&"):
        assert expected in _visible(_render(md_text(payload))), "the document's words are shown, not dropped"


def test_a_closing_exclamation_cannot_make_the_footnote_marker_an_image() -> None:
    """A sentence ending in "!" is followed by the product's own [^1]; a viewer without footnotes
    must not read "![^1]" as an image, even when the source's title is a bare web address."""
    a = _hostile_answer()
    c = a.citations[0]
    a.citations = [replace(c, passage=replace(c.passage, title="http://evil.example/pixel.png", kind="", date=None,
                                              url=None, page_start=None, page_end=None, paragraph_start=None,
                                              paragraph_end=None))]
    a.sentences = [AnswerSentence("Remarkable!", [1], 0.9, True)]
    for md in (a.to_markdown(), to_markdown([a])):
        assert "Remarkable\\![^1]" in md
        _assert_inert(md)


def test_entities_in_documents_are_shown_as_written() -> None:
    page = _render(md_text("&lt;script&gt; and &#60;b&#62; and AT&T"))
    assert _visible(page).strip() == "&lt;script&gt; and &#60;b&#62; and AT&T"


def test_plain_text_stays_readable() -> None:
    """Ordinary prose, numbers, web addresses and punctuation pass through untouched."""
    for s in ("The Panel published HC 780 on 17 February 2023.", "See https://www.gov.uk/government/publications "
              "(para. 4.2) — costs rose 5% to £3.2bn; 1 > 0.", "Smith & Jones, e.g. NHS-led; snake_case stays"):
        assert md_text(s) == s
    assert md_text("  several\n\n lines\tand   spaces ") == "several lines and spaces"
    assert md_text("# heading-like") == "&#35; heading-like" and md_text("1. listed") == "1&#46; listed"
