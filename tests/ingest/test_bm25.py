"""The incremental BM25 index (ingest/bm25.py) must rank exactly as the bm25s "lucene" index the
assistant uses today, built from scratch over the same passages -- also after passages were
added and removed, after a save and a load, and within a document filter.

Passages are real: the sample corpus read by the product's own loaders and chunker, tokenised
as the lexical index tokenises; the slow test uses the SciFact abstracts and test claims."""
from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from evidence_ingest.bm25 import Bm25
from evidence_ingest.chunk import chunk_blocks
from evidence_assistant.core.text import tokenize
from evidence_ingest.load import load_file

REPO = Path(__file__).resolve().parents[2]
K1, B = 0.9, 0.4
REL = 1e-5


def _words(texts):
    return [len(t.split()) for t in texts]


@pytest.fixture(scope="module")
def sample():
    """(tokens, doc number) of every passage of corpus/sample, cut small to have a few hundred."""
    rows, docs = [], []
    files = sorted(p for p in (REPO / "corpus" / "sample").iterdir() if p.suffix != ".toml")
    for d, path in enumerate(files):
        loaded = load_file(path)
        for p in chunk_blocks(loaded.document, loaded.blocks, max_tokens=60, overlap=10, count_tokens=_words):
            rows.append(tokenize(p.text))
            docs.append(d)
    assert len(rows) > 150 and len(set(docs)) == len(files)
    return rows, np.array(docs)


def _queries(rows, n: int, seed: int) -> list[list[str]]:
    """Real questions and word runs cut out of real passages (some with repeated words, some with
    words no passage holds)."""
    qs = [tokenize(q) for q in (
        "How many people used the NHS App by January 2023?",
        "What did the expert panel conclude about interoperability and shared care records?",
        "Government response to the Health and Social Care Committee on digital transformation",
        "electronic patient records in social care providers",
        "cyber security funding for NHS trusts",
        "data data data sharing sharing",
        "zebra quokka xylophone",
    )]
    rng = np.random.default_rng(seed)
    while len(qs) < n:
        r = rows[int(rng.integers(len(rows)))]
        if len(r) < 3:
            continue
        i = int(rng.integers(len(r)))
        q = list(r[i:i + int(rng.integers(1, 9))])
        if rng.random() < 0.2:
            q.append("notawordanywherexyz")
        qs.append(q)
    return qs


def _bm25s(rows):
    import bm25s
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    ref = bm25s.BM25(k1=K1, b=B, method="lucene")
    ref.index([list(r) for r in rows], show_progress=False)
    return ref


def _ref_topk(ref, n_docs: int, q, k, weight_mask=None):
    """bm25s's top k, as the lexical index reads it today (rows with score 0 dropped)."""
    res = ref.retrieve([q], k=min(k, n_docs), show_progress=False, n_threads=1, weight_mask=weight_mask)
    rows, scores = np.asarray(res.documents[0]), np.asarray(res.scores[0], dtype=np.float64)
    keep = scores > 0
    return rows[keep], scores[keep]


def assert_same_topk(got_rows, got_scores, want_rows, want_scores, want_all, what=""):
    """Same scores in order (rel. 1e-5) and the same rows, allowing rows of equal score to swap
    places or to be cut differently at the k-th place."""
    assert len(got_rows) == len(want_rows), what
    if not len(got_rows):
        return
    np.testing.assert_allclose(got_scores, want_scores, rtol=REL, err_msg=what)
    # every row returned has bm25s's score for that row
    np.testing.assert_allclose(got_scores, want_all[got_rows], rtol=REL, err_msg=what)
    # rows clearly above the k-th score are the same set
    kth = want_scores[-1]
    clear_got = {int(r) for r, s in zip(got_rows, got_scores) if s > kth * (1 + 2 * REL)}
    clear_want = {int(r) for r, s in zip(want_rows, want_scores) if s > kth * (1 + 2 * REL)}
    assert clear_got == clear_want, what
    assert len(set(got_rows.tolist())) == len(got_rows), what


