"""The running app over HTTP: the `ask` endpoint others load-test, and the file links."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.slow


def call_ask(url: str, question: str, filters_json: str = "") -> dict[str, Any]:
    with httpx.Client(base_url=url, timeout=120) as c:
        r = c.post("gradio_api/call/ask", json={"data": [question, filters_json]})
        r.raise_for_status()
        events = c.get(f"gradio_api/call/ask/{r.json()['event_id']}").text
    data = [line[len("data: "):] for line in events.splitlines() if line.startswith("data: ")]
    return json.loads(data[-1])[0]


def test_ask_endpoint_returns_the_checked_answer(live_app: dict[str, Any]) -> None:
    out = call_ask(live_app["url"], "When did the Committee publish the Expert Panel's evaluation?",
                   json.dumps({"kinds": ["report"]}))
    assert out["verdict"] in ("supported", "partially_supported")
    assert out["citations"] and all(c["kind"] == "report" for c in out["citations"])
    assert out["filters"]["kinds"] == ["report"] and out["evidence_as_of"]


def test_ask_endpoint_reports_bad_input_as_an_error(live_app: dict[str, Any]) -> None:
    assert "the question is empty" in call_ask(live_app["url"], "  ")["error"]
    assert "must be a date like" in call_ask(live_app["url"], "When?", '{"since": "17/02/2023"}')["error"]
    assert "unknown document kind" in call_ask(live_app["url"], "When?", '{"kinds": ["memo"]}')["error"]


def test_file_links_serve_pdfs_at_the_page_but_never_html(live_app: dict[str, Any]) -> None:
    links = live_app["demo"].evidence_ui.links
    docs = {Path(d["path"]).name: d["path"] for d in live_app["assistant"].documents()}
    pdf = docs["hc1313-government-response-expert-panel.pdf"]
    label, href = links(pdf, "4", None)[0]
    assert label == "Open the PDF at page 4" and href.endswith("#page=4")
    with httpx.Client(base_url=live_app["url"], timeout=30) as c:
        r = c.get(href.split("#")[0])
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        html_doc = docs["hc780-expert-panel-evaluation.html"]
        assert [lbl for lbl, _ in links(html_doc, None, "https://example.org/x")] == ["Source: example.org"]
        assert c.get(f"gradio_api/file={html_doc}").status_code == 403  # a page is never served from our origin
        assert c.get("gradio_api/file=/etc/passwd").status_code == 403


def test_upload_with_kind_and_date_then_remove(live_app: dict[str, Any], tmp_path: Path) -> None:
    ui = live_app["demo"].evidence_ui
    doc = tmp_path / "okapi-note.txt"
    doc.write_text("The Okapi Trust reported that its digital records pilot reached 12 wards.\n")
    results, *_ = ui.upload([str(doc)], "evidence", "2025-03-14", [])
    assert "okapi-note.txt: indexed as" in results and "(evidence, 2025-03-14, 1 passages)" in results
    added = next(d for d in live_app["assistant"].documents() if Path(d["path"]).name == "okapi-note.txt")
    assert (added["kind"], added["date"]) == ("evidence", "2025-03-14")  # the form's metadata reached the index
    copy = Path(added["path"])
    assert copy.parent == Path(live_app["settings"].upload_dir).resolve()
    message, *_ = ui.remove(added["doc_id"], [added["doc_id"]])
    assert "Removed" in message and "uploaded copy was deleted" in message
    assert not copy.exists()
    assert all(d["doc_id"] != added["doc_id"] for d in live_app["assistant"].documents())
