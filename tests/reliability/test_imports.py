"""Every documented entry point imports on its own in a fresh interpreter.

Staff scripts and notebooks start with ``from evidence_ingest.store import Index`` (as the docs show);
an import-order accident that only works when ``assistant`` happened to be imported first is a
crash on the first line of their code.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from rel_support import REPO, subprocess_env

ENTRY_POINTS = [
    "from evidence_assistant import Assistant, Settings",
    "from evidence_assistant.surfaces.cli import main",
    "from evidence_ingest.pipeline import ingest",
    "from evidence_ingest.store import Index, IngestLock",
    "from evidence_ingest.manifest import Manifest",
    "from evidence_ingest.vectors import VectorStore",
    "from evidence_ingest.lexical import LexicalIndex",
]


@pytest.mark.parametrize("statement", ENTRY_POINTS)
def test_entry_point_imports_in_fresh_interpreter(statement: str) -> None:
    proc = subprocess.run([sys.executable, "-c", statement], capture_output=True, text=True, timeout=120,
                          env=subprocess_env(), cwd="/")
    assert proc.returncode == 0, f"`{statement}` fails in a fresh interpreter:\n{proc.stderr[-1500:]}"
