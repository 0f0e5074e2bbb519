"""``Assistant``: the one entry point the CLI, the chat and researchers' code all call."""
from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from evidence_ingest.store import Index

from evidence_assistant.answering.answer import Answer
from evidence_assistant.answering.citations import CitationChecker
from evidence_assistant.answering.retrieve import Filters, Retrieval, Retriever, resolve_filters
from evidence_assistant.answering.stages import Answerer, ExtraEvidence, ExtractiveAnswerer, Stages, Turn
from evidence_assistant.core.errors import EmptyIndexError, InvalidQuestionError
from evidence_assistant.core.settings import Settings, get_settings
from evidence_assistant.core.types import ScoredPassage
from evidence_assistant.surfaces.reading import ReadAccess

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


class Assistant(ReadAccess):
    """Answers questions from an index with checked citations.

    >>> a = Assistant.open()                                      # doctest: +SKIP
    >>> ans = a.ask("When was the Expert Panel evaluation published?")  # doctest: +SKIP
    >>> print(ans.to_markdown())                                   # doctest: +SKIP
    """

    def __init__(self, index: Index, settings: Settings, *, llm: Any = None, registry: Any = None):
        self.index = index
        self.settings = settings
        self.retriever = Retriever(index, settings)
        self.checker = CitationChecker(index.embedder, min_support=settings.answering.min_support)
        self.llm = llm
        self._generative = None
        self._registry = registry
        self._registry_loaded = registry is not None
        self.commitment_evidence = CommitmentEvidence(index, lambda: self.registry)
        self._stances: Any = None  # the recommendations tracker's reading of the responses, per index generation
        self._lock = threading.Lock()

    # --- construction --------------------------------------------------------------------
    @classmethod
    def open(cls, index_dir: str | Path | None = None, settings: Settings | None = None, *,
             llm: Any = None, registry: Any = None) -> "Assistant":
        """Open an existing index (``index_dir`` overrides the setting). ``llm`` is any LangChain
        chat model; without one, ``settings.answering.llm_base_url`` may configure one, else answers are
        extractive."""
        s = get_settings(settings, **({"index_dir": Path(index_dir)} if index_dir else {}))
        index = Index.open(s)
        if index.manifest.count_passages() == 0:
            raise EmptyIndexError(f"the index at {s.index_dir} holds no passages; run `evidence ingest "
                                  "corpus/sample` (or your own folder)")
        if llm is None and s.answerer == "generative":
            from evidence_assistant.answering.generative import make_chat_model
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
            from evidence_assistant.answering.generative import GenerativeAnswerer
            self._generative = GenerativeAnswerer(self.llm, settings=self.settings, prompts_dir=self.settings.answering.prompts_dir,
                                                  checker=self.checker)
        return self._generative

    def stages(self, question: str | None = None, filters: Filters | None = None) -> Stages:
        """The answering stages as this assistant runs them: the chat model first when there is
        one (the extractive answerer if it fails), the commitments registry's evidence added.
        For a question about how a response answered a committee's recommendations ("which
        recommendations did the Government reject?"), the recommendations tracker answers first,
        when the index holds a report whose recommendations a response was matched to."""
        answerers: list[Answerer] = [ExtractiveAnswerer(self.settings.answering.max_answer_sentences)]
        model = self.generative
        if model is not None:
            answerers.insert(0, model)
        evidence: Any = self.commitment_evidence
        tracker = self._stance_answerer(question, filters) if question else None
        if tracker is not None:
            answerers.insert(0, tracker)
            evidence = tracker.evidence(evidence)
        return Stages(self.settings, self.retriever, answerers,
                      rewrite=model.condense_question if model is not None else None,
                      evidence=evidence, all_ratings=self._all_ratings)

    def _stance_answerer(self, question: str, filters: Filters | None) -> Any:
        """The recommendations tracker's answerer for a stance question, or None."""
        from evidence_assistant.tracker.stance_answers import ResponseStances, stance_question

        if stance_question(question) is None:
            return None
        if self._stances is None:
            self._stances = ResponseStances(self)
        return self._stances.answerer(question, resolve_filters(self.index, filters))

    @property
    def registry(self):
        if not self._registry_loaded:
            self._registry_loaded = True
            try:
                from evidence_assistant.tracker.commitments import load_registry
                self._registry = load_registry()
            except Exception as exc:  # the registry is an aid to answers, not a requirement
                log.warning("commitments registry not available: %s", exc)
                self._registry = None
        return self._registry

    # --- the questions -------------------------------------------------------------------
    def standalone(self, question: str, history: Sequence[Any] | None) -> str:
        """``question`` as it reads without the conversation before it (``history``)."""
        return self.stages().standalone(question, history)

    def retrieve(self, question: str, *, filters: Filters | dict[str, Any] | None = None,
                 k: int | None = None) -> Retrieval:
        """The passages the answerer reads for ``question``: ``top_k`` of them, and
        ``part_passages`` more for each further part of a question asking two things; exactly
        ``k`` when ``k`` is given."""
        q = clean_question(question, self.settings.answering.max_question_chars)
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
        q = clean_question(question, self.settings.answering.max_question_chars)
        turn = Turn(q, history=history, filters=Filters.from_any(filters), evidence_as_of=self.as_of(), started=t0)
        yield from self.stages(q, turn.filters).run(turn)

    def as_retriever(self, *, k: int | None = None, filters: Filters | dict[str, Any] | None = None):
        """A LangChain retriever over this index, for use in your own chains."""
        from evidence_assistant.surfaces.lc import EvidenceRetriever
        flt = Filters.from_any(filters)
        return EvidenceRetriever(assistant=self, k=k or self.settings.retrieval.top_k, filters=flt.to_dict() if flt else None)

    def add_files(self, paths: Sequence[str | Path], *, progress: Any = None):
        """Index files into this assistant's index (as `evidence ingest` does); returns the
        ``IngestReport``. New passages are searchable as soon as it returns."""
        from evidence_ingest.pipeline import ingest
        with self._lock:
            return ingest(list(paths), settings=self.settings, index=self.index, progress=progress)

    def remove_document(self, doc_id: str) -> int:
        """Remove a document (by id or unambiguous 12+ character prefix) from the index;
        returns the number of passages removed."""
        from evidence_ingest.store import IngestLock
        from evidence_assistant.core.errors import InvalidFilterError
        matches = [d for d in self.index.manifest.documents() if d.doc_id == doc_id
                   or (len(doc_id) >= 12 and d.doc_id.startswith(doc_id))]
        if len(matches) != 1:
            raise InvalidFilterError(f"no single indexed document {doc_id!r}; `evidence status` lists the ids")
        with self._lock, IngestLock(self.settings.index.index_dir):
            n = self.index.remove_document(matches[0].doc_id)
            self.index.refresh_lexical()
        return n

    # --- helpers -------------------------------------------------------------------------
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


