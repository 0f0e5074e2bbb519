"""Per-format loaders, on small documents built here. Each test pins exact pages, paragraph
numbers and heading paths: a loader that drifts by one page or one heading must fail."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from evidence_assistant.core.errors import IngestError
from evidence_assistant.core.types import Block
from evidence_ingest.load import load_file
from evidence_ingest.load import docx as docx_loader
from evidence_ingest.load import html as html_loader
from evidence_ingest.load import jsondoc
from evidence_ingest.load import markdown as md_loader
from evidence_ingest.load import pdf as pdf_loader
from evidence_ingest.load import text as text_loader
from evidence_ingest.load.text import paragraph_number

# --------------------------------------------------------------------------- helpers


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _para(blocks: list[Block], number: str) -> list[Block]:
    return [b for b in blocks if b.paragraph == number]


def _headings(blocks: list[Block]) -> list[tuple[str, int, tuple[str, ...]]]:
    return [(b.text, b.level, b.heading_path) for b in blocks if b.kind == "heading"]


def _assert_clean(blocks: list[Block]) -> None:
    for b in blocks:
        assert b.text == b.text.strip() and "  " not in b.text and "\n" not in b.text and "\t" not in b.text, b


# --------------------------------------------------------------------------- paragraph numbers


@pytest.mark.parametrize("text, expected", [
    ("12. The Committee", "12"), ("12.The Committee", "12"), ("12 The Committee", "12"),
    ("3.4 The Committee", "3.4"), ("3.4. the Committee", "3.4"), ("7 “Quoted”", "7"),
    ("132 different products", None),  # a wrapped line that starts with a number
    ("3.4 million people", None), ("2019. The year", None), ("1 April 2020", None),
    ("12", None), ("12abc", None), ("1.5% of", None), ("12 3D printing", None),
])
def test_paragraph_number(text: str, expected: str | None) -> None:
    assert paragraph_number(text) == expected


def test_paragraph_number_can_refuse_undotted_numbers() -> None:
    assert paragraph_number("12 The", plain=False) is None
    assert paragraph_number("12. The", plain=False) == "12"
    assert paragraph_number("3.4 The", plain=False) == "3.4"


# --------------------------------------------------------------------------- PDF

_LONG = ("The Department told us that spending on digital services rose to £150 million in the last financial "
         "year, and officials expect the figure to grow further. ")


def _committee_pdf() -> bytes:
    """Three pages: front matter labelled "i", then "1" and "2"; paragraph 3 runs over the page
    break; an outline; custom document-information keys."""
    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=20)

    def heading(text: str) -> None:
        pdf.start_section(text, level=0)
        pdf.set_font("Helvetica", "B", 14)
        pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)

    pdf.add_page()
    heading("Summary")
    pdf.multi_cell(0, 6, "This report examines how the Department funds digital services and what the "
                         "public should expect in return.")
    pdf.add_page()
    heading("1 Introduction")
    pdf.multi_cell(0, 6, "1. The Committee launched its inquiry in March 2024 and received written evidence "
                         "from more than forty organisations, including NHS trusts and patient groups.")
    pdf.ln(3)
    pdf.multi_cell(0, 6, "2. We held four oral evidence sessions. The witnesses are listed at the end.")
    pdf.ln(3)
    pdf.multi_cell(0, 6, "3. " + _LONG * 34 + "This sentence closes paragraph three.")
    pdf.ln(3)
    heading("2 Conclusions")
    pdf.multi_cell(0, 6, "4. We recommend that the Department publishes its digital spending plans every year.")
    reader = PdfReader(io.BytesIO(bytes(pdf.output())))
    writer = PdfWriter(clone_from=reader)
    writer.set_page_label(0, 0, style="/r")
    writer.set_page_label(1, len(reader.pages) - 1, style="/D", start=1)
    writer.add_metadata({
        "/Title": "Digital services in the NHS", "/Author": "Health and Social Care Committee",
        "/kind": "Committee report", "/Date": "2024-03-05", "/Publisher": "House of Commons",
        "/URL": "https://committees.parliament.uk/publications/1234/", "/Licence": "Open Parliament Licence v3.0",
    })
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def committee_pdf() -> bytes:
    return _committee_pdf()


def test_pdf_pages_labels_paragraphs_and_headings(tmp_path: Path, committee_pdf: bytes) -> None:
    loaded = load_file(_write(tmp_path, "report.pdf", committee_pdf))
    doc, blocks = loaded.document, loaded.blocks
    assert doc.format == "pdf" and doc.pages == 3
    assert loaded.warnings == []
    _assert_clean(blocks)

    assert [(b.page, b.page_index) for b in blocks if b.kind == "heading"] == [("i", 0), ("1", 1), ("2", 2)]
    assert _headings(blocks) == [("Summary", 1, ()), ("1 Introduction", 1, ()), ("2 Conclusions", 1, ())]
    summary = blocks[1]
    assert summary.text.startswith("This report examines") and (summary.page, summary.page_index) == ("i", 0)
    assert summary.heading_path == ("Summary",) and summary.paragraph is None

    p1, p2 = _para(blocks, "1"), _para(blocks, "2")
    assert len(p1) == 1 and p1[0].text.startswith("1. The Committee launched") and p1[0].page == "1"
    assert p1[0].text.endswith("NHS trusts and patient groups.")  # the wrapped line is joined with a space
    assert p2[0].text == "2. We held four oral evidence sessions. The witnesses are listed at the end."
    assert p2[0].heading_path == ("1 Introduction",)

    # Paragraph 3 starts on page 1 and continues on page 2: the page-2 block keeps the number.
    p3 = _para(blocks, "3")
    assert [(b.page, b.page_index) for b in p3] == [("1", 1), ("2", 2)]
    assert p3[0].text.startswith("3. The Department told us")
    assert not p3[1].text.startswith("3.") and p3[1].text.endswith("This sentence closes paragraph three.")
    assert "£150 million" in p3[0].text

    p4 = _para(blocks, "4")
    assert p4[0].text == "4. We recommend that the Department publishes its digital spending plans every year."
    assert (p4[0].page, p4[0].heading_path) == ("2", ("2 Conclusions",))

    # Metadata: the file's own, with custom keys read case-insensitively; /Author is only an extra.
    assert doc.title == "Digital services in the NHS"
    assert (doc.kind, doc.date, doc.publisher) == ("report", "2024-03-05", "House of Commons")
    assert doc.url == "https://committees.parliament.uk/publications/1234/"
    assert doc.licence == "Open Parliament Licence v3.0"
    assert doc.extra["author"] == "Health and Social Care Committee"


def test_pdf_sources_toml_overrides_file_metadata(tmp_path: Path, committee_pdf: bytes) -> None:
    path = _write(tmp_path, "report.pdf", committee_pdf)
    (tmp_path / "sources.toml").write_text(
        '[[documents]]\nfile = "report.pdf"\ntitle = "Digital services (HC 123)"\nkind = "response"\n',
        encoding="utf-8")
    doc = load_file(path).document
    assert (doc.title, doc.kind, doc.date) == ("Digital services (HC 123)", "response", "2024-03-05")


def _fpdf_pages(*pages: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=11)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            if line:
                pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.ln(6)
    return bytes(pdf.output())


def test_pdf_without_outline_running_heads_headings_and_plain_numbers(tmp_path: Path) -> None:
    body = ("committee heard that the programme had been delayed by two years and that costs had risen sharply "
            "since the original business case")
    pages = []
    for n in (1, 2, 3):
        lines = ["Digital services in the NHS", ""]
        if n == 2:
            lines += ["CONCLUSIONS AND RECOMMENDATIONS",
                      "The Committee considered the evidence it had received over the course of the inquiry."]
        lines += [f"{n + 10} The {body[:60]}", body[60:] + "."]
        lines += ["", str(n)]
        pages.append(lines)
    loaded = pdf_loader.load(Path("x.pdf"), _fpdf_pages(*pages))
    texts = [b.text for b in loaded.blocks]
    # The running head and the page numbers recur on every page and are dropped.
    assert not any("Digital services in the NHS" in t for t in texts)
    assert not any(t in ("1", "2", "3") for t in texts)
    heading = [b for b in loaded.blocks if b.kind == "heading"]
    assert [(b.text, b.level, b.page) for b in heading] == [("CONCLUSIONS AND RECOMMENDATIONS", 1, "2")]
    # No dotted numbers anywhere, so "11 The ..." style paragraph numbers are accepted.
    assert [(b.paragraph, b.page) for b in loaded.blocks if b.paragraph] == [("11", "1"), ("12", "2"), ("13", "3")]
    assert _para(loaded.blocks, "12")[0].heading_path == ("CONCLUSIONS AND RECOMMENDATIONS",)


def test_pdf_page_without_text_is_a_warning(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.cell(0, 6, "Only the first page has text.")
    pdf.add_page()
    pdf.rect(20, 20, 50, 50)
    loaded = load_file(_write(tmp_path, "half.pdf", bytes(pdf.output())))
    assert len(loaded.warnings) == 1 and loaded.warnings[0].startswith("page 2: no text layer")
    assert [(b.text, b.page) for b in loaded.blocks] == [("Only the first page has text.", "1")]


def test_pdf_without_any_text_layer_raises(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.rect(20, 20, 100, 100, style="F")  # stands in for a scanned image
    with pytest.raises(IngestError) as err:
        load_file(_write(tmp_path, "scan.pdf", bytes(pdf.output())))
    assert "no text layer" in err.value.reason and "OCR" in err.value.reason
    assert err.value.path.endswith("scan.pdf")


def _encrypt(data: bytes, user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_encrypted_with_a_password_raises(tmp_path: Path, committee_pdf: bytes) -> None:
    with pytest.raises(IngestError) as err:
        load_file(_write(tmp_path, "locked.pdf", _encrypt(committee_pdf, "secret")))
    assert "encrypted" in err.value.reason and "password" in err.value.reason


def test_pdf_encrypted_with_the_empty_password_opens(tmp_path: Path, committee_pdf: bytes) -> None:
    loaded = load_file(_write(tmp_path, "restricted.pdf", _encrypt(committee_pdf, "")))
    assert _para(loaded.blocks, "4")[0].page == "2"


def test_pdf_truncated_or_not_a_pdf_raises(tmp_path: Path, committee_pdf: bytes) -> None:
    with pytest.raises(IngestError) as err:
        load_file(_write(tmp_path, "half.pdf", committee_pdf[: len(committee_pdf) // 2]))
    assert "truncated or corrupt" in err.value.reason and "re-download" in err.value.reason
    with pytest.raises(IngestError) as err:
        load_file(_write(tmp_path, "fake.pdf", b"<html>this is not a pdf</html>"))
    assert "not a PDF" in err.value.reason


# --------------------------------------------------------------------------- HTML

_REPORT_HTML = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Digital services - Health Committee - UK Parliament</title>
<meta name="dc.title" content="Digital services in the NHS">
<meta name="DC.type" content="Committee report">
<meta name="DC.date" content="2024-03-05">
<meta name="DC.publisher" content="House of Commons">
<meta name="DC.rights" content="Open Parliament Licence v3.0">
<meta name="DC.identifier" content="https://publications.parliament.uk/pa/cm/digital.htm">
<meta name="description" content="Report on digital services">
<link rel="canonical" href="https://publications.parliament.uk/canonical.htm">
<style>p { color: red; }</style>
<script>var tracking = "SCRIPT TEXT";</script>
</head><body>
<header><a href="/">UK Parliament</a> <a class="skip-link" href="#main">Skip to main content</a></header>
<nav><ul><li>Home</li><li>Committees</li></ul></nav>
<div role="navigation">Breadcrumb trail</div>
<div class="cookie-banner">We use cookies</div>
<main id="main">
<h1>Digital services in the NHS</h1>
<noscript>Enable JavaScript</noscript>
<h2>Summary</h2>
<p>The   Committee
   examined <em>digital</em> services.</p>
<h2>1 Introduction</h2>
<p>1. The Committee launched its inquiry in March 2024.</p>
<p class="para"><span class="ParaNumber">2</span>We held four oral evidence sessions.</p>
<p id="para-3">Witnesses are listed at the end of this report.</p>
<h3>Background</h3>
<ul><li><p>First point, in a paragraph inside a list item.</p></li><li>Second point</li></ul>
<blockquote>“Digital is not optional,” a witness said.</blockquote>
<table><tr><th>Year</th><th>Spending</th></tr><tr><td>2023</td><td>£150 million</td></tr></table>
<div>Text directly inside a div.<p>A paragraph after it.</p>Tail text of the div.</div>
<h2>Conclusions</h2>
<p>4 We recommend that spending plans are published.</p>
<form><label>Search</label><input name="q"></form>
<aside>Related reports</aside>
</main>
<footer>© Parliament 2024</footer>
<template><p>TEMPLATE TEXT</p></template>
</body></html>"""


