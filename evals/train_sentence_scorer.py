"""Train the extractive answerer's learned sentence scorer and write its weights.

    python -m evidence_evals.train_sentence_scorer --out assistant/answering/models/sentence_scorer.json

By default (``--suite real``) it learns from the real-document suite's dev split, never its test
split: for each answerable dev question the product answers as it would for a user (retrieval,
the question's parts, the candidate sentences of the passages shown), and each candidate, scored
for the whole question and for each part, is described by the answerer's own features and
labelled 1 when it holds one of the question's supporting quotes, from the document the quote is
from. A ranking model is fitted on each question's candidates together
(``sentence_scorer.fit_ranking``). Held-out figures come from five folds by document (the
questions on one document in five are held out in turn, so that the figures read as they would
on documents never trained on): how often a question's best-ranked candidate holds the answer,
with the hand score alone and re-ordered by the learned one. The shipped model is then fitted on
every dev question.

``--suite covidqa`` learns from COVID-QA instead (questions on scientific articles with the answer
span marked), as a logistic regression on single sentences, holding out one article in five.

The figures go into the weights file's ``info`` and are printed; docs/sentence-scorer.md records
the shipped ones.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

# The scorer's features are the answerer's own, so training reads them from the answerer itself.
from evidence_assistant.answering.extractive import candidates, score_candidates
from evidence_assistant.answering.sentence_scorer import FEATURES, SentenceScorer, fit, fit_ranking, top1_hit
from evidence_assistant.answering.stages import Turn
from evidence_assistant.answering.weights import WEIGHTS
from evidence_assistant.core.settings import Settings

from . import covidqa, real_suite

DEFAULT_QUESTIONS = 900
HELD_OUT_SHARE = 5  # one article in five is held out
FOLDS = 5  # real suite: the dev questions on one document in five are held out in turn


def held_out(doc_id: str) -> bool:
    return int(hashlib.sha256(f"sentence-scorer:{doc_id}".encode()).hexdigest(), 16) % HELD_OUT_SHARE == 0


def chosen_questions(questions: list[covidqa.Question], n: int | None) -> list[covidqa.Question]:
    """``n`` questions chosen by hash (stable, spread over the articles); all when ``n`` is None."""
    ordered = sorted(questions, key=lambda q: hashlib.sha256(f"sentence-scorer:{q.qid}".encode()).hexdigest())
    return ordered if n is None else ordered[:n]


def examples(assistant: Any, articles: list[covidqa.Article], questions: list[covidqa.Question], *,
             progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Features, labels and the hand score of every candidate sentence, with its question's id
    and whether that question is held out."""
    by_id = {a.doc_id: a for a in articles}
    xs: list[np.ndarray] = []
    labels: list[int] = []
    hand: list[float] = []
    groups: list[str] = []
    test: list[bool] = []
    embed_s: list[float] = []
    for q in questions:
        art = by_id[q.doc_id]
        spans = covidqa.answer_spans(art, q)
        shown = assistant.retriever.search(q.question).results
        cands = candidates(shown)
        if not cands or not spans:
            continue
        t = time.perf_counter()
        # Features as the product computes them, shared words weighed by rarity included.
        score_candidates(q.question, cands, assistant.index.embedder, n_passages=len(shown),
                         idf=assistant.index.lexical.idf)
        embed_s.append(time.perf_counter() - t)
        for c in cands:
            p = shown[c.rank].passage
            a, b = p.char_start + c.start, p.char_start + c.end
            hit = p.doc_id == q.doc_id and any(s < b and a < e for s, e in spans)
            xs.append(c.features)
            labels.append(int(hit))
            hand.append(c.hand)
            groups.append(q.qid)
            test.append(held_out(q.doc_id))
        if progress:
            progress(1)
    return {"x": np.vstack(xs) if xs else np.zeros((0, len(FEATURES))), "y": np.asarray(labels),
            "hand": np.asarray(hand), "groups": groups, "test": np.asarray(test, dtype=bool),
            "score_s": embed_s}


