"""A sentence of a retrieved passage that could answer the question, with what the answerer
learns about it as it scores it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
    block: int = 0  # which block (text between blank lines) of its passage it is in
    kind: str = "sentence"  # sentence, item (of a list), lead-in (introduces a list), row (of a table) or fragment
    title: str = ""  # the title of its passage's document
    heading: str = ""  # the heading of the section its passage is in (the last of its heading path)
    # The mark that opens its line ("•", "-", "" for none): items of one list under another
    # ("Organisational factors;", then "• Management decisions") are told apart by it.
    mark: str = ""
    items: str = ""  # a lead-in's list items, as read after it ("… the following partners:", then the names)
    furniture: bool = False  # page furniture: navigation, a contents line, a document describing itself
    # For a row of a table, the question's words its own label cells hold ("Hospice" when asked
    # about hospices): which row it is, as the question names rows.
    row_named: frozenset[str] | None = None
    hand: float = 0.0  # the hand-weighted score (``score`` adds the learned one's when that is on)
    learned: float = 0.0  # the learned scorer's probability that it holds the answer
    features: np.ndarray | None = None  # what the learned scorer reads (sentence_scorer.FEATURES)

    @property
    def in_context(self) -> str:
        """The sentence as a reader needs it: with its lead when it leans on one."""
        return f"{self.context} {self.text}" if self.context else self.text
