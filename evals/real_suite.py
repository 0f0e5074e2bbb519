"""The real-document suite: questions a committee clerk or researcher would ask of real UK health
policy documents (``../shared/data/uk-health-policy``: reports, plans, guidelines, standards and
web pages as published, in PDF, Word, HTML, Markdown and JSON), cases in evals/cases/real.jsonl.

The cases are run and scored the way the sample suite runs and scores its own (evals/sample_suite.py
does the parsing, the answering and the arithmetic; this module supplies what differs):

- a supporting entry names a document by its path under uk-health-policy and a quote of a few
  words from it; a passage supports the case when it comes from that document and holds the
  quote (compared as lower-case letters and digits, so that line breaks, hyphens and quote marks
  do not matter). A page label, when given, is a hint for people, not a condition;
- two measures of how an answer reads: whether a correct answer's first sentence already holds
  a key fact, and whether an answer says the same thing twice.

Settings are chosen on the dev split only; the test split is reported beside it, never tuned on.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from evidence_assistant.core.settings import Settings
from evidence_assistant.core.types import Passage

from . import metrics
from . import sample_suite as base
from .cache import ensure_index
from .data import DataMissing, require, shared_data

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "evals" / "cases" / "real.jsonl"
TYPES = ("definition", "number", "date", "who", "list", "multi_part", "table", "multi_doc", "yes_no",
         "unanswerable", "false_premise")
SPLITS = base.SPLITS
NEAR_DUPLICATE = 0.8  # two answer sentences sharing this much of their words say the same thing


# The data folder's own note of where each document came from: written by whoever gathered the
# documents, it is no part of the public record the questions are asked of, and indexing it let
# answers cite a catalogue line ("… report (NHSX, Oct 2019) | 55") as if it were the report.
PROVENANCE = "SOURCES.md"


def corpus_dir() -> Path:
    """The uk-health-policy folder (under $EVIDENCE_SHARED_DATA, else ../shared/data)."""
    return require(shared_data() / "uk-health-policy", "The UK health policy documents (uk-health-policy/)")


def corpus_paths(folder: Path) -> list[Path]:
    """What is indexed: everything in ``folder`` but its provenance note."""
    return sorted(p for p in folder.iterdir() if p.name != PROVENANCE and not p.name.startswith("."))


def case_files() -> list[Path]:
    """evals/cases/real.jsonl."""
    if not CASES.is_file():
        raise DataMissing(f"no real-suite cases: {CASES} is missing")
    return [CASES]


# --------------------------------------------------------------------------- quotes


def norm_quote(text: str) -> str:
    """Lower-case letters and digits separated by single spaces: how quotes are compared with
    passages (and how the case authors checked them against the loader's text)."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


@dataclass(frozen=True)
class QuoteRef:
    """A supporting entry: a document (path under uk-health-policy) and a quote from it; page and
    section are where a person would look, not conditions of a match."""

    doc: str
    quote: str
    page: str | None = None
    section: str | None = None

    def label(self) -> str:
        where = f", p. {self.page}" if self.page else ""
        return f"{self.doc}{where}: \u201c{self.quote}\u201d"


def same_document(doc: str, path: str | None) -> bool:
    """Whether an indexed passage's source ``path`` is the document ``doc`` names (a path
    relative to the corpus folder, matched on whole path components)."""
    if not path:
        return False
    p = "/" + str(path).replace("\\", "/").strip("/")
    return p.endswith("/" + doc.replace("\\", "/").strip("/"))


def quote_matches(ref: QuoteRef, passage: Passage) -> bool:
    """A passage supports ``ref`` when it is from that document and holds the whole quote (on
    word boundaries: "no plan" is not in "no planning")."""
    q = norm_quote(ref.quote)
    return bool(q) and same_document(ref.doc, passage.path) and f" {q} " in f" {norm_quote(passage.text)} "


# --------------------------------------------------------------------------- index


def build_index(settings: Settings, *, root: Path | None = None, log: Callable[[str], None] | None = None) -> Path:
    """The index of every document in uk-health-policy, built once per corpus, model and chunking
    (evals/cache.py) and reused by every configuration and run after."""
    from evidence_assistant import ingest

    folder = corpus_dir()

    def build(s: Settings):
        report = ingest(corpus_paths(folder), settings=s)
        if log and report.skipped:
            log("uk-health-policy files not indexed: " + "; ".join(f"{x.path}: {x.reason}" for x in report.skipped))
        if not report.indexed:
            raise RuntimeError(f"no document of {folder} could be indexed")
        return report

    return ensure_index("real", settings, base.corpus_id(folder, "uk-health-policy", leave_out={PROVENANCE}), build, root=root, log=log)


# --------------------------------------------------------------------------- cases


def _quote_ref(d: Any, where: str) -> QuoteRef:
    if not isinstance(d, dict) or not isinstance(d.get("doc"), str) or not d["doc"].strip():
        raise ValueError(f"{where}: a supporting entry needs 'doc' (a path under uk-health-policy), got {d!r}")
    quote = d.get("quote")
    if not isinstance(quote, str) or len(norm_quote(quote).split()) < 3:
        raise ValueError(f"{where}: supporting entry for {d['doc']!r} needs a 'quote' of at least 3 words "
                         f"copied from the document, got {quote!r}")
    page = d.get("page")
    return QuoteRef(d["doc"].strip(), quote, str(page) if page not in (None, "") else None, d.get("section"))


def _default_mode(raw: dict[str, Any]) -> str:
    # A question that needs two documents needs a passage from each; any other case is
    # supported by any one of its entries.
    return "all" if raw.get("type") == "multi_doc" else "any"


def parse_case(raw: dict[str, Any], where: str = "case") -> base.Case:
    """One real-suite case (see /work/notes/real_suite_schema.md's format, summarised in
    evals/README.md), checked; an error names the case and the field."""
    case = base.parse_case(raw, where, types=TYPES, make_ref=_quote_ref, default_mode=_default_mode)
    label = f"{where} {case.id}"
    if case.type == "false_premise" and (case.answerable or not case.correction):
        raise ValueError(f"{label}: a false premise is not answerable and needs 'correction' (the true facts)")
    if case.type == "unanswerable" and (case.answerable or case.key_facts):
        raise ValueError(f"{label}: an unanswerable case has answerable false and no key facts")
    if case.answerable and case.type in ("unanswerable", "false_premise"):
        raise ValueError(f"{label}: type {case.type} cannot be answerable")
    return case


def load_cases(paths: Sequence[Path] | Path | None = None) -> list[base.Case]:
    """The cases of ``paths`` (default: evals/cases/real.jsonl, or its part files), in id order."""
    files = [Path(paths)] if isinstance(paths, (str, Path)) else list(paths or case_files())
    cases: list[base.Case] = []
    seen: dict[str, str] = {}
    for f in files:
        for c in base.load_cases(f, parse=parse_case):
            if c.id in seen:
                raise ValueError(f"{f.name}: case id {c.id!r} is also in {seen[c.id]}")
            seen[c.id] = f.name
            cases.append(c)
    return sorted(cases, key=lambda c: c.id)


def ci_subset(cases: Sequence[base.Case], n: int = 40) -> list[base.Case]:
    """A fixed, mixed subset for the CI gate: the cases in id order, taken one type at a time
    in turn (definition, number, date, …) until ``n`` are chosen."""
    queues = {t: [c for c in sorted(cases, key=lambda c: c.id) if c.type == t] for t in TYPES}
    out: list[base.Case] = []
    while len(out) < n and any(queues.values()):
        for t in TYPES:
            if queues[t] and len(out) < n:
                out.append(queues[t].pop(0))
    return sorted(out, key=lambda c: c.id)


# --------------------------------------------------------------------------- supporting passages


def _words_run(quote_words: list[str], text_norm: str, length: int) -> bool:
    """Whether ``text_norm`` holds ``length`` consecutive words of the quote."""
    padded = f" {text_norm} "
    return any(f" {' '.join(quote_words[i:i + length])} " in padded for i in range(len(quote_words) - length + 1))


def resolve(case: base.Case, passages: Sequence[Passage]) -> list[set[str]]:
    """For each requirement group, the ids of the indexed passages that hold one of its quotes.
    A quote that the chunker cut in two (no passage holds all of it) is held by the passages
    that hold at least half of it, in one run of words."""
    groups: list[set[str]] = []
    norm_cache: dict[str, str] = {}

    def text(p: Passage) -> str:
        if p.passage_id not in norm_cache:
            norm_cache[p.passage_id] = norm_quote(p.text)
        return norm_cache[p.passage_id]

    for group in case.supporting:
        found: set[str] = set()
        for ref in group:
            docs = [p for p in passages if same_document(ref.doc, p.path)]
            q = norm_quote(ref.quote)
            whole = {p.passage_id for p in docs if quote_matches(ref, p)}
            if not whole:
                words = q.split()
                need = max(3, (len(words) + 1) // 2)
                whole = {p.passage_id for p in docs if _words_run(words, text(p), need)}
            found |= whole
        groups.append(found)
    return groups


def unresolved(cases: Sequence[base.Case], passages: Sequence[Passage]) -> list[str]:
    """Supporting entries no indexed passage holds (a wrong path, or a quote the loader reads
    otherwise): such a case can never score on retrieval, so the report names them."""
    out = []
    for c in cases:
        for group, ids in zip(c.supporting, resolve(c, passages)):
            if not ids:
                out.append(f"{c.id}: " + " | ".join(r.label() for r in group))
    return out


# --------------------------------------------------------------------------- how an answer reads


def answer_sentences(answer: Any) -> list[str]:
    """The answer's sentences as a reader sees them, without [n] markers."""
    return [metrics.strip_markers(s.text) for s in getattr(answer, "sentences", []) if s.text.strip()]


def first_sentence_holds_fact(sentences: Sequence[str], key_facts: Sequence[Any]) -> bool:
    """Whether the first sentence states at least one key fact (the answer leads with it)."""
    return bool(sentences) and any(metrics.fact_present(sentences[0], f) for f in key_facts)


def _tokens(sentence: str) -> set[str]:
    return set(norm_quote(sentence).split())


def _cell_values(sentence: str) -> str:
    """A table row as the answer gives it ("Caption: Header: value; Header: value", or, for a
    table whose cells carry no headers, "Caption: value | value | value") read as its cells'
    values only: every row of a table repeats its caption and headers, so two rows are the same
    only when their values are. Any other sentence as it is."""
    cells = sentence.split(" | ")
    if len(cells) >= 3:
        cells[0] = cells[0].rsplit(": ", 1)[-1]
        return " ".join(cells)
    cells = sentence.split("; ")
    if len(cells) < 2 or not all(": " in c for c in cells):
        return sentence
    return " ".join(c.rsplit(": ", 1)[1] for c in cells)


def near_duplicates(a: str, b: str, threshold: float = NEAR_DUPLICATE) -> bool:
    """Two sentences say the same thing: the shorter one's words (at least four) are, for the
    most part (``threshold``), words of the longer one. Two rows of a table are compared by
    their cells' values (``_cell_values``)."""
    if _cell_values(a) is not a and _cell_values(b) is not b:
        a, b = _cell_values(a), _cell_values(b)
    ta, tb = _tokens(a), _tokens(b)
    small = min(len(ta), len(tb))
    return small >= 4 and len(ta & tb) / small >= threshold


def repeated_facts(sentences: Sequence[str], key_facts: Sequence[Any]) -> list[str]:
    """What the answer says twice: a key fact stated in two sentences, or two sentences that are
    near-duplicates. Empty when nothing is repeated."""
    found: list[str] = []
    for f in key_facts:
        holding = [i for i, s in enumerate(sentences) if metrics.fact_present(s, f)]
        if len(holding) > 1:
            found.append(f"key fact {json.dumps(f, ensure_ascii=False)} in sentences {', '.join(str(i + 1) for i in holding)}")
    for i in range(len(sentences)):
        for j in range(i + 1, len(sentences)):
            if near_duplicates(sentences[i], sentences[j]):
                found.append(f"sentences {i + 1} and {j + 1} are near-duplicates")
    return found


def annotate(rec: dict[str, Any], case: base.Case, relevant: list[set[str]]) -> None:
    """The real suite's own fields on a case's record."""
    ans = rec.get("_answer")
    sentences = answer_sentences(ans) if ans is not None and not rec["declined"] else []
    facts = case.key_facts if case.answerable else []
    rec["unresolved_support"] = [i for i, ids in enumerate(relevant) if not ids]
    if case.answerable and rec.get("correct"):
        rec["first_sentence_key_fact"] = first_sentence_holds_fact(sentences, facts)
    if sentences:
        rec["repeats"] = repeated_facts(sentences, facts)
        rec["repeated_fact"] = bool(rec["repeats"])


def cited_supporting(answer: Any, case: base.Case, relevant: list[set[str]]) -> bool:
    ids = set().union(*relevant) if relevant else set()
    return any(c.passage_id in ids for c in answer.citations)


def aggregate(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The sample suite's metrics, and how answers read: first sentence holds a key fact (among
    correct answers), answers that repeat a fact (count and share of answers given)."""
    recs = list(records)
    m = base.aggregate(recs, types=TYPES)
    correct = [r for r in recs if "first_sentence_key_fact" in r]
    given = [r for r in recs if "repeated_fact" in r]
    m["first_sentence_key_fact"] = metrics.mean(float(r["first_sentence_key_fact"]) for r in correct)
    m["repeated_fact"] = sum(r["repeated_fact"] for r in given)
    m["repeated_fact_share"] = metrics.mean(float(r["repeated_fact"]) for r in given)
    m["answers_given"] = len(given)
    m["unresolved_support"] = sum(bool(r.get("unresolved_support")) for r in recs)
    return m


def run(settings: Settings, *, cases: list[base.Case] | None = None, index_dir: Path | None = None,
        limit: int | None = None, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Run the real cases against the index at ``index_dir`` (built when not given) with
    ``settings``; returns {"metrics": {"all":…, "dev":…, "test":…}, "cases": [...], "seconds": …}."""
    cases = cases if cases is not None else load_cases()
    if limit:
        cases = cases[:limit]
    index_dir = index_dir or build_index(settings)
    relevant_of: dict[str, list[set[str]]] = {}

    def resolve_and_keep(case: base.Case, passages: Sequence[Passage]) -> list[set[str]]:
        relevant_of[case.id] = resolve(case, passages)
        return relevant_of[case.id]

    t0 = time.perf_counter()
    records = base.run_records(settings, cases, index_dir, resolve=resolve_and_keep,
                               cited=lambda ans, case: cited_supporting(ans, case, relevant_of[case.id]),
                               annotate=annotate, progress=progress)
    result = base.by_split(records, aggregate)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    by_id = {c.id: c for c in cases}
    result["unresolved_support"] = [f"{r['id']}: " + " | ".join(ref.label() for ref in by_id[r["id"]].supporting[i])
                                    for r in records for i in r.get("unresolved_support", [])]
    return result


def failures(records: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The sample suite's causes, and answers that repeat themselves."""
    recs = list(records)
    out = base.failures(recs)
    for r in recs:
        if r.get("repeated_fact"):
            out.setdefault("said the same thing twice", []).append(
                {"id": r["id"], "question": r["question"], "detail": "; ".join(r["repeats"][:2])})
    return out
