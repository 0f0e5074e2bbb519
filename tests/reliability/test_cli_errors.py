"""Bad input anywhere gets one clear line naming the field and the fix, never a traceback.

* The ``evidence`` command: any error, expected or not, is one line on stderr and a non-zero
  exit (the traceback only with EVIDENCE_DEBUG=1): ``--k 0``, a setting out of range in the
  environment, a space in ``--host``, a port another program holds, a question that is not
  valid text, an unknown log level, an index folder holding a damaged file.
* Questions with a lone surrogate (what undecodable bytes become) are refused plainly by the
  Python API, the chat and its HTTP endpoint alike.
* Filters of the wrong type are refused naming the field, never silently ignored.
"""
from __future__ import annotations

import datetime
import os
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from evidence_assistant import Assistant, Settings
from evidence_assistant.core.errors import InvalidFilterError, InvalidQuestionError
from evidence_assistant.answering.retrieve import Filters
from evidence_ingest.pipeline import ingest
from rel_support import EVIDENCE, REPO, make_small_corpus, subprocess_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("cli-errors")
    s = Settings(index_dir=root / "index")
    report = ingest([make_small_corpus(root / "corpus")], settings=s)
    assert report.ok, report.to_dict()
    return s


def _run(*args: str | bytes, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(EVIDENCE), *args], capture_output=True, text=True, errors="backslashreplace",
                          timeout=300, env=subprocess_env(**(env or {})), cwd=REPO)


def _one_line_error(proc: subprocess.CompletedProcess[str], *fragments: str, code: int = 1) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    last = lines[-1]
    if code == 1:
        assert len(lines) == 1, lines
        assert last.startswith("evidence: "), last
    for fragment in fragments:
        assert fragment in last, (fragment, last)
    return last


def test_k_zero_is_a_usage_error_naming_the_option(tmp_path: Path) -> None:
    proc = _run("ask", "What did the Expert Panel find?", "--k", "0", "--index", str(tmp_path / "none"))
    _one_line_error(proc, "--k", "1 or more", code=2)


def test_setting_out_of_range_in_the_environment_names_it(tmp_path: Path) -> None:
    proc = _run("ask", "What did the Expert Panel find?", "--index", str(tmp_path / "none"),
                env={"EVIDENCE_TOP_K": "0"})
    _one_line_error(proc, "EVIDENCE_TOP_K", "--k", "greater than or equal to 1")


def test_space_in_host_is_named(tmp_path: Path) -> None:
    proc = _run("chat", "--host", "127.0.0.1 ", "--index", str(tmp_path / "none"))
    _one_line_error(proc, "'127.0.0.1 '", "spaces", "--host", "EVIDENCE_HOST")


def test_port_in_use_is_named(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _run("chat", "--port", str(port), "--index", str(tmp_path / "none"))
    _one_line_error(proc, f"port {port}", "already in use", "--port", "EVIDENCE_PORT")


def test_question_that_is_not_utf8_is_refused_plainly(small_index: Settings) -> None:
    # The shell passes the raw bytes; Python turns the undecodable one into a lone surrogate.
    proc = subprocess.run([str(EVIDENCE), "ask", b"How long did data sharing \xff agreements take to sign?",
                           "--index", str(small_index.index_dir)], capture_output=True, timeout=300,
                          env=subprocess_env(), cwd=REPO)
    stderr = proc.stderr.decode("utf-8", "backslashreplace")
    assert proc.returncode == 1, stderr[-2000:]
    assert "Traceback" not in stderr, stderr[-2000:]
    assert stderr.strip().startswith("evidence: the question is not valid text"), stderr
    assert "UTF-8" in stderr and len(stderr.strip().splitlines()) == 1


def test_unknown_log_level_is_named(tmp_path: Path) -> None:
    proc = _run("status", "--index", str(tmp_path / "none"), env={"EVIDENCE_LOG_LEVEL": "loud"})
    _one_line_error(proc, "EVIDENCE_LOG_LEVEL", "'LOUD'", code=2)


def test_unexpected_errors_are_one_line_and_the_traceback_is_on_request(tmp_path: Path) -> None:
    damaged = tmp_path / "index"
    damaged.mkdir()
    (damaged / "manifest.sqlite").write_bytes(os.urandom(4096))  # not a database
    proc = _run("status", "--index", str(damaged))
    line = _one_line_error(proc, "EVIDENCE_DEBUG=1")
    assert "DatabaseError" in line or "database" in line.lower(), line
    debug = _run("status", "--index", str(damaged), env={"EVIDENCE_DEBUG": "1"})
    assert debug.returncode == 1 and "Traceback" in debug.stderr


# --------------------------------------------------------------------------- questions


@pytest.mark.parametrize("question", ["What \udc80 did the panel find?", "\ud800", "data sharing \udfff?"])
def test_lone_surrogate_is_a_clear_error_everywhere(small_index: Settings, question: str) -> None:
    from evidence_assistant.surfaces.ui.app import ChatUI

    with Assistant.open(settings=small_index) as a:
        with pytest.raises(InvalidQuestionError, match="not valid text.*retype the question"):
            a.ask(question)
        with pytest.raises(InvalidQuestionError, match="not valid text"):
            list(a.stream(question))
        ui = ChatUI(a, small_index)
        assert "not valid text" in ui.ask_api(question, "")["error"]
        *_, last = ui.ask(question, [], None, None, None, None, False)
        assert "not valid text" in last[3] and 'class="ea-error"' in last[3]


# --------------------------------------------------------------------------- filters


@pytest.mark.parametrize("filters, fragment", [
    ({"until": 0}, "filter 'until' must be a date written as text"),
    ({"since": 20230101}, "filter 'since' must be a date written as text"),
    ({"since": False}, "filter 'since' must be a date written as text"),
    ({"until": ["2023"]}, "filter 'until' must be a date written as text"),
    ({"kinds": 0}, "filter 'kinds' must be text or a list of texts"),
    ({"doc_ids": False}, "filter 'doc_ids' must be text or a list of texts"),
    ({"until": "2023-13-01"}, "filter 'until' is not a real date"),
])
def test_filters_of_the_wrong_type_are_never_ignored(filters: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InvalidFilterError, match=fragment):
        Filters.from_any(filters)


def test_filters_accept_dates_and_empty_values() -> None:
    assert Filters.from_any({"since": datetime.date(2023, 2, 17), "until": " 2024 "}) == \
        Filters(since="2023-02-17", until="2024")
    assert Filters.from_any({"kinds": [], "doc_ids": "", "since": None, "until": ""}) == Filters()