def train(data: dict[str, Any], *, l2: float = 1.0):
    """Fit on the training part of ``data``; the scorer, with its held-out figures in ``info``."""
    x, y, test = data["x"], data["y"], data["test"]
    groups = data["groups"]
    if not (~test).any() or not y[~test].any() or y[~test].all():
        raise SystemExit("too few examples to train on: the training part needs both answer and other sentences; "
                         "ask for more questions (--questions)")
    scorer = fit(x[~test], y[~test], l2=l2)
    info: dict[str, Any] = {"trained_on": "COVID-QA (200423_covidQA.json), candidate sentences of the passages "
                                          "the product retrieves for each question; label: overlaps the answer span",
                            "train_sentences": int((~test).sum()), "train_positive": int(y[~test].sum()),
                            "train_questions": len({g for g, t in zip(groups, test) if not t}), "l2": l2}
    if test.any():
        p = scorer.probabilities(x[test])
        g_test = [g for g, t in zip(groups, test) if t]
        info.update(held_out_sentences=int(test.sum()), held_out_positive=int(y[test].sum()),
                    held_out_questions=len(set(g_test)),
                    held_out_accuracy=round(float(((p >= 0.5) == (y[test] == 1)).mean()), 4),
                    held_out_majority_accuracy=round(float(max(y[test].mean(), 1 - y[test].mean())), 4),
                    held_out_top1_learned=round(top1_hit(p, y[test], g_test), 4),
                    held_out_top1_hand=round(top1_hit(data["hand"][test], y[test], g_test), 4))
    scorer.info = info
    return scorer


def _holds_quote(text: str, path: str | None, refs: list[Any]) -> bool:
    """Whether a candidate's text holds one of a case's supporting quotes (or, when it is part of
    a longer quote, is a piece of it of five words or more), from the quote's own document."""
    said = real_suite.norm_quote(text)
    for ref in refs:
        if not real_suite.same_document(ref.doc, path):
            continue
        quote = real_suite.norm_quote(ref.quote)
        if quote and (f" {quote} " in f" {said} " or (len(said.split()) >= 5 and f" {said} " in f" {quote} ")):
            return True
    return False


def fold_of(case: Any) -> int:
    """The fold of a case: by its first supporting document, so that a document's questions are
    held out together."""
    refs = case.all_refs
    key = refs[0].doc if refs else case.id
    return int(hashlib.sha256(f"sentence-scorer:{key}".encode()).hexdigest(), 16) % FOLDS


