"""The sample cases are well formed and point at paragraphs that exist: a case whose supporting
passage was renumbered away would silently score zero, so this fails first and names it."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from evidence_evals.sample_suite import CORPUS, TYPES, load_cases, parse_case
from evidence_ingest.load import load_file


@pytest.fixture(scope="module")
def cases():
    return load_cases()


@pytest.fixture(scope="module")
def locators() -> dict[str, set[tuple[str | None, str | None]]]:
    """(page, paragraph) pairs each sample document holds, as its loader reads it."""
    out = {}
    for f in sorted(Path(CORPUS).iterdir()):
        if f.suffix in (".md", ".html", ".pdf", ".docx"):
            out[f.name] = {(b.page, b.paragraph) for b in load_file(f).blocks}
    return out


def test_enough_cases_of_every_kind(cases):
    assert len(cases) >= 80
    kinds = Counter(c.type for c in cases)
    assert set(kinds) == set(TYPES), kinds
    assert kinds["unanswerable"] >= 15
    assert sum(not c.answerable and c.type == "unanswerable" for c in cases) >= 15
    assert all(len(c.turns) >= 2 for c in cases if c.type == "follow_up")


def test_both_splits_hold_every_kind(cases):
    for split in ("dev", "test"):
        assert {c.type for c in cases if c.split == split} == set(TYPES), split


def test_supporting_passages_exist(cases, locators):
    missing = []
    for c in cases:
        for ref in c.all_refs:
            held = locators.get(ref.doc)
            if held is None:
                missing.append(f"{c.id}: no document {ref.doc}")
                continue
            if not any((ref.page is None or ref.page == page) and (ref.paragraph is None or ref.paragraph == para)
                       for page, para in held):
                missing.append(f"{c.id}: {ref.label()} not found")
    assert not missing, "\n".join(missing)


def test_key_facts_appear_in_a_supporting_paragraph(cases):
    """A key fact no supporting paragraph states could never be answered with a citation."""
    from evidence_evals import metrics

    texts: dict[tuple[str, str | None, str | None], str] = {}
    for f in sorted(Path(CORPUS).iterdir()):
        if f.suffix in (".md", ".html", ".pdf", ".docx"):
            for b in load_file(f).blocks:
                texts[(f.name, b.page, b.paragraph)] = texts.get((f.name, b.page, b.paragraph), "") + " " + b.text
    problems = []
    for c in cases:
        facts = c.key_facts if c.answerable else c.correction
        support = " ".join(t for (doc, page, para), t in texts.items() for r in c.all_refs
                           if doc == r.doc and (r.paragraph is None or r.paragraph == para)
                           and (r.page is None or r.page == page))
        for fact in facts:
            if not metrics.fact_present(support, fact):
                problems.append(f"{c.id}: {fact!r} is in none of its supporting paragraphs")
    assert not problems, "\n".join(problems)


def test_malformed_cases_are_rejected_with_the_reason():
    good = {"id": "x", "split": "dev", "type": "date", "question": "When?", "answerable": True,
            "key_facts": ["2023"], "supporting": [{"doc": "a.md", "paragraph": "1"}]}
    parse_case(good)
    with pytest.raises(ValueError, match="missing field 'split'"):
        parse_case({k: v for k, v in good.items() if k != "split"})
    with pytest.raises(ValueError, match="needs 'doc' and 'paragraph' or 'page'"):
        parse_case({**good, "supporting": [{"doc": "a.md"}]})
    with pytest.raises(ValueError, match="exactly one of 'question' or 'turns'"):
        parse_case({**good, "turns": ["a", "b"]})
    with pytest.raises(ValueError, match="needs key facts"):
        parse_case({**good, "key_facts": []})
