"""Follow-up questions made stand-alone before retrieval.

With a chat model configured, its condense prompt rewrites the follow-up. Without one, the
subject of the previous question is carried over when the follow-up leans on it ("and how did
the Government respond?", "what about social care?", "when was it published?").
"""
from __future__ import annotations

import re
from typing import Any, Sequence

_LEADS_ON_CONTEXT = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about|and what|what else|anything else|same for|"
    r"why|how so|in what way)\b|\b(it|its|they|them|their|this|that|these|those|he|she|his|her|there|"
    r"the same|the latter|the former|above)\b", re.I)
_WH = re.compile(r"^\s*(what|which|who|whom|whose|when|where|why|how( many| much)?|did|does|do|is|are|was|were|"
                 r"has|have|had|can|could|should|would|will)\b\s*", re.I)
_AUX = re.compile(r"^\s*(did|does|do|is|are|was|were|has|have|had)\b\s*", re.I)
_SUBJECT_AFTER = re.compile(r"\b(?:about|on|regarding|concerning|for|of|into)\s+(.+)$", re.I)


def history_questions(history: Sequence[Any] | None) -> list[str]:
    """Questions of earlier turns, oldest first, from whichever shape the caller keeps:
    Answer objects, (question, answer) pairs, {"question": …} dicts, or chat messages
    ({"role": "user", "content": …})."""
    out: list[str] = []
    for turn in history or []:
        if hasattr(turn, "standalone_question"):
            out.append(turn.standalone_question)
        elif isinstance(turn, (tuple, list)) and turn:
            out.append(str(turn[0]))
        elif isinstance(turn, dict):
            if "question" in turn:
                out.append(str(turn["question"]))
            elif turn.get("role") == "user":
                out.append(str(turn.get("content", "")))
        elif isinstance(turn, str):
            out.append(turn)
    return [q for q in out if q.strip()]


def is_follow_up(question: str) -> bool:
    words = re.findall(r"\w+", question)
    return bool(_LEADS_ON_CONTEXT.search(question)) or len(words) <= 3


def subject_of(question: str) -> str:
    """The part of a question that names what it is about."""
    q = question.strip().rstrip("?.! ")
    m = _SUBJECT_AFTER.search(q)
    if m and len(m.group(1).split()) >= 2:
        return m.group(1)
    q = _WH.sub("", q)
    q = _AUX.sub("", q)
    return q


_VERBS = ("say|said|conclude|concluded|find|found|rate|rated|recommend|recommended|report|reported|state|stated|"
          "decide|decided|think|argue|argued|write|wrote|judge|judged|publish|published|launch|launched|receive|"
          "received|respond|responded|set|announce|announced|propose|proposed|commit|committed|promise|promised|"
          "achieve|achieved|meet|met|miss|missed|evaluate|evaluated|assess|assessed|describe|described|note|noted|"
          "welcome|welcomed|reject|rejected|accept|accepted|introduce|introduced|fund|funded|deliver|delivered|"
          "merge|merged|move|moved|change|changed|criticise|criticised|highlight|highlighted|mean|say about")
_ACTOR = re.compile(r"^\s*(?:what|how|why|when|where|which \w+)\s+(?:did|does|do|has|have|had|was|were|is|are)\s+"
                    rf"(.+?)\s+(?:{_VERBS})\b\s*(?:(?:about|on|of|to|for|in)\b\s*)*(.*?)\s*\??$", re.I)
_PRONOUN = re.compile(r"\b(it|this|that|them|they|its|their)\b", re.I)


def actor_of(question: str) -> str | None:
    """Who the question is about the words of: "What did [the Expert Panel] conclude …"."""
    m = _ACTOR.match(question)
    return m.group(1) if m else None


def object_of(question: str) -> str | None:
    """What the question's verb acts on: "When did the Committee publish [the Expert Panel's evaluation]?"."""
    m = _ACTOR.match(question)
    return m.group(2) if m and len(m.group(2).split()) >= 2 else None


_IRREGULAR_PAST = {
    "say": "said", "find": "found", "think": "thought", "write": "wrote", "set": "set", "meet": "met",
    "make": "made", "give": "gave", "take": "took", "mean": "meant", "get": "got", "have": "had", "see": "saw",
    "pay": "paid", "lead": "led", "hold": "held", "put": "put", "spend": "spent", "run": "ran", "begin": "began",
    "send": "sent", "build": "built", "keep": "kept", "choose": "chose", "speak": "spoke", "leave": "left",
    "bring": "brought", "buy": "bought", "tell": "told", "win": "won", "cut": "cut", "do": "did", "go": "went"}