def real_examples(assistant: Any, cases: list[Any], *, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Features, labels and the hand score of every candidate the answerer scores for each
    answerable case, for the whole question and for each of its parts (each such list is one
    group), with each group's fold."""
    xs: list[np.ndarray] = []
    labels: list[int] = []
    hand: list[float] = []
    groups: list[str] = []
    folds: list[int] = []
    for case in cases:
        question = case.question
        turn = Turn(question)
        stages = assistant.stages(question, None)
        stages.condense(turn)
        stages.gather(turn)
        stages.judge(turn)
        scored = [("whole", turn.cands), *((f"part {n}", own) for n, (_, own) in enumerate(turn.parts))]
        for name, cands in scored:
            for c in cands:
                xs.append(c.features)
                labels.append(int(_holds_quote(f"{c.text} {c.items}", turn.shown[c.rank].passage.path, case.all_refs)))
                hand.append(c.hand)
                groups.append(f"{case.id}:{name}")
                folds.append(fold_of(case))
        if progress:
            progress(1)
    return {"x": np.vstack(xs) if xs else np.zeros((0, len(FEATURES))), "y": np.asarray(labels),
            "hand": np.asarray(hand), "groups": groups, "folds": np.asarray(folds)}


def reordered_top1(scorer: SentenceScorer, x: np.ndarray, y: np.ndarray, hand: np.ndarray, groups: list[str]) -> float:
    """Top-1 as the answerer ranks with the learned scorer on: the hand score plus
    ``WEIGHTS.learned`` times the learned logit."""
    return top1_hit(hand + WEIGHTS.learned * scorer.logits(x), y, groups)


def train_ranking(data: dict[str, Any], *, l2: float = 1.0) -> SentenceScorer:
    """Held-out figures by fold, then the model fitted on every group; its ``info`` says both."""
    x, y, hand, groups, folds = data["x"], data["y"], data["hand"], data["groups"], data["folds"]
    if not y.any():
        raise SystemExit("no candidate sentence holds a supporting quote: nothing to learn from")
    held_learned = np.zeros(len(y))
    for f in range(FOLDS):
        test = folds == f
        if not test.any() or not y[~test].any():
            continue
        model = fit_ranking(x[~test], y[~test], [g for g, t in zip(groups, test) if not t], l2=l2)
        held_learned[test] = hand[test] + WEIGHTS.learned * model.logits(x[test])
    scorer = fit_ranking(x, y, groups, l2=l2)
    answered = {g for g, lab in zip(groups, y) if lab}
    scorer.info = {"trained_on": "real suite dev split (evals/cases/real.jsonl): the candidates the answerer scores for "
                                 "each answerable question and each of its parts; label: holds a supporting quote",
                   "model": "ranking (softmax over each question's candidates)", "l2": l2,
                   "sentences": int(len(y)), "answer_sentences": int(y.sum()),
                   "groups": len(set(groups)), "groups_with_answer": len(answered),
                   "blend": WEIGHTS.learned,
                   "held_out": f"{FOLDS} folds by document",
                   "held_out_top1_hand": round(top1_hit(hand, y, groups), 4),
                   "held_out_top1_learned": round(top1_hit(held_learned, y, groups), 4),
                   "train_top1_learned": round(reordered_top1(scorer, x, y, hand, groups), 4)}
    return scorer


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evidence_evals.train_sentence_scorer", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="where to write the weights (JSON)")
    ap.add_argument("--suite", choices=("real", "covidqa"), default="real",
                    help="learn from the real suite's dev split (default) or from COVID-QA")
    ap.add_argument("--questions", type=int, default=DEFAULT_QUESTIONS,
                    help=f"--suite covidqa: questions to use, chosen by hash (default {DEFAULT_QUESTIONS}; 0 for all)")
    ap.add_argument("--data", type=Path, default=None, help="--suite covidqa: the COVID-QA JSON (default: $EVIDENCE_SHARED_DATA/covid-qa)")
    ap.add_argument("--cache", type=Path, default=None, help="where the suite's index is cached (default: the eval cache)")
    ap.add_argument("--index", type=Path, default=None,
                    help="an existing index of the suite's documents to retrieve from (default: the cached one, built if missing)")
    ap.add_argument("--l2", type=float, default=1.0, help="L2 penalty on the standardised weights")
    args = ap.parse_args(argv)

    from evidence_assistant import Assistant

    if args.suite == "real":
        return _main_real(args)
    articles, questions, fingerprint = covidqa.load(args.data)
    settings = Settings()
    index_dir = args.index or covidqa.build_index(articles, fingerprint, settings, root=args.cache,
                                                  log=lambda m: print(m, file=sys.stderr))
    chosen = chosen_questions(questions, args.questions or None)
    t0 = time.perf_counter()
    with Assistant.open(index_dir, settings) as assistant:
        data = examples(assistant, articles, chosen)
    scorer = train(data, l2=args.l2)
    scorer.info.update(questions_asked=len(chosen), seconds=round(time.perf_counter() - t0, 1))
    if data["score_s"]:
        scorer.info["candidate_scoring_p50_s"] = round(float(np.percentile(data["score_s"], 50)), 4)
    out = scorer.save(args.out)
    print(json.dumps({"out": str(out), "bytes": out.stat().st_size, **scorer.info}, indent=1))
    return 0


def _main_real(args: argparse.Namespace) -> int:
    from evidence_assistant import Assistant

    # The model learns from the hand-weighted scores and order, whatever the default scorer.
    settings = Settings(sentence_scorer="features")
    cases = [c for c in real_suite.load_cases() if c.split == "dev" and c.answerable]
    index_dir = args.index or real_suite.build_index(settings, root=args.cache, log=lambda m: print(m, file=sys.stderr))
    t0 = time.perf_counter()
    with Assistant.open(index_dir, settings) as assistant:
        data = real_examples(assistant, cases)
    scorer = train_ranking(data, l2=args.l2)
    scorer.info.update(questions=len(cases), seconds=round(time.perf_counter() - t0, 1))
    out = scorer.save(args.out)
    print(json.dumps({"out": str(out), "bytes": out.stat().st_size, **scorer.info}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
