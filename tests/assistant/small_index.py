"""A real index of a few documents written for a test, and the assistant over it."""
from __future__ import annotations

from pathlib import Path
from typing import Any


def open_assistant(root: Path, docs: dict[str, str], **settings: Any):
    """Write ``docs`` (file name -> text) under ``root``/docs, ingest them with the real model
    into ``root``/index and open the assistant over that index (the caller closes it)."""
    from evidence_assistant import Assistant
    from evidence_assistant.core.settings import Settings
    from evidence_ingest.pipeline import ingest

    folder = root / "docs"
    folder.mkdir()
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    chosen = Settings(index_dir=root / "index", **settings)
    report = ingest([folder], settings=chosen)
    assert not report.skipped, report.skipped
    return Assistant.open(settings=chosen)
