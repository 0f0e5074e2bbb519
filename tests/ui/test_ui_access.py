"""Access: loopback without a login by default; a login when set; refusal on a network address
without one. Also the launch contract other engineers rely on (queue, the `ask` endpoint)."""
from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from evidence_assistant.core.errors import ConfigError
from evidence_assistant.core.settings import Settings
from evidence_assistant.surfaces.ui.access import is_loopback, login_for

from ui_helpers import free_port


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.5", False), ("example.org", False), ("", False),
])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_defaults_are_loopback_7860_without_login() -> None:
    fields = Settings.model_fields
    assert (fields["host"].default, fields["port"].default) == ("127.0.0.1", 7860)
    assert login_for(Settings(host="127.0.0.1")) is None


def test_network_host_without_login_is_refused_before_anything_starts(tmp_path: Path) -> None:
    from evidence_assistant.surfaces.ui.app import launch

    s = Settings(host="0.0.0.0", index_dir=tmp_path / "no-index")
    with pytest.raises(ConfigError) as err:
        launch(s, block=False)  # no index there either: the refusal must come first
    msg = str(err.value)
    assert "refusing to start" in msg and "'0.0.0.0'" in msg
    assert "EVIDENCE_USERNAME" in msg and "EVIDENCE_PASSWORD" in msg
    assert login_for(Settings(host="0.0.0.0", username="staff", password="pw")) == ("staff", "pw")


def test_half_a_login_is_an_error() -> None:
    with pytest.raises(ConfigError, match="EVIDENCE_PASSWORD is not set"):
        login_for(Settings(username="staff"))
    with pytest.raises(ConfigError, match="EVIDENCE_USERNAME is not set"):
        login_for(Settings(password="pw"))


def test_login_guards_config_and_api_and_queue_is_set(stub_assistant, tmp_path: Path) -> None:
    from evidence_assistant.surfaces.ui.app import launch

    assert os.environ.get("GRADIO_ANALYTICS_ENABLED") == "False"
    s = Settings(index_dir=tmp_path, port=free_port(), username="staff", password="s3cret", max_concurrency=3,
                 max_queue=7)
    demo, url = launch(s, block=False, assistant=stub_assistant)
    try:
        assert url.startswith("http://127.0.0.1:")
        assert demo.share is False or demo.share is None
        assert demo._queue.max_size == 7 and demo._queue.default_concurrency_limit == 3
        with httpx.Client(base_url=url, timeout=10) as c:
            assert c.get("/config").status_code == 401
            assert c.get("/gradio_api/info").status_code == 401
            assert c.post("/gradio_api/call/ask", json={"data": ["q", ""]}).status_code == 401
            assert c.post("/login", data={"username": "staff", "password": "wrong"}).status_code == 400
            assert c.post("/login", data={"username": "staff", "password": "s3cret"}).status_code == 200
            info = c.get("/gradio_api/info").json()
            assert list(info["named_endpoints"]) == ["/ask"]  # the UI's own events stay private
    finally:
        demo.close()
