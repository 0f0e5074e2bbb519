"""What an index holds, read store by store, so two indexes can be compared exactly.

Used by the crash tests (inside the verifying subprocess, which has the model loaded) and by
the hostile-input tests (in process). The manifest is read with plain SQL as well as through
``Manifest`` so that rows the API would hide (passages of a document that no longer exists,
files pointing at nothing) are seen too; the lexical index is read from its ``ids.json`` so
that reading it cannot trigger a rebuild that would hide a stale one.
"""
from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

LEXICAL_DIR = "lexical"


def _lexical(index_dir: Path) -> dict[str, Any] | None:
    meta = index_dir / LEXICAL_DIR / "ids.json"
    if not meta.is_file():
        return None
    data = json.loads(meta.read_text())
    return {"generation": int(data["generation"]), "ids": list(data["ids"])}


def manifest_rows(index_dir: Path) -> dict[str, Any]:
    """Raw manifest facts, read without the product's code (and without the model)."""
    path = Path(index_dir) / "manifest.sqlite"
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        docs = dict(conn.execute("SELECT doc_id, state FROM documents").fetchall())
        orphan_passages = conn.execute(
            "SELECT COUNT(*) FROM passages WHERE doc_id NOT IN (SELECT doc_id FROM documents)").fetchone()[0]
        dangling_files = conn.execute(
            "SELECT COUNT(*) FROM files WHERE state='indexed' AND "
            "(doc_id IS NULL OR doc_id NOT IN (SELECT doc_id FROM documents WHERE state='indexed'))").fetchone()[0]
        files = [list(r) for r in conn.execute("SELECT path, doc_id, state, reason FROM files ORDER BY path")]
        generation = int(conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])
        passage_rows = conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
    finally:
        conn.close()
    return {"documents": docs, "orphan_passage_rows": orphan_passages, "dangling_files": dangling_files,
            "files": files, "generation": generation, "passage_rows": passage_rows}


def snapshot(index_dir: Path | str, *, probe: str | None = None) -> dict[str, Any]:
    """Every store's view of the index. ``probe`` (a question) also checks that retrieval over
    the index works and returns only passages the manifest knows."""
    from evidence_assistant.core.settings import Settings
    from evidence_ingest.store import Index

    index_dir = Path(index_dir)
    raw = manifest_rows(index_dir)
    idx = Index.open(Settings(index_dir=index_dir))
    try:
        m = idx.manifest
        indexed_ids = m.passage_ids(state="indexed")
        chroma_ids = idx.vectors.all_ids()
        out: dict[str, Any] = {
            **raw,
            "manifest_ids": indexed_ids,
            "count_passages": m.count_passages(),
            "chroma_ids": chroma_ids,
            "chroma_count": idx.vectors.count(),
            "lexical": _lexical(index_dir),
            "leftover_dirs": sorted(p.name for p in index_dir.iterdir()
                                    if p.name in (LEXICAL_DIR + ".building", LEXICAL_DIR + ".old")),
            "lock": (index_dir / "ingest.lock").read_text() if (index_dir / "ingest.lock").exists() else None,
        }
        if probe:
            from evidence_assistant.surfaces.api import Assistant
            from evidence_assistant.core.settings import Settings as S

            a = Assistant(idx, S(index_dir=index_dir))
            found = a.retrieve(probe).results
            out["probe_ids"] = [sp.passage.passage_id for sp in found]
        return out
    finally:
        idx.close()


def problems(state: dict[str, Any]) -> list[str]:
    """Everything that makes an index inconsistent on its own (no reference needed)."""
    out: list[str] = []
    not_indexed = {d: s for d, s in state["documents"].items() if s != "indexed"}
    if not_indexed:
        out.append(f"documents not 'indexed': {not_indexed}")
    dup = [k for k, n in Counter(state["manifest_ids"]).items() if n > 1]
    if dup:
        out.append(f"duplicate manifest passage ids: {dup[:5]}")
    if state["orphan_passage_rows"]:
        out.append(f"{state['orphan_passage_rows']} passage rows of no document")
    if state["dangling_files"]:
        out.append(f"{state['dangling_files']} file rows pointing at no indexed document")
    if state["passage_rows"] != len(state["manifest_ids"]):
        out.append(f"passages table has {state['passage_rows']} rows, {len(state['manifest_ids'])} indexed")
    chroma = Counter(state["chroma_ids"])
    if [k for k, n in chroma.items() if n > 1]:
        out.append("duplicate ids in Chroma")
    if set(chroma) != set(state["manifest_ids"]):
        extra = set(chroma) - set(state["manifest_ids"])
        missing = set(state["manifest_ids"]) - set(chroma)
        out.append(f"Chroma differs from manifest: {len(extra)} orphan vectors, {len(missing)} missing")
    if state["chroma_count"] != len(state["manifest_ids"]):
        out.append(f"Chroma count {state['chroma_count']} != manifest {len(state['manifest_ids'])}")
    lex = state["lexical"]
    if lex is None:
        out.append("no lexical index")
    else:
        if lex["ids"] != state["manifest_ids"]:
            out.append(f"lexical ids ({len(lex['ids'])}) differ from manifest ids ({len(state['manifest_ids'])})")
        if lex["generation"] != state["generation"]:
            out.append(f"lexical generation {lex['generation']} != manifest generation {state['generation']}")
    if "probe_ids" in state:
        if not state["probe_ids"]:
            out.append("probe question found nothing")
        elif not set(state["probe_ids"]) <= set(state["manifest_ids"]):
            out.append("probe returned passages the manifest does not know")
    return out


def differences(state: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    """How ``state`` differs from a fresh ingest of the same files (content, not history)."""
    out: list[str] = []
    if sorted(state["manifest_ids"]) != sorted(fresh["manifest_ids"]):
        a, b = set(state["manifest_ids"]), set(fresh["manifest_ids"])
        out.append(f"passage ids differ: {len(a - b)} extra, {len(b - a)} missing")
    if state["count_passages"] != fresh["count_passages"]:
        out.append(f"count_passages {state['count_passages']} != fresh {fresh['count_passages']}")
    if sorted(state["chroma_ids"]) != sorted(fresh["chroma_ids"]):
        out.append("Chroma ids differ from the fresh index")
    if set(state["documents"]) != set(fresh["documents"]):
        out.append(f"documents differ: {sorted(set(state['documents']) ^ set(fresh['documents']))[:4]}")
    if (state["lexical"] or {}).get("ids") is None or sorted(state["lexical"]["ids"]) != sorted(
            (fresh["lexical"] or {}).get("ids") or []):
        out.append("lexical ids differ from the fresh index")
    mine = sorted((Path(p).name, d) for p, d, s, _ in state["files"] if s == "indexed")
    theirs = sorted((Path(p).name, d) for p, d, s, _ in fresh["files"] if s == "indexed")
    if mine != theirs:
        out.append(f"file records differ: {sorted(set(mine) ^ set(theirs))[:4]}")
    return out
