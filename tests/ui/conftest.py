"""Fixtures for the chat's tests: a stub assistant for the fast ones; a real index of corpus/sample
and the real app on a free loopback port for the slow ones."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from ui_helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, REPO, StubAssistant, free_port


@pytest.fixture
def stub_assistant() -> StubAssistant:
    return StubAssistant()


# --- the real thing ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Settings for a fresh index of corpus/sample (built once per test session)."""
    from evidence_assistant.core.settings import Settings
    from evidence_ingest.pipeline import ingest

    root = tmp_path_factory.mktemp("ui-index")
    settings = Settings(index_dir=root / "index", upload_dir=root / "uploads", host="127.0.0.1", port=free_port(),
                        max_upload_mb=5)
    report = ingest([REPO / "corpus" / "sample"], settings=settings)
    assert report.indexed >= 5, report.to_dict()
    return settings


@pytest.fixture(scope="session")
def live_app(sample_index: Any) -> Iterator[dict[str, Any]]:
    """The real app serving the sample index on 127.0.0.1 (one per session; uploads persist)."""
    from evidence_assistant.surfaces.api import Assistant
    from evidence_assistant.surfaces.ui.app import launch

    assistant = Assistant.open(settings=sample_index)
    demo, url = launch(sample_index, block=False, assistant=assistant)
    try:
        yield {"url": url.rstrip("/") + "/", "demo": demo, "assistant": assistant, "settings": sample_index}
    finally:
        demo.close()
        assistant.close()
        exports = demo.evidence_ui._export_dir  # the app's temporary export folder, if it made one
        if exports is not None:
            shutil.rmtree(exports, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found; install Debian's chromium (`make browser`) to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
