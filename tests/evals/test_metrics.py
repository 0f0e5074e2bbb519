"""The evaluation's arithmetic against examples worked by hand."""
from __future__ import annotations

import math

import pytest

from evidence_evals import metrics as m


# --------------------------------------------------------------------------- ranking

def test_recall_at_k_counts_relevant_items_in_the_first_k():
    ranked = ["a", "x", "b", "y", "c"]
    assert m.recall_at_k(ranked, {"a", "b", "c", "d"}, 1) == 0.25
    assert m.recall_at_k(ranked, {"a", "b", "c", "d"}, 3) == 0.5
    assert m.recall_at_k(ranked, {"a", "b", "c", "d"}, 100) == 0.75
    assert m.recall_at_k(ranked, set(), 5) == 0.0


def test_reciprocal_rank_is_one_over_the_first_relevant_rank():
    assert m.reciprocal_rank(["x", "y", "a"], {"a"}) == pytest.approx(1 / 3)
    assert m.reciprocal_rank(["a", "b"], {"b", "a"}) == 1.0
    assert m.reciprocal_rank(["x", "y", "a"], {"a"}, k=2) == 0.0
    assert m.reciprocal_rank(["x"], {"a"}) == 0.0


def test_ndcg_binary_by_hand():
    # Relevant {a, b}; ranking x, a, y, b.
    # DCG = 1/log2(3) + 1/log2(5) = 0.63093 + 0.43068 = 1.06161; IDCG = 1 + 1/log2(3) = 1.63093.
    assert m.ndcg_at_k(["x", "a", "y", "b"], {"a", "b"}, 10) == pytest.approx(1.06161 / 1.63093, abs=1e-5)
    assert m.ndcg_at_k(["a", "b", "x"], {"a", "b"}, 10) == pytest.approx(1.0)
    assert m.ndcg_at_k(["x", "y"], {"a"}, 10) == 0.0


def test_ndcg_graded_and_cut_at_k():
    # Gains a=2, b=1; ranking b, a. DCG = 1 + 2/log2(3) = 2.26186; IDCG = 2 + 1/log2(3) = 2.63093.
    assert m.ndcg_at_k(["b", "a"], {"a": 2, "b": 1}, 10) == pytest.approx(2.26186 / 2.63093, abs=1e-5)
    # At k=1 only b counts: DCG = 1; IDCG = 2.
    assert m.ndcg_at_k(["b", "a"], {"a": 2, "b": 1}, 1) == pytest.approx(0.5)


def test_ndcg_counts_a_repeated_item_once():
    assert m.ndcg_at_k(["a", "a"], {"a", "b"}, 10) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_dedupe_turns_passages_into_documents():
    assert m.dedupe(["d1", "d2", "d1", "d3", "d2"]) == ["d1", "d2", "d3"]


def test_percentile_interpolates_like_numpy():
    xs = [1.0, 2.0, 3.0, 4.0]
    assert m.percentile(xs, 50) == 2.5
    assert m.percentile(xs, 95) == pytest.approx(3.85)
    assert m.percentile([7.0], 95) == 7.0
    assert math.isnan(m.percentile([], 50))


def test_mean_ignores_missing_values():
    assert m.mean([1.0, None, 0.0]) == 0.5
    assert m.mean([None]) is None


# --------------------------------------------------------------------------- SQuAD F1

def test_squad_normalisation():
    assert m.squad_normalise("The  Panel's, rating!") == "panels rating"
    assert m.squad_normalise("An apple a day") == "apple day"


def test_token_f1_by_hand():
    # prediction "the cat sat on the mat" -> cat sat on mat (4); reference "cat on a mat" -> cat on mat (3).
    # common 3: precision 3/4, recall 3/3, F1 = 2*0.75*1/(1.75) = 0.857142...
    assert m.token_f1("the cat sat on the mat", "cat on a mat") == pytest.approx(6 / 7)
    assert m.token_f1("nothing shared", "cat") == 0.0
    assert m.token_f1("The Cat.", "cat") == 1.0
    assert m.token_f1("", "") == 1.0
    assert m.token_f1("a", "cat") == 0.0  # only an article: empty after normalising


