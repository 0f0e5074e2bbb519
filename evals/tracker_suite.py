"""The tracker suite: how well the recommendations and commitments tracker reads real documents,
measured against lists checked by hand.

Three parts, each against its own hand-checked list:

- the sample committee pair (corpus/sample: a report with numbered conclusions and
  recommendations, and the Government's response): recommendations found against the list in
  evals/cases/tracker.yaml (precision, recall, and whether each one's paragraph, opening words and
  deadline are right), replies matched, and the share of stances read right;
- commitments proposed from real policy documents (../shared/data/uk-health-policy) against the
  undertakings read by hand in tests/corpus/real_commitments.yaml: recall, precision and the share
  of dated commitments proposed with their deadline, each document on its own
  (``score_commitments`` is the one matching rule; tests/corpus/test_commitment_proposals.py
  holds the same thresholds through it);
- later evidence for the commitments of the 2022 data strategy "Data saves lives": over an index of
  later real documents, how many of its commitments have later passages cited at all, whether
  every citation quotes its passage and postdates the strategy, and how many of the commitments
  checked by hand get the passage found for them by hand.
"""
from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import yaml

from evidence_assistant.core.settings import Settings

from .cache import ensure_index
from .data import DataMissing, require, shared_data

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "evals" / "cases" / "tracker.yaml"
# The hand list of real commitments is kept with the tests that hold the proposer to it.
REAL_COMMITMENTS = REPO / "tests" / "corpus" / "real_commitments.yaml"


# --------------------------------------------------------------------------- hand-checked lists


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise DataMissing(f"the tracker suite's hand-checked list {path} is missing")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML ({exc}); fix the file") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top, got {type(data).__name__}")
    return data


def load_cases(path: Path = CASES) -> dict[str, Any]:
    """evals/cases/tracker.yaml, checked: an error names the file and the field to fix."""
    data = _read_yaml(path)
    sample, prog = data.get("sample"), data.get("progress")
    if not isinstance(sample, dict) or not isinstance(sample.get("recommendations"), list):
        raise ValueError(f"{path}: 'sample' needs 'report', 'response' and a list 'recommendations'")
    for i, r in enumerate(sample["recommendations"]):
        missing = [k for k in ("number", "paragraph", "opens", "stance") if not r.get(k)]
        if missing:
            raise ValueError(f"{path}: sample recommendation {i + 1} lacks {', '.join(missing)}")
    if not isinstance(prog, dict) or not all(prog.get(k) for k in ("commitments", "made", "index", "evidence")):
        raise ValueError(f"{path}: 'progress' needs 'commitments', 'made', 'index' and 'evidence'")
    for i, e in enumerate(prog["evidence"]):
        missing = [k for k in ("commitment", "title", "quote") if not e.get(k)]
        if missing:
            raise ValueError(f"{path}: progress evidence entry {i + 1} lacks {', '.join(missing)}")
    return data


