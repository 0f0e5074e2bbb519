"""A plain HTTP client for the chat's public ``ask`` endpoint (Gradio's /gradio_api/call API),
shared by benchmarks/load.py and the load and access tests (tests/reliability).

Two requests per question, as any HTTP client would make them: POST the inputs, get an event
id; GET that event's server-sent events until ``complete`` or ``error``.
"""
from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass, field
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Reply:
    question: str
    status: str  # "answer" | "error" (the endpoint's {"error": ...}) | "busy" | "failed"
    seconds: float
    http_status: int = 0
    data: dict[str, Any] = field(default_factory=dict)
    detail: str = ""


def ask(client: httpx.Client, question: str, filters_json: str = "") -> Reply:
    t0 = time.perf_counter()
    r = client.post("/gradio_api/call/ask", json={"data": [question, filters_json]})
    if r.status_code == 503:  # queue full: the server says it is busy, at once
        return Reply(question, "busy", time.perf_counter() - t0, 503, detail=r.text)
    if r.status_code != 200:
        return Reply(question, "failed", time.perf_counter() - t0, r.status_code, detail=r.text[:500])
    event_id = r.json()["event_id"]
    event, payload = "", ""
    with client.stream("GET", f"/gradio_api/call/ask/{event_id}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                payload = line.split(":", 1)[1].strip()
                if event in ("complete", "error"):
                    break
    seconds = time.perf_counter() - t0
    if event != "complete":
        return Reply(question, "failed", seconds, 200, detail=f"{event}: {payload[:500]}")
    data = json.loads(payload)[0]
    if "error" in data and "question" not in data:
        return Reply(question, "error", seconds, 200, data=data, detail=data["error"])
    return Reply(question, "answer", seconds, 200, data=data)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: every figure reported is a real request)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


# Questions on the sample corpus that load runs send, each made unique per client and turn.
TOPICS = [
    "What did the Expert Panel find about data sharing?",
    "How did the Government respond to the recommendation on electronic patient records?",
    "When was the Expert Panel evaluation published?",
    "What did DHSC say about digital maturity in its written evidence?",
    "What is the target for shared care records?",
    "What did the committee conclude about the pace of digital transformation in the NHS?",
    "How much funding was allocated to frontline digitisation?",
    "What did the Imperial and Oxford evidence say about data for research?",
    "What is the plan for digital health and social care about?",
    "How were social care records digitised by 2025?",
]
