"""Shared test fixtures. Tests run offline: the model hub and Gradio analytics are switched off
before anything imports them."""
from __future__ import annotations

import os

from evidence_assistant.core.offline import set_offline_env

set_offline_env()

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("EVIDENCE_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout; tests that need it skip, saying so, when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"third-party test data not found at {SHARED_DATA} (set EVIDENCE_SHARED_DATA or place shared/ beside the repo)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> Path:
    """An index of corpus/sample built once per test session (real model, real Chroma)."""
    from evidence_assistant.core.settings import Settings
    from evidence_ingest.pipeline import ingest

    index_dir = tmp_path_factory.mktemp("sample-index")
    report = ingest([REPO / "corpus" / "sample"], settings=Settings(index_dir=index_dir))
    assert not report.skipped, f"sample corpus files were skipped: {report.skipped}"
    return index_dir


@pytest.fixture(scope="session")
def sample_assistant(sample_index):
    from evidence_assistant import Assistant

    a = Assistant.open(sample_index)
    yield a
    a.close()
