"""How the extractive answerer reads published documents as they reach the index: bullet lists
run into sentences, list lead-ins without a full stop, glossary rows, a document describing
itself; and when it declines or rejects a premise because the detail asked about is not there.
Small hand-written texts; no model."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from evidence_assistant.answering.answerable import answers_the_type, counted_thing, counts
from evidence_assistant.answering.extractive import (asked_acronyms, asked_list, boilerplate, candidates, continue_lists,
                                                     expansion_in, finish_cut_sentences, invitations, leans_on_lead, names_itself,
                                                     score_candidates, select)
from evidence_assistant.answering.premise import check_premise, contradicted_detail
from evidence_assistant.answering.sentences import pieces
from evidence_assistant.answering.weights import WEIGHTS
from evidence_assistant.core.types import Passage, ScoredPassage
from test_extractive import WordEmbedder  # the same instant bag-of-words stand-in


def passage(text: str, n: int = 0, title: str = "") -> ScoredPassage:
    return ScoredPassage(Passage(passage_id=f"p{n}", doc_id=f"d{n}", seq=0, text=text, char_start=0,
                                 char_end=len(text), title=title), 1.0 - n / 10)


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


STATUSES = ("Statuses were discussed at length.\n\n"
            "The consultation suggested that the following three options for the status of a decision should "
            "be recorded:\n\n"
            "In progress: A decision is in progress.\n\n"
            "Valid: A decision is valid, agreed between the person and their clinician.\n\n"
            "Cancelled: A decision has been cancelled, e.g. the person changes their mind.\n\n"
            "The status of a decision is not permanent.")


def test_a_lead_in_that_counts_its_items_takes_that_many_blocks_whatever_their_form():
    """"Cancelled: A decision has been cancelled …" reads as a sentence, not a list item; the lead-in
    said three, so the third block is the list's third item (and the block after it is not)."""
    cands = candidates([passage(STATUSES)])
    question = "Which options for the status of a decision should be recorded?"
    vecs = score_candidates(question, cands, WordEmbedder(), n_passages=1)
    picked = [c.text for c in select(cands, vecs, max_sentences=1)]
    assert picked[0].startswith("The consultation suggested")
    assert [p.split(":")[0] for p in picked[1:]] == ["In progress", "Valid", "Cancelled"]


def test_an_item_chosen_first_does_not_cut_its_list_short_and_follows_its_lead_in():
    cands = candidates([passage(STAGES)])
    vecs = score_candidates("What are the three stages of the assurance process?", cands, WordEmbedder(), n_passages=1)
    lead = next(i for i, c in enumerate(cands) if c.kind == "lead-in")
    hazard = next(i for i, c in enumerate(cands) if c.text.startswith("• Hazard") or c.text.startswith("Hazard"))
    picked = [c.text for c in select(cands, vecs, max_sentences=2, first=[hazard, lead])]
    assert picked[0] == "The assurance is a process that has three stages:"
    assert [p.split()[0] for p in picked[1:4]] == ["Hazard", "Safety", "Safety"]
    # Not asked for a list and not counted by its lead-in, an item chosen first keeps its place.
    plain = STAGES.replace("has three stages:", "has stages:")
    cands = candidates([passage(plain)])
    vecs = score_candidates("Which stage walks through the processes?", cands, WordEmbedder(), n_passages=1)
    lead = next(i for i, c in enumerate(cands) if c.kind == "lead-in")
    hazard = next(i for i, c in enumerate(cands) if "Hazard" in c.text)
    picked = [c.text for c in select(cands, vecs, max_sentences=2, first=[hazard, lead])]
    assert "Hazard" in picked[0]


def test_a_document_describing_itself_is_boilerplate():
    assert boilerplate("This report sets out current and future developments in each of these areas.")
    assert boilerplate("Contents Children and young people’s data dashboard Better for children Better for "
                       "Applicants Better for Patients")
    assert boilerplate("Home > Annual Impact Report > Digital, data and analytics")
    assert not boilerplate("The report was commissioned by NHS England in March 2022.")
    assert not boilerplate("Staff numbers increased by 4.0% in the first half of the year.")
    # Capitalised names and titles in a sentence with a verb are a statement, not glued headings.
    assert not boilerplate("Guy Boersma is the AHSN Network Chief Officer for Digital and Artificial Intelligence (AI).")
    assert boilerplate("Guy Boersma AHSN Network Chief Officer For Digital And Artificial Intelligence Programme")
    # Bodies named one after another answer a question asking for a name when they end like a
    # sentence; glued headings do not end so, whatever the question asks.
    bodies = "For example, Royal College of Nursing (RCN); Health and Care Professions Council (HCPC) numbers."
    assert boilerplate(bodies) and not boilerplate(bodies, names_asked=True)
    assert boilerplate("Guy Boersma AHSN Network Chief Officer For Digital And Artificial Intelligence Programme",
                       names_asked=True)
    # A catalogue of files, or a download link, describes a file rather than what it reports.
    assert boilerplate("File: Full report - Mar 21.pdf (3.3 MB); What it is: the interim report; Pages: 207")
    assert boilerplate("Summary report - Mar 21 (1.2 MB) | summary of the above | 14")
    # A table row's capitalised headers and semicolons are not a list of titles.
    assert not boilerplate("Table 2: Area Of Work: Clinical Informatics; Band: Band 7; Headcount In 2020: 1,250; "
                           "Headcount In 2030: 2,100")
    # A notice describing itself, and a pointer to a page elsewhere, say nothing asked about.
    assert boilerplate("This notice describes how the clinic may use the details it holds during the outbreak.")
    assert boilerplate("It adds to our main privacy notice, which is available [here].")
    assert not boilerplate("The notice was sent to every clinic and is available in three languages.")


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
    # The count is of the thing's last word: a sentence about clinical coding counts no coders,
    # and the thousands of "£1,260,000" are no count of anything.
    assert counted_thing("How many clinical coders did the hospital employ?") == ["clinic", "coder"]
    assert not counts("The team tested clinical coding and it translates to £1,260,000 of activity per annum.",
                      ["clinic", "coder"])
    assert counts("The hospital employed 12 clinical coders.", ["clinic", "coder"])
    # A clause about the thing is not the thing: "… commitments that the Panel evaluated …".
    assert counted_thing("How many of the commitments that the Panel evaluated were rated inadequate?") == ["commit"]
    # The number of a paragraph counts nothing: "2.2.2. from the date of this Notice …".
    notices = counted_thing("How many COPI notices did the Secretary of State issue?")
    assert not counts("It applies to information processed for that purpose; and 2.2.2. from the date of this "
                      "Notice until 30th September 2020.", notices)
    assert not counts("Under 5.1.3 every notice is reviewed.", notices)
    assert counts("The Secretary of State has issued four of these notices.", notices)
    assert counts("It issued 2.5 notices a year on average.", notices)
    # Where to read it does not change what is counted; a count of something else is no answer.
    users = counted_thing("According to the trust's report, how many porters were using the rota app?")
    assert users == ["porter"]
    assert not counts("To date porters have logged a massive 4,000,000 minutes of shifts on the app.", users)
    # A count of two things asked about together: "… how many nurses and ward managers …".
    both = counted_thing("How many nurses and ward managers have completed the course?")
    assert counts("Some 300 nurses and ward managers have completed the course.", both)


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
    fees = [passage("The county's spending on agency porters went from £9 million a month in May 2021 to £2 "
                    "million a month in June 2022.")]
    assert check_premise("Why did spending on agency porters rise from £2 million a month in May 2021 to £9 million "
                         "a month in June 2022?", fees).rejected
    assert not check_premise("Why did spending on agency porters fall from £9 million a month in May 2021 to £2 "
                             "million a month in June 2022?", fees).rejected
    towns = [passage("Workshops were held in Liverpool and Leicester for the second cohort.")]
    assert check_premise("Why were the second cohort's workshops held in Manchester?", towns).rejected
    assert not check_premise("Why were the second cohort's workshops held in Liverpool?", towns).rejected
    # The body that published the document is named by it, though its text may never say so.
    published = [ScoredPassage(replace(towns[0].passage, publisher="Eastshire Health Board"), 1.0)]
    assert check_premise("Why were Eastshire's workshops for the second cohort held in Liverpool?", published).rejected \
        is False
    assert check_premise("Why were Eastshire's workshops for the second cohort held in Liverpool?", towns).rejected


def test_premise_the_documents_set_aside_with_rather_than_is_rejected():
    visits = [passage("Each depot will have monthly safety visits from the county team rather than a yearly "
                      "safety review.")]
    check = check_premise("Why will each depot have a yearly safety review from the county team?", visits)
    assert check.rejected and "rather than" in check.reasons[0]
    assert not check_premise("Why will each depot have monthly safety visits from the county team?",
                             visits).rejected
    # The question weighing the two itself asks which was chosen; it takes neither for granted.
    assert not check_premise("Why did the county choose monthly safety visits rather than a yearly safety review?",
                             visits).rejected


def test_premise_the_documents_deny_is_rejected():
    """"Why does the policy stop ward staff using personal mobiles?" where a statement near the
    claim, though not the closest, says it "does not prevent ward staff using personal mobiles":
    the question asserts what the document denies, in the question's own words."""
    phones = [passage("The trust's mobile device policy was agreed with the unions after a long consultation in "
                      "2023. It does not prevent ward staff using personal mobiles during breaks, provided no "
                      "patient is photographed. It does forbid recording in theatres.")]
    agreed = "Why does the trust's mobile device policy, agreed with the unions after a long consultation, "
    check = check_premise(agreed + "stop ward staff using personal mobiles?", phones)
    assert check.rejected and "does not prevent" in check.reasons[0]
    # What the document does forbid is taken for granted rightly ...
    assert not check_premise(agreed + "forbid recording in theatres?", phones).rejected
    # ... and a question asking about the denial itself asserts nothing it denies.
    assert not check_premise(agreed + "not stop ward staff using personal mobiles?", phones).rejected


def test_premise_that_the_documents_deny_of_every_case_is_rejected():
    """"Why does the guide say a tested pump can be made completely reliable?" where the guide
    says "no pump can ever be made completely reliable": denied of every pump, so of this one."""
    pumps = [passage("The pump testing guide sets out how each infusion pump is bench tested before use. It "
                     "should be stressed that no pump can ever be made completely reliable. Testing lowers the "
                     "chance of a fault going unnoticed.")]
    reasons = check_premise("Why does the pump testing guide say that an infusion pump that has been bench "
                            "tested can be made completely reliable?", pumps).reasons
    assert reasons and "no pump can ever" in reasons[0]  # a reason given is a rejection
    # What the guide does say is taken for granted rightly.
    assert not check_premise("Why does the pump testing guide say that bench testing lowers the chance of a "
                             "fault going unnoticed?", pumps).rejected
    # "No" naming no case denies nothing: "no later than" sets a time.
    late = [passage("The pump testing guide asks that each infusion pump is bench tested no later than a week "
                    "before use, and that the test is recorded.")]
    assert not check_premise("Why does the pump testing guide ask that each infusion pump is bench tested "
                             "a week before use?", late).rejected


def test_the_document_a_why_question_names_is_not_part_of_the_claim_it_assumes():
    """"Why does the electrical safety chapter of the lamp maintenance guidelines say that a lamp
    which has passed its bench checks can be made completely reliable?": the first dozen words name
    the document; the claim is the rest, which the chapter denies. Read with the document's title,
    its denial is the statement closest to the claim."""
    title = "Chapter 3 - Electrical Safety: Northfield Lamp and Lantern Maintenance Guidelines for Depots"
    text = ("The electrical checks cover wiring, fuses and earthing. Each check is logged on the "
            "maintenance sheet. It should be stressed that no lamp can ever be made completely reliable. "
            "Faults are reported to the workshop.")
    question = ("Why does the electrical safety chapter of the Northfield lamp and lantern maintenance "
                "guidelines for depots say that a lamp "
                "which has passed its bench checks can be made completely reliable?")
    check = check_premise(question, [passage(text, title=title)])
    assert check.rejected and "no lamp can ever" in check.reasons[0]
    # Another document, whose title the question does not name, lends the claim no words.
    from evidence_assistant.answering.premise import proposition_scores
    named = proposition_scores(question, [passage(text, title=title)], None)[0]
    other = proposition_scores(question, [passage(text, title="Workshop Rota 2026")], None)[0]
    assert named[1] == other[1] and named[0] > other[0] + 0.3


