"""OCR of scanned PDF pages (EVIDENCE_OCR): real PDFs, the real tesseract and pdftoppm programs.

The image-only PDFs in shared/data/pdfs hold pictures, not text (an icon, a photograph, a
cartoon), so OCR must find nothing there and say so. The scanned letter is made in the test
from a real government letter (the COPI notice of 20 March 2020): its pages are drawn as
greyscale images and saved as an image-only PDF, as a scanner would.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evidence_assistant.core.errors import IngestError
from evidence_ingest.load import ocr, pdf

HAVE_TESSERACT = shutil.which("tesseract") is not None and shutil.which("pdftoppm") is not None
needs_tesseract = pytest.mark.skipif(not HAVE_TESSERACT, reason="tesseract-ocr / poppler-utils not installed "
                                     "(run `make ocr`)")
LETTER = "uk-health-policy/nhsx_old_website/Final_General_COPI_Notice.pdf"


def _load(path: Path):
    return pdf.load(path, path.read_bytes())


@pytest.fixture
def no_tesseract(monkeypatch, tmp_path):
    """A PATH on which neither tesseract nor pdftoppm can be found."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_ocr_off_says_how_to_enable_it(shared_data, monkeypatch):
    monkeypatch.setenv("EVIDENCE_OCR", "off")
    with pytest.raises(IngestError) as err:
        _load(shared_data / "pdfs" / "019-grayscale-image.pdf")
    msg = str(err.value)
    assert "019-grayscale-image.pdf" in msg and "no text layer" in msg
    assert "EVIDENCE_OCR" in msg and "tesseract-ocr" in msg


def test_without_tesseract_the_skip_message_says_how_to_enable_ocr(shared_data, monkeypatch, no_tesseract):
    monkeypatch.setenv("EVIDENCE_OCR", "auto")
    with pytest.raises(IngestError) as err:
        _load(shared_data / "pdfs" / "023-cmyk-image.pdf")
    assert "not installed" in str(err.value) and "apt-get install tesseract-ocr" in str(err.value)
    # A PDF with some text keeps it; the pages without are named, with the way to read them.
    loaded = _load(shared_data / "pdfs" / "007-imagemagick-images.pdf")
    assert [b.page for b in loaded.blocks] == ["1", "2", "3", "6"]
    skipped = [w for w in loaded.warnings if "no text layer" in w]
    assert [w.split(":")[0] for w in skipped] == ["page 4", "page 5"]
    assert all("EVIDENCE_OCR" in w for w in skipped)


def test_ocr_on_without_tesseract_refuses_the_file_by_page(shared_data, monkeypatch, no_tesseract):
    monkeypatch.setenv("EVIDENCE_OCR", "on")
    with pytest.raises(IngestError, match=r"007-imagemagick-images\.pdf.*page 4 has no text layer and EVIDENCE_OCR=on"):
        _load(shared_data / "pdfs" / "007-imagemagick-images.pdf")


@needs_tesseract
def test_pages_with_a_text_layer_read_the_same_with_ocr_on(shared_data, monkeypatch):
    path = shared_data / "pdfs" / "004-pdflatex-4-pages.pdf"
    monkeypatch.setenv("EVIDENCE_OCR", "off")
    before = _load(path)
    monkeypatch.setenv("EVIDENCE_OCR", "on")
    after = _load(path)
    assert after.blocks == before.blocks and after.warnings == before.warnings
    assert not any(ocr.MARK in b.heading_path for b in after.blocks)


@needs_tesseract
def test_pictures_without_words_are_skipped_with_the_reason(shared_data, monkeypatch):
    monkeypatch.setenv("EVIDENCE_OCR", "on")
    with pytest.raises(IngestError, match="OCR found no words on the page"):
        _load(shared_data / "pdfs" / "007-imagemagick-lzw.pdf")


@needs_tesseract
def test_ocr_over_its_page_time_limit_falls_back_with_the_reason(shared_data, monkeypatch):
    monkeypatch.setenv("EVIDENCE_OCR", "on")
    monkeypatch.setenv("EVIDENCE_OCR_PAGE_TIMEOUT_S", "0.01")
    with pytest.raises(IngestError, match=r"OCR took longer than 0 s \(raise EVIDENCE_OCR_PAGE_TIMEOUT_S\)"):
        _load(shared_data / "pdfs" / "023-cmyk-image.pdf")


def _scan(src: Path, out: Path, dpi: int = 150) -> Path:
    """An image-only copy of ``src``, as a scanner would make it."""
    import subprocess

    from PIL import Image

    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(src), str(out.parent / "pg")], check=True)
    images = [Image.open(p).convert("L") for p in sorted(out.parent.glob("pg-*.png"))]
    images[0].save(out, save_all=True, append_images=images[1:], resolution=dpi)
    for p in out.parent.glob("pg-*.png"):
        p.unlink()
    return out


@pytest.mark.slow
@needs_tesseract
def test_a_scanned_letter_is_read_by_ocr_and_answered_with_its_page(shared_data, monkeypatch, tmp_path):
    from evidence_assistant import Assistant
    from evidence_assistant.core.settings import Settings
    from evidence_ingest.pipeline import ingest

    src = shared_data / LETTER
    if not src.is_file():
        pytest.skip(f"the COPI notice is not in the shared data ({src})")
    docs = tmp_path / "docs"
    docs.mkdir()
    scan = _scan(src, docs / "copi-notice-scan.pdf")
    monkeypatch.setenv("EVIDENCE_OCR", "off")
    with pytest.raises(IngestError, match="no text layer on any of the 3 pages"):
        _load(scan)

    monkeypatch.setenv("EVIDENCE_OCR", "auto")  # the child process reads it from the environment
    settings = Settings(index_dir=tmp_path / "index", ocr="auto", file_timeout_s=600)
    report = ingest([docs], settings=settings)
    assert report.indexed == 1, report.skipped

    a = Assistant.open(tmp_path / "index")
    try:
        answer = a.ask("Which regulations is the notice served under?")
    finally:
        a.close()
    assert answer.answered, answer.text
    cited = [c for c in answer.citations if "Regulation" in c.quote or "Regulations" in c.quote]
    assert cited and all(c.page in {"1", "2", "3"} for c in cited)
    assert "1" in {c.page for c in cited}
    shown = {sp.passage.passage_id: sp.passage for sp in answer.passages}
    assert all(ocr.MARK in shown[c.passage_id].heading_path for c in cited if c.passage_id in shown)
