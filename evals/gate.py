"""The CI gate: results compared with evals/thresholds.toml.

A threshold is ``metric = { min = 0.85 }`` (higher is better) or ``{ max = 0 }`` (lower is
better) under ``[<suite>.<config>]``, optionally ``[<suite>.<config>.<split>]`` for a split of the
sample cases (the gate reads split "all" unless the table names one). ``[targets.…]`` tables
hold the issue's goals: reported beside the results, never failing a build.
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

THRESHOLDS = Path(__file__).resolve().parent / "thresholds.toml"


@dataclass(frozen=True)
class Check:
    suite: str
    config: str
    metric: str
    kind: str  # "min" or "max"
    threshold: float
    value: float | None
    split: str | None = None

    @property
    def passed(self) -> bool:
        if self.value is None or (isinstance(self.value, float) and math.isnan(self.value)):
            return False
        return self.value >= self.threshold if self.kind == "min" else self.value <= self.threshold

    def message(self) -> str:
        where = f"{self.suite}/{self.config}" + (f"/{self.split}" if self.split else "")
        shown = "missing" if self.value is None else f"{self.value:.4g}"
        if self.kind == "min":
            rel = "is below the minimum" if not self.passed else "meets the minimum"
        else:
            rel = "is above the maximum" if not self.passed else "meets the maximum"
        return f"{where}: {self.metric} = {shown} {rel} {self.threshold:g} (evals/thresholds.toml)"


class GateFailure(AssertionError):
    """Raised with every failed check in its message."""


def load_thresholds(path: Path = THRESHOLDS) -> dict[str, Any]:
    with Path(path).open("rb") as f:
        return tomllib.load(f)


def _bounds(table: dict[str, Any]) -> dict[str, tuple[str, float]]:
    out = {}
    for metric, spec in table.items():
        if isinstance(spec, dict) and ({"min", "max"} & set(spec)):
            kind = "min" if "min" in spec else "max"
            out[metric] = (kind, float(spec[kind]))
    return out


def checks(suite: str, results: dict[str, dict[str, Any]], thresholds: dict[str, Any]) -> list[Check]:
    """Every threshold of ``suite`` against ``results`` ({config: metrics}); a sample-suite
    config's metrics are {split: metrics}. A threshold for a configuration that was not run is
    not checked (a run of one configuration is gated on that one)."""
    out: list[Check] = []
    for config, table in (thresholds.get(suite) or {}).items():
        if config not in results or not isinstance(table, dict):
            continue
        got = results[config]
        layered = "all" in got and isinstance(got["all"], dict)
        tables = [(None, table)] + [(k, v) for k, v in table.items() if isinstance(v, dict) and not _bounds({k: v})]
        for split, t in tables:
            metrics = got.get(split or "all", {}) if layered else got
            for metric, (kind, threshold) in _bounds(t).items():
                out.append(Check(suite, config, metric, kind, threshold, metrics.get(metric), split))
    return out


def targets(suite: str, results: dict[str, dict[str, Any]], thresholds: dict[str, Any]) -> list[Check]:
    """The issue's goals for ``suite`` checked the same way, for the report only."""
    return checks(suite, results, thresholds.get("targets", {}))


def enforce(suite: str, results: dict[str, dict[str, Any]], thresholds: dict[str, Any] | None = None) -> list[Check]:
    """Raise ``GateFailure`` naming each metric, its threshold and its value when any check fails."""
    cs = checks(suite, results, thresholds if thresholds is not None else load_thresholds())
    failed = [c for c in cs if not c.passed]
    if failed:
        raise GateFailure("quality gate failed:\n  " + "\n  ".join(c.message() for c in failed))
    return cs
