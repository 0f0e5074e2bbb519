"""`evidence recommendations`, `evidence commitments propose` and `evidence digest`: the
recommendation tracker on the command line. ``register(sub, commitments_parser=...)`` adds them
to the CLI's parsers."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from evidence_assistant.core.errors import EvidenceError

EXIT_OK, EXIT_ERROR = 0, 1
# The sample corpus of the checkout. The wheel does not carry it (it is demonstration data, not
# part of the product), so from an installed copy this folder is absent and `evidence
# recommendations` without paths stops with a message asking for reports or folders.
from evidence_assistant.core.data_files import data_file  # noqa: E402

SAMPLE_DIR = data_file("corpus", "sample")


def _files(paths: list[str]) -> list[Path]:
    from evidence_ingest.load import SUPPORTED_EXTENSIONS

    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SUPPORTED_EXTENSIONS))
        elif p.is_file():
            out.append(p)
        else:
            raise EvidenceError(f"{p}: no such file or folder; give a report, a response or a folder that holds them")
    return out


def _report_matches(doc: Any, wanted: str) -> bool:
    w = wanted.lower().replace(" ", "")
    name = Path(doc.document.path).name.lower()
    return (name.startswith(wanted.lower()) or doc.document.doc_id.startswith(wanted.lower())
            or w in doc.document.title.lower().replace(" ", ""))


def cmd_recommendations(args: argparse.Namespace) -> int:
    from evidence_assistant.tracker.recommendations import analyse_folder

    files = _files(args.paths or [str(SAMPLE_DIR)])
    reports, analyses = analyse_folder(files)
    if args.report:
        reports = [(d, r) for d, r in reports if _report_matches(d, args.report)]
        if not reports:
            raise EvidenceError(f"no report matching {args.report!r} among {len(files)} file(s); give a file name, "
                                "a title fragment such as 'HC 223', or a document id prefix")
        names = {Path(d.document.path).name for d, _ in reports}
        analyses = [a for a in analyses if a.report in names]
    by_report = {a.report: a for a in analyses}
    rows: list[dict[str, Any]] = []
    for doc, recs in reports:
        a = by_report.get(Path(doc.document.path).name)
        entry: dict[str, Any] = {
            "report": Path(doc.document.path).name, "title": doc.document.title, "date": doc.document.date,
            "recommendations": [r.to_dict() for r in recs],
            "note": None if recs else "no numbered conclusions or recommendations found in this report",
            "response": a.to_dict() if a else None,
        }
        rows.append(entry)
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    for e in rows:
        print(f"{e['title']} ({e['report']}, {e['date']})")
        if e["note"]:
            print(f"  {e['note']}")
            continue
        resp = e["response"]
        if resp:
            timing = {True: "within two months", False: "more than two months after the report", None: "timing unknown"}
            print(f"  response: {resp['response_title']} ({resp['response']}); {resp['response_date_basis']} "
                  f"{resp['response_date']}: {timing[resp['within_two_months']]}")
        else:
            print("  response: none found among the files given")
        matches = {m["recommendation"]["number"]: m for m in (resp or {}).get("matches", [])}
        for r in e["recommendations"]:
            m = matches.get(r["number"])
            line = f"  {r['number']:>3}. [{r['kind']}] {r['text'][:90]}"
            if r["deadline"]:
                line += f"  (deadline: {r['deadline']})"
            print(line)
            if m is None:
                continue
            if m["status"] != "matched":
                print(f"       not matched: {m['reason']}")
                continue
            together = f", answered with {', '.join(m['answered_with'])}" if m["answered_with"] else ""
            print(f"       {m['stance']} (matched by {m['method']}{together})")
            d = m["decisive"]
            if d:
                print(f"       \"{d['quote']}\" ({d['document']}, p. {d['page'] or '-'}, para {d['paragraph'] or '-'})")
            elif m["reason"]:
                print(f"       {m['reason']}")
    return EXIT_OK


def cmd_propose(args: argparse.Namespace) -> int:
    from evidence_assistant.tracker.recommendations import load_or_error, propose_commitments

    proposals = []
    for p in _files(args.paths):
        proposals.extend(propose_commitments(load_or_error(p)))
    if args.json:
        sys.stdout.write(json.dumps([c.to_dict() for c in proposals], indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    print(f"{len(proposals)} proposed commitment(s); confirm each before adding it to corpus/commitments.yaml")
    for c in proposals:
        where = f"{c.document}, p. {c.page or '-'}, para {c.paragraph or '-'}"
        print(f"- {c.text}\n    owner: {c.owner or '-'}; deadline: {c.deadline or '-'}; {where}")
    return EXIT_OK


def cmd_digest(args: argparse.Namespace) -> int:
    from evidence_assistant.surfaces.api import Assistant
    from evidence_assistant.surfaces.cli_common import settings_from_args
    from evidence_assistant.tracker.tracker_progress import digest

    with Assistant.open(settings=settings_from_args(args)) as assistant:
        result = digest(assistant, args.since, registry=not args.no_registry)
    if args.json:
        sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    items = result["items"]
    print(f"{len(items)} recommendation(s) and commitment(s) with new evidence or a response since {result['since']}")
    for e in items:
        it = e["item"]
        print(f"\n{it['label']} ({it['source_title']}, {it['date'] or 'undated'}): {it['text'][:100]}")
        r = e["new_response"]
        if r:
            print(f"  new response: {r['stance']} ({r['response_title']}, {r['response_date'] or 'undated'})")
            d = r["decisive"]
            if d:
                print(f"    \"{d['quote']}\" (p. {d['page'] or '-'}, para {d['paragraph'] or '-'})")
        for ev in e["new_evidence"]:
            where = ", ".join(x for x in (ev["date"] or "undated", f"p. {ev['page']}" if ev["page"] else "",
                                          f"para {ev['paragraph']}" if ev["paragraph"] else "") if x)
            flag = f" [{ev['status']}]" if ev["status"] else ""
            print(f"  - {ev['title']} ({where}){flag}: \"{ev['quote'][:240]}\"")
        print(f"  status: {e['status']}")
    for n in result["notes"]:
        print(f"note: {n}")
    return EXIT_OK


def register(sub: Any, commitments_parser: argparse.ArgumentParser | None = None) -> None:
    """Add `recommendations` to ``sub``, and `propose` under the existing `commitments` parser."""
    pr = sub.add_parser("recommendations", help="a report's recommendations and the Government's reply to each")
    pr.add_argument("paths", nargs="*", help="reports, responses or folders (default: the sample corpus)")
    pr.add_argument("--report", help="only this report: file name, title fragment (e.g. 'HC 223') or id prefix")
    pr.add_argument("--json", action="store_true", help="print JSON")
    pr.set_defaults(func=cmd_recommendations)
    pd = sub.add_parser("digest", help="recommendations and commitments with new evidence or a response since a date")
    pd.add_argument("--since", required=True, metavar="DATE",
                    help="documents dated or indexed on or after this day count as new (YYYY-MM-DD, YYYY-MM or YYYY)")
    pd.add_argument("--index", help="index folder (default: EVIDENCE_INDEX_DIR or the user data folder)")
    pd.add_argument("--no-registry", action="store_true", help="leave out the commitments registry")
    pd.add_argument("--json", action="store_true", help="print JSON")
    pd.set_defaults(func=cmd_digest)
    if commitments_parser is not None:
        csub = commitments_parser.add_subparsers(dest="commitments_action", metavar="{propose}")
        pp = csub.add_parser("propose", help="undertakings found in documents, proposed for the registry")
        pp.add_argument("paths", nargs="+", metavar="PATH", help="response or policy documents, or folders")
        pp.add_argument("--json", action="store_true", help="print JSON")
        pp.set_defaults(func=cmd_propose)
