"""The default answerer: no language model. It picks the sentences of the retrieved passages
that best answer the question and keeps them word for word, each cited to its passage — so
every sentence it writes can be found, highlighted, in the passage it cites."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from evidence_assistant.core.text import is_table_row, tokenize

from evidence_assistant.answering import sentence_scorer
from evidence_assistant.answering.citations import quotations
from evidence_assistant.answering.parts import question_parts
from evidence_assistant.answering.sentences import pieces
from evidence_assistant.core.types import ScoredPassage


@dataclass(frozen=True)
class ExtractiveWeights:
    """The tuned numbers of the extractive answerer, in one place. They were chosen on the sample
    suite's dev split (evals/cases/sample.jsonl, ``split: dev``), except where a field says the
    real suite's dev split; change one only with the suites run before and after."""

    # A sentence's score: its meaning (embedding cosine with the question), the share of the
    # question's words it holds, and how high its passage ranked.
    cosine: float = 0.55
    lexical: float = 0.30
    rank_prior: float = 0.15
    # Holding what the question asks for (a date, number, amount or name); for "how many days
    # …", a stated span of time answers outright and a single date is half the answer.
    answer_type: float = 0.12
    duration_span: float = 0.12
    duration_one_date: float = 0.06
    # Holding every date and figure the question names ("in December 2021").
    anchors: float = 0.08
    # Its passage is evidence of a registered commitment the question is about.
    commitment_evidence: float = 0.05
    # Real suite's dev split: a sentence that spells out the abbreviation asked about answers it
    # outright; one that announces the list asked for ("… has three stages:") leads the items; a
    # document describing itself or its contents answers nothing.
    expansion: float = 0.3
    list_lead_in: float = 0.1
    # Real suite's dev split: a sentence using the very words the question puts in quotation
    # marks ("what is meant by 'triadic consulting'?") is about that term, not its neighbours.
    quoted_term: float = 0.1
    # Real suite's dev split: a labelled line of a document's front matter naming who wrote,
    # prepared or presented it ("Prepared by: …", "Report by: …") answers who did so.
    authorship_field: float = 0.3
    # Real suite's dev split: a sentence or table row carrying the very label the question names
    # ("In Table 1 of …", "Appendix 2") is from the part of the document it points to.
    # (Only 0.1 tried: it moves the right table's row above another table's.)
    named_label: float = 0.1
    # Real suite's dev split: a line without a full stop that reads as prose and runs to this
    # many words is a sentence the extraction cut off (a table cell run into the next column),
    # not a heading, even when a capitalised line follows it (10 took headings; 15 and 20 alike).
    cut_sentence_words: int = 20
    boilerplate: float = 0.15
    # A short list item ("Screening") is read only with the line that introduces its list.
    short_item: float = 1.0
    # Share of what a leaning sentence's lead adds to its relevance that counts (0.5 too little
    # for "That was up from 41% …", 0.85 lets sentences ride on their leads).
    context: float = 0.7
    # Choosing sentences: none further than ``gap`` below the best, none closer in meaning than
    # ``redundancy`` to one already chosen, at most ``list_items`` items of an introduced list.
    gap: float = 0.12
    # Real suite's dev split: a part of a question whose best sentence is another part's best
    # is answered by its next best, when that is no further than this below it.
    part_second_best: float = 0.05  # (0.02, 0.05 and 0.12 alike on dev)
    redundancy: float = 0.88
    list_items: int = 6
    # A sentence that adds nothing: at least this share of its words (four or more) already said;
    # or every figure it states already stated, in a sentence holding this share of its words
    # (real suite's dev split).
    repeat_overlap: float = 0.8
    restated_words: float = 0.5
    # Whether the best ``type_top`` sentences hold what the question asks for, about what it is
    # about: sharing at least ``type_overlap`` of its distinctive words (IDF-weighted).
    type_top: int = 3
    type_overlap: float = 0.4
    # Whether there is enough to answer at all: the best sentence's score and the share of the
    # question's distinctive words the first ``coverage_passages`` passages hold, mixed.
    relevance_best: float = 0.5
    relevance_coverage: float = 0.5
    coverage_passages: int = 5
    # A follow-up's sentences are judged on its rewrite and on its own words, this much each.
    follow_up_own_words: float = 0.5
    # With the learned sentence scorer on, a sentence's score is the hand score plus this much of
    # the learned probability that it holds the answer (only 0.3 tried so far, on the real
    # suite's dev split; see docs/sentence-scorer.md).
    learned: float = 0.3


WEIGHTS = ExtractiveWeights()

# A paragraph number opening a sentence ("12. The Panel…"); the full stop is required so that
# a date such as "17 February 2023: …" keeps its day.
_PARA_NUMBER = re.compile(r"\s*\d+(?:\.\d+)*\.\s+(?=\S)")
_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
# "17 February 2023", "26 June, 2025", "June 26, 2025", "March 2021", or a year.
_DATE = re.compile(rf"\b(?:\d{{1,2}}\s+)?{_MONTHS},?\s+(?:\d{{1,2}},?\s+)?\d{{4}}\b|\b(?:19|20)\d{{2}}\b")
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
    kind: str = "sentence"  # sentence, item (of a list), lead-in (introduces a list), row (of a table) or fragment
    hand: float = 0.0  # the hand-weighted score (``score`` adds the learned one's when that is on)
    learned: float = 0.0  # the learned scorer's probability that it holds the answer
    features: np.ndarray | None = None  # what the learned scorer reads (sentence_scorer.FEATURES)

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
    if re.match(r"^how much\b", q) or re.match(r"^what (is|was|were|are) the (total |annual |overall |average |mean |median )?"
                                                r"(budget|cost|spend|funding|salary|value|price)\b", q) \
            or re.match(r"^(what|which)\b[^?]*?\b(budget|fee|fees|salary|salaries|price|funding|cost|costs)\b"
                        r"(?! (?:model|approach|pressures?|improvement|efficienc\w*|saving\w*))", q) and \
            not re.match(r"^(what|which)\b[^?]*\b(how|why)\b", q):
        return "money"
    if re.match(r"^how many\b", q) or re.match(r"^what\b[^?]*?\b(percentage|proportion|share|number|figure|"
                                                r"score|count|total)\b", q):
        return "number"
    if re.match(r"^(what|how|which)\b", q) and re.search(r"\b(rating|ratings|rated|rate|rank|ranked|judged)\b", q) \
            and not re.search(r"\bwhich (commitments|ones)\b", q):
        return "rating"
    if re.match(r"^(who|whom|whose)\b", q) or re.match(r"^which (it )?(supplier|company|companies|firm|"
                                                      r"organisation|organization|body|bodies|minister|person|people|"
                                                      r"provider|vendor|trust|group|team|unit|charity|charities|"
                                                      r"university|universities|partner|consortium|agency|agencies|"
                                                      r"institute|staff|author|chair)s?\b", q):
        return "name"
    return None