def assert_matches_bm25s(index: Bm25, live_rows_tokens, row_numbers, queries, ks=(1, 5, 10, 50), mask=None):
    """``index`` answers as bm25s built from scratch over ``live_rows_tokens`` (whose rows in
    ``index`` are ``row_numbers``)."""
    ref = _bm25s(live_rows_tokens)
    row_numbers = np.asarray(row_numbers)
    n = len(live_rows_tokens)
    ref_mask = None if mask is None else mask[row_numbers].astype(np.float32)
    for q in queries:
        want_all = np.asarray(ref.get_scores(q), dtype=np.float64) if q else np.zeros(n)
        if ref_mask is not None:
            want_all = want_all * ref_mask
        full = np.zeros(index.n_rows)
        full[row_numbers] = want_all
        for k in ks:
            got_rows, got_scores = index.search(q, k, mask=mask)
            want_rows, want_scores = _ref_topk(ref, n, q, k, weight_mask=ref_mask)
            assert_same_topk(got_rows, got_scores, row_numbers[want_rows], want_scores, full, f"{q!r} k={k}")


# --- (1) the same answers as bm25s built from scratch -------------------------------------------
def test_matches_bm25s_from_scratch(sample):
    rows, _ = sample
    index = Bm25(K1, B)
    assert index.add(rows) == range(len(rows))
    assert index.n_live == len(rows) == index.n_rows
    assert_matches_bm25s(index, rows, np.arange(len(rows)), _queries(rows, 250, seed=1))


def test_scores_every_row_as_bm25s(sample):
    rows, _ = sample
    index = Bm25(K1, B)
    index.add(rows)
    ref = _bm25s(rows)
    for q in _queries(rows, 100, seed=2):
        np.testing.assert_allclose(index.scores(q), ref.get_scores(q), rtol=REL, atol=1e-6)


def test_idf_and_df_as_bm25s(sample):
    rows, _ = sample
    index = Bm25(K1, B)
    index.add(rows)
    ref = _bm25s(rows)
    df_ref = np.diff(np.asarray(ref.scores["indptr"]))
    terms = list(ref.vocab_dict)[:300]
    for t in terms:
        if t:
            assert index.df(t) == df_ref[ref.vocab_dict[t]] == sum(t in set(r) for r in rows)
    n = len(rows)
    assert index.idf(["nhs", "notawordanywherexyz"]) == pytest.approx(
        [np.log(1 + (n - index.df("nhs") + 0.5) / (index.df("nhs") + 0.5)), np.log(1 + (n + 0.5) / 0.5)])


def test_repeated_query_words_count_each_time(sample):
    rows, _ = sample
    index = Bm25(K1, B)
    index.add(rows)
    once, twice = index.scores(["record"]), index.scores(["record", "record"])
    assert once.max() > 0
    np.testing.assert_allclose(twice, 2 * once)


# --- (2) after adding and removing: as built from scratch over the live rows -------------------
@pytest.mark.parametrize("tail_share,max_segments", [(0.25, 12), (0.02, 3), (10.0, 40)])
def test_add_and_remove_equal_a_rebuild(sample, tail_share, max_segments):
    rows, _ = sample
    rng = np.random.default_rng(7)
    index = Bm25(K1, B, tail_share=tail_share, max_segments=max_segments)
    tokens_of: dict[int, list[str]] = {}
    most_segments = 0
    # Passages arrive in batches of varied size (one document, a few, one passage) ...
    order = rng.permutation(len(rows))
    i = 0
    while i < len(order):
        batch = [rows[j] for j in order[i:i + int(rng.choice([1, 3, 17, 40]))]]
        new = index.add(batch)
        tokens_of.update(zip(new, batch))
        i += len(batch)
        most_segments = max(most_segments, len(index.segment_sizes()))
        # ... and some leave again, now and then
        if rng.random() < 0.3 and tokens_of:
            gone = rng.choice(sorted(tokens_of), size=min(len(tokens_of), int(rng.integers(1, 6))), replace=False)
            assert index.remove(gone.tolist()) == len(gone)
            for g in gone:
                del tokens_of[int(g)]
    assert most_segments <= max_segments
    if tail_share == 10.0:
        assert most_segments > 2  # small segments were in play
    live = sorted(tokens_of)
    assert index.n_live == len(live) and index.n_dead == index.n_rows - len(live)
    assert index.remove(np.flatnonzero(~index.live)[:3].tolist()) == 0  # already dead: no effect
    live_tokens = [tokens_of[r] for r in live]
    queries = _queries(live_tokens, 120, seed=3)
    assert_matches_bm25s(index, live_tokens, live, queries)

    # the same as this class built in one go over the live rows
    fresh = Bm25(K1, B)
    fresh.add(live_tokens)
    for q in queries:
        np.testing.assert_allclose(index.scores(q)[live], fresh.scores(q), rtol=1e-12, atol=1e-12)
        assert index.idf(q) == pytest.approx(fresh.idf(q), rel=1e-12)
        for t in q:
            assert index.df(t) == fresh.df(t)

    # compacting renumbers rows in order, and answers do not change
    before = {tuple(q): index.search(q, 20) for q in queries}
    old_to_new = index.compact()
    assert old_to_new is not None and index.n_rows == index.n_live == len(live) and index.n_dead == 0
    assert (old_to_new[live] == np.arange(len(live))).all()
    assert (np.delete(old_to_new, live) == -1).all()
    assert len(index.segment_sizes()) <= 1
    for q in queries:
        r0, s0 = before[tuple(q)]
        r1, s1 = index.search(q, 20)
        np.testing.assert_array_equal(old_to_new[r0], r1)
        np.testing.assert_allclose(s0, s1, rtol=1e-12)
    assert index.compact() is None  # nothing dead: nothing to do
    assert_matches_bm25s(index, live_tokens, np.arange(len(live)), queries[:40])


