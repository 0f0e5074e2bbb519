"""The ``evidence`` command. Errors become one clear line on stderr and an exit status:
0 done, 1 error, 2 bad usage, 3 done but some files were skipped (ingest) or the answer is
not supported by the documents (ask)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Sequence

from .offline import set_offline_env  # noqa: E402

set_offline_env()

from .errors import EvidenceError  # noqa: E402
from .settings import Settings  # noqa: E402

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    overrides: dict[str, Any] = {k: v for k, v in extra.items() if v is not None}
    if getattr(args, "index", None):
        overrides["index_dir"] = Path(args.index)
    return Settings(**overrides)


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


# --- ingest ----------------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.pipeline import ingest

    s = _settings(args)
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
    if args.json:
        _print_json(report.to_dict())
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
    return EXIT_OK if report.ok else EXIT_PARTIAL


def cmd_status(args: argparse.Namespace) -> int:
    from ingest.store import Index

    idx = Index.open(_settings(args))
    try:
        st = idx.status()
        docs = idx.manifest.documents()
    finally:
        idx.close()
    if args.json:
        st["document_list"] = [d.to_dict() for d in docs]
        _print_json(st)
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
    pi.set_defaults(func=cmd_ingest)

    ps = sub.add_parser("status", help="what the index holds")
    ps.add_argument("--index")
    ps.add_argument("--json", action="store_true")
    ps.set_defaults(func=cmd_status)

    _extend_parser(sub)
    return p


def _extend_parser(sub: Any) -> None:
    """Subcommands whose modules are optional to import until used."""
    from . import cli_more
    cli_more.register(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    import logging
    logging.basicConfig(level=os.environ.get("EVIDENCE_LOG_LEVEL", "WARNING").upper(),
                        format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        return int(args.func(args) or 0)
    except EvidenceError as exc:
        print(f"evidence: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("evidence: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
