"""The optional generative answerer: any LangChain chat model, by default one behind an
OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp server, hosted APIs).

Document text only ever goes into the user message, between <passage> tags with anything
tag-like in it escaped; the system message holds the rules alone. The model's answer is
checked by the citation checker like any other.
"""
from __future__ import annotations

import html
from typing import Any, Iterator, Sequence

from evidence_assistant.answering.answer import NO_ANSWER_TEXT, AnswerSentence, Citation
from evidence_assistant.answering.citations import CitationChecker, parse_cited_sentences
from evidence_assistant.answering.prompts import Prompt, load_prompt
from evidence_assistant.answering.stages import Turn
from evidence_assistant.core.errors import ConfigError, LLMError
from evidence_assistant.core.settings import Settings
from evidence_assistant.core.types import Passage


def make_chat_model(settings: Settings) -> Any:
    """A chat model from settings, or None when none is configured."""
    if not settings.answering.llm_base_url:
        return None
    if not settings.answering.llm_model:
        raise ConfigError("EVIDENCE_LLM_BASE_URL is set but EVIDENCE_LLM_MODEL is not; name the model to use")
    from langchain_openai import ChatOpenAI

    key = settings.answering.llm_api_key.get_secret_value() if settings.answering.llm_api_key else "not-needed"
    return ChatOpenAI(base_url=settings.answering.llm_base_url, model=settings.answering.llm_model, api_key=key,
                      timeout=settings.answering.llm_timeout_s, max_retries=1, temperature=settings.answering.llm_temperature)


def format_passages(passages: Sequence[Passage]) -> str:
    blocks = []
    for n, p in enumerate(passages, start=1):
        attrs = {"n": str(n), "title": p.title, "kind": p.kind, "date": p.date or "", "page": p.page_label or "",
                 "paragraph": p.paragraph_label or ""}
        head = " ".join(f'{k}="{html.escape(v, quote=True)}"' for k, v in attrs.items() if v)
        # Escaping < and > keeps a passage from closing its own tag or opening another.
        body = p.text.replace("<", "&lt;").replace(">", "&gt;")
        blocks.append(f"<passage {head}>\n{body}\n</passage>")
    return "\n\n".join(blocks)


def _describe(exc: Exception, settings: Settings | None) -> str:
    where = f" at {settings.answering.llm_base_url}" if settings and settings.answering.llm_base_url else ""
    kind = type(exc).__name__
    if "timeout" in kind.lower() or "timed out" in str(exc).lower():
        return f"the language model{where} did not answer within {settings.answering.llm_timeout_s if settings else '?'} s"
    return f"the language model{where} failed ({kind})"


class GenerativeAnswerer:
    """Answers with a chat model: it reads the passages shown and writes sentences that cite
    them by number; ``checker`` then checks each sentence against what it cites."""

    name = "generative"
    may_answer_untyped = True  # the model reads the passages for itself

    def __init__(self, llm: Any, *, settings: Settings | None = None, prompts_dir: Any = None,
                 checker: CitationChecker | None = None):
        self.llm = llm
        self.settings = settings
        self.checker = checker
        self.system: Prompt = load_prompt("system", prompts_dir)
        self.answer: Prompt = load_prompt("answer", prompts_dir)
        self.condense: Prompt = load_prompt("condense_question", prompts_dir)

    def messages(self, question: str, passages: Sequence[Passage]) -> list[Any]:
        from langchain_core.messages import HumanMessage, SystemMessage

        return [SystemMessage(content=self.system.text),
                HumanMessage(content=self.answer.format(question=question, passages=format_passages(passages)))]

    def generate(self, question: str, passages: Sequence[Passage]) -> str:
        try:
            out = self.llm.invoke(self.messages(question, passages))
        except Exception as exc:
            raise LLMError(_describe(exc, self.settings)) from exc
        return str(getattr(out, "content", out))

    def stream(self, turn: Turn) -> Iterator[str]:
        """The model's answer to the turn's stand-alone question from the passages shown."""
        return self.stream_text(turn.standalone, [sp.passage for sp in turn.shown])

    def stream_text(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        try:
            for chunk in self.llm.stream(self.messages(question, passages)):
                text = getattr(chunk, "content", chunk)
                if text:
                    yield str(text)
        except Exception as exc:
            raise LLMError(_describe(exc, self.settings)) from exc

    def condense_question(self, question: str, history: Sequence[str]) -> str:
        from langchain_core.messages import HumanMessage

        text = self.condense.format(history="\n".join(f"- {q}" for q in history[-4:]), question=question)
        try:
            out = self.llm.invoke([HumanMessage(content=text)])
        except Exception as exc:
            raise LLMError(_describe(exc, self.settings)) from exc
        rewritten = str(getattr(out, "content", out)).strip().splitlines()
        return rewritten[0].strip() if rewritten and rewritten[0].strip() else question

    def prompt(self) -> dict[str, str]:
        return {"name": "answer", "sha256": self.answer.sha256, "system_sha256": self.system.sha256}

    def check(self, turn: Turn) -> tuple[list[AnswerSentence], list[Citation]] | None:
        """The model's sentences with their citations checked; None when the model said that the
        documents do not answer the question."""
        if turn.text.strip().startswith(NO_ANSWER_TEXT[:30]):
            return None
        if self.checker is None:
            raise ConfigError("GenerativeAnswerer was made without a citation checker; pass "
                              "checker=CitationChecker(index.embedder, min_support=settings.answering.min_support)")
        return self.checker.check(parse_cited_sentences(turn.text), [sp.passage for sp in turn.shown])
