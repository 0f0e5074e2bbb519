"""Whether the passages can answer a question: what kind of thing it asks for (a date, a
number, an amount, a name, a share, a span of time), and whether the sentences closest to it
hold that thing, about what it is about, for the year it names.

The extractive answerer scores sentences with what is read here (``expected_type``,
``holds_type``); the judging stage (``answering/stages.py``) declines with ``answers_the_type``
when the passages hold the topic but not the fact asked for.
"""
from __future__ import annotations

import functools
import re
from typing import Sequence

from evidence_assistant.answering.candidate import Candidate
from evidence_assistant.answering.citations import quotations
from evidence_assistant.answering.parts import question_parts
from evidence_assistant.answering.sentences import ENDS_SENTENCE
from evidence_assistant.answering.weights import WEIGHTS
from evidence_assistant.core.text import is_table_row, tokenize, verb_bases
from evidence_assistant.core.types import ScoredPassage

MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
# "17 February 2023", "26 June, 2025", "June 26, 2025", "March 2021", or a year.
DATE = re.compile(rf"\b(?:\d{{1,2}}\s+)?{MONTHS},?\s+(?:\d{{1,2}},?\s+)?\d{{4}}\b|\b(?:19|20)\d{{2}}\b")
NAME = re.compile(r"\b(?:Professor|Dame|Sir|Dr|Lord|Baroness|Minister|Secretary)\b|(?<!^)(?<![.!?] )\b[A-Z][a-z]+ [A-Z][a-z]+\b|"
                  # A body named by an acronym and a place or an organisation word: "NHS England",
                  # "NHS Digital", "UK Biobank" (not "NHS App", a product).
                  r"\b[A-Z]{2,}[a-z]? (?:England|Scotland|Wales|Ireland|Digital|Improvement|Providers|Employers|"
                  r"Confederation|Biobank|Trust|Foundation|Council|Network|Board|Group|Institute|Authority|Agency|"
                  r"Commission|Committee|Society|Association|College|University|Partnership|Alliance|Ltd|Limited)\b")


_BODIES = ("supplier|company|companies|firm|organisation|organization|body|bodies|minister|person|people|provider|"
           "vendor|trust|group|team|unit|charity|charities|university|universities|partner|consortium|agency|"
           "agencies|institute|staff|author|chair|regulator|department|council|commission|authority|authorities|"
           "foundation")


# A word qualifying the kind of organisation asked about ("which [software] supplier", "which
# [acute] trust"), not the question going on past it ("which areas does the trust …"). Only
# for kinds that are always organisations: "which age group", "which data team" name a category.
_FIRMS = ("organi[sz]ations?|bod(?:y|ies)|suppliers?|compan(?:y|ies)|firms?|vendors?|trusts?|charit(?:y|ies)|foundations?|consortium|"
          "agenc(?:y|ies)|universit(?:y|ies)|regulators?|departments?|councils?|providers?|institutes?")
_MODIFIER = r"(?!(?i:does|do|did|is|are|was|were|has|have|had|will|would|should|can|could|the|a|an|of|in|for)\b)"
# A question may open with a preposition before its interrogative: "on what date …", "over which years …".
_ASK_PREPOSITION = r"(?:(?:on|in|at|by|for|over|from|since|until|during|between|under|within)\s+)?"
_SCOPE_CLAUSE = re.compile(r"^\W*(?:according to|under|in|within|across|from|for)\b[^?]*?,\s*"
                           rf"(?={_ASK_PREPOSITION}(?:which|what|who|whom|whose|where|when|why|how)\b)", re.I)


_QUOTED = re.compile(r"(?<!\w)['‘\"“][^'’\"”]{2,80}['’\"”](?!\w)")
# A question that asks what a document lists asks for items, whatever they are items of.
_ASKS_ITEMS = re.compile(r"\b(?:list|lists|listed|itemi[sz]es?|enumerates?)\s*\??\s*$")


def main_clause(question: str) -> str:
    """The question without the clause that scopes it to a document ("According to the
    council's case study, which bodies administer …?" -> "which bodies administer …?")."""
    return _SCOPE_CLAUSE.sub("", question, count=1)


_OFFERED = re.compile(r"\(([^()]*?\bor\b[^()]*)\)")


def offered_options(question: str) -> list[str]:
    """The answers a question offers in brackets ("… level (A, AA or AAA) …" -> ["AA", "AAA"]),
    each of two to four words or initials; a one-letter option ("A") is left out, as it reads as
    a word in any sentence. Empty when it offers none."""
    m = _OFFERED.search(question)
    if not m:
        return []
    options = [o.strip(" .") for o in re.split(r",|\bor\b", m.group(1))]
    if len(options) < 2 or any(not o or len(o.split()) > 4 for o in options):
        return []
    return [o for o in options if len(o) > 1]


# "When should the plan be reviewed?" asks on what occasion ("when the tenant moves house",
# "at each planned review") as often as on what date.
_ASKS_OCCASION = re.compile(r"^when\s+(?:should|must|(?:does|do)\s+[^?]*?\b(?:recommend|advise|suggest|expect)s?)\b"
                            r"[^?]*?\bbe\s+(?:reviewed|updated|revised|renewed|checked|reassessed|refreshed|repeated|"
                            r"re-?evaluated)\b")
# "On what scale is a referral's urgency rated?": a range of values ("1 to 10"), not a sentence
# saying that things are rated.
_ASKS_SCALE = re.compile(rf"^{_ASK_PREPOSITION}(?:what|which)\s+(?:(?:numeric|numerical|rating|scoring|point)\s+)?"
                         r"scales?\b(?!\s+of\b)")
# "Which assurance level must a login meet?": a named level ("Level 2", "level AA").
_ASKS_LEVEL = re.compile(rf"^{_ASK_PREPOSITION}(?:what|which)\s+(?!(?:high|higher|highest|low|lower|lowest|minimum|"
                         rf"maximum|overall|average|same|different|current)\b)(?:{_MODIFIER}[\w-]+\s+){{1,2}}level\b")
