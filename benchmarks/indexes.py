"""Benchmark indexes, built once and cached under ``.evidence/bench-cache/indexes/``.

Product indexes are built by ``evidence_assistant.index_documents`` — the product's own chunker,
manifest, Chroma collection and BM25 index — with a ``CachedEmbedder`` so that texts embedded in
an earlier run are not embedded again. Baseline indexes are plain ``langchain_chroma.Chroma``
collections holding the same passages (the same text the product's model reads).

Sets:

``scifact``  — the 5,183 SciFact abstracts at the product's default chunking (192 tokens):
               the quality benchmark's index, and a realistic-length latency point.
``mixed``    — all three sources (SciFact, COVID-QA, UK documents) at the product's default
               chunking: 20.8k unique passages of real text. The 1k and 10k sets are nested
               prefixes of one deterministic interleaving of the documents. The 100k set is all of
               them plus copies of whole documents under new document ids (``data.with_copies``)
               — the real texts do not hold 100k unique passages at the default chunking, and
               cutting them finer (36 tokens gives ~100k) needs ~4.6M tokens embedded, more than
               this shared 2-core machine could do in a session. Results say so.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from . import data

MIXED_CHUNK_TOKENS = 192  # the product default: realistic passage lengths for latency
MIXED_CHUNK_OVERLAP = 32
DEFAULT_CHUNK_TOKENS = 192
DEFAULT_CHUNK_OVERLAP = 32
BUILT = "BUILT.json"


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def _settings(index_dir: Path, chunk_tokens: int, chunk_overlap: int, precision: str, **extra: Any):
    from evidence_assistant.core.settings import Settings
    return Settings(index_dir=index_dir, chunk_tokens=chunk_tokens, chunk_overlap=chunk_overlap,
                    precision=precision, **extra)


def index_key(name: str, size: int | None, chunk_tokens: int, chunk_overlap: int, precision: str) -> str:
    from evidence_assistant.core.settings import Settings
    d = Settings.model_fields
    hnsw = f"m{d['hnsw_m'].default}-efc{d['hnsw_ef_construction'].default}"
    return f"{name}{'-' + str(size) if size else ''}-c{chunk_tokens}-o{chunk_overlap}-{precision}-{hnsw}-v{data.DATA_VERSION}"


def _passage_counts(docs: Sequence[data.PoolDoc], chunk_tokens: int, chunk_overlap: int,
                    count_tokens: Callable[[Sequence[str]], list[int]]) -> dict[str, int]:
    """Passages each document makes at this chunking (cached: counting needs the tokenizer over
    all 12 MB of text)."""
    path = data.CACHE_DIR / f"passage-counts-c{chunk_tokens}-o{chunk_overlap}-v{data.DATA_VERSION}.json"
    try:
        counts: dict[str, int] = json.loads(path.read_text())
    except (OSError, ValueError):
        counts = {}
    missing = [d for d in docs if d.doc.doc_id not in counts]
    if missing:
        from evidence_assistant import chunk_document
        from evidence_assistant.core.settings import Settings

        s = Settings(chunk_tokens=chunk_tokens, chunk_overlap=chunk_overlap)
        for d in missing:
            counts[d.doc.doc_id] = len(chunk_document(d.doc, d.blocks, settings=s, count_tokens=count_tokens))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(counts))
    return counts


def embedding_key(p: Any) -> str:
    from evidence_assistant import embedding_text
    return embedding_text(p)


def built_info(index_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((Path(index_dir) / BUILT).read_text())
    except (OSError, ValueError):
        return None


def bulk_index(s: Any, pool: Sequence[data.PoolDoc], progress: Callable[[dict[str, Any]], None], *,
               embedder: Any = None, batch_passages: int = 4000) -> Any:
    """``index_documents`` with one Chroma upsert per ~4,000 passages instead of one per document:
    the product's writer records every document of a batch pending (step 1) before the batch's
    vectors are written (step 2), then commits each (step 3), so an interrupted build recovers as
    the product's does (and the next build first finishes what it left)."""
    from evidence_assistant import index_documents

    return index_documents(((d.doc, d.blocks) for d in pool), settings=s, embedder=embedder, progress=progress,
                           batch_passages=batch_passages, together=True, recover=True)


