"""The evaluation's arithmetic, as pure functions: no index, no model, no files.

Every metric here is unit-tested against hand-computed examples (tests/evals/test_metrics.py),
so a change in a reported number is a change in the system, never in the ruler.
"""
from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Hashable, Iterable, Sequence

# --------------------------------------------------------------------------- ranking


def recall_at_k(ranked: Sequence[Hashable], relevant: Iterable[Hashable], k: int) -> float:
    """Share of ``relevant`` items among the first ``k`` of ``ranked`` (0.0 when nothing is relevant)."""
    rel = set(relevant)
    if not rel:
        return 0.0
    return len(rel & set(ranked[:k])) / len(rel)


def hit_at_k(ranked: Sequence[Hashable], relevant: Iterable[Hashable], k: int) -> float:
    """1.0 when any relevant item is among the first ``k``."""
    rel = set(relevant)
    return 1.0 if any(x in rel for x in ranked[:k]) else 0.0


def reciprocal_rank(ranked: Sequence[Hashable], relevant: Iterable[Hashable], k: int | None = None) -> float:
    """1 / rank of the first relevant item (0.0 when none is in the first ``k``, or in the list)."""
    rel = set(relevant)
    for i, x in enumerate(ranked[:k] if k else ranked, start=1):
        if x in rel:
            return 1.0 / i
    return 0.0


def ndcg_at_k(ranked: Sequence[Hashable], gains: dict[Hashable, float] | Iterable[Hashable], k: int = 10) -> float:
    """nDCG@k with the usual log2 discount (as trec_eval and BEIR compute it).

    ``gains`` maps items to graded relevance, or is a set of items of gain 1. An item counts
    once: a repeat in ``ranked`` earns nothing. The ideal ranking puts the largest gains first.
    """
    g = dict(gains) if isinstance(gains, dict) else {x: 1.0 for x in gains}
    g = {x: v for x, v in g.items() if v > 0}
    if not g:
        return 0.0
    seen: set[Hashable] = set()
    dcg = 0.0
    for i, x in enumerate(ranked[:k]):
        if x in g and x not in seen:
            dcg += g[x] / math.log2(i + 2)
        seen.add(x)
    ideal = sorted(g.values(), reverse=True)[:k]
    idcg = sum(v / math.log2(i + 2) for i, v in enumerate(ideal))
    return dcg / idcg


def dedupe(items: Iterable[Hashable]) -> list[Hashable]:
    """First occurrences in order: passage rankings become document rankings this way (a
    document ranks where its best passage ranks)."""
    return list(dict.fromkeys(items))


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) with linear interpolation, as numpy's default does."""
    if not values:
        return float("nan")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not None; None when there are none (a metric not defined
    for any case is reported as missing, not as zero)."""
    xs = [v for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


# --------------------------------------------------------------------------- SQuAD token F1

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation)


def squad_normalise(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCT)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD token F1 between one prediction and one reference."""
    p, r = squad_normalise(prediction).split(), squad_normalise(reference).split()
    if not p or not r:
        return float(p == r)
    common = Counter(p) & Counter(r)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(r)
    return 2 * precision * recall / (precision + recall)


def best_f1(prediction: str, references: Sequence[str]) -> float:
    """SQuAD scores a prediction against its best-matching reference."""
    return max((token_f1(prediction, r) for r in references), default=0.0)


def token_recall(prediction: str, reference: str) -> float:
    """Share of the reference's tokens the prediction holds (how much of the answer is there,
    whatever else the prediction says)."""
    p, r = squad_normalise(prediction).split(), squad_normalise(reference).split()
    if not r:
        return 0.0
    return sum((Counter(p) & Counter(r)).values()) / len(r)


# --------------------------------------------------------------------------- text matching

_CHAR_MAP = {"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "−": "-",
             "\u00a0": " ", "\u2009": " ", "\u202f": " "}
