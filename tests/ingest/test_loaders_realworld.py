"""Loaders against real third-party files in ../shared/data (see the SOURCES.md files there).

Skipped, saying why, when that folder is absent. Every file is loaded through the public
entry point; a loader may refuse a file only with an IngestError of an expected kind, never
with any other exception, and no file may take 60 s or more.
"""
from __future__ import annotations

import os
import time
import unicodedata
from pathlib import Path

import pytest

from evidence_assistant.core.errors import IngestError
from evidence_ingest.load import SUPPORTED_EXTENSIONS, LoadedDocument, load_file

TIME_LIMIT_S = 60.0
_EXPECTED_REFUSALS = ("encrypted", "no text layer", "truncated or corrupt", "no text found")
_timings: dict[str, float] = {}


@pytest.fixture(scope="module", autouse=True)
def _report_slowest(request: pytest.FixtureRequest):
    yield
    if _timings:
        slowest = sorted(_timings.items(), key=lambda kv: kv[1], reverse=True)[:3]
        line = "slowest real files: " + "; ".join(f"{name} {secs:.2f}s" for name, secs in slowest)
        # Output from fixture teardown is captured; suspend capturing (as capsys.disabled() does)
        # so that the line shows in every run, not only with -rA.
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        if capture is not None and reporter is not None:
            with capture.global_and_fixture_disabled():
                reporter.write_line("\n" + line)
        else:  # pragma: no cover - run without pytest's capture or terminal plugins
            print(line)


_loaded: dict[Path, LoadedDocument] = {}


def _load(path: Path) -> LoadedDocument:
    """Load once per test session (several tests look at the same big files), timing the load."""
    if path in _loaded:
        return _loaded[path]
    start = time.perf_counter()
    try:
        _loaded[path] = load_file(path)
        return _loaded[path]
    finally:
        elapsed = time.perf_counter() - start
        _timings[path.name] = elapsed
        assert elapsed < TIME_LIMIT_S, f"{path.name} took {elapsed:.1f} s"


# Parametrising needs the file list at collection time, before fixtures exist; this is the
# folder the ``shared_data`` fixture in tests/conftest.py uses (which still does the skipping).
_SHARED = Path(os.environ.get("EVIDENCE_SHARED_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"))


def _files(sub: str, pattern: str) -> list[Path]:
    root = _SHARED / sub
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob(pattern) if p.is_file() and p.suffix.lower() in SUPPORTED_EXTENSIONS)


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths] or ["none"]


_SAMPLE_PDFS = _files("pdfs", "*.pdf")
_HEALTH_FILES = _files("uk-health-policy", "*")


# --------------------------------------------------------------------------- py-pdf sample files


@pytest.mark.parametrize("name", _ids(_SAMPLE_PDFS))
def test_sample_pdf_loads_or_is_refused_cleanly(shared_data: Path, name: str) -> None:
    path = shared_data / "pdfs" / name
    if not path.is_file():
        pytest.skip(f"{path} not present")
    try:
        loaded = _load(path)
    except IngestError as exc:
        assert any(kind in exc.reason for kind in _EXPECTED_REFUSALS), exc.reason
        return
    assert loaded.document.pages and loaded.document.pages >= 1
    assert sum(len(b.text) for b in loaded.blocks) > 0
    for b in loaded.blocks:
        assert b.page_index is not None and 0 <= b.page_index < loaded.document.pages
        assert b.text == b.text.strip() and "\n" not in b.text


def _refusal(path: Path) -> str:
    with pytest.raises(IngestError) as err:
        _load(path)
    return err.value.reason


def test_password_protected_sample_is_reported_encrypted(shared_data: Path) -> None:
    reason = _refusal(shared_data / "pdfs" / "005-libreoffice-writer-password.pdf")
    assert reason.startswith("encrypted PDF and no password")


@pytest.mark.parametrize("name", ["007-imagemagick-CCITTFaxDecode.pdf", "019-grayscale-image.pdf",
                                  "023-cmyk-image.pdf", "007-imagemagick-lzw.pdf"])
def test_image_only_samples_are_reported_without_text_layer(shared_data: Path, name: str) -> None:
    reason = _refusal(shared_data / "pdfs" / name)
    # These are pictures, not scanned text: with Tesseract installed OCR reads them and finds no
    # words; without it the reason says how to enable OCR.
    assert "no text layer" in reason
    assert "OCR found no words on the page" in reason or ("not installed" in reason and "EVIDENCE_OCR" in reason)


