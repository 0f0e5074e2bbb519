"""Uploads: untrusted names made safe, unsupported/oversized/empty files refused with a reason,
kind and date recorded where the loaders read them."""
from __future__ import annotations

from pathlib import Path

import pytest

from evidence_assistant.surfaces.ui.uploads import accept_uploads, check_date, forget, safe_name, set_metadata
from evidence_ingest.load.base import read_sources_toml, sources_metadata_for


@pytest.mark.parametrize("raw, expected, noted", [
    ("report.pdf", "report.pdf", False),
    ("../../etc/passwd.md", "passwd.md", True),
    ("..\\..\\evil.md", "evil.md", True),
    ("/abs/path/notes.txt", "notes.txt", True),
    ("C:evidence.md", "C_evidence.md", True),
    (".hidden.md", "hidden.md", True),
    ("..", "upload", True),
    ("a\x00b?.txt", "ab_.txt", True),
    ("..md", "upload.md", True),
    (".md", "upload.md", True),
    ("x" * 300 + ".pdf", "x" * 140 + ".pdf", True),
])
def test_safe_name(raw: str, expected: str, noted: bool) -> None:
    name, note = safe_name(raw)
    assert name == expected
    assert (note is not None) == noted
    assert "/" not in name and "\\" not in name and not name.startswith(".")


def test_path_separators_are_reported_plainly() -> None:
    _, note = safe_name("../secret/evidence.md")
    assert note == "the name '../secret/evidence.md' contained folder separators; only the file name 'evidence.md' is used"


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / "incoming" / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


def test_accept_refuses_bad_files_and_copies_good_ones(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    good = _file(tmp_path, "good.md", b"# Title\n\nText.\n")
    big = _file(tmp_path, "big.txt", b"x" * 3_000_000)
    exe = _file(tmp_path, "tool.exe", b"MZ")
    empty = _file(tmp_path, "empty.txt", b"")
    accepted, messages = accept_uploads([(good, "..\\good.md"), (big, "big.txt"), (exe, "tool.exe"), (empty, "empty.txt")],
                                        uploads, max_mb=2)
    assert [a.dest.name for a in accepted] == ["good.md"]
    assert (uploads / "good.md").read_bytes() == good.read_bytes()
    text = "\n".join(f"{lvl}: {m}" for lvl, m in messages)
    assert "warn: the name '..\\\\good.md' contained folder separators" in text
    assert "error: big.txt: the file is 3.0 MB, over the 2 MB upload limit (EVIDENCE_MAX_UPLOAD_MB raises it). Not added." in text
    assert "error: tool.exe: unsupported file type '.exe'; supported: .docx, .htm, .html" in text
    assert "error: empty.txt: the file is empty. Not added." in text
    assert sorted(p.name for p in uploads.iterdir()) == ["good.md"]  # nothing else written


def test_same_name_different_bytes_gets_a_new_name(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    first = _file(tmp_path, "a/n.md", b"one")
    second = _file(tmp_path, "b/n.md", b"two")
    accept_uploads([(first, "n.md")], uploads, 5)
    again, _ = accept_uploads([(first, "n.md")], uploads, 5)
    other, messages = accept_uploads([(second, "n.md")], uploads, 5)
    assert again[0].dest.name == "n.md"  # same bytes: the same copy
    assert other[0].dest.name == "n-2.md" and "saved as n-2.md" in messages[-1][1]


def test_metadata_is_read_by_the_loaders_and_forgotten_on_removal(tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    doc = uploads / 'odd "name".md'
    doc.write_text("# T\n\nx\n")
    set_metadata(uploads, [doc.name], kind="evidence", date_="2025-03-14")
    assert sources_metadata_for(doc)["kind"] == "evidence"
    assert sources_metadata_for(doc)["date"] == "2025-03-14"
    assert forget(uploads, doc) and not doc.exists()
    assert read_sources_toml(uploads / "sources.toml") == {}
    assert not forget(uploads, tmp_path / "elsewhere.md")  # never deletes outside the upload folder
    with pytest.raises(ValueError, match="unknown kind"):
        set_metadata(uploads, ["x.md"], kind="memo", date_=None)


def test_check_date() -> None:
    assert check_date(" 2025-03 ") == "2025-03" and check_date("") is None
    for bad in ("14/03/2025", "2025-02-30", "soon"):
        with pytest.raises(ValueError, match="is not a date like 2025-03-14"):
            check_date(bad)
