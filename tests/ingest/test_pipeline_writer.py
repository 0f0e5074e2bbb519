"""The index writer (evidence_ingest/writer.py) owns the three-step write: documents already
read go in through ``evidence_assistant.index_documents`` exactly as files do, one vector write
per document or one per batch giving the same index, under the index's write lock, and a write
cut short between the steps is undone by the next run. Real model, real Chroma, temporary folders."""
from __future__ import annotations

from pathlib import Path

import pytest

import evidence_assistant
from evidence_assistant import Assistant, Block, IndexWriter, SourceDocument, index_documents
from evidence_assistant.core.errors import IndexLockedError
from evidence_assistant.core.settings import Settings
from evidence_ingest.store import Index
from evidence_ingest.vectors import VectorStore

ABSTRACTS = {
    "a1": ("Vitamin D and bone density", "Daily vitamin D raised bone mineral density in older women over two years."),
    "a2": ("Statins after stroke", "Statin therapy after ischaemic stroke lowered the rate of a second stroke."),
    "a3": ("Hand washing in wards", "Hand hygiene audits on hospital wards cut infections acquired in hospital by a third."),
    "a4": ("Screen time and sleep", "Teenagers with more evening screen time slept later and for a shorter time."),
    "a5": ("", "Untitled abstract about the cost of community nursing visits in rural areas."),
}


def documents(ids=None):
    for did in ids or list(ABSTRACTS):
        title, text = ABSTRACTS[did]
        doc = SourceDocument(doc_id=f"t-{did}", path=f"tests/{did}", format="text", title=title or f"Doc {did}",
                             kind="other")
        yield doc, ([Block(title, kind="heading", level=1)] if title else []) + [Block(text)]


def contents(index_dir: Path) -> dict:
    """What an index holds, store by store, leaving out only when it was written."""
    idx = Index.open(Settings(index_dir=index_dir))
    try:
        idx.ensure_lexical_loaded()
        got = idx.vectors.collection.get(include=["embeddings", "metadatas", "documents"])
        vectors = {i: ([round(float(x), 5) for x in e], m, d)
                   for i, e, m, d in zip(got["ids"], got["embeddings"], got["metadatas"], got["documents"])}
        rows = idx.manifest.conn.execute(
            "SELECT passage_id, doc_id, seq, lex, data FROM passages ORDER BY passage_id").fetchall()
        docs = idx.manifest.conn.execute(
            "SELECT doc_id, title, path, n_passages, state, work_id FROM documents ORDER BY doc_id").fetchall()
        files = idx.manifest.conn.execute(
            "SELECT path, doc_id, size, mtime_ns, state, reason FROM files ORDER BY path").fetchall()
        return {"vectors": vectors, "passages": rows, "documents": docs, "files": files,
                "lexical": sorted(idx.lexical.ids), "writes": idx.manifest.get_meta("vector_writes"),
                "generation": idx.manifest.generation()}
    finally:
        idx.close()


def test_one_write_per_batch_gives_the_same_index_as_one_per_document(tmp_path):
    one = tmp_path / "per-document"
    batched = tmp_path / "batched"
    r1 = index_documents(documents(), settings=Settings(index_dir=one), batch_passages=2)
    r2 = index_documents(documents(), settings=Settings(index_dir=batched), batch_passages=2, together=True, recover=True)
    assert (r1.indexed, r1.passages_added, r1.embedded) == (r2.indexed, r2.passages_added, r2.embedded) == (5, 5, 5)
    c1, c2 = contents(one), contents(batched)
    assert c1["writes"] == c2["writes"] == "clean"
    assert c1 == c2
    assert sorted(c1["vectors"]) == [p[0] for p in c1["passages"]] == c1["lexical"]
    # A document's file record is its path, with the document id as the content hash.
    assert ("tests/a1", "t-a1") == tuple(next(f for f in c1["files"] if f[0] == "tests/a1")[:2])

    # Indexed again: nothing is written, nothing changes.
    again = index_documents(documents(), settings=Settings(index_dir=one))
    assert (again.indexed, again.unchanged, again.embedded) == (0, 5, 0)
    assert contents(one) == c1


def test_writer_holds_the_write_lock_while_entered(tmp_path):
    s = Settings(index_dir=tmp_path / "index")
    with IndexWriter(s) as writer:
        item = writer.prepare(*next(documents(["a2"])))
        assert item is not None and item.passages and item.lex
        with pytest.raises(IndexLockedError, match="another ingest"):
            index_documents(documents(["a3"]), settings=s)
        writer.write([item])
        writer.finish()
    # Let go when left: the next writer runs.
    assert index_documents(documents(["a3"]), settings=s).indexed == 1
    with Assistant.open(settings=s) as a:
        assert {d["doc_id"] for d in a.documents()} == {"t-a2", "t-a3"}


def test_a_write_cut_short_before_its_vectors_is_undone_by_the_next_run(tmp_path, monkeypatch):
    s = Settings(index_dir=tmp_path / "index")
    index_documents(documents(["a1"]), settings=s)
    before = contents(s.index_dir)

    def fail(self, passages, vectors):  # the machine loses power while the vectors are written
        raise OSError("disk full")

    with monkeypatch.context() as m:
        m.setattr(VectorStore, "upsert", fail)
        with pytest.raises(OSError, match="disk full"):
            index_documents(documents(["a4"]), settings=s)
    idx = Index.open(s)
    try:
        assert idx.manifest.document("t-a4").state == "pending"  # step 1 done, steps 2 and 3 not
        assert idx.manifest.get_meta("vector_writes") == "open"
    finally:
        idx.close()

    # The next run that recovers removes the pending document and then indexes it whole.
    report = index_documents(documents(["a1", "a4"]), settings=s, recover=True)
    assert (report.indexed, report.unchanged) == (1, 1)
    after = contents(s.index_dir)
    assert after["writes"] == "clean"
    assert sorted(d[0] for d in after["documents"]) == ["t-a1", "t-a4"]
    assert all(d[4] == "indexed" for d in after["documents"])
    assert set(before["vectors"]) < set(after["vectors"])
    assert sorted(after["vectors"]) == [p[0] for p in after["passages"]] == after["lexical"]


def test_a_document_without_text_is_reported_and_not_written(tmp_path):
    s = Settings(index_dir=tmp_path / "index")
    empty = SourceDocument(doc_id="t-empty", path="tests/empty", format="text", title="Empty", kind="other")
    report = index_documents([(empty, [])], settings=s)
    assert report.indexed == 0 and [(k.path, k.reason) for k in report.skipped] == [("tests/empty", "no text to index")]


def test_facade_reads_files_and_names_the_reading_code(tmp_path):
    f = tmp_path / "note.md"
    f.write_text("# Waiting times\n\nThe median wait fell to 14 weeks in 2023.\n", encoding="utf-8")
    loaded = evidence_assistant.load_file(f)
    assert loaded.document.title and "14 weeks" in " ".join(b.text for b in loaded.blocks)
    assert ".md" in evidence_assistant.SUPPORTED_EXTENSIONS and ".pdf" in evidence_assistant.SUPPORTED_EXTENSIONS
    names = {(p.parent.name, p.name) for p in evidence_assistant.reader_sources()}
    # The loaders, the chunker, and the sentence and word splitting they use.
    assert {("load", "pdf.py"), ("load", "__init__.py"), ("ingest", "chunk.py"), ("core", "text.py")} <= names
    assert all(p.is_file() for p in evidence_assistant.reader_sources())
