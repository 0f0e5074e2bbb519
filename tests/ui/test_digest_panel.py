"""The Recommendations tab's "What changed" panel: the recommendations and commitments that gained
a reply or evidence since a day, over a real index of the sample committee report
(hc223-conclusions-and-recommendations.html), the real reply to it
(hc1803-replies-to-recommendations.pdf) and a later progress note written here, whose sentence
carries markup that must stay text."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "corpus"))
from tracker_corpus import SAMPLE_REPORT as REPORT, SAMPLE_REPORT_TITLE as REPORT_TITLE  # noqa: E402
from tracker_corpus import SAMPLE_RESPONSE as RESPONSE, SAMPLE_RESPONSE_TITLE as RESPONSE_TITLE  # noqa: E402

PROGRESS = """---
title: Supplier standards progress note (test)
kind: news
date: "2024-04-02"
publisher: NHS England
---

# Supplier standards

12. NHS England has now published the timetable for the data-sharing standards that every supplier of clinical systems must meet <img src=x onerror=alert(1)> in new contracts.
"""


@pytest.fixture(scope="module")
def view(tmp_path_factory):
    from evidence_assistant import Assistant
    from evidence_assistant.core.settings import Settings
    from evidence_assistant.surfaces.ui.tracker_tab import TrackerView
    from evidence_ingest.pipeline import ingest

    root = tmp_path_factory.mktemp("digest-panel")
    note = root / "docs" / "supplier-standards-2024.md"
    note.parent.mkdir()
    note.write_text(PROGRESS, encoding="utf-8")
    settings = Settings(index_dir=root / "index")
    report = ingest([REPORT, RESPONSE, note], settings=settings)
    assert report.indexed == 3 and not report.skipped, report.to_dict()
    a = Assistant.open(settings=settings)
    v = TrackerView(a)
    yield v
    v.close()
    a.close()


@pytest.mark.slow
def test_what_changed_lists_new_replies_and_evidence_cited_and_escaped(view) -> None:
    html = view.digest_html("2023-07-01")  # after the report, before the reply and the note
    assert "since 2023-07-01" in html
    # Recommendation 3: its new reply, with the sentence that decides the stance cited ...
    start = html.index("Recommendation 3 —")
    item = html[start:html.index('<div class="ea-recommendation ea-digest-item">', start)]
    assert REPORT_TITLE in item and "NHS England should publish by March 2024 a timetable" in item
    assert "New reply: accepted" in item and RESPONSE_TITLE.replace("'", "&#x27;") in item
    assert "the sentence that decides the stance" in item and "p. 3, para. 8" in item
    # ... and the progress note's sentence quoted with its title, date and place, as text.
    assert "Supplier standards progress note (test)" in item and "2024-04-02" in item and "para. 12" in item
    assert "has now published the timetable for the data-sharing standards" in item and "states: met" in item
    assert "&lt;img src=x onerror=alert(1)&gt;" in item
    assert "<img" not in html and "onerror=alert(1)>" not in html
    # Every recommendation the reply answers is listed.
    for n in range(1, 9):
        assert f"Recommendation {n} —" in html


@pytest.mark.slow
def test_what_changed_after_everything_says_nothing_new(view) -> None:
    html = view.digest_html("2999-01-01")
    assert "Nothing new since 2999-01-01." in html and "Recommendation" not in html
    # A day after the reply's date but before the note's: the note is new; so is the reply, as it
    # was indexed today.
    later = view.digest_html("2024-01-01")
    assert "Supplier standards progress note (test)" in later and "New reply: accepted" in later


@pytest.mark.slow
def test_a_bad_date_names_the_box_and_the_form(view) -> None:
    from html import unescape

    for bad, why in (("last week", "got 'last week'"), ("2024-02-30", "'2024-02-30' is not a day of the calendar"),
                     ("", "the box is empty"), ("2024-3-1", "got '2024-3-1'"), ("<b>2024</b>", "got '<b>2024</b>'")):
        html = view.digest_html(bad)
        assert 'class="ea-error"' in html, bad
        shown = unescape(html)
        assert "“Changed since” must be a date in the form YYYY-MM-DD" in shown and why in shown, (bad, html)
        assert "<b>" not in html  # what was typed is shown as text


def test_the_default_day_is_thirty_days_before_today() -> None:
    from evidence_assistant.surfaces.ui.tracker_tab import check_since, default_since

    assert default_since(date(2024, 3, 31)) == "2024-03-01"
    assert default_since() == date.fromordinal(date.today().toordinal() - 30).isoformat()
    assert check_since(" 2024-01-31 ") == "2024-01-31"


@pytest.mark.slow
def test_the_panel_is_in_the_recommendations_tab(view) -> None:
    import gradio as gr

    from evidence_assistant.surfaces.ui.tracker_tab import add_tracker_tab

    with gr.Blocks() as demo:
        with gr.Tabs():
            add_tracker_tab(demo, view.assistant)
    names = {getattr(fn, "api_name", None) for fn in demo.fns.values()}
    assert {"ui_recommendations_digest", "ui_digest_since"} <= names
    ids = {getattr(block, "elem_id", None) for block in demo.blocks.values()}
    assert {"digest-since", "digest-button", "digest-result"} <= ids


@pytest.mark.slow
@pytest.mark.browser
def test_what_changed_in_the_browser(browser, live_app, artifacts) -> None:
    """The panel in the real app over corpus/sample: the box opens on 30 days ago; a day before the
    reply lists the recommendations it answers; a malformed day names the box."""
    from evidence_assistant.surfaces.ui.tracker_tab import default_since

    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(live_app["url"])
        page.get_by_role("tab", name="Recommendations").click()
        box = page.locator("#digest-since textarea, #digest-since input").first
        box.wait_for()
        assert box.input_value() == default_since()
        box.fill("2023-07-01")
        page.click("#digest-button")
        page.locator("#digest-result .ea-digest").wait_for(timeout=120_000)
        text = page.inner_text("#digest-result")
        assert "Recommendation 3" in text and "New reply:" in text and "the sentence that decides the stance" in text
        page.screenshot(path=str(artifacts / "11-what-changed.png"), full_page=True)
        box.fill("July 2023")
        page.click("#digest-button")
        page.locator("#digest-result .ea-error").wait_for()
        assert "“Changed since” must be a date in the form YYYY-MM-DD" in page.inner_text("#digest-result")
    finally:
        context.close()
