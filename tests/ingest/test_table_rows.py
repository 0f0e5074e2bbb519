"""Tables in HTML, Word and Markdown read as rows that carry their column headers and caption,
so that a figure is found, and cited, by what it measures."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from evidence_assistant.core.types import SourceDocument
from evidence_ingest.chunk import chunk_blocks
from evidence_ingest.load import docx as docx_loader
from evidence_ingest.load import html as html_loader
from evidence_ingest.load import markdown as md_loader
from evidence_assistant.core.text import is_table_row
from evidence_ingest.load.tables import header_rows, is_figure, table_row_text, table_rows

DATA = Path("/work/shared/data/uk-health-policy/gp_good_practice_guidelines_v4")


def _paras(loaded) -> list[str]:
    return [b.text for b in loaded.blocks if b.kind == "paragraph"]


# ---------------------------------------------------------------- the shared row rules

def test_row_text_form_is_caption_then_header_value_pairs() -> None:
    assert table_row_text(["North", "1,200"], ["Region", "Beds"], "Table 2: Beds by region") == \
        "Table 2: Beds by region: Region: North; Beds: 1,200"
    assert table_row_text(["North", "1,200"]) == "North | 1,200"


def test_spanning_header_heads_every_column_under_it_and_body_span_sits_under_its_first() -> None:
    rows = [[("Area", 1), ("2030", 2)],
            [("", 1), ("Supply", 1), ("Demand", 1)],
            [("Informatics", 1), ("545", 1), ("2,199", 1)],
            [("Note: figures rounded", 3)]]
    assert table_rows(rows, header_count=2) == [
        "Area: Informatics; 2030 Supply: 545; 2030 Demand: 2,199",
        "Area: Note: figures rounded",
    ]


def test_header_guess_needs_figures_under_words() -> None:
    assert header_rows([["Topic", "Votes"], ["Standards", "12"]]) == 1
    # Words over words: as likely a first entry (a glossary) as a header, so not taken for one.
    assert header_rows([["DM+D", "Dictionary of medicines"], ["EPR", "Electronic patient record"]]) == 0
    assert table_rows([[("DM+D", 1), ("Dictionary of medicines", 1)], [("EPR", 1), ("Electronic record", 1)]]) \
        == ["DM+D | Dictionary of medicines", "EPR | Electronic record"]

    # Figures written as the documents write them count as figures under a header of words.
    for figure in ("£1.2bn", "–3%", "12 per cent", "4 000"):
        assert header_rows([["Measure", "Change"], ["Outpatients", figure]]) == 1, figure


def test_a_figure_is_a_number_a_share_or_an_amount_and_nothing_else() -> None:
    """One reading of a cell as a figure serves the table readers of every format and the
    Markdown reader's flattened tables."""
    for text in ("7.4%", "-32.7%", "–3%", "£1.2bn", "4,000", "12 per cent", "£ 250m", "+5"):
        assert is_figure(text), text
    for text in ("Outpatients", ".", "-", "2.1 Background", "7.4% of all spells", "£"):
        assert not is_figure(text), text


# ---------------------------------------------------------------- HTML

HTML_TABLE = b"""<html><body><h1>Beds</h1>
<p>Table 3: Hospital beds by region, 2024</p>
<table>
<thead><tr><th>Region</th><th>General beds</th><th>Critical care beds</th></tr></thead>
<tbody>
<tr><td>North</td><td>1,200</td><td>85</td></tr>
<tr><td colspan="2">South (general and critical together)</td><td>90</td></tr>
</tbody></table>
<table><caption>Staff in post</caption>
<tr><th>Role</th><th>Headcount</th></tr>
<tr><td>Nurses</td><td>310</td></tr>
</table>
</body></html>"""


def test_html_rows_carry_headers_and_caption() -> None:
    paras = _paras(html_loader.load(Path("t.html"), HTML_TABLE))
    assert "Table 3: Hospital beds by region, 2024: Region: North; General beds: 1,200; Critical care beds: 85" \
        in paras
    # A cell spanning two columns stays under the first; the next value keeps its own header.
    assert "Table 3: Hospital beds by region, 2024: Region: South (general and critical together); " \
        "Critical care beds: 90" in paras
    assert "Staff in post: Role: Nurses; Headcount: 310" in paras
    # The header row is prefixed to every row, not a block of its own.
    assert not any(p.startswith("Region | ") or p == "Role | Headcount" for p in paras)


def test_html_rowspan_keeps_later_cells_under_their_headers() -> None:
    page = b"""<table><tr><th>Trust</th><th>Year</th><th>Visits</th></tr>
    <tr><td rowspan="2">Leeds</td><td>2023</td><td>40</td></tr>
    <tr><td>2024</td><td>52</td></tr></table>"""
    paras = _paras(html_loader.load(Path("t.html"), page))
    assert paras == ["Trust: Leeds; Year: 2023; Visits: 40", "Trust: Leeds; Year: 2024; Visits: 52"]


