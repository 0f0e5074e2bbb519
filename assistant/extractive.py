"""The default answerer: no language model. It picks the sentences of the retrieved passages
that best answer the question and keeps them word for word, each cited to its passage — so
every sentence it writes can be found, highlighted, in the passage it cites."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ingest.chunk import sentence_spans
from ingest.lexical import tokenize

from .citations import numbers_in
from .types import ScoredPassage

# A paragraph number opening a sentence ("12. The Panel…"); the full stop is required so that
# a date such as "17 February 2023: …" keeps its day.
_PARA_NUMBER = re.compile(r"\s*\d+(?:\.\d+)*\.\s+(?=\S)")
_DATE = re.compile(r"\b(?:\d{1,2}\s+)?(?:January|February|March|April|May|June|July|August|September|October|"
                   r"November|December)\s+\d{4}\b|\b(?:19|20)\d{2}\b")
_NAME = re.compile(r"\b(?:Professor|Dame|Sir|Dr|Lord|Baroness|Minister|Secretary)\b|(?<!^)(?<![.!?] )\b[A-Z][a-z]+ [A-Z][a-z]+\b")
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'’”)\]]*$")
# The sample corpus's opening notice ("a sample written for Evidence Assistant … It stands for …
# The official document is at …") is about the sample, never an answer.
_SAMPLE_NOTICE = re.compile(r"\bsample\b.*\b(written|prepared)\b.*\b(Evidence Assistant|this product)\b|"
                            r"^It stands for\b|^The official document is at\b|^Official address:", re.I)


@dataclass
class Candidate:
    rank: int  # 0-based rank of its passage
    start: int  # offsets in the passage text
    end: int
    text: str
    score: float = 0.0
    cos: float = 0.0
    lex: float = 0.0
    # The sentence before it in its passage is its lead; a sentence that leans on its lead ("That
    # was up from 41% in December 2021.") says what it is about only through it.
    lead_end: int = -1  # where the lead ends in the passage text (-1: no lead)
    leans: bool = False
    context: str = ""  # what a leaning sentence is read with: its lead (and the lead's, if that leans too)

    @property
    def in_context(self) -> str:
        """The sentence as a reader needs it: with its lead when it leans on one."""
        return f"{self.context} {self.text}" if self.context else self.text


# A sentence that opens by pointing back ("It was moved …", "She said …", "That was up from …",
# "At the same event he said …") is about whatever the sentence before it named.
_LEANS = re.compile(r"^(?:It|Its|This|That|These|Those|They|Their|Them|He|His|She|Her|There|Such|Both|Here)\b|"
                    r"^The (?:remaining|rest|other|latter|former|same)\b|"
                    r"^(?:\w+\s+){0,3}(?:he|she|they)\b|^(?:At|In|On|By|For|From|After|Before|Of)\s+"
                    r"(?:the same|this|that|these|those|it|them)\b")


def leans_on_lead(sentence: str) -> bool:
    """Whether ``sentence`` refers back to the one before it for what it is about."""
    return bool(_LEANS.match(sentence.strip()))


def expected_type(question: str) -> str | None:
    """What kind of thing the question asks for, when it asks for a specific one."""
    q = question.lower().strip()
    q = re.sub(r"^(and|but|so|then)\s+", "", q)
    if re.match(r"^(when|what date|on what date|by when|what year|in what year|by what date)\b", q) \
            or "what date" in q or re.match(r"^how (many|long)\s+(days|weeks|months|years)\b", q) \
            or re.match(r"^(what|which)\b", q) and re.search(r"\b(deadline|due date|target date)\b", q):
        return "date"  # "how many days after …" is answered by the two dates
    if re.match(r"^how much\b", q) or re.match(r"^what (is|was|were|are) the (total |annual |overall )?"
                                                r"(budget|cost|spend|funding|salary|value|price)\b", q):
        return "money"
    if re.match(r"^how many\b", q) or re.match(r"^what\b[^?]*?\b(percentage|proportion|share|number|figure|"
                                                r"score|count|total)\b", q):
        return "number"
    if re.match(r"^(what|how|which)\b", q) and re.search(r"\b(rating|ratings|rated|rate|rank|ranked|judged)\b", q) \
            and not re.search(r"\bwhich (commitments|ones)\b", q):
        return "rating"
    if re.match(r"^(who|whom|whose)\b", q) or re.match(r"^which (it )?(supplier|company|companies|firm|"
                                                      r"organisation|organization|body|minister|person|people|"
                                                      r"provider|vendor)s?\b", q):
        return "name"
    return None


# Numbers that name things rather than count them: HC 223, DHS0020, HL7395, para 12, years.
_REFERENCE = re.compile(r"\b(?:HC|HL|DHS|No\.?|para(?:graph)?s?|pages?|p\.|Session|Report)\s?\d[\d\-–]*|"
                        r"\b[A-Z]{2,}\d+\b|\b(?:19|20)\d{2}\b|^\s*\d+\.\s|\(\d+\)")
_QUANTITY = re.compile(r"(?<![\w.])\d[\d,.]*\s?(?:%|per cent)?")
_MONEY = re.compile(r"£\s?\d|\b\d[\d,.]*\s?(million|billion|bn|m)\b|\b(million|billion) (pounds|of funding)", re.I)


_COUNT_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
                "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|"
                "million|billion")
# A span of time stated as a count: "53 days", "Fifteen days", "eight weeks".
_DURATION = re.compile(rf"(?<![\w.])(?:\d[\d,.]*|(?:{_COUNT_WORDS})(?:[ -](?:{_COUNT_WORDS}))*)\s+"
                       r"(?:days?|weeks?|months?|years?)\b", re.I)


def asks_for_duration(question: str) -> bool:
    """"How many days after …", "how long (in weeks) …": answered by a stated span of time or by
    the two dates it lies between."""
    q = re.sub(r"^\W*(and|but|so|then)\s+", "", question.lower().strip())
    return bool(re.match(r"^how (many|long)\s+(days|weeks|months|years)\b", q))


def _has_type(text: str, kind: str | None) -> bool:
    if kind == "rating":
        return bool(re.search(r"\b(inadequate|requires improvement|good|outstanding)\b", text, re.I))
    if kind == "date":
        return bool(_DATE.search(text))
    if kind == "money":
        return bool(_MONEY.search(text))
    if kind == "number":
        return bool(_QUANTITY.search(_REFERENCE.sub(" ", text))) or \
            bool(re.search(rf"\b({_COUNT_WORDS}|half|third|quarter|most|all)\b", text, re.I))
    if kind == "name":
        return bool(_NAME.search(text))
    return False


_TYPE_WORDS = set(tokenize("how many much when who whom whose what date year number share percentage proportion "
                           "figure score rate did does was were is are will"))


def answers_the_type(question: str, cands: Sequence[Candidate], passages: Sequence[ScoredPassage],
                     idf=None, top: int = 3, min_overlap: float = 0.4) -> tuple[bool, str | None]:
    """Whether the best sentences hold what the question asks for (a date, number, amount or
    name) — about what the question is about (sharing its distinctive words), and, when the
    question names a year, for that year. A "how many" question whose evidence states no
    relevant number is not answered."""
    want = expected_type(question)
    years = set(re.findall(r"\b(?:19|20)\d{2}\b", question))
    # A rating, or a span of days between two dates, steers the choice of sentences but is not
    # required of them: the answer may give the dates, or say "requires improvement" in words.
    if not want or want == "rating" or asks_for_duration(question):
        return True, None
    if idf and never_indexed(about_words(question), idf):
        return False, want
    q_tokens = [t for t in dict.fromkeys(tokenize(question)) if t not in _TYPE_WORDS and not t.isdigit()]
    weights = idf(q_tokens) if idf and q_tokens else [1.0] * len(q_tokens)
    total = sum(weights) or 1.0
    best = sorted(cands, key=lambda c: -c.score)[:top]
    for c in best:
        if not _has_type(c.text, want):
            continue
        present = set(tokenize(c.text))
        if q_tokens and sum(w for t, w in zip(q_tokens, weights) if t in present) / total < min_overlap:
            continue
        if years and not any(y in c.text for y in years):
            # The document's date stands in for the year only of a sentence that names none of its
            # own: "… then Secretary of State, who in November 2021 …" is not about 2025 for being
            # in a 2025 document.
            doc_date = passages[c.rank].passage.date or ""
            if re.search(r"\b(?:19|20)\d{2}\b", c.text) or not any(doc_date.startswith(y) for y in years):
                continue
        return True, want
    return False, want


_AUXILIARY = r"(?:did|does|do|is|was|are|were|has|have|had|will|would|could|can)\b"
_ASKED_FOR = re.compile(r"^\W*(?:(?:and|but|so|then)\s+)?(?:what|which|how many|how much)\s+"
                        rf"(?!{_AUXILIARY})(?:of\s+)?(.+?)\s+{_AUXILIARY}", re.I)
_CAPITALISED = re.compile(r"(?<=\s)[A-Z][\w'’-]*")


def about_words(question: str) -> list[str]:
    """The words that say what a question asks about: the thing it asks for ("what [user
    satisfaction score] did …", "how many [trusts] …") and the names it mentions ("… spent in
    [Scotland]"), as index tokens."""
    words: list[str] = []
    m = _ASKED_FOR.match(question)
    if m:
        words += tokenize(m.group(1))
    for name in _CAPITALISED.findall(question):
        words += tokenize(name)
    return [w for w in dict.fromkeys(words) if w not in _TYPE_WORDS and not w.isdigit()]


