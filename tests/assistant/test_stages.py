"""The answering stages on the sample corpus: one record passed through condense → gather → judge
→ answer → check, every decline from the one decline builder, both answerers of one shape, the
fall-back from a failing chat model, and commitment evidence that leaves the caller's list as it
was. Chat models are langchain-core's fakes; the index, embedder and registry are real."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage

from evidence_assistant import Assistant
from evidence_assistant.answering import stages
from evidence_assistant.answering.answer import NO_ANSWER_TEXT, Answer
from evidence_assistant.answering.generative import GenerativeAnswerer
from evidence_assistant.answering.stages import (STAGES, Answerer, ExtraEvidence, ExtractiveAnswerer, Stages,
                                                 Turn)
from evidence_assistant.core.errors import ConfigError
from evidence_assistant.core.settings import Settings
from evidence_assistant.core.text import sentence_spans

ANSWERABLE = "When was the Expert Panel evaluation published?"


def run(assistant: Assistant, question: str, **kwargs: Any) -> tuple[list[str], Answer]:
    """What ``stream`` yields: the text pieces, then the answer."""
    items = list(assistant.stream(question, **kwargs))
    assert all(isinstance(x, str) for x in items[:-1]) and isinstance(items[-1], Answer)
    return items[:-1], items[-1]


def with_model(sample_index: Path, llm: Any, **settings: Any) -> Assistant:
    return Assistant.open(settings=Settings(index_dir=sample_index, **settings), llm=llm)


def model_saying(text: str) -> GenericFakeChatModel:
    """A chat model that answers ``text`` to every message, streamed word by word."""
    return GenericFakeChatModel(messages=iter([AIMessage(content=text)] * 20))


class Down(FakeListChatModel):
    """A chat model whose endpoint refuses the connection."""

    def _call(self, *args: Any, **kwargs: Any) -> str:
        raise ConnectionError("connection refused")

    def _stream(self, *args: Any, **kwargs: Any):
        raise ConnectionError("connection refused")


class StopsMidway(GenericFakeChatModel):
    """A chat model that streams three pieces of its answer and then times out."""

    def _stream(self, *args: Any, **kwargs: Any):
        yield from list(super()._stream(*args, **kwargs))[:3]
        raise TimeoutError("timed out")


@pytest.fixture
def declines(monkeypatch) -> list[Answer]:
    """Every answer the decline builder makes while a test runs, in order."""
    made: list[Answer] = []
    build = stages.decline

    def recorded(turn: Turn, reason: str | None = None) -> Answer:
        made.append(build(turn, reason))
        return made[-1]

    monkeypatch.setattr(stages, "decline", recorded)
    return made


class RecordingStages(Stages):
    """The stages, noting each one's name as it starts."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.ran: list[str] = []

    def condense(self, turn: Turn) -> None:
        self.ran.append("condense")
        super().condense(turn)

    def gather(self, turn: Turn) -> None:
        self.ran.append("gather")
        super().gather(turn)

    def judge(self, turn: Turn) -> None:
        self.ran.append("judge")
        super().judge(turn)

    def answer(self, turn: Turn):
        self.ran.append("answer")
        yield from super().answer(turn)

    def check(self, turn: Turn) -> None:
        self.ran.append("check")
        super().check(turn)


def recording(a: Assistant) -> RecordingStages:
    return RecordingStages(a.settings, a.retriever, [ExtractiveAnswerer(a.settings.max_answer_sentences)],
                           evidence=a.commitment_evidence, all_ratings=a._all_ratings)


# --- one decline --------------------------------------------------------------------------
@pytest.mark.parametrize("question, kwargs, note", [
    pytest.param("What did the Expert Panel conclude about the integrated record?", {"filters": {"since": "2030"}},
                 r"No passage matched the question and filters\.", id="no-passages"),
    pytest.param("How many nurses work in the NHS in England?", {},
                 r"The question asks for a number; the passages closest to it state none\. The nearest are listed\.",
                 id="wrong-type"),
    pytest.param("Who won the Premier League in 2023?", {},
                 r"The question asks for a name; the passages closest to it state none for the year it names\. "
                 r"The nearest are listed\.", id="wrong-type-for-the-year"),
    pytest.param("What is the recipe for a Victoria sponge cake?", {},
                 r"The closest passages score 0\.\d\d, below the 0\.50 needed to answer; the nearest are listed\.",
                 id="below-the-relevance-floor"),
    pytest.param("What did the Expert Panel conclude about the Zanzibar integrated care record?", {},
                 r"No indexed document mentions Zanzibar, which the question names\. The nearest passages are listed\.",
                 id="a-name-no-document-holds"),
])
def test_every_decline_of_the_judge_comes_from_the_one_builder(sample_assistant, declines, question, kwargs, note):
    pieces, ans = run(sample_assistant, question, **kwargs)
    assert len(declines) == 1 and declines[0] is ans
    assert ans.verdict == "no_answer" and ans.text == NO_ANSWER_TEXT and ans.answerer == "extractive"
    assert len(ans.notes) == 1 and re.fullmatch(note, ans.notes[0]), ans.notes
    assert not ans.sentences and not ans.citations and ans.prompt is None
    assert pieces == [NO_ANSWER_TEXT]  # said once, whether or not text streams
    assert "answer_s" not in ans.timings and "total_s" in ans.timings


