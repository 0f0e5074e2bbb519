"""A list whose items are numbered paragraphs, read on by its numbers: the items of a chosen
lead-in's list are the paragraphs opening with the next numbers, in its passage or the
document's next ones, whatever lies between them; and a line announcing a list that the answer
does not give is left out. Small hand-written texts; no model."""
from __future__ import annotations

from evidence_assistant.answering.extractive import (candidates, continue_lists, numbered_lists, score_candidates, select,
                                                     without_dangling_lead_ins)
from evidence_assistant.core.types import Passage, ScoredPassage
from test_extractive import WordEmbedder  # the same instant bag-of-words stand-in

LEAD = ("Records leave the practice only when protected.\n\n"
        "Ways of protecting records that leave the practice include:\n\n"
        "1. Locking every cabinet that holds them.")
SECOND = ("2. Encryption - replacing readable text with a cipher before a file is sent. It keeps files unreadable "
          "without the key.\n\n"
          "Encryption has two weaknesses: keys can be lost and keys can be stolen.")
THIRD = ("Some services hold their keys off site for safety.\n\n"
         "3. Auditing - so that every access to a record is logged. This can be combined with alerts.\n\n"
         "4. Training staff - so that mistakes are fewer. It takes a day each year.\n\n"
         "7.2 Keeping the log\n\n"
         "5. Nobody reads this line as one of the ways.")
QUESTION = "What ways of protecting records that leave the practice are there?"


def _document(*texts: str) -> list[Passage]:
    out, at = [], 0
    for n, text in enumerate(texts):
        out.append(Passage(passage_id=f"d:{n}", doc_id="d", seq=n, text=text, char_start=at, char_end=at + len(text)))
        at += len(text) + 2
    return out


def _answer(texts: tuple[str, ...], **kw):
    passages = _document(*texts)
    shown = [ScoredPassage(passages[0], 1.0)]
    cands = candidates(shown)
    picked = select(cands, score_candidates(QUESTION, cands, WordEmbedder(), n_passages=1), max_sentences=1,
                    list_items=9)

    def following(p: Passage) -> Passage | None:
        return next((q for q in passages if q.seq == p.seq + 1), None)

    out = numbered_lists(continue_lists(picked, shown, following, list_items=9), shown, following, **kw)
    return out, shown


def test_a_numbered_list_goes_on_by_its_numbers_past_what_lies_between_its_items():
    out, shown = _answer((LEAD, SECOND, THIRD))
    texts = [c.text for c in out]
    assert texts[0] == "Ways of protecting records that leave the practice include:"
    # Each item's first sentence, in the order of the numbers, cited to the passage it is in;
    # not the sentences between items, and nothing after the next section's heading.
    assert texts[1:] == ["Locking every cabinet that holds them.",
                         "Encryption - replacing readable text with a cipher before a file is sent.",
                         "Auditing - so that every access to a record is logged.",
                         "Training staff - so that mistakes are fewer."]
    assert [shown[c.rank].passage.passage_id for c in out[2:]] == ["d:1", "d:2", "d:2"]
    assert all(shown[c.rank].passage.text[c.start:c.end] == c.text for c in out)


def test_a_numbered_list_is_looked_for_only_so_far_and_stops_at_a_number_that_does_not_follow():
    out, _ = _answer((LEAD, SECOND, THIRD), passages=1)
    assert [c.text.split()[0] for c in out[1:]] == ["Locking", "Encryption"]
    skipped = THIRD.replace("3. Auditing", "Auditing")  # no item 3: item 4 is not the list's next
    out, _ = _answer((LEAD, SECOND, skipped))
    assert [c.text.split()[0] for c in out[1:]] == ["Locking", "Encryption"]


def test_a_list_not_opening_with_its_first_number_is_not_read_by_numbers():
    # A report's numbered paragraphs go on from where they are ("13. …"): no list's first item.
    lead = LEAD.replace("1. Locking", "13. Locking")
    second = SECOND.replace("2. Encryption", "14. Encryption")
    third = THIRD.replace("3. Auditing", "15. Auditing").replace("4. Training", "16. Training")
    out, _ = _answer((lead, second, third))
    assert not any("Auditing" in c.text or "Training" in c.text for c in out)


def test_what_was_chosen_from_an_items_paragraph_stays_with_that_item():
    lead = LEAD + " Their keys are kept by the practice manager."
    passages = _document(lead, SECOND, THIRD)
    shown = [ScoredPassage(passages[0], 1.0)]
    cands = candidates(shown)
    keys = next(c for c in cands if c.text.startswith("Their keys"))
    picked = [next(c for c in cands if c.kind == "lead-in"), keys]

    def following(p: Passage) -> Passage | None:
        return next((q for q in passages if q.seq == p.seq + 1), None)

    out = numbered_lists(picked, shown, following)
    assert [c.text.split()[0] for c in out] == ["Ways", "Locking", "Their", "Encryption", "Auditing", "Training"]


def test_a_line_announcing_a_list_the_answer_does_not_give_is_left_out():
    report = ("The review found that records are kept well. The main findings of the review are:\n\n"
              "Consent is recorded for every patient.")
    other = "Practices must keep records for eight years."
    shown = [ScoredPassage(Passage(passage_id="r:0", doc_id="r", seq=0, text=report, char_start=0,
                                   char_end=len(report)), 1.0),
             ScoredPassage(Passage(passage_id="o:0", doc_id="o", seq=0, text=other, char_start=0,
                                   char_end=len(other)), 0.9)]
    cands = {c.text: c for c in candidates(shown)}
    found, headlines = cands["The review found that records are kept well."], cands["The main findings of the review are:"]
    keep, item = cands["Practices must keep records for eight years."], cands["Consent is recorded for every patient."]
    assert headlines.kind == "lead-in"
    # Followed by another document's sentence, or by nothing: the list it announces is not given.
    assert without_dangling_lead_ins([found, headlines, keep], shown) == [found, keep]
    assert without_dangling_lead_ins([found, headlines], shown) == [found]
    # Followed by its own list, it stays; so does an answer's first sentence, whatever it is.
    assert without_dangling_lead_ins([found, headlines, item], shown) == [found, headlines, item]
    assert without_dangling_lead_ins([headlines, keep], shown) == [headlines, keep]
