"""The index writer: the one place where documents are written into the index.

A document is written in three steps, so that a run killed at any moment leaves an index the
next run can put right (``Index.recover``):

1. the manifest records the document as *pending*, with its passages and their BM25 tokens;
2. its passages' vectors are written to the dense index (after the manifest has noted that
   writes to the dense index are under way, so that stray vectors of a killed run are swept);
3. the manifest marks the document *indexed*, with the file it came from.

The lexical index is brought up to the manifest once, when the run finishes (``finish``).
Only one writer works on an index folder at a time: ``IndexWriter`` takes the folder's ingest
lock when entered and lets it go when left.

    with IndexWriter(settings) as writer:
        item = writer.prepare(document, blocks)   # passages cut by the model's own tokenizer
        writer.write([item])
        writer.finish()
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from evidence_assistant.core.settings import Settings, get_settings
from evidence_assistant.core.types import Block, Passage, SourceDocument

from .chunk import chunk_blocks, embedding_text
from .lexical_text import passage_tokens
from .manifest import FileRecord, now
from .store import Index, IngestLock, RecoveryReport


@dataclass
class PendingDocument:
    """A document ready to be written: its passages, their BM25 tokens (as the manifest stores
    them), the file record it is committed with, and the document it replaces (a changed file's
    previous version), if any."""

    document: SourceDocument
    passages: list[Passage]
    lex: list[str]
    file: FileRecord
    replaces: str | None = None


def chunk_document(document: SourceDocument, blocks: Sequence[Block], *, settings: Settings | None = None,
                   count_tokens: Callable[[Sequence[str]], list[int]] | None = None) -> list[Passage]:
    """The passages the product cuts ``document``'s blocks into, at the settings' chunk size and
    overlap, counted in the model's own tokens (``count_tokens``, by default the settings'
    embedding model)."""
    s = get_settings(settings)
    if count_tokens is None:
        from .embed import get_embedder
        count_tokens = get_embedder(s).count_tokens
    return chunk_blocks(document, blocks, max_tokens=s.chunk_tokens, overlap=s.chunk_overlap, count_tokens=count_tokens)


class IndexWriter:
    """Writes whole documents into the index under ``settings.index.index_dir``, holding its ingest
    lock while entered. ``index`` is an index this process already has open (it is left open);
    otherwise one is opened (created if missing) on first use and closed on leaving, with
    ``embedder`` when given (a wrapper of the product's model, say) instead of the settings' own."""

    def __init__(self, settings: Settings | None = None, *, index: Index | None = None, embedder: Any = None):
        self.settings = get_settings(settings)
        self._index = index
        self._own = index is None
        self._embedder = embedder
        self._lock = IngestLock(self.settings.index.index_dir)

    def __enter__(self) -> "IndexWriter":
        self._lock.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            if self._own and self._index is not None:
                self._index.close()
                self._index = None
        finally:
            self._lock.release()

    @property
    def index(self) -> Index:
        """The index written to (opened, or created, on first use)."""
        if self._index is None:
            if self._embedder is not None:
                self._index = Index(self.settings, self._embedder, create=True)
            else:
                self._index = Index.open(self.settings, create=True)
        return self._index

    # --- before writing ------------------------------------------------------------------
    def recover(self) -> RecoveryReport:
        """Finish or undo what a killed run left (see ``Index.recover``)."""
        return self.index.recover()

    def is_indexed(self, doc_id: str | None) -> bool:
        """Whether ``doc_id`` is indexed (not merely pending or being removed)."""
        if not doc_id:
            return False
        d = self.index.manifest.document(doc_id)
        return d is not None and d.state == "indexed"

    def prepare(self, document: SourceDocument, blocks: Sequence[Block]) -> PendingDocument | None:
        """A document already read (its blocks), cut into passages with the index's model and
        tokenized for BM25; None when it holds no text to index. Its file record names
        ``document.path`` with the document id as its content hash."""
        s = self.settings
        passages = chunk_document(document, blocks, settings=s, count_tokens=self.index.embedder.count_tokens)
        if not passages:
            return None
        return PendingDocument(document, passages, passage_tokens(passages, s.lexical_context),
                               FileRecord(str(Path(document.path)), document.doc_id, None, None, "indexed", None))

    # --- the three steps -----------------------------------------------------------------
    def write(self, items: Sequence[PendingDocument], *, together: bool = False,
              committed: Callable[[PendingDocument], None] | None = None) -> int:
        """Embed the passages of ``items`` in one go and write each document in the three steps;
        ``committed`` is told of each document once it counts as indexed. By default each
        document's vectors are written on their own (a killed run loses at most the document
        being written); ``together`` writes the vectors of all ``items`` at once, after every one
        of them is recorded pending: far fewer writes for bulk builds. Returns the passages embedded."""
        if not items:
            return 0
        idx = self.index
        idx.begin_writes()  # recorded before the first vector is written (see Index.recover)
        texts = [embedding_text(p) for item in items for p in item.passages]
        vectors = idx.embedder.encode(texts)
        if together:
            for item in items:
                idx.manifest.begin_document(item.document, item.passages, item.lex)  # 1: pending
            idx.vectors.upsert([p for item in items for p in item.passages], vectors)  # 2: vectors
            for item in items:
                idx.manifest.commit_document(item.document.doc_id, item.file)  # 3: indexed
                if committed:
                    committed(item)
            return len(texts)
        offset = 0
        for item in items:
            n = len(item.passages)
            idx.manifest.begin_document(item.document, item.passages, item.lex)  # 1: pending
            idx.vectors.upsert(item.passages, vectors[offset:offset + n])  # 2: vectors
            idx.manifest.commit_document(item.document.doc_id, item.file)  # 3: indexed
            offset += n
            if committed:
                committed(item)
        return len(texts)

    def remove(self, doc_id: str) -> int:
        """Remove a document from every store; returns how many passages went."""
        self.index.begin_writes()
        return self.index.remove_document(doc_id)

    def refresh_lexical(self) -> bool:
        """Bring the lexical index up to the manifest (nothing to do when it is current)."""
        return self.index.refresh_lexical()

    def finish(self) -> None:
        """End the run: the lexical index is brought up to the manifest, the run's writes are
        recorded as finished (only now may the next run skip looking for stray vectors), and the
        time of this ingest is noted."""
        idx = self.index
        idx.refresh_lexical()
        idx.end_writes()
        idx.manifest.set_meta("last_ingest", now())
