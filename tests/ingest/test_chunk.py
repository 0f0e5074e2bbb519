"""Chunking is a pure function: tested by rebuilding each document's text from its passages."""
from __future__ import annotations

import random
import re

import pytest

from evidence_assistant.core.types import Block, SourceDocument
from evidence_assistant.core.text import sentence_spans
from evidence_ingest.chunk import chunk_blocks, document_text, passage_id


def words(texts):
    return [len(t.split()) for t in texts]


DOC = SourceDocument(doc_id="ab" * 32, path="/x/report.html", format="html", title="Report", kind="report",
                     date="2023-02-17")


def make_blocks(n_paras: int = 30, seed: int = 1) -> list[Block]:
    rnd = random.Random(seed)
    blocks = []
    path: tuple[str, ...] = ()
    for i in range(1, n_paras + 1):
        if i % 7 == 1:
            heading = f"Section {i // 7 + 1}"
            blocks.append(Block(heading, kind="heading", heading_path=(), level=2, page=str(i // 10 + 1)))
            path = (heading,)
        sentences = " ".join(
            f"Sentence {j} of paragraph {i} says the Panel rated item {rnd.randint(1, 99)} as inadequate."
            for j in range(rnd.choice([1, 2, 3, 12, 40])))
        blocks.append(Block(f"{i}. {sentences}", paragraph=str(i), heading_path=path, page=str(i // 10 + 1),
                            page_index=i // 10))
    return blocks


def rebuild(text_len: int, passages) -> list[bool]:
    covered = [False] * text_len
    for p in passages:
        for i in range(p.char_start, p.char_end):
            covered[i] = True
    return covered


@pytest.mark.parametrize("max_tokens,overlap", [(64, 0), (64, 16), (120, 30), (254, 32)])
def test_passages_rebuild_the_document(max_tokens, overlap):
    blocks = make_blocks()
    text, _ = document_text(blocks)
    passages = chunk_blocks(DOC, blocks, max_tokens=max_tokens, overlap=overlap, count_tokens=words)
    for p in passages:
        assert p.text == text[p.char_start:p.char_end]
        assert p.doc_id == DOC.doc_id
        assert words([p.text])[0] <= max_tokens
    covered = rebuild(len(text), passages)
    missing = "".join(ch for ch, c in zip(text, covered) if not c)
    assert missing.strip() == "", f"text not in any passage: {missing[:80]!r}"
    # Reading order is kept and ids are unique.
    assert [p.seq for p in passages] == list(range(len(passages)))
    assert len({p.passage_id for p in passages}) == len(passages)
    assert all(a.char_start <= b.char_start for a, b in zip(passages, passages[1:]))


def test_long_paragraph_windows_overlap_and_keep_the_paragraph_number():
    blocks = make_blocks()
    long_para = next(b for b in blocks if len(b.text.split()) > 200)
    passages = chunk_blocks(DOC, [long_para], max_tokens=64, overlap=16, count_tokens=words)
    assert len(passages) > 3
    for a, b in zip(passages, passages[1:]):
        assert b.char_start < a.char_end, "consecutive windows of one paragraph should overlap"
        assert b.char_start > a.char_start
    assert {p.paragraph_start for p in passages} == {long_para.paragraph}


def test_headings_start_passages_and_set_the_heading_path():
    blocks = make_blocks()
    passages = chunk_blocks(DOC, blocks, max_tokens=254, overlap=0, count_tokens=words)
    for p in passages:
        if p.text.startswith("Section"):
            assert p.heading_path and p.heading_path[-1] == p.text.split("\n\n")[0]
    # No passage mixes content from two sections.
    for p in passages:
        assert len(re.findall(r"^Section \d+$", p.text, re.M)) <= 1


def test_page_and_paragraph_spans_and_segments():
    blocks = [Block("1. First paragraph on page one.", paragraph="1", page="i", page_index=0),
              Block("2. Second paragraph on page two.", paragraph="2", page="ii", page_index=1)]
    (p,) = chunk_blocks(DOC, blocks, max_tokens=100, overlap=0, count_tokens=words)
    assert (p.page_start, p.page_end, p.paragraph_start, p.paragraph_end) == ("i", "ii", "1", "2")
    assert p.locator() == "p. i–ii, para. 1–2"
    second = p.text.index("2. Second")
    assert p.locate(second + 5) == ("ii", "2")
    assert p.locate(3) == ("i", "1")


def test_ids_are_stable_and_depend_on_the_document():
    blocks = make_blocks()
    a = chunk_blocks(DOC, blocks, max_tokens=100, overlap=20, count_tokens=words)
    b = chunk_blocks(DOC, blocks, max_tokens=100, overlap=20, count_tokens=words)
    assert [p.passage_id for p in a] == [p.passage_id for p in b]
    other = SourceDocument(**{**DOC.to_dict(), "doc_id": "cd" * 32})
    c = chunk_blocks(other, blocks, max_tokens=100, overlap=20, count_tokens=words)
    assert not {p.passage_id for p in a} & {p.passage_id for p in c}
    assert passage_id("x" * 64, 0, 10) == passage_id("x" * 64, 0, 10)


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="overlap must be"):
        chunk_blocks(DOC, make_blocks(), max_tokens=64, overlap=64, count_tokens=words)
    with pytest.raises(ValueError, match="max_tokens"):
        chunk_blocks(DOC, make_blocks(), max_tokens=4, overlap=0, count_tokens=words)
    assert chunk_blocks(DOC, [], max_tokens=64, overlap=0, count_tokens=words) == []


def test_a_single_huge_sentence_is_cut_at_words():
    text = " ".join(f"word{i}" for i in range(1000))
    passages = chunk_blocks(DOC, [Block(text)], max_tokens=100, overlap=10, count_tokens=words)
    assert len(passages) >= 10
    assert all(words([p.text])[0] <= 100 for p in passages)
    covered = rebuild(len(text), passages)
    assert all(covered[i] for i in range(len(text)) if text[i] != " ")


def test_sentence_spans_respect_abbreviations_and_blocks():
    text = "12. The Panel, chaired by Professor Dame Jane Dacre, met. Sir Robert Francis KC agreed, e.g. on data.\n\nHeading\n\n13. Next."
    got = [text[a:b] for a, b in sentence_spans(text)]
    assert got == ["12. The Panel, chaired by Professor Dame Jane Dacre, met.",
                   "Sir Robert Francis KC agreed, e.g. on data.", "Heading", "13. Next."]


def test_real_tokenizer_limit(repo_root):
    """Sized in the model's own tokens: no passage exceeds the limit the model reads."""
    from evidence_ingest.embed import packaged_model_path
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(packaged_model_path() / "tokenizer.json"))
    tok.no_truncation()

    def count(texts):
        return [len(e.ids) for e in tok.encode_batch(list(texts), add_special_tokens=False)]

    blocks = make_blocks(40, seed=7)
    passages = chunk_blocks(DOC, blocks, max_tokens=192, overlap=32, count_tokens=count)
    assert max(count([p.text for p in passages])) <= 192
