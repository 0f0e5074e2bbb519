"""False premises: a question that assumes something the documents contradict or never say
("why was the NHS App rated outstanding?") is not answered as if the assumption held.

The check looks at what a question asserts that can be checked — a rating, a number or
percentage, a year — and compares it with the evidence retrieved for it, and with the
commitments registry for ratings.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Sequence

from evidence_assistant.core.text import sentence_spans
from evidence_assistant.core.text import tokenize

from evidence_assistant.answering.answerable import main_clause, named_in, named_title_words
from evidence_assistant.answering.citations import normalise, numbers_in
from evidence_assistant.answering.extractive import expansion_in, leans_on_lead
from evidence_assistant.answering.weights import WEIGHTS
from evidence_assistant.core.types import ScoredPassage

_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
# ("Whether or not" denies nothing: "it is unclear whether or not algorithms count as devices".)
_NEGATION = re.compile(r"(?<!whether or )\b(not|never|no longer|neither|nor|did not|does not|do not|was not|were not|"
                       r"rejected|refused|declined to)\b|n't\b", re.I)
_ALL = re.compile(r"\b(all|every|each)\b", re.I)
# Words of a "why" question that frame it rather than state what it assumes.
_FRAME = set(tokenize("why how come did does do was were is are what made led given that since in what way "
                      "caused who decided when after"))

RATINGS = ("outstanding", "good", "requires improvement", "inadequate")
_PRESUPPOSES = re.compile(
    r"^\s*(why|how come|how did|how was|how were|what made|what led|given that|since|in what way|"
    r"what caused|who decided|when did|what did .* do after)\b", re.I)
# A question asking why a claim holds states the claim; "when did …" takes only an event for granted.
_ASKS_WHY = re.compile(r"^\s*(?:why|how come)\b", re.I)
_RATED = re.compile(r"\brat(e|es|ed|ing)\b|\bjudged?\b|\bgraded?\b|\bscored?\b|\bgave\b|\bgive\b", re.I)


@dataclass
class PremiseCheck:
    rejected: bool
    claims: list[str] = field(default_factory=list)  # what the question assumes
    reasons: list[str] = field(default_factory=list)  # why each failed


def rating_claim(question: str) -> str | None:
    q = question.lower()
    if not _RATED.search(q):
        return None
    for r in RATINGS:
        if re.search(rf"\b{r}\b", q):
            return r
    return None


def numbers_with_words(text: str) -> set[str]:
    found = numbers_in(text)
    found.update(_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in _NUMBER_WORDS)
    return found


def proposition_scores(question: str, passages: Sequence[ScoredPassage], idf) -> list[tuple[float, str]]:
    """Each evidence sentence with how far it states what the question assumes: the share of the
    question's distinctive words (IDF-weighted, framing words left out) found in it or in the title
    of its document, when the question names that document. Best first."""
    tokens = [t for t in dict.fromkeys(tokenize(question)) if t not in _FRAME]
    if not tokens:
        return [(1.0, "")]
    weights = idf(tokens) if idf else [1.0] * len(tokens)
    total = sum(weights) or 1.0
    out = []
    asked = set(tokens)
    # "NOPAN went live in 2014" names the network its passage spells out as "Northern Pathology
    # Network (NOPAN)": the short form holds the long form's words.
    defined = short_forms(tuple(sp.passage.text for sp in passages))
    for sp in passages:
        text = sp.passage.text
        # "Why does the safety chapter of the guidelines say …?": the words naming the document
        # (most of its title's words) are said by every sentence of it; the claim is the rest.
        titled = named_title_words(asked, sp.passage.title)
        for a, b in sentence_spans(text):
            present = set(tokenize(text[a:b])) | titled
            if defined:
                present |= set().union(*(defined.get(t, set()) for t in present))
            out.append((sum(w for t, w in zip(tokens, weights) if t in present) / total, text[a:b]))
    return sorted(out, key=lambda x: -x[0]) or [(0.0, "")]


_IN_BRACKETS = re.compile(r"\(([A-Z][A-Za-z]*[A-Z])s?\)")


@functools.lru_cache(maxsize=64)
def short_forms(texts: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """The short forms ``texts`` spell out beside them ("Northern Pathology Network (NOPAN)"),
    each short form's index token mapped to the long form's tokens. The long form is read as
    ``expansion_in`` reads it, so a short form taking more than one letter from a word counts
    ("NOPAN" from "NOrthern PAthology Network"), unlike ``extractive.abbreviations``, which sentence
    scoring keeps to one letter a word. Read once per set of passages: the premise check scores
    the same evidence against several forms of the question."""
    out: dict[str, frozenset[str]] = {}
    for text in texts:
        for short in dict.fromkeys(_IN_BRACKETS.findall(text)):
            long_form, token = expansion_in(short, text), tokenize(short)
            if long_form and token:
                out[token[0]] = out.get(token[0], frozenset()) | frozenset(tokenize(long_form))
    return out


def proposition_support(question: str, passages: Sequence[ScoredPassage], idf) -> tuple[float, str]:
    return proposition_scores(question, passages, idf)[0]


_PARA_PREFIX = re.compile(r"(^|\n\n)\s*\d+(\.\d+)*\.\s")
_ENUM = re.compile(r"\(\d+\)")


def number_contexts(text: str) -> list[tuple[str, set[str]]]:
    """Each quantity in ``text`` with the words that follow it ("nine commitments" → 9, {commit}).
    Paragraph numbers, enumerations like "(4)", labels like "v4" and years are not quantities."""
    text = _ENUM.sub(" ", _PARA_PREFIX.sub(" ", text))
    # A figure glued to letters ("v4", "Ch8e") is part of a label, not a quantity.
    words = re.findall(r"(?<![A-Za-z\d])£?\d[\d,.]*%?|[A-Za-z]+\d*\w*", text)
    out = []
    for i, w in enumerate(words):
        lw = w.lower().rstrip("%").lstrip("£").replace(",", "")
        value = _NUMBER_WORDS.get(lw, lw if re.fullmatch(r"\d+(\.\d+)?", lw) else None)
        if value is None or re.fullmatch(r"(19|20)\d\d", value):
            continue
        after = [x for x in words[i + 1:i + 6] if not re.match(r"\d", x)]
        out.append((value, set(tokenize(" ".join(after)))))
    return out


_NOT_A_NAME = set("Expert Panel Government Committee Department Health Social Care NHS App England Digital "
                  "Professional Record Standards Body Faculty Clinical Informatics House Commons Special Report "
                  "Why How What When Who Which Did Does Was Were The Secretary State Minister Imperial College "
                  "London University Oxford National Institute Frontline Digitisation Plan".split())


def _person_in(question: str) -> str | None:
    """A person's name in the question: two or three capitalised words, none of them an
    institution's word (so "Jeremy Hunt" but not "Expert Panel")."""
    for m in re.finditer(r"\b([A-Z][a-z]+(?:\s+[A-Z][a-z]+){1,2})\b", question):
        words = m.group(1).split()
        # "… of the Artificial Intelligence in Health Award": after "the", the words name a
        # thing. (Not so after "Guy's and": "St Thomas" there is one of the trust's names, and
        # who did the act asked about.)
        if re.search(r"\bthe\s+$", question[:m.start()], re.I):
            continue
        if not any(w in _NOT_A_NAME for w in words):
            return m.group(1)
    return None


