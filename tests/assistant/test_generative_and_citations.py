"""The citation check on generative answers, with fake chat models (the only fakes: no usable
LLM runs here), the fallback when the model is down, the LangChain retriever inside an LCEL
chain, and prompt files."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from evidence_assistant import Assistant, PromptError
from evidence_assistant.answering.prompts import load_prompt
from evidence_assistant.core.settings import Settings
from evidence_assistant.core.text import sentence_spans

QUESTION = "Who chaired the Expert Panel?"


def generative(sample_index: Path, responses: list[str], **settings: Any) -> Assistant:
    s = Settings(index_dir=sample_index, **settings)
    a = Assistant.open(settings=s, llm=FakeListChatModel(responses=responses))
    return a


def shown_passages(sample_assistant: Assistant, question: str):
    return [sp.passage for sp in sample_assistant.retrieve(question).results]


def test_a_faithful_generative_answer_is_supported(sample_index, sample_assistant):
    shown = shown_passages(sample_assistant, QUESTION)
    n = next(i for i, p in enumerate(shown, 1) if "Jane Dacre" in p.text)
    a, b = next((a, b) for a, b in sentence_spans(shown[n - 1].text) if "Jane Dacre" in shown[n - 1].text[a:b])
    sentence = shown[n - 1].text[a:b]
    with generative(sample_index, [f"{sentence} [{n}]"]) as g:
        ans = g.ask(QUESTION)
    assert ans.answerer == "generative" and ans.verdict == "supported"
    assert ans.citations[0].passage_id == shown[n - 1].passage_id
    assert ans.prompt and ans.prompt["name"] == "answer" and len(ans.prompt["sha256"]) == 64


def test_a_paraphrase_is_supported_but_a_changed_number_is_not(sample_index, sample_assistant):
    q = "How many secondary care trusts had an electronic patient record in spring 2025?"
    shown = shown_passages(sample_assistant, q)
    n = next(i for i, p in enumerate(shown, 1) if "187 of the 206" in p.text)
    with generative(sample_index, [f"By spring 2025, 187 of 206 secondary care trusts had an EPR [{n}]. "
                                   f"By spring 2025, 201 of 206 secondary care trusts had an EPR [{n}]."]) as g:
        ans = g.ask(q)
    good, bad = ans.sentences
    assert good.supported and good.support >= 0.5
    assert not bad.supported
    assert ans.verdict == "partially_supported"
    assert "[unsupported]" in ans.text


def test_citing_a_passage_that_was_not_shown_is_flagged(sample_index):
    with generative(sample_index, ["Dame Jane Dacre chaired the Panel [42]."]) as g:
        ans = g.ask(QUESTION)
    (s,) = ans.sentences
    assert not s.supported
    assert any("[42]" in p and "not among" in p for p in s.problems)
    assert ans.verdict == "unsupported"


def test_citing_nothing_is_unsupported(sample_index):
    with generative(sample_index, ["Dame Jane Dacre chaired the Panel."]) as g:
        ans = g.ask(QUESTION)
    assert ans.verdict == "unsupported"
    assert ans.sentences[0].problems == ["cites no passage"]
    assert not ans.citations


def test_an_invented_quote_is_caught(sample_index, sample_assistant):
    shown = shown_passages(sample_assistant, QUESTION)
    n = next(i for i, p in enumerate(shown, 1) if "Jane Dacre" in p.text)
    with generative(sample_index, [f'Dame Jane Dacre, who chairs the Panel, called the record "a catastrophic '
                                   f'failure of national leadership" [{n}].']) as g:
        ans = g.ask(QUESTION)
    (s,) = ans.sentences
    assert not s.supported and any(p.startswith("quotes") for p in s.problems)


def test_remove_mode_drops_unsupported_sentences(sample_index, sample_assistant):
    shown = shown_passages(sample_assistant, QUESTION)
    n = next(i for i, p in enumerate(shown, 1) if "Jane Dacre" in p.text)
    a, b = next((a, b) for a, b in sentence_spans(shown[n - 1].text) if "Jane Dacre" in shown[n - 1].text[a:b])
    with generative(sample_index, [f"{shown[n - 1].text[a:b]} [{n}] The Panel met on the Moon [{n}]."],
                    unsupported="remove") as g:
        ans = g.ask(QUESTION)
    assert len(ans.sentences) == 1 and "Moon" not in ans.text
    assert any("removed" in note for note in ans.notes)


def test_model_down_falls_back_to_the_extractive_answer(sample_index):
    class Down(FakeListChatModel):
        def _call(self, *args: Any, **kwargs: Any) -> str:
            raise TimeoutError("timed out")

        def _stream(self, *args: Any, **kwargs: Any):
            raise TimeoutError("timed out")

    s = Settings(index_dir=sample_index, llm_timeout_s=2)
    with Assistant.open(settings=s, llm=Down(responses=["unused"])) as a:
        ans = a.ask(QUESTION)
    assert ans.answerer == "extractive" and ans.answered
    assert any("did not answer" in n and "extractive" in n for n in ans.notes)


def test_passages_reach_the_model_delimited_in_the_user_message(sample_index):
    seen: list[Any] = []

    class Recorder(FakeListChatModel):
        def _stream(self, messages, *args: Any, **kwargs: Any):
            seen.extend(messages)
            yield from super()._stream(messages, *args, **kwargs)

    with Assistant.open(settings=Settings(index_dir=sample_index), llm=Recorder(responses=["x [1]."])) as a:
        a.ask(QUESTION)
    system, human = seen[0], seen[1]
    assert system.type == "system" and "<passage" not in system.content and "Jane Dacre" not in system.content
    assert human.type == "human" and "<passage n=\"1\"" in human.content and "</passage>" in human.content


def test_langchain_retriever_in_an_lcel_chain(sample_assistant):
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import RunnableLambda, RunnablePassthrough

    retriever = sample_assistant.as_retriever(k=3, filters={"kinds": ["report"]})
    docs = retriever.invoke("Who chaired the Expert Panel?")
    assert len(docs) == 3 and all(d.metadata["kind"] == "report" for d in docs)
    assert all({"passage_id", "title", "source"} <= set(d.metadata) for d in docs)

    def fmt(ds):
        return "\n".join(f"[{i}] {d.page_content}" for i, d in enumerate(ds, 1))

    prompt = ChatPromptTemplate.from_messages([("human", "Context:\n{context}\n\nQ: {question}")])
    model = RunnableLambda(lambda pv: "Dame Jane Dacre [1]." if "Jane Dacre" in pv.to_string() else "unknown")
    chain = {"context": retriever | RunnableLambda(fmt), "question": RunnablePassthrough()} | prompt | model | StrOutputParser()
    assert chain.invoke("Who chaired the Expert Panel?") == "Dame Jane Dacre [1]."


def test_prompt_files_are_checked(tmp_path):
    for name in ("system", "answer", "condense_question"):
        assert load_prompt(name).sha256
    (tmp_path / "answer.md").write_text("Passages: {passages}\nNo question here.")
    with pytest.raises(PromptError, match=r"\{question\}"):
        load_prompt("answer", tmp_path)
    (tmp_path / "answer.md").write_text("{passages} {question} {secret}")
    with pytest.raises(PromptError, match=r"unknown placeholder \{secret\}"):
        load_prompt("answer", tmp_path)
