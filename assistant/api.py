"""``Assistant``: the one entry point the CLI, the chat and researchers' code all call."""
from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

from ingest.store import Index

from .answer import NO_ANSWER_TEXT, Answer, AnswerSentence, Citation
from .citations import CitationChecker, parse_cited_sentences, verbatim_citations
from .conversation import condense_without_model, history_questions, is_follow_up
from .errors import EmptyIndexError, InvalidQuestionError, LLMError
from .extractive import answers_the_type, asked_list, candidates, coverage, score_candidates, select
from .premise import check_premise, premise_note
from .retrieve import Filters, Retrieval, Retriever
from .settings import Settings, get_settings
from .types import ScoredPassage

log = logging.getLogger(__name__)

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def clean_question(question: Any, max_chars: int) -> str:
    if not isinstance(question, str):
        raise InvalidQuestionError(f"the question must be text, not {type(question).__name__}")
    if len(question) > max_chars * 4:  # no work on a megabyte of input
        raise InvalidQuestionError(f"the question is {len(question):,} characters long; the limit is {max_chars:,} "
                                   "— ask something shorter (EVIDENCE_MAX_QUESTION_CHARS raises it)")
    bad = _SURROGATE.search(question)
    if bad:
        raise InvalidQuestionError(
            f"the question is not valid text: character {bad.start() + 1} ({ascii(bad.group())}) is half of a "
            "character pair, as left by bytes that are not UTF-8 or a broken copy and paste; retype the question, "
            "or save it as UTF-8 text")
    q = _CONTROL.sub(" ", question)
    q = re.sub(r"\s+", " ", q).strip()
    if not q:
        raise InvalidQuestionError("the question is empty; type a question about the documents")
    if len(q) > max_chars:
        raise InvalidQuestionError(f"the question is {len(q):,} characters long; the limit is {max_chars:,} "
                                   "— ask something shorter (EVIDENCE_MAX_QUESTION_CHARS raises it)")
    if not re.search(r"\w", q):
        raise InvalidQuestionError("the question has no words in it; type a question about the documents")
    return q


# How a decline names what the question asked for.
_WANTED = {"date": "a date", "number": "a number", "money": "an amount of money", "name": "a name",
           "rating": "a rating"}


