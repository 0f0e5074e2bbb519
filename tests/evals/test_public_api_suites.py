"""The dataset suites and the SciFact tuning work through the public API: indexes built by
``evidence_assistant.index_documents``, searched through an ``Assistant``, and the tuning's BM25
variants expressed by what the product itself offers (no swapping of its code at run time).
A six-abstract SciFact-shaped corpus, the real model and real Chroma in a temporary folder."""
from __future__ import annotations

from pathlib import Path

import pytest

from evidence_assistant import Assistant
from evidence_assistant.core.settings import Settings
from evidence_evals import cache, scifact, tune_scifact

CORPUS = {
    "11": ("Vitamin D supplements and fractures", "Daily vitamin D did not lower the rate of hip fractures in older adults."),
    "12": ("Statin therapy after stroke", "Statins after ischaemic stroke reduced recurrent stroke over five years."),
    "13": ("Hand hygiene on hospital wards", "Hand washing audits cut hospital acquired infections by a third."),
    "14": ("Evening screen time and sleep", "Teenagers with more evening screen time slept later and less."),
    "15": ("Aspirin and colorectal cancer", "Low dose aspirin taken for a decade lowered colorectal cancer incidence."),
    "16": ("Exercise and depression", "Supervised exercise eased symptoms of depression as much as counselling."),
}
QUERIES = {"q1": "vitamin D prevents hip fractures", "q2": "aspirin lowers colorectal cancer risk",
           "q3": "exercise treats depression"}
QRELS = {"q1": {"11": 1}, "q2": {"15": 1}, "q3": {"16": 1}}


@pytest.fixture(scope="module")
def data() -> scifact.SciFact:
    return scifact.SciFact(CORPUS, QUERIES, {"test": QRELS, "train": QRELS}, fingerprint="tiny")


@pytest.fixture(scope="module")
def indexes(data, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("eval-cache")
    plain = scifact.build_index(data, Settings(), name="tiny", root=root)
    with_titles = scifact.build_index(data, Settings(lexical_context=True), name="tiny", root=root)
    assert plain != with_titles  # what BM25 reads decides the index
    return {"plain": plain, "titles": with_titles}


def test_scifact_is_searched_through_an_assistant(data, indexes):
    s = Settings(index_dir=indexes["plain"])
    with Assistant.open(settings=s) as a:
        res = scifact.evaluate(a, data.split("test"), data.qrels["test"])
        ranking = scifact.doc_ranking(a, QUERIES["q2"])
    m = res["metrics"]
    assert m["queries"] == 3 and m["ndcg@10"] > 0.9 and m["recall@100"] == 1.0
    assert ranking[0] == "15" and sorted(ranking) == sorted(CORPUS)  # every fused candidate, best first


def test_title_variant_of_bm25_is_what_the_lexical_context_setting_builds(indexes, tmp_path):
    with Assistant.open(settings=Settings(index_dir=indexes["plain"])) as plain, \
            Assistant.open(settings=Settings(index_dir=indexes["titles"], lexical_context=True)) as titled:
        plain.index.ensure_lexical_loaded()
        titled.index.ensure_lexical_loaded()
        variant = tune_scifact.bm25_variant(plain.index, tmp_path, k1=0.9, b=0.4, tokens="title+stem+stop")
        shipped = tune_scifact.bm25_variant(plain.index, tmp_path, k1=0.9, b=0.4, tokens="stem+stop")
        for q in ("statins stroke", "hospital hygiene", "screen time sleep teenagers", "fractures"):
            got, want = variant.search(q, 10), titled.index.lexical.search(q, 10)
            assert [p for p, _ in got] == [p for p, _ in want]
            assert [round(v, 6) for _, v in got] == [round(v, 6) for _, v in want]
            assert [p for p, _ in shipped.search(q, 10)] == [p for p, _ in plain.index.lexical.search(q, 10)]
        # Tokenisations the product does not have are refused, not patched in.
        with pytest.raises(ValueError, match="tokenizes one way"):
            tune_scifact.bm25_variant(plain.index, tmp_path, k1=0.9, b=0.4, tokens="stem")


def test_reader_version_follows_the_sentence_and_word_splitting(tmp_path, monkeypatch):
    import evidence_assistant

    copies = []
    for f in evidence_assistant.reader_sources():
        c = tmp_path / f.parent.name / f.name
        c.parent.mkdir(exist_ok=True)
        c.write_bytes(f.read_bytes())
        copies.append(c)
    monkeypatch.setattr(evidence_assistant, "reader_sources", lambda: list(copies))
    before = cache.reader_version()
    text = next(c for c in copies if c.parent.name == "core" and c.name == "text.py")
    text.write_text(text.read_text() + "\n# a change to sentence splitting\n")
    assert cache.reader_version() != before
