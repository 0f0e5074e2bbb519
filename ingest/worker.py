"""Parsing in a child process: a file that hangs or crashes its parser costs only that file.

The child loads, chunks and tokenises (for BM25) the next files while the parent embeds the
previous batch, so the model — the real cost of ingest — is kept busy.

How the child is started. It is a fresh interpreter (``python -c``, running only this module's
``_child_main``), never a fork — the parent holds torch threads and locks — and never a
``multiprocessing`` "spawn" child either: spawn re-runs the caller's main script in the child
(as ``__mp_main__``), so a plain script that calls ``ingest()`` without an
``if __name__ == "__main__":`` guard would call ``ingest()`` again inside the child, meet its own
parent's lock and leave the parent with an empty index. Here nothing of the caller's script is
imported: the child is told the parent's ``sys.path`` and the worker function (by module and
name) over a socket pair, and then the two talk over that socket with
``multiprocessing.connection`` messages exactly as before.

Limits on the child: each file has a time limit (``ParseWorker``), and the child's address space
is capped (``memory_limit``, ``RLIMIT_AS`` where the platform has it) so that a crafted file
cannot drive the machine into swap; a file that runs out of that memory is refused by name.
"""
from __future__ import annotations

import atexit
import importlib
import os
import queue
import subprocess
import sys
import threading
import time
import traceback
import weakref
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Pipe
from pathlib import Path
from typing import Any

from evidence_assistant.core.errors import IngestError
from evidence_assistant.core.types import Passage, SourceDocument

# The parse child's address-space cap: parsing needs no model, and the sample corpus parses in
# under 400 MB, so 4 GiB is generous — yet it stops a crafted file long before it takes a laptop's
# memory. Raised with EVIDENCE_MAX_FILE_MB for whoever admits very large files.
MIN_MEMORY_LIMIT = 4 << 30
MEMORY_PER_FILE_BYTE = 24


@dataclass
class Parsed:
    document: SourceDocument
    passages: list[Passage]
    lex: list[str]
    warnings: list[str]


def _worker_main(conn: Any, config: dict[str, Any]) -> None:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from tokenizers import Tokenizer

    from .chunk import chunk_blocks
    from .lexical_text import passage_tokens
    from .load import load_file
    from .load import pdf as pdf_loader

    pdf_loader.MAX_PAGES = config["max_pdf_pages"]
    from .load import ocr as ocr_reader  # settings given in code reach OCR too, not only the environment
    ocr_reader.MODE = config.get("ocr")
    ocr_reader.PAGE_TIMEOUT_S = config.get("ocr_page_timeout_s")
    ocr_reader.FILE_TIMEOUT_S = config.get("file_timeout_s")
    # pypdf reports recoverable damage on stderr; the file's outcome is reported per file instead.
    import logging
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    tok = Tokenizer.from_file(config["tokenizer"])
    tok.no_truncation()
    tok.no_padding()

    def count_tokens(texts: Any) -> list[int]:
        return [len(e.ids) for e in tok.encode_batch(list(texts), add_special_tokens=False)]

    while True:
        try:
            req = conn.recv()
        except EOFError:
            return
        if req is None:
            return
        path = req
        try:
            loaded = load_file(Path(path), sources_toml=config["sources_toml"], max_bytes=config["max_bytes"])
            passages = chunk_blocks(loaded.document, loaded.blocks, max_tokens=config["chunk_tokens"],
                                    overlap=config["chunk_overlap"], count_tokens=count_tokens)
            conn.send(Parsed(loaded.document, passages, passage_tokens(passages, config["lexical_context"]), loaded.warnings))
        except IngestError as exc:
            conn.send(exc)
        except MemoryError:
            loaded = passages = None  # let go of whatever the file had built before reporting it
            limit = config.get("memory_limit")
            cap = f"the {limit / (1 << 30):.1f} GB the parser may use" if limit else "the memory available"
            conn.send(IngestError(path, f"parsing needed more than {cap} and was stopped; the file may be "
                                        "crafted or damaged (raise EVIDENCE_MAX_FILE_MB if it is genuine and "
                                        "large, or split it)"))
        except Exception as exc:  # a parser bug must not end the run: report it against the file
            detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
            conn.send(IngestError(path, f"could not be parsed ({detail}); the file may be malformed — "
                                        "re-export it, or report the file if it opens elsewhere"))


