"""``ingest()``: folders and files in, an up-to-date index out.

Per file: unchanged files (same size and mtime, or same bytes) cost nothing; new or changed
files are parsed in a child process, embedded in batches, and written to the index one whole
document at a time. A file that cannot be read is reported with the reason and skipped; nothing
already indexed is touched by it.
"""
from __future__ import annotations

import hashlib
import logging
import os
import stat
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from evidence_assistant.core.errors import IngestError
from evidence_assistant.core.settings import Settings, get_settings

from .load import FORMATS
from .manifest import FileRecord
from .store import Index
from .worker import ParseWorker, Parsed
from .writer import IndexWriter, PendingDocument

log = logging.getLogger(__name__)

# Files that sit beside documents but are not documents.
_SIDECARS = {"sources.toml", "sources.lock", "ingest.lock"}
FLUSH_PASSAGES = 256  # embed in batches this large: the model runs best on many passages at once
# Files handed to the parser ahead of the one being read: a large PDF behind a small one is then
# parsed while the small one embeds, not after (measured: the model waited 1.8 s of a 15 s ingest
# of 11 PDFs with one file ahead).
PARSE_AHEAD = 3


@dataclass
class Skip:
    path: str
    reason: str


@dataclass
class IngestReport:
    indexed: int = 0
    unchanged: int = 0
    duplicates: int = 0
    skipped: list[Skip] = field(default_factory=list)
    removed_documents: int = 0
    passages_added: int = 0
    passages_removed: int = 0
    embedded: int = 0
    pages: int = 0
    seconds: float = 0.0
    recovered: dict[str, int] = field(default_factory=dict)
    warnings: list[Skip] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.skipped

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["documents"] = {"indexed": self.indexed, "unchanged": self.unchanged, "duplicates": self.duplicates,
                          "skipped": len(self.skipped), "removed": self.removed_documents}
        d["passages"] = {"added": self.passages_added, "removed": self.passages_removed, "embedded": self.embedded}
        return d


def discover(paths: Iterable[Path | str], report: IngestReport) -> list[Path]:
    """Files to consider, in a stable order. Unsupported files are reported, hidden ones and
    metadata sidecars ignored.

    A file is kept under the path the user gave — a link stays the link, not the file it points
    to — so that ``--prune`` forgets it once the link is removed. Anything that is not an ordinary
    file (a named pipe, a socket, a device, a link to nothing) is reported as skipped with the
    reason, whether it was named directly or found in a folder: reading a named pipe would wait
    for a writer forever."""
    out: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw).expanduser()
        if not p.exists() and not p.is_symlink():
            report.skipped.append(Skip(str(p), "no such file or folder; check the path"))
            continue
        if p.is_dir():
            candidates = sorted(
                f for f in p.rglob("*")
                if not f.is_dir() and not any(part.startswith(".") for part in f.relative_to(p).parts))
        else:
            candidates = [p]
        for f in candidates:
            f = Path(os.path.abspath(f))  # absolute, '..' folded, links kept as they are
            if f in seen or f.name in _SIDECARS or f.suffix in (".part", ".lock"):
                continue
            seen.add(f)
            problem = not_a_regular_file(f)
            if problem:
                report.skipped.append(Skip(str(f), problem))
                continue
            if f.suffix.lower() not in FORMATS:
                report.skipped.append(Skip(str(f), f"unsupported file type '{f.suffix or '(none)'}'; supported: "
                                                   f"{', '.join(sorted(FORMATS))}"))
                continue
            out.append(f)
    return out


