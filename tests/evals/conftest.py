"""One run of the sample suite per test session, on an index built fresh from corpus/sample in a
temporary folder; the gate, the verbatim property and the runner's smoke test all share it."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def eval_cache(tmp_path_factory) -> Path:
    """A fresh benchmark-index cache for this session (the sample index is built here once)."""
    return tmp_path_factory.mktemp("eval-cache")


@pytest.fixture(scope="session")
def sample_run(eval_cache) -> dict[str, Any]:
    from evidence_assistant.core.settings import Settings
    from evidence_evals import sample_suite

    settings = Settings(index_dir=eval_cache / "unused")  # the suite builds its own index folder
    index_dir = sample_suite.build_index(settings, root=eval_cache)
    return sample_suite.run(settings, index_dir=index_dir)
