"""The lexical index follows the manifest incrementally: an ingest that adds a file adds only its
passages (the postings already on disk are hard-linked into the new folder, not written again),
one that removes a file removes only its rows, and an index in the older ``bm25s`` format is
rebuilt the first time it is used. The orphan-vector sweep runs only after a run that did not
finish.

The first tests drive ``LexicalIndex`` directly (no model); the others ingest real files with the
packaged model into a temporary folder.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from evidence_ingest.lexical import FORMAT, LexicalIndex

WORDS = ("record trust patch budget nurse tablet okapi tapir system board ward clinic digital app "
         "referral waiting list consultant pharmacy theatre bed discharge").split()
QUERIES = ["okapi tapir", "nurse ward discharge", "digital record system", "budget", "pharmacy referral list",
           "unheard-of words"]


def _doc(rng: random.Random, doc: str, n: int) -> list[tuple[str, str, str]]:
    rows = []
    for i in range(n):
        toks = [rng.choice(WORDS) for _ in range(rng.randint(0, 12))]  # some passages have no tokens
        rows.append((f"{doc}-{i:03d}", doc, " ".join(toks)))
    return rows


def _corpus(seed: int, docs: int) -> dict[str, list[tuple[str, str, str]]]:
    rng = random.Random(seed)
    return {f"d{seed}-{j:03d}": _doc(rng, f"d{seed}-{j:03d}", rng.randint(1, 8)) for j in range(docs)}


def _rows(corpus: dict[str, list[tuple[str, str, str]]]) -> list[tuple[str, str, str]]:
    """All rows in the manifest's order (document id, then position)."""
    return [r for d in sorted(corpus) for r in corpus[d]]


def _results(lex: LexicalIndex, doc_ids: set[str] | None = None) -> list[list[tuple[str, float]]]:
    # Ties may be ordered differently by row number: compare by score, then id.
    out = []
    for q in QUERIES:
        hits = lex.search(q, 25, doc_ids=doc_ids)
        out.append(sorted(((pid, round(s, 9)) for pid, s in hits), key=lambda h: (-h[1], h[0])))
    return out


def _same_as_rebuild(lex: LexicalIndex, corpus: dict[str, list[tuple[str, str, str]]], tmp: Path) -> None:
    fresh = LexicalIndex(tmp)
    fresh.build(_rows(corpus), lex.generation)
    assert lex.ids == fresh.ids  # live passages, in the manifest's order
    assert _results(lex) == _results(fresh)
    some = set(sorted(corpus)[::3])
    assert _results(lex, some) == _results(fresh, some)
    assert np.allclose(lex.idf(["okapi", "ward", "never-seen"]), fresh.idf(["okapi", "ward", "never-seen"]))
    again = LexicalIndex(lex.directory)
    again.load()
    assert again.ids == fresh.ids and _results(again) == _results(fresh)


def _segment_inodes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in folder.glob("seg-*.npy")}


def test_adding_a_document_adds_its_rows_and_links_the_rest(tmp_path: Path) -> None:
    corpus = _corpus(1, 60)
    lex = LexicalIndex(tmp_path / "lexical")
    lex.build(_rows(corpus), 1)
    before = _segment_inodes(lex.directory)
    assert before

    new = _corpus(2, 1)
    base = lex.read_stored()
    assert base is not None and base.held_documents() == set(corpus)
    lex.update(base, _rows(new), set(), 2)
    corpus.update(new)

    change = lex.last_change
    assert change.kind == "update" and change.added == sum(len(v) for v in new.values()) and change.removed == 0
    after = _segment_inodes(lex.directory)
    shared = set(before) & set(after)
    assert shared, "the main segment was written again instead of linked"
    assert all(before[n] == after[n] for n in shared), "unchanged segments must be hard links"
    assert len(after) == 2 * len(before)  # one small segment (four files) for the new rows
    assert lex.stored_generation() == lex.generation == 2
    _same_as_rebuild(lex, corpus, tmp_path / "fresh")


def test_removing_a_document_removes_its_rows_and_compacts_past_a_quarter(tmp_path: Path) -> None:
    corpus = _corpus(3, 40)
    lex = LexicalIndex(tmp_path / "lexical")
    lex.build(_rows(corpus), 1)
    n_rows = len(lex.ids)

    gone = sorted(corpus)[5]
    lost = {r[0] for r in corpus.pop(gone)}
    lex.update(lex.read_stored(), [], {gone}, 2)
    assert lex.last_change.removed == len(lost) and not lex.last_change.compacted
    assert lex.last_change.rows == n_rows  # a tombstone, no rewrite
    assert not lost & set(lex.ids)
    for q in QUERIES:
        assert not lost & {pid for pid, _ in lex.search(q, 1000)}
    _same_as_rebuild(lex, corpus, tmp_path / "fresh1")

    # Removing more than a quarter of the rows drops them for good.
    many = sorted(corpus)[:20]
    for d in many:
        corpus.pop(d)
    lex.update(lex.read_stored(), [], set(many), 3)
    assert lex.last_change.compacted and lex.last_change.rows == len(lex.ids)
    assert set(lex.doc_ids) == set(corpus)
    _same_as_rebuild(lex, corpus, tmp_path / "fresh2")

    # A document removed and later indexed again, alongside a new one.
    back = _corpus(4, 2)
    lex.update(lex.read_stored(), _rows(back), set(), 4)
    corpus.update(back)
    _same_as_rebuild(lex, corpus, tmp_path / "fresh3")


