"""Text for scanned PDF pages, read by Tesseract OCR.

Committee evidence often arrives as a scanned letter: pages that are pictures of text, with no
text layer for the PDF loader to read. When OCR is on, each such page is drawn as a greyscale
image by Poppler's ``pdftoppm`` and read by the ``tesseract`` program (Debian packages
``poppler-utils``, ``tesseract-ocr`` and ``tesseract-ocr-eng``; ``make ocr`` installs them).

The setting (``EVIDENCE_OCR``):

- ``auto`` (the default): pages without a text layer are read by OCR when Tesseract is
  installed; without it they are skipped with a warning that says how to enable OCR.
- ``on``: as ``auto``, but when Tesseract is missing a PDF with any page to OCR is refused with
  an error, so that no scanned page is left out quietly.
- ``off``: pages without a text layer are skipped.

OCR never touches a page that has a text layer, so a document that was readable before reads
the same. Every page read by OCR keeps its page label, and every block from it carries
``MARK`` as the last entry of its heading path, so the passage shows "Scanned page: text read
by OCR" beside its page in the chat's sources and readers know its words may hold OCR errors.

Time: each page has its own limit (``EVIDENCE_OCR_PAGE_TIMEOUT_S``), and OCR stops taking new
pages once it has used 60% of the file's parsing limit (``EVIDENCE_FILE_TIMEOUT_S``), so a long
scan yields the pages read so far instead of being stopped as a whole. A page whose OCR fails,
times out or finds no legible words is skipped, and the reason is kept in the file's warnings.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from evidence_assistant.core.errors import IngestError
from evidence_assistant.core.types import Block

MODES = ("auto", "on", "off")
MARK = "Scanned page: text read by OCR"

# Set by the ingest worker from settings.index.ocr / settings.index.ocr_page_timeout_s; when left at None
# the same settings are read from the environment (EVIDENCE_OCR, EVIDENCE_OCR_PAGE_TIMEOUT_S).
MODE: str | None = None
PAGE_TIMEOUT_S: float | None = None
FILE_TIMEOUT_S: float | None = None

DEFAULT_MODE = "auto"
DEFAULT_PAGE_TIMEOUT_S = 60.0
_FILE_SHARE = 0.6  # of the file's parsing limit that OCR may use
_DPI = 300  # Tesseract reads best at about 300 dots per inch
_MAX_SIDE_PX = 4200  # a very large page is drawn smaller rather than as a huge image
_MIN_CONFIDENCE = 40.0  # mean word confidence (0-100) below which the words are taken for noise
_LANG = "eng"

ENABLE_HINT = ("to read scanned pages, install Tesseract (Debian: apt-get install tesseract-ocr "
               "tesseract-ocr-eng poppler-utils, or `make ocr`) and set EVIDENCE_OCR=auto or on")


def mode() -> str:
    value = (MODE if MODE is not None else os.environ.get("EVIDENCE_OCR", DEFAULT_MODE)).strip().lower()
    if value not in MODES:
        raise IngestError("EVIDENCE_OCR", f"unknown OCR setting {value!r}; use one of {', '.join(MODES)}")
    return value


def _float_setting(value: float | None, env: str, default: float) -> float:
    if value is not None:
        return float(value)
    raw = os.environ.get(env)
    try:
        return float(raw) if raw else default
    except ValueError:
        raise IngestError(env, f"{raw!r} is not a number of seconds; set it to e.g. {default:g}") from None


def missing_tools() -> list[str]:
    """The programs OCR needs that are not installed (empty when OCR can run)."""
    return [p for p in ("tesseract", "pdftoppm") if shutil.which(p) is None]


class ScannedPages:
    """OCR for the pages of one PDF that have no text layer. Nothing runs until ``read`` is
    called for such a page; the PDF is written to a temporary folder once, for ``pdftoppm``."""

    def __init__(self, path: Path, data: bytes, reader: Any = None):
        self.path = path
        self.data = data
        self.reader = reader
        self.mode = mode()
        self.missing = missing_tools() if self.mode != "off" else []
        self.page_timeout = _float_setting(PAGE_TIMEOUT_S, "EVIDENCE_OCR_PAGE_TIMEOUT_S", DEFAULT_PAGE_TIMEOUT_S)
        self.budget = _FILE_SHARE * _float_setting(FILE_TIMEOUT_S, "EVIDENCE_FILE_TIMEOUT_S", 120.0)
        self.spent = 0.0
        self.read_pages: set[int] = set()  # 0-based physical pages whose text came from OCR
        self.seconds: dict[int, float] = {}
        self.failed: dict[int, str] = {}  # page -> why OCR gave no text
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def enabled(self) -> bool:
        return self.mode != "off" and not self.missing

    def read(self, i: int, where: str, warnings: list[str]) -> str:
        """The OCR text of physical page ``i`` (0-based), or "" with the reason added to
        ``warnings`` (``where`` names the page as a reader would)."""
        if self.mode == "on" and self.missing:
            raise IngestError(str(self.path), f"{where} has no text layer and EVIDENCE_OCR=on, but OCR needs "
                              f"{' and '.join(self.missing)}, which is not installed; {ENABLE_HINT.split(', and set')[0]}"
                              ", or set EVIDENCE_OCR=auto to index the other pages")
        if not self.enabled:
            why = ("OCR is off (EVIDENCE_OCR=off)" if self.mode == "off"
                   else f"OCR needs {' and '.join(self.missing)}, which is not installed")
            warnings.append(f"{where}: no text layer; page skipped: {why}; {ENABLE_HINT}")
            return ""
        left = self.budget - self.spent
        if left <= 1.0:
            reason = (f"OCR stopped after {self.spent:.0f} s, most of the file's time limit; raise "
                      "EVIDENCE_FILE_TIMEOUT_S to read the rest")
            self.failed[i] = reason
            warnings.append(f"{where}: no text layer; page skipped: {reason}")
            return ""
        started = time.monotonic()
        try:
            text, reason = self._ocr(i, min(self.page_timeout, left))
        finally:
            self.spent += time.monotonic() - started
        took = time.monotonic() - started
        if text:
            self.read_pages.add(i)
            self.seconds[i] = took
            warnings.append(f"{where}: no text layer; text read by OCR in {took:.1f} s (check quotes "
                            "against the page image)")
            return text
        self.failed[i] = reason
        warnings.append(f"{where}: no text layer; page skipped: {reason}")
        return ""

    def no_text_error(self, n: int) -> IngestError:
        """The error for a PDF where no page gave any text, saying why and what to do."""
        pages = f"{n} page{'s' if n != 1 else ''}"
        self.close()
        if self.mode == "off":
            why = f"OCR is off (EVIDENCE_OCR=off); {ENABLE_HINT}"
        elif self.missing:
            why = f"OCR needs {' and '.join(self.missing)}, which is not installed; {ENABLE_HINT}"
        else:
            reasons = sorted(set(self.failed.values()))
            why = "OCR found no text either (" + "; ".join(reasons)[:300] + "); if the pages do hold text, " \
                  "run OCR yourself (e.g. ocrmypdf) and ingest the result"
        return IngestError(str(self.path), f"no text layer on any of the {pages} — scanned? {why}")

    def mark(self, blocks: list[Block]) -> list[Block]:
        """``blocks`` with ``MARK`` ending the heading path of each block from an OCR page."""
        if not self.read_pages:
            self.close()
            return blocks
        from dataclasses import replace

        self.close()
        return [replace(b, heading_path=(*b.heading_path, MARK)) if b.page_index in self.read_pages else b
                for b in blocks]

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # --- the two programs ------------------------------------------------------------------

    def _folder(self) -> Path:
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="evidence-ocr-")
            (Path(self._tmp.name) / "in.pdf").write_bytes(self.data)
        return Path(self._tmp.name)

    def _dpi(self, i: int) -> int:
        try:
            box = self.reader.pages[i].mediabox
            longest_pt = max(float(box.width), float(box.height))
        except Exception:  # no reader or a damaged box: draw at the usual resolution
            return _DPI
        if longest_pt <= 0:
            return _DPI
        return max(36, min(_DPI, int(_MAX_SIDE_PX * 72 / longest_pt)))

    def _ocr(self, i: int, timeout: float) -> tuple[str, str]:
        folder = self._folder()
        image_root = folder / f"page-{i + 1}"
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one core per page: ingest shares the machine
        deadline = time.monotonic() + timeout
        try:
            subprocess.run(["pdftoppm", "-f", str(i + 1), "-l", str(i + 1), "-r", str(self._dpi(i)), "-gray",
                            "-png", "-singlefile", str(folder / "in.pdf"), str(image_root)],
                           capture_output=True, timeout=timeout, check=True, env=env)
            image = image_root.with_suffix(".png")
            left = deadline - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired("pdftoppm", timeout)
            done = subprocess.run(["tesseract", str(image), "-", "-l", _LANG, "tsv"], capture_output=True,
                                  timeout=left, check=True, env=env)
        except subprocess.TimeoutExpired:
            return "", f"OCR took longer than {timeout:.0f} s (raise EVIDENCE_OCR_PAGE_TIMEOUT_S)"
        except subprocess.CalledProcessError as exc:
            detail = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
            tool = Path(str(exc.cmd[0])).name
            return "", f"OCR failed ({tool} exited with {exc.returncode}: {(detail[-1] if detail else '')[:160]})"
        except OSError as exc:
            return "", f"OCR could not start ({type(exc).__name__}: {exc})"
        finally:
            for leftover in folder.glob("page-*"):
                leftover.unlink(missing_ok=True)
        return _text_from_tsv(done.stdout.decode("utf-8", "replace"))


def _text_from_tsv(tsv: str) -> tuple[str, str]:
    """Lines of text from Tesseract's TSV output (a blank line between paragraphs), or "" and
    why when there are no legible words."""
    lines: dict[tuple[int, int, int, int], list[str]] = {}
    confidences: list[float] = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":  # level 5 rows are words
            continue
        word = cols[11].strip()
        try:
            conf = float(cols[10])
        except ValueError:
            continue
        if not word or conf < 0:
            continue
        confidences.append(conf)
        key = (int(cols[1]), int(cols[2]), int(cols[3]), int(cols[4]))  # page, block, paragraph, line
        lines.setdefault(key, []).append(word)
    letters = sum(ch.isalpha() for words in lines.values() for w in words for ch in w)
    if not confidences or letters < 3:
        return "", "OCR found no words on the page (a picture, or a blank page)"
    mean = sum(confidences) / len(confidences)
    if mean < _MIN_CONFIDENCE:
        return "", f"OCR found no legible text (mean word confidence {mean:.0f} of 100)"
    out: list[str] = []
    last_par: tuple[int, int, int] | None = None
    for key in sorted(lines):
        if last_par is not None and key[:3] != last_par:
            out.append("")
        out.append(" ".join(lines[key]))
        last_par = key[:3]
    return "\n".join(out), ""
