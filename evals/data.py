"""Where the public benchmark data is: ``../shared/data`` beside the checkout (never copied into
the project), or $EVIDENCE_SHARED_DATA. A suite whose data is absent is skipped with the reason."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


class DataMissing(Exception):
    """The benchmark's files are not there; the message says where they were looked for."""


def shared_data() -> Path:
    return Path(os.environ.get("EVIDENCE_SHARED_DATA", REPO.parent / "shared" / "data"))


def require(path: Path, what: str) -> Path:
    if not path.exists():
        raise DataMissing(f"{what} not found at {path} (set EVIDENCE_SHARED_DATA to the folder holding "
                          "beir-scifact/ and covid-qa/, or place shared/ beside the repository)")
    return path


def file_fingerprint(*paths: Path) -> str:
    """Names and sizes of the data files: enough to tell one release from another without
    hashing megabytes on every run."""
    h = hashlib.sha256()
    for p in paths:
        h.update(f"{p.name}:{p.stat().st_size}".encode())
    return h.hexdigest()[:12]