def test_html_layout_tables_read_as_before() -> None:
    page = b"""<body><table><tr><td><h2>Contents</h2><p>Body text under it.</p></td>
    <td><table><tr><td>Inner cell</td></tr></table></td></tr></table>
    <table><tr><td>A boxed note on its own.</td></tr><tr><td>Its second line.</td></tr></table></body>"""
    loaded = html_loader.load(Path("t.html"), page)
    assert [b.text for b in loaded.blocks] == ["Contents", "Body text under it.", "Inner cell",
                                               "A boxed note on its own.", "Its second line."]


def test_html_presentation_table_reads_as_content() -> None:
    page = b"""<body><table role="presentation"><tr><td><p>First paragraph of the page.</p></td>
    <td><p>Second paragraph.</p></td></tr></table></body>"""
    loaded = html_loader.load(Path("t.html"), page)
    assert [b.text for b in loaded.blocks] == ["First paragraph of the page.", "Second paragraph."]


# ---------------------------------------------------------------- Word

def _docx(build) -> bytes:
    import docx

    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _mark_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:tblHeader"))
    assert row._tr.find(qn("w:trPr")) is not None


def test_docx_rows_carry_marked_headers_caption_before_and_merged_cells() -> None:
    def build(d) -> None:
        d.add_heading("Workforce", level=1)
        d.add_paragraph("Table 4: Analysts by band")
        t = d.add_table(rows=4, cols=3)
        for r, values in enumerate([["Band", "Count", "Change"], ["8a", "47", "+3"], ["8b", "12", "-1"],
                                    ["", "", "n/a"]]):
            for c, v in enumerate(values):
                t.cell(r, c).text = v
        _mark_header(t.rows[0])
        merged = t.cell(3, 0).merge(t.cell(3, 1))
        merged.text = "All other bands"
        d.add_paragraph("After the table.")

    paras = _paras(docx_loader.load(Path("t.docx"), _docx(build)))
    assert paras == [
        "Table 4: Analysts by band",
        "Table 4: Analysts by band: Band: 8a; Count: 47; Change: +3",
        "Table 4: Analysts by band: Band: 8b; Count: 12; Change: -1",
        "Table 4: Analysts by band: Band: All other bands; Change: n/a",
        "After the table.",
    ]


def test_docx_caption_after_and_guessed_header() -> None:
    def build(d) -> None:
        d.add_paragraph("Some text.")
        t = d.add_table(rows=3, cols=2)
        for r, values in enumerate([["Topic", "Votes"], ["Standards", "12"], ["Procurement", "9"]]):
            for c, v in enumerate(values):
                t.cell(r, c).text = v
        d.add_paragraph("Table 7 - Votes by topic")

    paras = _paras(docx_loader.load(Path("t.docx"), _docx(build)))
    assert "Table 7 - Votes by topic: Topic: Standards; Votes: 12" in paras
    assert "Table 7 - Votes by topic: Topic: Procurement; Votes: 9" in paras


def test_docx_one_column_box_reads_as_before() -> None:
    def build(d) -> None:
        t = d.add_table(rows=2, cols=1)
        t.cell(0, 0).text = "Box title"
        t.cell(1, 0).text = "The boxed text, read as it stands."

    assert _paras(docx_loader.load(Path("t.docx"), _docx(build))) == ["Box title",
                                                                     "The boxed text, read as it stands."]


# ---------------------------------------------------------------- Markdown

MD_PIPE = """# Results

**Table 1 - Activity growth**

| Activity | Growth |
|---|---|
| Elective spells | 7.4% |
| Outpatients | 5.2% |

Text after.
"""


def test_markdown_pipe_table_rows_carry_header_and_caption() -> None:
    paras = _paras(md_loader.load(Path("t.md"), MD_PIPE.encode()))
    assert "Table 1 - Activity growth: Activity: Elective spells; Growth: 7.4%" in paras
    assert "Table 1 - Activity growth: Activity: Outpatients; Growth: 5.2%" in paras
    assert "Activity | Growth" not in paras
    assert paras[-1] == "Text after."


MD_GRID = """## Access

Table 9 - Access after leaving

+-----------------+------------------+--------------+
| **Purpose**     | **Staff Roles    | **Access     |
|                 | Requiring**      | for**        |
+=================+==================+==============+
| Subsequent care | Only designated  | Indefinitely |
|                 | staff in         |              |
|                 | registration/re- |              |
|                 | registration     |              |
+-----------------+------------------+--------------+
| Probity         |                  | Eight years  |
+-----------------+------------------+--------------+

+---------------------------------------------------+
| **A boxed title**                                 |
+===================================================+
| The box holds a paragraph that wraps over two     |
| lines of the source.                              |
|                                                   |
| 1.  A numbered point                              |
+---------------------------------------------------+

after the box, the section goes on.
"""


