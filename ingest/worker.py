"""Parsing in a child process: a file that hangs or crashes its parser costs only that file.

The child loads, chunks and tokenises (for BM25) the next files while the parent embeds the
previous batch, so the model — the real cost of ingest — is kept busy.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import queue
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import IngestError
from assistant.types import Passage, SourceDocument


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
                 lexical_context: bool = False):
        self.config = {"tokenizer": str(tokenizer), "chunk_tokens": chunk_tokens, "chunk_overlap": chunk_overlap,
                       "max_bytes": max_bytes, "sources_toml": str(sources_toml) if sources_toml else None,
                       "max_pdf_pages": max_pdf_pages, "lexical_context": lexical_context}
        self.timeout_s = timeout_s
        self._ctx = mp.get_context("spawn")  # no fork: the parent holds torch threads and locks
        self._proc: Any = None
        self._conn: Any = None
        self._inbox: queue.Queue[tuple[Any, float]] = queue.Queue()
        self._pending: deque[tuple[str, float]] = deque()  # (path, submitted at), in the child's order
        self._last_arrival = 0.0  # when the result before the head of ``_pending`` arrived
        self._cold = False  # the child has not answered yet: allow for its start-up once
        self._used = False  # a file has been submitted

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(target=_worker_main, args=(child, self.config), daemon=True,
                                       name="evidence-parse")
        self._proc.start()
        child.close()
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
            raise IngestError(path, "the parser crashed on this file; it may be damaged — re-export it")
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


def _receive(conn: Any, inbox: "queue.Queue[tuple[Any, float]]") -> None:
    """Move everything the child sends into ``inbox`` as it arrives, then say when it is gone."""
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            inbox.put((_CHILD_GONE, time.monotonic()))
            return
        inbox.put((msg, time.monotonic()))
