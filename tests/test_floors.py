"""The floors hold: imports go only down (files -> ingest -> index -> answer -> surfaces), checked
statically by import-linter's contracts and at run time in a fresh interpreter."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    run = subprocess.run([exe, "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "BROKEN" not in run.stdout


def _loaded_after(statement: str) -> list[str]:
    code = (f"import sys, json; {statement}; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('evidence_assistant', 'evidence_ingest', 'evidence_evals'))))")
    run = subprocess.run([sys.executable, "-c", code], cwd="/", capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("statement", [
    "from evidence_assistant.core.types import Passage",
    "from evidence_assistant.core.settings import Settings",
    "from evidence_assistant.core.errors import EvidenceError",
    "from evidence_assistant.core.text import tokenize, sentence_spans",
])
def test_the_ground_floor_loads_nothing_above_it(statement: str) -> None:
    loaded = _loaded_after(statement)
    above = [m for m in loaded if not (m == "evidence_assistant" or m.startswith("evidence_assistant.core"))]
    assert above == [], f"{statement!r} also loaded {above}"


def test_the_ingest_floor_loads_no_answering_or_surface_module() -> None:
    loaded = _loaded_after("import evidence_ingest.pipeline, evidence_ingest.store")
    above = [m for m in loaded if m.startswith(("evidence_assistant.answering", "evidence_assistant.tracker",
                                                "evidence_assistant.surfaces", "evidence_evals"))]
    assert above == [], above


def test_importing_the_facade_loads_no_store_until_used() -> None:
    loaded = _loaded_after("import evidence_assistant")
    assert loaded == ["evidence_assistant", "evidence_assistant.core", "evidence_assistant.core.offline"], loaded
