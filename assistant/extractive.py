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


def _has_type(text: str, kind: str | None) -> bool:
    if kind == "rating":
        return bool(re.search(r"\b(inadequate|requires improvement|good|outstanding)\b", text, re.I))
    if kind == "date":
        return bool(_DATE.search(text))
    if kind == "money":
        return bool(_MONEY.search(text))
    if kind == "number":
        return bool(_QUANTITY.search(_REFERENCE.sub(" ", text))) or \
            bool(re.search(r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|"
                           r"hundred|thousand|million|billion|half|third|quarter|most|all)\b", text, re.I))
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
    if not want or want == "rating" or re.match(r"^\W*(and\s+)?how (many|long)\s+(days|weeks|months|years)\b",
                                                 question.lower()):
        return True, None
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
        doc_date = passages[c.rank].passage.date or ""
        if years and not any(y in c.text or doc_date.startswith(y) for y in years):
            continue
        return True, want
    return False, want


def candidates(passages: Sequence[ScoredPassage]) -> list[Candidate]:
    out: list[Candidate] = []
    for rank, sp in enumerate(passages):
        text = sp.passage.text
        for a, b in sentence_spans(text):
            m = _PARA_NUMBER.match(text[a:b])
            if m:
                a += m.end()
            sent = text[a:b].strip()
            # Headings, addresses and fragments are not answers: a sentence ends like one.
            if len(sent.split()) < 4 or _SAMPLE_NOTICE.search(sent) or not _ENDS_SENTENCE.search(sent):
                continue
            out.append(Candidate(rank, a, b, sent))
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


def score_candidates(question: str, cands: list[Candidate], embedder, *, n_passages: int,
                     boost_ranks: set[int] | None = None) -> np.ndarray:
    """Score each sentence: meaning (embedding cosine), the question's words it shares, the rank
    of its passage, and whether it holds what the question asks for (a date, number or name)."""
    if not cands:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    vecs = embedder.encode_cached([question] + [c.text for c in cands])
    q, sv = vecs[0], vecs[1:]
    abbr = abbreviations([c.text for c in cands])
    q_tokens = _expand(set(tokenize(question)), abbr)
    want = expected_type(question)
    # Dates and figures the question names ("in December 2021") should be in the sentence too.
    anchors = [a.lower() for a in re.findall(r"(?:January|February|March|April|May|June|July|August|September|"
                                              r"October|November|December)\s+\d{4}|\b\d[\d,.]*%?", question)]
    for c, v in zip(cands, sv):
        c.cos = float(v @ q)
        s_tokens = _expand(set(tokenize(c.text)), abbr)
        c.lex = len(q_tokens & s_tokens) / len(q_tokens) if q_tokens else 0.0
        prior = 1.0 - c.rank / max(n_passages, 1)
        c.score = 0.55 * c.cos + 0.30 * c.lex + 0.15 * prior
        if want and _has_type(c.text, want):
            c.score += 0.12
        if anchors and all(a in c.text.lower() for a in anchors):
            c.score += 0.08
        if boost_ranks and c.rank in boost_ranks:
            c.score += 0.05
    return sv


def select(cands: list[Candidate], vecs: np.ndarray, *, max_sentences: int, gap: float = 0.12,
           redundancy: float = 0.88) -> list[Candidate]:
    """Best sentences first, dropping near-repeats and those far below the best; then put them
    in reading order: by passage rank, and by position inside a passage."""
    if not cands:
        return []
    order = sorted(range(len(cands)), key=lambda i: -cands[i].score)
    best = cands[order[0]].score
    chosen: list[int] = []
    for i in order:
        if len(chosen) >= max_sentences:
            break
        if cands[i].score < best - gap:
            break
        if any(float(vecs[i] @ vecs[j]) > redundancy for j in chosen):
            continue
        chosen.append(i)
    # Most relevant first; a sentence that directly follows another chosen one from the same
    # passage stays right after it, so a two-sentence statement reads in its own order.
    picked = [cands[i] for i in chosen]
    out: list[Candidate] = []
    for c in picked:
        if c in out:
            continue
        out.append(c)
        follow = [d for d in picked if d.rank == c.rank and d.start > c.start and d not in out]
        for d in sorted(follow, key=lambda d: d.start):
            if d.start - out[-1].end <= 2 and d.rank == out[-1].rank:
                out.append(d)
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
