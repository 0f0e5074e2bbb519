"""Print layout repaired at load: zero-width link breaks, double-spaced PDF text, sentences broken
by hard line breaks, and page furniture in text converted from PDF."""
from __future__ import annotations

import re
from pathlib import Path

from evidence_ingest.load import load_file
from evidence_ingest.load.layout import continues, join_continuation, strip_converted_page_furniture, tidy_pdf_page


def test_double_spaced_page_is_read_single_spaced_with_paragraphs_kept() -> None:
    raw = ("Background\n \n \nThe service is determined to improve care by giving people\n \nthe tools they "
           "need, and the plan sets out\n \nhow it will be done.\n \n \nThis requires that tools\n \nreach "
           "patients quickly, as easily\n \nas possible and safely\n \nand at a fair cost\n \nto the service\n \nwithout delay.\n \n \n \npage \n\u200b\n3\n ")
    lines = tidy_pdf_page(raw).split("\n")
    assert "the tools they need, and the plan sets out" in lines
    i = lines.index("The service is determined to improve care by giving people")
    assert lines[i + 1].startswith("the tools")  # no blank line inside the paragraph
    assert "" in lines[i:]  # the paragraph break (two blank lines) is kept
    assert any(ln.strip() == "page 3" for ln in lines)  # the zero-width link break is closed up


def test_single_spaced_page_is_unchanged() -> None:
    raw = "Heading\nFirst line of text\nsecond line.\n\nNext paragraph here\nand more.\nEnd.\nLast."
    assert tidy_pdf_page(raw) == raw


def test_continuation_rules() -> None:
    assert continues("against the cancer 62-", "day and 28-day standard")
    assert join_continuation("against the cancer 62-", "day and 28-day") == "against the cancer 62-day and 28-day"
    assert join_continuation("in the health", "and care sector") == "in the health and care sector"
    assert not continues("This ends.", "and this starts")
    assert not continues("Digital services", "Café opening")  # a capital starts a new block
    assert not continues("The options are", "a) first option")  # lettered list item
    assert not continues("The options are", "• first option")
    # An abbreviation that introduces what follows ends no sentence: the line after it goes on.
    assert continues("processed in a country deemed 'adequate' i.e.", "recognised by the Commission")
    assert continues("for example (e.g.", "bank staff) as well")
    assert not continues("The Life Sciences Sector Deal etc.", "Recognised by the Commission")
    assert not continues("It ends with a file.", "recognised later")


def test_converted_text_loses_page_numbers_and_running_head() -> None:
    head = "Annual operating guidance for local systems"
    pages = ["Text one.", "More words two.", "Another page three.", "Page four here.", "Five."]
    text = pages[0] + "\n\n\n\n\n1\n\n\n\n"
    for k in range(1, 5):
        text += f"{head} {pages[k]}\n\n\n\n\n{k + 1}\n\n\n\n"
    out = strip_converted_page_furniture(text)
    assert head not in out
    assert all(p in out for p in pages)
    assert not any(ln.strip().isdigit() for ln in out.split("\n"))


def test_well_formed_text_is_untouched_by_furniture_stripping() -> None:
    text = "# Title\n\n1\n\nThe NHS will act now.\n\n\n\nThe NHS will act now again.\n"
    assert strip_converted_page_furniture(text) == text


def test_markdown_converted_from_pdf_rejoins_the_broken_sentence(tmp_path: Path) -> None:
    head = "Annual operating guidance for local systems"
    body = "# Guidance\n\nSystems are expected to improve performance against the cancer 62-\n\n\n\n\n6\n\n\n\n\n"
    body += f"{head} day and 28-day standards by March.\n\n"
    for k in range(7, 10):
        body += f"Paragraph {k} text.\n\n\n\n\n{k}\n\n\n\n\n{head} More text {k}.\n\n"
    body += "- a bullet\n\na) lettered item\n"
    path = tmp_path / "guide.md"
    path.write_text(body, encoding="utf-8")
    texts = [b.text for b in load_file(path).blocks]
    assert "Systems are expected to improve performance against the cancer 62-day and 28-day standards by March." in texts
    assert not any(head in t for t in texts)
    assert not any(t.strip().isdigit() for t in texts)
    assert "a bullet" in texts and "a) lettered item" in texts  # list items are never glued on


