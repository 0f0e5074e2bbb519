"""Title, date, publisher and kind read from small documents built here, and the inputs that
must be refused: a file name kept as a PDF's title, dates in the future or before 1900, a
numbered subsection heading, a cover slogan, a stale Word title. Every field must say where it
came from (``extra["metadata_sources"]``) and every refusal why (``extra["metadata_rejected"]``)."""
from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from evidence_assistant.core.types import DOCUMENT_KINDS, Block
from evidence_ingest.load import load_file
from evidence_ingest.load.metadata import (check_date, date_from_filename, financial_year, find_date, infer,
                                  is_pull_quote, join_title_lines, kind_from_title, strip_site_name,
                                  title_problem)

BODY = ("The programme supported forty organisations over two years, and this report sets out what they "
        "told us about recruitment, training and the use of shared records in their services. ")


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _pdf(cover: list[tuple[str, int]], body_pages: int = 1, title: str | None = None) -> bytes:
    """A PDF whose first page carries ``cover`` lines (text, font size), then body pages."""
    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter

    pdf = FPDF(format="A4")
    pdf.add_page()
    for text, size in cover:
        pdf.set_font("Helvetica", size=size)
        pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(size * 0.2)
    for _ in range(body_pages):
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, BODY * 6)
    data = bytes(pdf.output())
    if title is None:
        return data
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --------------------------------------------------------------------------- PDF titles


def test_pdf_title_that_is_a_word_file_name_is_refused_for_the_cover_title(tmp_path: Path) -> None:
    data = _pdf([("Community pharmacy workforce", 26), ("Annual census findings", 18), ("March 2023", 12)],
                title="Microsoft Word - final2.docx")
    doc = load_file(_write(tmp_path, "final2.pdf", data)).document
    assert doc.title == "Community pharmacy workforce: Annual census findings"
    assert doc.extra["metadata_sources"]["title"] == "cover-largest-text"
    assert "a file name" in doc.extra["metadata_rejected"]["title"]
    assert doc.date == "2023-03" and doc.extra["metadata_sources"]["date"] == "first-page-line"
    assert doc.kind == "survey"  # "findings"


@pytest.mark.parametrize("junk", ["untitled", "Report template", "final_v2_REVIEWED", "Example notice FINAL 08042020",
                                  "Framework", "minutes.docx"])
def test_junk_metadata_titles_are_refused(junk: str) -> None:
    assert title_problem(junk, Path("x.pdf"), metadata=True) is not None


def test_pdf_title_confirmed_by_the_text_is_kept(tmp_path: Path) -> None:
    data = _pdf([("Listening to patients", 30), ("Publication date: 2 May 2022", 12)], title="Listening to patients")
    doc = load_file(_write(tmp_path, "x.pdf", data)).document
    assert (doc.title, doc.extra["metadata_sources"]["title"]) == ("Listening to patients", "pdf-info")
    assert (doc.date, doc.extra["metadata_sources"]["date"]) == ("2022-05-02", "published-line")


def test_cover_label_is_not_the_title_and_a_part_name_is_kept(tmp_path: Path) -> None:
    data = _pdf([("INTERIM REPORT", 24), ("Digital skills in adult social care", 24), ("Full Report", 24),
                 ("June 2024", 12)])
    doc = load_file(_write(tmp_path, "x.pdf", data)).document
    assert doc.title == "Digital skills in adult social care – Full Report"
    assert doc.kind == "survey"
    assert doc.date == "2024-06"


def test_organisation_before_a_bar_on_the_cover_is_the_publisher(tmp_path: Path) -> None:
    data = _pdf([("NHS England | Patient safety strategy", 30), ("July 2019", 12)])
    doc = load_file(_write(tmp_path, "x.pdf", data)).document
    assert doc.title == "Patient safety strategy"
    assert (doc.publisher, doc.extra["metadata_sources"]["publisher"]) == ("NHS England", "title-prefix")
    assert doc.kind == "plan"


