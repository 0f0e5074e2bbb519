"""The extractive answerer's choice of sentences, without the embedding model: sentences that
lean on the one before them, spans of days, and questions about things the documents never name."""
from __future__ import annotations

import re
import zlib

import numpy as np
import pytest

from evidence_assistant.answering.answerable import (about_words, answers_the_type, asks_for_duration, holds_type,
                                                     never_indexed)
from evidence_assistant.answering.extractive import (Candidate, candidates, leans_on_lead, names_several, score_candidates,
                                                     select)
from evidence_assistant.answering.weights import WEIGHTS
from evidence_assistant.core.types import Passage, ScoredPassage
from evidence_assistant.core.text import tokenize


class WordEmbedder:
    """Bag-of-words vectors (hashed, L2-normalised): texts sharing words are close, as with the
    real model, but deterministic and instant."""

    dimension = 256

    def encode_cached(self, texts):
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, t in enumerate(texts):
            for tok in tokenize(t):
                out[i, zlib.crc32(tok.encode()) % self.dimension] += 1.0
            n = np.linalg.norm(out[i])
            if n:
                out[i] /= n
        return out


def passage(text: str, n: int = 0, date: str | None = None) -> ScoredPassage:
    return ScoredPassage(Passage(passage_id=f"p{n}", doc_id=f"d{n}", seq=0, text=text, char_start=0,
                                 char_end=len(text), date=date), 1.0 - n / 10)


CARE = ("Digital care records in adult social care\n\n"
        "12. In spring 2025, 75% of registered adult social care providers had digital care records.\n\n"
        "13. That was up from 41% in December 2021.\n\n"
        "14. The providers with digital care records covered 85% of the people who draw on care.")

DEADLINE = ("7. The deadline for trusts to have an EPR was set under the Frontline Digitisation programme, "
            "a programme worth £2 billion.\n\n"
            "8. That deadline was first set for March 2025.\n\n"
            "9. It was moved to March 2026 after trusts said that they were unlikely to meet the March 2025 date.")


@pytest.mark.parametrize("sentence,leans", [
    ("It was moved to March 2026 after trusts said so.", True),
    ("That was up from 41% in December 2021.", True),
    ("She said that a digital workforce strategy had been delayed.", True),
    ("At the same event he said that about 40% of providers kept paper records.", True),
    ("The remaining 19 trusts were receiving tailored support.", True),
    ("There he set a target for electronic patient records.", True),
    ("The Panel rates this commitment inadequate.", False),
    ("In spring 2025, 75% of registered adult social care providers had digital care records.", False),
    ("Trusts said that it could not be done.", False),
    ("We expect these to include, as a minimum, timely access to general practice.", True),
    ("Getting these foundations right matters hugely.", False),
])
def test_which_sentences_lean_on_the_one_before(sentence, leans):
    assert leans_on_lead(sentence) is leans


def test_a_candidate_knows_its_lead_and_reads_with_it_when_it_leans():
    cands = candidates([passage(CARE)])
    by_text = {c.text: c for c in cands}
    up = by_text["That was up from 41% in December 2021."]
    first = by_text["In spring 2025, 75% of registered adult social care providers had digital care records."]
    assert up.leans and up.context == first.text
    assert up.lead_end == first.end  # the lead is the sentence right before it, in the same passage
    assert up.in_context == f"{first.text} {up.text}"
    # The heading above the first sentence is its lead, but the first sentence does not lean on it.
    assert not first.leans and first.context == "" and first.in_context == first.text
    assert not by_text["The providers with digital care records covered 85% of the people who draw on care."].leans


def test_a_chain_of_leaning_sentences_reads_two_back():
    cands = {c.text: c for c in candidates([passage(DEADLINE)])}
    moved = cands["It was moved to March 2026 after trusts said that they were unlikely to meet the March 2025 date."]
    assert moved.context.startswith("The deadline for trusts to have an EPR")
    assert moved.context.endswith("That deadline was first set for March 2025.")


