"""How the extractive answerer reads published documents as they reach the index: bullet lists
run into sentences, list lead-ins without a full stop, glossary rows, a document describing
itself; and when it declines or rejects a premise because the detail asked about is not there.
Small hand-written texts; no model."""
from __future__ import annotations

import numpy as np

from evidence_assistant.answering.extractive import (answers_the_type, asked_acronyms, asked_list, boilerplate, candidates,
                                  counted_thing, counts, expansion_in, score_candidates, select)
from evidence_assistant.answering.premise import check_premise, contradicted_detail
from evidence_assistant.answering.sentences import pieces
from evidence_assistant.core.types import Passage, ScoredPassage
from test_extractive import WordEmbedder  # the same instant bag-of-words stand-in


def passage(text: str, n: int = 0) -> ScoredPassage:
    return ScoredPassage(Passage(passage_id=f"p{n}", doc_id=f"d{n}", seq=0, text=text, char_start=0,
                                 char_end=len(text)), 1.0 - n / 10)


STAGES = ("The review sets out how suppliers are assured.\n\n"
          "The assurance is a process that has three stages:\n\n"
          "• Hazard workshop to walk through the processes of a module;\n\n"
          "• Safety case that records the hazards and their mitigations;\n\n"
          "• Safety closure once every mitigation has been carried out.")


def test_bullets_and_lead_ins_are_pieces_an_answer_can_quote():
    text = "The plan has two aims: • put action plans in place by June 2025 • cut waiting times"
    got = [(text[p.start:p.end], p.kind) for p in pieces(text)]
    assert got == [("The plan has two aims:", "lead-in"), ("put action plans in place by June 2025", "item"),
                   ("cut waiting times", "item")]
    got = [(STAGES[p.start:p.end], p.kind) for p in pieces(STAGES)]
    assert ("The assurance is a process that has three stages:", "lead-in") in got
    assert ("Safety closure once every mitigation has been carried out.", "item") in got


RETENTION = ("Records are kept for the periods in Table 4.9.\n\n"
             "Table 4.9: Purpose: Audit; Access required for: administrative staff. Clinical staff; Retention: Two years\n\n"
             "Table 4.9: Purpose: Probity; Access required for: practice managers. Partners; Retention: Eight years")


def test_a_table_row_is_one_piece_and_an_answer_candidate():
    """A row keeps its headers and caption (as the loaders write it) and is quoted whole, however
    many full stops its cells hold; it is an answer like a sentence, though it has no full stop."""
    got = [(RETENTION[p.start:p.end], p.kind) for p in pieces(RETENTION)]
    assert got == [("Records are kept for the periods in Table 4.9.", "sentence"),
                   ("Table 4.9: Purpose: Audit; Access required for: administrative staff. Clinical staff; "
                    "Retention: Two years", "row"),
                   ("Table 4.9: Purpose: Probity; Access required for: practice managers. Partners; "
                    "Retention: Eight years", "row")]
    rows = [c.text for c in candidates([passage(RETENTION)]) if c.kind == "row"]
    assert len(rows) == 2 and rows[1].endswith("Retention: Eight years")
    question = "For how long are records kept for probity in Table 4.9?"
    cands = candidates([passage(RETENTION)])
    score_candidates(question, cands, WordEmbedder(), n_passages=1)
    rows = sorted((c for c in cands if c.kind == "row"), key=lambda c: -c.score)
    assert rows[0].text.endswith("Retention: Eight years")  # the row the question names, by what it measures


def test_a_list_lead_in_comes_with_its_items():
    question = "What are the three stages of the assurance process?"
    assert asked_list(question) == (3, "stages")
    cands = candidates([passage(STAGES)])
    vecs = score_candidates(question, cands, WordEmbedder(), n_passages=1)
    picked = [c.text for c in select(cands, vecs, max_sentences=1, list_items=3)]
    assert picked[0] == "The assurance is a process that has three stages:"
    assert [p.split()[0] for p in picked[1:]] == ["Hazard", "Safety", "Safety"]


