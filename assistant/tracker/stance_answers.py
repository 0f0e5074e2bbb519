"""Questions about how a response answered a committee's recommendations ("which recommendations
did the Government reject?", "how many of the Committee's recommendations were accepted?",
"what did the Government not address?") are answered from the recommendations tracker.

The tracker has already matched each recommendation of an indexed report to its reply in an
indexed response and read the reply's stance from the sentence that decides it
(``recommendations.match_response``, over what is indexed: ``tracker_progress.items_in_index``).
The answer gives one sentence per recommendation with the stance asked about: its number, the
opening of what it asks for, quoted from the report, and the reply's deciding sentence, quoted
from the response — each quotation cited to the indexed passage that holds it and checked there
character for character, like every extractive answer. A recommendation the response states no
position on is quoted with what the tracker found instead of a deciding sentence.

Reading the documents again is the slow part, so the analysis is kept until the index changes
(its generation counter moves).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator, Sequence

from evidence_assistant.answering.answer import AnswerSentence, Citation
from evidence_assistant.answering.citations import normalise, normalise_with_map, quotation_in, quotations, verbatim_citations
from evidence_assistant.answering.stages import EvidenceSource, ExtraEvidence, Turn
from evidence_assistant.core.errors import LLMError
from evidence_assistant.core.text import sentence_spans
from evidence_assistant.core.types import Passage, ScoredPassage

__all__ = ["StanceQuestion", "stance_question", "Quoted", "StanceEntry", "ResponseStances", "TrackerAnswerer",
           "NOT_MATCHED", "SHORT_WORDS", "MAX_SENTENCES"]

NOT_MATCHED = "not matched"  # no reply of the response was matched to the recommendation
SHORT_WORDS = 18  # the words of a recommendation quoted in an answer; longer ones end in "…"
MAX_SENTENCES = 30  # recommendations listed in one answer; the rest are counted in a note

# --- The question ------------------------------------------------------------------------------

# What a question asks about a response's stance. Checked in this order: "partly accepted" holds
# "accepted", and "not accepted" and "not addressed" hold a "not".
_PARTLY = re.compile(r"\b(?:partly|partially|in part|in principle|part(?:ial)? acceptance)\b")
_NOT_ADDRESSED = re.compile(
    r"\b(?:not|n't|never|fail(?:ed|s)? to|neglect(?:ed|s)? to)\s+(?:yet\s+|even\s+|directly\s+)?"
    r"(?:address|answer|respond|reply|replie|mention|cover)\w*|\b(?:ignor\w+|unanswered|unaddressed|overlooked)\b|"
    r"\bno (?:position|reply|response|answer)\b|\bwithout (?:a |any )?(?:position|reply|response|answer)\b")
_NOT_ACCEPTED = re.compile(r"\b(?:reject\w*|turn(?:ed|s)? down|refus\w+|declin\w+|rebuff\w*|disagree\w*)\b|"
                           r"\b(?:not|n't|never)\s+(?:\w+\s+)?(?:accept|agree|support|take forward|implement)\w*")
_NOTED = re.compile(r"\b(?:note|notes|noted|noting|took note|takes? note|acknowledg\w+)\b")
_ACCEPTED = re.compile(r"\b(?:accept\w*|agree\w*|support\w*|endors\w*|welcomed|took forward|taken forward)\b")

# A question that asks why, or for reasons, wants the reply's argument, not the list.
_ASKS_WHY = re.compile(r"^\s*(?:why|how (?:did|does|do|was|were|has|have|will|would|could|should|can|is|are)|when|where|who)\b"
                       r"|\b(?:why|reasons?|because|explain\w*|justif\w+|grounds|rationale)\b")
_ABOUT_RECOMMENDATIONS = re.compile(r"\b(?:recommendations?|conclusions?)\b")
_ASKS_WHICH = re.compile(r"\b(?:which|what|how many|list|name|any|were|was|did|has|have|does|do|are|is)\b")
_NUMBERED = re.compile(r"\brecommendations?\s+(?:no\.?\s*)?(\d{1,3}(?:\s*(?:,|and|&|or|to|-|–)\s*\d{1,3})*)\b")
# "What did the Government not address?": no "recommendations", so the whole question must be
# this short form, the stance ending it ("… agree to do by March" is about something else).
_BARE = re.compile(r"(?:what|which)(?: (?:parts?|points?|items?|things?|ones?))? (?:did|has|have|does|do) "
                   r"(?:the )?(?:government|department|ministers?|minister|response|reply) "
                   r"(?P<verb>(?:[\w']+ ){0,2}[\w']+)(?: in (?:its|the|their) (?:response|reply)"
                   r"(?: to (?:the )?(?:committee|report|committee's report))?)?")


@dataclass(frozen=True)
class StanceQuestion:
    """What a stance question asks for: the stance (one of ``recommendations.STANCES``), the
    recommendations it names by number, if any, and whether it asks how many."""

    stance: str
    numbers: tuple[str, ...] = ()
    counting: bool = False


def _stance_in(text: str) -> str | None:
    if _PARTLY.search(text) and _ACCEPTED.search(text):
        return "partly accepted"
    if _NOT_ADDRESSED.search(text):
        return "not addressed"
    if _NOT_ACCEPTED.search(text):
        return "not accepted"
    if _NOTED.search(text):
        return "noted"
    if _ACCEPTED.search(text):
        return "accepted"
    return None


def _numbers(spec: str) -> tuple[str, ...]:
    nums = [int(x) for x in re.findall(r"\d+", spec)]
    if re.search(r"\d\s*(?:to|-|–)\s*\d", spec) and len(nums) == 2 and nums[0] < nums[1] <= nums[0] + 50:
        nums = list(range(nums[0], nums[1] + 1))
    return tuple(dict.fromkeys(str(n) for n in nums))


def stance_question(question: str) -> StanceQuestion | None:
    """The stance a question asks about, when it asks which (or how many) recommendations a
    response accepted, partly accepted, rejected, noted or left unaddressed, or whether it
    accepted recommendations it names by number; None for any other question."""
    q = re.sub(r"\s+", " ", question.replace("’", "'").replace("‘", "'")).strip().lower()
    q = q.rstrip(" ?.!")
    if not q or _ASKS_WHY.search(q):
        return None
    counting = bool(re.search(r"\bhow many\b", q))
    named = _NUMBERED.search(q)
    if named or (_ABOUT_RECOMMENDATIONS.search(q) and _ASKS_WHICH.search(q)):
        stance = _stance_in(q)
        if stance is None:
            return None
        return StanceQuestion(stance, _numbers(named.group(1)) if named else (), counting)
    bare = _BARE.fullmatch(q)
    if bare:
        stance = _stance_in(bare.group("verb"))
        if stance is not None:
            return StanceQuestion(stance, (), counting)
    return None


# --- What the tracker found, in indexed passages -----------------------------------------------

@dataclass(frozen=True)
class Quoted:
    """Words of an indexed passage: ``passage.text[start:end]``."""

    passage: Passage
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.passage.text[self.start:self.end]


@dataclass(frozen=True)
class StanceEntry:
    """One recommendation of an indexed report, with the stance of the indexed response's reply."""

    number: str
    stance: str  # one of recommendations.STANCES, or NOT_MATCHED
    report_title: str
    response_title: str
    report_doc_id: str
    response_doc_id: str
    recommendation: Quoted | None  # the opening of what it asks for, in the report
    cut: bool  # whether that opening stops short of the end of its sentence
    decisive: Quoted | None  # the reply's deciding sentence, in the response
    quoted_in_response: Quoted | None  # the same opening where the response quotes it, if it does
    reason: str | None = None  # the tracker's note on the match

    @property
    def answers_as(self) -> str:
        """The stance as a question asks about it: a recommendation no reply was matched to is
        one the response did not address."""
        return "not addressed" if self.stance == NOT_MATCHED else self.stance


