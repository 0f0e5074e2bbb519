"""The recommendations table taken away: CSV for a spreadsheet, Word (DOCX) for a briefing.

Every row carries its citations: the recommendation's own place in its report, the sentence of
the reply that decides its stance (document, page, paragraph, quote), and the passages of the
evidence timeline (title, date, page, paragraph, quote), with the one that supports the status
named. Files are written as ``evidence_assistant.surfaces.export`` writes answers: each export in a folder of its
own, under a temporary name renamed into place, old exports removed.

Document text is untrusted: in the CSV a cell that a spreadsheet would read as a formula
(starting ``=``, ``+``, ``-``, ``@``, tab or carriage return) is prefixed with an apostrophe, so
it is shown as text and never run.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

from evidence_assistant.core.locator import locator
from evidence_assistant.surfaces.export import EXPORT_MAX_AGE_S, _docx_text, _write_whole, write_export

__all__ = ["CSV_COLUMNS", "to_csv_text", "to_csv", "to_docx", "export_tracker", "FORMATS"]

FORMATS = {"csv": ".csv", "docx": ".docx"}
CSV_COLUMNS = ("report", "report date", "number", "recommendation", "recommendation cited", "reply stance",
               "reply", "reply cited", "status", "status cited", "evidence")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _where(title: str | None, date: str | None, page: str | None, paragraph: str | None) -> str:
    parts = [x for x in (date, locator(page, paragraph)) if x]
    return f"{title or 'untitled'}" + (f" ({', '.join(parts)})" if parts else "")


def _cited(title: str | None, date: str | None, page: str | None, paragraph: str | None, quote: str) -> str:
    return f"{_where(title, date, page, paragraph)}: “{quote.strip()}”"


def _reply_cited(row: Any) -> str:
    d = row.decisive
    if d is None:
        return row.reply_note or ""
    return _cited(d.title, row.response_date, d.page, d.paragraph, d.quote)


def _row_values(row: Any) -> list[str]:
    it, pr = row.item, row.progress
    basis = pr.status_basis
    evidence = "\n".join(f"[{i}] {e.cite()}" for i, e in enumerate(pr.evidence, start=1))
    return [it.source_title, it.date or "", row.number, it.text,
            _where(it.source_title, it.date, it.page, it.paragraph), row.stance,
            row.response_title or "", _reply_cited(row), pr.status,
            basis.cite() if basis else "no cited passage states progress", evidence]


def to_csv_text(rows: Sequence[Any]) -> str:
    """The table as CSV text (UTF-8 with a byte-order mark added when written, for Excel)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for row in rows:
        w.writerow([_cell(v) for v in _row_values(row)])
    return buf.getvalue()


def to_csv(rows: Sequence[Any], path: str | Path) -> Path:
    text = to_csv_text(rows)
    return _write_whole(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8-sig", newline=""))


def to_docx(rows: Sequence[Any], path: str | Path, *, title: str = "Recommendations: replies and progress") -> Path:
    """A Word document: a summary table, then each recommendation with its reply and evidence,
    and a numbered list of sources."""
    from docx import Document

    t = _docx_text
    doc = Document()
    doc.core_properties.title = t(title)
    doc.add_heading(t(title), level=1)
    doc.add_paragraph().add_run(t(f"Exported {datetime.now().strftime('%Y-%m-%d %H:%M')}. A status is given only "
                                  "where a cited passage states it; otherwise “no evidence yet”.")).italic = True
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, head in zip(table.rows[0].cells, ("Report", "No.", "Recommendation", "Reply", "Status")):
        cell.text = head
    for row in rows:
        text = row.item.text if len(row.item.text) <= 160 else row.item.text[:157].rstrip() + "…"
        for cell, value in zip(table.add_row().cells, (row.item.source_title, row.number, text, row.stance, row.status)):
            cell.text = t(value)
    sources: list[str] = []

    def source(text: str) -> int:
        sources.append(text)
        return len(sources)

    for row in rows:
        it, pr = row.item, row.progress
        doc.add_heading(t(f"{it.source_title}: recommendation {row.number}"), level=2)
        p = doc.add_paragraph(t(it.text))
        p.add_run(f" [{source(_where(it.source_title, it.date, it.page, it.paragraph))}]").font.superscript = True
        reply = doc.add_paragraph()
        reply.add_run("Reply: ").bold = True
        reply.add_run(t(row.stance))
        if row.decisive is not None:
            reply.add_run(t(f" — “{row.decisive.quote.strip()}”"))
            reply.add_run(f" [{source(_reply_cited(row))}]").font.superscript = True
        elif row.reply_note:
            reply.add_run(t(f" — {row.reply_note}"))
        status = doc.add_paragraph()
        status.add_run("Status: ").bold = True
        status.add_run(t(pr.status))
        if not pr.evidence:
            doc.add_paragraph(t(f"No later passage in the index bears on it (searched from {pr.since or 'its date'})."))
        for e in pr.evidence:
            item = doc.add_paragraph(style="List Bullet")
            item.add_run(t(f"{e.date or 'undated'}: “{e.quote.strip()}”"))
            if e is pr.status_basis:
                item.add_run(t(f" (states: {e.status})")).bold = True
            item.add_run(f" [{source(e.cite())}]").font.superscript = True
    if sources:
        doc.add_heading("Sources", level=2)
        for i, s in enumerate(sources, start=1):
            p = doc.add_paragraph()
            p.add_run(f"[{i}] ").bold = True
            p.add_run(t(s))
    return _write_whole(Path(path), lambda tmp: doc.save(str(tmp)))


def export_tracker(rows: Sequence[Any], fmt: str, folder: str | Path, *, stem: str = "recommendations",
                   max_age_s: float = EXPORT_MAX_AGE_S) -> Path:
    """Write ``rows`` as ``fmt`` ('csv' or 'docx') in a new folder of its own under ``folder``;
    returns the file. Exports older than ``max_age_s`` seconds are removed first."""
    suffix = FORMATS.get(fmt)
    if suffix is None:
        raise ValueError(f"unknown export format {fmt!r}; use csv or docx")
    if not rows:
        raise ValueError("nothing to export: no recommendations are indexed; index a committee report first")
    return write_export(folder, stem, suffix, lambda path: (to_csv if suffix == ".csv" else to_docx)(rows, path),
                        max_age_s=max_age_s)
