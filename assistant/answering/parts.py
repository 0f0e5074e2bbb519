"""Questions that ask two things at once ("How many notices were issued, and which bodies are
excluded?"). Each part is searched for and answered on its own as well as with the whole: the
passages closest to the whole question tend to answer its first half only, and an answer built
from them leaves the second half unsaid.

A question is split only where "and" opens a new question ("…, and which …", "… and how many …",
"…, and on what date …"), or joins two things the question asks the same of, each after its own
preposition ("… team size in trusts and in local health boards?"); a piece that says too little
to be searched for alone ("…, and by when?") stays with the piece before it. A statement before
the question ("The strategy set a target. What was it, and …?") is carried into the first part
and into any later part that points back to it, and a later part that points back ("its core
extract") carries the first part's names.
A later part that refers to the first part's answer ("… and what does that body publish?") is
searched again, once that answer is known, with the names it gives (``refers_to_answer``,
``answer_names``; the search is the answering stages' ``_follow_back``).
"""
from __future__ import annotations

import functools
import re

from evidence_assistant.core.text import tokenize

# What opens a new question after "and": an interrogative, alone or after a preposition ("on
# what date", "for how many years", "by how much", "in which years").
_OPENER = (r"(?:(?:on|in|at|for|by|over|across|to|from|of|with|under|since|until|within|during|after|before|"
           r"about|through|between|among|against|into)\s+)?"
           r"(?:what|which|who|whom|whose|when|where|why|how)\b")
# A new question may open with where to read it: "…, and according to the FAQs, which project …",
# "…, and on the council's web page, which route …".
# (Set off by commas on both sides, "…, and, according to the survey, which …", and perhaps with a
# word of degree before the question word: "…, and according to the plan, roughly what …".)
_SOURCE_FIRST = r"(?:(?:according to|in|on|at|under|within|from|by)\s+[^,?]{3,80},\s*(?:[a-z]+ly\s+)?)?"
_SPLIT = re.compile(rf",?\s+and,?\s+(?={_SOURCE_FIRST}{_OPENER})")
# The same question of two things, each after its own preposition (or "its", "their") at the
# question's end: "what is the average team size in trusts and in local health boards?", "… in
# Liverpool and in Portsmouth?", "when did the college publish its report and its guidance?".
_SAME_PREPOSITION = re.compile(
    r"^(?P<head>.*\b(?P<prep>in|for|at|among|from|on|within|across|its|their)\s+)(?P<x>[^,?]+?),?\s+and\s+(?P=prep)\s+"
    r"(?P<y>(?:[\w'’/&-]+\s*){1,12})\?*$", re.I)
# What a question asks with, up to its verb: "what score (did …)", "where (was …)".
_ASKING_PHRASE = re.compile(rf"{_OPENER}(?:\s+[\w'’-]+){{0,3}}?\s+(?=(?:did|does|do|was|were|is|are|will|would|"
                            r"has|have|had|can|could|should|must|may)\b)", re.I)
# Words that ask rather than say what about: they do not make a part searchable.
_ASKING = set(tokenize("what which who whom whose when where why how many much often long far date year years "
                       "number share percentage proportion figure value did does do was were is are will would "
                       "said say says"))
_POINTS_BACK = re.compile(r"\b(?:it|its|they|their|them|this|these|those|he|she|his|her)\b", re.I)
# "… does the strategy say it will …": the word after a verb of saying points to who says it.
_REPORTED = re.compile(r"\b(?:say|says|said|state|states|stated)\s+(?:that\s+)?(?=(?:it|its|they|their)\b)", re.I)
# "this year", "these months": the time of speaking, not a thing named before.
_TIME_NOW = re.compile(r"(?:this|these)\s+(?:year|month|week|quarter|spring|summer|autumn|winter)s?\b", re.I)
_REFERS_BACK = re.compile(r"\b(?:the\s+(?:former|latter|same)|such)\b", re.I)
_NAMES = re.compile(r"\b(?:[A-Z]{2,}[\w/-]*|[A-Z][a-z][\w'’-]*(?:\s+[A-Z][a-z][\w'’-]*)*)")
# At least this many words of substance on each side of a split.
MIN_WORDS = 2


def _substance(text: str) -> list[str]:
    return [t for t in tokenize(text) if t not in _ASKING and not t.isdigit()]


def question_parts(question: str) -> list[str]:
    """The questions that ``question`` asks, each readable on its own; ``[question]`` when it asks
    one thing. Any statement before the question sentence leads the first part and each part
    pointing back to it. (Read once per question: retrieval, scoring and the judgement whether to
    answer all ask.)"""
    return list(_parts(question))


def _stated_and_asked(text: str) -> tuple[str, str]:
    """A question's statement before the sentence that asks, and that sentence."""
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)
    return " ".join(sentences[:-1]), sentences[-1]