def _write_bm25s_folder(folder: Path, rows: list[tuple[str, str, str]], generation: int) -> None:
    """What earlier releases wrote: a bm25s index with ids.json beside it, no bm25.json."""
    import bm25s

    folder.mkdir(parents=True)
    bm = bm25s.BM25(k1=0.9, b=0.4)
    bm.index([r[2].split() or ["_"] for r in rows], show_progress=False)
    bm.save(str(folder), show_progress=False)
    doc_index: dict[str, int] = {}
    np.save(folder / "row_docs.npy", np.array([doc_index.setdefault(r[1], len(doc_index)) for r in rows],
                                               dtype=np.int32))
    (folder / "ids.json").write_text(json.dumps({"generation": generation, "ids": [r[0] for r in rows],
                                                 "doc_ids": list(doc_index), "k1": 0.9, "b": 0.4}))


def test_an_old_format_folder_is_not_taken_for_current(tmp_path: Path) -> None:
    rows = _rows(_corpus(5, 5))
    _write_bm25s_folder(tmp_path / "lexical", rows, 7)
    lex = LexicalIndex(tmp_path / "lexical")
    assert lex.stored_generation() == -1  # so every caller rebuilds it
    assert lex.read_stored() is None
    with pytest.raises(ValueError):
        lex.load(attempts=1)
    lex.build(rows, 7)
    assert json.loads((tmp_path / "lexical" / "ids.json").read_text())["format"] == FORMAT
    assert not (tmp_path / "lexical" / "params.index.json").exists()
    assert lex.stored_generation() == 7


# ------------------------------------------------------------------ ingest with the model


def _note(folder: Path, name: str, title: str, lines: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"# {title}\n\n" + "\n\n".join(lines) + "\n", encoding="utf-8")
    return path


def _corpus_folder(folder: Path) -> Path:
    _note(folder, "panel.md", "Panel notes", ["The Panel rated the integrated record commitment inadequate.",
                                              "Progress on interoperability was poor, the Panel found."])
    _note(folder, "response.md", "Government response", ["The Government welcomed the report.",
                                                         "It did not recognise the overall rating of inadequate."])
    _note(folder, "app.md", "NHS App", ["By January 2023 the NHS App passed 30 million users.",
                                        "Repeat prescriptions were the most used feature of the app."])
    # Enough other text that one more short file is a small addition (its postings join as a
    # segment of their own rather than being merged into the main one).
    topics = ["cyber security", "workforce planning", "social care records", "pathology networks",
              "imaging capacity", "community pharmacy", "ambulance handovers", "mental health beds"]
    for i, topic in enumerate(topics):
        _note(folder, f"topic-{i}.md", topic.title(), [
            f"The committee heard evidence on {topic} from trusts, suppliers and regulators.",
            f"Witnesses said funding for {topic} had been announced but not yet allocated to systems.",
            f"The department promised a plan for {topic} by the end of the financial year."])
    return folder


def _lexical_results(idx) -> list[list[tuple[str, float]]]:
    idx.ensure_lexical_loaded()
    qs = ["integrated record inadequate", "NHS App users", "waiting list theatres", "repeat prescriptions",
          "government response rating"]
    return [sorted(((p, round(s, 9)) for p, s in idx.lexical.search(q, 20)), key=lambda h: (-h[1], h[0]))
            for q in qs]


@pytest.fixture()
def indexed(tmp_path: Path):
    from evidence_assistant.core.settings import Settings
    from evidence_ingest.pipeline import ingest
    from evidence_ingest.store import Index

    docs = _corpus_folder(tmp_path / "docs")
    s = Settings(index_dir=tmp_path / "index")
    ingest([docs], settings=s)
    idx = Index.open(s)
    yield idx, s, docs
    idx.close()