def _who_window(sentences: Sequence[str], i: int) -> str:
    """Sentence ``i`` with the sentences that say who its pronouns are: those before it while
    each points back ("She said …" after "She pointed to …" after "Dame Jane Dacre … spoke"), at
    most three, and the one after it when that one points back to it ("It did so … in
    statements by Karin Smyth")."""
    start = i
    while start > 0 and i - start < 3 and leans_on_lead(_PARA_PREFIX.sub("", sentences[start]).strip()):
        start -= 1
    end = i + 1 if i + 1 < len(sentences) and leans_on_lead(_PARA_PREFIX.sub("", sentences[i + 1]).strip()) else i
    return " ".join(sentences[start:end + 1])


def action_of(question: str, person: str) -> str | None:
    """What the question says ``person`` did, as an index token: "Why did Jeremy Hunt [chair] the
    Expert Panel's evaluation?" → "chair". None when the name is not followed by a word of its own."""
    m = re.search(re.escape(person) + r"\s+(\w+)", question)
    if not m:
        # Said in the passive, the act comes before the name: "Why was the tool [developed] by
        # Riverside Foundation Trust?".
        m = re.search(r"\b(\w+)\s+by\s+(?:[\w'’.-]+\s+){0,4}?" + re.escape(person), question)
    if not m:
        return None
    tokens = tokenize(m.group(1))
    return tokens[0] if tokens and tokens[0] not in _FRAME else None


