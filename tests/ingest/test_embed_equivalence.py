"""The embedder runs the packaged model without sentence-transformers (it starts seconds faster)
and must give the vectors sentence-transformers gives: checked text by text on passages from the
sample corpus and on awkward inputs, in fp32 and under bf16 autocast."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from evidence_assistant.core.text import sentence_spans
from evidence_ingest.embed import Embedder, bf16_supported, packaged_model_path, plain_layout
from evidence_ingest.load import load_file

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "corpus" / "sample"

EDGE_CASES = [
    "",
    " ",
    "Interoperability",
    "NHS",
    "?",
    "\n\t  leading and trailing whitespace  \n",
    "Ünïcödé café naïve — “curly quotes” and ‘apostrophes’ … £2.1bn, 85%, §4(b)",
    "电子病历在每个信托中的覆盖率",  # Chinese
    "Электронные медицинские карты во всех больницах",  # Cyrillic
    "السجلات الصحية الإلكترونية في كل مستشفى",  # Arabic
    "हर अस्पताल में इलेक्ट्रॉनिक स्वास्थ्य रिकॉर्ड",  # Devanagari
    "Ηλεκτρονικός φάκελος υγείας 😀 🏥",  # Greek and emoji
    "x" * 2000,  # one unbroken "word"
    "care " * 600,  # far past the 256-token limit
]


def _sample_texts() -> list[str]:
    """~200 real texts of mixed length: paragraphs, single sentences, and runs of paragraphs long
    enough to be truncated, as a reader's documents give them."""
    paragraphs: list[str] = []
    for path in sorted(SAMPLE.iterdir()):  # Markdown, HTML, PDF and Word documents
        if path.suffix != ".toml":
            paragraphs += [b.text for b in load_file(path).blocks]
    texts = paragraphs[::2][:120]
    sentences = [p[a:b] for p in paragraphs[1::6] for a, b in sentence_spans(p)[:2]]
    texts += sentences[:50]
    texts += [" ".join(paragraphs[i:i + 8]) for i in range(0, 80, 10)]  # several hundred tokens each
    return texts + EDGE_CASES


@pytest.fixture(scope="module")
def texts() -> list[str]:
    t = _sample_texts()
    assert 180 <= len(t) <= 230
    return t


@pytest.fixture(scope="module")
def reference():
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(packaged_model_path()), device="cpu", local_files_only=True)
    st.eval()
    return st


@pytest.fixture(scope="module")
def reference_fp32(reference, texts) -> np.ndarray:
    return np.asarray(reference.encode(texts, normalize_embeddings=True, convert_to_numpy=True,
                                       show_progress_bar=False), dtype=np.float32)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(precision="fp32")


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


def _worst(cos: np.ndarray, texts: list[str]) -> str:
    i = int(cos.argmin())
    return f"worst cosine {float(cos[i]):.7f} for text {i}: {texts[i][:80]!r}"


def test_packaged_model_runs_without_sentence_transformers(embedder):
    emb = embedder
    assert emb.layout is not None, "the packaged model should use the direct path"
    assert (emb.layout.pooling, emb.layout.max_seq_length, emb.layout.normalize) == ("mean", 256, True)
    assert (emb.dimension, emb.max_tokens, emb.model_id) == (384, 256, "all-MiniLM-L6-v2:384")


def test_fp32_vectors_match_sentence_transformers(embedder, texts, reference_fp32):
    emb = embedder
    calls = emb.calls
    # The long texts really are past the model's limit, so truncation is exercised.
    assert max(emb.count_tokens(texts)) > 2 * emb.max_tokens
    ours = emb.encode(texts)
    assert ours.shape == reference_fp32.shape == (len(texts), 384) and ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cos = _cosines(ours, reference_fp32)
    assert float(cos.min()) >= 0.99999, _worst(cos, texts)
    assert emb.calls - calls == len(texts)

    # Batching is invisible: other batch sizes, and texts embedded alone, give the same rows.
    some = texts[::3]
    small = emb.encode(some, batch_size=7)
    assert float(_cosines(small, ours[::3]).min()) >= 0.99999
    for i in (0, len(texts) - 1, texts.index("")):
        assert float(_cosines(emb.encode([texts[i]]), ours[i:i + 1])[0]) >= 0.99999
    assert float(_cosines(emb.encode_query(texts[3])[None, :], ours[3:4])[0]) >= 0.99999


