"""Subcommands beyond ingest and status: ask, chat, corpus fetch, commitments (and the tracker's)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from evidence_assistant.surfaces.cli_common import EXIT_OK, EXIT_PARTIAL, port_number, positive_int




def cmd_ask(args: argparse.Namespace) -> int:
    from evidence_assistant.surfaces.api import Assistant
    from evidence_assistant.surfaces.cli_common import settings_from_args

    s = settings_from_args(args, top_k=args.k)
    filters = {"kinds": args.kind or (), "doc_ids": args.doc or (), "since": args.since, "until": args.until,
               "publishers": args.publisher or ()}
    with Assistant.open(settings=s) as a:
        if args.json:
            ans = a.ask(args.question, filters=filters)
            sys.stdout.write(json.dumps(ans.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n")
        else:
            ans = None
            for item in a.stream(args.question, filters=filters):
                if isinstance(item, str):
                    if sys.stdout.isatty():
                        sys.stdout.write(item)
                        sys.stdout.flush()
                else:
                    ans = item
            if sys.stdout.isatty():
                sys.stdout.write("\r\033[K")
            assert ans is not None
            sys.stdout.write(ans.to_markdown())
    return EXIT_OK if ans.answered else EXIT_PARTIAL


def cmd_chat(args: argparse.Namespace) -> int:
    from evidence_assistant.surfaces.cli_common import settings_from_args
    from evidence_assistant.surfaces.ui.app import launch

    s = settings_from_args(args, host=args.host, port=args.port)
    launch(s)
    return EXIT_OK


def cmd_fetch(args: argparse.Namespace) -> int:
    from evidence_ingest.fetch import cli_fetch

    return cli_fetch(Path(args.dest) if args.dest else None, sources=Path(args.sources) if args.sources else None,
                     update=args.update, json_out=args.json)


def cmd_commitments(args: argparse.Namespace) -> int:
    from evidence_assistant.tracker.commitments import cli_commitments

    return cli_commitments(json_out=args.json, registry_path=Path(args.registry) if args.registry else None)


def register(sub: Any) -> None:
    pa = sub.add_parser("ask", help="ask a question; the answer comes with footnoted citations")
    pa.add_argument("question")
    pa.add_argument("--index")
    pa.add_argument("--json", action="store_true", help="the whole Answer as JSON")
    pa.add_argument("--kind", action="append", help="only documents of this kind (repeatable): report, evidence, "
                    "response, standard, policy, news")
    pa.add_argument("--doc", action="append", help="only this document: id (12+ characters) or exact title (repeatable)")
    pa.add_argument("--since", help="only documents dated on or after (YYYY-MM-DD)")
    pa.add_argument("--until", help="only documents dated on or before (YYYY-MM-DD)")
    pa.add_argument("--publisher", action="append", help="only documents from this publisher (repeatable)")
    pa.add_argument("--k", type=positive_int, help="passages to answer from (1 or more)")
    pa.set_defaults(func=cmd_ask)

    pc = sub.add_parser("chat", help="start the chat in the browser (127.0.0.1:7860 by default)")
    pc.add_argument("--index")
    pc.add_argument("--host")
    pc.add_argument("--port", type=port_number)
    pc.set_defaults(func=cmd_chat)

    pcorp = sub.add_parser("corpus", help="the official source documents")
    csub = pcorp.add_subparsers(dest="corpus_command", required=True)
    pf = csub.add_parser("fetch", help="download the official documents listed in corpus/sources.toml")
    pf.add_argument("--dest", help="folder to save them in (default: corpus/official)")
    pf.add_argument("--sources", help="sources.toml to read (default: corpus/sources.toml)")
    pf.add_argument("--update", action="store_true", help="accept documents whose checksum changed")
    pf.add_argument("--json", action="store_true")
    pf.set_defaults(func=cmd_fetch)

    pm = sub.add_parser("commitments", help="the commitments registry as a table")
    pm.add_argument("--json", action="store_true")
    pm.add_argument("--registry", help="registry file (default: corpus/commitments.yaml)")
    pm.set_defaults(func=cmd_commitments)
    from evidence_assistant.surfaces import cli_tracker
    cli_tracker.register(sub, commitments_parser=pm)
