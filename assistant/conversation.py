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
                    rf"(.+?)\s+(?:{_VERBS})\b\s*(?:about|on|of|to|for|in)?\s*(.*?)\s*\??$", re.I)
_PRONOUN = re.compile(r"\b(it|this|that|them|they|its|their)\b", re.I)


def actor_of(question: str) -> str | None:
    """Who the question is about the words of: "What did [the Expert Panel] conclude …"."""
    m = _ACTOR.match(question)
    return m.group(1) if m else None


def object_of(question: str) -> str | None:
    """What the question's verb acts on: "When did the Committee publish [the Expert Panel's evaluation]?"."""
    m = _ACTOR.match(question)
    return m.group(2) if m and len(m.group(2).split()) >= 2 else None


def condense_without_model(question: str, history: Sequence[Any] | None) -> str:
    previous = history_questions(history)
    if not previous or not is_follow_up(question):
        return question.strip()
    subject = subject_of(previous[-1])
    thing = object_of(previous[-1])
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