def test_bf16_vectors_match_sentence_transformers(texts, reference, reference_fp32):
    if not bf16_supported():
        pytest.skip("this CPU has no native bf16 (avx512_bf16 or amx_bf16), so bf16 autocast is not offered")
    import torch

    emb = Embedder(precision="bf16")
    ours = emb.encode(texts)
    assert ours.dtype == np.float32
    with torch.inference_mode(), emb._autocast():
        ref_bf16 = np.asarray(reference.encode(texts, normalize_embeddings=True, convert_to_numpy=True,
                                               show_progress_bar=False), dtype=np.float32)
    same_arithmetic = _cosines(ours, ref_bf16)
    assert float(same_arithmetic.min()) >= 0.999, _worst(same_arithmetic, texts)
    against_fp32 = _cosines(ours, reference_fp32)
    assert float(against_fp32.min()) >= 0.999, _worst(against_fp32, texts)


def test_answer_time_sentences_take_their_own_precision_and_searches_keep_the_index_s(texts, embedder):
    """The answerer's sentences and questions compared with each other may be embedded at bf16
    while the index and each query's search stay at fp32: the search vector is the fp32 one even
    after the same text was embedded for comparing, and the other way round."""
    if not bf16_supported():
        pytest.skip("this CPU has no native bf16 (avx512_bf16 or amx_bf16), so bf16 autocast is not offered")
    fp32 = embedder.encode(texts[:40])
    emb = Embedder(precision="fp32", answer_precision="bf16")
    assert (emb.precision, emb.answer_precision) == ("fp32", "bf16")
    compared = emb.encode_cached(texts[:40])
    close = _cosines(compared, fp32)
    assert float(close.min()) >= 0.999, _worst(close, texts)
    assert not np.array_equal(compared, fp32)  # really another arithmetic
    # The same text, embedded for its search after it was embedded for comparing, is the
    # index's vector, and comparing it again gives the compared vector back (from the cache).
    assert np.array_equal(emb.encode_query(texts[5]), emb.encode([texts[5]])[0])
    assert np.array_equal(emb.encode_cached([texts[5]])[0], compared[5])
    # Unset, the answerer's precision is the index's.
    assert Embedder(precision="fp32").answer_precision == "fp32"