# Words that say opposite things of what is done with a thing or what a rule asks: kept or
# deleted, kept confidential or published, optional or required. Each side as a pattern, since
# word stems would mix "optional" with "options".
_OPPOSITES = tuple((re.compile(a, re.I), re.compile(b, re.I), name) for a, b, name in (
    (r"\b(?:keep|keeps|kept|retain(?:s|ed)?|stor(?:e|es|ed)|indefinitely)\b",
     r"\b(?:delet(?:e|es|ed|ion)|destroy(?:s|ed)?|eras(?:e|es|ed))\b", "kept or deleted"),
    (r"\b(?:confidential(?:ly)?|private(?:ly)?|secret(?:ly)?|withh(?:o|e)ld|withholds?)\b",
     r"\b(?:openly|publicly|publish(?:es|ed)?|in public)\b", "kept private or published"),
    (r"\b(?:optional(?:ly)?|voluntar(?:y|ily)|discretionary)\b",
     r"\b(?:mandatory|compulsory|must|should|requir(?:e|es|ed))\b", "optional or required"),
))


def opposite_said(question: str, statement: str) -> str | None:
    """What ``statement`` says the opposite of, of what ``question`` takes for granted ("kept
    or deleted"), or None: the question uses words of one side of an opposite pair and none of
    the other, the statement the other side's and none of the question's."""
    for a, b, name in _OPPOSITES:
        for mine, other in ((a, b), (b, a)):
            if mine.search(question) and not other.search(question) and other.search(statement) and \
                    not mine.search(statement):
                return f"otherwise ({name})"
    return None


