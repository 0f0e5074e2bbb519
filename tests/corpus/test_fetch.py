"""The official-sources fetcher against a local HTTP server on 127.0.0.1 (no other network).

The server serves fake documents whose behaviour each test sets: failures before success, a
wrong content type, a changed body, an oversized body, Range support.
"""
from __future__ import annotations

import hashlib
import json
import socket
import threading
import tomllib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from evidence_assistant.core.errors import ConfigError
from evidence_ingest.fetch import cli_fetch, fetch_sources
from evidence_ingest.load.base import sources_metadata_for

HTML = b"<!DOCTYPE html><html><head><title>Report</title></head><body><p>1. First paragraph.</p></body></html>"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


@dataclass
class Route:
    body: bytes
    content_type: str
    fail_first: list[int] = field(default_factory=list)  # statuses to answer before succeeding
    etag: bool = False
    send_length: bool = True
    declared_length: int | None = None
    ranges: bool = True
    truncate_first: int | None = None  # the first answer stops after this many bytes


@dataclass
class ServerState:
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    state: ServerState

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        state = self.server.state  # type: ignore[attr-defined]
        state.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        route = state.routes.get(self.path)
        if route is None:
            self.send_error(404, "Not Found")
            return
        if route.fail_first:
            self.send_error(route.fail_first.pop(0))
            return
        tag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
        if route.etag and self.headers.get("If-None-Match") == tag:
            self.send_response(304)
            self.end_headers()
            return
        body, status = route.body, 200
        rng = self.headers.get("Range")
        if rng and route.ranges and rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[len("bytes="):-1])
            body, status = route.body[start:], 206
        self.send_response(status)
        self.send_header("Content-Type", route.content_type)
        if route.etag:
            self.send_header("ETag", tag)
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(route.body) - 1}/{len(route.body)}")
        if route.send_length:
            self.send_header("Content-Length", str(route.declared_length or len(body)))
        self.end_headers()
        if route.truncate_first is not None:
            body, route.truncate_first = body[:route.truncate_first], None
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[tuple[str, ServerState]]:
    state = ServerState()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", state
    finally:
        httpd.shutdown()
        httpd.server_close()


def write_sources(tmp_path: Path, base: str, docs: list[tuple[str, str, str]]) -> Path:
    """docs: (id, path on the server, fetch_name)."""
    lines = []
    for doc_id, path, name in docs:
        lines += ["[[documents]]", f'id = "{doc_id}"', f'title = "Title of {doc_id}"', f'url = "{base}{path}"',
                  'kind = "report"', 'date = "2023-02-17"', 'publisher = "Test Committee"',
                  'licence = "Open Parliament Licence v3.0"', f'fetch_name = "{name}"', ""]
    toml = tmp_path / "sources.toml"
    toml.write_text("\n".join(lines), encoding="utf-8")
    return toml


def fetch(toml: Path, dest: Path, **kw):
    sleeps: list[float] = []
    kw.setdefault("timeout", 5)
    kw.setdefault("backoff", 0.01)
    report = fetch_sources(toml, dest, sleep=sleeps.append, **kw)
    return report, sleeps


def by_id(report) -> dict:
    return {r.id: r for r in report.results}


def test_success_writes_files_lock_and_dest_metadata(tmp_path: Path, server) -> None:
    base, state = server
    state.routes["/r.html"] = Route(HTML, "text/html; charset=utf-8")
    state.routes["/d.pdf"] = Route(PDF, "application/pdf")
    toml = write_sources(tmp_path, base, [("rep", "/r.html", "rep.html"), ("doc", "/d.pdf", "doc.pdf")])
    dest = tmp_path / "official"

    report, _ = fetch(toml, dest)

    assert report.ok, [r.message for r in report.results]
    assert [r.status for r in report.results] == ["downloaded", "downloaded"]
    assert (dest / "rep.html").read_bytes() == HTML and (dest / "doc.pdf").read_bytes() == PDF
    assert not list(dest.glob("*.part*")), "no partial files left behind"
    lock = json.loads((tmp_path / "sources.lock").read_text())
    assert lock["documents"]["rep"]["sha256"] == hashlib.sha256(HTML).hexdigest()
    assert lock["documents"]["doc"]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert lock["documents"]["doc"]["bytes"] == len(PDF)
    # DEST/sources.toml names each file, so the loader finds the metadata.
    entries = tomllib.loads((dest / "sources.toml").read_text())["documents"]
    assert {e["file"] for e in entries} == {"rep.html", "doc.pdf"}
    meta = sources_metadata_for(dest / "rep.html")
    assert meta["title"] == "Title of rep" and meta["kind"] == "report" and meta["date"] == "2023-02-17"
    assert meta["licence"] == "Open Parliament Licence v3.0" and meta["url"].endswith("/r.html")


