"""BEIR SciFact: document retrieval on scientific claims, beside published baselines.

Each abstract is indexed as one document (title as its heading, abstract as its paragraph) with
the product's own chunker, embedder and lexical index; a query's documents are ranked where
their best passage ranks in the product's own search (``Assistant.retriever``). nDCG@10 and MRR@10 use the
configuration exactly as set; recall@100 needs a ranking 100 documents deep, so it is measured
with each side's candidate depth raised to ``RECALL_DEPTH`` passages (default depths of 50 cannot
hold 100 documents).
"""
from __future__ import annotations

import csv
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from evidence_assistant.core.settings import Settings
from evidence_assistant.core.types import Block, SourceDocument

from . import metrics
from .cache import ensure_index
from .data import file_fingerprint, require, shared_data

RECALL_DEPTH = 300
PREFIX = "scifact-"

# Published nDCG@10 on the 300 test queries (shared/data/beir-scifact/BASELINES.md).
BASELINES: dict[str, float] = {
    "BM25 (BEIR paper, multifield)": 0.665,
    "BM25 flat (Anserini regression)": 0.6789,
    "all-MiniLM-L6-v2 (MTEB)": 0.645,
    "BM25 + cross-encoder (BEIR paper)": 0.688,
    "ColBERT (BEIR paper)": 0.671,
    "docT5query (BEIR paper)": 0.675,
}
BASELINE_RECALL_100 = {"BM25 flat (Anserini regression)": 0.9253}

# The CI subset: test queries and the corpus they are judged on, chosen by hash (stable and
# independent of file order), plus distractors so that ranking still has to work.
SUBSET_QUERIES = 60
SUBSET_DISTRACTORS = 600


@dataclass
class SciFact:
    corpus: dict[str, tuple[str, str]]  # doc id -> (title, abstract)
    queries: dict[str, str]
    qrels: dict[str, dict[str, dict[str, int]]]  # split -> query id -> doc id -> relevance
    fingerprint: str

    def split(self, name: str) -> dict[str, str]:
        return {q: self.queries[q] for q in self.qrels[name] if q in self.queries}


def data_dir() -> Path:
    return require(shared_data() / "beir-scifact", "BEIR SciFact")


