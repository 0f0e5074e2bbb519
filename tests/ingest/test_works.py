"""Works: one text indexed as several documents (the Word, Markdown and HTML of a chapter) is
grouped under one work at ingest; documents that are genuinely different stay apart.

Fast tests use the manifest alone (real SQLite) with documents written here. The slow ones read
the real GP good practice guidelines, the Data Driven Healthcare in 2030 reports and the rest of
``shared/data/uk-health-policy``, and ingest some of them with the real model and real Chroma.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import random
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from evidence_assistant.core.settings import Settings
from evidence_assistant.core.types import Passage, SourceDocument
from evidence_ingest import works
from evidence_ingest.manifest import SCHEMA_VERSION, FileRecord, Manifest

GP = Path("uk-health-policy") / "gp_good_practice_guidelines_v4"
# The chapters of the GP guidelines held in more than one format (gp_good_practice_guidelines_v4/
# SOURCES.md in shared/data): each list is one work. Chapter 8 and the glossary exist only in Word.
GP_WORKS = {
    "ch3": ["docx/Ch3 Clinical Safety final.docx", "markdown/ch-3-clinical-safety.md", "html/ch-3-clinical-safety.html"],
    "ch4": ["docx/Ch 4 IG final.docx", "markdown/ch-4-ig.md"],
    "ch5": ["docx/Ch 5 Shared EPRs final.docx", "markdown/ch-5-shared-eprs.md"],
    "ch8e": ["docx/Ch8e The SCR & ECS final.docx", "markdown/ch-8e-scr-ecs.md"],
    "ch9": ["docx/Ch 9 Paperless final.docx", "markdown/ch-9-paperless.md", "html/ch-9-paperless.html"],
    "exec": ["docx/GPGv4 Exec Summary final.docx", "markdown/gpgv4-exec-summary.md",
             "html/gpgv4-exec-summary.html"],
}
DDH = Path("uk-health-policy") / "nhs_navigator_rag"
DDH_FULL = "Data Driven Healthcare in 2030 - Full report - Mar 21.pdf"
DDH_SUMMARY = "Data Driven Healthcare in 2030 - Summary report - Mar 21.pdf"


# --------------------------------------------------------------------------- documents made here

def _text(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(3000)]
    return [rng.choice(vocab) for _ in range(n)]


def _doc(words: list[str], fmt: str = "markdown", name: str = "doc", *, pages: bool = False,
         sources: dict[str, str] | None = None) -> tuple[SourceDocument, list[Passage]]:
    """A document of ``words`` in paragraphs of 60 words, as a loader and the chunker give it."""
    doc_id = hashlib.sha256((fmt + " ".join(words)).encode()).hexdigest()
    doc = SourceDocument(doc_id=doc_id, path=f"/docs/{name}.{fmt}", format=fmt, title=name,
                         extra={"metadata_sources": sources or {"title": "first-heading"}})
    passages, pos = [], 0
    for seq, i in enumerate(range(0, len(words), 60)):
        text = " ".join(words[i:i + 60])
        passages.append(Passage(passage_id=f"{doc_id[:12]}-{seq:04d}", doc_id=doc_id, seq=seq, text=text,
                                char_start=pos, char_end=pos + len(text), page_start=str(seq + 1) if pages else None,
                                title=name))
        pos += len(text) + 2
    return doc, passages


def _add(m: Manifest, doc: SourceDocument, passages: list[Passage]) -> None:
    m.begin_document(doc, passages, [p.text for p in passages])
    m.commit_document(doc.doc_id, FileRecord(doc.path, doc.doc_id, 1, 1, "indexed", None))


def _works_of(m: Manifest) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for d in m.documents():
        out.setdefault(d.work_id, set()).add(d.doc_id)
    return out


# --------------------------------------------------------------------------- fast: the measure

def test_words_fold_what_formats_change_and_nothing_else():
    assert works.words("The “NHS” ﬁle—v4, GP’s record") == works.words('the "nhs" file - V4 , gp\'s  RECORD')
    assert works.words("clinical safety officer") != works.words("clinical safety case")
    assert works.shingles("a b c") == {"a b c"}  # shorter than a shingle: the whole text
    assert works.signature("  — ; ") is None  # no words: nobody's duplicate
    assert works.similarity(None, works.signature("some words here")) == 0.0


def test_minhash_estimates_jaccard_of_word_shingles():
    a = " ".join(_text(1, 2000))
    b_words = _text(1, 2000)
    b_words[1000:1400] = _text(2, 400)  # a fifth of the text rewritten
    b = " ".join(b_words)
    sa, sb = works.shingles(a), works.shingles(b)
    exact = len(sa & sb) / len(sa | sb)
    est = works.similarity(works.signature(a), works.signature(b))
    assert abs(est - exact) < 0.1, (est, exact)
    # Stored and read back unchanged; equal texts give equal signatures in any process.
    sig = works.signature(a)
    assert np.array_equal(works.from_bytes(works.to_bytes(sig)), sig)
    assert works.similarity(sig, works.signature(a)) == 1.0


def test_text_is_rebuilt_from_overlapping_passages_once():
    words = _text(3, 300)
    text = " ".join(words)
    cut = [0, 400, 900, len(text)]
    # Windows overlapping by 100 characters, as the chunker makes them for a long paragraph.
    ps = [Passage(f"p{i}", "d", i, text[max(0, a - 100 if i else 0):b], max(0, a - 100 if i else 0), b)
          for i, (a, b) in enumerate(zip(cut, cut[1:]))]
    assert works.text_of(list(reversed(ps))) == text


def test_components_do_not_depend_on_order_and_follow_links():
    base = _text(4, 3000)
    a = base[:2000]
    b = base[500:2500]  # 3/4 of A
    c = base[1000:3000]  # 3/4 of B, half of A
    other = _text(5, 2000)
    sigs = {k: works.signature(" ".join(v)) for k, v in {"a": a, "b": b, "c": c, "x": other}.items()}
    assert works.similarity(sigs["a"], sigs["c"]) < works.THRESHOLD <= works.similarity(sigs["a"], sigs["b"])
    assert works.components(sigs) == [{"a", "b", "c"}, {"x"}]
    assert works.components(dict(reversed(list(sigs.items())))) == [{"a", "b", "c"}, {"x"}]
    del sigs["b"]  # the link between A and C goes: they are two works again
    assert works.components(sigs) == [{"a"}, {"c"}, {"x"}]


def test_preference_pages_or_paragraphs_first_then_format():
    key = works.preference_key
    assert key(1, "markdown", 10, "b") < key(0, "pdf", 10, "a")  # a locator beats a format
    assert key(2, "html", 10, "b") < key(1, "docx", 10, "a")
    assert key(1, "docx", 10, "b") < key(1, "html", 10, "a") < key(1, "markdown", 10, "a")
    assert key(1, "docx", 12, "b") < key(1, "docx", 10, "a")  # the fuller copy
    assert key(1, "docx", 10, "a") < key(1, "docx", 10, "b")  # never a tie


# --------------------------------------------------------------------------- fast: the manifest

def test_manifest_groups_copies_at_commit_and_keeps_different_texts_apart(tmp_path):
    m = Manifest(tmp_path / "manifest.sqlite")
    words = _text(10, 1500)
    md = _doc(words, "markdown", "ch3")
    html_words = ["Home", "Chapter", "3"] + words + ["Back", "to", "top"]  # page furniture
    html = _doc(html_words, "html", "ch3")
    docx = _doc(words[:1400], "docx", "ch3", pages=True)  # a shorter original
    summary = _doc(words[:120] + _text(11, 300), "markdown", "summary")  # quotes the chapter
    other = _doc(_text(12, 1500), "markdown", "ch4")
    for d in (md, other, summary, html, docx):
        _add(m, *d)
    got = _works_of(m)
    ids = {d[0].doc_id for d in (md, html, docx)}
    assert ids in got.values()
    assert {summary[0].doc_id} in got.values() and {other[0].doc_id} in got.values()
    assert works.work_id_for(ids) in got
    rec = m.document(md[0].doc_id)
    # The copy with page numbers comes first among the alternates; the listing is the same from
    # every member's side.
    assert rec.alternates == (docx[0].doc_id, html[0].doc_id)
    assert [r.doc_id for r in m.work(html[0].doc_id)] == [docx[0].doc_id, html[0].doc_id, md[0].doc_id]
    assert m.document(other[0].doc_id).alternates == ()
    shared = m.shared_works()
    assert set(shared) == ids
    # The loader's record of where each field came from is a column of its own.
    assert json.loads(rec.metadata_sources) == {"title": "first-heading"}


def test_removing_a_copy_leaves_the_work_consistent(tmp_path):
    m = Manifest(tmp_path / "manifest.sqlite")
    base = _text(20, 3000)
    a, b, c = _doc(base[:2000], name="a"), _doc(base[500:2500], name="b"), _doc(base[1000:3000], name="c")
    for d in (a, b, c):
        _add(m, *d)
    all3 = {a[0].doc_id, b[0].doc_id, c[0].doc_id}
    assert list(_works_of(m).values()) == [all3]
    # B linked A and C; without it they are two works, each named after itself.
    m.mark_removing(b[0].doc_id)
    m.drop_document(b[0].doc_id)
    got = _works_of(m)
    assert sorted(got.values(), key=min) == sorted([{a[0].doc_id}, {c[0].doc_id}], key=min)
    assert all(w == works.work_id_for(members) for w, members in got.items())
    assert m.document(a[0].doc_id).alternates == () and not m.shared_works()
    # Back again: one work, named as before (the name depends on the members, not the order).
    _add(m, *b)
    assert _works_of(m) == {works.work_id_for(all3): all3}


def test_a_pending_document_is_in_no_work(tmp_path):
    m = Manifest(tmp_path / "manifest.sqlite")
    words = _text(30, 1000)
    first, copy = _doc(words, "markdown"), _doc(words, "html")
    _add(m, *first)
    m.begin_document(copy[0], copy[1], [p.text for p in copy[1]])  # killed before its vectors
    assert m.document(copy[0].doc_id).work_id is None
    assert m.document(first[0].doc_id).alternates == () and not m.shared_works()
    m.drop_document(copy[0].doc_id)  # what recovery does with it
    assert _works_of(m) == {works.work_id_for([first[0].doc_id]): {first[0].doc_id}}


# The manifest's tables as the version before works made them (ingest/manifest.py, schema 1).
_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (doc_id TEXT PRIMARY KEY, title TEXT NOT NULL, kind TEXT NOT NULL, date TEXT,
    publisher TEXT, url TEXT, path TEXT NOT NULL, format TEXT NOT NULL, n_passages INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('pending', 'indexed', 'removing')), added_at TEXT NOT NULL,
    data TEXT NOT NULL);
CREATE TABLE files (path TEXT PRIMARY KEY, doc_id TEXT, size INTEGER, mtime_ns INTEGER, state TEXT NOT NULL,
    reason TEXT, updated_at TEXT NOT NULL);
CREATE TABLE passages (passage_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, seq INTEGER NOT NULL, lex TEXT NOT NULL,
    data TEXT NOT NULL);
CREATE INDEX passages_doc ON passages(doc_id, seq);
CREATE INDEX files_doc ON files(doc_id);
INSERT INTO meta VALUES ('schema', '1'), ('generation', '7');
"""


