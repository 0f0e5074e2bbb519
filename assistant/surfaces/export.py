"""Take answers away: one answer or a whole conversation, as Markdown or Word (DOCX), with
numbered footnotes that name document, kind, date, page, paragraph and the quoted words, and
the date the evidence is current to.

Footnotes are numbered through the whole export (answer 2's first source follows answer 1's
last), so a conversation pasted into a briefing keeps unambiguous references. python-docx has
no footnote API, so the DOCX carries a numbered "Sources" list at the end instead, with
superscript [n] markers in the text.

The Markdown is the product's one Markdown form of answers (the same that ``evidence ask`` prints,
written by :func:`evidence_assistant.answering.answer.render_markdown`), so document text in it goes
through the product's one escaping rule (:func:`evidence_assistant.core.md_escape.md_text`) and a
document's markup, links and images stay text. The Word export uses the same footnotes and the same
words for each verdict.

Files: the chat keeps one export folder for every session. :func:`export_file` gives each export
a folder of its own inside it (so the download keeps a readable name and two sessions exporting in
the same second never share a file), writes the file under a temporary name and renames it into
place (so nobody reads half a file), and removes exports older than an hour whenever it makes a
new one.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence

from evidence_assistant.answering.answer import (UNSUPPORTED_MARK, Answer, Footnote, evidence_as_of, footnotes,
                                                 nearest_line, render_markdown)

EXPORT_MAX_AGE_S = 3600.0  # exports older than this are removed when a new one is made
EXPORT_PREFIX = "export-"  # each export's own folder inside the export folder
FORMATS = {"markdown": ".md", "md": ".md", "docx": ".docx"}


# --- Markdown ----------------------------------------------------------------------------------

def to_markdown(answers: Sequence[Answer], *, title: str | None = None) -> str:
    """One answer (a list of one) or a conversation as Markdown with footnotes: the product's one
    Markdown form of answers (:func:`evidence_assistant.answering.answer.render_markdown`), stamped
    with the time of export."""
    return render_markdown(answers, title=title, exported=datetime.now().strftime("%Y-%m-%d %H:%M"))


# --- DOCX --------------------------------------------------------------------------------------

_XML_BREAKS = re.compile(r"[\x0b\x0c]")
_NOT_XML = re.compile(r"[\x00-\x08\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _docx_text(value: object) -> str:
    """Text a Word document can hold: the vertical tabs and form feeds that Word and PDF text
    carry become spaces; NULs and other control characters are dropped."""
    return _NOT_XML.sub("", _XML_BREAKS.sub(" ", str(value)))


def to_docx(answers: Sequence[Answer], path: str | Path, *, title: str | None = None) -> Path:
    """Write a Word document; returns its path. The file appears whole or not at all: it is
    written under a temporary name beside ``path`` and then renamed."""
    from docx import Document
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import Pt

    if not answers:
        raise ValueError("nothing to export: ask a question first")
    t = _docx_text
    as_of = evidence_as_of(answers)
    title = title or ("Evidence Assistant: answer" if len(answers) == 1 else "Evidence Assistant: conversation")
    doc = Document()
    doc.core_properties.title = t(title)
    doc.add_heading(t(title), level=1)
    meta = doc.add_paragraph()
    meta.add_run(t(f"Evidence as of {as_of}. Exported {datetime.now().strftime('%Y-%m-%d %H:%M')}.")).italic = True

    sources: list[Footnote] = []
    for i, a in enumerate(answers, start=1):
        mapping, notes = footnotes(a, len(sources) + 1)
        sources += notes
        doc.add_heading(t((f"{i}. " if len(answers) > 1 else "") + a.question), level=2)
        if a.standalone_question != a.question:
            doc.add_paragraph().add_run(t(f"Understood as: {a.standalone_question}")).italic = True
        doc.add_paragraph().add_run(t(a.verdict_words.summary)).italic = True
        para = doc.add_paragraph()
        if a.sentences:
            for s in a.sentences:
                para.add_run(t(s.text))
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
            para.add_run(t(a.text))
        for note in a.notes:
            doc.add_paragraph(t(note), style="Intense Quote")
        if a.verdict == "no_answer" and a.passages:
            doc.add_paragraph("Nearest passages (they do not answer the question):")
            for sp in a.passages[:3]:
                p = sp.passage
                doc.add_paragraph(t(f"{nearest_line(p)}: “{p.text[:200].strip()}…”"), style="List Bullet")

    if sources:
        doc.add_heading("Sources", level=2)
        for f in sources:
            p = doc.add_paragraph()
            p.add_run(f"[{f.number}] ").bold = True
            p.add_run(t(f.text()))
            p.paragraph_format.space_after = Pt(4)
    end = doc.add_paragraph()
    end.add_run(t(f"Evidence as of {as_of}: documents indexed after this date are not reflected.")).italic = True
    return _write_whole(Path(path), lambda tmp: doc.save(str(tmp)))


# --- files -------------------------------------------------------------------------------------

def _write_whole(path: Path, write: Callable[[Path], object]) -> Path:
    """Run ``write`` on a temporary file beside ``path``, then rename it to ``path`` in one step, so
    a reader sees the old file, the whole new one, or none, never a half-written one."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path