def test_the_sample_notice_is_no_sentence_and_no_lead():
    text = ("Sample document written for Evidence Assistant in the project's own words. It is not the official "
            "text. It stands for the Government's written answer.")
    cands = candidates([passage(text)])
    assert all("Evidence Assistant" not in c.text for c in cands)
    assert all(not c.context for c in cands)  # "It is not …" does not lean on the notice


def test_a_leaning_sentence_scores_with_its_lead():
    question = "What share of adult social care providers had digital care records in December 2021?"
    cands = candidates([passage(CARE)])
    score_candidates(question, cands, WordEmbedder(), n_passages=1)
    with_lead = {c.text: c.score for c in cands}
    alone = candidates([passage(CARE)])
    for c in alone:
        c.context, c.leans = "", False
    score_candidates(question, alone, WordEmbedder(), n_passages=1)
    up = "That was up from 41% in December 2021."
    assert with_lead[up] > {c.text: c.score for c in alone}[up] + 0.1
    # …and now it is chosen, with the sentence that says what was up.
    picked = select(cands, WordEmbedder().encode_cached([c.text for c in cands]), max_sentences=5)
    texts = [c.text for c in picked]
    assert up in texts
    assert texts.index(up) == texts.index(
        "In spring 2025, 75% of registered adult social care providers had digital care records.") + 1


def test_context_counts_for_less_than_the_sentence_itself():
    """A sentence that says nothing to the question does not ride on its lead."""
    text = ("The Expert Panel judged the digitisation commitments themselves appropriate. "
            "It was chaired by Professor Dame Jane Dacre.")
    cands = candidates([passage(text)])
    score_candidates("Did the Expert Panel judge the digitisation commitments appropriate?", cands,
                     WordEmbedder(), n_passages=1)
    lead, chaired = cands
    assert chaired.leans and chaired.score < lead.score - 0.12


def cand(rank: int, start: int, end: int, text: str, score: float, *, lead_end: int = -1,
         leans: bool = False) -> Candidate:
    return Candidate(rank, start, end, text, score=score, lead_end=lead_end, leans=leans,
                     context="lead" if leans else "")


def test_select_brings_the_lead_of_a_leaning_sentence_and_keeps_reading_order():
    a = cand(0, 0, 40, "The deadline was set under the programme.", 0.5)
    b = cand(0, 42, 80, "It was moved to March 2026.", 0.9, lead_end=40, leans=True)
    c = cand(1, 0, 30, "Another relevant sentence here.", 0.85)
    vecs = np.eye(3, dtype=np.float32)
    assert select([a, b, c], vecs, max_sentences=5) == [a, b, c]


def test_a_short_line_a_fuller_sentence_says_again_gives_it_its_place():
    """A heading-like line chosen first ("Secure Records Standard (SRS) for suppliers") whose words a
    fuller sentence chosen after it all says is said twice: the fuller sentence takes its place."""
    short = cand(0, 0, 45, "Secure Records Standard (SRS) for suppliers", 0.9)
    other = cand(2, 0, 40, "Audits are held by the county each year.", 0.86)
    full = cand(1, 0, 90, "Suppliers must be tested against the Secure Records Standard (SRS) before go-live.", 0.84)
    vecs = np.eye(3, dtype=np.float32)
    assert select([short, other, full], vecs, max_sentences=5) == [full, other]
    # A line saying something the later sentence does not stays.
    own = cand(0, 0, 45, "Secure Records Standard (SRS) for hospital pharmacies", 0.9)
    assert select([own, other, full], vecs, max_sentences=5) == [own, other, full]
    # Nor one naming someone the later sentence does not.
    named = cand(0, 0, 45, "Exampleton - records standard for suppliers before go-live", 0.9)
    said = cand(1, 0, 90, "Suppliers must meet the records standard before go-live.", 0.84)
    assert select([named, other, said], vecs, max_sentences=5) == [named, other, said]


