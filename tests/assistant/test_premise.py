"""False premises about who did something: the documents must name that person for the act the
question names, in the sentence that states it or in those its pronouns point back to."""
from __future__ import annotations

import pytest

from evidence_assistant.answering.premise import _who_window, action_of, check_premise
from evidence_assistant.core.types import Passage, ScoredPassage


def passage(text: str, n: int = 0) -> ScoredPassage:
    return ScoredPassage(Passage(passage_id=f"p{n}", doc_id=f"d{n}", seq=0, text=text, char_start=0,
                                 char_end=len(text)), 1.0)


TIMELINE = passage(
    "15. On 13 May 2022 the Committee launched its inquiry into digital transformation in the NHS, under its "
    "then Chair Jeremy Hunt MP.\n\n"
    "16. On 29 June 2022 the Department published its policy paper.\n\n"
    "17. On 17 February 2023 the Committee published its Expert Panel's evaluation of the Government's "
    "digitisation commitments (HC 780).", 0)
REACTIONS = passage(
    "6. Professor Dame Jane Dacre, who chairs the Expert Panel, spoke on the report's publication.\n\n"
    "7. She said that promises on digitisation had been made time and again without being delivered.", 1)
FIGURES = passage(
    "1. In spring 2025 the Government reported on electronic patient records in every NHS trust. It did so in "
    "a written answer and in statements by Karin Smyth, a minister at the Department.", 2)


@pytest.mark.parametrize("question,person,action", [
    ("Why did Jeremy Hunt chair the Expert Panel's evaluation?", "Jeremy Hunt", "chair"),
    ("When did Sajid Javid speak at the HSJ summit?", "Sajid Javid", "speak"),
    ("Why did Karin Smyth report on records?", "Karin Smyth", "report"),
    ("Why was it Jeremy Hunt?", "Jeremy Hunt", None),
])
def test_the_act_the_question_names(question, person, action):
    assert action_of(question, person) == action


def test_the_window_that_says_who_a_pronoun_is():
    sentences = ["Dame Jane Dacre spoke.", "The points are reported here.", "She said one thing.",
                 "She said another.", "The Panel met.", "It then adjourned."]
    assert _who_window(sentences, 0) == "Dame Jane Dacre spoke."  # the next one does not point back
    # Back while each sentence points back, three at most; forward one when the next points back.
    assert _who_window(sentences, 2) == " ".join(sentences[1:4])
    assert _who_window(sentences, 3) == " ".join(sentences[1:4])
    assert _who_window(sentences, 4) == "The Panel met. It then adjourned."
    chain = ["Dacre spoke.", "She said a.", "She said b.", "She said c.", "She said d."]
    assert _who_window(chain, 4) == " ".join(chain[1:5])


def test_someone_else_named_for_the_act_rejects_the_premise():
    """The name appearing near the topic ("under its then Chair Jeremy Hunt", two sentences before
    the evaluation) is not the documents saying he chaired the Panel."""
    check = check_premise("Why did Jeremy Hunt chair the Expert Panel's evaluation of digitisation?",
                          [TIMELINE, REACTIONS])
    assert check.rejected
    assert "Jeremy Hunt" in check.reasons[0] and "Jane Dacre" in check.reasons[0]


def test_the_person_named_for_the_act_keeps_the_premise():
    assert not check_premise("Why did Dame Jane Dacre chair the Expert Panel?", [TIMELINE, REACTIONS]).rejected
    assert not check_premise("Why did Jeremy Hunt chair the Committee's inquiry?", [TIMELINE, REACTIONS]).rejected


def test_a_name_in_the_next_sentence_that_points_back_counts():
    check = check_premise("Why did Karin Smyth report on electronic patient records in spring 2025?", [FIGURES])
    assert not check.rejected, check.reasons


def test_no_sentence_stating_the_act_rejects_nothing():
    # Nothing here says who spoke at the summit: the check has no grounds to reject.
    assert not check_premise("When did Sajid Javid speak at the HSJ summit?", [TIMELINE, REACTIONS]).rejected


