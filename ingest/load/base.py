"""What every format loader returns, and the metadata rules they share."""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from evidence_assistant.core.errors import IngestError
from evidence_assistant.core.types import DOCUMENT_KINDS, Block

from . import ligatures

METADATA_FIELDS = ("title", "kind", "date", "publisher", "url", "licence")

# Words people use for a kind of document, mapped onto the product's kinds.
_KIND_ALIASES = {
    "committee report": "report",
    "special report": "report",
    "written evidence": "evidence",
    "oral evidence": "evidence",
    "government response": "response",
    "policy paper": "policy",
    "guidelines": "guidance",
    "strategy": "plan",
    "press release": "news",
    "article": "news",
    "standards": "standard",
}


# Control characters a document may carry (ESC sequences, BEL, NUL, C1 controls): they would
# reach terminals and exports raw — colouring or clearing a user's terminal, ringing its bell,
# and making Word refuse the exported file. Tab and newline stay; controls that act as
# whitespace (vertical tab, form feed, carriage return, the separators U+001C–U+001F, NEL,
# U+2028/U+2029) become a space so that the words either side stay apart; the rest are removed.
_SPACE_LIKE = "\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\u2028\u2029"
_CONTROL_TABLE: dict[int, str | None] = {
    c: (" " if chr(c) in _SPACE_LIKE else None)
    for c in [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029] if chr(c) not in "\t\n"
}
_HAS_CONTROL = re.compile("[" + "".join(re.escape(chr(c)) for c in _CONTROL_TABLE) + "]")


def strip_controls(text: str) -> str:
    """``text`` without control characters (see ``_CONTROL_TABLE``); tab and newline kept."""
    if not _HAS_CONTROL.search(text):
        return text
    return text.translate(_CONTROL_TABLE)


def _scrub(value: Any) -> Any:
    """``strip_controls`` through strings, lists, tuples and dicts; other values unchanged."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_scrub(v) for v in value)
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    return value


def _scrub_block(b: Block) -> Block:
    changes: dict[str, Any] = {}
    for name in ("text", "page", "paragraph"):
        value = getattr(b, name)
        if isinstance(value, str) and _HAS_CONTROL.search(value):
            changes[name] = strip_controls(value).strip()
    if any(_HAS_CONTROL.search(h) for h in b.heading_path):
        changes["heading_path"] = tuple(strip_controls(h).strip() for h in b.heading_path)
    return replace(b, **changes) if changes else b


@dataclass
class Loaded:
    """A loader's result: metadata read from the file itself, and its blocks in reading order.

    Control characters are removed here, once for every format, from block texts, page labels,
    paragraph numbers, heading paths, metadata and warnings (see ``strip_controls``): whatever a
    document holds, no passage, title or citation carries a raw escape sequence to a terminal,
    a browser or an exported Word file."""

    blocks: list[Block]
    metadata: dict[str, Any] = field(default_factory=dict)  # any of METADATA_FIELDS plus extras
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)  # e.g. "page 3: no text layer"

    def __post_init__(self) -> None:
        self.blocks = [_scrub_block(b) for b in self.blocks]
        # A document whose extraction lost its "ll"s throughout ("wil", "al ocated") gets them
        # back, in its text and its headings (ligatures.py); any other passes unchanged.
        if self.blocks and ligatures.shows_lost_ll(b.text for b in self.blocks):
            self.blocks = [replace(b, text=ligatures.repair(b.text),
                                   heading_path=tuple(ligatures.repair(h) for h in b.heading_path))
                           for b in self.blocks]
        self.metadata = _scrub(self.metadata)
        self.warnings = [strip_controls(w) for w in self.warnings]


def normalise_kind(value: Any) -> str | None:
    if value is None:
        return None
    v = str(value).strip().lower()
    if v in DOCUMENT_KINDS:
        return v
    if v in _KIND_ALIASES:
        return _KIND_ALIASES[v]
    if v.endswith("s") and v[:-1] in DOCUMENT_KINDS:
        return v[:-1]
    return None


_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august",
     "september", "october", "november", "december"], start=1)}


def normalise_date(value: Any) -> str | None:
    """ISO date (YYYY-MM-DD, or YYYY-MM / YYYY when that is all that is known), or None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    s = str(value).strip()
    m = re.match(r"^D?:?(\d{4})-?(\d{2})?-?(\d{2})?", s)  # ISO, or PDF 'D:20230217...'
    if m and (len(s) >= 4):
        y, mo, d = m.groups()
        if mo and d:
            return f"{y}-{mo}-{d}"
        if mo:
            return f"{y}-{mo}"
        if re.fullmatch(r"\d{4}", s):
            return y
    m = re.match(r"^(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})$", s)  # 17 February 2023
    if m and m.group(2).lower() in _MONTHS:
        return f"{m.group(3)}-{_MONTHS[m.group(2).lower()]:02d}-{int(m.group(1)):02d}"
    m = re.match(r"^([A-Za-z]+)\s+(\d{4})$", s)  # February 2023
    if m and m.group(1).lower() in _MONTHS:
        return f"{m.group(2)}-{_MONTHS[m.group(1).lower()]:02d}"
    return None


def clean_metadata(raw: dict[str, Any]) -> dict[str, Any]:
    """Keep known fields with usable values; normalise kind and date."""
    out: dict[str, Any] = {}
    for key in METADATA_FIELDS:
        value = raw.get(key)
        if key == "licence" and value is None:
            value = raw.get("license")
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if key == "kind":
            value = normalise_kind(value)
        elif key == "date":
            value = normalise_date(value)
        else:
            value = strip_controls(str(value)).strip()
        if value:
            out[key] = value
    return out


def read_sources_toml(toml_path: Path) -> dict[str, dict[str, Any]]:
    """Entries of a sources.toml keyed by the resolved path of their ``file``.

    The file holds ``[[documents]]`` tables; each may name ``file`` (relative to the toml's
    folder) and any of the metadata fields. Entries without ``file`` describe documents that
    are only fetched, and are ignored here.
    """
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise IngestError(str(toml_path), f"cannot read metadata file: {exc}. Fix the TOML syntax.") from exc
    out: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(data.get("documents", [])):
        if not isinstance(entry, dict):
            raise IngestError(str(toml_path), f"documents[{i}] is not a table")
        f = entry.get("file")
        if f:
            out[str((toml_path.parent / f).resolve())] = entry
    return out


def sources_metadata_for(path: Path, extra_toml: Path | None = None) -> dict[str, Any]:
    """Metadata for ``path`` from the nearest sources.toml files (its folder and parents),
    then ``extra_toml``. Nearer files win."""
    resolved = path.resolve()
    merged: dict[str, Any] = {}
    # A file reached through a link is described by the sources.toml beside the link (its own
    # folder and parents) as well as by the one beside the file it points to; the link's win.
    given = Path(os.path.abspath(path))
    candidates = [p / "sources.toml" for p in given.parents[:4]]
    candidates += [c for c in (p / "sources.toml" for p in resolved.parents[:4]) if c not in candidates]
    if extra_toml is not None:
        candidates.append(Path(extra_toml))
    for toml_path in reversed(candidates):  # farthest first, nearest last wins
        if toml_path.is_file():
            entry = read_sources_toml(toml_path).get(str(resolved))
            if entry:
                merged.update(clean_metadata(entry))
    return merged


def title_from_filename(path: Path) -> str:
    stem = re.sub(r"[_\-]+", " ", strip_controls(path.stem)).strip()
    return stem[:1].upper() + stem[1:] if stem else path.name