def test_a_sentence_further_below_the_best_comes_when_it_adds_a_fact_and_repeats_none():
    """Past the gap but within the reach, a sentence naming someone the answer has not named
    comes along; one naming again who the answer has named does not, nor one naming no one new;
    below the reach none does."""
    from evidence_assistant.answering.weights import WEIGHTS
    best = cand(0, 0, 60, "The Lab is run by the Example Collaborative and Riverside Trust.", 0.9)
    between = 0.9 - (WEIGHTS.gap + WEIGHTS.reach) / 2
    adds = cand(1, 0, 60, "Its chair is Professor Jane Marlow.", between)
    again = cand(2, 0, 60, "The Example Collaborative also funds the Lab's work.", between)
    nothing = cand(3, 0, 60, "The work goes on across the country.", between)
    beyond = cand(4, 0, 60, "Its deputy chair is Doctor Sam Okafor.", 0.9 - WEIGHTS.reach - 0.02)
    vecs = np.eye(5, dtype=np.float32)
    assert select([best, adds, again, nothing, beyond], vecs, max_sentences=5) == [best, adds]
    # With no reach past the gap, the sentence adding a name is left out too.
    assert select([best, adds, again, nothing, beyond], vecs, max_sentences=5, reach=WEIGHTS.gap) == [best]


def _numbers(text: str) -> set[str]:
    from evidence_assistant.answering.answerable import stated_values
    return stated_values(text, "number")


def test_a_sentence_stating_only_values_already_stated_is_left_out():
    """Asked for a figure, an answer states it once: a second passage's sentence giving the same
    figure again is left out, one giving another figure is kept."""
    from evidence_assistant.answering.answerable import stated_values

    first = cand(0, 0, 60, "The projected demand in 2030 is 13,731 WTEs in clinical informatics.", 0.9)
    again = cand(1, 0, 50, "Workforce planners expect 13,731 to be needed.", 0.85)
    more = cand(2, 0, 50, "Supply will reach about 3,100 WTEs by then.", 0.8)
    vecs = np.eye(3, dtype=np.float32)
    assert select([first, again, more], vecs, max_sentences=5, values=_numbers) == [first, more]
    assert select([first, again, more], vecs, max_sentences=5) == [first, again, more]
    assert stated_values("It was published on 17 February 2023, not in 2022.", "date") == {"17 february 2023", "2022"}
    assert stated_values("Led by Dame Jane Dacre.", "name") == {"Dame", "Jane Dacre"}


def test_a_sentence_repeating_as_many_values_as_it_adds_is_left_out():
    """A sentence that states the figure already given and one more of its own says the answer
    again; one giving the figure already given beside several new ones goes on to new facts."""
    from evidence_assistant.answering.answerable import stated_values

    first = cand(0, 0, 60, "Some 85 hospitals across the region took part in the audit.", 0.9)
    again = cand(1, 0, 60, "The 85 hospitals make up about 40% of those in the region.", 0.85)
    more = cand(2, 0, 60, "Of the 85, 30 were teaching hospitals, 41 general and 14 community hospitals.", 0.8)
    assert select([first, again, more], np.eye(3, dtype=np.float32), max_sentences=5, values=_numbers) == \
        [first, more]
    # A sentence going on from the one it leans on tells what became of the value it states:
    # "It was put back to June 2025 …" after "… first due in June 2024" is no repeat.
    set_for = cand(0, 0, 37, "The review was first due in June 2024.", 0.9)
    moved = cand(0, 39, 120, "It was put back to June 2025 when the panel could not meet June 2024.", 0.85,
                 lead_end=37, leans=True)
    assert select([set_for, moved], np.eye(2, dtype=np.float32), max_sentences=5,
                  values=lambda text: stated_values(text, "date")) == [set_for, moved]


def test_a_question_scoped_to_a_document_states_its_answer_in_the_values_its_main_clause_asks_for():
    """ "In the audit report, how many hospitals …?" asks for a figure as "how many hospitals …?"
    does: the figure is what a second sentence would state again."""
    from evidence_assistant.answering.stages import answer_values

    for question in ("How many hospitals took part in the audit?",
                     "In the regional audit report, how many hospitals took part?",
                     "Under the audit's second round, how many hospitals took part?"):
        values = answer_values(question)
        assert values is not None and values("Some 85 hospitals took part.") == {"85"}, question
    spelled = answer_values("In the glossary, what does NOPAN stand for?")
    assert spelled is not None and spelled("NOPAN is the Northern Pathology Network.")
    assert answer_values("In the audit report, why did the hospitals take part?") is None


