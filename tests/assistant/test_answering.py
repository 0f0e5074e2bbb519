"""Answers on the sample corpus: each kind of question, refusal, false premises, follow-ups,
filters, bad input, and the citation checker faced with a chat model that cites badly."""
from __future__ import annotations

from pathlib import Path

import pytest

import evidence_assistant
from evidence_assistant import Answer, Assistant, InvalidFilterError, InvalidQuestionError
from evidence_assistant.answering.citations import normalise


def cited_files(ans: Answer) -> set[str]:
    return {Path(c.path).name for c in ans.citations}


def assert_verbatim(ans: Answer, a: Assistant) -> None:
    """Every extractive sentence is, word for word, the quote of the passage it cites."""
    passages = a.index.manifest.passages({c.passage_id for c in ans.citations})
    for c in ans.citations:
        p = passages[c.passage_id]
        assert p.text[c.quote_start:c.quote_end] == c.quote
        sentence = ans.sentences[c.sentence].text
        assert normalise(sentence).rstrip(".") in normalise(p.text), (sentence, p.text)


def test_single_fact_who(sample_assistant):
    ans = sample_assistant.ask("Who is the chief executive of the PRSB?")
    assert ans.verdict == "supported"
    assert "Lorraine Foley" in ans.text
    assert "2023-02-reactions-to-expert-panel-evaluation.md" in cited_files(ans)
    assert_verbatim(ans, sample_assistant)


def test_number_cited_to_the_right_paragraph(sample_assistant):
    ans = sample_assistant.ask("How many secondary care trusts had an electronic patient record in spring 2025?")
    assert ans.answered and "187" in ans.text and "206" in ans.text
    first = ans.citations[0]
    assert first.path.endswith("hl7395-epr-and-social-care-records-2025.docx")
    assert first.paragraph == "4"
    assert "187 of the 206" in first.quote
    assert_verbatim(ans, sample_assistant)


def test_date(sample_assistant):
    ans = sample_assistant.ask("When was the Expert Panel evaluation published?")
    assert ans.answered and "17 February 2023" in ans.text
    assert_verbatim(ans, sample_assistant)


def test_who_said_what(sample_assistant):
    ans = sample_assistant.ask("What did the Imperial College and Oxford evidence say about the 2024 milestone?")
    assert ans.answered
    assert "vaguer" in ans.text
    assert_verbatim(ans, sample_assistant)


def test_multi_document(sample_assistant):
    ans = sample_assistant.ask("What did the Expert Panel conclude about the integrated health and care record, "
                               "and how did the Government respond?")
    assert ans.answered
    assert "inadequate" in ans.text
    assert len({c.doc_id for c in ans.citations}) >= 2


def test_commitment_rating(sample_assistant):
    ans = sample_assistant.ask("Which commitments were rated inadequate?")
    assert ans.answered
    text = ans.text.lower()
    assert "integrated" in text and "workforce" in text and "gp data" in text
    assert "hc780-expert-panel-evaluation.html" in cited_files(ans)
    assert_verbatim(ans, sample_assistant)


def test_follow_up_carries_the_subject(sample_assistant):
    first = sample_assistant.ask("What did the Expert Panel conclude about the integrated health and care record?")
    follow = sample_assistant.ask("And how did the Government respond?", history=[first])
    assert follow.standalone_question != follow.question
    assert "integrated health and care record" in follow.standalone_question
    assert follow.answered
    assert any(c.kind == "response" for c in follow.citations)


def test_follow_up_keeps_its_order_under_the_learned_scorer(sample_index):
    # The learned scorer has learned from stand-alone questions: a follow-up's own words still
    # bring the Government's response into its answer.
    from evidence_assistant import Assistant
    from evidence_assistant.core.settings import Settings

    with Assistant.open(sample_index, Settings(sentence_scorer="learned")) as learned:
        first = learned.ask("What did the Expert Panel conclude about the integrated health and care record?")
        follow = learned.ask("And how did the Government respond?", history=[first])
    assert follow.answered
    assert any(c.kind == "response" for c in follow.citations)


