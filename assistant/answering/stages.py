"""How a question becomes a checked answer: five named stages that fill in one record, ``Turn``.

    condense  the question made stand-alone from the conversation so far       (condense_s)
    gather    the passages retrieved for it, and any commitment evidence        (retrieve_s, retrieve_*)
    judge     whether the evidence can answer it: relevance, the type of thing
              asked for, the question's premise; declines when it cannot        (score_s)
    answer    the answer's text, from the chosen answerer, streamed             (answer_s)
    check     each sentence checked against what it cites; the verdict          (check_s)

Every "the documents do not answer this" comes from one function, :func:`decline`. An answerer
is anything with the :class:`Answerer` shape: the extractive one (quotes sentences of the
passages) and the generative one (a chat model; ``answering/generative.py``). Evidence beyond
retrieval (the commitments registry's, which lives on the floor above) comes in through an
:class:`EvidenceSource` that the caller supplies.
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator, NamedTuple, Protocol, Sequence, runtime_checkable

import numpy as np

from evidence_assistant.answering.answer import NO_ANSWER_TEXT, Answer, AnswerSentence, Citation
from evidence_assistant.answering.citations import verbatim_citations
from evidence_assistant.answering.conversation import condense_without_model, history_questions, is_follow_up
from evidence_assistant.answering.answerable import (answers_the_type, expected_type, main_clause, named_in, never_indexed,
                                                     stated_values)
from evidence_assistant.answering.extractive import (Candidate, announcing_lead_in, asked_acronyms, asked_items, asked_list,
                                                     candidates, continue_lists, coverage, finish_cut_sentences,
                                                     numbered_lists, part_bests, part_runners_up, reorder,
                                                     score_candidates, select, spelled_out, whole_lists,
                                                     without_dangling_lead_ins)
from evidence_assistant.answering.parts import answer_names, question_parts, refers_to_answer
from evidence_assistant.answering.premise import PremiseCheck, check_premise, premise_note
from evidence_assistant.answering.retrieve import Filters, Retrieval, Retriever
from evidence_assistant.answering.weights import WEIGHTS
from evidence_assistant.core.errors import LLMError
from evidence_assistant.core.settings import Settings
from evidence_assistant.core.text import tokenize
from evidence_assistant.core.types import Passage, ScoredPassage

log = logging.getLogger(__name__)

# The stages in the order they run, each with the timing it records.
STAGES = (("condense", "condense_s"), ("gather", "retrieve_s"), ("judge", "score_s"), ("answer", "answer_s"),
          ("check", "check_s"))

# How a decline names what the question asked for.
_WANTED = {"date": "a date", "number": "a number", "money": "an amount of money", "name": "a name",
           "rating": "a rating", "share": "a percentage or share", "duration": "a span of time", "place": "a place",
           "address": "a web or e-mail address", "option": "one of the answers it offers in brackets",
           "scale": "a scale of values (such as 1 to 5)", "level": "a named level (such as level 2)",
           "code": "a code"}


@dataclass
class Turn:
    """One question on its way to an answer: each stage reads what the earlier ones wrote."""

    question: str  # as asked, cleaned
    history: Sequence[Any] | None = None
    filters: Filters | None = None
    evidence_as_of: str | None = None
    started: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)
    # condense
    standalone: str = ""
    # gather
    retrieval: Retrieval | None = None
    shown: list[ScoredPassage] = field(default_factory=list)  # retrieved, then commitment evidence
    ratings: dict[str, str] = field(default_factory=dict)  # registered ratings of commitments asked about
    boosted: set[int] = field(default_factory=set)  # ranks in ``shown`` of commitment evidence
    # judge
    cands: list[Candidate] = field(default_factory=list)
    vecs: np.ndarray | None = None
    # A question asking two things: each part with the candidates scored against it alone, and
    # the index in ``cands`` of each part's best sentence (answered first, in the parts' order).
    parts: list[tuple[str, list[Candidate]]] = field(default_factory=list)
    part_best: list[int] = field(default_factory=list)
    part_also: list[int] = field(default_factory=list)  # each part's next best, when close to its best
    # What a later part that refers to the first part's answer ("… and what does that body
    # publish?") is searched and scored with besides its own words: the names that answer says.
    carried: dict[int, str] = field(default_factory=dict)
    found_for: dict[int, set[int]] = field(default_factory=dict)  # part -> ranks in ``shown`` its search added
    signals: dict[str, float] = field(default_factory=dict)
    premise: PremiseCheck = field(default_factory=lambda: PremiseCheck(False))
    notes: list[str] = field(default_factory=list)
    # answer
    answered_by: "Answerer | None" = None
    text: str = ""  # what the answerer wrote, as streamed
    picked: list[Candidate] = field(default_factory=list)  # the extractive answerer's sentences
    # The passage after a given one in its document (a list cut off by a passage's end goes on there).
    following: Callable[[Passage], Passage | None] = lambda passage: None
    prompt: dict[str, str] | None = None
    streamed: bool = False  # whether the text went out while it was written (not after the check)
    # the end: a decline from any stage, or the checked answer
    answer: Answer | None = None


@runtime_checkable
class Answerer(Protocol):
    """Writes the answer to a judged ``Turn`` and hands over its sentences for the check."""

    name: str  # recorded on the answer: "extractive", "generative"
    # Whether it may still answer when the sentences closest to the question hold none of what
    # it asks for (a date, a number): a model reads the passages for itself.
    may_answer_untyped: bool

    def stream(self, turn: Turn) -> Iterator[str]:
        """The answer's text, piece by piece, keeping on the turn what its check will need;
        raises ``LLMError`` when a model fails."""
        ...

    def prompt(self) -> dict[str, str] | None:
        """Name and checksums of the prompt used, for the answer's record; None without one."""
        ...

    def check(self, turn: Turn) -> tuple[list[AnswerSentence], list[Citation]] | None:
        """The sentences just streamed, each checked against the passages it cites; None when
        the answer itself says that the documents do not answer the question."""
        ...


