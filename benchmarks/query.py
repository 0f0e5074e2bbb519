"""Query latency and cold start, in a fresh process per index.

``python -m benchmarks.query product INDEX_DIR --queries Q.json --out R.json`` measures, for the
product's default configuration (hybrid retrieval, extractive answers):

* cold start: interpreter start → imports → ``Assistant.open`` (model load, index open) → first
  ``retrieve`` → first full ``ask``; the wall clock from the parent's spawn is passed in
  ``BENCH_SPAWN_TIME`` so interpreter start-up is counted;
* warm retrieval: ``a.retrieve(q)`` for every query (each distinct, so no query-cache hit);
* warm answers: ``a.ask(q)`` for the same queries after the query cache is emptied;
* repeated questions: ``retrieve`` again on queries already asked (the query cache's effect);
* the product's own per-stage timings (embed, dense, lexical, fuse; score, check);
* SciFact nDCG@10 when ``--scifact`` is given (hybrid, dense-only and lexical-only).

``python -m benchmarks.query baseline STORE_DIR ...`` does the same for the plain LangChain
store (``baseline.py``): ``similarity_search(q, k=5)``.
"""
from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

_T_MODULE = time.time()  # before any heavy import


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank-interpolated percentile (numpy's default 'linear' method)."""
    if not values:
        return float("nan")
    xs = sorted(values)
    k = (len(xs) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def summary_ms(values: Sequence[float]) -> dict[str, float]:
    """p50/p95/mean/max in milliseconds from seconds (and the CPU time's p50 when known)."""
    if not values:
        return {"n": 0}
    out = {"n": len(values), "p50_ms": round(percentile(values, 50) * 1000, 1),
           "p95_ms": round(percentile(values, 95) * 1000, 1),
           "mean_ms": round(statistics.fmean(values) * 1000, 1), "max_ms": round(max(values) * 1000, 1)}
    cpu = CPU_TIMES.get(id(values))
    if cpu:
        out["cpu_p50_ms"] = round(percentile(cpu, 50) * 1000, 1)
        out["cpu_p95_ms"] = round(percentile(cpu, 95) * 1000, 1)
    return out


def ndcg_at_k(ranked: Sequence[str], relevant: dict[str, int], k: int = 10) -> float:
    """nDCG@k with graded relevance, as BEIR/pytrec_eval compute it (gain = rel, log2 discount)."""
    import math
    dcg = sum(relevant.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def first_unique(ids: Sequence[str | None], k: int) -> list[str]:
    out: list[str] = []
    for x in ids:
        if x and x not in out:
            out.append(x)
            if len(out) == k:
                break
    return out


CPU_TIMES: dict[int, list[float]] = {}  # id(latency list) -> CPU seconds of each call


def _timed(fn: Callable[[str], Any], queries: Sequence[str]) -> tuple[list[float], list[Any]]:
    """Wall-clock seconds of each call; the process CPU seconds of each call are kept beside them
    (on a shared machine wall time includes waiting for a core, CPU time does not)."""
    lat, outs, cpu = [], [], []
    for q in queries:
        c = time.process_time()
        t = time.perf_counter()
        outs.append(fn(q))
        lat.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    CPU_TIMES[id(lat)] = cpu
    return lat, outs


def _stage_summary(dicts: Sequence[dict[str, float]]) -> dict[str, float]:
    keys = sorted({k for d in dicts for k in d})
    return {k: round(percentile([d[k] for d in dicts if k in d], 50) * 1000, 2) for k in keys}


def _cold(spawn: float, marks: dict[str, float]) -> dict[str, float]:
    out = {"interpreter_s": round(_T_MODULE - spawn, 3)}
    prev = _T_MODULE
    for name, t in marks.items():
        out[name] = round(t - prev, 3)
        prev = t
    out["total_to_first_answer_s"] = round(prev - spawn, 3)
    return out


def run_product(index_dir: Path, queries: list[str], *, chunk_tokens: int, chunk_overlap: int,
                precision: str = "fp32", asks: int | None = None, repeats: int = 20,
                scifact: bool = False, profile: Path | None = None, spawn: float | None = None,
                settings_extra: dict[str, Any] | None = None, scifact_queries: int | None = None) -> dict[str, Any]:
    spawn = spawn or _T_MODULE
    marks: dict[str, float] = {}
    from evidence_assistant import Assistant, Settings  # noqa: F401 - the import is what is timed
    marks["import_s"] = time.time()
    s = Settings(index_dir=index_dir, chunk_tokens=chunk_tokens, chunk_overlap=chunk_overlap, precision=precision,
                 **(settings_extra or {}))
    a = Assistant.open(settings=s)
    marks["open_s"] = time.time()  # model load + manifest + Chroma open
    a.retrieve(queries[0])
    marks["first_retrieve_s"] = time.time()  # includes the BM25 index load
    first = a.ask(queries[1 % len(queries)])
    marks["first_answer_s"] = time.time()
    cold = _cold(spawn, marks)
    cold["first_answer_verdict"] = first.verdict
    # CPU seconds (all threads) the process spent to get there: on a busy machine wall time also
    # counts waiting for a core, this does not.
    ru = resource.getrusage(resource.RUSAGE_SELF)
    cold["cpu_s_to_first_answer"] = round(ru.ru_utime + ru.ru_stime, 2)

    warm_q = queries[2:] if len(queries) > 4 else queries
    retr_lat, retr = _timed(a.retrieve, warm_q)
    retr_stages = _stage_summary([r.timings for r in retr])
    cache = getattr(a.index.embedder, "_cache", None)
    if cache is not None:
        cache.clear()  # answers must not find their question already embedded by retrieve()
    ask_q = warm_q[:asks] if asks else warm_q
    ask_lat, answers = _timed(a.ask, ask_q)
    ask_stages = _stage_summary([x.timings for x in answers])
    rep_lat, _ = _timed(a.retrieve, warm_q[:repeats])
    verdicts: dict[str, int] = {}
    for x in answers:
        verdicts[x.verdict] = verdicts.get(x.verdict, 0) + 1

    out: dict[str, Any] = {
        "kind": "product", "index_dir": str(index_dir), "passages": a.index.manifest.count_passages(),
        "settings": {"retrieval": s.retrieval, "top_k": s.top_k, "dense_k": s.dense_k, "lexical_k": s.lexical_k,
                     "hnsw_ef_search": s.hnsw_ef_search, "precision": a.index.embedder.precision,
                     "answer_precision": a.index.embedder.answer_precision, "batch_size": s.batch_size, "answerer": s.answerer},
        "cold": cold,
        "retrieve": summary_ms(retr_lat), "retrieve_stages_p50_ms": retr_stages,
        "ask": summary_ms(ask_lat), "ask_stages_p50_ms": ask_stages, "ask_verdicts": verdicts,
        "retrieve_repeated": summary_ms(rep_lat),
    }

    # Dense-only and lexical-only, to show where retrieval time goes.
    for mode in ("dense", "lexical"):
        lat, _ = _timed(lambda q, m=mode: a.retriever.search(q, mode=m), warm_q[:50])
        out[f"retrieve_{mode}_only"] = summary_ms(lat)

    out["scaling_probes"] = scaling_probes(a)
    if scifact:
        out["scifact"] = scifact_quality_product(a, max_queries=scifact_queries)

    if profile:
        out["profile"] = profile_product(a, warm_q[:20], profile)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    a.close()
    return out


def _scifact(max_queries: int | None) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    from .data import scifact_queries
    queries, qrels = scifact_queries("test")
    if max_queries:
        queries = dict(list(queries.items())[:max_queries])
    return queries, qrels


def scaling_probes(a: Any, repeats: int = 20) -> dict[str, float]:
    """Work outside the search itself whose cost grows with the corpus: what each query pays
    for ``collection.count()`` (``VectorStore.query`` calls it every time), what every ingest
    pays for the orphan sweep (``Index.recover`` lists every vector id) and for rebuilding the
    whole BM25 index (``refresh_lexical``), and what loading the BM25 index costs."""
    idx = a.index
    out: dict[str, float] = {}
    t = time.perf_counter()
    for _ in range(repeats):
        idx.vectors.count()
    out["chroma_count_ms_per_query"] = round((time.perf_counter() - t) / repeats * 1000, 2)
    t = time.perf_counter()
    idx.manifest.generation()
    out["manifest_generation_ms"] = round((time.perf_counter() - t) * 1000, 3)
    t = time.perf_counter()
    n_ids = len(idx.vectors.all_ids())
    out["recover_list_all_vector_ids_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    known = len(idx.manifest.passage_ids(state="indexed"))
    out["recover_list_manifest_ids_s"] = round(time.perf_counter() - t, 3)
    out["ids"] = float(min(n_ids, known))
    t = time.perf_counter()
    idx.lexical.load()
    out["lexical_load_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    idx.refresh_lexical(force=True)  # the same rows give the same index: the cached one is unchanged
    out["lexical_full_rebuild_s"] = round(time.perf_counter() - t, 3)
    idx.ensure_lexical_loaded()
    return out


def scifact_quality_product(a: Any, k: int = 10, max_queries: int | None = None) -> dict[str, Any]:
    """nDCG@10 on the 300 SciFact test queries. Passages map to their abstract; an abstract's
    rank is that of its best passage (the first time it appears in the fused order)."""
    from .data import scifact_id

    queries, qrels = _scifact(max_queries)
    out: dict[str, Any] = {"queries": len(queries)}
    for mode in ("hybrid", "dense", "lexical"):
        scores = []
        t = time.perf_counter()
        for qid, text in queries.items():
            # 3 passages per abstract at most in the top list, so 30 hold at least 10 abstracts.
            res = a.retriever.search(text, k=3 * k, mode=mode).results
            ranked = first_unique([scifact_id(sp.passage.path) for sp in res], k)
            scores.append(ndcg_at_k(ranked, qrels[qid], k))
        out[f"ndcg@10_{mode}"] = round(statistics.fmean(scores), 4)
        out[f"seconds_{mode}"] = round(time.perf_counter() - t, 1)
    out["ndcg@10"] = out["ndcg@10_hybrid"]
    return out


def profile_product(a: Any, queries: Sequence[str], path: Path) -> dict[str, Any]:
    """pyinstrument over warm ``ask`` calls (new questions each time); the text report is
    written to ``path`` and the heaviest frames returned."""
    from pyinstrument import Profiler

    cache = getattr(a.index.embedder, "_cache", None)
    if cache is not None:
        cache.clear()
    prof = Profiler(interval=0.001)
    prof.start()
    for q in queries:
        a.ask(q)
    prof.stop()
    text = prof.output_text(unicode=True, color=False, show_all=False)
    path.write_text(text)
    session = prof.last_session
    total = session.duration if session else 0.0
    # Self-time per function over the whole tree: what the time is actually spent doing.
    flat: dict[str, float] = {}

    def walk(frame: Any) -> None:
        if frame is None:
            return
        key = f"{frame.function} ({Path(frame.file_path_short or frame.file_path or '?').name}:{frame.line_no})"
        flat[key] = flat.get(key, 0.0) + frame.total_self_time
        for child in frame.children:
            walk(child)

    walk(session.root_frame() if session else None)
    top = sorted(flat.items(), key=lambda kv: -kv[1])[:15]
    return {"queries": len(queries), "seconds": round(total, 3), "report": path.name,
            "top_self_time": [{"function": k, "seconds": round(v, 3), "share": round(v / total, 3) if total else 0}
                              for k, v in top]}


def run_baseline(store_dir: Path, queries: list[str], *, k: int = 5, scifact: bool = False,
                 spawn: float | None = None, scifact_queries: int | None = None) -> dict[str, Any]:
    spawn = spawn or _T_MODULE
    marks: dict[str, float] = {}
    from .baseline import open_baseline
    import langchain_chroma  # noqa: F401
    import langchain_huggingface  # noqa: F401
    marks["import_s"] = time.time()
    store = open_baseline(store_dir)
    marks["open_s"] = time.time()
    store.similarity_search(queries[0], k=k)
    marks["first_retrieve_s"] = time.time()
    marks["first_answer_s"] = marks["first_retrieve_s"]  # the baseline's answer is its search result
    cold = _cold(spawn, marks)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    cold["cpu_s_to_first_answer"] = round(ru.ru_utime + ru.ru_stime, 2)
    warm_q = queries[2:] if len(queries) > 4 else queries
    lat, _ = _timed(lambda q: store.similarity_search(q, k=k), warm_q)
    out: dict[str, Any] = {"kind": "langchain_baseline", "store_dir": str(store_dir), "k": k,
                           "passages": store._collection.count(), "cold": cold, "retrieve": summary_ms(lat)}
    if scifact:
        from .data import scifact_id
        queries_s, qrels = _scifact(scifact_queries)
        scores = []
        t = time.perf_counter()
        for qid, text in queries_s.items():
            docs = store.similarity_search(text, k=30)
            ranked = first_unique([scifact_id(d.metadata.get("path")) for d in docs], 10)
            scores.append(ndcg_at_k(ranked, qrels[qid], 10))
        # k=5 as the baseline: nDCG@10 of its five results (what a k=5 chain would see).
        scores5 = []
        for qid, text in queries_s.items():
            docs = store.similarity_search(text, k=5)
            ranked = first_unique([scifact_id(d.metadata.get("path")) for d in docs], 10)
            scores5.append(ndcg_at_k(ranked, qrels[qid], 10))
        out["scifact"] = {"queries": len(queries_s), "ndcg@10": round(statistics.fmean(scores), 4),
                          "ndcg@10_k5": round(statistics.fmean(scores5), 4),
                          "seconds": round(time.perf_counter() - t, 1)}
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def run_paired(index_dir: Path, store_dir: Path, queries: list[str], *, chunk_tokens: int, chunk_overlap: int,
               k: int = 5) -> dict[str, Any]:
    """Product retrieval and the LangChain baseline in one process, alternating query by query,
    so that both see the same machine load at the same moment (on a shared machine, separate runs
    minutes apart compare the load more than the code). Each product query starts with an empty
    query cache; the torch thread count is the same for both."""
    from evidence_assistant import Assistant, Settings

    from .baseline import open_baseline

    a = Assistant.open(settings=Settings(index_dir=index_dir, chunk_tokens=chunk_tokens, chunk_overlap=chunk_overlap))
    store = open_baseline(store_dir)
    a.retrieve(queries[0])
    store.similarity_search(queries[0], k=k)
    cache = getattr(a.index.embedder, "_cache", None)
    prod: list[float] = []
    base: list[float] = []
    prod_search: list[float] = []  # product retrieval less its query embedding
    for i, q in enumerate(queries[1:]):
        order = ("p", "b") if i % 2 == 0 else ("b", "p")  # neither always goes first
        for who in order:
            if who == "p":
                if cache is not None:
                    cache.clear()
                t = time.perf_counter()
                r = a.retrieve(q)
                prod.append(time.perf_counter() - t)
                prod_search.append(prod[-1] - r.timings.get("embed_s", 0.0))
            else:
                t = time.perf_counter()
                store.similarity_search(q, k=k)
                base.append(time.perf_counter() - t)
    a.close()
    p50p, p50b = percentile(prod, 50), percentile(base, 50)
    return {"kind": "paired", "queries": len(prod), "product_retrieve": summary_ms(prod),
            "baseline_k5": summary_ms(base), "product_retrieve_less_embedding": summary_ms(prod_search),
            "ratio_p50": round(p50p / p50b, 2) if p50b else None,
            "ratio_p95": round(percentile(prod, 95) / percentile(base, 95), 2) if base else None}


def main(argv: Sequence[str] | None = None) -> int:
    import argparse
    ap = argparse.ArgumentParser(description="Query latency in a fresh process.")
    ap.add_argument("kind", choices=["product", "baseline", "paired"])
    ap.add_argument("--baseline-store", type=Path, default=None, help="paired: the LangChain store")
    ap.add_argument("index", type=Path)
    ap.add_argument("--queries", type=Path, required=True, help="JSON list of questions")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--chunk-tokens", type=int, default=192)
    ap.add_argument("--chunk-overlap", type=int, default=32)
    ap.add_argument("--precision", default="fp32")
    ap.add_argument("--asks", type=int, default=None)
    ap.add_argument("--scifact", action="store_true")
    ap.add_argument("--scifact-queries", type=int, default=None, help="first N test queries only (smoke runs)")
    ap.add_argument("--profile", type=Path, default=None)
    ap.add_argument("--settings", default="{}", help="JSON of extra Settings fields (e.g. chroma_host)")
    args = ap.parse_args(argv)
    queries = json.loads(args.queries.read_text())
    spawn = float(os.environ.get("BENCH_SPAWN_TIME", _T_MODULE))
    if args.kind == "product":
        res = run_product(args.index, queries, chunk_tokens=args.chunk_tokens, chunk_overlap=args.chunk_overlap,
                          precision=args.precision, asks=args.asks, scifact=args.scifact, profile=args.profile,
                          spawn=spawn, settings_extra=json.loads(args.settings), scifact_queries=args.scifact_queries)
    elif args.kind == "paired":
        res = run_paired(args.index, args.baseline_store, queries, chunk_tokens=args.chunk_tokens,
                         chunk_overlap=args.chunk_overlap)
    else:
        res = run_baseline(args.index, queries, scifact=args.scifact, spawn=spawn, scifact_queries=args.scifact_queries)
    res["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
    args.out.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