def expected_recommendations(cases: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """The sample report's recommendations checked by hand, by number: paragraph, opens,
    deadline, stance and reply_paragraph."""
    cases = cases or load_cases()
    return {str(r["number"]): {**r, "number": str(r["number"]),
                               "paragraph": str(r["paragraph"]),
                               "reply_paragraph": None if r.get("reply_paragraph") is None else str(r["reply_paragraph"])}
            for r in cases["sample"]["recommendations"]}


def real_commitment_lists(path: Path = REAL_COMMITMENTS) -> list[dict[str, Any]]:
    """The real documents whose commitments were read by hand (tests/corpus/real_commitments.yaml)."""
    docs = _read_yaml(path).get("documents")
    if not isinstance(docs, list) or not docs:
        raise ValueError(f"{path}: expected 'documents', a list of {{file, commitments}}")
    for d in docs:
        if not d.get("file") or not isinstance(d.get("commitments"), list) or not all(c.get("key") for c in d["commitments"]):
            raise ValueError(f"{path}: every document needs 'file' and 'commitments', each with a 'key' "
                             f"(got {d.get('file')!r})")
    return docs


def corpus_root() -> Path:
    """The uk-health-policy folder; ``DataMissing`` (the suite is skipped, saying why) when absent."""
    return require(shared_data() / "uk-health-policy", "The UK health policy documents (uk-health-policy/)")


# --------------------------------------------------------------------------- commitments


def match_key(text: str) -> str:
    """Lower-case letters and digits separated by single spaces (curly apostrophes read as
    straight ones): how proposed text and hand-checked keys are compared."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower().replace("\u2019", "'")).strip()


@dataclass
class CommitmentScore:
    """Proposals from one document against its hand-checked commitments."""

    checked: int
    proposed: int
    found: list[bool]  # per checked commitment: some proposal holds it
    correct: list[bool]  # per proposal: it holds some checked commitment
    dated: int  # checked commitments with a stated deadline
    deadline_right: int  # of those, found by a proposal that carries that deadline
    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return sum(self.found) / self.checked if self.checked else 0.0

    @property
    def precision(self) -> float:
        return sum(self.correct) / max(self.proposed, 1)

    @property
    def deadline_share(self) -> float | None:
        return self.deadline_right / self.dated if self.dated else None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        del d["found"], d["correct"]
        return {**d, "recall": self.recall, "precision": self.precision, "deadline_share": self.deadline_share}


def score_commitments(checked: Sequence[dict[str, Any]], proposals: Sequence[Any]) -> CommitmentScore:
    """Proposals (anything with ``text`` and ``deadline``) against hand-checked commitments
    (``key``, optional ``also`` and ``deadline``).

    A checked commitment is found when a proposal holds its key, or, where a column break splits
    the undertaking from its opening words, its ``also`` run; a proposal is right when it holds the
    key or run of some checked commitment. A dated commitment's deadline is right when the first
    proposal that holds it carries a deadline holding the checked one."""
    runs = [[match_key(g["key"])] + ([match_key(g["also"])] if g.get("also") else []) for g in checked]
    every = [r for rs in runs for r in rs]
    texts = [match_key(p.text) for p in proposals]
    found = [any(r in t for r in rs for t in texts) for rs in runs]
    correct = [any(r in t for r in every) for t in texts]
    dated = right = 0
    for g, rs in zip(checked, runs):
        if not g.get("deadline"):
            continue
        dated += 1
        p = next((p for p, t in zip(proposals, texts) if any(r in t for r in rs)), None)
        right += bool(p is not None and p.deadline and match_key(g["deadline"]) in match_key(p.deadline))
    return CommitmentScore(checked=len(checked), proposed=len(proposals), found=found, correct=correct, dated=dated,
                           deadline_right=right, missed=[g["key"] for g, f in zip(checked, found) if not f],
                           extra=[p.text[:80] for p, c in zip(proposals, correct) if not c])


def real_documents(root: Path | None = None, entries: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Each hand-checked real document scored: file, checked, proposed, recall, precision,
    deadline share, and what was missed or proposed beyond the list."""
    from evidence_assistant import load_document, propose_commitments

    root = root or shared_data()
    out = []
    for entry in entries if entries is not None else real_commitment_lists():
        path = require(root / entry["file"], f"The hand-checked document {entry['file']}")
        score = score_commitments(entry["commitments"], propose_commitments(load_document(path)))
        out.append({"file": entry["file"], **score.to_dict()})
    return out


# --------------------------------------------------------------------------- the sample pair


def sample_pair(cases: dict[str, Any] | None = None) -> dict[str, Any]:
    """The sample report's recommendations and the response's replies against the hand-checked list."""
    from evidence_assistant import extract_recommendations, load_document, match_response

    cases = cases or load_cases()
    expected = expected_recommendations(cases)
    report = load_document(REPO / cases["sample"]["report"])
    response = load_document(REPO / cases["sample"]["response"])
    recs = extract_recommendations(report)
    analysis = match_response(report, response, recs)
    found = {r.number for r in recs if r.kind == "recommendation"}
    hit = found & set(expected)
    details_right = 0
    rows = []
    by_number = {m.recommendation.number: m for m in analysis.matches}
    for number, e in expected.items():
        rec = next((r for r in recs if r.number == number), None)
        details = bool(rec and rec.body_paragraphs == [e["paragraph"]] and e["opens"] in rec.text
                       and rec.deadline == e.get("deadline"))
        details_right += details
        m = by_number.get(number)
        decisive = getattr(m, "decisive", None) if m else None
        rows.append({"number": number, "found": rec is not None, "details_right": details,
                     "matched": bool(m and m.status == "matched"), "stance": m.stance if m else None,
                     "expected_stance": e["stance"], "reply_paragraph": decisive.paragraph if decisive else None,
                     "expected_reply_paragraph": e.get("reply_paragraph")})
    n = len(expected)
    matched = sum(r["matched"] for r in rows)
    stance_right = sum(r["matched"] and r["stance"] == r["expected_stance"] for r in rows)
    return {"report": report.label, "response": response.label, "recommendations": rows,
            "metrics": {"recommendations_checked": n, "recommendations_found": len(found),
                        "recommendation_precision": len(hit) / max(len(found), 1), "recommendation_recall": len(hit) / n,
                        "recommendation_details_right": details_right / n,
                        "replies_matched": matched, "reply_match_rate": matched / n, "stance_accuracy": stance_right / n}}


# --------------------------------------------------------------------------- later evidence


def progress_files(cases: dict[str, Any] | None = None, root: Path | None = None) -> list[Path]:
    """The real documents the later evidence is looked for in (tracker.yaml's ``progress.index``)."""
    prog = (cases or load_cases())["progress"]
    root = root or shared_data()
    leave_out = prog.get("leave_out")
    files: list[Path] = []
    for pattern in prog["index"]:
        hits = sorted(p for p in root.glob(pattern) if p.is_file() and not (leave_out and leave_out in p.name))
        if not hits:
            raise DataMissing(f"no file of {root} matches {pattern!r} (evals/cases/tracker.yaml, progress.index)")
        files += hits
    return files


def _files_id(files: list[Path], root: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    for f in files:
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f"{f.stat().st_size}".encode())
    return "tracker:" + h.hexdigest()[:16]


def build_index(settings: Settings, cases: dict[str, Any] | None = None, *, root: Path | None = None,
                log: Callable[[str], None] | None = None) -> Path:
    """The index of the later documents, built once per file set, model and chunking (evals/cache.py)."""
    from evidence_assistant import ingest

    data = shared_data()
    files = progress_files(cases, data)

    def build(s: Settings):
        report = ingest(files, settings=s)
        if report.skipped:
            raise RuntimeError("tracker-suite files were not indexed: "
                               + "; ".join(f"{x.path}: {x.reason}" for x in report.skipped))
        return report

    return ensure_index("tracker", settings, _files_id(files, data), build, root=root, log=log)


def later_evidence(assistant: Any, cases: dict[str, Any] | None = None) -> dict[str, Any]:
    """Later passages for every commitment proposed from the strategy's list, each citation checked
    against its passage and date, and the hand-checked pairs looked for among them."""
    from evidence_assistant import item_from_proposal, load_document, progress, propose_commitments

    prog = (cases or load_cases())["progress"]
    made = str(prog["made"])
    path = require(shared_data() / prog["commitments"], "The strategy's list of commitments")
    proposals = propose_commitments(load_document(path))
    results = [progress(item_from_proposal(p, n, made), assistant, since=made) for n, p in enumerate(proposals, 1)]
    ids = sorted({e.passage_id for r in results for e in r.evidence})
    passages = assistant.index.manifest.passages(ids) if ids else {}
    outside = [e.passage_id for r in results for e in r.evidence
               if e.passage_id not in passages or e.quote not in passages[e.passage_id].text]
    # Later: dated on or after the day the strategy was made, to the precision the passage is dated.
    not_later = [e.passage_id for r in results for e in r.evidence if not (e.date and e.date >= made[:len(e.date)])]
    pairs = []
    for c in prog["evidence"]:
        n = next((i for i, p in enumerate(proposals) if c["commitment"].lower() in p.text.lower()), None)
        ev = results[n].evidence if n is not None else []
        hit = next((e for e in ev if e.title.startswith(c["title"]) and c["quote"] in e.quote), None)
        pairs.append({**c, "proposed": n is not None, "found": hit is not None,
                      "cited": hit.cite() if hit else None, "status": results[n].status if n is not None else None})
    confirmed = {p["commitment"] for p in pairs if p["found"]}
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    return {
        "document": prog["commitments"], "made": made, "pairs": pairs,
        "items": [{"label": r.item.label, "text": r.item.text[:160], "status": r.status,
                   "evidence": [e.cite() for e in r.evidence]} for r in results],
        "metrics": {"strategy_commitments": len(proposals),
                    "commitments_with_later_passages": sum(bool(r.evidence) for r in results),
                    "later_passages_cited": sum(len(r.evidence) for r in results),
                    "citations_outside_passage": len(outside), "citations_not_later": len(not_later),
                    "checked_pairs": len(pairs), "checked_pairs_found": sum(p["found"] for p in pairs),
                    "commitments_with_evidence": len(confirmed),
                    "checked_commitments": len({p["commitment"] for p in pairs}),
                    "statuses": statuses}}


# --------------------------------------------------------------------------- the suite


def static_part(cases: dict[str, Any] | None = None) -> dict[str, Any]:
    """What does not depend on the index or the retrieval settings: the sample pair and the
    proposals from the real documents."""
    cases = cases or load_cases()
    sample = sample_pair(cases)
    documents = real_documents()
    metrics = dict(sample["metrics"])
    metrics.update({"commitment_documents": len(documents),
                    "commitment_recall_min": min(d["recall"] for d in documents),
                    "commitment_precision_min": min(d["precision"] for d in documents)})
    return {"sample": sample, "documents": documents, "metrics": metrics}


def run(settings: Settings, *, index_dir: Path, cases: dict[str, Any] | None = None,
        static: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every figure of the suite for one configuration, over the later documents' index in ``index_dir``."""
    from evidence_assistant import Assistant

    cases = cases or load_cases()
    t0 = time.perf_counter()
    static = static or static_part(cases)
    with Assistant.open(settings=settings.model_copy(update={"index_dir": index_dir}), registry=None) as a:
        evidence = later_evidence(a, cases)
    return {"metrics": {**static["metrics"], **evidence["metrics"]}, "progress": evidence,
            "seconds": round(time.perf_counter() - t0, 1)}