def test_letter_subject_line_is_the_title(tmp_path: Path) -> None:
    data = _pdf([("1 High Street", 10), ("To: all GP practices", 11), ("4 May 2021", 11), ("Dear colleague,", 11),
                 ("Notice about the retention of vaccination records", 11),
                 ("We are writing to ask every practice to keep these records. " * 4, 11),
                 ("Yours sincerely", 11)])
    doc = load_file(_write(tmp_path, "letter.pdf", data)).document
    assert doc.title == "Notice about the retention of vaccination records"
    assert doc.extra["metadata_sources"]["title"] == "letter-subject"
    assert doc.date == "2021-05-04"
    assert (doc.kind, doc.extra["metadata_sources"]["kind"]) == ("other", "structure:letter")


# --------------------------------------------------------------------------- dates


def test_future_and_pre_1900_dates_are_refused_with_the_reason(tmp_path: Path) -> None:
    md = "Published: 3 March 2999\n\nUpdated on 4 May 1850\n\n# Local dental plan\n\n" + BODY * 3
    path = _write(tmp_path, "dental.md", md)
    doc = load_file(path).document
    assert doc.date is None
    rejected = doc.extra["metadata_rejected"]["date"]
    assert "2999-03-03 is in the future" in rejected and "1850-05-04 is before 1900" in rejected
    # An earlier candidate being refused does not stop a later, good one from being used.
    path2 = _write(tmp_path, "dental-plan-2021-07-01.md", md)
    doc2 = load_file(path2).document
    assert (doc2.date, doc2.extra["metadata_sources"]["date"]) == ("2021-07-01", "file-name")


def test_check_date() -> None:
    today = date(2025, 6, 1)
    assert check_date("2025-05", today) is None
    assert check_date("2025-07", today) == "2025-07 is in the future"
    assert check_date("1899", today) == "1899 is before 1900"


@pytest.mark.parametrize("text, expected", [
    ("Published 15 October 2019", "2019-10-15"), ("Date published: 3 December, 2024", "2024-12-03"),
    ("Covid-19 and your information - Updated on 8th April 2020", "2020-04-08"), ("JUNE 2025", "2025-06"),
    ("HEE Digital Readiness Programme, March 2021", "2021-03"), ("Sept 2018", "2018-09"),
    ("2024-03-05", "2024-03-05"), ("05/03/2024", "2024-03-05"), ("No date here, 42", None),
])
def test_find_date(text: str, expected: str | None) -> None:
    found = find_date(text)
    assert (found.value if found else None) == expected


@pytest.mark.parametrize("name, expected", [
    ("Workforce review - Summary - Mar 21.pdf", "2021-03"), ("survey_key_findings_211022_REVIEWED.pdf", "2022-10-21"),
    ("priorities-and-planning-guidance-january-2025.md", "2025-01"), ("Oversight framework 2025_26.md", "2025"),
    ("framework-2026-27-to-2028-29.md", None), ("minutes-2019-10-15.pdf", "2019-10-15"), ("notes.md", None),
])
def test_date_from_filename(name: str, expected: str | None) -> None:
    found = date_from_filename(Path(name))
    assert (found.value if found else None) == expected


def test_financial_year() -> None:
    assert financial_year("Neighbourhood health guidelines 2025/26") == (2025, 2026)
    assert financial_year("Annual Impact Report 2023/24") == (2023, 2024)
    assert financial_year("plans for 2026/27 to 2028/29") is None
    assert financial_year("Covid-19 in 2020 and 2021") is None


def test_annual_report_on_a_year_is_dated_after_it_and_a_plan_for_a_year_before(tmp_path: Path) -> None:
    report = load_file(_write(tmp_path, "a.md", "# Annual report 2022/23\n\n" + BODY * 3)).document
    plan = load_file(_write(tmp_path, "b.md", "# Winter plan 2022/23\n\n" + BODY * 3)).document
    assert (report.date, plan.date) == ("2023", "2022")
    assert report.extra["metadata_sources"]["date"] == "title-financial-year"


# --------------------------------------------------------------------------- other formats


