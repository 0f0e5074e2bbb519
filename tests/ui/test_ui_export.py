"""Export: footnoted citations numbered through the export, an 'evidence as of' date, doubts kept."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document

from evidence_assistant.surfaces.export import export_file, to_docx, to_markdown
from ui_helpers import make_answer, no_answer


def test_one_answer_to_markdown_has_footnotes_and_as_of() -> None:
    md = to_markdown([make_answer()])
    assert md.startswith("# Evidence Assistant: answer")
    assert "The Panel published HC 780 on 17 February 2023.[^1]" in md
    assert "[^1]: Digital transformation (report, 2023-06-30). “The Panel published HC 780 on 17 February 2023.” " \
           "(p. 4, para. 16) https://example.org/report" in md
    assert "[^2]: Government response (response, 2023-04-17)." in md
    assert md.count("Evidence as of 2025-01-02") == 2  # at the top and the foot


def test_conversation_numbers_footnotes_through_and_keeps_marks() -> None:
    answers = [make_answer("First?"), make_answer("Second?", unsupported=True, evidence_as_of="2025-03-01"),
               no_answer()]
    md = to_markdown(answers)
    assert "## 1. First?" in md and "## 2. Second?" in md and "## 3. What colour is the moon?" in md
    labels = re.findall(r"^\[\^(\d+)\]:", md, flags=re.M)
    assert labels == ["1", "2", "3", "4"]  # answer 2's sources are 3 and 4, not 1 and 2 again
    assert "2023.[^4] **[not supported by the cited passage]**" in md
    assert "The documents do not answer this question." in md and "Nearest passages" in md
    assert "Evidence as of 2025-03-01" in md  # the latest of the answers


def test_markdown_neutralises_document_markup() -> None:
    a = make_answer(passage_text="Says <script>alert(1)</script> plainly and more.")
    md = to_markdown([a])
    assert "<script>" not in md and "&lt;script>" in md


def test_docx_has_superscript_markers_sources_and_as_of(tmp_path: Path) -> None:
    path = to_docx([make_answer("First?"), make_answer("Second?", unsupported=True)], tmp_path / "x.docx")
    doc = Document(str(path))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Sources" in text and "[4] Government response (response, 2023-04-17)." in text
    assert "not supported by the cited passage" in text
    assert "Evidence as of 2025-01-02" in text
    sups = [r.text for p in doc.paragraphs for r in p.runs if r.font.superscript]
    assert sups == ["[1]", "[2]", "[3]", "[4]"]


def test_export_file_names_and_refuses_empty(tmp_path: Path) -> None:
    md = export_file([make_answer()], "markdown", tmp_path, stem="evidence-answer-1")
    assert md.suffix == ".md" and md.name.startswith("evidence-answer-1-")
    assert export_file([make_answer()], "docx", tmp_path).suffix == ".docx"
    with pytest.raises(ValueError, match="nothing to export"):
        to_markdown([])
    with pytest.raises(ValueError, match="unknown export format"):
        export_file([make_answer()], "pdf", tmp_path)
