"""The Recommendations tab: every recommendation of the indexed committee reports, the reply to
it and what has happened since.

A table (report, number, recommendation shortened, reply stance, status); choosing a row shows
the recommendation in full, the reply with the sentence that decides its stance cited, and the
evidence timeline, each passage cited with its quoted sentence. The table exports to CSV and
Word with the same citations. "What changed" lists the recommendations and commitments that
gained a reply or evidence since a date the user gives, each new passage cited.

``add_tracker_tab(demo, assistant, links)`` adds the tab; call it inside the app's ``gr.Tabs()``.
The rows are read when the page loads (not while the app is built), and kept until the index
changes. Gradio's ``gr.HTML`` does not sanitise, so every piece of document text goes through
``render.esc`` (``html.escape`` plus the characters gr.HTML's template would read).
"""
from __future__ import annotations

import atexit
import logging
import re
import shutil
import tempfile
import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import gradio as gr

from evidence_assistant.core.errors import EvidenceError
from evidence_assistant.core.locator import locator
from evidence_assistant.tracker.tracker_progress import TrackerRow, digest, tracker_rows

from evidence_assistant.surfaces.ui.render import error_html, esc, info_html, link_html, no_links, table_html

log = logging.getLogger(__name__)

SHORT = 140  # characters of a recommendation shown in the table
DIGEST_DAYS = 30  # "What changed" starts this many days before today unless the user says otherwise
SINCE_FIELD = "Changed since"  # the date box's label, named by its error messages


def default_since(today: date | None = None) -> str:
    """The day "What changed" starts from when the page opens: 30 days before today."""
    return ((today or date.today()) - timedelta(days=DIGEST_DAYS)).isoformat()


def check_since(value: Any) -> str:
    """The date box's value as YYYY-MM-DD, or an EvidenceError naming the box and the form."""
    text = str(value or "").strip()
    form = f"“{SINCE_FIELD}” must be a date in the form YYYY-MM-DD, for example {default_since()}"
    if not text:
        raise EvidenceError(f"{form}; the box is empty")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise EvidenceError(f"{form}; got {text[:40]!r}")
    try:
        date.fromisoformat(text)
    except ValueError:
        raise EvidenceError(f"{form}; {text!r} is not a day of the calendar") from None
    return text


