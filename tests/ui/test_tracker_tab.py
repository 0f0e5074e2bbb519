"""The Recommendations tab: the table of recommendations with reply and status, and the detail
of a chosen row (the recommendation, the reply's deciding sentence cited, the evidence timeline),
over a real index of a small report, response and progress update; document text stays inert."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "corpus"))
import tracker_corpus  # noqa: E402


@pytest.fixture(scope="module")
def view(tmp_path_factory):
    from evidence_assistant.surfaces.ui.tracker_tab import TrackerView

    a = tracker_corpus.build_index(tmp_path_factory.mktemp("tracker-tab"))
    v = TrackerView(a)
    yield v
    v.close()
    a.close()


@pytest.mark.slow
def test_table_lists_each_recommendation_with_reply_and_status(view) -> None:
    html = view.table_html()
    for header in ("Report", "No.", "Recommendation", "Reply", "Status"):
        assert f"<th>{header}</th>" in html or header in html
    assert html.count("<tr") == 5  # a header and four recommendations
    for shown in ("accepted", "not accepted", "noted", "not matched", "met", "off track", "no evidence yet",
                  "Hospital beds and discharge (test report)"):
        assert shown in html
    # Document markup is shown as text, never as markup.
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    keys = [k for _, k in view.choices()]
    assert keys == ["report.md#1", "report.md#2", "report.md#3", "report.md#4"]


@pytest.mark.slow
def test_choosing_a_row_shows_reply_cited_and_the_evidence_timeline(view) -> None:
    html = view.detail_html("report.md#1")
    assert "We recommend that NHS England publish a national bed-capacity dashboard" in html
    assert "Reply: accepted" in html and "The Government accepts this recommendation." in html
    assert "the sentence that decides the stance" in html and "Hospital beds and discharge - Government response (test)" in html
    assert "Status: met" in html and "Urgent care progress update (test)" in html
    assert "2024-05-01" in html and "has now been launched" in html and "states: met" in html
    quiet = view.detail_html("report.md#3")
    assert "Status: no evidence yet" in quiet and "No later passage in the index bears on it" in quiet
    hostile = view.detail_html("report.md#4")
    assert "<img" not in hostile and "<b>paperless" not in hostile and "&lt;b&gt;paperless" in hostile
    assert "not matched" in hostile
    assert "Choose a recommendation" in view.detail_html(None)
    assert "no longer in the index" in view.detail_html("gone.md#9")


@pytest.mark.slow
def test_export_buttons_write_csv_and_docx_and_the_tab_builds(view) -> None:
    import gradio as gr

    from evidence_assistant.surfaces.ui.tracker_tab import add_tracker_tab

    update, message = view.export("csv")
    path = Path(update["value"])
    assert path.suffix == ".csv" and path.is_file() and "4 recommendation(s)" in message
    text = path.read_text(encoding="utf-8-sig")
    assert "The Government accepts this recommendation." in text and "Urgent care progress update (test)" in text
    update, _ = view.export("docx")
    assert Path(update["value"]).suffix == ".docx"
    table, pick = view.refresh()
    assert "ea-recommendations" in table and len(pick["choices"]) == 4
    with gr.Blocks() as demo:
        with gr.Tabs():
            tab_view = add_tracker_tab(demo, view.assistant)
    assert tab_view.assistant is view.assistant
    names = {getattr(fn, "api_name", None) for fn in demo.fns.values()}
    assert {"ui_recommendation", "ui_recommendations_csv", "ui_recommendations_refresh"} <= names