def remove_old_exports(folder: str | Path, max_age_s: float = EXPORT_MAX_AGE_S) -> int:
    """Remove the exports in ``folder`` made more than ``max_age_s`` seconds ago; returns how many.

    Only the per-export folders that :func:`export_file` makes are touched; anything else in
    ``folder`` is left alone. A folder that does not exist (never made, or removed whole when the
    chat stopped) has nothing to remove."""
    folder = Path(folder)
    cutoff = time.time() - max_age_s
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return 0
    for entry in entries:
        if not entry.name.startswith(EXPORT_PREFIX):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                continue
        except FileNotFoundError:  # another session removed it first
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed += 1
    return removed


def _safe_stem(stem: str) -> str:
    clean = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-")
    return clean[:80] or "evidence"


def export_file(answers: Sequence[Answer], fmt: str, folder: str | Path, *, stem: str = "evidence",
                max_age_s: float = EXPORT_MAX_AGE_S) -> Path:
    """Write ``answers`` as ``fmt`` ('markdown' or 'docx') under ``folder``; returns the file.

    ``folder`` may be shared by every chat session: each export gets a new folder of its own
    inside it, named ``export-…``, holding one file named ``<stem>-<date>-<time>.md`` (or
    ``.docx``). The file is written under a temporary name and renamed into place. Exports older
    than ``max_age_s`` seconds (an hour by default) are removed first. ``folder`` is made if
    missing, so it may be removed whole at any time between exports."""
    suffix = FORMATS.get(fmt)
    if suffix is None:
        raise ValueError(f"unknown export format {fmt!r}; use markdown or docx")
    if not answers:
        raise ValueError("nothing to export: ask a question first")
    if suffix == ".md":
        text = to_markdown(answers)
        return write_export(folder, stem, suffix, lambda path: _write_whole(
            path, lambda tmp: tmp.write_text(text, encoding="utf-8")), max_age_s=max_age_s)
    return write_export(folder, stem, suffix, lambda path: to_docx(answers, path), max_age_s=max_age_s)


def write_export(folder: str | Path, stem: str, suffix: str, write: Callable[[Path], object], *,
                 max_age_s: float = EXPORT_MAX_AGE_S) -> Path:
    """Every export's path: old exports under ``folder`` removed, a new ``export-…`` folder of
    its own made, ``write(path)`` called for ``<stem>-<date>-<time><suffix>`` inside it (it must
    write the file whole), and the folder removed again if writing fails."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    remove_old_exports(folder, max_age_s)
    own = Path(tempfile.mkdtemp(prefix=EXPORT_PREFIX, dir=folder))
    path = own / f"{_safe_stem(stem)}-{datetime.now().strftime('%Y%m%d-%H%M%S')}{suffix}"
    try:
        write(path)
    except BaseException:
        shutil.rmtree(own, ignore_errors=True)
        raise
    return path