def test_markdown_grid_table_rows_and_box() -> None:
    loaded = md_loader.load(Path("t.md"), MD_GRID.encode())
    paras = _paras(loaded)
    assert "Table 9 - Access after leaving: Purpose: Subsequent care; Staff Roles Requiring: Only designated " \
        "staff in registration/re-registration; Access for: Indefinitely" in paras
    assert "Table 9 - Access after leaving: Purpose: Probity; Access for: Eight years" in paras
    # A one-column grid table is a box: its text reads as paragraphs, not line by line.
    assert "The box holds a paragraph that wraps over two lines of the source." in paras
    assert "1. A numbered point" in paras
    after = next(b for b in loaded.blocks if b.text.startswith("after the box"))
    assert after.heading_path == ("Access",)  # the box's title does not head what follows it


def test_markdown_table_rows_are_not_glued_to_prose_and_chunks_keep_rows_whole() -> None:
    rows = "\n".join(f"| Site {i} | {i * 10} patients |" for i in range(60))
    text = f"The paragraph before the table ends without a stop\n\n| Site | Patients |\n|---|---|\n{rows}\n"
    loaded = md_loader.load(Path("t.md"), text.encode())
    paras = _paras(loaded)
    assert paras[0] == "The paragraph before the table ends without a stop"
    assert paras[1] == "Site: Site 0; Patients: 0 patients"
    doc = SourceDocument(doc_id="d" * 16, path="t.md", format="markdown", title="T", kind="report", date=None, publisher=None,
                         url=None)
    passages = chunk_blocks(doc, loaded.blocks, max_tokens=64, overlap=8,
                            count_tokens=lambda texts: [len(t.split()) for t in texts])
    assert len(passages) > 1
    row_texts = set(paras[1:])
    for p in passages:
        for piece in p.text.split("\n\n"):
            assert piece in row_texts or piece == paras[0]  # every passage holds whole rows


# ---------------------------------------------------------------- real documents

@pytest.mark.skipif(not (DATA / "docx" / "Ch 4 IG final.docx").exists(), reason="GP guidelines docx not present")
def test_real_docx_table_row_reads_with_headers_and_caption() -> None:
    path = DATA / "docx" / "Ch 4 IG final.docx"
    paras = _paras(docx_loader.load(path, path.read_bytes()))
    row = next(p for p in paras if "Three months" in p)
    assert row.startswith("Table 4.9: Purpose: Practice Management")
    assert "Staff Roles Requiring Access: All staff whose roles involve record access" in row
    assert "Three months" in row and "Access Required" in row


@pytest.mark.skipif(not (DATA / "markdown" / "ch-4-ig.md").exists(), reason="GP guidelines markdown not present")
def test_real_markdown_grid_table_row_reads_with_headers_and_caption() -> None:
    path = DATA / "markdown" / "ch-4-ig.md"
    paras = _paras(md_loader.load(path, path.read_bytes()))
    assert "Table 4.9: Purpose: Probity; Access Required for...: Eight years" in paras
    assert any(p.startswith("Table 4.9: Purpose: Subsequent Clinical Care; Staff Roles Requiring Access: Only "
                            "designated staff involved in patient registration/re-registration procedures")
               for p in paras)


MD_FLATTENED = """# Productivity

**Table 2 – growth by service**

**Service**

Growth this year

Planned operations

7.4%

Outpatients

5.2%

o/w first visits

6.3%

Emergency visits

-1.5%

Staff numbers grew by 4.0% in the same period, and overtime fell.
"""


def test_markdown_table_flattened_to_one_cell_a_paragraph_reads_as_rows() -> None:
    """Conversion from print leaves some tables as one paragraph per cell: each label/figure pair
    becomes a row with its column headers and caption, and a figure is never glued to the next
    label even when that label starts in lower case ("o/w first visits")."""
    paras = _paras(md_loader.load(Path("t.md"), MD_FLATTENED.encode()))
    rows = [p for p in paras if p.startswith("Table 2 – growth by service:")]
    assert rows == ["Table 2 – growth by service: Service: Planned operations; Growth this year: 7.4%",
                    "Table 2 – growth by service: Service: Outpatients; Growth this year: 5.2%",
                    "Table 2 – growth by service: Service: o/w first visits; Growth this year: 6.3%",
                    "Table 2 – growth by service: Service: Emergency visits; Growth this year: -1.5%"]
    assert all(is_table_row(r) for r in rows)
    assert "Staff numbers grew by 4.0% in the same period, and overtime fell." in paras
    # Two pairs are too few to call a table: such paragraphs stay as written.
    short = MD_FLATTENED.split("o/w first visits")[0]
    assert "Outpatients" in _paras(md_loader.load(Path("t.md"), short.replace("Planned operations\n\n7.4%\n\n", "").encode()))
