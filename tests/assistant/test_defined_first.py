"""A question asking what a quoted term means is answered where that term heads an entry: a data
standard's item (the term on its own line, then what it is) or a glossary's line ("Term – what it
is"). Such an entry is a short passage sharing few of the question's words, so the word search
ranks it below the term's other mentions; retrieval moves the passages holding an entry for the
term to the front."""
from __future__ import annotations

from evidence_assistant.answering.extractive import defined_term
from evidence_assistant.answering.retrieve import DEFINED_FIRST, defined_first, heads_entry
from test_spelled_out_first import _texts


def test_an_entry_is_the_term_on_its_own_line_or_before_a_dash_or_colon():
    assert heads_entry("handover", "Handover\n\nThe transfer of care from one team to another.")
    assert heads_entry("soft data", "Hard data – figures.\nSoft data – what people say of a service.")
    assert heads_entry("soft data", "Soft data -- what people say of a service.")
    assert heads_entry("record", "• Record: a set of items entered together.")
    # A mention of the term is no entry for it, nor is a longer heading that opens with it.
    assert not heads_entry("handover", "A handover should happen within the hour.")
    assert not heads_entry("handover", "Handover record entry\n\nThis is the handover record entry.")
    assert not heads_entry("record", "Record keeping is a duty of every practice.")


def test_the_passages_holding_an_entry_for_the_term_come_first_in_their_order():
    passages = _texts(
        mention1="Each handover is logged by the ward.",
        mention2="Handover record entry\n\nThis is the handover record entry.",
        item="Handover\n\nThe transfer of care from one team to another.",
        glossary="Escalation – a call for senior help.\nHandover – the moment care passes between teams.",
        other="The ward keeps its rota for a year.")
    order = ["mention1", "mention2", "other", "item", "glossary"]
    assert defined_first(order, "handover", passages) == ["item", "glossary", "mention1", "mention2", "other"]
    assert defined_first(order, "rota", passages) == order  # no entry for the term: the order stands


def test_at_most_a_few_entries_are_moved():
    passages = _texts(**{f"p{i}": f"Handover\n\nEntry {i}." for i in range(6)}, first="Handover happens daily.")
    order = ["first", *(f"p{i}" for i in range(6))]
    out = defined_first(order, "handover", passages)
    assert out[:DEFINED_FIRST] == [f"p{i}" for i in range(DEFINED_FIRST)] and sorted(out) == sorted(order)


def test_the_term_is_the_one_a_question_quotes_when_it_asks_what_it_means():
    assert defined_term("How does the ward standard define a 'handover'?") == "handover"
    assert defined_term("In the glossary, which follows the college's definitions, what is 'soft data'?") == "soft data"
    assert defined_term("How does the charter describe an 'escalation', as distinct from a referral?") == "escalation"
    assert defined_term("How does the glossary define inter-operability?") == "inter-operability"
    # A quoted name in a question asking no meaning is no term to look up.
    assert defined_term("When did the 'Ward Watch' programme start?") is None
