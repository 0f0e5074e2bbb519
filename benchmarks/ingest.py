"""Ingest throughput: the full pipeline against ``model.encode`` alone, on the same passages, in
the same process.

Run as a child of ``run_all`` (``python -m benchmarks.ingest FOLDER --out result.json``) so the
peak-memory figures are those of a fresh process. Order of the phases:

1. load the model (timed apart: ``ingest`` in a long-lived process pays it once);
2. ``ingest([FOLDER])`` into a new, empty index — parsing in the child process, chunking,
   embedding in batches of 256+, the three-step manifest/Chroma write, the BM25 build;
3. the product's encoder alone (``Embedder.encode``) on exactly the texts the pipeline embedded
   (read back from the index), with the same batch size and precision;
4. sentence-transformers ``model.encode`` alone on the same texts, loaded from the same model
   folder, with the same batch size and inside the same autocast the embedder uses. This is the
   "model alone" of the issue, and the ratio's denominator; the product no longer loads
   sentence-transformers itself, so it is loaded here, after the product figures are taken.

Two ratios are reported. The wall-clock ratio is the figure the issue asks for; on a shared
machine it moves with what else runs, so the CPU-time ratio (this process's user+system seconds
per passage, plus the parse child's) is given beside it, as is the load average during each phase.
The same two ratios against the product's encoder alone are recorded as ``ratio_wall_vs_encoder``
and ``ratio_cpu_vs_encoder``, with that phase's figures under ``encoder_only``.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Sequence


class PeakRSS:
    """Samples the resident memory of this process and its children (the parse worker) every
    100 ms; ``peak`` is the largest total seen."""

    def __init__(self, interval: float = 0.1):
        import psutil
        self._proc = psutil.Process()
        self.interval = interval
        self.peak = 0
        self.peak_self = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        import psutil
        try:
            own = self._proc.memory_info().rss
            kids = 0
            for c in self._proc.children(recursive=True):
                try:
                    kids += c.memory_info().rss
                except psutil.Error:
                    pass
        except Exception:  # a child that ends mid-sample is not an error
            return
        self.peak_self = max(self.peak_self, own)
        self.peak = max(self.peak, own + kids)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakRSS":
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def _cpu() -> tuple[float, float]:
    """(this process's CPU seconds, its waited-for children's CPU seconds)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime



def _encode_figures(pages: int, n_tokens: int):
    def figures(seconds: float, rate: float, cpu: float, peak: int, loads: tuple[float, float]) -> dict[str, Any]:
        return {"seconds": round(seconds, 2), "passages_per_s": round(rate, 2),
                "pages_per_s": round(pages / seconds, 2) if seconds else 0.0,
                "tokens_per_s": round(n_tokens / seconds, 1) if seconds else 0.0,
                "cpu_s": round(cpu, 2), "peak_rss_mb": round(peak / 2**20, 1),
                "loadavg_1m": [round(loads[0], 2), round(loads[1], 2)]}
    return figures