def test_html_committee_report(tmp_path: Path) -> None:
    loaded = load_file(_write(tmp_path, "report.html", _REPORT_HTML.encode("utf-8")))
    doc, blocks = loaded.document, loaded.blocks
    _assert_clean(blocks)
    assert _headings(blocks) == [
        ("Digital services in the NHS", 1, ()),
        ("Summary", 2, ("Digital services in the NHS",)),
        ("1 Introduction", 2, ("Digital services in the NHS",)),
        ("Background", 3, ("Digital services in the NHS", "1 Introduction")),
        ("Conclusions", 2, ("Digital services in the NHS",)),
    ]
    paras = [(b.text, b.paragraph, b.heading_path[-1] if b.heading_path else None)
             for b in blocks if b.kind == "paragraph"]
    assert paras == [
        ("The Committee examined digital services.", None, "Summary"),
        ("1. The Committee launched its inquiry in March 2024.", "1", "1 Introduction"),
        ("2 We held four oral evidence sessions.", "2", "1 Introduction"),
        ("Witnesses are listed at the end of this report.", "3", "1 Introduction"),
        # A list's items read after their bullets, as on the page.
        ("• First point, in a paragraph inside a list item.", None, "Background"),
        ("• Second point", None, "Background"),
        ("“Digital is not optional,” a witness said.", None, "Background"),
        # A table row carries its column headers; the header row is not a block of its own.
        ("Year: 2023; Spending: £150 million", None, "Background"),
        ("Text directly inside a div.", None, "Background"),
        ("A paragraph after it.", None, "Background"),
        ("Tail text of the div.", None, "Background"),
        ("4 We recommend that spending plans are published.", "4", "Conclusions"),
    ]
    everything = " ".join(b.text for b in blocks)
    for chrome in ("SCRIPT TEXT", "color: red", "Committees", "Breadcrumb", "cookies", "Skip to", "Enable JavaScript",
                   "Search", "Related reports", "Parliament 2024", "TEMPLATE TEXT", "UK Parliament"):
        assert chrome not in everything
    assert doc.title == "Digital services in the NHS"
    assert (doc.kind, doc.date, doc.publisher) == ("report", "2024-03-05", "House of Commons")
    assert doc.licence == "Open Parliament Licence v3.0"
    assert doc.url == "https://publications.parliament.uk/pa/cm/digital.htm"  # DC.identifier before canonical
    assert doc.extra["description"] == "Report on digital services"


