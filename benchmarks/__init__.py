"""Speed benchmarks (`make bench`), standing on the public API (``evidence_assistant`` and its ground floor) like any user's code.

Benchmarks for Evidence Assistant: ingest throughput, query latency at 1k/10k/100k passages,
index size, cold start, and the same workload through a plain LangChain baseline.

Entry point: ``python -m benchmarks.run_all`` (``make bench``). Everything heavy runs in child
processes so that each cold start and each peak-memory figure is that of a fresh process.
"""
from __future__ import annotations

import os

# Set before numpy/torch load in any benchmark process: OpenBLAS threads spinning between
# embedding calls slowed query embedding about 13-fold on this 2-core machine.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