class ExtraEvidence(NamedTuple):
    ratings: dict[str, str]  # commitment id -> registered rating, for the premise check
    added: list[ScoredPassage]  # passages to show after those retrieved, in this order
    boosted: set[int]  # ranks, in retrieved + added, of the evidence passages


class EvidenceSource(Protocol):
    """Evidence for a question beyond what retrieval found. Returns new lists; ``shown`` is
    left as it was."""

    def __call__(self, question: str, shown: Sequence[ScoredPassage], allowed: set[str] | None
                 ) -> ExtraEvidence: ...


def no_extra_evidence(question: str, shown: Sequence[ScoredPassage], allowed: set[str] | None) -> ExtraEvidence:
    return ExtraEvidence({}, [], set())


def decline(turn: Turn, reason: str | None = None) -> Answer:
    """The answer that says the documents do not answer the question, with the nearest passages
    and why (``reason``, after any notes the turn already carries)."""
    turn.timings["total_s"] = time.perf_counter() - turn.started
    by = turn.answered_by
    return Answer(text=NO_ANSWER_TEXT, sentences=[], citations=[], verdict="no_answer",
                  notes=[*turn.notes, reason] if reason else turn.notes, timings=turn.timings,
                  **({"answerer": by.name, "prompt": turn.prompt} if by is not None else {}), **_record(turn))


def _record(turn: Turn) -> dict[str, Any]:
    return dict(question=turn.question, standalone_question=turn.standalone, passages=turn.shown,
                filters=turn.filters.to_dict() if turn.filters else None, evidence_as_of=turn.evidence_as_of,
                signals=turn.signals)