def test_html_ordered_list_items_read_with_their_numbers() -> None:
    # Numbered as the page shows them, from the list's start; the number is the item's, not a
    # paragraph number of the document. An item that carries its own number keeps it once.
    page = ("<html><body><main><p>The review asked for three things:</p><ol start=\"4\"><li>Fund the teams.</li>"
            "<li><p>Publish the plans.</p><p>Each year.</p></li><li>6. Report back.</li></ol>"
            "<ul><li>A point</li><li><div><span></span></div><p>Another point</p></li></ul></main></body></html>")
    blocks = html_loader.load(Path("a.html"), page.encode()).blocks
    assert [(b.text, b.paragraph) for b in blocks] == [
        ("The review asked for three things:", None),
        ("4. Fund the teams.", None),
        ("5. Publish the plans.", None),
        ("Each year.", None),
        ("6. Report back.", "6"),
        ("• A point", None),
        ("• Another point", None),  # the mark waits for the item's first paragraph
    ]


def test_html_article_header_is_content_and_site_header_is_not() -> None:
    page = ("<html><body><header><h1>Site name</h1></header><main><article><header><h1>The report title</h1>"
            "<p>Published 5 March 2024</p></header><p>Body text.</p></article></main>"
            '<div id="cookieConsent">Accept cookies</div></body></html>')
    blocks = html_loader.load(Path("a.html"), page.encode()).blocks
    assert [(b.kind, b.text, b.heading_path) for b in blocks] == [
        ("heading", "The report title", ()),
        ("paragraph", "Published 5 March 2024", ("The report title",)),
        ("paragraph", "Body text.", ("The report title",)),
    ]


