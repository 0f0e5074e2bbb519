"""Questions about registered commitments ("which commitments were rated inadequate?", "what
was the deadline for the NHS App?") draw on the commitments registry: the commitments a
question is about are found there, and the passages the registry cites for them join the
evidence the answer is built from — so each statement is still a cited sentence of a document."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ingest.lexical import tokenize

from .premise import RATINGS

_ABOUT_COMMITMENTS = re.compile(r"\b(commitment|commitments|rated|rating|ratings|deadline|target|milestone|"
                                r"promise|pledge|progress)\b", re.I)
# Words too common in this corpus to tell one commitment from another.
_COMMON = set(tokenize("NHS digital health care commitment commitments government panel expert rated rating rate "
                       "deadline progress plan social what which how when why who whom whose where did does do "
                       "was were is are give gave given the"))


def _text_of(c: Any) -> str:
    parts = [getattr(c, "id", ""), getattr(c, "title", "") or "", getattr(c, "commitment", "") or "",
             getattr(c, "text", "") or "", getattr(c, "policy_area", "") or ""]
    parts += list(getattr(c, "keywords", None) or [])
    return " ".join(str(p).replace("-", " ") for p in parts)


def match_commitments(question: str, registry: Any) -> list[Any]:
    """Commitments the question is about: by a rating it names together with 'commitments', or by
    the distinctive words it shares with a commitment."""
    commitments = list(getattr(registry, "commitments", registry) or [])
    if not commitments or not _ABOUT_COMMITMENTS.search(question):
        return []
    q = question.lower()
    for r in RATINGS:
        if re.search(rf"\b{r}\b", q) and re.search(r"\bcommitments\b|\bwhich\b", q):
            by_rating = [c for c in commitments if getattr(getattr(c, "rating", None), "value", None) == r]
            if by_rating:
                return by_rating
    q_tokens = set(tokenize(question)) - _COMMON
    if not q_tokens:
        return []
    scored = []
    for c in commitments:
        c_tokens = set(tokenize(_text_of(c))) - _COMMON
        overlap = len(q_tokens & c_tokens)
        if overlap:
            scored.append((overlap / len(q_tokens), c))
    scored.sort(key=lambda x: -x[0])
    if not scored or scored[0][0] < 0.34:
        return []
    top = scored[0][0]
    return [c for s, c in scored if s >= top * 0.999][:3]


def evidence_passage_ids(commitment: Any, index: Any) -> list[str]:
    """Indexed passages the registry cites for ``commitment``, in the order it cites them."""
    from .commitments import resolve_reference

    out: list[str] = []
    docs = index.manifest.documents()
    for ref in getattr(commitment, "evidence", None) or []:
        name = Path(str(getattr(ref, "doc", ""))).name
        for d in docs:
            paths = index.manifest.paths_of(d.doc_id) or [d.path]
            if any(Path(p).name == name for p in paths):
                for p in resolve_reference(ref, index.manifest.passages_of(d.doc_id)):
                    if p.passage_id not in out:
                        out.append(p.passage_id)
    return out
