"""The handlers behind the page, without a browser: bad input gives a clear message and leaves
everything else as it was."""
from __future__ import annotations

import shutil
from pathlib import Path

from evidence_assistant.core.settings import Settings
from evidence_assistant.surfaces.ui.app import ChatUI

from ui_helpers import StubAssistant, make_answer


def _ui(stub: StubAssistant, tmp_path: Path, **kw) -> ChatUI:
    return ChatUI(stub, Settings(index_dir=tmp_path / "index", **kw))


def _run(ui: ChatUI, question: str, answers=None, kinds=None, docs=None, since="", until=""):
    return list(ui.ask(question, answers or [], kinds, docs, since, until, False))


def test_empty_and_huge_questions_are_refused_plainly(stub_assistant, tmp_path: Path) -> None:
    ui = _ui(stub_assistant, tmp_path)
    for question, expected in (("   ", "The question is empty"), ("why " * 3000, "the limit is 2,000")):
        steps = _run(ui, question)
        assert len(steps) == 1
        conversation, state, box, status, which = steps[0]
        assert expected in status and 'class="ea-error"' in status
        assert all(not isinstance(x, (str, list)) for x in (conversation, state, box, which))  # all left as they were
    assert stub_assistant.asked == []


def test_a_question_streams_then_joins_the_conversation(stub_assistant, tmp_path: Path) -> None:
    ui = _ui(stub_assistant, tmp_path)
    steps = _run(ui, " When  was HC 780 published? ", kinds=["report"], since="2023-01-01 ")
    assert "ea-pending" in steps[0][0] and "Searched only: kind: report · dated 2023-01-01 or later" in steps[0][0]
    conversation, state, box, status, which = steps[-1]
    assert 'data-verdict="supported"' in conversation and "ea-pending" not in conversation
    assert len(state) == 1 and box == "" and status == ""
    assert which["value"] == "0"  # the export picker offers the new answer
    assert stub_assistant.asked == [("When was HC 780 published?", {"kinds": ["report"], "doc_ids": [],
                                                                    "since": "2023-01-01", "until": None})]


def test_api_returns_the_answer_or_an_error(stub_assistant, tmp_path: Path) -> None:
    ui = _ui(stub_assistant, tmp_path)
    ok = ui.ask_api("When?", '{"kinds": ["report"]}')
    assert ok["verdict"] == "supported" and ok["citations"][0]["n"] == 1
    assert "not valid JSON" in ui.ask_api("When?", "{kinds")["error"]
    assert "must be a JSON object" in ui.ask_api("When?", "[1]")["error"]
    assert "the question is empty" in ui.ask_api("", "")["error"]


def test_export_needs_an_answer_and_writes_the_chosen_one(stub_assistant, tmp_path: Path) -> None:
    ui = _ui(stub_assistant, tmp_path)
    download, status = ui.export([], "all", "markdown")
    assert "value" not in download and "There is nothing to export" in status  # the download is left as it was
    answers = [make_answer("First?"), make_answer("Second?")]
    download, status = ui.export(answers, "1", "markdown")
    assert download["visible"] is True
    text = Path(download["value"]).read_text()
    assert "Second?" in text and "First?" not in text and "evidence as of 2025-01-02" in status
    download, _ = ui.export(answers, "all", "docx")
    assert Path(download["value"]).suffix == ".docx"
    shutil.rmtree(Path(download["value"]).parent)  # the app's temporary export folder


def test_uploads_refused_with_reasons_and_nothing_indexed(stub_assistant, tmp_path: Path) -> None:
    ui = _ui(stub_assistant, tmp_path, max_upload_mb=1)
    assert "Choose one or more files" in ui.upload(None, None, "", [])[0]
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF" + b"0" * 1_500_000)
    odd = tmp_path / "notes.xyz"
    odd.write_text("x")
    sneaky = tmp_path / "..\\..\\evil.md"  # a backslash is a name character on POSIX, as a browser may send it
    sneaky.write_text("")
    results, files_box, header, documents, *_ = ui.upload([str(big), str(odd), str(sneaky)], None, "", [])
    assert "big.pdf: the file is 1.5 MB, over the 1 MB upload limit" in results
    assert "notes.xyz: unsupported file type &#x27;.xyz&#x27;; supported: .docx" in results
    assert "contained folder separators; only the file name &#x27;evil.md&#x27; is used" in results
    assert "evil.md: the file is empty" in results
    assert stub_assistant.added == []  # nothing reached the index
    assert "Report &lt;b&gt;one&lt;/b&gt;" in documents  # the table still shows what is indexed
    assert "is not a date like" in ui.upload([str(odd)], None, "14/03/2025", [])[0]


def test_remove_needs_a_choice(stub_assistant, tmp_path: Path) -> None:
    ui = _ui(stub_assistant, tmp_path)
    assert "Choose a document to remove" in ui.remove(None, [])[0]


def test_remove_names_the_document_it_removed(stub_assistant, tmp_path: Path) -> None:
    ui = _ui(stub_assistant, tmp_path)
    message, header, *_ = ui.remove("a" * 64, ["a" * 64])
    assert stub_assistant.removed == ["a" * 64]
    assert message == '<div class="ea-info">Removed “Report &lt;b&gt;one&lt;/b&gt;” (3 passages) from the index.</div>'
    assert "evidence as of 2025-01-02" in header


def test_refresh_keeps_only_documents_that_still_exist(stub_assistant, tmp_path: Path) -> None:
    ui = _ui(stub_assistant, tmp_path)
    header, documents, docs, remove_pick = ui.refresh(["a" * 64, "gone"])
    assert docs["value"] == ["a" * 64] and "1 documents indexed" in header and "2025-01-02" in header