# Numbers that name things rather than count them: HC 223, DHS0020, HL7395, para 12, years.
_REFERENCE = re.compile(r"\b(?:HC|HL|DHS|No\.?|para(?:graph)?s?|pages?|p\.|Session|Report)\s?\d[\d\-–]*|"
                        r"\b[A-Z]{2,}\d+\b|\b(?:19|20)\d{2}(?:\s?[/–-]\s?(?:(?:19|20)?\d{2})\b)?\b|^\s*\d+\.\s|\(\d+\)")
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


_OPENING_PAIR = re.compile(r"^\W*([A-Z][a-z]+) [A-Z][a-z]+\b")


def _opens_with_name(text: str) -> bool:
    """Whether a sentence opens with a name ("Thinks Insight & Strategy have been commissioned
    …"): two capitalised words, the first no common word ("The Panel", "This Report" are not)."""
    m = _OPENING_PAIR.match(text)
    return bool(m) and bool(tokenize(m.group(1))) and m.group(1).lower() not in _OPENERS


# Capitalised only because they open a sentence: not the start of a name.
_OPENERS = set("""after although among as at because before between both during each every few following for from
given here however if in many most much next none now of on once one over per since some such that then there
therefore these they those though through thus today under unlike until upon where whether which while who why
with within without yet also another any""".split())


# A day without its year ("a webinar on 31 July", "by March 31st"): a date, though not a year.
_DAY = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\b|\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?\b")


def given_values(question: str) -> set[str]:
    """The years and figures a question itself states ("… the workforce in 2030", "… no longer than
    18 weeks"): said again in a sentence, they are what the question is about, not its answer."""
    return {m.group(0).replace(",", "") for m in re.finditer(r"(?<![\w.])\d[\d,]*(?:\.\d+)?", question)}


def _has_type(text: str, kind: str | None, given: set[str] = frozenset()) -> bool:
    """Whether ``text`` holds the kind of thing asked for, other than the years and figures the
    question gave (``given``, from ``given_values``)."""
    if kind == "rating":
        return bool(re.search(r"\b(inadequate|requires improvement|good|outstanding)\b", text, re.I))
    if kind == "date":
        return any(m.group(0) not in given for m in _DATE.finditer(text)) or bool(_DAY.search(text))
    if kind == "money":
        return bool(_MONEY.search(text))
    if kind == "number":
        return any(m.group(0).strip().rstrip(".,%").replace(",", "").removesuffix(" per cent") not in given
                   for m in _QUANTITY.finditer(_REFERENCE.sub(" ", text))) or \
            bool(re.search(rf"\b({_COUNT_WORDS}|half|third|quarter|most|all)\b", text, re.I))
    if kind == "name":
        return bool(_NAME.search(text)) or _opens_with_name(text)
    return False


_TYPE_WORDS = set(tokenize("how many much when who whom whose what date year number share percentage proportion "
                           "figure score rate did does was were is are will"))


