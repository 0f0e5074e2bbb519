"""A question asking what an abbreviation stands for is answered by the passage that spells it
out, which its few words seldom rank first: a glossary row ("SEPR | Shared Electronic Patient
Record …") among chapters that use the abbreviation throughout. Retrieval moves the passages
that spell it out to the front."""
from __future__ import annotations

from types import SimpleNamespace

from evidence_assistant.answering.answerable import main_clause
from evidence_assistant.answering.extractive import asked_acronyms
from evidence_assistant.answering.retrieve import SPELLED_FIRST, spelled_out_first


def _texts(**by_id: str) -> dict[str, SimpleNamespace]:
    return {pid: SimpleNamespace(text=text) for pid, text in by_id.items()}


def test_the_passages_spelling_out_the_abbreviation_come_first_in_their_order():
    passages = _texts(
        uses1="SEPR systems need good information governance practice.",
        uses2="Errors in SEPR systems should be corrected at source.",
        glossary="SCR | Summary Care Record (England)\n\nSEPR | Shared Electronic Patient Record (a single record)",
        chapter="A Shared Electronic Patient Record (SEPR) is one logical record shared by several practices.",
        other="The practice keeps paper records for ten years.")
    order = ["uses1", "uses2", "other", "glossary", "chapter"]
    assert spelled_out_first(order, ["SEPR"], passages) == ["glossary", "chapter", "uses1", "uses2", "other"]
    # Nothing spells it out: the order stands.
    assert spelled_out_first(order, ["PMIP"], passages) == order


def test_at_most_a_few_passages_are_moved():
    passages = _texts(**{f"p{i}": f"Passage {i}: Shared Electronic Patient Record (SEPR)." for i in range(6)},
                      first="SEPR is used throughout.")
    order = ["first", *(f"p{i}" for i in range(6))]
    out = spelled_out_first(order, ["SEPR"], passages)
    assert out[:SPELLED_FIRST] == [f"p{i}" for i in range(SPELLED_FIRST)]
    assert out[SPELLED_FIRST] == "first" and sorted(out) == sorted(order)


def test_the_abbreviation_asked_about_is_read_past_the_documents_name():
    question = "In the GPGv4 glossary of the GP good practice guidelines, what does SEPR stand for?"
    assert asked_acronyms(main_clause(question)) == ["SEPR"]  # not "GP", from the document's name
    assert asked_acronyms(main_clause("In NHSX's AI report, what do the four letters of 'FAIR' data stand for?")) == ["FAIR"]


def test_letters_that_are_posted_ask_for_no_expansion():
    # "compose letters" is correspondence, not the letters of an abbreviation.
    assert asked_acronyms("Which hospital trialled AI to draft notes and compose letters for the NHS?") == []
    assert asked_acronyms("What do the letters of NICE stand for?") == ["NICE"]


def test_an_abbreviation_in_mixed_case_is_one_asked_about():
    assert asked_acronyms("What does IGSoC stand for?") == ["IGSoC"]
    assert asked_acronyms("What does CQCs stand for?") == ["CQC"]
    assert asked_acronyms("What does McDonald stand for?") == []  # a name, not an abbreviation


def test_the_row_spelling_out_the_asked_abbreviation_beats_one_spelling_out_the_documents_name():
    from evidence_assistant.answering.extractive import candidates, score_candidates
    from evidence_assistant.core.types import Passage, ScoredPassage
    from test_extractive import WordEmbedder

    text = ("GP | General practice, the family doctor service of the guidelines\n\n"
            "DMIP | The Data Migration Improvement Project (England)")
    sp = ScoredPassage(Passage(passage_id="p0", doc_id="d0", seq=0, text=text, char_start=0, char_end=len(text)), 1.0)
    cands = candidates([sp])
    score_candidates("In the glossary to the GP guidelines, what is DMIP?", cands, WordEmbedder(), n_passages=1)
    best = max(cands, key=lambda c: c.score)
    assert best.text.startswith("DMIP")


def test_an_abbreviation_spelled_out_again_is_not_quoted_twice():
    from evidence_assistant.answering.extractive import candidates, score_candidates, select, spelled_out
    from evidence_assistant.core.types import Passage, ScoredPassage
    from test_extractive import WordEmbedder

    texts = ["Research needs large volumes of FAIR data (findable, accessible, interoperable, and reusable).",
             "More work is needed so that datasets are FAIR (findable, accessible, interoperable and reusable).",
             "The lab will publish its FAIR data principles for developers next year."]
    sps = [ScoredPassage(Passage(passage_id=f"p{n}", doc_id=f"d{n}", seq=0, text=t, char_start=0, char_end=len(t)),
                         1.0 - n / 10) for n, t in enumerate(texts)]
    assert spelled_out(texts[0], ["FAIR"]) == spelled_out(texts[1], ["FAIR"]) != set()
    assert spelled_out(texts[2], ["FAIR"]) == set()
    question = "What do the letters of FAIR data stand for?"
    cands = candidates(sps)
    vecs = score_candidates(question, cands, WordEmbedder(), n_passages=3)
    picked = [c.text for c in select(cands, vecs, max_sentences=3, gap=1.0, redundancy=1.01,
                                     values=lambda text: spelled_out(text, ["FAIR"]))]
    assert sum("findable" in t for t in picked) == 1