def test_how_often_is_a_value_a_sentence_states():
    """Asked how often, the frequency is the answer's value: "quarterly" and "on a quarterly
    basis" state the same one."""
    from evidence_assistant.answering.answerable import stated_values

    assert stated_values("Ratings are refreshed on a quarterly basis.", "frequency") == \
        stated_values("The panel will refresh the ratings quarterly.", "frequency") == {"quarter"}
    assert stated_values("The list is reviewed annually and audited every two years.", "frequency") == \
        {"annual", "every two years"}


def test_the_answer_leads_with_the_best_sentence_and_its_context_follows():
    """Two neighbouring sentences both chosen: the one that answers best comes first, the one
    before it in the passage after it, unless the best leans on it."""
    setup = cand(0, 0, 40, "The Panel was set up in 2020 to evaluate.", 0.82)
    date = cand(0, 42, 90, "The evaluation was published on 17 February 2023.", 0.9, lead_end=40)
    vecs = np.eye(2, dtype=np.float32)
    assert select([setup, date], vecs, max_sentences=5) == [date, setup]
    date.leans = True  # "It was published on …": read after what "it" is
    assert select([setup, date], vecs, max_sentences=5) == [setup, date]


def test_a_lead_that_leans_itself_is_not_brought():
    a = cand(0, 0, 30, "She said one thing.", 0.4, lead_end=-1)
    b = cand(0, 32, 60, "She said another thing.", 0.9, lead_end=30, leans=True)
    a.leans = True  # "She said …" after "She said …" names nobody either
    assert select([a, b], np.eye(2, dtype=np.float32), max_sentences=5) == [b]


def test_a_sentence_and_its_lead_need_room_for_both_except_alone():
    a = cand(0, 0, 30, "The deadline was set.", 0.3)
    b = cand(0, 32, 60, "It was moved to March 2026.", 0.9, lead_end=30, leans=True)
    c = cand(1, 0, 30, "A sentence of its own.", 0.85)
    vecs = np.eye(3, dtype=np.float32)
    assert select([a, b, c], vecs, max_sentences=2) == [a, b]
    assert select([a, c, b], vecs[[0, 2, 1]], max_sentences=1) == [b]  # one sentence: the best, alone
    c.score = 0.95
    assert select([a, b, c], vecs, max_sentences=2) == [c]  # no room left for the pair


@pytest.mark.parametrize("question,duration", [
    ("How many days after the report appeared did the response arrive?", True),
    ("And how many weeks passed between receipt and publication?", True),
    ("How many trusts had an electronic patient record?", False),
    ("When was the response published?", False),
])
def test_questions_that_ask_for_a_span_of_time(question, duration):
    assert asks_for_duration(question) is duration


def test_a_stated_span_answers_how_many_days_before_a_single_date():
    text = ("The report being answered was published on 30 June 2023. "
            "The response was received 53 days after the report appeared.")
    cands = candidates([passage(text)])
    score_candidates("How many days after the report appeared was the response received?", cands,
                     WordEmbedder(), n_passages=1)
    dated, span = cands
    bonus = {c.text: c.score - (0.55 * c.cos + 0.30 * c.lex + 0.15) for c in cands}
    assert bonus[span.text] == pytest.approx(0.12) and bonus[dated.text] == pytest.approx(0.06)


def test_numbers_in_words_count_as_numbers():
    assert holds_type("Fifteen days passed between receipt and publication.", "number")
    assert holds_type("Nineteen trusts had none.", "number")


def fake_idf(known: set[str]):
    """IDF as the index gives it: a word it has never seen gets the highest value."""
    def idf(tokens):
        return [3.0 if t in known else 5.0 for t in tokens]
    return idf