def _find(text: str, passages: Sequence[Passage], where: tuple[str | None, str | None] = (None, None),
          heading: str | None = None) -> Quoted | None:
    """Where ``text`` is in the passages (white space, quote marks and case aside), preferring
    the place at page and paragraph ``where``, then a passage under ``heading``."""
    needle = normalise(text)
    if len(needle) < 8:
        return None
    best: tuple[tuple[bool, bool, bool], Quoted] | None = None
    for p in passages:
        hay, at = normalise_with_map(p.text)
        i = hay.find(needle)
        while i >= 0:
            q = Quoted(p, at[i], at[i + len(needle) - 1] + 1)
            page, para = p.locate(q.start)
            rank = (where != (None, None) and (page, para) == where, where[0] is not None and page == where[0],
                    heading is not None and heading in p.heading_path)
            if best is None or rank > best[0]:
                best = (rank, q)
            i = hay.find(needle, i + 1)
    return best[1] if best else None


# Sentences that ask for something: plainly ("we recommend", "should"), or in weaker words that a
# conclusion uses too ("must", "needs to"), taken only when no sentence asks plainly.
_ASKS = (re.compile(r"\b(?:recommends?|recommend that|should|urges?|call(?:s)? on|is urged)\b", re.I),
         re.compile(r"\b(?:must|asks?|expects?|needs? to)\b", re.I))