def test_premise_of_a_rule_without_exception_is_rejected_where_the_documents_make_one():
    """"Why may the depot keys never be lent, even in a flood?" where a statement says they may
    be lent "except in the case of a flood" … the other way: the documents make the exception the
    question says there is none of."""
    keys = [passage("Depot keys are held by the site manager. The keys may not be lent to contractors, except "
                    "in the case of a flood, when the duty officer may lend them for the day.")]
    check = check_premise("Why does the depot policy say the keys can never be lent to contractors, even in a flood?",
                          keys)
    assert check.rejected and "except" in check.reasons[0]
    # No exception for the case asked about: nothing to set against the question.
    assert not check_premise("Why does the depot policy say the keys can never be lent to contractors, even at "
                             "night?", keys).rejected
    # Without "never" or "always" the question claims no rule without exception.
    assert not check_premise("Why may the duty officer lend the keys to contractors in a flood?", keys).rejected


def test_premise_with_another_share_is_rejected():
    """"Why are most AI solutions built on generated data?" where the documents give 19%; "half"
    of a stretch of time ("the first half of the year") is no share."""
    ai = [passage("19% of AI solutions are being developed on algorithmically generated datasets. "
                  "The majority (57%) are still reliant on patient data.")]
    check = check_premise("Why are most AI solutions developed on algorithmically generated datasets?", ai)
    assert check.rejected and "19%, not most" in check.reasons[0]
    assert not check_premise("Why are most AI solutions reliant on patient data?", ai).rejected
    assert check_premise("Why are a quarter of AI solutions developed on algorithmically generated datasets?",
                         ai).rejected
    staff = [passage("NHS staff numbers have increased by 4.0% in the first half of the year.")]
    assert "4%, not half" not in " ".join(
        check_premise("Why did NHS staff numbers fall in the first half of the year?", staff).reasons)


def test_vectors_are_unchanged_for_plain_prose():
    # Plain sentences are still read as sentences, in order, with nothing added.
    text = "The first sentence is here. The second sentence follows it."
    assert [text[p.start:p.end] for p in pieces(text)] == ["The first sentence is here.", "The second sentence follows it."]
    assert np.isfinite(score_candidates("first sentence", candidates([passage(text)]), WordEmbedder(), n_passages=1)).all()


def test_a_term_the_question_quotes_marks_the_sentence_that_uses_it():
    """"What is meant by 'triadic consulting'?": the sentence using the quoted words is about the
    term; its neighbours share only the question's other words. A term in capitals must be in
    capitals (an abbreviation, not the ordinary word)."""
    from evidence_assistant.answering.extractive import WEIGHTS, quoted_terms, uses_terms

    assert quoted_terms("What is meant by ‘triadic consulting’ in the guidelines?") == ["triadic consulting"]
    assert quoted_terms("What do the letters of 'FAIR' data stand for, in the 'AI' report?") == ["FAIR", "AI"]
    assert uses_terms("Triadic-consulting is where the computer joins the conversation.", ["triadic consulting"])
    assert not uses_terms("Consulting rooms were triadic in shape.", ["triadic consulting"])
    assert uses_terms("Data should be FAIR: findable, accessible, interoperable, reusable.", ["FAIR"])
    assert not uses_terms("A fair partnership between the NHS and industry.", ["FAIR"])
    text = ("The guidelines say consulting with a patient has changed in the practice. "
            "Triadic consulting is a consultation in which the computer is a third party.")
    cands = candidates([passage(text)])
    question = "What do the guidelines mean by 'triadic consulting' with a patient in the practice?"
    score_candidates(question, cands, WordEmbedder(), n_passages=1)
    plain = {c.text: c.score for c in cands}
    quoted = max(cands, key=lambda c: c.score if c.text.startswith("Triadic") else -1)
    other = next(c for c in cands if not c.text.startswith("Triadic"))
    score_candidates(question.replace("'", ""), cands, WordEmbedder(), n_passages=1)
    # (It also opens with the term and says what it is: the line defining the term asked about.)
    assert plain[quoted.text] - next(c.score for c in cands if c.text == quoted.text) == \
        pytest.approx(WEIGHTS.quoted_term + WEIGHTS.definition)
    assert plain[other.text] == pytest.approx(next(c.score for c in cands if c.text == other.text))


CALDICOTT = ("The review was commissioned to examine how information was used. The report lists 4 principles "
             "to apply to a proposed communication (see below).\n\n"
             "1. Justify the purpose of every proposed use\n\n"
             "2. Don't use it unless it is absolutely necessary, and\n\n"
             "3. Use the minimum necessary\n\n"
             "4. Understand and comply with the law.\n\n"
             "The report also carries 16 recommendations.")
PURPOSES = ("The opt-out does not apply if data is used to protect public health, for example to:\n\n"
            "diagnose communicable diseases;\n\n"
            "control or prevent their spread;\n\n"
            "manage risks of infection from food or water supplies.\n\n"
            "Read a full explanation in the guidance.")


def test_a_list_set_out_one_item_to_a_line_is_read_as_a_list():
    """A sentence announcing a list ("lists 4 principles … (see below).") introduces the lines
    after it; a list's last item ends with a full stop and is still an item; the sentence after
    the list is not."""
    got = [(CALDICOTT[p.start:p.end], p.kind) for p in pieces(CALDICOTT)]
    assert got[1][1] == "lead-in" and got[0][1] == "sentence"
    assert [k for _, k in got[2:6]] == ["item"] * 4
    assert got[6] == ("The report also carries 16 recommendations.", "sentence")
    got = [(PURPOSES[p.start:p.end], p.kind) for p in pieces(PURPOSES)]
    assert [k for _, k in got] == ["lead-in", "item", "item", "item", "sentence"]
    cands = candidates([passage(CALDICOTT)])
    vecs = score_candidates("What four principles does the report set out?", cands, WordEmbedder(), n_passages=1)
    picked = [c.text for c in select(cands, vecs, max_sentences=2, list_items=4)]
    assert picked[0].startswith("The report lists 4 principles")
    assert picked[1:5] == ["Justify the purpose of every proposed use",
                           "Don't use it unless it is absolutely necessary, and", "Use the minimum necessary",
                           "Understand and comply with the law."]


def test_numbered_paragraphs_and_headings_do_not_become_a_list():
    """Numbered paragraphs of a report are sentences, and a sentence with a count followed by a
    heading and prose introduces nothing."""
    text = ("12. The Panel rated 4 commitments as good.\n\n13. The Panel rated 2 commitments as inadequate.\n\n"
            "Recommendations\n\nThe Government should publish a plan by March 2024.")
    assert [p.kind for p in pieces(text)] == ["sentence", "sentence", "fragment", "sentence"]


def test_a_figure_stated_again_in_other_words_is_said_once():
    """Two passages giving the same figures about the same thing, worded a little differently:
    the answer keeps the first; a sentence with a new figure, or the same figure about
    something else, stays."""
    from evidence_assistant.answering.extractive import figures, restates

    a = "The scan found 132 different AI products used in diagnosis or screening, covering 70 conditions."
    b = "This analysis shows 132 different AI products designed for diagnosis or screening purposes, covering 70 conditions."
    assert figures("A 30% cut, 10,650 WTEs, a 50/50 split.") == {"30%", "10650", "50/50"}
    assert restates(b, a)
    assert not restates("The scan found 140 different AI products used in diagnosis or screening.", a)
    assert not restates("We are forecasting to reach the 132 target for records across 70 sites.", a)
    cands = candidates([passage(a, 0), passage(b, 1)])
    vecs = score_candidates("How many AI products used in diagnosis or screening did the scan find?", cands,
                            WordEmbedder(), n_passages=2)
    picked = select(cands, vecs, max_sentences=3, gap=1.0, redundancy=1.1)
    assert len(picked) == 1


def test_the_same_words_with_another_figure_are_another_fact():
    """Two scenarios described in one form of words, each with its own figure: both are
    answers (one to each part of the question), not one sentence said twice."""
    from evidence_assistant.answering.extractive import says_again

    a = "In the first scenario there will be a shortfall of around 820 nurses by 2030, without new funding."
    b = "In the second scenario there will be a shortfall of around 310 nurses by 2030, without new funding."
    assert not says_again(b, a)
    assert says_again("In the first scenario there will be a shortfall of 820 nurses by 2030.", a)
    cands = candidates([passage(a, 0), passage(b, 1)])
    q = "What shortfall is projected in the first scenario, and what shortfall in the second scenario?"
    vecs = score_candidates(q, cands, WordEmbedder(), n_passages=2)
    picked = select(cands, vecs, max_sentences=3, gap=1.0, redundancy=1.1, first=[0, 1])
    assert [c.text for c in picked] == [a, b]


def test_the_entry_headed_by_the_quoted_term_defines_it():
    """A data dictionary gives each term an entry under its own heading, and another entry may
    use the term where its own does not: asked what 'Visit' means, the entry headed "Visit"
    answers, not the entry for a visit note that says "visit"."""
    def entry(text: str, n: int, heading: str) -> ScoredPassage:
        return ScoredPassage(Passage(passage_id=f"p{n}", doc_id="d0", seq=n, text=text, char_start=0,
                                     char_end=len(text), heading_path=("Data set", heading)), 1.0 - n / 10)

    note = entry("Visit note\n\nThis records what was done for the person during a visit.", 0, "Visit note")
    visit = entry("Visit\n\nA single contact with the person, as distinct from the note made of it.", 1, "Visit")
    q = "How does the data set define a 'Visit', as distinct from a visit note?"
    cands = candidates([note, visit])
    vecs = score_candidates(q, cands, WordEmbedder(), n_passages=2)
    picked = select(cands, vecs, max_sentences=3)
    assert picked[0].text.startswith("A single contact with the person")
    # Asked for something else about the term (a date, a figure), the heading does not decide.
    typed = candidates([note, visit])
    score_candidates("When was a 'Visit' first recorded in the data set?", typed, WordEmbedder(), n_passages=2)
    assert typed[0].score > typed[1].score


def test_an_entry_that_only_repeats_its_heading_does_not_define_the_term():
    """A data standard often gives a section and the item inside it the same heading, the
    section's line only naming it ("Details of the person's hobbies."). Asked what 'Hobbies'
    means, the item's own description answers; the line naming the entry is not raised for
    sitting under the heading or for using the term."""
    def entry(text: str, n: int) -> ScoredPassage:
        return ScoredPassage(Passage(passage_id=f"p{n}", doc_id="d0", seq=n, text=text, char_start=0,
                                     char_end=len(text), heading_path=("Data set", "Hobbies")), 1.0 - n / 10)

    naming = "Details of the person's hobbies."
    describing = "Pastimes a person takes up by choice in their own time, alone or with others."
    q = "How does the data set define 'Hobbies'?"
    cands = candidates([entry(f"Hobbies\n\n{naming}", 0), entry(f"Hobbies\n\n{describing}", 1)])
    vecs = score_candidates(q, cands, WordEmbedder(), n_passages=2)
    score = {c.text: c.score for c in cands}
    assert score[describing] > score[naming]
    assert select(cands, vecs, max_sentences=3)[0].text == describing
    assert names_itself(naming, "Hobbies")
    assert not names_itself(describing, "Hobbies")
    assert not names_itself("Hobbies the person has taken up since leaving work, with dates.", "Hobbies")


def test_a_sentence_saying_again_what_its_heading_says_states_nothing():
    """Under the heading "Hobbies record entry", "This is the hobbies record entry." shares every
    word a question about hobbies records uses and tells the reader nothing: the sentence saying
    what the entry holds leads the answer."""
    text = ("Hobbies record entry\n\nThis is the hobbies record entry. "
            "It holds the pastimes a person chooses, such as gardening or music.")
    first = ScoredPassage(Passage(passage_id="d:0", doc_id="d", seq=0, text=text, char_start=0, char_end=len(text),
                                  heading_path=("Data set", "Hobbies record entry")), 1.0)
    cands = candidates([first])
    vecs = score_candidates("What does the hobbies record entry hold?", cands, WordEmbedder(), n_passages=1)
    assert select(cands, vecs, max_sentences=1)[0].text.startswith("It holds the pastimes")
    assert names_itself("This is the hobbies record entry.", "Hobbies record entry", most=WEIGHTS.heading_again_words)


