"""What has happened since: the later passages that bear on a recommendation or a commitment.

For each tracked item (a committee's recommendation, a commitment from the registry, or an
undertaking proposed from a policy document) the index is searched through the public
``Assistant.retrieve`` with a since-date filter at the item's own date, and a passage is kept
only when one of its sentences shares the item's distinctive terms: a two-word phrase of the
item that holds a rare word ("federated data platform", "NHS App"), or at least two of its rare
words. Rare means a high inverse document frequency in the index's own lexical statistics, so
what counts as distinctive follows the collection rather than a word list.

Each kept passage is cited by the sentence that shares the terms (title, date, page, paragraph,
quote: the exact characters of the passage). A status is given only where such a sentence says
so (delivered, launched, published, met: "met"; not met, missed, abandoned: "missed"; on track,
progress made: "on track"; delayed, behind, at risk: "off track"), the latest such sentence
deciding; otherwise the status is "no evidence yet". Nothing is inferred from silence.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Collection, Iterable

from evidence_assistant.core.errors import EvidenceError

__all__ = ["TrackedItem", "EvidencePassage", "Progress", "STATUSES", "NO_EVIDENCE", "item_from_recommendation",
           "item_from_proposal", "item_from_registry", "distinctive_terms", "evidence_status", "progress",
           "progress_many", "Terms"]

STATUSES = ("met", "missed", "on track", "off track")
NO_EVIDENCE = "no evidence yet"
MAX_QUERY_CHARS = 400  # the opening of a long item says what it is about
RETRIEVE_K = 20  # passages examined per item
MAX_EVIDENCE = 8  # passages kept per item, the closest first, then shown by date
MIN_PASSAGES_FOR_IDF = 100  # below this, word rarity in the index means little
MIN_RARE_WORDS = 3  # without a shared phrase, a sentence must hold this many of the item's rare words
STATUS_TERMS = 2  # a status is read only from a sentence holding at least this many of the item's terms
MIN_QUOTE_WORDS = 6  # shorter sentences are headings ("14. Digital exclusion."), which say nothing happened
RESTATED = 90  # a sentence this alike (0-100) to the whole item quotes it rather than reports on it
RARE_SHARE = 0.42  # a word is distinctive when its idf is at least this share of an unseen word's


# --- The items ------------------------------------------------------------------------------

@dataclass
class TrackedItem:
    """A recommendation or a commitment, with where it was made and when."""

    kind: str  # "recommendation" or "commitment"
    key: str  # stable within a run: "<file>#<number>", "registry:<id>" or "<file>@<page>/<para>/<n>"
    label: str  # how a person names it: "Recommendation 3", or the registry title
    text: str
    date: str | None  # the date it was made (its document's date)
    source: str  # file name of the document that makes it
    source_title: str
    page: str | None = None
    paragraph: str | None = None
    deadline: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def item_from_recommendation(rec: Any) -> TrackedItem:
    return TrackedItem(kind="recommendation", key=f"{rec.report}#{rec.number}", label=f"Recommendation {rec.number}",
                       text=rec.text, date=rec.report_date, source=rec.report, source_title=rec.report_title,
                       page=rec.page, paragraph=rec.paragraph, deadline=rec.deadline)


def item_from_proposal(proposal: Any, n: int, date: str | None) -> TrackedItem:
    """An undertaking proposed from a document (``recommendations.propose_commitments``); ``date``
    is its document's date, which the proposal itself does not carry."""
    return TrackedItem(kind="commitment", key=f"{proposal.document}@{proposal.page or '-'}/{proposal.paragraph or '-'}/{n}",
                       label=f"Commitment {n}", text=proposal.text, date=date, source=proposal.document,
                       source_title=proposal.title, page=proposal.page, paragraph=proposal.paragraph,
                       deadline=proposal.deadline)


_MADE_ON = re.compile(r"(\d{1,2}\s+[A-Z][a-z]+\s+\d{4}|[A-Z][a-z]+\s+\d{4}|\d{4}-\d{2}(?:-\d{2})?)")


def item_from_registry(c: Any) -> TrackedItem:
    """A registry commitment; its date is read from ``made_in`` ("... (DHSC, 29 June 2022)")."""
    from evidence_assistant.tracker.recommendations import parse_date

    made = getattr(c, "made_in", None) or ""
    when = None
    for m in _MADE_ON.finditer(made):
        d = parse_date(m.group(1))
        if d:
            when = d.isoformat()
    source = "commitments registry"  # not a document: every indexed document may report on it
    deadline = "; ".join(f"{d.date}: {d.target}" for d in getattr(c, "deadlines", []) or []) or None
    return TrackedItem(kind="commitment", key=f"registry:{c.id}", label=c.title, text=c.commitment, date=when,
                       source=source, source_title=made or "commitments registry", deadline=deadline)


