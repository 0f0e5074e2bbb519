"""Runs ``evidence`` commands in one process, and can SIGKILL itself at an exact point.

The crash tests need kills that land at a chosen step of the write protocol every time, not
wherever a timer happens to fire, and product code must not carry test hooks. So this script
patches the product from outside: ``arm`` wraps one method (e.g. ``Manifest.commit_document``)
so that its Nth call kills the process with SIGKILL — no handler, no ``finally``, no flush,
exactly what a laptop losing power or the OOM killer does.

Usage: ``python crash_runner.py PLAN.json``. The plan is {"steps": [...], "log": path}; a step
is one of

    {"op": "cli", "argv": [...]}                      run assistant.cli.main(argv), record rc and stdout
    {"op": "write", "path": p, "text": t}              create or overwrite a file
    {"op": "delete", "path": p}
    {"op": "arm", "target": "Manifest.begin_document", "n": 1, "when": "after"|"before"}
    {"op": "arm_lexical_swap"}                         kill while the new lexical index is swapped in
    {"op": "snapshot", "index": dir, "key": k, "probe": question|None}
    {"op": "stale_lock", "index": dir, "pid": n}        leave a lock file naming a dead process

Each finished step appends one JSON line to ``log``, so the test can see how far a killed run
got (the last line before the kill) and read the results of a run that was not killed.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any, Callable

# Where SIGKILL can be armed: "Class.method" -> (module, class).
TARGETS: dict[str, tuple[str, str]] = {
    "Manifest": ("evidence_ingest.manifest", "Manifest"),
    "VectorStore": ("evidence_ingest.vectors", "VectorStore"),
    "LexicalIndex": ("evidence_ingest.lexical", "LexicalIndex"),
    "Index": ("evidence_ingest.store", "Index"),
}


def _die(log: Path, where: str) -> None:
    # Record where we died first (the test asserts the kill landed where it was aimed), then
    # SIGKILL: unlike sys.exit or SIGTERM nothing in the process gets to clean up.
    _append(log, {"op": "killed", "where": where, "pid": os.getpid(), "t": time.time()})
    os.kill(os.getpid(), signal.SIGKILL)


def _append(log: Path, record: dict[str, Any]) -> None:
    with log.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, default=str) + "\n")
        f.flush()
        os.fsync(f.fileno())


def arm(log: Path, target: str, n: int, when: str) -> None:
    """Make the ``n``th call of ``target`` kill the process, before or after the real call."""
    import importlib

    cls_name, meth = target.split(".")
    mod_name, attr = TARGETS[cls_name]
    cls = getattr(importlib.import_module(mod_name), attr)
    original: Callable[..., Any] = getattr(cls, meth)
    calls = {"n": 0}

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        hit = calls["n"] == n
        if hit and when == "before":
            _die(log, f"before {target} #{n}")
        result = original(self, *args, **kwargs)
        if hit and when == "after":
            _die(log, f"after {target} #{n}")
        return result

    setattr(cls, meth, wrapper)


def arm_lexical_swap(log: Path) -> None:
    """Kill inside ``LexicalIndex.build`` at its worst moment: the new index is complete in
    ``lexical.building``, the old one has been moved to ``lexical.old``, and ``lexical`` itself
    does not exist."""
    original = Path.rename

    def rename(self: Path, target: Any) -> Any:
        if self.name.endswith(".building") and Path(target).name == "lexical":
            _die(log, "lexical swap (old index moved away, new one not yet in place)")
        return original(self, target)

    Path.rename = rename  # type: ignore[method-assign]


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    from evidence_assistant.surfaces import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(argv)
    return rc, out.getvalue(), err.getvalue()


def main(argv: list[str]) -> int:
    # Import the product through its front door first, as the CLI does, before arm() imports
    # evidence_ingest.manifest / evidence_ingest.vectors directly (test_imports.py checks those stand alone too).
    import evidence_assistant  # noqa: F401

    plan = json.loads(Path(argv[1]).read_text())
    log = Path(plan["log"])
    for i, step in enumerate(plan["steps"]):
        op = step["op"]
        rec: dict[str, Any] = {"op": op, "i": i}
        t0 = time.perf_counter()
        if op == "cli":
            rc, out, err = run_cli(step["argv"])
            rec.update(rc=rc, stdout=out, stderr=err[-4000:])
        elif op == "write":
            Path(step["path"]).write_text(step["text"], encoding="utf-8")
        elif op == "delete":
            Path(step["path"]).unlink()
        elif op == "arm":
            arm(log, step["target"], int(step.get("n", 1)), step.get("when", "after"))
        elif op == "arm_lexical_swap":
            arm_lexical_swap(log)
        elif op == "snapshot":
            from index_state import snapshot  # beside this script

            rec.update(key=step["key"], state=snapshot(step["index"], probe=step.get("probe")))
        elif op == "stale_lock":
            Path(step["index"], "ingest.lock").write_text(str(step["pid"]))
        else:
            raise SystemExit(f"unknown step {op!r}")
        rec["seconds"] = round(time.perf_counter() - t0, 3)
        _append(log, rec)
    return 0


if __name__ == "__main__":
    # The parse worker is a fresh interpreter that never imports this file, so the guard is only
    # the usual one for a script that is also imported by the tests.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main(sys.argv))