def test_a_question_the_document_asks_is_no_answer():
    """A figure titled with a question, which the question itself echoes, names the topic; the
    row under it answers."""
    text = ("Figure 4.2 - What is needed before prescribing goes paperless?\n\n"
            "Record reasons | Before prescribing goes paperless, practices must record the reasons for each repeat item")
    q = ("In Figure 4.2 (what is needed before prescribing goes paperless), what does the 'Record reasons' "
         "item say?")
    cands = candidates([passage(text, 0)])
    vecs = score_candidates(q, cands, WordEmbedder(), n_passages=1)
    picked = select(cands, vecs, max_sentences=3)
    assert picked[0].text.startswith("Record reasons")


def test_a_name_opening_a_sentence_answers_who():
    """"Which organisation was commissioned …?": a sentence that opens with the organisation's
    name holds what is asked for, as one naming it further on does; a sentence opening with
    "The Panel" or "This Report" names no one for that."""
    from evidence_assistant.answering.answerable import holds_type

    assert holds_type("Thinks Insight & Strategy have been commissioned to deliver the deliberations.", "name")
    assert holds_type("The work was commissioned from Thinks Insight.", "name")
    assert not holds_type("The Panel was commissioned to deliver the deliberations.", "name")
    assert not holds_type("This Report was commissioned last year.", "name")


def test_rows_of_one_table_are_not_repeats_of_each_other():
    """The caption's number ("Table 4.9") is a label, not a figure the row states: two rows of
    one table are two facts."""
    from evidence_assistant.answering.extractive import figures, restates

    a = "Table 4.9: Purpose: Audit; Access required for: Three months"
    b = "Table 4.9: Purpose: Probity; Access required for: Eight years"
    assert figures(b) == set() and not restates(b, a)
    assert figures("The 2023 report (HC 223) found 91% had one.") == {"91%"}


def test_a_documents_own_record_of_itself_can_answer():
    """"Date published: 26 June, 2025" and "Report by: …" head a page without a full stop; they
    are answers to when it was published and who presented it, where other short lines without a
    full stop (a heading, a navigation link) are not."""
    text = ("Date published: 26 June, 2025\n\nDate last updated: 26 June, 2025\n\nPublication (/publication)\n\n"
            "Report by: Jane Smith, Chief Financial Officer\n\nIntroduction\n\nThe manual sets out the method.")
    got = {c.text: c.kind for c in candidates([passage(text)])}
    assert got["Date published: 26 June, 2025"] == "field"
    assert got["Report by: Jane Smith, Chief Financial Officer"] == "field"
    assert "Publication (/publication)" not in got and "Introduction" not in got
    assert answers_the_type("When was the manual published?", [c for c in candidates([passage(text)])
                                                                if c.kind == "field"][:1], [passage(text)])[0]


def test_a_sentence_naming_someone_new_is_no_restatement():
    from evidence_assistant.answering.extractive import restates

    a = "The Committee had launched its inquiry into digital transformation on 13 May 2022, so it was under way."
    b = "On 13 May 2022 the Committee launched its inquiry into digital transformation, under its then Chair Jeremy Hunt."
    assert not restates(b, a)
    assert restates("On 13 May 2022 the Committee launched its inquiry into digital transformation.", a)


def test_a_year_the_question_names_is_not_the_date_it_asks_for():
    """"On what date was the webinar on the 2030 workforce?": a sentence saying "2030" again says
    what the question is about; the one giving the day ("on 31 July", no year) answers it."""
    text = ("The webinar covered the digital workforce in the context of the 2030 scenarios.\n\n"
            "Presentations on the digital workforce were given at a webinar on 31 July.")
    question = "On what date was the webinar on the digital workforce in 2030 given?"
    cands = candidates([passage(text)])
    score_candidates(question, cands, WordEmbedder(), n_passages=1)
    assert max(cands, key=lambda c: c.score).text.startswith("Presentations on the digital")


def test_a_financial_year_or_a_figure_the_question_gives_is_not_the_number_asked_for():
    from evidence_assistant.answering.answerable import given_values, holds_type

    given = given_values("What share of patients waited no longer than 18 weeks in 2024/25?")
    assert not holds_type("Waits in 2024/25 were measured against 18 weeks.", "number", given)
    assert holds_type("In 2024/25, 59% waited no longer than 18 weeks.", "number", given)
    assert not holds_type("Plans for 2025/26 were agreed.", "number")  # a financial year is a label
    assert holds_type("In March 2030 the workforce will have grown.", "date", given_values("… in 2030?"))


def test_a_name_the_question_gives_is_not_the_name_asked_for():
    """Asked which unit leads NHS England's engagement, a running title naming only NHS England
    holds no name the question lacks; the sentence naming the unit does."""
    from evidence_assistant.answering.answerable import given_values, holds_type

    given = given_values("Which unit leads NHS England's national public engagement on data?")
    assert not holds_type("NHS England | National engagement on data", "name", given)
    assert holds_type("This work is led by the Digital Policy Unit, a joint unit.", "name", given)
    assert holds_type("NHS England | National engagement on data", "name")  # asked of nothing, it is a name
    assert not holds_type("Thinks Insight have been commissioned.", "name",
                          given_values("Why were Thinks Insight commissioned?"))
    question = "Which unit leads NHS England's national public engagement on data?"
    cands = candidates([passage("NHS England | National engagement on data\n\n"
                                "This work is led by the Digital Policy Unit, a joint unit of two bodies.")])
    score_candidates(question, cands, WordEmbedder(), n_passages=1)
    typed = {c.text[:12]: bool(c.features[7]) for c in cands}  # features[7]: holds what is asked for
    assert typed == {"NHS England ": False, "This work is": True}


def test_a_verb_in_an_irregular_form_shares_its_base_with_the_question():
    """"Which unit leads the engagement?" shares its verb with "the work is led by …": Snowball
    stems leave "led" and "leads" apart, so the sentence would share too few of the question's
    words to count as answering it."""
    from evidence_assistant.core.text import verb_bases

    assert verb_bases("The work is led by the unit, which held workshops.") == {"led": {"lead"}, "held": {"hold"}}
    assert verb_bases("Which unit leads the engagement?") == {}
    def judged(question: str, text: str) -> bool:
        ps = [passage(text)]
        cands = candidates(ps)
        score_candidates("x", cands, WordEmbedder(), n_passages=1)
        return answers_the_type(question, cands, ps)[0]

    assert judged("Who leads it?", "It is led by Jane Smith.")
    assert judged("Who led the programme?", "Jane Smith leads it.")
    assert not judged("Who funded the programme?", "Jane Smith leads it.")


def test_a_line_holding_only_the_questions_words_is_no_answer():
    """A running title ("NHS England | National engagement on data") holds nothing the question
    lacks; it is read as furniture, not as the answer."""
    question = "Who leads NHS England's national engagement on data?"
    cands = candidates([passage("NHS England | National engagement on data\n\n"
                                "The Digital Policy Unit leads the engagement on data.")])
    score_candidates(question, cands, WordEmbedder(), n_passages=1)
    assert {c.text[:11]: c.furniture for c in cands} == {"NHS England": True, "The Digital": False}


def test_a_line_introducing_a_list_is_read_with_its_items_for_meaning():
    """"Specifically, the engagement aims to:" says little by itself; with its items it says what
    the engagement is meant to achieve, and outranks a sentence that only names the engagement."""
    question = "What does the engagement aim to change in attitudes, policy and trust?"
    cands = candidates([passage("The engagement was run in 2024 by the unit for the public.\n\n"
                                "Specifically, it aims to:\n\n"
                                "• understand attitudes to data;\n\n"
                                "• influence policy and services;\n\n"
                                "• build trust and confidence.")])
    score_candidates(question, cands, WordEmbedder(), n_passages=1)
    lead = next(c for c in cands if c.kind == "lead-in")
    other = next(c for c in cands if c.text.startswith("The engagement"))
    assert lead.score > other.score


def test_a_lead_in_and_its_items_are_quoted_as_one_span():
    """"… has three stages:" and the three stages are one statement, cited once to the exact span
    from the lead-in to the last item; a sentence after the list stays a quote of its own."""
    from evidence_assistant.answering.citations import verbatim_citations
    from evidence_assistant.answering.extractive import whole_lists

    text = STAGES + "\n\nEach stage is signed off by the clinical safety officer."
    shown = [passage(text)]
    cands = candidates(shown)
    picked = [c for c in cands if c.kind in ("lead-in", "item") or c.text.startswith("Each stage")]
    whole = whole_lists(picked, shown)
    assert [c.text.split("\n")[0] for c in whole] == ["The assurance is a process that has three stages:",
                                                       "Each stage is signed off by the clinical safety officer."]
    assert whole[0].text.endswith("Safety closure once every mitigation has been carried out.")
    sentences, citations = verbatim_citations([(c.text, shown[c.rank].passage, c.start, c.end) for c in whole])
    assert [s.supported for s in sentences] == [True, True] and all(c.exact for c in citations)
    # Items without their lead-in, or a lead-in whose items were not chosen, are left as they are.
    items = [c for c in cands if c.kind == "item"]
    assert whole_lists(items, shown) == items


def test_where_something_was_held_asks_for_a_place_the_question_does_not_name():
    from evidence_assistant.answering.answerable import expected_type, given_values, holds_type

    assert expected_type("Where were the four cohort 2 Tier 1 workshops held?") == "place"
    assert expected_type("In which four places were the cohort 1 workshops held?") == "place"
    assert expected_type("Where does the standard say addresses are stored?") is None
    question = "In which four places were the cohort 1 Tier 1 workshops of NHS England's engagement held?"
    given = given_values(question)
    assert holds_type("Workshops were held in Liverpool, Leicester, Portsmouth and South London.", "place", given)
    # Four locations, England and Tier 1 are no places beyond what the question names.
    assert not holds_type("Workshops were held in four different locations to ensure coverage across England.",
                          "place", given)
    assert not holds_type("These audiences are engaged on the same topics as in Tier 1 in March.", "place", given)
    text = "Workshops were held in-person in four different locations across England."
    ps = [passage(text)]
    cands = candidates(ps)
    score_candidates("x", cands, WordEmbedder(), n_passages=1)
    assert not answers_the_type(question, cands, ps)[0]


def test_the_line_naming_who_prepared_a_document_answers_who_prepared_it():
    """A draft's front matter lists who prepared it, one person to a line, capitalised like a run
    of headings: asked who prepared it, that line (with every person on it) is the answer, and it
    is not taken for furniture."""
    text = ("Digital Service Standard\n\nDraft\n\nVersion number: 1\n\n"
            "Prepared by: Ann Carter, Head of Partnerships, Health Agency\n\n"
            "Dr Ben Okafor, Director of Data, Health Agency\n\n"
            "The standard sets out how digital services prepared for the health service are assessed by staff.")
    cands = candidates([passage(text)])
    field = [c for c in cands if c.text.startswith("Prepared by:")]
    assert len(field) == 1 and field[0].text.endswith("Director of Data, Health Agency")
    assert text[field[0].start:field[0].end].strip() == field[0].text  # still an exact span to quote
    score_candidates("Which Health Agency staff prepared the Digital Service Standard?", cands, WordEmbedder(),
                     n_passages=1)
    assert max(cands, key=lambda c: c.score) is field[0]
    # Asked something else, the line is not raised above what the standard says.
    cands = candidates([passage(text)])
    score_candidates("How are digital services assessed under the standard?", cands, WordEmbedder(), n_passages=1)
    assert max(cands, key=lambda c: c.score).text.startswith("The standard sets out")
    # "The draft standard" names the document, not who drafted it: no question about its authors.
    from evidence_assistant.answering.extractive import names_its_author
    assert not names_its_author("What documents must services supply under the draft Digital Service Standard?", field[0])
    assert names_its_author("Who drafted the Digital Service Standard?", field[0])


