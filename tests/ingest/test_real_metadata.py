"""Titles, dates and kinds of real documents, read by the real loader, against what a person
reads off them (tests/ingest/real_metadata.yaml, written by reading every file in
../shared/data/uk-health-policy). Skipped, saying why, when that folder is absent.

Targets: the title right for at least 95% of documents, the date for at least 85% of those that
state one, the kind for at least 85%. Publishers (no target in the issue; floors that only look
down): right, or rightly none, for at least 85% of documents (measured 41 of 45 and 30 of 33), and
at most one document given a body that did not publish it (measured none; a wrong publisher
misleads, a missing one only leaves a blank). A title is right when it equals the expected one
once case, punctuation and spacing are ignored, or contains it with little else. Misses are printed.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from evidence_assistant.core.types import DOCUMENT_KINDS
from evidence_ingest.load import SUPPORTED_EXTENSIONS, load_file

EXPECTED_FILE = Path(__file__).with_name("real_metadata.yaml")
NOT_DOCUMENTS = {"SOURCES.md", "REPO_README.md", "REPO_LICENSE_MIT.txt"}  # notes that came with the data
TITLE_TARGET, DATE_TARGET, KIND_TARGET = 0.95, 0.85, 0.85
PUBLISHER_FLOOR, WRONG_PUBLISHERS_AT_MOST = 0.85, 1


def _expected() -> list[dict]:
    return yaml.safe_load(EXPECTED_FILE.read_text(encoding="utf-8"))["documents"]


def _norm(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower().replace("&", " and ")
    return re.sub(r"\s+", " ", re.sub(r"[^\w]+", " ", text)).strip()


def title_matches(expected: str, found: str) -> bool:
    """Equal once normalised, or the expected title inside the found one with little extra
    (at most 20 characters or 40% of the expected title's length)."""
    e, f = _norm(expected), _norm(found)
    return e == f or (bool(e) and e in f and len(f) - len(e) <= max(20, 0.4 * len(e)))


def test_title_matching_rule() -> None:
    assert title_matches("Chapter 3 – Clinical Safety Assurance", "Chapter 3 -- clinical safety assurance")
    assert title_matches("Nursing Care Needs Standard", "Nursing Care Needs Standard (0.6)")
    assert not title_matches("Chapter 3 – Clinical Safety Assurance", "3.1 Introduction")
    assert not title_matches("Framework", "Medium Term Planning Framework: delivering change together")


def test_expected_list_is_complete_and_uses_known_kinds(shared_data: Path) -> None:
    root = shared_data / "uk-health-policy"
    if not root.is_dir():
        pytest.skip(f"{root} not present")
    listed = {e["path"] for e in _expected()}
    on_disk = {str(p.relative_to(root)) for p in root.rglob("*")
               if p.is_file() and p.name not in NOT_DOCUMENTS and p.suffix.lower() in SUPPORTED_EXTENSIONS}
    assert on_disk == listed, f"not listed: {sorted(on_disk - listed)}; listed but absent: {sorted(listed - on_disk)}"
    for e in _expected():
        assert e["kind"] in DOCUMENT_KINDS and e.get("kind_also", "other") in DOCUMENT_KINDS, e["path"]
        assert e["date"] is None or re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", str(e["date"])), e["path"]


def publisher_matches(expected: str | None, found: str | None) -> bool:
    """The same body: equal once normalised, or the expected name its initials ("PRSB")."""
    e, f = _norm(expected), _norm(found)
    return e == f or (bool(e) and bool(f) and " " not in e and e == "".join(w[0] for w in f.split()))


def test_publisher_matching_rule() -> None:
    assert publisher_matches("PRSB", "Professional Record Standards Body")
    assert publisher_matches(None, None)
    assert not publisher_matches(None, "NHS England") and not publisher_matches("NHSX", "NHS England")


def _score(root: Path, entries: list[dict]) -> tuple[dict[str, tuple[int, int]], list[str]]:
    titles = dates = kinds = dated = publishers = wrong = 0
    misses: list[str] = []
    for e in entries:
        doc = load_file(root / e["path"]).document
        where = doc.extra.get("metadata_sources", {})
        if title_matches(e["title"], doc.title):
            titles += 1
        else:
            misses.append(f"title {e['path']}: {doc.title!r} ({where.get('title')}), want {e['title']!r}")
        if e["date"]:
            dated += 1
            if doc.date == str(e["date"]):
                dates += 1
            else:
                misses.append(f"date  {e['path']}: {doc.date} ({where.get('date')}), want {e['date']}")
        elif doc.date is not None:
            misses.append(f"date  {e['path']}: {doc.date} ({where.get('date')}), but the document states none")
        if doc.kind in (e["kind"], e.get("kind_also")):
            kinds += 1
        else:
            misses.append(f"kind  {e['path']}: {doc.kind} ({where.get('kind')}), want {e['kind']}")
        if publisher_matches(e.get("publisher"), doc.publisher):
            publishers += 1
        else:
            wrong += doc.publisher is not None
            misses.append(f"publisher {e['path']}: {doc.publisher} ({where.get('publisher')}), want {e.get('publisher')}")
    return {"titles": (titles, len(entries)), "dates": (dates, dated), "kinds": (kinds, len(entries)),
            "publishers": (publishers, len(entries)), "wrong publishers": (wrong, len(entries))}, misses


def _check(root: Path, entries: list[dict]) -> None:
    scores, misses = _score(root, entries)
    summary = ", ".join(f"{k} {a}/{n}" for k, (a, n) in scores.items())
    print(f"\n{summary}")
    for line in misses:
        print("  miss:", line)
    t, d, k, p = (a / n if n else 1.0 for a, n in list(scores.values())[:4])
    assert t >= TITLE_TARGET and d >= DATE_TARGET and k >= KIND_TARGET, f"{summary}; misses: {misses}"
    assert p >= PUBLISHER_FLOOR and scores["wrong publishers"][0] <= WRONG_PUBLISHERS_AT_MOST, \
        f"{summary}; misses: {misses}"


def test_real_metadata_of_documents_without_pages(shared_data: Path) -> None:
    """Markdown, Word, HTML and JSON documents: quick to load, so in the fast set."""
    root = shared_data / "uk-health-policy"
    if not root.is_dir():
        pytest.skip(f"{root} not present")
    _check(root, [e for e in _expected() if not e["path"].lower().endswith(".pdf")])


@pytest.mark.slow
def test_real_metadata_of_every_document(shared_data: Path) -> None:
    """Every document, PDFs included (a 207-page report takes seconds to read)."""
    root = shared_data / "uk-health-policy"
    if not root.is_dir():
        pytest.skip(f"{root} not present")
    _check(root, _expected())
