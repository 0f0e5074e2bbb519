"""Train the extractive answerer's learned sentence scorer on COVID-QA and write its weights.

    python -m evidence_evals.train_sentence_scorer --out assistant/answering/models/sentence_scorer.json

For each COVID-QA question (a question on a scientific article, with the answer's span marked),
the product retrieves passages from the COVID-QA index (built once, cached like the covidqa
suite's) and splits them into candidate sentences as the extractive answerer does; each
candidate is described by the answerer's own features and labelled 1 when it overlaps the answer
span. A logistic regression is fitted on the questions of four articles in five (chosen by a hash
of the article's id) and measured on the rest: accuracy, and how often the best-scored sentence
holds the answer (top-1), against the hand-weighted score. The figures go into the weights
file's ``info`` and are printed; docs/sentence-scorer.md records the shipped ones.
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
from evidence_assistant.answering.sentence_scorer import FEATURES, fit, top1_hit
from evidence_assistant.core.settings import Settings

from . import covidqa

DEFAULT_QUESTIONS = 900
HELD_OUT_SHARE = 5  # one article in five is held out


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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evidence_evals.train_sentence_scorer", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="where to write the weights (JSON)")
    ap.add_argument("--questions", type=int, default=DEFAULT_QUESTIONS,
                    help=f"COVID-QA questions to use, chosen by hash (default {DEFAULT_QUESTIONS}; 0 for all)")
    ap.add_argument("--data", type=Path, default=None, help="the COVID-QA JSON (default: $EVIDENCE_SHARED_DATA/covid-qa)")
    ap.add_argument("--cache", type=Path, default=None, help="where the COVID-QA index is cached (default: the eval cache)")
    ap.add_argument("--index", type=Path, default=None,
                    help="an existing COVID-QA index folder to retrieve from (default: the cached one, built if missing)")
    ap.add_argument("--l2", type=float, default=1.0, help="L2 penalty on the standardised weights")
    args = ap.parse_args(argv)

    from evidence_assistant import Assistant

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


if __name__ == "__main__":
    raise SystemExit(main())