@pytest.mark.parametrize("unsupported", ["mark", "remove"])
def test_a_model_that_declines_gets_the_same_decline(sample_index, declines, unsupported):
    said = NO_ANSWER_TEXT + " The passages are about other things."
    with with_model(sample_index, model_saying(said), unsupported=unsupported) as g:
        pieces, ans = run(g, "Who chaired the Expert Panel?")
    assert len(declines) == 1 and declines[0] is ans
    assert ans.verdict == "no_answer" and ans.text == NO_ANSWER_TEXT and ans.notes == []
    assert ans.answerer == "generative" and ans.prompt and ans.prompt["name"] == "answer"
    # Streamed as the model wrote it; with unsupported sentences removed, nothing before the check.
    assert "".join(pieces) == (said if unsupported == "mark" else NO_ANSWER_TEXT)
    assert "check_s" not in ans.timings


# --- the stages in order -------------------------------------------------------------------
def test_the_stages_run_in_their_order_and_time_themselves(sample_assistant):
    pipeline = recording(sample_assistant)
    turn = Turn(ANSWERABLE)
    items = list(pipeline.run(turn))
    ans = items[-1]
    assert pipeline.ran == [name for name, _ in STAGES] == ["condense", "gather", "judge", "answer", "check"]
    assert ans is turn.answer and ans.verdict == "supported" and "17 February 2023" in ans.text
    assert turn.retrieval is not None
    assert list(ans.timings) == ["condense_s", "retrieve_s", *(f"retrieve_{k}" for k in turn.retrieval.timings),
                                 "score_s", "answer_s", "check_s", "total_s"]
    assert all(v >= 0 for v in ans.timings.values())
    assert sum(ans.timings[key] for _, key in STAGES) <= ans.timings["total_s"]
    # The extractive answer streams each sentence with the number of the passage it cites.
    assert items[:-1] == [f"{c.text} [{c.rank + 1}] " for c in turn.picked] and turn.picked


def test_a_decline_ends_the_run_at_the_judge(sample_assistant):
    pipeline = recording(sample_assistant)
    turn = Turn("What is the recipe for a Victoria sponge cake?")
    *_, ans = pipeline.run(turn)
    assert pipeline.ran == ["condense", "gather", "judge"]
    assert ans.verdict == "no_answer" and list(ans.timings)[-2:] == ["score_s", "total_s"]


def test_with_unsupported_sentences_removed_nothing_streams_before_the_check(sample_index):
    with Assistant.open(settings=Settings(index_dir=sample_index, unsupported="remove")) as a:
        pieces, ans = run(a, ANSWERABLE)
    assert ans.verdict == "supported" and pieces == [ans.text]


# --- answerers of one shape ----------------------------------------------------------------
def test_both_answerers_have_the_answerer_shape_and_answer_a_turn(sample_assistant):
    a = sample_assistant
    question = "Who chaired the Expert Panel?"
    shown = [sp.passage for sp in a.retrieve(question).results]
    n = next(i for i, p in enumerate(shown, 1) if "Jane Dacre" in p.text)
    start, end = next((s, e) for s, e in sentence_spans(shown[n - 1].text) if "Jane Dacre" in shown[n - 1].text[s:e])
    model = GenerativeAnswerer(model_saying(f"{shown[n - 1].text[start:end]} [{n}]"), checker=a.checker)
    extractive = ExtractiveAnswerer(a.settings.max_answer_sentences)
    assert isinstance(extractive, Answerer) and isinstance(model, Answerer)
    assert (extractive.name, model.name) == ("extractive", "generative")

    for answerer in (extractive, model):
        turn = Turn(question)
        *pieces, ans = Stages(a.settings, a.retriever, [answerer], evidence=a.commitment_evidence,
                              all_ratings=a._all_ratings).run(turn)
        assert ans.answerer == answerer.name and turn.answered_by is answerer
        assert "".join(pieces) == turn.text and "Jane Dacre" in ans.text
        assert ans.verdict == "supported"
        cited = {c.passage_id for c in ans.citations}
        if answerer is model:  # the model quoted passage n and cited it
            assert shown[n - 1].passage_id in cited
        else:  # the extractive answer quotes one of the passages naming her, and cites it
            assert any("Jane Dacre" in p.text and p.passage_id in cited for p in shown)


