"""Evidence Assistant: questions answered from committee reports, evidence, responses and
standards, every sentence cited to the passage that supports it.

    from assistant import Assistant
    with Assistant.open() as a:
        answer = a.ask("When was the Expert Panel evaluation published?")
        print(answer.to_markdown())
"""
from __future__ import annotations

from .offline import set_offline_env

set_offline_env()

from importlib import import_module  # noqa: E402
from typing import Any  # noqa: E402

# Names are resolved on first use (PEP 562), so that importing one submodule — say
# assistant.errors from the ingest side — does not import the whole API and its stores.
_EXPORTS = {
    "Answer": "answer", "AnswerSentence": "answer", "Citation": "answer",
    "Assistant": "api",
    "ConfigError": "errors", "EmptyIndexError": "errors", "EvidenceError": "errors", "IndexLockedError": "errors",
    "IndexMismatchError": "errors", "IndexNotFoundError": "errors", "IngestError": "errors",
    "InvalidFilterError": "errors", "InvalidQuestionError": "errors", "LLMError": "errors", "PromptError": "errors",
    "RegistryError": "errors",
    "Filters": "retrieve",
    "Settings": "settings",
    "Passage": "types", "ScoredPassage": "types", "SourceDocument": "types",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def ingest(paths, *, settings=None, prune: bool = False):
    """Index files and folders; returns an ``IngestReport`` (see ``evidence ingest``)."""
    from ingest.pipeline import ingest as _ingest
    return _ingest(paths, settings=settings, prune=prune)


__all__ = [
    "Answer",
    "AnswerSentence",
    "Assistant",
    "Citation",
    "ConfigError",
    "EmptyIndexError",
    "EvidenceError",
    "Filters",
    "IndexLockedError",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IngestError",
    "InvalidFilterError",
    "InvalidQuestionError",
    "LLMError",
    "Passage",
    "PromptError",
    "RegistryError",
    "ScoredPassage",
    "Settings",
    "SourceDocument",
    "ingest",
]
