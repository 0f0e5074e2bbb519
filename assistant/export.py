"""Take answers away: one answer or a whole conversation, as Markdown or Word (DOCX), with
numbered footnotes that name document, kind, date, page, paragraph and the quoted words, and
the date the evidence is current to.

Footnotes are numbered through the whole export (answer 2's first source follows answer 1's
last), so a conversation pasted into a briefing keeps unambiguous references. python-docx has
no footnote API, so the DOCX carries a numbered "Sources" list at the end instead, with
superscript [n] markers in the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Sequence

from .answer import Answer, Citation

UNSUPPORTED_MARK = "not supported by the cited passage"
VERDICT_LABELS = {
    "supported": "Supported: every sentence is backed by the passage it cites.",
    "partially_supported": "Partly supported: sentences marked as not supported are not backed by their citation.",
    "unsupported": "Not supported: no sentence is backed by the passage it cites.",
    "no_answer": "The documents do not answer this question.",
    "premise_rejected": "The documents contradict the question's premise.",
}


@dataclass
class Footnote:
    number: int
    citations: list[Citation]  # every quote of one [n] in one answer

    @property
    def first(self) -> Citation:
        return self.citations[0]

    def text(self) -> str:
        c = self.first
        where = ", ".join(x for x in (c.kind, c.date) if x)
        quotes: list[str] = []
        for x in self.citations:
            q = f"“{x.quote.strip()}”" + (f" ({x.locator()})" if x.locator() else "")
            if q not in quotes:
                quotes.append(q)
        out = f"{c.title}" + (f" ({where})" if where else "") + ". " + "; ".join(quotes)
        if c.url:
            out += f" {c.url}"
        elif c.path:
            out += f" File: {Path(c.path).name}"
        return out


def _footnotes(answer: Answer, start: int) -> tuple[dict[int, int], list[Footnote]]:
    """Map each [n] of the answer to its number in the export, and the footnotes in order."""
    by_n: dict[int, list[Citation]] = {}
    for c in answer.citations:
        by_n.setdefault(c.n, []).append(c)
    mapping, notes = {}, []
    for i, n in enumerate(sorted(by_n)):
        mapping[n] = start + i
        notes.append(Footnote(start + i, by_n[n]))
    return mapping, notes


def evidence_as_of(answers: Sequence[Answer]) -> str:
    """The latest ``evidence_as_of`` of the answers (the index's last ingest), else today."""
    dates = [a.evidence_as_of for a in answers if a.evidence_as_of]
    return max(dates) if dates else date.today().isoformat()


# --- Markdown ----------------------------------------------------------------------------------

def _md(text: str) -> str:
    """Document text inside Markdown: tags are neutralised (a viewer that renders HTML must not run
    a document's markup); everything else is left readable."""
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text).replace("[^", "[\\^")


def _answer_md(answer: Answer, index: int | None, start: int) -> tuple[list[str], list[Footnote]]:
    mapping, notes = _footnotes(answer, start)
    head = f"## {index}. {_md(answer.question)}" if index else f"## {_md(answer.question)}"
    lines = [head, ""]
    if answer.standalone_question != answer.question:
        lines += [f"*Understood as:* {_md(answer.standalone_question)}", ""]
    lines += [f"*{VERDICT_LABELS.get(answer.verdict, answer.verdict)}*", ""]
    if answer.filters and any(answer.filters.get(k) for k in ("kinds", "doc_ids", "since", "until", "publishers")):
        f = answer.filters
        parts = [f"kind {', '.join(f['kinds'])}" if f.get("kinds") else "",
                 f"{len(f['doc_ids'])} chosen document(s)" if f.get("doc_ids") else "",
                 f"dated from {f['since']}" if f.get("since") else "", f"dated to {f['until']}" if f.get("until") else ""]
        lines += ["*Searched only: " + "; ".join(p for p in parts if p) + ".*", ""]
    if answer.sentences:
        body = []
        for s in answer.sentences:
            marks = "".join(f"[^{mapping[n]}]" for n in s.citations if n in mapping)
            flag = "" if s.supported else f" **[{UNSUPPORTED_MARK}]**"
            body.append(f"{_md(s.text)}{marks}{flag}")
        lines.append(" ".join(body))
    else:
        lines.append(_md(answer.text))
    for note in answer.notes:
        lines += ["", f"> {_md(note)}"]
    if answer.verdict == "no_answer" and answer.passages:
        lines += ["", "Nearest passages (they do not answer the question):"]
        for sp in answer.passages[:3]:
            p = sp.passage
            loc = f", {p.locator()}" if p.locator() else ""
            lines.append(f"- {_md(p.title)}{loc}: “{_md(p.text[:200].strip())}…”")
    return lines, notes


