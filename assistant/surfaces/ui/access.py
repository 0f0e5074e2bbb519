"""Who may reach the chat: anyone on this machine by default, a login otherwise.

The chat shows every indexed document, so it must not be open on a network address without a
login. ``login_for`` decides before anything is started, so a misconfigured server never serves
a single page.

Two guards sit in front of every route once the chat runs:

* ``HostCheck`` answers only requests addressed to this machine's loopback names, the address
  the chat listens on, or names the administrator allowed (EVIDENCE_ALLOWED_HOSTS). A web page
  elsewhere that points its own domain name at 127.0.0.1 (DNS rebinding) therefore cannot read
  the chat through the user's browser.
* ``LoginThrottle`` makes a client address that keeps sending wrong passwords wait, longer
  after each further wrong one, so a password cannot be guessed at network speed.
"""
from __future__ import annotations

import ipaddress
import json
import math
import re
import threading
import time
from typing import Any, Callable, Iterable

from evidence_assistant.core.errors import ConfigError
from evidence_assistant.core.settings import Settings


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost' — addresses only this machine can reach."""
    h = (host or "").strip().lower()
    if h.startswith("[") and h.endswith("]"):
        h = h[1:-1]
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:  # any other name may resolve to a public address
        return False


def login_for(settings: Settings) -> tuple[str, str] | None:
    """The (username, password) Gradio should ask for, or None for no login.

    Raises ConfigError when only one of the two is set, or when the host is reachable from other
    machines and no login is set."""
    user = (settings.chat.username or "").strip() or None
    password = settings.chat.password.get_secret_value() if settings.chat.password is not None else None
    password = password or None
    if bool(user) != bool(password):
        missing = "EVIDENCE_PASSWORD" if user else "EVIDENCE_USERNAME"
        raise ConfigError(f"a login needs both a username and a password; {missing} is not set. "
                          "Set both EVIDENCE_USERNAME and EVIDENCE_PASSWORD, or neither.")
    if user and password:
        return user, password
    if not is_loopback(settings.chat.host):
        raise ConfigError(
            f"refusing to start the chat on {settings.chat.host!r}: that address can be reached from other machines, "
            "and the chat shows every indexed document, so a login is required. Set EVIDENCE_USERNAME and "
            "EVIDENCE_PASSWORD (for example in the environment of `evidence chat`), or listen on 127.0.0.1 only "
            "(EVIDENCE_HOST=127.0.0.1, the default).")
    return None


def check_address(settings: Settings) -> None:
    """Refuse a listening address or port that cannot work, naming the setting and the fix
    (before anything is opened)."""
    host = settings.chat.host
    if not isinstance(host, str) or not host.strip():
        raise ConfigError("the chat's address is empty; give one with --host or EVIDENCE_HOST "
                          "(127.0.0.1, the default, keeps it on this machine)")
    if host != host.strip() or re.search(r"\s", host):
        raise ConfigError(f"the chat's address {host!r} contains spaces; give it without them with --host or "
                          f"EVIDENCE_HOST (for example {host.strip().split()[0]!r})")
    if not 1 <= int(settings.chat.port) <= 65535:
        raise ConfigError(f"the chat's port {settings.chat.port} is not a port number; choose one from 1 to 65535 "
                          "with --port or EVIDENCE_PORT (7860 is the default)")


def check_can_listen(settings: Settings) -> None:
    """Refuse, naming the fix, when the chat could not listen on host:port: the port is taken by
    another program, or the address is not one of this machine's."""
    import errno
    import socket

    host, port = settings.chat.host.strip("[]"), int(settings.chat.port)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ConfigError(f"the chat cannot listen on {settings.chat.host!r}: that name does not resolve "
                          f"({exc.strerror}); give an address of this machine with --host or EVIDENCE_HOST "
                          "(127.0.0.1 by default)") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError(f"port {port} on {settings.chat.host} is already in use by another program (perhaps "
                                  "another chat); choose a free port with --port or EVIDENCE_PORT, or stop the "
                                  "other program") from None
            if exc.errno == errno.EACCES:
                raise ConfigError(f"this user may not listen on port {port}; choose a port above 1023 with --port "
                                  "or EVIDENCE_PORT") from None
            raise ConfigError(f"the chat cannot listen on {settings.chat.host}:{port} ({exc.strerror or exc}); give an "
                              "address of this machine with --host or EVIDENCE_HOST, and a free port with --port "
                              "or EVIDENCE_PORT") from None


# --------------------------------------------------------------------------- Host header check

_WILDCARD = frozenset({"", "0.0.0.0", "::", "*"})


def split_host(value: str) -> tuple[str, str | None]:
    """A Host header (or an allowed-host entry) as (lower-case name without brackets, port or None)."""
    v = value.strip().lower()
    if v.startswith("["):  # [::1] or [::1]:7860
        end = v.find("]")
        if end < 0:
            return v, None
        name, rest = v[1:end], v[end + 1:]
        return name, rest[1:] if rest.startswith(":") and rest[1:] else None
    if v.count(":") == 1:
        name, port = v.split(":")
        return name.rstrip("."), port or None
    return v.rstrip("."), None  # a bare name, or a bare IPv6 address (no port possible)


def _canonical(name: str) -> str:
    """One spelling per address (``0:0::a`` and ``::a`` are the same host); names unchanged."""
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name


