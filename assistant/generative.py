"""The optional generative answerer: any LangChain chat model, by default one behind an
OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp server, hosted APIs).

Document text only ever goes into the user message, between <passage> tags with anything
tag-like in it escaped; the system message holds the rules alone. The model's answer is
checked by the citation checker like any other.
"""
from __future__ import annotations

import html
from typing import Any, Iterator, Sequence

from .errors import ConfigError, LLMError
from .prompts import Prompt, load_prompt
from .settings import Settings
from .types import Passage


def make_chat_model(settings: Settings) -> Any:
    """A chat model from settings, or None when none is configured."""
    if not settings.llm_base_url:
        return None
    if not settings.llm_model:
        raise ConfigError("EVIDENCE_LLM_BASE_URL is set but EVIDENCE_LLM_MODEL is not; name the model to use")
    from langchain_openai import ChatOpenAI

    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
    return ChatOpenAI(base_url=settings.llm_base_url, model=settings.llm_model, api_key=key,
                      timeout=settings.llm_timeout_s, max_retries=1, temperature=settings.llm_temperature)


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
    where = f" at {settings.llm_base_url}" if settings and settings.llm_base_url else ""
    kind = type(exc).__name__
    if "timeout" in kind.lower() or "timed out" in str(exc).lower():
        return f"the language model{where} did not answer within {settings.llm_timeout_s if settings else '?'} s"
    return f"the language model{where} failed ({kind})"


class GenerativeAnswerer:
    def __init__(self, llm: Any, *, settings: Settings | None = None, prompts_dir: Any = None):
        self.llm = llm
        self.settings = settings
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

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
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

    def record(self) -> dict[str, str]:
        return {"name": "answer", "sha256": self.answer.sha256, "system_sha256": self.system.sha256}