# A citation marker stands apart from the words (" [3]"); a footnote glued to a word ("trusts[4]")
# is part of the document's own text and stays, so verbatim checks see the text as published.
_MARKER = re.compile(r"(?:^|\s+)(?:\[\d+(?:\s*[,;–-]\s*\d+)*\])+")
_UNSUPPORTED_MARK = re.compile(r"\s*\[unsupported\]", re.I)
_LEADING_PARA_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)*\.\s+(?=\S)")


def normalise_text(text: str) -> str:
    """Lower case; one kind of quote, apostrophe and dash; single spaces; NFKC. What a person
    would not call a different wording is made equal."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(_CHAR_MAP.get(ch, ch) for ch in text).lower()
    return " ".join(text.split())


def _unmarked(text: str) -> str:
    """``text`` without [n] markers and without space before a punctuation mark."""
    return re.sub(r"\s+([.,;:!?])", r"\1", _MARKER.sub("", text))


def strip_markers(sentence: str) -> str:
    """An answer sentence without its [n] markers, its [unsupported] flag and a leading
    paragraph number ("12. The Panel …")."""
    s = _LEADING_PARA_NUMBER.sub("", _UNSUPPORTED_MARK.sub("", _MARKER.sub("", sentence)))
    return _unmarked(s).strip()


def verbatim_in(sentence: str, passage_text: str) -> bool:
    """Whether the sentence (markers and a leading paragraph number removed) appears word for
    word in the passage, up to case, white space and quote/dash style. The closing full stop
    may be missing in the passage (a sentence can end a passage that ends without one). The
    passage is read as the sentence is: a document's own bracketed note numbers ("… Martinez [1]
    There are …") and a space before a punctuation mark ("Technologies , to") are set aside on
    both sides, or a sentence quoted word for word would count as altered."""
    s = normalise_text(strip_markers(sentence))
    p = normalise_text(_unmarked(passage_text))
    if not s:
        return False
    return s in p or s.rstrip(".!?") in p


# --------------------------------------------------------------------------- key facts

KeyFact = Any  # a string, a number, {"any": [...]} or {"all": [...]}

_NUM_WORD = r"[0-9][0-9,]*(?:\.[0-9]+)?"


def _normalise_for_facts(text: str) -> str:
    t = normalise_text(text)
    t = re.sub(r"\bper\s*cent\b|\bpercent\b", "%", t)
    t = re.sub(r"(\d)\s+%", r"\1%", t)
    t = re.sub(r"(?<=\d),(?=\d{3}\b)", "", t)  # 1,380 -> 1380
    t = re.sub(r"£\s+", "£", t)
    return t


def _contains(text_norm: str, variant: str | int | float) -> bool:
    v = _normalise_for_facts(str(variant))
    if not v:
        return False
    # Word boundaries where the variant starts or ends with a word character, so that "19"
    # does not match "2019" or "187", and "good" does not match "goodwill".
    left = r"(?<![\w.])" if re.match(r"[\w£]", v) else ""
    right = r"(?![\w])" if re.search(r"[\w%]$", v) else ""
    if re.search(r"[a-z]$", v):
        # A fact's last word may be in the plural ("separate notices", "robotic process
        # automations (RPA)"): the answer states it all the same.
        right = r"(?:s|es)?(?![\w])"
    if re.search(r"\d$", v):
        right = r"(?![\d])(?!\.\d)"  # 91 matches "91%" and "91." but not "91.5" or "910"
    return re.search(left + re.escape(v) + right, text_norm) is not None


def fact_present(text: str, fact: KeyFact) -> bool:
    """One key fact: a string or number that must appear; {"any": [...]} (one variant is
    enough) or {"all": [...]} (every part is needed); nestable."""
    t = _normalise_for_facts(text)
    return _fact_in(t, fact)


def _fact_in(t: str, fact: KeyFact) -> bool:
    if isinstance(fact, dict):
        if "any" in fact:
            return any(_fact_in(t, f) for f in fact["any"])
        if "all" in fact:
            return all(_fact_in(t, f) for f in fact["all"])
        raise ValueError(f"a key fact object needs 'any' or 'all', got {sorted(fact)}")
    if isinstance(fact, (list, tuple)):
        return any(_fact_in(t, f) for f in fact)  # a bare list reads as alternatives
    if isinstance(fact, bool) or fact is None:
        raise ValueError(f"a key fact must be text or a number, got {fact!r}")
    return _contains(t, fact)


def key_fact_scores(text: str, facts: Sequence[KeyFact]) -> tuple[bool, float, list[KeyFact]]:
    """(all present, share present, the facts missing) for an answer text."""
    if not facts:
        return True, 1.0, []
    missing = [f for f in facts if not fact_present(text, f)]
    return not missing, 1 - len(missing) / len(facts), missing


# --------------------------------------------------------------------------- ALCE citations

SupportJudge = Callable[[frozenset[int]], bool]


@dataclass(frozen=True)
class JudgedSentence:
    """One answer sentence, the citations it carries, and a judge that says whether a set of
    those citations (jointly) supports it."""

    citations: tuple[int, ...]
    supports: SupportJudge


@dataclass(frozen=True)
class CitationScores:
    recall: float  # share of sentences fully supported by their citations
    precision: float | None  # share of citations that are relevant; None when nothing is cited
    sentences: int
    citations: int
    supported_sentences: int
    relevant_citations: int


def alce_citation_scores(sentences: Sequence[JudgedSentence]) -> CitationScores:
    """Citation recall and precision of one answer, as ALCE (Gao et al., 2023) defines them.

    Recall: a sentence scores 1 when its citations jointly support it (a sentence without
    citations scores 0). Precision: a citation is irrelevant when it alone does not support its
    sentence and the sentence's other citations support it without it; when the citations do
    not jointly support the sentence, none of them counts as relevant. This follows ALCE's
    reference implementation (``compute_autoais``).
    """
    supported = relevant = total = 0
    for s in sentences:
        cites = tuple(dict.fromkeys(s.citations))
        total += len(cites)
        joint = bool(cites) and s.supports(frozenset(cites))
        supported += joint
        if not joint:
            continue
        if len(cites) == 1:
            relevant += 1
            continue
        for c in cites:
            if s.supports(frozenset([c])):
                relevant += 1
            elif not s.supports(frozenset(cites) - {c}):
                relevant += 1  # needed: the others do not support the sentence without it
    n = len(sentences)
    return CitationScores(
        recall=supported / n if n else 0.0,
        precision=relevant / total if total else None,
        sentences=n, citations=total, supported_sentences=supported, relevant_citations=relevant)


def threshold_judge(scores: dict[int, float], threshold: float) -> SupportJudge:
    """A judge from per-citation support scores where a set supports a sentence when its best
    citation does (the project's checker scores each citation on its own and keeps the best)."""
    def judge(subset: frozenset[int]) -> bool:
        return any(scores.get(c, 0.0) >= threshold for c in subset)
    return judge


def verbatim_judge(sentence: str, passages: dict[int, str]) -> SupportJudge:
    """A judge by exact quotation: a set supports the sentence when the sentence appears word
    for word in one of its passages, or in their texts read one after the other (a sentence cut
    by a passage boundary)."""
    def judge(subset: frozenset[int]) -> bool:
        texts = [passages[c] for c in sorted(subset) if c in passages]
        if any(verbatim_in(sentence, t) for t in texts):
            return True
        return len(texts) > 1 and verbatim_in(sentence, " ".join(texts))
    return judge


# --------------------------------------------------------------------------- declining


@dataclass(frozen=True)
class RefusalScores:
    precision: float | None  # declined and should have: among all declined
    recall: float | None  # declined among those that should be declined
    declined: int
    should_decline: int
    correctly_declined: int


def refusal_scores(outcomes: Iterable[tuple[bool, bool]]) -> RefusalScores:
    """From (should decline, did decline) pairs: precision and recall of declining."""
    declined = should = both = 0
    for want, did in outcomes:
        declined += did
        should += want
        both += want and did
    return RefusalScores(precision=both / declined if declined else None,
                         recall=both / should if should else None,
                         declined=declined, should_decline=should, correctly_declined=both)
