"""Ingest hardening: control characters, zip-bomb packages, runaway memory, named pipes,
linked files and template syntax.

* Control characters (ESC sequences, BEL, NUL, C1 controls) in any format never reach the
  index: not in passage text, headings, titles or page labels.
* A .docx that unpacks to hundreds of megabytes is refused from its zip directory, at once,
  with the sizes and the fix; nothing already indexed changes.
* The parse child runs under a memory cap; a file that needs more is refused by name and the
  next file still parses.
* A named pipe (FIFO) — named directly or found in a folder — is reported as skipped, with the
  reason, and ingest returns promptly instead of waiting for a writer forever.
* A file reached through a link is stored under the link, so ``--prune`` forgets it when the
  link goes.
* Template syntax is removed from templates only: an ordinary .html page keeps "{{ name }}".
* The parse child never runs the caller's script: a plain script without a __main__ guard
  ingests once.
"""
from __future__ import annotations

import io
import os
import re
import subprocess
import textwrap
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from evidence_assistant import Settings
from evidence_assistant.core.errors import IngestError
from index_state import problems, snapshot
from evidence_ingest.load import load_file
from evidence_ingest.pipeline import ingest
from pdf_craft import _FONT, _page, _stream, build_pdf
from rel_support import PYTHON, REPO, notes_text, subprocess_env

# C0 controls other than tab and newline, DEL, C1 controls, and the Unicode line separators.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
HOSTILE = "Budget\x1b[31m alert\x07 with a\x00 NUL and\x9b2J a C1 clear"