# --- Distinctive terms ----------------------------------------------------------------------

@dataclass(frozen=True)
class Terms:
    rare: frozenset[str]  # stemmed words of the item that are rare in the index
    phrases: frozenset[tuple[str, str]]  # consecutive word pairs of the item holding a rare word
    weight: dict[str, float] = field(default_factory=dict, compare=False, hash=False)


_NOT_TOPICAL = re.compile(r"^(?:\d+|januari|februari|march|april|may|june|juli|august|septemb|octob|novemb|decemb|"
                          r"year|month|week|day|will|shall|must|also|new|first)$")
# Words that say how rather than what: they never make a passage bear on an item by themselves
# ("how better", "regularly updated", "make it easy" are shared by unrelated sentences).
_GENERIC = frozenset("""how better best make easi regular updat includ develop improv ensur support provid work use need
give set take help clear key wide high larg scale well way can continu futur current self question option
approach across within like one two three four five mean allow enabl deliv build creat establish agre lead
find retriev full time sure part good right great we our recommend committe govern department conclus should
report concern part see where can publish nhs england nation nobodi everi depart""".split())
# Of those, the ones that do not even make a phrase with a rare word ("how" + "better", "we" +
# "recommend"); the others do ("NHS App", "national bed-capacity").
_WEAK = frozenset("""how better best make easi regular updat we our can see where everi nobodi well way also like
sure right great good part full time ensur help need give take set includ depart should must recommend govern
committe""".split())


def distinctive_terms(text: str, idf: Any, *, passages: int | None = None) -> Terms:
    """The item's rare words and the word pairs that carry them, judged by ``idf`` (the index's
    ``lexical.idf``). Dates and numbers are not topics: "November 2022" says when, not what.
    An index of fewer than ``MIN_PASSAGES_FOR_IDF`` passages is too small to tell rare words from
    common ones, so there every content word of the item counts as distinctive."""
    from evidence_assistant.core.text import tokenize

    toks = tokenize(text)
    if not toks:
        return Terms(frozenset(), frozenset())
    topical = [t for t in toks if len(t) > 2 and not _NOT_TOPICAL.match(t) and t not in _GENERIC]
    if passages is not None and passages < MIN_PASSAGES_FOR_IDF:
        weight = {t: 1.0 for t in toks}
        cut = 1.0
        rare = set(topical)
    else:
        values = idf(toks)
        unseen = float(idf(["\u2063unseen\u2063"])[0]) or 1.0
        cut = RARE_SHARE * unseen
        weight = {t: float(v) for t, v in zip(toks, values)}
        rare = {t for t in topical if weight[t] >= cut}
    phrases = set()
    for a, b in zip(toks, toks[1:]):
        if a == b or {a, b} & _WEAK or _NOT_TOPICAL.match(a) or _NOT_TOPICAL.match(b):
            continue
        if a in rare or b in rare:
            phrases.add((a, b))
    return Terms(frozenset(rare), frozenset(phrases), weight)


def shared(terms: Terms, sentence: str) -> tuple[list[str], float]:
    """The item's terms a sentence holds (phrases as "a b"), and how much they weigh; empty when
    the sentence does not bear on the item (no shared phrase, and fewer than two rare words)."""
    from evidence_assistant.core.text import tokenize

    toks = tokenize(sentence)
    pairs = set(zip(toks, toks[1:]))
    ph = [p for p in terms.phrases if p in pairs]
    words = sorted(terms.rare & set(toks))
    if not ph and len(words) < MIN_RARE_WORDS:
        return [], 0.0
    score = sum(terms.weight.get(a, 0) + terms.weight.get(b, 0) for a, b in ph) + sum(terms.weight.get(w, 0) for w in words)
    return sorted(f"{a} {b}" for a, b in ph) + [w for w in words if not any(w in p for p in ph)], score


# --- Status ---------------------------------------------------------------------------------

_NEG = r"(?:not|n't|never|yet to be|still to be|failed to be)"
_DONE = (r"(?:delivered|launched|published|completed|achieved|met|introduced|established|implemented|rolled out|"
         r"set up|put in place|went live|gone live|live|in place|fulfilled|exceeded|surpassed)")
