"""The assistant's retrieval as a LangChain retriever, for researchers' own chains."""
from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .types import ScoredPassage


def to_document(sp: ScoredPassage) -> Document:
    p = sp.passage
    meta: dict[str, Any] = {
        "passage_id": p.passage_id, "doc_id": p.doc_id, "title": p.title, "kind": p.kind, "date": p.date,
        "publisher": p.publisher, "url": p.url, "source": p.path, "page": p.page_label,
        "paragraph": p.paragraph_label, "heading_path": " › ".join(p.heading_path), "char_start": p.char_start,
        "char_end": p.char_end, "score": sp.score, "similarity": sp.similarity,
    }
    return Document(page_content=p.text, metadata={k: v for k, v in meta.items() if v is not None}, id=p.passage_id)


class EvidenceRetriever(BaseRetriever):
    """Hybrid retrieval over the index; each Document's metadata carries the citation fields
    (title, kind, date, page, paragraph, url, passage_id)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    assistant: Any
    k: int = 8
    filters: dict[str, Any] | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        retrieval = self.assistant.retrieve(query, filters=self.filters, k=self.k)
        return [to_document(sp) for sp in retrieval.results]
