"""The CI gate: the sample suite (every `make test`) and a SciFact subset (with the slow tests)
must stay at or above evals/thresholds.toml; a failure names metric, threshold and value."""
from __future__ import annotations

import pytest

from evidence_evals import gate


def test_sample_suite_meets_its_thresholds(sample_run):
    checks = gate.enforce("sample", {"default": sample_run["metrics"]})
    assert checks, "evals/thresholds.toml has no [sample.default] thresholds"


@pytest.mark.slow
def test_scifact_subset_meets_its_thresholds(shared_data):
    from evidence_evals.runner import run_scifact

    res = run_scifact(["default", "bm25", "dense"], subset=True)
    checks = gate.enforce("scifact_subset", {c: r["metrics"] for c, r in res["configs"].items()})
    assert checks, "evals/thresholds.toml has no [scifact_subset.*] thresholds"
