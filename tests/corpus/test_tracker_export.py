"""The recommendations table exported to CSV and Word: every row with its citations, document
text kept as text (no spreadsheet formulas), each export whole in a folder of its own."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from evidence_assistant.tracker.recommendations import Citation
from evidence_assistant.surfaces.tracker_export import CSV_COLUMNS, export_tracker, to_csv_text
from evidence_assistant.tracker.tracker_progress import NO_EVIDENCE, EvidencePassage, Progress, TrackedItem, TrackerRow


def _rows() -> list[TrackerRow]:
    item = TrackedItem(kind="recommendation", key="report.md#1", label="Recommendation 1",
                       text="=HYPERLINK(\"http://x\") We recommend that NHS England publish a bed dashboard by December 2023.",
                       date="2023-01-10", source="report.md", source_title="Hospital beds (test report)", page="4",
                       paragraph="12", deadline="by December 2023")
    ev = EvidencePassage(title="Progress update", date="2024-05-01", kind="news", page="2", paragraph="7",
                         quote="The bed dashboard has now been launched.", passage_id="p1", doc_id="d1", path=None,
                         url=None, shared_terms=["bed dashboard"], status="met")
    decisive = Citation(document="response.pdf", title="Government response (test)", page="3", paragraph="5",
                        quote="The Government accepts this recommendation.")
    first = TrackerRow(item=item, number="1", stance="accepted", reply_note=None, decisive=decisive,
                       response_title="Government response (test)", response_date="2023-03-01",
                       progress=Progress(item=item, since="2023-01-10", evidence=[ev], status="met", status_basis=ev))
    item2 = TrackedItem(kind="recommendation", key="report.md#2", label="Recommendation 2", text="@SUM(A1) Fund the pilot.",
                        date="2023-01-10", source="report.md", source_title="Hospital beds (test report)")
    second = TrackerRow(item=item2, number="2", stance="not matched", reply_note="no reply quotes this recommendation",
                        decisive=None, response_title=None, response_date=None,
                        progress=Progress(item=item2, since="2023-01-10", evidence=[], status=NO_EVIDENCE))
    return [first, second]


def test_csv_rows_carry_citations_and_no_formulas() -> None:
    table = list(csv.reader(io.StringIO(to_csv_text(_rows()))))
    assert tuple(table[0]) == CSV_COLUMNS
    row = dict(zip(CSV_COLUMNS, table[1]))
    assert row["recommendation"].startswith("'=HYPERLINK")  # shown as text, never run
    assert row["recommendation cited"] == "Hospital beds (test report) (2023-01-10, p. 4, para. 12)"
    assert row["reply stance"] == "accepted"
    assert row["reply cited"] == ("Government response (test) (2023-03-01, p. 3, para. 5): "
                                  "“The Government accepts this recommendation.”")
    assert row["status"] == "met"
    assert row["status cited"] == "Progress update (2024-05-01, p. 2, para. 7): “The bed dashboard has now been launched.”"
    assert row["evidence"].startswith("[1] Progress update (2024-05-01, p. 2, para. 7)")
    second = dict(zip(CSV_COLUMNS, table[2]))
    assert second["recommendation"].startswith("'@SUM") and second["status"] == NO_EVIDENCE
    assert second["reply cited"] == "no reply quotes this recommendation"
    assert second["status cited"] == "no cited passage states progress"


def test_exports_are_whole_files_in_folders_of_their_own(tmp_path: Path) -> None:
    from docx import Document

    a = export_tracker(_rows(), "csv", tmp_path)
    b = export_tracker(_rows(), "csv", tmp_path)
    assert a.parent != b.parent and a.parent.parent == tmp_path and a.suffix == ".csv"
    assert a.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, as Excel expects
    d = export_tracker(_rows(), "docx", tmp_path)
    text = "\n".join(p.text for p in Document(str(d)).paragraphs)
    cells = [c.text for t in Document(str(d)).tables for row in t.rows for c in row.cells]
    assert "accepted" in cells and "met" in cells
    assert "“The Government accepts this recommendation.”" in text
    assert "Progress update (2024-05-01, p. 2, para. 7): “The bed dashboard has now been launched.”" in text
    assert "Hospital beds (test report) (2023-01-10, p. 4, para. 12)" in text
    assert not [p for p in tmp_path.rglob("*.part")], "no half-written file is left behind"
    with pytest.raises(ValueError, match="use csv or docx"):
        export_tracker(_rows(), "xlsx", tmp_path)
    with pytest.raises(ValueError, match="nothing to export"):
        export_tracker([], "csv", tmp_path)
