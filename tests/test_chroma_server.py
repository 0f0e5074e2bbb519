"""Scale-out: the dense index on a real Chroma server (``chroma run``), started on loopback.

With ``chroma_host`` set, vectors live on the server (``chromadb.HttpClient``); the manifest and
the BM25 index stay in ``index_dir`` on the local disk. These tests start the server from the
venv's own ``chroma`` CLI on a free port with a temporary data folder, ingest the sample corpus
through it, answer a question with citations, and always stop the server.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.server]

QUESTION = "When was the Expert Panel evaluation published?"


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A ``chroma run`` server on 127.0.0.1 for this module (the benchmarks start theirs the
    same way); stopped at the end whatever happens."""
    from benchmarks.server import chroma_server as start_server

    base = tmp_path_factory.mktemp("chroma-server")
    try:
        server = start_server(base / "data", timeout_s=90, log_path=base / "chroma.log")  # a loaded CI machine is slow
        port = server.__enter__()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield port
    finally:
        server.__exit__(None, None, None)


@pytest.fixture(scope="module")
def server_settings(chroma_server: int, tmp_path_factory: pytest.TempPathFactory):
    from evidence_assistant.core.settings import Settings
    return Settings(index_dir=tmp_path_factory.mktemp("server-index"), chroma_host="127.0.0.1",
                    chroma_port=chroma_server, collection="server_test")


@pytest.fixture(scope="module")
def ingested(server_settings, repo_root: Path):
    from evidence_ingest.pipeline import ingest
    report = ingest([repo_root / "corpus" / "sample"], settings=server_settings)
    return report


def test_ingest_writes_vectors_to_the_server_and_the_rest_locally(ingested, server_settings) -> None:
    from evidence_ingest.store import Index

    assert ingested.ok, ingested.skipped
    assert ingested.passages_added > 0
    index_dir = Path(server_settings.index_dir)
    # The dense index is on the server: no embedded Chroma store was created locally.
    assert not (index_dir / "chroma").exists()
    # The manifest and the lexical index live in index_dir on the local disk.
    assert (index_dir / "manifest.sqlite").is_file()
    assert (index_dir / "lexical" / "ids.json").is_file()
    idx = Index.open(server_settings)
    try:
        assert idx.vectors.count() == ingested.passages_added == idx.manifest.count_passages()
        assert idx.status()["chroma"] == f"server 127.0.0.1:{server_settings.chroma_port}"
    finally:
        idx.close()


def test_answer_through_the_server_is_cited(ingested, server_settings) -> None:
    from evidence_assistant import Assistant

    with Assistant.open(settings=server_settings) as a:
        ans = a.ask(QUESTION)
        assert ans.verdict in ("supported", "partially_supported"), (ans.verdict, ans.notes, ans.text)
        assert ans.citations
        shown = {sp.passage.passage_id for sp in ans.passages}
        for c in ans.citations:
            assert c.passage_id in shown
        # Both halves of hybrid retrieval answer in server mode.
        dense = a.retriever.search(QUESTION, mode="dense").results
        lexical = a.retriever.search(QUESTION, mode="lexical").results
        assert dense and lexical
        assert dense[0].similarity is not None


def test_reingest_through_the_server_embeds_nothing(ingested, server_settings, repo_root: Path) -> None:
    from evidence_ingest.pipeline import ingest
    again = ingest([repo_root / "corpus" / "sample"], settings=server_settings)
    assert again.embedded == 0 and again.passages_added == 0
    assert again.unchanged == ingested.indexed + ingested.duplicates


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    from evidence_assistant.core.errors import ConfigError
    from evidence_assistant.core.settings import Settings
    from benchmarks.server import free_port
    from evidence_ingest.store import Index

    s = Settings(index_dir=tmp_path / "idx", chroma_host="127.0.0.1", chroma_port=free_port())
    with pytest.raises(ConfigError, match="Chroma server"):
        Index.open(s, create=True)
