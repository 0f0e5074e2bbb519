"""Questions about registered commitments ("which commitments were rated inadequate?", "what
was the deadline for the NHS App?") draw on the commitments registry: the commitments a
question is about are found there, and the passages the registry cites for them join the
evidence the answer is built from — so each statement is still a cited sentence of a document.

The same resolution of the registry's references to indexed passages serves the chat's evidence
timeline (``evidence_timeline``, reached through ``Assistant.evidence_timeline``)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidence_assistant.core.text import tokenize
from evidence_assistant.core.types import Passage

from evidence_assistant.answering.premise import RATINGS
from evidence_assistant.tracker.commitments import resolve_reference

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


class _ReferencedDocuments:
    """Finds the indexed passages a registry reference names. The registry names a document by
    its file name; the index knows each document by the files it was read from."""

    def __init__(self, index: Any):
        self.manifest = index.manifest
        # file name -> the documents indexed from a file of that name, in the index's document
        # order, one entry per file
        self.by_name: dict[str, list[str]] = {}
        for d in self.manifest.documents():
            for path in self.manifest.paths_of(d.doc_id) or [d.path]:
                self.by_name.setdefault(Path(path).name, []).append(d.doc_id)

    def passages(self, ref: Any) -> list[Passage]:
        """The passages holding the page and/or paragraph ``ref`` names; empty when none does."""
        found: list[Passage] = []
        for doc_id in self.by_name.get(Path(str(getattr(ref, "doc", ""))).name, []):
            found += resolve_reference(ref, self.manifest.passages_of(doc_id))
        return found


def evidence_passage_ids(commitment: Any, index: Any) -> list[str]:
    """Indexed passages the registry cites for ``commitment``, in the order it cites them."""
    documents = _ReferencedDocuments(index)
    out: list[str] = []
    for ref in getattr(commitment, "evidence", None) or []:
        for p in documents.passages(ref):
            if p.passage_id not in out:
                out.append(p.passage_id)
    return out


@dataclass(frozen=True)
class EvidenceItem:
    """One passage the registry cites for a commitment, as a reader of its timeline sees it."""

    passage: Passage
    reference: Any  # the registry's reference: file name, page and/or paragraph, its own note
    progress: Any | None  # the progress entry that cites the passage; None for the commitment's own evidence
    text: str  # the referenced block of the passage (its paragraph and/or page), else the whole passage
    page: str | None  # the page of that block
    paragraph: str | None  # the paragraph number of that block


def referenced_block(p: Passage, ref: Any) -> tuple[str, str | None, str | None]:
    """The block of ``p`` that ``ref`` names (paragraph and/or page) with its page and paragraph,
    else the whole passage with the reference's locators (or the passage's own)."""
    segs = list(p.segments)
    for i, (start, page, para) in enumerate(segs):
        if ref.paragraph and str(para or "").strip() != ref.paragraph:
            continue
        if ref.page and str(page or "").strip() != ref.page:
            continue
        end = segs[i + 1][0] if i + 1 < len(segs) else len(p.text)
        return p.text[start:end].strip(), page, para
    return p.text, ref.page or p.page_label, ref.paragraph or p.paragraph_label


def evidence_timeline(commitment: Any, index: Any) -> tuple[list[EvidenceItem], list[Any]]:
    """Everything the registry cites for ``commitment`` (its own evidence, then each progress
    entry's), resolved to indexed passages and ordered by the passage's document date (undated
    last); and the references that name nothing in the index, in registry order.

    Each reference gives at most its first two passages (a paragraph split across two passages);
    the same block of the same passage is given once."""
    documents = _ReferencedDocuments(index)
    cited = [(ref, None) for ref in commitment.evidence]
    for progress in getattr(commitment, "progress", None) or []:
        cited += [(ref, progress) for ref in progress.evidence]
    items: list[EvidenceItem] = []
    not_found: list[Any] = []
    seen: set[tuple[str, str]] = set()
    for ref, progress in cited:
        found = documents.passages(ref)
        if not found:
            not_found.append(ref)
            continue
        for p in found[:2]:
            text, page, para = referenced_block(p, ref)
            if (p.passage_id, text) in seen:
                continue
            seen.add((p.passage_id, text))
            items.append(EvidenceItem(p, ref, progress, text, page, para))
    items.sort(key=lambda it: (it.passage.date is None, it.passage.date or ""))
    return items, not_found