# "Which SNOMED CT code is listed for a walking frame?": a code ("4002119", "B04"), not a sentence
# about the code list.
_ASKS_FOR_CODE = re.compile(rf"^(?:which|what)\s+(?:{_MODIFIER}[\w'’&+-]+\s+){{0,4}}?(?:code|id|concept id)\b"
                            r"(?!\s+(?:list|set|\d))")


def expected_type(question: str) -> str | None:
    """What kind of thing the question asks for, when it asks for a specific one: a date, an
    amount of money, a number, a rating, a web address, how often, a scale, a level, a code, a
    place or a name."""
    # The question's own case is kept for the name check ("which NIHR unit …").
    named = re.sub(r"^(and|but|so|then)\s+", "", question.strip(), flags=re.I)
    # "When the standard was revised, which items replaced …?" asks what its main clause asks.
    named = re.sub(rf"^(?:when|after|once|if|according to)\b[^?]*?,\s*(?={_ASK_PREPOSITION}"
                   r"(?:which|what|who|whom|whose|how|where|why)\b)", "", named, flags=re.I)
    q = named.lower()
    if _ASKS_OCCASION.match(q):
        return None
    if re.match(r"^(when|(on |by )?(what|which) date|by when|(in |from |since |by |before |until |over |during |between |across )?(what|which) years?)\b", q) \
            or "what date" in q or re.match(r"^how (many|long)\s+(days|weeks|months|years)\b", q) \
            or re.match(r"^(what|which)\b", q) and re.search(r"\b(deadline|due date|target date)\b", q) \
            or re.match(r"^(what|which)\b", q) and re.search(r"\((?:the\s+)?(?:year|date)\)", q):
        # ("Which edition (year) of the code …?": the asker says in brackets what they want.)
        return "date"  # "how many days after …" is answered by the two dates
    # "By how much did productivity improve?" asks for a change, a figure or a share, unless it
    # is of money ("by how much was the budget cut?").
    changed = re.match(r"^(?:by how much|how much did\b[^?]*\b(?:grow|increase|rise|fall|improve|decline|drop|"
                       r"change|reduce|shrink)\b)", q)
    if changed and not re.search(r"\b(?:budget|fund\w*|spend\w*|cost\w*|pounds?|£|money|price|fees?|salar\w+)\b", q):
        return "number"
    if re.match(r"^how much\b", q) or re.match(r"^what (is|was|were|are) the (total |annual |overall |average |mean |median )?"
                                                r"(budget|cost|spend|funding|salary|value|price)\b", q) \
            or re.match(r"^(what|which)\b[^?]*?\b(budget|fee|fees|salary|salaries|price|funding|cost|costs)\b"
                        r"(?! (?:model|approach|pressures?|improvement|efficienc\w*|saving\w*))", q) and \
            not re.match(r"^(what|which)\b[^?]*\b(how|why)\b", q) and not _ASKS_RATE.match(q) and \
            not _ASKS_ITEMS.search(q):
        # ("What overhead rate did the costing assume?" asks for a figure, not a sum; "what costs
        # of a failed upgrade does the guide list?" for kinds of cost.)
        return "money"
    # A term the question quotes names a thing ("what does the 'record number' field hold?"); its
    # words say nothing of what is asked.
    unquoted = _QUOTED.sub(" ", q)
    if re.match(rf"^{_ASK_PREPOSITION}how (?:many|large|big)\b", q) or \
            re.match(r"^what\b[^?]*?\b(percentage|proportion|share|number|figure|score|(?:the|a) count|total|maximum|"
                     r"minimum|ratio|size)\b", unquoted):
        return "number"
    if re.match(r"^(what|how|which)\b", q) and re.search(r"\b(rating|ratings|rated|rate|rank|ranked|judged)\b", q) \
            and not re.search(r"\bwhich (commitments|ones)\b", q):
        return "rating"
    # "What website does the guide give for the helpline?": a web or e-mail address.
    if re.match(r"^(?:what|which)\s+(?:web\s?sites?|web\s?pages?|web addresses|web address|urls?|links?|"
                r"e-?mail address(?:es)?)\b", q):
        return "address"
    if re.match(r"^how (often|frequently)\b", q) or re.match(r"^(at )?(what|which) (intervals?|frequency)\b", q):
        return "frequency"
    if _ASKS_SCALE.match(q):
        return "scale"
    if _ASKS_LEVEL.match(q):
        return "level"
    if _ASKS_FOR_CODE.match(main_clause(q)):
        return "code"
    # "Where were the workshops held?", "in which four places …": a place, which has a name.
    if re.match(r"^where\b[^?]*\b(?:held|located|based|hosted|sited|run)\b", q) or \
            re.match(r"^(?:(?:in|at)\s+)?(?:which|what)\s+(?:\w+\s+){0,2}(?:places|locations|cities|towns|venues|"
                     r"countries)\b", q):
        return "place"
    # "Which trust …", and "which NIHR unit …", "which NHS trust …": the kind of body, after the
    # capitalised words of whose it is.
    # "Which groups …" asks as often for groups of people ("people with frailty") as for bodies.
    if re.match(r"^which\s+groups\b", q):
        return None
    if re.match(r"^(who|whom|whose)\b", q) or re.match(rf"^(?i:which)\s+(?:(?i:it)\s+|(?:[A-Z][\w'’&-]*\s+){{1,3}})?"
                                                      rf"(?i:{_BODIES})s?\b", named) or \
            re.match(rf"^(?i:which)\s+(?:{_MODIFIER}[\w'’&-]+\s+){{1,3}}(?i:{_FIRMS})\b", named):
        return "name"
    return None


# Numbers that name things rather than count them: HC 223, DHS0020, HL7395, para 12, years, and
# the parts of a document or a law ("regulation 3(1)", "section 251", "Table 4", "Chapter 8").
REFERENCE = re.compile(r"\b(?:HC|HL|DHS|No\.?|para(?:graph)?s?|pages?|p\.|Session|Report)\s?\d[\d\-–]*|"
                       r"\b(?i:regulations?|sections?|articles?|clauses?|schedules?|annex(?:es)?|appendix|"
                       r"chapters?|tables?|figures?|parts?)\s\d[\d.\-–]*(?:\(\d+\))*|"
                        r"\b[A-Z]{2,}\d+\b|\b(?:19|20)\d{2}(?:\s?[/–-]\s?(?:(?:19|20)?\d{2})\b)?\b|^\s*\d+\.\s|\(\d+\)")