def never_indexed(tokens: Sequence[str], idf) -> list[str]:
    """Those of ``tokens`` that no indexed passage contains. The index gives a word it has never
    seen the highest possible IDF; a token can never contain a space, so " " measures it."""
    if not tokens:
        return []
    unseen, *weights = idf([" ", *tokens])
    if unseen <= 0:
        return []  # an empty index knows no words at all; that says nothing of the question
    return [t for t, w in zip(tokens, weights) if w >= unseen - 1e-9]


def candidates(passages: Sequence[ScoredPassage]) -> list[Candidate]:
    """Every sentence of the passages that could be an answer, each with the sentence before it
    in its passage (its lead) as context."""
    out: list[Candidate] = []
    for rank, sp in enumerate(passages):
        text = sp.passage.text
        lead, lead_end, lead_context = "", -1, ""
        for a, b in sentence_spans(text):
            m = _PARA_NUMBER.match(text[a:b])
            if m:
                a += m.end()
            sent = text[a:b].strip()
            prev, prev_end, prev_context = lead, lead_end, lead_context
            leans = bool(prev) and leans_on_lead(sent)
            # A sentence that leans on one that itself leans ("It was moved …" after "That
            # deadline was first set …") reads with both before it; two back at most.
            context = f"{prev_context} {prev}".strip() if leans else ""
            lead, lead_end, lead_context = sent, b, (prev if leans else "")
            if _SAMPLE_NOTICE.search(sent):
                lead, lead_end, lead_context = "", -1, ""  # a notice about the sample is no sentence's context
                continue
            # Headings, addresses and fragments are not answers: a sentence ends like one.
            if len(sent.split()) < 4 or not _ENDS_SENTENCE.search(sent):
                continue
            out.append(Candidate(rank, a, b, sent, lead_end=prev_end, leans=leans, context=context))
    return out


