"""Download the official documents listed in ``corpus/sources.toml``.

This is the only part of the product that touches the network, and only when someone runs
``evidence corpus fetch``. What it guarantees:

- every request has a timeout; connection errors, 5xx and 429 answers are retried with
  exponential back-off (404 and other 4xx are not: asking again will not help);
- a size limit, checked on the announced Content-Length and again on the bytes actually
  streamed (a server may announce nothing, or lie);
- a content-type check: an HTML document must arrive as text/html, a PDF as application/pdf,
  so that an error page or a moved document is never saved under the expected name;
- resumable downloads: bytes go to ``NAME.part``; a later run asks for the rest with a Range
  header and appends when the server answers 206, or starts again cleanly on 200;
- a lock file with the sha256 of each document; a later fetch that gets different bytes fails
  (the official document changed) unless ``update=True`` accepts the new version;
- the finished file appears under its final name only by an atomic rename, so a reader never
  sees half a document;
- ``DEST/sources.toml`` is written with the metadata of every fetched document, so that
  ``evidence ingest DEST`` picks up titles, kinds and dates.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Mapping

import httpx

from evidence_assistant.core.errors import ConfigError

__all__ = [
    "DEFAULT_SOURCES",
    "DEFAULT_DEST",
    "DEFAULT_ALLOWED_TYPES",
    "FetchResult",
    "FetchReport",
    "fetch_sources",
    "cli_fetch",
]

# In a checkout the source list and the download folder are the project's own
# (corpus/sources.toml, corpus/official); from an installed wheel they are relative to the
# working folder, so that a fetch never writes into the installed package.
from evidence_assistant.core.data_files import CHECKOUT  # noqa: E402

REPO = CHECKOUT if CHECKOUT is not None else Path(".")
DEFAULT_SOURCES = REPO / "corpus" / "sources.toml"
DEFAULT_DEST = REPO / "corpus" / "official"

# Accepted media types by the extension of ``fetch_name``; an entry may name its own
# ``content_type`` instead.
DEFAULT_ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    ".html": ("text/html", "application/xhtml+xml"),
    ".htm": ("text/html", "application/xhtml+xml"),
    ".pdf": ("application/pdf",),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
    ".md": ("text/markdown", "text/plain"),
    ".txt": ("text/plain",),
    ".json": ("application/json",),
}

METADATA_KEYS = ("title", "kind", "date", "publisher", "url", "licence")
USER_AGENT = "evidence-assistant-fetch/0.1 (+corpus/sources.toml)"
LOCK_VERSION = 1
_MAX_RETRY_AFTER = 30.0  # seconds; a server asking for longer is treated as down for this run

Status = Literal["downloaded", "unchanged", "resumed", "failed"]
ProgressCallback = Callable[["FetchResult"], None]


@dataclass
class FetchResult:
    """The outcome for one document. ``message`` says, for a failure, what went wrong and what to do."""

    id: str
    url: str
    file: str | None
    status: Status
    message: str = ""
    sha256: str | None = None
    bytes: int | None = None
    changed: bool = False  # the checksum differed from the lock and update=True accepted it
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def line(self) -> str:
        if self.status == "failed":
            return f"FAILED      {self.message}"
        if self.bytes is None:
            size = "?"
        else:
            size = f"{self.bytes} B" if self.bytes < 1024 else f"{self.bytes / 1024:.0f} kB"
        extra = f" - {self.message}" if self.message else ""
        return f"{self.status:<11} {self.id}: {self.file} ({size}, sha256 {(self.sha256 or '')[:12]}){extra}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FetchReport:
    dest: Path
    lock_path: Path
    sources_toml: Path
    results: list[FetchResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def failed(self) -> list[FetchResult]:
        return [r for r in self.results if not r.ok]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.results:
            out[r.status] = out.get(r.status, 0) + 1
        return out

    def summary(self) -> str:
        parts = ", ".join(f"{n} {s}" for s, n in self.counts().items()) or "nothing to do"
        return f"{len(self.results)} document(s): {parts}. Lock: {self.lock_path}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dest": str(self.dest),
            "lock": str(self.lock_path),
            "sources": str(self.sources_toml),
            "counts": self.counts(),
            "documents": [r.to_dict() for r in self.results],
        }


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class _Permanent(Exception):
    pass


@dataclass
class _Doc:
    id: str
    url: str
    fetch_name: str
    types: tuple[str, ...]
    metadata: dict[str, Any]


# --- Reading the source list and the lock ------------------------------------------------------

def _read_sources(path: Path) -> list[dict[str, Any]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: source list not found; pass --sources PATH") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the source list: {exc}. Fix the TOML syntax.") from exc
    docs = data.get("documents")
    if not isinstance(docs, list) or not docs:
        raise ConfigError(f"{path}: no [[documents]] tables; add one per official document")
    return docs


def _validate(entry: Any, index: int, allowed_types: Mapping[str, Iterable[str]],
              seen_ids: set[str], seen_names: set[str]) -> _Doc | FetchResult:
    if not isinstance(entry, dict):
        return FetchResult(f"#{index + 1}", "", None, "failed",
                           f"documents[{index}] is not a table (in sources.toml); fix the entry")
    doc_id = str(entry.get("id") or f"#{index + 1}")
    url = str(entry.get("url") or "")
    name = str(entry.get("fetch_name") or "")

    def bad(msg: str) -> FetchResult:
        return FetchResult(doc_id, url, name or None, "failed",
                           f"{doc_id}: {msg} (in sources.toml); fix the entry and fetch again")

    if not entry.get("id"):
        return bad(f"documents[{index}] has no id")
    if doc_id in seen_ids:
        return bad(f"id '{doc_id}' is used twice")
    if not re.match(r"^https?://", url):
        return bad(f"url {url!r} is missing or not an http(s) address")
    if "file" in entry:
        return bad("has a 'file' key, which is reserved for local files; use fetch_name")
    if not name or name != Path(name).name or name in (".", "..") or "\\" in name:
        return bad(f"fetch_name {name!r} must be a plain file name")
    if name in seen_names:
        return bad(f"fetch_name '{name}' is used twice")
    if entry.get("content_type"):
        types = (str(entry["content_type"]).lower(),)
    else:
        types = tuple(t.lower() for t in allowed_types.get(Path(name).suffix.lower(), ()))
    if not types:
        return bad(f"no expected content type for '{Path(name).suffix}'; add content_type = \"...\"")
    seen_ids.add(doc_id)
    seen_names.add(name)
    meta = {k: entry[k] for k in METADATA_KEYS if entry.get(k) not in (None, "")}
    return _Doc(doc_id, url, name, types, meta)


def _read_lock(path: Path) -> dict[str, Any]:
    if not path.exists() or not path.read_text(encoding="utf-8").strip():
        return {"version": LOCK_VERSION, "documents": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the lock file: {exc}. Restore it from version control, "
                          "or delete it to record fresh checksums") from exc
    if not isinstance(data, dict) or not isinstance(data.get("documents"), dict):
        raise ConfigError(f"{path}: the lock file has no 'documents' table; restore it or delete it")
    return data


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _write_lock(path: Path, lock: dict[str, Any]) -> None:
    lock["documents"] = dict(sorted(lock["documents"].items()))
    _write_atomic(path, json.dumps(lock, indent=2, ensure_ascii=False) + "\n")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    # A JSON string with ensure_ascii=False is a valid TOML basic string.
    return json.dumps(str(value), ensure_ascii=False)


def _write_dest_sources(dest: Path, sources_toml: Path, docs: list[_Doc]) -> None:
    lines = [
        f"# Written by `evidence corpus fetch` from {sources_toml}; it is rewritten on every fetch.",
        "# Metadata for the fetched official documents in this folder (read by `evidence ingest`).",
        "",
    ]
    for d in docs:
        if not (dest / d.fetch_name).exists():
            continue
        lines.append("[[documents]]")
        lines.append(f"file = {_toml_value(d.fetch_name)}")
        lines.append(f"id = {_toml_value(d.id)}")
        for key in METADATA_KEYS:
            if key in d.metadata:
                lines.append(f"{key} = {_toml_value(d.metadata[key])}")
        if "url" not in d.metadata:
            lines.append(f"url = {_toml_value(d.url)}")
        lines.append("")
    _write_atomic(dest / "sources.toml", "\n".join(lines))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --- One download ------------------------------------------------------------------------------

def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    return float(value) if value.isdigit() else None


def _media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def _part_meta_path(part: Path) -> Path:
    return part.with_name(part.name + ".json")


def _discard(part: Path) -> None:
    for p in (part, _part_meta_path(part)):
        p.unlink(missing_ok=True)


def _download(client: httpx.Client, doc: _Doc, part: Path, *, max_bytes: int,
              conditional: dict[str, str]) -> tuple[str, dict[str, str]]:
    """One attempt. Returns ("not-modified" | "complete" | "resumed", validators) or raises
    _Retryable / _Permanent. A transport error mid-stream leaves the part for the next attempt."""
    # identity: the bytes on the wire are the document's bytes, so Range offsets, the size limit
    # and the checksum all count the same thing.
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    offset = part.stat().st_size if part.exists() else 0
    if offset:
        headers["Range"] = f"bytes={offset}-"
        try:
            meta = json.loads(_part_meta_path(part).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        # If-Range makes the server send the whole document (200) when the part came from an
        # older version, instead of appending new bytes to old ones.
        if meta.get("etag") or meta.get("last_modified"):
            headers["If-Range"] = meta.get("etag") or meta["last_modified"]
    else:
        headers.update(conditional)

    with client.stream("GET", doc.url, headers=headers) as r:
        code = r.status_code
        if code == 304:
            if conditional and not offset:
                return "not-modified", {}
            raise _Permanent("HTTP 304 Not Modified to a request that was not conditional; "
                             "the server or a proxy on the way is misbehaving - try again later")
        if code == 416 and offset:
            # The part does not fit the document on the server (it may be complete or stale).
            _discard(part)
            raise _Retryable("the server could not resume the partial download; starting again", retry_after=0)
        if code == 429 or 500 <= code < 600:
            raise _Retryable(f"HTTP {code} {r.reason_phrase}", _retry_after(r))
        if code in (404, 410):
            raise _Permanent(f"HTTP {code} {r.reason_phrase}: the document is not at this address; "
                             "find its current address and correct url in sources.toml")
        if code in (401, 403):
            raise _Permanent(f"HTTP {code} {r.reason_phrase}: the server refused access; "
                             "open the address in a browser to check it is public")
        if code not in (200, 206):
            raise _Permanent(f"unexpected HTTP {code} {r.reason_phrase}; check the address in sources.toml")

        got = _media_type(r)
        if got not in doc.types:
            raise _Permanent(f"wrong content type: expected {' or '.join(doc.types)}, got {got or '(none)'}; "
                             "the address may now serve a different document or an error page - check it, "
                             "then correct url, fetch_name or content_type in sources.toml")

        length = r.headers.get("content-length", "")
        announced = int(length) if length.isdigit() else None
        if code == 206:
            m = re.match(r"bytes (\d+)-(\d+)/(\d+|\*)", r.headers.get("content-range", ""))
            if not m or int(m.group(1)) != offset:
                _discard(part)
                raise _Retryable("the server resumed at the wrong place; starting again", retry_after=0)
            total = int(m.group(3)) if m.group(3) != "*" else (offset + announced if announced is not None else None)
            mode, kind = "ab", "resumed"
        else:
            offset = 0  # a 200 answer is the whole document: start the part again
            total = announced
            mode, kind = "wb", "complete"
        if total is not None and total > max_bytes:
            _discard(part)
            raise _Permanent(f"the document is {_mb(total)}, over the limit of {_mb(max_bytes)}; "
                             "if it really is that large, raise max_bytes")

        validators = {k: v for k, v in (("etag", r.headers.get("etag")),
                                        ("last_modified", r.headers.get("last-modified"))) if v}
        _part_meta_path(part).write_text(json.dumps(validators), encoding="utf-8")
        # A server may compress despite "identity"; then save the decoded bytes, but such a part
        # cannot be resumed (its offsets are not the server's), so it is not kept on failure.
        encoded = r.headers.get("content-encoding", "identity").strip().lower() not in ("", "identity")
        if encoded:
            total = None
        count = offset
        try:
            with open(part, mode) as fh:
                # Unbuffered: every byte that arrived is on disk if the connection drops.
                for chunk in (r.iter_bytes() if encoded else r.iter_raw()):
                    count += len(chunk)
                    if count > max_bytes:
                        fh.close()
                        _discard(part)
                        raise _Permanent(f"the download passed the limit of {_mb(max_bytes)} "
                                         f"(the server announced {_mb(total) if total is not None else 'no size'}); "
                                         "if the document really is that large, raise max_bytes")
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
        except httpx.TransportError as exc:
            if encoded:
                _discard(part)
            raise _Retryable(f"connection lost after {count} bytes ({type(exc).__name__}); "
                             "the partial download is kept and will be resumed") from exc
        if total is not None and count < total:
            raise _Retryable(f"the server sent {count} of {total} bytes; the partial download will be resumed")
        return kind, validators


def _fetch_one(client: httpx.Client, doc: _Doc, dest: Path, lock: dict[str, Any], *, update: bool,
               retries: int, backoff: float, max_bytes: int, sleep: Callable[[float], None]) -> FetchResult:
    final = dest / doc.fetch_name
    part = dest / (doc.fetch_name + ".part")
    entry = lock["documents"].get(doc.id)
    result = FetchResult(doc.id, doc.url, doc.fetch_name, "failed")
    where = f"{doc.id} ({doc.url})"  # every failure message names the document and its address

    conditional: dict[str, str] = {}
    have_locked_copy = bool(entry and final.exists() and _sha256(final) == entry.get("sha256"))
    if have_locked_copy and entry:
        if entry.get("etag"):
            conditional["If-None-Match"] = entry["etag"]
        if entry.get("last_modified"):
            conditional["If-Modified-Since"] = entry["last_modified"]

    resumed = False
    validators: dict[str, str] = {}
    while True:
        result.attempts += 1
        try:
            outcome, validators = _download(client, doc, part, max_bytes=max_bytes, conditional=conditional)
            if outcome == "resumed":
                resumed = True
            break
        except _Permanent as exc:
            result.message = f"{where}: {exc}"
            return result
        except _Retryable as exc:
            last = str(exc)
            wait_after = exc.retry_after
        except httpx.TransportError as exc:  # connecting, or the answer's head, failed
            last = f"{type(exc).__name__}: {exc or 'no detail'}"
            wait_after = None
        except httpx.HTTPError as exc:
            result.message = f"{where}: {type(exc).__name__}: {exc}; check the address in sources.toml"
            return result
        if result.attempts > retries:
            result.message = (f"{where}: gave up after {result.attempts} attempts; last error: {last}. "
                              "Check the network connection and try again later"
                              + (" (a partial download is kept and will be resumed)" if part.exists() else ""))
            return result
        delay = backoff * (2 ** (result.attempts - 1))
        if wait_after is not None:
            delay = wait_after if wait_after <= _MAX_RETRY_AFTER else delay
        if delay > 0:
            sleep(delay)

    if outcome == "not-modified":
        _discard(part)
        result.status, result.sha256, result.bytes = "unchanged", entry["sha256"], final.stat().st_size
        result.message = "not modified"
        return result

    digest = _sha256(part)
    size = part.stat().st_size
    locked = entry.get("sha256") if entry else None
    if locked and digest != locked and not update:
        _discard(part)
        result.message = (f"{where}: the official document changed since it was last fetched "
                          f"(sha256 in the lock {locked[:12]}..., now {digest[:12]}...). "
                          "The copy on disk is left as it was. Check what changed at the address, then run "
                          "`evidence corpus fetch --update` (update=True) to accept the new version")
        return result

    if locked and digest == locked and final.exists() and _sha256(final) == digest:
        _discard(part)
        result.status = "unchanged"
    else:
        os.replace(part, final)  # atomic on one filesystem: the final name never holds half a file
        _part_meta_path(part).unlink(missing_ok=True)
        result.status = "resumed" if resumed else "downloaded"
        if locked and digest != locked:
            result.changed = True
            result.message = "the official document changed; new version accepted (update)"
    result.sha256, result.bytes = digest, size
    if result.status == "unchanged" and entry:
        lock["documents"][doc.id] = {**entry, **validators, "url": doc.url}
    else:
        lock["documents"][doc.id] = {"url": doc.url, "file": doc.fetch_name, "sha256": digest,
                                     "bytes": size, **validators}
    return result


# --- Public API --------------------------------------------------------------------------------

def fetch_sources(
    sources_toml: Path,
    dest: Path,
    *,
    lock_path: Path | None = None,
    timeout: float = 30,
    retries: int = 3,
    backoff: float = 0.5,
    max_bytes: int = 50_000_000,
    allowed_types: Mapping[str, Iterable[str]] = DEFAULT_ALLOWED_TYPES,
    progress: ProgressCallback | None = None,
    update: bool = False,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchReport:
    """Fetch every document in ``sources_toml`` into ``dest``; one failure never stops the others.

    ``lock_path`` defaults to ``sources.lock`` beside ``sources_toml``. ``progress`` is called
    with each document's ``FetchResult`` as it finishes. ``client`` and ``sleep`` exist for tests
    and for callers with their own proxy or transport settings.

    Raises ``ConfigError`` only when the source list or the lock file cannot be read at all.
    """
    sources_toml = Path(sources_toml)
    dest = Path(dest)
    lock_path = Path(lock_path) if lock_path is not None else sources_toml.with_name("sources.lock")
    entries = _read_sources(sources_toml)
    lock = _read_lock(lock_path)
    lock.setdefault("version", LOCK_VERSION)
    dest.mkdir(parents=True, exist_ok=True)
    report = FetchReport(dest=dest, lock_path=lock_path, sources_toml=sources_toml)

    own_client = client is None
    if client is None:
        client = httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=True,
                              headers={"User-Agent": USER_AGENT})
    docs: list[_Doc] = []
    seen_ids: set[str] = set()
    seen_names: set[str] = set()
    try:
        for i, entry in enumerate(entries):
            doc = _validate(entry, i, allowed_types, seen_ids, seen_names)
            if isinstance(doc, FetchResult):
                result = doc
            else:
                docs.append(doc)
                result = _fetch_one(client, doc, dest, lock, update=update, retries=retries,
                                    backoff=backoff, max_bytes=max_bytes, sleep=sleep)
                if result.ok:
                    # Written after each document, so an interrupted run keeps what it verified.
                    _write_lock(lock_path, lock)
            report.results.append(result)
            if progress is not None:
                progress(result)
    finally:
        if own_client:
            client.close()
    _write_dest_sources(dest, sources_toml, docs)
    return report


def cli_fetch(dest: Path | None, *, sources: Path | None = None, update: bool = False,
              json_out: bool = False) -> int:
    """`evidence corpus fetch [DEST] [--sources PATH] [--update] [--json]`.

    Prints one line per document as it finishes (or one JSON object at the end). Returns 0 when
    every document is in place, 1 when any failed, 2 when the source list cannot be read.
    """
    sources = Path(sources) if sources is not None else DEFAULT_SOURCES
    dest = Path(dest) if dest is not None else DEFAULT_DEST

    def show(result: FetchResult) -> None:
        print(result.line(), flush=True)

    try:
        report = fetch_sources(sources, dest, update=update, progress=None if json_out else show)
    except ConfigError as exc:
        if json_out:
            print(json.dumps({"ok": False, "error": str(exc)}))
        else:
            print(f"error: {exc}", file=sys.stderr)
        return 2
    if json_out:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(report.summary())
        if report.ok:
            print(f"Index them with: evidence ingest {dest}")
        else:
            print(f"{len(report.failed)} document(s) failed; see the messages above.", file=sys.stderr)
    return 0 if report.ok else 1
