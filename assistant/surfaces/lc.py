"""The assistant's retrieval as a LangChain retriever, for researchers' own chains."""
from __future__ import annotations

from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables.config import run_in_executor
from pydantic import ConfigDict, Field

from evidence_assistant.core.types import ScoredPassage


def to_document(sp: ScoredPassage) -> Document:
    p = sp.passage
    meta: dict[str, Any] = {
        "passage_id": p.passage_id, "doc_id": p.doc_id, "title": p.title, "kind": p.kind, "date": p.date,
        "publisher": p.publisher, "url": p.url, "source": p.path, "page": p.page_label,
        "paragraph": p.paragraph_label, "heading_path": " › ".join(p.heading_path), "char_start": p.char_start,
        "char_end": p.char_end, "score": sp.score, "similarity": sp.similarity,
    }
    return Document(page_content=p.text, metadata={k: v for k, v in meta.items() if v is not None}, id=p.passage_id)


_INVOKE_ARGS = ("k", "filters")


def _positive_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k (the number of passages to return) must be a positive whole number, got {k!r}")
    return k


class EvidenceRetriever(BaseRetriever):
    """Hybrid retrieval over the index; each Document's metadata carries the citation fields
    (title, kind, date, page, paragraph, url, passage_id).

    As LangChain retrievers do, it takes the number of passages as ``k`` when built
    (``assistant.as_retriever(k=3)``) and also per call (``retriever.invoke(question, k=1)``);
    ``filters`` may likewise be given per call, in place of the retriever's own for that call.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    assistant: Any
    k: int = Field(default=8, ge=1)
    filters: dict[str, Any] | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                **kwargs: Any) -> list[Document]:
        unknown = sorted(set(kwargs) - set(_INVOKE_ARGS))
        if unknown:
            raise TypeError(f"the evidence retriever does not take {', '.join(map(repr, unknown))}; "
                            f"per call it accepts {', '.join(_INVOKE_ARGS)}")
        k = _positive_k(kwargs["k"]) if kwargs.get("k") is not None else self.k
        filters = kwargs["filters"] if "filters" in kwargs else self.filters
        retrieval = self.assistant.retrieve(query, filters=filters, k=k)
        return [to_document(sp) for sp in retrieval.results[:k]]

    async def _aget_relevant_documents(self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun,
                                       **kwargs: Any) -> list[Document]:
        # Search is CPU work on the local index: run it off the event loop, with the same
        # per-call arguments as invoke.
        return await run_in_executor(None, self._get_relevant_documents, query,
                                     run_manager=run_manager.get_sync(), **kwargs)
