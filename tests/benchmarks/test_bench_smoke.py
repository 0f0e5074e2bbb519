"""A tiny run of the benchmark code, so that ``make bench`` cannot rot between the (long) real
runs. The arithmetic helpers are tested on their own; one slow test builds a few-dozen-passage
index in a temporary cache and runs every stage on it in this process, and one runs
``benchmarks.run_all --quick`` end to end."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from benchmarks import data
from benchmarks.cache import CachedEmbedder, VectorCache, text_key
from benchmarks.query import first_unique, ndcg_at_k, percentile, summary_ms
from benchmarks.report import markdown, summarise, write_all


# --- fast: no model -------------------------------------------------------------------------
def test_percentile_and_summary() -> None:
    xs = [0.010, 0.020, 0.030, 0.040, 0.100]
    assert percentile(xs, 50) == pytest.approx(0.030)
    assert percentile(xs, 100) == pytest.approx(0.100)
    assert percentile([0.5], 95) == 0.5
    s = summary_ms(xs)
    assert s["n"] == 5 and s["p50_ms"] == 30.0 and s["max_ms"] == 100.0


def test_ndcg_matches_hand_computation() -> None:
    rel = {"a": 1, "b": 1}
    assert ndcg_at_k(["a", "b", "c"], rel) == pytest.approx(1.0)
    # one relevant at rank 2 of two: (1/log2 3) / (1 + 1/log2 3)
    assert ndcg_at_k(["c", "a"], rel) == pytest.approx((1 / np.log2(3)) / (1 + 1 / np.log2(3)))
    assert ndcg_at_k(["x", "y"], rel) == 0.0
    assert first_unique(["a", None, "a", "b", "c"], 2) == ["a", "b"]


class _FakeEmbedder:
    dimension = 4
    model_id = "fake:4"

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts, *, batch_size=None):  # noqa: ANN001 - the Embedder's signature
        self.calls += len(texts)
        return np.array([[len(t), 1.0, 0.0, 0.0] for t in texts], dtype=np.float32)


def test_vector_cache_reuses_vectors_across_processes(tmp_path: Path) -> None:
    fake = _FakeEmbedder()
    emb = CachedEmbedder(fake, VectorCache(tmp_path))
    v1 = emb.encode(["alpha", "beta", "alpha"])
    assert fake.calls == 2 and v1.shape == (3, 4) and v1[0, 0] == 5
    # A new cache object (as in a later run) finds the shard on disk; nothing is embedded again.
    emb2 = CachedEmbedder(fake, VectorCache(tmp_path))
    v2 = emb2.encode(["beta", "alpha"])
    assert fake.calls == 2 and emb2.reused == 2
    assert np.array_equal(v2[1], v1[0])
    assert text_key("alpha") in VectorCache(tmp_path)
    assert emb2.model_id == "fake:4"  # everything else is the real embedder's


def test_with_copies_reaches_the_size_with_new_ids() -> None:
    from evidence_assistant.core.types import Block, SourceDocument
    docs = [data.PoolDoc("t", SourceDocument(doc_id=f"d{i}", path=f"p{i}", format="text", title=f"T{i}"),
                         [Block(text="x")]) for i in range(3)]
    out = data.with_copies(docs, 10, lambda d: 2)
    assert sum(2 for _ in out) >= 10
    ids = [d.doc.doc_id for d in out]
    assert len(ids) == len(set(ids))  # every copy is a new document
    assert {d.original_id for d in out} == {"d0", "d1", "d2"}
    assert data.with_copies(docs, 3, lambda d: 2) == docs[:2]  # enough real text: a prefix


def test_report_renders_from_a_minimal_result(tmp_path: Path) -> None:
    res = {"date": "2026-01-01 00:00 UTC", "machine": {"nproc": 2, "cpu_model": "x", "ram_gib": 1},
           "versions": {}, "command": "c", "quick": False,
           "sets": [{"label": "1k", "set": "mixed", "built": {"passages": 1000, "unique_passages": 1000},
                     "product": {"passages": 1000, "retrieve": {"p50_ms": 10.0, "p95_ms": 20.0},
                                 "ask": {"p50_ms": 100.0, "p95_ms": 200.0}, "cold": {"total_to_first_answer_s": 5.0}},
                     "baseline": {"retrieve": {"p50_ms": 8.0, "p95_ms": 9.0}}}]}
    res["targets"] = summarise(res)
    assert res["targets"]["retrieve_p50_ms"]["met"] and res["targets"]["baseline_ratio"]["measured"] == 1.25
    write_all(res, tmp_path, "t", readme=False)
    assert "| 1k |" in markdown(res)
    assert (tmp_path / "t.png").stat().st_size > 1000 and json.loads((tmp_path / "t.json").read_text())


# --- slow: the real model, a tiny real index ------------------------------------------------
@pytest.mark.slow
def test_every_stage_on_a_tiny_index(shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     repo_root: Path) -> None:
    from benchmarks import indexes, query
    from benchmarks.ingest import run as run_ingest

    monkeypatch.setattr(data, "CACHE_DIR", tmp_path / "cache")
    d, info = indexes.build_product_index("scifact", 12, precision="fp32", log=lambda m: None)
    assert info["passages"] >= 12 and info["unique_passages"] == info["passages"]
    again, info2 = indexes.build_product_index("scifact", 12, precision="fp32", log=lambda m: None)
    assert again == d and info2 == info  # cached, not rebuilt
    base = indexes.build_baseline_index(d, info, log=lambda m: None)

    qs = data.benchmark_queries(6)
    assert len(qs) == 6 and len(set(qs)) == 6
    prod = query.run_product(d, qs, chunk_tokens=192, chunk_overlap=32, asks=2, repeats=2, scifact=True,
                             scifact_queries=5, profile=tmp_path / "profile.txt")
    assert prod["passages"] == info["passages"]
    assert prod["retrieve"]["n"] == 4 and prod["ask"]["n"] == 2
    assert prod["cold"]["total_to_first_answer_s"] > 0
    assert 0.0 <= prod["scifact"]["ndcg@10"] <= 1.0
    assert prod["profile"]["top_self_time"] and (tmp_path / "profile.txt").is_file()
    bl = query.run_baseline(base, qs, scifact=True, scifact_queries=5)
    assert bl["passages"] == info["passages"] and bl["retrieve"]["n"] == 4

    folder = tmp_path / "docs"
    folder.mkdir()
    for f in sorted((repo_root / "corpus" / "sample").glob("*.md")):
        shutil.copy(f, folder / f.name)
    ing = run_ingest(folder, precision="fp32")
    assert ing["passages"] > 0 and ing["ratio_wall"] and ing["pipeline"]["peak_rss_mb"] > 0


@pytest.mark.slow
def test_run_all_quick_end_to_end(shared_data: Path, tmp_path: Path) -> None:
    from benchmarks.run_all import main

    out = tmp_path / "results"
    rc = main(["--quick", "--sizes", "10", "--queries", "5", "--scifact-queries", "3", "--skip", "ingest",
               "--cache", str(tmp_path / "cache"), "--out", str(out)])
    assert rc == 0
    res = json.loads((out / "quick.json").read_text())
    assert res["machine"]["nproc"] and res["versions"]["torch"]
    s = res["sets"][0]
    assert s["product"]["retrieve"]["p50_ms"] > 0 and s["baseline"]["retrieve"]["p50_ms"] > 0
    assert "scifact_ndcg@10" in res["targets"]
    assert (out / "quick.md").is_file() and (out / "quick.png").is_file()


def test_bulk_build_writes_through_the_product_writer(tmp_path: Path) -> None:
    """The 100k set's batched build is the product's writer with one vector write per batch:
    the same passages in every store as the one-per-document build, and a clean end."""
    from benchmarks import indexes

    from evidence_assistant import Assistant, Block, SourceDocument, index_documents
    from evidence_assistant.core.settings import Settings

    texts = ["Hip fractures fell with vitamin D.", "Statins cut second strokes.", "Hand washing cut infections.",
             "Screen time delayed sleep.", "Aspirin lowered bowel cancer."]
    pool = [data.PoolDoc("test", SourceDocument(doc_id=f"b-{i}", path=f"bulk/{i}", format="text", title=f"Doc {i}",
                                                kind="other"), [Block(t)]) for i, t in enumerate(texts)]
    seen: list[dict] = []
    bulk = Settings(index_dir=tmp_path / "bulk")
    report = indexes.bulk_index(bulk, pool, seen.append, batch_passages=2)
    assert (report.indexed, report.passages_added) == (5, 5) and seen  # progress told after each batch
    single = Settings(index_dir=tmp_path / "single")
    index_documents(((d.doc, d.blocks) for d in pool), settings=single)
    held = {}
    for name, s in (("bulk", bulk), ("single", single)):
        with Assistant.open(settings=s) as a:
            a.index.ensure_lexical_loaded()
            held[name] = (sorted(a.index.manifest.passage_ids()), sorted(a.index.vectors.all_ids()),
                          sorted(a.index.lexical.ids), a.index.manifest.get_meta("vector_writes"))
    assert held["bulk"] == held["single"] and held["bulk"][3] == "clean" and len(held["bulk"][0]) == 5
