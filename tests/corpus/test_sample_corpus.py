"""The sample corpus: enough documents in enough formats, each opening with its sample notice
and official address, each carrying full metadata, and the PDFs/DOCX rebuilding from
corpus/src/ to the same text."""
from __future__ import annotations

import importlib.util
import re
import shutil
import sys
import tomllib
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import pytest

from evidence_assistant.core.types import DOCUMENT_KINDS

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "corpus" / "sample"
FIELDS = ("title", "kind", "date", "publisher", "url", "licence")
NOTICE = "Sample document written for Evidence Assistant"


def sample_files() -> list[Path]:
    return sorted(p for p in SAMPLE.iterdir() if p.is_file() and p.suffix != ".toml")


@lru_cache(maxsize=None)
def loaded(name: str):
    from evidence_ingest.load import load_file

    return load_file(SAMPLE / name)


@lru_cache(maxsize=None)
def build_module() -> ModuleType:
    # corpus/ is not a package; load the script the way `python corpus/build.py` runs it.
    spec = importlib.util.spec_from_file_location("corpus_build", REPO / "corpus" / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_enough_documents_in_enough_formats() -> None:
    files = sample_files()
    formats = {p.suffix for p in files}
    assert len(files) >= 8, [p.name for p in files]
    assert len(formats) >= 4 and {".html", ".pdf", ".docx", ".md"} <= formats


def test_sources_toml_describes_exactly_the_sample_files() -> None:
    entries = tomllib.loads((SAMPLE / "sources.toml").read_text(encoding="utf-8"))["documents"]
    assert sorted(e["file"] for e in entries) == [p.name for p in sample_files()]
    for e in entries:
        for key in FIELDS:
            assert e.get(key), f"{e['file']}: {key} missing in sources.toml"
        assert e["kind"] in DOCUMENT_KINDS
        assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", e["date"]), e["date"]


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.name)
def test_opens_with_sample_notice_and_official_address(path: Path) -> None:
    doc = loaded(path.name)
    opening = " ".join(b.text for b in doc.blocks[:2])
    assert doc.blocks[0].text.startswith(NOTICE), doc.blocks[0].text[:80]
    assert "not the official text" in opening or "not the text of any article" in opening
    assert doc.document.url and doc.document.url in opening, "the notice gives the official address"


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.name)
def test_metadata_after_loading(path: Path) -> None:
    d = loaded(path.name).document
    for key in FIELDS:
        assert getattr(d, key), f"{path.name}: {key} missing after load_file"
    assert d.kind in DOCUMENT_KINDS and d.kind != "other"
    assert d.title.endswith("(sample)")


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.name)
def test_metadata_in_the_file_itself_agrees_with_sources_toml(path: Path, tmp_path: Path) -> None:
    """Copied away from sources.toml, each file still carries its metadata in its own format
    (front matter, DC meta tags, PDF info keys, DOCX core properties), and it agrees."""
    from evidence_ingest.load import load_file

    shutil.copy(path, tmp_path / path.name)
    alone = load_file(tmp_path / path.name).document
    with_toml = loaded(path.name).document
    for key in FIELDS:
        assert getattr(alone, key) == getattr(with_toml, key), f"{path.name}: {key} differs"


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.name)
def test_body_has_numbered_paragraphs(path: Path) -> None:
    blocks = loaded(path.name).blocks
    numbers = [int(b.paragraph) for b in blocks if b.paragraph and b.text.startswith(f"{b.paragraph}.")]
    assert len(numbers) >= 14
    assert numbers == list(range(1, len(numbers) + 1)), "paragraphs run 1, 2, 3, ... without gaps"
    words = sum(len(b.text.split()) for b in blocks)
    assert 550 <= words <= 2500, words


def test_pdfs_have_pages_and_roman_front_matter() -> None:
    pdfs = [p for p in sample_files() if p.suffix == ".pdf"]
    assert len(pdfs) >= 3
    labelled = []
    for p in pdfs:
        doc = loaded(p.name)
        assert doc.document.pages and doc.document.pages >= 4
        pages = {b.page for b in doc.blocks}
        if {"i", "ii"} <= pages:
            labelled.append(p.name)
            # page labels differ from physical pages: label "1" is not the first physical page
            first_body = next(b for b in doc.blocks if b.page == "1")
            assert first_body.page_index == 2
    assert labelled, "at least one PDF has roman-numbered front matter"


def test_html_reports_drop_navigation_and_script() -> None:
    for p in sample_files():
        if p.suffix != ".html":
            continue
        raw = p.read_text(encoding="utf-8")
        assert "<nav" in raw and "<script" in raw
        text = " ".join(b.text for b in loaded(p.name).blocks)
        assert "sampleAnalytics" not in text
        assert re.search(r'<p id="para-1"><span class="paranumber">1\.</span>', raw)


def test_rebuild_gives_identical_text(tmp_path: Path) -> None:
    build = build_module()
    built = build.build(tmp_path)
    assert {p.suffix for p in built} == {".pdf", ".docx"}
    assert len(built) == len(list((REPO / "corpus" / "src").glob("*.src")))
    for new in built:
        committed = SAMPLE / new.name
        assert committed.exists(), f"{new.name} is built but not committed; run python corpus/build.py"
        assert build.extracted_text(new) == build.extracted_text(committed), (
            f"{new.name}: committed file is out of date; run python corpus/build.py")


def test_build_refuses_text_that_would_move_citations(tmp_path: Path) -> None:
    build = build_module()
    src = tmp_path / "src"
    src.mkdir()
    head = ("---\noutput: x.pdf\ntitle: T\nkind: report\ndate: '2023-01-01'\npublisher: P\n"
            "url: https://example.org/x\nlicence: L\n---\n@page\n")
    (src / "x.src").write_text(head + "1. " + "word " * 2000 + "\n", encoding="utf-8")
    with pytest.raises(build.BuildError, match="overflows"):
        build.build(tmp_path / "out", src_dir=src)
    (src / "x.src").write_text(head + "1. Dashes \u2013 are not Latin-1.\n", encoding="utf-8")
    with pytest.raises(build.BuildError, match="not Latin-1"):
        build.build(tmp_path / "out", src_dir=src)