_TRAILING_SMALL = re.compile(r"(?:\s+(?:a|an|the|of|by|to|and|or|for|in|on|at|which|that|with|from|its|their))+$", re.I)


def short_form(text: str, words: int = SHORT_WORDS) -> tuple[str, bool]:
    """The opening of what a recommendation asks for: its first sentence that asks something (the
    sentence before it is often the conclusion it rests on), at most ``words`` words, without a
    closing full stop; and whether it was cut short."""
    spans = [text[a:b] for a, b in sentence_spans(text)] or [text]
    ask = next((s for rx in _ASKS for s in spans if rx.search(s)), spans[0])
    ask = re.sub(r"\s*\((?:Paragraphs?|Paras?\.?)\s+[^)]*\)\s*$", "", ask, flags=re.I).strip()
    split = ask.split()
    if len(split) <= words:
        return ask.rstrip(" ."), False
    return _TRAILING_SMALL.sub("", " ".join(split[:words]).rstrip(",;:–- ")).rstrip(",;:–- "), True


def _doc_ids_by_file(manifest: Any) -> dict[tuple[str, str], str]:
    """Indexed reports and responses by (file name, title)."""
    out: dict[tuple[str, str], str] = {}
    for d in manifest.documents():
        if d.kind not in ("report", "response"):
            continue
        for p in manifest.paths_of(d.doc_id) or [d.path]:
            if p:
                out.setdefault((Path(p).name, d.title), d.doc_id)
    return out


class ResponseStances:
    """The tracker's reading of every indexed response, kept for one generation of the index.

    ``assistant`` is the facade (anything with ``index``, as ``items_in_index`` takes it)."""

    def __init__(self, assistant: Any):
        self.assistant = assistant
        self._generation: int | None = None
        self._entries: list[StanceEntry] = []
        self.reads = 0  # how many times the documents were read (once per generation)

    def entries(self) -> list[StanceEntry]:
        """Every recommendation of an indexed report that an indexed response was matched to."""
        manifest = self.assistant.index.manifest
        gen = manifest.generation()
        if gen != self._generation:
            self._entries = self._read(manifest)
            self._generation = gen
        return self._entries

    def _read(self, manifest: Any) -> list[StanceEntry]:
        from evidence_assistant.tracker.tracker_progress import items_in_index, sort_key

        self.reads += 1
        items, replies, _ = items_in_index(self.assistant, registry=False)
        ids = _doc_ids_by_file(manifest)
        passages: dict[str, list[Passage]] = {}

        def of(doc_id: str) -> list[Passage]:
            if doc_id not in passages:
                passages[doc_id] = manifest.passages_of(doc_id)
            return passages[doc_id]

        out: list[StanceEntry] = []
        for it in sorted(items, key=sort_key):
            rep = replies.get(it.key)
            if it.kind != "recommendation" or rep is None:
                continue
            a, m = rep["analysis"], rep["match"]
            report_id = ids.get((it.source, it.source_title)) or next(
                (v for (name, _), v in ids.items() if name == it.source), None)
            response_id = rep["response_doc_id"]
            if report_id is None:
                continue
            rec = m.recommendation
            short, cut = short_form(rec.text)
            recommendation = _find(short, of(report_id), (rec.page, rec.paragraph), rec.section)
            stance = (m.stance or "not addressed") if m.status == "matched" else NOT_MATCHED
            decisive = None
            if m.decisive is not None:
                decisive = _find(m.decisive.quote, of(response_id), (m.decisive.page, m.decisive.paragraph))
            quoted = _find(short, of(response_id)) if decisive is None else None
            out.append(StanceEntry(number=rec.number, stance=stance, report_title=a.report_title,
                                   response_title=a.response_title, report_doc_id=report_id,
                                   response_doc_id=response_id, recommendation=recommendation, cut=cut, decisive=decisive,
                                   quoted_in_response=quoted, reason=m.reason))
        return out

    def answerable(self, allowed: set[str] | None = None) -> list[StanceEntry]:
        """The entries a stance question may be answered from: those of a report with at least one
        recommendation matched in a response, both documents within ``allowed`` (None: all)."""
        entries = [e for e in self.entries()
                   if allowed is None or (e.report_doc_id in allowed and e.response_doc_id in allowed)]
        matched = {(e.report_doc_id, e.response_doc_id) for e in entries if e.stance != NOT_MATCHED}
        return [e for e in entries if (e.report_doc_id, e.response_doc_id) in matched]

    def answerer(self, question: str, allowed: set[str] | None = None) -> "TrackerAnswerer | None":
        """The answerer for ``question`` when it is a stance question and the index holds a report
        with recommendations matched in a response; None otherwise (the usual answerers answer)."""
        asked = stance_question(question)
        if asked is None:
            return None
        entries = self.answerable(allowed)
        if not entries:
            return None
        return TrackerAnswerer(asked, entries)


