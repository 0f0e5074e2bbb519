"""A learned judge of answer sentences: how likely a candidate sentence is to hold the answer.

The extractive answerer describes each candidate sentence by a few numbers it already computes
(the embedding cosine with the question, the share of the question's words it holds, its
passage's rank, whether it holds what the question asks for, …; see ``FEATURES``). A logistic
regression over those numbers, trained on questions with marked answer spans, gives the
probability that the sentence holds the answer. The weights ship with the product as a small
JSON file, ``models/sentence_scorer.json`` beside this module, rebuilt by

    python -m evidence_evals.train_sentence_scorer --out assistant/answering/models/sentence_scorer.json

(see docs/sentence-scorer.md for the data it is trained on and how well it does). Scoring is a
dot product per sentence: no model beyond the embedder the answerer already runs.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np

# The numbers that describe one candidate sentence, in this order. Renaming or reordering them
# needs the weights rebuilt: the file names the features it was trained on, and a mismatch is
# refused when it loads.
FEATURES = (
    "cosine",          # embedding cosine with the question (raised by its lead for a leaning sentence)
    "lexical",         # share of the question's words it holds (with its lead, for a leaning one)
    "rank_prior",      # 1 for the first passage, falling to 0 for the last
    "top_passage",     # 1 when its passage ranked first
    "cosine_gap",      # its cosine minus the best cosine among the question's candidates
    "lexical_gap",     # its lexical share minus the best among the question's candidates
    "cosine_x_lexical",
    "answer_type",     # holds what the question asks for (a date, number, amount, name)
    "asks_type",       # the question asks for such a thing at all
    "duration_span",   # a stated span of time, for "how many days …"
    "anchors",         # holds every date and figure the question names
    "commitment_evidence",
    "boilerplate",     # a document describing itself, a contents line
    "short_item",      # a short list item, read only with its list's lead-in
    "expansion",       # spells out the abbreviation asked about
    "list_lead_in",    # announces the list the question asks for
    "leans",           # points back to the sentence before it
    "kind_item",
    "kind_lead_in",
    "kind_fragment",
    "log_words",       # log(1 + its number of words)
    "first_piece",     # the first piece of its passage (it has no sentence before it)
)

#: The rebuild command, named by every error about the weights file.
REBUILD = "python -m evidence_evals.train_sentence_scorer --out assistant/answering/models/sentence_scorer.json"

#: The shipped weights.
DEFAULT_PATH = Path(__file__).resolve().parent / "models" / "sentence_scorer.json"


class ScorerFileError(ValueError):
    """The sentence scorer's weights file is missing or unreadable."""


@dataclass
class SentenceScorer:
    """A logistic regression over ``FEATURES``, on features standardised by ``mean``/``scale``."""

    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray
    features: tuple[str, ...] = FEATURES
    info: dict[str, Any] = field(default_factory=dict)  # how it was trained, and how well it did

    def logits(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        return ((x - self.mean) / self.scale) @ self.weights + self.bias

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """For each row of features, the probability that the sentence holds the answer."""
        z = np.clip(self.logits(x), -30.0, 30.0)
        return 1.0 / (1.0 + np.exp(-z))

    def to_dict(self) -> dict[str, Any]:
        return {"model": "logistic-regression", "features": list(self.features),
                "weights": [round(float(w), 6) for w in self.weights], "bias": round(float(self.bias), 6),
                "mean": [round(float(m), 6) for m in self.mean], "scale": [round(float(s), 6) for s in self.scale],
                "info": self.info}

    def save(self, path: str | Path) -> Path:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")
        return p


def load(path: str | Path | None = None) -> SentenceScorer:
    """The scorer whose weights are in ``path`` (the shipped ones by default). A missing, garbled
    or out-of-date file raises ``ScorerFileError`` naming the file and the command that rebuilds it."""
    p = Path(path) if path is not None else DEFAULT_PATH
    fix = f"rebuild it with `{REBUILD}`, or set answering.sentence_scorer to 'features'"
    if not p.is_file():
        raise ScorerFileError(f"sentence scorer weights not found at {p}; {fix}")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        names = tuple(data["features"])
        weights, mean, scale = (np.asarray(data[k], dtype=np.float64) for k in ("weights", "mean", "scale"))
        bias = float(data["bias"])
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ScorerFileError(f"sentence scorer weights at {p} are unreadable ({type(exc).__name__}: {exc}); {fix}") from None
    if names != FEATURES:
        raise ScorerFileError(f"sentence scorer weights at {p} were trained on other features than this version "
                              f"computes; {fix}")
    n = len(FEATURES)
    if any(a.shape != (n,) for a in (weights, mean, scale)) or not all(np.isfinite(a).all() for a in (weights, mean, scale)) \
            or not math.isfinite(bias) or (scale <= 0).any():
        raise ScorerFileError(f"sentence scorer weights at {p} do not hold {n} finite weights, means and positive "
                              f"scales; {fix}")
    return SentenceScorer(weights, bias, mean, scale, names, dict(data.get("info") or {}))


@lru_cache(maxsize=4)
def shipped(path: str | None = None) -> SentenceScorer:
    """The scorer, loaded once per process."""
    return load(path)


def fit(x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, iterations: int = 50) -> SentenceScorer:
    """Fit the logistic regression by Newton's method, with an L2 penalty ``l2`` on the
    (standardised) weights; the bias is not penalised."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != len(FEATURES) or len(x) != len(y) or len(x) == 0:
        raise ValueError(f"fit needs rows of {len(FEATURES)} features and a label each; got {x.shape} and {y.shape}")
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0  # a feature that never varies carries no weight
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -30, 30)))
        grad = z.T @ (p - y) + penalty * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return SentenceScorer(w[:-1], float(w[-1]), mean, scale)


def top1_hit(scores: Sequence[float], labels: Sequence[int], groups: Sequence[Any]) -> float:
    """Share of the questions (``groups``) with an answer sentence among their candidates whose
    best-scored candidate holds the answer."""
    best: dict[Any, tuple[float, int]] = {}
    has: set[Any] = set()
    for s, lab, g in zip(scores, labels, groups):
        if lab:
            has.add(g)
        if g not in best or s > best[g][0]:
            best[g] = (float(s), int(lab))
    return sum(best[g][1] for g in has) / len(has) if has else 0.0
