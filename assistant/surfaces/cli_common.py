"""What every ``evidence`` subcommand shares: exit statuses, settings from the command line with
errors that name the option or environment variable, argument types and JSON output. The
subcommand modules (cli, cli_more, cli_documents, cli_tracker) import this, never each other."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from evidence_assistant.core.errors import EvidenceError
from evidence_assistant.core.settings import Settings

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


# Settings that have a command-line option, for error messages.
OPTIONS = {"index_dir": "--index", "top_k": "--k", "host": "--host", "port": "--port"}


def settings_from_args(args: argparse.Namespace, **extra: Any) -> Settings:
    from pydantic import ValidationError

    overrides: dict[str, Any] = {k: v for k, v in extra.items() if v is not None}
    if getattr(args, "index", None):
        overrides["index_dir"] = Path(args.index)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise settings_error(exc) from None


def settings_error(exc: Any) -> EvidenceError:
    """A pydantic ValidationError on Settings as one line naming each setting, its option or
    environment variable, what is wrong and the value given."""
    from evidence_assistant.core.errors import ConfigError

    parts = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err.get("loc") else "?"
        where = f"EVIDENCE_{field.upper()}"
        if field in OPTIONS:
            where = f"{OPTIONS[field]} or {where}"
        msg = str(err.get("msg", "is not valid")).replace("Input should be", "must be")
        parts.append(f"setting {field} ({where}): {msg[:1].lower() + msg[1:]}, got {err.get('input')!r}")
    return ConfigError("; ".join(parts) + "; change the value and run the command again")


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {n}")
    return n


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 1 to 65535."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, got {n}")
    return n


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")