def test_the_clearest_statement_of_the_act_decides():
    """The person named beside a weaker match of the act (Chair of the Committee, which set up
    the Panel) does not outweigh the sentence saying who chairs the Panel's evaluation."""
    committee = passage("Under its then Chair Jeremy Hunt MP, the Committee set up its Expert Panel in 2020.", 3)
    panel = passage("Professor Dame Jane Dacre chairs the Expert Panel's evaluation of digitisation.", 4)
    check = check_premise("Why did Jeremy Hunt chair the Expert Panel's evaluation of digitisation?",
                          [committee, panel])
    assert check.rejected and "Jane Dacre" in check.reasons[0]
    assert not check_premise("Why did Dame Jane Dacre chair the Expert Panel's evaluation of digitisation?",
                             [committee, panel]).rejected


SMARTCARD = passage(
    "Entries made when not logged on with a smartcard, or in the wrong role, will not update the shared "
    "summary record. Entries made in the right role update it at once.", 3)
DAILY = passage("Entries made without logging on with a smartcard still update the shared summary record, "
                "at the end of each day.", 4)


def test_a_why_question_scoped_to_a_document_assumes_what_its_main_clause_assumes():
    """"According to the chapter, why do entries made without a smartcard still update the summary?"
    assumes what the question without its opening clause assumes, which the chapter denies; a
    version label in the document's name ("(v4)") is not a figure the question claims. Where the
    documents state the assumption, it stands."""
    q = ("According to the records chapter of the practice guidelines (v4), why do entries made without "
         "logging on with a smartcard still update the shared summary record?")
    check = check_premise(q, [SMARTCARD])
    assert check.rejected and "will not update" in check.reasons[0]
    assert "4" not in check.claims
    assert not check_premise(q, [DAILY]).rejected


RANKED = passage("Chronic lung disease, the second most common cause of emergency admissions in the region, "
                 "affects one adult in twenty. Falls are the most common cause of emergency admissions.", 5)


def test_a_question_ranking_first_what_the_documents_rank_second_is_a_false_premise():
    """"Why is chronic lung disease the most common cause …?" where the documents call it the second
    most common: rejected, saying so; asked why falls are the most common cause, it stands."""
    check = check_premise("Why is chronic lung disease the most common cause of emergency admissions in the region?",
                          [RANKED])
    assert check.rejected and "rank it second" in check.reasons[0]
    assert not check_premise("Why are falls the most common cause of emergency admissions?", [RANKED]).rejected


RULES = passage("When the notices expire, processing stops and information shared for the emergency will be deleted. "
                "Developers must publish their performance against the indicators openly every quarter. "
                "Recording the options discussed is mandatory for every shared decision.", 6)


@pytest.mark.parametrize("claim,kept,pair", [
    ("Why will information shared for the emergency be kept indefinitely when the notices expire?",
     "Why will information shared for the emergency be deleted when the notices expire?", "kept or deleted"),
    ("Why may developers keep their performance against the indicators confidential?",
     "Why do developers publish their performance against the indicators openly?", "kept private or published"),
    ("Why is recording the options discussed optional?",
     "Why is recording the options discussed mandatory?", "optional or required"),
])
def test_a_why_question_whose_closest_statement_says_the_opposite_is_a_false_premise(claim, kept, pair):
    """"Why will it be kept indefinitely?" where the closest statement says it "will be deleted":
    the documents say the opposite of what the question takes for granted, and the reason names
    the pair of opposites. Asked in the statement's own terms, the premise stands."""
    check = check_premise(claim, [RULES])
    assert check.rejected and pair in check.reasons[0]
    assert not check_premise(kept, [RULES]).rejected


def test_whether_or_not_denies_nothing():
    """"It is unclear whether or not the tools count as devices" says nothing is not so."""
    unclear = passage("It is unclear whether or not the tools count as medical devices.", 7)
    assert not check_premise("Why is it unclear whether the tools count as medical devices?", [unclear]).rejected
    denied = passage("The tools do not count as medical devices.", 7)
    assert check_premise("Why do the tools count as medical devices?", [denied]).rejected


