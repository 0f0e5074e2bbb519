"""The README's Python API example works as users will run it: saved as a plain script, with no
``if __name__ == "__main__":`` guard, and run with ``python example.py``."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

VERDICTS = ("supported", "partially_supported", "unsupported", "no_answer", "premise_rejected")


def readme_api_example(readme: str) -> str:
    """The first ```python block under "## Python API", verbatim."""
    section = readme.split("\n## Python API", 1)[1]
    m = re.search(r"^```python\n(.*?)^```", section, re.DOTALL | re.MULTILINE)
    assert m, "README's Python API section has no ```python block"
    return m.group(1)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_readme_api_example_runs_as_a_plain_script(repo_root, tmp_path):
    code = readme_api_example((repo_root / "README.md").read_text(encoding="utf-8"))
    assert "ingest(" in code and "__main__" not in code  # the case that used to fail
    (tmp_path / "example.py").write_text(code, encoding="utf-8")
    (tmp_path / "corpus").symlink_to(repo_root / "corpus")  # "corpus/sample" as in the checkout
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False",
               ANONYMIZED_TELEMETRY="False", OPENBLAS_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")
    proc = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=540)
    assert proc.returncode == 0, f"stdout:\n{proc.stdout[-2000:]}\nstderr:\n{proc.stderr[-4000:]}"
    first = proc.stdout.splitlines()[0] if proc.stdout else ""
    assert first in VERDICTS, proc.stdout[:2000]
    assert first == "supported", proc.stdout[:2000]  # what the README's comment promises
    assert (tmp_path / "my-index").is_dir()
