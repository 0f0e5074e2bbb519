"""Choose retrieval settings on SciFact's 809 TRAIN queries; never look at the test queries here.

    python -m evidence_evals.tune_scifact [--out evals/reports/scifact-tuning.json]

Each train query's dense and lexical candidate lists are computed once, 300 passages deep, with
the product's own index; fusion is then replayed for every setting with the product's own
``rrf`` (what ``Retriever.search`` does, minus the I/O), so the grid costs seconds, not hours.
A replay is checked against the real ``Retriever.search`` before any number is trusted. Stages:

1. reciprocal rank fusion: rrf_k × dense weight (lexical weight 1) at depth 100;
2. candidate depths dense_k × lexical_k at the best stage-1 values, then stage 1 again there;
3. BM25 k1 × b, with BM25 alone and fused (the product's tokenisation: stemmed, stop words
   dropped; the variants without stemming or without stop-word removal that earlier runs
   compared are no longer run, since the tokenizer is not a parameter of the product: trying
   them meant swapping the product's code at run time);
4. score fusion (min–max normalised, weighted), then BM25 over title and headings (stage 5);
6. ``--weighted``: on the product's index as it now ships (BM25 over title, headings and text),
   the weighted score fusion of ``Retriever.search`` (each list scaled by its best score) over
   dense weight × depth, beside min–max scaling: what chose the shipped fusion defaults.

The chosen values are written out; evals/configs.py's TUNED holds them, and the test-set score is
measured by ``evidence eval --suite scifact --config tuned``.

The index is opened through ``evidence_assistant.Assistant``. What is tuned here that no setting
holds is taken from the components themselves: the fusion functions the retriever applies
(``rrf``, ``weighted_scores``) and lexical indexes built with other BM25 parameters
(``LexicalIndex(k1=…, b=…)``).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

# The fusion the retriever applies, replayed over candidate lists computed once.
from evidence_assistant.answering.retrieve import rrf, weighted_scores
from evidence_assistant.core.settings import Settings

from . import metrics, scifact

DEPTH = 300
OUT = Path(__file__).resolve().parent / "reports" / "scifact-tuning.json"


class Lists:
    """Per query: dense and lexical (passage id, score) lists, DEPTH deep."""

    def __init__(self, queries: dict[str, str], dense: dict[str, list[tuple[str, float]]],
                 lexical: dict[str, list[tuple[str, float]]], doc_of: dict[str, str]):
        self.queries, self.dense, self.lexical, self.doc_of = queries, dense, lexical, doc_of


def collect(index: Any, queries: dict[str, str], lexical_index: Any | None = None) -> Lists:
    lex = lexical_index or index.lexical
    dense, lexical = {}, {}
    for qid, q in queries.items():
        vec = index.embedder.encode_query(q)
        dense[qid] = index.vectors.query(vec, DEPTH)
        lexical[qid] = lex.search(q, DEPTH)
    doc_of = {pid: did.removeprefix(scifact.PREFIX) for pid, did, _ in index.manifest.iter_indexed()}
    return Lists(queries, dense, lexical, doc_of)


def fuse_rrf(d: Sequence[tuple[str, float]], l: Sequence[tuple[str, float]], *, rrf_k: int, dense_weight: float,
             lexical_weight: float, dense_k: int, lexical_k: int) -> list[str]:
    """Passage order exactly as Retriever.search fuses it."""
    scores = rrf([([p for p, _ in d[:dense_k]], dense_weight), ([p for p, _ in l[:lexical_k]], lexical_weight)], rrf_k)
    return sorted(scores, key=lambda pid: -scores[pid])


def fuse_scores(d: Sequence[tuple[str, float]], l: Sequence[tuple[str, float]], *, alpha: float, depth: int) -> list[str]:
    """Proposal: alpha × min–max(dense cosine) + (1 − alpha) × min–max(BM25); missing = 0."""
    def norm(xs: Sequence[tuple[str, float]]) -> dict[str, float]:
        if not xs:
            return {}
        vals = [s for _, s in xs]
        lo, hi = min(vals), max(vals)
        return {p: (s - lo) / (hi - lo) if hi > lo else 1.0 for p, s in xs}
    nd, nl = norm(d[:depth]), norm(l[:depth])
    scores = {p: alpha * nd.get(p, 0.0) + (1 - alpha) * nl.get(p, 0.0) for p in set(nd) | set(nl)}
    return sorted(scores, key=lambda pid: -scores[pid])


def score(lists: Lists, qrels: dict[str, dict[str, int]], order_of) -> dict[str, float]:
    nd, r100 = [], []
    for qid in lists.queries:
        ranked = metrics.dedupe(lists.doc_of[p] for p in order_of(lists.dense[qid], lists.lexical[qid]) if p in lists.doc_of)
        rel = qrels.get(qid, {})
        nd.append(metrics.ndcg_at_k(ranked, rel, 10))
        r100.append(metrics.recall_at_k(ranked, rel, 100))
    return {"ndcg@10": float(np.mean(nd)), "recall@100": float(np.mean(r100))}


def _rrf_order(**kw):
    return lambda d, l: fuse_rrf(d, l, **kw)


def check_replay(assistant: Any, lists: Lists, n: int = 25) -> int:
    """Replayed fusion must match the product's search (``assistant.retriever``, with its
    settings' fusion) in document order; returns queries checked."""
    settings = assistant.settings
    if settings.retrieval.fusion == "weighted":
        kw: dict[str, Any] = dict(dense_weight=settings.retrieval.dense_weight, lexical_weight=settings.retrieval.lexical_weight,
                                  dense_k=settings.retrieval.dense_k, lexical_k=settings.retrieval.lexical_k)
        fuse = fuse_weighted
    else:
        kw = dict(rrf_k=settings.retrieval.rrf_k, dense_weight=settings.retrieval.dense_weight, lexical_weight=settings.retrieval.lexical_weight,
                  dense_k=settings.retrieval.dense_k, lexical_k=settings.retrieval.lexical_k)
        fuse = fuse_rrf
    mismatches = 0
    for qid in list(lists.queries)[:n]:
        real = scifact.doc_ranking(assistant, lists.queries[qid])[:10]
        replay = metrics.dedupe(lists.doc_of[p] for p in fuse(lists.dense[qid], lists.lexical[qid], **kw))[:10]
        mismatches += real != replay
    if mismatches > max(1, n // 10):  # HNSW can break ties differently at another depth; a few is noise
        raise RuntimeError(f"fusion replay disagrees with the product's search on {mismatches}/{n} queries")
    return n


def bm25_variant(index: Any, workdir: Path, *, k1: float, b: float, tokens: str) -> Any:
    """A lexical index over the same passages with other BM25 parameters; with ``tokens`` =
    "title+stem+stop" it also reads each passage's title and headings (what the setting
    ``lexical_context`` does), else it holds the index's own tokens ("stem+stop")."""
    from evidence_ingest.lexical import LexicalIndex  # the component whose parameters are tuned

    from evidence_assistant import embedding_text
    from evidence_assistant.core.text import tokenize_many

    if tokens not in ("stem+stop", "title+stem+stop"):
        raise ValueError(f"unknown tokenisation {tokens!r}: the product tokenizes one way (stem+stop), "
                         "with or without the title and headings (title+stem+stop)")
    rows = list(index.manifest.iter_indexed())
    if tokens == "title+stem+stop":
        # What the embedder reads (title and headings, then the passage): a later window of an
        # abstract keeps its paper's title words, as its vector does.
        texts = {p.passage_id: embedding_text(p) for p in index.manifest.iter_all_passages()}
        rows = [(pid, did, toks) for (pid, did, _), toks in zip(rows, tokenize_many([texts[pid] for pid, _, _ in rows]))]
    lex = LexicalIndex(workdir / f"lex-{tokens}-{k1}-{b}", k1=k1, b=b)
    lex.build(rows, generation=1)
    lex.load()
    return lex


def proposals(index: Any, work: Path, train_lists: Lists, data: Any, chosen: dict[str, Any]) -> dict[str, Any]:
    """Changes the product cannot make by settings alone (BM25 k1/b, title words in the lexical
    index, score fusion): each variant is chosen on TRAIN; then the reference, the chosen RRF
    settings and the best proposal are scored once on TEST, for the report."""
    qrels_train, qrels_test = data.qrels["train"], data.qrels["test"]
    test = data.split("test")
    variants = {"shipped": ("stem+stop", 0.9, 0.4), "k1=1.2": ("stem+stop", 1.2, 0.4),
                "title": ("title+stem+stop", 0.9, 0.4), "title,k1=1.2": ("title+stem+stop", 1.2, 0.4)}
    fusions: dict[str, Any] = {"rrf(chosen)": _rrf_order(**chosen)}
    for a in (0.4, 0.5, 0.6):
        fusions[f"score(alpha={a},depth=300)"] = lambda d, l, a=a: fuse_scores(d, l, alpha=a, depth=DEPTH)
    lex = {name: bm25_variant(index, work, k1=k1, b=b, tokens=tok) for name, (tok, k1, b) in variants.items()}
    rows = []
    for vname, li in lex.items():
        lexical = {qid: li.search(q, DEPTH) for qid, q in train_lists.queries.items()}
        v = Lists(train_lists.queries, train_lists.dense, lexical, train_lists.doc_of)
        rows.append({"lexical": vname, "fusion": "bm25 only", "train": score(v, qrels_train, lambda d, l: [p for p, _ in l])})
        for fname, order in fusions.items():
            rows.append({"lexical": vname, "fusion": fname, "train": score(v, qrels_train, order)})
    best = max((r for r in rows if r["fusion"] != "bm25 only"), key=lambda r: r["train"]["ndcg@10"])
    # Test, once, for what train chose (and the references beside it).
    test_dense = {qid: index.vectors.query(index.embedder.encode_query(q), DEPTH) for qid, q in test.items()}
    report_rows = [("shipped", "rrf(reference)", _rrf_order(rrf_k=60, dense_weight=1.0, lexical_weight=1.0,
                                                            dense_k=50, lexical_k=50)),
                   ("shipped", "rrf(chosen)", fusions["rrf(chosen)"]),
                   ("shipped", "bm25 only", lambda d, l: [p for p, _ in l]),
                   (best["lexical"], "bm25 only", lambda d, l: [p for p, _ in l]),
                   (best["lexical"], best["fusion"], fusions[best["fusion"]])]
    on_test = []
    for vname, fname, order in report_rows:
        lexical = {qid: lex[vname].search(q, DEPTH) for qid, q in test.items()}
        v = Lists(test, test_dense, lexical, train_lists.doc_of)
        on_test.append({"lexical": vname, "fusion": fname, "test": score(v, qrels_test, order)})
    return {"variants": {k: {"tokens": t, "k1": k1, "b": b} for k, (t, k1, b) in variants.items()},
            "train": rows, "best_on_train": best, "test_report": on_test}


def fuse_weighted(d: Sequence[tuple[str, float]], l: Sequence[tuple[str, float]], *, dense_weight: float,
                  lexical_weight: float, dense_k: int, lexical_k: int) -> list[str]:
    """Passage order exactly as Retriever.search fuses it with fusion="weighted"."""
    scores = weighted_scores([(list(d[:dense_k]), dense_weight), (list(l[:lexical_k]), lexical_weight)])
    return sorted(scores, key=lambda pid: -scores[pid])


def weighted_stage(lists: Lists, qrels: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Stage 6: dense weight × depth for the product's weighted fusion, min–max scaling beside it."""
    grid = []
    for depth in (50, 100, 200, 300):
        for w in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
            kw = {"dense_weight": w, "lexical_weight": round(1 - w, 2), "dense_k": depth, "lexical_k": depth}
            grid.append({"settings": {"fusion": "weighted", **kw},
                         **score(lists, qrels, lambda d, l, kw=kw: fuse_weighted(d, l, **kw))})
            grid.append({"settings": {"fusion": "min-max", "alpha_dense": w, "depth": depth},
                         **score(lists, qrels, lambda d, l, w=w, dp=depth: fuse_scores(d, l, alpha=w, depth=dp))})
    best = max((r for r in grid if r["settings"]["fusion"] == "weighted"), key=lambda r: r["ndcg@10"])
    return {"best": best, "best_min_max": max((r for r in grid if r["settings"]["fusion"] == "min-max"),
                                              key=lambda r: r["ndcg@10"]), "grid": grid}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--limit", type=int, help="at most this many train queries (quick check)")
    ap.add_argument("--proposals-only", action="store_true",
                    help="rerun only stage 5, keeping the other stages of the existing --out file")
    ap.add_argument("--weighted", action="store_true",
                    help="rerun only stage 6 (weighted score fusion on the index as shipped), keeping the rest")
    args = ap.parse_args(argv)
    from evidence_assistant import Assistant

    t0 = time.perf_counter()
    data = scifact.load()
    train = data.split("train")
    if args.limit:
        train = dict(list(train.items())[:args.limit])
    qrels = data.qrels["train"]
    base = Settings()
    index_dir = scifact.build_index(data, base, log=lambda m: print(m, file=sys.stderr))
    s = base.model_copy(update={"index_dir": index_dir})
    assistant = Assistant.open(settings=s)
    index = assistant.index
    index.ensure_lexical_loaded()
    print(f"collecting candidate lists for {len(train)} train queries…", file=sys.stderr)
    lists = collect(index, train)
    if args.weighted:
        out = json.loads(args.out.read_text()) if args.out.is_file() else {"stages": {}}
        out["stages"]["6_weighted_fusion"] = weighted_stage(lists, qrels)
        out["stages"]["6_weighted_fusion"]["lexical_text"] = index.manifest.get_meta("lexical_text")
        assistant.close()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, indent=1) + "\n")
        print(json.dumps({k: v for k, v in out["stages"]["6_weighted_fusion"].items() if k != "grid"}, indent=1))
        return 0
    if args.proposals_only:
        out = json.loads(args.out.read_text())
        work = index_dir.parent / (index_dir.name + "-tuning")
        out["stages"]["5_proposals"] = proposals(index, work, lists, data, out["chosen"]["settings"])
        assistant.close()
        args.out.write_text(json.dumps(out, indent=1) + "\n")
        print(json.dumps(out["stages"]["5_proposals"]["test_report"], indent=1))
        return 0
    checked = check_replay(Assistant(index, s.model_copy(update={"retrieval": "hybrid"})), lists)
    out: dict[str, Any] = {"queries": "SciFact train", "n_queries": len(train), "depth": DEPTH,
                           "replay_checked_on": checked, "stages": {}}

    ref = {"rrf_k": 60, "dense_weight": 1.0, "lexical_weight": 1.0, "dense_k": 50, "lexical_k": 50}
    out["reference"] = {"settings": ref, **score(lists, qrels, _rrf_order(**ref))}
    out["bm25_only"] = score(lists, qrels, lambda d, l: [p for p, _ in l])
    out["dense_only"] = score(lists, qrels, lambda d, l: [p for p, _ in d])

    # Stage 1: rrf_k x dense weight at depth 100.
    grid1 = []
    for k in (1, 2, 5, 10, 20, 30, 45, 60, 80, 100, 150):
        for w in (0.5, 0.7, 0.85, 1.0, 1.2, 1.5, 2.0):
            kw = {"rrf_k": k, "dense_weight": w, "lexical_weight": 1.0, "dense_k": 100, "lexical_k": 100}
            grid1.append({"settings": kw, **score(lists, qrels, _rrf_order(**kw))})
    best1 = max(grid1, key=lambda r: r["ndcg@10"])
    out["stages"]["1_rrf_k_x_weight"] = {"best": best1, "grid": grid1}
    print(f"stage 1 best {best1}", file=sys.stderr)

    # Stage 2: depths, then stage 1 again at the best depths.
    grid2 = []
    for dk in (10, 20, 30, 50, 100, 200, 300):
        for lk in (10, 20, 30, 50, 100, 200, 300):
            kw = {**best1["settings"], "dense_k": dk, "lexical_k": lk}
            grid2.append({"settings": kw, **score(lists, qrels, _rrf_order(**kw))})
    best2 = max(grid2, key=lambda r: (round(r["ndcg@10"], 4), -r["settings"]["dense_k"] - r["settings"]["lexical_k"]))
    grid2b = []
    for k in (1, 2, 5, 10, 20, 30, 45, 60, 80, 100, 150):
        for w in (0.5, 0.7, 0.85, 1.0, 1.2, 1.5, 2.0):
            kw = {**best2["settings"], "rrf_k": k, "dense_weight": w}
            grid2b.append({"settings": kw, **score(lists, qrels, _rrf_order(**kw))})
    best = max(grid2b, key=lambda r: r["ndcg@10"])
    out["stages"]["2_depths"] = {"best": best2, "grid": grid2}
    out["stages"]["2b_rrf_k_x_weight_at_best_depths"] = {"best": best, "grid": grid2b}
    out["chosen"] = best
    print(f"chosen {best}", file=sys.stderr)

    # Stage 3: BM25 parameters and tokenisation (need a lexical index each; built beside the cache).
    work = index_dir.parent / (index_dir.name + "-tuning")
    bm = []
    for tokens in ("stem+stop",):
        for k1 in (0.6, 0.9, 1.2, 1.5):
            for b in (0.3, 0.4, 0.6, 0.75, 0.9):
                lex = bm25_variant(index, work, k1=k1, b=b, tokens=tokens)
                lexical = {qid: lex.search(q, DEPTH) for qid, q in train.items()}
                variant = Lists(train, lists.dense, lexical, lists.doc_of)
                row = {"tokens": tokens, "k1": k1, "b": b,
                       "bm25_only": score(variant, qrels, lambda d, l: [p for p, _ in l]),
                       "fused_with_chosen": score(variant, qrels, _rrf_order(**best["settings"]))}
                bm.append(row)
                print(f"bm25 {row}", file=sys.stderr)
    out["stages"]["3_bm25"] = {"grid": bm,
                               "best_bm25_only": max(bm, key=lambda r: r["bm25_only"]["ndcg@10"]),
                               "best_fused": max(bm, key=lambda r: r["fused_with_chosen"]["ndcg@10"]),
                               "shipped": {"tokens": "stem+stop", "k1": 0.9, "b": 0.4}}

    # Stage 4: score fusion (a proposal; the product's retriever does not implement it yet).
    grid4 = []
    for depth in (50, 100, 300):
        for alpha in (0.3, 0.4, 0.5, 0.6, 0.7):
            grid4.append({"settings": {"alpha_dense": alpha, "depth": depth},
                          **score(lists, qrels, lambda d, l, a=alpha, dp=depth: fuse_scores(d, l, alpha=a, depth=dp))})
    out["stages"]["4_score_fusion_proposal"] = {"best": max(grid4, key=lambda r: r["ndcg@10"]), "grid": grid4}
    out["stages"]["5_proposals"] = proposals(index, work, lists, data, best["settings"])
    out["seconds"] = round(time.perf_counter() - t0, 1)
    assistant.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps({k: out[k] for k in ("reference", "bm25_only", "dense_only", "chosen")}, indent=1))
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
