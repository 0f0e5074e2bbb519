"""Exports made at the same moment by different chat sessions stay apart and whole; old exports
are cleared away.

Every export gets its own folder inside the chat's export folder and is written under a temporary
name first, so two sessions exporting in the same second can neither overwrite nor half-read each
other's file. The clock is pinned to one second so that the old behaviour (one file name per
stem and second) would collide every time.
"""
from __future__ import annotations

import os
import shutil
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import pytest
from docx import Document

import evidence_assistant.surfaces.export as export_mod
from evidence_assistant.answering.answer import Answer, AnswerSentence, Citation
from evidence_assistant.surfaces.export import export_file, remove_old_exports, to_docx, to_markdown
from evidence_assistant.core.types import Passage, ScoredPassage

N_MARKDOWN, N_DOCX = 16, 12


def _answer(question: str, sentence: str, *, title: str = "Digital transformation", doc_id: str = "doc1") -> Answer:
    text = f"Intro. {sentence} More text."
    p = Passage(passage_id=f"{doc_id}-p1", doc_id=doc_id, seq=0, text=text, char_start=0, char_end=len(text),
                page_start="4", page_end="4", paragraph_start="16", paragraph_end="16", title=title, kind="report",
                date="2023-06-30", url="https://example.org/report", path=None)
    start = text.index(sentence)
    c = Citation(n=1, passage=p, quote_start=start, quote_end=start + len(sentence), support=0.9, sentence=0)
    return Answer(question=question, standalone_question=question, text=sentence,
                  sentences=[AnswerSentence(sentence, [1], 0.9, True)], citations=[c],
                  passages=[ScoredPassage(p, 1.0)], verdict="supported", evidence_as_of="2025-01-02")


def conversation(name: str) -> list[Answer]:
    """A two-answer conversation whose every answer carries ``name``, so a file shows whose it is."""
    return [_answer(f"{name} first question?", f"The {name} panel published its report in 2023.", doc_id=f"{name}-1"),
            _answer(f"{name} second question?", f"The {name} government responded in April.", doc_id=f"{name}-2")]


class _OneSecond(datetime):
    """The clock as two sessions exporting in the same second see it."""

    @classmethod
    def now(cls, tz: Any = None) -> "_OneSecond":
        return cls(2025, 1, 2, 10, 0, 0)


@pytest.fixture
def same_second(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_mod, "datetime", _OneSecond)


