"""The dense index: a Chroma collection, embedded in the index folder or on a Chroma server."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from evidence_assistant.core.errors import ConfigError
from evidence_assistant.core.settings import Settings
from evidence_assistant.core.types import Passage

from .embed import ChromaEmbeddingFunction, Embedder

log = logging.getLogger(__name__)


def date_number(date: str | None) -> int:
    """20230217 for '2023-02-17'; missing month or day count as 00, no date as 0."""
    if not date:
        return 0
    parts = (date.split("-") + ["00", "00"])[:3]
    try:
        return int(parts[0]) * 10000 + int(parts[1]) * 100 + int(parts[2])
    except ValueError:
        return 0


def chroma_client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.index.chroma_host:
        try:
            return chromadb.HttpClient(host=settings.index.chroma_host, port=settings.index.chroma_port, settings=chroma_settings)
        except Exception as exc:
            raise ConfigError(f"cannot reach the Chroma server at {settings.index.chroma_host}:{settings.index.chroma_port} "
                              f"({exc}); start it (make chroma-server) or unset EVIDENCE_CHROMA_HOST") from exc
    path = Path(settings.index.index_dir) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class VectorStore:
    def __init__(self, settings: Settings, embedder: Embedder):
        self.settings = settings
        self.embedder = embedder
        self.client = chroma_client(settings)
        self.collection = self._collection(self.client)
        self._max_batch = max(1, min(4000, int(self.client.get_max_batch_size())))

    def _collection(self, client: Any):
        s = self.settings
        return client.get_or_create_collection(
            name=s.collection,
            embedding_function=ChromaEmbeddingFunction(self.embedder),
            configuration={"hnsw": {"space": "cosine", "ef_construction": s.hnsw_ef_construction,
                                    "ef_search": s.hnsw_ef_search, "max_neighbors": s.hnsw_m}},
            metadata={"model": self.embedder.model_id},
        )

    def reopen(self) -> None:
        """Read the index afresh from disk, so that vectors another process added or removed
        since this one opened it are found. Embedded Chroma keeps one in-memory copy of an index
        per folder and process, and never rereads it on its own. A Chroma server needs none of
        this. Call it only while no process writes to the index (holding the ingest lock)."""
        if self.settings.index.chroma_host:
            return
        from chromadb.api.shared_system_client import SharedSystemClient

        # Chroma hands every client of a folder the one cached copy; dropping it from the cache
        # makes the next client read the folder again. The old copy is not stopped: questions
        # already running finish on it, and it is freed once they let go of it.
        SharedSystemClient._identifier_to_system.pop(self.client._identifier, None)
        client = chroma_client(self.settings)
        collection = self._collection(client)
        self.client, self.collection = client, collection

    def model_id(self) -> str | None:
        return (self.collection.metadata or {}).get("model")

    def count(self) -> int:
        return self.collection.count()

    def upsert(self, passages: Sequence[Passage], vectors: np.ndarray) -> None:
        for i in range(0, len(passages), self._max_batch):
            chunk = passages[i:i + self._max_batch]
            self.collection.upsert(
                ids=[p.passage_id for p in chunk],
                embeddings=vectors[i:i + len(chunk)],
                documents=[p.text for p in chunk],
                metadatas=[_metadata(p) for p in chunk],
            )

    def delete_document(self, doc_id: str) -> None:
        self.collection.delete(where={"doc_id": doc_id})

    def delete_ids(self, ids: Sequence[str]) -> None:
        for i in range(0, len(ids), self._max_batch):
            self.collection.delete(ids=list(ids[i:i + self._max_batch]))

    def all_ids(self) -> list[str]:
        out: list[str] = []
        offset, page = 0, 20000
        while True:
            got = self.collection.get(include=[], limit=page, offset=offset)["ids"]
            out.extend(got)
            if len(got) < page:
                return out
            offset += page

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(ids), self._max_batch):
            got = self.collection.get(ids=list(ids[i:i + self._max_batch]), include=["embeddings"])
            for pid, vec in zip(got["ids"], got["embeddings"]):
                out[pid] = np.asarray(vec, dtype=np.float32)
        return out

    def query(self, vector: np.ndarray, k: int, *, doc_ids: set[str] | None = None) -> list[tuple[str, float]]:
        """Top ``k`` (passage_id, cosine similarity)."""
        where: dict[str, Any] | None = None
        if doc_ids is not None:
            if not doc_ids:
                return []
            where = {"doc_id": {"$in": sorted(doc_ids)}}
        try:
            res = self.collection.query(query_embeddings=[vector], n_results=k, where=where, include=["distances"])
        except Exception:
            if self.count() == 0:  # an empty collection: nothing to find, not an error
                return []
            raise
        return [(pid, 1.0 - float(d)) for pid, d in zip(res["ids"][0], res["distances"][0])]


def _metadata(p: Passage) -> dict[str, Any]:
    md: dict[str, Any] = {"doc_id": p.doc_id, "seq": p.seq, "kind": p.kind, "date_num": date_number(p.date),
                          "title": p.title}
    for key, value in (("date", p.date), ("page", p.page_start), ("paragraph", p.paragraph_start),
                       ("publisher", p.publisher), ("url", p.url)):
        if value is not None:
            md[key] = value
    return md