# --------------------------------------------------------------------------- helpers


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def _docx(paragraphs: list[str], title: str = "") -> bytes:
    import docx

    d = docx.Document()
    if title:
        d.core_properties.title = title
    d.add_heading("Heading " + HOSTILE.replace("\x1b", "\x9b").replace("\x07", "\x85").replace("\x00", "\x7f"), 1)
    for p in paragraphs:
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _pdf(text: bytes) -> bytes:
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>", _FONT,
            _stream(b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET"), _page(2)]
    return build_pdf(objs)


def hostile_corpus(dest: Path) -> Path:
    """One document per format, each with ESC, BEL and NUL (or, where XML cannot hold those,
    the C1 CSI and DEL) in its title, headings and text."""
    dest.mkdir(parents=True, exist_ok=True)
    sentence = f"The committee found {HOSTILE} in the digital budget for trusts in 2023."
    (dest / "notes.md").write_text(
        f"---\ntitle: \"Notes \\e[2J title\\a\"\n---\n# Findings \x1b[1mbold\x07\n\n1. {sentence}\n", encoding="utf-8")
    (dest / "standard.json").write_text(
        '{"name": "Standard \\u001b]0;pwned\\u0007", "description": "' + sentence.replace("\x1b", "\\u001b")
        .replace("\x07", "\\u0007").replace("\x00", "\\u0000").replace("\x9b", "\\u009b") + '"}', encoding="utf-8")
    (dest / "page.html").write_text(
        f"<html><head><title>Page \x1b[5m title</title></head><body><h1>Heading \x07 one</h1>"
        f"<p>{sentence}</p></body></html>", encoding="utf-8")
    (dest / "plain.txt").write_text(f"Plain title \x1b[0m\n\n{sentence}\n", encoding="utf-8")
    (dest / "word.docx").write_bytes(_docx([sentence.replace("\x1b", "\x9b").replace("\x07", "\x85")
                                            .replace("\x00", "\x7f")], title="Word \x9b2J title"))
    (dest / "scan.pdf").write_bytes(_pdf(b"The committee \\033[31mfound\\007 a \\000 NUL in the digital budget."))
    return dest


# --------------------------------------------------------------------------- control characters


def test_every_loader_strips_control_characters(tmp_path):
    """Loader level, every format: the document and its blocks hold no control character, and
    the words around a removed one are still there."""
    corpus = hostile_corpus(tmp_path / "c")
    for f in sorted(corpus.iterdir()):
        loaded = load_file(f)
        found = [s for s in _strings(loaded.document.to_dict()) + _strings([b.__dict__ for b in loaded.blocks])
                 if CONTROL.search(s)]
        assert found == [], (f.name, found)
        text = " ".join(b.text for b in loaded.blocks)
        assert "committee" in text and "budget" in text, (f.name, text)
        assert "NUL" in text, (f.name, text)


def test_whitespace_controls_keep_words_apart():
    from evidence_assistant.core.types import Block
    from evidence_ingest.load.base import Loaded

    loaded = Loaded(blocks=[Block("one\x0ctwo\rthree\x1ffour\x85five\u2028six\tseven\nend\x00s", "paragraph",
                                  "ii\x1b", None, "3\x07", ("Head\x1b[1m",))],
                    metadata={"title": "T\x07itle", "keywords": ["a\x1b", "b"], "n": 3}, warnings=["page 1\x07"])
    b = loaded.blocks[0]
    assert b.text == "one two three four five six\tseven\nends"
    assert (b.page, b.paragraph, b.heading_path) == ("ii", "3", ("Head[1m",))
    assert loaded.metadata == {"title": "Title", "keywords": ["a", "b"], "n": 3}
    assert loaded.warnings == ["page 1"]


@pytest.mark.slow
def test_indexed_passages_hold_no_control_characters(tmp_path):
    """Through a real ingest, every format: no passage in the index carries a control character
    in its text, title, headings, page or paragraph."""
    corpus = hostile_corpus(tmp_path / "c")
    s = Settings(index_dir=tmp_path / "index")
    rep = ingest([corpus], settings=s)
    assert rep.ok and rep.indexed == 6, rep.to_dict()
    from evidence_ingest.store import Index

    idx = Index.open(s)
    try:
        passages = list(idx.manifest.iter_all_passages())
        docs = [idx.manifest.source_document(d) for d in idx.manifest.indexed_doc_ids()]
    finally:
        idx.close()
    assert len({p.doc_id for p in passages}) == 6
    bad = [(p.passage_id, s) for p in passages for s in _strings(p.to_dict()) if CONTROL.search(s)]
    bad += [(d.path, s) for d in docs for s in _strings(d.to_dict()) if CONTROL.search(s)]
    assert bad == []


# --------------------------------------------------------------------------- zip bombs and memory


def zip_bomb_docx(unpacked_mb: int = 400) -> bytes:
    """A valid .docx whose word/document.xml is ``unpacked_mb`` MB of empty paragraphs: a few
    hundred kilobytes on disk, as in the report that drove the parser to 6.6 GB."""
    import docx

    d = docx.Document()
    d.add_paragraph("A real paragraph before the padding.")
    buf = io.BytesIO()
    d.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                z.writestr(info, src.read(info))
                continue
            xml = src.read(info).decode("utf-8")
            head, tail = xml.split("<w:body>", 1)
            with z.open("word/document.xml", "w", force_zip64=True) as w:
                w.write((head + "<w:body>").encode())
                chunk = b"<w:p/>" * 174_763  # 1 MiB
                for _ in range(unpacked_mb * (1 << 20) // len(chunk)):
                    w.write(chunk)
                w.write(tail.encode())
    return out.getvalue()


@pytest.mark.slow
def test_zip_bomb_docx_is_refused_at_once_and_nothing_indexed_changes(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.md").write_text(notes_text("Staff notes", ["The board met in March to agree the plan."]),
                                     encoding="utf-8")
    s = Settings(index_dir=tmp_path / "index")
    assert ingest([corpus], settings=s).indexed == 1
    before = snapshot(s.index_dir)

    bomb = corpus / "expanding.docx"
    bomb.write_bytes(zip_bomb_docx(400))
    assert bomb.stat().st_size < 2_000_000
    # Through ingest only (the parse child): should the check ever regress, the test process
    # is not the one that tries to parse 400 MB of XML.
    t0 = time.monotonic()
    rep = ingest([corpus], settings=s)
    took = time.monotonic() - t0
    assert took < 30, took  # the unbounded parse ran for 150 s before its time limit
    assert [k.path for k in rep.skipped] == [str(bomb)]
    reason = rep.skipped[0].reason
    assert re.match(r"refused before parsing: its part word/document\.xml unpacks to 4\d\d MB from \d+ KB "
                    r"\(\d[\d,]* times, over the 100 times a real document packs\)", reason), reason
    assert "zip bomb" in reason and "split it" in reason
    assert rep.indexed == 0 and rep.unchanged == 1
    after = snapshot(s.index_dir)
    assert problems(after) == []
    assert after["manifest_ids"] == before["manifest_ids"]
    assert sorted(after["chroma_ids"]) == sorted(before["chroma_ids"])


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_parse_child_runs_under_a_memory_cap(tmp_path):
    """A file that needs more memory than the parser may use is refused by name, and the child
    carries on with the next file."""
    from evidence_ingest.embed import packaged_model_path
    from evidence_ingest.worker import ParseWorker

    greedy = tmp_path / "greedy.txt"  # 36 MB of two-letter lines: over a GB as Python strings
    greedy.write_bytes(b"Title line\n\n" + b"ab\n" * 12_000_000)
    fine = tmp_path / "fine.md"
    fine.write_text(notes_text("Small notes", ["The board met in March to agree the plan."]), encoding="utf-8")
    with ParseWorker(tokenizer=packaged_model_path() / "tokenizer.json", chunk_tokens=256, chunk_overlap=32,
                     max_bytes=100_000_000, sources_toml=None, timeout_s=240,
                     memory_limit=1_000_000_000) as worker:
        worker.submit(str(greedy))
        worker.submit(str(fine))
        with pytest.raises(IngestError) as err:
            worker.result()
        assert err.value.path == str(greedy)
        assert "parsing needed more than the 0.9 GB the parser may use" in err.value.reason
        assert "EVIDENCE_MAX_FILE_MB" in err.value.reason
        parsed = worker.result()
        assert parsed.document.path == str(fine) and parsed.passages


# --------------------------------------------------------------------------- named pipes


def _ingest_with_deadline(paths: list[Path], s: Settings, seconds: float) -> Any:
    """Run ingest in a thread; fail (rather than hang the test run) if it does not return."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["report"] = ingest(paths, settings=s)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            box["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    if t.is_alive():
        # Release the reader so the thread can finish, then fail: ingest waited on the pipe.
        for p in paths:
            for f in ([p] if not p.is_dir() else list(p.iterdir())):
                if f.is_fifo():
                    try:
                        fd = os.open(f, os.O_WRONLY | os.O_NONBLOCK)
                        os.close(fd)
                    except OSError:
                        pass
        pytest.fail(f"ingest did not return within {seconds} s: it is waiting on a named pipe")
    if "error" in box:
        raise box["error"]
    return box["report"]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_named_pipe_is_reported_not_waited_on(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.md").write_text(notes_text("Staff notes", ["The board met in March to agree the plan."]),
                                     encoding="utf-8")
    fifo_in_folder = corpus / "incoming.md"
    os.mkfifo(fifo_in_folder)
    fifo_named = tmp_path / "direct.txt"
    os.mkfifo(fifo_named)
    s = Settings(index_dir=tmp_path / "index")

    t0 = time.monotonic()
    rep = _ingest_with_deadline([corpus, fifo_named], s, 150)  # model load included; a hang is forever
    assert time.monotonic() - t0 < 150
    assert rep.indexed == 1
    skipped = {k.path: k.reason for k in rep.skipped}
    assert set(skipped) == {str(fifo_in_folder), str(fifo_named)}
    for reason in skipped.values():
        assert reason.startswith("not an ordinary file but a named pipe (FIFO)"), reason
        assert "copy the document into a file" in reason


def test_sockets_and_broken_links_are_reported_by_discover(tmp_path):
    import socket

    from evidence_ingest.pipeline import IngestReport, discover

    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "ok.md").write_text("# Fine\n\nText.\n", encoding="utf-8")
    sock = socket.socket(socket.AF_UNIX)
    sock_path = folder / "s.md"
    try:
        sock.bind(str(sock_path))
    except OSError as exc:  # a path too long for AF_UNIX on this machine
        pytest.skip(f"cannot bind a unix socket here: {exc}")
    (folder / "gone.md").symlink_to(tmp_path / "nowhere.md")
    rep = IngestReport()
    try:
        files = discover([folder], rep)
    finally:
        sock.close()
    assert files == [folder / "ok.md"]
    reasons = {Path(k.path).name: k.reason for k in rep.skipped}
    assert reasons["s.md"].startswith("not an ordinary file but a socket")
    assert reasons["gone.md"].startswith(f"link to '{tmp_path / 'nowhere.md'}', which does not exist")


# --------------------------------------------------------------------------- links and --prune


@pytest.mark.slow
def test_linked_file_is_stored_under_the_link_and_pruned_when_it_goes(tmp_path):
    store = tmp_path / "elsewhere"
    store.mkdir()
    target = store / "notes-target.md"
    target.write_text(notes_text("Linked notes", ["The clerk linked this file into the corpus folder."]),
                      encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "own.md").write_text(notes_text("Own notes", ["The board met in March to agree the plan."]),
                                   encoding="utf-8")
    link = corpus / "linked.md"
    link.symlink_to(target)
    s = Settings(index_dir=tmp_path / "index")
    rep = ingest([corpus], settings=s)
    assert rep.ok and rep.indexed == 2, rep.to_dict()

    from evidence_ingest.store import Index

    def files_and_docs() -> tuple[set[str], set[str]]:
        idx = Index.open(s)
        try:
            m = idx.manifest
            return {f.path for f in m.files()}, {m.source_document(d).path for d in m.indexed_doc_ids()}
        finally:
            idx.close()

    files, docs = files_and_docs()
    assert files == {str(corpus / "own.md"), str(link)}
    assert docs == files  # the document is cited under the link's path too

    link.unlink()
    rep = ingest([corpus], settings=s, prune=True)
    assert rep.removed_documents == 1 and rep.unchanged == 1, rep.to_dict()
    files, docs = files_and_docs()
    assert files == docs == {str(corpus / "own.md")}
    assert target.exists()  # only the index forgot it


def test_sources_toml_beside_a_link_describes_it(tmp_path):
    store = tmp_path / "elsewhere"
    store.mkdir()
    (store / "target.md").write_text("# Heading\n\nSome text about the plan.\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "linked.md").symlink_to(store / "target.md")
    (corpus / "sources.toml").write_text('[[documents]]\nfile = "linked.md"\ntitle = "From the toml"\n'
                                         'kind = "report"\n', encoding="utf-8")
    doc = load_file(corpus / "linked.md").document
    assert (doc.title, doc.kind, doc.path) == ("From the toml", "report", str(corpus / "linked.md"))


# --------------------------------------------------------------------------- template syntax


def test_ordinary_html_keeps_braces_templates_lose_their_tags(tmp_path):
    page = ("<html><body><h1>Using placeholders</h1>"
            "<p>Letters are addressed to {{ name }} and the form shows {% raw %} as typed.</p>"
            "<pre>{% extends \"base.html\" %}</pre></body></html>")
    plain = tmp_path / "guide.html"
    plain.write_text(page, encoding="utf-8")
    text = " ".join(b.text for b in load_file(plain).blocks)
    assert "addressed to {{ name }} and the form shows {% raw %} as typed" in text
    assert '{% extends "base.html" %}' in text

    template = ('{% extends "layout.njk" %}\n{% set pageTitle = "Plan for care" %}\n{% block body %}'
                "<h1>{{ heading }}Plan</h1><p>Trusts will {% if live %}now {% endif %}publish plans.</p>"
                "{% endblock %}")
    for name in ("plan.njk", "plan.html"):
        f = tmp_path / name
        f.write_text(template, encoding="utf-8")
        loaded = load_file(f)
        blocks = [b.text for b in loaded.blocks]
        assert blocks == ["Plan", "Trusts will now publish plans."], (name, blocks)
        assert loaded.document.title == "Plan for care"


# --------------------------------------------------------------------------- plain scripts


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_script_without_a_main_guard_ingests_once(tmp_path):
    """The parse child must not re-run the caller's script: a script that calls ingest() at
    module level (no ``if __name__ == "__main__":``) runs its body once and indexes its file."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.md").write_text(notes_text("Staff notes", ["The board met in March to agree the plan."]),
                                     encoding="utf-8")
    runs = tmp_path / "runs.txt"
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(f"""
        from pathlib import Path
        with open({str(runs)!r}, "a") as f:
            f.write("ran\\n")
        from evidence_assistant import Settings, ingest
        report = ingest(["corpus"], settings=Settings(index_dir="idx"))
        print("indexed", report.indexed, "skipped", len(report.skipped))
    """), encoding="utf-8")
    env = subprocess_env(PYTHONPATH=str(REPO))
    proc = subprocess.run([str(PYTHON), str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "indexed 1 skipped 0", (proc.stdout, proc.stderr[-3000:])
    assert runs.read_text() == "ran\n"
