"""Fixtures for tests/reliability. Helpers live in rel_support.py (a conftest cannot be imported
by name without clashing with tests/conftest.py)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rel_support import SAMPLE  # noqa: E402


@pytest.fixture(scope="session")
def sample_corpus() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """(Assistant, Settings) over a fresh index of corpus/sample, shared by the app tests (the
    load and access tests serve it over HTTP; building it once saves a minute)."""
    from evidence_assistant import Assistant, Settings
    from evidence_ingest.pipeline import ingest

    s = Settings(index_dir=tmp_path_factory.mktemp("sample-index") / "index")
    report = ingest([SAMPLE], settings=s)
    assert report.ok and report.indexed >= 9, report.to_dict()
    a = Assistant.open(settings=s)
    yield a, s
    a.close()
