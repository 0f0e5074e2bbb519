"""Load benchmark: the running chat, on loopback, answering many clients through its HTTP API.

    python -m benchmarks.load                                  # 50 questions, 10 clients, sample corpus
    python -m benchmarks.load --questions 200 --clients 20 --concurrency 4 --index ~/.local/share/evidence-assistant/index

Phases, each against a real server started with ``evidence_assistant.launch_chat`` on 127.0.0.1:

1. load — ``--questions`` distinct questions from ``--clients`` concurrent clients (each client
   asks its share one after another, as a person would), with the configured concurrency limit
   and queue. Every reply is checked: answered, and the answer's question is the one that
   client asked (no reply lost or delivered to the wrong client).
2. busy — ``--burst`` questions at once against max_concurrency=1 and max_queue=2: how many are
   answered, how many are told at once that the server is busy (HTTP 503 "Queue is full"), and
   how long that refusal takes.

Writes ``benchmarks/results/load.json`` (latency p50/p95/p99/max per phase, throughput, counts,
the machine and its load average, the settings used).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import app_client
from .app_client import TOPICS, free_port, percentile

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "results" / "load.json"


def log(msg: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _pct(values: list[float], q: float) -> float | None:
    return round(percentile(values, q), 4) if values else None


def ask(http: Any, question: str) -> dict[str, Any]:
    """One question through the public endpoint, as a JSON-ready record."""
    r = app_client.ask(http, question)
    out: dict[str, Any] = {"status": r.status, "seconds": r.seconds}
    if r.status == "answer":
        out.update(question=r.data.get("question"), verdict=r.data.get("verdict"))
    else:
        out["detail"] = (r.detail or f"HTTP {r.http_status}")[:200]
    return out


def _summary(results: list[dict[str, Any]], wall: float) -> dict[str, Any]:
    answered = [r["seconds"] for r in results if r["status"] == "answer"]
    return {
        "requests": len(results),
        "answered": len(answered),
        "busy": sum(r["status"] == "busy" for r in results),
        "errors": sum(r["status"] in ("error", "failed") for r in results),
        "latency_s": {"p50": _pct(answered, 50), "p95": _pct(answered, 95),
                      "p99": _pct(answered, 99), "max": round(max(answered), 4) if answered else None,
                      "mean": round(sum(answered) / len(answered), 4) if answered else None},
        "wall_s": round(wall, 3),
        "throughput_qps": round(len(answered) / wall, 3) if wall else None,
    }


def run_load(url: str, questions: int, clients: int) -> dict[str, Any]:
    import httpx

    per_client: dict[int, list[str]] = {c: [] for c in range(clients)}
    for i in range(questions):
        c = i % clients
        per_client[c].append(f"{TOPICS[i % len(TOPICS)]} (client {c}, question {len(per_client[c])})")
    start = threading.Barrier(clients)

    def client(c: int) -> list[dict[str, Any]]:
        out = []
        with httpx.Client(base_url=url, timeout=600) as http:
            start.wait()
            for q in per_client[c]:
                r = ask(http, q)
                r["asked"] = q
                out.append(r)
        return out

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = [r for rs in pool.map(client, range(clients)) for r in rs]
    wall = time.perf_counter() - t0
    summary = _summary(results, wall)
    summary["mixed"] = sum(r["status"] == "answer" and r["question"] != r["asked"] for r in results)
    summary["lost"] = questions - len(results) + summary["errors"]
    summary["clients"] = clients
    summary["failures"] = [r.get("detail") for r in results if r["status"] in ("error", "failed")][:5]
    return summary


def run_burst(url: str, burst: int) -> dict[str, Any]:
    import httpx

    start = threading.Barrier(burst)

    def one(i: int) -> dict[str, Any]:
        with httpx.Client(base_url=url, timeout=600) as http:
            start.wait()
            return ask(http, f"{TOPICS[i % len(TOPICS)]} (burst {i})")

    t0 = time.perf_counter()
    with ThreadPoolExecutor(burst) as pool:
        results = list(pool.map(one, range(burst)))
    wall = time.perf_counter() - t0
    summary = _summary(results, wall)
    busy = [r["seconds"] for r in results if r["status"] == "busy"]
    summary["busy_reply_s_max"] = round(max(busy), 4) if busy else None
    summary["busy_message"] = next((r["detail"] for r in results if r["status"] == "busy"), None)
    return summary


def _git_commit() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                                timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return commit + ("+uncommitted" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--index", help="an existing index (default: a fresh index of corpus/sample in a temp folder)")
    p.add_argument("--questions", type=int, default=50)
    p.add_argument("--clients", type=int, default=10)
    p.add_argument("--concurrency", type=int, default=None, help="max_concurrency (default: the setting, 2)")
    p.add_argument("--queue", type=int, default=None, help="max_queue (default: the setting, 64)")
    p.add_argument("--burst", type=int, default=12, help="questions sent at once in the busy phase (0: skip)")
    p.add_argument("--out", default=str(OUT))
    args = p.parse_args(argv)

    from evidence_assistant import Assistant, Settings, ingest
    from evidence_assistant import launch_chat as launch

    tmp = None
    if args.index:
        settings = Settings(index_dir=Path(args.index).expanduser())
    else:
        tmp = tempfile.TemporaryDirectory(prefix="evidence-load-")
        settings = Settings(index_dir=Path(tmp.name) / "index")
        log(f"indexing corpus/sample into {settings.index.index_dir}")
        ingest([REPO / "corpus" / "sample"], settings=settings)
    overrides = {k: v for k, v in (("max_concurrency", args.concurrency), ("max_queue", args.queue)) if v}
    settings = settings.model_copy(update={"host": "127.0.0.1", **overrides})
    load_avg_start = [round(x, 2) for x in os.getloadavg()]
    assistant = Assistant.open(settings=settings)
    result: dict[str, Any] = {
        "benchmark": "load",
        "when": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "git_commit": _git_commit(),
        "machine": {"nproc": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "loadavg_at_start": load_avg_start},
        "index": {"dir": str(settings.index.index_dir) if args.index else "temporary index of corpus/sample",
                  "documents": len(assistant.index.manifest.documents()),
                  "passages": assistant.index.manifest.count_passages()},
        "settings": {"max_concurrency": settings.chat.max_concurrency, "max_queue": settings.chat.max_queue,
                     "answerer": settings.answering.answerer, "retrieval": settings.retrieval, "top_k": settings.retrieval.top_k},
    }
    try:
        demo, url = launch(settings.model_copy(update={"port": free_port()}), block=False, assistant=assistant)
        try:
            # One question first, timed on its own: the first answer pays for cold caches.
            import httpx
            with httpx.Client(base_url=url, timeout=600) as http:
                cold = ask(http, "What is this collection of documents about?")
            result["cold_first_answer_s"] = round(cold["seconds"], 4)
            log(f"load: {args.questions} questions from {args.clients} clients, max_concurrency "
                f"{settings.chat.max_concurrency}, max_queue {settings.chat.max_queue}")
            result["load"] = run_load(url, args.questions, args.clients)
        finally:
            demo.close()
        if args.burst:
            demo, url = launch(settings.model_copy(update={"port": free_port(), "max_concurrency": 1, "max_queue": 2}),
                               block=False, assistant=assistant)
            try:
                log(f"busy: {args.burst} questions at once, max_concurrency 1, max_queue 2")
                result["busy"] = {"max_concurrency": 1, "max_queue": 2, "burst": args.burst,
                                  **run_burst(url, args.burst)}
            finally:
                demo.close()
    finally:
        assistant.close()
        if tmp is not None:
            tmp.cleanup()
    result["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".tmp")  # written whole, then renamed: never a half file
    part.write_text(json.dumps(result, indent=2) + "\n")
    part.replace(out)
    load = result["load"]
    log(f"load: {load['answered']}/{load['requests']} answered, {load['mixed']} mixed, p50 {load['latency_s']['p50']} s, "
        f"p95 {load['latency_s']['p95']} s, {load['throughput_qps']} q/s; busy: "
        f"{result.get('busy', {}).get('busy', '-')} refused -> {out}")
    ok = load["answered"] == load["requests"] and load["mixed"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
