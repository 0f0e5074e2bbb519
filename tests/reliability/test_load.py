"""Load: the running chat, on loopback, through its HTTP API.

* 50 questions from 10 concurrent clients are all answered; each answer belongs to the client
  that asked (its question, and the very passages retrieval gives that question alone).
* With max_concurrency=1 and max_queue=2, a burst gets an immediate HTTP 503 "Queue is full"
  for the excess — no hang, no silent loss — and the server answers normally afterwards.

Latency figures are printed here; ``benchmarks/load.py`` records them to a result file.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

import httpx
import pytest

from benchmarks.app_client import TOPICS, Reply, ask, free_port, percentile

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

CLIENTS = 10
PER_CLIENT = 5


def _question(client: int, k: int) -> str:
    # Every question is distinct (no two clients send the same text), so a reply that reaches
    # the wrong client cannot pass for the right one.
    return f"{TOPICS[(client + k) % len(TOPICS)]} (client {client}, question {k})"


@pytest.fixture(scope="module")
def served(sample_index: tuple[Any, Any]) -> Iterator[tuple[Any, Any]]:
    assistant, settings = sample_index
    yield assistant, settings


def _launch(assistant: Any, settings: Any, **overrides: Any) -> tuple[Any, str]:
    from evidence_assistant.surfaces.ui.app import launch

    s = settings.model_copy(update={"host": "127.0.0.1", "port": free_port(), **overrides})
    return launch(s, block=False, assistant=assistant)


def test_fifty_questions_from_ten_clients_all_answered_unmixed(served: tuple[Any, Any]) -> None:
    assistant, settings = served
    questions = {c: [_question(c, k) for k in range(PER_CLIENT)] for c in range(CLIENTS)}
    # What each question retrieves when asked alone: the reference a concurrent reply must match.
    expected = {q: [sp.passage.passage_id for sp in assistant.retrieve(q).results]
                for qs in questions.values() for q in qs}
    demo, url = _launch(assistant, settings)  # defaults: max_concurrency 2, max_queue 64
    replies: dict[int, list[Reply]] = {}
    start = threading.Barrier(CLIENTS)

    def client(c: int) -> list[Reply]:
        out = []
        with httpx.Client(base_url=url, timeout=300) as http:
            start.wait()  # all clients begin together
            for q in questions[c]:
                out.append(ask(http, q))
        return out

    t0 = time.perf_counter()
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            for c, got in zip(range(CLIENTS), pool.map(client, range(CLIENTS))):
                replies[c] = got
    finally:
        demo.close()
    wall = time.perf_counter() - t0

    all_replies = [r for rs in replies.values() for r in rs]
    assert len(all_replies) == CLIENTS * PER_CLIENT
    failed = [(r.question, r.status, r.detail) for r in all_replies if r.status != "answer"]
    assert not failed, failed
    for c, rs in replies.items():
        for q, r in zip(questions[c], rs):
            assert r.data["question"] == q, f"client {c} asked {q!r} and got the answer to {r.data['question']!r}"
            got = [p["passage"]["passage_id"] for p in r.data["passages"]][:len(expected[q])]
            assert got == expected[q], f"client {c}: passages for {q!r} are not that question's"
            assert r.data["verdict"] in ("supported", "partially_supported", "unsupported", "no_answer",
                                         "premise_rejected")
    secs = [r.seconds for r in all_replies]
    print(f"\nload: {len(all_replies)} questions, {CLIENTS} clients, max_concurrency {settings.max_concurrency}: "
          f"p50 {percentile(secs, 50):.2f} s, p95 {percentile(secs, 95):.2f} s, max {max(secs):.2f} s, "
          f"wall {wall:.1f} s")


def test_burst_past_queue_gets_busy_answer_not_hang(served: tuple[Any, Any]) -> None:
    assistant, settings = served
    burst = 12
    demo, url = _launch(assistant, settings, max_concurrency=1, max_queue=2)
    try:
        start = threading.Barrier(burst)

        def one(i: int) -> Reply:
            with httpx.Client(base_url=url, timeout=300) as http:
                start.wait()
                return ask(http, _question(i, 0))

        with ThreadPoolExecutor(burst) as pool:
            replies = list(pool.map(one, range(burst)))
        # Afterwards the server is healthy and answers again.
        with httpx.Client(base_url=url, timeout=300) as http:
            after = ask(http, "When was the Expert Panel evaluation published?")
    finally:
        demo.close()
    answered = [r for r in replies if r.status == "answer"]
    busy = [r for r in replies if r.status == "busy"]
    other = [(r.status, r.detail) for r in replies if r.status not in ("answer", "busy")]
    assert not other, other
    assert len(answered) + len(busy) == burst, "every request got an answer or a busy reply"
    assert len(answered) >= 2, "the running request and the queued ones are answered"
    assert busy, "a burst of 12 past a queue of 2 must be told the server is busy"
    for r in busy:
        assert r.http_status == 503 and "Queue is full" in r.detail, r.detail
        assert r.seconds < 10, f"a busy reply must come at once, not after {r.seconds:.1f} s"
    for r in answered:
        assert r.data["question"] == r.question
    assert after.status == "answer", after.detail
    print(f"\nburst: {burst} at once, max_concurrency 1, max_queue 2: {len(answered)} answered, "
          f"{len(busy)} told 'Queue is full' (HTTP 503) in ≤{max(r.seconds for r in busy):.2f} s")


@pytest.mark.parametrize("question, filters_json, expect", [
    ("", "", "empty"),
    ("   \t\n ", "", "empty"),
    ("data sharing " * 80_000, "", "limit"),  # ~1 MB over HTTP
    ("\x00\x01\x02\x7f\u202e\u200b", "", "question"),
    ("What did the Expert Panel find?", "{not json", "not valid JSON"),
    ("What did the Expert Panel find?", "[1, 2]", "must be a JSON object"),
    ("What did the Expert Panel find?", '{"kinds": ["nonsense"]}', "unknown document kind"),
    ("What did the Expert Panel find?", '{"colour": "red"}', "unknown filter field"),
    ("What did the Expert Panel find?", '{"since": "yesterday"}', "must be a date"),
    pytest.param("What did the Expert Panel find?", '{"kinds": 5}', "kinds"),
    pytest.param("What did the Expert Panel find?", '{"doc_ids": [null]}', "doc_ids"),
    pytest.param("What did the Expert Panel find?", '{"publishers": [5]}', "publishers"),
])
def test_hostile_requests_over_http_get_clear_errors(served: tuple[Any, Any], question: str, filters_json: str,
                                                     expect: str) -> None:
    """Through the public endpoint every bad request gets {"error": message} naming the
    problem — not a generic failure event — and the server keeps answering."""
    assistant, settings = served
    demo, url = _launch(assistant, settings)
    try:
        with httpx.Client(base_url=url, timeout=120) as http:
            reply = ask(http, question, filters_json)
            after = ask(http, "When was the Expert Panel evaluation published?")
    finally:
        demo.close()
    assert reply.status == "error", f"{reply.status}: {reply.detail[:300]}"
    assert expect in reply.detail, reply.detail
    assert after.status == "answer"