def test_html_metadata_fallbacks_and_declared_charset(tmp_path: Path) -> None:
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
            '<title>Fallback title</title><link rel="canonical" href="https://example.org/page">'
            '</head><body><p>Spending rose to £150 million — a café survey.</p></body></html>')
    loaded = load_file(_write(tmp_path, "page.htm", page.encode("cp1252")))
    assert loaded.blocks[0].text == "Spending rose to £150 million — a café survey."
    assert (loaded.document.title, loaded.document.url) == ("Fallback title", "https://example.org/page")


def test_nunjucks_template(tmp_path: Path) -> None:
    template = """{% set pageTitle = "Tech plan for health and care" %}
{% extends 'includes/layout.njk' %}
{% block body %}
<nav class="breadcrumb"><a href="/">Home</a></nav>
<h1>{{ heading | safe }}Tech plan</h1>
{# a template comment #}
<p>NHSX will be engaging on a tech plan {% if live %}now {% endif %}throughout 2020.</p>
{% endblock %}"""
    loaded = load_file(_write(tmp_path, "tech-plan.njk", template.encode("utf-8")))
    assert loaded.document.format == "html"
    assert loaded.document.title == "Tech plan for health and care"
    assert [(b.kind, b.text) for b in loaded.blocks] == [
        # Tags go; what a conditional wraps stays (the template is not evaluated).
        ("heading", "Tech plan"), ("paragraph", "NHSX will be engaging on a tech plan now throughout 2020.")]


