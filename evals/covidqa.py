"""COVID-QA: questions on long scientific articles, each with a reference answer span.

The 98 articles are indexed with the product's own chunker and embedder (one document per
article, its blank-line-separated paragraphs as blocks). For each question: does a retrieved
passage of the right article contain the whole answer span (hit@1/5/10, judged by character
offsets, not by string search, so a short answer such as "2" cannot match by accident), and how
close is the extractive answer to the reference (SQuAD token F1, and token recall, which does
not punish the extra sentences an extractive answer carries)?
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from evidence_assistant.core.settings import Settings
from evidence_assistant.core.types import Block, SourceDocument

from . import metrics
from .cache import ensure_index
from .data import file_fingerprint, require, shared_data

PREFIX = "covidqa-"
ANSWER_QUESTIONS = 300
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass
class Article:
    doc_id: str
    title: str
    context: str
    blocks: list[tuple[int, str]]  # (offset in context, text) of each paragraph


@dataclass
class Question:
    qid: str
    doc_id: str
    question: str
    answers: list[tuple[int, str]]  # (offset in context, text)


def data_file() -> Path:
    return require(shared_data() / "covid-qa" / "200423_covidQA.json", "COVID-QA (200423_covidQA.json)")


def paragraphs(context: str) -> list[tuple[int, str]]:
    """The article's paragraphs with their offsets; inner line breaks become spaces (the text's
    length and offsets are unchanged: one character for one)."""
    out = []
    pos = 0
    for m in list(_PARAGRAPH_BREAK.finditer(context)) + [None]:
        end = m.start() if m else len(context)
        raw = context[pos:end]
        lead = len(raw) - len(raw.lstrip())
        text = raw.strip().replace("\n", " ")
        if text:
            out.append((pos + lead, text))
        pos = m.end() if m else len(context)
    return out


def load(path: Path | None = None) -> tuple[list[Article], list[Question], str]:
    f = path or data_file()
    data = json.loads(f.read_text(encoding="utf-8"))
    articles: list[Article] = []
    questions: list[Question] = []
    for art in data["data"]:
        for para in art["paragraphs"]:
            ctx = para["context"]
            did = f"{PREFIX}{para['document_id']}"
            first = ctx.strip().split("\n", 1)[0].strip()
            articles.append(Article(did, first[:300] or did, ctx, paragraphs(ctx)))
            for qa in para["qas"]:
                answers = [(int(a["answer_start"]), a["text"]) for a in qa.get("answers", [])]
                if answers:
                    questions.append(Question(str(qa["id"]), did, qa["question"], answers))
    return articles, questions, file_fingerprint(f)


def documents(articles: list[Article]) -> Iterator[tuple[SourceDocument, list[Block]]]:
    for a in articles:
        doc = SourceDocument(doc_id=a.doc_id, path=f"covid-qa/{a.doc_id.removeprefix(PREFIX)}", format="text",
                             title=a.title, kind="other")
        yield doc, [Block(text) for _, text in a.blocks]


def build_index(articles: list[Article], fingerprint: str, settings: Settings, *, root: Path | None = None,
                log: Callable[[str], None] | None = None) -> Path:
    from evidence_assistant import index_documents

    def build(s: Settings):
        return index_documents(documents(articles), settings=s)

    return ensure_index("covidqa", settings, f"covidqa:{fingerprint}", build, root=root, log=log)


def to_document_offsets(article: Article, start: int, end: int) -> tuple[int, int] | None:
    """Map a span of the article's context to the indexed document's text (paragraphs joined by
    blank lines, as evidence_ingest.chunk.document_text joins blocks); None when it falls between
    paragraphs."""
    pos = 0
    mapped: list[int | None] = [None, None]
    for off, text in article.blocks:
        if mapped[0] is None and off <= start < off + len(text):
            mapped[0] = pos + (start - off)
        if off < end <= off + len(text):
            mapped[1] = pos + (end - off)
        pos += len(text) + 2
    if mapped[0] is None or mapped[1] is None:
        return None
    return mapped[0], mapped[1]


def locate_answer(context: str, start: int, text: str) -> int | None:
    """Where the reference answer really starts: some COVID-QA offsets are a character or more
    off, so the occurrence of the text nearest the stated offset is taken."""
    needle = text.strip()
    if not needle:
        return None
    if context.startswith(needle, start):
        return start
    hits = [m.start() for m in re.finditer(re.escape(needle), context)]
    return min(hits, key=lambda h: abs(h - start)) if hits else None


def answer_spans(article: Article, q: Question) -> list[tuple[int, int]]:
    spans = []
    for start, text in q.answers:
        s = locate_answer(article.context, start, text)
        if s is None:
            continue
        m = to_document_offsets(article, s, s + len(text.strip()))
        if m:
            spans.append(m)
    return spans


def answer_sample(questions: list[Question], n: int | None = ANSWER_QUESTIONS) -> set[str]:
    """The questions whose answers are scored: ``n`` chosen by hash (stable, spread over every
    article); all of them when ``n`` is None. Answering costs about a second a question on two
    cores, retrieval a few milliseconds, so hit@k covers every question and F1 a fixed sample."""
    ids = sorted((q.qid for q in questions), key=lambda x: hashlib.sha256(f"covidqa-answer:{x}".encode()).hexdigest())
    return set(ids if n is None else ids[:n])


def evaluate(assistant: Any, articles: list[Article], questions: list[Question], *, answer: bool = True,
             answer_questions: int | None = ANSWER_QUESTIONS,
             progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """hit@1/5/10 of retrieval on every question, and (with ``answer``) the extractive answer's
    F1 and recall on the answer sample."""
    by_id = {a.doc_id: a for a in articles}
    to_answer = answer_sample(questions, answer_questions) if answer else set()
    per_q: list[dict[str, Any]] = []
    times: list[float] = []
    coverable = 0
    for q in questions:
        art = by_id[q.doc_id]
        spans = answer_spans(art, q)
        res = assistant.retriever.search(q.question, k=10).results
        hits = [sp.passage.doc_id == q.doc_id and any(sp.passage.char_start <= a and b <= sp.passage.char_end
                                                      for a, b in spans) for sp in res]
        rec: dict[str, Any] = {"id": q.qid, "hit@1": float(any(hits[:1])), "hit@5": float(any(hits[:5])),
                               "hit@10": float(any(hits[:10])), "doc@10": float(any(sp.passage.doc_id == q.doc_id
                                                                                   for sp in res))}
        if q.qid in to_answer:
            t = time.perf_counter()
            ans = assistant.ask(q.question)
            times.append(time.perf_counter() - t)
            refs = [text for _, text in q.answers]
            body = " ".join(metrics.strip_markers(s.text) for s in ans.sentences) if ans.sentences else ""
            first = metrics.strip_markers(ans.sentences[0].text) if ans.sentences else ""
            rec.update(f1=metrics.best_f1(body, refs), f1_first_sentence=metrics.best_f1(first, refs),
                       answer_recall=max(metrics.token_recall(body, r) for r in refs),
                       declined=ans.verdict == "no_answer")
        per_q.append(rec)
        if progress:
            progress(1)
    n = len(per_q)
    agg: dict[str, Any] = {"questions": n, "answered_questions": len(times)}
    for key in ("hit@1", "hit@5", "hit@10", "doc@10", "f1", "f1_first_sentence", "answer_recall", "declined"):
        vals = [float(r[key]) for r in per_q if key in r]
        agg[key] = sum(vals) / len(vals) if vals else None
    agg["latency_p50_s"] = metrics.percentile(times, 50) if times else None
    agg["latency_p95_s"] = metrics.percentile(times, 95) if times else None
    return {"metrics": agg, "per_question": per_q}


def span_ceiling(assistant: Any, articles: list[Article], questions: list[Question]) -> float:
    """Share of questions whose answer span lies whole inside at least one indexed passage: no
    retriever can score a hit above this (a long answer can straddle passages)."""
    by_id = {a.doc_id: a for a in articles}
    ok = 0
    cache: dict[str, list[tuple[int, int]]] = {}
    for q in questions:
        if q.doc_id not in cache:
            cache[q.doc_id] = [(p.char_start, p.char_end) for p in assistant.index.manifest.passages_of(q.doc_id)]
        spans = answer_spans(by_id[q.doc_id], q)
        ok += any(s <= a and b <= e for a, b in spans for s, e in cache[q.doc_id])
    return ok / len(questions) if questions else 0.0


def fingerprint_of(articles: list[Article]) -> str:
    return hashlib.sha256("".join(a.doc_id for a in articles).encode()).hexdigest()[:12]