_STATUS_RES: list[tuple[str, re.Pattern[str]]] = [
    ("missed", re.compile(rf"\b(?:(?:has|have|had|was|were|is|are)\s+{_NEG}\s+(?:been\s+)?{_DONE}|"
                          rf"(?:was|were|has been|have been)\s+(?:missed|abandoned|dropped|scrapped|cancelled)|"
                          rf"\bmissed\s+(?:the|its|their)\s+(?:target|deadline|milestone)|fell short of|"
                          rf"did not (?:meet|achieve|deliver|reach))\b", re.I)),
    ("off track", re.compile(r"\b(?:off track|behind schedule|behind (?:plan|target|trajectory)|delayed|slipp(?:ed|ing)|"
                             r"at risk of (?:missing|not)|not on track|is unlikely to|are unlikely to|will not be met)\b", re.I)),
    ("met", re.compile(rf"\b(?:(?:has|have|had)\s+(?:now\s+|already\s+|successfully\s+)?been\s+{_DONE}|"
                       rf"(?:was|were)\s+(?:successfully\s+)?(?:delivered|launched|published|completed|achieved|met|introduced|"
                       rf"established|implemented|rolled out|set up)|is now (?:live|in place|available)|are now (?:live|in place|available)|"
                       rf"(?:has|have)\s+(?:now\s+|already\s+)?(?:delivered|launched|published|completed|achieved|met|introduced|"
                       rf"established|implemented|rolled out|exceeded|surpassed))\b", re.I)),
    ("on track", re.compile(r"\b(?:on track|on course|progress (?:has|have) been made|(?:good|significant|steady) progress|"
                            r"making progress|continue(?:s|d)? to make progress|(?:is|are) being (?:rolled out|implemented|"
                            r"delivered)|(?:is|are) under ?way|ahead of (?:schedule|plan|target))\b", re.I)),
]


def evidence_status(sentence: str) -> str | None:
    """What a sentence says about delivery: "met", "missed", "on track", "off track", or None.
    Negated and late forms are checked before the plain ones ("has not been delivered" is missed)."""
    for status, rx in _STATUS_RES:
        if rx.search(sentence):
            return status
    return None


# --- Progress -------------------------------------------------------------------------------

@dataclass
class EvidencePassage:
    """A later passage that bears on an item, cited by the sentence that shares its terms."""

    title: str
    date: str | None
    kind: str
    page: str | None
    paragraph: str | None
    quote: str  # exact characters of the passage
    passage_id: str
    doc_id: str
    path: str | None
    url: str | None
    shared_terms: list[str]
    status: str | None  # what the quoted sentence says about delivery, if anything
    score: float = 0.0

    def cite(self) -> str:
        where = ", ".join(x for x in (self.date or "undated", f"p. {self.page}" if self.page else "",
                                       f"para. {self.paragraph}" if self.paragraph else "") if x)
        return f"{self.title} ({where}): “{self.quote}”"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Progress:
    item: TrackedItem
    since: str | None  # the date the search started from
    evidence: list[EvidencePassage]  # by date, undated last
    status: str  # one of STATUSES, or NO_EVIDENCE
    status_basis: EvidencePassage | None = None  # the passage whose sentence states the status

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item.to_dict(), "since": self.since, "status": self.status,
                "status_basis": self.status_basis.to_dict() if self.status_basis else None,
                "evidence": [e.to_dict() for e in self.evidence]}


