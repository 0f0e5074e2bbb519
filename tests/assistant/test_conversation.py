"""Follow-ups rewritten without a model: the previous question's subject, actor or object is
carried into the new one."""
from __future__ import annotations

import pytest

from evidence_assistant.answering.conversation import (condense_without_model, counted_of, history_questions, is_follow_up,
                                    past_tense)

PANEL = "What did the Expert Panel conclude about the integrated health and care record?"


@pytest.mark.parametrize("follow_up,previous,expected", [
    ("And how did the Government respond?", PANEL,
     "How did the Government respond, regarding the Expert Panel on the integrated health and care record?"),
    ("What about social care?", PANEL, "What did the Expert Panel conclude about social care?"),
    ("And when did the Government respond to it?", "When did the Committee publish the Expert Panel's evaluation?",
     "When did the Government respond to the Expert Panel's evaluation?"),
    ("Who chaired the Expert Panel?", PANEL, "Who chaired the Expert Panel?"),  # stands alone already
])
def test_rewrites(follow_up, previous, expected):
    assert condense_without_model(follow_up, [previous]) == expected


def test_no_history_means_no_rewrite():
    assert condense_without_model("And how did the Government respond?", []) == "And how did the Government respond?"


def test_history_shapes():
    assert history_questions([("q1", "a1"), {"question": "q2"}, {"role": "user", "content": "q3"},
                              {"role": "assistant", "content": "a3"}, "q4"]) == ["q1", "q2", "q3", "q4"]
    assert is_follow_up("And then?") and not is_follow_up("Who chaired the Expert Panel on digitisation?")


@pytest.mark.parametrize("follow_up,previous,expected", [
    # "its" is what the previous question's verb acted on, past both of its prepositions.
    ("When was its first milestone due?", "What did the plan commit to for the NHS App?",
     "When was the NHS App's first milestone due?"),
    # "them" are the things the previous question counted.
    ("How many of them were rated inadequate?", "How many commitments did the Expert Panel evaluate?",
     "How many of the commitments that the Expert Panel evaluated were rated inadequate?"),
    ("And how many of those were in London?", "How many trusts had an electronic patient record in spring 2025?",
     "How many of the trusts that had an electronic patient record in spring 2025 were in London?"),
    ("Which of them concerned the workforce?", "How many commitments did the Panel rate inadequate?",
     "Which of the commitments that the Panel rated inadequate concerned the workforce?"),
])
def test_rewrites_that_resolve_a_pronoun(follow_up, previous, expected):
    assert condense_without_model(follow_up, [previous]) == expected


@pytest.mark.parametrize("question,counted", [
    ("How many commitments did the Expert Panel evaluate?", "the commitments that the Expert Panel evaluated"),
    ("How many recommendations did the report make?", "the recommendations that the report made"),
    ("How many commitments did the Panel rate inadequate?", "the commitments that the Panel rated inadequate"),
    ("How many trusts were without an EPR?", "the trusts that were without an EPR"),
    ("How many providers does the plan cover?", "the providers that the plan does cover"),
    ("How many people did the plan expect to register by March 2023?", None),  # no verb it can put in the past
    ("When was the report published?", None),
])
def test_what_a_how_many_question_counts(question, counted):
    assert counted_of(question) == counted


@pytest.mark.parametrize("verb,past", [("evaluate", "evaluated"), ("commit", "committed"), ("plan", "planned"),
                                       ("find", "found"), ("apply", "applied"), ("publish", "published"),
                                       ("offer", "offered"), ("say", "said")])
def test_past_tense(verb, past):
    assert past_tense(verb) == past


def test_a_noun_after_those_is_not_a_pronoun_for_what_was_counted():
    out = condense_without_model("Were those commitments all rated inadequate?",
                                 ["How many commitments did the Expert Panel evaluate?"])
    assert "commitments that the Expert Panel evaluated" not in out
