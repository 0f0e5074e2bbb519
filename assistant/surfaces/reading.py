"""What the surfaces read from the index, through the facade: the indexed documents and the files
they came from, passages by id, when the index last changed, and the evidence the commitments
registry cites. The chat, the timeline, evaluations and benchmarks use these
(``Assistant.documents()``, ``Assistant.passage(id)``, ``Assistant.evidence_timeline(c)``)
instead of the manifest."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from evidence_ingest.manifest import now as _index_clock

from evidence_assistant.core.types import Passage


def __getattr__(name: str) -> Any:
    # SUPPORTED_EXTENSIONS: the file types (by extension, e.g. ".pdf") the index can read, which
    # the chat accepts as uploads. Read on first use, so that opening an assistant does not load
    # the file readers.
    if name == "SUPPORTED_EXTENSIONS":
        from evidence_ingest.load import SUPPORTED_EXTENSIONS
        return tuple(SUPPORTED_EXTENSIONS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class ReadAccess:
    """Read-only views of the index, mixed into ``Assistant`` (which holds ``self.index``)."""

    index: Any

    def documents(self) -> list[dict[str, Any]]:
        """The indexed documents (title, kind, date, publisher, url, passages, id)."""
        return [d.to_dict() for d in self.index.manifest.documents()]

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """The document with this id, with the same fields as ``documents()`` (its ``state`` is
        'indexed', or 'removing' while a removal is unfinished); None when the index never held
        it or it has been removed."""
        d = self.index.manifest.document(doc_id)
        return d.to_dict() if d is not None else None

    def document_paths(self, doc_id: str) -> list[str]:
        """The files the document was indexed from (several when identical copies were added);
        empty when none is indexed."""
        return self.index.manifest.paths_of(doc_id)

    def file_document(self, path: str | Path) -> dict[str, Any] | None:
        """The document the file at ``path`` is indexed as (fields as in ``documents()``); None
        when the index holds no document for it: never added, refused, or removed. ``path`` is
        the file's resolved path, as indexing records it."""
        m = self.index.manifest
        rec = m.file(str(path))
        if rec is None or getattr(rec, "state", "indexed") != "indexed" or not rec.doc_id:
            return None
        d = m.document(rec.doc_id)
        return d.to_dict() if d is not None else None

    def passage(self, passage_id: str) -> Passage | None:
        """The passage with this id, or None when it is not (or no longer) indexed."""
        return self.index.manifest.passages([passage_id]).get(passage_id)

    def passages(self, passage_ids: Iterable[str]) -> dict[str, Passage]:
        """The indexed passages among ``passage_ids``, by id."""
        return self.index.manifest.passages(list(passage_ids))

    def as_of(self) -> str | None:
        """The date (YYYY-MM-DD) of the last change to the index, or None before the first."""
        last = self.index.manifest.get_meta("last_ingest")
        return last[:10] if last else None

    def index_version(self) -> int:
        """A number that changes whenever the indexed passages change (a document added or
        removed): views built from the index are current while it stays the same."""
        return self.index.manifest.generation()

    @staticmethod
    def index_time() -> str:
        """The time now as the index stamps what it adds (UTC, ISO 8601, to the second): a
        document whose ``added_at`` is at or after a time taken before adding files was indexed
        by that addition; an earlier one was already in the index."""
        return _index_clock()

    def evidence_timeline(self, commitment: Any) -> tuple[list[Any], list[Any]]:
        """The evidence timeline of a commitment in the registry (``Assistant.registry``).

        Returns (items, not_found). Items are the indexed passages the registry cites for it — its
        own evidence and each progress entry's — ordered by document date, undated last; each has
        ``passage``, ``progress`` (the progress entry citing it, or None), ``reference`` (the
        registry's reference, with its note) and ``text``, ``page``, ``paragraph`` (the referenced
        block of the passage). ``not_found`` holds the references that name nothing in the index.
        """
        from evidence_assistant.tracker.commitment_answers import evidence_timeline
        return evidence_timeline(commitment, self.index)