def test_footnote_numbers_after_a_full_stop_are_dropped_and_figures_kept() -> None:
    from evidence_ingest.load.pdf import drop_note_marks

    assert drop_note_marks("Analyst, Data Scientist or a combination of these.1 Data professionals sit within teams.") \
        == "Analyst, Data Scientist or a combination of these. Data professionals sit within teams."
    assert drop_note_marks("Urban organisations had an average of 16%.13") == "Urban organisations had an average of 16%."
    assert drop_note_marks("(Bardsley, 2016:3).14 For example") == "(Bardsley, 2016:3). For example"
    for kept in ("In 2019.12 The", "see section 3.2.1 Scope", "it rose by 4.5 Then", "p.13 See", "these.1 data"):
        assert drop_note_marks(kept) == kept


def test_a_real_report_s_footnote_numbers_no_longer_join_its_sentences(shared_data: Path) -> None:
    from evidence_assistant.core.text import sentence_spans

    path = shared_data / "uk-health-policy" / "nhs_navigator_rag" / \
        "AnalystX_Observatory_State_of_the_Nation_Workforce_survey_key_findings_211022_REVIEWED.pdf"
    text = "\n\n".join(b.text for b in load_file(path).blocks)
    sentences = [text[a:b] for a, b in sentence_spans(text)]
    assert "Urban based organisations had an average of 16%." in sentences
    assert any(s.endswith("or a combination of these.") for s in sentences)


def test_a_numbered_section_title_over_several_lines_is_a_heading() -> None:
    """A standard's sections open with a numbered title wrapped over two or three lines and a
    one-word subheading ("Rationale"); both are headings, and the text under them sits under both.
    An address ("39 Victoria Street" / "London") or a numbered sentence is no title."""
    from evidence_ingest.load.pdf import _numbered_title

    page = ["5. Ensure that the product collects, stores and processes", "",
            "users' information in a safe, fair and lawful way", "", "Rationale", "",
            "All products must handle data lawfully and say how they do so."]
    assert _numbered_title(page, 0, None) == (1, 3, 4)
    wrapped = ["1. Review the Code of Conduct for Data-Driven Health and",
               "Care Technologies and, as appropriate, abide by the", "principles", "Rationale",
               "While data-driven technologies have the potential to deliver benefits, they carry risks."]
    assert _numbered_title(wrapped, 0, None) == (1, 3, 3)
    assert _numbered_title(["2.1 Keeping records safe", "Overview", "Records are kept safe."], 0, None) == (2, 1, 1)
    assert _numbered_title(["39 Victoria Street", "London", "SW1H 0EU"], 0, None) is None
    assert _numbered_title(["5. The trusts said that it could not be done. They asked", "for more time",
                            "Rationale", "Text."], 0, None) is None
    unfinished = "a sentence without its end"
    assert _numbered_title(["5. Ensure that the product is safe", "Rationale", "Text."], 0, unfinished) is None


def test_the_draft_standard_s_sections_are_headings(shared_data: Path) -> None:
    path = shared_data / "uk-health-policy" / "nhsx_old_website" / "NHS_Digital_Health_Technology_Standard_draft.pdf"
    blocks = load_file(path).blocks
    titles = [b.text for b in blocks if b.kind == "heading" and re.match(r"\d+\. ", b.text)]
    assert [t.split(".")[0] for t in titles] == [str(n) for n in range(1, 11)]
    assert ("5. Ensure that the product collects, stores and processes users’ information in a safe, fair and "
            "lawful way") in titles
    under = next(b for b in blocks if b.kind == "paragraph" and b.text.startswith("All DHTs must be clinically safe"))
    assert under.heading_path == ("4. Ensure that the product is clinically safe to use", "Rationale")