def _write_v1(path: Path, docs: list[tuple[SourceDocument, list[Passage]]]) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(_V1)
    for doc, passages in docs:
        conn.execute("INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,'indexed','2024-01-01',?)",
                     (doc.doc_id, doc.title, doc.kind, doc.date, doc.publisher, doc.url, doc.path, doc.format,
                      len(passages), json.dumps(doc.to_dict())))
        conn.executemany("INSERT INTO passages VALUES (?,?,?,?,?)",
                         [(p.passage_id, p.doc_id, p.seq, p.text, json.dumps(p.to_dict())) for p in passages])
    conn.commit()
    conn.close()


def test_a_manifest_from_before_works_is_upgraded_in_place(tmp_path):
    words = _text(40, 1200)
    md, html, other = _doc(words, "markdown"), _doc(words + ["end"], "html"), _doc(_text(41, 900), "text")
    path = tmp_path / "manifest.sqlite"
    _write_v1(path, [md, html, other])
    m = Manifest(path)
    assert m.get_meta("schema") == SCHEMA_VERSION == "2"
    assert m.generation() == 7  # nothing a derived index depends on changed
    cols = [r[1] for r in m.conn.execute("PRAGMA table_info(documents)")]
    fresh = Manifest(tmp_path / "new.sqlite")
    assert cols == [r[1] for r in fresh.conn.execute("PRAGMA table_info(documents)")]  # same order as a new one
    got = _works_of(m)
    assert {md[0].doc_id, html[0].doc_id} in got.values() and {other[0].doc_id} in got.values()
    assert json.loads(m.document(other[0].doc_id).metadata_sources) == {"title": "first-heading"}
    # Opening it again changes nothing; a new document joins the upgraded work as usual.
    before = m.conn.execute("SELECT doc_id, work_id, signature FROM documents ORDER BY doc_id").fetchall()
    m.close()
    m = Manifest(path)
    assert m.conn.execute("SELECT doc_id, work_id, signature FROM documents ORDER BY doc_id").fetchall() == before
    docx = _doc(words, "docx")
    _add(m, *docx)
    assert {md[0].doc_id, html[0].doc_id, docx[0].doc_id} in _works_of(m).values()