def answer_values(question: str) -> Callable[[str], set[str]] | None:
    """What states the answer to ``question`` again: the figures, dates, names or frequencies of
    the kind it asks for that a sentence states, or the same spelling-out of an abbreviation it
    asks about; None when it asks for neither. A question scoped to a document ("In the survey
    report, how many …?") asks what its main clause asks."""
    asked = main_clause(question)
    want = expected_type(asked)
    if want:
        return lambda text: stated_values(text, want)
    acronyms = asked_acronyms(asked)
    return (lambda text: spelled_out(text, acronyms)) if acronyms else None


class ExtractiveAnswerer:
    """The answerer without a model: the best sentences of the passages, word for word, each
    cited to the span it was taken from."""

    name = "extractive"
    may_answer_untyped = False

    def __init__(self, max_sentences: int):
        self.max_sentences = max_sentences

    def stream(self, turn: Turn) -> Iterator[str]:
        listed = asked_list(turn.standalone)
        items = listed[0] if listed else WEIGHTS.list_items
        values = answer_values(turn.standalone)
        first = list(turn.part_best)
        # A list asked for with its size ("which three areas …") is answered first by the line
        # announcing that many; one asked for without ("which hazards …") by the line introducing
        # that kind of item, taken after the best sentences even when the gap would leave it out.
        lead = announcing_lead_in(turn.cands, listed) if listed else None
        if lead is not None and lead not in first:
            first.append(lead)
        uncounted = None if listed else asked_items(turn.standalone)
        introducing = announcing_lead_in(turn.cands, uncounted) if uncounted else None
        chosen = select(turn.cands, turn.vecs, max_sentences=self.max_sentences, list_items=items, first=first,
                        also=turn.part_also + ([] if introducing is None else [introducing]),
                        list_asked=bool(listed or uncounted),
                        values=values)
        turn.picked = continue_lists(chosen, turn.shown, turn.following, list_items=items)
        turn.picked = whole_lists(numbered_lists(turn.picked, turn.shown, turn.following, list_items=items), turn.shown)
        turn.picked = finish_cut_sentences(turn.picked, turn.shown, turn.following, list_items=items)
        turn.picked = without_dangling_lead_ins(turn.picked, turn.shown)
        for c in turn.picked:
            yield f"{c.text} [{c.rank + 1}] "

    def prompt(self) -> dict[str, str] | None:
        return None

    def check(self, turn: Turn) -> tuple[list[AnswerSentence], list[Citation]]:
        # Each sentence is a span of a passage: cite that span, checked character for character.
        return verbatim_citations([(c.text, turn.shown[c.rank].passage, c.start, c.end) for c in turn.picked])