class ParseWorker:
    """The parent's handle on the parse child. Several files may be in flight (``submit`` them in
    order, collect each with ``result`` in the same order): the child works through them one after
    another while the parent embeds, and a thread receives what the child sends as soon as it is
    ready, so the child never waits for the parent before starting its next file.

    Each file gets ``timeout_s`` from the moment the child could start on it (the later of its
    submission and the arrival of the result before it). A file that runs over, or crashes the
    child, costs only itself: the child is restarted and the files queued behind it are sent again."""

    def __init__(self, *, tokenizer: Path, chunk_tokens: int, chunk_overlap: int, max_bytes: int,
                 sources_toml: Path | None, timeout_s: float, max_pdf_pages: int = 2000,
                 lexical_context: bool = False, memory_limit: int | None = None,
                 ocr: str | None = None, ocr_page_timeout_s: float | None = None):
        if memory_limit is None:
            memory_limit = max(MIN_MEMORY_LIMIT, MEMORY_PER_FILE_BYTE * max_bytes)
        self.config = {"tokenizer": str(tokenizer), "chunk_tokens": chunk_tokens, "chunk_overlap": chunk_overlap,
                       "max_bytes": max_bytes, "sources_toml": str(sources_toml) if sources_toml else None,
                       "max_pdf_pages": max_pdf_pages, "lexical_context": lexical_context,
                       "memory_limit": memory_limit, "ocr": ocr, "ocr_page_timeout_s": ocr_page_timeout_s,
                       "file_timeout_s": timeout_s}
        self.timeout_s = timeout_s
        self._proc: Any = None
        self._conn: Any = None
        self._inbox: queue.Queue[tuple[Any, float]] = queue.Queue()
        self._pending: deque[tuple[str, float]] = deque()  # (path, submitted at), in the child's order
        self._last_arrival = 0.0  # when the result before the head of ``_pending`` arrived
        self._cold = False  # the child has not answered yet: allow for its start-up once
        self._used = False  # a file has been submitted

    def _start(self) -> None:
        parent, child = Pipe()  # a socket pair: the child inherits its end by descriptor
        try:
            self._proc = _ChildProcess(child.fileno())
        finally:
            child.close()
        # What the child runs, by module and name (looked up here, at start time), and where it
        # finds modules: the parent's own path, as a spawned process would have had.
        parent.send(list(sys.path))
        parent.send((_worker_main.__module__, _worker_main.__qualname__, self.config))
        self._conn = parent
        self._cold = True
        # Each child gets its own inbox: nothing a dead child sent can be mistaken for a new one's.
        self._inbox = queue.Queue()
        threading.Thread(target=_receive, args=(parent, self._inbox), daemon=True,
                         name="evidence-parse-reader").start()

    def _restart(self) -> None:
        """A fresh child, given again every file still waiting for its result."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(5)
            try:
                self._conn.close()
            except OSError:
                pass
        self._proc = None
        self._start()
        now = time.monotonic()
        waiting = [path for path, _ in self._pending]
        self._pending.clear()
        self._last_arrival = now
        for path in waiting:
            self._conn.send(path)
            self._pending.append((path, now))

    def submit(self, path: str) -> None:
        if self._proc is None or not self._proc.is_alive():
            self._restart()
        try:
            self._conn.send(path)
        except (OSError, BrokenPipeError):
            self._restart()
            self._conn.send(path)
        if not self._pending:
            self._last_arrival = time.monotonic()
        self._pending.append((path, time.monotonic()))
        self._used = True

    def ready(self) -> bool:
        """Whether the next result is waiting (so reading it will not block)."""
        return not self._pending or not self._inbox.empty()

    def result(self) -> Parsed:
        """The next submitted file's passages, or ``IngestError`` for it."""
        assert self._pending, "submit() first"
        path, submitted = self._pending[0]
        started = max(submitted, self._last_arrival)
        # Allow for the child's own start-up on its first file.
        grace = 15 if self._cold else 0
        remaining = self.timeout_s + grace - (time.monotonic() - started)
        try:
            msg, arrived = self._inbox.get(timeout=max(remaining, 0.1))
        except queue.Empty:
            self._pending.popleft()
            self._restart()
            raise IngestError(path, f"parsing took longer than {self.timeout_s:.0f} s and was stopped; the "
                                    "file may be crafted or damaged (raise EVIDENCE_FILE_TIMEOUT_S if it is "
                                    "genuine and large)") from None
        self._pending.popleft()
        if msg is _CHILD_GONE:
            self._restart()
            # Some parsers (the tokenizer among them) abort the process rather than raise when
            # the memory cap is reached, so a crash may also mean the file needed too much memory.
            raise IngestError(path, "the parser crashed on this file; it may be damaged — re-export it — or "
                                    f"need more than the {self.config['memory_limit'] / (1 << 30):.1f} GB the "
                                    "parser may use (raise EVIDENCE_MAX_FILE_MB if it is genuine and large)")
        self._cold = False
        self._last_arrival = arrived
        if isinstance(msg, IngestError):
            raise msg
        return msg

    def close(self) -> None:
        if self._proc is not None and not self._used:
            # Started ahead of need and never given a file (nothing had changed): no reason to
            # wait for it to finish starting up.
            self._proc.kill()
            self._proc.join(2)
            self._proc = None
            return
        if self._proc is not None:
            try:
                self._conn.send(None)
                self._proc.join(2)
            except (OSError, BrokenPipeError):
                pass
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join(2)
            self._proc = None

    def __enter__(self) -> "ParseWorker":
        self._start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


