"""The default answerer: no language model. It picks the sentences of the retrieved passages
that best answer the question and keeps them word for word, each cited to its passage — so
every sentence it writes can be found, highlighted, in the passage it cites."""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np

from evidence_assistant.answering import sentence_scorer
from evidence_assistant.answering.answerable import (CAMEL_NAME, DAY, DURATION, MONTHS, NAME, REFERENCE, asks_for_day,
                                                     asks_for_duration, counted_thing, counts, expected_type,
                                                     given_values, holds_type, initials_held, main_clause, named_in,
                                                     named_title_words, refers_to, row_heads, row_label_words,
                                                     row_named_whole, row_words)
from evidence_assistant.answering.candidate import Candidate
from evidence_assistant.answering.citations import quotations
from evidence_assistant.answering.parts import statement_before
from evidence_assistant.answering.sentences import ENDS_SENTENCE, pieces
from evidence_assistant.answering.weights import WEIGHTS
from evidence_assistant.core.text import is_table_row, tokenize
from evidence_assistant.core.types import Passage, ScoredPassage


# A paragraph number opening a sentence ("12. The Panel…"); the full stop is required so that
# a date such as "17 February 2023: …" keeps its day.
_PARA_NUMBER = re.compile(r"\s*\d+(?:\.\d+)*\.\s+(?=\S)")
# The sample corpus's opening notice ("a sample written for Evidence Assistant … It stands for …
# The official document is at …") is about the sample, never an answer.
_SAMPLE_NOTICE = re.compile(r"\bsample\b.*\b(written|prepared)\b.*\b(Evidence Assistant|this product)\b|"
                            r"^It stands for\b|^The official document is at\b|^Official address:", re.I)


# A sentence that opens by pointing back ("It was moved …", "She said …", "That was up from …",
# "At the same event he said …") is about whatever the sentence before it named.
_LEANS = re.compile(r"^(?:It|Its|This|That|These|Those|They|Their|Them|He|His|She|Her|There|Such|Both|Here)\b|"
                    r"^The (?:remaining|rest|other|latter|former|same)\b|"
                    r"^(?:\w+\s+){0,3}(?:he|she|they)\b|^(?:At|In|On|By|For|From|After|Before|Of)\s+"
                    r"(?:the same|this|that|these|those|it|them)\b|"
                    # … or a few words in, "these" standing for what the sentence before named:
                    # "We expect these to include …" (not "Getting these foundations right …").
                    r"^(?:[\w&'’-]+\s+){1,4}(?:these|those)(?:\s+(?:to|are|were|will|would|include\w*|can|could|"
                    r"should|may|might|must|have|had|be|being)\b|[.,;:])|"
                    # … or what the sentence before said, done: "We will do this by delivering:",
                    # "To achieve this, …", "In doing so, …".
                    r"^(?:[\w&'’-]+\s+){0,4}(?:do|does|did|doing|done|achieve|achieves|achieving|achieved)\s+"
                    r"(?:this|that|so|these)\b")


# A sentence that qualifies the one before it: "However, …", "But …", "Even so, …".
_QUALIFYING = r"However|But|Nevertheless|Nonetheless|Even so|That said|Yet"
_QUALIFIES = re.compile(rf"^\W*(?:{_QUALIFYING})\b")


# … or does so after a word joining it to what went before: "However, it is still in use."
_JOINED_THEN_LEANS = re.compile(rf"^(?:{_QUALIFYING}|Still|Instead|Indeed|Similarly|Likewise|Also|In addition|"
                                r"Moreover|Furthermore|Therefore|Thus|Hence|So|And),?\s+(?:it|its|this|that|these|"
                                r"those|they|their|them|he|his|she|her|such|both)\b")


def leans_on_lead(sentence: str) -> bool:
    """Whether ``sentence`` refers back to the one before it for what it is about."""
    s = sentence.strip()
    return bool(_LEANS.match(s) or _JOINED_THEN_LEANS.match(s))


# A labelled line of a document's front matter: who wrote or presented it, when it was
# published or updated, its version or status.
# The labels of such a line that say who made the document.
_AUTHOR_LABELS = r"[Aa]uthors?|[Rr]eport by|[Pp]resented by|[Pp]repared by|[Ww]ritten by|[Ee]dited by|[Cc]ompiled by"
_FIELD_LINE = re.compile(rf"^(?:[A-Z][a-z]+\s+){{0,3}}(?:[Pp]ublished|[Uu]pdated|[Dd]ate|{_AUTHOR_LABELS}|"
                         r"[Vv]ersion|[Ss]tatus|[Oo]wner)(?:\s+[a-z]+){0,3}\s*:\s+\S.{0,150}$")
