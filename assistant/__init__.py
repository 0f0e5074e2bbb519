"""Evidence Assistant: questions answered from committee reports, evidence, responses and
standards, every sentence cited to the passage that supports it.

    from assistant import Assistant
    with Assistant.open() as a:
        answer = a.ask("When was the Expert Panel evaluation published?")
        print(answer.to_markdown())
"""
from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Multi-threaded BLAS between embedding calls slows torch's own threads many times over.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .answer import Answer, AnswerSentence, Citation  # noqa: E402
from .api import Assistant  # noqa: E402
from .errors import (  # noqa: E402
    ConfigError,
    EmptyIndexError,
    EvidenceError,
    IndexLockedError,
    IndexMismatchError,
    IndexNotFoundError,
    IngestError,
    InvalidFilterError,
    InvalidQuestionError,
    LLMError,
    PromptError,
    RegistryError,
)
from .retrieve import Filters  # noqa: E402
from .settings import Settings  # noqa: E402
from .types import Passage, ScoredPassage, SourceDocument  # noqa: E402


def ingest(paths, *, settings: Settings | None = None, prune: bool = False):
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