def test_second_fetch_is_unchanged(tmp_path: Path, server) -> None:
    base, state = server
    state.routes["/r.html"] = Route(HTML, "text/html", etag=True)  # answered with 304
    state.routes["/d.pdf"] = Route(PDF, "application/pdf")  # no validators: compared by checksum
    toml = write_sources(tmp_path, base, [("rep", "/r.html", "rep.html"), ("doc", "/d.pdf", "doc.pdf")])
    dest = tmp_path / "official"
    fetch(toml, dest)
    lock_before = (tmp_path / "sources.lock").read_text()

    report, _ = fetch(toml, dest)

    assert [r.status for r in report.results] == ["unchanged", "unchanged"]
    assert state.requests[-2][1].get("if-none-match"), "the ETag from the lock is sent back"
    assert (tmp_path / "sources.lock").read_text() == lock_before
    assert (dest / "rep.html").read_bytes() == HTML


def test_server_error_is_retried_with_backoff(tmp_path: Path, server) -> None:
    base, state = server
    state.routes["/flaky.html"] = Route(HTML, "text/html", fail_first=[500, 503])
    toml = write_sources(tmp_path, base, [("flaky", "/flaky.html", "flaky.html")])

    report, sleeps = fetch(toml, tmp_path / "out", retries=3, backoff=0.01)

    r = report.results[0]
    assert r.status == "downloaded" and r.attempts == 3
    assert sleeps == [0.01, 0.02], "exponential back-off between attempts"


def test_rate_limit_is_retried(tmp_path: Path, server) -> None:
    base, state = server
    state.routes["/busy.pdf"] = Route(PDF, "application/pdf", fail_first=[429])
    toml = write_sources(tmp_path, base, [("busy", "/busy.pdf", "busy.pdf")])
    report, _ = fetch(toml, tmp_path / "out")
    assert report.results[0].status == "downloaded"


def test_permanent_failure_is_clear_and_others_still_fetched(tmp_path: Path, server) -> None:
    base, state = server
    state.routes["/r.html"] = Route(HTML, "text/html")
    toml = write_sources(tmp_path, base, [("gone", "/gone.html", "gone.html"), ("rep", "/r.html", "rep.html")])

    report, sleeps = fetch(toml, tmp_path / "out")

    results = by_id(report)
    assert not report.ok
    gone = results["gone"]
    assert gone.status == "failed" and gone.attempts == 1 and sleeps == [], "a 404 is not retried"
    assert "404" in gone.message and f"{base}/gone.html" in gone.message and "sources.toml" in gone.message
    assert gone.message.startswith(f"gone ({base}/gone.html): HTTP 404")
    assert gone.line().startswith("FAILED")
    assert results["rep"].status == "downloaded"
    assert not (tmp_path / "out" / "gone.html").exists()
    lock = json.loads((tmp_path / "sources.lock").read_text())
    assert set(lock["documents"]) == {"rep"}