def load(path: Path | None = None) -> SciFact:
    d = path or data_dir()
    corpus_file = require(d / "corpus.jsonl", "SciFact corpus.jsonl")
    corpus: dict[str, tuple[str, str]] = {}
    with corpus_file.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            corpus[str(row["_id"])] = (row.get("title") or "", row.get("text") or "")
    queries: dict[str, str] = {}
    with require(d / "queries.jsonl", "SciFact queries.jsonl").open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            queries[str(row["_id"])] = row["text"]
    qrels: dict[str, dict[str, dict[str, int]]] = {}
    for split in ("train", "test"):
        table: dict[str, dict[str, int]] = {}
        with require(d / "qrels" / f"{split}.tsv", f"SciFact qrels/{split}.tsv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                if int(row["score"]) > 0:
                    table.setdefault(str(row["query-id"]), {})[str(row["corpus-id"])] = int(row["score"])
        qrels[split] = table
    fp = file_fingerprint(corpus_file, d / "queries.jsonl", d / "qrels" / "test.tsv", d / "qrels" / "train.tsv")
    return SciFact(corpus, queries, qrels, fp)


def _hash_order(ids: list[str], salt: str) -> list[str]:
    return sorted(ids, key=lambda x: hashlib.sha256(f"{salt}:{x}".encode()).hexdigest())


def subset(data: SciFact, n_queries: int = SUBSET_QUERIES, n_distractors: int = SUBSET_DISTRACTORS
           ) -> tuple[dict[str, str], list[str]]:
    """(test queries, corpus doc ids) of the CI subset: ``n_queries`` test queries, their
    relevant documents, and ``n_distractors`` other documents."""
    test = data.split("test")
    qids = _hash_order(list(test), "scifact-subset-queries")[:n_queries]
    relevant = {d for q in qids for d in data.qrels["test"][q]}
    others = _hash_order([d for d in data.corpus if d not in relevant], "scifact-subset-docs")[:n_distractors]
    docs = sorted(relevant | set(others), key=lambda x: (len(x), x))
    return {q: test[q] for q in qids}, docs


def documents(data: SciFact, doc_ids: list[str] | None = None) -> Iterator[tuple[SourceDocument, list[Block]]]:
    """One SourceDocument per abstract: the title as heading, the abstract as its paragraph."""
    for did in doc_ids if doc_ids is not None else list(data.corpus):
        title, text = data.corpus[did]
        doc = SourceDocument(doc_id=f"{PREFIX}{did}", path=f"scifact/{did}", format="text",
                             title=title or f"SciFact {did}", kind="other")
        blocks = ([Block(title, kind="heading", level=1)] if title else []) + \
            [Block(text, heading_path=(title,) if title else ())]
        yield doc, blocks


def build_index(data: SciFact, settings: Settings, *, doc_ids: list[str] | None = None, name: str = "scifact",
                root: Path | None = None, log: Callable[[str], None] | None = None) -> Path:
    from evidence_assistant import index_documents

    ids = doc_ids if doc_ids is not None else list(data.corpus)
    corpus_id = f"{name}:{data.fingerprint}:{hashlib.sha256(' '.join(ids).encode()).hexdigest()[:12]}"

    def build(s: Settings):
        return index_documents(documents(data, ids), settings=s)

    return ensure_index(name, settings, corpus_id, build, root=root, log=log)


def doc_ranking(assistant: Any, query: str) -> list[str]:
    """Documents in the order of their best passage in the product's fused ranking, as
    ``assistant`` (an open ``Assistant``) searches with its settings."""
    s = assistant.settings
    k = s.dense_k + s.lexical_k  # every fused candidate
    res = assistant.retriever.search(query, k=k)
    return metrics.dedupe(sp.passage.doc_id.removeprefix(PREFIX) for sp in res.results)


def evaluate(assistant: Any, queries: dict[str, str], qrels: dict[str, dict[str, int]], *,
             progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """nDCG@10, MRR@10 and recall@10/100 of ``assistant``'s settings over ``queries`` (an open
    ``Assistant`` on the SciFact index)."""
    from evidence_assistant import Assistant

    settings = assistant.settings
    deep = settings.model_copy(update={"dense_k": max(settings.retrieval.dense_k, RECALL_DEPTH),
                                       "lexical_k": max(settings.retrieval.lexical_k, RECALL_DEPTH)})
    a_deep = Assistant(assistant.index, deep)  # the same open index, searched deeper
    # Each configuration embeds its own queries: latency is compared like for like, not against
    # a configuration that found every query already embedded by the one before it.
    cache = getattr(assistant.index.embedder, "_cache", None)
    if cache is not None:
        cache.clear()
    per_query: dict[str, dict[str, float]] = {}
    times: list[float] = []
    for qid, text in queries.items():
        rel = qrels.get(qid, {})
        t = time.perf_counter()
        ranked = doc_ranking(assistant, text)
        times.append(time.perf_counter() - t)
        ranked_deep = doc_ranking(a_deep, text)
        per_query[qid] = {
            "ndcg@10": metrics.ndcg_at_k(ranked, rel, 10),
            "mrr@10": metrics.reciprocal_rank(ranked, rel, 10),
            "recall@10": metrics.recall_at_k(ranked, rel, 10),
            "recall@100": metrics.recall_at_k(ranked_deep, rel, 100),
        }
        if progress:
            progress(1)
    n = len(per_query)
    agg = {m: sum(v[m] for v in per_query.values()) / n if n else None
           for m in ("ndcg@10", "mrr@10", "recall@10", "recall@100")}
    agg["queries"] = n
    agg["latency_p50_s"] = metrics.percentile(times, 50) if times else None
    agg["latency_p95_s"] = metrics.percentile(times, 95) if times else None
    return {"metrics": agg, "per_query": per_query}