def test_markdown_subsection_heading_is_never_the_title(tmp_path: Path) -> None:
    md = "*Chapter 7 -- Records in the community*\n\n### 7.1 Introduction\n\n" + BODY * 3
    doc = load_file(_write(tmp_path, "ch-7.md", md)).document
    assert doc.title == "Chapter 7 – Records in the community"
    assert doc.extra["metadata_sources"]["title"] == "chapter-line"
    only_sub = "### 4.2 Scope\n\n" + BODY * 3
    doc2 = load_file(_write(tmp_path, "records-guide.md", only_sub)).document
    assert doc2.title == "Records guide" and doc2.extra["metadata_sources"]["title"] == "file-name"
    assert title_problem("3.1 Introduction") == "a numbered subsection heading"
    assert title_problem("8e.2 Consent") == "a numbered subsection heading"


def test_cover_slogan_is_not_the_title(tmp_path: Path) -> None:
    md = "**BUILT TO LAST**\n\n# THE WAY AHEAD\n\nNational workforce plan\n\nfor dental care\n\nMay 2023\n\n" + BODY * 3
    doc = load_file(_write(tmp_path, "x.md", md)).document
    assert "National workforce plan for dental care" in doc.title
    assert doc.title not in ("THE WAY AHEAD", "BUILT TO LAST")
    assert doc.date == "2023-05" and doc.kind == "plan"
    assert is_pull_quote("THE WAY AHEAD") and is_pull_quote("“Care closer to home”")
    assert not is_pull_quote("NHS LONG TERM PLAN")


