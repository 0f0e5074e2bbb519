"""Helpers for the reliability and security tests (imported by their modules and conftest).

Everything here builds on real files and real subprocesses; nothing in the product is mocked
except where a test says so (the chat model in generative mode, and the kill switches the crash
runner installs from outside).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SAMPLE = REPO / "corpus" / "sample"
RUNNER = HERE / "crash_runner.py"
PYTHON = Path(sys.executable)
EVIDENCE = PYTHON.parent / "evidence"  # the console script pip installed, i.e. what staff run

# Two real sample files (Markdown and a text PDF) plus small generated notes: enough formats and
# documents to have "between documents" and "replace" states, small enough to embed in seconds.
SMALL_SAMPLE_FILES = ("2023-02-reactions-to-expert-panel-evaluation.md", "dhs0042-dhsc-written-evidence.pdf")

_TOPICS = {
    "notes-data-sharing.md": ("Staff notes on data sharing", [
        "The committee heard that data sharing agreements between trusts took months to sign.",
        "Witnesses said a national template would cut the time to weeks and reduce legal costs.",
        "The clerk noted that three integrated care boards had already adopted such a template.",
    ]),
    "notes-cyber.md": ("Staff notes on cyber security", [
        "Several trusts reported that legacy systems could not receive security patches.",
        "The committee asked how many critical vulnerabilities remained open after ninety days.",
        "NHS England said a central security operations centre monitored all trusts around the clock.",
    ]),
    "notes-workforce.md": ("Staff notes on the digital workforce", [
        "Evidence suggested that digital, data and technology posts were hard to fill outside London.",
        "Chief clinical information officers were present on only some trust boards in 2022.",
        "Witnesses recommended protected time for clinicians to take part in system design.",
    ]),
}


def notes_text(title: str, paragraphs: list[str], *, extra: str = "") -> str:
    body = "\n\n".join(f"{i}. {p}" for i, p in enumerate(paragraphs, 1))
    return f"# {title}\n\n{body}\n{extra}"


def make_small_corpus(dest: Path) -> Path:
    """The crash tests' corpus: 5 documents, about 25 passages."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in SMALL_SAMPLE_FILES:
        shutil.copy2(SAMPLE / name, dest / name)
    for name, (title, paras) in _TOPICS.items():
        (dest / name).write_text(notes_text(title, paras), encoding="utf-8")
    return dest


def corpus_key(folder: Path) -> str:
    """Identity of a folder's content (names and bytes): two folders with the same key must
    index to the same passages."""
    h = hashlib.sha256()
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(f.relative_to(folder).as_posix().encode() + b"\0" + hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:16]


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
                "ANONYMIZED_TELEMETRY": "False", "OPENBLAS_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false",
                "PYTHONUNBUFFERED": "1"})
    env.pop("EVIDENCE_INDEX_DIR", None)  # every command here names its index explicitly
    env.update(extra)
    return env


def run_plan(plan_dir: Path, steps: list[dict[str, Any]], *, timeout: float = 900,
             env: dict[str, str] | None = None) -> tuple[int, list[dict[str, Any]]]:
    """Run ``steps`` in a fresh crash_runner process; returns its exit status (negative for a
    signal) and the step records it logged."""
    plan_dir.mkdir(parents=True, exist_ok=True)
    log = plan_dir / "log.jsonl"
    log.unlink(missing_ok=True)
    plan = plan_dir / "plan.json"
    plan.write_text(json.dumps({"steps": steps, "log": str(log)}))
    proc = subprocess.run([str(PYTHON), str(RUNNER), str(plan)], cwd=REPO, env=env or subprocess_env(),
                          capture_output=True, text=True, timeout=timeout)
    records = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    if proc.returncode not in (0, -9):
        raise AssertionError(f"crash runner failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return proc.returncode, records
