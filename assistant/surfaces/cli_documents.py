"""``evidence documents``: every indexed document with its title, kind, date, publisher, format,
passages and id, where each of those fields came from (the document's own metadata, its
cover, a "Published ..." line, its file name, a sources.toml entry ...), and the work it is a
copy of: the other documents indexed with the same text (the Word, Markdown and HTML of one
chapter), and which of them answers cite.

The index records the fields and where each came from; an index made before it recorded the
latter is read again from the file (which must still be where it was indexed from,
unchanged). Register it with ``add_documents_parser(subparsers)``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

FIELDS = ("title", "kind", "date", "publisher")


def add_documents_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "documents", help="list the indexed documents: title, kind, date, publisher and where each came from")
    p.add_argument("--index", help="index folder (default: EVIDENCE_INDEX_DIR or the user data folder)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=cmd_documents)
    return p


def metadata_sources_for(record: Any) -> tuple[dict[str, str], str | None]:
    """(field -> where it came from, None) for one indexed document, or ({}, why not known)."""
    stored = getattr(record, "metadata_sources", None)
    if isinstance(stored, str) and stored:
        try:
            stored = json.loads(stored)
        except ValueError:
            stored = None
    if isinstance(stored, dict) and stored:
        return {str(k): str(v) for k, v in stored.items()}, None
    path = Path(record.path)
    try:
        data = path.read_bytes()
    except OSError:
        return {}, f"not known: {path} is no longer there"
    if hashlib.sha256(data).hexdigest() != record.doc_id:
        return {}, f"not known: {path} has changed since it was indexed; run `evidence ingest` again"
    from evidence_ingest.load import load_file
    from evidence_assistant.core.errors import EvidenceError

    try:
        doc = load_file(path, data=data).document
    except EvidenceError as exc:
        return {}, f"not known: {exc}"
    return dict(doc.extra.get("metadata_sources") or {}), None


def work_of(record: Any, by_id: dict[str, Any]) -> dict[str, Any]:
    """The work ``record`` is a copy of: its id, whether answers cite this document or one of
    its alternates, and the alternates (preferred first)."""
    alternates = [by_id[d] for d in getattr(record, "alternates", ()) or () if d in by_id]
    preferred = not alternates or getattr(record, "preference", None) is None or all(
        record.preference < a.preference for a in alternates)
    return {
        "id": getattr(record, "work_id", None),
        "documents": 1 + len(alternates),
        "cited": preferred,
        "alternates": [{"doc_id": a.doc_id, "id": a.doc_id[:12], "format": a.format, "title": a.title,
                        "path": a.path} for a in alternates],
    }


def document_rows(records: list[Any]) -> list[dict[str, Any]]:
    by_id = {r.doc_id: r for r in records}
    rows = []
    for r in records:
        sources, why = metadata_sources_for(r)
        rows.append({
            "doc_id": r.doc_id, "id": r.doc_id[:12], "title": r.title, "kind": r.kind, "date": r.date,
            "publisher": r.publisher, "format": r.format, "passages": r.n_passages, "path": r.path,
            "sources": {k: sources.get(k) for k in FIELDS}, **({"sources_note": why} if why else {}),
            "work": work_of(r, by_id),
        })
    return rows


def _work_line(work: dict[str, Any]) -> str | None:
    if not work.get("alternates"):
        return None
    others = "; ".join(f"{a['format']} [{a['id']}] {Path(a['path']).name}" for a in work["alternates"])
    cited = "answers cite this copy" if work["cited"] else f"answers cite the {work['alternates'][0]['format']}"
    return f"      work {work['id']}, {work['documents']} copies ({cited}); also as {others}"


def format_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "No documents indexed yet: run `evidence ingest <folder>` first."
    lines = [f"{len(rows)} document(s)"]
    for row in rows:
        src = row["sources"]
        lines.append(f"  [{row['id']}] {row['title']}")
        lines.append(f"      kind {row['kind']} ({src['kind'] or '?'})   date {row['date'] or '—'} ({src['date'] or '—'})"
                     f"   publisher {row['publisher'] or '—'} ({src['publisher'] or '—'})")
        lines.append(f"      title from {src['title'] or '?'}   {row['format']}, {row['passages']} passages   {row['path']}")
        if row.get("sources_note"):
            lines.append(f"      where the fields came from is {row['sources_note']}")
        work = _work_line(row.get("work") or {})
        if work:
            lines.append(work)
    return "\n".join(lines)


def cmd_documents(args: argparse.Namespace) -> int:
    from evidence_ingest.store import Index

    from evidence_assistant.surfaces.cli_common import EXIT_OK, print_json, settings_from_args

    idx = Index.open(settings_from_args(args))
    try:
        records = idx.manifest.documents()
    finally:
        idx.close()
    rows = document_rows(sorted(records, key=lambda r: (r.title.lower(), r.doc_id)))
    if args.json:
        print_json({"documents": rows})
    else:
        print(format_table(rows))
    return EXIT_OK