def test_docx_stale_core_title_loses_to_the_heading_and_page_header_gives_the_year(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "Guidelines for shared care records (2014)"
    d.add_heading("Chapter 6 – Consent and access", level=1)
    d.add_heading("6.1 Introduction", level=2)
    d.add_paragraph(BODY * 2)
    d.core_properties.title = "Chapter 2 - Purposes of records"  # left over from the file it was copied from
    d.core_properties.author = "A. Writer"
    out = io.BytesIO()
    d.save(out)
    doc = load_file(_write(tmp_path, "ch6.docx", out.getvalue())).document
    assert doc.title == "Chapter 6 – Consent and access"
    assert "contradicts the title on the document" in doc.extra["metadata_rejected"]["title"]
    assert (doc.date, doc.extra["metadata_sources"]["date"]) == ("2014", "docx-header")
    assert (doc.kind, doc.extra["metadata_sources"]["kind"]) == ("guidance", "header-wording")
    assert doc.publisher is None  # the person who saved the file is not the publisher


def test_html_site_name_and_file_name_heading(tmp_path: Path) -> None:
    assert strip_site_name("Ch 2 consent - Records Guidelines", "Ch 2 consent") == "Ch 2 consent"
    assert strip_site_name("Data strategy | NHSX", None) == "Data strategy"
    assert strip_site_name("COPI Notice - Frequently Asked Questions",
                           "COPI Notice - Frequently Asked Questions") == "COPI Notice - Frequently Asked Questions"
    html = ("<html><head><title>Ch 2 consent - Records Guidelines</title></head><body><h1>Ch 2 consent</h1>"
            "<p>Chapter 2 -- Consent to share records</p><h3>2.1 Introduction</h3><p>" + BODY * 3 + "</p></body></html>")
    doc = load_file(_write(tmp_path, "ch-2-consent.html", html)).document
    assert doc.title == "Chapter 2 – Consent to share records"


def test_json_data_set_is_a_standard(tmp_path: Path) -> None:
    data = {"dataset": [{"name": "Falls assessment", "version": "1.0", "concept": [
        {"name": "Risk", "minimumMultiplicity": "0", "maximumMultiplicity": "1", "description": "The risk."}]}]}
    doc = load_file(_write(tmp_path, "falls.json", json.dumps(data))).document
    assert (doc.title, doc.kind) == ("Falls assessment", "standard")
    assert doc.extra["metadata_sources"] == {"title": "json-name", "kind": "structure:data-set"}


def test_commitments_list_is_a_plan(tmp_path: Path) -> None:
    md = "---\ntitle: Our commitments\n---\n\n" + "".join(
        f"* We will publish the {n} dashboard for every region, and report progress each quarter.\n"
        for n in ("first", "second", "third", "fourth", "fifth", "sixth"))
    doc = load_file(_write(tmp_path, "c.md", md)).document
    assert (doc.title, doc.kind, doc.extra["metadata_sources"]["kind"]) == ("Our commitments", "plan", "title-wording")


# --------------------------------------------------------------------------- kinds and precedence


@pytest.mark.parametrize("title, kind", [
    ("2025/26 priorities and operational planning guidance", "guidance"),
    ("Planning framework for the NHS in England", "plan"),
    ("Oversight framework 2025/26 – methodology manual", "guidance"),
    ("Workforce survey key findings", "survey"),
    ("Written evidence submitted by the Royal College of Nursing (ABC0012)", "evidence"),
    ("Government response to the Committee's Fourth Report", "response"),
    ("Digital transformation in the NHS: Eighth Report of Session 2022–23 of the Health Committee", "report"),
    ("Interoperability standard for care records", "standard"),
    ("Board minutes", None),
])
def test_kind_from_title(title: str, kind: str | None) -> None:
    assert kind_from_title(title) == kind


def test_new_kinds_are_known() -> None:
    for kind in ("report", "evidence", "response", "standard", "policy", "guidance", "plan", "survey", "news", "other"):
        assert kind in DOCUMENT_KINDS


def test_sources_toml_overrides_every_inferred_field(tmp_path: Path) -> None:
    _write(tmp_path, "sources.toml", '[[documents]]\nfile = "g.md"\ntitle = "Declared title"\nkind = "news"\n'
                                     'date = "2020-01-02"\npublisher = "Declared body"\n')
    doc = load_file(_write(tmp_path, "g.md", "# Safer staffing guidance\n\nPublished 4 May 2021\n\n" + BODY)).document
    assert (doc.title, doc.kind, doc.date, doc.publisher) == ("Declared title", "news", "2020-01-02", "Declared body")
    assert {doc.extra["metadata_sources"][k] for k in ("title", "kind", "date", "publisher")} == {"sources.toml"}


def test_join_title_lines() -> None:
    assert join_title_lines(["2025/26 priorities and", "operational planning", "guidance"]) == \
        "2025/26 priorities and operational planning guidance"
    assert join_title_lines(["Medium Term", "Planning", "Framework", "delivering change together"]) == \
        "Medium Term Planning Framework: delivering change together"
    assert join_title_lines(["HEALTH FOR ALL", "A plan for rural care"]) == "HEALTH FOR ALL: A plan for rural care"


def test_inference_reads_blocks_without_bytes() -> None:
    blocks = [Block("Chapter 1 – Purpose", kind="heading", level=1), Block(BODY * 2)]
    got = infer(Path("a.docx"), "docx", blocks, {}, None)
    assert got.title == "Chapter 1 – Purpose" and got.sources["title"] == "chapter-line"


# --------------------------------------------------------------------------- `evidence documents`


def test_documents_listing_says_where_each_field_came_from(tmp_path: Path) -> None:
    import hashlib
    from types import SimpleNamespace

    from evidence_assistant.surfaces.cli_documents import document_rows, format_table

    path = _write(tmp_path, "guide.md", "# Safer staffing guidance\n\nPublished 4 May 2021\n\n" + BODY * 3)
    doc = load_file(path).document
    rec = SimpleNamespace(doc_id=doc.doc_id, title=doc.title, kind=doc.kind, date=doc.date, publisher=doc.publisher,
                          path=str(path), format=doc.format, n_passages=3)
    gone = SimpleNamespace(**{**rec.__dict__, "doc_id": hashlib.sha256(b"old").hexdigest(), "path": str(path)})
    rows = document_rows([rec, gone])
    assert rows[0]["sources"] == {"title": "first-heading", "kind": "title-wording", "date": "published-line",
                                  "publisher": None}
    assert "has changed since it was indexed" in rows[1]["sources_note"]
    table = format_table(rows)
    assert f"[{doc.doc_id[:12]}] Safer staffing guidance" in table
    assert "kind guidance (title-wording)   date 2021-05-04 (published-line)" in table
    assert format_table([]).startswith("No documents indexed yet")


def test_a_body_a_cover_sentence_mentions_is_not_its_publisher(tmp_path: Path) -> None:
    """A chapter opening "The Care Quality Commission (CQC) inspects ..." is about the CQC, not by it:
    only a line that is mostly a name (a logo or imprint line) counts as the cover naming its author."""
    md = ("# Records governance\n\nThe Care Quality Commission inspects every practice and the Care Quality "
          "Commission publishes what it finds, so records must be kept as the rules require.\n\n" + BODY)
    assert load_file(_write(tmp_path, "governance.md", md)).document.publisher is None
    imprint = "# Records governance\n\nCare Quality Commission\n\n" + BODY
    doc = load_file(_write(tmp_path, "governance2.md", imprint)).document
    assert (doc.publisher, doc.extra["metadata_sources"]["publisher"]) == ("Care Quality Commission", "named-on-cover")


def test_a_body_the_text_speaks_of_throughout_is_its_publisher(tmp_path: Path) -> None:
    def page(mentions: int, other: int) -> str:
        said = " ".join(["NHSX will publish its findings."] * mentions + ["NHS Digital agrees."] * other)
        return "# Innovation in care\n\nOur work this year covered many programmes across the country.\n\n" + said
    assert load_file(_write(tmp_path, "a.md", page(6, 1))).document.publisher == "NHSX"
    assert load_file(_write(tmp_path, "b.md", page(6, 4))).document.publisher is None  # not twice any other
    assert load_file(_write(tmp_path, "c.md", page(3, 0))).document.publisher is None  # a few mentions only


def test_a_saved_web_page_names_its_site_in_its_title(tmp_path: Path) -> None:
    """A browser saves "NHS England | Planning framework" as "NHS England _ Planning framework.md":
    the side of the title that is only a body's name is the site that published the page."""
    page = "# Planning framework\n\nIntegrated care boards will agree five-year plans with their partners.\n\n" + BODY
    doc = load_file(_write(tmp_path, "NHS England _ Planning framework.md", page)).document
    assert (doc.publisher, doc.extra["metadata_sources"]["publisher"]) == ("NHS England", "site-name-in-title")
    # A title that only mentions a body beside other words names no site.
    other = load_file(_write(tmp_path, "Working with NHS England _ a guide for practices.md", page)).document
    assert other.extra["metadata_sources"].get("publisher") != "site-name-in-title"


def test_a_letter_is_published_by_the_body_it_is_signed_for(tmp_path: Path) -> None:
    """A notice written as a letter names its sender only in its close ("Yours sincerely … On behalf
    of Secretary of State for Health and Social Care"), after mentioning other bodies it concerns."""
    letter = ("# Notice to organisations\n\nThis notice does not apply to NHS Digital, which is subject to a "
              "separate notice.\n\n" + "\n\n".join([BODY] * 16) + "\n\nYours sincerely\n\nOn behalf of\n\nSecretary of State for "
              "Health and Social Care\n")
    doc = load_file(_write(tmp_path, "notice.md", letter)).document
    assert (doc.publisher, doc.extra["metadata_sources"]["publisher"]) == (
        "Department of Health and Social Care", "letter-signature")
    unsigned = letter.replace("Yours sincerely", "With thanks")
    assert load_file(_write(tmp_path, "notice2.md", unsigned)).document.publisher is None


def test_a_body_name_that_opens_a_longer_title_on_the_cover_is_not_an_imprint(tmp_path: Path) -> None:
    """"NHS Digital Health Technology Standard" on a cover is the document's name; the imprint line
    "www.nhsx.nhs.uk | @NHSX" and the text's own voice name who published it."""
    said = " ".join(["NHSX will review the standard with developers."] * 5)
    cover = [("www.nhsx.nhs.uk | @NHSX", 10), ("NHS Digital Health Technology Standard", 26),
             ("Draft", 14), (said, 11), (BODY, 11)]
    doc = load_file(_write(tmp_path, "NHS_Digital_Health_Technology_Standard_draft.pdf", _pdf(cover))).document
    assert doc.publisher == "NHSX"
