"""The citation check every answer passes before it is shown, whichever answerer wrote it.

Each sentence's [n] markers are resolved against the passages that were shown (an unknown
number is reported, never dropped silently); the span of the passage that supports the sentence
is located to the character; and a support score says how well that span backs the sentence
(verbatim = 1.0; otherwise embedding and word agreement, with numbers and quotations required to
match exactly).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ingest.chunk import sentence_spans
from ingest.lexical import tokenize

from .answer import AnswerSentence, Citation
from .types import Passage

_MARKER = re.compile(r"\[(\d+(?:\s*[,;–-]\s*\d+)*)\]")
_MARKERS_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d+(?:\s*[,;–-]\s*\d+)*\])+)")
_NUMBER = re.compile(r"(?<![\w.])(?:£\s?)?\d+(?:[.,]\d+)*(?:\s?%| per cent)?")
_QUOTED = re.compile(r"[\"“]([^\"”]{12,})[\"”]")
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


class CitationChecker:
    def __init__(self, embedder, *, min_support: float):
        self.embedder = embedder
        self.min_support = min_support

    def locate(self, sentence: str, passage: Passage) -> Span:
        """The span of ``passage`` that best supports ``sentence``, with its support score."""
        body = _PARA_NUMBER.sub("", sentence).strip().rstrip(".!?").strip()
        norm_p, where = normalise_with_map(passage.text)
        norm_s = normalise(body)
        if len(norm_s) >= 12:
            i = norm_p.find(norm_s)
            if i >= 0:
                start, end = where[i], where[i + len(norm_s) - 1] + 1
                return Span(start, end, 1.0, True)
        windows = _windows(passage.text)
        if not windows:
            return Span(0, len(passage.text), 0.0, False)
        s_tokens = set(tokenize(body))
        texts = [passage.text[a:b] for a, b in windows]
        vecs = self.embedder.encode_cached([body] + texts)
        cos = vecs[1:] @ vecs[0]
        best = Span(0, 0, -1.0, False)
        s_numbers = numbers_in(body)
        for (a, b), c, t in zip(windows, cos, texts):
            w_tokens = set(tokenize(t))
            lex = len(s_tokens & w_tokens) / len(s_tokens) if s_tokens else 0.0
            score = 0.5 * float(c) + 0.5 * lex
            if s_numbers - numbers_in(t):  # a number the passage does not state cannot be supported
                score = min(score, self.min_support - 0.01)
            if score > best.support:
                best = Span(a, b, round(score, 4), False)
        return best

    def check(self, cited: Sequence[tuple[str, list[int]]], shown: Sequence[Passage]
              ) -> tuple[list[AnswerSentence], list[Citation]]:
        """Resolve, locate and score. Citation numbers in the result are renumbered 1..m in
        order of first use; ``shown`` is numbered from 1 as the answerer saw it."""
        sentences: list[AnswerSentence] = []
        citations: list[Citation] = []
        renumber: dict[int, int] = {}
        for idx, (text, ns) in enumerate(cited):
            problems: list[str] = []
            valid = [n for n in ns if 1 <= n <= len(shown)]
            for n in ns:
                if n not in valid:
                    problems.append(f"cites [{n}], which was not among the {len(shown)} passages shown")
            if not ns:
                problems.append("cites no passage")
            spans = [(n, self.locate(text, shown[n - 1])) for n in valid]
            quotes = _QUOTED.findall(text)
            for q in quotes:
                if not any(normalise(q) in normalise(shown[n - 1].text) for n in valid):
                    problems.append(f"quotes “{q[:60]}”, which the cited passage does not contain")
            support = max((sp.support for _, sp in spans), default=0.0)
            if quotes and any(p.startswith("quotes") for p in problems):
                support = min(support, self.min_support - 0.01)
            supported = support >= self.min_support
            if spans and not supported and not any(p.startswith("quotes") for p in problems):
                problems.append("the cited passage does not support it")
            new_ns = []
            for n, sp in spans:
                if sp.support < self.min_support and supported:
                    continue  # a citation not needed for support is not shown
                m = renumber.setdefault(n, len(renumber) + 1)
                new_ns.append(m)
                p = shown[n - 1]
                page, para = p.locate(sp.start)
                citations.append(Citation(
                    n=m, passage_id=p.passage_id, doc_id=p.doc_id, title=p.title, kind=p.kind, date=p.date,
                    page=page, paragraph=para, quote=p.text[sp.start:sp.end], quote_start=sp.start,
                    quote_end=sp.end, url=p.url, path=p.path, support=sp.support, sentence=idx, exact=sp.exact))
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
        page, para = p.locate(start)
        citations.append(Citation(
            n=n, passage_id=p.passage_id, doc_id=p.doc_id, title=p.title, kind=p.kind, date=p.date, page=page,
            paragraph=para, quote=p.text[start:end], quote_start=start, quote_end=end, url=p.url, path=p.path,
            support=1.0, sentence=idx, exact=True))
        sentences.append(AnswerSentence(text, [n], 1.0, True, []))
    return sentences, citations


def _windows(text: str) -> list[tuple[int, int]]:
    """Candidate supporting spans: each sentence, and each pair of neighbouring sentences."""
    spans = sentence_spans(text)
    out = list(spans)
    out += [(spans[i][0], spans[i + 1][1]) for i in range(len(spans) - 1)]
    return out


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)
