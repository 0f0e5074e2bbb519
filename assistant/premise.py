"""False premises: a question that assumes something the documents contradict or never say
("why was the NHS App rated outstanding?") is not answered as if the assumption held.

The check looks at what a question asserts that can be checked — a rating, a number or
percentage, a year — and compares it with the evidence retrieved for it, and with the
commitments registry for ratings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from .citations import normalise, numbers_in
from .types import ScoredPassage

RATINGS = ("outstanding", "good", "requires improvement", "inadequate")
_PRESUPPOSES = re.compile(
    r"^\s*(why|how come|how did|how was|how were|what made|what led|given that|since|in what way|"
    r"what caused|who decided|when did|what did .* do after)\b", re.I)
_RATED = re.compile(r"\brat(ed|ing)\b|\bjudged\b|\bgraded\b|\bscored\b", re.I)


@dataclass
class PremiseCheck:
    rejected: bool
    claims: list[str] = field(default_factory=list)  # what the question assumes
    reasons: list[str] = field(default_factory=list)  # why each failed


def rating_claim(question: str) -> str | None:
    q = question.lower()
    if not _RATED.search(q):
        return None
    for r in RATINGS:
        if re.search(rf"\b{r}\b", q):
            return r
    return None


def check_premise(question: str, passages: Sequence[ScoredPassage], *,
                  registry_ratings: dict[str, str] | None = None) -> PremiseCheck:
    """``registry_ratings`` maps each commitment the question is about to its registered rating."""
    if not _PRESUPPOSES.search(question) and not re.search(r"\b(rated|given the|after the)\b", question, re.I):
        return PremiseCheck(False)
    evidence = " ".join(normalise(sp.passage.text) for sp in passages)
    check = PremiseCheck(False)
    rating = rating_claim(question)
    if rating:
        check.claims.append(f"rated {rating}")
        known = {v for v in (registry_ratings or {}).values() if v and v != "not known"}
        if known and rating not in known:
            check.rejected = True
            check.reasons.append(f"the Expert Panel rated it {' / '.join(sorted(known))}, not {rating}")
        elif not known and rating not in evidence:
            check.rejected = True
            check.reasons.append(f"no document retrieved says it was rated {rating}")
        elif rating in ("outstanding", "good") and not known:
            # The Panel gave no commitment either of these ratings.
            if re.search(r"every commitment was rated either requires improvement or inadequate|"
                         r"each of the nine commitments", evidence):
                check.rejected = True
                check.reasons.append("the Expert Panel rated every commitment requires improvement or inadequate")
    q_numbers = {n for n in numbers_in(question) if not re.fullmatch(r"\d", n)}
    if q_numbers:
        ev_numbers = numbers_in(" ".join(sp.passage.text for sp in passages))
        for n in sorted(q_numbers):
            check.claims.append(n)
            if n not in ev_numbers:
                check.rejected = True
                check.reasons.append(f"no document retrieved states {n}")
    return check


def premise_note(check: PremiseCheck) -> str:
    return ("The question assumes something the documents do not support: " + "; ".join(check.reasons) +
            ". What the documents do say is below.")


def describe(check: PremiseCheck) -> dict[str, Any]:
    return {"rejected": check.rejected, "claims": check.claims, "reasons": check.reasons}