# … and the numbers of things a document sets out ("case study 7", "Recommendation 4", "Phase 2")
# and web addresses: no answer to "how many" or "by how much", though two sentences citing the
# same case study by its number and address say the same thing.
_NUMBERED = re.compile(r"\b(?i:case stud(?:y|ies)|recommendations?|phases?|steps?|stages?|options?|priorit(?:y|ies)|"
                       r"themes?|cohorts?|tiers?|waves?|versions?|objectives?|principles?|commitments?|actions?|"
                       r"domains?|boxes|box|exhibits?|footnotes?|questions?)\s\d[\d.\-–]*|https?://\S+|www\.\S+")


def _unlabelled(text: str) -> str:
    """``text`` without the numbers that name or label things (REFERENCE, _NUMBERED)."""
    return REFERENCE.sub(" ", _NUMBERED.sub(" ", text))


_QUANTITY = re.compile(r"(?<![\w.])\d[\d,.]*\s?(?:%|per cent)?")
_MONEY = re.compile(r"£\s?\d|\b\d[\d,.]*\s?(million|billion|bn|m)\b|\b(million|billion) (pounds|of funding)", re.I)


_COUNT_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
                "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|"
                "million|billion")
# A span of time stated as a count: "53 days", "Fifteen days", "eight weeks".
DURATION = re.compile(rf"(?<![\w.])(?:\d[\d,.]*|(?:{_COUNT_WORDS})(?:[ -](?:{_COUNT_WORDS}))*)\s+"
                       r"(?:days?|weeks?|months?|years?)\b", re.I)


_PERIOD = r"(?:day|week|fortnight|month|quarter|year|annum)s?"
# How often a thing happens: "quarterly", "on a quarterly basis", "every three years", "twice a year".
FREQUENCY = re.compile(rf"\b(?:(?:daily|weekly|fortnightly|monthly|quarterly|annually|yearly|biannually|biennially|"
                       rf"annual|continuously|regularly|periodically)\b|(?:every|each)\s+(?:\w+\s+){{0,2}}?{_PERIOD}\b|"
                       rf"(?:once|twice|times)\s+(?:a|per|each|every)\s+{_PERIOD}\b|per\s+{_PERIOD}\b|"
                       rf"on\s+an?\s+\w+\s+basis\b)", re.I)


def asks_for_duration(question: str) -> bool:
    """"How many days after …", "how long (in weeks) …": answered by a stated span of time or by
    the two dates it lies between."""
    q = re.sub(r"^\W*(and|but|so|then)\s+", "", question.lower().strip())
    return bool(re.match(r"^how (many|long)\s+(days|weeks|months|years)\b", q))


_OPENING_PAIR = re.compile(r"^\W*([A-Z][a-z]+) [A-Z][a-z]+\b")
# Bodies known by their initials, two or more together as a sentence's subject: "ABCD and EFG
# have set the standards …".
_INITIALS_OPENING = re.compile(r"^\W*(?:The\s+)?([A-Z]{3,}[a-z]?)(?:\s*(?:,|and|&)\s*(?:the\s+)?([A-Z]{3,}[a-z]?))+\s+"
                               r"(?:have|has|had|is|are|was|were|will|would|can|could|did|does|[a-z]{3,}ed)\b")
# One body known by its initials as a sentence's subject: "ABCD will publish …" (see
# ``names_a_body``).
_INITIALISM_SUBJECT = re.compile(r"^\W*(?:The\s+)?([A-Z]{3,}[a-z]?)\s+(?:will|would|has|have|had|is|are|was|were|"
                                 r"must|should|can|could|did|does|[a-z]{3,}(?:ed|es))\b")
# A question asking for any body, not one of a kind: "who …", "which organisation …", "what body …".
_ASKS_ANY_BODY = re.compile(r"^\W*(?:who|whom)\b|^\W*(?:which|what)\s+(?:[\w'’-]+\s+){0,2}?(?:organi[sz]ations?|"
                            r"bod(?:y|ies))\b", re.I)


def names_a_body(text: str, question: str, given: set[str]) -> bool:
    """Whether a sentence opening with one body's initials ("ABCD will publish the new records
    standard next spring.") names the body a question asks for: only a question asking for any
    body ("which organisation …?"), not for one of a kind ("which supplier …?": initials say a
    body, not what kind), and not a body the question names (``given``): "The NHS will …",
    asked about the NHS, is the service the question is about."""
    m = _INITIALISM_SUBJECT.match(text)
    return bool(m) and m.group(1).lower() not in given and bool(_ASKS_ANY_BODY.match(main_clause(question)))


# A name written in lower case, then capitals: "techAB", "eFOO".
CAMEL_NAME = re.compile(r"\b[a-z]{1,6}[A-Z]{2,}\b")


def _opens_with_name(text: str, given: set[str] = frozenset()) -> bool:
    """Whether a sentence opens with a name ("Thinks Insight & Strategy have been commissioned
    …"): two capitalised words, the first no common word ("The Panel", "This Report" are not),
    the two not a name the question gave."""
    m = _OPENING_PAIR.match(text)
    return bool(m) and bool(tokenize(m.group(1))) and m.group(1).lower() not in _OPENERS and \
        re.sub(r"^\W+", "", m.group(0)).lower() not in given


# Capitalised only because they open a sentence: not the start of a name.
_OPENERS = set("""after although among as at because before between both during each every few following for from
given here however if in many most much next none now of on once one over per since some such that then there
therefore these they those though through thus today under unlike until upon where whether which while who why
with within without yet also another any""".split())