def test_a_weaker_statement_denies_a_why_claim_only_in_the_question_s_words():
    """A statement sharing less of a "why" question's claim than the close ones denies it when what
    it says is not so is in the question's words ("the grade field may not be applicable in some
    care settings", asked why the grade is recorded in every care setting); a "not" about
    something else ("… is not a legal instrument") denies nothing."""
    q = ("Why does the provenance standard require a professional's grade to be recorded in every care setting, "
         "including social care?")
    check = check_premise(q, [passage("Please note that the grade field may not be applicable in some care settings.", 8)])
    assert check.rejected and "may not be applicable" in check.reasons[0]
    assert not check_premise(q, [passage("In social care the provenance standard is not a legal instrument.", 8)]).rejected


def test_an_opposite_a_little_further_from_the_claim_than_the_closest_still_counts():
    """Asked why reporting is left voluntary, the closest statement says how it is done and the
    next, sharing a little less of the claim (0.2 below the closest, the bound itself), says it
    will be mandatory: the documents say otherwise. A statement further off denies nothing."""
    q = "Why does the county guidance leave it voluntary for pharmacies to report weekly stock shortages of medicines?"
    closest = passage("The county guidance asks pharmacies to report weekly stock shortages of medicines through the "
                      "supply portal.", 1)
    near = passage("The county guidance will make reporting of stock shortages mandatory for all pharmacies from "
                   "April.", 2)
    far = passage("Reporting of weekly stock shortages will be mandatory for pharmacies from April.", 2)
    check = check_premise(q, [closest, near])
    assert check.rejected and "optional or required" in check.reasons[0]
    assert not check_premise(q, [closest, far]).rejected


def test_capitalised_words_after_the_name_a_thing_not_a_person():
    """"… the first round of the Lantern Repair Prize": after "the", capitalised words name a
    prize, a programme or a body, not someone the documents must name for an act."""
    from evidence_assistant.answering.premise import _person_in

    question = "When did entries to the first round of the Lantern Repair Prize close?"
    assert _person_in(question) is None
    assert _person_in("Why did Lantern Repair chair the panel?") == "Lantern Repair"
    # A trust named after two people is still who did the act: checked against the documents.
    assert _person_in("Why was the lamp built by Alder's and St Birch' Trust?") == "St Birch"
    prize = passage("Entries to the first round of the Lantern Repair Prize close on 4 March 2026. The prize is "
                    "run by the Guild of Lamplighters, and the first winners were announced by Ada Lovel.")
    assert not check_premise(question, [prize]).rejected


def test_a_statement_naming_the_thing_by_its_short_form_states_the_claim_about_it():
    """The passage spells out "NOPAN" once; the sentence giving the year says only "NOPAN".
    Read as the network's name, that sentence is the closest statement of the claim, and its
    year is not the question's."""
    evidence = [passage("The Northern Pathology Network (NOPAN) is a partnership of five trusts across the region. "
                        "NOPAN went live in 2014 with the aim of sharing laboratory results between its hospitals.")]
    check = check_premise("Why did the Northern Pathology Network wait until 2017 to go live with sharing "
                          "laboratory results?", evidence)
    assert check.rejected
    assert "2014" in check.reasons[0] and "NOPAN went live" in check.reasons[0]
    kept = check_premise("Why did the Northern Pathology Network wait until 2014 to go live with sharing "
                         "laboratory results?", evidence)
    assert not kept.rejected


def test_by_default_a_why_question_no_sentence_comes_near_stating_is_a_false_premise():
    """With the shipped settings, a "why" question whose claim no retrieved sentence states a
    third of (the passages share its topic, not its claim) is answered as a false premise; one
    whose claim a sentence states is not."""
    from evidence_assistant.core.settings import Settings

    least = Settings().answering.min_proposition
    evidence = [passage("The clinic offers video consultations to patients during the winter months. "
                        "Joining the call is taken as agreement to it.")]
    check = check_premise("Why must every patient post a signed paper form to the regional office before "
                          "booking a routine appointment?", evidence, min_proposition=least)
    assert check.rejected and "takes for granted" in check.reasons[-1]
    stated = check_premise("Why does the clinic offer video consultations to patients during the winter months?",
                           evidence, min_proposition=least)
    assert not stated.rejected