class Stages:
    """The answering stages over one index. ``answerers``: the one to use first, then those to
    fall back on, in order, when a model fails. ``rewrite``: a model's rewriting of a follow-up
    into a stand-alone question, if there is one. ``evidence``: evidence beyond retrieval.
    ``all_ratings``: the ratings of every registered commitment, for the premise check."""

    def __init__(self, settings: Settings, retriever: Retriever, answerers: Sequence[Answerer], *,
                 rewrite: Callable[[str, list[str]], str] | None = None,
                 evidence: EvidenceSource = no_extra_evidence,
                 all_ratings: Callable[[], Sequence[str]] = list):
        if not answerers:
            raise ValueError("Stages needs at least one answerer, such as ExtractiveAnswerer(max_sentences=4)")
        self.settings = settings
        self.retriever = retriever
        self.index = retriever.index
        self.answerers = list(answerers)
        self.rewrite = rewrite
        self.evidence = evidence
        self.all_ratings = all_ratings

    def run(self, turn: Turn) -> Iterator[str | Answer]:
        """Run the stages in order; yield the answer's text as it is produced, then the
        ``Answer`` last. A stage that declines ends the run."""
        self.condense(turn)
        self.gather(turn)
        self.judge(turn)
        if turn.answer is None:
            yield from self.answer(turn)
            self.check(turn)
        assert turn.answer is not None
        if not turn.streamed:
            yield turn.answer.text
        yield turn.answer

    # --- the stages ----------------------------------------------------------------------
    def condense(self, turn: Turn) -> None:
        t = time.perf_counter()
        turn.standalone = self.standalone(turn.question, turn.history)
        turn.timings["condense_s"] = time.perf_counter() - t

    def gather(self, turn: Turn) -> None:
        t = time.perf_counter()
        turn.retrieval = self.retriever.search(turn.standalone, filters=turn.filters)
        retrieved = turn.retrieval.results
        turn.ratings, added, turn.boosted = self.evidence(turn.standalone, retrieved, turn.retrieval.allowed_docs)
        turn.shown = [*retrieved, *added]
        manifest = getattr(self.index, "manifest", None)
        if manifest is not None:
            turn.following = manifest.next_passage
        turn.timings["retrieve_s"] = time.perf_counter() - t
        turn.timings.update({f"retrieve_{k}": v for k, v in turn.retrieval.timings.items()})

    def judge(self, turn: Turn) -> None:
        """Whether the evidence can answer the question; a decline (``turn.answer``) if not."""
        if not turn.shown:
            turn.answer = decline(turn, "No passage matched the question and filters.")
            return
        # What the documents can say to the question: sentence scores decide both the extractive
        # answer and whether there is enough evidence to answer at all.
        t = time.perf_counter()
        relevance = self._score(turn)
        if self._follow_back(turn):
            relevance = self._score(turn)
        turn.timings["score_s"] = time.perf_counter() - t

        idf = self.index.lexical.idf
        turn.premise = check_premise(turn.standalone, turn.shown, registry_ratings=turn.ratings,
                                     all_ratings=self.all_ratings(), idf=idf,
                                     min_proposition=self.settings.answering.min_proposition)
        # A question asking two things is answerable when either part is: the answer then says
        # what the documents hold on it.
        asked = turn.parts or [(turn.standalone, turn.cands)]
        checks = [answers_the_type(q, cands, turn.shown, idf=idf) for q, cands in asked]
        typed = any(ok for ok, _ in checks)
        want = next((w for ok, w in checks if not ok), None)
        turn.signals["answer_type"] = 1.0 if typed else 0.0
        if not typed and not turn.premise.rejected and not self.answerers[0].may_answer_untyped:
            year = " for the year it names" if re.search(r"\b(19|20)\d{2}\b", turn.standalone) else ""
            if want is None:  # the year it asks about is in no passage retrieved for it
                turn.answer = decline(turn, "No passage retrieved for the question states the year it asks "
                                            "about. The nearest are listed.")
                return
            if want == "row":  # the closest passages are rows of a table without the one asked about
                turn.answer = decline(turn, "The closest passages are rows of a table, none of them the row the "
                                            "question asks about. The nearest are listed.")
                return
            turn.answer = decline(turn, f"The question asks for {_WANTED.get(want, 'a ' + str(want))}; the passages "
                                        f"closest to it state none{year}. The nearest are listed.")
            return
        if relevance < self.settings.answering.min_relevance and not turn.boosted:
            turn.answer = decline(turn, f"The closest passages score {relevance:.2f}, below the "
                                        f"{self.settings.answering.min_relevance:.2f} needed to answer; the nearest are listed.")
            return
        # A name the question gives that no indexed document holds anywhere ("… such as the Smithfield
        # index"): whatever is near in topic, the documents cannot say what is asked of it.
        unknown = never_indexed(named_in(turn.standalone), idf)
        if unknown and not turn.premise.rejected:
            words = list(dict.fromkeys(w for w in re.findall(r"[\w'’-]+", turn.standalone)
                                       if set(tokenize(w)) & set(unknown)))
            named = " or ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)
            turn.answer = decline(turn, f"No indexed document mentions {named}, which the question names. The "
                                        "nearest passages are listed.")
            return
        if self.settings.answering.sentence_scorer == "learned" and turn.standalone == turn.question:
            # Judged answerable on the hand scores, as under either scorer; the learned scorer
            # then says which sentences lead, for the whole question and for each part. (It has
            # learned from stand-alone questions only: a follow-up keeps the order its own words
            # and its rewrite give together.)
            reorder(turn.cands)
            for _, own in turn.parts:
                reorder(own)
            if turn.parts:
                self._pick_parts(turn)
        if turn.premise.rejected:
            turn.notes.append(premise_note(turn.premise))

    def answer(self, turn: Turn) -> Iterator[str]:
        """The first answerer's text, or, when a model fails, the next's."""
        t = time.perf_counter()
        # With unsupported sentences removed, nothing is shown before it is checked: the text is
        # streamed only after the check, and holds only the sentences that passed.
        turn.streamed = self.settings.answering.unsupported != "remove"
        for n, answerer in enumerate(self.answerers):
            pieces: list[str] = []
            try:
                for piece in answerer.stream(turn):
                    pieces.append(piece)
                    if turn.streamed:
                        yield piece
            except LLMError as exc:
                if n + 1 == len(self.answerers):
                    raise
                turn.notes.append(f"{exc}; this is the {self.answerers[n + 1].name} answer instead.")
                continue
            turn.answered_by, turn.text, turn.prompt = answerer, "".join(pieces), answerer.prompt()
            break
        turn.timings["answer_s"] = time.perf_counter() - t

    def check(self, turn: Turn) -> None:
        t = time.perf_counter()
        assert turn.answered_by is not None
        checked = turn.answered_by.check(turn)
        if checked is None:  # the answer itself says the documents do not answer
            turn.answer = decline(turn)
            return
        turn.timings["check_s"] = time.perf_counter() - t
        turn.answer = self._finish(turn, *checked)
        turn.timings["total_s"] = time.perf_counter() - turn.started

    # --- their parts ---------------------------------------------------------------------
    def standalone(self, question: str, history: Sequence[Any] | None) -> str:
        """``question`` as it reads without the conversation before it."""
        previous = history_questions(history)
        if not previous or not is_follow_up(question):
            return question
        if self.rewrite is not None:
            try:
                return self.rewrite(question, previous)
            except LLMError as exc:
                log.warning("%s; carrying the previous subject instead", exc)
        return condense_without_model(question, previous)

    def _score(self, turn: Turn) -> float:
        """Score every candidate sentence of the passages shown; the question's relevance."""
        embedder, shown = self.index.embedder, turn.shown
        parts = question_parts(turn.standalone) if self.settings.split_questions else []
        # Lines standing as titles answer only who ("Foreword from …"): read when something asks who.
        cands = candidates(shown, titles=any(expected_type(main_clause(q)) == "name" for q in [turn.standalone, *parts]))
        scorer, idf = self.settings.answering.sentence_scorer, self.index.lexical.idf
        if turn.standalone != turn.question:
            scorer = "features"  # the learned scorer re-orders stand-alone questions only (see judge)
        turn.vecs = score_candidates(turn.standalone, cands, embedder, n_passages=len(shown), boost_ranks=turn.boosted,
                                     scorer=scorer, idf=idf)
        if turn.standalone != turn.question:
            # A follow-up's own words say what is wanted now ("how did the Government respond");
            # the rewrite found the right passages. Sentences are judged on both.
            carried = [c.score for c in cands]
            score_candidates(turn.question, cands, embedder, n_passages=len(shown), boost_ranks=turn.boosted,
                             scorer=scorer, idf=idf)
            for c, prev in zip(cands, carried):
                c.score = WEIGHTS.follow_up_own_words * (c.score + prev)
        turn.cands = cands
        turn.parts, turn.part_best, turn.part_also = [], [], []
        if len(parts) > 1:
            # Each part scored on its own, on copies, so that the whole question's scores stand.
            for n, part in enumerate(parts):
                part = f"{part} {turn.carried[n]}" if n in turn.carried else part
                own = [replace(c) for c in cands]
                # A part is scored on what it asks past the clause naming where to read ("Under
                # the council's travel plan, what should a permit cost?"): the passages were
                # searched with that clause, and its words, said by every sentence near the
                # document's name, would pick a sentence about the document over the fact.
                score_candidates(main_clause(part), own, embedder, n_passages=len(shown), boost_ranks=turn.boosted,
                                 scorer=scorer, idf=idf)
                turn.parts.append((part, own))
            self._pick_parts(turn)
        best = max((c.score for c in cands), default=0.0)
        cov = coverage(turn.standalone, [sp.passage.text for sp in shown[:WEIGHTS.coverage_passages]],
                       self.index.lexical)
        relevance = WEIGHTS.relevance_best * best + WEIGHTS.relevance_coverage * cov
        turn.signals.update(best_sentence=round(best, 4), coverage=round(cov, 4), relevance=round(relevance, 4))
        return relevance

    def _pick_parts(self, turn: Turn) -> None:
        """Each part's best sentence (``turn.part_best``), from the parts' own scores."""
        scored = [own for _, own in turn.parts]
        turn.part_best = part_bests(scored)
        turn.part_also = part_runners_up(scored, turn.part_best)
        for n, ranks in turn.found_for.items():
            # What the part's own second search found answers it, though the first part's
            # answer, whose names it was searched with, reads closer to its words.
            own = turn.parts[n][1]
            found = max((i for i, c in enumerate(own) if c.rank in ranks and c.kind != "short-item"),
                        key=lambda i: own[i].score, default=None)
            if found is not None and found not in turn.part_best:
                turn.part_best.append(found)

    def _follow_back(self, turn: Turn) -> bool:
        """A later part that refers to what the first part asks for ("Which body does the plan
        name, and what does that body publish?") is searched again with the names the first
        part's best sentence gives, which the question could not; what that search finds first
        and was not shown is added. Whether passages were added."""
        if len(turn.parts) < 2:
            return False
        first = [c for c in turn.parts[0][1] if c.kind != "short-item"]
        if not first:
            return False
        best = max(first, key=lambda c: c.score)
        asked = set(tokenize(turn.standalone))
        names = [n for n in dict.fromkeys(answer_names(best.text)) if not set(tokenize(n)) <= asked]
        if not names:
            return False
        shown_ids = {sp.passage.passage_id for sp in turn.shown}
        added: list[ScoredPassage] = []
        for n, (part, _) in enumerate(turn.parts[1:], start=1):
            if not refers_to_answer(part):
                continue
            turn.carried[n] = " ".join(names[:WEIGHTS.carried_names])
            found = self.retriever.search(f"{part} {turn.carried[n]}", filters=turn.filters).results
            new = [sp for sp in found if sp.passage.passage_id not in shown_ids][:WEIGHTS.follow_back_passages]
            shown_ids.update(sp.passage.passage_id for sp in new)
            start = len(turn.shown) + len(added)
            turn.found_for[n] = set(range(start, start + len(new)))
            added.extend(new)
        turn.shown.extend(added)
        return bool(added)

    def _finish(self, turn: Turn, sentences: list[AnswerSentence], citations: list[Citation]) -> Answer:
        """The answer from its checked sentences: unsupported ones marked or removed, the verdict."""
        notes, premise_rejected = turn.notes, turn.premise.rejected
        supported = [s for s in sentences if s.supported]
        if self.settings.answering.unsupported == "remove":
            kept_idx = {i for i, s in enumerate(sentences) if s.supported}
            dropped = len(sentences) - len(kept_idx)
            if dropped:
                notes.append(f"{dropped} sentence(s) not supported by their citations were removed.")
            citations = [c for c in citations if c.sentence in kept_idx]
            remap = {old: new for new, old in enumerate(sorted(kept_idx))}
            citations = [replace(c, sentence=remap[c.sentence]) for c in citations]
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
        assert turn.answered_by is not None
        return Answer(text=text, sentences=sentences, citations=citations, verdict=verdict,
                      answerer=turn.answered_by.name, notes=notes, timings=turn.timings, prompt=turn.prompt,
                      **_record(turn))
