"""A work indexed as several documents (the Word, Markdown and HTML of one GP guidelines
chapter) is counted once: the passages handed to the answerer, and so its citations, come from
one of its documents — the one that cites best — and the chat names the others under the source."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evidence_assistant.answering.parts import question_parts
from evidence_assistant.answering.retrieve import one_document_per_work
from evidence_assistant.surfaces.ui import render
from evidence_ingest import works

GP = Path("uk-health-policy") / "gp_good_practice_guidelines_v4"
FILES = ["docx/Ch3 Clinical Safety final.docx", "markdown/ch-3-clinical-safety.md", "html/ch-3-clinical-safety.html",
         "docx/GPGv4 Exec Summary final.docx", "markdown/gpgv4-exec-summary.md", "html/gpgv4-exec-summary.html",
         "docx/Ch8e The SCR & ECS final.docx", "markdown/ch-8e-scr-ecs.md",
         "docx/Ch8 Data Transfer and inter-operability final.docx"]
QUESTIONS = ["What is the role of the clinical safety officer in a GP practice?",
             "What should a practice do before deploying a clinical system to manage clinical risk?",
             "What does the Summary Care Record contain and who can see it?",
             "Why should GP practices keep good electronic patient records?"]


# --------------------------------------------------------------------------- the rule, on its own

def test_one_document_per_work_keeps_the_copy_that_cites_best():
    key = works.preference_key
    shared = {"md": ("w1", key(0, "markdown", 10, "md")), "pdf": ("w1", key(2, "pdf", 9, "pdf")),
              "html": ("w1", key(0, "html", 10, "html")), "a": ("w2", key(0, "text", 3, "a")),
              "b": ("w2", key(0, "text", 5, "b"))}
    doc_of = {"m1": "md", "m2": "md", "p1": "pdf", "h1": "html", "x1": "solo", "a1": "a", "b1": "b"}
    order = ["m1", "x1", "h1", "m2", "a1", "p1", "b1"]
    # The PDF (pages and numbered paragraphs) is kept though its passage ranks below the others;
    # of two text copies, the fuller one. Documents in no shared work pass unchanged.
    assert one_document_per_work(order, doc_of, shared) == ["x1", "p1", "b1"]
    # Among the copies that have a passage in the list: without the PDF, HTML before Markdown.
    assert one_document_per_work(["m1", "h1", "x1"], doc_of, shared) == ["h1", "x1"]
    assert one_document_per_work(order, doc_of, {}) == order


def test_a_passage_of_another_copy_gives_its_place_to_the_kept_copys_same_paragraph():
    key = works.preference_key
    shared = {"docx": ("w", key(1, "docx", 10, "docx")), "md": ("w", key(0, "markdown", 10, "md"))}
    doc_of = {"m1": "md", "m2": "md", "d1": "docx", "d7": "docx", "x1": "solo"}
    same = {("m1", "docx"): "d7", ("m2", "docx"): "d1"}
    counterpart = lambda pid, doc: same.get((pid, doc))  # noqa: E731
    # The Markdown paragraph ranked first: the Word copy of it (d7, far down on its own wording)
    # takes first place; the one that has no counterpart is dropped; none is listed twice.
    assert one_document_per_work(["m1", "x1", "d1", "m2", "d7"], doc_of, shared, counterpart) == ["d7", "x1", "d1"]
    assert one_document_per_work(["m1", "x1", "d1", "m2", "d7"], doc_of, shared) == ["x1", "d1", "d7"]
    assert one_document_per_work(["m9", "d1"], {**doc_of, "m9": "md"}, shared, counterpart) == ["d1"]


def test_the_alternates_line_names_the_other_formats():
    docs = [{"doc_id": "d1", "format": "docx", "path": "/c/Ch3.docx", "title": "Ch 3", "alternates": ["d2", "d3"]},
            {"doc_id": "d2", "format": "html", "path": "/c/ch-3.html", "title": "Ch 3", "alternates": ["d1", "d3"]},
            {"doc_id": "d3", "format": "markdown", "path": "/c/ch-3.md", "title": "Ch <3>", "alternates": ["d1", "d2"]},
            {"doc_id": "d4", "format": "pdf", "path": "/c/other.pdf", "title": "Other", "alternates": []}]
    alt = render.alternates_by_doc(docs)
    assert set(alt) == {"d1", "d2", "d3"}
    line = render.alternates_line(alt["d1"])
    assert "also indexed as HTML (ch-3.html) · Markdown (ch-3.md)" in line and 'class="ea-alternates"' in line
    assert render.alternates_line(alt.get("d4")) == ""


# --------------------------------------------------------------------------- the real guidelines

@pytest.fixture(scope="module")
def gp_assistant(shared_data, tmp_path_factory):
    from evidence_assistant.surfaces.api import Assistant
    from evidence_assistant.core.settings import Settings
    from evidence_ingest.pipeline import ingest

    work = tmp_path_factory.mktemp("dedupe")
    for rel in FILES:
        target = work / "corpus" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared_data / GP / rel, target)
    s = Settings(index_dir=work / "index")
    report = ingest([work / "corpus"], settings=s)
    assert report.indexed == len(FILES) and not report.skipped, report.skipped
    a = Assistant.open(s.index_dir, s)
    yield a
    a.close()


def _work_docs(a, doc_ids) -> dict[str, set[str]]:
    work_of = {d["doc_id"]: d["work_id"] for d in a.documents()}
    out: dict[str, set[str]] = {}
    for d in doc_ids:
        out.setdefault(work_of[d], set()).add(d)
    return out


@pytest.mark.slow
def test_retrieval_hands_the_answerer_one_document_per_work(gp_assistant, monkeypatch):
    a = gp_assistant
    docs = {Path(d["path"]).name: d for d in a.documents()}
    assert len({d["work_id"] for d in docs.values()}) == 4  # three chapters' works and chapter 8
    m = a.index.manifest
    preferred = {d["work_id"]: m.work(d["doc_id"])[0] for d in docs.values()}
    for w, best in preferred.items():  # the copy kept has the best locators of its work
        assert best.cite_rank == max(r.cite_rank for r in m.work(best.doc_id)), w
    for q in QUESTIONS:
        res = a.retrieve(q).results
        further = len(question_parts(q)) - 1  # each further part brings passages of its own
        assert len(res) == a.settings.top_k + further * a.settings.part_passages, q
        for work, members in _work_docs(a, [sp.passage.doc_id for sp in res]).items():
            assert len(members) == 1, (q, work, members)
            assert members == {preferred[work].doc_id}, (q, work)  # the copy that cites best
    # Without the rule the same questions fill the list with copies of one text (what the index
    # did before works): the assertions above would fail.
    monkeypatch.setattr(type(a.index.manifest), "shared_works", lambda self: {})
    dupes = 0
    for q in QUESTIONS:
        res = a.retrieve(q).results
        dupes += sum(len(m) > 1 for m in _work_docs(a, [sp.passage.doc_id for sp in res]).values())
    assert dupes >= 2


@pytest.mark.slow
def test_answers_cite_a_work_once_and_the_chat_names_its_other_formats(gp_assistant):
    a = gp_assistant
    alternates = render.alternates_by_doc(a.documents())
    answer = a.ask(QUESTIONS[1])  # answered from the clinical safety chapter, indexed in three formats
    shown = [sp.passage.doc_id for sp in answer.passages]
    assert all(len(m) == 1 for m in _work_docs(a, shown).values())
    assert answer.citations, answer.text
    assert all(len(m) == 1 for m in _work_docs(a, [c.doc_id for c in answer.citations]).values())
    ch3 = {d["doc_id"] for d in a.documents() if "clinical" in Path(d["path"]).name.lower()}
    cited = {c.doc_id for c in answer.citations}
    assert cited & ch3, [c.title for c in answer.citations]
    html = render.conversation_html([answer], alternates=alternates)
    assert html.count('class="ea-alternates"') >= 1
    assert "also indexed as HTML (ch-3-clinical-safety.html) · Markdown (ch-3-clinical-safety.md)" in html
    # Without the mapping (a caller that does not pass it) nothing changes.
    assert 'class="ea-alternates"' not in render.conversation_html([answer])


@pytest.mark.slow
def test_the_same_paragraph_is_found_in_the_kept_copy(gp_assistant):
    """Each Markdown passage of a chapter kept as Word maps to the Word passage holding most of
    its words in the same order; a passage of another chapter maps to nothing."""
    a = gp_assistant
    r = a.stages("x").retriever
    docs = {Path(d["path"]).name: d["doc_id"] for d in a.documents()}
    md, docx = docs["ch-3-clinical-safety.md"], docs["Ch3 Clinical Safety final.docx"]
    other = docs["Ch8 Data Transfer and inter-operability final.docx"]
    found = 0
    md_passages = a.index.manifest.passages_of(md)
    for p in md_passages:
        c = r.counterpart(p.passage_id, docx)
        if c is None:
            continue
        found += 1
        mine, theirs = works.shingles(p.text), works.shingles(a.index.manifest.passages([c])[c].text)
        assert len(mine & theirs) >= 0.5 * len(mine), (p.text[:80], c)
        assert a.index.manifest.passages([c])[c].doc_id == docx
    assert found >= 0.8 * len(md_passages)
    assert all(r.counterpart(p.passage_id, other) is None for p in md_passages)