def answers_the_type(question: str, cands: Sequence[Candidate], passages: Sequence[ScoredPassage],
                     idf=None, top: int = WEIGHTS.type_top, min_overlap: float = WEIGHTS.type_overlap) -> tuple[bool, str | None]:
    """Whether the best sentences hold what the question asks for (a date, number, amount, name,
    share or span of time) — about what the question is about (sharing its distinctive words, and
    in a passage that holds the names it gives), and, when the question names a year, for that
    year. A "how many" question whose evidence states no relevant number is not answered."""
    # "For how many years …" asks what "how many years …" asks.
    question = re.sub(r"^\W*for\s+(?=how (?:many|long)\b)", "", question, flags=re.I)
    want = expected_type(question)
    duration = asks_for_duration(question)
    if want == "rating" and _ASKS_RATE.search(question):
        want = "share"  # "what response rate …" asks for a figure, not a rating
    elif want == "number" and _ASKS_SHARE.match(question):
        want = "share"
    if duration:
        want = "duration"
    # A year that is part of a document's name ("the Connected Care in 2040 report") names the
    # document, not the time asked about.
    years = {m.group(1) for m in re.finditer(r"\b((?:19|20)\d{2})\b", question)
             if not _names_a_title(question, m, passages)}
    # A year the question asks about ("… target for 2031/32", "… visits in 2019") that no passage
    # retrieved for it states, in its text or as its date: the documents hold the topic, not
    # this year's fact, whatever is asked.
    if any(not _year_held(y, passages) for y in _asked_years(question, years)):
        return False, want
    # A rating steers the choice of sentences but is not required of them: the answer may say
    # "requires improvement" in other words.
    if not want or want == "rating":
        return True, None
    if idf and never_indexed(about_words(question), idf):
        return False, want
    # A name the question gives (a place, a body, a programme) that no passage retrieved for it
    # holds: the documents hold the topic, not this fact ("… respondents in Wales …").
    held: set[str] = set()
    for sp in passages:
        held.update(tokenize(sp.passage.text))
        held.update(tokenize(sp.passage.title or ""))
    names = named_in(question)
    if any(t not in held for t in names):
        return False, want
    part_names = [named_in(part) for part in question_parts(question)]
    counted = counted_thing(question) if want == "number" else []
    # The distinctive words of the question, and of each of its parts: a sentence answering one
    # part of "how many X …, and how many hours …" shares the words of that part.
    shares = []
    for text in dict.fromkeys([question, *question_parts(question)]):
        words = [t for t in dict.fromkeys(tokenize(text)) if t not in _TYPE_WORDS and not t.isdigit()]
        weights = idf(words) if idf and words else [1.0] * len(words)
        shares.append((words, weights, sum(weights) or 1.0))
    ranked = sorted(cands, key=lambda c: -c.score)
    named_years = set(re.findall(r"\b(?:19|20)\d{2}\b", question)) - years
    if want == "date" and named_years:
        # A sentence whose only date is the year in a document's name ("… the workforce of 2040"
        # in the "Connected Care in 2040" report) echoes the name; it dates nothing.
        echo = re.compile(rf"\b(?:{'|'.join(sorted(named_years))})\b")
        ranked = [c for c in ranked if not (echo.search(c.text) and not _has_type(echo.sub(" ", c.text), want))]
    # A count of the thing asked about may sit a little further down than the closest sentences,
    # which tend to be about the thing rather than how many of it there are.
    best = ranked[:top * 2 if counted else top]
    for c in best:
        if want == "duration":
            # A stated span answers "how many days …"; so do the dates it lies between.
            if not (_DURATION.search(c.text) or _DATE.search(c.text)):
                continue
        elif want == "share":
            if not _SHARE.search(c.text):
                continue
        elif not _has_type(c.text, want):
            continue
        if counted and not counts(c.in_context, counted):
            continue
        # A sentence that points back is about what its lead names: all of a heading ("4.2 Keeping
        # Records Safe", then "This report, issued in …"), the names in a sentence ("The Data Lab
        # is run by …", then "It will make £5m available …"), whose other words are its own.
        present = set(tokenize(c.text))
        if c.context:
            heading = not _ENDS_SENTENCE.search(c.context.strip())
            present |= set(tokenize(c.context if heading else " ".join(re.findall(r"\b[A-Z][\w'’-]*", c.context))))
        if shares[0][0] and max(sum(w for t, w in zip(words, weights) if t in present) / total
                                for words, weights, total in shares) < min_overlap:
            continue
        # The figure must sit in a passage about what the question names: a date in a passage
        # about another programme, or a share of respondents elsewhere, answers nothing. A
        # question in parts ("who runs X, and who runs Y?") names each part's subject apart.
        sp = passages[c.rank].passage
        about = set(tokenize(f"{sp.title or ''} {sp.text}"))
        if names and not any(set(part) <= about | _by_initials(question, about) for part in part_names):
            continue
        if years and not any(y in c.text for y in years):
            # The document's date stands in for the year only of a sentence that names none of its
            # own: "… then Secretary of State, who in November 2021 …" is not about 2025 for being
            # in a 2025 document.
            doc_date = sp.date or ""
            if re.search(r"\b(?:19|20)\d{2}\b", c.text) or not any(doc_date.startswith(y) for y in years):
                continue
        return True, want
    return False, want


# "What response rate …", "which vacancy rate …": a figure, where "rated", "rating" ask for a
# rating.
_ASKS_RATE = re.compile(r"^\W*(?:what|which)\s+(?:[\w-]+\s+){0,3}?rates?\b(?![\w-])", re.I)
_ASKS_SHARE = re.compile(r"^\W*(?:(?:and|but|so|then)\s+)?(?:what|which)\s+(?:percentage|proportion|share)\s+of\b", re.I)
# A share stated as one: "83%", "41 per cent", "one in five", "3 out of 4", "a third", "0.8".
_SHARE = re.compile(r"\d\s?%|\bper\s?cent\b|\bpercent|\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+"
                    r"(?:in|out of)\s+(?:every\s+)?(?:\d|one|two|three|four|five|six|seven|eight|nine|ten|hundred)|"
                    r"\bper\s+(?:\d|thousand|hundred|million|head)|\bratio\b|\b(?:half|third|thirds|quarter|quarters|"
                    r"fifth|fifths|majority|minority)\b|\d\.\d", re.I)


def _by_initials(question: str, held: set[str]) -> set[str]:
    """Index tokens of the names in ``question`` that ``held`` has by their initials: "Artificial
    Intelligence" where a passage says "AI"."""
    out: set[str] = set()
    for run in _NAMED.findall(" " + question.strip()[1:]):
        words = run.split()
        for i in range(len(words)):
            for j in range(i + 2, len(words) + 1):
                if "".join(w[0] for w in words[i:j]).lower() in held:
                    out.update(tokenize(" ".join(words[i:j])))
    return out


_FINANCIAL_YEAR = re.compile(r"\b((?:19|20)\d{2})\s*[/–-]\s*((?:19|20)?\d{2})\b")


def _asked_years(question: str, years: set[str]) -> list[str]:
    """The financial years ("2027/28") and the other years of ``years`` that ``question`` names."""
    fys = [f"{a}/{b[-2:]}" for a, b in _FINANCIAL_YEAR.findall(question) if a in years]
    in_fys = {y[:4] for y in fys}
    return fys + sorted(y for y in years if y not in in_fys)


def _year_held(year: str, passages: Sequence[ScoredPassage]) -> bool:
    """Whether a retrieved passage states ``year`` ("2022", or the financial year "2027/28" written
    "2027/28", "2027-28" or "2027/2028"): in its text, title or date, or, for a calendar year, as
    either end of a financial year."""
    if "/" in year:
        first, last = year.split("/")
        said = re.compile(rf"\b{first}\s*[/–-]\s*(?:{first[:2]})?{last}\b")
    else:
        said = re.compile(rf"\b{year}\b|\b(?:19|20)\d{{2}}\s*[/–-]\s*{year[2:]}\b")
    return any(said.search(f"{sp.passage.title or ''} {sp.passage.text} {sp.passage.date or ''}") for sp in passages)


def _names_a_title(question: str, year: re.Match, passages: Sequence[ScoredPassage]) -> bool:
    """Whether the year at ``year`` in ``question`` is read, with the two words before it, in the
    title of a retrieved document ("… the Connected Care in 2040 report …")."""
    before = re.findall(r"[\w'’-]+", question[:year.start()])[-2:]
    if len(before) < 2:
        return False
    phrase = re.compile(r"\b" + r"\W+".join(map(re.escape, [*before, year.group(1)])) + r"\b", re.I)
    return any(phrase.search(sp.passage.title or "") for sp in passages)


