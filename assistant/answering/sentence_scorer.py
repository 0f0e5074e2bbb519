"""A learned judge of answer sentences: which of a question's candidate sentences most likely
holds the answer.

The extractive answerer describes each candidate sentence by numbers it already computes (the
embedding cosine with the question, the share of the question's words it holds, its passage's
rank, whether it holds what the question asks for, the hand-weighted score itself, …; see
``FEATURES``). A linear model over those numbers, trained on questions whose answer sentences are
known, scores each candidate; blended with the hand score it re-orders a question's candidates.
The weights ship with the product as a small JSON file, ``models/sentence_scorer.json`` beside
this module, rebuilt by

    python -m evidence_evals.train_sentence_scorer --out assistant/answering/models/sentence_scorer.json

(see docs/sentence-scorer.md for the data it is trained on and how well it does). Scoring is a
dot product per sentence: no model beyond the embedder the answerer already runs.

Two kinds of model read the same features: a logistic regression (``fit``: the probability that
one sentence holds the answer, for data labelled sentence by sentence) and a ranking model
(``fit_ranking``: which sentence of a question's candidates holds it, trained on the candidates of
each question together). Both give a logit per sentence (``logits``), which is what the answerer
blends.
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
    "hand",            # the hand-weighted score (weights.py), which the learned one re-orders
    "hand_gap",        # its hand score minus the best among the question's candidates
    "kind_row",
    "kind_field",
    "kind_title",
    "restating",       # says again what the question states before asking
    "question_line",   # a question the document asks
    "named_label",     # holds a label the question names ("Table 3")
    "defines",         # defines the term the question asks the meaning of
    "other_row",       # another row of a table than the one asked about
    "typed_date",      # holds the date asked for
    "typed_number",    # holds the number or amount asked for
    "typed_name",      # holds a name, asked who
    "new_names",       # log(1 + names it gives that the question does not)
    "figures",         # log(1 + figures it states)
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
    model: str = "logistic-regression"  # or "ranking" (fit_ranking: the bias then means nothing)

    def logits(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        return ((x - self.mean) / self.scale) @ self.weights + self.bias

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """For each row of features, the probability that the sentence holds the answer."""
        z = np.clip(self.logits(x), -30.0, 30.0)
        return 1.0 / (1.0 + np.exp(-z))

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "features": list(self.features),
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
    model = data.get("model", "logistic-regression")
    if model not in ("logistic-regression", "ranking"):
        raise ScorerFileError(f"sentence scorer weights at {p} are of an unknown model {model!r}; {fix}")
    return SentenceScorer(weights, bias, mean, scale, names, dict(data.get("info") or {}), model)


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


def fit_ranking(x: np.ndarray, y: np.ndarray, groups: Sequence[Any], *, l2: float = 1.0,
                iterations: int = 50) -> SentenceScorer:
    """Fit a ranking model: for each question (``groups``: one label per row), the softmax of the
    rows' scores over that question's candidates is the chance each holds the answer; the weights
    maximise the chance given to the answer rows (``y``), less an L2 penalty ``l2`` on the
    (standardised) weights, by Newton's method. Questions with no answer row among their
    candidates teach nothing and are left out. What matters is how a question's candidates
    compare, not how sure any one is: the answerer only re-orders them."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != len(FEATURES) or len(x) != len(y) or len(groups) != len(x) or len(x) == 0:
        raise ValueError(f"fit_ranking needs rows of {len(FEATURES)} features with a label and a group each; "
                         f"got {x.shape}, {y.shape} and {len(groups)} groups")
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    _, g = np.unique(np.asarray([str(k) for k in groups]), return_inverse=True)
    answered = np.bincount(g, weights=y) > 0
    keep = answered[g]
    z, y, g = ((x - mean) / scale)[keep], y[keep], g[keep]
    if not len(z):
        raise ValueError("fit_ranking needs at least one question with an answer row among its candidates")
    _, g = np.unique(g, return_inverse=True)
    n = int(g.max()) + 1
    npos = np.bincount(g, weights=y, minlength=n)
    def softmax(w: np.ndarray) -> tuple[float, np.ndarray]:
        """The penalised log-likelihood at ``w``, and each row's softmax within its question."""
        s = z @ w
        top = np.full(n, -np.inf)
        np.maximum.at(top, g, s)
        e = np.exp(s - top[g])
        total = np.bincount(g, weights=e, minlength=n)
        return float((y * s).sum() - (npos * (top + np.log(total))).sum() - l2 * w @ w), e / total[g]

    w = np.zeros(z.shape[1])
    value, p = softmax(w)
    for _ in range(iterations):
        weight = p * npos[g]
        mean_x = np.zeros((n, z.shape[1]))
        np.add.at(mean_x, g, z * p[:, None])  # the softmax's expected features, per question
        grad = (y[:, None] * z).sum(axis=0) - (z * weight[:, None]).sum(axis=0) - 2 * l2 * w
        hess = (z * weight[:, None]).T @ z - (mean_x * npos[:, None]).T @ mean_x + 2 * l2 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        # Features that move together (a cosine and its gap to the best) make full Newton steps
        # overshoot: halve the step until the likelihood rises.
        for _ in range(30):
            new_value, new_p = softmax(w + step)
            if new_value >= value:
                break
            step /= 2
        else:
            break
        w, value, p = w + step, new_value, new_p
        if np.abs(step).max() < 1e-8:
            break
    return SentenceScorer(w, 0.0, mean, scale, model="ranking")


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
