"""A small error hierarchy. Every message names the file, page, field or id and the fix;
the CLI and the chat turn these into clean messages at the edge."""
from __future__ import annotations


class EvidenceError(Exception):
    """Base class of every error the product raises on purpose."""


class ConfigError(EvidenceError):
    """A setting is missing or wrong."""


class IngestError(EvidenceError):
    """A file could not be read. ``path`` names it, ``reason`` says why and what to do."""

    def __init__(self, path: str, reason: str, *, page: int | str | None = None):
        self.path = str(path)
        self.reason = reason
        self.page = page
        where = f"{self.path}" + (f", page {page}" if page is not None else "")
        super().__init__(f"{where}: {reason}")

    def __reduce__(self):  # crosses the parse worker's pipe intact
        return (type(self), (self.path, self.reason), {"page": self.page})


class UnsupportedFormatError(IngestError):
    pass


class IndexNotFoundError(EvidenceError):
    """There is no index where one was expected."""


class EmptyIndexError(EvidenceError):
    """The index exists but holds no passages."""


class IndexMismatchError(EvidenceError):
    """The index was built with a different embedding model or passage settings."""


class IndexLockedError(EvidenceError):
    """Another ingest holds the index."""


class InvalidQuestionError(EvidenceError):
    """The question is empty, too long or otherwise unusable."""


class InvalidFilterError(EvidenceError):
    """A filter names a kind, document or date the index does not know."""


class LLMError(EvidenceError):
    """The configured chat model could not be reached or answered badly."""


class PromptError(EvidenceError):
    """A prompt file is missing or lacks a placeholder."""


class RegistryError(EvidenceError):
    """The commitments registry is invalid or cites something that is not indexed."""