_HOW_MANY = re.compile(r"^\W*(?:(?:and|but|so|then)\s+)?(?:for\s+)?how many\s+(.+?)\s+(?:did|does|do|is|was|are|were|has|have|had|"
                       r"will|would|could|can|must|should|in|of|at|on|for|from|across|per|were)\b", re.I)


def counted_thing(question: str) -> list[str]:
    """What a "how many …" question counts, as index tokens ("how many [innovators] attended …");
    empty for other questions, and for spans of time ("how many days …")."""
    m = _HOW_MANY.match(question)
    if not m or asks_for_duration(question):
        return []
    # The thing ends where the question's verb begins: "how many nurses [joined] the bank …".
    words = m.group(1).split()
    for i, w in enumerate(words[1:], 1):
        if re.fullmatch(r"[a-z]+ed", w):
            words = words[:i]
            break
    return [t for t in tokenize(" ".join(words)) if t not in _TYPE_WORDS]


def counts(text: str, thing: Sequence[str], window: int = 6) -> bool:
    """Whether ``text`` states a number of ``thing``: a figure with a word of it among the words
    that follow ("118 data professionals team leaders", "seven NHS trusts"), or a count standing
    on its own in a sentence about it ("nine commitments were evaluated, four were rated
    inadequate") — not an amount of money, nor a number that is part of a name ("Covid-19",
    "Type 1", "Regulation 3(1)", "2025/26")."""
    plain = _REFERENCE.sub(" ", text)
    words = re.findall(r"£?\d[\d,.]*%?|[A-Za-z][\w'’-]*", plain)
    want = set(thing)

    def counts_other(after: Sequence[str]) -> bool:
        # "the three regions where nurses …": the count is of the first plural noun after it,
        # when that is not the thing asked about.
        for x in after[:window]:
            if want & set(tokenize(x)):
                return False
            if _PLURAL.fullmatch(x) and x not in _NOT_PLURAL:
                return True
        return False

    for i, w in enumerate(words):
        if re.match(r"£?\d", w) or w.lower() in _COUNT_WORD_SET:
            if want & set(tokenize(" ".join(words[i + 1:i + 1 + window]))) and not counts_other(words[i + 1:]):
                return True
    if not want & set(tokenize(plain)):
        return False
    for m in re.finditer(rf"(?<![\w/(£.-])(\d[\d,]*|{_COUNT_WORDS})(?![\w/)%-])",
                         plain, re.I):
        before = plain[:m.start()].split()
        if before and before[-1][:1].isupper() and not before[-1].endswith((".", ",", ":", ";")):
            continue  # "Type 1", "Tier 3": part of a name
        if m.group(1).lower() in ("one", "hundred", "thousand", "million", "billion"):
            continue
        if counts_other(re.findall(r"[A-Za-z][\w'’-]*|\d\S*", plain[m.end():])):
            continue
        return True
    return False


# A plural noun in lower case ("areas", "trusts"), and words that only look like one.
_PLURAL = re.compile(r"[a-z][a-z-]{2,}[^su'’]s")
_NOT_PLURAL = set("theirs yours always perhaps whereas sometimes besides towards afterwards means series species "
                  "basis analysis diagnosis".split())


_COUNT_WORD_SET = set(_COUNT_WORDS.split("|")) - {"hundred", "thousand", "million", "billion"}
_NAMED = re.compile(r"(?<=[\s(])[A-Z][a-z][\w'’-]*(?:\s+[A-Z][a-z][\w'’-]*)*")


def named_in(question: str) -> list[str]:
    """Index tokens of the proper names a question gives past its first word ("… in [Wales]", "…
    [Manchester] and [Bristol]"): places, bodies, people, programmes."""
    out: list[str] = []
    for m in _NAMED.findall(" " + question.strip()[1:] if question else ""):
        # Months and days are dates, which are checked as dates.
        out += tokenize(re.sub(rf"\b(?:{_MONTH_NAMES})\b", " ", m))
    return [t for t in dict.fromkeys(out) if t not in _TYPE_WORDS]


_MONTH_NAMES = ("January|February|March|April|May|June|July|August|September|October|November|December|"
                "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday")


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


# A labelled line of a document's front matter: who wrote or presented it, when it was
# published or updated, its version or status.
# The labels of such a line that say who made the document.
_AUTHOR_LABELS = r"[Aa]uthors?|[Rr]eport by|[Pp]resented by|[Pp]repared by|[Ww]ritten by|[Ee]dited by"
_FIELD_LINE = re.compile(rf"^(?:[A-Z][a-z]+\s+){{0,3}}(?:[Pp]ublished|[Uu]pdated|[Dd]ate|{_AUTHOR_LABELS}|"
                         r"[Vv]ersion|[Ss]tatus|[Oo]wner)(?:\s+[a-z]+){0,3}\s*:\s+\S.{0,150}$")


# Who made a document, as a question asks it ("which staff prepared …", "who presented the board
# paper …", "who wrote …") and as a document's front matter labels it ("Prepared by:", "Report by:").
_ASKS_AUTHOR = re.compile(r"\b(?:prepar|present|wr[io]te|written|author|compil|draft)\w*\b(?!\s+(?:to|for|in)\b)", re.I)
_AUTHOR_FIELD = re.compile(rf"^(?:[A-Z][a-z]+\s+){{0,2}}(?:{_AUTHOR_LABELS})\s*:")


# One person to a line, after a "Prepared by:" line: a name (with its title), a comma, their role.
_PERSON_LINE = re.compile(r"^(?:(?:Dr|Prof|Professor|Sir|Dame|Mr|Mrs|Ms|Miss)\.?\s+)?[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]*){1,3},"
                          r"\s+[^:]{2,120}$")


def names_its_author(question: str, cand: Candidate) -> bool:
    """Whether ``cand`` is a document's own line naming who made it, and the question asks who
    made something (see _ASKS_AUTHOR)."""
    return cand.kind == "field" and bool(_AUTHOR_FIELD.match(cand.text)) and \
        bool(re.match(r"^\W*(?:who|whom|which|what)\b", question, re.I)) and bool(_ASKS_AUTHOR.search(question))