def build_product_index(name: str, size: int | None = None, *, precision: str = "fp32",
                        log: Callable[[str], None] = print) -> tuple[Path, dict[str, Any]]:
    """Build (or find) a product index for set ``name`` (``scifact`` or ``mixed``) of about
    ``size`` passages; returns its folder and what it holds."""
    from evidence_assistant import Assistant, IndexWriter, get_embedder, index_documents

    from .cache import CachedEmbedder, VectorCache, vector_cache_dir

    if name in ("scifact", "scifact-sub"):
        chunk, overlap = DEFAULT_CHUNK_TOKENS, DEFAULT_CHUNK_OVERLAP
    elif name == "mixed":
        chunk, overlap = MIXED_CHUNK_TOKENS, MIXED_CHUNK_OVERLAP
    else:
        raise ValueError(f"unknown benchmark set {name!r}")
    index_dir = data.CACHE_DIR / "indexes" / index_key(name, size, chunk, overlap, precision)
    info = built_info(index_dir)
    if info:
        # A cached index from an older release is brought up to date here (its lexical tokens,
        # ingest/lexical_text.py), once, so that no timed cold start pays for it.
        s = _settings(index_dir, chunk, overlap, precision)
        with Assistant.open(settings=s) as a:  # opening upgrades the tokens, taking the lock itself
            with IndexWriter(s, index=a.index) as writer:
                writer.refresh_lexical()  # nothing to do unless the tokens were just upgraded
        return index_dir, info

    s = _settings(index_dir, chunk, overlap, precision)
    embedder = get_embedder(s)
    cache = VectorCache(vector_cache_dir(data.CACHE_DIR, embedder.model_id, precision))
    t0 = time.perf_counter()
    if name == "scifact":
        pool = [data.PoolDoc("scifact", d, b) for d, b in data.scifact_documents(limit=size)]
        how = (f"BEIR SciFact corpus ({len(pool)} abstracts, title + abstract), product chunking at "
               f"{chunk} tokens, overlap {overlap}")
    elif name == "scifact-sub":
        # The precision check: every abstract judged for a test query plus the first ``size``
        # abstracts as distractors — a quarter of the corpus, so fp32 and bf16 can both be built.
        judged = data.scifact_judged_ids("test")
        pool = [data.PoolDoc("scifact", d, b) for d, b in data.scifact_documents(limit=size or 1200, also=judged)]
        how = (f"SciFact subset: the {len(judged)} abstracts judged for test queries plus the first {size or 1200} "
               f"abstracts ({len(pool)} in all), product chunking at {chunk} tokens")
    else:
        everything = data.interleaved(data.all_documents())
        counts = _passage_counts(everything, chunk, overlap, embedder.count_tokens)
        pool = data.with_copies(everything, size or 0, lambda d: counts.get(d.original_id, 0))
        unique = sum(counts.get(d.original_id, 0) for d in pool if not d.copy)
        copies = sum(counts.get(d.original_id, 0) for d in pool if d.copy)
        how = (f"prefix of one deterministic shuffle (seed 11) of all SciFact abstracts, COVID-QA articles and "
               f"UK health-policy documents, cut by the product chunker at {chunk} tokens (overlap {overlap}): "
               f"{unique} unique passages of real text"
               + (f" plus {copies} passages from copies of whole documents under new ids (same text, same "
                  "vectors) to reach the size" if copies else ""))
    log(f"building {index_dir.name}: {len(pool)} documents; {len(cache)} vectors cached")
    cached = CachedEmbedder(embedder, cache)
    last = [time.perf_counter()]

    def progress(p: dict[str, Any]) -> None:
        if time.perf_counter() - last[0] > 30:
            last[0] = time.perf_counter()
            log(f"  {index_dir.name}: {p['passages']} passages, {p['seconds']:.0f} s "
                f"(embedded {cached.embedded}, reused {cached.reused})")

    if name == "mixed" and size and size > 20000:
        # Past the unique texts, most of the work is writing: index_documents upserts each
        # document into Chroma on its own (~30 ms a passage here with every vector cached),
        # which would take most of an hour for 100k. The same three steps, batched.
        report = bulk_index(s, pool, progress, embedder=cached)
    else:
        report = index_documents(((d.doc, d.blocks) for d in pool), settings=s, embedder=cached, progress=progress)
    with Assistant.open(settings=s) as a:
        idx = a.index
        sources: dict[str, int] = {}
        for d in pool:
            sources[d.source] = sources.get(d.source, 0) + 1
        info = {
            "writer": "bulk_index (batched three-step writes)" if name == "mixed" and size and size > 20000
                      else "evidence_assistant.index_documents",
            "unique_passages": len({p for p in (embedding_key(x) for x in idx.manifest.iter_all_passages())}),
            "set": name, "target_passages": size, "passages": idx.manifest.count_passages(),
            "documents": len(idx.manifest.documents()), "documents_by_source": sources,
            "chunk_tokens": chunk, "chunk_overlap": overlap, "vector_precision": precision,
            "model": embedder.model_id, "how_built": how, "build_seconds": round(time.perf_counter() - t0, 1),
            "embedded_this_build": cached.embedded, "vectors_reused": cached.reused,
            "report": {"indexed": report.indexed, "skipped": len(report.skipped)},
        }
    info["size_bytes"] = dir_size(index_dir)
    info["size_bytes_by_part"] = {p.name: dir_size(p) if p.is_dir() else p.stat().st_size
                                  for p in index_dir.iterdir() if p.name != "ingest.lock"}
    (index_dir / BUILT).write_text(json.dumps(info, indent=1))
    log(f"built {index_dir.name}: {info['passages']} passages in {info['build_seconds']} s")
    return index_dir, info


