"""`evidence ingest` says what the documents it added bring to the recommendations and commitments
the index tracks: ingesting the real reply (hc1803-replies-to-recommendations.pdf) into an index
that holds the real report (hc223-conclusions-and-recommendations.html) names each new reply with
its place cited; an unrelated file, or a file already indexed, leaves the summary as it always was."""
from __future__ import annotations

import json
import re
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from evidence_assistant.surfaces.cli import TRACKER_LINES, main as cli_main

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tracker_corpus import SAMPLE_REPORT as REPORT, SAMPLE_REPORT_TITLE as REPORT_TITLE  # noqa: E402
from tracker_corpus import SAMPLE_RESPONSE as RESPONSE, SAMPLE_RESPONSE_TITLE as RESPONSE_TITLE  # noqa: E402

# The stance of each reply and where its deciding sentence sits, checked by hand (as in test_recommendations).
REPLIES = {"1": ("accepted", "p. 2, para. 4"), "2": ("partly accepted", "p. 2, para. 6"), "3": ("accepted", "p. 3, para. 8"),
           "4": ("noted", "p. 3, para. 9"), "5": ("accepted", "p. 4, para. 11"), "6": ("accepted", "p. 4, para. 11"),
           "7": ("not accepted", "p. 5, para. 14")}
UNRELATED = """---
title: Visitor car parking (test)
kind: guidance
date: "2024-02-01"
publisher: A hospital estates team
---

# Car parking

Visitors pay for parking by the hour at the barrier. Permits for evening visitors are free on weekdays.
"""
# The ingest summary as it has always been: one line, then skipped files and notes if any.
SUMMARY = re.compile(r"Indexed (\d+) document\(s\) \(\d+ passages, \d+ pages\), (\d+) unchanged, 0 duplicate\(s\), "
                     r"0 skipped, 0 removed \(0 passages\) in [\d.]+ s; \d+ passages embedded\. Index: .+")


@pytest.fixture(scope="module")
def report_index(tmp_path_factory) -> Path:
    """An index holding only the committee report (real model, real Chroma); each test works on a copy."""
    from evidence_assistant.core.settings import Settings
    from evidence_ingest.pipeline import ingest

    index = tmp_path_factory.mktemp("report-only") / "index"
    report = ingest([REPORT], settings=Settings(index_dir=index))
    assert report.indexed == 1 and not report.skipped, report.to_dict()
    return index


