"""The same queries with the dense index on a Chroma server (``chroma run`` on loopback).

``python -m benchmarks.server INDEX_DIR --queries Q.json --out R.json`` starts a server with a
temporary data folder, copies the index's vectors into it (and the manifest and BM25 index into
a temporary ``index_dir``: in server mode those stay on the local disk), runs the product's query
benchmark against it with ``chroma_host`` set, and always stops the server.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

from .app_client import free_port


def chroma_cli() -> str:
    """The ``chroma`` CLI installed with chromadb beside the Python in use."""
    exe = Path(sys.executable).with_name("chroma")
    if exe.is_file():
        return str(exe)
    found = shutil.which("chroma")
    if not found:  # chromadb is a dependency: its CLI missing is an install fault
        raise RuntimeError("the `chroma` CLI (installed with chromadb) was not found beside the Python in use")
    return found


def heartbeat(port: int) -> bool:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    try:
        chromadb.HttpClient(host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False)).heartbeat()
        return True
    except Exception:
        return False


@contextmanager
def chroma_server(data_dir: Path, *, timeout_s: float = 120, log_path: Path | None = None) -> Iterator[int]:
    """``chroma run`` on 127.0.0.1 and a free port; yields the port; stops the server on exit,
    whatever happens. A server that exits or does not answer its heartbeat in ``timeout_s`` is a
    RuntimeError carrying the end of its log."""
    port = free_port()
    log_path = log_path or data_dir.parent / "chroma-server.log"
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False", CHROMA_TELEMETRY="False")
    with log_path.open("wb") as log:
        proc = subprocess.Popen([chroma_cli(), "run", "--host", "127.0.0.1", "--port", str(port), "--path",
                                 str(data_dir)], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env)
    try:
        deadline = time.monotonic() + timeout_s
        while not heartbeat(port):
            if proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {proc.returncode}:\n"
                                   f"{log_path.read_text(errors='replace')[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"chroma run did not answer its heartbeat within {timeout_s:.0f} s:\n"
                                   f"{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def clone_to_server(src: Path, dest: Path, port: int, *, chunk_tokens: int, chunk_overlap: int) -> dict[str, Any]:
    """Copy an embedded index's vectors to the server and its manifest and BM25 index to ``dest``."""
    from evidence_assistant import get_embedder
    from evidence_assistant.core.settings import Settings
    # The vector store itself: what this benchmark measures is the product's store behind a Chroma server.
    from evidence_ingest.vectors import VectorStore

    dest.mkdir(parents=True, exist_ok=True)
    for name in ("manifest.sqlite", "manifest.sqlite-wal", "manifest.sqlite-shm"):
        if (src / name).is_file():
            shutil.copy2(src / name, dest / name)
    shutil.copytree(src / "lexical", dest / "lexical")
    local_s = Settings(index_dir=src, chunk_tokens=chunk_tokens, chunk_overlap=chunk_overlap)
    server_s = Settings(index_dir=dest, chunk_tokens=chunk_tokens, chunk_overlap=chunk_overlap,
                        chroma_host="127.0.0.1", chroma_port=port)
    emb = get_embedder(local_s)
    local, remote = VectorStore(local_s, emb), VectorStore(server_s, emb)
    t = time.perf_counter()
    n, offset, page = 0, 0, 2000
    while True:
        got = local.collection.get(include=["embeddings", "documents", "metadatas"], limit=page, offset=offset)
        if not got["ids"]:
            break
        remote.collection.upsert(ids=got["ids"], embeddings=got["embeddings"], documents=got["documents"],
                                 metadatas=got["metadatas"])
        n += len(got["ids"])
        offset += page
    return {"vectors_copied": n, "copy_s": round(time.perf_counter() - t, 1)}


def main(argv: Sequence[str] | None = None) -> int:
    import argparse
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("index", type=Path)
    ap.add_argument("--queries", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--asks", type=int, default=None)
    ap.add_argument("--chunk-tokens", type=int, default=192)
    ap.add_argument("--chunk-overlap", type=int, default=32)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-server-"))
    try:
        with chroma_server(work / "chroma-data") as port:
            info = clone_to_server(args.index, work / "index", port, chunk_tokens=args.chunk_tokens,
                                   chunk_overlap=args.chunk_overlap)
            env = dict(os.environ, BENCH_SPAWN_TIME=repr(time.time()))
            cmd = [sys.executable, "-m", "benchmarks.query", "product", str(work / "index"), "--queries",
                   str(args.queries), "--out", str(work / "q.json"), "--chunk-tokens", str(args.chunk_tokens),
                   "--chunk-overlap", str(args.chunk_overlap),
                   "--settings", json.dumps({"chroma_host": "127.0.0.1", "chroma_port": port})]
            if args.asks:
                cmd += ["--asks", str(args.asks)]
            subprocess.run(cmd, env=env, check=True)
            res = json.loads((work / "q.json").read_text())
        res["server"] = {"host": "127.0.0.1", **info}
        args.out.write_text(json.dumps(res, indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