class Assistant:
    """Answers questions from an index with checked citations.

    >>> a = Assistant.open()                                      # doctest: +SKIP
    >>> ans = a.ask("When was the Expert Panel evaluation published?")  # doctest: +SKIP
    >>> print(ans.to_markdown())                                   # doctest: +SKIP
    """

    def __init__(self, index: Index, settings: Settings, *, llm: Any = None, registry: Any = None):
        self.index = index
        self.settings = settings
        self.retriever = Retriever(index, settings)
        self.checker = CitationChecker(index.embedder, min_support=settings.min_support)
        self.llm = llm
        self._generative = None
        self._registry = registry
        self._registry_loaded = registry is not None
        self._commitment_cache: dict[tuple[int, str], list[str]] = {}
        self._lock = threading.Lock()

    # --- construction --------------------------------------------------------------------
    @classmethod
    def open(cls, index_dir: str | Path | None = None, settings: Settings | None = None, *,
             llm: Any = None, registry: Any = None) -> "Assistant":
        """Open an existing index (``index_dir`` overrides the setting). ``llm`` is any LangChain
        chat model; without one, ``settings.llm_base_url`` may configure one, else answers are
        extractive."""
        s = get_settings(settings, **({"index_dir": Path(index_dir)} if index_dir else {}))
        index = Index.open(s)
        if index.manifest.count_passages() == 0:
            raise EmptyIndexError(f"the index at {s.index_dir} holds no passages; run `evidence ingest "
                                  "corpus/sample` (or your own folder)")
        if llm is None and s.answerer == "generative":
            from .generative import make_chat_model
            llm = make_chat_model(s)
        return cls(index, s, llm=llm, registry=registry)

    def close(self) -> None:
        self.index.close()

    def __enter__(self) -> "Assistant":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def generative(self):
        if self.llm is None:
            return None
        if self._generative is None:
            from .generative import GenerativeAnswerer
            self._generative = GenerativeAnswerer(self.llm, settings=self.settings, prompts_dir=self.settings.prompts_dir)
        return self._generative

    @property
    def registry(self):
        if not self._registry_loaded:
            self._registry_loaded = True
            try:
                from .commitments import load_registry
                self._registry = load_registry()
            except Exception as exc:  # the registry is an aid to answers, not a requirement
                log.warning("commitments registry not available: %s", exc)
                self._registry = None
        return self._registry

    # --- the questions -------------------------------------------------------------------
    def standalone(self, question: str, history: Sequence[Any] | None) -> str:
        previous = history_questions(history)
        if not previous or not is_follow_up(question):
            return question
        if self.generative is not None:
            try:
                return self.generative.condense_question(question, previous)
            except LLMError as exc:
                log.warning("%s; carrying the previous subject instead", exc)
        return condense_without_model(question, previous)

    def retrieve(self, question: str, *, filters: Filters | dict[str, Any] | None = None,
                 k: int | None = None) -> Retrieval:
        q = clean_question(question, self.settings.max_question_chars)
        return self.retriever.search(q, filters=Filters.from_any(filters), k=k)

    def ask(self, question: str, *, history: Sequence[Any] | None = None,
            filters: Filters | dict[str, Any] | None = None) -> Answer:
        """Answer ``question`` from the index; every sentence is checked against what it cites."""
        result: Answer | None = None
        for item in self.stream(question, history=history, filters=filters):
            if isinstance(item, Answer):
                result = item
        assert result is not None
        return result

    def stream(self, question: str, *, history: Sequence[Any] | None = None,
               filters: Filters | dict[str, Any] | None = None) -> Iterator[str | Answer]:
        """Yield the answer's text as it is produced, then the checked ``Answer`` last."""
        t0 = time.perf_counter()
        q = clean_question(question, self.settings.max_question_chars)
        flt = Filters.from_any(filters)
        timings: dict[str, float] = {}
        standalone = self.standalone(q, history)
        timings["condense_s"] = time.perf_counter() - t0

        t = time.perf_counter()
        retrieval = self.retriever.search(standalone, filters=flt)
        shown = list(retrieval.results)
        ratings, boosted = self._commitment_evidence(standalone, shown, retrieval.allowed_docs)
        timings["retrieve_s"] = time.perf_counter() - t
        timings.update({f"retrieve_{k}": v for k, v in retrieval.timings.items()})

        base = dict(question=q, standalone_question=standalone, passages=shown,
                    filters=flt.to_dict() if flt else None, evidence_as_of=self._as_of())
        if not shown:
            timings["total_s"] = time.perf_counter() - t0
            yield NO_ANSWER_TEXT
            yield Answer(text=NO_ANSWER_TEXT, sentences=[], citations=[], verdict="no_answer",
                         notes=["No passage matched the question and filters."], timings=timings, **base)
            return

        # What the documents can say to the question: sentence scores decide both the extractive
        # answer and whether there is enough evidence to answer at all.
        t = time.perf_counter()
        cands = candidates(shown)
        vecs = score_candidates(standalone, cands, self.index.embedder, n_passages=len(shown), boost_ranks=boosted)
        if standalone != q:
            # A follow-up's own words say what is wanted now ("how did the Government respond");
            # the rewrite found the right passages. Sentences are judged on both.
            carried = [c.score for c in cands]
            score_candidates(q, cands, self.index.embedder, n_passages=len(shown), boost_ranks=boosted)
            for c, prev in zip(cands, carried):
                c.score = 0.5 * (c.score + prev)
        best = max((c.score for c in cands), default=0.0)
        cov = coverage(standalone, [sp.passage.text for sp in shown[:5]], self.index.lexical)
        relevance = 0.5 * best + 0.5 * cov
        signals = {"best_sentence": round(best, 4), "coverage": round(cov, 4), "relevance": round(relevance, 4)}
        base["signals"] = signals
        timings["score_s"] = time.perf_counter() - t

        premise = check_premise(standalone, shown, registry_ratings=ratings, all_ratings=self._all_ratings(),
                                idf=self.index.lexical.idf, min_proposition=self.settings.min_proposition)
        typed, want = answers_the_type(standalone, cands, shown, idf=self.index.lexical.idf)
        signals["answer_type"] = 1.0 if typed else 0.0
        notes: list[str] = []
        if not typed and not premise.rejected and self.generative is None:  # a model may still answer
            timings["total_s"] = time.perf_counter() - t0
            yield NO_ANSWER_TEXT
            yield Answer(text=NO_ANSWER_TEXT, sentences=[], citations=[], verdict="no_answer",
                         notes=[f"The question asks for {_WANTED.get(want, 'a ' + str(want))}; the passages closest to it state none"
                                + (" for the year it names" if re.search(r"\b(19|20)\d{2}\b", standalone) else "")
                                + ". The nearest are listed."],
                         timings=timings, **base)
            return
        if relevance < self.settings.min_relevance and not boosted:
            timings["total_s"] = time.perf_counter() - t0
            yield NO_ANSWER_TEXT
            yield Answer(text=NO_ANSWER_TEXT, sentences=[], citations=[], verdict="no_answer",
                         notes=[f"The closest passages score {relevance:.2f}, below the {self.settings.min_relevance:.2f} "
                                "needed to answer; the nearest are listed."],
                         timings=timings, **base)
            return
        if premise.rejected:
            notes.append(premise_note(premise))

        t = time.perf_counter()
        answerer = "extractive"
        prompt = None
        text = ""
        # With unsupported sentences removed, nothing is shown before it is checked: the text is
        # streamed only after the check, and holds only the sentences that passed.
        checked_first = self.settings.unsupported == "remove"
        if self.generative is not None:
            try:
                pieces = []
                for piece in self.generative.stream(standalone, [sp.passage for sp in shown]):
                    pieces.append(piece)
                    if not checked_first:
                        yield piece
                text = "".join(pieces)
                answerer = "generative"
                prompt = self.generative.record()
            except LLMError as exc:
                notes.append(f"{exc}; this is the extractive answer instead.")
                text = ""
        picked = []
        if answerer == "extractive":
            listed = asked_list(standalone)
            picked = select(cands, vecs, max_sentences=self.settings.max_answer_sentences,
                            list_items=listed[0] if listed else 6)
            if not checked_first:
                for c in picked:
                    yield f"{c.text} [{c.rank + 1}] "
        timings["answer_s"] = time.perf_counter() - t

        t = time.perf_counter()
        if answerer == "generative" and text.strip().startswith(NO_ANSWER_TEXT[:30]):
            timings["total_s"] = time.perf_counter() - t0
            if checked_first:
                yield NO_ANSWER_TEXT
            yield Answer(text=NO_ANSWER_TEXT, sentences=[], citations=[], verdict="no_answer", answerer=answerer,
                         notes=notes, timings=timings, prompt=prompt, **base)
            return
        if answerer == "extractive":
            # Each sentence is a span of a passage: cite that span, checked character for character.
            sentences, citations = verbatim_citations([(c.text, shown[c.rank].passage, c.start, c.end) for c in picked])
        else:
            sentences, citations = self.checker.check(parse_cited_sentences(text), [sp.passage for sp in shown])
        timings["check_s"] = time.perf_counter() - t
        answer = self._finish(sentences, citations, premise.rejected, notes, answerer, prompt, timings, base)
        timings["total_s"] = time.perf_counter() - t0
        if checked_first:
            yield answer.text
        yield answer

    def as_retriever(self, *, k: int | None = None, filters: Filters | dict[str, Any] | None = None):
        """A LangChain retriever over this index, for use in your own chains."""
        from .lc import EvidenceRetriever
        flt = Filters.from_any(filters)
        return EvidenceRetriever(assistant=self, k=k or self.settings.top_k, filters=flt.to_dict() if flt else None)

    def add_files(self, paths: Sequence[str | Path], *, progress: Any = None):
        """Index files into this assistant's index (as `evidence ingest` does); returns the
        ``IngestReport``. New passages are searchable as soon as it returns."""
        from ingest.pipeline import ingest
        with self._lock:
            return ingest(list(paths), settings=self.settings, index=self.index, progress=progress)

    def remove_document(self, doc_id: str) -> int:
        """Remove a document (by id or unambiguous 12+ character prefix) from the index;
        returns the number of passages removed."""
        from ingest.store import IngestLock
        from .errors import InvalidFilterError
        matches = [d for d in self.index.manifest.documents() if d.doc_id == doc_id
                   or (len(doc_id) >= 12 and d.doc_id.startswith(doc_id))]
        if len(matches) != 1:
            raise InvalidFilterError(f"no single indexed document {doc_id!r}; `evidence status` lists the ids")
        with self._lock, IngestLock(self.settings.index_dir):
            n = self.index.remove_document(matches[0].doc_id)
            self.index.refresh_lexical()
        return n

    def documents(self) -> list[dict[str, Any]]:
        """The indexed documents (title, kind, date, publisher, url, passages, id)."""
        return [d.to_dict() for d in self.index.manifest.documents()]

    # --- helpers -------------------------------------------------------------------------
    def _finish(self, sentences: list[AnswerSentence], citations: list[Citation], premise_rejected: bool,
                notes: list[str], answerer: str, prompt: dict[str, str] | None, timings: dict[str, float],
                base: dict[str, Any]) -> Answer:
        supported = [s for s in sentences if s.supported]
        if self.settings.unsupported == "remove":
            kept_idx = {i for i, s in enumerate(sentences) if s.supported}
            dropped = len(sentences) - len(kept_idx)
            if dropped:
                notes.append(f"{dropped} sentence(s) not supported by their citations were removed.")
            citations = [c for c in citations if c.sentence in kept_idx]
            remap = {old: new for new, old in enumerate(sorted(kept_idx))}
            citations = [_with_sentence(c, remap[c.sentence]) for c in citations]
            sentences = [s for s in sentences if s.supported]
        if premise_rejected:
            verdict = "premise_rejected"
        elif not sentences or not supported:
            verdict = "unsupported"
        elif len(supported) == len(sentences):
            verdict = "supported"
        else:
            verdict = "partially_supported"
        body = " ".join(s.text + "".join(f" [{n}]" for n in s.citations) + "".join(f" [{n}?]" for n in s.unknown_citations)
                        + ("" if s.supported else " [unsupported]")
                        for s in sentences)
        text = (notes[0] + " " + body).strip() if premise_rejected and notes else body
        if not sentences:
            text = NO_ANSWER_TEXT if not premise_rejected else text
        return Answer(text=text, sentences=sentences, citations=citations, verdict=verdict, answerer=answerer,
                      notes=notes, timings=timings, prompt=prompt, **base)

    def _all_ratings(self) -> list[str]:
        reg = self.registry
        if reg is None:
            return []
        out = []
        for c in getattr(reg, "commitments", []):
            rating = getattr(c, "rating", None)
            value = getattr(rating, "value", None)
            if value:
                out.extend([value] * int(getattr(c, "commitments_covered", 1) or 1))
        return out

    def _as_of(self) -> str | None:
        last = self.index.manifest.get_meta("last_ingest")
        return last[:10] if last else None

    def _commitment_evidence(self, question: str, shown: list[ScoredPassage], allowed: set[str] | None
                             ) -> tuple[dict[str, str], set[int]]:
        """For questions about registered commitments: their ratings, and their evidence passages
        added to those shown (returns the ranks of the added or already present ones)."""
        reg = self.registry
        if reg is None:
            return {}, set()
        try:
            from .commitment_answers import match_commitments
        except ImportError:
            return {}, set()
        matched = match_commitments(question, reg)
        if not matched:
            return {}, set()
        ratings = {c.id: c.rating.value for c in matched if getattr(c, "rating", None)}
        gen = self.index.manifest.generation()
        boosted: set[int] = set()
        shared = self.index.manifest.shared_works()
        present = {sp.passage.passage_id: i for i, sp in enumerate(shown)}
        for c in matched:
            key = (gen, c.id)
            if key not in self._commitment_cache:
                from .commitment_answers import evidence_passage_ids
                self._commitment_cache[key] = evidence_passage_ids(c, self.index)
            ids = self._commitment_cache[key]
            found = self.index.manifest.passages([i for i in ids if i not in present])
            for pid in ids:
                if pid in present:
                    boosted.add(present[pid])
                    continue
                p = found.get(pid)
                if p is None or (allowed is not None and p.doc_id not in allowed):
                    continue
                work = shared.get(p.doc_id)
                if work is not None and any(shared.get(sp.passage.doc_id, (None,))[0] == work[0]
                                            and sp.passage.doc_id != p.doc_id for sp in shown):
                    continue  # another copy of this work is already shown: a work is cited once
                present[pid] = len(shown)
                boosted.add(len(shown))
                shown.append(ScoredPassage(p, 0.0))
        return ratings, boosted


def _with_sentence(c: Citation, sentence: int) -> Citation:
    from dataclasses import replace
    return replace(c, sentence=sentence)