def test_about_words_are_what_is_asked_for_and_the_names():
    assert about_words("What user satisfaction score did the NHS App receive?") == ["user", "satisfact", "nhs", "app"]
    assert "scotland" in about_words("How much of the Frontline Digitisation programme was spent in Scotland?")
    assert about_words("What is the current deadline for trusts?") == []  # nothing between "what" and the verb
    assert about_words("Which organisation submitted the evidence DHS0042?") == ["dhs0042"]  # a name, whole
    assert about_words("Which minister did the paper quote?") == ["minist"]


def test_never_indexed_words():
    idf = fake_idf({"nhs", "app", "user"})
    assert never_indexed(["user", "satisfact", "nhs"], idf) == ["satisfact"]
    assert never_indexed([], idf) == []
    assert never_indexed(["anything"], lambda tokens: [0.0 for _ in tokens]) == []  # an empty index


def typed(question: str, text: str) -> tuple[bool, str | None]:
    ps = [passage(text)]
    cands = candidates(ps)
    score_candidates(question, cands, WordEmbedder(), n_passages=1)
    return answers_the_type(question, cands, ps, idf=fake_idf(set(tokenize(text))))


def test_a_typed_question_about_something_never_indexed_is_not_answered():
    # The sentence shares most of the question's words and states a number, but not of what is asked.
    text = "The NHS App received praise from its users, who numbered 30 million by January 2023."
    assert typed("What user satisfaction score did the NHS App receive?", text) == (False, "number")
    assert typed("How many users had the NHS App received by January 2023?", text) == (True, "number")


def test_a_question_naming_a_place_the_documents_never_name_is_not_answered():
    text = "The Frontline Digitisation programme, a programme worth £2 billion, was spent on trusts' records."
    assert typed("How much of the Frontline Digitisation programme was spent in Scotland?", text) == (False, "money")
    assert typed("How much of the Frontline Digitisation programme was spent on records?", text) == (True, "money")


def test_a_documents_date_does_not_stand_in_for_a_year_the_sentence_contradicts():
    q = "Who was the Secretary of State for Health and Social Care in 2025?"
    then = "An earlier target came from Sajid Javid, then Secretary of State for Health and Social Care, in 2021."
    undated = "The Secretary of State for Health and Social Care is Karin Smyth's colleague Wes Streeting."
    for text, answered in ((then, False), (undated, True)):
        ps = [passage(text, date="2025")]
        cands = candidates(ps)
        score_candidates(q, cands, WordEmbedder(), n_passages=1)
        assert answers_the_type(q, cands, ps)[0] is answered, text


def test_sample_answers_state_the_fact_in_the_sentence_after_the_obvious_one(sample_assistant):
    """On the sample corpus: the figure sits in a sentence that says what it is about only through
    the sentence before it, and both are quoted, each cited word for word."""
    ans = sample_assistant.ask("What share of adult social care providers had digital care records in "
                               "December 2021?")
    assert ans.verdict == "supported"
    assert "41%" in ans.text
    texts = [s.text for s in ans.sentences]
    i = next(k for k, t in enumerate(texts) if t.startswith("That was up from 41%"))
    assert i > 0 and "75% of registered adult social care providers" in texts[i - 1]
    passages = {sp.passage.passage_id: sp.passage for sp in ans.passages}
    for c in ans.citations:
        assert re.sub(r"\s+", " ", passages[c.passage_id].text[c.quote_start:c.quote_end]) == \
            re.sub(r"\s+", " ", ans.sentences[c.sentence].text)


SURVEY = ("Table 5: Replies by kind of body: Kind of body: Hospice; Replies: 21; Share of replies: 30%\n\n"
          "Table 5: Replies by kind of body: Kind of body: Ambulance service; Replies: 9; Share of replies: 13%\n\n"
          "Table 5: Replies by kind of body: Kind of body: Dental practice; Replies: 40; Share of replies: 57%")