def candidates(passages: Sequence[ScoredPassage]) -> list[Candidate]:
    """Every sentence, list item or list lead-in of the passages that could be an answer, each
    with the piece before it in its passage (its lead) as context."""
    out: list[Candidate] = []
    for rank, sp in enumerate(passages):
        text = sp.passage.text
        lead, lead_end, lead_context = "", -1, ""
        all_pieces = pieces(text)
        for n, piece in enumerate(all_pieces):
            a, b = piece.start, piece.end
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
            # Headings, addresses and running headers are not answers. A sentence ends like one;
            # a list item, or a line introducing a list ("… has three stages:"), need not; a
            # fragment (a line the extraction cut off) counts when it reads as prose.
            words = sent.split()
            kind = piece.kind
            if len(words) < 4 and not (len(words) >= 3 and (" | " in sent or kind == "row")):
                # "Screening", "Diagnosis": a short list item is read only with the line that
                # introduces its list, never as an answer on its own.
                if kind != "item" and not (kind == "fragment" and prev.endswith(":")):
                    continue
                kind = "short-item"
            elif kind == "fragment" and _FIELD_LINE.match(sent):
                kind = "field"  # "Date published: 26 June, 2025", "Report by: …": a document's own record of itself
                if _AUTHOR_FIELD.match(sent):
                    # "Prepared by: Rhod Joyce, Head of Partnerships" goes on with one person to a
                    # line ("Dr Indra Joshi, Director of AI"): the field is every one of them.
                    k = n + 1
                    while k < len(all_pieces) and all_pieces[k].kind == "fragment" and \
                            _PERSON_LINE.match(text[all_pieces[k].start:all_pieces[k].end].strip()):
                        b = all_pieces[k].end
                        k += 1
                    sent = text[a:b].strip()
            elif kind == "fragment" and not prev.endswith(":") and " | " not in sent:
                # A table's row ("SCIMP | Scottish Clinical …") is kept: it states a fact. Other
                # text without a full stop is kept when it reads as prose and runs on — into
                # text that goes on in lower case, or to where the passage was cut — or is as
                # long as no title is; not when it stands alone before a new sentence, as a title does.
                nxt = text[all_pieces[n + 1].start:all_pieces[n + 1].end] if n + 1 < len(all_pieces) else ""
                runs_on = not nxt or nxt[:1].islower() or len(words) >= WEIGHTS.cut_sentence_words
                if not reads_as_prose(sent) or not runs_on:
                    continue
            if kind == "field" and sp.passage.title:
                # "Report by: Julian Kelly, …" is about the document it heads: read it with the
                # document's title, as its reader does.
                context = sp.passage.title
            c = Candidate(rank, a, b, sent, lead_end=prev_end, leans=leans, context=context)
            c.kind = kind
            out.append(c)
    return out


def reads_as_prose(text: str, min_words: int = 10) -> bool:
    """Whether a piece without a full stop reads as running text rather than a heading, a
    contents line or a running header: long enough, and mostly lower-case words."""
    words = re.findall(r"[A-Za-z][\w'’-]*", text)
    if len(words) < min_words:
        return False
    lower = sum(w[0].islower() for w in words)
    return lower / len(words) >= 0.7  # a title keeps a third of its words capitalised


# What a document says about itself, and the furniture around its text, rather than anything it
# reports: "This report sets out …", a contents line, a breadcrumb trail, an invitation to
# download or e-mail.
_SELF_DESCRIBING = re.compile(
    r"\b(?:this|the present|the following|our)\s+(?:\w+\s+){0,2}(?:report|document|paper|guidance|guide|"
    r"chapter|section|strategy|framework|standard|plan|publication|summary|appendix|annex|page|website|"
    r"toolkit|note|briefing|manual|review)s?\s+(?:\w+\s+)?(?:sets? out|describes?|provides?|outlines?|"
    r"summari[sz]es?|presents?|gives?|looks? at|explains?|is intended|aims? to|covers?|contains?|"
    r"brings? together|is prefaced|is structured|is divided|focuses|considers|is the outcome)\b", re.I)
_FURNITURE = re.compile(
    r"\bcontents\b|\.{4,}|…{2,}|\s>\s.*\s>\s|\bdownload\b|\bplease (?:e-?mail|contact|visit|see)\b|"
    r"\bclick here\b|\bfind out more\b|\bfor more information\b|\bthis page\b|\bpublished on\s+\w+\s+website\b",
    re.I)
# A file named by its name or size ("Full report - Mar 21.pdf (3.3 MB)"): a catalogue of files or a
# download link describes a file, not what the file reports.
_FILE_NAMED = re.compile(r"\w\.(?:pdf|docx?|xlsx?|csv|odt|pptx?|md|html?|json|njk|txt|zip)\b|"
                         r"\(\s*\d[\d.,]*\s*(?:[KMG]B|bytes)\s*\)", re.I)


def boilerplate(sentence: str) -> bool:
    """Whether ``sentence`` is a document describing itself, its contents or its surroundings
    (contents lines, breadcrumbs, lists of titles, download and contact lines) — never the
    answer to a question about what the document reports."""
    if _SELF_DESCRIBING.search(sentence) or _FURNITURE.search(sentence) or _FILE_NAMED.search(sentence):
        return True
    if is_table_row(sentence):
        return False  # a row's headers are capitalised and joined by semicolons: not a list of titles
    words = re.findall(r"[A-Za-z][\w'’-]*", sentence)
    # A list of titles: several semicolons or bullets among words that are mostly capitalised.
    if sentence.count(";") >= 3 and words and sum(w[0].isupper() for w in words) / len(words) >= 0.4:
        return True
    # A run of headings glued together: long, and nearly every word capitalised.
    if len(words) >= 8 and sum(w[0].isupper() for w in words) / len(words) >= 0.7:
        return True
    return False


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


