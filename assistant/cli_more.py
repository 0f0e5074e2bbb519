"""Subcommands beyond ingest and status: ask, chat, corpus fetch, commitments, eval."""
from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    pass