# --------------------------------------------------------------------------- slow: the real documents

def _parse_all(root: Path) -> dict[str, tuple[SourceDocument, list[Passage]]]:
    """Every file under ``root`` read and chunked exactly as ingest does (the parse worker's code)."""
    from tokenizers import Tokenizer

    from evidence_ingest.chunk import chunk_blocks
    from evidence_ingest.embed import packaged_model_path
    from evidence_ingest.load import FORMATS, load_file

    s = Settings()
    tok = Tokenizer.from_file(str(packaged_model_path() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()

    def count(texts):
        return [len(e.ids) for e in tok.encode_batch(list(texts), add_special_tokens=False)]

    out = {}
    for f in sorted(root.rglob("*")):
        if f.is_file() and f.suffix.lower() in FORMATS:
            loaded = load_file(f)
            out[str(f.relative_to(root))] = (loaded.document, chunk_blocks(
                loaded.document, loaded.blocks, max_tokens=s.chunk_tokens, overlap=s.chunk_overlap, count_tokens=count))
    return out


@pytest.mark.slow
def test_similarity_over_uk_health_policy_separates_copies_from_everything_else(shared_data, capsys):
    """The threshold's evidence: over every pair of documents in uk-health-policy, the copies of
    one GP guidelines chapter are far above it and every other pair far below."""
    root = shared_data / "uk-health-policy"
    parsed = _parse_all(root)
    gp = str(GP.relative_to("uk-health-policy"))
    same: dict[str, str] = {f"{gp}/{f}": w for w, files in GP_WORKS.items() for f in files}
    assert set(same) <= set(parsed), sorted(set(same) - set(parsed))
    texts = {k: works.text_of(ps) for k, (_, ps) in parsed.items()}
    sigs = {k: works.signature(t) for k, t in texts.items()}
    sh = {k: works.shingles(t) for k, t in texts.items()}
    dup, other = [], []
    for a, b in itertools.combinations(sorted(parsed), 2):
        exact = len(sh[a] & sh[b]) / len(sh[a] | sh[b]) if sh[a] | sh[b] else 0.0
        row = (works.similarity(sigs[a], sigs[b]), exact, a, b)
        (dup if a in same and same.get(b) == same[a] else other).append(row)
    dup.sort()
    other.sort(reverse=True)
    with capsys.disabled():
        print(f"\n{len(parsed)} documents, {len(dup) + len(other)} pairs; estimated (exact) Jaccard of "
              f"{works.SHINGLE_WORDS}-word shingles; threshold {works.THRESHOLD}")
        print("  copies of one chapter, lowest first:")
        for est, exact, a, b in dup:
            print(f"    {est:.3f} ({exact:.3f})  {Path(a).name} | {Path(b).name}")
        print("  all other pairs, highest first:")
        for est, exact, a, b in other[:8]:
            print(f"    {est:.3f} ({exact:.3f})  {Path(a).name} | {Path(b).name}")
        ests = np.array([o[0] for o in other])
        print(f"  other pairs: {len(other)}, median {np.median(ests):.3f}, 99th percentile "
              f"{np.percentile(ests, 99):.3f}, max {ests.max():.3f}")
    assert len(dup) == sum(len(f) * (len(f) - 1) // 2 for f in GP_WORKS.values()) == 12
    lowest_copy, highest_other = dup[0], other[0]
    # The threshold sits in the gap between the two, with room on both sides for the estimate's
    # error (its standard deviation is at most 0.045 with 128 hash functions). Measured when it
    # was chosen: lowest copy 0.648 estimated (0.685 exact: the Word and Markdown executive
    # summary), highest other pair 0.094 (0.059: the Data Driven Healthcare full and summary
    # reports); of the 1,116 other pairs the median is 0 and the 99th percentile 0.016.
    assert min(lowest_copy[0], lowest_copy[1]) >= works.THRESHOLD + 0.1, lowest_copy
    assert max(highest_other[0], highest_other[1]) <= works.THRESHOLD - 0.3, highest_other
    # The summary of a report is not the report, though most of it is quoted from it.
    full, summary = f"nhs_navigator_rag/{DDH_FULL}", f"nhs_navigator_rag/{DDH_SUMMARY}"
    assert works.similarity(sigs[full], sigs[summary]) < works.THRESHOLD
    assert len(sh[summary] & sh[full]) / len(sh[summary]) > 0.5  # ... and it does quote it
    # Grouped, the documents give exactly the chapters' works; every other document is alone.
    groups = [g for g in works.components(sigs) if len(g) > 1]
    assert sorted(sorted(g) for g in groups) == sorted(sorted(f"{gp}/{f}" for f in files)
                                                       for files in GP_WORKS.values())


def _copy(shared: Path, rels: list[Path], dest: Path) -> dict[str, Path]:
    dest.mkdir(parents=True, exist_ok=True)
    out = {}
    for rel in rels:
        target = dest / rel.parent.name / rel.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared / rel, target)
        out[str(rel)] = target
    return out


SUBSET = ([GP / f for f in GP_WORKS["ch3"] + GP_WORKS["ch8e"] + GP_WORKS["exec"]]
          + [GP / "docx/Ch8 Data Transfer and inter-operability final.docx", GP / "docx/GPGv4 Glossary.docx",
             DDH / DDH_SUMMARY])


@pytest.fixture(scope="module")
def gp_index(shared_data, tmp_path_factory):
    """Three works of the GP guidelines (3, 2 and 3 formats), two chapters held only in Word and
    the Data Driven Healthcare summary report, ingested with the real model."""
    from evidence_ingest.pipeline import ingest

    work = tmp_path_factory.mktemp("works")
    files = _copy(shared_data, SUBSET, work / "corpus")
    s = Settings(index_dir=work / "index")
    report = ingest([work / "corpus"], settings=s)
    assert report.indexed == len(SUBSET) and not report.skipped, report.skipped
    return s, files


def _groups(index_dir: Path) -> tuple[dict[str, set[str]], dict[str, str]]:
    from evidence_ingest.store import Index

    idx = Index.open(Settings(index_dir=index_dir))
    try:
        recs = idx.manifest.documents()
        by_work: dict[str, set[str]] = {}
        for r in recs:
            by_work.setdefault(r.work_id, set()).add(Path(r.path).name)
        return by_work, {Path(r.path).name: r.doc_id for r in recs}
    finally:
        idx.close()


def _expected(names: list[list[str]]) -> list[set[str]]:
    return sorted(({Path(n).name for n in g} for g in names), key=lambda g: sorted(g))


@pytest.mark.slow
def test_ingest_groups_the_formats_of_each_chapter_and_nothing_else(gp_index, capsys):
    from evidence_assistant.surfaces.cli import main as cli_main

    s, files = gp_index
    by_work, ids = _groups(s.index_dir)
    want = _expected([GP_WORKS["ch3"], GP_WORKS["ch8e"], GP_WORKS["exec"], ["Ch8 Data Transfer and inter-operability final.docx"],
                      ["GPGv4 Glossary.docx"], [DDH_SUMMARY]])
    assert sorted(by_work.values(), key=lambda g: sorted(g)) == want
    # `evidence documents` shows each document's work and its other formats, without the files.
    for f in files.values():
        f.rename(f.with_suffix(f.suffix + ".moved"))
    try:
        assert cli_main(["documents", "--index", str(s.index_dir), "--json"]) == 0
        rows = json.loads(capsys.readouterr().out)["documents"]
        assert cli_main(["documents", "--index", str(s.index_dir)]) == 0
        table = capsys.readouterr().out
    finally:
        for f in files.values():
            f.with_suffix(f.suffix + ".moved").rename(f)
    by_name = {Path(r["path"]).name: r for r in rows}
    ch3 = by_name["Ch3 Clinical Safety final.docx"]
    assert ch3["work"]["documents"] == 3 and ch3["work"]["cited"] is True
    assert sorted(a["format"] for a in ch3["work"]["alternates"]) == ["html", "markdown"]
    md = by_name["ch-3-clinical-safety.md"]
    assert md["work"]["id"] == ch3["work"]["id"] and md["work"]["cited"] is False
    assert md["work"]["alternates"][0]["doc_id"] == ids["Ch3 Clinical Safety final.docx"]
    assert by_name[DDH_SUMMARY]["work"]["alternates"] == []
    # Where each field came from is read from the index: the files were out of reach.
    assert all("sources_note" not in r for r in rows), [r.get("sources_note") for r in rows]
    assert ch3["sources"]["title"]
    assert f"work {ch3['work']['id']}, 3 copies (answers cite this copy); also as" in table
    assert "answers cite the docx" in table


@pytest.mark.slow
def test_an_index_made_before_works_opens_and_upgrades(gp_index, tmp_path):
    """The whole index (manifest, Chroma, lexical) as the version before works left it: the
    manifest's new columns and table removed and its schema number set back."""
    from evidence_assistant.surfaces.api import Assistant
    from evidence_ingest.store import Index

    s, _ = gp_index
    old = tmp_path / "index"
    shutil.copytree(s.index_dir, old)
    conn = sqlite3.connect(old / "manifest.sqlite")
    conn.execute("DROP INDEX IF EXISTS documents_work")
    for col in ("cite_rank", "signature", "metadata_sources", "work_id"):
        conn.execute(f"ALTER TABLE documents DROP COLUMN {col}")
    conn.execute("UPDATE meta SET value='1' WHERE key='schema'")
    conn.commit()
    assert [r[1] for r in conn.execute("PRAGMA table_info(documents)")][-1] == "data"
    gen = conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0]
    conn.close()

    idx = Index.open(Settings(index_dir=old))
    try:
        assert idx.manifest.get_meta("schema") == "2" and str(idx.manifest.generation()) == gen
        assert all(d.metadata_sources for d in idx.manifest.documents())
        a = Assistant(idx, Settings(index_dir=old))
        res = a.retrieve("What does a clinical safety officer do?").results
        assert res
    finally:
        idx.close()
    assert _groups(old)[0] == _groups(s.index_dir)[0]


@pytest.mark.slow
def test_prune_of_one_format_leaves_the_group_consistent(shared_data, tmp_path):
    from evidence_assistant.surfaces.api import Assistant
    from evidence_ingest.pipeline import ingest
    from evidence_ingest.store import Index

    files = _copy(shared_data, [GP / f for f in GP_WORKS["ch3"]], tmp_path / "corpus")
    s = Settings(index_dir=tmp_path / "index")
    ingest([tmp_path / "corpus"], settings=s)
    names = [Path(f).name for f in GP_WORKS["ch3"]]
    assert list(_groups(s.index_dir)[0].values()) == [set(names)]
    docx, md, html = (files[str(GP / f)] for f in GP_WORKS["ch3"])

    docx.unlink()  # the preferred copy goes
    report = ingest([tmp_path / "corpus"], settings=s, prune=True)
    assert report.removed_documents == 1
    by_work, ids = _groups(s.index_dir)
    assert list(by_work.values()) == [{md.name, html.name}]
    assert list(by_work) == [works.work_id_for([ids[md.name], ids[html.name]])]
    idx = Index.open(s)
    try:
        # Neither copy left has page numbers or numbered paragraphs: HTML comes before Markdown.
        assert [r.doc_id for r in idx.manifest.work(ids[md.name])] == [ids[html.name], ids[md.name]]
        a = Assistant(idx, s)
        found = {sp.passage.doc_id for sp in a.retrieve("What is a clinical safety officer?").results}
        assert found == {ids[html.name]}  # the HTML is now the copy answers use
    finally:
        idx.close()

    md.unlink()  # one copy left: a work of one, with no alternates
    ingest([tmp_path / "corpus"], settings=s, prune=True)
    by_work, ids = _groups(s.index_dir)
    assert by_work == {works.work_id_for([ids[html.name]]): {html.name}}
    idx = Index.open(s)
    try:
        assert idx.manifest.document(ids[html.name]).alternates == () and not idx.manifest.shared_works()
    finally:
        idx.close()