def test_a_label_standing_alone_above_one_person_a_line_answers_who_compiled_it():
    """"Report compiled by:" on its own line, then each person on a line of their own (name, role,
    organisation, no comma): the label with the people under it is one field, and it answers who
    compiled the report; the paragraph after them is no part of it."""
    text = ("Summary report\n\nReport compiled by:\n\n"
            "Ann Carter National Workforce Planner Health Agency\n\n"
            "Ben Okafor Workstream Lead Digital Programme Health Agency\n\n"
            "The report sets out how the digital workforce should grow and what it will cost to train.")
    cands = candidates([passage(text, title="Summary report")])
    field = [c for c in cands if c.kind == "field"]
    assert len(field) == 1 and field[0].text.startswith("Report compiled by:")
    assert field[0].text.endswith("Digital Programme Health Agency")
    assert text[field[0].start:field[0].end] == field[0].text
    score_candidates("Who compiled the summary report?", cands, WordEmbedder(), n_passages=1)
    assert max(cands, key=lambda c: c.score) is field[0]
    # A label followed by prose, not by people, stays a short line that answers nothing.
    plain = candidates([passage("Report compiled by:\n\nthe workforce team in 2021 after a survey of staff.")])
    assert not [c for c in plain if c.kind == "field"]


def test_a_front_matter_line_is_read_with_its_documents_title():
    """"Report by: Jane Smith, …" says nothing of what the document is about; its reader knows it
    heads the board paper on hospital productivity. Read with that title, it answers who presented
    that paper ahead of a sentence that mentions the paper but names no one."""
    head = passage("Agenda item: 5 (public session)\n\nReport by: Jane Smith, Chief Financial Officer\n\n"
                   "Paper type: For information", 1, title="Hospital productivity")
    body = passage("The board paper on hospital productivity in May set out the effect of the pandemic on output.")
    question = "Who presented the board paper on hospital productivity?"
    cands = candidates([body, head])
    field = next(c for c in cands if c.text.startswith("Report by:"))
    assert field.kind == "field" and field.context == "Hospital productivity" and not field.leans
    score_candidates(question, cands, WordEmbedder(), n_passages=2)
    assert max(cands, key=lambda c: c.score) is field
    # Without its title the same line loses to the sentence about the paper.
    cands = candidates([body, passage(head.passage.text, 1)])
    score_candidates(question, cands, WordEmbedder(), n_passages=2)
    assert max(cands, key=lambda c: c.score).text.startswith("The board paper")


def test_a_row_of_the_table_the_question_names_outranks_another_tables_row():
    from evidence_assistant.answering.extractive import named_labels

    assert [p.pattern for p in named_labels("What does section 251 of the Act allow?")] == []  # an Act's section
    (label,) = named_labels("In Table 1 of the report, what is the coding workforce?")
    assert label.search("Table 1: Workforce") and not label.search("Table 1.2: Workforce")
    assert not label.search("Table 10: Workforce")
    # Two tables with a row alike but for its figure: the question's table decides which answers.
    rows = passage("Table 4: Clinical coding | Workforce | 3,088\n\nTable 1: Clinical coding | Workforce | 1,778")
    cands = candidates([rows])
    assert {c.kind for c in cands} == {"row"}
    for question, caption in (("In Table 1, what is the clinical coding workforce?", "Table 1:"),
                              ("In Table 4, what is the clinical coding workforce?", "Table 4:")):
        score_candidates(question, cands, WordEmbedder(), n_passages=1)
        best, other = sorted(cands, key=lambda c: -c.score)
        assert best.text.startswith(caption) and best.score > other.score


def test_a_long_line_cut_off_by_the_extraction_is_a_sentence_not_a_heading():
    """A table cell run into its neighbour ends without a full stop before a capitalised line; a
    line that long reads as a cut-off sentence, where a short capitalised line is a heading."""
    cut = ("Improve the percentage of patients waiting no longer than 18 weeks for a first appointment to 72% "
           "nationally by March 2026, with every trust expected to deliver a minimum improvement")
    short = "Reduce the time people wait for elective care"
    text = f"{cut}\n\n{short}\n\nThe plan sets out the actions expected of systems."
    got = [c.text for c in candidates([passage(text)])]
    assert cut in got and short not in got
    # A line of prose that stops short of the length a title never reaches is still taken for one.
    medium = "Improve the share of patients seen within four hours in the emergency department"
    assert medium not in [c.text for c in candidates([passage(f"{medium}\n\n{short}\n\nThe plan sets it out.")])]


def test_which_year_asks_for_a_date_as_what_year_does():
    from evidence_assistant.answering.answerable import expected_type

    for q in ("In which years did the college publish its two reports?", "Which year was the record rolled out?",
              "In what year were the guidelines issued?", "On which date did the consultation close?",
              "Since what year have practices kept records on computer?"):
        assert expected_type(q) == "date", q
    # A year that only describes the thing asked about is no question about a date.
    assert expected_type("Which yearly report lists the trusts?") is None
    # A sentence stating a year now holds what such a question asks for; one without does not.
    q = "In which years did the college publish its two reports?"
    with_year = candidates([passage("The college published its report on shared records in 2009.")])
    without = candidates([passage("The college published its report on shared records after a long review.")])
    assert answers_the_type(q, with_year, [passage("The college published its report on shared records in 2009.")])[0]
    assert answers_the_type(q, without, [passage("The college published its report on shared records after a long review.")]) \
        == (False, "date")


def test_a_question_opening_with_when_and_a_comma_asks_what_its_main_clause_asks():
    from evidence_assistant.answering.answerable import expected_type

    # "When X happened, which …?" asks for the which, not for a date: such questions were declined
    # for want of a date.
    assert expected_type("When the standard was revised in January 2024, which items replaced the old one?") is None
    assert expected_type("When NHSX launched, who led its work on standards?") == "name"
    assert expected_type("After the review, how many programmes remained?") == "number"
    # A question about when keeps asking for a date, comma or not.
    assert expected_type("When was the standard revised?") == "date"
    assert expected_type("When did the survey open, and how many replied?") == "date"


def test_on_what_date_prefers_a_date_with_its_day(monkeypatch):
    import dataclasses

    from evidence_assistant.answering import extractive
    from evidence_assistant.answering.answerable import asks_for_day

    assert asks_for_day("On what date was the webinar held?") and asks_for_day("What date does the notice bear?")
    assert not asks_for_day("When was the webinar held?") and not asks_for_day("In what year was it held?")
    q = "On what date was the regional webinar held?"
    month = "The regional webinar for leads was held in July and August 2020."
    day = "The regional webinar was on 31 July."

    def best(question: str) -> str:
        cands = candidates([passage(f"{month} {day}")])
        score_candidates(question, cands, WordEmbedder(), n_passages=1)
        return max(cands, key=lambda c: c.score).text

    assert best(q) == day
    assert best("When was the regional webinar held?") == month  # "when" takes a month as readily
    monkeypatch.setattr(extractive, "WEIGHTS", dataclasses.replace(extractive.WEIGHTS, day_date=0.0))
    assert best(q) == month  # without the preference, the sentence sharing more words wins


def test_a_line_dating_its_document_without_a_colon_can_answer():
    """"Covid-19 and your information - Updated on 8th April 2020" heads a notice as "Date published:"
    heads a page: it answers when the notice was updated. A short line that names no date, or a
    long one, is no such record."""
    text = ("Covid-19 and your information - Updated on 8th April 2020\n\nExample privacy note for patients\n\n"
            "This notice describes how we may use your information to protect you and others.")
    cands = candidates([passage(text, title="Example privacy notice")])
    got = {c.text: c.kind for c in cands}
    assert got["Covid-19 and your information - Updated on 8th April 2020"] == "field"
    assert "Example privacy note for patients" not in got
    score_candidates("On what date was the example privacy notice updated?", cands, WordEmbedder(), n_passages=1)
    assert max(cands, key=lambda c: c.score).text.endswith("Updated on 8th April 2020")
    long_line = ("Guidance on records that was updated on 8 April 2020 and sets out what every practice in the "
                 "region must keep and for how long")
    assert all(c.kind != "field" for c in candidates([passage(long_line + "\n\nIntroduction")]))


def test_how_often_prefers_a_sentence_saying_how_often():
    """"How often …" asks for a frequency: "on a quarterly basis" answers it, where a sentence
    sharing more of the question's words but saying nothing of how often does not. A "how often"
    question whose passages state no frequency is declined: they hold the topic, not this fact."""
    from evidence_assistant.answering.answerable import FREQUENCY, expected_type

    assert expected_type("How often will the board run the review process?") == "frequency"
    assert expected_type("How frequently are the metrics refreshed?") == "frequency"
    assert expected_type("At what intervals are audits held?") == "frequency"
    assert expected_type("How old is the review process?") is None
    for said in ("on a quarterly basis", "annually", "every three years", "twice a year", "each month"):
        assert FREQUENCY.search(f"The board meets {said}."), said
    assert not FREQUENCY.search("The board met in March to review the process.")
    about = "As part of the review process the board considers each trust's segment and capability."
    often = "The board will run it on a quarterly basis."
    q = "How often will the board run the review process?"
    cands = candidates([passage(f"{about} {often}")])
    score_candidates(q, cands, WordEmbedder(), n_passages=1)
    assert max(cands, key=lambda c: c.score).text == often
    # Asked what happens rather than how often, the sentence about the process wins.
    cands = candidates([passage(f"{about} {often}")])
    score_candidates("What does the board consider as part of the review process?", cands, WordEmbedder(), n_passages=1)
    assert max(cands, key=lambda c: c.score).text == about
    none = [passage(about)]
    assert answers_the_type(q, candidates(none), none) == (False, "frequency")
    both = [passage(f"{about} {often}")]
    assert answers_the_type(q, candidates(both), both) == (True, "frequency")


def test_the_sentence_naming_the_questions_rare_word_outweighs_one_repeating_its_common_words(monkeypatch):
    """Shared words weigh their rarity (IDF) as well as their number: the one sentence naming the
    unit asked about ("NIHR") beats one that repeats more of the question's common words."""
    import dataclasses

    from evidence_assistant.answering import extractive

    q = "Which NIHR unit does the report name as co-developer of the tool?"
    common = "The report names the partners of the tool and its unit."
    rare = "The NIHR unit at the hospital developed it."
    rarity = {"nihr": 6.0}

    def idf(tokens):
        return [rarity.get(t, 0.5) for t in tokens]

    def best(**kw) -> str:
        cands = candidates([passage(f"{common} {rare}")])
        score_candidates(q, cands, WordEmbedder(), n_passages=1, **kw)
        return max(cands, key=lambda c: c.score).text

    assert best(idf=idf) == rare
    assert best() == common  # counting every word alike, the common words win
    monkeypatch.setattr(extractive, "WEIGHTS", dataclasses.replace(extractive.WEIGHTS, rare_words=0.0))
    assert best(idf=idf) == common


def test_which_named_body_asks_for_a_name_as_which_body_does():
    """"Which NIHR unit …", "which NHS foundation trust …" ask for a name as "which unit …" does;
    a lower-case word before the kind of body ("which age group", "which data team") describes
    a category, not whose body it is, and asks for none."""
    from evidence_assistant.answering.answerable import expected_type

    for q in ("Which unit developed the tool?", "Which NIHR unit does the report name as co-developer?",
              "Which NHS Foundation Trust hosts the consortium?", "And which body runs it?",
              "Which IT supplier won the contract?"):
        assert expected_type(q) == "name", q
    for q in ("Which age group was surveyed?", "Which data team built it?", "Which NHS standard applies?"):
        assert expected_type(q) is None, q


def _split_document(first: str, second: str) -> tuple[ScoredPassage, Passage]:
    """Two consecutive passages of one document, as the chunker cuts them."""
    a = Passage(passage_id="d:0", doc_id="d", seq=0, text=first, char_start=0, char_end=len(first))
    b = Passage(passage_id="d:1", doc_id="d", seq=1, text=second, char_start=len(first) + 2,
                char_end=len(first) + 2 + len(second))
    return ScoredPassage(a, 1.0), b


def _chosen(question: str, first: ScoredPassage, list_items: int = 3):
    """What the answerer picks from ``first`` alone, as it would before reading on."""
    cands = candidates([first])
    vecs = score_candidates(question, cands, WordEmbedder(), n_passages=1)
    return select(cands, vecs, max_sentences=1, list_items=list_items)


CUT_LIST = ("The review sets out how suppliers are assured.\n\n"
            "The assurance is a process that has three stages:\n\n"
            "Hazard workshop to walk through the processes of a module")
LIST_GOES_ON = ("Safety case where the hazards are scored for likelihood and impact. Mitigations are agreed with suppliers.\n\n"
                "Safety closure report once every mitigation has been carried out.\n\n"
                "Suppliers publish their hazard logs every year for the assurance team to read.")