class HostCheck:
    """ASGI middleware: refuses (400) any request whose Host header names a site the chat does not
    serve, before any route runs. Allowed: loopback names (localhost, 127.0.0.1, [::1]) with any
    port, the address the chat listens on, and ``allowed`` (each "name" or "name:port"; "*"
    allows any). ``listen`` set to every address (0.0.0.0, ::) with no ``allowed`` list allows
    any name, since the administrator cannot know which names the machine is reached by."""

    def __init__(self, app: Any, listen: str = "127.0.0.1", allowed: Iterable[str] | None = None):
        self.app = app
        entries = [split_host(h) for h in (allowed or []) if h and h.strip()]
        self.any_host = any(n == "*" for n, _ in entries) or (not entries and listen.strip().lower() in _WILDCARD)
        if listen.strip().lower() not in _WILDCARD:
            entries.append((split_host(listen)[0], None))
        self.entries = [(_canonical(n), p) for n, p in entries]

    def allows(self, host_header: str | None) -> bool:
        if self.any_host:
            return True
        if not host_header:
            return False
        name, port = split_host(host_header)
        if is_loopback(name):
            return True
        name = _canonical(name)
        return any(name == n and (p is None or p == port) for n, p in self.entries)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), None)
            if not self.allows(host):
                await _refuse_host(scope, receive, send, host)
                return
        await self.app(scope, receive, send)


async def _refuse_host(scope: dict[str, Any], receive: Any, send: Any, host: str | None) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    from starlette.responses import JSONResponse

    shown = (host or "")[:100]
    message = (f"this Evidence Assistant does not answer to the name {shown!r}; open it as http://127.0.0.1 or "
               "http://localhost on the machine it runs on, or ask its administrator to add the name to "
               "EVIDENCE_ALLOWED_HOSTS") if host else "the request has no Host header; it was refused"
    await JSONResponse({"detail": {"error": "Invalid host", "message": message}}, status_code=400)(scope, receive, send)


# --------------------------------------------------------------------------- login back-off

LOGIN_FORM_PATHS = frozenset({"/login", "/login/"})
MAX_BACKOFF_S = 900.0  # the longest wait after repeated wrong passwords (15 minutes)
FORGET_AFTER_S = 3600.0  # a client quiet this long starts again with a clean record
_MAX_CLIENTS = 10_000  # records kept at most (oldest forgotten first)


class LoginThrottle:
    """ASGI middleware for a chat with a login: after ``max_failures`` wrong passwords from one
    client address, further sign-in attempts from it are refused (429, with Retry-After) for
    ``backoff_s``, doubling with each further wrong password up to ``max_backoff_s``. A correct
    login clears the record.

    Every attempt counts as a failure until its answer says otherwise, so a burst of attempts
    sent at once is limited as strictly as one sent in turn."""

    def __init__(self, app: Any, max_failures: int = 5, backoff_s: float = 1.0, max_backoff_s: float = MAX_BACKOFF_S,
                 clock: Callable[[], float] = time.monotonic):
        self.app = app
        self.max_failures = max(1, int(max_failures))
        self.backoff_s = float(backoff_s)
        self.max_backoff_s = float(max_backoff_s)
        self.clock = clock
        self._clients: dict[str, list[float]] = {}  # address -> [failures, blocked until, last attempt]
        self._lock = threading.Lock()

    def wait_for(self, client: str) -> float:
        """Seconds ``client`` must still wait before its next attempt (0 when it may try now)."""
        with self._lock:
            rec = self._clients.get(client)
            return max(0.0, rec[1] - self.clock()) if rec else 0.0

    def _attempt(self, client: str) -> float:
        """Record an attempt as a failure unless it is refused; returns the wait (0 = admitted)."""
        now = self.clock()
        with self._lock:
            rec = self._clients.get(client)
            if rec is not None and rec[1] <= now and now - rec[2] > FORGET_AFTER_S:
                rec = None  # quiet for long enough: a clean start
            if rec is not None and rec[1] > now:
                return rec[1] - now
            if rec is None:
                rec = self._clients[client] = [0.0, 0.0, now]
                self._prune(now)
            rec[0] += 1
            rec[2] = now
            if rec[0] >= self.max_failures:
                rec[1] = now + min(self.max_backoff_s, self.backoff_s * 2 ** min(rec[0] - self.max_failures, 40))
            return 0.0

    def _succeeded(self, client: str) -> None:
        with self._lock:
            self._clients.pop(client, None)

    def _prune(self, now: float) -> None:
        if len(self._clients) <= _MAX_CLIENTS:
            return
        for key in [k for k, r in self._clients.items() if r[1] <= now and now - r[2] > FORGET_AFTER_S]:
            del self._clients[key]
        if len(self._clients) > _MAX_CLIENTS:
            for key in sorted(self._clients, key=lambda k: self._clients[k][2])[:len(self._clients) - _MAX_CLIENTS]:
                del self._clients[key]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or route_path(scope) not in LOGIN_FORM_PATHS:
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown",))[0] or "unknown"
        wait = self._attempt(client)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            body = json.dumps({"detail": f"Too many wrong passwords from this address; wait {seconds} s before "
                                         "trying again."}).encode()
            await send({"type": "http.response.start", "status": 429,
                        "headers": [(b"content-type", b"application/json"), (b"retry-after", str(seconds).encode()),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        status: dict[str, int] = {}

        async def watch(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status.get("code") == 200:
            self._succeeded(client)


def route_path(scope: dict[str, Any]) -> str:
    """The request's path below the app's root path."""
    path, root = scope.get("path", ""), scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path