BASELINE_COLLECTION = "langchain_baseline"


def build_baseline_index(product_dir: Path, product_info: dict[str, Any], *,
                         log: Callable[[str], None] = print) -> Path:
    """A plain LangChain Chroma store holding the product index's passages, embedded by the same
    model. Its vectors come from the vector cache (the same model's output for the same text,
    checked against ``HuggingFaceEmbeddings`` in ``baseline.check_vectors``); the queries are
    embedded by ``HuggingFaceEmbeddings`` itself."""
    import chromadb
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings

    from evidence_assistant import Assistant, embedding_text
    from evidence_assistant.core.settings import Settings

    from .cache import VectorCache, text_key, vector_cache_dir

    out = product_dir.with_name(product_dir.name + "--langchain")
    if (out / BUILT).is_file():
        return out
    shutil.rmtree(out, ignore_errors=True)
    cache = VectorCache(vector_cache_dir(data.CACHE_DIR, product_info["model"], product_info["vector_precision"]))

    class Precomputed(Embeddings):
        """Build-time only: the cached vectors of exactly these texts."""

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [cache.get(text_key(t)).tolist() for t in texts]

        def embed_query(self, text: str) -> list[float]:  # pragma: no cover - never called at build
            raise RuntimeError("build-time embeddings do not embed queries")

    t0 = time.perf_counter()
    store = Chroma(collection_name=BASELINE_COLLECTION, embedding_function=Precomputed(),
                   persist_directory=str(out),
                   client_settings=chromadb.config.Settings(anonymized_telemetry=False))
    product = Assistant.open(settings=Settings(index_dir=product_dir, chunk_tokens=product_info["chunk_tokens"],
                                               chunk_overlap=product_info["chunk_overlap"],
                                               precision=product_info["vector_precision"]))
    batch: list[Any] = []

    def flush() -> None:
        store.add_texts([embedding_text(p) for p in batch],
                        metadatas=[{"passage_id": p.passage_id, "doc_id": p.doc_id, "path": p.path or ""}
                                   for p in batch],
                        ids=[p.passage_id for p in batch])
        batch.clear()

    n = 0
    for p in product.index.manifest.iter_all_passages():
        batch.append(p)
        n += 1
        if len(batch) >= 4000:
            flush()
    if batch:
        flush()
    product.close()  # the product's index is only read: the baseline is plain LangChain
    info = {"passages": n, "build_seconds": round(time.perf_counter() - t0, 1), "size_bytes": dir_size(out),
            "collection": BASELINE_COLLECTION, "distance": "Chroma default (l2)"}
    (out / BUILT).write_text(json.dumps(info, indent=1))
    log(f"built {out.name}: {n} passages in {info['build_seconds']} s")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.indexes --set mixed --sizes 1000,10000,100000 --precision bf16``:
    build indexes ahead of a benchmark run (they are built on demand otherwise)."""
    import argparse
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--set", choices=["scifact", "scifact-sub", "mixed"], required=True)
    ap.add_argument("--sizes", default="")
    ap.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    ap.add_argument("--baseline", action="store_true", help="also build the LangChain baseline store")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x] or [None]
    # Largest first: the vectors it embeds serve the smaller, nested sets.
    for size in sorted(sizes, key=lambda x: -(x or 10**9)):
        d, info = build_product_index(args.set, size, precision=args.precision,
                                      log=lambda m: print(m, flush=True))
        if args.baseline:
            build_baseline_index(d, info, log=lambda m: print(m, flush=True))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    raise SystemExit(main())