def to_markdown(answers: Sequence[Answer], *, title: str | None = None) -> str:
    """One answer (a list of one) or a conversation as Markdown with footnotes."""
    if not answers:
        raise ValueError("nothing to export: ask a question first")
    as_of = evidence_as_of(answers)
    title = title or ("Evidence Assistant: answer" if len(answers) == 1 else "Evidence Assistant: conversation")
    lines = [f"# {title}", "", f"*Evidence as of {as_of}. Exported {datetime.now().strftime('%Y-%m-%d %H:%M')}.*", ""]
    footnotes: list[Footnote] = []
    for i, a in enumerate(answers, start=1):
        body, notes = _answer_md(a, i if len(answers) > 1 else None, len(footnotes) + 1)
        lines += body + [""]
        footnotes += notes
    if footnotes:
        lines += ["---", ""]
        lines += [f"[^{f.number}]: {_md(f.text())}" for f in footnotes]
        lines.append("")
    lines.append(f"*Evidence as of {as_of}: documents indexed after this date are not reflected.*")
    return "\n".join(lines) + "\n"


# --- DOCX --------------------------------------------------------------------------------------

def to_docx(answers: Sequence[Answer], path: str | Path, *, title: str | None = None) -> Path:
    """Write a Word document; returns its path."""
    from docx import Document
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import Pt

    if not answers:
        raise ValueError("nothing to export: ask a question first")
    as_of = evidence_as_of(answers)
    title = title or ("Evidence Assistant: answer" if len(answers) == 1 else "Evidence Assistant: conversation")
    doc = Document()
    doc.core_properties.title = title
    doc.add_heading(title, level=1)
    meta = doc.add_paragraph()
    meta.add_run(f"Evidence as of {as_of}. Exported {datetime.now().strftime('%Y-%m-%d %H:%M')}.").italic = True

    footnotes: list[Footnote] = []
    for i, a in enumerate(answers, start=1):
        mapping, notes = _footnotes(a, len(footnotes) + 1)
        footnotes += notes
        doc.add_heading((f"{i}. " if len(answers) > 1 else "") + a.question, level=2)
        if a.standalone_question != a.question:
            doc.add_paragraph().add_run(f"Understood as: {a.standalone_question}").italic = True
        doc.add_paragraph().add_run(VERDICT_LABELS.get(a.verdict, a.verdict)).italic = True
        para = doc.add_paragraph()
        if a.sentences:
            for s in a.sentences:
                para.add_run(s.text)
                for n in s.citations:
                    if n in mapping:
                        sup = para.add_run(f"[{mapping[n]}]")
                        sup.font.superscript = True
                if not s.supported:
                    flag = para.add_run(f" [{UNSUPPORTED_MARK}]")
                    flag.bold = True
                    flag.font.highlight_color = WD_COLOR_INDEX.YELLOW
                para.add_run(" ")
        else:
            para.add_run(a.text)
        for note in a.notes:
            doc.add_paragraph(note, style="Intense Quote")
        if a.verdict == "no_answer" and a.passages:
            doc.add_paragraph("Nearest passages (they do not answer the question):")
            for sp in a.passages[:3]:
                p = sp.passage
                loc = f", {p.locator()}" if p.locator() else ""
                doc.add_paragraph(f"{p.title}{loc}: “{p.text[:200].strip()}…”", style="List Bullet")

    if footnotes:
        doc.add_heading("Sources", level=2)
        for f in footnotes:
            p = doc.add_paragraph()
            p.add_run(f"[{f.number}] ").bold = True
            p.add_run(f.text())
            p.paragraph_format.space_after = Pt(4)
    end = doc.add_paragraph()
    end.add_run(f"Evidence as of {as_of}: documents indexed after this date are not reflected.").italic = True
    path = Path(path)
    doc.save(str(path))
    return path


def export_file(answers: Sequence[Answer], fmt: str, folder: str | Path, *, stem: str = "evidence") -> Path:
    """Write ``answers`` as ``fmt`` ('markdown' or 'docx') into ``folder``; returns the file."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    if fmt in ("markdown", "md"):
        path = folder / f"{stem}-{stamp}.md"
        path.write_text(to_markdown(answers), encoding="utf-8")
        return path
    if fmt == "docx":
        return to_docx(answers, folder / f"{stem}-{stamp}.docx")
    raise ValueError(f"unknown export format {fmt!r}; use markdown or docx")