def test_connection_refused_gives_up_after_retries(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    toml = write_sources(tmp_path, f"http://127.0.0.1:{port}", [("down", "/x.html", "x.html")])
    report, sleeps = fetch(toml, tmp_path / "out", retries=2, backoff=0.01)
    r = report.results[0]
    assert r.status == "failed" and r.attempts == 3 and sleeps == [0.01, 0.02]
    assert "gave up after 3 attempts" in r.message and "try again" in r.message


def test_wrong_content_type_fails_naming_expected_and_got(tmp_path: Path, server) -> None:
    base, state = server
    state.routes["/report.pdf"] = Route(b"<html>Sign in</html>", "text/html; charset=utf-8")
    toml = write_sources(tmp_path, base, [("rep", "/report.pdf", "report.pdf")])

    report, _ = fetch(toml, tmp_path / "out")

    r = report.results[0]
    assert r.status == "failed"
    assert "expected application/pdf, got text/html" in r.message
    assert not (tmp_path / "out" / "report.pdf").exists()


def test_changed_checksum_fails_then_update_accepts(tmp_path: Path, server) -> None:
    base, state = server
    state.routes["/r.html"] = Route(HTML, "text/html")
    toml = write_sources(tmp_path, base, [("rep", "/r.html", "rep.html")])
    dest = tmp_path / "out"
    fetch(toml, dest)
    new_body = HTML.replace(b"First", b"Revised")
    state.routes["/r.html"].body = new_body

    report, _ = fetch(toml, dest)

    r = report.results[0]
    assert r.status == "failed"
    assert "changed" in r.message and "--update" in r.message
    assert (dest / "rep.html").read_bytes() == HTML, "the copy on disk is left alone"
    lock = json.loads((tmp_path / "sources.lock").read_text())
    assert lock["documents"]["rep"]["sha256"] == hashlib.sha256(HTML).hexdigest()

    report, _ = fetch(toml, dest, update=True)

    r = report.results[0]
    assert r.status == "downloaded" and r.changed
    assert (dest / "rep.html").read_bytes() == new_body
    lock = json.loads((tmp_path / "sources.lock").read_text())
    assert lock["documents"]["rep"]["sha256"] == hashlib.sha256(new_body).hexdigest()


def test_oversized_by_content_length(tmp_path: Path, server) -> None:
    base, state = server
    state.routes["/big.pdf"] = Route(PDF, "application/pdf")
    toml = write_sources(tmp_path, base, [("big", "/big.pdf", "big.pdf")])
    report, _ = fetch(toml, tmp_path / "out", max_bytes=1000)
    r = report.results[0]
    assert r.status == "failed" and "over the limit" in r.message and "max_bytes" in r.message
    assert not list((tmp_path / "out").glob("big.pdf*"))


def test_oversized_by_streamed_bytes(tmp_path: Path, server) -> None:
    # No Content-Length: only counting the streamed bytes can catch it.
    base, state = server
    state.routes["/big.pdf"] = Route(PDF, "application/pdf", send_length=False)
    toml = write_sources(tmp_path, base, [("big", "/big.pdf", "big.pdf")])
    report, _ = fetch(toml, tmp_path / "out", max_bytes=1000)
    r = report.results[0]
    assert r.status == "failed" and "passed the limit" in r.message
    assert not list((tmp_path / "out").glob("big.pdf*"))


def test_resume_from_part_with_range(tmp_path: Path, server) -> None:
    base, state = server
    state.routes["/d.pdf"] = Route(PDF, "application/pdf")
    toml = write_sources(tmp_path, base, [("doc", "/d.pdf", "doc.pdf")])
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "doc.pdf.part").write_bytes(PDF[:4000])

    report, _ = fetch(toml, dest)

    r = report.results[0]
    assert r.status == "resumed"
    assert state.requests[-1][1]["range"] == "bytes=4000-"
    assert (dest / "doc.pdf").read_bytes() == PDF
    assert r.sha256 == hashlib.sha256(PDF).hexdigest()
    assert not (dest / "doc.pdf.part").exists()


def test_server_without_range_support_restarts_cleanly(tmp_path: Path, server) -> None:
    base, state = server
    state.routes["/d.pdf"] = Route(PDF, "application/pdf", ranges=False)
    toml = write_sources(tmp_path, base, [("doc", "/d.pdf", "doc.pdf")])
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "doc.pdf.part").write_bytes(b"stale bytes from somewhere else")

    report, _ = fetch(toml, dest)

    assert report.results[0].status == "downloaded"
    assert (dest / "doc.pdf").read_bytes() == PDF


def test_dropped_connection_is_resumed_on_retry(tmp_path: Path, server) -> None:
    # The first answer stops part-way: the attempt keeps its part, and the retry asks for the rest.
    base, state = server
    state.routes["/d.pdf"] = Route(PDF, "application/pdf", truncate_first=3000)
    toml = write_sources(tmp_path, base, [("doc", "/d.pdf", "doc.pdf")])

    report, sleeps = fetch(toml, tmp_path / "out", retries=2)

    r = report.results[0]
    assert r.status == "resumed" and r.attempts == 2 and len(sleeps) == 1
    assert state.requests[-1][1]["range"] == "bytes=3000-"
    assert (tmp_path / "out" / "doc.pdf").read_bytes() == PDF


