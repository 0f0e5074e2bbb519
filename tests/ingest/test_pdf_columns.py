"""Reading order of a page set in columns, decided from word positions (``layout.find_gutter``,
``layout.reading_order``), and its use by the PDF loader on pages it reads by position."""
from __future__ import annotations

from pathlib import Path

import pytest

from evidence_ingest.load import pdf as pdf_loader
from evidence_ingest.load.layout import find_gutter, lines_text, reading_order


def _line(words: str, x: float, top: float, size: float = 10.0) -> list[dict]:
    out, cx = [], x
    for w in words.split():
        width = 5.0 * len(w)
        out.append({"text": w, "x0": cx, "x1": cx + width, "top": top, "bottom": top + size})
        cx += width + 3.0
    return out


_LEFT = ["the first column opens the account of", "how the service was planned and then",
         "how it was run over the first two years", "by the teams that took it on in each of",
         "the regions named in the report and it", "continues at the head of the"]
_RIGHT = ["second column where the sentence ends.", "The second column then goes on with",
          "the findings of the review in detail", "and what the board asked of each team",
          "before the next round of funding began", "and closes the section here."]


def _two_columns(title: bool = True) -> list[dict]:
    words: list[dict] = []
    if title:
        words += _line("A title set right across both of the columns", 60, 40, 14)
    for k, (a, b) in enumerate(zip(_LEFT, _RIGHT)):
        words += _line(a, 50, 80 + 14 * k)   # left column: x 50 to about 290
        words += _line(b, 320, 80 + 14 * k)  # right column from x 320
    return words


def test_two_columns_are_read_left_then_right_under_a_full_width_title() -> None:
    words = _two_columns()
    gutter = find_gutter(words, 600)
    assert gutter is not None and 285 < (gutter[0] + gutter[1]) / 2 < 325
    text = lines_text(reading_order(words, gutter))
    lines = [ln for ln in text.split("\n") if ln]
    assert lines[0] == "A title set right across both of the columns"
    assert lines[1:7] == _LEFT and lines[7:] == _RIGHT


def test_single_column_and_label_value_pages_have_no_gutter() -> None:
    single = []
    for k in range(12):
        single += _line("one column of running text that crosses the middle of the page on every line", 50, 80 + 14 * k)
    assert find_gutter(single, 600) is None
    labels = []
    for k in range(12):  # short labels facing values: a form, not two columns of prose
        labels += _line("Name:", 50, 80 + 14 * k) + _line("a value set far to the right side", 330, 80 + 14 * k)
    assert find_gutter(labels, 600) is None
    # Without a gutter the order is plain top to bottom.
    assert lines_text(reading_order(single, None)).split("\n")[0].startswith("one column")


def _two_column_pdf_with_table() -> bytes:
    """A page whose text layer interleaves the columns (each right-column line written right after
    the left-column line beside it) and which holds a ruled table under the columns."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    pdf.add_page()
    pdf.set_font("Helvetica", size=14)
    pdf.text(20, 20, "Review of the regional service")
    pdf.set_font("Helvetica", size=10)
    for k, (a, b) in enumerate(zip(_LEFT, _RIGHT)):
        pdf.text(20, 35 + 5 * k, a)
        pdf.text(110, 35 + 5 * k, b)
    pdf.set_y(80)
    with pdf.table(col_widths=(60, 40)) as table:
        for r in (["Region", "Teams"], ["North", "12"], ["South", "9"]):
            row = table.row()
            for c in r:
                row.cell(c)
    return bytes(pdf.output())


def test_loader_reads_a_two_column_page_in_column_order() -> None:
    data = _two_column_pdf_with_table()
    text = " ".join(b.text for b in pdf_loader.load(Path("c.pdf"), data).blocks)
    # The sentence that runs from the foot of the left column to the head of the right is whole.
    assert "continues at the head of the second column where the sentence ends." in text
    assert text.index("the first column opens") < text.index("The second column then goes on")
    assert "Region: North; Teams: 12" in text


_AI_REPORT = ("nhsx_old_website", "NHSX_AI_report.pdf")


@pytest.mark.slow
def test_real_report_two_column_spreads_are_found(shared_data: Path) -> None:
    pdfplumber = pytest.importorskip("pdfplumber")
    path = shared_data / "uk-health-policy" / Path(*_AI_REPORT)
    if not path.is_file():
        pytest.skip(f"{path} not present")
    with pdfplumber.open(path) as doc:
        found = sum(1 for p in doc.pages if find_gutter(p.extract_words(), float(p.width)) is not None)
    # The report is printed as two-page spreads, most with text on both pages.
    assert 30 <= found <= 45
