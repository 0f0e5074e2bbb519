"""The gate fails, naming metric, threshold and value, when a result drops below its threshold."""
from __future__ import annotations

import pytest

from evidence_evals import gate

THRESHOLDS = {
    "sample": {
        "default": {
            "answer_correctness": {"min": 0.85},
            "false_premise_accepted": {"max": 0},
            "test": {"citation_recall_checker": {"min": 0.9}},
        },
    },
    "scifact": {"default": {"ndcg@10": {"min": 0.70}}, "bm25": {"ndcg@10": {"min": 0.66}}},
    "targets": {"scifact": {"default": {"ndcg@10": {"min": 0.73}}}},
}


def _sample(correct=0.9, accepted=0, test_recall=0.95):
    return {"default": {"all": {"answer_correctness": correct, "false_premise_accepted": accepted},
                        "test": {"citation_recall_checker": test_recall}}}


def test_passes_when_every_metric_meets_its_threshold():
    checks = gate.enforce("sample", _sample(), THRESHOLDS)
    assert len(checks) == 3 and all(c.passed for c in checks)


def test_fails_naming_metric_threshold_and_value():
    with pytest.raises(gate.GateFailure) as err:
        gate.enforce("sample", _sample(correct=0.8123), THRESHOLDS)
    msg = str(err.value)
    assert "sample/default: answer_correctness = 0.8123 is below the minimum 0.85" in msg
    assert "thresholds.toml" in msg


def test_max_thresholds_and_split_tables():
    with pytest.raises(gate.GateFailure) as err:
        gate.enforce("sample", _sample(accepted=2, test_recall=0.5), THRESHOLDS)
    msg = str(err.value)
    assert "false_premise_accepted = 2 is above the maximum 0" in msg
    assert "sample/default/test: citation_recall_checker = 0.5 is below the minimum 0.9" in msg


def test_a_missing_metric_fails():
    with pytest.raises(gate.GateFailure, match="answer_correctness = missing"):
        gate.enforce("sample", {"default": {"all": {"false_premise_accepted": 0}, "test": {}}}, THRESHOLDS)


def test_only_configurations_that_ran_are_checked():
    checks = gate.enforce("scifact", {"default": {"ndcg@10": 0.71}}, THRESHOLDS)
    assert [(c.config, c.metric) for c in checks] == [("default", "ndcg@10")]
    with pytest.raises(gate.GateFailure, match=r"scifact/bm25: ndcg@10 = 0.6 is below the minimum 0.66"):
        gate.enforce("scifact", {"default": {"ndcg@10": 0.71}, "bm25": {"ndcg@10": 0.6}}, THRESHOLDS)


def test_targets_are_reported_not_enforced():
    goals = gate.targets("scifact", {"default": {"ndcg@10": 0.71}}, THRESHOLDS)
    assert len(goals) == 1 and not goals[0].passed
    gate.enforce("scifact", {"default": {"ndcg@10": 0.71}}, THRESHOLDS)  # no exception


def test_the_projects_thresholds_file_parses():
    t = gate.load_thresholds()
    assert "sample" in t and "scifact_subset" in t
    for suite, configs in t.items():
        for config, table in configs.items():
            assert isinstance(table, dict), (suite, config)