def test_a_list_cut_off_by_its_passage_goes_on_in_the_next_passage():
    question = "What are the three stages of the assurance process?"
    first, second = _split_document(CUT_LIST, LIST_GOES_ON)
    shown = [first]
    picked = _chosen(question, first)
    assert [c.text.split()[0] for c in picked] == ["The", "Hazard"]  # the passage ends after one item

    asked_for: list[str] = []

    def following(p: Passage) -> Passage | None:
        asked_for.append(p.passage_id)
        return second if p.passage_id == "d:0" else None

    out = continue_lists(picked, shown, following, list_items=3)
    assert asked_for == ["d:0"]
    # The two blocks still missing, from the next passage's start, cited to it; not what follows.
    assert [c.text for c in out[2:]] == ["Safety case where the hazards are scored for likelihood and impact.",
                                         "Mitigations are agreed with suppliers.",
                                         "Safety closure report once every mitigation has been carried out."]
    assert len(shown) == 2 and shown[1].passage is second and {c.rank for c in out[2:]} == {1}
    assert all(second.text[c.start:c.end] == c.text for c in out[2:])

    # Without a next passage, or when the lead-in names no number, the answer stays as chosen.
    assert continue_lists(picked, [first], lambda p: None) == picked
    vague = CUT_LIST.replace("has three stages:", "works in stages:")
    first_v, second_v = _split_document(vague, LIST_GOES_ON)
    picked_v = _chosen(question, first_v)
    assert continue_lists(picked_v, [first_v], lambda p: second_v) == picked_v


def test_a_list_whose_items_all_fit_its_passage_is_not_read_on():
    question = "What are the three stages of the assurance process?"
    first, second = _split_document(STAGES, LIST_GOES_ON)
    picked = _chosen(question, first)
    assert continue_lists(picked, [first], lambda p: second) == picked


def test_a_lead_in_ending_its_passage_takes_the_items_opening_the_next():
    question = "What should recorded data be for note-less consulting?"
    first, second = _split_document("9.6.1 Recording data\n\nFor note-less consulting, data recorded should be:",
                                    "Complete\n\nAccurate\n\nTimely\n\nChapter 6 deals with this in more detail.")
    picked = _chosen(question, first, list_items=WEIGHTS.list_items)
    assert [c.kind for c in picked] == ["lead-in"]
    shown = [first]
    out = continue_lists(picked, shown, lambda p: second)
    # One-word lines are the list's items here, as they would be below the lead-in; the sentence
    # after them is not part of the list.
    assert [c.text for c in out[1:]] == ["Complete", "Accurate", "Timely"]
    assert all(second.text[c.start:c.end] == c.text and c.rank == 1 for c in out[1:])


def test_a_long_list_asked_for_is_quoted_whole():
    """Asked which items a checklist names, without a count, a dozen items come whole: a reader
    asking for the list wants all of it, not the first nine."""
    things = ["Allergies", "Current medicines", "Past operations", "Long-term conditions", "Immunisations",
              "Smoking status", "Blood pressure", "Height and weight", "Pregnancies", "Injuries",
              "Screening results", "Family history"]
    text = "5.1 Summarising records\n\nItems the summary should record include:\n\n" + \
        "\n\n".join(f"- {t}" for t in things) + "\n\nPractices review the summary every year."
    first = ScoredPassage(Passage(passage_id="d:0", doc_id="d", seq=0, text=text, char_start=0,
                                  char_end=len(text)), 1.0)
    picked = _chosen("Which items should the summary record include?", first, list_items=WEIGHTS.list_items)
    assert picked[0].text == "Items the summary should record include:"
    assert [c.text.lstrip("- ") for c in picked[1:]] == things


def test_a_list_read_on_takes_lines_without_a_full_stop_as_its_items():
    """A long item without a full stop (a line, not a sentence) is still one of the list's items
    when the list is read on into the next passage, and the list goes on past it."""
    question = "What should practices do before they change system?"
    first, second = _split_document(
        "9.2 Changing system\n\nIn summary practices should:",
        "Check that the new supplier meets the safety standard\n\n"
        "Make sure every risk found is understood, looked into and dealt with by sensible checks such as "
        "testing migrated records on a copy of the system first\n\n"
        "A clear route for reporting any safety problems to the system supplier")
    picked = _chosen(question, first, list_items=WEIGHTS.list_items)
    assert [c.kind for c in picked] == ["lead-in"]
    out = continue_lists(picked, [first], lambda p: second)
    assert [c.text.split()[0] for c in out[1:]] == ["Check", "Make", "A"]


def test_a_sentence_cut_off_by_its_passage_is_finished_from_the_next():
    """A chosen sentence that stops where its passage stops ("… such as ISO") is finished from
    the document's next passage, cited to that passage; a sentence that ends, or a next passage
    opening something new, leaves the answer as it was."""
    question = "Which testing standard should technology suppliers be accredited to?"
    first, second = _split_document(
        "Suppliers of health technology are assured before use.\n\n"
        "Technology suppliers should be accredited to an industry wide testing standard such as ISO",
        "9001 or ISO 29119, with the certificate shown on request. Products are checked every year.")
    picked = _chosen(question, first)
    assert picked[-1].text.endswith("such as ISO")
    shown = [first]
    out = finish_cut_sentences(picked, shown, lambda p: second if p.passage_id == "d:0" else None)
    assert [c.text for c in out[len(picked):]] == ["9001 or ISO 29119, with the certificate shown on request."]
    assert len(shown) == 2 and shown[1].passage is second and out[-1].rank == 1
    assert second.text[out[-1].start:out[-1].end] == out[-1].text

    # The rest as a run of list items: the items, not what follows them.
    first_b, second_b = _split_document(
        "Boards will plan for winter.\n\nTo keep services safe over winter, boards will be asked to",
        "• keep a safety net for urgent primary care\n\n• publish their plans by October\n\n"
        "Regional teams will review the plans.")
    picked_b = _chosen("What will boards be asked to do to keep services safe over winter?", first_b)
    out_b = finish_cut_sentences(picked_b, [first_b], lambda p: second_b)
    assert [c.text for c in out_b[len(picked_b):]] == ["keep a safety net for urgent primary care",
                                                       "publish their plans by October"]

    # A sentence that ends, or a next passage opening with a capital or a numbered item, stays;
    # nor is another document's passage read on into.
    def unchanged(a: ScoredPassage, b: Passage) -> bool:
        picked = _chosen(question, a)
        return [c.text for c in finish_cut_sentences(picked, [a], lambda p: b)] == [c.text for c in picked]

    assert unchanged(*_split_document(first.passage.text + " 9001.", second.text))
    for opening in ("Products are checked every year.", "2. Products are checked every year."):
        assert unchanged(*_split_document(first.passage.text, opening))
    assert unchanged(first, Passage(passage_id="e:0", doc_id="e", seq=0, text=second.text, char_start=0,
                                    char_end=len(second.text)))


def test_initials_joined_by_an_ampersand_are_a_word():
    """"A&E attendances" and "first attendances" differ only in "A&E": read as no word at all, a
    question about A&E could not tell the two rows of a table apart by their words."""
    from evidence_assistant.core.text import tokenize

    assert tokenize("A&E attendances") == ["a&e", "attend"]
    assert "r&d" in tokenize("spending on R&D rose")
    assert set(tokenize("A&E attendances")) != set(tokenize("first attendances"))
    assert tokenize("a & b") == []  # lone letters with spaces between are no word


def test_a_sentence_qualifying_a_chosen_one_comes_with_it():
    """Quoted without "However, …", the chosen sentence would say more than its document does."""
    text = ("Research using anonymised patient data will not need ethical review from the research authority. "
            "However, approval may still be required. Conform to the research policy framework.")
    question = "Does research using anonymised patient data need ethical review from the research authority?"
    cands = candidates([passage(text)])
    vecs = score_candidates(question, cands, WordEmbedder(), n_passages=1)
    picked = [c.text for c in select(cands, vecs, max_sentences=1)]
    assert picked == ["Research using anonymised patient data will not need ethical review from the research authority.",
                      "However, approval may still be required."]
    # A following sentence that does not qualify it stays out.
    plain = text.replace("However, approval", "Approval")
    cands = candidates([passage(plain)])
    vecs = score_candidates(question, cands, WordEmbedder(), n_passages=1)
    assert len(select(cands, vecs, max_sentences=1)) == 1


def test_how_many_prefers_a_count_of_the_thing_asked_about():
    """A figure answers "how many organisations" only as a count of organisations."""
    text = ("As the analyst community has 17,000+ members, the survey went to its members. "
            "In all, 90 unique organisations were represented by the teams that responded.")
    question = "How many unique organisations did the analyst community survey teams represent?"
    cands = candidates([passage(text)])
    score_candidates(question, cands, WordEmbedder(), n_passages=1)
    members, organisations = cands
    assert organisations.text.startswith("In all, 90") and organisations.features[7] == 1.0
    assert members.features[7] == 0.0  # a figure, but not of organisations


TENURE = "\n\n".join(f"Table 4: Average tenure by team: Average tenure: {span}; Count of teams: {n}; Percentage: {p}%"
                     for span, n, p in (("0 - 2 years", 6, 5), ("4 - 6 years", 28, 25), ("6 - 8 years", 26, 23)))


def test_the_row_whose_own_cells_name_what_is_asked_outranks_its_neighbours(monkeypatch):
    """"four to six years" is the row "4 - 6 years"; "0 - 2 years; …: 6" is not, for all its 6."""
    import dataclasses

    from evidence_assistant.answering import extractive
    question = "In Table 4, how many teams reported an average tenure of four to six years?"

    def best() -> str:
        cands = candidates([passage(TENURE)])
        score_candidates(question, cands, WordEmbedder(), n_passages=1)
        return max(cands, key=lambda c: c.score).text

    assert "4 - 6 years" in best()
    monkeypatch.setattr(extractive, "WEIGHTS", dataclasses.replace(extractive.WEIGHTS, other_row=0.0))
    assert "4 - 6 years" not in best()  # by words and rank alone the first row wins


def test_rows_each_named_by_the_question_are_not_held_against_each_other():
    """"standards and procurement each": two rows, each holding a word the other lacks; a row of
    another table holding more of the question's words says nothing about this table's rows."""
    votes = ("Number: 1; Topic: Standards; Votes: 12\n\nNumber: 2; Topic: Procurement; Votes: 9\n\n"
             "Number: 3; Topic: Engagement; Votes: 7\n\n"
             "File: standard.pdf; What: the draft standards and procurement rules")
    question = "How many votes did standards and procurement each receive?"
    cands = candidates([passage(votes)])
    score_candidates(question, cands, WordEmbedder(), n_passages=1)
    plain = candidates([passage(votes)])
    import dataclasses

    from evidence_assistant.answering import extractive
    original = extractive.WEIGHTS
    extractive.WEIGHTS = dataclasses.replace(original, other_row=0.0)
    try:
        score_candidates(question, plain, WordEmbedder(), n_passages=1)
    finally:
        extractive.WEIGHTS = original
    moved = {c.text.split(";")[1].strip(): round(p.score - c.score, 6) for c, p in zip(cands, plain)
             if c.text.startswith("Number")}
    assert moved == {"Topic: Standards": 0.0, "Topic: Procurement": 0.0, "Topic: Engagement": WEIGHTS.other_row}


def test_which_regulator_or_department_asks_for_a_name():
    from evidence_assistant.answering.answerable import expected_type

    assert expected_type("Which regulators' registration numbers are given as examples of identifier types?") == "name"
    assert expected_type("Which department leads the programme?") == "name"
    assert expected_type("Which council approved the plan?") == "name"
    assert expected_type("Which councillors' concerns does it list?") is None  # not the body word itself


PARTNERS = ("The Lab will support innovation across the country.\n\n"
            "We will work closely with the following partners to deliver the objectives of the Lab:\n\n"
            "Accelerated Access Collaborative\n\nOffice for Life Sciences\n\nHealth Data Research UK")


def test_a_lead_in_holds_what_its_items_hold():
    """"… the following partners:" answers "which organisations …" through the names listed under it."""
    ps = [passage(PARTNERS)]
    cands = candidates(ps)
    question = "Which organisations will work with the Lab as partners to deliver its objectives?"
    score_candidates(question, cands, WordEmbedder(), n_passages=1)
    lead = next(c for c in cands if c.kind == "lead-in")
    assert "Health Data Research UK" in lead.items
    assert lead.features[7] == 1.0  # it holds the names asked for
    assert answers_the_type(question, cands, ps)[0]


