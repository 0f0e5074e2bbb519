"""The ``evidence`` command. Errors become one clear line on stderr and an exit status:
0 done, 1 error, 2 bad usage, 3 done but some files were skipped (ingest) or the answer is
not supported by the documents (ask). No error shows a traceback unless EVIDENCE_DEBUG=1."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Sequence

from evidence_assistant.core.offline import set_offline_env  # noqa: E402

set_offline_env()

from evidence_assistant.core.errors import EvidenceError  # noqa: E402

from evidence_assistant.surfaces.cli_common import (  # noqa: E402
    EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, print_json, settings_error, settings_from_args)


# --- ingest ----------------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    from evidence_ingest.manifest import now
    from evidence_ingest.pipeline import ingest

    s = settings_from_args(args)
    started = now()  # the index's clock: documents stamped at or after it were added by this run
    bar = None
    if not args.quiet and sys.stderr.isatty() or args.progress:
        from tqdm import tqdm
        bar = tqdm(total=0, unit="file", file=sys.stderr, dynamic_ncols=True)

    def progress(p: dict[str, Any]) -> None:
        if bar is None:
            return
        bar.total = p["files_total"]
        bar.n = p["files_done"]
        rate = p["embedded"] / p["seconds"] if p["seconds"] else 0.0
        bar.set_postfix_str(f"pages {p['pages']}, passages {p['passages']}, {rate:.0f} passages/s")
        bar.refresh()

    try:
        report = ingest(args.paths, settings=s, prune=args.prune, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    tracker = tracker_summary(s, started) if report.indexed and not args.no_tracker else None
    if args.json:
        out = report.to_dict()
        if tracker:
            out["tracker"] = tracker
        print_json(out)
    else:
        print(f"Indexed {report.indexed} document(s) ({report.passages_added} passages, {report.pages} pages), "
              f"{report.unchanged} unchanged, {report.duplicates} duplicate(s), {len(report.skipped)} skipped, "
              f"{report.removed_documents} removed ({report.passages_removed} passages) in {report.seconds:.1f} s; "
              f"{report.embedded} passages embedded. Index: {s.index_dir}")
        for sk in report.skipped:
            print(f"  skipped {sk.path}: {sk.reason}")
        for w in report.warnings:
            print(f"  note {w.path}: {w.reason}")
        if report.recovered:
            print(f"  recovered from an interrupted run: {report.recovered}")
        for line in (tracker or {}).get("lines", []):
            print(f"  {line}")
    return EXIT_OK if report.ok else EXIT_PARTIAL


TRACKER_LINES = 10  # tracked items named after an ingest; `evidence digest` lists them all


def tracker_summary(s: Any, started: str) -> dict[str, Any] | None:
    """What the documents added by this ingest (stamped at or after ``started``) bring to the
    recommendations and commitments the index tracks: one line per item that gained a reply or a
    passage of evidence from them, the place cited; None when nothing tracked gained anything.

    The tracker is an aid: if it cannot be read (a report moved, a broken registry), the ingest
    still succeeds and says why on stderr."""
    import logging

    from evidence_assistant.surfaces.api import Assistant
    from evidence_assistant.tracker.tracker_progress import digest

    log = logging.getLogger(__name__)
    try:
        with Assistant.open(settings=s) as assistant:
            documents = assistant.documents()
            new_ids = {d["doc_id"] for d in documents if (d.get("added_at") or "") >= started}
            if not new_ids:
                return None
            if (not any(d.get("kind") in ("report", "response") for d in documents)
                    and not getattr(assistant.registry, "commitments", None)):
                return None  # nothing is tracked: no report with recommendations, no registry
            result = digest(assistant, started[:10], doc_ids=new_ids)
    except Exception as exc:  # the ingest itself succeeded; the summary must not undo that
        log.warning("the tracked recommendations and commitments could not be checked against the new documents: %s",
                    exc)
        return None
    items = [{"item": e["item"], "new_response": e["new_response"], "new_evidence": e["new_evidence"],
              "line": _tracker_line(e["item"], e["new_response"], e["new_evidence"])} for e in result["items"]]
    if not items:
        return None
    lines = [it["line"] for it in items[:TRACKER_LINES]]
    if len(items) > TRACKER_LINES:
        lines.append(f"… and {len(items) - TRACKER_LINES} more (evidence digest --since {result['since']})")
    return {"since": result["since"], "lines": lines, "items": items}


def _tracker_line(item: dict[str, Any], reply: dict[str, Any] | None, evidence: list[dict[str, Any]]) -> str:
    """'New response to Recommendation 3 (report title): accepted — response title, p. 4, para. 12',
    or 'New evidence for ...: document title, date, p. 4, para. 12'."""
    from evidence_assistant.core.locator import locator

    what = f"{item['label']} ({item['source_title']})"
    if reply is not None:
        d = reply.get("decisive") or {}
        where = ", ".join(x for x in (reply.get("response_title") or reply.get("response") or "",
                                      locator(d.get("page"), d.get("paragraph"))) if x)
        line = f"New response to {what}: {reply.get('stance') or 'not addressed'} — {where}"
        if evidence:
            line += f" (and {len(evidence)} new passage(s) of evidence)"
        return line
    first = evidence[0]
    where = ", ".join(x for x in (first["title"], first.get("date") or "undated",
                                  locator(first.get("page"), first.get("paragraph"))) if x)
    more = f" (and {len(evidence) - 1} more passage(s))" if len(evidence) > 1 else ""
    return f"New evidence for {what}: {where}{more}"


def cmd_status(args: argparse.Namespace) -> int:
    from evidence_ingest.store import Index

    idx = Index.open(settings_from_args(args))
    try:
        st = idx.status()
        docs = idx.manifest.documents()
    finally:
        idx.close()
    if args.json:
        st["document_list"] = [d.to_dict() for d in docs]
        print_json(st)
        return EXIT_OK
    print(f"Index {st['index_dir']} ({st['chroma']}): {st['documents']} documents, {st['passages']} passages, "
          f"{st['size_bytes'] / 1e6:.1f} MB; model {st['model']}; last ingest {st['last_ingest']}")
    for d in docs:
        print(f"  {d.date or '----------':10}  {d.kind:9}  {d.n_passages:5} passages  {d.title[:70]}  [{d.doc_id[:12]}]")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="evidence", description="Evidence Assistant: cited answers from committee "
                                "reports, evidence, responses and standards.")
    sub = p.add_subparsers(dest="command", required=True)

    pi = sub.add_parser("ingest", help="index files and folders")
    pi.add_argument("paths", nargs="+", help="files or folders (PDF, HTML, DOCX, Markdown, text, JSON)")
    pi.add_argument("--index", help="index folder (default: EVIDENCE_INDEX_DIR or the user data folder)")
    pi.add_argument("--prune", action="store_true", help="remove documents whose files are gone")
    pi.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    pi.add_argument("--quiet", action="store_true", help="no progress bar")
    pi.add_argument("--progress", action="store_true", help="progress bar even when stderr is not a terminal")
    pi.add_argument("--no-tracker", action="store_true",
                    help="skip the summary of tracked recommendations and commitments that the new documents bear on "
                         "(it takes a second or two on a large index)")
    pi.set_defaults(func=cmd_ingest)

    ps = sub.add_parser("status", help="what the index holds")
    ps.add_argument("--index")
    ps.add_argument("--json", action="store_true")
    ps.set_defaults(func=cmd_status)

    _extend_parser(sub)
    return p


def _extend_parser(sub: Any) -> None:
    """Subcommands whose modules are optional to import until used."""
    from evidence_assistant.surfaces import cli_more
    from evidence_assistant.surfaces.cli_documents import add_documents_parser
    add_documents_parser(sub)
    cli_more.register(sub)
    _offered_commands(sub)


# Other installed packages may offer subcommands through this entry point group (the
# evaluation suite offers `evidence eval`); the CLI never imports them by name.
COMMANDS_GROUP = "evidence_assistant.commands"


def _offered_commands(sub: Any) -> None:
    import logging
    from importlib.metadata import entry_points

    for ep in sorted(entry_points(group=COMMANDS_GROUP), key=lambda e: e.name):
        try:
            register = ep.load()
        except Exception as exc:  # a broken add-on must not take the whole CLI down
            logging.getLogger(__name__).warning("subcommand %r (%s) could not be loaded: %s", ep.name, ep.value, exc)
            continue
        register(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    import logging

    from pydantic import ValidationError

    from evidence_assistant.core.settings import LogSettings
    try:  # the log level alone, before the command judges the rest of its settings
        level = LogSettings().log_level
    except ValidationError as exc:
        print(f"evidence: {settings_error(exc)}", file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    debug = os.environ.get("EVIDENCE_DEBUG", "").strip().lower() not in ("", "0", "false", "no")
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("evidence: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # every error is one line; EVIDENCE_DEBUG=1 adds the traceback
        if debug:
            import traceback
            traceback.print_exc()
        if isinstance(exc, ValidationError):
            exc = settings_error(exc)
        if isinstance(exc, EvidenceError):
            line = str(exc)
        else:
            line = (f"error: {type(exc).__name__}: {exc} (this is unexpected; run again with EVIDENCE_DEBUG=1 "
                    "for the details)")
        print("evidence: " + " ".join(line.split()), file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