def test_compact_only_past_the_share(sample):
    rows, _ = sample
    index = Bm25(K1, B)
    index.add(rows[:100])
    index.remove(range(10))
    assert index.compact(min_dead_share=0.2) is None and index.n_rows == 100
    index.remove(range(10, 30))
    mapping = index.compact(min_dead_share=0.2)
    assert mapping is not None and index.n_rows == 70
    # words held only by the dropped rows are forgotten
    assert index.n_terms == len({t for r in rows[30:100] for t in r})


def test_removed_rows_never_returned_and_can_all_go(sample):
    rows, _ = sample
    index = Bm25(K1, B)
    index.add(rows)
    q = tokenize("NHS digital records")
    top, _ = index.search(q, 5)
    index.remove(top.tolist())
    assert not set(index.search(q, len(rows))[0].tolist()) & set(top.tolist())
    index.remove(range(len(rows)))
    assert index.n_live == 0 and index.search(q, 10)[0].size == 0
    assert index.idf(q) == [0.0] * len(q) and index.df("nhs") == 0
    new = index.add(rows[:20])
    assert new == range(len(rows), len(rows) + 20)
    assert_matches_bm25s(index, rows[:20], np.arange(len(rows), len(rows) + 20), _queries(rows[:20], 30, seed=4))
    with pytest.raises(IndexError):
        index.remove([index.n_rows])


def test_merge_policy_keeps_few_segments(sample):
    rows, _ = sample
    index = Bm25(K1, B)
    index.add(rows)
    for i in range(60):  # one passage at a time
        index.add([rows[i % len(rows)]])
        sizes = index.segment_sizes()
        assert len(sizes) <= 12
        assert sum(sizes[1:]) <= 0.25 * sizes[0] or len(sizes) == 1


