"""Benchmark indexes, built once and reused by every configuration.

Retrieval settings (mode, weights, depths, fusion) do not change what is indexed; the model and
the chunk settings do, and so does the corpus. An index lives in
``<root>/<suite>-<hash of those>``; a ``complete.json`` written last marks a finished build, so
a build that was killed is thrown away and redone rather than trusted half-made.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any, Callable

from evidence_assistant.core.settings import Settings

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ROOT = REPO / ".evidence" / "eval-cache"
MARKER = "complete.json"


def cache_root(root: Path | None = None) -> Path:
    """Where benchmark indexes live: ``root``, else $EVIDENCE_EVAL_CACHE, else .evidence/eval-cache."""
    if root is not None:
        return Path(root)
    env = os.environ.get("EVIDENCE_EVAL_CACHE")
    return Path(env) if env else DEFAULT_ROOT


def reader_version() -> str:
    """A digest of the code that turns files into passages (the loaders, the chunker, and the
    sentence and word splitting they use): a change to how documents are read means a new index,
    never a stale one measured as if it were new."""
    from evidence_assistant import reader_sources

    h = hashlib.sha256()
    for f in reader_sources():
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def index_key(settings: Settings, corpus_id: str) -> dict[str, Any]:
    """What decides an index's contents: the corpus, the model, the reading and chunking code, and what BM25 reads
    (named only when not the default, so that default indexes keep their folders)."""
    key: dict[str, Any] = {"corpus": corpus_id, "model_path": str(settings.index.model_path or "packaged"),
                           "chunk_tokens": settings.index.chunk_tokens, "chunk_overlap": settings.index.chunk_overlap,
                           "reader": reader_version()}
    if settings.index.lexical_context:
        key["lexical_context"] = True
    return key


def index_dir_for(suite: str, settings: Settings, corpus_id: str, root: Path | None = None) -> Path:
    digest = hashlib.sha256(json.dumps(index_key(settings, corpus_id), sort_keys=True).encode()).hexdigest()[:12]
    return cache_root(root) / f"{suite}-{digest}"


def ensure_index(suite: str, settings: Settings, corpus_id: str, build: Callable[[Settings], Any], *,
                 root: Path | None = None, log: Callable[[str], None] | None = None) -> Path:
    """The finished index for ``suite`` (building it with ``build(settings_for_that_dir)`` when
    missing); returns its folder."""
    d = index_dir_for(suite, settings, corpus_id, root)
    if (d / MARKER).is_file():
        return d
    if d.exists():  # a build that did not finish: start again from nothing
        shutil.rmtree(d)
    d.mkdir(parents=True)
    s = settings.model_copy(update={"index_dir": d})
    t0 = time.perf_counter()
    if log:
        log(f"building the {suite} index in {d} (once; later runs reuse it)")
    report = build(s)
    info = {"suite": suite, "key": index_key(settings, corpus_id), "seconds": round(time.perf_counter() - t0, 1),
            "built": time.strftime("%Y-%m-%dT%H:%M:%S")}
    if report is not None and hasattr(report, "to_dict"):
        rd = report.to_dict()
        info["documents"] = rd.get("documents")
        info["passages"] = rd.get("passages")
    (d / MARKER).write_text(json.dumps(info, indent=2))
    return d


def build_info(index_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((Path(index_dir) / MARKER).read_text())
    except (OSError, ValueError):
        return {}
