"""The LangChain retriever follows LangChain's own conventions: it passes the standard retriever
tests of ``langchain-tests`` over a real index of corpus/sample (real model, real Chroma), so a
researcher's chain can treat it like any other retriever (``k`` at construction or at invoke
time, sync and async). The citation metadata it carries is checked beside them."""
from __future__ import annotations

from typing import Any

import inspect

import pytest
from langchain_core.documents import Document
from langchain_tests.integration_tests import RetrieversIntegrationTests

QUERY = "Who chaired the Expert Panel?"

# The standard suite's async tests carry no asyncio mark of their own (LangChain's packages run
# pytest-asyncio in "auto" mode); mark them where they are defined, so that they stay the very
# same functions (the suite refuses overridden tests) and the sync tests stay unmarked.
for _name, _fn in vars(RetrieversIntegrationTests).items():
    if _name.startswith("test_") and inspect.iscoroutinefunction(_fn):
        pytest.mark.asyncio(_fn)


@pytest.fixture(autouse=True)
def _assistant_for_class(request, sample_assistant):
    """The standard tests build retrievers from class properties, not fixtures: hand them the
    session's assistant through the class."""
    if request.cls is not None:
        request.cls.assistant = sample_assistant


class TestAsRetrieverStandard(RetrieversIntegrationTests):
    """``Assistant.as_retriever(k=...)``, the public way in."""

    assistant: Any = None

    @property
    def retriever_constructor(self):
        return self.assistant.as_retriever

    @property
    def retriever_query_example(self) -> str:
        return QUERY


class TestEvidenceRetrieverStandard(RetrieversIntegrationTests):
    """``EvidenceRetriever(assistant=..., k=...)`` built directly, as LangChain code would."""

    assistant: Any = None

    @property
    def retriever_constructor(self):
        from evidence_assistant.surfaces.lc import EvidenceRetriever
        return EvidenceRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"assistant": self.assistant}

    @property
    def retriever_query_example(self) -> str:
        return QUERY


CITATION_FIELDS = {"title", "kind", "date", "page", "paragraph", "url", "passage_id"}


def test_k_at_invoke_time_overrides_the_constructor_and_keeps_citation_metadata(sample_assistant):
    retriever = sample_assistant.as_retriever(k=5)
    docs = retriever.invoke(QUERY, k=2)
    assert len(docs) == 2 and all(isinstance(d, Document) for d in docs)
    assert retriever.k == 5 and len(retriever.invoke(QUERY)) == 5  # the call did not change the retriever
    # Citation fields every sample passage has (url and date are absent for a document without them).
    for d in docs:
        assert {"title", "kind", "passage_id", "source"} <= set(d.metadata)
        assert d.id == d.metadata["passage_id"]
    seen = set().union(*(d.metadata for d in retriever.invoke(QUERY, k=20)))
    assert CITATION_FIELDS <= seen, CITATION_FIELDS - seen
    # The top passages are the same whichever way k was given.
    assert [d.id for d in docs] == [d.id for d in sample_assistant.as_retriever(k=2).invoke(QUERY)]


def test_filters_at_invoke_time(sample_assistant):
    retriever = sample_assistant.as_retriever(k=4)
    docs = retriever.invoke(QUERY, filters={"kinds": ["report"]})
    assert len(docs) == 4 and all(d.metadata["kind"] == "report" for d in docs)


@pytest.mark.asyncio
async def test_async_invoke_honours_k_and_filters(sample_assistant):
    docs = await sample_assistant.as_retriever().ainvoke(QUERY, k=2, filters={"kinds": ["report"]})
    assert len(docs) == 2 and all(d.metadata["kind"] == "report" for d in docs)


@pytest.mark.parametrize("bad", [0, -1, "three", 2.5, True])
def test_a_bad_k_is_refused_naming_the_argument(sample_assistant, bad):
    with pytest.raises(ValueError, match=r"\bk\b.*positive whole number"):
        sample_assistant.as_retriever().invoke(QUERY, k=bad)


def test_an_unknown_argument_is_refused_naming_what_is_accepted(sample_assistant):
    with pytest.raises(TypeError, match=r"top_n.*k, filters"):
        sample_assistant.as_retriever().invoke(QUERY, top_n=3)
