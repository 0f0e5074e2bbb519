"""The sample suite: the project's own cases (evals/cases/sample.jsonl) over corpus/sample.

Every case goes through ``Assistant.ask`` exactly as a person's question would (earlier turns of
a follow-up first, their answers passed as history), then is scored on what a user sees: the
key facts in the text, each sentence's citations (ALCE recall and precision, judged by the
project's checker and by exact quotation), whether it declined what it should, whether it
refused a false premise; and retrieval against the supporting passages the case names.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Collection, Iterable, Sequence

from evidence_assistant import Answer
from evidence_assistant.core.settings import Settings
from evidence_assistant.core.types import Passage

from . import metrics
from .cache import ensure_index

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "evals" / "cases" / "sample.jsonl"
CORPUS = REPO / "corpus" / "sample"
TYPES = ("date", "number", "who", "fact", "commitment", "multi_doc", "follow_up", "false_premise", "unanswerable")
SPLITS = ("dev", "test")
_PREMISE_FLAG = re.compile(r"assumes something the documents do not support|premise", re.I)


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Ref:
    """A supporting passage as a case names it: a document (file name in corpus/sample) and a
    paragraph number and/or page label."""

    doc: str
    paragraph: str | None = None
    page: str | None = None

    def label(self) -> str:
        loc = ", ".join(x for x in (f"p. {self.page}" if self.page else "",
                                    f"para. {self.paragraph}" if self.paragraph else "") if x)
        return f"{self.doc} ({loc})" if loc else self.doc


@dataclass
class Case:
    id: str
    split: str
    type: str
    turns: list[str]
    answerable: bool
    key_facts: list[Any]
    supporting: list[list[Any]]  # requirement groups; each a list of alternative refs (Ref here)
    support_mode: str = "any"  # "any": one group is enough; "all": every group is needed
    correction: list[Any] = field(default_factory=list)
    notes: str | None = None

    @property
    def question(self) -> str:
        return self.turns[-1]

    @property
    def all_refs(self) -> list[Any]:
        return [r for g in self.supporting for r in g]


def _ref(d: dict[str, Any], where: str) -> Ref:
    if not isinstance(d, dict) or "doc" not in d or not ({"paragraph", "page"} & set(d)):
        raise ValueError(f"{where}: a supporting passage needs 'doc' and 'paragraph' or 'page', got {d!r}")
    return Ref(str(d["doc"]), str(d["paragraph"]) if d.get("paragraph") is not None else None,
               str(d["page"]) if d.get("page") is not None else None)


def parse_case(raw: dict[str, Any], where: str = "case", *, types: Sequence[str] = TYPES,
               make_ref: Callable[[dict[str, Any], str], Any] = _ref,
               default_mode: Callable[[dict[str, Any]], str] = lambda raw: "any") -> Case:
    """One case from its JSON object, checked; an error names the case and the field. Another
    suite passes its own case types, its own reading of a supporting entry (``make_ref``) and
    the support mode a case has when it names none."""
    where = f"{where} {raw.get('id', '?')}"
    for key in ("id", "split", "type", "answerable", "key_facts", "supporting"):
        if key not in raw:
            raise ValueError(f"{where}: missing field {key!r}")
    if ("question" in raw) == ("turns" in raw):
        raise ValueError(f"{where}: give exactly one of 'question' or 'turns'")
    turns = [raw["question"]] if "question" in raw else list(raw["turns"])
    if not turns or not all(isinstance(t, str) and t.strip() for t in turns):
        raise ValueError(f"{where}: empty question")
    if raw["split"] not in SPLITS:
        raise ValueError(f"{where}: split must be one of {SPLITS}, got {raw['split']!r}")
    if raw["type"] not in types:
        raise ValueError(f"{where}: type must be one of {tuple(types)}, got {raw['type']!r}")
    if not isinstance(raw["answerable"], bool):
        raise ValueError(f"{where}: 'answerable' must be true or false, got {raw['answerable']!r}")
    for key in ("key_facts", "supporting"):
        if not isinstance(raw[key], list):
            raise ValueError(f"{where}: {key!r} must be a list, got {type(raw[key]).__name__}")
    mode = raw.get("support_mode", default_mode(raw))
    if mode not in ("any", "all"):
        raise ValueError(f"{where}: support_mode must be 'any' or 'all'")
    groups: list[list[Any]] = []
    for item in raw["supporting"]:
        group = item if isinstance(item, list) else [item]
        groups.append([make_ref(x, where) for x in group])
    if raw["answerable"] and (not raw["key_facts"] or not groups):
        raise ValueError(f"{where}: an answerable case needs key facts and supporting passages")
    for f in list(raw["key_facts"]) + list(raw.get("correction", [])):
        try:
            metrics.fact_present("", f)  # raises on a malformed fact
        except ValueError as exc:
            raise ValueError(f"{where}: key fact {f!r}: {exc}") from None
    return Case(id=str(raw["id"]), split=raw["split"], type=raw["type"], turns=turns,
                answerable=bool(raw["answerable"]), key_facts=list(raw["key_facts"]), supporting=groups,
                support_mode=mode, correction=list(raw.get("correction", [])), notes=raw.get("notes"))


def load_cases(path: Path = CASES, parse: Callable[..., Case] = parse_case) -> list[Case]:
    """Every case of a JSON-lines file, parsed by ``parse``; errors name the file and line."""
    path = Path(path)
    cases: list[Case] = []
    seen: set[str] = set()
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path.name} line {i}: not JSON ({exc})") from None
        if not isinstance(raw, dict):
            raise ValueError(f"{path.name} line {i}: a case is a JSON object, got {type(raw).__name__}")
        c = parse(raw, f"{path.name} line {i}:")
        if c.id in seen:
            raise ValueError(f"{path.name} line {i}: duplicate id {c.id!r}")
        seen.add(c.id)
        cases.append(c)
    return cases


# --------------------------------------------------------------------------- index


def corpus_id(folder: Path = CORPUS, name: str = "sample", leave_out: Collection[str] = ()) -> str:
    """Names and bytes of every file (but those whose path under ``folder`` is in ``leave_out``):
    a changed document means a new index."""
    h = hashlib.sha256()
    for f in sorted(p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).as_posix() not in leave_out):
        h.update(f.relative_to(folder).as_posix().encode())
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return f"{name}:" + h.hexdigest()[:16]


def build_index(settings: Settings, *, root: Path | None = None, log: Callable[[str], None] | None = None) -> Path:
    from evidence_assistant import ingest

    def build(s: Settings):
        report = ingest([CORPUS], settings=s)
        if report.skipped:
            raise RuntimeError("sample corpus files were skipped: " +
                               "; ".join(f"{x.path}: {x.reason}" for x in report.skipped))
        return report

    return ensure_index("sample", settings, corpus_id(), build, root=root, log=log)


def ref_matches(ref: Ref, passage: Passage) -> bool:
    """Whether ``passage`` holds the paragraph/page ``ref`` names, by the chunker's per-block
    locators (segments), so a passage spanning paragraphs 3–5 holds paragraph 4 and no other."""
    name = re.split(r"[\\/]", passage.path or "")[-1]
    if name != ref.doc:
        return False
    segments = passage.segments or ((0, passage.page_start, passage.paragraph_start),)
    for _, page, para in segments:
        if ref.paragraph is not None and (para is None or str(para) != ref.paragraph):
            continue
        if ref.page is not None and (page is None or str(page) != ref.page):
            continue
        return True
    return False


def resolve(case: Case, passages: Sequence[Passage]) -> list[set[str]]:
    """For each requirement group, the ids of the indexed passages that satisfy it."""
    return [{p.passage_id for p in passages if any(ref_matches(r, p) for r in g)} for g in case.supporting]


# --------------------------------------------------------------------------- scoring


def retrieval_scores(ranked: list[str], groups: list[set[str]], mode: str) -> dict[str, float]:
    """Recall@k counts requirement groups found (all of them for "all" cases; one is enough for
    "any" cases); MRR and nDCG count passages that satisfy any group."""
    relevant = set().union(*groups) if groups else set()
    out: dict[str, float] = {}
    for k in (1, 3, 5, 10):
        found = [bool(g & set(ranked[:k])) for g in groups]
        out[f"recall@{k}"] = (sum(found) / len(found) if mode == "all" else float(any(found))) if found else 0.0
    out["mrr@10"] = metrics.reciprocal_rank(ranked, relevant, 10)
    out["ndcg@10"] = metrics.ndcg_at_k(ranked, relevant, 10)
    return out


def citation_judgements(answer: Answer, min_support: float, passage_text: Callable[[str], str]
                        ) -> tuple[metrics.CitationScores, metrics.CitationScores]:
    """ALCE scores of one answer, judged (a) by the checker's support scores and (b) by exact
    quotation of the sentence in the cited passage."""
    checker, exact = [], []
    for i, s in enumerate(answer.sentences):
        cites = [c for c in answer.citations if c.sentence == i]
        scores: dict[int, float] = {}
        texts: dict[int, str] = {}
        for c in cites:
            scores[c.n] = max(scores.get(c.n, 0.0), c.support)
            texts[c.n] = passage_text(c.passage_id)
        ns = tuple(dict.fromkeys(s.citations))
        full = frozenset(ns)
        by_score = metrics.threshold_judge(scores, min_support)

        def judge(subset: frozenset[int], _full=full, _s=s, _by=by_score) -> bool:
            # For the whole set, the checker's own verdict (it also fails a sentence whose
            # quotation the passage lacks); for parts of it, the per-citation scores.
            return _s.supported if subset == _full else _by(subset)

        checker.append(metrics.JudgedSentence(ns, judge))
        exact.append(metrics.JudgedSentence(ns, metrics.verbatim_judge(s.text, texts)))
    return metrics.alce_citation_scores(checker), metrics.alce_citation_scores(exact)


def cited_supporting(answer: Answer, case: Case) -> bool:
    """Whether a citation points at a passage the case names (document and paragraph/page)."""
    for c in answer.citations:
        name = re.split(r"[\\/]", c.path or "")[-1]
        for r in case.all_refs:
            if name == r.doc and (r.paragraph is None or r.paragraph == c.paragraph) \
                    and (r.page is None or r.page == c.page):
                return True
    return False


def premise_handled(answer: Answer, case: Case) -> tuple[bool, bool]:
    """(strict, lenient): strict = the answer declines or says the premise is unsupported;
    lenient also accepts an answer that states the facts correcting the premise."""
    strict = answer.verdict in ("premise_rejected", "no_answer") or bool(_PREMISE_FLAG.search(answer.text))
    lenient = strict or bool(case.correction and metrics.key_fact_scores(answer.text, case.correction)[0])
    return strict, lenient


def run_case(assistant: Any, case: Case, relevant: list[set[str]], passage_text: Callable[[str], str],
             cited: Callable[[Answer, Case], bool] = cited_supporting) -> dict[str, Any]:
    """Ask the case's question(s) and score what came back; ``cited`` says whether the answer
    cites a supporting passage (this suite reads the citation's paragraph and page)."""
    history: list[Answer] = []
    for turn in case.turns[:-1]:
        history.append(assistant.ask(turn, history=list(history)))
    t = time.perf_counter()
    ans = assistant.ask(case.question, history=list(history))
    latency = time.perf_counter() - t
    declined = ans.verdict == "no_answer"
    correct, share, missing = metrics.key_fact_scores(ans.text, case.key_facts) if case.key_facts else (False, 0.0, [])
    rec: dict[str, Any] = {
        "id": case.id, "split": case.split, "type": case.type, "question": case.question,
        "standalone_question": ans.standalone_question, "answerable": case.answerable,
        "verdict": ans.verdict, "declined": declined, "text": ans.text, "latency_s": latency,
        "signals": dict(ans.signals),
        "citations": [{"n": c.n, "doc": re.split(r"[\\/]", c.path or "")[-1], "page": c.page, "paragraph": c.paragraph,
                       "support": c.support, "exact": c.exact, "sentence": c.sentence} for c in ans.citations],
        "problems": [p for s in ans.sentences for p in s.problems],
    }
    if case.answerable:
        rec.update(correct=bool(correct and not declined), key_fact_share=share if not declined else 0.0,
                   missing_facts=missing, cited_supporting=cited(ans, case))
        # Retrieval as the answerer saw it: the product's search for the question it answered.
        ranked = [sp.passage.passage_id for sp in assistant.retriever.search(ans.standalone_question, k=10).results]
        rec["retrieval"] = retrieval_scores(ranked, relevant, case.support_mode)
    if case.type == "false_premise":
        strict, lenient = premise_handled(ans, case)
        rec.update(premise_handled=strict, premise_handled_lenient=lenient)
    if ans.sentences:
        by_checker, by_exact = citation_judgements(ans, assistant.settings.answering.min_support, passage_text)
        rec["citation_checker"] = {"recall": by_checker.recall, "precision": by_checker.precision,
                                   "sentences": by_checker.sentences, "citations": by_checker.citations}
        rec["citation_exact"] = {"recall": by_exact.recall, "precision": by_exact.precision,
                                 "sentences": by_exact.sentences, "citations": by_exact.citations}
    rec["_answer"] = ans  # kept in memory for property tests; dropped before writing JSON
    return rec


def aggregate(records: Iterable[dict[str, Any]], types: Sequence[str] = TYPES) -> dict[str, Any]:
    """The suite's metrics over ``records`` (one split, or all); ``types`` orders the
    correctness-by-type table."""
    recs = list(records)
    answerable = [r for r in recs if r["answerable"]]
    unanswerable = [r for r in recs if r["type"] == "unanswerable"]
    premise = [r for r in recs if r["type"] == "false_premise"]
    decidable = answerable + unanswerable  # false premises are scored on their own
    answered = [r for r in decidable if not r["declined"]]
    with_sentences = [r for r in recs if "citation_checker" in r]
    refusal = metrics.refusal_scores((not r["answerable"], r["declined"]) for r in decidable)
    m: dict[str, Any] = {
        "cases": len(recs),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "false_premise": len(premise),
        "answer_correctness": metrics.mean(float(r["correct"]) for r in answerable),
        "key_fact_recall": metrics.mean(r["key_fact_share"] for r in answerable),
        "answered_rate": metrics.mean(float(not r["declined"]) for r in answerable),
        # PaperQA2: precision is correct among answered, accuracy correct among all asked.
        "answer_precision": (sum(r.get("correct", False) for r in answered) / len(answered)) if answered else None,
        "answer_accuracy": (sum(r.get("correct", False) for r in decidable) / len(decidable)) if decidable else None,
        "cited_supporting": metrics.mean(float(r["cited_supporting"]) for r in answerable if not r["declined"]),
        "citation_recall_checker": metrics.mean(r["citation_checker"]["recall"] for r in with_sentences),
        "citation_precision_checker": metrics.mean(r["citation_checker"]["precision"] for r in with_sentences),
        "citation_recall_exact": metrics.mean(r["citation_exact"]["recall"] for r in with_sentences),
        "citation_precision_exact": metrics.mean(r["citation_exact"]["precision"] for r in with_sentences),
        "refusal_precision": refusal.precision,
        "refusal_recall": refusal.recall,
        "false_premise_handled": metrics.mean(float(r["premise_handled"]) for r in premise),
        "false_premise_handled_lenient": metrics.mean(float(r["premise_handled_lenient"]) for r in premise),
        "false_premise_accepted": sum(not r["premise_handled"] for r in premise),
        "latency_p50_s": metrics.percentile([r["latency_s"] for r in recs], 50) if recs else None,
        "latency_p95_s": metrics.percentile([r["latency_s"] for r in recs], 95) if recs else None,
    }
    for key in ("recall@1", "recall@3", "recall@5", "recall@10", "mrr@10", "ndcg@10"):
        m[f"retrieval_{key}"] = metrics.mean(r["retrieval"][key] for r in answerable if "retrieval" in r)
    m["correctness_by_type"] = {t: metrics.mean(float(r["correct"]) for r in answerable if r["type"] == t)
                                for t in types if any(r["type"] == t for r in answerable)}
    return m


def run(settings: Settings, *, cases: list[Case] | None = None, index_dir: Path | None = None,
        limit: int | None = None, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Run the sample cases against the index at ``index_dir`` (built when not given) with
    ``settings``; returns {"metrics": {"all":…, "dev":…, "test":…}, "cases": [...]}."""
    cases = cases if cases is not None else load_cases()
    if limit:
        cases = cases[:limit]
    index_dir = index_dir or build_index(settings)
    records = run_records(settings, cases, index_dir, resolve=resolve, progress=progress)
    return by_split(records, aggregate)


def run_records(settings: Settings, cases: Sequence[Case], index_dir: Path, *,
                resolve: Callable[[Case, Sequence[Passage]], list[set[str]]],
                cited: Callable[[Answer, Case], bool] | None = None,
                annotate: Callable[[dict[str, Any], Case, list[set[str]]], None] | None = None,
                progress: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """Every case through ``Assistant.ask`` on the index at ``index_dir``: one record each.
    ``resolve`` finds the indexed passages that support a case (one set per requirement group),
    ``cited`` says whether an answer cites one (by default: the sample suite's reading of
    paragraph and page), ``annotate`` adds a suite's own fields to a record."""
    from evidence_assistant import Assistant

    s = settings.model_copy(update={"index_dir": index_dir})
    records: list[dict[str, Any]] = []
    with Assistant.open(settings=s) as a:
        # The embedder is shared by the whole process and remembers the sentences it embedded:
        # start each configuration cold, or the later ones would report the first one's work
        # as their speed.
        cache = getattr(a.index.embedder, "_cache", None)
        if hasattr(cache, "clear"):
            cache.clear()
        passages = list(a.index.manifest.iter_all_passages())
        by_id = {p.passage_id: p for p in passages}
        for case in cases:
            relevant = resolve(case, passages)
            rec = run_case(a, case, relevant, lambda pid: by_id[pid].text if pid in by_id else "",
                           cited or cited_supporting)
            if annotate:
                annotate(rec, case, relevant)
            records.append(rec)
            if progress:
                progress(1)
    return records


def by_split(records: list[dict[str, Any]], aggregate_fn: Callable[[list[dict[str, Any]]], dict[str, Any]]
             ) -> dict[str, Any]:
    """{"metrics": {"all": …, "dev": …, "test": …}, "cases": records}: every split alone and
    both together."""
    result: dict[str, Any] = {"metrics": {"all": aggregate_fn(records)}, "cases": records}
    for split in SPLITS:
        part = [r for r in records if r["split"] == split]
        if part:
            result["metrics"][split] = aggregate_fn(part)
    return result


def failures(records: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Cases that went wrong, grouped by cause, for the report (and for whoever improves the
    answerer)."""
    out: dict[str, list[dict[str, Any]]] = {}

    def add(cause: str, r: dict[str, Any], detail: str) -> None:
        out.setdefault(cause, []).append({"id": r["id"], "question": r["question"], "detail": detail})

    for r in records:
        if r["answerable"]:
            if r["declined"]:
                add("declined an answerable question", r, f"relevance {r['signals'].get('relevance')}")
            elif not r["correct"]:
                cause = ("retrieval missed the supporting passage" if r["retrieval"]["recall@10"] == 0
                         else "key facts missing from the answer")
                add(cause, r, "missing: " + ", ".join(json.dumps(f, ensure_ascii=False) for f in r["missing_facts"]))
        elif r["type"] == "unanswerable" and not r["declined"]:
            add("answered an unanswerable question", r, f"verdict {r['verdict']}, relevance "
                                                        f"{r['signals'].get('relevance')}")
        elif r["type"] == "false_premise" and not r["premise_handled"]:
            add("accepted a false premise", r, f"verdict {r['verdict']}"
                + ("; the answer does state the correction" if r.get("premise_handled_lenient") else ""))
        cc = r.get("citation_checker")
        if cc and cc["recall"] < 1:
            add("sentence not supported by its citation (checker)", r, "; ".join(r["problems"][:2]))
        ce = r.get("citation_exact")
        if ce and ce["recall"] < 1 and (not cc or cc["recall"] == 1):
            add("sentence not verbatim in its cited passage", r, "")
    return out
