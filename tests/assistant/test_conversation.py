"""Follow-ups rewritten without a model: the previous question's subject, actor or object is
carried into the new one."""
from __future__ import annotations

import pytest

from assistant.conversation import condense_without_model, history_questions, is_follow_up

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