def _query(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= MAX_QUERY_CHARS:
        return text
    cut = text[:MAX_QUERY_CHARS]
    return cut[: cut.rfind(" ")] if " " in cut else cut


def _best_sentence(terms: Terms, text: str) -> tuple[int, int, list[str], float] | None:
    from evidence_assistant.core.text import sentence_spans

    best = None
    for a, b in sentence_spans(text):
        words, score = shared(terms, text[a:b])
        if words and (best is None or score > best[3]):
            best = (a, b, words, score)
    return best


def _restates(quote: str, text: str) -> bool:
    from evidence_assistant.tracker.recommendations import _similarity

    return len(quote) >= 0.6 * len(text) and _similarity(quote, text) >= RESTATED


def _later(passage_date: str | None, start: str) -> bool:
    """Dated after the day the search starts from. A passage of the same day belongs with the
    item (the report's own summary, a press notice), not to what happened since; a full date is
    needed for that test, so a passage dated only to a year or month passes."""
    if not passage_date:
        return False
    return len(start) < 10 or len(passage_date) < 10 or passage_date[:10] > start[:10]


def _same_source(item: TrackedItem, passage: Any) -> bool:
    name = Path(passage.path).name if passage.path else ""
    return name == item.source or (bool(item.source_title) and passage.title == item.source_title)


def progress(item: TrackedItem, assistant: Any, *, since: str | None = None, k: int = RETRIEVE_K,
             max_evidence: int = MAX_EVIDENCE) -> Progress:
    """The later passages that bear on ``item``, by date, and the status they support.

    The search starts at ``since`` if given, else at the item's date; an item with neither is an
    error (the index cannot tell earlier passages from later ones without a date). Passages of the
    document that makes the item are left out: it cannot report its own progress."""
    start = since or item.date
    if not start:
        raise EvidenceError(f"{item.label} ({item.source}) has no date, so later evidence cannot be told from earlier; "
                            "give the date it was made (--since YYYY-MM-DD, or a date in its document)")
    retrieval = assistant.retrieve(_query(item.text), filters={"since": start[:10]}, k=k)
    terms = distinctive_terms(item.text, assistant.index.lexical.idf, passages=len(assistant.index.lexical.ids))
    kept: list[EvidencePassage] = []
    seen: set[tuple[str, str]] = set()
    for sp in retrieval.results:
        p = sp.passage
        if _same_source(item, p) or not _later(p.date, start):
            continue
        hit = _best_sentence(terms, p.text)
        if hit is None:
            continue
        a, b, words, score = hit
        quote = p.text[a:b]
        if len(quote.split()) < MIN_QUOTE_WORDS or (p.kind == "response" and _restates(quote, item.text)):
            continue  # a response quoting the recommendation it answers is the reply, not progress on it
        if (p.doc_id, quote) in seen:
            continue
        seen.add((p.doc_id, quote))
        page, para = p.locate(a)
        kept.append(EvidencePassage(title=p.title, date=p.date, kind=p.kind, page=page, paragraph=para, quote=quote,
                                    passage_id=p.passage_id, doc_id=p.doc_id, path=p.path, url=p.url,
                                    shared_terms=words, status=evidence_status(quote) if len(words) >= STATUS_TERMS else None,
                                    score=round(score, 3)))
        if len(kept) >= max_evidence:
            break
    kept.sort(key=lambda e: (e.date is None, e.date or ""))
    stated = [e for e in kept if e.status]
    basis = stated[-1] if stated else None  # the latest statement decides
    return Progress(item=item, since=start[:10], evidence=kept, status=basis.status if basis else NO_EVIDENCE,
                    status_basis=basis)


def progress_many(items: Iterable[TrackedItem], assistant: Any, *, since: str | None = None) -> list[Progress]:
    return [progress(it, assistant, since=since) for it in items]


def items_in_index(assistant: Any, *, registry: bool = True) -> tuple[list[TrackedItem], dict[str, Any], list[str]]:
    """The recommendations of the indexed reports and the registry's commitments; the replies to
    the recommendations (by item key) from the indexed responses; and notes on files that could
    not be read again (a report moved since it was indexed)."""
    from evidence_assistant.tracker.recommendations import extract_recommendations, load_document, match_response

    notes: list[str] = []
    reports, responses = [], []
    for d in assistant.index.manifest.documents():
        if d.kind not in ("report", "response"):
            continue
        paths = [p for p in (assistant.index.manifest.paths_of(d.doc_id) or [d.path]) if Path(p).is_file()]
        if not paths:
            notes.append(f"{d.title}: its file is no longer at {d.path}; re-index it to track its recommendations")
            continue
        try:
            loaded = load_document(paths[0])
        except EvidenceError as exc:
            notes.append(str(exc))
            continue
        (reports if d.kind == "report" else responses).append((loaded, d))
    items: list[TrackedItem] = []
    replies: dict[str, Any] = {}
    for rep, rec_doc in reports:
        recs = extract_recommendations(rep)
        items += [item_from_recommendation(r) for r in recs]
        best = None
        for resp, resp_doc in responses:
            a = match_response(rep, resp, recs)
            hits = sum(m.status == "matched" for m in a.matches)
            if hits and (best is None or hits > best[0]):
                best = (hits, a, resp_doc)
        if best:
            _, a, resp_doc = best
            for m in a.matches:
                replies[f"{m.recommendation.report}#{m.recommendation.number}"] = {
                    "analysis": a, "match": m, "indexed_at": resp_doc.added_at, "response_doc_id": resp_doc.doc_id}
    if registry and getattr(assistant, "registry", None) is not None:
        items += [item_from_registry(c) for c in assistant.registry.commitments]
    return items, replies, notes


def sort_key(item: TrackedItem) -> tuple[Any, ...]:
    n = re.match(r"\d+", item.key.rsplit("#", 1)[-1]) if "#" in item.key else None
    return (item.kind != "recommendation", item.source, int(n.group()) if n else 0, item.key)


# --- The tracker's rows ---------------------------------------------------------------------

@dataclass
class TrackerRow:
    """One recommendation with the reply to it and its progress, as the table and exports show it."""

    item: TrackedItem
    number: str
    stance: str  # the reply's stance, "not matched" or "no response indexed"
    reply_note: str | None  # why a reply was not matched, or states no position
    decisive: Any  # recommendations.Citation of the sentence that decides the stance, or None
    response_title: str | None
    response_date: str | None
    progress: Progress

    @property
    def status(self) -> str:
        return self.progress.status

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item.to_dict(), "number": self.number, "stance": self.stance, "reply_note": self.reply_note,
                "decisive": asdict(self.decisive) if self.decisive is not None else None,
                "response_title": self.response_title, "response_date": self.response_date,
                "progress": self.progress.to_dict()}