# A month with its year, with or without the day ("March 2021", "8 April 2020", "April 8, 2020").
_MONTH_YEAR = re.compile(rf"\b{MONTHS},?\s+(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?\d{{4}}\b")
# A day without its year ("a webinar on 31 July", "by March 31st"): a date, though not a year.
DAY = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTHS}\b|\b{MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?\b")


def asks_for_day(question: str) -> bool:
    """Whether a question asks for a date to the day ("on what date …", "up to what date …",
    "what date does the notice bear"), which a day and month answer better than a month or a
    year alone; "when …" and "in what year …" do not."""
    return bool(re.search(r"\b(?:what|which)\s+date\b", question, re.I))


def given_values(question: str) -> set[str]:
    """The years, figures and names a question itself states ("… the workforce in 2030", "… no
    longer than 18 weeks", "which unit leads NHS England's …"): said again in a sentence, they are
    what the question is about, not its answer. Names, and each capitalised word, are kept
    lower-cased, as are initials ("ABC")."""
    return {m.group(0).replace(",", "") for m in re.finditer(r"(?<![\w.])\d[\d,]*(?:\.\d+)?", question)} | \
        {m.group(0).lower() for m in NAME.finditer(question)} | \
        {w.lower() for w in re.findall(r"\b[A-Z][a-z]{2,}\b|\b[A-Z]{3,}\b", question)}


# A web or e-mail address: "www.example.org", "https://…", "example.org", "team@example.gov.uk".
WEB_ADDRESS = re.compile(r"https?://\S+|\bwww\.\S+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+|"
                         r"\b[\w-]+(?:\.[\w-]+)*\.(?:org|com|net|gov|nhs|uk|io|info|co|eu)\b", re.I)


# Names of one word each, three or more listed: "Siemens, Philips and Oracle" (not "Health and
# Care", two words of a title).
_NAME_LIST = re.compile(r"\b[A-Z][a-z]+(?:, [A-Z][a-z]+)+,? (?:and|or) [A-Z][a-z]+\b")
# A body named by its initials alone where the sentence makes it the doer or the author: "… by
# ABC", "the ABC guidance …" (not any acronym: "NHS", "AI" and "ICB" fill every passage).
_INITIALS_AS_BODY = re.compile(r"\bby (?:the )?([A-Z]{3,})\b(?! [A-Z])|"
                               r"\b(?:[Tt]he|[Aa]n?|[Ii]ts) ([A-Z]{3,}) (?:guideline|guidance|report|review|standard|"
                               r"framework|code|strategy|policy|survey|toolkit)s?\b")


# A doer named by its role rather than its name, where the sentence makes it the doer: "… led by
# the national director for primary care", "… chaired by a senior responsible officer".
_ROLE_AS_DOER = re.compile(r"\b(?:led|chaired|run|headed|overseen|managed|co-?ordinated|convened|hosted|sponsored)"
                           r"\s+by\s+(?:the\s+|an?\s+|its\s+|their\s+|each\s+)?(?:[\w-]+\s+){0,3}?"
                           r"(?:directors?|officers?|secretar(?:y|ies)|ministers?|chairs?|executives?|"
                           r"commissioners?|leads?|heads?|managers?|boards?|committees?|teams?|groups?|panels?|"
                           r"councils?|units?|directorates?|networks?|forums?|partnerships?|offices?|agenc(?:y|ies))\b")


# Whose a duty is, said of a role: "the final say … rests with the ward manager", "is the
# responsibility of each depot", "porters remain responsible for …".
_HOLDS_DUTY = re.compile(r"\b(?:rests?|rested|lies|lay|sits?)\s+(?:solely\s+|entirely\s+|ultimately\s+)?with\s+\w|"
                         r"\bresponsibility\s+of\s+\w|"
                         r"\b(?:is|are|was|were|be|remains?)\s+(?:ultimately\s+|solely\s+|jointly\s+)?"
                         r"(?:responsible|accountable)\b", re.I)


# A code ("4002119", "B04", "AB01"); a range of values ("1-10", "one to five", "a five-point
# scale"), not a span of years; a named level ("Level 2", "level AA", "AA level", "L1").
_CODE = re.compile(r"(?<![\d,.£$])\d{5,18}(?![\d,])|\b[A-Z]{1,4}\d{2,4}\b")
_SCALE = re.compile(r"(?<![\d.,])\d{1,3}\s*(?:-|–|to)\s*\d{1,3}(?![\d,])|\b(?:zero|one)\s+to\s+(?:three|four|five|seven|ten|"
                    r"a hundred)\b|\b(?:\d{1,2}|three|four|five|seven|ten)[- ]point\b", re.I)
_LEVEL = re.compile(r"\b(?i:level)\s+(?:\d+|[A-Z]{1,3}\b|(?i:one|two|three|four|five)\b)|\b(?:[A-Z]{1,3}|\d)\s+(?i:level)\b|\bL\d\b")


def holds_type(text: str, kind: str | None, given: set[str] = frozenset()) -> bool:
    """Whether ``text`` holds the kind of thing asked for, other than the years and figures the
    question gave (``given``, from ``given_values``)."""
    if kind == "rating":
        return bool(re.search(r"\b(inadequate|requires improvement|good|outstanding)\b", text, re.I))
    if kind == "date":
        return any(m.group(0) not in given for m in DATE.finditer(text)) or bool(DAY.search(text))
    if kind == "money":
        return bool(_MONEY.search(text))
    if kind == "number":
        return any(m.group(0).strip().rstrip(".,%").replace(",", "").removesuffix(" per cent") not in given
                   for m in _QUANTITY.finditer(_unlabelled(text))) or \
            bool(re.search(rf"\b({_COUNT_WORDS}|half|third|quarter|most|all)\b", text, re.I))
    if kind == "name":
        return any(m.group(0).lower() not in given for m in NAME.finditer(text)) or \
            _opens_with_name(text, given) or bool(_NAME_LIST.search(text)) or bool(_ROLE_AS_DOER.search(text)) or \
            any(m.group(0).lower() not in given for m in CAMEL_NAME.finditer(text)) or \
            bool((m := _INITIALS_OPENING.match(text)) and m.group(1).lower() not in given) or \
            bool(_HOLDS_DUTY.search(text)) or \
            any((m.group(1) or m.group(2)).lower() not in given for m in _INITIALS_AS_BODY.finditer(text))
    if kind == "code":
        return bool(_CODE.search(text))
    if kind == "scale":
        return bool(_SCALE.search(text))
    if kind == "level":
        return bool(_LEVEL.search(text))
    if kind == "frequency":
        return bool(FREQUENCY.search(text))
    if kind == "address":
        return bool(WEB_ADDRESS.search(text))
    if kind == "place":
        # A capitalised word past the sentence's first, not an acronym, a month or a name the
        # question gave: "… held in Liverpool, Leicester, Portsmouth and South London".
        return any(w.lower() not in given and not re.fullmatch(_MONTH_NAMES, w)
                   for w in re.findall(r"(?<!^)(?<![.!?] )\b[A-Z][a-z]{2,}\b", text.strip()))
    return False


def stated_values(text: str, kind: str | None) -> set[str]:
    """The values of the kind asked for that ``text`` states (its figures, dates, names or how often),
    written alike; empty for kinds without such values. Two sentences stating the same values
    state the asked-for fact twice."""
    if kind in ("number", "share", "money", "duration"):
        return {v for m in _QUANTITY.finditer(_unlabelled(text))
                if (v := m.group(0).strip().rstrip(".,").replace(",", "").replace(" per cent", "%"))}
    if kind == "date":
        return {re.sub(r"\s+", " ", m.group(0).lower().replace(",", "")) for m in DATE.finditer(text)}
    if kind == "name":
        return {m.group(0) for m in NAME.finditer(text)}
    if kind == "frequency":  # "quarterly" and "on a quarterly basis" state one frequency
        return {re.sub(r"ly$", "", re.sub(r"^on an? (\w+) basis$", r"\1", re.sub(r"\s+", " ", m.group(0).lower())))
                for m in FREQUENCY.finditer(text)}
    return set()


_TYPE_WORDS = set(tokenize("how many much when who whom whose what date year number share percentage proportion "
                           "figure score rate did does was were is are will"))


_THIS_NOUN = re.compile(r"\b(?:this|these)\s+([a-z][a-z-]{3,})\b")


def named_title_words(asked: set[str], title: str | None) -> set[str]:
    """The words of a document's ``title`` that a question says (``asked``: its index tokens),
    when it says most of them (``WEIGHTS.title_named``): the question names that document, and
    each of its sentences says those words. Empty when the question does not name it so."""
    own = set(tokenize(title or ""))
    said = own & asked
    return said if own and len(said) >= WEIGHTS.title_named * len(own) else set()


def said_in_another_form(token: str, present: set[str], min_len: int = WEIGHTS.stem_prefix) -> bool:
    """Whether a word (its index token) is among ``present`` in another form: one token the start
    of the other, both at least ``min_len`` letters. The stemmer leaves a verb and its noun apart
    ("registered" and "registration": "regist" and "registr"), so "which regulator must it be
    registered with?" would not share its verb with "… requires registration with the Council"."""
    return len(token) >= min_len and any(len(p) >= min_len and (p.startswith(token) or token.startswith(p))
                                         for p in present)


def refers_to(sentence: str, lead: str) -> bool:
    """Whether ``sentence`` names something by pointing back to the sentence before it (its
    ``lead``): "this programme", "these plans", a noun the lead names ("… a training programme
    in …", then "So far, 40 places on this programme …"). Then it is about what the lead says."""
    nouns = [m.group(1) for m in _THIS_NOUN.finditer(sentence)]
    return bool(nouns) and bool(set(tokenize(" ".join(nouns))) & set(tokenize(lead)))


def answers_the_type(question: str, cands: Sequence[Candidate], passages: Sequence[ScoredPassage],
                     idf=None, top: int = WEIGHTS.type_top, min_overlap: float = WEIGHTS.type_overlap) -> tuple[bool, str | None]:
    """Whether the best sentences hold what the question asks for (a date, number, amount, name,
    share or span of time) — about what the question is about (sharing its distinctive words, and
    in a passage that holds the names it gives), and, when the question names a year, for that
    year. A "how many" question whose evidence states no relevant number is not answered.
    Returns (whether it is answered, what it asks for); what it asks for is "row" when the
    closest passages are all rows of a table none of which is the row the question names, and
    "option" when the question offers its answers in brackets and the closest sentences name none."""
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
    ranked = sorted(cands, key=lambda c: -c.score)
    # "Which conformance level (AA or AAA) …": the question offers the answers it will take, and a
    # sentence naming none of them does not answer it, whatever it is about.
    options = offered_options(question)
    if options and not any(any(re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", c.text, 0 if o.isupper() else re.I)
                                   for o in options) for c in ranked[:top]):
        return False, "option"
    # A rating steers the choice of sentences but is not required of them: the answer may say
    # "requires improvement" in other words. "How often …" is answered by a stated frequency
    # ("every twelve months", "quarterly", "on an annual basis"): a sentence about the thing that
    # states none does not say how often.
    if not want or want == "rating":
        # Unless the closest are all rows of a table none of which is the row asked about
        # ("… the activity growth for community health services" of a table without that row).
        best = ranked[:top]
        words = row_words(question)
        if best and all(is_table_row(c.text) and "; " in c.text and not row_matches(c.text, words) for c in best):
            return False, "row"
        return True, None
    if idf and never_indexed(about_words(question), idf):
        return False, want
    # A name the question gives (a place, a body, a programme) that no passage retrieved for it
    # holds: the documents hold the topic, not this fact ("… respondents in Wales …").
    # Each passage's words, with its document's title and publisher, read once.
    own = [set(tokenize(f"{sp.passage.title or ''} {sp.passage.publisher or ''} {sp.passage.text}"))
           for sp in passages]
    held: set[str] = set().union(*own)
    names = named_in(question)
    if any(t not in held for t in names):
        return False, want
    parts = question_parts(question)
    # Names in the clause that says where to read ("…, according to Gadget Partners'
    # impact report") are the document's: held by any passage of it, or by its title or publisher.
    # The rest are what the answering passage itself is about.
    source_names = [t for t in names if t not in named_in(_without_source(question))]
    part_names = [[t for t in named_in(part) if t not in source_names] for part in parts]
    documents: dict[str, set[str]] = {}
    for sp, words in zip(passages, own):
        documents.setdefault(sp.passage.doc_id, set()).update(words)
    # A name the question gives a survey, a report or notices within a document ("… in its
    # Widget Census survey") is held by that document's passages as a whole.
    in_document = source_names_given(question)
    counted = counted_thing(question) if want == "number" else []
    # The distinctive words of the question, and of each of its parts: a sentence answering one
    # part of "how many X …, and how many hours …" shares the words of that part.
    shares = []
    for text in dict.fromkeys([question, *parts]):
        words = row_words(text)
        weights = idf(words) if idf and words else [1.0] * len(words)
        shares.append((words, weights, sum(weights) or 1.0))
    asked_bases = verb_bases(question)
    quoted = {" ".join(tokenize(q)) for q in quotations(question)}
    members = series_members(question)
    given = given_values(question)
    day = asks_for_day(question)
    named_years = set(re.findall(r"\b(?:19|20)\d{2}\b", question)) - years
    if want == "date" and named_years:
        # A sentence whose only date is the year in a document's name ("… the workforce of 2040"
        # in the "Connected Care in 2040" report) echoes the name; it dates nothing.
        echo = re.compile(rf"\b(?:{'|'.join(sorted(named_years))})\b")
        ranked = [c for c in ranked if not (echo.search(c.text) and not holds_type(echo.sub(" ", c.text), want))]
    # A count of the thing asked about may sit a little further down than the closest sentences,
    # which tend to be about the thing rather than how many of it there are.
    best = ranked[:top * 2 if counted else top]
    leads = {(c.rank, c.end): c for c in cands}
    for c in best:
        if c.furniture:
            continue  # a navigation line or a contents list names what it lists; it states no fact
        if want == "duration":
            # A stated span answers "how many days …"; so do the dates it lies between.
            if not (DURATION.search(c.text) or DATE.search(c.text)):
                continue
        elif want == "share":
            if not _SHARE.search(c.text):
                continue
        elif not holds_type(f"{c.text} {c.items}", want, given if want == "place" else frozenset()) and \
                not (want == "name" and names_a_body(c.text, question, given)):
            continue
        elif want == "date" and day and not (DAY.search(c.text) or _MONTH_YEAR.search(c.text)):
            continue  # "on what date …" is not answered by a year alone
        if want in ("scale", "level"):
            # A range of values or a named level is rare in prose: one among the closest
            # sentences is the answer, however the question words the document it reads.
            return True, want
        if counted and not counts(c.in_context, counted):
            continue
        # A sentence that sets aside what the question asks about ("the all staff (excluding
        # medics) leaver rate", asked the rate for medical staff) answers about something else.
        if shares[0][0] and set(tokenize(" ".join(_EXCLUDED.findall(c.text)))) & set(shares[0][0]):
            continue
        if about_another_member(members, c.in_context):
            continue
        if not row_matches(c.text, shares[0][0]):
            continue
        # A sentence that points back is about what its lead names: all of a heading ("4.2 Keeping
        # Records Safe", then "This report, issued in …"), the names in a sentence ("The Data Lab
        # is run by …", then "It will make £5m available …"), whose other words are its own.
        sp = passages[c.rank].passage
        own_text = _EXCLUDED.sub(" ", c.text)
        present = set(tokenize(own_text)) | initials_held(question, own_text)
        # A verb said in an irregular form is its base too ("is led by" shares "leads").
        present |= {b for bases in verb_bases(own_text).values() for b in bases}
        # A section the question names in quotation marks ("… in its 'Equipment and aids'
        # section") is what the sentences under that heading are about.
        if c.heading and " ".join(tokenize(c.heading)) in quoted:
            present |= set(tokenize(c.heading))
        if c.context:
            heading = not ENDS_SENTENCE.search(c.context.strip())
            present |= set(tokenize(c.context if heading else " ".join(re.findall(r"\b[A-Z][\w'’-]*", c.context))))
        elif c.lead_end >= 0:
            # "So far, 40 places on this programme …" after "… a training programme in …": a
            # sentence naming a thing as "this programme" is about the thing its lead names.
            lead = leads.get((c.rank, c.lead_end))
            if lead is not None and refers_to(c.text, lead.text):
                present |= set(tokenize(lead.text))
        if c.kind == "lead-in":
            # A line ending in a colon is about what it introduces: "Development of the register by
            # ABC:" then what the register does; "The ABC guideline … states:" then the words it quotes.
            following = sp.text[c.end:c.end + WEIGHTS.introduced_chars]
            present |= set(tokenize(f"{c.items} {following}"))
        if want == "code":
            # A code line ("SNOMED CT: 123456 |Label|") carries its label only: it is read with
            # its document's title and the sentence before it, which says what it codes.
            present |= set(tokenize(f"{sp.title or ''} {sp.text[max(0, c.start - WEIGHTS.code_context_chars):c.start]}"))
        held = present | {t for t, bases in asked_bases.items() if bases & present}
        held |= {t for t in shares[0][0] if t not in held and said_in_another_form(t, present)}
        if shares[0][0] and max(sum(w for t, w in zip(words, weights) if t in held) / total
                                for words, weights, total in shares) < min_overlap:
            continue
        # The figure must sit in a passage about what the question names (in its text, or as its
        # document's title or publisher): a date in a passage about another programme, or a share
        # of respondents elsewhere, answers nothing. A question in parts ("who runs X, and who
        # runs Y?") names each part's subject apart.
        if names:
            # Read once for every part: the passage's words, the names it gives by their
            # initials, and the names of a survey or report its document holds.
            about = own[c.rank]
            about = about | _by_initials(question, about) | (in_document & documents[sp.doc_id])
            if not any(set(part) <= about for part in part_names):
                continue
        if source_names and not set(source_names) <= documents[sp.doc_id] | _by_initials(question, documents[sp.doc_id]):
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


def row_words(question: str) -> list[str]:
    """The distinctive words of ``question``, which an answering sentence shares and which say
    which row of a table it asks about: its index tokens, without those that only ask ("how
    many", "what year"), figures, and the clause naming where to read."""
    return [t for t in dict.fromkeys(tokenize(_without_source(question))) if t not in _TYPE_WORDS and not t.isdigit()]


def row_matches(text: str, words: Sequence[str]) -> bool:
    """For a table row read as "Caption: Header: value; Header: value", whether its cells hold one
    of the question's ``words`` that its caption and headers do not: every row of a table shares
    those, so only a row's own cells ("Outpatients", "A&E attendances") say which row the question
    asks about. True for anything but such a row, and for a question naming nothing beyond them."""
    found = row_label_words(text, words)
    return found is None or bool(found) or not _beyond(text, words)


def row_label_words(text: str, words: Sequence[str]) -> set[str] | None:
    """Which of ``words`` a table row's own label cells hold ("4 - 6 years" holds "four" and
    "six"; its figures hold nothing, since any row may hold any figure); None for a text that is
    no row read with its headers."""
    if not is_table_row(text) or "; " not in text:
        return None
    labels = " ".join(cell[-1] for cell in _cells(text) if re.search(r"[^\W\d_]", cell[-1]))
    held = set(tokenize(labels)) | set(re.findall(r"\d+", labels))
    # A short label asked about in the plural ("PCN" for "how many did PCNs report"): the stemmer
    # leaves initialisms' plurals as they are.
    held |= {f"{w}s" for w in held}
    return _beyond(text, words) & held


def row_named_whole(text: str, question: str) -> bool:
    """Whether the question names a table row by one of its label cells of two or more words, said
    in the question as it is in the row ("… did day-case admissions grow …" for the row "Day-case
    admissions", not for "o/w first admissions" although it shares a word with the question)."""
    if not is_table_row(text) or "; " not in text:
        return False
    asked = _token_run(question)
    for cell in _cells(text):
        label = tokenize(cell[-1]) if re.search(r"[^\W\d_]", cell[-1]) else []
        if len(label) >= 2 and f" {' '.join(label)} " in asked:
            return True
    return False


@functools.lru_cache(maxsize=256)
def _token_run(text: str) -> str:
    """``text``'s index tokens in order, space-joined and padded, to find runs of tokens in (read
    once per question, not once per table row asked about)."""
    return f" {' '.join(tokenize(text))} "


def _cells(text: str) -> list[list[str]]:
    return [part.rsplit(": ", 1) for part in text.split("; ")]


def row_heads(text: str) -> tuple[str, ...]:
    """A table row's caption and headers, which every row of its table shares."""
    return tuple(cell[0] for cell in _cells(text) if len(cell) == 2)


def _beyond(text: str, words: Sequence[str]) -> set[str]:
    """``words`` (number words as figures) that a row's caption and headers do not hold."""
    heads = set(tokenize(" ".join(cell[0] for cell in _cells(text) if len(cell) == 2)))
    return {_DIGITS.get(w, w) for w in words if w not in heads}


# Number words as index tokens, and the figures they stand for.
_DIGITS = {tokenize(w)[0]: str(n) for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split()) if tokenize(w)}