def past_tense(verb: str) -> str:
    """"evaluate" → "evaluated", "commit" → "committed", "find" → "found"."""
    v = verb.lower()
    if v in _IRREGULAR_PAST:
        return _IRREGULAR_PAST[v]
    if v.endswith("e"):
        return v + "d"
    if re.search(r"[^aeiou]y$", v):
        return v[:-1] + "ied"
    # One syllable ending consonant-vowel-consonant ("plan"), or a stressed ending ("commit").
    if re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", v) or re.search(r"(mit|cur|pel|fer)$", v) and v != "offer":
        return v + v[-1] + "ed"
    return v + "ed"


# "How many N did A V [rest]?": V is a verb the list above knows (after an actor of two words or
# more: "the Panel rate …"), or else the question's last word ("did the report make").
_COUNTED_OBJECT = (re.compile(r"^\s*(?i:how many)\s+(.+?)\s+(?i:(did|does|do))\s+(\S+\s+.+?)\s+"
                              rf"({_VERBS})\b\s*(.*?)\s*\??$"),
                   re.compile(r"^\s*(?i:how many)\s+(.+?)\s+(?i:(did|does|do))\s+(.+?)\s+([a-z]+)()\s*\??$"))
_COUNTED_SUBJECT = re.compile(r"^\s*how many\s+(.+?)\s+(were|are|was|is|have|has|had)\s+(.+?)\s*\??$", re.I)
# "these" and "those" stand for things only on their own ("how many of those were …"), not
# before a noun ("those trusts").
_PLURAL_PRONOUN = re.compile(r"\b(?:them|they|(?:these|those)(?=\s+(?:were|are|was|is|have|has|had|did|do|does)\b|"
                             r"\s*[?,.;]|\s*$))", re.I)


def counted_of(question: str) -> str | None:
    """What a "how many" question counts, described so that "them" can stand for it later:
    "How many commitments did the Expert Panel evaluate?" → "the commitments that the Expert
    Panel evaluated"; "How many trusts had an EPR in 2025?" → "the trusts that had an EPR in 2025"."""
    m = _COUNTED_OBJECT[0].match(question) or _COUNTED_OBJECT[1].match(question)
    if m and not _PRONOUN.search(m.group(3)):
        things, aux, actor, verb, rest = m.groups()
        done = past_tense(verb) if aux.lower() == "did" else f"{aux.lower()} {verb}"
        return " ".join(x for x in (f"the {things} that {actor} {done}", rest) if x)
    m = _COUNTED_SUBJECT.match(question)
    if m:
        things, aux, rest = m.groups()
        return f"the {things} that {aux.lower()} {rest}"
    return None


def condense_without_model(question: str, history: Sequence[Any] | None) -> str:
    previous = history_questions(history)
    if not previous or not is_follow_up(question):
        return question.strip()
    subject = subject_of(previous[-1])
    thing = object_of(previous[-1])
    counted = counted_of(previous[-1])
    if counted and _PLURAL_PRONOUN.search(question):
        # "How many of them were rated inadequate?" after "How many commitments did the Expert
        # Panel evaluate?": "them" are the commitments the Panel evaluated.
        q = re.sub(r"^\s*(and|but|also|so|then)\s+", "", question.strip(), flags=re.I)
        q = _PLURAL_PRONOUN.sub(lambda m: counted, q, count=1).rstrip("?")
        return q[:1].upper() + q[1:] + "?"
    if thing and _PRONOUN.search(question):
        # "When did the Government respond to it?" — "it" is what the previous question was about.
        def put(m: re.Match) -> str:
            word = m.group(1).lower()
            return f"{thing}'s" if word in ("its", "their") else thing
        q = re.sub(r"^\s*(and|but|also|so|then)\s+", "", question.strip(), flags=re.I)
        q = _PRONOUN.sub(put, q, count=1).rstrip("?")
        return q[:1].upper() + q[1:] + "?"
    swap = re.match(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(.+?)\s*\??$", question, re.I)
    if swap and subject and subject in previous[-1]:
        # "What about social care?" asks the previous question of a new subject.
        return previous[-1].replace(subject, swap.group(1), 1)
    q = question.strip().rstrip("?")
    q = re.sub(r"^\s*(and|but|also|so|then)\s+", "", q, flags=re.I)
    if not q:
        return previous[-1]
    q = q[0].upper() + q[1:]
    if subject.lower() in q.lower():
        return q + "?"
    actor = actor_of(previous[-1])
    if actor and actor.lower() not in q.lower() and actor.lower() not in subject.lower():
        # "How did the Government respond?" after "What did the Expert Panel conclude about X?":
        # the response is to the Panel, on X.
        return f"{q}, regarding {actor} on {subject}?"
    return f"{q}, regarding {subject}?"
