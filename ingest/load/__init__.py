"""Loaders, one module per format. ``load_file`` picks one by extension, reads metadata from
the file itself and from ``sources.toml``, and returns the document with its blocks."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from assistant.errors import IngestError, UnsupportedFormatError
from assistant.types import Block, SourceDocument

from .base import Loaded, clean_metadata, sources_metadata_for, title_from_filename

FORMATS: dict[str, str] = {
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".njk": "html",
    ".docx": "docx",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".json": "json",
}

SUPPORTED_EXTENSIONS = tuple(sorted(FORMATS))


@dataclass
class LoadedDocument:
    document: SourceDocument
    blocks: list[Block]
    warnings: list[str]


def _loader(fmt: str) -> Callable[[Path, bytes], Loaded]:
    # Imported lazily so that a missing optional parser only affects its own format.
    if fmt == "pdf":
        from . import pdf as mod
    elif fmt == "html":
        from . import html as mod
    elif fmt == "docx":
        from . import docx as mod
    elif fmt == "markdown":
        from . import markdown as mod
    elif fmt == "json":
        from . import jsondoc as mod
    else:
        from . import text as mod
    return mod.load


def format_of(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UnsupportedFormatError(
            str(path),
            f"unsupported file type '{path.suffix or '(none)'}'; supported: {', '.join(SUPPORTED_EXTENSIONS)}",
        )
    return fmt


def load_file(path: Path, *, data: bytes | None = None, sources_toml: Path | None = None,
              max_bytes: int | None = None) -> LoadedDocument:
    """Read one file into a ``SourceDocument`` and its blocks, or raise ``IngestError``."""
    path = Path(path)
    fmt = format_of(path)
    if data is None:
        try:
            size = path.stat().st_size
            if max_bytes is not None and size > max_bytes:
                raise IngestError(str(path), f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; "
                                  "raise EVIDENCE_MAX_FILE_MB to index it")
            data = path.read_bytes()
        except OSError as exc:
            raise IngestError(str(path), f"cannot read file: {exc.strerror or exc}") from exc
    if max_bytes is not None and len(data) > max_bytes:
        raise IngestError(str(path), f"file is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; "
                          "raise EVIDENCE_MAX_FILE_MB to index it")
    if not data.strip():
        raise IngestError(str(path), "file is empty; nothing to index")
    loaded = _loader(fmt)(path, data)
    blocks = [b for b in loaded.blocks if b.text.strip()]
    if not blocks:
        raise IngestError(str(path), "no text found" + (f" ({'; '.join(loaded.warnings)})" if loaded.warnings else ""))
    meta = clean_metadata(loaded.metadata)
    meta.update(sources_metadata_for(path, sources_toml))
    # A PDF's first heading is often a running head or "1. Executive summary": not its title.
    first_heading = None if fmt == "pdf" else next((b.text for b in blocks if b.kind == "heading"), None)
    title = meta.get("title") or first_heading or title_from_filename(path)
    doc = SourceDocument(
        doc_id=hashlib.sha256(data).hexdigest(),
        path=str(path),
        format=fmt,
        title=title.strip()[:300],
        kind=meta.get("kind") or "other",
        date=meta.get("date"),
        publisher=meta.get("publisher"),
        url=meta.get("url"),
        licence=meta.get("licence"),
        pages=loaded.pages,
        extra={k: v for k, v in loaded.metadata.items() if k not in meta and isinstance(v, (str, int, float))},
    )
    return LoadedDocument(doc, blocks, loaded.warnings)
