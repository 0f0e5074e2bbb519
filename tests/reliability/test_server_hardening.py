"""The chat's server, hardened: it answers only to its own names, slows down password guessing,
answers malformed API input with a message naming the field, and leaves no files behind.

* Host header (DNS rebinding): a web page on another domain that points its name at 127.0.0.1
  makes the browser send ``Host: <that domain>``. The chat refuses such requests (400) before
  any route runs; loopback names and names the administrator allowed are served.
* Login back-off: after ``login_max_failures`` wrong passwords from one address, further
  attempts are refused (429, Retry-After) for a wait that doubles with each wrong password; a
  correct password, once allowed, clears the record.
* The HTTP ``ask`` endpoint names ``filters_json`` or the filter field when they are wrong.
* Cleanup: a refused upload's saved copy is deleted at once; the chat's export folder is removed
  when the app is closed.

Every test runs the real app on a free loopback port over a real index of a small corpus.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from pydantic import SecretStr

from evidence_assistant import Assistant, Settings
from benchmarks.app_client import ask, free_port
from evidence_ingest.pipeline import ingest
from rel_support import make_small_corpus

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

USER, PASSWORD = "committee-staff", "correct-horse-battery-staple-7731"
QUESTION = "How long did data sharing agreements between trusts take to sign?"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Assistant, Settings]]:
    root = tmp_path_factory.mktemp("hardening")
    s = Settings(index_dir=root / "index", upload_dir=root / "uploads", host="127.0.0.1")
    report = ingest([make_small_corpus(root / "corpus")], settings=s)
    assert report.ok and report.indexed == 5, report.to_dict()
    a = Assistant.open(settings=s)
    yield a, s
    a.close()


@pytest.fixture(scope="module")
def open_app(small: tuple[Assistant, Settings]) -> Iterator[dict[str, Any]]:
    """The chat without a login, on loopback (the default set-up)."""
    from evidence_assistant.surfaces.ui.app import launch

    a, s = small
    port = free_port()
    demo, url = launch(s.model_copy(update={"port": port}), block=False, assistant=a)
    try:
        yield {"demo": demo, "url": url.rstrip("/"), "port": port}
    finally:
        demo.close()


# --------------------------------------------------------------------------- Host header


@pytest.mark.parametrize("host", ["rebind-attacker.example", "rebind-attacker.example:{port}",
                                  "127.0.0.1.rebind-attacker.example", "localhost.rebind-attacker.example:{port}",
                                  "evil.example:{port}@127.0.0.1"])
@pytest.mark.parametrize("method, path", [("GET", "/config"), ("GET", "/"), ("GET", "/gradio_api/info"),
                                          ("POST", "/gradio_api/call/ask")])
def test_foreign_host_header_is_refused_before_any_route(open_app: dict[str, Any], host: str, method: str,
                                                         path: str) -> None:
    body = {"data": [QUESTION, ""]} if method == "POST" else None
    with httpx.Client(base_url=open_app["url"], timeout=30) as http:
        r = http.request(method, path, json=body, headers={"Host": host.format(port=open_app["port"])})
    assert r.status_code == 400, f"{method} {path} with Host {host!r} -> {r.status_code} {r.text[:200]}"
    assert "EVIDENCE_ALLOWED_HOSTS" in r.text
    assert "Expert" not in r.text and "data sharing" not in r.text.lower()


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST", "[::1]:{port}", "[::1]",
                                  "127.0.0.1"])
def test_loopback_names_are_served(open_app: dict[str, Any], host: str) -> None:
    with httpx.Client(base_url=open_app["url"], timeout=30) as http:
        r = http.get("/config", headers={"Host": host.format(port=open_app["port"])})
    assert r.status_code == 200, (host, r.status_code, r.text[:200])


def test_foreign_host_cannot_ask_but_loopback_can(open_app: dict[str, Any]) -> None:
    with httpx.Client(base_url=open_app["url"], timeout=120) as http:
        refused = http.post("/gradio_api/call/ask", json={"data": [QUESTION, ""]},
                            headers={"Host": "rebind-attacker.example"})
        reply = ask(http, QUESTION)
    assert refused.status_code == 400
    assert reply.status == "answer", reply.detail


@pytest.mark.parametrize("listen, allowed, host, ok", [
    ("127.0.0.1", None, "evidence.example.org", False),
    ("127.0.0.1", ["evidence.example.org"], "evidence.example.org", True),
    ("127.0.0.1", ["evidence.example.org"], "Evidence.Example.Org.:443", True),
    ("127.0.0.1", ["evidence.example.org:8443"], "evidence.example.org:8443", True),
    ("127.0.0.1", ["evidence.example.org:8443"], "evidence.example.org:80", False),
    ("127.0.0.1", ["evidence.example.org"], "other.example.org", False),
    ("127.0.0.1", ["*"], "anything.example", True),
    ("192.168.1.20", None, "192.168.1.20:7860", True),  # the address the chat listens on
    ("192.168.1.20", None, "rebind-attacker.example", False),
    ("0.0.0.0", None, "staff-pc.internal", True),  # every address: any name, unless a list is given
    ("0.0.0.0", ["evidence.internal"], "staff-pc.internal", False),
    ("0.0.0.0", ["evidence.internal"], "127.0.0.1:7860", True),
    ("::1", None, "[0:0::1]:7860", True),
    ("127.0.0.1", None, "", False),
    ("127.0.0.1", None, None, False),
])
def test_host_rules(listen: str, allowed: list[str] | None, host: str | None, ok: bool) -> None:
    from evidence_assistant.surfaces.ui.access import HostCheck

    assert HostCheck(None, listen=listen, allowed=allowed).allows(host) is ok


def test_allowed_hosts_setting_reads_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVIDENCE_ALLOWED_HOSTS", "evidence.example.org, 10.0.0.5:7860")
    assert Settings().allowed_hosts == ["evidence.example.org", "10.0.0.5:7860"]
    assert "DNS rebinding" in Settings.model_fields["allowed_hosts"].description


def test_allowed_host_is_served_by_the_running_app(small: tuple[Assistant, Settings]) -> None:
    from evidence_assistant.surfaces.ui.app import launch

    a, s = small
    demo, url = launch(s.model_copy(update={"port": free_port(), "allowed_hosts": ["evidence.example.org"]}),
                       block=False, assistant=a)
    try:
        with httpx.Client(base_url=url.rstrip("/"), timeout=30) as http:
            assert http.get("/config", headers={"Host": "evidence.example.org"}).status_code == 200
            assert http.get("/config", headers={"Host": "rebind-attacker.example"}).status_code == 400
    finally:
        demo.close()


# --------------------------------------------------------------------------- login back-off


def _login(http: httpx.Client, password: str) -> httpx.Response:
    return http.post("/login", data={"username": USER, "password": password})


def test_password_guessing_is_slowed_down(small: tuple[Assistant, Settings]) -> None:
    from evidence_assistant.surfaces.ui.app import launch

    a, s = small
    backoff = 2.0
    settings = s.model_copy(update={"port": free_port(), "username": USER, "password": SecretStr(PASSWORD),
                                    "login_max_failures": 5, "login_backoff_s": backoff})
    demo, url = launch(settings, block=False, assistant=a)
    try:
        with httpx.Client(base_url=url.rstrip("/"), timeout=30) as http:
            t0 = time.monotonic()
            codes = [_login(http, f"guess-{i}").status_code for i in range(30)]
            burst_s = time.monotonic() - t0
            assert burst_s < backoff, f"30 attempts took {burst_s:.1f} s; the check below needs them faster"
            assert codes[:5] == [400] * 5, codes
            assert codes[5:] == [429] * 25, codes
            blocked = _login(http, PASSWORD)  # while blocked, even the right password waits
            assert blocked.status_code == 429 and not http.cookies
            assert 1 <= int(blocked.headers["retry-after"]) <= backoff
            assert "wait" in blocked.json()["detail"]

            time.sleep(backoff + 0.2)
            assert _login(http, "guess-after-wait").status_code == 400  # admitted again, and wrong
            again = _login(http, "guess-again")
            assert again.status_code == 429
            assert int(again.headers["retry-after"]) > backoff, "the wait must grow after another wrong password"

            time.sleep(int(again.headers["retry-after"]) + 0.2)
            assert _login(http, PASSWORD).status_code == 200
            assert http.get("/config").status_code == 200
            # A correct login cleared the record: one more typo is an ordinary refusal.
            assert _login(http, "a-typo").status_code == 400
    finally:
        demo.close()


def test_back_off_doubles_and_is_capped() -> None:
    from evidence_assistant.surfaces.ui.access import LoginThrottle

    now = [1000.0]
    throttle = LoginThrottle(None, max_failures=3, backoff_s=1.0, max_backoff_s=8.0, clock=lambda: now[0])
    waits = []
    for _ in range(8):
        assert throttle._attempt("10.0.0.9") == 0.0  # admitted (and, as the app says, wrong)
        waits.append(throttle.wait_for("10.0.0.9"))
        if waits[-1]:
            assert throttle._attempt("10.0.0.9") > 0  # refused while waiting
            assert throttle.wait_for("10.0.0.7") == 0.0  # other addresses are unaffected
            now[0] += waits[-1] + 0.01
    assert waits == [0.0, 0.0, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0], waits
    throttle._succeeded("10.0.0.9")
    assert throttle.wait_for("10.0.0.9") == 0.0 and throttle._attempt("10.0.0.9") == 0.0


# --------------------------------------------------------------------------- API input


@pytest.mark.parametrize("filters_json, fragment", [
    (5, "filters_json must be text holding a JSON object"),
    ([1, 2], "filters_json must be text holding a JSON object"),
    (True, "filters_json must be text holding a JSON object"),
    ('{"until": 0}', "filter 'until' must be a date written as text"),
    ('{"since": false}', "filter 'since' must be a date written as text"),
    ('{"kinds": 0}', "filter 'kinds' must be text or a list of texts"),
])
def test_api_names_the_wrong_field(open_app: dict[str, Any], filters_json: Any, fragment: str) -> None:
    with httpx.Client(base_url=open_app["url"], timeout=120) as http:
        reply = ask(http, QUESTION, filters_json)
    assert reply.status == "error", (reply.status, reply.detail, reply.data)
    assert fragment in (reply.detail or ""), reply.detail


def test_api_takes_filters_given_as_an_object(open_app: dict[str, Any]) -> None:
    with httpx.Client(base_url=open_app["url"], timeout=120) as http:
        reply = ask(http, QUESTION, {"kinds": ["report"]})  # type: ignore[arg-type]
    assert reply.status == "answer", reply.detail
    assert reply.data["filters"]["kinds"] == ["report"]


# --------------------------------------------------------------------------- files left behind


def test_refused_upload_is_deleted_at_once(small: tuple[Assistant, Settings], tmp_path: Path) -> None:
    from evidence_assistant.surfaces.ui.app import ChatUI

    a, s = small
    upload_dir = tmp_path / "uploads"
    ui = ChatUI(a, s.model_copy(update={"upload_dir": upload_dir}))
    broken = tmp_path / "incoming" / "broken.pdf"  # a supported name, but not a PDF inside
    broken.parent.mkdir()
    broken.write_bytes(b"%PDF-1.4\n" + b"not really a pdf " * 200)
    good = tmp_path / "incoming" / "notes-procurement.md"
    good.write_text("# Staff notes on procurement\n\nThe committee heard that framework contracts for electronic "
                    "patient records were renewed every four years.\n", encoding="utf-8")
    results, *_ = ui.upload([str(broken), str(good)], "report", "2024-05", [])
    assert "broken.pdf" in results and "Not added" in results, results
    assert not (upload_dir / "broken.pdf").exists(), "the refused upload's copy was left in the upload folder"
    assert (upload_dir / "notes-procurement.md").is_file(), "an indexed upload must be kept"
    toml = (upload_dir / "sources.toml").read_text(encoding="utf-8")
    assert "broken.pdf" not in toml and "notes-procurement.md" in toml
    assert sorted(p.name for p in upload_dir.iterdir()) == ["notes-procurement.md", "sources.toml"]


def test_export_folder_is_removed_when_the_chat_closes(small: tuple[Assistant, Settings]) -> None:
    from evidence_assistant.surfaces.ui.app import launch

    a, s = small
    demo, _ = launch(s.model_copy(update={"port": free_port()}), block=False, assistant=a)
    ui = demo.evidence_ui
    try:
        answer = a.ask(QUESTION)
        download, _ = ui.export([answer], "all", "markdown")
        exported = Path(download["value"])
        assert exported.is_file()
        folder = ui._export_dir
        assert folder is not None and exported.resolve().is_relative_to(Path(folder).resolve())
    finally:
        demo.close()
    assert not Path(folder).exists(), f"the export folder {folder} outlived the chat"