def test_body_shorter_than_announced_fails_after_retries(tmp_path: Path, server) -> None:
    base, state = server
    state.routes["/d.pdf"] = Route(PDF, "application/pdf", declared_length=len(PDF) + 10, ranges=False)
    toml = write_sources(tmp_path, base, [("doc", "/d.pdf", "doc.pdf")])
    report, _ = fetch(toml, tmp_path / "out", retries=1)
    r = report.results[0]
    assert r.status == "failed" and "gave up after 2 attempts" in r.message
    assert not (tmp_path / "out" / "doc.pdf").exists()


def test_bad_entries_fail_alone(tmp_path: Path, server) -> None:
    base, state = server
    state.routes["/r.html"] = Route(HTML, "text/html")
    toml = tmp_path / "sources.toml"
    toml.write_text(
        f'[[documents]]\nid = "nourl"\nfetch_name = "a.html"\n\n'
        f'[[documents]]\nid = "local"\nurl = "{base}/r.html"\nfile = "x.html"\nfetch_name = "x.html"\n\n'
        f'[[documents]]\nid = "path"\nurl = "{base}/r.html"\nfetch_name = "../escape.html"\n\n'
        f'[[documents]]\nid = "ok"\nurl = "{base}/r.html"\nfetch_name = "ok.html"\n',
        encoding="utf-8")
    report, _ = fetch(toml, tmp_path / "out")
    results = by_id(report)
    assert "url" in results["nourl"].message
    assert "'file' key" in results["local"].message
    assert "plain file name" in results["path"].message
    assert results["ok"].status == "downloaded"
    assert not (tmp_path / "escape.html").exists()


def test_unreadable_source_list_raises_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "sources.toml"
    bad.write_text("[[documents]\nid = ", encoding="utf-8")
    with pytest.raises(ConfigError, match="sources.toml"):
        fetch_sources(bad, tmp_path / "out")
    with pytest.raises(ConfigError, match="not found"):
        fetch_sources(tmp_path / "missing.toml", tmp_path / "out")


def test_cli_fetch_json_and_exit_status(tmp_path: Path, server, capsys: pytest.CaptureFixture[str]) -> None:
    base, state = server
    state.routes["/r.html"] = Route(HTML, "text/html")
    toml = write_sources(tmp_path, base, [("rep", "/r.html", "rep.html"), ("gone", "/gone.html", "gone.html")])

    status = cli_fetch(tmp_path / "out", sources=toml, json_out=True)

    data = json.loads(capsys.readouterr().out)
    assert status == 1 and data["ok"] is False
    assert {d["id"]: d["status"] for d in data["documents"]} == {"rep": "downloaded", "gone": "failed"}

    state.routes["/gone.html"] = Route(HTML, "text/html")
    status = cli_fetch(tmp_path / "out", sources=toml)
    out = capsys.readouterr().out
    assert status == 0
    assert "unchanged" in out and "rep" in out and "downloaded" in out and "evidence ingest" in out


def test_cli_fetch_reports_bad_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_fetch(tmp_path / "out", sources=tmp_path / "none.toml") == 2
    assert "not found" in capsys.readouterr().err


def test_shipped_source_list_is_valid() -> None:
    """corpus/sources.toml: every entry has the fields the fetcher and the manifest need."""
    repo = Path(__file__).resolve().parents[2]
    data = tomllib.loads((repo / "corpus" / "sources.toml").read_text(encoding="utf-8"))
    docs = data["documents"]
    assert len(docs) >= 7
    for d in docs:
        for key in ("id", "title", "url", "kind", "date", "publisher", "licence", "fetch_name"):
            assert d.get(key), f"{d.get('id')}: {key} missing"
        assert "file" not in d
        assert d["url"].startswith("https://")
    assert len({d["id"] for d in docs}) == len(docs)
    assert len({d["fetch_name"] for d in docs}) == len(docs)
    lock = json.loads((repo / "corpus" / "sources.lock").read_text(encoding="utf-8"))
    assert isinstance(lock["documents"], dict)