def shorten(text: str, width: int = SHORT) -> str:
    if len(text) <= width:
        return text
    cut = text[:width]
    return (cut[: cut.rfind(" ")] if " " in cut[width // 2:] else cut).rstrip(" ,;:") + "…"


class TrackerView:
    """The tab's handlers: pure functions of the index, tested without a browser."""

    def __init__(self, assistant: Any, links: Any = no_links):
        self.assistant = assistant
        self.links = links
        self._cache: tuple[int, list[TrackerRow], list[str]] | None = None
        self._lock = threading.Lock()
        self._export_dir: Path | None = None
        self._digest: tuple[int, str, dict[str, Any]] | None = None  # the last "What changed", while the index stays

    def rows(self) -> tuple[list[TrackerRow], list[str]]:
        gen = self.assistant.index_version()
        with self._lock:
            if self._cache is None or self._cache[0] != gen:
                rows, notes = tracker_rows(self.assistant)
                self._cache = (gen, rows, notes)
            return self._cache[1], self._cache[2]

    def choices(self) -> list[tuple[str, str]]:
        rows, _ = self.rows()
        return [(shorten(f"{r.item.source_title} · {r.number}: {r.item.text}", 110), r.item.key) for r in rows]

    def table_html(self) -> str:
        rows, notes = self.rows()
        body = table_html(("Report", "No.", "Recommendation", "Reply", "Status"),
                          [(r.item.source_title, r.number, shorten(r.item.text), r.stance, r.status) for r in rows],
                          css_class="ea-table ea-recommendations",
                          empty="No recommendations: index a committee report with numbered conclusions and "
                                "recommendations.")
        if notes:
            body += '<div class="ea-note">' + esc("; ".join(notes)) + "</div>"
        return body

    def detail_html(self, key: str | None) -> str:
        if not key:
            return info_html("Choose a recommendation to see the reply and what has happened since.")
        rows, _ = self.rows()
        row = next((r for r in rows if r.item.key == key), None)
        if row is None:
            return error_html("that recommendation is no longer in the index; choose another")
        it, pr = row.item, row.progress
        where = ", ".join(x for x in (it.date or "undated", f"p. {it.page}" if it.page else "",
                                      f"para. {it.paragraph}" if it.paragraph else "") if x)
        head = (f'<div class="ea-recommendation"><h3>{esc(it.source_title)}: recommendation {esc(row.number)}</h3>'
                f'<blockquote class="ea-rec-text">{esc(it.text)}</blockquote>'
                f'<div class="ea-where">{esc(where)}'
                + (f" · deadline: {esc(it.deadline)}" if it.deadline else "") + "</div></div>")
        reply = f'<div class="ea-reply"><strong>Reply: {esc(row.stance)}</strong>'
        if row.response_title:
            reply += f' <span class="ea-title">{esc(row.response_title)}</span>'
            if row.response_date:
                reply += f' <span class="ea-where">({esc(row.response_date)})</span>'
        if row.decisive is not None:
            d = row.decisive
            loc = ", ".join(x for x in (f"p. {d.page}" if d.page else "", f"para. {d.paragraph}" if d.paragraph else "") if x)
            reply += (f'<blockquote class="ea-decisive">{esc(d.quote)}</blockquote>'
                      f'<div class="ea-where">the sentence that decides the stance · {esc(d.title)}'
                      + (f", {esc(loc)}" if loc else "") + "</div>")
        elif row.reply_note:
            reply += f'<div class="ea-note">{esc(row.reply_note)}</div>'
        reply += "</div>"
        basis = pr.status_basis
        status = (f'<div class="ea-status"><strong>Status: {esc(pr.status)}</strong>'
                  + (f" — stated by {esc(basis.title)} ({esc(basis.date or 'undated')})" if basis else
                     " — no cited passage states whether it was delivered")
                  + "</div>")
        return head + reply + status + evidence_html(pr, self.links)

    def digest(self, since: str) -> dict[str, Any]:
        """The recommendations and commitments with a new reply or new evidence since ``since``
        (``tracker_progress.digest``); the last one is kept until the index changes."""
        gen = self.assistant.index_version()
        with self._lock:
            if self._digest is not None and self._digest[:2] == (gen, since):
                return self._digest[2]
        result = digest(self.assistant, since)
        with self._lock:
            self._digest = (gen, since, result)
        return result

    def digest_html(self, since: Any) -> str:
        """"What changed": each item that gained a reply or evidence since the day in the date box,
        the reply's deciding sentence and each new passage quoted and cited."""
        try:
            day = check_since(since)
            result = self.digest(day)
        except EvidenceError as exc:
            return error_html(str(exc))
        items = result["items"]
        notes = "".join(f'<div class="ea-note">{esc(n)}</div>' for n in result.get("notes") or [])
        if not items:
            return f'<div class="ea-empty">Nothing new since {esc(day)}.</div>' + notes
        parts = [f'<div class="ea-header">{len(items)} recommendation(s) and commitment(s) with a new reply or new '
                 f'evidence since {esc(day)}</div>']
        parts += [digest_item_html(e, self.links) for e in items]
        return '<div class="ea-digest">' + "".join(parts) + notes + "</div>"

    def export(self, fmt: str) -> tuple[Any, str]:
        from evidence_assistant.surfaces.tracker_export import export_tracker

        rows, _ = self.rows()
        if not rows:
            return gr.skip(), error_html("there is nothing to export: no recommendations are indexed")
        with self._lock:
            if self._export_dir is None:
                self._export_dir = Path(tempfile.mkdtemp(prefix="evidence-tracker-export-"))
                atexit.register(shutil.rmtree, str(self._export_dir), True)
            folder = self._export_dir
        try:
            path = export_tracker(rows, fmt, folder)
        except (OSError, ValueError, EvidenceError) as exc:
            return gr.skip(), error_html(f"the table could not be exported: {exc}")
        return gr.update(value=str(path), visible=True), info_html(f"{path.name}: {len(rows)} recommendation(s) with "
                                                                   "their citations.")

    def refresh(self) -> tuple[str, Any]:
        try:
            return self.table_html(), gr.update(choices=self.choices(), value=None)
        except EvidenceError as exc:
            return error_html(str(exc)), gr.update(choices=[], value=None)

    def close(self) -> None:
        folder, self._export_dir = self._export_dir, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def evidence_html(pr: Any, links: Any = no_links) -> str:
    """The evidence timeline of one item: each later passage by date, its sentence quoted."""
    if not pr.evidence:
        return (f'<div class="ea-empty">No later passage in the index bears on it (searched documents dated from '
                f'{esc(pr.since or "its date")}).</div>')
    lis = []
    for e in pr.evidence:
        where = " · ".join(x for x in (e.kind, ", ".join(y for y in (f"p. {e.page}" if e.page else "",
                                                                   f"para. {e.paragraph}" if e.paragraph else "") if y)) if x)
        flag = f' <span class="ea-tl-status">states: {esc(e.status)}</span>' if e.status else ""
        links_ = " · ".join(link_html(lbl, h) for lbl, h in links(e.path, e.page, e.url))
        lis.append(f'<li><span class="ea-tl-date">{esc(e.date or "undated")}</span> — '
                   f'<span class="ea-title">{esc(e.title)}</span> <span class="ea-where">{esc(where)}</span>{flag}'
                   f'<blockquote class="ea-tl-quote">{esc(e.quote)}</blockquote>'
                   f'<div class="ea-tl-note">Shares: {esc(", ".join(e.shared_terms))}</div>'
                   f'<div class="ea-links">{links_}</div></li>')
    return '<ol class="ea-timeline">' + "".join(lis) + "</ol>"


def digest_item_html(entry: dict[str, Any], links: Any = no_links) -> str:
    """One item of "What changed": what it is, the new reply with the sentence that decides its
    stance, and each new passage of evidence, all cited. Every piece of document text is escaped."""
    it = entry["item"]
    made = ", ".join(x for x in (it.get("date") or "undated", locator(it.get("page"), it.get("paragraph"))) if x)
    out = (f'<div class="ea-recommendation ea-digest-item"><h4>{esc(it["label"])} — '
           f'<span class="ea-title">{esc(it["source_title"])}</span> <span class="ea-where">({esc(made)})</span></h4>'
           f'<blockquote class="ea-rec-text">{esc(it["text"])}</blockquote>')
    reply = entry.get("new_response")
    if reply:
        out += (f'<div class="ea-reply"><strong>New reply: {esc(reply.get("stance") or "not addressed")}</strong> '
                f'<span class="ea-title">{esc(reply.get("response_title") or reply.get("response"))}</span> '
                f'<span class="ea-where">({esc(reply.get("response_date") or "undated")})</span>')
        d = reply.get("decisive")
        if d:
            where = ", ".join(x for x in (d.get("title") or "", locator(d.get("page"), d.get("paragraph"))) if x)
            out += (f'<blockquote class="ea-decisive">{esc(d.get("quote"))}</blockquote>'
                    f'<div class="ea-where">the sentence that decides the stance · {esc(where)}</div>')
        else:
            out += '<div class="ea-note">No sentence of the reply states a position on it.</div>'
        out += "</div>"
    evidence = entry.get("new_evidence") or []
    if evidence:
        lis = []
        for e in evidence:
            where = " · ".join(x for x in (e.get("kind") or "", locator(e.get("page"), e.get("paragraph"))) if x)
            flag = f' <span class="ea-tl-status">states: {esc(e["status"])}</span>' if e.get("status") else ""
            links_ = " · ".join(link_html(lbl, h) for lbl, h in links(e.get("path"), e.get("page"), e.get("url")))
            lis.append(f'<li><span class="ea-tl-date">{esc(e.get("date") or "undated")}</span> — '
                       f'<span class="ea-title">{esc(e["title"])}</span> <span class="ea-where">{esc(where)}</span>{flag}'
                       f'<blockquote class="ea-tl-quote">{esc(e["quote"])}</blockquote>'
                       f'<div class="ea-links">{links_}</div></li>')
        out += '<div class="ea-sources-h">New evidence</div><ol class="ea-timeline">' + "".join(lis) + "</ol>"
    return out + "</div>"


def add_tracker_tab(demo: gr.Blocks, assistant: Any, links: Any = no_links) -> TrackerView:
    """Add the Recommendations tab (call inside ``gr.Tabs()``); returns its view. The table is
    filled when the page loads."""
    view = TrackerView(assistant, links)
    private = "private"
    html_args: dict[str, Any] = {"js_on_load": None}
    with gr.Tab("Recommendations", id="recommendations"):
        table = gr.HTML('<div class="ea-empty">Reading the recommendations…</div>', elem_id="recommendations-table",
                        **html_args)
        pick = gr.Dropdown([], value=None, label="Show the reply and progress for", elem_id="recommendation-pick")
        detail = gr.HTML(view.detail_html(None), elem_id="recommendation-detail", **html_args)
        with gr.Row():
            to_csv = gr.Button("Export CSV", elem_id="recommendations-csv", size="sm")
            to_docx = gr.Button("Export Word (DOCX)", elem_id="recommendations-docx", size="sm")
        out = gr.File(label="Download", interactive=False, visible=False, elem_id="recommendations-file")
        status = gr.HTML("", elem_id="recommendations-status", **html_args)
        gr.Markdown("#### What changed")
        with gr.Row():
            since = gr.Textbox(default_since(), label=SINCE_FIELD, info="YYYY-MM-DD", max_lines=1, elem_id="digest-since")
            show = gr.Button("Show what changed", elem_id="digest-button")
        changed = gr.HTML("", elem_id="digest-result", **html_args)
    pick.change(view.detail_html, pick, detail, api_name="ui_recommendation", api_visibility=private)
    to_csv.click(lambda: view.export("csv"), None, [out, status], api_name="ui_recommendations_csv",
                 api_visibility=private)
    to_docx.click(lambda: view.export("docx"), None, [out, status], api_name="ui_recommendations_docx",
                  api_visibility=private)
    show.click(view.digest_html, since, changed, api_name="ui_recommendations_digest", api_visibility=private)
    since.submit(view.digest_html, since, changed, api_name="ui_recommendations_digest_submit",
                 api_visibility=private)
    # The default date follows the calendar: worked out again each time the page opens.
    demo.load(lambda: default_since(), None, since, api_name="ui_digest_since", api_visibility=private)
    demo.load(view.refresh, None, [table, pick], api_name="ui_recommendations_refresh", api_visibility=private)
    return view
