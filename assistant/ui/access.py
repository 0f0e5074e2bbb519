"""Who may reach the chat: anyone on this machine by default, a login otherwise.

The chat shows every indexed document, so it must not be open on a network address without a
login. ``login_for`` decides before anything is started, so a misconfigured server never serves
a single page.
"""
from __future__ import annotations

import ipaddress

from assistant.errors import ConfigError
from assistant.settings import Settings


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
    user = (settings.username or "").strip() or None
    password = settings.password.get_secret_value() if settings.password is not None else None
    password = password or None
    if bool(user) != bool(password):
        missing = "EVIDENCE_PASSWORD" if user else "EVIDENCE_USERNAME"
        raise ConfigError(f"a login needs both a username and a password; {missing} is not set. "
                          "Set both EVIDENCE_USERNAME and EVIDENCE_PASSWORD, or neither.")
    if user and password:
        return user, password
    if not is_loopback(settings.host):
        raise ConfigError(
            f"refusing to start the chat on {settings.host!r}: that address can be reached from other machines, "
            "and the chat shows every indexed document, so a login is required. Set EVIDENCE_USERNAME and "
            "EVIDENCE_PASSWORD (for example in the environment of `evidence chat`), or listen on 127.0.0.1 only "
            "(EVIDENCE_HOST=127.0.0.1, the default).")
    return None
