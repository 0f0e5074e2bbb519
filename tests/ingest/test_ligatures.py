"""Text whose extraction lost its "ll"s ("We wil run the process annual y") is read with them
put back, in every format; a document that only happens to hold "al" or "et al" is unchanged."""
from __future__ import annotations

from pathlib import Path

import pytest

from evidence_ingest.load import ligatures, load_file

LOST = ("# Oversight arrangements\n\n"
        "We wil run the assessment on a quarterly basis and wil review the list of measures annual y.\n\n"
        "Funding wil be al ocated to al providers, and the overal score wil fol ow the same rules.\n\n"
        "Providers that are stil chal enged wil receive support.\n")
CLEAN = ("# Research notes\n\n"
         "Smith et al reported on general practice in 2019, and the annual report followed.\n\n"
         "The real issue, as Al Jones said, is general: local teams will tell us what they need.\n\n"
         "We will publish all of it, as we did for the annual survey.\n")


def loaded_text(folder: Path, name: str, text: str) -> str:
    """``text`` written to a Markdown file and read back through the loader."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return "\n".join(b.text for b in load_file(path).blocks)


def test_a_document_that_lost_its_lls_gets_them_back(tmp_path):
    text = loaded_text(tmp_path, "oversight.md", LOST)
    assert "We will run the assessment on a quarterly basis and will review the list of measures annually." in text
    assert "Funding will be allocated to all providers, and the overall score will follow the same rules." in text
    assert "Providers that are still challenged will receive support." in text
    assert ligatures.broken_words(text) == 0


def test_a_document_with_its_lls_is_left_as_it_is(tmp_path):
    text = loaded_text(tmp_path, "notes.md", CLEAN)
    assert "Smith et al reported on general practice" in text
    assert "as Al Jones said, is general: local teams" in text
    assert not ligatures.shows_lost_ll([CLEAN])


def test_a_few_breaks_in_a_long_clean_document_are_not_taken_for_the_loss():
    # A handful of look-alikes ("al", "wil" as a name) among many intact words: not the signature.
    text = CLEAN * 3 + "Wil Evans and Al Smith wrote al the notes; Ful Lee edited.\n"
    assert ligatures.broken_words(text) >= 1
    assert not ligatures.shows_lost_ll([text])


def test_repairs_keep_capitals_and_leave_whole_words_alone():
    vocab = ligatures.words()
    if not vocab:
        pytest.skip("the packaged embedding model (its word list) is not installed")
    assert ligatures.repair("Al providers wil take part. Overal it is general practice.") == \
        "All providers will take part. Overall it is general practice."
    assert ligatures.repair("the annual report and the real life of local teams") == \
        "the annual report and the real life of local teams"


def test_the_oversight_framework_reads_as_printed(shared_data):
    """The real NHS Oversight Framework manual, converted to Markdown from its PDF, lost every
    "ll"; loaded, it says what the printed page says."""
    path = shared_data / "uk-health-policy" / "nhs_planning_md" / \
        "NHS England _ NHS Oversight Framework 2025_26 _ methodology manual.md"
    if not path.is_file():
        pytest.skip(f"{path.name} not in {path.parent}")
    text = "\n".join(b.text for b in load_file(path).blocks)
    assert "We will run the segmentation process on a quarterly basis" in text
    assert " wil " not in text and "al ocated" not in text
    # A document that did not lose them is unchanged by the repair.
    other = shared_data / "uk-health-policy" / "nhs_planning_md" / \
        "medium-term-planning-framework-delivering-change-together-2026-27-to-2028-29.md"
    if other.is_file():
        raw = "\n".join(b.text for b in load_file(other).blocks)
        assert not ligatures.shows_lost_ll([raw])