def check_premise(question: str, passages: Sequence[ScoredPassage], *,
                  registry_ratings: dict[str, str] | None = None, all_ratings: Sequence[str] = (),
                  idf=None, min_proposition: float = 0.0) -> PremiseCheck:
    """``registry_ratings`` maps each commitment the question is about to its registered rating;
    ``all_ratings`` are the ratings of every registered commitment the Panel evaluated."""
    # "According to the guidance, why do late returns …?" assumes what "why do late returns …?" assumes.
    presupposes = bool(_PRESUPPOSES.search(main_clause(question)))
    if not presupposes and not re.search(r"\b(rated|given the|after the)\b", question, re.I):
        return PremiseCheck(False)
    evidence = " ".join(normalise(sp.passage.text) for sp in passages)
    check = PremiseCheck(False)
    rating = rating_claim(question)
    if rating:
        check.claims.append(f"rated {rating}")
        known = {v for v in (registry_ratings or {}).values() if v and v != "not known"}
        if known and rating not in known:
            check.rejected = True
            check.reasons.append(f"the Expert Panel rated it {' / '.join(sorted(known))}, not {rating}")
        elif not known and rating not in evidence:
            check.rejected = True
            check.reasons.append(f"no document retrieved says it was rated {rating}")
        elif rating in ("outstanding", "good") and not known:
            # The Panel gave no commitment either of these ratings.
            if re.search(r"every commitment was rated either requires improvement or inadequate|"
                         r"each of the nine commitments", evidence):
                check.rejected = True
                check.reasons.append("the Expert Panel rated every commitment requires improvement or inadequate")
        if _ALL.search(question) and all_ratings:
            others = sorted({r for r in all_ratings if r and r != rating and r != "not known"})
            if others and not check.rejected:
                check.rejected = True
                check.reasons.append(f"not every commitment was rated {rating}: the Expert Panel also rated "
                                     f"commitments {' and '.join(others)}")
    evidence = " \n\n".join(sp.passage.text for sp in passages)
    ev_contexts = number_contexts(evidence)
    for n, about in number_contexts(question):
        check.claims.append(n)
        stated = [ctx for value, ctx in ev_contexts if value == n]
        if not stated:
            check.rejected = True
            check.reasons.append(f"no document retrieved states {n}")
        elif about and not any(about & ctx for ctx in stated):
            check.rejected = True
            check.reasons.append(f"no document retrieved states {n} of what the question counts")
    person = _person_in(question) if presupposes else None
    if not check.rejected and person:
        # "Why did Jeremy Hunt chair the Expert Panel?": where the documents state the rest of the
        # claim, they must name this person; if they name someone else, the premise is false.
        rest = re.sub(re.escape(person), " ", question)
        person_tokens = set(tokenize(person))
        action = action_of(question, person)
        stating: list[tuple[float, str, str]] = []
        for sp in passages:
            text = sp.passage.text
            spans = sentence_spans(text)
            sentences = [text[a:b] for a, b in spans]
            # Only a sentence that states the act itself ("… who chairs the Expert Panel") can say
            # who did it; one that merely shares the topic ("… published its Expert Panel's
            # evaluation") names nobody for it.
            for score, sentence in proposition_scores(rest, [sp], idf):
                if score < 0.4:
                    break
                if action and action not in set(tokenize(sentence)):
                    continue
                i = sentences.index(sentence)
                stating.append((score, sentence, _who_window(sentences, i)))
        # The clearest statements of the act decide: a passing mention of the person beside a
        # weaker match ("under its then Chair Jeremy Hunt", of the Committee) does not outweigh
        # "Dame Jane Dacre, who chairs the Expert Panel".
        clearest = max((x[0] for x in stating), default=0.0)
        stating = [x for x in stating if x[0] >= clearest - 0.15]
        # The reason quotes the best of them, a whole sentence before a heading.
        stating.sort(key=lambda x: (not re.search(r"[.!?][\"'’”)]*$", x[1].strip()), -x[0]))
        if stating and not any(person_tokens <= set(tokenize(w)) for _, _, w in stating):
            check.rejected = True
            check.reasons.append(f"the documents do not say that {person} did this: “{stating[0][1].strip()}”")
    scored = proposition_scores(question, passages, idf)
    support = scored[0][0]
    if presupposes and not check.rejected:
        reason = contradicted_detail(question, passages, scored, idf=idf)
        if reason:
            check.rejected = True
            check.reasons.append(reason)
    # How close to the claim a statement must be for its "not", or its opposite word, to deny it.
    # A statement exactly at the bound counts (rounded: shares of a few words tie, and 0.8 - 0.2
    # is a hair over 0.6 in floating point).
    below = round(support - WEIGHTS.negation_below, 9)
    floor = max(WEIGHTS.why_negation_floor if _ASKS_WHY.search(main_clause(question)) else WEIGHTS.negation_floor,
                below)
    if presupposes and not check.rejected and not _NEGATION.search(question):
        asked = set(tokenize(question))
        close = max(WEIGHTS.negation_floor, below)
        # A statement close to the claim that says "not" denies it; one further off only when
        # what it says is not so is in the question's words ("the field may not be applicable in
        # some settings", asked why it is recorded in every setting), the one saying most of them.
        denials: list[tuple[int, str]] = []
        for score, sentence in scored:
            if score < floor:
                break
            if not _NEGATION.search(sentence) or _excepts(sentence, asked):
                continue
            if score >= close:
                denials = [(1, sentence)]
                break
            held = max((len({w for w in tokenize(r.group(1).split(",")[0])[:WEIGHTS.denied_words]
                             if w in asked and w not in _NOT_ASKED}) for r in _NEGATED.finditer(sentence)), default=0)
            if held:
                denials.append((held, sentence))
        if denials:
            check.rejected = True
            sentence = max(denials, key=lambda d: d[0])[1]
            check.reasons.append(f"the documents say otherwise: “{sentence.strip()}”")
    if presupposes and not check.rejected:
        # "Why are the records kept indefinitely?" where the closest statement says they "will be
        # deleted": what the documents say is the opposite of what the question takes for granted.
        for score, sentence in scored:
            if score < floor:
                break
            said = opposite_said(question, sentence)
            if said:
                check.rejected = True
                check.reasons.append(f"the documents say {said}: “{sentence.strip()}”")
                break
    if presupposes and not check.rejected and support < min_proposition:
        check.rejected = True
        check.reasons.append("no document retrieved states what the question takes for granted")
    check.claims.append(f"proposition support {support:.2f}")
    return check


