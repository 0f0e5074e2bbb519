"""Ingest end to end with the real packaged model and a real Chroma in a temporary folder:
incremental runs, replacement, prune, duplicates and bad input."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from evidence_assistant.surfaces.cli import main as cli_main
from evidence_assistant.core.errors import IndexMismatchError, IndexNotFoundError
from evidence_assistant.core.settings import Settings
from evidence_ingest.pipeline import ingest
from evidence_ingest.store import Index


def write_docs(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "panel.md").write_text(
        "---\ntitle: Panel notes\nkind: report\ndate: 2023-02-17\npublisher: Committee\n---\n"
        "# Findings\n\n1. The Panel rated the integrated record commitment inadequate.\n\n"
        "2. Progress on interoperability was poor, the Panel found.\n", encoding="utf-8")
    (folder / "response.txt").write_text(
        "Government response\n\n1. The Government welcomed the report.\n\n"
        "2. It did not recognise the overall rating of inadequate.\n", encoding="utf-8")
    (folder / "sub").mkdir(exist_ok=True)
    (folder / "sub" / "app.md").write_text("# NHS App\n\nBy January 2023 the NHS App passed 30 million users.\n",
                                           encoding="utf-8")


def state(index_dir: Path) -> dict:
    idx = Index.open(Settings(index_dir=index_dir))
    try:
        idx.ensure_lexical_loaded()
        man_ids = sorted(idx.manifest.passage_ids())
        return {
            "passages": man_ids,
            "chroma": sorted(idx.vectors.all_ids()),
            "lexical": sorted(idx.lexical.ids),
            "docs": sorted((d.doc_id, d.state) for d in idx.manifest.documents(state=None)),
        }
    finally:
        idx.close()


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "docs"
    write_docs(folder)
    return folder


def test_incremental_replace_duplicate_and_prune(tmp_path, corpus):
    s = Settings(index_dir=tmp_path / "index")
    first = ingest([corpus], settings=s)
    assert (first.indexed, first.unchanged, len(first.skipped)) == (3, 0, 0)
    assert first.embedded == first.passages_added > 0
    st = state(s.index_dir)
    assert st["passages"] == st["chroma"] == st["lexical"]
    assert all(state_ == "indexed" for _, state_ in st["docs"])

    # Unchanged folder: no embedding work at all, even when a file is touched.
    os.utime(corpus / "panel.md", None)
    again = ingest([corpus], settings=s)
    assert (again.indexed, again.unchanged, again.embedded) == (0, 3, 0)
    assert state(s.index_dir) == st

    # Same bytes under another name: indexed once.
    shutil.copy(corpus / "response.txt", corpus / "response-copy.txt")
    dup = ingest([corpus], settings=s)
    assert (dup.duplicates, dup.embedded) == (1, 0)
    assert state(s.index_dir)["passages"] == st["passages"]

    # A changed file: its old passages are replaced, nothing else moves.
    old_ids = set(st["passages"])
    (corpus / "sub" / "app.md").write_text("# NHS App\n\nThe App had passed 30 million users by January 2023, "
                                           "meeting the 68% milestone early.\n", encoding="utf-8")
    changed = ingest([corpus], settings=s)
    assert changed.indexed == 1 and changed.removed_documents == 1 and changed.passages_removed >= 1
    st2 = state(s.index_dir)
    assert st2["passages"] == st2["chroma"] == st2["lexical"]
    assert len(old_ids - set(st2["passages"])) == changed.passages_removed
    idx = Index.open(s)
    texts = " ".join(p.text for p in idx.manifest.passages(st2["passages"]).values())
    idx.close()
    assert "68% milestone" in texts and "passed 30 million users." not in texts

    # --prune removes documents whose files are gone (but not one still reachable under another name).
    (corpus / "response.txt").unlink()
    kept = ingest([corpus], settings=s, prune=True)
    assert kept.removed_documents == 0, "the copy still holds the same document"
    (corpus / "panel.md").unlink()
    pruned = ingest([corpus], settings=s, prune=True)
    assert pruned.removed_documents == 1 and pruned.passages_removed >= 1
    st3 = state(s.index_dir)
    assert st3["passages"] == st3["chroma"] == st3["lexical"]
    assert len(st3["docs"]) == 2


def test_bad_files_are_reported_and_nothing_indexed_is_touched(tmp_path, corpus, monkeypatch):
    monkeypatch.setenv("EVIDENCE_MAX_FILE_MB", "0.05")  # the CLI reads its settings from the environment
    s = Settings(index_dir=tmp_path / "index")
    assert s.max_file_mb == 0.05
    ingest([corpus], settings=s)
    before = state(s.index_dir)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.md").write_bytes(b"")
    (bad / "data.xyz").write_text("what is this")
    (bad / "latin.txt").write_bytes(bytes(range(128, 256)) * 3)
    (bad / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n")
    (bad / "big.txt").write_text("word " * 20000)
    (bad / "good.md").write_text("# Good\n\nA good document about digital records in social care.\n")
    # A file that was indexed and then became unreadable keeps its old passages.
    (corpus / "response.txt").write_bytes(b"\xff\xfe\x00\xd8" * 50 + b"\x00\x00\xff")
    code = cli_main(["ingest", str(corpus), str(bad), "--index", str(s.index_dir), "--json", "--quiet"])
    assert code == 3, "the exit status says something was skipped"
    after = state(s.index_dir)
    assert set(before["passages"]) <= set(after["passages"])  # nothing already indexed was lost
    report = ingest([bad], settings=s)
    reasons = {Path(sk.path).name: sk.reason for sk in report.skipped}
    assert "empty" in reasons["empty.md"]
    assert "unsupported file type '.xyz'" in reasons["data.xyz"]
    assert "decode" in reasons["latin.txt"] or "encoding" in reasons["latin.txt"]
    assert "broken.pdf" in reasons and reasons["broken.pdf"]
    assert "limit" in reasons["big.txt"] and "EVIDENCE_MAX_FILE_MB" in reasons["big.txt"]
    assert report.unchanged == 1  # good.md, indexed in the CLI run
    assert len(report.skipped) == 5


def test_cli_json_summary_and_status(tmp_path, corpus, capsys):
    index = tmp_path / "index"
    assert cli_main(["ingest", str(corpus), "--index", str(index), "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["documents"]["indexed"] == 3 and out["passages"]["embedded"] == out["passages"]["added"]
    assert cli_main(["ingest", str(corpus), "--index", str(index), "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["documents"]["unchanged"] == 3 and out["passages"]["embedded"] == 0
    assert cli_main(["status", "--index", str(index), "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["documents"] == 3 and st["passages"] > 0 and st["model"].startswith("all-MiniLM-L6-v2")
    assert {d["title"] for d in st["document_list"]} >= {"Panel notes", "NHS App"}


def test_index_errors_name_the_fix(tmp_path, corpus):
    with pytest.raises(IndexNotFoundError, match="evidence ingest"):
        Index.open(Settings(index_dir=tmp_path / "nowhere"))
    s = Settings(index_dir=tmp_path / "index")
    ingest([corpus], settings=s)
    with pytest.raises(IndexMismatchError, match="chunk_tokens"):
        Index.open(Settings(index_dir=tmp_path / "index", chunk_tokens=100))


def test_model_is_real_and_bf16_agrees_with_fp32():
    """The packaged all-MiniLM-L6-v2, loaded from site-packages with the hub offline."""
    from evidence_ingest.embed import Embedder, bf16_supported

    texts = ["The Expert Panel rated the integrated record commitment inadequate.",
             "By January 2023 the NHS App passed 30 million users.",
             "Digital care records covered 85% of people who draw on care."]
    ref = Embedder(precision="fp32")
    v = ref.encode(texts)
    assert v.shape == (3, 384)
    sims = v @ v.T
    assert abs(float(sims[0, 0]) - 1) < 1e-4
    q = ref.encode_query("Which commitment was rated inadequate?")
    assert int((v @ q).argmax()) == 0  # meaning, not chance
    if not bf16_supported():
        pytest.skip("this CPU has no native bf16")
    fast = Embedder(precision="bf16")
    w = fast.encode(texts)
    cos = (v * w).sum(axis=1)
    assert float(cos.min()) >= 0.999
