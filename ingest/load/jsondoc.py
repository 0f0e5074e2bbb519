"""JSON loader for structured standards documents, such as PRSB information-standard exports
(a data set of nested concepts, each with a name, a description, value sets and
implementation guidance).

The structure is walked depth first, in file order. An object with a name or title is a
heading; its level is its depth among named objects (the top one is level 1), capped at 6.
String values of descriptive keys — any key containing description, definition, guidance,
note, text, content, summary, value, comment, purpose, rationale, example, scope or
explanation, e.g. "implementationGuidance" (and PRSB's misspelt "implamentationGuidance"),
"valueSets", "#text" — become paragraph blocks under the nearest heading when they hold more
than 20 characters of text. Values that hold HTML (PRSB wraps descriptions in <p>/<div>) are
reduced to text, one block per HTML paragraph or list item. Other values (codes, cardinality,
types) are structure, not prose, and are skipped.

Title: the top-level object's name/title, else that of the first named object within two
levels (PRSB: dataset[0].name). A top-level "version" is kept as an extra.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from evidence_assistant.core.errors import IngestError
from evidence_assistant.core.types import Block

from .base import Loaded
from .text import HeadingStack, clean, decode_text

_NAME_KEYS = ("name", "title", "displayName", "label")
_DESCRIPTIVE = re.compile(r"description|definition|guidance|note|text|content|summary|value|comment|purpose|"
                          r"rationale|example|scope|explanation", re.IGNORECASE)
_MIN_CHARS = 20
_MAX_LEVEL = 6
# Block-level HTML tags split a value into paragraphs; every other tag is dropped.
_HTML_BREAK = re.compile(r"<\s*/?\s*(?:p|div|li|br|tr|h[1-6]|ul|ol|table|blockquote)\b[^>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]+>")
_LOOKS_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")


def _paragraphs(value: str) -> list[str]:
    if _LOOKS_HTML.search(value):
        parts = _HTML_BREAK.split(value)
        texts = [clean(html.unescape(_HTML_TAG.sub("", p))) for p in parts]
    else:
        texts = [clean(p) for p in re.split(r"\n\s*\n", value)]
    return [t for t in texts if t]


def _name_of(obj: dict[str, Any]) -> str | None:
    for key in _NAME_KEYS:
        value = obj.get(key)
        if isinstance(value, str) and clean(value):
            return clean(html.unescape(_HTML_TAG.sub("", value)))
    return None


class _Walker:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.stack = HeadingStack()

    def text(self, value: str) -> None:
        if len(value.strip()) <= _MIN_CHARS:
            return
        paragraphs = _paragraphs(value)
        if sum(len(p) for p in paragraphs) <= _MIN_CHARS:
            return  # e.g. "<p>Free text.</p>" with whitespace padding
        for p in paragraphs:
            self.blocks.append(Block(p, "paragraph", None, None, None, self.stack.path()))

    def walk(self, node: Any, level: int) -> None:
        """``level``: the heading level of the nearest named ancestor (0 at the top)."""
        if isinstance(node, list):
            for item in node:
                self.walk(item, level)
            return
        if not isinstance(node, dict):
            return
        name = _name_of(node)
        if name:
            level += 1
            lvl = min(level, _MAX_LEVEL)
            parents = self.stack.push(lvl, name)
            self.blocks.append(Block(name, "heading", None, None, None, parents, lvl))
        for key, value in node.items():
            if isinstance(value, str):
                if _DESCRIPTIVE.search(key):
                    self.text(value)
            elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                if _DESCRIPTIVE.search(key):
                    for v in value:
                        self.text(v)
            elif isinstance(value, (dict, list)):
                # Text that follows a nested object belongs to this object again, not to the last
                # child: restore the heading path afterwards (exactly, even past the level cap).
                saved = list(self.stack.items)
                self.walk(value, level)
                self.stack.items = saved


def _title(data: Any) -> str | None:
    if isinstance(data, dict):
        name = _name_of(data)
        if name:
            return name
        for value in data.values():
            items = value if isinstance(value, list) else [value]
            for item in items[:1]:
                if isinstance(item, dict) and _name_of(item):
                    return _name_of(item)
    elif isinstance(data, list) and data and isinstance(data[0], dict):
        return _name_of(data[0])
    return None


def load(path: Path, data: bytes) -> Loaded:
    text, _ = decode_text(path, data)
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(str(path), f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}; fix the "
                          "file or re-export it") from exc
    except RecursionError as exc:
        raise IngestError(str(path), "JSON is nested too deeply to read; flatten or re-export it") from exc
    walker = _Walker()
    try:
        walker.walk(parsed, 0)
    except RecursionError as exc:
        raise IngestError(str(path), "JSON is nested too deeply to read; flatten or re-export it") from exc
    metadata: dict[str, Any] = {}
    title = _title(parsed)
    if title:
        metadata["title"] = title
    if isinstance(parsed, dict):
        for key in ("kind", "type", "date", "publisher", "url", "licence", "license", "version", "description"):
            value = parsed.get(key)
            if isinstance(value, (str, int, float)) and str(value).strip():
                metadata.setdefault("kind" if key == "type" else key, str(value).strip())
        dataset = next((v[0] for v in parsed.values() if isinstance(v, list) and v and isinstance(v[0], dict)), None)
        if dataset is not None and isinstance(dataset.get("version"), (str, int, float)):
            metadata.setdefault("version", str(dataset["version"]))
    return Loaded(blocks=walker.blocks, metadata=metadata)