# --------------------------------------------------------------------------- DOCX


def _docx_bytes(**core: str) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("Digital services in the NHS", style="Title")
    d.add_heading("Introduction", level=1)
    d.add_paragraph("1. The Committee launched its inquiry in March 2024.")
    d.add_paragraph("2 We held four   oral evidence sessions.")
    d.add_heading("Background", level=2)
    d.add_paragraph("The Department set out three priorities:")
    for text in ("Fund local digital teams.", "Publish spending plans.", "Report every year."):
        d.add_paragraph(text, style="List Number")
    d.add_paragraph("A bullet point that is not numbered.", style="List Bullet")
    table = d.add_table(rows=2, cols=2)
    for r, row in enumerate((("Year", "Spending"), ("2023", "£150 million"))):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    d.add_heading("Conclusions", level=1)
    d.add_paragraph("")
    d.add_paragraph("12. We recommend that spending plans are published.")
    cp = d.core_properties
    for key, value in core.items():
        setattr(cp, key, value)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_docx_headings_numbering_tables_and_metadata(tmp_path: Path) -> None:
    data = _docx_bytes(title="Digital services in the NHS", author="Health and Social Care Committee",
                       category="Written evidence", identifier="https://committees.parliament.uk/writtenevidence/1/",
                       subject="NHS digital", keywords="digital; NHS",
                       comments="Submitted by the Department.\ndate: 2024-03-05\nlicence: Open Parliament Licence")
    loaded = load_file(_write(tmp_path, "evidence.docx", data))
    doc, blocks = loaded.document, loaded.blocks
    _assert_clean(blocks)
    title = "Digital services in the NHS"
    assert _headings(blocks) == [
        (title, 1, ()),
        ("Introduction", 1, ()),
        ("Background", 2, ("Introduction",)),
        ("Conclusions", 1, ()),
    ]
    paras = [(b.text, b.paragraph, b.heading_path) for b in blocks if b.kind == "paragraph"]
    assert paras == [
        ("1. The Committee launched its inquiry in March 2024.", "1", ("Introduction",)),
        ("2 We held four oral evidence sessions.", "2", ("Introduction",)),
        ("The Department set out three priorities:", None, ("Introduction", "Background")),
        # Word auto-numbering: the number it shows is the paragraph's, and leads its text as the
        # reader sees it, so that the list's items read as items.
        ("1. Fund local digital teams.", "1", ("Introduction", "Background")),
        ("2. Publish spending plans.", "2", ("Introduction", "Background")),
        ("3. Report every year.", "3", ("Introduction", "Background")),
        ("• A bullet point that is not numbered.", None, ("Introduction", "Background")),
        # A table row carries its column headers; the header row is not a block of its own.
        ("Year: 2023; Spending: £150 million", None, ("Introduction", "Background")),
        ("12. We recommend that spending plans are published.", "12", ("Conclusions",)),
    ]
    assert doc.title == title
    assert (doc.kind, doc.publisher, doc.url) == (
        "evidence", "Health and Social Care Committee", "https://committees.parliament.uk/writtenevidence/1/")
    assert (doc.date, doc.licence) == ("2024-03-05", "Open Parliament Licence")
    assert doc.extra["author"] == "Health and Social Care Committee" and doc.extra["subject"] == "NHS digital"