def test_another_row_of_a_table_already_quoted_is_left_out_unless_the_question_names_it():
    """Asked about one row, the answer quotes that row, not the table's next row, which repeats
    the caption and answers another row's question; asked about two rows, it quotes both."""
    from evidence_assistant.answering.extractive import part_bests

    def rows_quoted(question: str) -> list[str]:
        cands = candidates([passage(SURVEY)])
        vecs = score_candidates(question, cands, WordEmbedder(), n_passages=1)
        assert [c.kind for c in cands] == ["row"] * 3
        picked = select(cands, vecs, max_sentences=5, gap=1.0)
        return [re.search(r"Kind of body: ([\w ]+);", c.text).group(1) for c in picked]

    assert rows_quoted("In Table 5, how many replies came from hospices?") == ["Hospice"]
    assert sorted(rows_quoted("In Table 5, how many replies came from hospices and from dental practices?")) == \
        ["Dental practice", "Hospice"]

    # A second part asking something else of the same row: its next best is another row, which
    # answers it for another body, so that part adds nothing.
    parts = []
    for part in ("In Table 5, how many replies came from hospices?", "What share of replies did hospices give?"):
        own = candidates([passage(SURVEY)])
        score_candidates(part, own, WordEmbedder(), n_passages=1)
        parts.append(own)
    best = part_bests(parts, near=1.0)
    assert [parts[0][i].text.split("; ")[0].rsplit(": ", 1)[1] for i in best] == ["Hospice"]


def test_a_sentence_pointing_back_after_a_joining_word_comes_with_what_it_points_to():
    """"However, it is the most widely used." says what "it" is only through the sentence before."""
    assert leans_on_lead("However, it is the most widely used of the three.")
    assert leans_on_lead("Similarly these were rated inadequate.")
    assert not leans_on_lead("However, waiting times rose in 2024.")
    text = ("Three definitions of triage are in use. The oldest, from 1961, is sorting patients by need. "
            "However, it is the one most applicable to general practice.")
    cands = candidates([passage(text)])
    vecs = score_candidates("Which definition of triage is most applicable to general practice?", cands,
                            WordEmbedder(), n_passages=1)
    picked = [c.text for c in select(cands, vecs, max_sentences=2)]
    assert picked[:2] == ["The oldest, from 1961, is sorting patients by need.",
                          "However, it is the one most applicable to general practice."]


def test_a_sentence_saying_again_what_the_question_states_is_not_its_answer():
    """"The plan says the flag will help analyse data for some groups. Which groups?": the
    passage's sentence saying just that tells the asker nothing new and scores lower than when
    the same words are asked in one breath; the sentence naming the groups does not. A line
    introducing a list is exempt: its items are the answer."""
    from evidence_assistant.answering.weights import WEIGHTS

    text = ("The new access flag will help analyse data for some groups of patients. "
            "As examples of the groups it gives carers, veterans and people with sight loss.")
    stated = "The plan says the new access flag will help analyse data for some groups of patients"
    asked = "which groups does it give as examples?"

    def scores(question: str, body: str = text) -> list[float]:
        cands = candidates([passage(body)])
        score_candidates(question, cands, WordEmbedder(), n_passages=1)
        return [c.score for c in cands]

    (restating, naming), (restating_1, naming_1) = scores(f"{stated}. W{asked[1:]}"), scores(f"{stated}; {asked}")
    assert restating == pytest.approx(restating_1 - WEIGHTS.given_penalty)
    assert naming == pytest.approx(naming_1)
    listed = f"{stated[9:].capitalize()}:\n\nCarers\n\nVeterans\n\nPeople with sight loss"
    assert scores(f"{stated}. W{asked[1:]}", listed)[0] == pytest.approx(scores(f"{stated}; {asked}", listed)[0])


def test_a_sentence_writing_the_question_s_words_by_their_initials_shares_them():
    """Asked about "a lasting order to withhold treatment", a sentence about "a LOWT" shares those
    words, though no passage spells the initials out."""
    question = "What must a lasting order to withhold treatment state?"
    cands = candidates([passage("A LOWT must state which treatment is refused. "
                                "The lasting order was written before the treatment began.")])
    score_candidates(question, cands, WordEmbedder(), n_passages=1)
    initials, spelled = cands
    assert initials.lex > spelled.lex + 0.2  # all the question's words but the one asking, against half


