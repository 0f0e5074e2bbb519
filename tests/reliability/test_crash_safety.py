"""Crash safety: an ingest killed with SIGKILL at any step of its write protocol leaves an index
that the next ``evidence ingest`` repairs to exactly what a fresh ingest of the same files gives.

How: each scenario runs in its own ``crash_runner.py`` process, which performs any set-up
(an earlier complete ingest, then deleting or changing a file) and then SIGKILLs itself on the
Nth call of a chosen product method — deterministic, not timing luck. One more scenario kills
the real ``evidence`` command after a random delay while a second ingest tries to start and
is refused by the lock. A single verifying process (the model loads once) then, for each
scenario, records the broken state, runs ``evidence ingest`` again through the CLI entry point,
and compares every store with a fresh ingest of the same folder into a new index:

* the same passage ids (as a multiset: no duplicates) and counts,
* Chroma ids == the manifest's indexed passage ids (no orphan or missing vectors),
* the lexical index's ids == the manifest's, built for the manifest's current generation,
* every document 'indexed' (none pending or half-removed), no passage rows of no document,
  no file rows pointing at nothing, and a question still retrieves known passages.

Every killed process leaves its pid in ``ingest.lock``; each recovery therefore also proves that
a stale lock from a dead process does not block the next ingest.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from index_state import differences, manifest_rows, problems
from rel_support import (EVIDENCE, REPO, SAMPLE, _TOPICS, corpus_key, make_small_corpus, notes_text, run_plan,
                         subprocess_env)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]

PROBE = "How long did data sharing agreements take to sign?"
TIMED = "timed-kill-of-real-cli"


@dataclass
class Scenario:
    name: str
    kill: list[dict[str, Any]]  # the arm step(s)
    expect_where: str  # part of the "killed" record's text: proves the kill landed where aimed
    setup: bool = False  # a complete ingest first (the kill then hits a later run)
    change: str | None = None  # "add" | "delete" | "modify" — done to the folder before the killed run
    prune: bool = False
    damage: str = ""  # what the broken index must show before recovery (checked in _damage_seen)
    notes: list[str] = field(default_factory=list)


SCENARIOS = [
    Scenario("after-begin", [{"op": "arm", "target": "Manifest.begin_document", "n": 1, "when": "after"}],
             "after Manifest.begin_document #1", damage="pending"),
    Scenario("after-vectors-before-commit", [{"op": "arm", "target": "VectorStore.upsert", "n": 1, "when": "after"}],
             "after VectorStore.upsert #1", damage="pending-with-vectors"),
    Scenario("between-documents", [{"op": "arm", "target": "Manifest.commit_document", "n": 2, "when": "after"}],
             "after Manifest.commit_document #2", damage="partial"),
    Scenario("during-lexical-rebuild", [{"op": "arm_lexical_swap"}], "lexical swap", setup=True, change="add",
             damage="lexical-missing"),
    Scenario("during-prune-removal", [{"op": "arm", "target": "VectorStore.delete_document", "n": 1,
                                       "when": "after"}],
             "after VectorStore.delete_document #1", setup=True, change="delete", prune=True, damage="removing"),
    Scenario("replace-new-indexed-old-kept", [{"op": "arm", "target": "Manifest.commit_document", "n": 1,
                                               "when": "after"}],
             "after Manifest.commit_document #1", setup=True, change="modify", damage="unreferenced"),
    Scenario("replace-during-old-removal", [{"op": "arm", "target": "Manifest.mark_removing", "n": 1,
                                             "when": "after"}],
             "after Manifest.mark_removing #1", setup=True, change="modify", damage="removing"),
]

_ADDED = ("notes-added.md", notes_text("Staff notes on interoperability", [
    "Suppliers were said to charge trusts for every new interface to their record systems.",
    "The committee recommended that open standards be a condition of central funding."]))
_DELETED = "notes-cyber.md"
_MODIFIED = "notes-workforce.md"


def _change(corpus: Path, change: str | None) -> list[dict[str, Any]]:
    """The step that changes the folder between the set-up ingest and the killed one."""
    if change == "add":
        return [{"op": "write", "path": str(corpus / _ADDED[0]), "text": _ADDED[1]}]
    if change == "delete":
        return [{"op": "delete", "path": str(corpus / _DELETED)}]
    if change == "modify":
        title, paras = _TOPICS[_MODIFIED]
        return [{"op": "write", "path": str(corpus / _MODIFIED),
                 "text": notes_text(title, paras + ["A later paragraph added after the first ingest: vacancy "
                                                    "rates fell to nine per cent in 2024."])}]
    return []


def _ingest_argv(corpus: Path, index: Path, prune: bool = False) -> list[str]:
    return ["ingest", str(corpus), "--index", str(index), "--json", "--quiet"] + (["--prune"] if prune else [])


def _writing(index: Path) -> bool:
    """True once the manifest holds a document row (pending or indexed)."""
    try:
        return bool(manifest_rows(index)["documents"])
    except Exception:  # not created yet, or mid-creation
        return False


def _timed_kill(work: Path, seed: int) -> dict[str, Any]:
    """Kill the real CLI after a random delay once it has started writing; meanwhile a second
    ingest into the same index must be refused by the lock. Then run the real CLI again."""
    rng = random.Random(seed)
    corpus = work / "corpus"
    shutil.copytree(SAMPLE, corpus)
    index = work / "index"
    env = subprocess_env()
    first = subprocess.Popen([str(EVIDENCE), *_ingest_argv(corpus, index)], cwd=REPO, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # Wait until it holds the lock and has created the manifest (the model is loaded), and
    # meanwhile try a second ingest into the same index: it must be refused by the lock.
    deadline = time.monotonic() + 300
    while not (index / "manifest.sqlite").exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    second = subprocess.run([str(EVIDENCE), *_ingest_argv(corpus, index)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=300)
    # Then kill at a random moment once documents are being written (before that, a kill only
    # interrupts parsing and embedding, which leave nothing on disk to repair).
    while first.poll() is None and time.monotonic() < deadline and not _writing(index):
        time.sleep(0.02)
    delay = rng.uniform(0.0, 1.5)
    time.sleep(delay)
    still_running = first.poll() is None
    if still_running:
        os.kill(first.pid, signal.SIGKILL)
    first.wait(60)
    at_kill = manifest_rows(index) if (index / "manifest.sqlite").exists() else None
    rerun = subprocess.run([str(EVIDENCE), *_ingest_argv(corpus, index)], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=600)
    return {"seed": seed, "delay": delay, "killed": still_running, "at_kill": at_kill, "first_rc": first.returncode,
            "first_pid": first.pid, "second_rc": second.returncode, "second_stderr": second.stderr,
            "rerun_rc": rerun.returncode, "rerun_stdout": rerun.stdout, "rerun_stderr": rerun.stderr[-3000:],
            "corpus": corpus, "index": index}


@pytest.fixture(scope="module")
def crash_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    base = tmp_path_factory.mktemp("crash")
    results: dict[str, dict[str, Any]] = {}
    verify: list[dict[str, Any]] = []
    fresh_for: dict[str, Path] = {}  # corpus key -> fresh index (the same content needs one baseline)
    t0 = time.perf_counter()

    for sc in SCENARIOS:
        work = base / sc.name
        corpus = make_small_corpus(work / "corpus")
        index = work / "index"
        steps: list[dict[str, Any]] = []
        if sc.setup:
            steps.append({"op": "cli", "argv": _ingest_argv(corpus, index)})
        steps += _change(corpus, sc.change) + sc.kill
        steps.append({"op": "cli", "argv": _ingest_argv(corpus, index, sc.prune)})
        rc, records = run_plan(work / "killed", steps)
        results[sc.name] = {"rc": rc, "records": records, "scenario": sc}
        key = corpus_key(corpus)
        fresh_for.setdefault(key, base / f"fresh-{key}")
        results[sc.name]["fresh_key"] = key
        verify += [{"op": "snapshot", "index": str(index), "key": f"{sc.name}/before"},
                   {"op": "cli", "argv": _ingest_argv(corpus, index, sc.prune), "key": f"{sc.name}/rerun"},
                   {"op": "snapshot", "index": str(index), "key": f"{sc.name}/after", "probe": PROBE}]

    seed = int(os.environ.get("EVIDENCE_TEST_SEED", int(time.time())))
    timed = _timed_kill(base / TIMED, seed)
    results[TIMED] = timed
    key = corpus_key(timed["corpus"])
    fresh_for.setdefault(key, base / f"fresh-{key}")
    timed["fresh_key"] = key
    verify.append({"op": "snapshot", "index": str(timed["index"]), "key": f"{TIMED}/after", "probe": PROBE})

    # One fresh ingest per distinct folder content, into a new index. Any folder with that
    # content will do: passage ids depend on bytes, not on paths.
    sources = {r["fresh_key"]: (base / n / "corpus" if n != TIMED else timed["corpus"]) for n, r in results.items()}
    for key, fresh in fresh_for.items():
        verify += [{"op": "cli", "argv": _ingest_argv(sources[key], fresh), "key": f"fresh-{key}/ingest"},
                   {"op": "snapshot", "index": str(fresh), "key": f"fresh-{key}", "probe": PROBE}]

    rc, records = run_plan(base / "verify", verify)
    assert rc == 0, "the verifying process was killed"
    by_key: dict[str, dict[str, Any]] = {}
    for rec, step in zip(records, verify):
        if step.get("key"):
            by_key[step["key"]] = rec
    for name, r in results.items():
        r["before"] = by_key.get(f"{name}/before", {}).get("state")
        r["rerun"] = by_key.get(f"{name}/rerun")
        r["after"] = by_key[f"{name}/after"]["state"]
        r["fresh"] = by_key[f"fresh-{r['fresh_key']}"]["state"]
        r["fresh_ingest"] = by_key[f"fresh-{r['fresh_key']}/ingest"]
    print(f"\ncrash scenarios: {len(results)} ({len(SCENARIOS)} exact kill points + 1 timed, seed {seed}) "
          f"in {time.perf_counter() - t0:.0f} s")
    return results


def _damage_seen(kind: str, before: dict[str, Any]) -> bool:
    docs = before["documents"]
    states = list(docs.values())
    manifest = set(before["manifest_ids"])
    if kind == "pending":
        return "pending" in states and set(before["chroma_ids"]) <= manifest
    if kind == "pending-with-vectors":
        return "pending" in states and bool(set(before["chroma_ids"]) - manifest)
    if kind == "partial":
        return states.count("indexed") == 2 and before["lexical"] is None
    if kind == "lexical-missing":
        return before["lexical"] is None and "lexical.building" in before["leftover_dirs"]
    if kind == "removing":
        return "removing" in states
    if kind == "unreferenced":
        referenced = {d for _, d, s, _ in before["files"] if s == "indexed"}
        return any(s == "indexed" and d not in referenced for d, s in docs.items())
    raise AssertionError(kind)


@pytest.mark.parametrize("name", [s.name for s in SCENARIOS])
def test_sigkill_at_exact_point_then_ingest_equals_fresh(crash_runs: dict[str, dict[str, Any]], name: str) -> None:
    r = crash_runs[name]
    sc: Scenario = r["scenario"]
    killed = [x for x in r["records"] if x["op"] == "killed"]
    assert r["rc"] == -signal.SIGKILL and killed, f"the run was not killed: rc {r['rc']}, log {r['records']}"
    assert sc.expect_where in killed[0]["where"]
    if sc.setup:
        assert r["records"][0]["op"] == "cli" and r["records"][0]["rc"] == 0, r["records"][0]
    before = r["before"]
    # The kill left real damage (otherwise this scenario proves nothing) and a stale lock.
    assert problems(before), f"{name}: the kill left a consistent index; the kill point is not exercised"
    assert _damage_seen(sc.damage, before), f"{name}: expected {sc.damage} damage, index was {before}"
    assert before["lock"] == str(killed[0]["pid"]), "the killed ingest's pid should be left in the lock file"

    rerun = r["rerun"]
    assert rerun["rc"] == 0, f"the next ingest failed: {rerun['stderr']}"
    if sc.damage in ("pending", "pending-with-vectors", "removing", "unreferenced"):
        assert '"recovered": {}' not in rerun["stdout"], "the next ingest should report what it recovered"
    after, fresh = r["after"], r["fresh"]
    assert problems(fresh) == [], problems(fresh)
    assert problems(after) == [], f"{name}: index inconsistent after recovery: {problems(after)}"
    assert differences(after, fresh) == [], f"{name}: differs from a fresh ingest: {differences(after, fresh)}"
    assert after["leftover_dirs"] == [], f"temporary lexical folders left behind: {after['leftover_dirs']}"


def test_timed_sigkill_of_real_cli_and_lock_refusal(crash_runs: dict[str, dict[str, Any]]) -> None:
    r = crash_runs[TIMED]
    ctx = f"seed {r['seed']}, delay {r['delay']:.2f} s"
    # A second ingest while the first held the index: refused at once, with a clear message.
    assert r["second_rc"] == 1, f"{ctx}: second ingest was not refused: {r['second_stderr']}"
    assert f"another ingest (pid {r['first_pid']}) is writing" in r["second_stderr"], r["second_stderr"]
    assert r["first_rc"] == -signal.SIGKILL or not r["killed"], ctx
    assert r["rerun_rc"] == 0, f"{ctx}: ingest after the kill failed: {r['rerun_stderr']}"
    after, fresh = r["after"], r["fresh"]
    assert problems(after) == [], f"{ctx}: {problems(after)}"
    assert differences(after, fresh) == [], f"{ctx}: {differences(after, fresh)}"
    states = sorted((r["at_kill"] or {}).get("documents", {}).values())
    recovered = json.loads(r["rerun_stdout"]).get("recovered") if r["rerun_stdout"].strip() else None
    print(f"\ntimed kill: {ctx}, killed mid-run: {r['killed']}; documents at the kill: "
          f"{ {s: states.count(s) for s in set(states)} }; the next ingest recovered {recovered}")