def test_a_document_describing_itself_is_boilerplate():
    assert boilerplate("This report sets out current and future developments in each of these areas.")
    assert boilerplate("Contents Children and young people’s data dashboard Better for children Better for "
                       "Applicants Better for Patients")
    assert boilerplate("Home > Annual Impact Report > Digital, data and analytics")
    assert not boilerplate("The report was commissioned by NHS England in March 2022.")
    assert not boilerplate("Staff numbers increased by 4.0% in the first half of the year.")
    # A catalogue of files, or a download link, describes a file rather than what it reports.
    assert boilerplate("File: Full report - Mar 21.pdf (3.3 MB); What it is: the interim report; Pages: 207")
    assert boilerplate("Summary report - Mar 21 (1.2 MB) | summary of the above | 14")
    # A table row's capitalised headers and semicolons are not a list of titles.
    assert not boilerplate("Table 2: Area Of Work: Clinical Informatics; Band: Band 7; Headcount In 2020: 1,250; "
                           "Headcount In 2030: 2,100")


def test_expansions_are_found_beside_the_abbreviation():
    assert asked_acronyms("What does RPA stand for in its recruitment work?") == ["RPA"]
    assert asked_acronyms("How many trusts use RPA?") == []
    assert expansion_in("RPA", "It uses robotic process automations (RPA) to move data.") == "robotic process automations"
    assert expansion_in("EQUATOR", "The EQUATOR (Enhancing the QUAlity and Transparency Of health Research) "
                                   "Network") == "Enhancing the QUAlity and Transparency Of health Research"
    assert expansion_in("SCIMP", "SCIMP | Scottish Clinical Information Management in Practice") \
        == "Scottish Clinical Information Management in Practice"
    assert expansion_in("RPA", "Robotic process automation was used.") is None  # the abbreviation is not there


def test_an_expansion_outscores_sentences_that_only_use_the_abbreviation():
    text = ("The team used RPA to cut the time to hire. RPA was the team's own work.\n\n"
            "SCIMP | Scottish Clinical Information Management in Practice\n\n"
            "The team also relies on robotic process automations (RPA) created in house.")
    cands = candidates([passage(text)])
    score_candidates("What does RPA stand for?", cands, WordEmbedder(), n_passages=1)
    assert max(cands, key=lambda c: c.score).text.startswith("The team also relies on robotic")


def test_a_count_must_be_of_the_thing_asked_about():
    assert counted_thing("How many staff did the Lab employ when it was set up?") == ["staff"]
    assert counts("The Lab was set up with 40 staff in London.", ["staff"])
    assert not counts("We are investing £250 million in the creation of the Lab and its staff.", ["staff"])
    text = "We are investing £250 million in the creation of the AI Lab to support innovation by staff."
    ok, _ = answers_the_type("How many staff did the AI Lab employ when it was set up?",
                             [c for c in candidates([passage(text)])], [passage(text)])
    assert not ok


def test_a_place_the_passages_never_mention_means_no_answer():
    text = "In the survey, 83% of Tier 3 respondents in England supported a single patient record."
    ps = [passage(text)]
    cands = candidates(ps)
    score_candidates("x", cands, WordEmbedder(), n_passages=1)
    assert answers_the_type("What percentage of Tier 3 respondents in England supported a single record?", cands, ps)[0]
    assert not answers_the_type("What percentage of Tier 3 respondents in Wales supported a single record?", cands, ps)[0]


def test_premise_with_another_date_direction_or_order_is_rejected():
    launch = [passage("When the unit formally launched on 1 July 2019, it set out its plans for the year.")]
    assert "1 july 2019" in contradicted_detail("Why did the unit delay its formal launch until January 2020?", launch)
    assert contradicted_detail("Why did the unit launch on 1 July 2019?", launch) is None
    staff = [passage("At the same time, NHS staff numbers have increased by 4.0% in the first half of the year.")]
    assert check_premise("Why did NHS staff numbers fall in the first half of the year?", staff).rejected
    assert not check_premise("Why did NHS staff numbers increase in the first half of the year?", staff).rejected
    hire = [passage("The NHS in the region has cut its time for bringing in new staff from 30 to 18 days.")]
    assert check_premise("Why did the time for bringing in new staff rise from 18 to 30 days?", hire).rejected
    towns = [passage("Workshops were held in Liverpool and Leicester for the second cohort.")]
    assert check_premise("Why were the second cohort's workshops held in Manchester?", towns).rejected
    assert not check_premise("Why were the second cohort's workshops held in Liverpool?", towns).rejected


def test_vectors_are_unchanged_for_plain_prose():
    # Plain sentences are still read as sentences, in order, with nothing added.
    text = "The first sentence is here. The second sentence follows it."
    assert [text[p.start:p.end] for p in pieces(text)] == ["The first sentence is here.", "The second sentence follows it."]
    assert np.isfinite(score_candidates("first sentence", candidates([passage(text)]), WordEmbedder(), n_passages=1)).all()