def test_names_led_by_an_acronym_and_groups_of_people():
    from evidence_assistant.answering.answerable import NAME, expected_type

    assert NAME.search("The store was developed by NHS England and NHSX.")
    assert NAME.search("Data already collected by NHS Digital is included.")
    assert not NAME.search("The NHS has developed a store for data.")
    # "Which groups …" asks as often for groups of people as for bodies: no name is required.
    assert expected_type("Which groups do the guidelines give as examples of cohorts with complex needs?") is None
    assert expected_type("Which group runs the programme?") == "name"


def test_by_how_much_asks_for_a_figure_unless_it_is_of_money():
    from evidence_assistant.answering.answerable import expected_type

    assert expected_type("By how much did acute productivity improve in the first half of 2024/25?") == "number"
    assert expected_type("How much did staff numbers grow last year?") == "number"
    assert expected_type("How much did the programme cost?") == "money"
    assert expected_type("By how much was the budget cut?") is None  # of money: not a count


def test_a_line_ending_by_and_a_semicolon_introduces_a_list_that_ends_at_the_next_section():
    """"… the completeness of the medication record by;" introduces the lines after it (an item
    would end its statement before the semicolon); read on into the next passage, the list ends
    where a numbered section's heading begins."""
    lead = "It is important to ensure the completeness and accuracy of the medication record by;"
    assert [p.kind for p in pieces(lead)] == ["lead-in"]
    assert [p.kind for p in pieces("diagnose communicable diseases;")] == ["item"]
    question = "What should practices do to ensure the medication record is complete?"
    first, second = _split_document(f"8e.3.1 Medication\n\n{lead}\n\nEngaging in timely medication reviews",
                                    "Entering handwritten prescriptions in the record\n\n8e.3.2 General clinical codes\n\n"
                                    "Codes are entered as they are agreed.")
    picked = _chosen(question, first, list_items=WEIGHTS.list_items)
    assert [c.kind for c in picked][:2] == ["lead-in", "item"]
    out = continue_lists(picked, [first], lambda p: second)
    assert [c.text for c in out[len(picked):]] == ["Entering handwritten prescriptions in the record"]


def test_a_sentence_the_layout_broke_across_a_blank_line_is_one_piece():
    """"… it must be registered with the" then "Medicines and Healthcare Products Regulatory Agency
    (MHRA) and have a CE mark ." on the next block: one sentence, quoted whole and exactly."""
    text = ("If the product meets the definition of a medical device , then it must be registered with the\n\n"
            "Medicines and Healthcare Products Regulatory Agency (MHRA) and have a CE mark .\n\n"
            "Software that meets the definition of a medical device will be regulated as such.")
    ps = pieces(text)
    assert [p.kind for p in ps] == ["sentence", "sentence"]
    assert text[ps[0].start:ps[0].end].startswith("If the product") and text[ps[0].start:ps[0].end].endswith("CE mark .")
    # A block ending on a word a sentence can end on stays a block of its own.
    assert len(pieces("Clinical safety\n\nThe product must be registered.")) == 2


def test_words_naming_the_document_are_said_by_each_of_its_sentences():
    """"… reported by the Workforce Observatory survey?" names the document, not the fact: the
    sentence stating the tenure does not repeat the survey's name, and still answers it best,
    over one of the same document that only repeats the name."""
    question = "What was the most frequent average tenure reported by the Workforce Observatory survey?"
    title = "Workforce Observatory survey key findings"
    cands = candidates([passage("The Workforce Observatory survey was sent to every team and promoted on "
                                "social media in the spring.\n\n"
                                "The most frequent average tenure was 2-4 years (34%).", title=title)])
    score_candidates(question, cands, WordEmbedder(), n_passages=1)
    fact = next(c for c in cands if c.text.startswith("The most frequent"))
    named = next(c for c in cands if c.text.startswith("The Workforce"))
    assert fact.score > named.score
    # The title adds only the question's words: a sentence of another document gains nothing.
    other = candidates([passage("The most frequent average tenure was 2-4 years (34%).", title="Annual accounts")])
    score_candidates(question, other, WordEmbedder(), n_passages=1)
    assert other[0].lex < fact.lex
    # A title sharing a few of a question's plain words is not the question naming it.
    plain = "What was the most frequent average tenure of data professionals?"
    sentence = "Most teams kept their staff for longer than the national average."
    lex = {}
    for title in ("", "Data professionals in health and care: pay, vacancies and recruitment across England"):
        cs = candidates([passage(sentence, title=title)])
        score_candidates(plain, cs, WordEmbedder(), n_passages=1)
        lex[title] = cs[0].lex
    assert len(set(lex.values())) == 1


def test_a_line_inviting_what_the_question_asks_about_is_not_furniture():
    """"Please contact Sarah Blundell to be included …" is a contact line, furniture to most
    questions, and the answer to "whom should people contact to be included?"."""
    line = "Please contact Sarah Blundell to be included in the next year's distribution."
    assert boilerplate(line)
    assert not boilerplate(line, invitations("Whom does the survey ask people to contact to be included?"))
    assert boilerplate(line, invitations("Where can the survey's results be downloaded?"))
    cands = candidates([passage(line)])
    score_candidates("Whom does the report ask people to contact to be included in future surveys?", cands,
                     WordEmbedder(), n_passages=1)
    assert not cands[0].furniture


def test_a_lead_in_saying_how_the_sentence_before_will_be_done_leans_on_it():
    """"We will do this by delivering:" means nothing alone: it is read with the commitment before
    it, so the commitment's list is found by what the commitment is about."""
    assert leans_on_lead("We will do this by delivering:")
    assert leans_on_lead("To achieve this, the unit will publish a guide.")
    assert not leans_on_lead("We will do the work in three phases.")
    question = "What will be delivered to implement secure data environments?"
    cands = candidates([passage("We will work with partners to implement secure data environments.\n\n"
                                "We will do this by delivering:\n\n"
                                "• a clear public guide;\n\n"
                                "• an accreditation regime.")])
    lead = next(c for c in cands if c.kind == "lead-in")
    assert lead.leans and "secure data environments" in lead.context
    vecs = score_candidates(question, cands, WordEmbedder(), n_passages=1)
    picked = [c.text for c in select(cands, vecs, max_sentences=2)]
    assert "We will do this by delivering:" in picked and "a clear public guide;" in " ".join(picked)


def test_a_list_of_nine_uncounted_items_is_quoted_whole_by_default():
    """A summary's nine general categories, introduced without a count, come whole with their
    lead-in under the default settings (WEIGHTS.list_items)."""
    items = ["Major diagnoses", "Chronic conditions", "Repeat medications", "Contraindications",
             "Major operations", "Significant therapies", "Significant investigations", "Fractures", "Immunisations"]
    text = ("The college recommends enriched content for the summary, which includes the following general "
            "categories:\n\n" + "\n\n".join(f"• {i}" for i in items) + "\n\nHow this is done depends on the platform.")
    question = "Which general categories does the college recommend for the enriched summary content?"
    cands = candidates([passage(text)])
    vecs = score_candidates(question, cands, WordEmbedder(), n_passages=1)
    picked = [c.text for c in select(cands, vecs, max_sentences=1)]
    assert picked[0].startswith("The college recommends")
    assert [p.lstrip("• ") for p in picked[1:10]] == items


def test_a_clause_scoping_the_question_to_a_document_does_not_hide_what_it_asks_for():
    """"According to the case study, which bodies administer the Test Bed?" asks for names as
    "which bodies administer …" does: the sentence naming them is scored as holding the answer."""
    from evidence_assistant.answering.answerable import main_clause
    question = "According to the consortium's case study, which bodies administer the Test Bed project?"
    assert main_clause(question) == "which bodies administer the Test Bed project?"
    assert main_clause("In what year was it issued?") == "In what year was it issued?"
    cands = candidates([passage("The consortium formed a partnership to develop and test the tools in the "
                                "screening programme of the region.\n\n"
                                "The Test Bed project is administered by NHS England and the Office for Life Sciences.")])
    score_candidates(question, cands, WordEmbedder(), n_passages=1)
    named = next(c for c in cands if "administered" in c.text)
    from evidence_assistant.answering.sentence_scorer import FEATURES
    assert named.features[FEATURES.index("answer_type")] == 1.0  # it holds the names asked for


def test_more_information_shown_is_no_pointer_to_more_information():
    """"For more information, visit …" points elsewhere; a table row saying larger monitors "allow
    for more information to be shown" states what the row is about, and can answer."""
    assert boilerplate("For more information, visit the practice's website.")
    assert boilerplate("Read the case study for more information about the surgery's approach.")
    row = ("Monitors | Larger monitors allow for more information to be shown; a rotating base and inbuilt "
           "speakers or USB hubs are also useful")
    assert not boilerplate(row)


def test_a_long_line_naming_many_bodies_reads_as_prose_though_it_has_no_full_stop():
    # A standard's element description, as its JSON export gives it: no full stop, and a third of
    # its words capitalised; a heading before it is still no answer.
    text = ("Primary support reason\n\nThe Primary Support Reason used to classify a person for National Reporting "
            "on Short and Long Term Services (SALT) e.g. Learning disability support, mental health support, "
            "physical support")
    got = [c.text for c in candidates([passage(text)])]
    assert got == [text.split("\n\n")[1]]
    heading = "Primary Support Reason And Other Elements Of The Core Information Standard For Social Care"
    assert [c.text for c in candidates([passage(f"{heading}\n\nThe standard was revised in 2024.")])] == \
        ["The standard was revised in 2024."]


def test_a_list_asked_for_without_its_size_is_read_by_its_noun():
    from evidence_assistant.answering.extractive import asked_items, introduces

    assert asked_items("Under the draft standard, what kinds of user needs may developers have to address?") == "needs"
    assert asked_items("When practices summarise old paper records, which items does the chapter suggest "
                       "they consider coding?") == "items"
    assert asked_items("What typical incidents does the chapter report?") == "incidents"
    # Not a list: a verb after a body ("which body considers applications"), a share of people,
    # the letters of an abbreviation, a list whose size is given.
    assert asked_items("Which body considers applications to use Section 251?") is None
    assert asked_items("What share of respondents said records matter?") is None
    assert asked_items("What do the letters COPI refer to?") is None
    assert asked_items("Which three areas does the plan cover?") is None
    assert introduces("Their needs may be:", "needs") and not introduces("The standard has two parts:", "needs")


def test_the_line_introducing_the_kind_of_items_asked_for_is_chosen_with_its_items():
    text = ("The standard was written with developers and clinicians over two years of work on digital tools.\n\n"
            "Users may be patients, family, carers or staff. Their needs may be:\n\n"
            "• Clinical\n\n• Practical\n\n• Emotional")
    question = "Under the draft standard for digital tools, what kinds of user needs may developers have to address?"
    cands = candidates([passage(text)])
    vecs = score_candidates(question, cands, WordEmbedder(), n_passages=1)
    picked = [c.text for c in select(cands, vecs, max_sentences=1)]
    assert picked[0] == "Their needs may be:" and picked[1:] == ["Clinical", "Practical", "Emotional"]


def test_premise_that_only_a_minority_did_what_most_did_is_rejected():
    survey = [passage("A large majority (86%) of Tier 3 respondents say they would feel fairly or very confident "
                      "about the security of a single patient record. Only 12% say they would not feel confident.")]
    check = check_premise("Why did only a minority of Tier 3 respondents feel confident about the security of a "
                          "single patient record?", survey)
    assert check.rejected and "86%, not a minority" in check.reasons[0]
    few = [passage("Only 14% of Tier 3 respondents say they would feel confident about the security of a single "
                   "patient record.")]
    assert not check_premise("Why did only a minority of Tier 3 respondents feel confident about the security of a "
                             "single patient record?", few).rejected


QUESTIONS_AS_BLOCKS = ("The review was asked to settle who may change a record that several teams share. "
                       "It reported to the regional board.\n\n"
                       "The questions the review had to answer were:\n\n"
                       "Who may read a shared record?\n\n"
                       "How is a patient's consent recorded?\n\n"
                       "What happens when two entries disagree?\n\n"
                       "The review's findings then shaped the guidance that practices across the region were "
                       "given on sharing the records of prime entry.")