def _docx_text(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def _run_together(jobs: list[Callable[[], Path]]) -> list[Path | BaseException]:
    """Run the jobs on their own threads, released at once; each result or the error it raised."""
    gate = threading.Barrier(len(jobs))
    results: list[Path | BaseException | None] = [None] * len(jobs)

    def run(i: int) -> None:
        gate.wait()
        try:
            results[i] = jobs[i]()
        except BaseException as exc:  # reported by the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "an export did not finish within two minutes"
    return [r for r in results if r is not None]


def _check_each_holds_its_own(plan: list[tuple[str, str]], results: list[Any], convs: dict[str, list[Answer]]) -> None:
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, f"exports failed: {errors[:3]}"
    assert len(results) == len(plan)
    assert len({str(p) for p in results}) == len(plan), "two exports were given the same file"
    other = {"Alpha": "Bravo", "Bravo": "Alpha"}
    for (name, fmt), path in zip(plan, results):
        assert path.is_file(), f"{path} is missing"
        if fmt == "markdown":
            text = path.read_text(encoding="utf-8")
            assert text == to_markdown(convs[name]), f"{path.name} does not hold the {name} conversation whole"
        else:
            text = _docx_text(path)  # python-docx opens it: the file is a whole Word document
            assert f"{name} first question?" in text and f"{name} second question?" in text
        assert other[name] not in text, f"{path.name} holds the {other[name]} conversation"
        assert path.name.startswith("evidence-conversation-"), "the download keeps a readable name"
    leftovers = [p for p in results[0].parents[1].rglob("*") if p.is_file() and p.suffix not in (".md", ".docx")]
    assert not leftovers, f"temporary files were left behind: {leftovers}"


def test_concurrent_exports_from_two_sessions_stay_apart(tmp_path: Path, same_second: None) -> None:
    convs = {"Alpha": conversation("Alpha"), "Bravo": conversation("Bravo")}
    folder = tmp_path / "exports"  # one folder for every session, as the chat has
    plan = [("Alpha" if i % 2 else "Bravo", "markdown") for i in range(N_MARKDOWN)]
    plan += [("Alpha" if i % 2 else "Bravo", "docx") for i in range(N_DOCX)]
    jobs = [lambda name=name, fmt=fmt: export_file(convs[name], fmt, folder, stem="evidence-conversation")
            for name, fmt in plan]
    results = _run_together(jobs)
    _check_each_holds_its_own(plan, results, convs)


@pytest.mark.slow
def test_concurrent_exports_through_the_chat_stay_apart(tmp_path: Path, same_second: None) -> None:
    """The same, through the chat's own export handler (one ChatUI serves every session)."""
    from evidence_assistant.core.settings import Settings
    from evidence_assistant.surfaces.ui.app import ChatUI

    ui = ChatUI(object(), Settings(index_dir=tmp_path / "index", upload_dir=tmp_path / "uploads"))  # type: ignore[arg-type]
    ui._export_dir = tmp_path / "chat-exports"  # what the chat makes with mkdtemp on its first export
    convs = {"Alpha": conversation("Alpha"), "Bravo": conversation("Bravo")}
    plan = [("Alpha" if i % 2 else "Bravo", "markdown") for i in range(N_MARKDOWN)]
    plan += [("Alpha" if i % 2 else "Bravo", "docx") for i in range(N_DOCX)]

    def job(name: str, fmt: str) -> Path:
        update, status = ui.export(convs[name], "all", fmt)
        assert "error" not in status.lower(), status
        return Path(update["value"])

    results = _run_together([lambda name=name, fmt=fmt: job(name, fmt) for name, fmt in plan])
    _check_each_holds_its_own(plan, results, convs)


def _age(path: Path, seconds: float) -> None:
    t = time.time() - seconds
    os.utime(path, (t, t))


def test_old_exports_are_removed_when_a_new_one_is_made(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    convs = conversation("Alpha")
    old = export_file(convs, "markdown", folder)
    old_docx = export_file(convs, "docx", folder)
    recent = export_file(convs, "markdown", folder)
    assert len({old.parent, old_docx.parent, recent.parent}) == 3, "each export has its own folder"
    _age(old.parent, 2 * 3600)
    _age(old_docx.parent, 2 * 3600)
    _age(recent.parent, 10 * 60)  # ten minutes old: a download may still be in progress
    mine = folder / "notes.txt"  # not an export: left alone
    mine.write_text("kept", encoding="utf-8")
    _age(mine, 2 * 3600)

    new = export_file(convs, "docx", folder)

    assert not old.exists() and not old.parent.exists()
    assert not old_docx.parent.exists()
    assert recent.is_file() and new.is_file()
    assert mine.read_text(encoding="utf-8") == "kept"


def test_cleaning_takes_an_age_limit_and_the_folder_can_go(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    first = export_file(conversation("Alpha"), "markdown", folder)
    _age(first.parent, 120)
    assert remove_old_exports(folder, max_age_s=60) == 1
    assert not first.parent.exists()
    assert remove_old_exports(tmp_path / "never-made") == 0  # no folder yet: nothing to do

    again = export_file(conversation("Alpha"), "docx", folder)
    shutil.rmtree(folder)  # the whole export folder removed, e.g. when the chat stops
    after = export_file(conversation("Bravo"), "markdown", folder)  # the next export makes it again
    assert not again.exists() and after.is_file()
    assert "Bravo" in after.read_text(encoding="utf-8")


def test_export_refusals_leave_nothing_behind(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    with pytest.raises(ValueError, match="nothing to export"):
        export_file([], "docx", folder)
    with pytest.raises(ValueError, match="unknown export format 'pdf'"):
        export_file(conversation("Alpha"), "pdf", folder)
    assert not folder.exists() or not any(folder.iterdir())


def test_word_export_survives_control_characters_in_documents(tmp_path: Path) -> None:
    """Text taken from Word and PDF files can hold vertical tabs, form feeds and NULs, which a DOCX
    cannot store; breaks become spaces and the rest are dropped, rather than failing the export."""
    a = _answer("Why\x0bso?", "The panel\x0breported\x0cin 2023\x00 plainly.")
    path = to_docx([a], tmp_path / "x.docx")
    text = _docx_text(path)
    assert "The panel reported in 2023 plainly." in text and "Why so?" in text
    md_path = export_file([a], "docx", tmp_path / "exports")
    assert "The panel reported in 2023 plainly." in _docx_text(md_path)