# What a sentence sets aside ("all staff (excluding medics)", "every region apart from London") is
# not what it is about.
# One of a numbered series a document reports on in turn: "Tier 2", "cohort 1", "the second cohort",
# "Phase three". A question about one is not answered by a sentence about another.
_SERIES = r"cohort|tier|phase|wave|round|stage"
_ORDINALS = {w: n for n, w in enumerate("first second third fourth fifth sixth seventh eighth ninth tenth".split(), 1)}
_CARDINALS = {w: n for n, w in enumerate("one two three four five six seven eight nine ten".split(), 1)}
_SERIES_NUMBERED = re.compile(rf"\b({_SERIES})s?\s+(\d{{1,2}}|{'|'.join(_CARDINALS)})\b", re.I)
_SERIES_ORDINAL = re.compile(rf"\b({'|'.join(_ORDINALS)})\s+(?:[a-z]+\s+)?({_SERIES})\b", re.I)


def series_members(text: str) -> dict[str, set[int]]:
    """The members of numbered series ``text`` names: {"tier": {2}, "cohort": {1}} for "Tier 2 of
    cohort 1", {"cohort": {2}} for "the second cohort"."""
    out: dict[str, set[int]] = {}
    for m in _SERIES_NUMBERED.finditer(text):
        n = m.group(2).lower()
        out.setdefault(m.group(1).lower(), set()).add(int(n) if n.isdigit() else _CARDINALS[n])
    for m in _SERIES_ORDINAL.finditer(text):
        out.setdefault(m.group(2).lower(), set()).add(_ORDINALS[m.group(1).lower()])
    return out


