"""The environment every entry point sets before heavy imports: no model hub, no telemetry or
analytics, and single-threaded BLAS (multi-threaded BLAS between embedding calls slows torch's
own threads many times over on a small machine). Values already set by the user win."""
from __future__ import annotations

import os

DEFAULTS = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "OPENBLAS_NUM_THREADS": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def set_offline_env() -> None:
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
