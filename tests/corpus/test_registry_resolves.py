"""After a real ingest of the sample corpus, every evidence reference in the commitments
registry resolves to indexed passages, and commitment questions are answered from them."""
from __future__ import annotations

from evidence_assistant.tracker.commitment_answers import evidence_passage_ids, match_commitments
from evidence_assistant.tracker.commitments import check_references, load_registry


def test_every_registry_reference_resolves_after_ingest(sample_assistant):
    registry = load_registry()
    passages = list(sample_assistant.index.manifest.iter_all_passages())
    assert check_references(registry, passages) == []
    for c in registry.commitments:
        if c.evidence:
            assert evidence_passage_ids(c, sample_assistant.index), c.id


def test_questions_find_their_commitments():
    registry = load_registry()
    ids = {c.id for c in match_commitments("Which commitments were rated inadequate?", registry)}
    assert ids == {"integrated-care-record", "gp-data-secondary-uses", "digital-workforce"}
    assert [c.id for c in match_commitments("What was the deadline for the NHS App commitment?", registry)] == ["nhs-app"]
    assert match_commitments("Who chaired the Expert Panel?", registry) == []
