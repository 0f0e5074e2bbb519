"""The learned sentence scorer: its shipped weights, the command that rebuilds them, and what a
user is told when the weights file is missing or damaged."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evidence_assistant.answering import sentence_scorer
from evidence_assistant.answering.extractive import candidates, reorder, score_candidates
from evidence_assistant.answering.sentence_scorer import FEATURES, REBUILD, ScorerFileError, load
from evidence_assistant.core.types import Passage, ScoredPassage


def passage(text: str, n: int = 0) -> ScoredPassage:
    return ScoredPassage(Passage(passage_id=f"p{n}", doc_id=f"d{n}", seq=0, text=text, char_start=0,
                                 char_end=len(text)), 1.0 - n / 10)


QUESTION = "How long is the incubation period of the virus?"
ANSWER = "The incubation period of the virus ranged from 2 to 14 days, with a median of 5 days."
FIRST = ("The outbreak was first reported in December 2019 in a city in central China.\n\n"
         "Hospitals there admitted many patients with pneumonia of unknown cause.\n\n"
         f"{ANSWER}\n\n"
         "Further studies of the outbreak are needed, and the authors thank the staff involved.")
SECOND = ("This article describes the methods used to collect samples.\n\n"
          "Samples were stored at minus 80 degrees before they were sequenced.")


def test_shipped_weights_load_small_and_named_by_feature():
    path = sentence_scorer.DEFAULT_PATH
    assert path.is_file() and path.stat().st_size < 100_000
    scorer = load()
    assert scorer.features == FEATURES and scorer.weights.shape == (len(FEATURES),)
    info = scorer.info
    assert scorer.model == "ranking" and info["groups_with_answer"] > 0
    assert 0 <= info["held_out_top1_hand"] <= 1 and 0 <= info["held_out_top1_learned"] <= 1


@pytest.fixture(scope="module")
def embedder():
    from evidence_assistant import get_embedder
    return get_embedder()


@pytest.mark.slow  # loads the packaged embedding model
def test_shipped_weights_rank_the_answer_sentence_above_distractors(embedder):
    shown = [passage(FIRST, 0), passage(SECOND, 1)]
    cands = candidates(shown)
    score_candidates(QUESTION, cands, embedder, n_passages=len(shown), scorer="learned")
    best = max(cands, key=lambda c: c.learned)
    assert best.text == ANSWER
    others = [c.learned for c in cands if c.text != ANSWER]
    assert best.learned > max(others)
    # Scoring leaves the hand scores, so judging whether to answer reads alike under either scorer;
    # re-ordering then gives the same scores to the sentences in the learned order.
    assert all(c.score == c.hand for c in cands)
    reorder(cands)
    assert sorted(c.score for c in cands) == sorted(c.hand for c in cands)
    assert max(cands, key=lambda c: c.score).text == ANSWER


@pytest.mark.slow  # loads the packaged embedding model
def test_reorder_orders_by_the_blend_and_keeps_the_hand_scores(embedder, monkeypatch):
    shown = [passage(FIRST, 0), passage(SECOND, 1)]
    cands = candidates(shown)
    score_candidates(QUESTION, cands, embedder, n_passages=len(shown))
    hand_order = [c.text for c in sorted(cands, key=lambda c: -c.hand)]
    # A model that prefers the last sentence by hand score above all: the order turns over.
    last = min(cands, key=lambda c: c.hand)
    weights = np.zeros(len(FEATURES))
    weights[FEATURES.index("hand")] = -1.0
    contrary = sentence_scorer.SentenceScorer(weights, 0.0, np.zeros(len(FEATURES)), np.full(len(FEATURES), 1e-3),
                                              model="ranking")
    monkeypatch.setattr(sentence_scorer, "shipped", lambda path=None: contrary)
    score_candidates(QUESTION, cands, embedder, n_passages=len(shown), scorer="learned")
    assert [c.text for c in sorted(cands, key=lambda c: -c.score)] == hand_order
    reorder(cands)
    learned_order = [c.text for c in sorted(cands, key=lambda c: -c.score)]
    assert learned_order[0] == last.text and learned_order != hand_order
    assert sorted(c.score for c in cands) == sorted(c.hand for c in cands)


@pytest.mark.slow  # loads the packaged embedding model
def test_features_scorer_leaves_the_hand_score(embedder):
    shown = [passage(FIRST, 0)]
    cands = candidates(shown)
    score_candidates(QUESTION, cands, embedder, n_passages=1)
    assert all(c.score == c.hand and c.learned == 0.0 for c in cands)
    assert all(c.features is not None and c.features.shape == (len(FEATURES),) for c in cands)


def test_missing_weights_file_names_the_file_and_the_rebuild_command(tmp_path):
    missing = tmp_path / "nowhere" / "sentence_scorer.json"
    with pytest.raises(ScorerFileError) as err:
        load(missing)
    msg = str(err.value)
    assert str(missing) in msg and REBUILD in msg and "features" in msg


@pytest.mark.parametrize("content", [
    "{not json",
    json.dumps({"features": list(FEATURES)}),  # no weights
    json.dumps({"features": ["cosine"], "weights": [1.0], "bias": 0, "mean": [0], "scale": [1]}),  # other features
    json.dumps({"features": list(FEATURES), "weights": [1.0] * len(FEATURES), "bias": 0.0,
                "mean": [0.0] * len(FEATURES), "scale": [0.0] * len(FEATURES)}),  # zero scales
])
def test_corrupt_weights_file_names_the_file_and_the_rebuild_command(tmp_path, content):
    bad = tmp_path / "sentence_scorer.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(ScorerFileError) as err:
        load(bad)
    assert str(bad) in str(err.value) and REBUILD in str(err.value)


def test_unknown_scorer_name_is_refused():
    cands = candidates([passage(FIRST, 0)])

    class Flat:
        dimension = 4

        def encode_cached(self, texts):
            return np.ones((len(texts), 4), dtype=np.float32) / 2

    with pytest.raises(ValueError, match="learned' or 'features'"):
        score_candidates(QUESTION, cands, Flat(), n_passages=1, scorer="neural")


def test_fit_separates_answer_rows_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, len(FEATURES)))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    scorer = sentence_scorer.fit(x, y)
    assert ((scorer.probabilities(x) >= 0.5) == (y == 1)).mean() > 0.95
    again = load(scorer.save(tmp_path / "w.json"))
    assert np.allclose(again.probabilities(x), scorer.probabilities(x), atol=1e-4)


def test_fit_ranking_learns_which_candidate_of_each_question_answers(tmp_path):
    rng = np.random.default_rng(1)
    rows, labels, groups = [], [], []
    for q in range(120):
        x = rng.normal(size=(8, len(FEATURES)))
        best = int(np.argmax(x[:, 2] - x[:, 3]))  # the answer: high on one feature, low on another
        rows.append(x)
        labels += [int(i == best) for i in range(8)]
        groups += [f"q{q}"] * 8
    rows.append(rng.normal(size=(5, len(FEATURES))))  # a question with no answer among its candidates
    labels += [0] * 5
    groups += ["unanswered"] * 5
    x, y = np.vstack(rows), np.asarray(labels)
    scorer = sentence_scorer.fit_ranking(x, y, groups, l2=0.1)
    assert scorer.model == "ranking"
    assert sentence_scorer.top1_hit(scorer.logits(x), y, groups) > 0.9
    assert sentence_scorer.top1_hit(x[:, 0], y, groups) < 0.5
    again = load(scorer.save(tmp_path / "w.json"))
    assert again.model == "ranking" and np.allclose(again.logits(x), scorer.logits(x), atol=1e-3)
    with pytest.raises(ValueError, match="answer row"):
        sentence_scorer.fit_ranking(x[-5:], y[-5:], groups[-5:])


def test_train_ranking_reports_held_out_figures_by_fold():
    from evidence_evals import train_sentence_scorer

    rng = np.random.default_rng(2)
    x = rng.normal(size=(600, len(FEATURES)))
    groups = [f"q{i // 6}" for i in range(600)]
    score = x[:, 5] + 0.2 * rng.normal(size=600)
    y = np.zeros(600, dtype=int)
    for q in range(100):
        y[6 * q + int(np.argmax(score[6 * q:6 * q + 6]))] = 1
    hand = 0.01 * x[:, 0]  # a hand score that knows nothing, on a small scale
    data = {"x": x, "y": y, "hand": hand, "groups": groups, "folds": np.asarray([(i // 6) % 5 for i in range(600)])}
    scorer = train_sentence_scorer.train_ranking(data)
    info = scorer.info
    assert info["groups_with_answer"] == 100 and info["held_out"].startswith("5 folds")
    assert info["held_out_top1_learned"] > info["held_out_top1_hand"] + 0.3


def test_a_candidate_holds_a_quote_only_from_the_quoted_document():
    from evidence_evals.real_suite import QuoteRef
    from evidence_evals.train_sentence_scorer import _holds_quote

    ref = QuoteRef("folder/report.pdf", "the board met on 4 May to agree the plan")
    said = "In spring the board met on 4 May to agree the plan, a month late."
    assert _holds_quote(said, "/data/folder/report.pdf", [ref])
    assert not _holds_quote(said, "/data/folder/other.pdf", [ref])
    # A piece of a longer quote, of five words or more, holds it too; a shorter piece does not.
    assert _holds_quote("The board met on 4 May", "folder/report.pdf", [ref])
    assert not _holds_quote("The board met", "folder/report.pdf", [ref])


def _tiny_covidqa(path: Path) -> None:
    """A COVID-QA-shaped file: three short articles, questions with marked answer spans."""
    arts = [
        ("101", "Transmission of a respiratory virus\n\nThe virus spreads mainly through respiratory droplets. "
                "Close contact within one metre carries the highest risk. Masks reduce the spread in crowded rooms.\n\n"
                "The incubation period lasted between 2 and 14 days. Most patients developed fever and cough.",
         [("How is the virus mainly spread?", "respiratory droplets"),
          ("How long was the incubation period?", "between 2 and 14 days")]),
        ("102", "Treatment in intensive care\n\nOf 52 critically ill patients, 32 died within 28 days. "
                "Mechanical ventilation was needed by 37 patients. The median age of the patients was 59 years.",
         [("How many critically ill patients died within 28 days?", "32"),
          ("What was the median age of the patients?", "59 years")]),
        ("103", "Testing strategies\n\nSwabs from the nose and throat were tested by RT-PCR. "
                "Results were available within 24 hours. Antibody tests detected past infection after two weeks.",
         [("How were swabs tested?", "RT-PCR"),
          ("When did antibody tests detect past infection?", "after two weeks")]),
    ]
    data = {"data": []}
    for doc_id, ctx, qas in arts:
        data["data"].append({"paragraphs": [{"document_id": doc_id, "context": ctx, "qas": [
            {"id": f"{doc_id}-{i}", "question": q, "answers": [{"text": a, "answer_start": ctx.index(a)}]}
            for i, (q, a) in enumerate(qas)]}]})
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.slow
def test_training_command_writes_weights_the_scorer_loads(tmp_path):
    from evidence_evals import train_sentence_scorer

    data = tmp_path / "covidqa.json"
    _tiny_covidqa(data)
    out = tmp_path / "models" / "sentence_scorer.json"
    assert train_sentence_scorer.main(["--out", str(out), "--suite", "covidqa", "--data", str(data),
                                       "--cache", str(tmp_path / "cache"), "--questions", "0"]) == 0
    scorer = load(out)
    assert scorer.features == FEATURES
    assert scorer.info["train_positive"] > 0 and scorer.info["train_sentences"] > scorer.info["train_positive"]
    assert out.stat().st_size < 100_000