def test_a_colons_list_set_out_as_one_sentence_paragraphs_is_read_as_its_items():
    """Short paragraphs of one sentence each, right after a line ending in a colon, are that
    line's items (and come with it); the longer paragraph after them is not one of them, nor is a
    paragraph of two sentences after a colon."""
    got = [(QUESTIONS_AS_BLOCKS[p.start:p.end], p.kind) for p in pieces(QUESTIONS_AS_BLOCKS)]
    assert [k for _, k in got] == ["sentence", "sentence", "lead-in", "item", "item", "item", "sentence"]
    cands = candidates([passage(QUESTIONS_AS_BLOCKS)])
    vecs = score_candidates("What questions did the review have to answer?", cands, WordEmbedder(), n_passages=1)
    picked = [c.text for c in select(cands, vecs, max_sentences=1, list_items=9)]
    assert picked[0] == "The questions the review had to answer were:"
    assert picked[1:4] == ["Who may read a shared record?", "How is a patient's consent recorded?",
                           "What happens when two entries disagree?"]
    prose = ("The review's terms were these:\n\nIt met monthly. It reported to the board.\n\n"
             "Who chaired it was decided later.")
    assert [p.kind for p in pieces(prose)] == ["lead-in", "sentence", "sentence", "sentence"]


FOUR_ELEMENTS = ("This programme, Building a ready workforce, is under way and covers digital literacy for the "
                 "whole workforce. The four elements are:\n\n• Leadership\n\n• Professionalism\n\n• An academy\n\n"
                 "• Digital literacy")


def test_the_line_announcing_the_counted_list_asked_for_is_taken_first():
    """Asked for "the four elements" of a programme, the sentence naming the programme scores
    best, but the line announcing four elements is the answer: it is taken first, with its items;
    a line announcing another count, or one scoring far below the best, is not."""
    from evidence_assistant.answering.extractive import announcing_lead_in

    question = "What are the four elements of the Building a ready workforce programme?"
    cands = candidates([passage(FOUR_ELEMENTS)])
    vecs = score_candidates(question, cands, WordEmbedder(), n_passages=1)
    lead = next(i for i, c in enumerate(cands) if c.text == "The four elements are:")
    # As the packaged model scores them: the sentence naming the programme well ahead.
    cands[0].score = cands[lead].score + WEIGHTS.gap + 0.05
    alone = [c.text for c in select(cands, vecs, max_sentences=2, list_items=4)]
    assert alone == [cands[0].text]  # without it, the gap leaves the list out
    assert announcing_lead_in(cands, asked_list(question)) == lead
    picked = [c.text for c in select(cands, vecs, max_sentences=2, list_items=4, first=[lead], list_asked=True)]
    assert picked[0] == "The four elements are:" and "Digital literacy" in picked
    assert announcing_lead_in(cands, asked_list("What are the three elements of the programme?")) is None
    assert announcing_lead_in(cands, asked_list(question), reach=WEIGHTS.gap) is None


CHECKS = ("Before data leaves the practice it should be able to check the following:\n\n"
          "Incomplete data - gaps can mislead any study. Errors found may be corrected in the record.\n\n"
          "Minimum dataset - only the fields needed for the purpose are taken. Each field is explained.\n\n"
          "The agency then sends the extract on a fixed day each month, whatever the practice has checked.")


def test_a_colons_list_of_labelled_paragraphs_reads_each_paragraph_as_one_item():
    """"… check the following:" then paragraphs each opening "Label - …": each paragraph, all its
    sentences, is one item of the list; the paragraph after them, which opens with no label, is
    not."""
    got = [(CHECKS[p.start:p.end], p.kind) for p in pieces(CHECKS)]
    assert [k for _, k in got] == ["lead-in", "item", "item", "sentence"]
    assert got[1][0] == "Incomplete data - gaps can mislead any study. Errors found may be corrected in the record."
    cands = candidates([passage(CHECKS)])
    vecs = score_candidates("What should the practice check before data leaves it?", cands, WordEmbedder(), n_passages=1)
    picked = [c.text for c in select(cands, vecs, max_sentences=1, list_items=9)]
    assert picked[0].endswith("the following:") and picked[2].startswith("Minimum dataset - ")
    # Bulleted, each labelled paragraph is one item all the same, not its first sentence alone.
    bulleted = CHECKS.replace("\n\nIncomplete", "\n\n• Incomplete").replace("\n\nMinimum", "\n\n• Minimum")
    got = [(bulleted[p.start:p.end], p.kind) for p in pieces(bulleted)]
    assert [k for _, k in got] == ["lead-in", "item", "item", "sentence"]
    assert got[2][0] == "Minimum dataset - only the fields needed for the purpose are taken. Each field is explained."
    one = ("It should check the following:\n\nIncomplete data - gaps can mislead. Errors are corrected.\n\n"
           "The agency then sends the extract. It does so monthly.")
    assert [p.kind for p in pieces(one)] == ["lead-in"] + ["sentence"] * 4  # one labelled paragraph is no list


def test_initials_that_do_or_write_something_name_a_body():
    """"… by NICE", "The MHRA guidance …" name a body by its initials; initials anywhere else
    ("the NHS", "AI tools") do not, nor do initials the question itself gives."""
    from evidence_assistant.answering.answerable import given_values, holds_type

    assert holds_type("Development of the registration service by NICE:", "name")
    assert holds_type("The MHRA guidance on software sets out the classes.", "name")
    assert not holds_type("The NHS will adopt AI tools across ICB areas.", "name")
    given = given_values("Whose guidance does the MHRA cite?")
    assert "mhra" in given
    assert not holds_type("The MHRA guidance on software sets out the classes.", "name", given)


SOURCE_QUOTE = ("Contacts with professionals\n\n"
                "The NICE guideline on shared decisions (see its website) states:\n\n"
                "\"Offer support before, during and after each discussion with a professional.\"\n\n"
                "The details of the contact are recorded.")


def test_a_line_introducing_a_quotation_is_about_what_it_quotes():
    """"The NICE guideline … states:" answers "whose guideline says support should be offered
    before, during and after discussions?" through the words it introduces, which the line
    itself does not share."""
    ps = [passage(SOURCE_QUOTE)]
    cands = candidates(ps)
    question = "Whose guideline is quoted saying support should be offered before, during and after discussions?"
    score_candidates(question, cands, WordEmbedder(), n_passages=1)
    for c in cands:  # only the line naming the guideline's author is among the best
        c.score = 1.0 if c.text.startswith("The NICE guideline") else 0.0
    assert answers_the_type(question, cands, ps, top=1)[0]


CODED = ("Weight\n\nThe person's weight in kilograms.\n\nCoded value\n\nThe coded value of weight\n\n"
         "SNOMED CT : - 27113001 |Body weight (observable entity)|")


def test_a_code_with_its_term_is_an_answer_read_with_the_line_before_it():
    """A standard's coded value ("27113001 |Body weight (observable entity)|") states a fact though
    it is no sentence: it is a candidate, read with the line saying what is coded; a bare label
    line is not."""
    cands = candidates([passage(CODED)])
    coded = [c for c in cands if "27113001" in c.text]
    assert len(coded) == 1 and coded[0].kind == "code" and coded[0].context == "The coded value of weight"
    assert not any(c.text == "Coded value" for c in cands)
    vecs = score_candidates("Which SNOMED CT concept ID does the standard give for body weight?", cands,
                            WordEmbedder(), n_passages=1)
    assert "27113001" in select(cands, vecs, max_sentences=1)[0].text
    # Asked about something else, the code line is a data line, not an answer.
    score_candidates("What does the standard say about the person's weight?", cands, WordEmbedder(), n_passages=1)
    assert next(c for c in cands if "27113001" in c.text).furniture


def test_a_code_in_a_few_words_is_still_an_answer():
    """A code written tight to its term ("Terminology:"0123456 |Ward round|"") is no more than
    three words, but it is the coded value, not a stray short line."""
    text = 'Coded value\n\nThe coded value for the ward round.\n\nTerminology:"1234567001 |Ward round|"'
    coded = [c for c in candidates([passage(text)]) if "1234567001" in c.text]
    assert len(coded) == 1 and coded[0].kind == "code" and coded[0].context == "The coded value for the ward round."


def test_a_paragraphs_last_sentence_without_its_full_stop_is_a_sentence():
    """A change log's entry often ends without a full stop ("… Signed off by the board May
    2023"): the last sentence of a paragraph, on the line of the sentences before it, is a
    candidate. A short line standing alone, as a title does, is not."""
    text = ("Version 2.0 reworked the referral section after consultation. Signed off by the board May 2023\n\n"
            "Version 3.0 Updated after audit\n\nVersion 3.1 added the discharge letter.")
    texts = [c.text for c in candidates([passage(text)])]
    assert "Signed off by the board May 2023" in texts
    assert "Version 3.0 Updated after audit" not in texts


def test_a_question_after_a_source_clause_may_open_with_a_preposition():
    """"According to the report, over which years …?" asks for a date as "over which years …?"
    does; the clause placing it is read past when it is followed by "on what date", "in which"."""
    from evidence_assistant.answering.answerable import expected_type, main_clause

    assert expected_type("Over which years did trusts assess themselves?") == "date"
    assert expected_type("According to the full report, over which years did trusts assess themselves?") == "date"
    assert main_clause("In the annual report, on what date was the plan published?") == \
        "on what date was the plan published?"
    assert main_clause("In which year was it published?") == "In which year was it published?"


DOMAINS_A = ("The group set up a framework for benchmarks. As the work progressed, several clinical and public "
             "health domains emerged as priority areas.")
DOMAINS_B = ("As the work progressed, several clinical and public health domains emerged as priority areas. "
             "These include dermatology, histopathology and malaria detection. The framework is open to all.")


def test_the_sentence_listing_what_the_one_before_introduced_answers_a_list_question():
    """"Which clinical and public health domains have emerged …?" is answered by "These include …" after
    the sentence introducing the domains, which comes with it, quoted once although two
    overlapping passages both hold it."""
    from evidence_assistant.answering.extractive import asked_items

    question = "Which clinical and public health domains have emerged as priority areas?"
    assert asked_items(question) == "domains"
    cands = candidates([passage(DOMAINS_A, 0), passage(DOMAINS_B, 1)])
    vecs = score_candidates(question, cands, WordEmbedder(), n_passages=2)
    listing = next(c for c in cands if c.text.startswith("These include"))
    assert listing.features[15] == 1.0  # it leads the list asked for
    picked = [c.text for c in select(cands, vecs, max_sentences=3, gap=1.0)]
    assert any(t.startswith("These include") for t in picked)
    assert sum(t.startswith("As the work progressed") for t in picked) == 1


def test_a_row_without_a_caption_is_read_with_its_section_heading():
    """A data standard's entry: its heading, what it records, then the values it may take. The
    value row says nothing of what it lists but through its heading."""
    text = "Level of urgency\n\nHow soon the referral should be seen.\n\nCode : - routine | soon | same day | now"
    sp = ScoredPassage(Passage(passage_id="p0", doc_id="d", seq=0, text=text, char_start=0, char_end=len(text),
                               heading_path=("Referral standard", "Level of urgency")), 1.0)
    cands = candidates([sp])
    row = next(c for c in cands if c.kind == "row")
    assert row.context == "Level of urgency"
    scored = score_candidates("Which codes record the level of urgency of a referral?", cands, WordEmbedder(),
                              n_passages=1)
    assert np.isfinite(scored).all()
    assert row.score > next(c for c in cands if c.text.startswith("How soon")).score
    # A row carrying its table's caption already says what it is about.
    captioned = "Waiting times\n\nTable 2: Waits by site: North | 14 days | 12 days"
    sp = ScoredPassage(Passage(passage_id="p1", doc_id="d", seq=1, text=captioned, char_start=0,
                               char_end=len(captioned), heading_path=("Waiting times",)), 1.0)
    rows = [c for c in candidates([sp]) if c.kind == "row"]
    assert rows and all(not c.context for c in rows)