class CommitmentEvidence:
    """For questions about registered commitments: their ratings, and the passages that evidence
    them, added after those retrieved (an ``EvidenceSource`` for the answering stages)."""

    def __init__(self, index: Index, registry: Callable[[], Any]):
        self.index = index
        self.registry = registry
        self._cache: dict[tuple[int, str], list[str]] = {}

    def __call__(self, question: str, shown: Sequence[ScoredPassage], allowed: set[str] | None) -> ExtraEvidence:
        """``shown`` is left as it is; the passages to add come back in a new list, with the
        ranks (in ``shown`` followed by them) of every evidence passage, present or added."""
        reg = self.registry()
        if reg is None:
            return ExtraEvidence({}, [], set())
        try:
            from evidence_assistant.tracker.commitment_answers import evidence_passage_ids, match_commitments
        except ImportError:
            return ExtraEvidence({}, [], set())
        matched = match_commitments(question, reg)
        if not matched:
            return ExtraEvidence({}, [], set())
        ratings = {c.id: c.rating.value for c in matched if getattr(c, "rating", None)}
        gen = self.index.manifest.generation()
        boosted: set[int] = set()
        added: list[ScoredPassage] = []
        shared = self.index.manifest.shared_works()
        present = {sp.passage.passage_id: i for i, sp in enumerate(shown)}
        for c in matched:
            key = (gen, c.id)
            if key not in self._cache:
                self._cache[key] = evidence_passage_ids(c, self.index)
            ids = self._cache[key]
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
                                            and sp.passage.doc_id != p.doc_id for sp in [*shown, *added]):
                    continue  # another copy of this work is already shown: a work is cited once
                present[pid] = len(shown) + len(added)
                boosted.add(present[pid])
                added.append(ScoredPassage(p, 0.0))
        return ExtraEvidence(ratings, added, boosted)
