"""Helpers shared by the chat's tests: synthetic answers and a stub assistant (enough for the page
to build and the handlers to run without an index)."""
from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path
from typing import Any, Iterator

from evidence_assistant.answering.answer import Answer, AnswerSentence, Citation
from evidence_assistant.core.types import Passage, ScoredPassage

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "ui"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


# --- synthetic answers ------------------------------------------------------------------------

def make_passage(text: str, *, pid: str = "doc1-p1", doc_id: str = "doc1", title: str = "Digital transformation",
                 kind: str = "report", date: str | None = "2023-06-30", page: str | None = "4",
                 paragraph: str | None = "16", url: str | None = "https://example.org/report",
                 path: str | None = None) -> Passage:
    return Passage(passage_id=pid, doc_id=doc_id, seq=0, text=text, char_start=0, char_end=len(text),
                   page_start=page, page_end=page, paragraph_start=paragraph, paragraph_end=paragraph,
                   title=title, kind=kind, date=date, url=url, path=path)


def cite(n: int, p: Passage, quote: str, sentence: int = 0, support: float = 0.9) -> Citation:
    start = p.text.index(quote)
    return Citation(n=n, passage=p, quote_start=start, quote_end=start + len(quote), support=support,
                    sentence=sentence)


def make_answer(question: str = "When was HC 780 published?", *, unsupported: bool = False,
                passage_text: str | None = None, evidence_as_of: str = "2025-01-02") -> Answer:
    """Two cited sentences from two passages; the second unsupported when asked."""
    p1 = make_passage(passage_text or "Intro. The Panel published HC 780 on 17 February 2023. More text.")
    p2 = make_passage("The Government responded on 17 April 2023.", pid="doc2-p1", doc_id="doc2",
                      title="Government response", kind="response", date="2023-04-17", page="2", paragraph="3",
                      url=None)
    q1 = "The Panel published HC 780 on 17 February 2023." if passage_text is None else passage_text[:20]
    s = [AnswerSentence(q1, [1], 0.9, True),
         AnswerSentence("The Government responded on 17 April 2023.", [2], 0.2 if unsupported else 0.9,
                        not unsupported, ["support 0.20 is below 0.50"] if unsupported else [])]
    cs = [cite(1, p1, q1, 0), cite(2, p2, "The Government responded on 17 April 2023.", 1,
                                   support=0.2 if unsupported else 0.9)]
    return Answer(question=question, standalone_question=question, text=" ".join(x.text for x in s), sentences=s,
                  citations=cs, passages=[ScoredPassage(p1, 1.0), ScoredPassage(p2, 0.5)],
                  verdict="partially_supported" if unsupported else "supported", evidence_as_of=evidence_as_of)


def no_answer(question: str = "What colour is the moon?") -> Answer:
    p = make_passage("Unrelated passage about NHS App registration.")
    return Answer(question=question, standalone_question=question, text="The documents do not answer this question.",
                  sentences=[], citations=[], passages=[ScoredPassage(p, 0.1)], verdict="no_answer",
                  notes=["The closest passages score 0.20, below the 0.50 needed to answer; the nearest are listed."])


# --- a stub assistant: enough for the page to build and the handlers to run -------------------

class StubAssistant:
    """The facade's reading methods over one fixed document, and answers without an index. It has
    no ``index``: the chat reads everything through the facade, never the manifest."""

    registry = None

    def __init__(self, answers: list[Answer] | None = None):
        self.docs: list[dict[str, Any]] = [dict(doc_id="a" * 64, title="Report <b>one</b>", kind="report",
                                                date="2023-02-17", publisher=None, url=None, path="/x/r.html",
                                                format="html", n_passages=3, state="indexed",
                                                added_at="2025-01-02T10:00:00+00:00")]
        self.answers = list(answers or [make_answer()])
        self.added: list[Any] = []
        self.asked: list[tuple[str, Any]] = []
        self.removed: list[str] = []

    def documents(self) -> list[dict[str, Any]]:
        return list(self.docs)

    def document(self, doc_id: str) -> dict[str, Any] | None:
        return next((d for d in self.docs if d["doc_id"] == doc_id), None)

    def document_paths(self, doc_id: str) -> list[str]:
        return []

    def file_document(self, path: Any) -> dict[str, Any] | None:
        return None

    def passage(self, passage_id: str) -> Passage | None:
        return None

    def as_of(self) -> str | None:
        return "2025-01-02"

    def index_version(self) -> int:
        return 1

    @staticmethod
    def index_time() -> str:
        return "2025-01-03T10:00:00+00:00"

    def stream(self, question: str, *, history: Any = None, filters: Any = None) -> Iterator[Any]:
        from evidence_assistant.surfaces.api import clean_question
        self.asked.append((clean_question(question, 2000), filters))
        answer = self.answers[(len(self.asked) - 1) % len(self.answers)]
        yield answer.text
        yield answer

    def ask(self, question: str, *, history: Any = None, filters: Any = None) -> Answer:
        return list(self.stream(question, history=history, filters=filters))[-1]

    def add_files(self, paths: Any, progress: Any = None) -> Any:
        self.added.append(list(paths))
        raise AssertionError("the stub does not index")

    def remove_document(self, doc_id: str) -> int:
        self.removed.append(doc_id)
        return next(d["n_passages"] for d in self.docs if d["doc_id"] == doc_id)


def free_port() -> int:
    # Gradio needs a concrete port; ask the OS for one that is free now.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def update_readme_screenshot(src: Path) -> None:
    """docs/screenshots/chat.png is refreshed only on request (EVIDENCE_UPDATE_SCREENSHOTS=1), so an
    ordinary test run leaves the working tree clean."""
    if os.environ.get("EVIDENCE_UPDATE_SCREENSHOTS") == "1":
        dest = REPO / "docs" / "screenshots" / "chat.png"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
