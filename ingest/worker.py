"""Parsing in a child process: a file that hangs or crashes its parser costs only that file.

The child loads, chunks and tokenises (for BM25) while the parent embeds the previous batch,
so the model — the real cost of ingest — is kept busy.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import time
import traceback
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
        self._pending: tuple[str, float] | None = None
        self._cold = False  # the child has not answered yet: allow for its start-up once

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(target=_worker_main, args=(child, self.config), daemon=True,
                                       name="evidence-parse")
        self._proc.start()
        child.close()
        self._conn = parent
        self._cold = True

    def _restart(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(5)
        self._proc = None
        self._start()

    def submit(self, path: str) -> None:
        if self._proc is None or not self._proc.is_alive():
            self._restart()
        self._conn.send(path)
        self._pending = (path, time.monotonic())

    def ready(self) -> bool:
        """Whether the submitted file's result is waiting (so reading it will not block)."""
        try:
            return self._pending is None or self._conn.poll(0)
        except (OSError, EOFError):
            return True

    def result(self) -> Parsed:
        """The submitted file's passages, or ``IngestError`` for it."""
        assert self._pending is not None, "submit() first"
        path, started = self._pending
        self._pending = None
        # Allow for the child's own start-up on its first file.
        grace = 15 if self._cold else 0
        self._cold = False
        remaining = self.timeout_s + grace - (time.monotonic() - started)
        try:
            ready = self._conn.poll(max(remaining, 0.1))
            if not ready:
                self._restart()
                raise IngestError(path, f"parsing took longer than {self.timeout_s:.0f} s and was stopped; the "
                                        "file may be crafted or damaged (raise EVIDENCE_FILE_TIMEOUT_S if it is "
                                        "genuine and large)")
            msg = self._conn.recv()
        except (EOFError, ConnectionError, OSError):
            self._restart()
            raise IngestError(path, "the parser crashed on this file; it may be damaged — re-export it") from None
        if isinstance(msg, IngestError):
            raise msg
        return msg

    def close(self) -> None:
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
