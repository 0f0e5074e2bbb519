"""A question that names the document it is about ("In the Harbour Valley annual report, …")
has that document's passages raised in the ranking; a question that names none is ranked exactly
as before."""
from __future__ import annotations

from pathlib import Path

import pytest

from evidence_assistant.answering import retrieve
from evidence_assistant.answering.retrieve import file_name_words, title_shares
from small_index import open_assistant

# Two trusts' annual reports saying much the same about outpatient waits, in different words, and
# a third document about something else. The Riverside report's sentence is worded like the
# question; the Harbour Valley report, which the question names, says it another way.
DOCS = {
    "harbour_valley_annual_report_2024.md": (
        "# Harbour Valley Trust annual report 2024\n\n"
        "## The year in numbers\n\n"
        "Eleven weeks: the average wait from referral to a first outpatient clinic.\n\n"
        "## Estates\n\n"
        "The new car park at the main site opened in March with four hundred spaces.\n"),
    "riverside_annual_report_2024.md": (
        "# Riverside Trust annual report 2024\n\n"
        "## Outpatients\n\n"
        "Patients wait nine weeks for outpatient appointments, how long they waited a year before.\n\n"
        "## Staff\n\n"
        "We recruited sixty nurses from overseas and opened a training academy.\n"),
    "CommunityPharmacyGuidance.md": (
        "# Guidance on community pharmacy services\n\n"
        "Pharmacies should record every emergency supply of medicine in the patient's record.\n"),
}
NAMING = "In the Harbour Valley annual report, how long do patients wait for outpatient appointments?"
UNNAMED = "How long do patients wait for outpatient appointments?"


# --------------------------------------------------------------------------- the rules, on their own

def test_file_names_are_split_into_words():
    assert file_name_words("/data/ACME_gadget_report.pdf") == "ACME gadget report"
    assert file_name_words("GadgetRecordStandard.json") == "Gadget Record Standard"
    assert file_name_words(r"C:\docs\ch-4-ig.md") == "ch 4 ig"
    assert file_name_words("") == ""


def test_title_shares_weigh_words_by_how_rare_they_are():
    words = {"a": frozenset({"harbour", "valley", "report"}), "b": frozenset({"report", "nhs"}),
             "c": frozenset({"pharmaci"})}
    tokens = ["harbour", "report", "wait"]
    shares = title_shares(tokens, [6.0, 1.0, 3.0], words)
    assert shares == pytest.approx({"a": 0.7, "b": 0.1})  # a rare word matched counts for more
    assert title_shares(tokens, [0.0, 0.0, 0.0], words) == {}
    assert title_shares([], [], words) == {}


# --------------------------------------------------------------------------- a small real index

@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    a = open_assistant(tmp_path_factory.mktemp("title-docs"), DOCS)
    yield a
    a.close()


def _ranked(assistant, question: str, **kw) -> list[tuple[str, str, float]]:
    res = assistant.retriever.search(question, k=6, **kw).results
    return [(Path(sp.passage.path or "").name, sp.passage.text, sp.score) for sp in res]


@pytest.mark.slow
def test_the_named_document_is_recognised_by_title_and_file_name(assistant):
    docs = {d.doc_id: Path(d.path).name for d in assistant.index.manifest.documents()}
    named = {docs[d] for d in assistant.retriever.named_documents(NAMING)}
    assert named == {"harbour_valley_annual_report_2024.md"}
    # A file name written in capitals and run together still names its document.
    named = {docs[d] for d in assistant.retriever.named_documents("What does the community pharmacy guidance ask?")}
    assert named == {"CommunityPharmacyGuidance.md"}
    assert assistant.retriever.named_documents(UNNAMED) == {}


@pytest.mark.slow
def test_a_question_naming_its_document_gets_that_documents_passage_first(assistant, monkeypatch):
    top = _ranked(assistant, NAMING)[0]
    assert top[0] == "harbour_valley_annual_report_2024.md" and "Eleven weeks" in top[1]
    # Without the title boost, the other trust's report, worded like the question, came first.
    monkeypatch.setattr(retrieve, "TITLE_BOOST", 0.0)
    assert _ranked(assistant, NAMING)[0][0] == "riverside_annual_report_2024.md"


