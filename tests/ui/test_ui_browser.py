"""The real app in headless Chromium, as committee staff use it. Screenshots of each step go to
test-artifacts/ui/ (refresh docs/screenshots/chat.png with EVIDENCE_UPDATE_SCREENSHOTS=1)."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Iterator

import pytest

from ui_helpers import update_readme_screenshot

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ANSWER_TIMEOUT = 90_000  # ms; two shared cores, and the first question warms the model


@pytest.fixture
def page(browser: Any, live_app: dict[str, Any]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    outside: list[str] = []

    def offline(route: Any) -> None:  # the app must work with no network: nothing leaves this machine
        if route.request.url.startswith(live_app["url"]):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    pg.route("**/*", offline)
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.goto(live_app["url"])
    pg.wait_for_selector("#question textarea")
    yield pg
    context.close()
    assert dialogs == [], f"a dialog opened: {dialogs}"
    assert outside == [], f"the page tried to reach the network: {outside}"


def ask(page: Any, question: str, turn: int) -> Any:
    page.fill("#question textarea", question)
    page.click("#ask")
    done = page.locator(f"#turn-{turn}[data-verdict]")
    done.wait_for(timeout=ANSWER_TIMEOUT)
    return done


def upload(page: Any, path: Path, kind: str) -> str:
    page.get_by_role("tab", name="Sources").click()
    page.locator("#upload-files input[type=file]").set_input_files(str(path))
    page.locator("#upload-files").get_by_text(path.name).first.wait_for()  # Gradio has received it
    page.click("#upload-kind input")
    page.get_by_role("option", name=kind, exact=True).click()
    page.locator("#upload-date").locator("input, textarea").first.fill(date.today().isoformat())
    page.click("#upload-button")
    page.locator("#upload-results .ea-messages").wait_for(timeout=ANSWER_TIMEOUT)
    return page.inner_text("#upload-results")


def test_staff_workflow(page: Any, live_app: dict[str, Any], artifacts: Path, tmp_path: Path) -> None:
    shot = lambda name: page.screenshot(path=str(artifacts / name), full_page=True)  # noqa: E731
    shot("01-start.png")

    # 1. A question about the sample corpus gets a cited answer, its sources listed below it.
    question = "When did the Committee publish the Expert Panel's evaluation?"
    turn = ask(page, question, 1)
    assert turn.get_attribute("data-verdict") in ("supported", "partially_supported")
    assert turn.locator("sup.ea-cite").count() >= 1
    assert turn.locator("details.ea-source").count() >= 1
    shot("02-answer.png")

    # 2. Opening citation [1] shows the passage with the quoted words highlighted — exactly the
    #    quote the API reports for it.
    expected = next(c for c in live_app["assistant"].ask(question).citations if c.n == 1)
    source = page.locator("#src-1-1")
    source.locator("summary").click()
    mark = source.locator("mark.ea-quote").first
    mark.wait_for(state="visible")
    assert mark.inner_text().strip() == expected.quote.strip()
    summary = source.locator("summary").inner_text()
    assert expected.title in summary and (expected.kind in summary)
    meta = source.locator("dl.ea-meta").inner_text()
    for value in (expected.title, expected.kind, expected.date or "not dated", expected.page or "—",
                  expected.paragraph or "—"):
        assert value in meta
    assert source.locator("a.ea-link").count() >= 1  # to the file at that page, or the document's address
    source.scroll_into_view_if_needed()
    shot("03-citation.png")
    update_readme_screenshot(artifacts / "03-citation.png")

    # 3. A follow-up is rewritten to stand alone; the rewrite is shown on request.
    follow_up = "And when did the Government respond to it?"
    turn = ask(page, follow_up, 2)
    assert turn.locator(".ea-standalone").count() == 0
    page.locator("#show-standalone input").check()
    rewrite = page.locator("#turn-2 .ea-standalone")
    rewrite.wait_for()
    understood = rewrite.inner_text()
    assert understood.startswith("Understood as:") and follow_up not in understood
    rewrite.scroll_into_view_if_needed()
    shot("04-follow-up.png")
    page.locator("#show-standalone input").uncheck()

    # 4. A filter narrows the question: only government responses.
    page.locator("#filter-kinds label", has_text="response").click()
    turn = ask(page, "What did the Government say about the Expert Panel's evaluation?", 3)
    assert "kind: response" in turn.locator(".ea-filters").inner_text()
    wheres = turn.locator("details.ea-source .ea-where").all_inner_texts()
    assert wheres and all(w.startswith("response") for w in wheres), wheres
    turn.scroll_into_view_if_needed()
    shot("05-filtered.png")
    page.locator("#filter-kinds label", has_text="response").click()  # filter off again

    # 5. Evidence that arrived this morning: upload it, then ask about it.
    doc = tmp_path / "zebra-ambulance-evidence.md"
    doc.write_text("---\ntitle: Written evidence from the Royal College of Zebra Medicine\n---\n\n"
                   "# Striped ambulances\n\n"
                   "1. The Royal College of Zebra Medicine told the Committee that 417 striped ambulances had "
                   "been fitted with digital patient record terminals by March 2025.\n")
    results = upload(page, doc, "evidence")
    assert "zebra-ambulance-evidence.md: indexed as “Written evidence from the Royal College of Zebra Medicine”" in results
    assert "Royal College of Zebra Medicine" in page.inner_text("#documents")
    shot("06-upload.png")
    page.get_by_role("tab", name="Chat").click()
    turn = ask(page, "How many striped ambulances did the Royal College of Zebra Medicine say had digital "
                     "patient record terminals?", 4)
    assert "417" in turn.locator(".ea-text").inner_text()
    assert "Royal College of Zebra Medicine" in " ".join(turn.locator("details.ea-source summary").all_inner_texts())
    turn.scroll_into_view_if_needed()
    shot("07-answer-from-upload.png")

    # 6. Export the conversation to Markdown: footnotes and the evidence date come with it.
    page.click("#export-which input")
    page.get_by_role("option", name="Whole conversation").click()
    page.click("#export-md")
    link = page.locator("#export-file a").first
    link.wait_for()
    with page.expect_download() as dl:
        link.click()
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# Evidence Assistant: conversation")
    assert "[^1]: " in text and "417" in text and "Royal College of Zebra Medicine" in text
    assert "Evidence as of " in text
    shot("08-export.png")

    # 7. Bad input leaves the conversation as it was and says what is wrong.
    page.fill("#question textarea", "   ")
    page.click("#ask")
    page.locator("#status .ea-error").wait_for()
    assert "The question is empty" in page.inner_text("#status")
    assert page.locator("#conversation .ea-turn").count() == 4
    shot("09-empty-question.png")


def test_commitment_timeline(page: Any, artifacts: Path) -> None:
    page.get_by_role("tab", name="Commitments").click()
    table = page.inner_text("#commitments-table")
    assert "NHS App" in table and "requires improvement" in table
    page.click("#commitment-pick input")
    page.get_by_role("option", name="NHS App registration").click()
    items = page.locator("#timeline ol.ea-timeline > li")
    items.first.wait_for()
    dates = page.locator("#timeline .ea-tl-date").all_inner_texts()
    assert len(dates) >= 3 and dates == sorted(dates)  # ordered by document date
    first = items.first.inner_text()
    assert "A plan for digital health and social care" in first and "para. 8" in first
    page.screenshot(path=str(artifacts / "10-commitments.png"), full_page=True)


def test_document_markup_is_shown_as_text(page: Any, live_app: dict[str, Any], artifacts: Path,
                                          tmp_path: Path) -> None:
    doc = tmp_path / "crossings-note.md"
    doc.write_text("# Notes on <script>window.xssRan = 1</script> zebra crossings\n\n"
                   "The Royal Society of Pedestrian Crossings said <script>window.xssRan = 2</script> that 93 zebra "
                   'crossings were repainted <img src=x onerror="window.xssRan = 3"> in the pilot area, '
                   "at a cost of ${7*7} and {{7*7}} pounds.\n")
    results = upload(page, doc, "evidence")
    assert "crossings-note.md: indexed" in results
    table = page.inner_text("#documents")
    assert "<script>window.xssRan = 1</script>" in table  # the title, as text
    page.click("#remove-doc input")  # and in the document pickers
    assert page.get_by_role("option", name="Notes on <script>window.xssRan = 1</script>", exact=False).count() == 1
    page.keyboard.press("Escape")
    page.get_by_role("tab", name="Chat").click()
    turn = ask(page, "How many zebra crossings did the Royal Society of Pedestrian Crossings say were repainted?", 1)
    source = turn.locator("details.ea-source", has_text="Pedestrian Crossings").first
    source.locator("summary").click()
    passage = source.locator(".ea-passage").inner_text()
    assert "<script>window.xssRan = 2</script>" in passage
    assert '<img src=x onerror="window.xssRan = 3">' in passage
    assert "${7*7} and {{7*7}}" in passage  # no template evaluation either
    assert page.evaluate("typeof window.xssRan") == "undefined"
    assert page.locator("#conversation script, #conversation img, #documents script").count() == 0
    source.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "11-markup-as-text.png"), full_page=True)
