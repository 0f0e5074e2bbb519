"""`evidence eval` end to end on a few sample cases: JSON, Markdown and a PNG chart, two
configurations side by side, reusing the session's sample index."""
from __future__ import annotations

import json

from evidence_evals import configs, runner


def test_cli_eval_writes_json_markdown_and_chart(eval_cache, sample_run, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EVIDENCE_EVAL_CACHE", str(eval_cache))  # the index sample_run built
    rc = runner.cli_eval(suite="sample", configs=["default", "bm25"], out=tmp_path, limit=3)
    assert rc == 0
    data = json.loads((tmp_path / "sample.json").read_text())
    assert set(data["configs"]) == {"default", "bm25"}
    assert len(data["configs"]["default"]["cases"]) == 3
    assert set(data["configs"]["bm25"]["metrics"]) >= {"all", "dev", "test"}
    png = (tmp_path / "sample.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    md = (tmp_path / "report.md").read_text()
    assert "| default |" in md and "| bm25 |" in md and "Split: test" in md


def test_unknown_suite_or_configuration_is_refused(tmp_path, capsys):
    assert runner.cli_eval(suite="nope", configs=None, out=tmp_path, limit=None) == 1
    assert runner.cli_eval(suite="sample", configs=["no-such-config"], out=tmp_path, limit=None) == 1
    assert "unknown configuration 'no-such-config'" in capsys.readouterr().err


def test_named_configurations_change_retrieval_only():
    base = configs.settings_for("default")
    for name in configs.CONFIGS:
        s = configs.settings_for(name)
        for key in configs.INDEX_SETTINGS:
            assert getattr(s, key) == getattr(base, key), (name, key)
    assert configs.settings_for("bm25").retrieval == "lexical"
    assert configs.settings_for("dense").retrieval == "dense"
    assert configs.settings_for("rrf_k=20,dense_weight=1.5").rrf_k == 20


def test_missing_benchmark_data_skips_the_suite_with_the_reason(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EVIDENCE_SHARED_DATA", str(tmp_path / "nowhere"))
    rc = runner.cli_eval(suite="scifact", configs=["default"], out=tmp_path / "out", limit=3)
    assert rc == 0
    md = (tmp_path / "out" / "report.md").read_text()
    assert "Skipped: BEIR SciFact not found at" in md