# A short line that dates the document without a label's colon: "Covid-19 and your information -
# Updated on 8th April 2020", "Published 24 February 2020", "Last updated 3 May 2022".
_DATED_LINE = re.compile(rf"\b(?:[Uu]pdated|[Pp]ublished|[Ii]ssued|[Rr]evised)\s+(?:on\s+)?"
                         rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?{MONTHS},?\s+(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?\d{{4}}\b")
_DATED_LINE_WORDS = 15
# A question about a coded value: "what concept ID does the standard give …", "what code is used …".
_ASKS_CODE = re.compile(r"\b(?:codes?|coded|coding|concept|ID|identifiers?|SNOMED|reference set|terminology)\b")
# A terminology code followed by its term between bars: "123456789 |Heart rate (observable entity)|".
_CODED_LINE = re.compile(r"\b\d{5,18}\s*\|[^|\n]{3,}\|")
# A table's row as a PDF gives it in plain text: a label, then two or more figures, each after a
# space, to the end of the line ("Staff retention rate 91.2% 2.50", the value and its score). A
# contents line ends with one number; a list of references ("See items 2, 3, 4") with commas.
_FIGURES_ROW = re.compile(r"^[A-Za-z][^\n]{3,}?(?:\s+[-+−]?£?\d+(?:,\d{3})*(?:\.\d+)?%?){2,}$")
# A figure a line states: a share, a count in thousands, a sum of money.
_STATED_FIGURE = re.compile(r"\d%|\d per cent\b|\b\d{1,3}(?:,\d{3})+\b|£\d")
# A table row that opens with its table's caption ("Table 2: Waits by site: …").
_CAPTIONED = re.compile(r"\W*(?:Table|Figure|Chart|Exhibit)\s+[\dA-Z]", re.I)


# Who made a document, as a question asks it ("which staff prepared …", "who presented the board
# paper …", "who wrote …") and as a document's front matter labels it ("Prepared by:", "Report by:").
_ASKS_AUTHOR = re.compile(r"\b(?:prepar(?:ed|es|ing)|present(?:ed|s|ing)|wr[io]tes?|written|writing|authored|authors?|"
                          r"compil(?:ed|es|ing)|drafted)\b(?!\s+(?:to|for|in)\b)", re.I)
_AUTHOR_FIELD = re.compile(rf"^(?:[A-Z][a-z]+\s+){{0,2}}(?:{_AUTHOR_LABELS})\s*:")


# One person to a line under a label standing alone ("Report compiled by:"): a name, then their
# role and organisation, no sentence.
_NAMED_LINE = re.compile(r"^(?:(?:Dr|Prof|Professor|Sir|Dame|Mr|Mrs|Ms|Miss)\.?\s+)?[A-Z][a-z'’-]+\s+[A-Z][\w'’-]+(?:\s+\S+){0,25}$")
_NAMED_LINES = 6
# One person to a line, after a "Prepared by:" line: a name (with its title), a comma, their role.
_PERSON_LINE = re.compile(r"^(?:(?:Dr|Prof|Professor|Sir|Dame|Mr|Mrs|Ms|Miss)\.?\s+)?[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]*){1,3},"
                          r"\s+[^:]{2,120}$")


def names_its_author(question: str, cand: Candidate) -> bool:
    """Whether ``cand`` is a document's own line naming who made it, and the question asks who
    made something (see _ASKS_AUTHOR)."""
    return cand.kind == "field" and bool(_AUTHOR_FIELD.match(cand.text)) and \
        bool(re.match(r"^\W*(?:who|whom|which|what)\b", question, re.I)) and bool(_ASKS_AUTHOR.search(question))


def candidates(passages: Sequence[ScoredPassage], titles: bool = False) -> list[Candidate]:
    """Every sentence, list item or list lead-in of the passages that could be an answer, each
    with the piece before it in its passage (its lead) as context. ``titles``: the lines standing
    alone as titles do ("Foreword from Jane Doe", "Case study: Alex Roe") come too, as kind
    "title": asked who, a line naming someone says who (``score_candidates`` keeps them out of
    every other answer)."""
    out: list[Candidate] = []
    for rank, sp in enumerate(passages):
        text = sp.passage.text
        heading = sp.passage.heading_path[-1] if sp.passage.heading_path else ""
        # The words of the document's own title and publisher, which no title line naming
        # someone only repeats (read once per passage, and only when titles are wanted).
        own_words = set(tokenize(f"{sp.passage.title or ''} {sp.passage.publisher or ''}")) if titles else set()
        lead, lead_end, lead_context = "", -1, ""
        all_pieces = pieces(text)
        block, counted_to = 0, 0  # the block each piece is in, counted on from the piece before
        for n, piece in enumerate(all_pieces):
            a, b = piece.start, piece.end
            m = _PARA_NUMBER.match(text[a:b])
            if m:
                a += m.end()
            block += len(_BLANK_LINE.findall(text, counted_to, a))
            counted_to = a
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
            if sent.endswith(":") and _AUTHOR_FIELD.match(sent):
                # "Report compiled by:" alone on its line, one person to each line after it: the
                # field is the label with every one of them (at most _NAMED_LINES).
                k = n + 1
                while k < len(all_pieces) and k - n <= _NAMED_LINES:
                    line = text[all_pieces[k].start:all_pieces[k].end].strip()
                    if not _NAMED_LINE.match(line) or line.endswith("."):
                        break
                    b = all_pieces[k].end
                    k += 1
                if k > n + 1:
                    sent, kind, words = text[a:b].strip(), "field", text[a:b].split()
            if len(words) < 4 and kind == "lead-in" and (prev or heading):
                # "Grades:", "Options:": a short line introducing a list says what its list
                # is only with the sentence before it (or its section's heading).
                context = prev or heading
            elif len(words) < 4 and not (len(words) >= 3 and (" | " in sent or kind == "row")) and \
                    not (kind == "fragment" and _CODED_LINE.search(sent)):
                # "Screening", "Diagnosis": a short list item is read only with the line that
                # introduces its list, never as an answer on its own.
                if kind != "item" and not (kind == "fragment" and prev.endswith(":")):
                    if not (titles and names_someone(sent, own_words)):
                        continue
                    kind = "title"
                else:
                    kind = "short-item"
            elif kind == "fragment" and (_FIELD_LINE.match(sent) or
                                         len(words) <= _DATED_LINE_WORDS and _DATED_LINE.search(sent)):
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
            elif kind == "fragment" and _CODED_LINE.search(sent):
                # "Code : - 123456789 |Heart rate (observable entity)|": a code with its term
                # states a fact, however few its words, read with the line before it, which
                # says what is coded.
                kind, context = "code", prev
            elif kind == "fragment" and _FIGURES_ROW.match(sent):
                kind = "row"  # it states its figures as a row of a table does
            elif kind == "fragment" and not prev.endswith(":") and " | " not in sent:
                # A table's row ("SCIMP | Scottish Clinical …") is kept: it states a fact. Other
                # text without a full stop is kept when it reads as prose and runs on — into
                # text that goes on in lower case, or to where the passage was cut — or is as
                # long as no title is; not when it stands alone before a new sentence, as a title does.
                nxt = text[all_pieces[n + 1].start:all_pieces[n + 1].end] if n + 1 < len(all_pieces) else ""
                runs_on = not nxt or nxt[:1].islower() or len(words) >= WEIGHTS.cut_sentence_words
                # The last sentence of a paragraph may lack its full stop: it goes on from the
                # sentence before it on the same line, where a title stands on a line of its own.
                ends_paragraph = prev_end >= 0 and prev[-1:] in ".!?" and "\n" not in text[prev_end:a]
                # A line of a table a PDF ran into its neighbour's ("At least 75% of community
                # health") states its figure however it was cut: a share, a count in thousands or
                # a sum of money is kept, a heading's number or a page's is not.
                states_figure = len(words) >= 3 and _STATED_FIGURE.search(sent) and not _URL.search(sent) and \
                    not _CAPTIONED.match(sent)
                if not (reads_as_prose(sent) and runs_on or states_figure or
                        ends_paragraph and reads_as_prose(sent, min_words=WEIGHTS.short_sentence_words,
                                                          lower_share=0.5)):
                    if not (titles and names_someone(sent, own_words)):
                        continue
                    kind = "title"
            if kind == "row" and not context and heading and heading.lower() not in sent.lower() and \
                    not _CAPTIONED.match(sent):
                # A table row without a caption of its own is about what its section is headed:
                # read it with that heading.
                context = heading
            if kind in ("field", "title") and sp.passage.title:
                # "Report by: Julian Kelly, …" is about the document it heads: read it with the
                # document's title, as its reader does (so is a title line: "Foreword from …").
                context = sp.passage.title
            c = Candidate(rank, a, b, sent, lead_end=prev_end, leans=leans, context=context, block=block,
                          title=sp.passage.title or "", heading=heading)
            c.kind = kind
            c.mark = _mark_kind(text[text.rfind("\n", 0, a) + 1:a].strip())
            out.append(c)
    return out


def _mark_kind(mark: str) -> str:
    """The kind of mark opening a list's line: "1." and "2." are one kind, as are "(a)" and "(b)"."""
    if re.search(r"\d", mark):
        return "number"
    if re.fullmatch(r"\(?[A-Za-z]{1,4}[.)]", mark):
        return "letter"
    return mark


def names_someone(line: str, own_words: set[str]) -> bool:
    """Whether a line standing alone as a title could name who wrote or gave what follows: short,
    and not the document's own title or publisher over again (``own_words``: their words; a cover
    page's "Health Education England")."""
    words = set(tokenize(line))
    return len(line.split()) <= WEIGHTS.title_words and bool(words) and not words <= own_words


def reads_as_prose(text: str, min_words: int = 10, lower_share: float = 0.7) -> bool:
    """Whether a piece without a full stop reads as running text rather than a heading, a
    contents line or a running header: long enough, and mostly lower-case words."""
    words = re.findall(r"[A-Za-z][\w'’-]*", text)
    if len(words) < min_words:
        return False
    lower = sum(w[0].islower() for w in words) / len(words)
    # A title keeps a third of its words capitalised; a long line may name more ("… used to
    # report to the Regional Returns on Adult Care Services (RRACS) e.g. …"), as no heading runs
    # to its length.
    return lower >= lower_share or (len(words) >= WEIGHTS.long_prose_words and lower >= 0.5)


# What a document says about itself, and the furniture around its text, rather than anything it
# reports: "This report sets out …", a contents line, a breadcrumb trail, an invitation to
# download or e-mail.
_SELF_DESCRIBING = re.compile(
    r"\b(?:this|the present|the following|our)\s+(?:\w+\s+){0,2}(?:report|document|paper|guidance|guide|"
    r"chapter|section|strategy|framework|standard|plan|publication|summary|appendix|annex|page|website|"
    r"toolkit|note|notice|leaflet|factsheet|briefing|manual|review)s?\s+(?:\w+\s+)?"
    r"(?:sets? out|describes?|provides?|outlines?|"
    r"summari[sz]es?|presents?|gives?|looks? at|explains?|is intended|aims? to|covers?|contains?|"
    r"brings? together|is prefaced|is structured|is divided|focuses|considers|is the outcome)\b", re.I)
_FURNITURE = re.compile(
    r"\bcontents\b|\.{4,}|…{2,}|\s>\s.*\s>\s|\bdownload\b|\bplease (?:e-?mail|contact|visit|see)\b|"
    r"\bclick here\b|\bfind out more\b|\bthis page\b|\bavailable (?:\[here\]|here\b)|\bpublished on\s+\w+\s+website\b|"
    # "For more information, visit …", "… for more information about the scheme": a pointer, not
    # "larger monitors allow for more information to be shown".
    r"^\W*for more information\b|\bfor more information\s*(?:[,:]|,?\s*(?:see|visit|contact|please|go to|click|"
    r"call|e-?mail|read|refer|about|on)\b)",
    re.I)
# A file named by its name or size ("Full report - Mar 21.pdf (3.3 MB)"): a catalogue of files or a
# download link describes a file, not what the file reports.
_FILE_NAMED = re.compile(r"\w\.(?:pdf|docx?|xlsx?|csv|odt|pptx?|md|html?|json|njk|txt|zip)\b|"
                         r"\(\s*\d[\d.,]*\s*(?:[KMG]B|bytes)\s*\)", re.I)


# What a reader may be invited to do ("Please contact …", "download …"), as a question asks it.
_INVITED = re.compile(r"\b(?:contact(?:ed|ing)?|e-?mail(?:ed|ing)?|visit(?:ed|ing)?|download(?:ed|ing)?)\b", re.I)


def invitations(question: str) -> set[str]:
    """What the question asks about being invited to do ("whom should people contact to be
    included?"): a line inviting just that is its answer, not page furniture."""
    return {re.sub(r"(?:ed|ing)$", "", w.lower().replace("-", "")) for w in _INVITED.findall(question)}


def boilerplate(sentence: str, asked: set[str] | frozenset[str] = frozenset(), *, names_asked: bool = False) -> bool:
    """Whether ``sentence`` is a document describing itself, its contents or its surroundings
    (contents lines, breadcrumbs, lists of titles, download and contact lines) — never the
    answer to a question about what the document reports. ``asked``: what the question asks about
    being invited to do (``invitations``); a line inviting that is kept. ``names_asked``: the
    question asks for a name, so that a sentence naming bodies one after another ("For example,
    the Royal College of Nursing (RCN); the Health Visitors' Council (HVC).") answers it; only
    capitalised text that does not end like a sentence is then taken for a run of headings."""
    furniture = _FURNITURE.search(sentence)
    if furniture and asked and invitations(furniture.group(0)) & asked:
        furniture = None
    if _SELF_DESCRIBING.search(sentence) or furniture or _FILE_NAMED.search(sentence):
        return True
    if is_table_row(sentence):
        return False  # a row's headers are capitalised and joined by semicolons: not a list of titles
    words = re.findall(r"[A-Za-z][\w'’-]*", sentence)
    # A list of titles: several semicolons or bullets among words that are mostly capitalised.
    if sentence.count(";") >= 3 and words and sum(w[0].isupper() for w in words) / len(words) >= 0.4:
        return True
    # A run of headings glued together: long, and nearly every word capitalised — but not a
    # sentence naming people and bodies ("Guy Boersma is the AHSN Network Chief Officer for
    # Digital and Artificial Intelligence (AI).": it ends like one and has a verb to be or have).
    if len(words) >= 8 and sum(w[0].isupper() for w in words) / len(words) >= 0.7:
        ends = bool(ENDS_SENTENCE.search(sentence.strip()))
        return not (ends and (names_asked or _LINKING_VERB.search(sentence)))
    return False


_LINKING_VERB = re.compile(r"\b(?:is|are|was|were|has|have|had|will|leads|led|chairs|chaired)\b")


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
_ASKS_EXPANSION = re.compile(r"\bstands?\s+for\b|\brefers?\s+to\b|\bletters\s+(?:of|in)\b|\bacronym\b|\babbreviat|"
                             r"\bshort\s+for\b|\bexpan(?:d|sion)\b|\bfull\s+(?:name|form|title)\b|\bname\b.*\bstand\b|"
                             r"\bwhat\s+(?:does|do|is|are)\s+(?:the\s+)?[\"'‘“]?[A-Z][A-Za-z]*[A-Z][\"'’”]?\s*(?:mean|\?)", re.I)
_ACRONYM = re.compile(r"(?<![\w-])([A-Z][A-Za-z]?[A-Z](?:[A-Z0-9]{0,6}|[A-Za-z0-9]{0,5}[A-Z0-9])s?)(?![\w-])")


def asked_acronyms(question: str) -> list[str]:
    """The abbreviations a question asks to have spelled out ("what does RPA stand for?",
    "what do the letters of 'FAIR' stand for?"); empty when it asks no such thing."""
    if not _ASKS_EXPANSION.search(question):
        return []
    return [a.rstrip("s") if a.endswith("s") and a[:-1].isupper() else a for a in _ACRONYM.findall(question)]


def spelled_out(text: str, acronyms: Sequence[str]) -> set[str]:
    """The long forms ``text`` gives of the abbreviations asked about, written alike: two
    sentences spelling out one abbreviation the same way state one fact."""
    return {" ".join(re.findall(r"\w+", e.lower())) for a in acronyms if (e := expansion_in(a, text))}


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
# A number of things ("three stages", "the 6 initial core components"): the count, up to a few
# words, then a plural noun. A question asking for a list of that size and a lead-in announcing
# one are read with it.
_A_COUNT = r"\b(\d{1,2}|" + "|".join(_COUNTS) + r")\s+(?:[\w-]+\s+){0,%d}?([a-z]+s)\b"
_LIST_QUESTION = re.compile(r"\b(?:which|what|name|list)\b.*?" + _A_COUNT % 3, re.I)
_ANNOUNCED = re.compile(_A_COUNT % 2, re.I)


def _count_and_noun(m: re.Match | None) -> tuple[int, str] | None:
    """(count, plural noun) of a match of ``_A_COUNT``; None for no match or a count outside the
    2 to 12 a list holds."""
    if not m:
        return None
    n = m.group(1).lower()
    count = int(n) if n.isdigit() else _COUNTS[n]
    return (count, m.group(2).lower()) if 2 <= count <= 12 else None


def asked_list(question: str) -> tuple[int, str] | None:
    """(how many, of what) for a question asking for a list of a stated size ("which four areas
    …", "what are the three stages …"); None otherwise."""
    return _count_and_noun(_LIST_QUESTION.search(question))


# "Which items …", "what kinds of risk …", "what common errors …": a list asked for
# without its size, by the plural noun its items are (not "what does …", "which is …").
_UNCOUNTED_LIST = re.compile(r"^\W*(?:which|what)\s+(?:(?:kinds?|types?|sorts?)\s+of\s+)?(?:[a-z][\w-]*[^\Ws]\s+){0,4}?"
                             r"([a-z]{3,}s)(?=\s+(?:does|do|did|is|are|were|was|should|must|may|might|can|could|will|"
                             r"would|have|has|had|of|for|from|in|on|to|that|which|listed|named|given)\b)", re.I)
_NOT_NOUNS = {"does", "was", "has", "this", "its", "his", "hers", "yours", "ours", "theirs", "across", "always",
              "perhaps", "thus", "plus", "less", "unless", "whereas", "status", "process", "access", "business",
              "progress", "success", "analysis", "basis", "address", "bus", "gas", "census", "consensus"}


def asked_items(question: str) -> str | None:
    """The plural noun a question asks for a list of without saying how many ("which items
    does the chapter suggest …" -> "items"); None when it asks for no such list."""
    asked = re.sub(r"^\W*(?:when|after|once|if)\b[^?]*?,\s*", "", main_clause(question), count=1, flags=re.I)
    m = _UNCOUNTED_LIST.search(asked)
    if m is None or asked_list(question) is not None or asked_acronyms(question):
        return None
    noun = m.group(1).lower()
    return None if noun in _NOT_NOUNS or noun.endswith("ss") else noun


# Several things named in a row: "dated, signed and kept on file.", "(e.g. a hearing aid, a guide dog)",
# "… include: a …; a …; a …". The items after the first run to at most five words each, and the
# last ends a clause: "…, several staff and patient groups took part in …" names one thing.
_NAMES_SEVERAL = re.compile(r"[,;]\s*(?:[^\s,;:.]+\s+){0,4}?[^\s,;:.]+,?\s+(?:and|or)\s+(?:[^\s,;:.()]+\s+){0,4}?"
                            r"[^\s,;:.()]+\s*(?:[.,;:)]|$)|;[^;]+;|"
                            r"(?:\be\.g\.|\bsuch as\b|\bincludes?:|\bincluding\b)[^.]*,", re.I)


def names_several(text: str) -> bool:
    """Whether a sentence lists things within itself ("The form must be dated, signed and kept on
    file."), as a list would line by line."""
    return _NAMES_SEVERAL.search(text) is not None


def introduces(text: str, noun: str) -> bool:
    """Whether a line introducing a list names what its items are ("Items to check include:" for
    "items", "Their risks may be:" for "risks")."""
    return re.search(rf"\b{_stem(noun)}", text, re.I) is not None


def states_count(text: str, count: int, noun: str) -> bool:
    """Whether ``text`` announces ``count`` of ``noun`` ("has three stages", "6 components",
    "four areas")."""
    words = [w for w, c in _COUNTS.items() if c == count] + [str(count)]
    return any(re.search(rf"\b{w}\s+(?:[\w-]+\s+){{0,2}}{_stem(noun)}", text, re.I) for w in words)


def announcing_lead_in(cands: Sequence[Candidate], listed: tuple[int, str] | str,
                       reach: float = WEIGHTS.announced_list_reach) -> int | None:
    """The best line introducing a list that announces the count and kind of item the question
    asks for ("what are the three strands …?": "The three strands are:"), or, asked for a list
    without its size (``listed`` the plural noun: "which hazards …?"), a line introducing that kind
    of item ("Typical hazards include:"), when it scores within ``reach`` of the best sentence:
    the list is the answer, even when a sentence about its subject outscores the line that
    introduces it."""
    if not cands:
        return None
    best = max(c.score for c in cands)
    found = [i for i, c in enumerate(cands) if c.kind == "lead-in" and c.score >= best - reach
             and (states_count(c.text, *listed) if isinstance(listed, tuple) else introduces(c.text, listed))]
    return max(found, key=lambda i: cands[i].score, default=None)


def _stem(noun: str) -> str:
    """A pattern for ``noun`` in its other forms ("stages" -> "stag", matching "stage", "staged")."""
    return re.escape(noun[:max(4, len(noun) - 2)])


_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def announced_count(lead_in: str) -> int | None:
    """How many items a line introducing a list announces ("… has three stages:" → 3, "the 6
    components" → 6); None when it names no number."""
    found = _count_and_noun(_ANNOUNCED.search(lead_in))
    return found[0] if found else None


def _block(text: str, offset: int) -> int:
    """Which block (text between blank lines) of ``text`` the character at ``offset`` is in."""
    return len(_BLANK_LINE.findall(text, 0, offset))


def _list_end(picked: Sequence[Candidate], i: int) -> int:
    """Where the run of list items right after the lead-in ``picked[i]`` ends: the items, in
    their passage and each right after the one before, up to (not including) this index."""
    j = i + 1
    while j < len(picked) and picked[j].rank == picked[i].rank and picked[j].lead_end == picked[j - 1].end and \
            picked[j].kind in ("item", "short-item", "fragment"):
        j += 1
    return j


def _shown_rank(shown: list[ScoredPassage], passage: Passage) -> int:
    """Where ``passage`` stands in ``shown`` (the passages an answer cites), added at the end when
    it is not there yet."""
    rank = next((r for r, sp in enumerate(shown) if sp.passage.passage_id == passage.passage_id), None)
    if rank is None:
        shown.append(ScoredPassage(passage, 0.0))
        rank = len(shown) - 1
    return rank


def continue_lists(picked: list[Candidate], shown: list[ScoredPassage],
                   following: Callable[[Passage], Passage | None], *,
                   list_items: int = WEIGHTS.list_items) -> list[Candidate]:
    """A list cut off by the end of its passage, read on into the document's next passage.

    Passages end where the chunker's budget runs out, often inside a list: in the real documents
    about two lead-ins in five ("… has three stages:") have their items run to the end of the
    passage. When a chosen lead-in's items run to its passage's end, the next passage of the same
    document (``following``) supplies the rest, read as if the lead-in stood before it: as many
    blocks (text between blank lines) as the lead-in announces and its passage lacks, or, when it
    names no number, the list items that open the next passage (at most ``list_items`` in all).
    Each sentence is quoted and cited to that passage, which joins ``shown`` (the passages the
    answer cites) when not already there."""
    def read(out: list[Candidate], i: int) -> tuple[list[Candidate], int]:
        c = out[i]
        j = _list_end(out, i)
        passage = shown[c.rank].passage
        want = announced_count(c.text)
        have = len({_block(passage.text, x.start) for x in out[i + 1:j]})
        if (want is not None and have >= want) or j - i - 1 >= list_items or passage.text[out[j - 1].end:].strip():
            return out, j
        nxt = following(passage)
        if nxt is None or nxt.doc_id != passage.doc_id:
            return out, j
        # Windows of one long paragraph overlap: read on from where the lead-in's passage ended.
        more = _read_on(c.text, nxt, max(0, passage.char_end - nxt.char_start))
        if not more:
            return out, j
        rank = _shown_rank(shown, nxt)
        first = _block(nxt.text, more[0].start)
        taken = {(x.rank, x.start) for x in out}
        add: list[Candidate] = []
        for m in more:
            if _SECTION_HEADING.match(m.text):
                break  # "8e.3.2 General clinical codes": the next section begins, the list has ended
            if want is not None:
                if _block(nxt.text, m.start) - first >= want - have:
                    break
            elif m.kind not in ("item", "short-item", "fragment") or j - i - 1 + len(add) >= list_items or \
                    (add and m.lead_end != add[-1].end):
                break
            m.rank = rank
            if (m.rank, m.start) not in taken and not any(says_again(m.text, x.text) for x in out):
                add.append(m)
        return [*out[:j], *add, *out[j:]], j + len(add)

    return _each_lead_in(picked, read)


def _each_lead_in(picked: list[Candidate],
                  read: Callable[[list[Candidate], int], tuple[list[Candidate], int]]) -> list[Candidate]:
    """``read`` the list of each chosen lead-in in turn, in the answer's order: it gets the answer
    and the lead-in's index, and returns the answer with that list read and the index to go on
    from."""
    out = list(picked)
    i = 0
    while i < len(out):
        if out[i].kind == "lead-in":
            out, i = read(out, i)
        else:
            i += 1
    return out


# A numbered list's item label at the start of a line: "3.", "3)", "(3)", "c.", "c)" or "(c)".
_ITEM_LABEL = re.compile(r"(?m)^[ \t]*(\(?)(\d{1,2}|[a-z])([.)])[ \t]+(?=\S)")
# A line where a new part of the document begins: a numbered section's heading or a Markdown one.
_PART_BEGINS = re.compile(r"(?m)^(?:\d+[a-z]?(?:\.\d+)+\.?[ \t]+[A-Z][^.!?\n]*|#{1,6}[ \t]+\S.*)$")


def _label_after(label: str) -> str:
    """The label of the item after ``label`` ("3" → "4", "c" → "d")."""
    return str(int(label) + 1) if label.isdigit() else chr(ord(label) + 1)


def _find_label(text: str, start: int, form: tuple[str, str, str]) -> re.Match | None:
    """Where the item labelled ``form`` (opening bracket, label, closing mark) begins a line of
    ``text`` from ``start`` on, before any new part of the document; None if it does not."""
    ends = _PART_BEGINS.search(text, start)
    stop = ends.start() if ends else len(text)
    return next((m for m in _ITEM_LABEL.finditer(text, start, stop) if m.groups() == form), None)


def numbered_lists(picked: list[Candidate], shown: list[ScoredPassage],
                   following: Callable[[Passage], Passage | None], *,
                   list_items: int = WEIGHTS.list_items, passages: int = WEIGHTS.list_passages) -> list[Candidate]:
    """A numbered list read on by its numbers.

    A list whose items are numbered paragraphs ("… in four areas:" then "1. Staffing …",
    "2. Training …") often gives an item a paragraph of several sentences, with other paragraphs
    between items, and runs on into the next passages; its blocks and its bullet marks then say
    nothing of where its items are, but its numbers do. When a chosen lead-in's list opens with
    item 1 (or a), the paragraph that opens with the next number is its next item, in the rest
    of that passage or in the document's next ones (at most ``passages`` further), up to a new
    section's heading; each item's first sentence is quoted, cited to its passage (which joins
    ``shown`` when not already there), until the number the lead-in announces, ``list_items``
    in all, or a number that does not follow."""
    def read(out: list[Candidate], i: int) -> tuple[list[Candidate], int]:
        c = out[i]
        want = min(announced_count(c.text) or list_items, list_items)
        found = _numbered_items(shown[c.rank].passage, c.end, following, want, passages)
        if len(found) < 2:
            return out, i + 1
        # The items in the order of their numbers, each with what was already chosen from its
        # paragraph ("1. Who do you see each week?" then "Think about family …"), in the document's order; an
        # item already chosen elsewhere in the answer is moved into its place (quoted once).
        last = (found[-1][0].doc_id, found[-1][0].char_start + found[-1][1])
        j = i + 1
        while j < len(out) and _where(out[j], shown)[0] == last[0] and _where(c, shown) < _where(out[j], shown) <= last:
            j += 1
        items: list[Candidate] = []
        for p, label, label_end in found:
            item = next(iter(_read_on(c.text, p, label)), None)
            if item is None or item.start > label_end:
                break  # the numbered line reads as no sentence: the list is not followed further
            spot = (p.doc_id, p.char_start + item.start)
            held = next((x for x in out if _where(x, shown)[0] == spot[0]
                         and _where(x, shown)[1] <= spot[1] < _where(x, shown)[1] + max(x.end - x.start, 1)), None)
            if held is None:
                item.rank = _shown_rank(shown, p)
                items.append(item)
            elif out.index(held) >= j:
                items.append(held)
        moved = {id(x) for x in items}
        run = sorted([*out[i + 1:j], *items], key=lambda x: _where(x, shown))
        return [*out[:i + 1], *run, *(x for x in out[j:] if id(x) not in moved)], i + 1 + len(run)

    return _each_lead_in(picked, read)


def _where(c: Candidate, shown: Sequence[ScoredPassage]) -> tuple[str, int]:
    """Where a chosen sentence stands in its document: the document and the offset in its text
    (passages of one document overlap, so offsets in passages cannot be compared)."""
    p = shown[c.rank].passage
    return p.doc_id, p.char_start + c.start


def _numbered_items(passage: Passage, pos: int, following: Callable[[Passage], Passage | None],
                    want: int, passages: int) -> list[tuple[Passage, int, int]]:
    """Where the items of a numbered list introduced by a lead-in ending at ``pos`` of ``passage``
    begin and where their labels end, in their passages: item 1 (or a) right after the lead-in,
    then each next number up to ``want`` items, at most ``passages`` passages on; empty when the
    lead-in's list is not numbered from its first item."""
    further = 0
    if not passage.text[pos:].strip() and (nxt := following(passage)) is not None and nxt.doc_id == passage.doc_id:
        # The lead-in ends its passage: its list opens the next one.
        pos, passage, further = max(0, passage.char_end - nxt.char_start), nxt, 1
    first = _ITEM_LABEL.match(passage.text, pos + len(passage.text[pos:]) - len(passage.text[pos:].lstrip()))
    if first is None or first.group(2) not in ("1", "a"):
        return []
    form = first.groups()
    found = [(passage, first.start(), first.end())]
    pos = first.end()
    while len(found) < want:
        form = (form[0], _label_after(form[1]), form[2])
        m = _find_label(passage.text, pos, form)
        while m is None and further < passages:
            nxt = following(passage)
            if nxt is None or nxt.doc_id != passage.doc_id or _PART_BEGINS.search(passage.text, pos):
                break
            passage, pos, further = nxt, max(0, passage.char_end - nxt.char_start), further + 1
            m = _find_label(passage.text, pos, form)
        if m is None:
            break
        found.append((passage, m.start(), m.end()))
        pos = m.end()
    return found


# How a sentence may end: a full stop, a question or exclamation mark, a colon or semicolon, or
# closing quotation marks or brackets.
_ENDED = re.compile(r"[.!?:;…)\]\"'’”]\s*$")
# How a sentence's rest opens in the next passage: in lower case ("… asked to" then "• continue
# developing …"), or with a figure that is not a numbered item's label ("… such as ISO" then "9001
# or ISO 29119 …"). A capital or "2." opens something new.
_GOES_ON = re.compile(r"^\W*(?:[a-z]|\d[\d,]*(?![.)]\s)(?!\d))")


def finish_cut_sentences(picked: list[Candidate], shown: list[ScoredPassage],
                         following: Callable[[Passage], Passage | None], *,
                         list_items: int = WEIGHTS.list_items) -> list[Candidate]:
    """A chosen sentence cut off by the end of its passage, finished from the document's next one.

    Passages end where the chunker's budget or a page runs out, sometimes inside a sentence ("…
    accreditation to a testing standard such as ISO" | "9001 or ISO 29119 …"); quoted alone, the
    sentence stops before what it was saying. When a chosen sentence (not a list's lead-in:
    ``continue_lists`` reads those on) ends its passage without ending itself, and the next
    passage of the same document goes on from it (lower case, or a figure), the words that finish
    it come after it: that passage's first sentence, or, when the rest is a run of list items
    ("… will be asked to" then "• continue …"), those items (at most ``list_items``). Each is
    quoted and cited to the next passage, which joins ``shown`` when not already there."""
    out = list(picked)
    i = 0
    while i < len(out):
        c = out[i]
        passage = shown[c.rank].passage
        if c.kind == "lead-in" or passage.text[c.end:].strip() or _ENDED.search(c.text):
            i += 1
            continue
        nxt = following(passage)
        if nxt is None or nxt.doc_id != passage.doc_id:
            i += 1
            continue
        start = max(0, passage.char_end - nxt.char_start)  # windows of one paragraph overlap
        more = _read_on(c.text, nxt, start)
        if not more or re.search(r"\w", nxt.text[start:more[0].start]) or not _GOES_ON.match(more[0].text):
            i += 1
            continue
        rest = [more[0]]
        if more[0].kind in ("item", "short-item", "fragment"):
            for m in more[1:list_items]:
                if m.kind not in ("item", "short-item", "fragment") or m.lead_end != rest[-1].end:
                    break
                rest.append(m)
        rank = _shown_rank(shown, nxt)
        taken = {(x.rank, x.start) for x in out}
        add = []
        for m in rest:
            m.rank = rank
            if (m.rank, m.start) not in taken:
                add.append(m)
        out[i + 1:i + 1] = add
        i += 1 + len(add)
    return out


def without_dangling_lead_ins(picked: list[Candidate], shown: list[ScoredPassage]) -> list[Candidate]:
    """The answer without the lines that announce a list it does not give: a lead-in ending in a
    colon ("All practices are expected to:", "The main findings are:") that no sentence
    from further on in its document follows promises what the answer then leaves out. The
    answer's first sentence stays, whatever it is: it is the best the documents have."""
    out = []
    for n, c in enumerate(picked):
        nxt = picked[n + 1] if n + 1 < len(picked) else None
        if n and c.kind == "lead-in" and c.text.rstrip().endswith(":") and (
                nxt is None or _where(nxt, shown)[0] != _where(c, shown)[0] or _where(nxt, shown) <= _where(c, shown)):
            continue
        out.append(c)
    return out


def whole_lists(picked: list[Candidate], shown: list[ScoredPassage]) -> list[Candidate]:
    """A chosen lead-in and the items that follow it in its passage, quoted as one span: "… has
    three stages:" with the stages is one statement, cited once, not four. Items read on from
    the next passage (``continue_lists``) stay quotes of their own, cited to that passage."""
    out: list[Candidate] = []
    i = 0
    while i < len(picked):
        c = picked[i]
        j = _list_end(picked, i) if c.kind == "lead-in" else i + 1
        if j > i + 1:
            end = picked[j - 1].end
            c = replace(c, end=end, text=shown[c.rank].passage.text[c.start:end])
        out.append(c)
        i = j
    return out


# A numbered section's heading: "8e.3.2 General clinical codes", "4.2 Keeping records safe".
_SECTION_HEADING = re.compile(r"^\d+[a-z]?(?:\.\d+)+\.?\s+[A-Z][^.!?]*$")


def _read_on(lead_in: str, nxt: Passage, start: int) -> list[Candidate]:
    """The candidate sentences and items of ``nxt`` from offset ``start`` on, read after
    ``lead_in`` (so that one-word items are read as a list's items), with offsets in ``nxt.text``."""
    prefix = f"{lead_in}\n\n"
    text = prefix + nxt.text[start:]
    shift = len(prefix) - start
    out = []
    for m in candidates([ScoredPassage(replace(nxt, text=text, char_end=nxt.char_start + len(text)), 0.0)]):
        if m.start < len(prefix):
            continue  # the lead-in itself
        m.start, m.end = m.start - shift, m.end - shift
        m.lead_end = m.lead_end - shift if m.lead_end >= shift else -1
        out.append(m)
    return out


@lru_cache(maxsize=256)
def _naming_title(question: str, title: str) -> frozenset[str]:
    """The words ``question`` says only where it names the document titled ``title``: in runs of
    two or more of the title's words ("… of the Regional Staffing survey"); a title word it also
    says elsewhere ("… for ward staffing" in "the Regional Staffing survey")
    is not only the title's. Read once per question and title, not once per table row."""
    own = set(tokenize(title))
    words = tokenize(question)
    inside, outside = set(), set()
    n = 0
    while n < len(words):
        end = n
        while end < len(words) and words[end] in own:
            end += 1
        if end - n >= 2:
            inside.update(words[n:end])
            n = end
        else:
            outside.add(words[n])
            n += 1
    return frozenset(inside - outside)


def _folded(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def quoted_terms(question: str) -> list[str]:
    """The words a question puts in quotation marks ('coded information', 'FAIR'); a term of one
    letter or none is left out."""
    return [q for q in quotations(question, keep_case=True) if len(_folded(q)) > 1]


# A question asking what a term means: "how does the standard define …", "… its definitions, what
# is …", "what does the term … mean", "how does the charter describe …".
_ASKS_MEANING = re.compile(r"\b(?:defin(?:e|es|ed|ition|itions)|mean(?:s|t|ing)?|describes?|described|"
                           r"what\s+(?:is|are|was|were))\b", re.I)
# "How does the glossary define inter-operability?", "… define the term 'carer' …": what follows
# "define", up to the end of the question or a clause setting where ("… in its glossary").
_DEFINE = re.compile(r"\bdefines?\s+(?:the\s+term\s+|an?\s+|the\s+)?([\w'’-]+(?:\s+[\w'’-]+){0,3}?)\s*"
                     r"(?=\?|,|\s+(?:in|as|within|under|for|when|on)\b|$)", re.I)
# A sentence saying what a term it names stands for: "… it refers to …", "… means …".
_DEFINING = re.compile(r"\b(?:refers? to|means|is defined as|is taken to mean|is used to mean)\b", re.I)


def defined_term(question: str) -> str | None:
    """The term whose meaning a question asks: the one it quotes, else the words after "define"
    ("How does the glossary define inter-operability?" -> "inter-operability"); None for a
    question asking no meaning, or what an abbreviation stands for (a spelling-out answers that)."""
    if not _ASKS_MEANING.search(question) or asked_acronyms(main_clause(question)):
        return None
    terms = quoted_terms(question)
    if terms:
        return terms[0]
    m = _DEFINE.search(question)
    return m.group(1) if m else None


def defines(text: str, term: str) -> bool:
    """Whether ``text`` is the entry defining ``term``: it opens with the term and a separator
    ("Inter-operability | The facility to …", "Record: A set of …"), or names the term and says
    what it refers to or means ("Wherever 'carer' is used here, it refers to …"). Hyphens, case
    and quotation marks aside."""
    words = re.findall(r"[a-z0-9]+", term.lower())
    if not words:
        return False
    term_rx = r"[\W_]*".join(map(re.escape, words))
    if re.match(rf"^\W*{term_rx}[\W_]*?(?:\||:|–|—|\s-\s|\s+(?:is|are|means)\b)", text, re.I):
        return True
    named = re.search(rf"(?<![\w-]){term_rx}(?![\w-])", text, re.I)
    return bool(named and _DEFINING.search(text, named.end()))


def names_itself(text: str | set[str], heading: str, most: int = WEIGHTS.own_name_words) -> bool:
    """Whether ``text`` (or its tokens), read under ``heading``, describes the entry by its own
    name: it adds at most ``most`` words of its own to the heading's ("Details of the person's
    hobbies." under "Hobbies"; "The person's shoe size." under "Shoe size"). Data standards give
    many entries such a line; it says what the entry is called, not what it holds."""
    words = set(tokenize(text)) if isinstance(text, str) else text
    own = _heading_tokens(heading)
    return len(words) <= most + len(own) and len(words - own) <= most


@lru_cache(maxsize=4096)
def _heading_tokens(heading: str) -> frozenset[str]:
    """A heading's tokens: one heading stands over many sentences, and is read for each."""
    return frozenset(tokenize(heading))


def uses_terms(text: str, terms: Sequence[str]) -> bool:
    """Whether ``text`` holds one of ``terms`` as whole words: whatever their case, hyphens and
    quotation marks, except that a term in capitals (an abbreviation, 'FAIR') must be in
    capitals, not the ordinary word."""
    folded = f" {_folded(text)} "
    return any(re.search(rf"(?<!\w){re.escape(t)}(?!\w)", text) if t.isupper() else f" {_folded(t)} " in folded
               for t in terms)


def _word_share(q_tokens: set[str], idf=None):
    """How much of the question's words a sentence holds: the share of them, blended (by
    ``WEIGHTS.rare_words``) with the share of their weight when each word weighs its IDF, so
    that the one sentence naming the question's rare word ("NIHR") outweighs those repeating its
    common ones ("report", "name")."""
    n = len(q_tokens)
    weight = dict(zip(q_tokens, idf(list(q_tokens)))) if idf is not None and n else {}
    total = sum(weight.values())
    rare = WEIGHTS.rare_words if total > 0 else 0.0

    def share(tokens: set[str]) -> float:
        if not n:
            return 0.0
        hit = q_tokens & tokens
        plain = len(hit) / n
        return plain + rare * (sum(weight[t] for t in hit) / total - plain) if rare else plain

    return share


def score_candidates(question: str, cands: list[Candidate], embedder, *, n_passages: int,
                     boost_ranks: set[int] | None = None, scorer: str = "features", idf=None) -> np.ndarray:
    """Score each sentence: meaning (embedding cosine), the question's words it shares, the rank
    of its passage, and whether it holds what the question asks for (a date, number or name).
    With ``scorer="learned"`` each sentence's learned logit is kept too (``Candidate.learned``),
    for ``reorder`` once the question is judged answerable; the scores stay the hand scores."""
    if not cands:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    # A line introducing a list holds what its items hold: "We will work closely with the following
    # partners …:" answers "which organisations …" through the names that follow it.
    after = {(c.rank, c.lead_end): c for c in cands}
    for c in cands:
        if c.kind == "lead-in":
            items, k = [], c
            while len(items) < WEIGHTS.list_items and (k := after.get((k.rank, k.end))) is not None \
                    and k.kind in ("item", "short-item", "fragment"):
                items.append(k.text)
            c.items = " ".join(items)
    leaning = [c for c in cands if c.context]
    listing = [c for c in cands if c.kind == "lead-in" and c.items]
    vecs = embedder.encode_cached([question] + [c.text for c in cands] + [c.in_context for c in leaning] +
                                  [f"{c.text} {c.items}" for c in listing])
    q, sv = vecs[0], vecs[1:len(cands) + 1]
    in_context = {id(c): v for c, v in zip(leaning, vecs[len(cands) + 1:len(cands) + 1 + len(leaning)])}
    with_items = {id(c): v for c, v in zip(listing, vecs[len(cands) + 1 + len(leaning):])}
    abbr = abbreviations([c.text for c in cands])
    q_tokens = _expand(set(tokenize(question)), abbr)
    share = _word_share(q_tokens, idf)
    # What is asked for is read past a clause scoping the question to a document ("According to
    # the case study, which bodies …"); the judge of whether it is answered reads the whole.
    want = expected_type(main_clause(question))
    given = given_values(question)
    # "How many unique organisations …": a figure answers only as a count of them ("90 unique
    # organisations were represented"), not as a count of something else ("17,000+ members").
    counted = counted_thing(question) if want == "number" else []
    duration = asks_for_duration(question)
    day = asks_for_day(question)
    acronyms = asked_acronyms(main_clause(question))
    listed = asked_list(question)
    uncounted = asked_items(question)
    terms = quoted_terms(question)
    folded_terms = {_folded(t) for t in terms}
    meaning_of = defined_term(question)
    invited = invitations(question)
    asks_code = bool(_ASKS_CODE.search(question))
    # Dates and figures the question names ("in December 2021") should be in the sentence too.
    labels = named_labels(question)
    anchors = [a.lower() for a in re.findall(rf"{MONTHS}\s+\d{{4}}|\b\d[\d,.]*%?", question)]
    # What the question itself states before asking ("The guidance says the flag will help
    # analyse data for some groups. Which groups?") is given: a sentence saying only that again
    # tells the asker nothing they did not say.
    statement = _URL.sub(" ", statement_before(question))
    stated_figures = figures(statement)
    # Which row of a table the question asks about is said by the row's own label cells: a row
    # holding only some of the question's words that another row of its table holds there is
    # another row.
    # Words the question says only in naming a row's document ("… in Table 5 of the Regional
    # Staffing survey …") name that document, not one of its rows ("Regional office").
    in_rows = row_words(question)
    row_hits = {id(c): (row_heads(c.text), found) for c in cands if c.kind == "row"
                and (found := row_label_words(c.text, [w for w in in_rows if w not in
                                                       _naming_title(question, c.title)])) is not None}
    for c in cands:
        if id(c) in row_hits:
            c.row_named = frozenset(row_hits[id(c)][1])
    other_rows = {key for key, (heads, found) in row_hits.items()
                  if any(found < more for table, more in row_hits.values() if table == heads)}
    # A row the question names by its whole label ("… did day-case admissions grow …") is the row
    # asked about: another row of its table matching the question through one of that label's
    # words ("o/w first admissions") is not; one matching through other words is named apart.
    whole = {id(c) for c in cands if id(c) in row_hits and row_named_whole(c.text, question)}
    named: dict[tuple[str, ...], set[str]] = {}
    for key in whole:
        heads, found = row_hits[key]
        named.setdefault(heads, set()).update(found)
    other_rows |= {key for key, (heads, found) in row_hits.items()
                   if key not in whole and found & named.get(heads, set())}
    # The name a question gives its document ("… reported by the Widget Observatory's annual
    # survey?", "… the Gadget Board's guidelines for 2031/32?") is said by every sentence of that
    # document: it scopes the question, and the sentence stating the fact seldom repeats it. The
    # question names the document when it holds most of its title's words; otherwise only the
    # proper names it shares with the title count: a title sharing a few of the question's plain
    # words ("… secondary care trusts …") says nothing about which of its sentences answers.
    names = set(named_in(question))
    titled = {t: named_title_words(q_tokens, t) or set(tokenize(t)) & q_tokens & names for t in {c.title for c in cands}}
    rows: list[list[float]] = []
    by_end = {(c.rank, c.end): c for c in cands}
    for c, v in zip(cands, sv):
        c.cos = float(v @ q)
        # Words of the question a sentence writes by their initials ("… must the ADRT be …",
        # asked about an advance decision to refuse treatment) are words it shares, whether or
        # not the passages spell the initials out.
        own_tokens = set(tokenize(c.text))
        s_tokens = _expand(own_tokens, abbr) | initials_held(question, c.text)
        c.lex = share(s_tokens | titled[c.title])
        if id(c) in with_items:
            # A line introducing a list means what it and its items say together.
            c.cos += WEIGHTS.context * max(float(with_items[id(c)] @ q) - c.cos, 0.0)
        if c.context:
            # A sentence that leans on its lead is judged with it: "That was up from 41% in
            # December 2021." answers a question about care records only through the sentence
            # before it. Most, not all, of what the lead adds counts, so that a sentence saying
            # nothing to the question itself ("It was chaired by …") does not ride on its lead.
            c.cos += WEIGHTS.context * max(float(in_context[id(c)] @ q) - c.cos, 0.0)
            ctx_tokens = s_tokens | titled[c.title] | _expand(set(tokenize(c.context)), abbr)
            with_context = share(ctx_tokens)
            c.lex += WEIGHTS.context * (with_context - c.lex)
        elif c.lead_end >= 0 and (lead := by_end.get((c.rank, c.lead_end))) is not None \
                and refers_to(c.text, lead.text):
            # "NHS ABC commissioned this project." after the sentence saying what the project
            # was: it shares its lead's words as a leaning sentence does (its meaning is not
            # read again with the lead: it names its own subject, only through "this project").
            ctx_tokens = s_tokens | titled[c.title] | _expand(set(tokenize(lead.text)), abbr)
            c.lex += WEIGHTS.context * (share(ctx_tokens) - c.lex)
        prior = 1.0 - c.rank / max(n_passages, 1)
        typed = bool(want) and holds_type(f"{c.text} {c.items}", want, given) and \
            (not counted or counts(c.in_context, counted))
        span = duration and bool(DURATION.search(c.text))
        anchored = bool(anchors) and all(a in c.in_context.lower() for a in anchors)
        boosted = bool(boost_ranks) and c.rank in boost_ranks
        # A front-matter line ("Prepared by: Rhod Joyce, Head of …") is capitalised like a run of
        # headings, but is the document's record of itself, not furniture — except that the list
        # of who made the document answers nothing but who made it.
        author = names_its_author(question, c)
        furniture = boilerplate(c.text, invited, names_asked=want == "name") if c.kind != "field" else \
            bool(_AUTHOR_FIELD.match(c.text)) and not author
        # A line with no word the question lacks ("NHS England | National engagement on data",
        # asked who leads that engagement) is a running title, not an answer.
        if c.kind == "fragment" and s_tokens and s_tokens <= q_tokens:
            furniture = True
        # A terminology code answers only a question about codes; elsewhere it is a data line.
        if c.kind == "code" and not asks_code:
            furniture = True
        # (A line introducing a list says it again to bring in its items, which are the answer.)
        restating = bool(statement) and c.kind != "lead-in" and figures(c.text) <= stated_figures and \
            says_again(_URL.sub(" ", c.text), statement, near=WEIGHTS.given_statement)
        c.furniture = furniture
        expands = bool(acronyms) and any(expansion_in(a, c.text) for a in acronyms)
        leads = (bool(listed) and states_count(c.text, *listed)) or \
            (bool(uncounted) and c.kind == "lead-in" and introduces(c.text, uncounted)) or \
            (bool(listed or uncounted) and c.leans and bool(_NAMES_THEM.match(c.text))
             and introduces(c.context, listed[1] if listed else uncounted))
        uses_term = bool(terms) and uses_terms(c.text, terms)
        # Asked what a quoted term is, the sentences of the section headed by that term itself
        # ("'Record'": the entry headed "Record" in a data dictionary or a glossary) say it.
        headed = not want and bool(c.heading) and _folded(c.heading) in folded_terms
        if headed and uses_term and names_itself(own_tokens, c.heading):
            # "Details of the person's hobbies." under "Hobbies" says what the entry is called,
            # not what it is: another entry under that heading ("Pastimes a person takes up …")
            # describes it.
            headed = uses_term = False
        c.score = WEIGHTS.cosine * c.cos + WEIGHTS.lexical * c.lex + WEIGHTS.rank_prior * prior
        if duration:
            # A stated span answers "how many days …" outright; a single date is half the answer.
            c.score += (WEIGHTS.duration_span if span else WEIGHTS.duration_one_date if typed else 0.0)
        elif typed:
            c.score += WEIGHTS.answer_type
            if day and DAY.search(c.text):
                c.score += WEIGHTS.day_date  # "on what date …": "31 July" over "July and August 2020"
        if anchored:
            c.score += WEIGHTS.anchors
        if boosted:
            c.score += WEIGHTS.commitment_evidence
        if furniture:
            c.score -= WEIGHTS.boilerplate
        if restating:
            c.score -= WEIGHTS.given_penalty
        if c.heading and c.kind == "sentence" and \
                names_itself(own_tokens, c.heading, most=WEIGHTS.heading_again_words) and \
                _folded(c.text) != _folded(c.heading):
            # "This is the hobbies record entry." under "Hobbies record entry" says again what
            # its heading says: it shares the question's words and states nothing.
            c.score -= WEIGHTS.heading_again
        asks_itself = c.text.rstrip(" \"'”’)").endswith("?")
        if asks_itself:
            # A question the document asks (a heading, an FAQ's question, a figure's title "What
            # is required for …?") states nothing; it names a topic the lines after it answer.
            c.score -= WEIGHTS.question_line
        if c.kind == "short-item":
            c.score -= WEIGHTS.short_item  # read only with the line that introduces its list
        # A title answers only who, by a name it holds that the question does not ("Figure 2 Network
        # Costs" names nothing asked about network costs).
        if c.kind == "title" and not (want == "name" and typed and any(set(tokenize(m.group(0))) - q_tokens
                                                                     for m in NAME.finditer(c.text))):
            c.score -= WEIGHTS.short_item
        if expands:
            c.score += WEIGHTS.expansion
        if leads:
            c.score += WEIGHTS.list_lead_in
        if uses_term:
            c.score += WEIGHTS.quoted_term
        if headed:
            c.score += WEIGHTS.headed_term
        defining = bool(meaning_of) and defines(c.text, meaning_of)
        if defining:
            c.score += WEIGHTS.definition
        if author:
            c.score += WEIGHTS.authorship_field
        labelled = bool(labels) and any(lab.search(c.in_context) for lab in labels)
        if labelled:
            c.score += WEIGHTS.named_label
        if id(c) in other_rows:
            c.score -= WEIGHTS.other_row
        c.hand = c.score
        # In sentence_scorer.FEATURES order; the three gaps are filled in once every score is known.
        rows.append([c.cos, c.lex, prior, float(c.rank == 0), 0.0, 0.0, c.cos * c.lex, float(typed),
                     float(bool(want)), float(span), float(anchored), float(boosted), float(furniture),
                     float(c.kind == "short-item"), float(expands), float(leads), float(c.leans),
                     float(c.kind == "item"), float(c.kind == "lead-in"), float(c.kind == "fragment"),
                     float(np.log1p(len(c.text.split()))), float(c.lead_end < 0), c.hand, 0.0,
                     float(c.kind == "row"), float(c.kind == "field"), float(c.kind == "title"), float(restating),
                     float(asks_itself), float(labelled), float(defining), float(id(c) in other_rows),
                     float(typed and want == "date"), float(typed and want in ("number", "money")),
                     float(typed and want == "name"),
                     float(np.log1p(sum(1 for m in NAME.finditer(c.text) if set(tokenize(m.group(0))) - q_tokens))),
                     float(np.log1p(len(figures(c.text))))])
    if listed or uncounted:
        # A list asked for is answered by a list. Where no line introducing one scores near the
        # best sentence, a sentence listing things within itself is the nearest the passages
        # come to one.
        top = max(c.score for c in cands)
        if not any(c.kind == "lead-in" and c.items and c.score >= top - WEIGHTS.announced_list_reach for c in cands):
            for c, row in zip(cands, rows):
                if c.kind not in _LIST_KINDS and not row[_LEADS] and names_several(c.text):
                    c.score += WEIGHTS.inline_list
                    c.hand = row[_HAND] = c.score
    x = np.asarray(rows, dtype=np.float64)
    for gap, of in _GAPS:
        x[:, gap] = x[:, of] - x[:, of].max()
    for c, row in zip(cands, x):
        c.features = row
    if scorer == "learned":
        for c, logit in zip(cands, sentence_scorer.shipped().logits(x)):
            c.learned = float(logit)
    elif scorer != "features":
        raise ValueError(f"unknown sentence scorer {scorer!r}; answering.sentence_scorer is 'learned' or 'features'")
    return sv


def reorder(cands: Sequence[Candidate], weight: float = WEIGHTS.learned) -> None:
    """Re-order a question's candidates by the learned scorer: rank them by score plus ``weight``
    times their learned logit, and give them the scores they had in that order (the best by the
    blend takes the best score, and so on). Which sentence leads changes; the scores an answer is
    built from do not, so how far below the best a sentence may be and still be quoted reads as
    before. (Adding the blend to the scores widened their spread, and answers quoted fewer
    sentences: on the real suite's dev split, 0.748 to 0.693 correct.)"""
    scores = sorted((c.score for c in cands), reverse=True)
    blend = [c.score + weight * c.learned for c in cands]
    for k, i in enumerate(sorted(range(len(cands)), key=lambda i: -blend[i])):
        cands[i].score = scores[k]


# The features read as how far a sentence falls below the question's best (sentence_scorer.FEATURES).
_GAPS = [(sentence_scorer.FEATURES.index(f"{name}_gap"), sentence_scorer.FEATURES.index(name))
         for name in ("cosine", "lexical", "hand")]
_URL = re.compile(r"\(?https?://\S+")
_LIST_KINDS = ("lead-in", "item", "short-item")
_LEADS, _HAND = sentence_scorer.FEATURES.index("list_lead_in"), sentence_scorer.FEATURES.index("hand")


def _capitalised(text: str) -> set[str]:
    """The capitalised words of ``text`` (names, initials, a title's words), in lower case."""
    return {w.lower() for w in re.findall(r"\b[A-Z][\w'’&-]*", text)}


def says_again(a: str, b: str, near: float = WEIGHTS.repeat_overlap) -> bool:
    """Whether sentence ``a`` says nothing that ``b`` has not said: most of its words (at least
    four) are words of ``b``. An answer states each fact once; a sentence that adds to one
    already chosen is kept, and so is one stating a figure that ``b`` does not ("… a surplus of
    around 300 by 2030" after "… a shortfall of around 800 by 2030": the same words, another fact)."""
    ta, tb = set(tokenize(a)), set(tokenize(b))
    return len(ta) >= 4 and len(ta & tb) / len(ta) >= near and not figures(a) - figures(b)


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
    plain = REFERENCE.sub(" ", _LABEL.sub(" ", text))
    return {f.rstrip(".,").replace(",", "") for f in _FIGURE.findall(plain)} - {""}


def restates(a: str, b: str, near: float = WEIGHTS.restated_words) -> bool:
    """Whether sentence ``a`` states again figures that ``b`` has stated, about the same thing:
    every figure of ``a`` is in ``b`` and at least ``near`` of its words (four or more) are
    words of ``b``, and it names no one that ``b`` does not. ("… with 132 different AI products
    used in diagnosis or screening …" twice, in two passages, worded a little differently.)"""
    fa = figures(a)
    if not fa or not fa <= figures(b):
        return False
    if {m.group(0) for m in NAME.finditer(a)} - {m.group(0) for m in NAME.finditer(b)}:
        return False  # it names someone the other does not ("… under its then Chair Jeremy Hunt")
    ta, tb = set(tokenize(a)), set(tokenize(b))
    return len(ta) >= 4 and len(ta & tb) / len(ta) >= near


def table_caption(row: str) -> str:
    """What every row of a table read as "Caption: cells" shares: the text before its first ": "
    (the whole row when it has none)."""
    return row.split(": ", 1)[0]


def another_row(row: Candidate, taken: Sequence[Candidate]) -> bool:
    """Whether ``row`` is a row of a table that ``taken`` already has a row of, naming none of
    the rows the question names that those do not: it repeats the table's caption and answers
    another row's question ("how many came from hospices": not the ambulance services' row)."""
    if row.row_named is None:
        return False
    same = [c.row_named for c in taken if c.row_named is not None
            and table_caption(c.text) == table_caption(row.text)]
    return bool(same) and not row.row_named - frozenset().union(*same)


def names_a_row_apart(row: Candidate, taken: Sequence[Candidate]) -> bool:
    """Whether ``row`` is a row of a table that ``taken`` already has a row of and names a row the
    question names that those do not ("… did nurse and porter numbers grow?": the Porter row,
    then the Nurse row): another fact, however alike the two rows read."""
    if not row.row_named:
        return False
    same = [c.row_named for c in taken if c.row_named is not None
            and table_caption(c.text) == table_caption(row.text)]
    return bool(same) and bool(row.row_named - frozenset().union(*same))


def _part_ranking(own: Sequence[Candidate]) -> list[int]:
    """A part's candidates, best first, without the short list items that never answer alone."""
    return [i for i in sorted(range(len(own)), key=lambda i: -own[i].score) if own[i].kind != "short-item"]


def part_bests(parts: Sequence[Sequence[Candidate]], near: float = WEIGHTS.part_second_best) -> list[int]:
    """For a question asking two things, the index of each part's best sentence (``parts``: the
    same candidates scored for each part), in the parts' order. When another part's best is this
    part's best too, its next best answers this part if it is no more than ``near`` below ("… a
    target of 2% for 2025/26" is the best sentence for the year's target and for how many years;
    "For the next 3 years …" answers the second); a part no sentence answers apart adds none."""
    out: list[int] = []
    picked: list[tuple[int, Sequence[Candidate]]] = []
    for own in parts:
        ranked = _part_ranking(own)
        # A part asking something else of the row another part's best is: the next row of its
        # table does not answer it.
        pick = next((i for i in ranked if i not in out and not another_row(own[i], [own[j] for j in out])), None)
        if pick is not None and pick != ranked[0] and own[pick].score < own[ranked[0]].score - near:
            pick = None
        if pick is not None:
            out.append(pick)
            picked.append((pick, own))
    # "… must now conform to dm+d." then "This change has been to support ETP …": the sentence
    # that goes on from a part's answer ("This …", "It …") often says what was asked of it; it
    # comes along, after that answer, when it answers the part nearly as well.
    for pick, own in picked:
        follow = next((i for i, c in enumerate(own) if c.leans and c.rank == own[pick].rank
                       and c.lead_end == own[pick].end), None)
        if follow is not None and follow not in out and own[follow].score >= own[pick].score - WEIGHTS.gap:
            out.insert(out.index(pick) + 1, follow)
    return out


def part_runners_up(parts: Sequence[Sequence[Candidate]], first: Sequence[int],
                    near: float = WEIGHTS.part_runner_up) -> list[int]:
    """For a question asking two things, each part's second best sentence when it is no more than
    ``near`` below that part's best and is not already some part's answer (``first``): a part's
    answer is often said over two sentences ("The fund was set up in 2019." then "It was given
    £120 million over five years."), or the best reads closer to the part's words than the one
    holding its fact. Taken after the parts' best ones, as any sentence, so it is left out when
    it says again what they say."""
    out: list[int] = []
    for own in parts:
        ranked = _part_ranking(own)
        if len(ranked) > 1 and own[ranked[1]].score >= own[ranked[0]].score - near and \
                ranked[1] not in first and ranked[1] not in out:
            out.append(ranked[1])
    return out


# Both read each chosen sentence again for every sentence weighed against it: kept once per text.
@lru_cache(maxsize=4096)
def _marks(text: str) -> frozenset[str]:
    """What tells one fact from another in a sentence: its figures, the capitalised words it
    names things by (in lower case), and its initials ("ABC")."""
    return frozenset(figures(text)) | {w.lower() for w in re.findall(r"(?<!^)(?<![.!?] )\b[A-Z][\w'’&-]*[a-z][\w'’&-]*", text.strip())} | \
        set(re.findall(r"\b[A-Z]{2,}[a-z]?\b", text)) | set(CAMEL_NAME.findall(text))


@lru_cache(maxsize=4096)
def _pairs(text: str) -> frozenset[tuple[str, str]]:
    """Each two words of ``text`` that stand together once common words are left out ("data
    architecture", "adverse reaction"): how a sentence says a thing in so many words."""
    words = tokenize(text)
    return frozenset(zip(words, words[1:]))


def adds_without_repeating(text: str, said: Sequence[str]) -> bool:
    """Whether sentence ``text`` names something (a figure, a name, initials) that the sentences
    already ``said`` do not, and says nothing that they do (no name, figure or two words together
    of theirs): a further fact, not the same one again."""
    own = _marks(text)
    before = set().union(*(_marks(t) for t in said)) if said else set()
    if not own - before or own & before:
        return False
    pairs = _pairs(text)
    return not any(pairs & _pairs(t) for t in said)


# A sentence saying what people were asked ("Respondents were asked …", "we asked members …"),
# and a share or count of them stated ("80%", "45 per cent", "12 of 30").
_REPORTS_ASKING = re.compile(r"\b(?:was|were|been|being)\s+asked\b|\b(?:asked|invited)\s+(?:respondents|participants|"
                             r"people|staff|members|them)\b", re.I)
_SHARE_STATED = re.compile(r"\d\s?%|\b\d+\s+per\s?cent\b|\b\d+\s+(?:of|out of)\s+\d+\b")
# A sentence naming the things the one before it counts: "These included …", "They are …".
_NAMES_THEM = re.compile(r"^\W*(?:These|They|Those)(?:\s+[a-z]+){0,2}?\s+(?:include[sd]?|included|are|were|cover(?:s|ed)?|"
                        r"comprise[sd]?|consist(?:s|ed)?|being)\b")


def comes_with_next(sentence: str, following: str) -> bool:
    """Whether a chosen sentence brings the one after it in its passage, without which it would
    say more, or less, than its document does: "… will not be needed." then "However, approval
    may still be required." (it qualifies it); "Members were asked how far they supported the
    plan." then "Most (80%) were in favour, with 4% against." (the answers, in figures); "There
    were six kinds of hazard." then "These included loose cables, wet floors, …" (what it counts)."""
    if _QUALIFIES.match(following):
        return True
    if _REPORTS_ASKING.search(sentence) and not _REPORTS_ASKING.search(following) and _SHARE_STATED.search(following):
        return True
    return announced_count(sentence) is not None and bool(_NAMES_THEM.match(following)) and \
        bool(re.search(r"[,;:]", following))


def select(cands: list[Candidate], vecs: np.ndarray, *, max_sentences: int, gap: float = WEIGHTS.gap,
           reach: float = WEIGHTS.reach,
           redundancy: float = WEIGHTS.redundancy, list_items: int = WEIGHTS.list_items,
           first: Sequence[int] = (), also: Sequence[int] = (), list_asked: bool = False,
           values: Callable[[str], set[str]] | None = None) -> list[Candidate]:
    """Best sentences first, dropping near-repeats and those far below the best. A sentence that
    leans on the one before it ("It was moved to March 2026 …") comes with that sentence, so the
    answer never leaves a reader asking what "it" is; both are quoted, each cited. Then the
    order: most relevant first, and neighbouring sentences of one passage in their own order.
    A line that introduces a list ("… has three stages:") comes with the list's items (at most
    ``list_items``), which are its answer; they do not count against ``max_sentences``.
    ``first``: sentences to take before all others whatever their score (the best answer to
    each part of a question asking two things), in that order. ``also``: sentences taken after the
    best ones even when further below the best than ``gap`` (a line introducing the kind of list
    asked for). ``list_asked``: the question asks for a list, so a list comes whole, its lead-in
    first, even when one of its items was chosen first. ``reach``: a sentence further below
    the best than ``gap`` but within ``reach`` is taken when it adds a fact and repeats none
    (``adds_without_repeating``).
    ``values``: the values of the kind asked for that a sentence states (``stated_values``); a
    sentence repeating as many of the values already stated as it adds states the answer again,
    and is left out."""
    if not cands:
        return []
    ranked = sorted(range(len(cands)), key=lambda i: -cands[i].score)
    best = cands[ranked[0]].score
    # The order sentences are considered in: those to take first, those within the gap of the
    # best, those taken even below it, then the rest (met only to stop at).
    close = [i for i in ranked if i not in first and cands[i].score >= best - gap]
    order = list(dict.fromkeys([*first, *close, *also, *ranked]))
    at = {(c.rank, c.end): i for i, c in enumerate(cands)}
    after = {(c.rank, c.lead_end): i for i, c in enumerate(cands)}
    chosen: list[int] = []
    extra = 0
    for i in order:
        if len(chosen) >= max_sentences:
            break
        if cands[i].score < best - reach and i not in first and i not in also:
            break
        if cands[i].score < best - gap and i not in first and i not in also and \
                not adds_without_repeating(cands[i].text, [cands[j].text for j in chosen]):
            continue
        if cands[i].kind == "short-item":
            continue
        # Close in meaning to a sentence already chosen is a repeat, except for a part's best
        # answer and a row the question names apart: two rows of one table read alike, and each
        # may answer its own part.
        apart = i not in first and names_a_row_apart(cands[i], [cands[j] for j in chosen])
        if i in chosen or any((float(vecs[i] @ vecs[j]) > redundancy and i not in first and not apart)
                              or says_again(cands[i].text, cands[j].text)
                              or (i not in first and restates(cands[i].text, cands[j].text)) for j in chosen):
            continue
        # Another row of a table a row was already taken from, naming no row the question names
        # that those do not, repeats the table's caption and answers another row's question.
        if i not in first and another_row(cands[i], [cands[j] for j in chosen]):
            continue
        if values is not None and chosen and i not in first and cands[i].kind != "lead-in":
            own = values(cands[i].text)
            said = set().union(*(values(cands[j].text) for j in chosen))
            # One that repeats as many of them as it adds ("Some 85 hospitals …" then "The 85
            # hospitals make up about 40% …") states the answer again; one adding more ("Of the
            # 85, 30 were teaching hospitals, 41 general …") goes on to new facts, and so does one
            # going on from the chosen sentence it leans on ("The review was first due in June
            # 2024." then "It was put back to June 2025 …": what became of the value).
            repeated, added = len(own & said), len(own - said)
            goes_on = cands[i].leans and at.get((cands[i].rank, cands[i].lead_end)) in chosen
            if repeated and (added < repeated if goes_on else added <= repeated):
                continue
        unit = [i]
        lead = at.get((cands[i].rank, cands[i].lead_end)) if cands[i].leans else None
        # The lead comes along when it names what the sentence points back to; a lead that
        # itself points further back ("She said …" after "She said …") would not help.
        if lead is not None and lead not in chosen and not cands[lead].leans:
            unit.insert(0, lead)
            # The same sentence already chosen from an overlapping passage gives way to this one,
            # which comes with what goes on from it: it is quoted once.
            same = [j for j in chosen if j not in first and cands[j].text == cands[lead].text]
            chosen = [j for j in chosen if j not in same]
        if len(chosen) - extra + len(unit) > max_sentences:
            if chosen:
                continue  # no room for the sentence with what it leans on
            unit = [i]  # an answer of one sentence is allowed no more, even one that leans
        # The sentence after a chosen one comes with it when the chosen one needs it: one that
        # qualifies it ("However, …"), gives the answers to what it says people were asked, or
        # names what it counts (``comes_with_next``).
        but = after.get((cands[i].rank, cands[i].end))
        if but is not None and but not in chosen and cands[but].kind == "sentence" and \
                comes_with_next(cands[i].text, cands[but].text):
            unit.append(but)
            extra += 1
        if cands[i].kind == "lead-in":
            # Its items: the list's lines that follow it, or, when it says how many there are
            # ("… the following three options …:"), that many blocks, whatever their form
            # ("Cancelled: A decision has been cancelled …" reads as a sentence). An item already
            # chosen for its own sake stays where it is and the list goes on past it.
            # A list within a list ("Organisational factors;" then "• Management decisions") counts
            # its outer items only, those opening their lines as its first does; the inner ones
            # come with them (up to three times ``list_items`` lines in all).
            announced = announced_count(cands[i].text)
            k, items, blocks = i, [], set()
            outer: str | None = None
            counted = 0
            while len(items) < 3 * list_items:
                k = after.get((cands[k].rank, cands[k].end))
                if k is None:
                    break
                listed = cands[k].kind in ("item", "short-item", "fragment")
                if announced is None and not listed:
                    break
                if announced is not None and cands[k].block not in blocks and len(blocks) >= announced:
                    break
                if outer is not None and cands[k].mark == outer and counted >= list_items:
                    break
                blocks.add(cands[k].block)
                if outer is None:
                    outer = cands[k].mark
                counted += cands[k].mark == outer
                if k not in chosen:
                    items.append(k)
            unit += items
            extra += len(items)
        chosen.extend(unit)
    # A short line chosen early all of whose words a fuller sentence chosen later says again
    # ("ABC Security Standard (ABCSS)", then "Products must be tested against the ABC Security
    # Standard (ABCSS) …") is said twice: the fuller sentence takes its place. Not when the line
    # has a capitalised word the sentence lacks: a name ("Example Institute - Data and its
    # regulators", then "There are five regulators of data …") is what it adds.
    a = 0
    while a < len(chosen):
        j = chosen[a]
        fuller = None if j in first or cands[j].kind == "lead-in" else next(
            (i for i in chosen[a + 1:] if i not in first and cands[i].kind not in _LIST_KINDS
             and not cands[i].leans and says_again(cands[j].text, cands[i].text)
             and _capitalised(cands[j].text) <= set(re.findall(r"[\w'’&-]+", cands[i].text.lower()))), None)
        if fuller is not None:
            chosen = [fuller if n == a else i for n, i in enumerate(chosen) if i != fuller]
        a += 1
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
        # A list asked for, or one its lead-in counts ("The framework has three components:"),
        # reads whole: its items after the line that introduces them, even one chosen first.
        while True:
            j = at.get((cands[first].rank, cands[first].lead_end))
            if j is None or j not in picked or j in placed or not (
                    cands[first].leans or (cands[j].kind == "lead-in" and cands[first].kind != "lead-in"
                                           and (list_asked or announced_count(cands[j].text) is not None))):
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