def test_a_short_line_introducing_a_list_is_read_with_the_sentence_before_it():
    text = ("Walking ability\n\nHow far the person can walk without help on a level floor.\n\nGrades:\n\n"
            "Unaided (Walks alone).\n\nWith a stick (Walks with one aid).\n\nChair-bound (Cannot walk).")
    cands = candidates([passage(text)])
    lead = next(c for c in cands if c.text == "Grades:")
    assert lead.kind == "lead-in" and lead.context.startswith("How far the person can walk")
    vecs = score_candidates("Which grades record how far a person can walk?", cands, WordEmbedder(),
                            n_passages=1)
    chosen = select(cands, vecs, max_sentences=3, list_asked=True)
    texts = [c.text for c in chosen]
    assert "Grades:" in texts
    start = texts.index("Grades:")
    assert texts[start:start + 4] == ["Grades:", "Unaided (Walks alone).", "With a stick (Walks with one aid).",
                                      "Chair-bound (Cannot walk)."]


FAULTS = ("Moving a practice to another supplier's system is a known source of safety reports. Each year the "
          "safety group receives many reports about moves between suppliers. Typical faults include:\n\n"
          "• Old repeat prescriptions made active again\n\n• Codes mapped to the wrong drug\n\n"
          "• Units of measure read differently")


def test_the_line_introducing_the_kind_of_list_asked_for_comes_even_far_below_the_best():
    """Asked "what typical faults …" without a count, the sentences about supplier moves score
    best; the line "Typical faults include:" introduces the kind of item asked for, so it comes
    with its items after them, however far below the best it scores. A line introducing another
    kind of item does not."""
    from evidence_assistant.answering.extractive import announcing_lead_in, asked_items

    question = "What typical faults does the guide report when practices move to another supplier?"
    assert asked_items(question) == "faults"
    cands = candidates([passage(FAULTS)])
    vecs = score_candidates(question, cands, WordEmbedder(), n_passages=1)
    lead = next(i for i, c in enumerate(cands) if c.text == "Typical faults include:")
    cands[0].score = cands[lead].score + WEIGHTS.gap + 0.05  # the sentences about the moves well ahead
    cands[1].score = cands[0].score - 0.01
    alone = [c.text for c in select(cands, vecs, max_sentences=3, list_items=4)]
    assert "Typical faults include:" not in alone  # the gap leaves the list out
    assert announcing_lead_in(cands, "faults") == lead
    assert announcing_lead_in(cands, "risks") is None
    picked = [c.text for c in select(cands, vecs, max_sentences=3, list_items=4, also=[lead], list_asked=True)]
    assert picked[:2] == [cands[0].text, cands[1].text]  # the best sentences still lead
    assert picked[2:] == ["Typical faults include:", "Old repeat prescriptions made active again",
                          "Codes mapped to the wrong drug", "Units of measure read differently"]


def test_a_size_a_count_after_a_preposition_or_a_year_asked_for_in_brackets_is_a_figure_or_a_date():
    from evidence_assistant.answering.answerable import expected_type

    assert expected_type("How large is the analytics team in the region?") == "number"
    assert expected_type("Within how many working days must the practice reply?") == "number"
    assert expected_type("By how many minutes does the check lengthen a visit?") == "number"
    assert expected_type("How big will the fund be at the end of the programme?") == "number"
    assert expected_type("Which edition (year) of the safety code does the guide cite?") == "date"
    assert expected_type("Which edition of the safety code does the guide cite?") is None


VISITS = "\n\n".join(f"Table 2: Activity by kind: Kind: {k}; Change on a year earlier: {g}"
                     for k, g in (("o/w first visits", "4.4%"), ("Home visits", "3.1%"), ("Clinic visits", "2.0%"),
                                  ("Referrals", "1.2%")))


def test_a_row_named_by_its_whole_label_outranks_a_row_sharing_one_of_its_words(monkeypatch):
    """Asked how much "home visits" grew "in the first half", the row "o/w first visits" shares two
    of the question's words as the row "Home visits" does, but only "Home visits" is said in the
    question as the row says it: the other rows of its table give way."""
    import dataclasses

    from evidence_assistant.answering import extractive
    from evidence_assistant.answering.answerable import row_named_whole

    question = "By how much did home visits grow in the first half of the year compared with a year earlier?"
    first, home, clinic, referrals = VISITS.split("\n\n")
    assert row_named_whole(home, question) and not row_named_whole(first, question)
    assert not row_named_whole("Home visits grew in the first half.", question)  # no row

    def best() -> str:
        cands = candidates([passage(VISITS)])
        score_candidates(question, cands, WordEmbedder(), n_passages=1)
        return max(cands, key=lambda c: c.score).text

    def scores(asked: str) -> dict[str, float]:
        cands = candidates([passage(VISITS)])
        score_candidates(asked, cands, WordEmbedder(), n_passages=1)
        return {c.text.split("; ")[0].rsplit(": ", 1)[1]: c.score for c in cands}

    both = "By how much did home visits and referrals each grow compared with a year earlier?"
    held, plain = scores(question), scores(both)
    assert best() == home
    monkeypatch.setattr(extractive, "WEIGHTS", dataclasses.replace(extractive.WEIGHTS, other_row=0.0))
    assert best() == first  # by words and rank alone the first row wins
    # Asked of two rows, the one named by a word of its own ("referrals") is not held back by the
    # other's whole label; "o/w first visits", matching through "visits", was.
    unheld, unplain = scores(question), scores(both)
    assert round(unheld["o/w first visits"] - held["o/w first visits"], 6) == WEIGHTS.other_row
    assert unplain["Referrals"] == plain["Referrals"] and unplain["Home visits"] == plain["Home visits"]


def test_a_section_the_question_quotes_by_name_is_what_its_sentences_are_about():
    """Asked which body provided what a quoted section records, the section's one sentence names
    the body but says none of the section's own words: the heading the question quotes says
    them. The same heading does not count for a question that does not quote it."""
    text = "Details of items or changes to the home that the County Council has supplied to the person."
    under = ScoredPassage(Passage(passage_id="p0", doc_id="d0", seq=0, text=text, char_start=0, char_end=len(text),
                                  heading_path=("Home aids and alterations",)), 1.0)
    quoted = "Which body has supplied the aids and alterations recorded in the 'Home aids and alterations' section?"
    cands = candidates([under])
    score_candidates(quoted, cands, WordEmbedder(), n_passages=1)
    assert answers_the_type(quoted, cands, [under])[0]
    plain = "Which body has supplied the aids and alterations recorded in the home section of the record?"
    cands = candidates([under])
    score_candidates(plain, cands, WordEmbedder(), n_passages=1)
    assert not answers_the_type(plain, cands, [under])[0]


GLOSSARY = ("The guide to shared care uses the terms below throughout its chapters on co-working.\n\n"
            "Co-working | Two teams sharing one caseload under one named lead\n\n"
            "Handover | The moment a named lead passes a case to another team")


def test_asked_what_a_term_means_the_line_defining_it_answers(monkeypatch):
    """"How does the guide define co-working?": the glossary line opening with the term and a
    separator defines it, as does a sentence naming the term and saying what it refers to; a
    sentence that only uses the term does not, nor does any line for a question asking no meaning."""
    import dataclasses

    from evidence_assistant.answering import extractive
    from evidence_assistant.answering.extractive import defined_term, defines

    question = "How does the guide to shared care define co-working?"
    assert defined_term(question) == "co-working"
    assert defined_term("How does the guide define the term 'lead', as used in its chapters?") == "lead"
    assert defined_term("What does SCL stand for in the guide?") is None  # a spelling-out answers that
    assert defined_term("Which teams share the caseload?") is None
    assert defines("Co-working | Two teams sharing one caseload under one named lead", "co-working")
    assert defines("Wherever 'lead' is used in the guide, it refers to the named clinician.", "lead")
    assert not defines(GLOSSARY.split("\n\n")[0], "co-working")

    def best() -> str:
        cands = candidates([passage(GLOSSARY)])
        score_candidates(question, cands, WordEmbedder(), n_passages=1)
        return max(cands, key=lambda c: c.score).text

    assert best().startswith("Co-working |")
    monkeypatch.setattr(extractive, "WEIGHTS", dataclasses.replace(extractive.WEIGHTS, definition=0.0))
    assert not best().startswith("Co-working |")  # the sentence using the term reads closer without it



def test_a_question_offering_its_answers_in_brackets_is_answered_only_by_one_of_them():
    """"Which grade (AA or AAA) …": a sentence about the grading that names neither grade does not
    answer; one naming a grade does. A one-letter option reads as a word anywhere and is left out."""
    from evidence_assistant.answering.answerable import offered_options

    question = "Which contrast grade (A, AA or AAA) must the booking pages meet under the style guide?"
    assert offered_options(question) == ["AA", "AAA"]
    assert offered_options("Which route (road or rail) did the survey team take?") == ["road", "rail"]
    assert offered_options("What does the EPR (electronic patient record) hold?") == []
    vague = "A booking page must meet the contrast grade the style guide sets for public services."
    named = "Booking pages must meet contrast grade AA of the style guide."
    for text, answered in ((vague, False), (named, True)):
        cands = candidates([passage(text)])
        score_candidates(question, cands, WordEmbedder(), n_passages=1)
        assert answers_the_type(question, cands, [passage(text)])[0] is answered, text


FOREWORD = ("Foreword from Jane Okafor\n\n"
            "Almost every part of daily life has been changed by new technology, and care is no exception.\n\n"
            "The service was founded on one simple idea, and that idea still guides it today.")


def test_a_title_line_naming_someone_answers_who_and_nothing_else():
    """"Foreword from …", "Case study: …": a line standing alone as a title names who wrote or gave
    what follows. Asked who, it is an answer; asked anything else, it is no sentence of one, and
    it is read only when something asks who."""
    ps = [passage(FOREWORD, title="Listening to innovators")]
    assert not any(c.kind == "title" for c in candidates(ps))
    cands = candidates(ps, titles=True)
    assert [c.text for c in cands if c.kind == "title"] == ["Foreword from Jane Okafor"]
    who = "Who wrote the foreword to the report on listening to innovators?"
    vecs = score_candidates(who, cands, WordEmbedder(), n_passages=1)
    assert "Foreword from Jane Okafor" in [c.text for c in select(cands, vecs, max_sentences=2)]
    assert answers_the_type(who, cands, ps) == (True, "name")
    what = "What does the foreword to the report on listening to innovators say about technology?"
    vecs = score_candidates(what, cands, WordEmbedder(), n_passages=1)
    assert "Foreword from Jane Okafor" not in [c.text for c in select(cands, vecs, max_sentences=3)]
    # The document's own title or publisher on a line of its own, or a cover page's long line, is no title naming someone.
    text = ("Health Education England\n\nWorkforce Plan 2030: Digital Readiness Programme Interim Report March "
            "2021 Digital Team Contact Details Online\n\nThe plan was written by the team.")
    cover = [ScoredPassage(Passage(passage_id="p0", doc_id="d0", seq=0, text=text, char_start=0, char_end=len(text),
                                   title="Workforce Plan 2030", publisher="Health Education England"), 1.0)]
    assert not any(c.kind == "title" for c in candidates(cover, titles=True))
    # A title whose capitalised words are only the question's names nobody.
    figure = [passage("Figure 4.2 Network Costs\n\nThe practice pays for the lines it uses.", title="Guide")]
    cands = candidates(figure, titles=True)
    score_candidates("Who pays the network costs shown in figure 4.2?", cands, WordEmbedder(), n_passages=1)
    title = next(c for c in cands if c.kind == "title")
    assert title.score < 0 and title.text == "Figure 4.2 Network Costs"


def test_a_list_read_on_into_an_overlapping_passage_does_not_quote_its_lead_in_again():
    # Windows of one long paragraph overlap: the next passage opens with the end of this one.
    item = "Hazard workshop to walk through the processes of a module"
    a = Passage(passage_id="d:0", doc_id="d", seq=0, text=CUT_LIST, char_start=0, char_end=len(CUT_LIST))
    rest = f"{item}\n\n{LIST_GOES_ON}"
    b = Passage(passage_id="d:1", doc_id="d", seq=1, text=rest, char_start=len(CUT_LIST) - len(item),
                char_end=len(CUT_LIST) - len(item) + len(rest))
    first = ScoredPassage(a, 1.0)
    picked = _chosen("What are the three stages of the assurance process?", first)
    out = continue_lists(picked, [first], lambda p: b if p is a else None, list_items=3)
    assert [c.text for c in out[2:]] == ["Safety case where the hazards are scored for likelihood and impact.",
                                         "Mitigations are agreed with suppliers.",
                                         "Safety closure report once every mitigation has been carried out."]
    assert all(b.text[c.start:c.end] == c.text for c in out[2:])
