"""Text utilities every floor shares: the words BM25 and the answer scorers compare (lower-cased,
stop words dropped, Snowball-stemmed), and sentence boundaries in document text. Imports nothing
of the project."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

# Words of two or more letters, and initials joined by an ampersand ("A&E", "R&D"), which would
# otherwise leave no word at all: "A&E attendances" and "first attendances" differ only there.
_TOKEN = re.compile(r"(?u)\b\w&\w\b|\b\w\w+\b")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN
    return frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer
    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    stop = _stopwords()
    words = [w for w in _TOKEN.findall(text.lower()) if w not in stop]
    return _stemmer().stemWords(words)


def tokenize_many(texts: Sequence[str]) -> list[str]:
    """Space-joined tokens of each text, as the manifest stores them."""
    return [" ".join(tokenize(t)) for t in texts]


@lru_cache(maxsize=4096)
def _bases(word: str) -> tuple[str, ...]:
    from lemminflect import getAllLemmas
    own = _stemmer().stemWord(word)
    lemmas = getAllLemmas(word, upos="VERB").get("VERB", ())
    return tuple(b for b in dict.fromkeys(_stemmer().stemWords(list(lemmas))) if b != own)


def verb_bases(text: str) -> dict[str, set[str]]:
    """The index tokens of the verbs ``text`` says in an irregular form, each with its base's
    ("led" -> {"lead"}, "held" -> {"hold"}, "wrote" -> {"write"}): stemming leaves these apart, so
    "who leads the work?" would share no verb with "the work is led by …". Bases come from
    lemminflect's English verb lemmas."""
    stop = _stopwords()
    out: dict[str, set[str]] = {}
    for w in _TOKEN.findall(text.lower()):
        if w not in stop and (bases := _bases(w)):
            out.setdefault(_stemmer().stemWord(w), set()).update(bases)
    return out


BLOCK_SEPARATOR = "\n\n"

# A sentence ends at . ! ? (optionally followed by a closing quote or bracket) before white space
# and an upper-case letter, digit or opening quote. Abbreviations common in these documents are
# protected so that "Sir Robert Francis KC" or "e.g. the App" do not split.
_ABBREVIATIONS = ("e.g", "i.e", "etc", "Mr", "Mrs", "Ms", "Dr", "Prof", "St", "No", "para", "paras",
                  "p", "pp", "vol", "cf", "Fig", "approx", "Rt", "Hon", "Co", "Ltd", "al", "vs", "Sec")
_SENTENCE_END = re.compile(r"[.!?][\"'’”)\]]*\s+(?=[\"'‘“(\[]?[A-Z0-9£])")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (white space between them excluded).
    A blank line (the separator between blocks) always ends a sentence."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for part in text.split(BLOCK_SEPARATOR):
        spans.extend((pos + a, pos + b) for a, b in _sentences_in_block(part))
        pos += len(part) + len(BLOCK_SEPARATOR)
    return spans


# A table row as the loaders write it (ingest/load/tables.py): "Caption: Header: value; Header:
# value", or its cells joined by " | " when the table has no headers.
_ROW_CELL = re.compile(r"[^:;\n]{1,120}?: \S")


def is_table_row(block: str) -> bool:
    """Whether ``block`` (one block of a passage) is a table row: one line whose cells are
    "Header: value" parts joined by "; " (most of them so shaped), or three or more cells joined by
    " | ". A row is one sentence however many full stops its cells hold."""
    line = block.strip()
    if not line or "\n" in line:
        return False
    if line.count(" | ") >= 2:
        return True
    parts = line.split("; ")
    labelled = sum(bool(_ROW_CELL.match(p)) for p in parts)
    return len(parts) >= 2 and labelled >= 2 and labelled * 2 > len(parts)


def _sentences_in_block(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = len(text) - len(text.lstrip())
    if is_table_row(text):
        end = len(text.rstrip())
        return [(start, end)] if end > start else []
    for m in _SENTENCE_END.finditer(text):
        if m.start() < start:
            continue
        before = text[start:m.start() + 1]
        word = re.search(r"(\S+)\.$", before)
        if word and (word.group(1).lstrip("(") in _ABBREVIATIONS or re.fullmatch(r"[A-Z]", word.group(1))):
            continue
        # A paragraph number such as "12." at the very start is part of its sentence.
        if re.fullmatch(r"\s*\d+(\.\d+)*\.", before):
            continue
        end = m.start() + len(m.group(0).rstrip())
        spans.append((start, end))
        start = m.end()
    if start < len(text.rstrip()):
        spans.append((start, len(text.rstrip())))
    return [(a, b) for a, b in spans if text[a:b].strip()]