def run(folder: Path, *, precision: str = "fp32", batch_size: int | None = None,
        work_dir: Path | None = None) -> dict[str, Any]:
    import numpy as np
    import torch

    from evidence_assistant import Assistant, embedding_text, get_embedder, ingest
    from evidence_assistant.core.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="ingest-bench-", dir=work_dir))
    try:
        s = Settings(index_dir=work / "index", precision=precision,
                     **({"batch_size": batch_size} if batch_size else {}))
        t = time.perf_counter()
        embedder = get_embedder(s)
        model_load_s = time.perf_counter() - t

        # Warm the model once (the first call pays one-off allocation) so neither phase gets it.
        embedder.encode(["warm-up passage for the benchmark"] * 8)

        # --- 2. the full pipeline ------------------------------------------------------------
        load0 = os.getloadavg()[0]
        cpu0, kids0 = _cpu()
        with PeakRSS() as mem_pipeline:
            t = time.perf_counter()
            report = ingest([folder], settings=s)
            pipeline_s = time.perf_counter() - t
        cpu1, kids1 = _cpu()
        load1 = os.getloadavg()[0]

        with Assistant.open(settings=s) as a:
            passages = list(a.index.manifest.iter_all_passages())
            size_bytes = a.index.size_bytes()
        texts = [embedding_text(p) for p in passages]
        n_tokens = sum(min(n + 2, embedder.max_tokens) for n in embedder.count_tokens(texts))

        # --- 3. the product's encoder alone on the same texts -------------------------------
        bs = s.batch_size
        cpu2, _ = _cpu()
        with PeakRSS() as mem_encoder:
            t = time.perf_counter()
            enc_vecs = embedder.encode(texts, batch_size=bs)
            encoder_s = time.perf_counter() - t
        cpu3, _ = _cpu()
        load2 = os.getloadavg()[0]
        assert enc_vecs.shape[0] == len(texts)
        # This process's peak before sentence-transformers (and a second copy of the weights) loads.
        peak_rss_process_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        # --- 4. sentence-transformers model.encode alone on the same texts -------------------
        t = time.perf_counter()
        from sentence_transformers import SentenceTransformer
        st_model = SentenceTransformer(str(embedder.model_path), device="cpu", local_files_only=True)
        st_model.eval()
        st_load_s = time.perf_counter() - t
        with torch.inference_mode(), embedder._autocast():
            st_model.encode(["warm-up passage for the benchmark"] * 8, batch_size=bs, show_progress_bar=False)
        cpu4, _ = _cpu()
        with PeakRSS() as mem_model:
            t = time.perf_counter()
            with torch.inference_mode(), embedder._autocast():
                vecs = st_model.encode(texts, batch_size=bs, normalize_embeddings=True,
                                       convert_to_numpy=True, show_progress_bar=False)
            model_s = time.perf_counter() - t
        cpu5, _ = _cpu()
        load3 = os.getloadavg()[0]
        assert np.asarray(vecs).shape[0] == len(texts)
        agreement = float(np.min(np.sum(np.asarray(vecs, dtype=np.float32) * enc_vecs, axis=1)))

        n = len(texts)
        pipe_rate = n / pipeline_s if pipeline_s else 0.0
        model_rate = n / model_s if model_s else 0.0
        encoder_rate = n / encoder_s if encoder_s else 0.0
        pipe_cpu = (cpu1 - cpu0) + (kids1 - kids0)
        encoder_cpu = cpu3 - cpu2
        model_cpu = cpu5 - cpu4
        encode_figures = _encode_figures(report.pages, n_tokens)
        return {
            "folder": str(folder),
            "precision": embedder.precision,
            "batch_size": bs,
            "flush_passages": 256,
            "documents": {"indexed": report.indexed, "skipped": len(report.skipped),
                          "skipped_files": [{"path": Path(k.path).name, "reason": k.reason} for k in report.skipped]},
            "pages": report.pages,
            "passages": n,
            "model_tokens": n_tokens,
            "model_load_s": round(model_load_s, 2),
            "pipeline": {"seconds": round(pipeline_s, 2), "passages_per_s": round(pipe_rate, 2),
                         "pages_per_s": round(report.pages / pipeline_s, 2) if pipeline_s else 0.0,
                         "cpu_s": round(pipe_cpu, 2), "parse_child_cpu_s": round(kids1 - kids0, 2),
                         "peak_rss_mb": round(mem_pipeline.peak / 2**20, 1),
                         "peak_rss_main_mb": round(mem_pipeline.peak_self / 2**20, 1),
                         "loadavg_1m": [round(load0, 2), round(load1, 2)]},
            "model_only": {**encode_figures(model_s, model_rate, model_cpu, mem_model.peak, (load2, load3)),
                           "what": "sentence-transformers model.encode", "load_s": round(st_load_s, 2)},
            "encoder_only": {**encode_figures(encoder_s, encoder_rate, encoder_cpu, mem_encoder.peak, (load1, load2)),
                             "what": "the product's Embedder.encode",
                             "min_cosine_vs_model_only": round(agreement, 6)},
            "ratio_wall": round(pipe_rate / model_rate, 3) if model_rate else None,
            "ratio_cpu": round(model_cpu / pipe_cpu, 3) if pipe_cpu else None,
            "ratio_wall_vs_encoder": round(pipe_rate / encoder_rate, 3) if encoder_rate else None,
            "ratio_cpu_vs_encoder": round(encoder_cpu / pipe_cpu, 3) if pipe_cpu else None,
            "index_size_bytes": size_bytes,
            "index_bytes_per_1k_passages": round(size_bytes / n * 1000) if n else None,
            "peak_rss_process_mb": round(peak_rss_process_mb, 1),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse
    ap = argparse.ArgumentParser(description="Ingest benchmark: full pipeline vs model.encode alone.")
    ap.add_argument("folder", type=Path)
    ap.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "auto"])
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    res = run(args.folder, precision=args.precision, batch_size=args.batch_size)
    text = json.dumps(res, indent=1)
    if args.out:
        args.out.write_text(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
