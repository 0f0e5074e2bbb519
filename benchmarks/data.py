"""Real texts for the benchmarks, read from ``../shared/data`` (never copied into the repo).

Three sources, each turned into ``(SourceDocument, [Block, ...])`` pairs that
``evidence_assistant.index_documents`` indexes exactly as it indexes files:

* BEIR SciFact: 5,183 abstracts (title + abstract), the quality benchmark's corpus;
* COVID-QA: 98 full CORD-19 articles, one block per line of the article;
* the UK health-policy documents (PDF, DOCX, HTML, Markdown, JSON), read by the product's own
  loaders.

The 1k/10k/100k sets are nested prefixes of one deterministic interleaving of all three sources
(see ``select_documents``), so a query's cost at 1k and at 100k is measured on the same kind of
text.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

from evidence_assistant.core.types import Block, SourceDocument

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("EVIDENCE_SHARED_DATA", REPO.parent / "shared" / "data"))
CACHE_DIR = Path(os.environ.get("EVIDENCE_BENCH_CACHE", REPO / ".evidence" / "bench-cache"))
# Bumped whenever the way texts are turned into documents changes, so cached indexes are rebuilt.
DATA_VERSION = "1"

Doc = tuple[SourceDocument, list[Block]]


def _doc_id(source: str, key: str) -> str:
    """Stable ids: the same record always gets the same document (and so passage) ids."""
    return hashlib.sha256(f"{source}:{key}".encode()).hexdigest()


def shared_data(required: bool = True) -> Path | None:
    if SHARED_DATA.is_dir():
        return SHARED_DATA
    if required:
        raise FileNotFoundError(f"shared test data not found at {SHARED_DATA}; set EVIDENCE_SHARED_DATA")
    return None


# --- SciFact ------------------------------------------------------------------------------
SCIFACT_PREFIX = "beir-scifact/corpus.jsonl#"


def scifact_documents(limit: int | None = None, *, also: set[str] | None = None) -> Iterator[Doc]:
    """Each abstract is one document: the title is the document title (the model reads it through
    ``embedding_text``), the abstract one paragraph that the chunker splits at 192 tokens.
    ``limit`` keeps the first abstracts only; ``also`` adds these corpus ids wherever they are."""
    path = shared_data() / "beir-scifact" / "corpus.jsonl"
    with path.open(encoding="utf-8") as f:
        for i, line in enumerate(f):
            d = json.loads(line)
            if limit is not None and i >= limit and not (also and d["_id"] in also):
                continue
            text = (d.get("text") or "").strip()
            if not text:
                continue
            doc = SourceDocument(doc_id=_doc_id("beir-scifact", d["_id"]), path=SCIFACT_PREFIX + d["_id"],
                                 format="json", title=(d.get("title") or d["_id"]).strip()[:300], kind="other")
            yield doc, [Block(text=text)]


def scifact_judged_ids(split: str = "test") -> set[str]:
    """Corpus ids judged relevant to some query of the split."""
    return {cid for rels in scifact_queries(split)[1].values() for cid in rels}


def scifact_id(passage_path: str | None) -> str | None:
    """The BEIR corpus id a SciFact passage came from (its path ends in ``#<id>``)."""
    if passage_path and SCIFACT_PREFIX in passage_path:
        return passage_path.rsplit("#", 1)[1]
    return None


def scifact_queries(split: str = "test") -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """(query id -> text, query id -> {corpus id: relevance}) for the split's judged queries."""
    base = shared_data() / "beir-scifact"
    qrels: dict[str, dict[str, int]] = {}
    with (base / "qrels" / f"{split}.tsv").open(encoding="utf-8") as f:
        next(f)  # header
        for line in f:
            qid, cid, rel = line.rstrip("\n").split("\t")
            qrels.setdefault(qid, {})[cid] = int(rel)
    queries: dict[str, str] = {}
    with (base / "queries.jsonl").open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if d["_id"] in qrels:
                queries[d["_id"]] = d["text"]
    return queries, qrels


# --- COVID-QA -----------------------------------------------------------------------------
def _covidqa() -> dict:
    return json.loads((shared_data() / "covid-qa" / "200423_covidQA.json").read_text(encoding="utf-8"))


def covidqa_documents() -> Iterator[Doc]:
    """One document per article; its first line is the title, and every non-empty line a block
    (the articles have no other structure)."""
    for art in _covidqa()["data"]:
        para = art["paragraphs"][0]
        lines = [ln.strip() for ln in para["context"].split("\n") if ln.strip()]
        if not lines:
            continue
        doc = SourceDocument(doc_id=_doc_id("covid-qa", str(para["document_id"])),
                             path=f"covid-qa/200423_covidQA.json#{para['document_id']}", format="json",
                             title=lines[0][:300], kind="other")
        yield doc, [Block(text=ln) for ln in lines]


def covidqa_questions() -> list[str]:
    return [qa["question"] for art in _covidqa()["data"] for qa in art["paragraphs"][0]["qas"]]


# --- UK health-policy documents -----------------------------------------------------------
def uk_folder() -> Path:
    return shared_data() / "uk-health-policy"


def uk_documents() -> Iterator[Doc]:
    """Every file the product can read in the UK folder, through the product's own loaders."""
    from evidence_assistant import SUPPORTED_EXTENSIONS, load_file

    for f in sorted(uk_folder().rglob("*")):
        if not f.is_file() or f.suffix.lower() not in SUPPORTED_EXTENSIONS:
            continue
        try:
            loaded = load_file(f)
        except Exception:  # a file the loaders refuse is the ingest benchmark's concern, not this one's
            continue
        yield loaded.document, loaded.blocks


# Questions a committee researcher might ask of the UK documents (written for this benchmark).
UK_QUESTIONS: tuple[str, ...] = (
    "What does the NHS AI report say about the need for regulation of artificial intelligence?",
    "How many staff work in digital, data and technology roles in the NHS?",
    "What are the priorities in the 2025/26 operational planning guidance?",
    "What is the Digital Technology Assessment Criteria meant to assure?",
    "What did the public engagement on data find about trust in data sharing?",
    "How should GP practices keep electronic patient records safe?",
    "What is a Summary Care Record and who can see it?",
    "What does the NHS Oversight Framework use to segment trusts?",
    "What are neighbourhood health teams expected to provide?",
    "What does the 10 Year Health Plan say about shifting care from hospital to community?",
    "What commitments were made on patient access to records through the NHS App?",
    "What is the role of the Caldicott Guardian?",
    "How did NHS productivity change after the pandemic?",
    "What information should an About Me record contain?",
    "What did the COPI notice require of health organisations during COVID-19?",
)


def benchmark_queries(n: int = 100, *, seed: int = 7) -> list[str]:
    """A fixed mix of real questions over the three sources: SciFact test claims, COVID-QA
    expert questions and the UK questions above. Distinct, so no query-embedding cache hit is
    counted as a warm query."""
    rng = random.Random(seed)
    sci = list(scifact_queries("test")[0].values())
    cov = covidqa_questions()
    rng.shuffle(sci)
    rng.shuffle(cov)
    uk = list(UK_QUESTIONS)
    n_uk = min(len(uk), max(1, n // 7))
    n_sci = (n - n_uk) // 2
    n_cov = n - n_uk - n_sci
    out, seen = [], set()
    for q in uk[:n_uk] + sci[:n_sci] + cov[:n_cov * 2]:
        if q not in seen and len(out) < n:
            seen.add(q)
            out.append(q)
    rng.shuffle(out)
    return out


# --- the nested 1k / 10k / 100k sets --------------------------------------------------------
@dataclass(frozen=True)
class PoolDoc:
    source: str
    doc: SourceDocument
    blocks: list[Block]
    copy: int = 0  # 0 for the real document; k for its k-th copy under a new id
    origin: str = ""  # the real document's id, for a copy

    @property
    def original_id(self) -> str:
        return self.origin or self.doc.doc_id


def all_documents() -> list[PoolDoc]:
    out = [PoolDoc("scifact", d, b) for d, b in scifact_documents()]
    out += [PoolDoc("covid-qa", d, b) for d, b in covidqa_documents()]
    out += [PoolDoc("uk", d, b) for d, b in uk_documents()]
    return out


def interleaved(docs: Sequence[PoolDoc], *, seed: int = 11) -> list[PoolDoc]:
    """A deterministic shuffle, so that every prefix holds all three sources in proportion."""
    order = list(docs)
    random.Random(seed).shuffle(order)
    return order


def select_documents(docs: Sequence[PoolDoc], target_passages: int,
                     passages_of: Callable[[PoolDoc], int]) -> list[PoolDoc]:
    """The shortest prefix of ``docs`` holding at least ``target_passages`` passages. Sets of
    different sizes are prefixes of the same order, so the 1k set is inside the 10k set."""
    out, total = [], 0
    for d in docs:
        if total >= target_passages:
            break
        n = passages_of(d)
        if n:
            out.append(d)
            total += n
    return out



def with_copies(docs: Sequence[PoolDoc], target_passages: int,
                passages_of: Callable[[PoolDoc], int]) -> list[PoolDoc]:
    """``select_documents`` when the real documents hold enough passages; otherwise all of them,
    then copies of them (in the same order, under new document ids and paths, same text) until
    ``target_passages`` is reached. Copies reuse the cached vectors of their originals."""
    import dataclasses

    if not target_passages:
        return list(docs)
    total = sum(passages_of(d) for d in docs)
    if total >= target_passages:
        return select_documents(docs, target_passages, passages_of)
    out = list(docs)
    k = 0
    while total < target_passages:
        k += 1
        for d in docs:
            if total >= target_passages:
                break
            n = passages_of(d)
            if not n:
                continue
            doc = dataclasses.replace(d.doc, doc_id=_doc_id(f"copy{k}", d.doc.doc_id), path=f"{d.doc.path}#copy{k}")
            out.append(PoolDoc(d.source, doc, d.blocks, copy=k, origin=d.doc.doc_id))
            total += n
    return out