# --- (3) save and load -------------------------------------------------------------------------
def test_save_load_round_trip(sample, tmp_path):
    rows, docs = sample
    index = Bm25(K1, B)
    index.add(rows[:150])
    index.add(rows[150:170])
    index.remove([3, 40, 151])
    index.save(tmp_path / "g1")
    queries = _queries(rows, 60, seed=5)
    for mmap in (True, False):
        loaded = Bm25.load(tmp_path / "g1", mmap=mmap)
        assert (loaded.k1, loaded.b, loaded.n_rows, loaded.n_live, loaded.n_terms) == (
            K1, B, index.n_rows, index.n_live, index.n_terms)
        np.testing.assert_array_equal(loaded.live, index.live)
        for q in queries:
            np.testing.assert_array_equal(loaded.scores(q), index.scores(q))
            for a, b in zip(loaded.search(q, 10), index.search(q, 10)):
                np.testing.assert_array_equal(a, b)

    # The loaded index goes on being updated; a new generation saved beside the old one shares
    # the unchanged segment files with it (hard links), and the old one stays readable.
    loaded = Bm25.load(tmp_path / "g1")
    loaded.add(rows[170:175])  # small: a segment of its own beside the loaded ones
    loaded.save(tmp_path / "g2")
    g1_files = {p.name: p.stat().st_ino for p in (tmp_path / "g1").glob("seg-*")}
    g2_files = {p.name: p.stat().st_ino for p in (tmp_path / "g2").glob("seg-*")}
    shared = set(g1_files) & set(g2_files)
    assert shared and all(g1_files[n] == g2_files[n] for n in shared)
    assert len(g2_files) > len(shared)
    loaded = Bm25.load(tmp_path / "g2")
    loaded.add(rows[175:])
    loaded.remove([0])
    loaded.save(tmp_path / "g3")
    again = Bm25.load(tmp_path / "g3")
    live = np.flatnonzero(again.live)
    assert live.tolist() == [r for r in range(len(rows)) if r not in (0, 3, 40, 151)]
    assert_matches_bm25s(again, [rows[r] for r in live], live, queries[:40])
    old = Bm25.load(tmp_path / "g1")
    assert old.n_rows == 170

    # saving again into the same folder replaces it and leaves no stray files
    again.compact()
    again.save(tmp_path / "g3")
    names = {p.name for p in (tmp_path / "g3").iterdir()}
    assert not any(n.endswith(".tmp") for n in names)
    assert len([n for n in names if n.startswith("seg-")]) == 4 * len(again.segment_sizes())
    assert Bm25.load(tmp_path / "g3").n_rows == len(live)


def test_load_refuses_mixed_parts(sample, tmp_path):
    rows, _ = sample
    a, b = Bm25(K1, B), Bm25(K1, B)
    a.add(rows[:50])
    b.add(rows[:60])
    a.save(tmp_path / "a")
    b.save(tmp_path / "b")
    os.replace(tmp_path / "b" / "dl.npy", tmp_path / "a" / "dl.npy")
    with pytest.raises(ValueError):
        Bm25.load(tmp_path / "a")
    (tmp_path / "b" / "vocab.json").unlink()
    with pytest.raises(OSError):
        Bm25.load(tmp_path / "b")
    meta = json.loads((tmp_path / "a" / "bm25.json").read_text())
    meta["format"] = "something-else"
    (tmp_path / "a" / "bm25.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError):
        Bm25.load(tmp_path / "a")


def test_empty_index_saves_and_loads(tmp_path):
    Bm25(K1, B).save(tmp_path / "e")
    e = Bm25.load(tmp_path / "e")
    assert e.n_rows == 0 and e.search(["nhs"], 5)[0].size == 0
    e.add([["nhs", "app"]])
    assert e.search(["nhs"], 5)[0].tolist() == [0]


# --- (4) a document filter ---------------------------------------------------------------------
def test_mask_keeps_to_the_allowed_rows(sample):
    rows, docs = sample
    index = Bm25(K1, B)
    index.add(rows)
    queries = _queries(rows, 80, seed=6)
    for allowed_docs in ({0}, {1, 4, 7}, set(range(int(docs.max()) + 1))):
        mask = np.isin(docs, list(allowed_docs))
        assert_matches_bm25s(index, rows, np.arange(len(rows)), queries, ks=(5, 40), mask=mask)
        for q in queries[:20]:
            by_bool = index.search(q, 30, mask=mask)
            by_rows = index.search(q, 30, mask=np.flatnonzero(mask))
            np.testing.assert_array_equal(by_bool[0], by_rows[0])
            assert mask[by_bool[0]].all()
    assert index.search(tokenize("NHS"), 10, mask=np.zeros(len(rows), bool))[0].size == 0
    with pytest.raises(ValueError):
        index.search(tokenize("NHS"), 10, mask=np.ones(3, bool))


def test_mask_and_removals_together(sample):
    rows, docs = sample
    index = Bm25(K1, B)
    index.add(rows)
    gone = np.flatnonzero(docs == 2)[::2]
    index.remove(gone.tolist())
    live = np.flatnonzero(index.live)
    mask = np.isin(docs, [2, 3])
    assert_matches_bm25s(index, [rows[r] for r in live], live, _queries(rows, 40, seed=8), ks=(5, 40), mask=mask)


# --- (5) edges ---------------------------------------------------------------------------------
def test_empty_index():
    index = Bm25(K1, B)
    assert index.n_rows == index.n_live == 0
    assert index.search(["nhs"], 10)[0].size == 0
    assert index.idf(["nhs"]) == [0.0] and index.df("nhs") == 0
    assert index.add([]) == range(0, 0)
    assert index.remove([]) == 0 and index.compact() is None


def test_unknown_words_empty_query_and_k_beyond_matches(sample):
    rows, _ = sample
    index = Bm25(K1, B)
    index.add(rows)
    assert index.search(["notawordanywherexyz", "quokka"], 10)[0].size == 0
    assert index.search([], 10)[0].size == 0
    assert index.search(tokenize("NHS"), 0)[0].size == 0
    q = ["notawordanywherexyz", "interoper"]
    matching = sum("interoper" in r for r in rows)
    assert 0 < matching < len(rows)
    got, scores = index.search(q, 10 * len(rows))
    assert len(got) == matching and (scores > 0).all() and (np.diff(scores) <= 0).all()
    ref = _bm25s(rows)
    want_rows, want_scores = _ref_topk(ref, len(rows), q, len(rows))
    assert_same_topk(got, scores, want_rows, want_scores, np.asarray(ref.get_scores(q), dtype=np.float64))


def test_empty_passages_count_in_lengths(sample):
    rows, _ = sample
    with_empty = [[]] + rows[:40] + [[], []] + rows[40:80]
    index = Bm25(K1, B)
    index.add(with_empty)
    assert index.n_live == len(with_empty)
    assert_matches_bm25s(index, with_empty, np.arange(len(with_empty)), _queries(rows[:80], 40, seed=9))


def test_space_joined_rows_as_the_manifest_stores_them(sample):
    rows, _ = sample
    a, b = Bm25(K1, B), Bm25(K1, B)
    a.add(rows[:50])
    b.add([" ".join(r) for r in rows[:50]])
    q = tokenize("digital transformation in the NHS")
    np.testing.assert_array_equal(a.scores(q), b.scores(q))
    with pytest.raises(TypeError):
        a.add([[1, 2]])


def test_searches_while_passages_are_added_and_removed(sample):
    """A search running beside a writer sees one state or the next, never a broken one."""
    rows, _ = sample
    index = Bm25(K1, B, tail_share=0.05, max_segments=4)
    index.add(rows[:50])
    q = tokenize("NHS digital records data")
    errors: list[BaseException] = []
    done = threading.Event()

    def reader():
        try:
            while not done.is_set():
                got, scores = index.search(q, 25)
                assert (got < index.n_rows).all() and (scores > 0).all() and (np.diff(scores) <= 0).all()
        except BaseException as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)

    t = threading.Thread(target=reader)
    t.start()
    try:
        for i in range(50, len(rows), 7):
            index.add(rows[i:i + 7])
            index.remove([i - 50])
    finally:
        done.set()
        t.join()
    assert not errors, errors[0]