def test_geotopo_all_pages_page_labels_and_ligatures(shared_data: Path) -> None:
    loaded = _load(shared_data / "pdfs" / "009-GeoTopo-komprimiert.pdf")
    assert loaded.document.pages == 117
    assert len({b.page_index for b in loaded.blocks}) == 117  # every page has text
    assert loaded.document.title == "Geometrie und Topologie"
    # Front matter is labelled i, ii, iii: physical page 4 is page "1".
    assert {b.page for b in loaded.blocks if b.page_index == 0} == {"i"}
    assert {b.page for b in loaded.blocks if b.page_index == 3} == {"1"}
    assert not any("ﬂ" in b.text or "ﬁ" in b.text for b in loaded.blocks)  # NFKC-normalised
    # Headings come from the outline, with its nesting.
    headings = [(b.text, b.level, b.page) for b in loaded.blocks if b.kind == "heading"]
    assert ("1 Topologische Grundbegriffe", 1, "3") in headings
    assert ("1.2 Metrische Räume", 2, "7") in headings
    under = next(b for b in loaded.blocks if b.heading_path[-1:] == ("1.2 Metrische Räume",))
    assert under.heading_path == ("1 Topologische Grundbegriffe", "1.2 Metrische Räume")


@pytest.mark.parametrize("name", ["015-habibi.pdf", "015-habibi-oneline-cmap.pdf", "015-habibi-rotated.pdf"])
def test_arabic_samples_yield_arabic(shared_data: Path, name: str) -> None:
    loaded = _load(shared_data / "pdfs" / name)
    text = " ".join(b.text for b in loaded.blocks)
    assert any(unicodedata.bidirectional(c) == "AL" for c in text)  # Arabic letters
    assert "habibi" in text


def test_multicolumn_sample_keeps_the_hyphen_and_drops_page_numbers(shared_data: Path) -> None:
    loaded = _load(shared_data / "pdfs" / "026-multicolumn.pdf")
    text = " ".join(b.text for b in loaded.blocks)
    assert "consectetuer adip-iscing elit" in text  # a line-end hyphen is joined, never deleted
    assert [b.text for b in loaded.blocks if b.text in ("1", "2", "3")] == []


# --------------------------------------------------------------------------- UK health policy files


_HEALTH_RELPATHS = [str(p.relative_to(_SHARED / "uk-health-policy")) for p in _HEALTH_FILES] or ["none"]
# pypdf needs 5–11 s for this 207-page report (all of it in extract_text), so it runs with the slow set.
_SLOW = {"Data Driven Healthcare in 2030 - Full report - Mar 21.pdf"}


@pytest.mark.parametrize("relpath", [pytest.param(r, id=r, marks=[pytest.mark.slow] if Path(r).name in _SLOW else [])
                                     for r in _HEALTH_RELPATHS])
def test_health_policy_file_loads(shared_data: Path, relpath: str) -> None:
    path = shared_data / "uk-health-policy" / relpath
    if not path.is_file():
        pytest.skip(f"{path} not present")
    loaded = _load(path)
    assert loaded.blocks, relpath
    assert loaded.document.title
    for b in loaded.blocks:
        assert b.text == b.text.strip() and "\n" not in b.text and "  " not in b.text
        assert b.kind in ("heading", "paragraph")
        if b.kind == "heading":
            assert 1 <= b.level <= 9 and len(b.heading_path) < b.level  # parents are shallower


def test_nhsx_ai_report_pages(shared_data: Path) -> None:
    path = shared_data / "uk-health-policy" / "nhsx_old_website" / "NHSX_AI_report.pdf"
    loaded = _load(path)
    blocks = loaded.blocks
    assert loaded.document.pages == 55
    # Physical page 55 is the blank back cover: no text, reported as a warning; page 54 has text.
    assert len(loaded.warnings) == 1 and loaded.warnings[0].startswith("page 55: no text layer")
    assert max(b.page_index for b in blocks) == 53
    assert any(b.page_index == 53 and "Acknowledgements" in b.text for b in blocks)

    def where(phrase: str) -> list[tuple[str, int, str]]:
        return [(b.page, b.page_index, b.kind) for b in blocks if phrase in b.text]

    assert where("We love the NHS because it’s always been there for us") == [("4", 3, "paragraph")]
    assert where("The National Data Guardian (NDG) was created in") == [("24", 23, "paragraph")]
    assert where("NHSX DATA FRAMEWORK") == [("28", 27, "heading")]
    ndg = next(b for b in blocks if "The National Data Guardian (NDG) was created in" in b.text)
    assert ndg.heading_path == ("PROTECTING THE CITIZEN",)
    # The running head "| 5150 |" (two printed page numbers per spread) is page furniture.
    assert not any(b.text.startswith("| ") for b in blocks)


