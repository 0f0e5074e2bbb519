"""What the chat reads goes through the facade (``Assistant``'s reading methods), on a real index
of corpus/sample: documents and their files, the index's clock and version, and each
commitment's evidence timeline — the same items, in the same order, as the timeline showed when
it read the index itself."""
from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assistant(sample_index: Any) -> Iterator[Any]:
    from evidence_assistant.surfaces.api import Assistant

    a = Assistant.open(settings=sample_index)
    yield a
    a.close()


def test_documents_their_files_and_the_index_clock(assistant: Any) -> None:
    docs = assistant.documents()
    assert len(docs) >= 5
    for d in docs:
        assert assistant.document(d["doc_id"]) == d
        paths = assistant.document_paths(d["doc_id"])
        assert d["path"] in paths
        assert all(assistant.file_document(p) == d for p in paths)
    unknown = "f" * 64
    assert assistant.document(unknown) is None and assistant.document_paths(unknown) == []
    assert assistant.file_document("/nowhere/not-indexed.pdf") is None
    now = assistant.index_time()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", now)
    assert all(d["added_at"] <= now for d in docs)
    assert assistant.as_of() == max(d["added_at"] for d in docs)[:10]
    assert assistant.index_version() == assistant.index_version()


def test_adding_and_removing_a_file_as_the_chat_sees_it(sample_index: Any, tmp_path: Path) -> None:
    """On a copy of the index: the version moves with each change, the added file's document is
    stamped at or after the time taken before adding it, and removal forgets file and document."""
    from evidence_assistant.surfaces.api import Assistant

    shutil.copytree(sample_index.index_dir, tmp_path / "index")
    settings = sample_index.model_copy(update={"index_dir": tmp_path / "index", "upload_dir": tmp_path / "up"})
    note = tmp_path / "okapi-note.txt"
    note.write_text("The Okapi Trust reported that its digital records pilot reached 12 wards.\n")
    with Assistant.open(settings=settings) as a:
        version, started = a.index_version(), a.index_time()
        assert a.file_document(note.resolve()) is None
        a.add_files([note])
        doc = a.file_document(note.resolve())
        assert doc is not None and doc["added_at"] >= started and doc["n_passages"] == 1
        assert a.document_paths(doc["doc_id"]) == [str(note.resolve())]
        assert a.index_version() != version
        version = a.index_version()
        assert a.remove_document(doc["doc_id"]) == 1
        assert a.file_document(note.resolve()) is None and a.document(doc["doc_id"]) is None
        assert a.index_version() != version


# The NHS App commitment's timeline as the chat showed it before the facade served it: date,
# file, page, paragraph and whether a progress entry cites it.
NHS_APP = [
    ("2022-06-29", "2022-06-29-a-plan-for-digital-health-and-social-care.md", None, "8", False),
    ("2022-06-29", "2022-06-29-a-plan-for-digital-health-and-social-care.md", None, "9", False),
    ("2023-02-17", "hc780-expert-panel-evaluation.html", None, "34", False),
    ("2023-02-17", "hc780-expert-panel-evaluation.html", None, "35", False),
    ("2023-02-17", "hc780-expert-panel-evaluation.html", None, "33", False),
    ("2023-02-17", "dhs0020-imperial-oxford-written-evidence.pdf", "2", "9", False),
    ("2023-02-17", "dhs0020-imperial-oxford-written-evidence.pdf", "2", "10", False),
    ("2023-02-17", "dhs0020-imperial-oxford-written-evidence.pdf", "3", "11", False),
    ("2023-02-17", "dhs0020-imperial-oxford-written-evidence.pdf", "3", "13", False),
    ("2023-02-17", "dhs0020-imperial-oxford-written-evidence.pdf", "4", "15", False),
    ("2023-02-17", "hc780-expert-panel-evaluation.html", None, "37", True),
    ("2023-02-17", "dhs0020-imperial-oxford-written-evidence.pdf", "4", "17", True),
    ("2023-04-17", "hc1313-government-response-expert-panel.pdf", "2", "6", True),
    ("2023-06-30", "hc223-digital-transformation-in-the-nhs.html", None, "15", True),
    ("2023-06-30", "hc223-digital-transformation-in-the-nhs.html", None, "16", True),
]


def _rows(items: list[Any]) -> list[tuple[Any, ...]]:
    return [(it.date, Path(it.path).name, it.page, it.paragraph, bool(it.note and it.note.startswith("Progress")))
            for it in items]


def test_timeline_through_the_facade_gives_the_same_items(assistant: Any) -> None:
    from evidence_assistant.surfaces.ui.timeline import commitment_timeline

    c = assistant.registry.get("nhs-app")
    items, missing = commitment_timeline(c, assistant)
    assert missing == []
    assert _rows(items) == NHS_APP
    first, progress = items[0], items[10]
    assert first.title == "A plan for digital health and social care (sample)" and first.kind == "policy"
    assert first.quote.startswith("8. The paper committed to 75% of adults") and first.note == "75% of adults by 2024"
    assert progress.note == ("Progress 2023-01: The NHS App passed 30 million users, meeting the 68% milestone "
                             "before its March 2023 deadline.")
    assert all(len(it.quote) <= 701 for it in items)


def test_timeline_lists_references_not_in_the_index(assistant: Any) -> None:
    from evidence_assistant.surfaces.ui.timeline import commitment_timeline, timeline_html
    from evidence_assistant.tracker.commitments import EvidenceRef

    c = assistant.registry.get("nhs-app")
    more = c.model_copy(update={"evidence": [*c.evidence, EvidenceRef(doc="not-indexed.pdf", page="3"),
                                             EvidenceRef(doc="hc780-expert-panel-evaluation.html", paragraph="999")]})
    items, missing = commitment_timeline(more, assistant)
    assert _rows(items) == NHS_APP
    assert missing == ["not-indexed.pdf, p. 3: not found in the index",
                       "hc780-expert-panel-evaluation.html, para. 999: not found in the index"]
    html = timeline_html(items, missing, lambda path, page, url: [])
    assert html.count("<li>") == len(NHS_APP)
    assert html.endswith('<div class="ea-note">Not in the index: not-indexed.pdf, p. 3: not found in the index; '
                         'hc780-expert-panel-evaluation.html, para. 999: not found in the index</div>')


def test_commitments_tab_reads_through_the_facade(assistant: Any, sample_index: Any) -> None:
    from evidence_assistant.surfaces.ui.app import ChatUI

    ui = ChatUI(assistant, sample_index)
    html = ui.timeline("digital-workforce")
    assert html.startswith('<div class="ea-commitment"><h3>')
    dates = re.findall(r'<span class="ea-tl-date">([^<]*)</span>', html)
    assert dates == ["2023-02", "2023-02-17", "2023-02-17", "2023-02-17", "2023-02-17"]
    assert "Not in the index" not in html
    assert "no commitment &#x27;nope&#x27; in the registry" in ui.timeline("nope").replace("No commitment", "no commitment")
    assert ui.header_html().count(f"evidence as of {assistant.as_of()}") == 1
