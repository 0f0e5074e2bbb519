"""Named configurations the suites compare side by side.

Each is a set of overrides on ``Settings()``: "default" is the product as it ships (its defaults,
and any EVIDENCE_* variables set in the environment), the others change retrieval only, so all
of them share one index per benchmark. "hybrid" pins the fusion it describes (equal-weight
reciprocal rank fusion, k=60, 50 candidates from each side) so that it stays the same reference
point when the defaults move; "tuned" holds the values chosen on SciFact's 809 *train* queries by
``evals/tune_scifact.py`` (never on test queries).
"""
from __future__ import annotations

from typing import Any

from evidence_assistant.core.settings import Settings

# Chosen on SciFact train by evals/tune_scifact.py; see evals/reports/scifact-tuning.json.
# Train nDCG@10: 0.7209, against 0.7092 for the "hybrid" reference (rrf_k 60, equal weights, 50/50).
# "tuned" keeps that rank fusion as the comparison point now that the default fuses weighted
# scores (train 0.7342 with BM25 over title, headings and text).
TUNED: dict[str, Any] = {"retrieval": "hybrid", "fusion": "rrf", "rrf_k": 20, "dense_weight": 0.85,
                         "lexical_weight": 1.0, "dense_k": 300, "lexical_k": 200}

CONFIGS: dict[str, dict[str, Any]] = {
    "default": {},
    "bm25": {"retrieval": "lexical"},
    "dense": {"retrieval": "dense"},
    "hybrid": {"retrieval": "hybrid", "fusion": "rrf", "rrf_k": 60, "dense_weight": 1.0, "lexical_weight": 1.0,
               "dense_k": 50, "lexical_k": 50},
    "tuned": TUNED,
}

# Which configurations each suite runs when none are named.
SUITE_CONFIGS: dict[str, list[str]] = {
    "sample": ["default", "bm25", "dense", "hybrid", "tuned"],
    "scifact": ["default", "bm25", "dense", "hybrid", "tuned"],
    "covidqa": ["default", "bm25", "dense"],
    "real": ["default", "bm25", "dense"],
    "tracker": ["default"],
}

# Settings that change what is indexed; a configuration that sets one gets its own index.
INDEX_SETTINGS = ("model_path", "chunk_tokens", "chunk_overlap", "lexical_context")


def overrides(name: str) -> dict[str, Any]:
    """The overrides of configuration ``name``; ``key=value,key=value`` defines one ad hoc
    (e.g. ``--config rrf_k=20,dense_weight=1.5``)."""
    if name in CONFIGS:
        return dict(CONFIGS[name])
    if "=" in name:
        out: dict[str, Any] = {}
        for part in name.split(","):
            key, _, raw = part.partition("=")
            key = key.strip()
            if key not in Settings.model_fields:
                raise ValueError(f"unknown setting {key!r} in configuration {name!r}")
            out[key] = raw.strip()
        return out
    raise ValueError(f"unknown configuration {name!r}; known: {', '.join(CONFIGS)} "
                     "(or key=value,... for an ad hoc one)")


def settings_for(name: str, base: Settings | None = None) -> Settings:
    """Settings of configuration ``name`` on top of ``base`` (validated as Settings validates)."""
    base = base or Settings()
    merged = {**base.model_dump(), **overrides(name)}
    return Settings(**merged)


def describe(settings: Settings) -> dict[str, Any]:
    """The settings a retrieval comparison turns on, for reports."""
    keys = ("retrieval", "fusion", "rrf_k", "dense_weight", "lexical_weight", "dense_k", "lexical_k", "top_k",
            "max_per_document", "split_questions", "part_passages", "min_relevance", "min_support", "chunk_tokens", "chunk_overlap")
    return {k: getattr(settings, k) for k in keys}
