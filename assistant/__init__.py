"""The public API (top of the floors): ``Assistant``, ``ingest``, the index writer, the tracker's readers and the records, resolved lazily from the floors below; evaluations, benchmarks and users' code import only this and ``evidence_assistant.core``.

Evidence Assistant: questions answered from committee reports, evidence, responses and
standards, every sentence cited to the passage that supports it.

    from evidence_assistant import Assistant
    with Assistant.open() as a:
        answer = a.ask("When was the Expert Panel evaluation published?")
        print(answer.to_markdown())
"""
from __future__ import annotations

from evidence_assistant.core.offline import set_offline_env

set_offline_env()

from importlib import import_module  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

if TYPE_CHECKING:
    from pathlib import Path

# Names are resolved on first use (PEP 562), so that importing one submodule — say
# evidence_assistant.core.errors from the ingest side — does not import the whole API and its stores.
# A module named from "evidence_ingest" is the ingest floor's; any other is relative to this package.
_EXPORTS = {
    "Answer": "answering.answer", "AnswerSentence": "answering.answer", "Citation": "answering.answer",
    "Assistant": "surfaces.api",
    "ConfigError": "core.errors", "EmptyIndexError": "core.errors", "EvidenceError": "core.errors", "IndexLockedError": "core.errors",
    "IndexMismatchError": "core.errors", "IndexNotFoundError": "core.errors", "IngestError": "core.errors",
    "InvalidFilterError": "core.errors", "InvalidQuestionError": "core.errors", "LLMError": "core.errors", "PromptError": "core.errors",
    "RegistryError": "core.errors",
    "Filters": "answering.retrieve",
    "Settings": "core.settings",
    "Block": "core.types", "Passage": "core.types", "ScoredPassage": "core.types", "SourceDocument": "core.types",
    "match_commitments": "tracker.commitment_answers",
    # The tracker read directly: a document loaded with the product's loaders, its numbered
    # recommendations, the replies a response gives them, the undertakings it makes, and the
    # later passages of an index that bear on one of them.
    "load_document": "tracker.recommendations", "extract_recommendations": "tracker.recommendations",
    "match_response": "tracker.recommendations", "propose_commitments": "tracker.recommendations",
    "item_from_proposal": "tracker.tracker_progress", "progress": "tracker.tracker_progress",
    # Indexing documents that are already read (datasets, benchmarks), and reading one file with
    # the product's loaders, as ``ingest`` does.
    "IndexWriter": "evidence_ingest.writer", "chunk_document": "evidence_ingest.writer",
    "IngestReport": "evidence_ingest.pipeline", "index_documents": "evidence_ingest.pipeline",
    "SUPPORTED_EXTENSIONS": "evidence_ingest.load", "load_file": "evidence_ingest.load",
    "embedding_text": "evidence_ingest.chunk", "get_embedder": "evidence_ingest.embed",
}

# Where the code that turns files into passages lives (see ``reader_sources``).
_READER_MODULES = ("evidence_ingest.load", "evidence_ingest.chunk", "evidence_assistant.core.text")


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'evidence_assistant' has no attribute {name!r}")
    value = getattr(import_module(module if module.startswith("evidence_ingest") else f".{module}", __name__), name)
    globals()[name] = value
    return value


def ingest(paths, *, settings=None, prune: bool = False):
    """Index files and folders; returns an ``IngestReport`` (see ``evidence ingest``)."""
    from evidence_ingest.pipeline import ingest as _ingest
    return _ingest(paths, settings=settings, prune=prune)


def launch_chat(settings=None, *, block: bool = True, assistant=None):
    """Serve the chat (see ``evidence chat``) on settings.chat.host:settings.chat.port; returns (the
    Gradio Blocks, its local URL). With ``block=False`` it returns once the server is up (call
    ``.close()`` on the Blocks to stop it); ``assistant`` is an open ``Assistant`` to answer with."""
    from evidence_assistant.surfaces.ui.app import launch
    return launch(settings, block=block, assistant=assistant)


def reader_sources() -> list[Path]:
    """The source files of the code that turns files into passages — the loaders, the chunker
    and the sentence and word splitting they use — without importing them: a change to any of
    them changes what an index holds (evaluations key their cached indexes on these files)."""
    from importlib.util import find_spec
    from pathlib import Path

    files: list[Path] = []
    for name in _READER_MODULES:
        spec = find_spec(name)
        if spec is None or spec.origin is None:
            raise ImportError(f"cannot find the module {name}; reinstall evidence-assistant (pip install -e .)")
        origin = Path(spec.origin)
        files += sorted(origin.parent.glob("*.py")) if origin.name == "__init__.py" else [origin]
    return files


__all__ = [
    "Answer",
    "AnswerSentence",
    "Assistant",
    "Block",
    "Citation",
    "ConfigError",
    "EmptyIndexError",
    "EvidenceError",
    "Filters",
    "IndexLockedError",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IndexWriter",
    "IngestError",
    "IngestReport",
    "InvalidFilterError",
    "InvalidQuestionError",
    "LLMError",
    "Passage",
    "PromptError",
    "RegistryError",
    "SUPPORTED_EXTENSIONS",
    "ScoredPassage",
    "Settings",
    "SourceDocument",
    "chunk_document",
    "embedding_text",
    "extract_recommendations",
    "get_embedder",
    "index_documents",
    "ingest",
    "item_from_proposal",
    "launch_chat",
    "load_document",
    "load_file",
    "match_commitments",
    "match_response",
    "progress",
    "propose_commitments",
    "reader_sources",
]