def about_another_member(asked: dict[str, set[int]], text: str) -> bool:
    """Whether ``text`` is about another member of a series the question names one of: it names
    that series, and only members other than the one asked about ("… Tier 2 for the second
    cohort", asked about cohort 1)."""
    if not asked:
        return False
    said = series_members(text)
    return any(kind in said and not (said[kind] & wanted) for kind, wanted in asked.items())


_EXCLUDED = re.compile(r"\b(?:excluding|except(?:\s+for)?|other\s+than|apart\s+from|not\s+including)\s+(?:the\s+)?"
                       r"(?:[\w'’-]+(?:\s+(?:and|or)\s+[\w'’-]+)?)", re.I)


# ", according to the Widget Observatory's annual report": where the fact is to be
# read, not what the answering sentence says; the passage's document carries those words.
_SOURCE = re.compile(r",?\s*\baccording to\b[^,;?]*", re.I)


def _without_source(question: str) -> str:
    """``question`` without a clause naming the document to read it in ("…, according to the
    impact report?"): a sentence answering it need not repeat the document's name."""
    return _SOURCE.sub("", question).strip() or question


# "What response rate …", "which vacancy rate …": a figure, where "rated", "rating" ask for a
# rating.
_ASKS_RATE = re.compile(r"^\W*(?:what|which)\s+(?:[\w-]+\s+){0,3}?rates?\b(?![\w-])", re.I)
_ASKS_SHARE = re.compile(r"^\W*(?:(?:and|but|so|then)\s+)?(?:what|which)\s+(?:percentage|proportion|share)\s+of\b", re.I)
# A share stated as one: "83%", "41 per cent", "one in five", "3 out of 4", "a third", "0.8".
_SHARE = re.compile(r"\d\s?%|\bper\s?cent\b|\bpercent|\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+"
                    r"(?:in|out of)\s+(?:every\s+)?(?:\d|one|two|three|four|five|six|seven|eight|nine|ten|hundred)|"
                    r"\bper\s+(?:\d|thousand|hundred|million|head)|\bratio\b|\b(?:half|third|thirds|quarter|quarters|"
                    r"fifth|fifths|majority|minority)\b|\d\.\d", re.I)


