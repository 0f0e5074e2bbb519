"""Vectors computed once, reused by every later benchmark run.

Embedding 100k passages takes the better part of an hour on two cores, so the vectors of every
text the benchmarks embed are kept under ``.evidence/bench-cache/vectors/<model>-<precision>/``,
keyed by the SHA-256 of the exact text the model read. A cached vector is the model's own output
for that text with that precision, so an index built from cached vectors is the index the
pipeline would build; only the time to build it is saved.

Each ``encode`` call that computes something writes one shard (``.npy`` then its ``.keys.json``,
each renamed into place), so a run killed part-way keeps everything it finished.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any, Sequence

import numpy as np


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class VectorCache:
    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._rows: dict[str, tuple[int, int]] = {}  # key -> (shard number, row)
        self._shards: dict[int, np.ndarray] = {}
        self._lock = threading.Lock()
        for keys_file in sorted(self.dir.glob("shard-*.keys.json")):
            n = int(keys_file.name.split("-")[1].split(".")[0])
            arr = np.load(self.dir / f"shard-{n:06d}.npy", mmap_mode="r")
            self._shards[n] = arr
            for row, key in enumerate(json.loads(keys_file.read_text())):
                self._rows[key] = (n, row)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, key: str) -> bool:
        return key in self._rows

    def get(self, key: str) -> np.ndarray:
        n, row = self._rows[key]
        return np.asarray(self._shards[n][row], dtype=np.float32)

    def add(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        if not len(keys):
            return
        with self._lock:
            n = max(self._shards, default=-1) + 1
            arr = np.ascontiguousarray(vectors, dtype=np.float32)
            npy = self.dir / f"shard-{n:06d}.npy"
            tmp = npy.with_suffix(".npy.tmp")
            with tmp.open("wb") as f:
                np.save(f, arr)
            os.replace(tmp, npy)
            kj = self.dir / f"shard-{n:06d}.keys.json"
            tmpk = kj.with_suffix(".tmp")
            tmpk.write_text(json.dumps(list(keys)))
            os.replace(tmpk, kj)  # the keys file is written last: its presence commits the shard
            self._shards[n] = arr
            for row, key in enumerate(keys):
                self._rows[key] = (n, row)


def vector_cache_dir(cache_root: Path, model_id: str, precision: str) -> Path:
    safe = model_id.replace(":", "-").replace("/", "-")
    return Path(cache_root) / "vectors" / f"{safe}-{precision}"


class CachedEmbedder:
    """The product's ``Embedder`` with a vector cache in front of ``encode``: texts seen in an
    earlier run are not embedded again. Everything else (``encode_query``, ``count_tokens``,
    ``model``, ``model_id`` ...) is the real embedder's, so the index built through this is the
    one ``index_documents`` builds."""

    def __init__(self, embedder: Any, cache: VectorCache):
        self._inner = embedder
        self._cache = cache
        self.embedded = 0  # texts the model actually ran on in this process
        self.reused = 0

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        todo: dict[str, str] = {}
        for k, t in zip(keys, texts):
            if k not in self._cache and k not in todo:
                todo[k] = t
        if todo:
            vecs = self._inner.encode(list(todo.values()), batch_size=batch_size)
            self._cache.add(list(todo), vecs)
            self.embedded += len(todo)
        self.reused += len(texts) - len(todo)
        if not texts:
            return np.zeros((0, self._inner.dimension), dtype=np.float32)
        return np.stack([self._cache.get(k) for k in keys])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
