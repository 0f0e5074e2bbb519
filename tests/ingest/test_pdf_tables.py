"""PDF tables: a ruled table is kept as a table, one block per row, read through
``table_row_text`` with its header row and caption; its words are not also ordinary text."""
from __future__ import annotations

from pathlib import Path

import pytest

from evidence_ingest.load import pdf as pdf_loader
from evidence_ingest.load.tables import table_row_text

_HEALTH = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "uk-health-policy"


def _table_pdf(rows: list[list[str]], caption: str | None, before: str, after: str, boxed_note: str | None = None,
               bold_header: bool = True) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, before)
    pdf.ln(4)
    if caption:
        pdf.cell(0, 6, caption, new_x="LMARGIN", new_y="NEXT")
    with pdf.table(col_widths=(60, 40, 40), first_row_as_headings=bold_header) as table:
        for r in rows:
            row = table.row()
            for c in r:
                row.cell(c)
    pdf.ln(6)
    pdf.multi_cell(0, 6, after)
    if boxed_note:
        pdf.ln(4)
        pdf.multi_cell(0, 6, boxed_note, border=1)
    return bytes(pdf.output())


_ROWS = [["Region", "Staff in 2020", "Staff in 2030"],
         ["Northern Cumbria", "1,204", "1,877"],
         ["Lower Wessex", "986", "1,530"],
         ["Eastern Fens", "2,310", "3,095"]]


def test_ruled_table_rows_become_blocks_with_headers_and_caption() -> None:
    data = _table_pdf(_ROWS, "Table 4: Analysts by region", "The survey counted analysts in three regions.",
                      "These figures were gathered in the spring.")
    loaded = pdf_loader.load(Path("t.pdf"), data)
    texts = [b.text for b in loaded.blocks]
    expected = [table_row_text(r, _ROWS[0], "Table 4: Analysts by region") for r in _ROWS[1:]]
    assert [t for t in texts if t in expected] == expected
    rows = [b for b in loaded.blocks if b.text in expected]
    assert all(b.page == "1" and b.page_index == 0 and b.kind == "paragraph" for b in rows)
    # The table's cells are not read a second time as page text.
    others = [t for t in texts if t not in expected]
    assert not any("Lower Wessex" in t or "1,530" in t for t in others)
    # Text around the table stays, in order: before, caption, rows, after.
    before = next(i for i, t in enumerate(texts) if "counted analysts in three regions." in t)
    after = next(i for i, t in enumerate(texts) if "gathered in the spring." in t)
    assert before < texts.index(expected[0]) and texts.index(expected[-1]) < after


def test_table_without_caption_or_figures_reads_rows_plainly() -> None:
    rows = [["Principle", "Meaning"], ["Openness", "Say what is done"], ["Fairness", "Treat alike"]]
    plain = pdf_loader.load(Path("t.pdf"), _table_pdf(rows, None, "Two principles follow.", "End of list.",
                                                      bold_header=False))
    # No figures below it and not set in bold: the first row is not taken for a header.
    assert [b.text for b in plain.blocks if " | " in b.text] == ["Principle | Meaning", "Openness | Say what is done",
                                                                "Fairness | Treat alike"]
    # Set in bold over rows that are not: it heads the columns.
    bold = pdf_loader.load(Path("t.pdf"), _table_pdf(rows, None, "Two principles follow.", "End of list."))
    assert "Principle: Openness; Meaning: Say what is done" in [b.text for b in bold.blocks]


def test_a_box_around_a_paragraph_is_not_a_table() -> None:
    note = "A boxed note that is one paragraph of ordinary text and not a table at all."
    loaded = pdf_loader.load(Path("t.pdf"), _table_pdf(_ROWS, None, "Intro text here.", "After.", boxed_note=note))
    texts = [b.text for b in loaded.blocks]
    assert any(note in t for t in texts)
    assert not any("boxed note" in t and ("; " in t or " | " in t) for t in texts)


def _clipped_blocks_pdf(with_table: bool) -> bytes:
    """A designed report's page: every text block inside its own clipping box ("re W n"), and,
    when asked, a ruled table below them."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    for k in range(8):
        with pdf.rect_clip(x=10, y=10 + k * 20, w=150, h=15):
            pdf.set_xy(10, 10 + k * 20)
            pdf.multi_cell(150, 6, f"Block {k} of the report, set inside its own clipping box.")
    if with_table:
        pdf.set_xy(10, 180)
        with pdf.table(col_widths=(60, 40, 40)) as table:
            for r in _ROWS:
                row = table.row()
                for c in r:
                    row.cell(c)
    return bytes(pdf.output())


def test_clipping_boxes_are_not_rules_so_a_page_without_a_table_skips_the_layout_pass(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    import pypdf

    plain = _clipped_blocks_pdf(with_table=False)
    stream = pypdf.PdfReader(io.BytesIO(plain)).pages[0].get_contents().get_data()
    assert stream.count(b" re W n") == 8  # eight rectangles drawn as paths, none of them painted
    assert pdf_loader.painted_rules(stream) == 0
    laid: list[int] = []
    real_plumb = pdf_loader._plumb_page
    monkeypatch.setattr(pdf_loader, "_plumb_page", lambda page: laid.append(1) or real_plumb(page))
    loaded = pdf_loader.load(Path("t.pdf"), plain)
    assert laid == [] and any("Block 7 of the report" in b.text for b in loaded.blocks)
    # The same page with a ruled table under the boxes: its painted rules send it through, and
    # the table is read.
    ruled = _clipped_blocks_pdf(with_table=True)
    stream = pypdf.PdfReader(io.BytesIO(ruled)).pages[0].get_contents().get_data()
    assert pdf_loader.painted_rules(stream) >= 6
    loaded = pdf_loader.load(Path("t.pdf"), ruled)
    assert laid == [1]
    assert table_row_text(_ROWS[2], _ROWS[0], None) in [b.text for b in loaded.blocks]


@pytest.mark.slow
def test_real_summary_report_table_1_keeps_its_rows(shared_data: Path) -> None:
    path = shared_data / "uk-health-policy" / "nhs_navigator_rag" / "Data Driven Healthcare in 2030 - Summary report - Mar 21.pdf"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    blocks = pdf_loader.load(path, path.read_bytes()).blocks
    row = [b for b in blocks if "Area of work: Clinical informatics" in b.text and b.page == "8"]
    assert len(row) == 1
    text = row[0].text
    assert text.startswith("Table 1: 10-year increase or decrease in workforce size")
    assert "Workforce size in 2020 – WTEs: 1,778" in text and "Projected demand in 2030 – WTEs: 13,731" in text
    assert "required – %: +672%" in text
    # The cells are not also loose page text ("1,778" only inside the row).
    assert [b.text for b in blocks if "13,731" in b.text and not b.text.startswith("Table 1:")] == []


def test_real_survey_table_row_carries_caption_and_header(shared_data: Path) -> None:
    path = shared_data / "uk-health-policy" / "nhs_navigator_rag" / \
        "AnalystX_Observatory_State_of_the_Nation_Workforce_survey_key_findings_211022_REVIEWED.pdf"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    blocks = pdf_loader.load(path, path.read_bytes()).blocks
    assert any(b.text == "Table 6: Responses to barriers to hiring: Barrier to recruitment: Specific technical skills; "
               "Count: 34" and b.page == "19" for b in blocks)