_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December")
_WHEN = re.compile(rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?(?:{_MONTHS})\s+(?:19|20)\d{{2}}\b|\b(?:19|20)\d{{2}}\b(?![/-]\d)")
_UP = re.compile(r"\b(ris(?:e|es|en|ing)|rose|increas\w*|gr[eo]w\w*|up|higher|more|expand\w*)\b", re.I)
_DOWN = re.compile(r"\b(fall\w*|fell|declin\w*|decreas\w*|drop\w*|reduc\w*|down|lower|fewer|less|shr[iu]nk\w*|cut)\b", re.I)
# "from 30 to 18 days", "from £9 million a month in May 2021 to £2 million": the two figures
# with at most a few words (a unit, "a month", a date) between them.
_FROM_TO = re.compile(r"\bfrom\s+[£$€]?(\d[\d,.]*)\s*%?(?:\s+[\w/]+){0,8}?\s+to\s+[£$€]?(\d[\d,.]*)", re.I)
# What a document sets a thing against: "monthly visits rather than a yearly review".
_RATHER_THAN = re.compile(r"\b(?:rather than|instead of|as opposed to)\s+([^.,;:()?!]+)", re.I)
# What a document says is not so: "it does not bar staff from using their own phones", "no
# device can ever be made fully secure".
_NEGATED = re.compile(r"\b(?:(?:does|do|did|is|are|was|were|will|would|shall|should|must|need|can|could|may)\s+not|"
                      r"cannot|can't|won't|doesn't|don't|didn't|isn't|aren't|never|"
                      r"no\s+[a-z-]+\s+(?:can|could|will|would|may|should|must|is|are|was|were)(?:\s+ever)?)"
                      r"\s+([^.;:()?!]+)", re.I)
_NOT_ASKED = set(tokenize("be been being have has had the a an of to for in on by with"))
# A rule the question says holds without exception: "… can never be waived, even in an emergency".
_ABSOLUTE = re.compile(r"\b(?:never|always|under no circumstances|without exception|in (?:all|every|any) cases?|"
                       r"at all times|no matter)\b", re.I)
_EVEN = re.compile(r"\beven\s+(?:in|when|if|during|for|where|after|before)\s+(?:(?:an?|the|any)\s+)?"
                   r"(?:(?:case|event)\s+of\s+(?:an?\s+)?)?([^\W\d_][\w-]+)", re.I)
# … and the exception a document makes to it.
_EXCEPTION = re.compile(r"\b(?:except|unless|other than|apart from|overrid\w*|waived?|set aside|exempt\w*|"
                        r"exceptions?)\b", re.I)


# A share the question takes for granted, in words; "most" and "the majority" mean over half,
# "a minority" under half.
_FRACTIONS = {"a quarter": 25.0, "one quarter": 25.0, "a third": 33.3, "one third": 33.3, "half": 50.0,
              "a fifth": 20.0, "one fifth": 20.0, "a tenth": 10.0, "two thirds": 66.7, "three quarters": 75.0}
# Not a stretch of time: "in the first half of 2024/25".
_SHARE_CLAIM = re.compile(rf"(?<!first )(?<!second )(?<!last )\b({'|'.join(_FRACTIONS)}|most|the majority|a majority|a minority|the minority)"
                          r"\s+(?:of\s+)?(?!(?:the\s+|this\s+|that\s+)?(?:year|month|decade|century|day|week|\d)\b)"
                          r"[a-z]", re.I)
_PERCENT = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)\s?(?:%|per cent)")