def test_a_model_without_a_checker_says_what_it_needs():
    turn = Turn("Who chaired the Expert Panel?", standalone="Who chaired the Expert Panel?", text="Dame Jane Dacre [1].")
    with pytest.raises(ConfigError, match=r"checker=CitationChecker"):
        GenerativeAnswerer(model_saying("x")).check(turn)


# --- falling back from a failing model -----------------------------------------------------
@pytest.mark.parametrize("llm, why, streamed_first", [
    pytest.param(Down(responses=["unused"]), "the language model failed (ConnectionError)", "", id="refused"),
    pytest.param(StopsMidway(messages=iter([AIMessage(content="Dame Jane Dacre chaired the Panel [1].")] * 5)),
                 "the language model did not answer within 60.0 s", "Dame Jane", id="stops-midway"),
])
def test_a_failing_model_falls_back_to_the_extractive_answer_with_a_note(sample_index, sample_assistant, llm, why,
                                                                         streamed_first):
    plain_pieces, plain = run(sample_assistant, ANSWERABLE)
    with with_model(sample_index, llm) as g:
        pieces, ans = run(g, ANSWERABLE)
    assert ans.answerer == "extractive" and ans.prompt is None
    assert ans.notes == [f"{why}; this is the extractive answer instead."]
    assert ans.text == plain.text and ans.verdict == plain.verdict == "supported"
    assert [c.to_dict() for c in ans.citations] == [c.to_dict() for c in plain.citations]
    # What the model streamed before it failed stays shown; the extractive sentences follow.
    assert pieces[len(pieces) - len(plain_pieces):] == plain_pieces
    assert "".join(pieces[:len(pieces) - len(plain_pieces)]) == streamed_first


# --- evidence beyond retrieval -------------------------------------------------------------
def test_commitment_evidence_leaves_the_list_it_is_given_as_it_was(sample_assistant):
    a = sample_assistant
    question = "How did the Expert Panel rate the NHS App commitment?"
    retrieval = a.retriever.search(question)
    given = retrieval.results
    before = list(given)
    evidence = a.commitment_evidence(question, given, retrieval.allowed_docs)
    assert len(given) == len(before) and all(x is y for x, y in zip(given, before))
    assert evidence.ratings.get("nhs-app") == "requires improvement"
    assert evidence.added, "the registry's evidence for the NHS App commitment adds passages"
    assert not {sp.passage.passage_id for sp in given} & {sp.passage.passage_id for sp in evidence.added}
    n = len(given)
    assert set(range(n, n + len(evidence.added))) <= evidence.boosted <= set(range(n + len(evidence.added)))
    # The answer shows what retrieval found, then the evidence, in that order.
    ans = a.ask(question)
    assert [sp.passage.passage_id for sp in ans.passages] == [sp.passage.passage_id for sp in [*given, *evidence.added]]


def test_the_stages_take_evidence_from_any_source(sample_assistant):
    a = sample_assistant
    retrieved = [sp.passage.passage_id for sp in a.retriever.search(ANSWERABLE).results]
    extra = next(sp for sp in a.retriever.search("Who chairs the PRSB?").results
                 if sp.passage.passage_id not in retrieved)
    seen: list[list[str]] = []

    def source(question, shown, allowed):
        seen.append([sp.passage.passage_id for sp in shown])
        return ExtraEvidence({}, [extra], {len(shown)})

    turn = Turn(ANSWERABLE)
    *_, ans = Stages(a.settings, a.retriever, [ExtractiveAnswerer(4)], evidence=source).run(turn)
    assert [sp.passage.passage_id for sp in turn.retrieval.results] == retrieved
    assert seen == [retrieved]
    assert [sp.passage.passage_id for sp in ans.passages] == retrieved + [extra.passage.passage_id]
    assert turn.boosted == {len(retrieved)}


def test_a_part_is_scored_on_what_it_asks_past_the_clause_naming_where_to_read(sample_assistant, monkeypatch):
    """Each part of a question asking two things picks its best sentence by its own scores; a
    part opening with where to read ("According to the Government's response, …") is scored on
    what it asks, not on the document's name, which every sentence near that name would match."""
    scored: list[str] = []
    score = stages.score_candidates

    def recorded(question, *args, **kwargs):
        scored.append(question)
        return score(question, *args, **kwargs)

    monkeypatch.setattr(stages, "score_candidates", recorded)
    q = ("What rating did the Expert Panel give the commitment on care records, and according to the Government's "
         "response, by when will every trust have an electronic patient record?")
    turn = Turn(q)
    *_, ans = Stages(sample_assistant.settings, sample_assistant.retriever, [ExtractiveAnswerer(4)]).run(turn)
    assert [p for p, _ in turn.parts][1].startswith("According to the Government's response, by when")
    assert "by when will every trust have an electronic patient record?" in [s.lower() for s in scored]
    assert not any(s.startswith("According to") for s in scored[1:])
