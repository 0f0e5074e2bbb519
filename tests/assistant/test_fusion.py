"""How dense and lexical candidates are fused, and what the lexical index reads of a passage."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evidence_assistant.answering.retrieve import Retriever, rrf, weighted_scores
from evidence_assistant.core.settings import Settings
from evidence_ingest import lexical_text
from evidence_assistant.core.text import tokenize
from evidence_ingest.store import Index


def test_weighted_scores_scale_each_list_by_its_best():
    dense = [("a", 0.8), ("b", 0.4)]
    lexical = [("b", 20.0), ("c", 10.0)]
    s = weighted_scores([(dense, 0.45), (lexical, 0.55)])
    assert s["a"] == pytest.approx(0.45)              # best dense, absent from BM25
    assert s["b"] == pytest.approx(0.45 * 0.5 + 0.55)  # half the best cosine, best BM25
    assert s["c"] == pytest.approx(0.55 * 0.5)
    assert sorted(s, key=lambda p: -s[p]) == ["b", "a", "c"]


def test_weighted_scores_keep_the_gap_rank_fusion_forgets():
    # BM25 finds "far" far ahead of everything else; dense ranks "near" just above it.
    dense = [("near", 0.61), ("far", 0.60), ("x", 0.59)]
    lexical = [("far", 30.0), ("near", 3.0), ("x", 2.9)]
    w = weighted_scores([(dense, 0.45), (lexical, 0.55)])
    assert max(w, key=w.get) == "far"
    # Equal weights in rank fusion cannot tell the two apart; the first list breaks the tie.
    r = rrf([([p for p, _ in dense], 1.0), ([p for p, _ in lexical], 1.0)], 20)
    assert r["near"] == pytest.approx(r["far"])


def test_weighted_scores_ignore_empty_and_non_positive_lists():
    assert weighted_scores([([], 1.0), ([("a", 2.0)], 0.5)]) == {"a": pytest.approx(0.5)}
    assert weighted_scores([([("a", -0.1), ("b", -0.3)], 1.0)]) == {}


def test_both_fusions_run_through_the_retriever(sample_assistant):
    index = sample_assistant.index
    q = "What overall rating did the expert panel give?"
    for fusion in ("weighted", "rrf"):
        s = sample_assistant.settings.model_copy(update={"fusion": fusion})
        res = Retriever(index, s).search(q, k=5)
        assert len(res.results) == 5
        scores = [r.score for r in res.results]
        assert all(a >= b for a, b in zip(scores, scores[1:])) or s.max_per_document < 5
        assert any("inadequate" in r.passage.text.lower() for r in res.results), fusion


def test_by_default_lexical_tokens_are_the_passage_text(sample_assistant):
    index = sample_assistant.index
    assert index.manifest.get_meta(lexical_text.META_KEY) == lexical_text.TEXT_ONLY
    for pid, _, tokens in list(index.manifest.iter_indexed())[:20]:
        p = index.manifest.passages([pid])[pid]
        assert tokens == " ".join(tokenize(p.text))


def test_switching_lexical_context_retokenizes_the_index_once(sample_index: Path, tmp_path: Path):
    copy = tmp_path / "index"
    shutil.copytree(sample_index, copy, ignore=shutil.ignore_patterns("ingest.lock"))
    plain, context = Settings(index_dir=copy), Settings(index_dir=copy, lexical_context=True)
    idx = Index.open(plain)
    gen0 = idx.manifest.generation()
    idx.close()

    idx = Index.open(context)
    try:
        assert idx.manifest.get_meta(lexical_text.META_KEY) == lexical_text.WITH_CONTEXT
        assert idx.manifest.generation() == gen0 + 1  # the lexical index is rebuilt from the new tokens
        rows = list(idx.manifest.iter_indexed())
        passages = idx.manifest.passages([pid for pid, _, _ in rows])
        # A passage deep in a document now matches its title's words, as its vector does.
        for pid, _, tokens in rows:
            assert set(tokenize(passages[pid].title)) <= set(tokens.split())
        idx2 = Index.open(context)  # opening again with the same settings changes nothing
        assert idx2.manifest.generation() == gen0 + 1
        idx2.close()
        res = Retriever(idx, context).search("Expert Panel evaluation rating", k=3, mode="lexical")
        assert res.results
    finally:
        idx.close()

    idx = Index.open(plain)  # and back
    try:
        assert idx.manifest.get_meta(lexical_text.META_KEY) == lexical_text.TEXT_ONLY
        pid, _, tokens = next(iter(idx.manifest.iter_indexed()))
        assert tokens == " ".join(tokenize(idx.manifest.passages([pid])[pid].text))
    finally:
        idx.close()


def test_an_index_from_before_the_marker_is_marked_without_work(sample_index: Path, tmp_path: Path):
    copy = tmp_path / "index"
    shutil.copytree(sample_index, copy, ignore=shutil.ignore_patterns("ingest.lock"))
    s = Settings(index_dir=copy)
    idx = Index.open(s)
    with idx.manifest.tx() as c:
        c.execute("DELETE FROM meta WHERE key=?", (lexical_text.META_KEY,))
    gen0 = idx.manifest.generation()
    idx.close()
    idx = Index.open(s)
    try:
        assert idx.manifest.get_meta(lexical_text.META_KEY) == lexical_text.TEXT_ONLY
        assert idx.manifest.generation() == gen0  # its tokens were already text-only
    finally:
        idx.close()


def test_lexical_candidates_the_dense_search_missed_get_their_exact_cosine(sample_assistant):
    """The dense search is approximate, and short here on purpose (3 passages): the passages BM25
    finds that it did not return are scored from their stored vectors, as an exact search would,
    rather than getting nothing from the dense side of the fusion."""
    index = sample_assistant.index
    s = sample_assistant.settings.model_copy(update={"dense_k": 3, "max_per_document": 8})
    q = "When was the Expert Panel evaluation published?"
    res = Retriever(index, s).search(q, k=8)
    qvec = index.embedder.encode_query(q)
    vecs = index.vectors.vectors([r.passage.passage_id for r in res.results])
    lexical_only = [r for r in res.results if r.lexical_rank is not None and r.dense_rank is not None
                    and r.dense_rank > 3]
    assert lexical_only, "with 3 dense passages, most of the 8 shown come from BM25"
    for r in res.results:
        assert r.similarity is not None
        assert r.similarity == pytest.approx(float(vecs[r.passage.passage_id] @ qvec), abs=1e-5)


def test_without_completion_a_missed_passage_gets_nothing_from_the_dense_side(sample_assistant, monkeypatch):
    from evidence_assistant.answering import retrieve

    index = sample_assistant.index
    s = sample_assistant.settings.model_copy(update={"dense_k": 3, "max_per_document": 8})
    q = "When was the Expert Panel evaluation published?"
    completed = {r.passage.passage_id: r for r in Retriever(index, s).search(q, k=8).results}
    monkeypatch.setattr(retrieve, "COMPLETE_DENSE", 0)
    bare = {r.passage.passage_id: r for r in Retriever(index, s).search(q, k=8).results}
    missed = [pid for pid, r in bare.items() if r.similarity is None and pid in completed]
    assert missed, "with 3 dense passages, BM25 brings passages the dense search did not return"
    for pid in missed:
        assert completed[pid].similarity > 0
        assert completed[pid].score > bare[pid].score  # its closeness in meaning now counts