def test_a_sentence_naming_its_subject_as_this_thing_shares_the_words_of_the_sentence_before():
    """"The Lamp Guild commissioned this project." after the sentence saying what the project was
    shares that sentence's words, as a sentence leaning on its lead does; one whose "this" names
    something its lead does not ("this year") does not."""
    question = "Which body commissioned the lantern restoration project for market towns?"
    lead = "The lantern restoration project for market towns set out to repair 400 lamps."
    cands = candidates([passage(f"{lead} The Lamp Guild commissioned this project.")])
    score_candidates(question, cands, WordEmbedder(), n_passages=1)
    other = candidates([passage(f"{lead} The Lamp Guild commissioned this year's survey.")])
    score_candidates(question, other, WordEmbedder(), n_passages=1)
    assert cands[1].lex > other[1].lex + 0.2


def test_a_line_naming_a_thing_then_its_figures_is_a_row_of_a_table():
    # A table a PDF gives as plain lines: each row's label, then its value and its score.
    text = ("Worked example: scoring a ferry operator\n\nOn-time sailings 91.2% 2.50\n\n"
            "Passenger complaints per 1,000 trips 3.4 1.75\n\nContents 12\n\nSee items 2, 3, 4")
    cands = {c.text: c for c in candidates([passage(text)])}
    assert cands["On-time sailings 91.2% 2.50"].kind == "row"
    assert cands["Passenger complaints per 1,000 trips 3.4 1.75"].kind == "row"
    # A contents line ends with one number, a list of references with commas: neither is a row.
    assert "Contents 12" not in cands and "See items 2, 3, 4" not in cands


def test_a_cut_line_stating_a_share_a_count_or_a_sum_is_kept():
    # Two columns of a table run into each other, each line cut short: the figures are still stated.
    text = ("Ferry targets\n\nReduce late sailings\n\nAt least 75% of ferry crossings\n\n"
            "Carry 120,000 more passengers\n\nSee the timetable at https://example.org/a%20b for 2,000 routes\n\n"
            "Chapter 3 Harbour works")
    kept = {c.text for c in candidates([passage(text)])}
    assert {"At least 75% of ferry crossings", "Carry 120,000 more passengers"} <= kept
    # A heading states no figure; a line giving an address is a reference, whatever it counts.
    assert not kept & {"Reduce late sailings", "Chapter 3 Harbour works",
                       "See the timetable at https://example.org/a%20b for 2,000 routes"}


def test_a_list_within_a_list_counts_its_outer_items_only():
    """A lead-in's list whose items have lists of their own ("Site hazards;" then "• Loose
    cables") reads on to as many outer items as the answer takes, each with its inner ones; the
    inner items do not use up the count. A flat list stops at the count, as before."""
    text = ("The hazards found on the wards were grouped as:\n\nSite hazards;\n\n• Loose cables\n\n• Wet floors\n\n"
            "Staff hazards;\n\n• Long shifts\n\nPatient hazards;\n\n• Falls\n\nVisitor hazards;\n\n• Crowding")
    cands = candidates([passage(text)])
    assert [c.mark for c in cands[1:4]] == ["", "•", "•"]
    lead = cands[0]
    for c in cands:
        c.score = 0.9 if c is lead else 0.1
    vecs = np.eye(len(cands), dtype=np.float32)
    chosen = select(cands, vecs, max_sentences=3, list_items=3)
    assert [c.text for c in chosen] == [lead.text, "Site hazards;", "Loose cables", "Wet floors", "Staff hazards;",
                                        "Long shifts", "Patient hazards;", "Falls"]
    flat = candidates([passage("The wards were checked for:\n\n• Loose cables\n\n• Wet floors\n\n• Long shifts\n\n"
                               "• Falls")])
    for c in flat:
        c.score = 0.9 if c.kind == "lead-in" else 0.1
    chosen = select(flat, np.eye(len(flat), dtype=np.float32), max_sentences=3, list_items=3)
    assert [c.text for c in chosen][1:] == ["Loose cables", "Wet floors", "Long shifts"]


