"""The tracker suite of `evidence eval`: its figures are the ones the tracker's tests hold
(tests/corpus/test_recommendations.py, test_commitment_proposals.py, test_tracker_progress.py),
computed by the same rule from the same hand-checked lists, on the real documents read in place;
`--suite tracker` writes them to tracker.json and a section of the report."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from evidence_evals import gate, tracker_suite
from evidence_evals.data import DataMissing


@dataclass
class _Proposal:
    text: str
    deadline: str | None = None


def test_one_rule_finds_commitments_by_their_opening_words_or_the_run_past_a_column_break() -> None:
    checked = [{"key": "NHS England will publish the plan", "deadline": "March 2026"},
               {"key": "In the meantime, we will", "also": "target extra funding at", "deadline": "in 2025/26"},
               {"key": "We will consult on the standard"}]
    proposals = [_Proposal("NHS England will publish the plan by March 2026.", "by March 2026"),
                 _Proposal("target extra funding at the areas in most need in 2025/26.", None),
                 _Proposal("Trusts will be asked to report monthly.")]
    s = tracker_suite.score_commitments(checked, proposals)
    assert s.found == [True, True, False] and s.missed == ["We will consult on the standard"]
    assert s.correct == [True, True, False] and s.extra == ["Trusts will be asked to report monthly."]
    assert (s.recall, s.precision) == (2 / 3, 2 / 3)
    # "March 2026" is held by "by March 2026"; the second proposal carries no deadline.
    assert (s.dated, s.deadline_right, s.deadline_share) == (2, 1, 0.5)
    # Curly apostrophes, case and punctuation do not matter.
    assert tracker_suite.score_commitments([{"key": "NHS England’s programme will"}],
                                           [_Proposal("nhs england's PROGRAMME will: expand")]).recall == 1.0


def test_a_hand_checked_list_with_a_missing_field_is_refused_naming_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "tracker.yaml"
    bad.write_text("sample:\n  report: r.html\n  response: p.pdf\n  recommendations:\n    - number: '1'\n"
                   "      paragraph: '6'\n      stance: accepted\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"tracker\.yaml: sample recommendation 1 lacks opens"):
        tracker_suite.load_cases(bad)
    bad.write_text("sample: [unclosed\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"tracker\.yaml: not valid YAML"):
        tracker_suite.load_cases(bad)
    with pytest.raises(DataMissing, match="missing"):
        tracker_suite.load_cases(tmp_path / "absent.yaml")


def test_the_sample_pair_figures_are_those_the_recommendation_tests_hold() -> None:
    got = tracker_suite.sample_pair()
    m = got["metrics"]
    assert (m["recommendations_checked"], m["recommendations_found"]) == (8, 8)
    assert (m["recommendation_precision"], m["recommendation_recall"], m["recommendation_details_right"]) == (1.0, 1.0, 1.0)
    assert (m["replies_matched"], m["reply_match_rate"], m["stance_accuracy"]) == (8, 1.0, 1.0)
    by = {r["number"]: r for r in got["recommendations"]}
    assert by["7"]["stance"] == "not accepted" and by["7"]["reply_paragraph"] == "14"
    assert by["8"]["stance"] == "not addressed" and by["8"]["reply_paragraph"] is None


def test_each_real_document_meets_the_proposal_tests_thresholds(shared_data: Path) -> None:
    docs = tracker_suite.real_documents(shared_data)
    assert [Path(d["file"]).name for d in docs] == [
        "commitments.md", "10-year-health-plan-for-england-executive-summary.md",
        "priorities-and-operational-planning-guidance-january-2025.md"]
    for d in docs:
        assert d["recall"] >= 0.9 and d["precision"] >= 0.8, d
        assert d["checked"] == len(d["missed"]) + round(d["recall"] * d["checked"])
    by = {Path(d["file"]).name: d for d in docs}
    # The deadline floors tests/corpus/test_commitment_proposals.py holds.
    assert by["commitments.md"]["deadline_share"] >= 0.9
    assert by["priorities-and-operational-planning-guidance-january-2025.md"]["deadline_share"] >= 0.8
    assert by["10-year-health-plan-for-england-executive-summary.md"]["deadline_share"] >= 0.4


def test_without_the_real_documents_the_suite_is_skipped_saying_why(tmp_path: Path, monkeypatch, capsys) -> None:
    from evidence_evals import runner

    monkeypatch.setenv("EVIDENCE_SHARED_DATA", str(tmp_path / "nowhere"))
    assert runner.cli_eval(suite="tracker", configs=None, out=tmp_path / "out", limit=None) == 0
    assert "tracker: skipped" in capsys.readouterr().err
    assert "Skipped: The UK health policy documents" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_eval_tracker_writes_the_figures_to_json_and_the_report(shared_data: Path, tmp_path: Path) -> None:
    """The later documents are indexed once into the evaluation cache (.evidence/eval-cache, or
    $EVIDENCE_EVAL_CACHE) and reused by later runs."""
    from evidence_evals import runner

    if not (shared_data / "uk-health-policy").is_dir():
        pytest.skip(f"{shared_data / 'uk-health-policy'} not present")
    assert runner.cli_eval(suite="tracker", configs=None, out=tmp_path, limit=None) == 0
    res = json.loads((tmp_path / "tracker.json").read_text(encoding="utf-8"))
    assert {"description", "sample", "documents", "configs"} <= set(res)
    m = res["configs"]["default"]["metrics"]
    assert (m["recommendation_precision"], m["recommendation_recall"], m["stance_accuracy"]) == (1.0, 1.0, 1.0)
    assert m["commitment_recall_min"] >= 0.9 and m["commitment_precision_min"] >= 0.8
    # As tests/corpus/test_tracker_progress.py holds: every hand-checked later passage is found for
    # its commitment, at least five commitments have one, no status is claimed for them, and every
    # citation quotes its passage and postdates the strategy.
    assert m["checked_pairs_found"] == m["checked_pairs"] == 7
    assert m["commitments_with_evidence"] >= 5
    assert m["citations_outside_passage"] == 0 and m["citations_not_later"] == 0
    assert m["commitments_with_later_passages"] >= m["commitments_with_evidence"]
    pairs = res["configs"]["default"]["progress"]["pairs"]
    assert all(p["status"] == "no evidence yet" for p in pairs)
    assert all(c.passed for c in gate.checks("tracker", {"default": m}, gate.load_thresholds()))
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## tracker" in md and "### Commitments proposed from real documents" in md
    assert "PASS gate: tracker/default: commitments_with_evidence" in md and "FAIL" not in md
