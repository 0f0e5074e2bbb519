"""The README's configuration table lists every setting with its real default."""
from __future__ import annotations

from evidence_assistant.core.settings import Settings


def test_readme_documents_every_setting(repo_root):
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    assert readme.lstrip().startswith("# Evidence Assistant")
    head = readme[:600]
    assert "make run" in head and "make test" in head
    for name, field in Settings.model_fields.items():
        row = next((line for line in readme.splitlines() if line.startswith(f"| `EVIDENCE_{name.upper()}` |")), None)
        assert row is not None, f"README lacks EVIDENCE_{name.upper()}"
        if field.default is not None and name != "index_dir":
            assert f"`{field.default}`" in row, f"README default for {name} is stale: {row}"