def test_docx_created_date_is_not_the_publication_date(tmp_path: Path) -> None:
    loaded = load_file(_write(tmp_path, "plain.docx", _docx_bytes()))
    assert loaded.document.date is None  # python-docx stamps "created"; that is not a publication date


def test_docx_corrupt_raises(tmp_path: Path) -> None:
    data = _docx_bytes()
    with pytest.raises(IngestError) as err:
        load_file(_write(tmp_path, "cut.docx", data[: len(data) // 2]))
    assert "truncated or corrupt" in err.value.reason
    with pytest.raises(IngestError) as err:
        load_file(_write(tmp_path, "old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512))
    assert "legacy Word .doc" in err.value.reason
    with pytest.raises(IngestError):
        docx_loader.load(Path("text.docx"), b"just some text, not a zip")


# --------------------------------------------------------------------------- Markdown

_MARKDOWN = """---
title: Written evidence from NHS Digital
type: written evidence
date: 2024-03-05
publisher: NHS Digital
url: https://committees.parliament.uk/writtenevidence/2/
license: OGL v3.0
author: A. Witness
---

# Written evidence

Introductory text with **bold words**, __more bold__, *emphasis* and a
[link to the report](https://example.org/report "Report") across two lines.

Summary of points
-----------------

- First point
- Second point with `code_span` and `` a`tick `` kept
  continuing on the next line

## 1 Background

12. Our **first** submission was made in 2023.

13. A second numbered paragraph.

### Spending

| Year | Spending |
|------|----------|
| 2023 | £150 million |

```python
print("kept   as code")
```

> A quoted line from a witness.

***

Escaped \\*asterisks\\* and snake_case_name stay.
"""


def test_markdown_front_matter_headings_and_syntax(tmp_path: Path) -> None:
    loaded = load_file(_write(tmp_path, "evidence.md", _MARKDOWN.encode("utf-8")))
    doc, blocks = loaded.document, loaded.blocks
    _assert_clean(blocks)
    assert (doc.title, doc.kind, doc.date, doc.publisher) == (
        "Written evidence from NHS Digital", "evidence", "2024-03-05", "NHS Digital")
    assert (doc.url, doc.licence) == ("https://committees.parliament.uk/writtenevidence/2/", "OGL v3.0")
    assert doc.extra["author"] == "A. Witness"
    assert _headings(blocks) == [
        ("Written evidence", 1, ()),
        ("Summary of points", 2, ("Written evidence",)),
        ("1 Background", 2, ("Written evidence",)),
        ("Spending", 3, ("Written evidence", "1 Background")),
    ]
    paras = [(b.text, b.paragraph, b.heading_path[-1]) for b in blocks if b.kind == "paragraph"]
    assert paras == [
        ("Introductory text with bold words, more bold, emphasis and a link to the report across two lines.",
         None, "Written evidence"),
        ("First point", None, "Summary of points"),
        # Code spans lose their backticks but not their underscores or inner backticks.
        ("Second point with code_span and a`tick kept continuing on the next line", None, "Summary of points"),
        ("12. Our first submission was made in 2023.", "12", "1 Background"),
        ("13. A second numbered paragraph.", "13", "1 Background"),
        # A table row carries its column headers; the header row is not a block of its own.
        ("Year: 2023; Spending: £150 million", None, "Spending"),
        ('print("kept as code")', None, "Spending"),
        ("A quoted line from a witness.", None, "Spending"),
        ("Escaped *asterisks* and snake_case_name stay.", None, "Spending"),
    ]


def test_markdown_numbered_items_and_wrapped_numbers() -> None:
    text = "- 12 bullet items carry no number\n\n3. Third item\n\nCosts rose sharply in\n2020. The next year\n"
    blocks = md_loader.load(Path("n.md"), text.encode()).blocks
    assert [(b.text, b.paragraph) for b in blocks] == [
        ("12 bullet items carry no number", None),
        ("3. Third item", "3"),
        ("Costs rose sharply in 2020. The next year", None),  # a wrapped year, not an ordered item
    ]


def test_markdown_bold_line_heading_from_converted_documents() -> None:
    text = ("## Plan\n\n**Introduction**\n\nThe plan sets out three shifts.\n\n"
            "**Principle**\n\n**Description**\n\nText.\n")
    blocks = md_loader.load(Path("plan.md"), text.encode()).blocks
    assert _headings(blocks) == [("Plan", 2, ()), ("Introduction", 3, ("Plan",)), ("Description", 3, ("Plan",))]
    # A bold line followed by another bold line is a table header cell, not a heading.
    paragraphs = [b.text for b in blocks if b.kind == "paragraph"]
    assert paragraphs == ["The plan sets out three shifts.", "Principle", "Text."]


def test_markdown_invalid_front_matter_names_the_line(tmp_path: Path) -> None:
    bad = "---\ntitle: Fine\ndate: [2024-03-05\n---\n\n# Body\n"
    with pytest.raises(IngestError) as err:
        load_file(_write(tmp_path, "bad.md", bad.encode()))
    assert "front matter is not valid YAML at line" in err.value.reason
    assert err.value.path.endswith("bad.md")


# --------------------------------------------------------------------------- plain text

_TEXT = ("Digital services in the NHS\n\ncafé — £150 million\n\n"
         "12. The Committee heard\nevidence in March.\n13. Second.\n")


@pytest.mark.parametrize("encoding, data", [
    ("utf-8", _TEXT.encode("utf-8")),
    ("utf-8-sig", _TEXT.encode("utf-8-sig")),
    ("utf-16", _TEXT.encode("utf-16")),  # Python writes a BOM for "utf-16"
    ("cp1252", _TEXT.encode("cp1252")),
])
def test_text_encodings(tmp_path: Path, encoding: str, data: bytes) -> None:
    loaded = load_file(_write(tmp_path, "notes.txt", data))
    assert [(b.text, b.paragraph) for b in loaded.blocks] == [
        ("Digital services in the NHS", None),
        ("café — £150 million", None),
        ("12. The Committee heard evidence in March.", "12"),
        ("13. Second.", "13"),
    ]
    assert loaded.document.title == "Digital services in the NHS"


def test_text_cp1252_without_the_helpful_first_lines(tmp_path: Path) -> None:
    # Short legacy text is ambiguous between single-byte code pages; cp1252 must win over cp1250.
    loaded = load_file(_write(tmp_path, "short.txt", "café — £150 million".encode("cp1252")))
    assert loaded.blocks[0].text == "café — £150 million"
    assert loaded.document.extra["encoding"] == "cp1252"


def test_text_undecodable_raises(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as err:
        load_file(_write(tmp_path, "binary.txt", bytes(range(256)) * 4))
    assert "cannot decode text" in err.value.reason and "UTF-8" in err.value.reason


def test_text_form_feeds_are_pages() -> None:
    loaded = text_loader.load(Path("x.txt"), b"1. First page text\nthat continues\f on the second page.\n\n2. Next.")
    assert [(b.text, b.page, b.page_index, b.paragraph) for b in loaded.blocks] == [
        ("1. First page text that continues", "1", 0, "1"),
        ("on the second page.", "2", 1, "1"),
        ("2. Next.", "2", 1, "2"),
    ]
    assert loaded.pages == 2


# --------------------------------------------------------------------------- JSON

_STANDARD = {
    "dataset": [{
        "version": "1.2",
        "name": "Provenance",
        "description": "<p>The provenance standard records who recorded what, and when.</p>",
        "concept": [{
            "type": "group", "mro": "M", "name": "Event record",
            "description": "\n  <div>This is a record of an event performed by someone or something.</div>\n",
            "concept": [
                {"type": "item", "name": "Date", "minimumMultiplicity": "1",
                 "description": "The date and time at which the event took place.",
                 "valueSets": "Free text.",
                 "implamentationGuidance": "<p>Use the local time zone.</p><ul><li>Record seconds only when"
                                           " known to the system.</li></ul>"},
            ],
            "implementationGuidance": "Guidance that follows the child concepts of the event record.",
        }],
    }],
}


def test_json_standard(tmp_path: Path) -> None:
    loaded = load_file(_write(tmp_path, "Provenance.json", json.dumps(_STANDARD, indent=1).encode()))
    blocks = loaded.blocks
    _assert_clean(blocks)
    assert loaded.document.title == "Provenance" and loaded.document.format == "json"
    assert loaded.document.extra["version"] == "1.2"
    assert [(b.kind, b.text, b.level, b.heading_path) for b in blocks] == [
        ("heading", "Provenance", 1, ()),
        ("paragraph", "The provenance standard records who recorded what, and when.", 0, ("Provenance",)),
        ("heading", "Event record", 2, ("Provenance",)),
        ("paragraph", "This is a record of an event performed by someone or something.", 0,
         ("Provenance", "Event record")),
        ("heading", "Date", 3, ("Provenance", "Event record")),
        ("paragraph", "The date and time at which the event took place.", 0, ("Provenance", "Event record", "Date")),
        ("paragraph", "Use the local time zone.", 0, ("Provenance", "Event record", "Date")),
        ("paragraph", "Record seconds only when known to the system.", 0, ("Provenance", "Event record", "Date")),
        ("paragraph", "Guidance that follows the child concepts of the event record.", 0,
         ("Provenance", "Event record")),
    ]


def test_json_deep_nesting_caps_the_level() -> None:
    node: dict = {"name": "Level 9", "description": "The deepest concept of this standard."}
    for i in range(8, 0, -1):
        node = {"name": f"Level {i}", "children": [node]}
    blocks = jsondoc.load(Path("deep.json"), json.dumps(node).encode()).blocks
    levels = [b.level for b in blocks if b.kind == "heading"]
    assert levels == [1, 2, 3, 4, 5, 6, 6, 6, 6]
    assert blocks[-1].heading_path[-1] == "Level 9"


def test_json_invalid_names_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as err:
        load_file(_write(tmp_path, "broken.json", b'{\n  "name": "x",\n  "description": oops\n}'))
    assert "invalid JSON at line 3, column 18" in err.value.reason


# --------------------------------------------------------------------------- the public entry point


def test_every_loader_exposes_load() -> None:
    for module in (pdf_loader, html_loader, docx_loader, md_loader, text_loader, jsondoc):
        assert callable(module.load)


def test_a_paragraph_set_as_a_heading_reads_as_a_paragraph(tmp_path: Path) -> None:
    """An HTML page that tags whole sentences <h3> for emphasis: they are paragraphs, and the
    blocks after them sit under the real section heading, not under a sentence. A question
    heading stays a heading."""
    page = ("<html><head><title>Paperless practice</title></head><body><h2>9.4 Approval</h2>"
            "<h3>The PCO to identify a senior officer who will have responsibility for approving requests "
            "to maintain electronic records.</h3><p>The officer replies within a month.</p>"
            "<h3>9.6.3.1 What is a Structured Record?</h3><p>A record held in coded form.</p></body></html>")
    path = tmp_path / "chapter.html"
    path.write_text(page, encoding="utf-8")
    blocks = load_file(path).blocks
    kinds = {b.text[:22]: (b.kind, b.heading_path) for b in blocks}
    assert kinds["The PCO to identify a s"[:22]] == ("paragraph", ("9.4 Approval",))
    assert kinds["The officer replies wit"[:22]] == ("paragraph", ("9.4 Approval",))
    assert kinds["9.6.3.1 What is a Struc"[:22]][0] == "heading"
    from evidence_ingest.load import reads_as_prose
    assert not reads_as_prose("5. Ensure that the product collects, stores and processes users' information "
                              "in a safe way")
    assert reads_as_prose("Review and Audit - Policies for data entry must not be static. They need to be flexible.")