_STOP = {"of", "and", "the", "in", "for", "to", "on", "a", "an", "&", "with", "by", "at"}
_ASKS_EXPANSION = re.compile(r"\bstands?\s+for\b|\brefers?\s+to\b|\bletters\b|\bacronym\b|\babbreviat|"
                             r"\bshort\s+for\b|\bexpan(?:d|sion)\b|\bfull\s+(?:name|form|title)\b|\bname\b.*\bstand\b|"
                             r"\bwhat\s+(?:does|do|is|are)\s+(?:the\s+)?[\"'‘“]?[A-Z][A-Za-z]*[A-Z][\"'’”]?\s*(?:mean|\?)", re.I)
_ACRONYM = re.compile(r"(?<![\w-])([A-Z][A-Za-z]?[A-Z][A-Z0-9]{0,6}s?)(?![\w-])")


def asked_acronyms(question: str) -> list[str]:
    """The abbreviations a question asks to have spelled out ("what does RPA stand for?",
    "what do the letters of 'FAIR' stand for?"); empty when it asks no such thing."""
    if not _ASKS_EXPANSION.search(question):
        return []
    return [a.rstrip("s") if a.endswith("s") and a[:-1].isupper() else a for a in _ACRONYM.findall(question)]


def _long_form_matches(short: str, long_form: str, skips: int = 2) -> bool:
    """Whether the letters of ``short`` can be read, in order, from ``long_form``: each letter
    from the start of a word or from inside one (EQUATOR from "Enhancing the QUAlity and
    Transparency Of health Research"), the first letter from the first word and the last word
    giving a letter; small words ("of", "and") and at most ``skips`` other words give none."""
    letters = [c.lower() for c in short if c.isalnum()]
    words = re.findall(r"[A-Za-z0-9]+", long_form)
    if not letters or not words or len(words) > len(letters) + 4 or words[0][0].lower() != letters[0]:
        return False
    i = 0
    for k, w in enumerate(words):
        lw = w.lower()
        if i < len(letters) and lw[0] == letters[i]:
            i += 1
            # Further letters may come from inside the same word: capitals ("QUAlity"), or a
            # letter no later word could give.
            for j in range(1, len(lw)):
                if i >= len(letters):
                    break
                if lw[j] == letters[i] and (w[j].isupper() or not any(x[0].lower() == letters[i] for x in words[k + 1:])):
                    i += 1
            if i == len(letters) and k != len(words) - 1:
                return False  # the long form ends with the word that gives the last letter
        elif lw not in _STOP:
            skips -= 1
            if skips < 0 or k == len(words) - 1:
                return False
    return i == len(letters)