@pytest.mark.slow
def test_a_question_naming_no_document_is_ranked_as_before(assistant, monkeypatch):
    with_boost = _ranked(assistant, UNNAMED)
    monkeypatch.setattr(retrieve, "TITLE_BOOST", 0.0)
    assert _ranked(assistant, UNNAMED) == with_boost


@pytest.mark.slow
def test_filters_still_decide_which_documents_may_answer(assistant):
    # The question names the Harbour Valley report, but the filter allows only the Riverside one.
    riverside = next(d.doc_id for d in assistant.index.manifest.documents()
                     if d.path.endswith("riverside_annual_report_2024.md"))
    ranked = _ranked(assistant, NAMING, filters=retrieve.Filters(doc_ids=(riverside,)))
    assert ranked and {name for name, _, _ in ranked} == {"riverside_annual_report_2024.md"}


@pytest.mark.slow
def test_words_shared_by_many_titles_name_no_document(assistant, monkeypatch):
    # "annual report" is in both trusts' titles: with room for two titles both are named ...
    question = "What does the trust annual report 2024 say about outpatient waits?"
    assert len(assistant.retriever.named_documents(question)) == 2
    # ... but where at most one may be, the words are taken for the subject, and nothing is raised.
    monkeypatch.setattr(retrieve, "TITLE_MAX_NAMED", 1)
    assert assistant.retriever.named_documents(question) == {}


# Two documents of one body whose titles share a stem: the full report and its summary.
STEMMED = {
    "coastal_workforce_review_full_report.md": (
        "# Coastal Workforce Review: full report\n\n"
        "The review assumed a vacancy rate of 9 per cent when it costed the rota.\n"),
    "coastal_workforce_review_summary.md": (
        "# Coastal Workforce Review: summary\n\n"
        "The summary costs the rota at a vacancy rate of 7 per cent.\n"),
    "harbour_estates_plan.md": (
        "# Harbour estates plan\n\n"
        "The plan sells two empty wards and rebuilds the main entrance by 2027.\n"),
}


@pytest.fixture(scope="module")
def stemmed(tmp_path_factory):
    a = open_assistant(tmp_path_factory.mktemp("stemmed-docs"), STEMMED)
    yield a
    a.close()


@pytest.mark.slow
def test_of_two_titles_sharing_a_stem_the_one_named_by_more_words_is_raised(stemmed):
    docs = {d.doc_id: Path(d.path).name for d in stemmed.index.manifest.documents()}

    def named(question: str) -> set[str]:
        return {docs[d] for d in stemmed.retriever.named_documents(question)}

    # "summary" names the summary by every word that names the full report, and one more.
    assert named("What vacancy rate did the Coastal Workforce Review summary assume?") == \
        {"coastal_workforce_review_summary.md"}
    assert named("What vacancy rate did the Coastal Workforce Review full report assume?") == \
        {"coastal_workforce_review_full_report.md"}
    # Named by the stem alone, both are raised.
    assert named("What vacancy rate did the Coastal Workforce Review assume?") == \
        {"coastal_workforce_review_full_report.md", "coastal_workforce_review_summary.md"}


@pytest.mark.slow
def test_the_one_document_a_question_names_is_not_held_to_the_cap_per_document(assistant, monkeypatch):
    # At most one passage per document: the named report's second passage keeps its place, above
    # the pharmacy guidance, while the other trust's second passage, though it scores above the
    # guidance too, waits until every document has had its turn.
    monkeypatch.setattr(assistant.retriever, "settings", assistant.retriever.settings.model_copy(
        update={"max_per_document": 1}))
    ranked = _ranked(assistant, NAMING)
    assert [(name, text.split()[0]) for name, text, _ in ranked] == [
        ("harbour_valley_annual_report_2024.md", "Harbour"), ("riverside_annual_report_2024.md", "Riverside"),
        ("harbour_valley_annual_report_2024.md", "Estates"), ("CommunityPharmacyGuidance.md", "Guidance"),
        ("riverside_annual_report_2024.md", "Staff")]
    assert ranked[4][2] > ranked[3][2]  # held back by the cap, not by its score