def test_transformers_tokenizer_and_sentence_transformers_model_on_demand(texts, reference_fp32):
    """Callers that want the library objects still get them, loaded only when asked for."""
    emb = Embedder(precision="fp32")
    assert emb._st is None and emb._hf_tokenizer is None
    batch = emb.tokenizer(texts[-1:], truncation=True)
    assert len(batch["input_ids"][0]) == emb.max_tokens
    st = emb.model
    assert type(st).__name__ == "SentenceTransformer" and emb.model is st
    vec = st.encode(texts[:5], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    assert float(_cosines(vec, reference_fp32[:5]).min()) >= 0.99999


def test_constructing_the_embedder_does_not_import_sentence_transformers():
    code = ("import sys\n"
            "from evidence_ingest.embed import Embedder\n"
            "e = Embedder()\n"
            "v = e.encode(['The Panel rated the commitment inadequate.'])\n"
            "assert v.shape == (1, 384)\n"
            "print(sorted(m for m in ('sentence_transformers', 'sklearn', 'pandas') if m in sys.modules))\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip().splitlines()[-1] == "[]", res.stdout


# --- which folders take the direct path -------------------------------------------------------

def _folder(tmp_path: Path, *, pooling: dict | None = None, modules: list | None = None,
            st_config: dict | None = None, extra: dict[str, object] | None = None) -> Path:
    """A model folder whose weights and tokenizer are the packaged model's (linked, not copied)
    and whose sentence-transformers configuration is ours to vary."""
    src = packaged_model_path()
    d = tmp_path / "model-variant"
    d.mkdir()
    for f in src.iterdir():
        if f.is_file() and f.name not in ("modules.json", "sentence_bert_config.json"):
            (d / f.name).symlink_to(f)
    (d / "1_Pooling").mkdir()
    pool = json.loads((src / "1_Pooling" / "config.json").read_text())
    (d / "1_Pooling" / "config.json").write_text(json.dumps(pooling if pooling is not None else pool))
    mods = modules if modules is not None else json.loads((src / "modules.json").read_text())
    (d / "modules.json").write_text(json.dumps(mods))
    cfg = st_config if st_config is not None else json.loads((src / "sentence_bert_config.json").read_text())
    (d / "sentence_bert_config.json").write_text(json.dumps(cfg))
    for name, content in (extra or {}).items():
        (d / name).unlink(missing_ok=True)
        (d / name).write_text(json.dumps(content))
    return d


_CLS = {"word_embedding_dimension": 384, "pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False}


def test_layout_of_the_packaged_model():
    layout = plain_layout(packaged_model_path())
    assert layout is not None
    assert (layout.pooling, layout.dimension, layout.max_seq_length, layout.normalize) == ("mean", 384, 256, True)


@pytest.mark.parametrize("change", ["max-pooling", "two-poolings", "dense-module", "lowercase-flag",
                                    "default-prompt", "left-padding", "no-modules"])
def test_other_layouts_are_left_to_sentence_transformers(tmp_path, change):
    src = packaged_model_path()
    mods = json.loads((src / "modules.json").read_text())
    kwargs: dict = {}
    if change == "max-pooling":
        kwargs["pooling"] = {**_CLS, "pooling_mode_cls_token": False, "pooling_mode_max_tokens": True}
    elif change == "two-poolings":
        kwargs["pooling"] = {**_CLS, "pooling_mode_mean_tokens": True}
    elif change == "dense-module":
        kwargs["modules"] = mods[:2] + [{"idx": 2, "name": "2", "path": "2_Dense",
                                         "type": "sentence_transformers.models.Dense"}] + mods[2:]
    elif change == "lowercase-flag":
        kwargs["st_config"] = {"max_seq_length": 256, "do_lower_case": True}
    elif change == "default-prompt":
        kwargs["extra"] = {"config_sentence_transformers.json": {"prompts": {"query": "query: "},
                                                                 "default_prompt_name": "query"}}
    elif change == "left-padding":
        tok_cfg = json.loads((src / "tokenizer_config.json").read_text())
        kwargs["extra"] = {"tokenizer_config.json": {**tok_cfg, "padding_side": "left"}}
    d = _folder(tmp_path, **kwargs)
    if change == "no-modules":
        (d / "modules.json").unlink()
    assert plain_layout(d) is None


def test_newer_pooling_config_and_module_names_are_understood(tmp_path):
    mods = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.base.modules.transformer.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling",
             "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling"}]
    d = _folder(tmp_path, modules=mods, pooling={"embedding_dimension": 384, "pooling_mode": "cls",
                                                 "include_prompt": True})
    layout = plain_layout(d)
    assert layout is not None and (layout.pooling, layout.normalize) == ("cls", False)


def test_cls_pooling_matches_sentence_transformers(tmp_path, texts):
    from sentence_transformers import SentenceTransformer

    d = _folder(tmp_path, pooling=_CLS)
    emb = Embedder(d, precision="fp32")
    assert emb.layout is not None and emb.layout.pooling == "cls"
    some = texts[::10]
    ref = SentenceTransformer(str(d), device="cpu", local_files_only=True).encode(
        some, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    cos = _cosines(emb.encode(some), np.asarray(ref, dtype=np.float32))
    assert float(cos.min()) >= 0.99999, _worst(cos, some)


def test_other_layouts_still_embed_through_sentence_transformers(tmp_path, texts):
    from sentence_transformers import SentenceTransformer

    d = _folder(tmp_path, pooling={**_CLS, "pooling_mode_cls_token": False, "pooling_mode_max_tokens": True})
    emb = Embedder(d, precision="fp32")
    assert emb.layout is None and type(emb.model).__name__ == "SentenceTransformer"
    some = texts[::20]
    ref = SentenceTransformer(str(d), device="cpu", local_files_only=True).encode(
        some, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    assert float(_cosines(emb.encode(some), np.asarray(ref, dtype=np.float32)).min()) >= 0.99999
    assert emb.count_tokens(["care records"]) == [2]


def test_folder_without_model_is_a_config_error(tmp_path):
    from evidence_assistant.core.errors import ConfigError

    with pytest.raises(ConfigError):
        Embedder(tmp_path)