def _copy(report_index: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "index"
    shutil.copytree(report_index, dest)
    return dest


@pytest.mark.slow
def test_ingesting_the_reply_names_each_new_reply_cited(report_index, tmp_path, capsys) -> None:
    index = _copy(report_index, tmp_path)
    assert cli_main(["ingest", str(RESPONSE), "--index", str(index), "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert SUMMARY.fullmatch(lines[0]) and lines[0].startswith("Indexed 1 document(s)"), lines[0]
    tracker = [ln.strip() for ln in lines[1:]]
    for n, (stance, place) in REPLIES.items():
        expected = f"New response to Recommendation {n} ({REPORT_TITLE}): {stance} — {RESPONSE_TITLE}, {place}"
        assert any(ln.startswith(expected) for ln in tracker), (expected, tracker)
    # At most ten items are named; the rest are counted, with the command that lists them all.
    named = [ln for ln in tracker if ln.startswith(("New response to ", "New evidence for "))]
    assert 0 < len(named) <= TRACKER_LINES
    today = datetime.now(timezone.utc).date().isoformat()
    more = [ln for ln in tracker if ln.startswith("… and ")]
    assert len(named) + len(more) == len(tracker)
    if len(named) == TRACKER_LINES and more:
        assert re.fullmatch(rf"… and \d+ more \(evidence digest --since {today}\)", more[0]), more

    # Ingesting it again adds nothing, so nothing new is claimed.
    assert cli_main(["ingest", str(RESPONSE), "--index", str(index), "--quiet"]) == 0
    again = capsys.readouterr().out.splitlines()
    assert len(again) == 1 and SUMMARY.fullmatch(again[0]) and "0 document(s)" in again[0] and ", 1 unchanged" in again[0]


@pytest.mark.slow
def test_ingest_json_carries_the_same_under_tracker(report_index, tmp_path, capsys) -> None:
    index = _copy(report_index, tmp_path)
    assert cli_main(["ingest", str(RESPONSE), "--index", str(index), "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["documents"]["indexed"] == 1
    tracker = out["tracker"]
    assert tracker["since"] == datetime.now(timezone.utc).date().isoformat()
    got = {e["item"]["label"]: e for e in tracker["items"] if e["item"]["kind"] == "recommendation"}
    for n, (stance, _) in REPLIES.items():
        reply = got[f"Recommendation {n}"]["new_response"]
        assert reply["stance"] == stance and reply["response_title"] == RESPONSE_TITLE
        assert reply["decisive"]["quote"] and reply["decisive"]["title"] == RESPONSE_TITLE
    # New evidence is only ever from the document this run added.
    passages = [ev for e in tracker["items"] for ev in e["new_evidence"]]
    assert {ev["title"] for ev in passages} <= {RESPONSE_TITLE}
    assert len(tracker["lines"]) <= TRACKER_LINES + 1 and tracker["lines"][0].startswith("New ")


@pytest.mark.slow
def test_an_unrelated_file_leaves_the_summary_as_it_was(report_index, tmp_path, capsys) -> None:
    from evidence_ingest.pipeline import IngestReport

    index = _copy(report_index, tmp_path)
    note = tmp_path / "docs" / "car-parking.md"
    note.parent.mkdir()
    note.write_text(UNRELATED, encoding="utf-8")
    assert cli_main(["ingest", str(note), "--index", str(index), "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and SUMMARY.fullmatch(lines[0]) and lines[0].startswith("Indexed 1 document(s)"), lines
    # Also with --json: the same keys as always, no "tracker".
    other = note.with_name("car-parking-2.md")
    other.write_text(UNRELATED.replace("Visitor car parking (test)", "Staff car parking (test)")
                     .replace("evening visitors", "night staff"), encoding="utf-8")
    assert cli_main(["ingest", str(other), "--index", str(index), "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["documents"]["indexed"] == 1 and set(out) == set(IngestReport().to_dict())


@pytest.mark.slow
def test_no_tracker_leaves_the_summary_as_it_was(report_index, tmp_path, capsys) -> None:
    """`--no-tracker` skips the check (a large index pays a second or two for it): the reply is
    indexed, the summary is its one line, and `evidence digest` still finds the new replies."""
    index = _copy(report_index, tmp_path)
    assert cli_main(["ingest", str(RESPONSE), "--index", str(index), "--quiet", "--no-tracker"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and SUMMARY.fullmatch(lines[0]) and lines[0].startswith("Indexed 1 document(s)"), lines
    today = datetime.now(timezone.utc).date().isoformat()
    assert cli_main(["digest", "--since", today, "--index", str(index), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    got = {e["item"]["label"]: e["new_response"]["stance"] for e in out["items"] if e["new_response"]}
    assert {k: v for k, v in got.items() if k.startswith("Recommendation ")} == {
        **{f"Recommendation {n}": stance for n, (stance, _) in REPLIES.items()}, "Recommendation 8": "not addressed"}


@pytest.mark.slow
def test_digest_narrowed_to_documents_leaves_out_the_others(report_index, tmp_path) -> None:
    """The digest narrowed to the report's own document finds no reply (the replies are in the
    response) and no evidence from the response; narrowed to the response it finds them all."""
    from evidence_assistant.core.settings import Settings
    from evidence_assistant.surfaces.api import Assistant
    from evidence_assistant.tracker.tracker_progress import digest
    from evidence_ingest.pipeline import ingest

    index = _copy(report_index, tmp_path)
    s = Settings(index_dir=index)
    ingest([RESPONSE], settings=s)
    today = datetime.now(timezone.utc).date().isoformat()
    with Assistant.open(settings=s) as assistant:
        by_title = {d["title"]: d["doc_id"] for d in assistant.documents()}
        response_id, report_id = by_title[RESPONSE_TITLE], by_title[REPORT_TITLE]
        only_report = digest(assistant, today, doc_ids={report_id})
        only_response = digest(assistant, today, doc_ids={response_id})
    assert not any(e["new_response"] for e in only_report["items"])
    assert all(ev["doc_id"] == report_id for e in only_report["items"] for ev in e["new_evidence"])
    replies = {e["item"]["label"] for e in only_response["items"] if e["new_response"]}
    assert {f"Recommendation {n}" for n in REPLIES} <= replies
    assert all(ev["doc_id"] == response_id for e in only_response["items"] for ev in e["new_evidence"])