_CHILD_GONE = object()

# Children still running when the parent exits are stopped (as multiprocessing does for daemons).
_LIVE: "weakref.WeakSet[_ChildProcess]" = weakref.WeakSet()


@atexit.register
def _stop_children() -> None:
    for proc in list(_LIVE):
        proc.kill()


class _ChildProcess:
    """The parse child: a fresh interpreter that imports only this module's ``_child_main``
    (nothing of the caller's ``__main__``), holding ``fd``, its end of the socket pair."""

    def __init__(self, fd: int):
        env = dict(os.environ)
        env.setdefault("OPENBLAS_NUM_THREADS", "1")
        # glibc reserves address space per thread for malloc arenas; a few arenas keep the
        # tokenizer's thread pool on a many-core machine well inside the memory cap.
        env.setdefault("MALLOC_ARENA_MAX", "4")
        flags = getattr(subprocess, "_args_from_interpreter_flags", lambda: [])()
        safe_path = ["-P"] if sys.version_info >= (3, 11) else []  # no script folder or cwd on sys.path yet
        self._popen = subprocess.Popen([sys.executable, *flags, *safe_path, "-c", _BOOT, str(fd)],
                                       stdin=subprocess.DEVNULL, pass_fds=(fd,), env=env, close_fds=True)
        self.pid = self._popen.pid
        _LIVE.add(self)

    def is_alive(self) -> bool:
        return self._popen.poll() is None

    def kill(self) -> None:
        if self._popen.poll() is None:
            try:
                self._popen.kill()
            except OSError:
                pass

    def join(self, timeout: float) -> None:
        try:
            self._popen.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        if self._popen.poll() is not None:
            _LIVE.discard(self)


# The child's first lines: adopt the parent's sys.path, then hand over to ``_child_main``.
_BOOT = ("import sys\n"
         "from multiprocessing.connection import Connection\n"
         "conn = Connection(int(sys.argv[1]))\n"
         "sys.path[:] = conn.recv()\n"
         f"from {__name__} import _child_main\n"
         "_child_main(conn)\n")


def _child_main(conn: Any) -> None:
    """In the child: cap its memory, then run the worker function the parent named."""
    module, name, config = conn.recv()
    _limit_memory(config.get("memory_limit"))
    target = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    target(conn, config)


def _limit_memory(limit: int | None) -> None:
    """Cap this process's address space at ``limit`` bytes (never raising a lower cap already set)."""
    if not limit:
        return
    try:
        import resource
    except ImportError:  # Windows: no rlimits; the time limit still applies
        return
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        new = limit if soft == resource.RLIM_INFINITY else min(soft, limit)
        if hard != resource.RLIM_INFINITY:
            new = min(new, hard)
        resource.setrlimit(resource.RLIMIT_AS, (new, hard))
    except (ValueError, OSError):  # a platform that does not enforce it (macOS): time limit only
        pass


def _receive(conn: Any, inbox: "queue.Queue[tuple[Any, float]]") -> None:
    """Move everything the child sends into ``inbox`` as it arrives, then say when it is gone."""
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            inbox.put((_CHILD_GONE, time.monotonic()))
            return
        inbox.put((msg, time.monotonic()))
