"""Chroma's HNSW index must find the neighbours exact search finds, on real benchmark text
(BEIR SciFact abstracts and queries)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from evidence_assistant.core.settings import Settings
from evidence_assistant.core.types import Block, SourceDocument
from evidence_ingest.pipeline import index_documents
from evidence_ingest.store import Index


@pytest.mark.slow
def test_hnsw_matches_exact_search_on_scifact(shared_data, tmp_path):
    folder = shared_data / "beir-scifact"
    docs = []
    with (folder / "corpus.jsonl").open() as f:
        for i, line in enumerate(f):
            if i >= 500:
                break
            d = json.loads(line)
            sd = SourceDocument(doc_id=f"scifact-{d['_id']}", path=f"scifact/{d['_id']}", format="json",
                                title=d["title"], kind="other")
            docs.append((sd, [Block(d["title"], kind="heading", level=1), Block(d["text"])]))
    queries = []
    with (folder / "queries.jsonl").open() as f:
        for line in f:
            queries.append(json.loads(line)["text"])
    queries = queries[::11][:80]

    s = Settings(index_dir=tmp_path / "index")
    index_documents(docs, settings=s)
    idx = Index.open(s)
    try:
        ids = idx.manifest.passage_ids()
        vectors = idx.vectors.vectors(ids)
        matrix = np.stack([vectors[i] for i in ids])
        k, hits = 10, 0
        for q in queries:
            qv = idx.embedder.encode_query(q)
            exact = {ids[j] for j in np.argsort(-(matrix @ qv))[:k]}
            approx = {pid for pid, _ in idx.vectors.query(qv, k)}
            hits += len(exact & approx)
        recall = hits / (k * len(queries))
    finally:
        idx.close()
    print(f"HNSW recall@{k} against exact search over {len(ids)} passages, {len(queries)} queries: {recall:.4f}")
    assert recall >= 0.99
