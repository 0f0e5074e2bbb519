"""The commitments registry: schema, error messages, reference resolution, and that every
reference in the shipped registry points at a paragraph/page that the loaders really produce."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from evidence_assistant.tracker.commitments import (
    DEFAULT_REGISTRY,
    EvidenceRef,
    Registry,
    check_references,
    cli_commitments,
    format_table,
    load_registry,
    registry_to_dict,
    resolve_reference,
)
from evidence_assistant.core.errors import RegistryError
from evidence_assistant.core.types import Passage
from evidence_assistant.tracker.commitment_answers import evidence_passage_ids, evidence_timeline, referenced_block

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "corpus" / "sample"


# --- The shipped registry ----------------------------------------------------------------------

def test_shipped_registry_validates() -> None:
    reg = load_registry()
    assert DEFAULT_REGISTRY == REPO / "corpus" / "commitments.yaml"
    ids = [c.id for c in reg.commitments]
    assert {"nhs-app", "integrated-care-record", "gp-data-secondary-uses", "digital-workforce",
            "long-term-conditions-at-home", "epr-in-trusts", "social-care-digital-records"} <= set(ids)
    assert reg.evaluation is not None and reg.evaluation.overall_rating == "inadequate"
    assert reg.evaluation.date.isoformat() == "2023-02-17"
    assert [a.number for a in reg.policy_areas] == [1, 2, 3, 4]


def test_shipped_ratings_follow_the_facts() -> None:
    reg = load_registry()
    inadequate = [c for c in reg.commitments if c.rating.value == "inadequate"]
    # Four commitments were rated inadequate; the two workforce ones share an entry.
    assert sum(c.commitments_covered for c in inadequate) == 4
    assert {c.id for c in inadequate} == {"integrated-care-record", "gp-data-secondary-uses", "digital-workforce"}
    assert all(c.rating.basis == "stated" for c in inadequate)
    app = reg.get("nhs-app")
    assert app.rating.value == "requires improvement" and app.rating.basis == "derived" and app.rating_note
    assert [(d.date, d.target.split()[0]) for d in app.deadlines] == [("2023-03", "68%"), ("2024", "75%")]
    for cid in ("epr-in-trusts", "social-care-digital-records"):
        c = reg.get(cid)
        assert c.panel_evaluated == "not known" and c.rating.value == "not known" and c.rating_note
    epr = reg.get("epr-in-trusts")
    assert [d.date for d in epr.deadlines] == ["2023-12", "2025-03", "2026-03"]
    for c in reg.commitments:
        if c.rating.value != "not known":
            assert c.rating.rater and c.rating.date.isoformat() == "2023-02-17"


# --- Error messages ----------------------------------------------------------------------------

def _shipped() -> dict:
    return yaml.safe_load(DEFAULT_REGISTRY.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "commitments.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _error(tmp_path: Path, data: dict) -> str:
    with pytest.raises(RegistryError) as info:
        load_registry(_write(tmp_path, data))
    return str(info.value)


def test_unknown_rating_names_entry_field_and_choices(tmp_path: Path) -> None:
    data = _shipped()
    data["commitments"][0]["rating"]["value"] = "excellent"
    msg = _error(tmp_path, data)
    assert msg == ("commitments.yaml: entry 'nhs-app' field 'rating.value': 'excellent' is not one of "
                   "inadequate, requires improvement, good, outstanding, not known")


def test_missing_field_names_entry_and_field(tmp_path: Path) -> None:
    data = _shipped()
    del data["commitments"][2]["commitment"]
    msg = _error(tmp_path, data)
    assert "entry 'integrated-care-record' field 'commitment'" in msg and "missing" in msg


def test_bad_dates_name_entry_and_field(tmp_path: Path) -> None:
    data = _shipped()
    data["commitments"][0]["rating"]["date"] = "2023-13-01"
    msg = _error(tmp_path, data)
    assert "entry 'nhs-app' field 'rating.date'" in msg and "'2023-13-01' is not a valid date" in msg

    data = _shipped()
    data["commitments"][0]["deadlines"][0]["date"] = "March 2023"
    msg = _error(tmp_path, data)
    assert "entry 'nhs-app' field 'deadlines[0].date'" in msg and "'March 2023'" in msg


def test_entry_without_id_is_named_by_position(tmp_path: Path) -> None:
    data = _shipped()
    del data["commitments"][1]["id"]
    msg = _error(tmp_path, data)
    assert "entry #2 (no id) field 'id'" in msg


def test_inconsistent_entries_are_refused(tmp_path: Path) -> None:
    data = _shipped()
    data["commitments"][5]["rating"] = {"value": "good", "rater": "x", "date": "2023-02-17", "basis": "stated"}
    assert "only an evaluated commitment has a Panel rating" in _error(tmp_path, data)

    data = _shipped()
    data["commitments"][0]["rating"].pop("rater")
    assert "entry 'nhs-app' field 'rating'" in _error(tmp_path, data)

    data = _shipped()
    data["commitments"][1]["id"] = data["commitments"][0]["id"]
    assert "duplicate commitment id 'nhs-app'" in _error(tmp_path, data)

    data = _shipped()
    data["commitments"][0]["evidence"][0] = {"doc": "x.md"}
    assert "entry 'nhs-app' field 'evidence[0]'" in _error(tmp_path, data)

    data = _shipped()
    data["commitments"][0]["ratng"] = "typo"
    assert "entry 'nhs-app' field 'ratng': is not a known field" in _error(tmp_path, data)

    data = _shipped()
    data["commitments"][2]["policy_area"] = 7
    assert "policy_area 7 is not one of 1, 2, 3, 4" in _error(tmp_path, data)


def test_unreadable_registry(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="not found"):
        load_registry(tmp_path / "nope.yaml")
    bad = tmp_path / "commitments.yaml"
    bad.write_text("commitments: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="not valid YAML at line"):
        load_registry(bad)
    bad.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="top level"):
        load_registry(bad)


# --- Resolving references ----------------------------------------------------------------------

def _passage(path: str, seq: int, *, para: tuple[str, str] | None = None,
             page: tuple[str, str] | None = None) -> Passage:
    return Passage(
        passage_id=f"p{seq}", doc_id="d", seq=seq, text="...", char_start=0, char_end=3,
        page_start=page[0] if page else None, page_end=page[1] if page else None,
        paragraph_start=para[0] if para else None, paragraph_end=para[1] if para else None,
        path=path,
    )


PASSAGES = [
    _passage("/data/corpus/sample/report.html", 0, para=("1", "4")),
    _passage("/data/corpus/sample/report.html", 1, para=("5", "12")),
    _passage("/data/corpus/sample/report.html", 2, para=("13", "13")),
    _passage("/data/corpus/sample/a-report.html", 3, para=("1", "20")),  # a different file
    _passage("/data/evidence.pdf", 4, page=("i", "ii")),
    _passage("/data/evidence.pdf", 5, page=("ii", "1"), para=("1", "2")),
    _passage("/data/evidence.pdf", 6, page=("2", "3"), para=("6", "12")),
    _passage("/data/evidence.pdf", 7, page=("3", "3"), para=("12", "16")),
    _passage("/data/plain.md", 8, para=("3.1", "3.4")),
]


def _ids(ref: EvidenceRef) -> list[int]:
    return [p.seq for p in resolve_reference(ref, PASSAGES)]


def test_resolve_paragraph_numerically_within_span() -> None:
    assert _ids(EvidenceRef(doc="report.html", paragraph="9")) == [1]  # 5 <= 9 <= 12, not "9" > "12"
    assert _ids(EvidenceRef(doc="report.html", paragraph="13")) == [2]
    assert _ids(EvidenceRef(doc="report.html", paragraph="21")) == []
    assert _ids(EvidenceRef(doc="plain.md", paragraph="3.2")) == [8]


def test_resolve_matches_whole_file_names_only() -> None:
    assert 3 not in _ids(EvidenceRef(doc="report.html", paragraph="2"))
    assert _ids(EvidenceRef(doc="a-report.html", paragraph="2")) == [3]
    assert _ids(EvidenceRef(doc="other.html", paragraph="2")) == []


def test_resolve_pages_including_roman_labels() -> None:
    assert _ids(EvidenceRef(doc="evidence.pdf", page="ii")) == [4, 5]
    assert _ids(EvidenceRef(doc="evidence.pdf", page="i")) == [4]  # 'i' comes before the span 'ii'..'1'
    assert _ids(EvidenceRef(doc="evidence.pdf", page="1")) == [5]
    assert _ids(EvidenceRef(doc="evidence.pdf", page="3")) == [6, 7]
    assert _ids(EvidenceRef(doc="evidence.pdf", page="iii")) == [5]  # front matter runs on to page 1
    assert _ids(EvidenceRef(doc="evidence.pdf", page="5")) == []


def test_resolve_page_and_paragraph_together() -> None:
    assert _ids(EvidenceRef(doc="evidence.pdf", page="3", paragraph="12")) == [6, 7]
    assert _ids(EvidenceRef(doc="evidence.pdf", page="3", paragraph="14")) == [7]
    assert _ids(EvidenceRef(doc="evidence.pdf", page="1", paragraph="14")) == []


def test_resolve_uses_segments_when_the_chunker_gives_them() -> None:
    class WithSegments:
        def __init__(self) -> None:
            self.path = "/x/doc.pdf"
            self.paragraph_start, self.paragraph_end = "4", "5"
            self.page_start, self.page_end = "ii", "1"
            self.segments = ((0, "ii", None), (40, "1", "4"), (90, "1", "5"))

    p = WithSegments()
    assert resolve_reference(EvidenceRef(doc="doc.pdf", page="1", paragraph="5"), [p]) == [p]  # type: ignore[list-item]
    assert resolve_reference(EvidenceRef(doc="doc.pdf", page="ii", paragraph="5"), [p]) == []  # type: ignore[list-item]


def test_evidence_ref_needs_a_locator() -> None:
    with pytest.raises(ValueError):
        EvidenceRef(doc="x.html")
    with pytest.raises(ValueError):
        EvidenceRef(doc="folder/x.html", paragraph="1")
    assert EvidenceRef(doc="x.html", paragraph=12).paragraph == "12"  # type: ignore[arg-type]


def test_check_references_names_what_does_not_resolve() -> None:
    reg = Registry.model_validate({
        "commitments": [{
            "id": "c1", "title": "t", "commitment": "c", "panel_evaluated": "yes",
            "rating": {"value": "inadequate", "rater": "Panel", "date": "2023-02-17"},
            "evidence": [{"doc": "report.html", "paragraph": "3"}, {"doc": "report.html", "paragraph": "40"},
                         {"doc": "missing.pdf", "page": "2"}],
        }],
    })
    problems = check_references(reg, PASSAGES)
    assert len(problems) == 2
    assert "entry 'c1'" in problems[0] and "report.html" in problems[0] and "paragraph 40" in problems[0]
    assert "missing.pdf is not indexed" in problems[1]


# --- Presenting --------------------------------------------------------------------------------

def test_table_and_dict() -> None:
    reg = load_registry()
    table = format_table(reg)
    lines = table.splitlines()
    assert lines[0].split() == ["id", "policy", "area", "commitment", "deadline", "rating"]
    assert any(ln.startswith("nhs-app") and "2023-03; 2024" in ln and "requires improvement" in ln for ln in lines)
    assert any(ln.startswith("integrated-care-record") and "inadequate" in ln for ln in lines)
    data = registry_to_dict(reg)
    json.dumps(data)  # plain data
    entry = next(c for c in data["commitments"] if c["id"] == "gp-data-secondary-uses")
    assert entry["policy_area_name"] == "Health of the population"
    assert entry["rating"]["date"] == "2023-02-17"


def test_cli_commitments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_commitments() == 0
    assert "nhs-app" in capsys.readouterr().out
    assert cli_commitments(json_out=True) == 0
    assert json.loads(capsys.readouterr().out)["evaluation"]["overall_rating"] == "inadequate"
    assert cli_commitments(registry_path=tmp_path / "none.yaml") == 1
    assert "not found" in capsys.readouterr().err


# --- Every shipped reference exists in what the loaders produce --------------------------------

@lru_cache(maxsize=None)
def _loaded(name: str):
    from evidence_ingest.load import load_file

    return load_file(SAMPLE / name)


def _all_refs() -> list[tuple[str, EvidenceRef]]:
    reg = load_registry()
    out = [("evaluation", r) for r in (reg.evaluation.evidence if reg.evaluation else [])]
    for c in reg.commitments:
        out.extend((c.id, r) for r in c.references())
    return out


@pytest.mark.parametrize("owner,ref", _all_refs(), ids=lambda x: x if isinstance(x, str) else x.label())
def test_reference_exists_in_loaded_blocks(owner: str, ref: EvidenceRef) -> None:
    assert (SAMPLE / ref.doc).is_file(), f"{owner}: {ref.doc} is not in corpus/sample"
    blocks = _loaded(ref.doc).blocks
    hits = [b for b in blocks
            if (not ref.paragraph or b.paragraph == ref.paragraph) and (not ref.page or b.page == ref.page)]
    assert hits, f"{owner}: {ref.label()} not found among the loader's blocks"
    if ref.paragraph:
        # The cited paragraph is a real numbered paragraph, not a carried-over heading.
        assert any(b.text.startswith(f"{ref.paragraph}.") for b in hits)


def test_references_resolve_against_chunked_passages() -> None:
    """Chunk each sample file as ingest does (with a word-count stand-in for the tokenizer) and
    check every reference of the registry with check_references."""
    chunk = pytest.importorskip("evidence_ingest.chunk")
    reg = load_registry()
    names = sorted({r.doc for _, r in _all_refs()})
    passages: list[Passage] = []
    for name in names:
        loaded = _loaded(name)
        passages.extend(chunk.chunk_blocks(loaded.document, loaded.blocks, max_tokens=192, overlap=32,
                                           count_tokens=lambda texts: [len(t.split()) * 4 // 3 for t in texts]))
    assert check_references(reg, passages) == []


# --- A commitment's evidence, as its timeline shows it -----------------------------------------

def _chunked(name: str) -> list[Passage]:
    chunk = pytest.importorskip("evidence_ingest.chunk")
    loaded = _loaded(name)
    return chunk.chunk_blocks(loaded.document, loaded.blocks, max_tokens=192, overlap=32,
                              count_tokens=lambda texts: [len(t.split()) * 4 // 3 for t in texts])


def test_referenced_block_is_the_cited_paragraph_of_the_passage() -> None:
    ref = EvidenceRef(doc="dhs0020-imperial-oxford-written-evidence.pdf", page="3", paragraph="13")
    found = resolve_reference(ref, _chunked(ref.doc))
    assert found
    text, page, paragraph = referenced_block(found[0], ref)
    assert (page, paragraph) == ("3", "13")
    assert text.startswith("13. ") and text in found[0].text
    assert "\n14. " not in text and len(text) < len(found[0].text)  # the paragraph only, not its neighbours


def test_referenced_block_falls_back_to_the_whole_passage() -> None:
    p = _passage("/data/evidence.pdf", 6, page=("2", "3"), para=("6", "12"))  # no per-block locators
    assert referenced_block(p, EvidenceRef(doc="evidence.pdf", paragraph="7")) == ("...", "2–3", "7")
    assert referenced_block(p, EvidenceRef(doc="evidence.pdf", page="3")) == ("...", "3", "6–12")


@pytest.mark.slow
def test_evidence_timeline_on_the_sample_index(sample_assistant) -> None:
    """Own evidence and progress evidence, in date order, each cut to its paragraph; the same
    passages the answers draw on (evidence_passage_ids); a reference to nothing indexed is listed."""
    registry = load_registry()
    for c in registry.commitments:
        items, not_found = evidence_timeline(c, sample_assistant.index)
        assert not_found == [], c.id
        dates = [(e.passage.date is None, e.passage.date or "") for e in items]
        assert dates == sorted(dates), c.id
        assert all(e.text in e.passage.text for e in items), c.id
        own = {e.passage.passage_id for e in items if e.progress is None}
        assert own == set(evidence_passage_ids(c, sample_assistant.index)), c.id
    c = registry.get("nhs-app")
    items, _ = evidence_timeline(c, sample_assistant.index)
    assert len(items) == 15 and sum(e.progress is not None for e in items) == 5
    first = items[0]
    assert (Path(first.passage.path or "").name, first.paragraph, first.progress) == \
        ("2022-06-29-a-plan-for-digital-health-and-social-care.md", "8", None)
    assert first.text.startswith("8. ") and first.reference.note == "75% of adults by 2024"
    assert [e.progress.date for e in items if e.progress] == ["2023-01", "2023-01", "2023-04-17", "2023-06-30",
                                                              "2023-06-30"]
    absent = EvidenceRef(doc="not-indexed.pdf", page="3")
    beyond = EvidenceRef(doc="hc780-expert-panel-evaluation.html", paragraph="999")
    more = c.model_copy(update={"evidence": [*c.evidence, absent, beyond]})
    more_items, not_found = evidence_timeline(more, sample_assistant.index)
    assert not_found == [absent, beyond]
    assert [(e.passage.passage_id, e.text) for e in more_items] == [(e.passage.passage_id, e.text) for e in items]