def test_gp_guidelines_docx_headings_and_auto_numbering(shared_data: Path) -> None:
    folder = shared_data / "uk-health-policy" / "gp_good_practice_guidelines_v4" / "docx"
    ch3 = _load(folder / "Ch3 Clinical Safety final.docx").blocks
    headings = [(b.text, b.level, b.heading_path) for b in ch3 if b.kind == "heading"]
    chapter = "Chapter 3 – Clinical Safety Assurance"
    assert headings[:3] == [(chapter, 2, ()), ("3.1 Introduction", 3, (chapter,)),
                            ("3.2 Clinical safety approach", 3, (chapter,))]
    assert ("3.5.2 IEC80001", 3, (chapter,)) in headings
    intro = next(b for b in ch3 if b.text.startswith("Clinical safety assurance is a broad subject."))
    assert intro.heading_path == (chapter, "3.1 Introduction")

    # The executive summary lists the chapters with Word numbering (decimal, lettered sub-items).
    summary = _load(folder / "GPGv4 Exec Summary final.docx").blocks
    numbered = {b.text: b.paragraph for b in summary if b.paragraph}
    assert numbered["3. Clinical Safety Assurance"] == "3"
    assert numbered["8. Data Transfer & Interoperability"] == "8"
    assert numbered["9. A Pathway to Good Paperless Practice"] == "9"  # continues after the lettered items
    assert numbered["12. Education and Training"] == "12"
    # A lettered item shows its letter and is no numbered paragraph.
    assert any(b.text == "b. GP2GP Electronic Record Transfer" and not b.paragraph for b in summary)


def test_gp_guidelines_html_headings_and_same_text_as_docx_and_markdown(shared_data: Path) -> None:
    folder = shared_data / "uk-health-policy" / "gp_good_practice_guidelines_v4"
    html = _load(folder / "html" / "ch-3-clinical-safety.html")
    headings = [(b.text, b.level, b.heading_path) for b in html.blocks if b.kind == "heading"]
    assert headings[:3] == [("Ch 3 clinical safety", 1, ()), ("3.1 Introduction", 3, ("Ch 3 clinical safety",)),
                            ("3.2 Clinical safety approach", 3, ("Ch 3 clinical safety",))]
    assert ("3.5.2 IEC80001", 3, ("Ch 3 clinical safety",)) in headings  # "¶" permalinks are gone
    assert html.document.title == "Chapter 3 – Clinical Safety Assurance"  # the page's own heading, not the site's tab title
    assert not any("Skip to content" in b.text or "Edit this page" in b.text for b in html.blocks)

    first = "Clinical safety assurance is a broad subject. This section focuses on the clinical safety approach"
    for loaded in (html, _load(folder / "markdown" / "ch-3-clinical-safety.md"),
                   _load(folder / "docx" / "Ch3 Clinical Safety final.docx")):
        block = next(b for b in loaded.blocks if b.text.startswith("Clinical safety assurance"))
        assert block.text.startswith(first), loaded.document.format
        assert block.heading_path[-1] == "3.1 Introduction"


def test_nunjucks_page_title_and_headings(shared_data: Path) -> None:
    loaded = _load(shared_data / "uk-health-policy" / "nhsx_old_website" / "COPI-notice-FAQs.njk")
    assert loaded.document.title == "COPI Notice - Frequently Asked questions"  # {% set pageTitle %}
    headings = [(b.text, b.level) for b in loaded.blocks if b.kind == "heading"]
    assert headings[:2] == [("COPI Notice - Frequently Asked Questions", 1), ("Why are you doing this?", 3)]
    assert not any("{%" in b.text or "{{" in b.text or b.text == "Home" for b in loaded.blocks)


def test_prsb_core_information_standard(shared_data: Path) -> None:
    loaded = _load(shared_data / "uk-health-policy" / "prsb_standards_json" / "CoreInformationStandard.json")
    assert _timings["CoreInformationStandard.json"] < 5
    assert loaded.document.title == "Core information standard"
    blocks = loaded.blocks
    assert blocks[0].kind == "heading" and blocks[0].level == 1
    first_name = next(b for b in blocks if b.text == "Person first name")
    assert (first_name.kind, first_name.level) == ("heading", 4)
    assert first_name.heading_path == ("Core information standard", "Person demographics", "Person name")
    assert not any("<p>" in b.text or "<div" in b.text for b in blocks)


def test_footnote_numbers_set_as_superscripts_are_not_glued_to_their_word(shared_data):
    """A report's footnote marks (8 pt digits raised after 12 pt text) come out of the text layer
    glued to the word before them ("and Scala58."); the page text leaves them out, and keeps
    powers (a unit squared, a letter squared) and figures set at the text's own size."""
    import pypdf

    from evidence_ingest.load.pdf import page_text

    report = shared_data / "uk-health-policy" / "nhs_navigator_rag" / "Data Driven Healthcare in 2030 - Full report - Mar 21.pdf"
    page = pypdf.PdfReader(report).pages[134]
    assert "Scala58" in (page.extract_text() or "")
    text = page_text(page)
    assert "Java, and Scala." in text.replace("\n", " ") and "Scala58" not in text
    doc = load_file(report)
    joined = " ".join(b.text for b in doc.blocks)
    assert "Scala58" not in joined and "and Scala" in joined
    columns = pypdf.PdfReader(shared_data / "pdfs" / "026-multicolumn.pdf")
    assert any("(km2)" in page_text(p) for p in columns.pages)