def test_a_sentence_counting_things_comes_with_the_one_naming_them():
    """"There were five kinds of fault in the audit." chosen, then "These included …, …": the
    sentence naming the things comes along though it scores low; one that names nothing ("These
    were found in old depots.") does not, nor a sentence after one counting nothing."""
    text = ("The audit looked at every depot. There were five kinds of fault in the audit. These included loose "
            "cables, wet floors, blocked exits, faulty alarms and missing signs. The audit closed in May.")
    assert _chosen_alone(text, "five kinds") == ["There were five kinds of fault in the audit.",
                                                 "These included loose cables, wet floors, blocked exits, faulty "
                                                 "alarms and missing signs."]
    assert len(_chosen_alone("The audit found faults in the depot. These included loose cables, wet floors and "
                             "blocked exits.", "found faults")) == 1
    assert len(_chosen_alone("There were five kinds of fault in the audit. These were found mostly in the older "
                             "depots.", "five kinds")) == 1


def _chosen_alone(text: str, best: str) -> list[str]:
    """What ``select`` gives, allowed one sentence, when the sentence holding ``best`` scores
    far above the rest of ``text``."""
    cands = candidates([passage(text)])
    for c in cands:
        c.score = 0.9 if best in c.text else 0.1
    return [c.text for c in select(cands, np.eye(len(cands), dtype=np.float32), max_sentences=1)]


def test_a_sentence_saying_what_people_were_asked_comes_with_their_answers_in_figures():
    """"Members were asked how far they backed the plan." chosen, then the shares that answered:
    the figures come along; a sentence after it stating no figure does not."""
    text = ("The club surveyed its members in May. Members were asked how far they backed the new ground. "
            "Most (72%) were in favour, with only 6% against. The survey closed in June.")
    assert _chosen_alone(text, "were asked") == ["Members were asked how far they backed the new ground.",
                                                 "Most (72%) were in favour, with only 6% against."]
    assert len(_chosen_alone("Members were asked how far they backed the new ground. Most were in favour of the "
                             "move to the east side.", "were asked")) == 1


def test_asked_for_a_list_a_sentence_listing_things_within_itself_counts_as_one():
    """Asked "what kinds of risk …", a sentence naming several in a row ("It found falls,
    infections and missed doses.") is the nearest the passages come to a list, and is quoted; it
    is not raised where a line introducing a list scores near the best, for that list is the
    answer. Asked for no list, it is scored as any sentence."""
    found = ("The ward audit looked at risk to patients on every ward. "
             "It found falls, infections and missed doses.")
    listed = "The kinds of risk to patients the audit found were:\n\n• Falls\n\n• Infections\n\n• Missed doses"
    elsewhere = "The hospital car park was resurfaced in the spring."
    several = "It found falls, infections and missed doses."

    def scored(question: str, second: str) -> list[Candidate]:
        cands = candidates([passage(found), passage(second, 1)])
        score_candidates(question, cands, WordEmbedder(), n_passages=2)
        return cands

    def score_of(cands: list[Candidate]) -> float:
        return next(c.score for c in cands if c.text == several)

    alone = scored("What kinds of risk to patients did the ward audit find?", elsewhere)
    beside_a_list = scored("What kinds of risk to patients did the ward audit find?", listed)
    assert score_of(alone) == pytest.approx(score_of(beside_a_list) + WEIGHTS.inline_list)
    picked = select(alone, WordEmbedder().encode_cached([c.text for c in alone]), max_sentences=2)
    assert several in [c.text for c in picked]
    picked = select(beside_a_list, WordEmbedder().encode_cached([c.text for c in beside_a_list]), max_sentences=2)
    assert [c.text for c in picked][:2] == ["The kinds of risk to patients the audit found were:", "Falls"]
    # Not asked for a list, the same sentence beside the same passages scores as before.
    assert score_of(scored("What did the ward audit find?", elsewhere)) == \
        pytest.approx(score_of(scored("What did the ward audit find?", listed)))
    assert names_several("The form must be dated, signed and kept on file.")
    assert names_several("A note every visitor should read (e.g. a hearing aid, a guide dog).")
    assert not names_several("However, the trust said that the plan and budget were sound.")
    assert not names_several("As the work went on, several staff and patient groups took part in the review.")