def test_unanswerable_is_declined_with_the_nearest_passages(sample_assistant):
    for q in ("What did the Panel say about dental waiting lists?", "What is the capital of France?"):
        ans = sample_assistant.ask(q)
        assert ans.verdict == "no_answer", (q, ans.text)
        assert ans.text == "The documents do not answer this question."
        assert ans.passages and not ans.citations


def test_false_premise_is_rejected(sample_assistant):
    ans = sample_assistant.ask("Why was the NHS App rated outstanding?")
    assert ans.verdict == "premise_rejected"
    assert "does not support" in ans.text or "do not support" in ans.text
    assert "requires improvement" in ans.text


def test_filters_are_applied_and_checked(sample_assistant):
    ans = sample_assistant.ask("How did the Government respond to the Expert Panel?", filters={"kinds": ["response"]})
    assert ans.citations and all(c.kind == "response" for c in ans.citations)
    assert all(sp.passage.kind == "response" for sp in ans.passages)
    dated = sample_assistant.ask("What did the Committee say about the NHS App?",
                                 filters={"since": "2023-06-01", "until": "2023-12-31"})
    assert all("2023-06-01" <= sp.passage.date <= "2023-12-31" for sp in dated.passages)
    with pytest.raises(InvalidFilterError, match="unknown document kind 'memo'"):
        sample_assistant.ask("anything", filters={"kinds": ["memo"]})
    with pytest.raises(InvalidFilterError, match="date"):
        sample_assistant.ask("anything", filters={"since": "last week"})
    with pytest.raises(InvalidFilterError, match="no indexed document"):
        sample_assistant.ask("anything", filters={"doc_ids": ["not-a-document-id"]})


@pytest.mark.parametrize("question,match", [("", "empty"), ("   \n\t ", "empty"), ("?!", "no words"),
                                            ("x" * 5000, "limit")])
def test_bad_questions_get_clear_errors(sample_assistant, question, match):
    with pytest.raises(InvalidQuestionError, match=match):
        sample_assistant.ask(question)


def test_stream_yields_text_then_the_checked_answer(sample_assistant):
    items = list(sample_assistant.stream("Who chaired the Expert Panel?"))
    assert isinstance(items[-1], Answer)
    pieces = [i for i in items[:-1] if isinstance(i, str)]
    assert len(pieces) >= 1
    assert "Jane Dacre" in "".join(pieces) and "Jane Dacre" in items[-1].text


def test_answer_serialises(sample_assistant):
    ans = sample_assistant.ask("When was the Expert Panel evaluation published?")
    d = ans.to_dict()
    assert d["verdict"] == ans.verdict and d["citations"][0]["quote"]
    md = ans.to_markdown()
    assert "[^1]:" in md and "Evidence as of" in md


def test_public_api_is_listed():
    expected = {"Assistant", "Answer", "AnswerSentence", "Citation", "Filters", "Passage", "ScoredPassage",
                "Settings", "SourceDocument", "ingest", "EvidenceError", "IngestError", "InvalidQuestionError",
                "InvalidFilterError", "IndexNotFoundError", "IndexMismatchError", "IndexLockedError",
                "EmptyIndexError", "LLMError", "PromptError", "RegistryError", "ConfigError",
                # what evaluations, benchmarks and researchers' scripts build indexes and read files with
                "Block", "IndexWriter", "IngestReport", "SUPPORTED_EXTENSIONS", "chunk_document", "embedding_text",
                "get_embedder", "index_documents", "launch_chat", "load_file", "match_commitments", "reader_sources",
                # the tracker read directly (the tracker suite of `evidence eval` stands on these)
                "load_document", "extract_recommendations", "match_response", "propose_commitments",
                "item_from_proposal", "progress"}
    assert set(evidence_assistant.__all__) == expected
    for name in evidence_assistant.__all__:
        assert getattr(evidence_assistant, name) is not None