# --- The answer --------------------------------------------------------------------------------

@dataclass
class _Written:
    text: str
    parts: list[Quoted]  # the quotations of the sentence, each in the passage it is cited to


class TrackerAnswerer:
    """Answers a stance question from the tracker: one sentence per recommendation with the stance
    asked about, quoting the recommendation and the reply's deciding sentence, each cited."""

    name = "tracker"
    # The tracker, not the sentences closest to the question, holds the answer.
    may_answer_untyped = True

    def __init__(self, asked: StanceQuestion, entries: Sequence[StanceEntry]):
        self.asked = asked
        self.entries = list(entries)
        self.chosen = self._choose()
        self._written: list[_Written] = []
        self._unquoted: list[str] = []  # recommendations whose words the indexed passages do not hold

    def _choose(self) -> list[StanceEntry]:
        if self.asked.numbers:
            return [e for e in self.entries if e.number in self.asked.numbers]
        return [e for e in self.entries if e.answers_as == self.asked.stance]

    # --- the evidence ----------------------------------------------------------------------
    def passages(self) -> list[Passage]:
        """The passages the answer cites, in the order it cites them; when no recommendation has
        the stance asked about, the response's passages that hold its replies (what the decline
        lists as the nearest evidence)."""
        seen: dict[str, Passage] = {}
        for e in self.chosen[:MAX_SENTENCES]:
            for q in (e.recommendation, e.decisive, e.quoted_in_response):
                if q is not None:
                    seen.setdefault(q.passage.passage_id, q.passage)
        if not self.chosen:
            for e in self.entries[:MAX_SENTENCES]:
                if e.decisive is not None:
                    seen.setdefault(e.decisive.passage.passage_id, e.decisive.passage)
        return list(seen.values())

    def evidence(self, inner: EvidenceSource) -> EvidenceSource:
        """``inner`` with the passages this answer cites added after those retrieved (and counted
        as evidence, so that they are shown and the answer is not declined for want of them)."""
        def source(question: str, shown: Sequence[ScoredPassage], allowed: set[str] | None) -> ExtraEvidence:
            extra = inner(question, shown, allowed)
            added = list(extra.added)
            boosted = set(extra.boosted)
            present = {sp.passage.passage_id: i for i, sp in enumerate([*shown, *added])}
            for p in self.passages():
                if allowed is not None and p.doc_id not in allowed:
                    continue
                if p.passage_id in present:
                    boosted.add(present[p.passage_id])
                    continue
                present[p.passage_id] = len(shown) + len(added)
                boosted.add(present[p.passage_id])
                added.append(ScoredPassage(p, 0.0))
            return ExtraEvidence(extra.ratings, added, boosted)
        return source

    # --- the Answerer protocol ---------------------------------------------------------------
    def stream(self, turn: Turn) -> Iterator[str]:
        if stance_question(turn.question) is None and stance_question(turn.standalone) is None:
            raise LLMError("the recommendations tracker answers only questions about how a response answered "
                           "recommendations")
        self._written = []
        several = len({e.report_doc_id for e in self.chosen}) > 1
        numbers: dict[str, int] = {}
        self._unquoted = []
        for e in self.chosen[:MAX_SENTENCES]:
            w = self._sentence(e, several)
            if w is None:
                self._unquoted.append(e.number)
                continue
            self._written.append(w)
            marks = [numbers.setdefault(q.passage.passage_id, len(numbers) + 1) for q in w.parts]
            yield w.text + "".join(f" [{n}]" for n in dict.fromkeys(marks)) + " "
        note = self._note()
        if self._unquoted:
            note += (f" Recommendation {', '.join(self._unquoted)} could not be quoted from the indexed passages "
                     "(`evidence recommendations` lists it with its reply).")
        turn.notes.append(note)

    def prompt(self) -> dict[str, str] | None:
        return None

    def check(self, turn: Turn) -> tuple[list[AnswerSentence], list[Citation]] | None:
        """Each quotation checked character for character against the passage it is cited to, as
        the extractive answer's sentences are; a sentence is supported when every quotation in it
        is. None when no recommendation has the stance asked about (the answer declines)."""
        if not self._written:
            return None
        picked, owner = [], []
        for i, w in enumerate(self._written):
            for q in w.parts:
                picked.append((q.text, q.passage, q.start, q.end))
                owner.append(i)
        part_sentences, part_citations = verbatim_citations(picked)
        sentences: list[AnswerSentence] = []
        for i, w in enumerate(self._written):
            mine = [s for s, o in zip(part_sentences, owner) if o == i]
            cited = [c for c in part_citations if owner[c.sentence] == i]
            problems = [p for s in mine for p in s.problems]
            for quote in quotations(w.text):
                if not any(quotation_in(quote, c.passage.text) for c in cited):
                    problems.append(f"quotes “{quote}”, which no passage it cites contains")
            ok = bool(mine) and all(s.supported for s in mine) and not problems
            sentences.append(AnswerSentence(w.text, list(dict.fromkeys(c.n for c in cited)),
                                            1.0 if ok else 0.0, ok, problems))
        citations = [replace(c, sentence=owner[c.sentence]) for c in part_citations]
        return sentences, citations

    # --- its parts ---------------------------------------------------------------------------
    def _sentence(self, e: StanceEntry, several: bool) -> _Written | None:
        if e.recommendation is None or (e.decisive is None and e.stance not in ("not addressed", NOT_MATCHED)):
            return None  # its words, or its reply's, are not in the indexed passages: nothing to cite
        which = f"In {e.report_title}, recommendation {e.number}" if several else f"Recommendation {e.number}"
        rec_quote = f"“{e.recommendation.text}{'…' if e.cut else ''}”"
        if e.decisive is not None:
            return _Written(f"{which} ({rec_quote}): “{e.decisive.text.rstrip()}”", [e.recommendation, e.decisive])
        if e.stance == NOT_MATCHED:
            return _Written(f"{which} ({rec_quote}): the tracker matched no reply in the response to it.",
                            [e.recommendation])
        parts = [e.recommendation] + ([e.quoted_in_response] if e.quoted_in_response is not None else [])
        said = "the response quotes it, but its reply states no position on it" if e.quoted_in_response is not None \
            else "the reply matched to it states no position on it"
        return _Written(f"{which} ({rec_quote}): {said}.", parts)

    def _note(self) -> str:
        pairs = list(dict.fromkeys((e.report_title, e.response_title) for e in self.entries))
        total = len(self.entries)
        where = (f"of “{pairs[0][0]}” (answered in “{pairs[0][1]}”)" if len(pairs) == 1
                 else f"of {len(pairs)} indexed reports with a response")
        if self.asked.numbers:
            named = ", ".join(self.asked.numbers)
            missing = [n for n in self.asked.numbers if n not in {e.number for e in self.chosen}]
            if missing:
                have = ", ".join(dict.fromkeys(e.number for e in self.entries))
                return (f"The recommendations tracker finds no recommendation {', '.join(missing)} among the "
                        f"recommendations {where}; they are numbered {have}.")
            return f"Answered from the recommendations tracker: recommendation {named} {where}."
        n = len(self.chosen)
        stance = self.asked.stance
        if n == 0:
            counts: dict[str, int] = {}
            for e in self.entries:
                counts[e.answers_as] = counts.get(e.answers_as, 0) + 1
            by = ", ".join(f"{v} {k}" for k, v in counts.items())
            return (f"The recommendations tracker finds no recommendation {where} that is {stance}: "
                    f"of the {total}, {by}.")
        more = f" The first {MAX_SENTENCES} are listed." if n > MAX_SENTENCES else ""
        return (f"Answered from the recommendations tracker: {n} of the {total} recommendations {where} "
                f"{'is' if n == 1 else 'are'} {stance}.{more}")