def _kind_of(mode: int) -> str | None:
    """What a non-regular file is, in words; None for an ordinary file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not an ordinary file"


def not_a_regular_file(path: Path) -> str | None:
    """Why ``path`` cannot be indexed as a file (a named pipe, socket, device, or a link to
    nothing), or None when it is an ordinary file (directly or through a link)."""
    try:
        mode = path.stat().st_mode  # follows links: a link to a pipe is a pipe
    except FileNotFoundError:
        if path.is_symlink():
            return f"link to '{os.readlink(path)}', which does not exist; fix or remove the link"
        return "no such file or folder; check the path"
    except OSError as exc:
        return f"cannot read file: {exc.strerror or exc}"
    kind = _kind_of(mode)
    if kind is None:
        return None
    return (f"not an ordinary file but {kind}; only ordinary files are indexed — copy the document "
            "into a file and ingest that")


def _sha256(path: Path, max_bytes: int) -> str:
    # O_NONBLOCK: should the path have become a named pipe since it was found, opening it must
    # not wait for a writer (on an ordinary file the flag changes nothing).
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        kind = _kind_of(st.st_mode)
        if kind is not None:
            raise IngestError(str(path), f"not an ordinary file but {kind}; only ordinary files are indexed — "
                                         "copy the document into a file and ingest that")
        size = st.st_size
        if size > max_bytes:
            raise IngestError(str(path), f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; "
                                         "raise EVIDENCE_MAX_FILE_MB to index it")
        h = hashlib.sha256()
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ingest(paths: Sequence[Path | str], *, settings: Settings | None = None, prune: bool = False,
           progress: Callable[[dict[str, Any]], None] | None = None, index: Index | None = None) -> IngestReport:
    """Bring the index up to date with ``paths``. Takes the index's write lock for the run."""
    s = get_settings(settings)
    with IndexWriter(s, index=index) as writer:
        # The parser's process starts first: its interpreter and imports load while the index
        # opens, recovers and the files are hashed, instead of while the model waits for the
        # first file (measured: 2.1 s of a 16 s ingest of 11 PDFs was the model waiting).
        with _parse_worker(s) as worker:
            return _run(writer, s, paths, prune, progress, worker)


def _parse_worker(s: Settings) -> ParseWorker:
    from .embed import packaged_model_path

    model = Path(s.model_path) if s.model_path else packaged_model_path()
    return ParseWorker(tokenizer=model / "tokenizer.json", chunk_tokens=s.chunk_tokens,
                       chunk_overlap=s.chunk_overlap, max_bytes=int(s.max_file_mb * 1e6),
                       sources_toml=s.sources_toml, timeout_s=s.file_timeout_s, max_pdf_pages=s.max_pdf_pages,
                       lexical_context=s.lexical_context, ocr=s.ocr, ocr_page_timeout_s=s.ocr_page_timeout_s)


def _run(writer: IndexWriter, s: Settings, paths: Sequence[Path | str], prune: bool,
         progress: Callable[[dict[str, Any]], None] | None, worker: ParseWorker) -> IngestReport:
    t0 = time.perf_counter()
    report = IngestReport()
    idx = writer.index
    rec = writer.recover()
    report.recovered = {k: v for k, v in asdict(rec).items() if v}
    m = idx.manifest
    max_bytes = int(s.max_file_mb * 1e6)
    files = discover(paths, report)
    todo: list[tuple[Path, os.stat_result, str, str | None]] = []  # path, stat, sha, previous doc id

    def tick(**extra: Any) -> None:
        if progress:
            progress({"files_done": report.indexed + report.unchanged + report.duplicates + len(report.skipped),
                      "files_total": len(files), "pages": report.pages, "passages": report.passages_added,
                      "embedded": report.embedded, "seconds": time.perf_counter() - t0, **extra})

    # 1. Decide what needs work, without parsing.
    for f in files:
        key = str(f)
        try:
            st = f.stat()
            prev = m.file(key)
            if prev and prev.state == "indexed" and prev.size == st.st_size and prev.mtime_ns == st.st_mtime_ns \
                    and writer.is_indexed(prev.doc_id):
                report.unchanged += 1
                continue
            sha = _sha256(f, max_bytes)
        except IngestError as exc:
            _skip(report, key, exc.reason)
            continue
        except OSError as exc:
            _skip(report, key, f"cannot read file: {exc.strerror or exc}")
            continue
        prev_doc = prev.doc_id if prev and prev.state == "indexed" else None
        if writer.is_indexed(sha):
            # Same bytes as an indexed document (this path touched, or a copy under another name).
            m.put_file(FileRecord(key, sha, st.st_size, st.st_mtime_ns, "indexed", None))
            if prev_doc == sha:
                report.unchanged += 1
            else:
                report.duplicates += 1
                report.removed_documents += _release(writer, report, prev_doc)
            continue
        todo.append((f, st, sha, prev_doc))
    tick()

    # 2. Parse in the child, embed in batches, write whole documents.
    if todo:
        buffer: list[PendingDocument] = []
        for ahead in todo[:PARSE_AHEAD]:
            worker.submit(str(ahead[0]))
        for i, (f, st, sha, prev_doc) in enumerate(todo):
            if buffer and not worker.ready():
                # The parser is still busy: embed what is ready rather than leave the model idle.
                _write(writer, report, buffer)
                buffer = []
                tick(current=str(f))
            try:
                parsed = worker.result()
            except IngestError as exc:
                parsed = None
                _skip(report, str(f), exc.reason)
            if i + PARSE_AHEAD < len(todo):
                worker.submit(str(todo[i + PARSE_AHEAD][0]))  # keep the parser ahead of the model
            if parsed is not None:
                if parsed.document.doc_id != sha:  # the file changed while we read it
                    _skip(report, str(f), "file changed while it was being read; run ingest again")
                elif not parsed.passages:
                    _skip(report, str(f), "no text to index")
                else:
                    buffer.append(_pending(f, st, sha, prev_doc, parsed))
                    for w in parsed.warnings:
                        report.warnings.append(Skip(str(f), w))
            if sum(len(b.passages) for b in buffer) >= FLUSH_PASSAGES or i + 1 == len(todo):
                _write(writer, report, buffer)
                buffer = []
                tick(current=str(f))

    # 3. Prune files that are gone.
    if prune:
        for fr in m.files():
            if not Path(fr.path).exists():
                m.forget_file(fr.path)
                if fr.state == "indexed":
                    report.removed_documents += _release(writer, report, fr.doc_id)

    writer.finish()  # the lexical index, then the end of the run's writes, then the time of this ingest
    report.seconds = round(time.perf_counter() - t0, 3)
    tick(done=True)
    return report


