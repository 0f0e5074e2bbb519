"""Word .docx loader (python-docx for the package and core properties; the body XML is
walked directly so that paragraphs and tables stay in reading order).

Headings: the styles "Title" (level 1) and "Heading 1".."Heading 9" (also through a custom
style based on them), or an explicit outline level on the paragraph or its style. Other
paragraphs become paragraph blocks. A table becomes one block per body row that carries its
column headers and caption (``tables.table_rows``): header rows are those marked to repeat
(w:tblHeader), else a bold first row, else guessed; the caption is a "Table N ..." paragraph just
before the table or, failing that, just after it; a cell spanning columns sits under its first
column and a vertically merged cell is repeated in every row it covers. A table of one column (a
box around text) reads one block per row as it stands. Content controls (w:sdt) are read through; text boxes,
headers, footers, footnotes and comments are not read.

Paragraph numbers: text that starts with "12." / "12 The" gives paragraph "12". Otherwise
Word's automatic numbering is computed, best effort: the paragraph's numPr (or its style's)
gives numId and level; counters are kept per abstract numbering definition (Word continues a
list across w:num instances of the same definition unless one has a startOverride, which
restarts it the first time that instance is used); a level's counter starts at its w:start
and resets when a shallower level advances; the level's lvlText ("%1.%2.") is filled in. Only
decimal numbers are used as paragraph numbers ("12", "3.4"); bullets, letters and roman
numerals ("(a)", "iv") give none. A list paragraph's text is written after the mark Word shows
for it, as its reader sees it ("3. Clinical Safety Assurance", "b. GP2GP …", "• Fund …"),
though Word does not store the mark in the text: that is how a list's items are known as items
and kept with the line introducing them.

Size: before anything is parsed the package's directory is read, and a package that would
unpack to more than ``MAX_UNPACKED_BYTES`` in all, or to more than ``MAX_XML_BYTES`` of XML
parts, or that holds an XML part over ``BOMB_MIN_BYTES`` packed more than ``MAX_RATIO`` times
(a "zip bomb": a few hundred kilobytes that expand to gigabytes of empty paragraphs) is refused
with the sizes found. Real reports stay far below: a 700-page report's document.xml is tens of
megabytes and packs about ten to one; images are stored packed already.

Metadata (core properties): title; author → publisher (and kept as "author"); category → kind;
identifier → url; subject; keywords. ``created`` is when the file was made, not a publication
date, and is not used. Convention for the rest: lines of the form "key: value" in the
Comments or Content Status property set any of date, licence, kind, publisher, url, title —
e.g. Comments = "date: 2024-03-05\nlicence: Open Government Licence v3.0".
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

from evidence_assistant.core.errors import IngestError
from evidence_assistant.core.types import Block

from .base import METADATA_FIELDS, Loaded
from .tables import is_caption, is_layout, table_rows
from .text import MARKED_ITEM, HeadingStack, clean, paragraph_number

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = {"w": W}
_P, _TBL, _SDT, _TR, _TC = (f"{{{W}}}{t}" for t in ("p", "tbl", "sdt", "tr", "tc"))
_RUN_TEXT = (".//w:r[not(ancestor::w:txbxContent or ancestor::w:del or ancestor::w:moveFrom)]"
             "/*[self::w:t or self::w:tab or self::w:br or self::w:cr or self::w:noBreakHyphen]")
_HEADING_STYLE = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)


def _xpath(el: Any, path: str) -> list:
    # python-docx's own xpath() does not take a namespaces argument; lxml's does.
    return etree._Element.xpath(el, path, namespaces=_NS)


def _val(el: Any, path: str) -> str | None:
    found = _xpath(el, path)
    return str(found[0]) if found else None


def _paragraph_text(p: Any) -> str:
    parts: list[str] = []
    for node in _xpath(p, _RUN_TEXT):
        tag = etree.QName(node).localname
        if tag == "t":
            parts.append(node.text or "")
        elif tag == "noBreakHyphen":
            parts.append("-")
        else:  # tab, line break, carriage return
            parts.append(" ")
    return clean("".join(parts))


def _to_letters(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(97 + r) + s
    return s


def _to_roman(n: int) -> str:
    out = ""
    for value, sym in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                       (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out += sym
            n -= value
    return out


class _Numbering:
    """Word list numbering, counted in document order (see the module docstring)."""

    def __init__(self, numbering_el: Any | None) -> None:
        self.el = numbering_el
        self.counters: dict[str, dict[int, int]] = {}
        self.seen_nums: set[str] = set()

    def _levels(self, abstract_id: str) -> dict[int, tuple[int, str, str]]:
        out: dict[int, tuple[int, str, str]] = {}
        for lvl in _xpath(self.el, f"./w:abstractNum[@w:abstractNumId='{abstract_id}']/w:lvl"):
            ilvl = int(lvl.get(f"{{{W}}}ilvl", "0"))
            start = int(_val(lvl, "./w:start/@w:val") or 1)
            out[ilvl] = (start, _val(lvl, "./w:numFmt/@w:val") or "decimal", _val(lvl, "./w:lvlText/@w:val") or "")
        return out

    def mark(self, num_id: str, ilvl: int) -> str | None:
        """What Word shows before this list paragraph: its number as set out ("3", "2.1", "b",
        "iv"), "•" for a bullet, or None outside a list. Counting moves on with each call."""
        if self.el is None or num_id in ("", "0"):
            return None
        num = _xpath(self.el, f"./w:num[@w:numId='{num_id}']")
        if not num:
            return None
        abstract_id = _val(num[0], "./w:abstractNumId/@w:val")
        if abstract_id is None:
            return None
        levels = self._levels(abstract_id)
        if ilvl not in levels:
            return None
        counters = self.counters.setdefault(abstract_id, {})
        if num_id not in self.seen_nums:
            self.seen_nums.add(num_id)
            for override in _xpath(num[0], "./w:lvlOverride[w:startOverride]"):
                level = int(override.get(f"{{{W}}}ilvl", "0"))
                counters[level] = int(_val(override, "./w:startOverride/@w:val") or 1) - 1
                for deeper in [k for k in counters if k > level]:
                    del counters[deeper]
        start = levels[ilvl][0]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        fmt, text = levels[ilvl][1], levels[ilvl][2]
        if fmt == "bullet":
            return "•"
        if fmt == "none":
            return None

        def fill(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            value = counters.get(k, levels.get(k, (1, "", ""))[0])
            kfmt = levels.get(k, (1, "decimal", ""))[1]
            if kfmt in ("lowerLetter", "upperLetter"):
                return _to_letters(value)
            if kfmt in ("lowerRoman", "upperRoman"):
                return _to_roman(value)
            return f"{value:02d}" if kfmt == "decimalZero" else str(value)

        rendered = re.sub(r"%([1-9])", fill, text).strip().strip(".)(").strip()
        return rendered or None


class _Styles:
    """Heading level and list numbering of paragraph styles, following based-on chains."""

    def __init__(self, doc: Any) -> None:
        self.by_id: dict[str, Any] = {}
        try:
            for el in _xpath(doc.styles.element, "./w:style[@w:type='paragraph']"):
                self.by_id[el.get(f"{{{W}}}styleId", "")] = el
        except Exception:  # a package without styles.xml still has text worth reading
            pass

    def _chain(self, style_id: str | None):
        seen: set[str] = set()
        while style_id and style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            el = self.by_id[style_id]
            yield style_id, el
            style_id = _val(el, "./w:basedOn/@w:val")

    def heading_level(self, style_id: str | None) -> int:
        for sid, el in self._chain(style_id):
            name = _val(el, "./w:name/@w:val") or sid
            if name.lower() == "title" or sid.lower() == "title":
                return 1
            m = _HEADING_STYLE.match(name) or _HEADING_STYLE.match(sid)
            if m:
                return int(m.group(1))
            outline = _val(el, "./w:pPr/w:outlineLvl/@w:val")
            if outline is not None and outline.isdigit() and int(outline) < 9:
                return int(outline) + 1
        return 0

    def num_pr(self, style_id: str | None) -> tuple[str, int] | None:
        for _, el in self._chain(style_id):
            num_id = _val(el, "./w:pPr/w:numPr/w:numId/@w:val")
            if num_id is not None:
                return num_id, int(_val(el, "./w:pPr/w:numPr/w:ilvl/@w:val") or 0)
        return None


MAX_UNPACKED_BYTES = 1_000_000_000  # the whole package, unpacked (python-docx reads every part)
MAX_XML_BYTES = 200_000_000  # its XML parts, unpacked: what gets parsed into a tree
MAX_RATIO = 100  # unpacked / packed, for an XML part ...
BOMB_MIN_BYTES = 20_000_000  # ... over this size unpacked


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 1e6 else f"{n / 1e3:,.0f} KB"


def check_unpacked_size(path: Path, data: bytes) -> None:
    """Refuse a package that would unpack to far more than any real document (see the module
    docstring), reading only the zip's directory; a damaged zip is left to ``_open`` to report."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return
    total = sum(i.file_size for i in infos)
    xml = [i for i in infos if i.filename.lower().endswith((".xml", ".rels"))]
    xml_total = sum(i.file_size for i in xml)
    fix = ("it may be a crafted 'zip bomb'; if it is a genuine document, open it in Word or LibreOffice, "
           "remove empty pages and save it again, or split it into smaller files")
    for i in sorted(xml, key=lambda i: i.file_size, reverse=True):
        if i.file_size > BOMB_MIN_BYTES and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise IngestError(str(path), f"refused before parsing: its part {i.filename} unpacks to "
                              f"{_mb(i.file_size)} from {_mb(i.compress_size)} ({i.file_size // max(i.compress_size, 1):,} "
                              f"times, over the {MAX_RATIO} times a real document packs); {fix}")
    if xml_total > MAX_XML_BYTES:
        raise IngestError(str(path), f"refused before parsing: its XML unpacks to {_mb(xml_total)}, over the "
                          f"{_mb(MAX_XML_BYTES)} limit; {fix}")
    if total > MAX_UNPACKED_BYTES:
        raise IngestError(str(path), f"refused before parsing: it unpacks to {_mb(total)}, over the "
                          f"{_mb(MAX_UNPACKED_BYTES)} limit; {fix}")


