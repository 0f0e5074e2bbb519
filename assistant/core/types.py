"""The typed records that flow from ingest to the screen.

One ``Passage`` (with a stable id) travels from the chunker through the index and the
retriever to the answer; one ``Citation`` ties an answer sentence to the exact characters of
the passage that support it. LangChain objects appear only at the edges.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from evidence_assistant.core.locator import locator

DocumentKind = Literal["report", "evidence", "response", "standard", "policy", "guidance", "plan", "survey", "news",
                       "other"]
# What each kind means (the UI's kind filter and ``sources.toml`` use these words):
#   report    a report of a parliamentary committee, expert panel or inquiry
#   evidence  written or oral evidence submitted to a committee or inquiry
#   response  a government (or other body's) response to a report or consultation
#   standard  an information, data or technical standard, or a specification a product must meet
#   policy    a policy paper, white paper, vision or statement of a government's position
#   guidance  guidance, guidelines, a manual, code of practice, FAQ or template for practitioners
#   plan      a plan, strategy, planning framework or list of commitments with what will be done
#   survey    a survey, research, evaluation, engagement or impact report, case study or board
#             paper reporting findings (a report not made by a committee)
#   news      a news story, press release or blog post
#   other     anything else: letters, notices, web pages that are none of the above
# The first six and the last two keep the meanings they had before guidance, plan and survey
# were added; documents indexed before then keep their kind.
DOCUMENT_KINDS: tuple[str, ...] = ("report", "evidence", "response", "standard", "policy", "guidance", "plan", "survey",
                                   "news", "other")


@dataclass(frozen=True)
class SourceDocument:
    """One file as the product knows it. ``doc_id`` is the sha256 of the file's bytes."""

    doc_id: str
    path: str
    format: str  # pdf, html, docx, markdown, text, json
    title: str
    kind: str = "other"
    date: str | None = None  # ISO date, YYYY-MM-DD (or YYYY-MM / YYYY when that is all that is known)
    publisher: str | None = None
    url: str | None = None
    licence: str | None = None
    pages: int | None = None  # physical pages, for paged formats
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Block:
    """A structural unit of a document as a loader reads it: a heading, a paragraph, a list item.

    ``page`` is the page as a person would cite it (the PDF page label where there is one);
    ``page_index`` is the 0-based physical page. ``paragraph`` is the document's own paragraph
    number ("12", "3.4") where it has one. ``heading_path`` is the chain of headings above the block.
    """

    text: str
    kind: Literal["heading", "paragraph"] = "paragraph"
    page: str | None = None
    page_index: int | None = None
    paragraph: str | None = None
    heading_path: tuple[str, ...] = ()
    level: int = 0  # heading level (1 = top) for headings


@dataclass(frozen=True)
class Passage:
    """A retrievable, citable span of one document.

    ``text`` equals ``document_text[char_start:char_end]`` where ``document_text`` is the blocks'
    texts joined by blank lines (see ``evidence_ingest.chunk.document_text``).
    """

    passage_id: str
    doc_id: str
    seq: int
    text: str
    char_start: int
    char_end: int
    page_start: str | None = None
    page_end: str | None = None
    paragraph_start: str | None = None
    paragraph_end: str | None = None
    heading_path: tuple[str, ...] = ()
    # Document metadata, copied so that a passage can be cited without a second look-up.
    title: str = ""
    kind: str = "other"
    date: str | None = None
    publisher: str | None = None
    url: str | None = None
    path: str | None = None
    # Where each block inside the passage starts: (offset in ``text``, page, paragraph). A quote
    # can then be cited to its own page and paragraph even when the passage spans several.
    segments: tuple[tuple[int, str | None, str | None], ...] = ()

    def locate(self, offset: int) -> tuple[str | None, str | None]:
        """Page and paragraph of the character at ``offset`` in ``text``."""
        page, para = self.page_start, self.paragraph_start
        for start, seg_page, seg_para in self.segments:
            if start > offset:
                break
            page, para = seg_page, seg_para
        return page, para

    @property
    def page_label(self) -> str | None:
        if self.page_start is None:
            return None
        if self.page_end in (None, self.page_start):
            return self.page_start
        return f"{self.page_start}–{self.page_end}"

    @property
    def paragraph_label(self) -> str | None:
        if self.paragraph_start is None:
            return None
        if self.paragraph_end in (None, self.paragraph_start):
            return self.paragraph_start
        return f"{self.paragraph_start}–{self.paragraph_end}"

    def locator(self) -> str:
        """'p. 4, para. 12' style locator for footnotes and the UI."""
        return locator(self.page_label, self.paragraph_label)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["heading_path"] = list(self.heading_path)
        d["segments"] = [list(s) for s in self.segments]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Passage":
        d = dict(d)
        d["heading_path"] = tuple(d.get("heading_path") or ())
        d["segments"] = tuple(tuple(s) for s in d.get("segments") or ())
        return cls(**d)


@dataclass(frozen=True)
class ScoredPassage:
    passage: Passage
    score: float  # fused score; comparable only within one result list
    similarity: float | None = None  # cosine between question and passage, when dense search found it
    dense_rank: int | None = None
    lexical_rank: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "passage": self.passage.to_dict(),
            "score": self.score,
            "similarity": self.similarity,
            "dense_rank": self.dense_rank,
            "lexical_rank": self.lexical_rank,
        }