def _skip(report: IngestReport, path: str, reason: str) -> None:
    """Record a skipped file. Whatever the file had indexed before stays indexed."""
    report.skipped.append(Skip(path, reason))
    log.info("skipped %s: %s", path, reason)


def _release(writer: IndexWriter, report: IngestReport, doc_id: str | None) -> int:
    """Remove ``doc_id`` if no file refers to it any more; returns documents removed (0 or 1)."""
    if not doc_id or writer.index.manifest.paths_of(doc_id):
        return 0
    report.passages_removed += writer.remove(doc_id)
    return 1


def _pending(f: Path, st: os.stat_result, sha: str, prev_doc: str | None, parsed: Parsed) -> PendingDocument:
    """A parsed file, ready for the writer: committed with its path, hash, size and mtime."""
    return PendingDocument(parsed.document, parsed.passages, parsed.lex,
                           FileRecord(str(f), sha, st.st_size, st.st_mtime_ns, "indexed", None),
                           replaces=prev_doc if prev_doc and prev_doc != sha else None)


def _write(writer: IndexWriter, report: IngestReport, items: list[PendingDocument], *, together: bool = False) -> None:
    """Write ``items`` (the three steps, ``IndexWriter.write``) and count them in ``report``;
    a changed file's previous version goes once its new one is indexed."""
    def committed(item: PendingDocument) -> None:
        report.indexed += 1
        report.passages_added += len(item.passages)
        report.pages += item.document.pages or 0
        if item.replaces:
            report.removed_documents += _release(writer, report, item.replaces)

    report.embedded += writer.write(items, together=together, committed=committed)


def index_documents(docs: Iterable[tuple[Any, list[Any]]], *, settings: Settings | None = None,
                    index: Index | None = None, batch_passages: int = 1024,
                    progress: Callable[[dict[str, Any]], None] | None = None,
                    together: bool = False, recover: bool = False, embedder: Any = None) -> IngestReport:
    """Index documents that are already read — (SourceDocument, blocks) pairs — as benchmarks and
    dataset runners have them. Chunked in this process with the model's own tokenizer; written
    with the same three-step protocol as files (``IndexWriter``), about ``batch_passages``
    passages at a time. Documents already indexed are left alone.

    ``together`` writes each batch's vectors in one write instead of one per document (bulk
    builds of many small documents); ``recover`` first finishes or undoes what a killed run
    left, as ``ingest`` always does. ``embedder`` stands in for the settings' model when the
    index is opened here (a wrapper of that model that remembers vectors, say)."""
    s = get_settings(settings)
    t0 = time.perf_counter()
    report = IngestReport()
    with IndexWriter(s, index=index, embedder=embedder) as writer:
        if recover:
            writer.recover()
        buffer: list[PendingDocument] = []
        pending = 0
        for doc, blocks in docs:
            if writer.is_indexed(doc.doc_id):
                report.unchanged += 1
                continue
            item = writer.prepare(doc, blocks)
            if item is None:
                report.skipped.append(Skip(doc.path, "no text to index"))
                continue
            buffer.append(item)
            pending += len(item.passages)
            if pending >= batch_passages:
                _write(writer, report, buffer, together=together)
                buffer, pending = [], 0
                if progress:
                    progress({"documents": report.indexed, "passages": report.passages_added,
                              "seconds": time.perf_counter() - t0})
        _write(writer, report, buffer, together=together)
        writer.finish()
    report.seconds = round(time.perf_counter() - t0, 3)
    return report