def tracker_rows(assistant: Any) -> tuple[list[TrackerRow], list[str]]:
    """Every recommendation of the indexed reports, with its reply and progress; and notes on
    reports that could not be read or items that could not be searched."""
    items, replies, notes = items_in_index(assistant, registry=False)
    rows: list[TrackerRow] = []
    for it in sorted(items, key=sort_key):
        rep = replies.get(it.key)
        m = rep["match"] if rep else None
        if m is None:
            stance, note, decisive = "no response indexed", None, None
        elif m.status != "matched":
            stance, note, decisive = "not matched", m.reason, None
        else:
            stance, note, decisive = m.stance or "not addressed", m.reason, m.decisive
        try:
            pr = progress(it, assistant)
        except EvidenceError as exc:
            notes.append(str(exc))
            pr = Progress(item=it, since=None, evidence=[], status=NO_EVIDENCE)
        rows.append(TrackerRow(item=it, number=it.key.rsplit("#", 1)[-1], stance=stance, reply_note=note, decisive=decisive,
                               response_title=rep["analysis"].response_title if rep else None,
                               response_date=rep["analysis"].response_date if rep else None, progress=pr))
    return rows, notes


# --- What changed ---------------------------------------------------------------------------

def _on_or_after(value: str | None, since: str) -> bool:
    """A date (YYYY, YYYY-MM or YYYY-MM-DD, or an ISO time) on or after the day ``since``. A date
    known only to the year or month counts from its first day: "2024" is after 2023-06-01, but
    not after 2024-03-01, as it may be earlier."""
    if not value:
        return False
    v = value[:10]
    if len(v) == 4:
        v += "-01-01"
    elif len(v) == 7:
        v += "-01"
    return v >= since


def digest(assistant: Any, since: str, *, registry: bool = True,
           doc_ids: Collection[str] | None = None) -> dict[str, Any]:
    """The recommendations and commitments that gained evidence or a response on or after
    ``since``: from documents dated, or indexed, on or after that day. Each entry cites the new
    passages (and the sentence of a new reply that decides its stance).

    ``doc_ids`` narrows "new" to those documents (an ingest run asks what the documents it just
    added brought): evidence from other documents, and replies in other responses, are left out."""
    from evidence_assistant.answering.retrieve import _check_date

    since = _check_date("since", since) or ""
    if len(since) < 10:
        since = (since + "-01-01")[:10] if len(since) == 4 else since + "-01"
    items, replies, notes = items_in_index(assistant, registry=registry)
    added = {d.doc_id: d.added_at for d in assistant.index.manifest.documents()}
    entries: list[dict[str, Any]] = []
    for it in sorted(items, key=sort_key):
        start = it.date if it.date and it.date[:10] <= since else since
        try:
            pr = progress(it, assistant, since=start)
        except EvidenceError as exc:
            notes.append(str(exc))
            continue
        new = [e for e in pr.evidence if _on_or_after(e.date, since) or (added.get(e.doc_id) or "")[:10] >= since]
        if doc_ids is not None:
            new = [e for e in new if e.doc_id in doc_ids]
        reply = None
        rep = replies.get(it.key)
        if rep and rep["match"].status == "matched" and (doc_ids is None or rep["response_doc_id"] in doc_ids):
            a = rep["analysis"]
            if _on_or_after(a.response_date, since) or (rep["indexed_at"] or "")[:10] >= since:
                m = rep["match"]
                reply = {"response": a.response, "response_title": a.response_title, "response_date": a.response_date,
                         "stance": m.stance, "decisive": asdict(m.decisive) if m.decisive else None}
        if not new and reply is None:
            continue
        basis = [e for e in new if e.status]
        entries.append({"item": it.to_dict(), "new_evidence": [e.to_dict() for e in new], "new_response": reply,
                        "status": basis[-1].status if basis else pr.status,
                        "status_basis": basis[-1].to_dict() if basis else (pr.status_basis.to_dict() if pr.status_basis else None)})
    return {"since": since, "items": entries, "notes": notes}