def expansion_in(short: str, text: str) -> str | None:
    """The long form of ``short`` that ``text`` gives beside it — "long form (SHORT)", "SHORT (long
    form)", "SHORT data (long, form)", "Long (Form) Regulations (SHORT)", a glossary's "SHORT Long
    Form" — or None when it gives none."""
    if not re.search(rf"(?<![\w-]){re.escape(short)}s?(?![\w-])", text):
        return None
    spans = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[A-Za-z0-9]+(?:['’][a-z]+)?", text)]
    words = [w for _, _, w in spans]
    at = [k for k, w in enumerate(words) if w == short or w == short + "s"]
    n_letters = len([c for c in short if c.isalnum()])
    for i, w in enumerate(words):
        if w[0].lower() != short[0].lower() or i in at:
            continue
        for n in range(max(1, n_letters - 3), n_letters + 5):
            j = i + n
            if j > len(words) or any(i <= k < j for k in at):
                break
            # Next to the abbreviation (within three words), or a capitalised name.
            near = any(0 <= i - k - 1 <= 3 or 0 <= k - j <= 3 for k in at)
            run = words[i:j]
            if not near and not all(x[0].isupper() or x.lower() in _STOP for x in run):
                continue
            if _long_form_matches(short, " ".join(run)):
                return text[spans[i][0]:spans[j - 1][1]]
    return None


_COUNTS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}
_LIST_QUESTION = re.compile(r"\b(?:which|what|name|list)\b.*?\b(\d{1,2}|" + "|".join(_COUNTS) +
                            r")\s+(?:[\w-]+\s+){0,3}?([a-z]+s)\b", re.I)


def asked_list(question: str) -> tuple[int, str] | None:
    """(how many, of what) for a question asking for a list of a stated size ("which four areas
    …", "what are the three stages …"); None otherwise."""
    m = _LIST_QUESTION.search(question)
    if not m:
        return None
    n = m.group(1).lower()
    count = int(n) if n.isdigit() else _COUNTS[n]
    return (count, m.group(2).lower()) if 2 <= count <= 12 else None


def states_count(text: str, count: int, noun: str) -> bool:
    """Whether ``text`` announces ``count`` of ``noun`` ("has three stages", "6 components",
    "four areas")."""
    words = [w for w, c in _COUNTS.items() if c == count] + [str(count)]
    stem = re.escape(noun[:max(4, len(noun) - 2)])
    return any(re.search(rf"\b{w}\s+(?:[\w-]+\s+){{0,2}}{stem}", text, re.I) for w in words)


def _folded(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def quoted_terms(question: str) -> list[str]:
    """The words a question puts in quotation marks ('coded information', 'FAIR'); a term of one
    letter or none is left out."""
    return [q for q in quotations(question, keep_case=True) if len(_folded(q)) > 1]


def uses_terms(text: str, terms: Sequence[str]) -> bool:
    """Whether ``text`` holds one of ``terms`` as whole words: whatever their case, hyphens and
    quotation marks, except that a term in capitals (an abbreviation, 'FAIR') must be in
    capitals, not the ordinary word."""
    folded = f" {_folded(text)} "
    return any(re.search(rf"(?<!\w){re.escape(t)}(?!\w)", text) if t.isupper() else f" {_folded(t)} " in folded
               for t in terms)


def score_candidates(question: str, cands: list[Candidate], embedder, *, n_passages: int,
                     boost_ranks: set[int] | None = None, scorer: str = "features") -> np.ndarray:
    """Score each sentence: meaning (embedding cosine), the question's words it shares, the rank
    of its passage, and whether it holds what the question asks for (a date, number or name).
    With ``scorer="learned"`` the learned sentence scorer's probability is added to that hand
    score, re-ranking the sentences; the best score stays the best hand score, so that how
    relevant the evidence is (and whether to decline) reads the same under either scorer."""
    if not cands:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    leaning = [c for c in cands if c.context]
    vecs = embedder.encode_cached([question] + [c.text for c in cands] + [c.in_context for c in leaning])
    q, sv = vecs[0], vecs[1:len(cands) + 1]
    in_context = {id(c): v for c, v in zip(leaning, vecs[len(cands) + 1:])}
    abbr = abbreviations([c.text for c in cands])
    q_tokens = _expand(set(tokenize(question)), abbr)
    want = expected_type(question)
    given = given_values(question)
    duration = asks_for_duration(question)
    acronyms = asked_acronyms(question)
    listed = asked_list(question)
    terms = quoted_terms(question)
    # Dates and figures the question names ("in December 2021") should be in the sentence too.
    labels = named_labels(question)
    anchors = [a.lower() for a in re.findall(r"(?:January|February|March|April|May|June|July|August|September|"
                                              r"October|November|December)\s+\d{4}|\b\d[\d,.]*%?", question)]
    rows: list[list[float]] = []
    for c, v in zip(cands, sv):
        c.cos = float(v @ q)
        s_tokens = _expand(set(tokenize(c.text)), abbr)
        c.lex = len(q_tokens & s_tokens) / len(q_tokens) if q_tokens else 0.0
        if c.context:
            # A sentence that leans on its lead is judged with it: "That was up from 41% in
            # December 2021." answers a question about care records only through the sentence
            # before it. Most, not all, of what the lead adds counts, so that a sentence saying
            # nothing to the question itself ("It was chaired by …") does not ride on its lead.
            c.cos += WEIGHTS.context * max(float(in_context[id(c)] @ q) - c.cos, 0.0)
            ctx_tokens = s_tokens | _expand(set(tokenize(c.context)), abbr)
            with_context = len(q_tokens & ctx_tokens) / len(q_tokens) if q_tokens else 0.0
            c.lex += WEIGHTS.context * (with_context - c.lex)
        prior = 1.0 - c.rank / max(n_passages, 1)
        typed = bool(want) and _has_type(c.text, want, given)
        span = duration and bool(_DURATION.search(c.text))
        anchored = bool(anchors) and all(a in c.in_context.lower() for a in anchors)
        boosted = bool(boost_ranks) and c.rank in boost_ranks
        # A front-matter line ("Prepared by: Rhod Joyce, Head of …") is capitalised like a run of
        # headings, but is the document's record of itself, not furniture.
        furniture = c.kind != "field" and boilerplate(c.text)
        author = names_its_author(question, c)
        expands = bool(acronyms) and any(expansion_in(a, c.text) for a in acronyms)
        leads = bool(listed) and states_count(c.text, *listed)
        uses_term = bool(terms) and uses_terms(c.text, terms)
        c.score = WEIGHTS.cosine * c.cos + WEIGHTS.lexical * c.lex + WEIGHTS.rank_prior * prior
        if duration:
            # A stated span answers "how many days …" outright; a single date is half the answer.
            c.score += (WEIGHTS.duration_span if span else WEIGHTS.duration_one_date if typed else 0.0)
        elif typed:
            c.score += WEIGHTS.answer_type
        if anchored:
            c.score += WEIGHTS.anchors
        if boosted:
            c.score += WEIGHTS.commitment_evidence
        if furniture:
            c.score -= WEIGHTS.boilerplate
        if c.kind == "short-item":
            c.score -= WEIGHTS.short_item  # read only with the line that introduces its list
        if expands:
            c.score += WEIGHTS.expansion
        if leads:
            c.score += WEIGHTS.list_lead_in
        if uses_term:
            c.score += WEIGHTS.quoted_term
        if author:
            c.score += WEIGHTS.authorship_field
        if labels and any(lab.search(c.in_context) for lab in labels):
            c.score += WEIGHTS.named_label
        c.hand = c.score
        # In sentence_scorer.FEATURES order; the two gaps are filled in once every cosine is known.
        rows.append([c.cos, c.lex, prior, float(c.rank == 0), 0.0, 0.0, c.cos * c.lex, float(typed),
                     float(bool(want)), float(span), float(anchored), float(boosted), float(furniture),
                     float(c.kind == "short-item"), float(expands), float(leads), float(c.leans),
                     float(c.kind == "item"), float(c.kind == "lead-in"), float(c.kind == "fragment"),
                     float(np.log1p(len(c.text.split()))), float(c.lead_end < 0)])
    x = np.asarray(rows, dtype=np.float64)
    x[:, 4] = x[:, 0] - x[:, 0].max()
    x[:, 5] = x[:, 1] - x[:, 1].max()
    for c, row in zip(cands, x):
        c.features = row
    if scorer == "learned":
        p = sentence_scorer.shipped().probabilities(x)
        blended = np.array([c.hand for c in cands]) + WEIGHTS.learned * p
        shift = max(c.hand for c in cands) - float(blended.max())
        for c, prob, b in zip(cands, p, blended):
            c.learned = float(prob)
            c.score = float(b) + shift
    elif scorer != "features":
        raise ValueError(f"unknown sentence scorer {scorer!r}; answering.sentence_scorer is 'learned' or 'features'")
    return sv


def says_again(a: str, b: str, near: float = WEIGHTS.repeat_overlap) -> bool:
    """Whether sentence ``a`` says nothing that ``b`` has not said: most of its words (at least
    four) are words of ``b``. An answer states each fact once; a sentence that adds to one
    already chosen is kept."""
    ta, tb = set(tokenize(a)), set(tokenize(b))
    return len(ta) >= 4 and len(ta & tb) / len(ta) >= near


_FIGURE = re.compile(r"(?<![\w.])\d[\d,.]*(?:/\d+)?%?")


# The labels of a document's own parts that a question may point to ("In Table 1 of …"); not a
# section, which is as often an Act's ("section 251 of the NHS Act 2006").
_PART_KINDS = r"Table|Figure|Fig\.|Annex|Appendix|Box|Chart"
_PART_LABEL = re.compile(rf"\b(?:{_PART_KINDS})\s+\d[\d.]*", re.I)
# Any number that labels a thing rather than counting it (Table 4.9, Chapter 3, Section 2.1).
_LABEL = re.compile(rf"\b(?:{_PART_KINDS}|Chapter|Section)\s+\d[\d.]*", re.I)


def named_labels(question: str) -> list[re.Pattern[str]]:
    """The labels of document parts a question names ("Table 1", "Appendix 2", "Figure 3.1"),
    each as a pattern that finds that label and no other ("Table 1" is not "Table 1.2" or
    "Table 10")."""
    out = []
    for m in _PART_LABEL.finditer(question):
        kind, number = m.group(0).rstrip(".").rsplit(None, 1)
        out.append(re.compile(rf"\b{re.escape(kind)}\s+{re.escape(number)}(?![\d]|\.\d)", re.I))
    return out


def figures(text: str) -> set[str]:
    """The figures a sentence states ("132", "10,650", "30%", "50/50"), written alike; not the
    numbers that label things (Table 4.9, HC 223, a year)."""
    plain = _REFERENCE.sub(" ", _LABEL.sub(" ", text))
    return {f.rstrip(".,").replace(",", "") for f in _FIGURE.findall(plain)} - {""}


def restates(a: str, b: str, near: float = WEIGHTS.restated_words) -> bool:
    """Whether sentence ``a`` states again figures that ``b`` has stated, about the same thing:
    every figure of ``a`` is in ``b`` and at least ``near`` of its words (four or more) are
    words of ``b``, and it names no one that ``b`` does not. ("… with 132 different AI products
    used in diagnosis or screening …" twice, in two passages, worded a little differently.)"""
    fa = figures(a)
    if not fa or not fa <= figures(b):
        return False
    if {m.group(0) for m in _NAME.finditer(a)} - {m.group(0) for m in _NAME.finditer(b)}:
        return False  # it names someone the other does not ("… under its then Chair Jeremy Hunt")
    ta, tb = set(tokenize(a)), set(tokenize(b))
    return len(ta) >= 4 and len(ta & tb) / len(ta) >= near


def part_bests(parts: Sequence[Sequence[Candidate]], near: float = WEIGHTS.part_second_best) -> list[int]:
    """For a question asking two things, the index of each part's best sentence (``parts``: the
    same candidates scored for each part), in the parts' order. When another part's best is this
    part's best too, its next best answers this part if it is no more than ``near`` below ("… a
    target of 2% for 2025/26" is the best sentence for the year's target and for how many years;
    "For the next 3 years …" answers the second); a part no sentence answers apart adds none."""
    out: list[int] = []
    for own in parts:
        ranked = [i for i in sorted(range(len(own)), key=lambda i: -own[i].score) if own[i].kind != "short-item"]
        pick = next((i for i in ranked if i not in out), None)
        if pick is not None and pick != ranked[0] and own[pick].score < own[ranked[0]].score - near:
            pick = None
        if pick is not None:
            out.append(pick)
    return out


def select(cands: list[Candidate], vecs: np.ndarray, *, max_sentences: int, gap: float = WEIGHTS.gap,
           redundancy: float = WEIGHTS.redundancy, list_items: int = WEIGHTS.list_items,
           first: Sequence[int] = ()) -> list[Candidate]:
    """Best sentences first, dropping near-repeats and those far below the best. A sentence that
    leans on the one before it ("It was moved to March 2026 …") comes with that sentence, so the
    answer never leaves a reader asking what "it" is; both are quoted, each cited. Then the
    order: most relevant first, and neighbouring sentences of one passage in their own order.
    A line that introduces a list ("… has three stages:") comes with the list's items (at most
    ``list_items``), which are its answer; they do not count against ``max_sentences``.
    ``first``: sentences to take before all others whatever their score (the best answer to
    each part of a question asking two things), in that order."""
    if not cands:
        return []
    ranked = sorted(range(len(cands)), key=lambda i: -cands[i].score)
    best = cands[ranked[0]].score
    order = [*first, *(i for i in ranked if i not in first)]
    at = {(c.rank, c.end): i for i, c in enumerate(cands)}
    after = {(c.rank, c.lead_end): i for i, c in enumerate(cands)}
    chosen: list[int] = []
    extra = 0
    for i in order:
        if len(chosen) >= max_sentences:
            break
        if cands[i].score < best - gap and i not in first:
            break
        if cands[i].kind == "short-item":
            continue
        # Close in meaning to a sentence already chosen is a repeat, except for a part's best
        # answer: two rows of one table read alike, and each may answer its own part.
        if i in chosen or any((float(vecs[i] @ vecs[j]) > redundancy and i not in first)
                              or says_again(cands[i].text, cands[j].text)
                              or (i not in first and restates(cands[i].text, cands[j].text)) for j in chosen):
            continue
        unit = [i]
        lead = at.get((cands[i].rank, cands[i].lead_end)) if cands[i].leans else None
        # The lead comes along when it names what the sentence points back to; a lead that
        # itself points further back ("She said …" after "She said …") would not help.
        if lead is not None and lead not in chosen and not cands[lead].leans:
            unit.insert(0, lead)
        if len(chosen) - extra + len(unit) > max_sentences:
            if chosen:
                continue  # no room for the sentence with what it leans on
            unit = [i]  # an answer of one sentence is allowed no more, even one that leans
        if cands[i].kind == "lead-in":
            k, items = i, []
            while len(items) < list_items:
                k = after.get((cands[k].rank, cands[k].end))
                if k is None or cands[k].kind not in ("item", "short-item", "fragment") or k in chosen:
                    break
                items.append(k)
            unit += items
            extra += len(items)
        chosen.extend(unit)
    # Runs of neighbouring sentences (one the lead of the next) read as one statement, in order;
    # runs come in the order their first sentence was chosen. A run starts at the sentence chosen
    # first, which answers best: the sentence before it comes first only when it leans on it
    # ("It will make £140m available …" after what "it" is), so that the answer leads with what
    # was asked and its context follows.
    picked = set(chosen)
    out: list[Candidate] = []
    placed: set[int] = set()
    for i in chosen:
        if i in placed:
            continue
        first = i
        while cands[first].leans:
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