# "the most common", "the largest": a claim that something ranks first; "the second most common",
# "the third largest": a rank below it.
_SUPERLATIVE = re.compile(r"\bthe (?:single )?(most|largest|biggest|highest|greatest|leading|main)\b", re.I)
_RANKED = re.compile(r"\b(second|third|fourth|fifth|2nd|3rd|4th|5th)[ -](most|largest|biggest|highest|greatest|"
                     r"leading|main)\b", re.I)


def _dates(text: str) -> set[str]:
    return {re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", d.lower()) for d in _WHEN.findall(text)}


_CASE_WORDS = set(tokenize("case cases event events of the a an in where when"))


def _excepts(statement: str, asked: set[str]) -> bool:
    """Whether ``statement`` makes an exception ("except in the case of a flood") for a case the
    question's words (``asked``) name."""
    for m in _EXCEPTION.finditer(statement):
        case = [w for w in tokenize(re.split(r"[.,;:()?!]", statement[m.end():], maxsplit=1)[0])
                if w not in _CASE_WORDS and w not in _NOT_ASKED][:3]
        if case and set(case) & asked:
            return True
    return False


def contradicted_detail(question: str, passages: Sequence[ScoredPassage],
                        scored: Sequence[tuple[float, str]] | None = None, *, idf=None) -> str | None:
    """Why the documents contradict a detail the question takes for granted, or None. The
    sentences that best state the rest of the question decide: they give another date or year
    than the question's ("launched … January 2020" where they say 1 July 2019), move the other way
    ("why did staff numbers fall" where they "increased by 4.0%"), or run from and to the other
    way round ("rise from 18 to 30 days" where it fell "from 30 to 18 days"). A name the question
    gives that no retrieved passage holds ("workshops in Manchester") is not supported either."""
    held: set[str] = set()
    for sp in passages:
        held.update(tokenize(sp.passage.text))
        held.update(tokenize(sp.passage.title or ""))
        held.update(tokenize(sp.passage.publisher or ""))  # "NHS England's report": who published it
    # (A "when did …" question about someone the documents never name is simply not answered;
    # "why did …" takes the act for granted.)
    missing = [n for n in named_in(question) if n not in held]
    if missing and not re.match(r"^\W*when\b", question, re.I):
        words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", question) if set(tokenize(w)) & set(missing)]
        return f"no document retrieved mentions {', '.join(dict.fromkeys(words)) or ', '.join(missing)}"
    share = _SHARE_CLAIM.search(question)
    if share:
        # "Why are most AI solutions developed on generated data?" where the closest statement
        # of the rest gives 19%; "… down to a quarter of recruitment" where it gives under 10%.
        claim = share.group(1).lower()
        rest_of = proposition_scores(question[:share.start()] + question[share.end() - 1:], passages, idf)
        top = rest_of[0][0]
        said = [t for sc, t in rest_of if sc >= max(WEIGHTS.share_claim_support, top - 0.1) and _PERCENT.search(t)][:1]
        if said:
            shares = [float(x) for x in _PERCENT.findall(said[0])]
            wanted = _FRACTIONS.get(claim)
            fewer = claim.endswith("minority")  # "only a minority of respondents …" means under half
            if (wanted is None and not fewer and all(x < 50 for x in shares)) or \
                    (fewer and all(x > 50 for x in shares)) or \
                    (wanted is not None and all(abs(x - wanted) > 5 for x in shares)):
                return f"the documents give {shares[0]:g}%, not {claim}: “{said[0].strip()}”"
    q_dates = _dates(question)
    rest = _WHEN.sub(" ", question)
    scored = list(proposition_scores(rest, passages, idf)) if q_dates else list(scored or [])
    if not scored:
        return None
    best = scored[0][0]
    nearby = [t for sc, t in scored[:WEIGHTS.set_against_pool] if sc >= WEIGHTS.set_against_support]
    m = _FROM_TO.search(question)
    if m:
        # "Why did spending rise from 1 to 7 …" where a statement runs from 7 to 1: both figures,
        # the other way round, name the claim itself.
        a, b = (x.rstrip(".,") for x in m.groups())
        for t in nearby:
            n = _FROM_TO.search(t)
            if n and tuple(x.rstrip(".,") for x in n.groups()) == (b, a):
                return f"the documents say from {b} to {a}: “{t.strip()}”"
    if not re.search(r"\b(?:not|rather than|instead of|as opposed to)\b", question, re.I):
        # "Why does the plan ask for a yearly review?" where a statement says "monthly visits …
        # rather than a yearly review": what the document sets aside is what the question takes
        # for granted.
        asked = set(tokenize(question))
        for t in nearby:
            for r in _RATHER_THAN.finditer(t):
                set_aside = tokenize(r.group(1))[:4]
                if len(set_aside) >= 2 and set(set_aside) <= asked:
                    return f"the documents say otherwise: “{t.strip()}”"
        # "Why does the policy bar staff from using their own phones?" where the closest
        # statement says it "does not bar staff from using their own phones …": what the
        # document denies, in the question's own words, is what the question asserts.
        for t in nearby[:WEIGHTS.denied_pool]:
            if _excepts(t, asked):
                continue  # "… may not be lent, except in a flood", asked why they are lent in a flood
            for r in _NEGATED.finditer(t):
                denied = [w for w in tokenize(r.group(1)) if w not in _NOT_ASKED][:WEIGHTS.denied_words]
                held = [w for w in denied if w in asked]
                if len(held) >= WEIGHTS.denied_held and len(held) >= WEIGHTS.denied_share * len(denied):
                    return f"the documents say otherwise: “{t.strip()}”"
        # "Why can the consent never be waived, even in an emergency?" where a close statement
        # says it "may be overridden in the case of an emergency": the exception the documents
        # make is the one the question says there is none of.
        even = _EVEN.search(question)
        if even and _ABSOLUTE.search(question):
            case = set(tokenize(even.group(1)))
            for t in nearby[:WEIGHTS.denied_pool]:
                if case and case <= set(tokenize(t)) and _EXCEPTION.search(t):
                    return f"the documents say otherwise: “{t.strip()}”"
    stating = [t for sc, t in scored if sc >= max(0.5, best - 0.1)][:5]
    if not stating:
        return None
    if q_dates:
        years = {d[-4:] for d in q_dates}
        # The closest statements that give a date at all.
        said = [t for sc, t in scored if sc >= max(0.5, best - 0.2) and _dates(t)][:5]
        if said and not any(d in _dates(t) or d[-4:] in {x[-4:] for x in _dates(t)} and len(d) == 4
                            for t in said for d in q_dates):
            other = sorted(_dates(said[0]) - years)
            if other:
                return f"the documents give {other[0]}, not {' / '.join(sorted(q_dates))}: “{said[0].strip()}”"
    up, down = bool(_UP.search(rest)), bool(_DOWN.search(rest))
    if up != down:
        same, opposite = (_UP, _DOWN) if up else (_DOWN, _UP)
        top = stating[:2]
        if any(opposite.search(t) for t in top) and not any(same.search(t) for t in top):
            return f"the documents say it went the other way: “{top[0].strip()}”"
    top_claim = _SUPERLATIVE.search(question)
    if top_claim and not _RANKED.search(question):
        # "Why is flu the most common reason …?" where the closest statements say "the second most
        # common reason": the question ranks it first, the documents lower.
        word = top_claim.group(1).lower()
        for t in stating[:2]:
            ranked = _RANKED.search(t)
            if ranked and ranked.group(2).lower() == word:
                return f"the documents rank it {ranked.group(1).lower()}, not first: “{t.strip()}”"
    return None


def premise_note(check: PremiseCheck) -> str:
    return ("The question assumes something the documents do not support: " + "; ".join(check.reasons) +
            ". What the documents do say is below.")
