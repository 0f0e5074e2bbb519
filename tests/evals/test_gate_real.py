"""The CI gate on real documents: a fixed, mixed subset of the real-document suite (40 cases,
taken one question type at a time in id order) must stay within evals/thresholds.toml [real.*];
a failure names metric, bound and value. The uk-health-policy index is built once into the
evaluation cache (.evidence/eval-cache, or $EVIDENCE_EVAL_CACHE) and reused by later runs."""
from __future__ import annotations

import pytest

from evidence_evals import gate
from evidence_evals.data import DataMissing

SUBSET = 40


@pytest.mark.slow
def test_real_suite_subset_meets_its_thresholds(shared_data):
    from evidence_evals import real_suite
    from evidence_evals.runner import run_real

    try:
        real_suite.corpus_dir()
        cases = real_suite.load_cases()
    except DataMissing as exc:
        pytest.skip(str(exc))
    subset = real_suite.ci_subset(cases, SUBSET)
    assert len({c.type for c in subset}) >= 5, "the gate's subset should mix question types"
    res = run_real(["default"], cases=subset)
    m = res["configs"]["default"]["metrics"]["all"]
    print({k: m[k] for k in ("cases", "answer_correctness", "key_fact_recall", "retrieval_recall@10",
                             "refusal_recall", "false_premise_accepted", "repeated_fact")})
    checks = gate.enforce("real", {c: r["metrics"] for c, r in res["configs"].items()})
    assert checks, "evals/thresholds.toml has no [real.default] bounds"