def test_best_f1_and_token_recall():
    assert m.best_f1("cat on mat", ["dog", "cat on a mat"]) == 1.0
    # reference tokens: mother to child transmission (wait: hyphens are punctuation, removed)
    assert m.token_recall("mother-to-child transmission is the cause", "Mother-to-child transmission") == 1.0
    assert m.token_recall("transmission", "mother to child transmission") == 0.25


# --------------------------------------------------------------------------- key facts

@pytest.mark.parametrize("text, fact, expected", [
    ("Published on 17 February 2023.", {"any": ["17 February 2023", "17 Feb 2023"]}, True),
    ("Published on 17 Feb 2023.", {"any": ["17 February 2023", "17 Feb 2023"]}, True),
    ("Published on 7 February 2023.", "17 February 2023", False),
    ("187 of the 206 trusts", "187", True),
    ("1870 trusts", "187", False),
    ("2019 figures", "19", False),
    ("91 per cent of trusts", "91%", True),
    ("91% of trusts", "91%", True),
    ("91.5% of trusts", "91%", False),
    ("The remaining 19 trusts", 19, True),
    ("£2 billion programme", "£2 billion", True),
    ("a 1,380-question set", "1380", True),
    ("rated “inadequate”", "inadequate", True),
    ("Professor Dame Jane Dacre", "jane dacre", True),
    ("goodwill", "good", False),
    ("subject to separate notices", "separate notice", True),
    ("robotic process automations (RPA)", "robotic process automation", True),
    ("a noticeboard", "notice", False),
    ("nine commitments and four areas", {"all": ["nine", {"any": ["four", "4"]}]}, True),
    ("nine commitments", {"all": ["nine", "four"]}, False),
])
def test_fact_present(text, fact, expected):
    assert m.fact_present(text, fact) is expected


def test_key_fact_scores_reports_missing_facts():
    ok, share, missing = m.key_fact_scores("187 of 206 trusts", ["187", "206", "91%"])
    assert (ok, share, missing) == (False, pytest.approx(2 / 3), ["91%"])
    assert m.key_fact_scores("anything", []) == (True, 1.0, [])


def test_malformed_fact_is_an_error():
    with pytest.raises(ValueError):
        m.fact_present("x", {"either": ["a"]})
    with pytest.raises(ValueError):
        m.fact_present("x", None)


# --------------------------------------------------------------------------- exact quotation

def test_strip_markers_and_verbatim():
    assert m.strip_markers("12. The Panel rates it inadequate [1][2].") == "The Panel rates it inadequate."
    assert m.strip_markers("It is rated inadequate. [3] [unsupported]") == "It is rated inadequate."
    passage = "20. The Panel  rates this commitment ‘inadequate’.\n\n21. A single record…"
    assert m.verbatim_in("The Panel rates this commitment 'inadequate'. [1]", passage)
    assert m.verbatim_in("the panel rates this commitment 'inadequate'", passage)
    assert not m.verbatim_in("The Panel rates this commitment good.", passage)
    assert not m.verbatim_in("[1]", passage)
    # A footnote glued to a word is the document's own text, not a citation marker.
    assert m.strip_markers("seven NHS trusts[4] spread over the region [2].") == "seven NHS trusts[4] spread over the region."
    # The passage is read as the sentence is: its own spaced note numbers and a space before a
    # punctuation mark do not make a sentence quoted word for word count as altered.
    spaced = "Two firms, Alder Labs and Birch Ltd , will build it. Pat Doe & Sam Roe [1] There are three bodies: A , B and C."
    assert m.verbatim_in("Two firms, Alder Labs and Birch Ltd , will build it. [2]", spaced)
    assert m.verbatim_in("Pat Doe & Sam Roe [1] There are three bodies: A , B and C. [3]", spaced)
    assert not m.verbatim_in("Two firms, Alder Labs and Cedar Ltd , will build it. [2]", spaced)
    assert not m.verbatim_in("Pat Doe & Sam Roe There are four bodies. [3]", spaced)
    assert m.verbatim_in("seven NHS trusts[4] spread over the region [2].", "In all, seven NHS trusts[4] spread over the region.")