# --- at SciFact scale (slow) ---------------------------------------------------------------------
@pytest.mark.slow
def test_scifact_matches_bm25s_and_a_rebuild(shared_data):
    folder = shared_data / "beir-scifact"
    if not (folder / "corpus.jsonl").is_file():
        pytest.skip(f"SciFact not found at {folder}")
    abstracts, claims = [], []
    with open(folder / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            abstracts.append(tokenize(f"{d['title']} {d['text']}"))
    test_ids = {line.split("\t")[0] for line in (folder / "qrels" / "test.tsv").read_text().splitlines()[1:]}
    with open(folder / "queries.jsonl", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if d["_id"] in test_ids:
                claims.append(tokenize(d["text"]))
    assert len(abstracts) > 5000 and len(claims) >= 300

    index = Bm25(K1, B)
    index.add(abstracts)
    assert_matches_bm25s(index, abstracts, np.arange(len(abstracts)), claims, ks=(10, 100))

    # The same collection arriving in 40 ingests, a fortieth of what is live removed after each.
    rng = np.random.default_rng(11)
    inc = Bm25(K1, B)
    for part in np.array_split(np.arange(len(abstracts)), 40):
        inc.add([abstracts[i] for i in part])
        live = np.flatnonzero(inc.live)
        inc.remove(rng.choice(live, size=len(live) // 40, replace=False).tolist())
    live = np.flatnonzero(inc.live)
    assert 0.5 * len(abstracts) < len(live) < 0.9 * len(abstracts)
    assert_matches_bm25s(inc, [abstracts[i] for i in live], live, claims[:150], ks=(10, 100))
