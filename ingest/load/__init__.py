"""The loaders (one module per format) that turn a file into a document and its blocks; part of the ingest floor, importing only it and the ground floor.

``load_file`` picks one by extension, reads metadata from
the file itself (``metadata.infer``: title, date, publisher and kind as a person would read them)
and from ``sources.toml`` (which overrides it), and returns the document with its blocks.
``SourceDocument.extra["metadata_sources"]`` says where each field came from, and
``extra["metadata_rejected"]`` which candidates were refused and why."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from evidence_assistant.core.errors import IngestError, UnsupportedFormatError
from evidence_assistant.core.types import Block, SourceDocument

from .base import Loaded, clean_metadata, sources_metadata_for, title_from_filename
from .metadata import InferredMetadata
from .metadata import infer as infer_metadata

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


def _infer(path: Path, fmt: str, blocks: list[Block], raw: dict, data: bytes) -> InferredMetadata:
    """What the document says about itself; a fault in the inference costs only the inference."""
    try:
        return infer_metadata(path, fmt, blocks, raw, data)
    except Exception as exc:  # never lose a readable document over its metadata
        fallback = InferredMetadata(title=clean_metadata(raw).get("title"), kind=clean_metadata(raw).get("kind"),
                                    date=clean_metadata(raw).get("date"))
        fallback.rejected["inference"] = f"metadata inference failed ({type(exc).__name__}: {exc}); " \
                                         "used the file's own metadata fields as they are"
        fallback.sources = {k: "file-metadata" for k in ("title", "kind", "date") if getattr(fallback, k)}
        return fallback


_SENTENCE_INSIDE = re.compile(r"[.!?][\"'’”)]*\s+[A-Z“\"‘(]")


def reads_as_prose(text: str) -> bool:
    """Whether a block marked as a heading reads as prose: 25 words or more, or 12 or more that
    end with a full stop or hold a sentence's end inside ("Review and Audit - Policies for data
    entry must not be static – they need to be flexible …"). Headings that ask a question ("9.6.3.1
    What is a Structured Record?") stay headings."""
    text = re.sub(r"^\s*\d+(?:\.\d+)*\.?\s+", "", text)  # a section number is no sentence end
    words = len(text.split())
    return words >= 25 or (words >= 12 and (text.rstrip().endswith(".") or bool(_SENTENCE_INSIDE.search(text))))


def prose_headings_as_paragraphs(blocks: list[Block]) -> list[Block]:
    """Blocks a document styles as headings but that read as prose (a paragraph set in a heading
    style or tag for emphasis) become paragraphs, and leave the heading paths of the blocks
    under them: a section is not named by a sentence of its text."""
    demoted = {b.text for b in blocks if b.kind == "heading" and reads_as_prose(b.text)}
    if not demoted:
        return blocks
    out = []
    for b in blocks:
        path = tuple(h for h in b.heading_path if h not in demoted)
        if b.text in demoted and b.kind == "heading":
            out.append(replace(b, kind="paragraph", level=0, heading_path=path))
        elif path != b.heading_path:
            out.append(replace(b, heading_path=path))
        else:
            out.append(b)
    return out


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
    blocks = prose_headings_as_paragraphs([b for b in loaded.blocks if b.text.strip()])
    if not blocks:
        raise IngestError(str(path), "no text found" + (f" ({'; '.join(loaded.warnings)})" if loaded.warnings else ""))
    meta = clean_metadata(loaded.metadata)
    declared = sources_metadata_for(path, sources_toml)
    inferred = _infer(path, fmt, blocks, loaded.metadata, data)
    sources = dict(inferred.sources)
    for key in declared:
        sources[key] = "sources.toml"  # a sources.toml entry overrides what the file says
    title = declared.get("title") or inferred.title or title_from_filename(path)
    if not (declared.get("title") or inferred.title):
        sources["title"] = "file-name"
    extra: dict[str, object] = {k: v for k, v in loaded.metadata.items()
                                if k not in meta and k not in declared and isinstance(v, (str, int, float))}
    extra["metadata_sources"] = sources
    if inferred.rejected:
        extra["metadata_rejected"] = dict(inferred.rejected)
    doc = SourceDocument(
        doc_id=hashlib.sha256(data).hexdigest(),
        path=str(path),
        format=fmt,
        title=title.strip()[:300],
        kind=declared.get("kind") or inferred.kind or "other",
        date=declared.get("date") or inferred.date,
        publisher=declared.get("publisher") or inferred.publisher,
        url=declared.get("url") or meta.get("url"),
        licence=declared.get("licence") or meta.get("licence"),
        pages=loaded.pages,
        extra=extra,
    )
    return LoadedDocument(doc, blocks, loaded.warnings)