_DEFINED = re.compile(r"\b((?:[A-Za-z][a-z]+[ -]){1,5}[a-z]+) \(([A-Z]{2,6})s?\)")


def abbreviations(texts: Sequence[str]) -> dict[str, set[str]]:
    """Abbreviations the documents define ("electronic patient record (EPR)"): the abbreviation's
    token mapped to the long form's tokens, so either wording matches the other."""
    out: dict[str, set[str]] = {}
    for t in texts:
        for long_form, short in _DEFINED.findall(t):
            words = long_form.split()[-len(short):]  # as many words as the abbreviation has letters
            if [w[0].lower() for w in words] == [c.lower() for c in short]:
                out.setdefault(short.lower(), set()).update(tokenize(" ".join(words)))
    return out


def _expand(tokens: set[str], abbr: dict[str, set[str]]) -> set[str]:
    extra = set()
    for short, long_tokens in abbr.items():
        if short in tokens:
            extra |= long_tokens
        elif long_tokens and long_tokens <= tokens:
            extra.add(short)
    return tokens | extra


# Share of what a leaning sentence's lead adds to its relevance that counts (chosen on the sample
# suite's dev split: 0.5 too little for "That was up from 41% …", 0.85 lets sentences ride on
# their leads).
CONTEXT_WEIGHT = 0.7