def _open(path: Path, data: bytes) -> Any:
    import docx  # imported here so that other formats load without it

    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise IngestError(str(path), "not a .docx package but an OLE file: a legacy Word .doc, or a password-"
                          "protected .docx; remove the password or save it as .docx from Word or LibreOffice")
    check_unpacked_size(path, data)
    try:
        return docx.Document(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise IngestError(str(path), f"file is truncated or corrupt (not a valid zip package: {exc}); "
                          "re-download it, or open and re-save it as .docx") from exc
    except Exception as exc:  # python-docx raises KeyError/ValueError/... on damaged packages
        raise IngestError(str(path), f"not a readable .docx ({type(exc).__name__}: {clean(str(exc))[:200]}); "
                          "open it in Word or LibreOffice and save it as .docx") from exc


def _metadata(doc: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    try:
        cp = doc.core_properties
        props = {k: getattr(cp, k) for k in ("title", "author", "category", "identifier", "subject", "keywords",
                                             "comments", "content_status")}
    except Exception:  # a damaged docProps/core.xml should not cost us the text
        return meta
    props = {k: clean(str(v)) if v else "" for k, v in props.items()}
    if props["title"]:
        meta["title"] = props["title"]
    if props["author"]:
        meta["author"] = props["author"]
        meta["publisher"] = props["author"]
    for src, dst in (("category", "kind"), ("identifier", "url"), ("subject", "subject"), ("keywords", "keywords")):
        if props[src]:
            meta[dst] = props[src]
    # The "key: value" convention; read from the raw properties so that line breaks survive.
    for raw in (getattr(cp, "content_status", None), getattr(cp, "comments", None)):
        for line in str(raw or "").splitlines():
            m = re.match(r"^\s*([A-Za-z]+)\s*:\s*(.+?)\s*$", line)
            if m:
                key = m.group(1).lower().replace("license", "licence")
                if key in METADATA_FIELDS:
                    meta[key] = m.group(2)
    return meta


def _body_items(container: Any):
    """w:p and w:tbl elements of the body in order, reading through content controls."""
    for child in container.iterchildren():
        if child.tag in (_P, _TBL):
            yield child
        elif child.tag == _SDT:
            for content in child.iterchildren(f"{{{W}}}sdtContent"):
                yield from _body_items(content)


def _cell_text(tc: Any) -> str:
    return clean(" ".join(_paragraph_text(p) for p in tc.iter(_P)))


def _bold(tc: Any) -> bool:
    """Every run of text in the cell is bold (directly on the run or through the paragraph mark)."""
    runs = [r for r in _xpath(tc, ".//w:r[w:t]") if clean("".join(t.text or "" for t in r.iter(f"{{{W}}}t")))]
    if not runs:
        return False
    for r in runs:
        b = _xpath(r, "./w:rPr/w:b")
        if not b or b[0].get(f"{{{W}}}val", "true") in ("0", "false", "off"):
            return False
    return True


def _table_grid(tbl: Any) -> tuple[list[list[tuple[str, int]]], int | None]:
    """The table's rows as ``(text, columns spanned)`` cells (w:gridSpan), a vertically merged
    cell (w:vMerge) repeated in each row it covers so that every row reads whole; and how many
    leading rows are headers: rows marked to repeat as a header (w:tblHeader), else a first row
    set in bold over rows that are not, else None (left to ``tables.header_rows``)."""
    rows: list[list[tuple[str, int]]] = []
    marked: list[bool] = []
    bold: list[bool] = []
    above: dict[int, str] = {}  # grid column -> text of the cell that starts there, last row
    for tr in tbl.iterchildren(_TR):  # rows of a nested table are read inside their cell
        row: list[tuple[str, int]] = []
        col = 0
        cells = list(tr.iterchildren(_TC))
        for tc in cells:
            grid_span = _val(tc, "./w:tcPr/w:gridSpan/@w:val") or "1"
            span = min(int(grid_span), 100) if grid_span.isdigit() else 1
            merge = _xpath(tc, "./w:tcPr/w:vMerge")
            continued = bool(merge) and merge[0].get(f"{{{W}}}val", "continue") == "continue"
            text = _cell_text(tc)
            if continued and not text:
                text = above.get(col, "")
            row.append((text, max(1, span)))
            above[col] = text
            col += max(1, span)
        rows.append(row)
        marked.append(bool(_xpath(tr, "./w:trPr/w:tblHeader[not(@w:val='0' or @w:val='false')]")))
        bold.append(bool(cells) and all(_bold(tc) for tc in cells if _cell_text(tc)))
    count = 0
    while count < len(marked) and marked[count]:
        count += 1
    if count:
        return rows, count
    if len(rows) > 1 and bold[0] and not all(bold[1:]):
        return rows, 1
    return rows, None


def _caption_before(blocks: list[Block]) -> str:
    """The "Table N ..." paragraph or heading just before a table, if that is the last block."""
    if not blocks or blocks[-1].kind not in ("paragraph", "heading"):
        return ""
    return blocks[-1].text if is_caption(blocks[-1].text) else ""


def _caption_after(items: list[Any], at: int) -> str:
    """The "Table N ..." paragraph just after the table at ``items[at]`` (empty paragraphs skipped),
    when no "Table N" paragraph stands just before it: Word puts captions either side."""
    def neighbour(step: int) -> str:
        k = at + step
        while 0 <= k < len(items) and items[k].tag == _P and not _paragraph_text(items[k]):
            k += step
        return _paragraph_text(items[k]) if 0 <= k < len(items) and items[k].tag == _P else ""

    if is_caption(neighbour(-1)):
        return ""
    after = neighbour(1)
    return after if is_caption(after) else ""


def load(path: Path, data: bytes) -> Loaded:
    doc = _open(path, data)
    styles = _Styles(doc)
    try:
        numbering = _Numbering(doc.part.numbering_part.element)
    except Exception:  # no numbering part: no lists
        numbering = _Numbering(None)
    stack = HeadingStack()
    blocks: list[Block] = []
    items = list(_body_items(doc.element.body))
    for at, item in enumerate(items):
        if item.tag == _TBL:
            rows, header_count = _table_grid(item)
            if is_layout(rows):  # one column: a box around text, read row by row as before
                texts = [" | ".join(t for t, _ in row if t) for row in rows]
            else:
                after = _caption_after(items, at)
                caption = after or _caption_before(blocks)
                texts = table_rows(rows, header_count, caption)
            for text in texts:
                if text:
                    blocks.append(Block(text, "paragraph", None, None, paragraph_number(text), stack.path()))
            continue
        style_id = _val(item, "./w:pPr/w:pStyle/@w:val")
        text = _paragraph_text(item)
        num_id = _val(item, "./w:pPr/w:numPr/w:numId/@w:val")
        num_pr = (num_id, int(_val(item, "./w:pPr/w:numPr/w:ilvl/@w:val") or 0)) if num_id is not None \
            else styles.num_pr(style_id)
        # Count list paragraphs even when empty or headings, as Word does.
        mark = numbering.mark(*num_pr) if num_pr else None
        auto_number = mark if mark and re.fullmatch(r"\d+(?:\.\d+)*", mark) else None
        if not text:
            continue
        outline = _val(item, "./w:pPr/w:outlineLvl/@w:val")
        level = int(outline) + 1 if outline is not None and outline.isdigit() and int(outline) < 9 \
            else styles.heading_level(style_id)
        if level:
            parents = stack.push(level, text)
            blocks.append(Block(text, "heading", None, None, None, parents, level))
        else:
            if mark and not MARKED_ITEM.match(text):
                # A list's item reads as its reader sees it, after its bullet or number.
                text = f"{mark} {text}" if mark == "•" or "." in mark else f"{mark}. {text}"
            blocks.append(Block(text, "paragraph", None, None, paragraph_number(text) or auto_number, stack.path()))
    return Loaded(blocks=blocks, metadata=_metadata(doc))
