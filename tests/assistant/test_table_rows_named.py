"""Which row of a table a question names: by a short label asked about in the plural, not by the
words naming the document it is in; and two rows the question names each answer, however alike
they read. Small hand-written tables; no model."""
from __future__ import annotations

from evidence_assistant.answering.answerable import row_label_words
from evidence_assistant.answering.extractive import candidates, score_candidates, select
from evidence_assistant.core.types import Passage, ScoredPassage
from test_extractive import WordEmbedder  # the same instant bag-of-words stand-in

VACANCIES = ("Table 5: Vacancies by kind of body: Kind of body: Regional office; Vacancies: 32; Average: 10.7\n\n"
             "Table 5: Vacancies by kind of body: Kind of body: Hospital trust; Vacancies: 113; Average: 2.1\n\n"
             "Table 5: Vacancies by kind of body: Kind of body: PCN; Vacancies: 11; Average: 0.8")
STAFF = ("Table 2 – staff growth by contract type, this year compared to last: Contract type: Porter; "
         "Staff growth this year compared to last: 2.1%\n\n"
         "Table 2 – staff growth by contract type, this year compared to last: Contract type: Nurse; "
         "Staff growth this year compared to last: 5.0%\n\n"
         "Table 2 – staff growth by contract type, this year compared to last: Contract type: Agency; "
         "Staff growth this year compared to last: -32.7%")


def _scored(question: str, text: str, title: str = ""):
    shown = ScoredPassage(Passage(passage_id="p0", doc_id="d0", seq=0, text=text, char_start=0, char_end=len(text),
                                  title=title), 1.0)
    cands = candidates([shown])
    vecs = score_candidates(question, cands, WordEmbedder(), n_passages=1)
    return cands, vecs


def _best_label(cands) -> str:
    return max(cands, key=lambda c: c.score).text.split("Kind of body: ")[-1].split(";")[0]


def test_a_short_label_asked_about_in_the_plural_names_its_row():
    pcn = VACANCIES.split("\n\n")[2]
    assert row_label_words(pcn, ["pcns", "vacanc"]) == {"pcns"}
    cands, _ = _scored("In Table 5, how many vacancies did PCNs report?", VACANCIES)
    assert _best_label(cands) == "PCN"


def test_the_words_naming_the_document_name_none_of_its_rows():
    # "Regional office" shares a word with the survey's name, which the question gives to say where
    # to read, not which row.
    question = "In Table 5 of the Regional Staffing survey, how many vacancies did PCNs report?"
    cands, _ = _scored(question, VACANCIES, title="Regional Staffing survey")
    assert _best_label(cands) == "PCN"
    assert next(c for c in cands if "Regional office" in c.text).row_named == frozenset()


def test_two_rows_the_question_names_are_both_quoted_however_alike_they_read():
    cands, vecs = _scored("How much did nurse and porter staffing grow this year compared to last?", STAFF)
    assert [c.kind for c in cands] == ["row"] * 3
    assert float(vecs[0] @ vecs[1]) > 0.88  # read alike: a repeat by closeness of meaning alone
    picked = select(cands, vecs, max_sentences=4)
    assert sorted(c.text.split("Contract type: ")[1].split(";")[0] for c in picked) == ["Nurse", "Porter"]


def test_a_word_of_the_documents_name_the_question_also_says_of_a_row_still_names_it():
    access = ("Table 4: Records after a patient leaves: Purpose: Clinic audits; Records kept for: Ten years\n\n"
              "Table 4: Records after a patient leaves: Purpose: Ward audits; Records kept for: Five years")
    question = "In Table 4 of the ward staffing review, for how long are records kept for ward audits?"
    cands, _ = _scored(question, access, title="Ward staffing review")
    best = max(cands, key=lambda c: c.score)
    assert "Ward audits" in best.text
    # "ward", a word of the review's name, also names the row the question asks about.
    assert best.row_named == frozenset({"ward", "audit"})