def score_candidates(question: str, cands: list[Candidate], embedder, *, n_passages: int,
                     boost_ranks: set[int] | None = None) -> np.ndarray:
    """Score each sentence: meaning (embedding cosine), the question's words it shares, the rank
    of its passage, and whether it holds what the question asks for (a date, number or name)."""
    if not cands:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    leaning = [c for c in cands if c.context]
    vecs = embedder.encode_cached([question] + [c.text for c in cands] + [c.in_context for c in leaning])
    q, sv = vecs[0], vecs[1:len(cands) + 1]
    in_context = {id(c): v for c, v in zip(leaning, vecs[len(cands) + 1:])}
    abbr = abbreviations([c.text for c in cands])
    q_tokens = _expand(set(tokenize(question)), abbr)
    want = expected_type(question)
    duration = asks_for_duration(question)
    # Dates and figures the question names ("in December 2021") should be in the sentence too.
    anchors = [a.lower() for a in re.findall(r"(?:January|February|March|April|May|June|July|August|September|"
                                              r"October|November|December)\s+\d{4}|\b\d[\d,.]*%?", question)]
    for c, v in zip(cands, sv):
        c.cos = float(v @ q)
        s_tokens = _expand(set(tokenize(c.text)), abbr)
        c.lex = len(q_tokens & s_tokens) / len(q_tokens) if q_tokens else 0.0
        if c.context:
            # A sentence that leans on its lead is judged with it: "That was up from 41% in
            # December 2021." answers a question about care records only through the sentence
            # before it. Most, not all, of what the lead adds counts, so that a sentence saying
            # nothing to the question itself ("It was chaired by …") does not ride on its lead.
            c.cos += CONTEXT_WEIGHT * max(float(in_context[id(c)] @ q) - c.cos, 0.0)
            ctx_tokens = s_tokens | _expand(set(tokenize(c.context)), abbr)
            with_context = len(q_tokens & ctx_tokens) / len(q_tokens) if q_tokens else 0.0
            c.lex += CONTEXT_WEIGHT * (with_context - c.lex)
        prior = 1.0 - c.rank / max(n_passages, 1)
        c.score = 0.55 * c.cos + 0.30 * c.lex + 0.15 * prior
        if duration:
            # A stated span answers "how many days …" outright; a single date is half the answer.
            c.score += 0.12 if _DURATION.search(c.text) else 0.06 if _has_type(c.text, want) else 0.0
        elif want and _has_type(c.text, want):
            c.score += 0.12
        if anchors and all(a in c.in_context.lower() for a in anchors):
            c.score += 0.08
        if boost_ranks and c.rank in boost_ranks:
            c.score += 0.05
    return sv


def select(cands: list[Candidate], vecs: np.ndarray, *, max_sentences: int, gap: float = 0.12,
           redundancy: float = 0.88) -> list[Candidate]:
    """Best sentences first, dropping near-repeats and those far below the best. A sentence that
    leans on the one before it ("It was moved to March 2026 …") comes with that sentence, so the
    answer never leaves a reader asking what "it" is; both are quoted, each cited. Then the
    order: most relevant first, and neighbouring sentences of one passage in their own order."""
    if not cands:
        return []
    order = sorted(range(len(cands)), key=lambda i: -cands[i].score)
    best = cands[order[0]].score
    at = {(c.rank, c.end): i for i, c in enumerate(cands)}
    chosen: list[int] = []
    for i in order:
        if len(chosen) >= max_sentences:
            break
        if cands[i].score < best - gap:
            break
        if i in chosen or any(float(vecs[i] @ vecs[j]) > redundancy for j in chosen):
            continue
        unit = [i]
        lead = at.get((cands[i].rank, cands[i].lead_end)) if cands[i].leans else None
        # The lead comes along when it names what the sentence points back to; a lead that
        # itself points further back ("She said …" after "She said …") would not help.
        if lead is not None and lead not in chosen and not cands[lead].leans:
            unit.insert(0, lead)
        if len(chosen) + len(unit) > max_sentences:
            if chosen:
                continue  # no room for the sentence with what it leans on
            unit = [i]  # an answer of one sentence is allowed no more, even one that leans
        chosen.extend(unit)
    # Runs of neighbouring sentences (one the lead of the next) read as one statement, in order;
    # runs come in the order their first sentence was chosen.
    picked = set(chosen)
    out: list[Candidate] = []
    placed: set[int] = set()
    for i in chosen:
        if i in placed:
            continue
        first = i
        while True:
            j = at.get((cands[first].rank, cands[first].lead_end))
            if j is None or j not in picked or j in placed:
                break
            first = j
        k: int | None = first
        while k is not None and k in picked and k not in placed:
            out.append(cands[k])
            placed.add(k)
            k = next((n for n in picked if cands[n].rank == cands[k].rank and cands[n].lead_end == cands[k].end),
                     None)
    return out


def coverage(question: str, texts: Sequence[str], lexical) -> float:
    """Share of the question's distinctive vocabulary (IDF-weighted) that ``texts`` contain.
    A question about something the documents never mention ("dental waiting lists") scores low
    however close its wording is to passages about other things."""
    q_tokens = list(dict.fromkeys(tokenize(question)))
    if not q_tokens:
        return 0.0
    weights = lexical.idf(q_tokens)
    total = sum(weights)
    if total <= 0:
        return 0.0
    present = set()
    for t in texts:
        present.update(tokenize(t))
    return sum(w for tok, w in zip(q_tokens, weights) if tok in present) / total
