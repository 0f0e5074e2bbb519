"""``evidence eval``: the evaluation suites as a subcommand of the product's CLI.

The CLI does not import the evaluations (they stand above it, on the public API); this package
offers the subcommand through the ``evidence_assistant.commands`` entry point instead
(pyproject.toml), and the CLI adds every subcommand offered there."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def cmd_eval(args: argparse.Namespace) -> int:
    from evidence_assistant.core.data_files import CHECKOUT
    from evidence_assistant.core.errors import ConfigError

    if CHECKOUT is None:  # an installed wheel carries neither the cases nor the sample corpus
        raise ConfigError("`evidence eval` runs from a checkout of the project (it reads evals/cases and "
                          "corpus/sample): clone the repository, `make install`, and run `make eval` there")
    from evidence_evals.runner import cli_eval

    return cli_eval(suite=args.suite, configs=args.config, out=Path(args.out), limit=args.limit)


def register(sub: Any) -> None:
    pe = sub.add_parser("eval", help="run the evaluation suites and write reports")
    pe.add_argument("--suite", default="sample", choices=["sample", "real", "tracker", "scifact", "covidqa", "all"])
    pe.add_argument("--config", action="append", help="configuration(s) to compare (default: all for the suite)")
    pe.add_argument("--out", default="evals/reports")
    pe.add_argument("--limit", type=int, help="at most this many queries per suite (quick runs)")
    pe.set_defaults(func=cmd_eval)