def test_ingest_of_one_more_file_updates_the_lexical_index_incrementally(indexed, tmp_path: Path) -> None:
    from evidence_ingest.pipeline import ingest

    idx, s, docs = indexed
    folder = idx.lexical.directory
    before = _segment_inodes(folder)
    _note(docs, "waiting.md", "Waiting lists", ["Waiting lists for theatres grew in the winter.",
                                                "Trusts opened extra theatre sessions at weekends."])
    rep = ingest([docs], settings=s, index=idx)
    assert rep.indexed == 1 and rep.passages_added > 0
    change = idx.lexical.last_change
    assert change.kind == "update" and change.added == rep.passages_added and change.removed == 0
    after = _segment_inodes(folder)
    assert all(after[n] == before[n] for n in set(before) & set(after)) and set(before) & set(after)
    assert idx.lexical.stored_generation() == idx.manifest.generation()
    assert sorted(idx.lexical.ids) == sorted(idx.manifest.passage_ids())
    assert json.loads((folder / "ids.json").read_text())["ids"] == idx.manifest.passage_ids()

    incremental = _lexical_results(idx)
    assert any(incremental[2]), "the new file's words are not found"
    idx.refresh_lexical(force=True)
    assert idx.lexical.last_change.kind == "build"
    assert _lexical_results(idx) == incremental


def test_ingest_that_removes_a_file_removes_its_rows(indexed) -> None:
    from evidence_ingest.pipeline import ingest

    idx, s, docs = indexed
    app = next(d for d in idx.manifest.documents() if d.title == "NHS App")
    app_ids = set(idx.manifest.passage_ids(app.doc_id))
    (docs / "app.md").unlink()
    rep = ingest([docs], settings=s, index=idx, prune=True)
    assert rep.removed_documents == 1
    change = idx.lexical.last_change
    assert change.kind == "update" and change.removed == len(app_ids) and change.added == 0
    assert not app_ids & set(idx.lexical.ids)
    assert sorted(idx.lexical.ids) == sorted(idx.manifest.passage_ids())
    assert not app_ids & {p for hits in _lexical_results(idx) for p, _ in hits}


def test_an_index_in_the_old_bm25s_format_is_rebuilt_on_first_use(indexed) -> None:
    import shutil

    from evidence_ingest.pipeline import ingest
    from evidence_ingest.store import Index

    idx, s, docs = indexed
    want = _lexical_results(idx)
    folder = idx.lexical.directory
    gen = idx.manifest.generation()
    shutil.rmtree(folder)
    _write_bm25s_folder(folder, list(idx.manifest.iter_indexed()), gen)

    # A chat opening it rebuilds it before answering.
    chat = Index.open(s)
    try:
        assert _lexical_results(chat) == want
        assert chat.lexical.last_change.kind == "build"
        assert json.loads((folder / "ids.json").read_text())["format"] == FORMAT
    finally:
        chat.close()

    # And so does the next ingest, with nothing else to do.
    shutil.rmtree(folder)
    _write_bm25s_folder(folder, list(idx.manifest.iter_indexed()), gen)
    rep = ingest([docs], settings=s, index=idx)
    assert rep.indexed == 0 and idx.lexical.last_change.kind == "build"
    assert (folder / "bm25.json").is_file() and idx.lexical.stored_generation() == idx.manifest.generation()


def test_recover_sweeps_for_stray_vectors_only_after_an_unfinished_run(indexed, monkeypatch) -> None:
    from evidence_ingest.store import WRITES_CLEAN, WRITES_KEY

    idx, s, docs = indexed
    assert idx.manifest.get_meta(WRITES_KEY) == WRITES_CLEAN
    listed: list[int] = []
    real = type(idx.vectors).all_ids

    def counting(self):
        out = real(self)
        listed.append(len(out))
        return out

    monkeypatch.setattr(type(idx.vectors), "all_ids", counting)
    rep = idx.recover()
    assert listed == [] and rep.orphans_deleted == 0, "a clean index was swept"

    # A run that wrote a vector and was killed before it finished.
    known = idx.manifest.passage_ids()
    got = idx.vectors.collection.get(ids=[known[0]], include=["embeddings"])
    idx.begin_writes()
    idx.vectors.collection.upsert(ids=["stray-passage"], embeddings=[np.asarray(got["embeddings"][0]).tolist()])
    from evidence_ingest.store import Index

    again = Index.open(s)  # the next run's process
    try:
        rep = again.recover()
        assert listed and rep.orphans_deleted == 1
        assert sorted(again.vectors.all_ids()) == sorted(known)
        assert again.manifest.get_meta(WRITES_KEY) == WRITES_CLEAN
        listed.clear()
        again.recover()
        assert listed == []
    finally:
        again.close()


def test_an_index_without_the_record_is_swept_once(indexed, monkeypatch) -> None:
    from evidence_ingest.store import WRITES_CLEAN, WRITES_KEY

    idx, _, _ = indexed
    with idx.manifest.tx() as c:
        c.execute("DELETE FROM meta WHERE key=?", (WRITES_KEY,))
    listed: list[int] = []
    real = type(idx.vectors).all_ids
    monkeypatch.setattr(type(idx.vectors), "all_ids", lambda self: listed.append(1) or real(self))
    idx.recover()
    idx.recover()
    assert listed == [1] and idx.manifest.get_meta(WRITES_KEY) == WRITES_CLEAN