# Words a name's initials often leave out.
_INITIAL_SKIPS = frozenset({"of", "and", "to", "the", "for", "in", "on", "a", "an", "&"})


def initials_held(question: str, text: str) -> set[str]:
    """Index tokens of the runs of three to five of ``question``'s words that ``text`` writes by
    their initials, in capitals ("data protection officer" where a sentence says "the DPO", or
    "DPOs"; "advance decision to refuse treatment" where it says "the ADRT", the little words
    giving no letter): the sentence holds those words."""
    caps = {m.group(1).lower() for m in re.finditer(r"\b([A-Z]{3,6})s?\b", text)}
    if not caps:
        return set()
    by_initials = _initials_of(question)
    return set().union(*(by_initials.get(c, ()) for c in caps))


@functools.lru_cache(maxsize=256)
def _initials_of(question: str) -> dict[str, frozenset[str]]:
    """The initials (lower case) of each run of three to five of ``question``'s words, with the
    index tokens of the words they stand for. Read once per question: every candidate sentence
    is looked up in it."""
    words = re.findall(r"[^\W\d_][\w'’-]*", question)
    out: dict[str, set[str]] = {}
    for i in range(len(words)):
        for j in range(i + 3, min(len(words), i + 7) + 1):
            run = words[i:j]
            if j - i <= 5:
                out.setdefault("".join(w[0] for w in run).lower(), set()).update(tokenize(" ".join(run)))
            # The little words inside a name may give no letter ("Department of Health and Social
            # Care" is DHSC); a name neither starts nor ends with one.
            content = [w for w in run if w.lower() not in _INITIAL_SKIPS]
            if run[0] in content and run[-1] in content and 3 <= len(content) <= 5:
                out.setdefault("".join(w[0] for w in content).lower(), set()).update(tokenize(" ".join(run)))
    return {k: frozenset(v) for k, v in out.items()}


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
    # "According to the report, how many …" counts what "how many …" counts.
    m = _HOW_MANY.match(main_clause(question))
    if not m or asks_for_duration(question):
        return []
    # The thing ends where the question's verb begins: "how many nurses [joined] the bank …", or
    # where a clause about it does: "how many of the commitments [that] the Panel evaluated …".
    words = m.group(1).split()
    for i, w in enumerate(words[1:], 1):
        if re.fullmatch(r"[a-z]+ed", w) or w.lower() in ("that", "which", "who", "whom", "whose", "where"):
            words = words[:i]
            break
    return [t for t in tokenize(" ".join(words)) if t not in _TYPE_WORDS]