# --------------------------------------------------------------------------- ALCE

def _judge(*supporting_sets):
    """A judge under which a set supports the sentence when it contains one of the given sets."""
    def judge(subset):
        return any(set(s) <= subset for s in supporting_sets)
    return judge


def test_alce_recall_and_precision_by_hand():
    sentences = [
        # 1: cites [1]; [1] supports -> recall 1, one relevant citation.
        m.JudgedSentence((1,), _judge({1})),
        # 2: cites [1, 2]; only [2] supports. [1] alone fails and the rest ([2]) still supports
        #    without it -> [1] irrelevant; [2] relevant. recall 1.
        m.JudgedSentence((1, 2), _judge({2})),
        # 3: cites [2, 3]; only both together support. Each alone fails, and removing either
        #    breaks support -> both relevant. recall 1.
        m.JudgedSentence((2, 3), _judge({2, 3})),
        # 4: cites [3]; nothing supports -> recall 0, its citation is not relevant.
        m.JudgedSentence((3,), _judge()),
        # 5: no citation -> recall 0, no citations counted.
        m.JudgedSentence((), _judge({1})),
    ]
    s = m.alce_citation_scores(sentences)
    # recall = 3 supported / 5 sentences; precision = (1 + 1 + 2 + 0) relevant / (1+2+2+1) citations.
    assert s.recall == pytest.approx(3 / 5)
    assert s.precision == pytest.approx(4 / 6)
    assert (s.sentences, s.citations, s.supported_sentences, s.relevant_citations) == (5, 6, 3, 4)


def test_alce_unsupported_multi_citation_sentence_has_no_relevant_citations():
    s = m.alce_citation_scores([m.JudgedSentence((1, 2), _judge())])
    assert (s.recall, s.precision) == (0.0, 0.0)


def test_alce_redundant_citations_both_count_when_each_supports_alone():
    # Both [1] and [2] support alone: each passes the "alone" test, so both are relevant.
    s = m.alce_citation_scores([m.JudgedSentence((1, 2), _judge({1}, {2}))])
    assert (s.recall, s.precision) == (1.0, 1.0)


def test_alce_no_citations_at_all():
    s = m.alce_citation_scores([m.JudgedSentence((), _judge())])
    assert s.recall == 0.0 and s.precision is None


def test_threshold_judge_uses_the_best_citation():
    j = m.threshold_judge({1: 0.4, 2: 0.8}, 0.5)
    assert j(frozenset({1, 2})) and j(frozenset({2})) and not j(frozenset({1}))


def test_verbatim_judge_across_a_passage_boundary():
    j = m.verbatim_judge("The Panel met in 2020 and again in 2021.", {1: "Intro. The Panel met in 2020",
                                                                        2: "and again in 2021. Next."})
    assert j(frozenset({1, 2}))
    assert not j(frozenset({1}))


# --------------------------------------------------------------------------- declining

def test_refusal_precision_and_recall_by_hand():
    # (should decline, did decline): 2 correct declines, 1 wrong decline, 1 missed decline.
    outcomes = [(True, True), (True, True), (False, True), (True, False), (False, False)]
    r = m.refusal_scores(outcomes)
    assert r.precision == pytest.approx(2 / 3)
    assert r.recall == pytest.approx(2 / 3)
    assert (r.declined, r.should_decline, r.correctly_declined) == (3, 3, 2)


def test_refusal_scores_undefined_without_declines():
    r = m.refusal_scores([(False, False)])
    assert r.precision is None and r.recall is None
