"""Choose ``min_relevance`` (when the answerer declines) on the sample cases' DEV split, and
report what that choice does on the TEST split.

    python -m evidence_evals.tune_sample [--out evals/reports/sample-threshold.json]

The cases are answered once with declining switched off (``min_relevance=-1``); declining at a
threshold t is then replayed from each answer's recorded relevance signal, exactly as
``Assistant.stream`` decides it: below t, and not a question about a registered commitment
(those always draw on the registry's evidence). The objective is decision accuracy over the
answerable and unanswerable cases: an answerable case counts when it is answered with every key
fact, an unanswerable one when it is declined.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from evidence_assistant.core.settings import Settings

from . import metrics, sample_suite

OUT = Path(__file__).resolve().parent / "reports" / "sample-threshold.json"
GRID = [round(0.30 + 0.025 * i, 3) for i in range(21)]  # 0.30 … 0.80


def _boosted(assistant: Any, question: str) -> bool:
    from evidence_assistant import match_commitments

    reg = assistant.registry
    return bool(reg is not None and match_commitments(question, reg))


def replay(records: list[dict[str, Any]], t: float) -> dict[str, Any]:
    decidable = [r for r in records if r["answerable"] or r["type"] == "unanswerable"]
    outcomes, good, answered_ok, answerable_n = [], 0, 0, 0
    for r in decidable:
        declined = r["relevance"] < t and not r["boosted"]
        outcomes.append((not r["answerable"], declined))
        if r["answerable"]:
            answerable_n += 1
            ok = r["correct"] and not declined
            answered_ok += ok
            good += ok
        else:
            good += declined
    ref = metrics.refusal_scores(outcomes)
    return {"min_relevance": t, "decision_accuracy": good / len(decidable) if decidable else None,
            "answer_correctness": answered_ok / answerable_n if answerable_n else None,
            "refusal_precision": ref.precision, "refusal_recall": ref.recall}


def main(argv: list[str] | None = None) -> int:
    from evidence_assistant import Assistant

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    base = Settings()
    index_dir = sample_suite.build_index(base, log=lambda m: print(m, file=sys.stderr))
    s = base.model_copy(update={"index_dir": index_dir, "min_relevance": -1.0})
    cases = sample_suite.load_cases()
    res = sample_suite.run(s, cases=cases, index_dir=index_dir)
    with Assistant.open(settings=s) as a:
        records = []
        for r in res["cases"]:
            records.append({"id": r["id"], "split": r["split"], "type": r["type"], "answerable": r["answerable"],
                            "correct": bool(r.get("correct")), "relevance": float(r["signals"].get("relevance", 0.0)),
                            "boosted": _boosted(a, r["standalone_question"])})
    out: dict[str, Any] = {"objective": "decision accuracy on answerable + unanswerable dev cases",
                           "current": base.min_relevance, "grid": {}}
    for split in ("dev", "test"):
        part = [r for r in records if r["split"] == split]
        out["grid"][split] = [replay(part, t) for t in GRID]
    dev = out["grid"]["dev"]
    best = max(dev, key=lambda x: (x["decision_accuracy"], -abs(x["min_relevance"] - base.min_relevance)))
    chosen = best["min_relevance"]
    out["chosen_on_dev"] = chosen
    out["at_chosen"] = {split: replay([r for r in records if r["split"] == split], chosen) for split in ("dev", "test")}
    out["at_current"] = {split: replay([r for r in records if r["split"] == split], base.min_relevance)
                         for split in ("dev", "test")}
    out["relevance"] = {r["id"]: round(r["relevance"], 4) for r in records}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps({k: out[k] for k in ("current", "chosen_on_dev", "at_current", "at_chosen")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
