"""Files added in the chat: checked, copied into the upload folder, then indexed.

A browser supplies the file name, so it is untrusted: only a safe base name is used (never a
folder part, never a leading dot), and every refusal says why. Accepted files are copied into
``upload_dir`` before indexing so that the index points at a file the app owns, not at a
temporary copy that Gradio deletes later. Kind and date chosen in the form are written to a
``sources.toml`` in that folder, which the loaders read as they do for the sample corpus.
"""
from __future__ import annotations

import filecmp
import json
import re
import shutil
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Sequence

from evidence_assistant.core.types import DOCUMENT_KINDS
from evidence_assistant.surfaces.reading import SUPPORTED_EXTENSIONS

Message = tuple[str, str]  # (ok | warn | error, text)
METADATA_FILE = "sources.toml"
_UNSAFE = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')
_SEPARATORS = re.compile(r"[\\/]")


@dataclass
class Accepted:
    source: Path  # where the upload arrived (Gradio's temporary copy)
    name: str  # the name given by the browser
    dest: Path  # its copy in the upload folder


def safe_name(raw: str) -> tuple[str, str | None]:
    """A file name safe to create in the upload folder, and a note when it differs from ``raw``."""
    last = _UNSAFE.sub("_", "".join(ch for ch in _SEPARATORS.split(raw)[-1] if ch.isprintable())).strip()
    m = re.search(r"\.[A-Za-z0-9]{1,10}$", last)
    suffix = m.group(0) if m else ""
    # No leading dots (hidden files, "..") and a stem of reasonable length: file systems allow
    # 255 bytes, and the extension must survive.
    stem = last[: len(last) - len(suffix)].strip().lstrip(".").strip()[:140] or "upload"
    cleaned = stem + suffix
    if _SEPARATORS.search(raw) or re.match(r"^[A-Za-z]:", raw):
        return cleaned, f"the name {raw!r} contained folder separators; only the file name {cleaned!r} is used"
    if cleaned != raw:
        return cleaned, f"{raw!r} was saved as {cleaned!r} (characters not allowed in a file name were replaced)"
    return cleaned, None


def check_date(value: str | None) -> str | None:
    """'' → None; YYYY, YYYY-MM or YYYY-MM-DD → itself; anything else → ValueError with the fix."""
    v = (value or "").strip()
    if not v:
        return None
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", v)
    try:
        if not m:
            raise ValueError
        date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
    except ValueError:
        raise ValueError(f"the date {value!r} is not a date like 2025-03-14 (or 2025-03, 2025)") from None
    return v


def _free_dest(folder: Path, name: str, source: Path) -> Path:
    """``folder/name``, or ``name-2``, ``name-3``... when a different file already has that name.
    The same bytes under the same name reuse the existing copy (ingest then finds it unchanged)."""
    stem, suffix = Path(name).stem, Path(name).suffix
    for i in range(1, 1000):
        dest = folder / (name if i == 1 else f"{stem}-{i}{suffix}")
        if not dest.exists() or filecmp.cmp(dest, source, shallow=False):
            return dest
    raise OSError(f"too many files named {name!r} in {folder}")


def accept_uploads(files: Sequence[tuple[str | Path, str]], upload_dir: Path, max_mb: float,
                   ) -> tuple[list[Accepted], list[Message]]:
    """Check each (path, name) and copy the acceptable ones into ``upload_dir``."""
    accepted: list[Accepted] = []
    messages: list[Message] = []
    upload_dir.mkdir(parents=True, exist_ok=True)
    supported = ", ".join(SUPPORTED_EXTENSIONS)
    for src, raw_name in files:
        src = Path(src)
        name, note = safe_name(str(raw_name))
        if note:
            messages.append(("warn", note))
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED_EXTENSIONS:
            messages.append(("error", f"{name}: unsupported file type '{suffix or '(none)'}'; supported: {supported}. "
                                      "Not added."))
            continue
        try:
            size = src.stat().st_size
        except OSError as exc:
            messages.append(("error", f"{name}: the upload could not be read ({exc.strerror or exc}). Not added."))
            continue
        if size > max_mb * 1e6:
            messages.append(("error", f"{name}: the file is {size / 1e6:.1f} MB, over the {max_mb:g} MB upload limit "
                                      "(EVIDENCE_MAX_UPLOAD_MB raises it). Not added."))
            continue
        if size == 0:
            messages.append(("error", f"{name}: the file is empty. Not added."))
            continue
        try:
            dest = _free_dest(upload_dir, name, src)
            if not dest.exists():
                shutil.copyfile(src, dest)
        except OSError as exc:
            messages.append(("error", f"{name}: could not be saved in the upload folder ({exc}). Not added."))
            continue
        if dest.name != name:
            messages.append(("warn", f"{name}: a different file already has that name; saved as {dest.name}"))
        accepted.append(Accepted(src, name, dest.resolve()))
    return accepted, messages


# --- metadata for uploaded files ------------------------------------------------------------

def _read_entries(toml_path: Path) -> list[dict[str, Any]]:
    if not toml_path.is_file():
        return []
    return list(tomllib.loads(toml_path.read_text(encoding="utf-8")).get("documents", []))


def _write_entries(toml_path: Path, entries: list[dict[str, Any]]) -> None:
    lines = ["# Kind and date of files added in the chat; the loaders read this beside the files.", ""]
    for e in entries:
        lines.append("[[documents]]")
        # A JSON string is a valid TOML basic string; names and values are checked before this.
        lines += [f"{k} = {json.dumps(str(v), ensure_ascii=False)}" for k, v in e.items() if v not in (None, "")]
        lines.append("")
    tmp = toml_path.with_suffix(".toml.tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    tmp.replace(toml_path)


def set_metadata(upload_dir: Path, file_names: Sequence[str], *, kind: str | None, date_: str | None) -> None:
    """Record (or clear, when both are None) kind and date for files in ``upload_dir``."""
    if kind is not None and kind not in DOCUMENT_KINDS:
        raise ValueError(f"unknown kind {kind!r}; kinds are: {', '.join(DOCUMENT_KINDS)}")
    toml_path = upload_dir / METADATA_FILE
    names = set(file_names)
    entries = [e for e in _read_entries(toml_path) if e.get("file") not in names]
    if kind or date_:
        entries += [{"file": n, "kind": kind, "date": date_} for n in sorted(names)]
    if entries or toml_path.exists():
        _write_entries(toml_path, entries)


def forget(upload_dir: Path, path: Path) -> bool:
    """Delete a removed document's copy and its metadata, if the app owns it (it is in
    ``upload_dir``); True when it did."""
    try:
        path = path.resolve()
        path.relative_to(upload_dir.resolve())
    except (OSError, ValueError):
        return False
    path.unlink(missing_ok=True)
    set_metadata(upload_dir, [path.name], kind=None, date_=None)
    return True