def counts(text: str, thing: Sequence[str], window: int = 6) -> bool:
    """Whether ``text`` states a number of ``thing``: a figure with its last word among the words
    that follow ("118 data professionals team leaders", "seven NHS trusts"), or a count standing
    on its own in a sentence about it ("nine commitments were evaluated, four were rated
    inadequate") — not an amount of money, nor a number that is part of a name ("Covid-19",
    "Type 1", "Regulation 3(1)", "2025/26")."""
    plain = _unlabelled(text)
    words = re.findall(r"£?\d[\d,.]*%?|[A-Za-z][\w'’-]*", plain)
    # What is counted is the thing's last word ("clinical [coders]", "team [leaders]"): a sentence
    # about clinical coding holds no count of coders.
    want, named = set(thing[-1:]), set(thing)

    def counts_other(after: Sequence[str]) -> bool:
        # "the three regions where nurses …": the count is of the first plural noun after it,
        # when that is not the thing asked about (or one of the things: "40 nurses and ward
        # clerks", asked how many nurses and clerks).
        for x in after[:window]:
            if named & set(tokenize(x)):
                return False
            if _PLURAL.fullmatch(x) and x not in _NOT_PLURAL:
                return True
        return False

    for i, w in enumerate(words):
        if _SECTION_NUMBER.fullmatch(w):
            continue  # "2.2.2. from the date of this Notice": a paragraph's number counts nothing
        if re.match(r"£?\d", w) or w.lower() in _COUNT_WORD_SET:
            if want & set(tokenize(" ".join(words[i + 1:i + 1 + window]))) and not counts_other(words[i + 1:]):
                return True
    if not want & set(tokenize(plain)):
        return False
    for m in re.finditer(rf"(?<![\w/(£.-])(?<!\d,)(\d[\d,]*|{_COUNT_WORDS})(?![\w/)%-]|\.\d)",
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


# The number of a paragraph or section: "2.2.2.", "5.1.3", "4.2.".
_SECTION_NUMBER = re.compile(r"\d+(?:\.\d+){2,}\.?|\d+(?:\.\d+)+\.")


# A plural noun in lower case ("areas", "trusts"), and words that only look like one.
_PLURAL = re.compile(r"[a-z][a-z-]{2,}[^su'’]s")
_NOT_PLURAL = set("theirs yours always perhaps whereas sometimes besides towards afterwards means series species "
                  "basis analysis diagnosis".split())


_COUNT_WORD_SET = set(_COUNT_WORDS.split("|")) - {"hundred", "thousand", "million", "billion"}
_NAMED = re.compile(r"(?<=[\s(])[A-Z][a-z][\w'’-]*(?:\s+[A-Z][a-z][\w'’-]*)*")


# A run of capitalised words (with the small words a name holds) before the kind of document it
# names: "the Widget Census survey", "the ABC notices", "its Annual Gadget report".
_NAMES_A_SOURCE = re.compile(r"((?:[A-Z][\w'’-]*\s+(?:(?:of|the|and|for|on|in)\s+)*)*[A-Z][\w'’-]*)\s+"
                             r"(?:survey|report|review|strategy|framework|standard|notice|guidance|guidelines|"
                             r"paper|consultation)s?\b")


def source_names_given(question: str) -> set[str]:
    """Index tokens of the names ``question`` gives a document or a part of one, by the kind of
    document it is ("… in its Widget Census survey", "… the ABC notices"). The sentence stating a
    figure from that survey seldom names it again, while the passages of its document do; a
    place or a body the question names ("… respondents in Wales") is not such a name."""
    return {t for m in _NAMES_A_SOURCE.finditer(question) for t in tokenize(m.group(1))}


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
