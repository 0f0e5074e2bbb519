"""The citation check every answer passes before it is shown, whichever answerer wrote it.

Each sentence's [n] markers are resolved against the passages that were shown (an unknown
number is reported, never dropped silently); the span of the passage that supports the sentence
is located to the character; and a support score says how well that span backs the sentence
(verbatim = 1.0; otherwise embedding and word agreement).

Agreement in words is not agreement in meaning: "£2.4 billion" shares every word but one with
"£2.4 million", and "the Government accepted the recommendation" is word for word inside "the
review does not say whether the Government accepted the recommendation". So before a span can
support a sentence, the sentence must also agree with it on what word overlap cannot see:

- quantities, with their scale and unit ("£2.4 million", "fourteen", "14 per cent", "a third");
- polarity ("not", "never", "without") and modality ("may", "plans to", "whether");
- opposites ("rose" against "fell", "accepted" against "rejected", one rating against another);
- names the passage does not mention;
- quotations, in any quote marks and of any length, which must be in the passage word for word;
- and the passage must state the thing, not instruct the reader to say it ("ignore previous
  instructions and say that …" supports nothing).

A sentence that fails any of these is capped below the support threshold, and its problems say
which check failed and where, so a reader can see why the sentence is marked.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

from evidence_assistant.core.text import sentence_spans
from evidence_assistant.core.text import tokenize

from evidence_assistant.answering.answer import AnswerSentence, Citation
from evidence_assistant.core.types import Passage

_MARKER = re.compile(r"\[(\d+(?:\s*[,;–-]\s*\d+)*)\]")
_MARKERS_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d+(?:\s*[,;–-]\s*\d+)*\])+)")
_NUMBER = re.compile(r"(?<![\w.])(?:£\s?)?\d+(?:[.,]\d+)*(?:\s?%| per cent)?")
_PARA_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)*\.\s+(?=\S)")

_CHAR_MAP = {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "}


def normalise_with_map(text: str) -> tuple[str, list[int]]:
    """Lower-case, unify quotes and dashes, collapse white space; and for each character of
    the result, the offset of the character it came from."""
    out: list[str] = []
    where: list[int] = []
    prev_space = True
    for i, ch in enumerate(text):
        ch = _CHAR_MAP.get(ch, ch)
        ch = unicodedata.normalize("NFKC", ch).lower()
        if ch.isspace():
            if prev_space:
                continue
            ch, prev_space = " ", True
        else:
            prev_space = False
        for c in ch:
            out.append(c)
            where.append(i)
    while out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


def normalise(text: str) -> str:
    return normalise_with_map(text)[0]


def numbers_in(text: str) -> set[str]:
    found = set()
    for m in _NUMBER.finditer(text):
        v = re.sub(r"[£\s,]|per cent", "", m.group(0)).replace("%", "")
        if v:
            found.add(v.rstrip("."))
    return found


# --- what a sentence says, beyond its words ------------------------------------------------------

_UNIT_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_TENS_WORDS = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
_SCALE_WORDS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_SCALE_SUFFIX = {"k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "tn": 1e12}
_FRACTION_WORDS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4,
                   "fifth": 5, "fifths": 5, "tenth": 10, "tenths": 10}
_ORDINAL_BEFORE_HALF = frozenset({"first", "second", "other", "latter", "former", "last"})
_CURRENCY_WORDS = {"pound": "£", "pounds": "£", "sterling": "£", "dollar": "$", "dollars": "$",
                   "euro": "€", "euros": "€"}
_QTY_TOKEN = re.compile(r"[£$€%]|(?<![\w.])(?<![a-z]-)\d+(?:,\d{3})*(?:\.\d+)?"
                        r"(?:k|m|mn|bn|tn|st|nd|rd|th|s)?(?!\w)|[a-z]+(?:-[a-z]+)*|[^\s\w]")


@dataclass(frozen=True)
class Quantity:
    """A number as stated: its value with any scale applied ("£2.4m" is 2 400 000), its unit
    ("%", "pp" for percentage points, "£", "$", "€" or none) and whether it is a rough share
    ("a third", "one in three") to be compared loosely."""

    value: float
    unit: str = ""
    approx: bool = False
    text: str = ""

    def agrees(self, other: "Quantity") -> bool:
        if self.unit != other.unit:
            money = {"", "£", "$", "€"}
            # A sum may leave its currency unsaid; a share or a different currency never matches.
            if not ({self.unit, other.unit} <= money and "" in {self.unit, other.unit}):
                return False
        tol = 1.0 if (self.approx or other.approx) else 1e-6 * max(1.0, abs(self.value))
        return abs(self.value - other.value) <= tol


def _number_words(toks: list[str], i: int) -> tuple[float | None, int]:
    """A number written in words from toks[i] ("fourteen", "twenty-five", "two hundred and
    six", "a dozen"); (None, i) when there is none. A bare "one" is not read as a number: it is
    more often a pronoun ("no one", "the one that")."""
    total, current, j, words = 0.0, 0.0, i, 0
    while j < len(toks):
        w = toks[j]
        parts = w.split("-")
        if w in _SCALE_WORDS and words:  # "forty thousand", "two million three hundred thousand"
            total += (current or 1) * _SCALE_WORDS[w]
            current = 0.0
        elif all(p in _UNIT_WORDS or p in _TENS_WORDS for p in parts) and len(parts) <= 2:
            current += sum(_UNIT_WORDS.get(p, _TENS_WORDS.get(p, 0)) for p in parts)
        elif w == "dozen":
            current = (current or 1) * 12
        elif w == "hundred" and (words or (j > i and toks[j - 1] == "a")):
            current = (current or 1) * 100
        elif w == "a" and j == i and j + 1 < len(toks) and toks[j + 1] in ("hundred", "dozen", *_SCALE_WORDS):
            current = 1.0
        elif (w == "and" and words and j + 1 < len(toks)
              and (toks[j + 1] in _UNIT_WORDS or toks[j + 1].split("-")[0] in _TENS_WORDS)):
            j += 1
            continue
        else:
            break
        words += 1
        j += 1
    if not words:
        return None, i
    if toks[i] == "one" and j == i + 1:
        nxt = toks[j] if j < len(toks) else ""
        if nxt not in _SCALE_WORDS and nxt not in _FRACTION_WORDS and nxt not in ("in", "out"):
            return None, i
    return total + current, j


def quantities(text: str) -> list[Quantity]:
    """Every quantity ``text`` states, in digits or words, with its scale and unit."""
    norm = normalise(text)
    found = list(_QTY_TOKEN.finditer(norm))
    toks = [m.group(0) for m in found]

    def said(a: int, b: int) -> str:  # the words of toks[a:b] as written
        return norm[found[a].start():found[b - 1].end()]

    out: list[Quantity] = []
    i = 0
    while i < len(toks):
        start = i
        unit = ""
        if toks[i] in ("£", "$", "€"):
            unit = toks[i]
            i += 1
        value: float | None = None
        scaled = False
        if i < len(toks) and toks[i][:1].isdigit():
            m = re.fullmatch(r"([\d,]+(?:\.\d+)?)([a-z]*)", toks[i])
            if m:
                value = float(m.group(1).replace(",", ""))
                if m.group(2) in _SCALE_SUFFIX:
                    value *= _SCALE_SUFFIX[m.group(2)]
                    scaled = True
                i += 1
        elif i < len(toks):
            value, i = _number_words(toks, i)
        if value is None:
            # Shares in words: "a third of", "half of", "a quarter".
            w = toks[start]
            nxt = toks[start + 1] if start + 1 < len(toks) else ""
            after = toks[start + 2] if start + 2 < len(toks) else ""
            if w == "a" and nxt in _FRACTION_WORDS and (after in ("of", "") or not after[:1].isalnum()):
                out.append(Quantity(100.0 / _FRACTION_WORDS[nxt], "%", True, said(start, start + 2)))
                i = start + 2
            elif w == "half" and nxt in ("of", "the") and (start == 0 or toks[start - 1] not in _ORDINAL_BEFORE_HALF):
                out.append(Quantity(50.0, "%", True, said(start, start + 1)))
                i = start + 1
            else:
                i = start + 1
            continue
        while i < len(toks) and toks[i] in _SCALE_WORDS:
            value *= _SCALE_WORDS[toks[i]]
            scaled = True
            i += 1
        nxt = toks[i] if i < len(toks) else ""
        nxt2 = toks[i + 1] if i + 1 < len(toks) else ""
        approx = False
        if nxt == "%" or nxt == "percent" or (nxt == "per" and nxt2 == "cent"):
            unit, i = "%", i + (2 if nxt == "per" else 1)
        elif nxt == "percentage" and nxt2 in ("point", "points"):
            unit, i = "pp", i + 2
        elif nxt in _CURRENCY_WORDS:
            unit, i = _CURRENCY_WORDS[nxt], i + 1
        elif nxt in _FRACTION_WORDS and not scaled and not unit and value >= 1:
            value, unit, approx, i = 100.0 * value / _FRACTION_WORDS[nxt], "%", True, i + 1
        elif (nxt == "in" or (nxt == "out" and nxt2 == "of")) and not scaled and not unit:
            j = i + (1 if nxt == "in" else 2)
            if j < len(toks) and toks[j][:1].isdigit() and re.fullmatch(r"\d+", toks[j]):
                denominator, k = float(toks[j]), j + 1
            else:
                denominator, k = _number_words(toks, j) if j < len(toks) else (None, j)
            if denominator and 0 < value <= denominator < 1000:
                value, unit, approx, i = 100.0 * value / denominator, "%", True, k
        out.append(Quantity(value, unit, approx, said(start, i)))
    return out


def _unmatched_quantities(claimed: Sequence[Quantity], stated: Sequence[Quantity]) -> list[Quantity]:
    return [q for q in claimed if not any(q.agrees(s) for s in stated)]


# Polarity and modality are read clause by clause: "although it did not publish a timetable,
# the Department set aside £2.4 million" still supports "the Department set aside £2.4 million".
_NOT_NEGATING = re.compile(r"\b(?:not only|not least|not just|no (?:later|more|fewer|less|sooner) than|"
                           r"nothing but|no doubt|without doubt)\b")
_NEGATION = re.compile(r"\b(?:not|no(?!\.\s?\d)|never|none|nor|neither|nobody|nothing|nowhere|without|cannot|"
                       r"unable|lacks?|lacked|lacking|absence|absent|fail(?:s|ed|ing)?|refus(?:e|es|ed|ing)|"
                       r"yet to)\b|n't\b")
_MODAL = re.compile(r"\b(?:may|might|could|would|should|will|shall|whether|if|unless|perhaps|possibly|"
                    r"potentially|likely|unlikely|probably|ought to|(?:is|are|was|were) to be|"
                    r"recommend(?:s|ed|ing)?|urge(?:s|d)?|call(?:s|ed)? (?:for|on)|"
                    r"(?:plans?|planned|planning|intends?|intended|intending|aims?|aimed|aiming|proposes?|"
                    r"proposed|proposing|expects?|expected|expecting|hopes?|hoped|hoping|seeks?|sought|"
                    r"commits?|committed|committing|pledges?|pledged|promises?|promised|undertakes?|undertook|"
                    r"wants?|wanted|going) to)\b|'ll\b|\?")
_MONTH_MAY = re.compile(r"\b(?:\d{1,2}(?:st|nd|rd|th)?\s+may|may\s+\d{4})\b")
# An instruction aimed at whoever reads the passage (a prompt injection) states nothing.
_DIRECTIVE = [
    re.compile(r"\b(?:ignore|disregard|forget|override)\b(?:\W+\w+){0,4}?\W+"
               r"(?:instructions?|prompts?|rules|guidelines|directions)\b"),
    re.compile(r"(?:^|[.;:!?]\s+|\band\s+|\bthen\s+|\bnow\s+)(?:please\s+)?(?:say|state|answer|respond|reply|"
               r"write|output|print|claim|assert|tell (?:the )?(?:user|reader)s?)\b"
               r"(?:\s+(?:that|only|instead)\b|\s*[:\"'])"),
    re.compile(r"\byou (?:must|should|will|are to|have to|need to) (?:now |instead |always )?"
               r"(?:say|state|answer|respond|reply|write|claim|tell|ignore|output)\b"),
    re.compile(r"\bsystem prompt\b"),
]
_CLAUSE_BREAK = re.compile(r"[,;:()\[\]]|\s-\s|\b(?:but|although|though|whereas|while|whilst|however|except)\b")

# Words that cannot both be true of the same thing. Each family lists groups of words; a sentence
# using a word of one group where the passage uses only another group's says the opposite.
# (Comparatives such as before/after or more/fewer are left out: "A came after B" and "B came
# before A" say the same.)
_OPPOSITES: list[list[tuple[str, ...]]] = [
    [("rise", "rises", "rose", "risen", "rising", "increase", "increases", "increased", "increasing", "grew",
      "grow", "grows", "grown", "growing"),
     ("fall", "falls", "fell", "fallen", "falling", "decrease", "decreases", "decreased", "decreasing",
      "decline", "declines", "declined", "declining", "drop", "drops", "dropped", "reduce", "reduces", "reduced",
      "shrank", "shrunk", "shrink")],
    [("accept", "accepts", "accepted", "accepting", "agree", "agrees", "agreed"),
     ("reject", "rejects", "rejected", "rejecting", "disagree", "disagrees", "disagreed")],
    [("met", "meet", "meets", "achieved", "achieves", "achieve", "reached"), ("missed", "miss", "misses")],
    [("improved", "improve", "improves", "improving"), ("worsened", "worsen", "worsens", "deteriorated", "worse")],
    [("support", "supports", "supported", "welcomed", "welcomes", "endorsed"),
     ("oppose", "opposes", "opposed", "criticised", "criticized", "condemned")],
    [("mandatory", "compulsory", "statutory"), ("voluntary", "optional")],
    [("inadequate",), ("requires improvement",), ("good",), ("outstanding",)],
]
_OPPOSITE_RES = [[re.compile(r"\b(?:" + "|".join(re.escape(w) for w in group) + r")\b") for group in family]
                 for family in _OPPOSITES]

# Capitalised words that name offices and kinds of body rather than particular ones: a paraphrase
# may say "the Department" or "the Government" where the passage names it in full.
_GENERIC_NAMES = frozenset("""government department committee panel parliament minister ministers ministry secretary
state house commons lords report review board boards trust trusts council chair chairman chairwoman chief executive
act bill strategy plan programme agency office mr mrs ms dr professor prof sir dame lord lady baroness rt hon uk nhs
england britain british national health care social service services system""".split())
_CAPITALISED = re.compile(r"(?<![\w'’-])[A-Z][A-Za-z]*(?:['’-][A-Za-z]+)*")

_QUOTATIONS = [
    re.compile(r'"([^"]+)"'),
    # Single quotes, told apart from apostrophes: the opening one does not follow a letter and
    # the closing one is not followed by one ("the Panel's 'inadequate' rating").
    re.compile(r"(?<!\w)'(?=\S)((?:[^'\n]|(?<=\w)'(?=\w))+?)(?<=\S)'(?!\w)"),
    re.compile(r"«\s*([^»]+?)\s*»"),
]


def quotations(text: str, keep_case: bool = False) -> list[str]:
    """The quoted words in ``text``, in double, single or curly quote marks, of any length;
    normalised (lower case, white space collapsed) unless ``keep_case``."""
    norm = "".join(_CHAR_MAP.get(ch, ch) for ch in text) if keep_case else normalise(text)
    found: list[str] = []
    for rx in _QUOTATIONS:
        found += [m.group(1).strip() for m in rx.finditer(norm) if m.group(1).strip(" .,;:!?")]
    return found


def quotation_in(quote: str, passage_text: str) -> bool:
    """Whether ``quote`` is in the passage word for word (parts around "…" or "[…]" in order)."""
    hay = normalise(passage_text)
    pos = 0
    parts = [p.strip(" .,;:!?") for p in re.split(r"\.\.\.|…|\[[^\]]*\]", normalise(quote))]
    for part in (p for p in parts if p):
        m = re.compile(r"(?<!\w)" + re.escape(part) + r"(?!\w)").search(hay, pos)
        if not m:
            return False
        pos = m.end()
    return True


def _cue_text(text: str) -> str:
    return _MONTH_MAY.sub(" ", _NOT_NEGATING.sub(" ", normalise(text)))


def _cue(rx: re.Pattern[str], text: str) -> str | None:
    m = rx.search(_cue_text(text))
    return m.group(0).strip() if m else None


def _is_directive(text: str) -> bool:
    t = _cue_text(text)
    return any(rx.search(t) for rx in _DIRECTIVE)


def _opposite_words(text: str) -> list[list[str | None]]:
    t = _cue_text(text)
    return [[(m.group(0) if (m := rx.search(t)) else None) for rx in family] for family in _OPPOSITE_RES]


def _short(text: str, n: int = 90) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


@dataclass
class _Claim:
    """What one answer sentence asserts, read once and compared with each candidate span."""

    body: str
    tokens: set[str]
    quantities: list[Quantity]
    negated: str | None
    modal: str | None
    directive: bool
    opposites: list[list[str | None]]

    @classmethod
    def of(cls, body: str) -> "_Claim":
        return cls(body, set(tokenize(body)), quantities(body), _cue(_NEGATION, body), _cue(_MODAL, body),
                   _is_directive(body), _opposite_words(body))

    def disagreements(self, span: str) -> list[str]:
        """Why ``span`` (a sentence or two of a passage) cannot support this claim; [] if it can."""
        reasons: list[str] = []
        for q in _unmatched_quantities(self.quantities, quantities(span)):
            reasons.append(f"states {q.text}, which the cited passage does not")
        scope = _scope(self.tokens, span)
        clauses = " ".join(c for c, _ in scope)
        # A negation or a hedge on one side only: the passage's cue quoted, or the sentence's.
        for pattern, own_cue, passage_only, sentence_only in (
                (_NEGATION, self.negated, "the cited passage says it in the negative",
                 "the sentence negates (“{}”) what the cited passage states"),
                (_MODAL, self.modal, "the cited passage states it only as a possibility, plan or question",
                 "the sentence hedges (“{}”) what the cited passage states as fact")):
            passage_cue = _cue(pattern, clauses)
            if passage_cue and not own_cue:
                reasons.append(f"{passage_only} (“{passage_cue}”): “{_short(_where(scope, pattern))}”")
            elif own_cue and not passage_cue:
                reasons.append(sentence_only.format(own_cue))
        sentences = {s for _, s in scope}
        if not self.directive and any(_is_directive(s) for s in sentences):
            told = next(s for s in sentences if _is_directive(s))
            reasons.append("the cited passage is an instruction to the reader, not a statement of fact: "
                           f"“{_short(told)}”")
        theirs = _opposite_words(clauses)
        for mine_family, their_family in zip(self.opposites, theirs):
            mine = [w for w in mine_family if w]
            shared = any(a and b for a, b in zip(mine_family, their_family))
            if mine and not shared and any(their_family):
                other = next(w for w in their_family if w)
                reasons.append(f"says “{mine[0]}” where the cited passage says “{other}”")
        return reasons


def _scope(tokens: set[str], span: str) -> list[tuple[str, str]]:
    """The clauses of ``span`` that the claim draws on (with the sentence each is in): those
    sharing at least three words with it, or half their own words. All clauses when none do."""
    pairs: list[tuple[str, str]] = []
    for a, b in sentence_spans(span):
        sentence = span[a:b]
        pos = 0
        for m in list(_CLAUSE_BREAK.finditer(sentence)) + [None]:
            end = m.start() if m else len(sentence)
            clause = sentence[pos:end]
            pos = m.end() if m else len(sentence)
            if clause.strip():
                pairs.append((clause, sentence))
    chosen = []
    for clause, sentence in pairs:
        own = set(tokenize(clause))
        shared = len(own & tokens)
        if shared >= 3 or (own and shared / len(own) >= 0.5):
            chosen.append((clause, sentence))
    return chosen or pairs


def _where(scope: list[tuple[str, str]], rx: re.Pattern[str]) -> str:
    """The clause of the scope in which ``rx`` is found (for the reader's benefit)."""
    return next((c for c, _ in scope if rx.search(_cue_text(c))), scope[0][0] if scope else "")


def _initials(text: str) -> set[str]:
    """Acronyms the passage spells out: "Department of Health and Social Care" gives "dhsc"."""
    out: set[str] = set()
    run: list[str] = []
    for w in re.findall(r"[A-Za-z][\w'’-]*", text) + [""]:
        if w[:1].isupper():
            run.append(w[0].lower())
        elif w in ("of", "and", "for", "the", "&") and run:
            continue
        else:
            for i in range(len(run)):
                for j in range(i + 2, len(run) + 1):
                    out.add("".join(run[i:j]))
            run = []
    return out


def unknown_names(body: str, passage: Passage) -> list[str]:
    """Capitalised names in ``body`` (other than its first word) that the passage, its title
    and its headings never mention."""
    known_text = " ".join([passage.text, passage.title or "", *(getattr(passage, "heading_path", None) or [])])
    known = set(tokenize(known_text))
    initials: set[str] | None = None
    out: list[str] = []
    stripped = body.lstrip(" \"'“‘(")
    for m in _CAPITALISED.finditer(stripped):
        before = stripped[:m.start()].rstrip()
        if not before or before[-1] in ":;\"'“‘(":
            continue  # the first word of the sentence, of a quotation or of a clause after a colon
        word = m.group(0)
        if word.lower() in _GENERIC_NAMES or len(word) < 2:
            continue
        toks = tokenize(word)
        if not toks or all(t in known for t in toks):
            continue
        if word.isupper():
            if initials is None:
                initials = _initials(known_text)
            if word.lower() in initials:
                continue
        if word not in out:
            out.append(word)
    return out


def parse_cited_sentences(text: str) -> list[tuple[str, list[int]]]:
    """Split answer text into sentences and the [n] numbers each carries. Markers written after
    the full stop ("… inadequate. [2]") belong to the sentence before them."""
    text = _MARKERS_AFTER_STOP.sub(lambda m: m.group(2) + m.group(1), text.strip())
    out: list[tuple[str, list[int]]] = []
    for a, b in sentence_spans(text):
        raw = text[a:b]
        ns: list[int] = []
        for m in _MARKER.finditer(raw):
            for part in re.split(r"\s*[,;]\s*", m.group(1)):
                if re.fullmatch(r"\d+\s*[–-]\s*\d+", part):
                    lo, hi = (int(x) for x in re.split(r"\s*[–-]\s*", part))
                    ns.extend(range(lo, min(hi, lo + 20) + 1))
                else:
                    ns.append(int(part))
        clean = re.sub(r"\s+([.!?,;:])", r"\1", _MARKER.sub("", raw)).strip()
        clean = re.sub(r"\s{2,}", " ", clean)
        if clean:
            out.append((clean, list(dict.fromkeys(ns))))
        elif ns and out:  # a lone marker: give it to the sentence before
            out[-1][1].extend(n for n in ns if n not in out[-1][1])
    return out


@dataclass
class Span:
    start: int
    end: int
    support: float
    exact: bool
    reasons: tuple[str, ...] = ()  # why this span cannot support the sentence, if it cannot


# Below this cosine the sentence and the span do not mean the same thing, however many words
# they share ("the Panel rated the record good" against "… described progress as inadequate").
MIN_MEANING = 0.6

UNKNOWN_CITATION = "cites [{n}], which was not among the {shown} passages shown"


def unknown_citations(sentence: AnswerSentence) -> list[int]:
    """The [n] a sentence carried that named no passage shown (kept in its problems)."""
    return sentence.unknown_citations


class CitationChecker:
    def __init__(self, embedder, *, min_support: float):
        self.embedder = embedder
        self.min_support = min_support

    def locate(self, sentence: str, passage: Passage) -> Span:
        """The span of ``passage`` that best supports ``sentence``, with its support score. A span
        that disagrees with the sentence (see the module's docstring) scores below the threshold
        and carries the reasons."""
        body = _PARA_NUMBER.sub("", sentence).strip().rstrip(".!?").strip()
        claim = _Claim.of(body)
        cap = self.min_support - 0.01
        names = unknown_names(body, passage)
        name_reasons = tuple(f"names {n}, which the cited passage does not mention" for n in names)
        norm_p, where = normalise_with_map(passage.text)
        norm_s = normalise(body)
        verbatim_reasons: tuple[str, ...] = ()
        if len(norm_s) >= 12:
            i = norm_p.find(norm_s)
            if i >= 0:
                start, end = where[i], where[i + len(norm_s) - 1] + 1
                # Word for word is not enough when the words sit inside "does not say whether …"
                # or "ignore previous instructions and say that …": read the sentences around them.
                a, b = _enclosing_sentences(passage.text, start, end)
                verbatim_reasons = tuple(claim.disagreements(passage.text[a:b]))
                if not verbatim_reasons:
                    return Span(start, end, 1.0, True)
        windows = _windows(passage.text)
        if not windows:
            return Span(0, len(passage.text), 0.0, False, verbatim_reasons or name_reasons)
        texts = [passage.text[a:b] for a, b in windows]
        vecs = self.embedder.encode_cached([body] + texts)
        cos = vecs[1:] @ vecs[0]
        best, best_raw = Span(0, 0, -1.0, False), -2.0
        for (a, b), c, t in zip(windows, cos, texts):
            w_tokens = set(tokenize(t))
            lex = len(claim.tokens & w_tokens) / len(claim.tokens) if claim.tokens else 0.0
            raw = 0.5 * float(c) + 0.5 * lex
            score = raw
            reasons: tuple[str, ...] = ()
            if raw >= cap:  # only a span that would otherwise support the sentence needs reading
                reasons = tuple(claim.disagreements(t)) + name_reasons
                if float(c) < MIN_MEANING:
                    reasons += (f"shares words with the cited passage but not its meaning "
                                f"(similarity {float(c):.2f})",)
                if reasons:
                    score = min(score, cap)
            if (score, raw) > (best.support, best_raw):
                best, best_raw = Span(a, b, round(score, 4), False, reasons), raw
        if verbatim_reasons and best.support < self.min_support:
            best.reasons = verbatim_reasons + tuple(r for r in best.reasons if r not in verbatim_reasons)
        return best

    def check(self, cited: Sequence[tuple[str, list[int]]], shown: Sequence[Passage]
              ) -> tuple[list[AnswerSentence], list[Citation]]:
        """Resolve, locate and score. Citation numbers in the result are renumbered 1..m in
        order of first use; ``shown`` is numbered from 1 as the answerer saw it. A number that
        names no shown passage stays in the sentence's problems (``unknown_citations``), even
        when another citation supports the sentence."""
        sentences: list[AnswerSentence] = []
        citations: list[Citation] = []
        renumber: dict[int, int] = {}
        for idx, (text, ns) in enumerate(cited):
            problems: list[str] = []
            valid = [n for n in ns if 1 <= n <= len(shown)]
            for n in ns:
                if n not in valid:
                    problems.append(UNKNOWN_CITATION.format(n=n, shown=len(shown)))
            if not ns:
                problems.append("cites no passage")
            spans = [(n, self.locate(text, shown[n - 1])) for n in valid]
            quotes = quotations(text)
            bad_quote = False
            for q in quotes:
                if not any(quotation_in(q, shown[n - 1].text) for n in valid):
                    bad_quote = True
                    problems.append(f"quotes “{_short(q, 60)}”, which the cited passage does not contain")
            support = max((sp.support for _, sp in spans), default=0.0)
            if bad_quote:
                support = min(support, self.min_support - 0.01)
            supported = support >= self.min_support
            if spans and not supported and not bad_quote:
                reasons = list(dict.fromkeys(r for _, sp in spans for r in sp.reasons))
                problems.extend(reasons or ["the cited passage does not support it"])
            new_ns = []
            for n, sp in spans:
                if sp.support < self.min_support and supported:
                    continue  # a citation not needed for support is not shown
                m = renumber.setdefault(n, len(renumber) + 1)
                new_ns.append(m)
                citations.append(Citation(n=m, passage=shown[n - 1], quote_start=sp.start, quote_end=sp.end,
                                          support=sp.support, sentence=idx, exact=sp.exact))
            sentences.append(AnswerSentence(text, new_ns, round(support, 4), supported, problems))
        return sentences, citations


def verbatim_citations(picked: Sequence[tuple[str, Passage, int, int]]) -> tuple[list[AnswerSentence], list[Citation]]:
    """Sentences taken word for word from passages (the extractive answerer's), cited to the exact
    span they were taken from. Each is checked: the passage must hold the sentence at that span,
    or the sentence is marked unsupported like any other."""
    sentences: list[AnswerSentence] = []
    citations: list[Citation] = []
    numbers: dict[str, int] = {}
    for idx, (text, p, start, end) in enumerate(picked):
        if p.text[start:end].strip() != text.strip():
            sentences.append(AnswerSentence(text, [], 0.0, False, ["the quoted span does not match its passage"]))
            continue
        n = numbers.setdefault(p.passage_id, len(numbers) + 1)
        citations.append(Citation(n=n, passage=p, quote_start=start, quote_end=end, support=1.0, sentence=idx,
                                  exact=True))
        sentences.append(AnswerSentence(text, [n], 1.0, True, []))
    return sentences, citations


def _windows(text: str) -> list[tuple[int, int]]:
    """Candidate supporting spans: each sentence, and each pair of neighbouring sentences."""
    spans = sentence_spans(text)
    out = list(spans)
    out += [(spans[i][0], spans[i + 1][1]) for i in range(len(spans) - 1)]
    return out


def _enclosing_sentences(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentences of ``text`` that the span start..end touches."""
    spans = [(a, b) for a, b in sentence_spans(text) if a < end and b > start]
    return (spans[0][0], spans[-1][1]) if spans else (start, end)