def statement_before(question: str) -> str:
    """What a question says before it asks ("The strategy set a target for care records. What was
    it?" -> "The strategy set a target for care records."); empty when it only asks."""
    return _stated_and_asked(" ".join(question.split()))[0]


@functools.lru_cache(maxsize=1024)
def _parts(question: str) -> tuple[str, ...]:
    text = " ".join(question.split())
    if not re.search(r"\band\b", text, re.I):
        return (question,)
    # A lead statement ("The standard points to another standard. Which is it, and …?").
    lead, asked = _stated_and_asked(text)
    pieces = [p.strip(" ,;") for p in _SPLIT.split(asked)]
    pieces = [p for p in pieces if p]
    if len(pieces) < 2:
        both = _SAME_PREPOSITION.match(asked)
        if not both:
            return (question,)
        # "… team size in trusts and in local health boards?" asks the same of each.
        head = both.group("head")
        pieces = [f"{head}{both.group('x')}", f"{head}{both.group('y')}"]
    # A piece that says too little to be searched alone ("…, and by when?", "… and when was it
    # renewed") asks more of the piece before it, and stays with it.
    kept: list[str] = []
    for piece in pieces:
        if kept and len(_substance(f"{lead} {piece}")) < MIN_WORDS:
            kept[-1] = f"{kept[-1]}, and {piece}"
        else:
            kept.append(piece)
    pieces = kept
    if len(pieces) < 2:
        return (question,)
    # "In the table, what value and what score did the trust have for staff engagement?", "… on
    # what date and where was the event held?": the first piece asks only "what value" of what
    # the second goes on to say, and is asked of that ("… what value did the trust have for staff
    # engagement?"). (Not after a statement, whose words the first piece asks of: "… names an
    # official. Who is this, and …?")
    opener = re.search(rf"\b{_OPENER}", pieces[0], re.I)
    if not lead and opener and not _substance(pieces[0][opener.start():]):
        asking = _ASKING_PHRASE.match(pieces[1])
        if not asking:
            return (question,)
        pieces[0] = f"{pieces[0].rstrip('?')} {pieces[1][asking.end():]}"
    first_names = [m for m in _NAMES.findall(" " + pieces[0][1:]) if m.lower() not in ("and", "the")]
    parts: list[str] = []
    for n, piece in enumerate(pieces):
        if len(_substance(f"{lead} {piece}")) < MIN_WORDS:
            return (question,)  # the first piece says too little, and has none before it to join
        piece = piece.rstrip("?") + "?"
        points_back = points_back_to_first(piece)
        if n and points_back and first_names:
            piece = f"{piece} ({', '.join(first_names)})"
        # The statement sets up the first part; a later part needs it only when it points back
        # to it ("… what came of it?", "according to the latter"). One that names its own
        # source ("which route does the county map show …?") is searched for on its own
        # words: the statement's would pull its search to the first part's document.
        led = lead if not n or points_back or _REFERS_BACK.search(piece) else ""
        parts.append(f"{led} {piece[0].upper()}{piece[1:]}".strip())
    return tuple(parts)


# A part that refers to what an earlier part asks for rather than naming it: "that body",
# "the same person", "this list", "such a code". A relative "that" ("trusts that still lack
# one") matches as well; its part is then searched again with names it did not need, which on
# the real suite's dev split cost no answer.
_REFERS_TO_ANSWER = re.compile(r"\b(?:that|this|those|these|the\s+same|such\s+an?|such)\s+(?!is\b|was\b|are\b|were\b|"
                               r"will\b|would\b|can\b|could\b|has\b|have\b|had\b|does\b|did\b)[a-z][\w-]*", re.I)


def points_back_to_first(part: str) -> bool:
    """Whether a later part points back to what the first part names ("… and how is it
    funded?"), so needs its names to be searched for. Not a pronoun that points to who the part
    itself names as speaking ("… and what does the strategy say it will ensure?"), nor "this
    year" (the time of speaking)."""
    back = [m for m in _POINTS_BACK.finditer(part) if not _TIME_NOW.match(part, m.start())]
    if not back:
        return False
    said = _REPORTED.search(part)
    named_speaker = bool(said) and bool(_NAMES.search(" " + part[1:said.start()]))
    return not (named_speaker and len(back) == 1 and back[0].start() >= said.start())


def refers_to_answer(part: str) -> bool:
    """Whether a later part of a question refers to an earlier part's answer ("what does
    that body publish?") rather than naming what it asks about."""
    return bool(_REFERS_TO_ANSWER.search(part) or _REFERS_BACK.search(part))


def answer_names(sentence: str) -> list[str]:
    """The names a sentence gives (capitalised runs and abbreviations), which a later part
    referring to it may be searched with."""
    return [m for m in _NAMES.findall(" " + sentence[1:]) if m.lower() not in ("and", "the")]
