"""HTML loader (BeautifulSoup + lxml), written for UK Parliament committee-report pages and
similar publication sites; also reads Nunjucks templates (.njk).

Page chrome is dropped: nav, header, footer, aside, form, script, style, noscript, template,
svg, iframe, elements with role="navigation", skip links and cookie banners (by class or id),
and mkdocs-style "¶" permalink anchors. A <header> inside <article> or <main> is kept: it
holds the report's own title, not the site's.
Headings h1–h6 become heading blocks and set the heading path. p, li, blockquote, dd, dt,
pre, figcaption and caption become paragraph blocks; a list item's text follows the mark a
browser shows for it ("•" in a <ul>, "3." in an <ol>), so that it reads as an item. A data table becomes one block per body
row that carries its column headers and caption (``tables.table_rows``): headers are the rows in
<thead> or rows of <th> cells only (else guessed from the first row), the caption is <caption> or
a "Table N ..." paragraph or heading just before the table; colspan and rowspan keep each value
under its own header. A table of one column reads one block per row, cells joined by " | ", and a
layout table (role="presentation", a nested table, or headings in cells) is read as ordinary
content. Text sitting directly in a div/section/article between block
elements is kept as a paragraph of its own, so nothing readable is lost. An element that
contains block elements (an li holding p's) is not emitted whole: its children are.

Paragraph numbers: the element's text starts with "12." / "12 The", or its id is like
"para-12" / "p12", or it holds a span whose class contains "paranumber" or "paragraph-number"
(any case); a number span glued to the text ("12The") gets a space.

Metadata: Dublin Core <meta name="DC.title|DC.type|DC.date|DC.publisher|DC.rights|
DC.identifier"> (any case, DC. or DCTERMS.), og:title, <title>, <meta name="description">,
<link rel="canonical"> (url, after DC.identifier).

Templates: a .njk file, or an .html file that is clearly a Nunjucks/Jinja template — it holds a
statement tag such as ``{% extends %}``, ``{% block %}``, ``{% include %}``, ``{% set %}``,
``{% if %}`` or ``{% for %}`` outside <pre>, <code>, <script> and comments — has
``{% set pageTitle = "..." %}`` and ``pageDescription`` read as title and description, then
every {% %}, {{ }} and {# #} tag removed before parsing. Any other page keeps such text as it
stands: a page that shows "{{ name }}" or explains template syntax is read as written.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, NavigableString

from evidence_assistant.core.errors import IngestError
from evidence_assistant.core.types import Block

from .base import Loaded
from .tables import is_caption, is_layout, table_rows
from .text import MARKED_ITEM, HeadingStack, clean, decode_text, paragraph_number

_DROP = ("nav", "header", "footer", "script", "style", "noscript", "form", "aside", "template", "svg",
         "iframe", "button", "select", "input", "textarea", "object", "embed", "canvas", "map")
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_LEAF_BLOCKS = {"p", "li", "blockquote", "dd", "dt", "pre", "figcaption", "caption", "address", "summary"}
_CONTAINERS = {"div", "section", "article", "main", "body", "html", "ul", "ol", "dl", "figure", "details",
               "center", "fieldset", "hgroup", "picture"}
_BLOCK_TAGS = set(_HEADINGS) | _LEAF_BLOCKS | _CONTAINERS | {"table", "tr", "td", "th", "thead", "tbody",
                                                               "tfoot", "hr"}
_PARA_ID = re.compile(r"^(?:para(?:graph)?|p)[-_]?(\d{1,4}(?:[._]\d{1,3})*)$", re.IGNORECASE)
_NJK_SET = re.compile(r"""{%-?\s*set\s+(\w+)\s*=\s*(["'])(.*?)\2\s*-?%}""", re.DOTALL)
_NJK_TAGS = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.DOTALL)
_TEMPLATE_STATEMENT = re.compile(
    r"{%-?\s*(?:extends|block|endblock|include|import|macro|endmacro|set|if|elif|endif|for|endfor)\b.*?%}",
    re.DOTALL)
# Where a page shows template syntax rather than uses it: code samples, scripts, comments.
_SHOWN = re.compile(r"<(pre|code|script|textarea|xmp)\b.*?</\1\s*>|<!--.*?-->", re.DOTALL | re.IGNORECASE)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)

# Dublin Core names (lower case, DC. or DCTERMS.) mapped onto metadata keys.
_DC = {"title": "title", "type": "kind", "date": "date", "issued": "date", "date.issued": "date",
       "created": "date", "publisher": "publisher", "rights": "licence", "license": "licence",
       "identifier": "url", "creator": "author", "subject": "subject", "description": "description"}


def _decode(path: Path, data: bytes) -> str:
    """Use the charset the page declares; otherwise detect it like a text file."""
    m = _CHARSET.search(data[:4096])
    if m and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode(m.group(1).decode("ascii").strip())
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declaration: fall back to detection
    return decode_text(path, data)[0]


def _node_text(node: Any) -> str:
    return clean(node.get_text(""))


def _has_block_child(node: Any) -> bool:
    return any(getattr(d, "name", None) in _BLOCK_TAGS for d in node.descendants)


_NUMBER_CLASS = re.compile(r"para(?:graph)?[-_]?num", re.IGNORECASE)


def _number_span(node: Any) -> Any:
    """A child span whose class names a paragraph number ("paranumber", "ParaNumber",
    "paragraph-number", "paragraphNumber")."""
    return node.find("span", class_=lambda c: bool(c) and bool(_NUMBER_CLASS.search(
        " ".join(c) if isinstance(c, list) else str(c))))


def _number_of(node: Any, text: str) -> str | None:
    span = _number_span(node)
    if span is not None:
        n = clean(span.get_text("")).rstrip(".")
        if re.fullmatch(r"\d{1,4}(?:\.\d{1,3})*", n):
            return n
    m = _PARA_ID.match(str(node.get("id") or ""))
    if m:
        return m.group(1).replace("_", ".")
    return paragraph_number(text)


def _list_mark(li: Any, counted: dict[int, int]) -> str:
    """What a browser shows before a list item: "•" in a <ul> (or a list of no kind), its
    number in an <ol> ("3."; counted from the list's ``start``, in ``counted``: the number each
    list, by id, last gave, so that a long list is counted once, in reading order); "" when the
    item already opens with its own mark ("1. …", "• …")."""
    parent = li.parent
    number = None
    if getattr(parent, "name", None) == "ol" and (parent.get("type") or "1") == "1":
        if id(parent) in counted:
            counted[id(parent)] += 1
        else:
            try:
                counted[id(parent)] = int(parent.get("start") or 1)
            except ValueError:
                counted[id(parent)] = 1
        number = counted[id(parent)]
    if MARKED_ITEM.match(clean(li.get_text(" "))):
        return ""
    # (A lettered or roman list reads as bulleted rather than guess its letters.)
    return "•" if number is None else f"{number}."


def _text_with_number(node: Any) -> str:
    """Element text; a paranumber span glued to the text ("12The") gets its space back."""
    span = _number_span(node)
    if span is not None:
        number = clean(span.get_text(""))
        span.replace_with(number + " ")
    return _node_text(node)


class _Walker:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.stack = HeadingStack()
        self.inline: list[str] = []
        self.mark = ""  # the bullet or number of the list item whose first paragraph comes next
        self.counted: dict[int, int] = {}  # the number each numbered list last gave (_list_mark)

    def paragraph(self, text: str, number: str | None = None) -> None:
        """A paragraph block, numbered ``number`` or by its text. The first paragraph of a list
        item reads as its reader sees it, after the item's bullet or number (``self.mark``),
        which numbers the item, not a paragraph of the document."""
        text = clean(text)
        if text:
            if self.mark:
                text, self.mark = f"{self.mark} {text}", ""
            else:
                number = number or paragraph_number(text)
            self.blocks.append(Block(text, "paragraph", None, None, number, self.stack.path()))

    def flush(self) -> None:
        if self.inline:
            self.paragraph("".join(self.inline))
            self.inline = []

    def walk(self, node: Any) -> None:
        for child in node.children:
            name = getattr(child, "name", None)
            if name is None:
                if type(child) is NavigableString:  # exactly: not comments, CDATA or doctypes
                    self.inline.append(str(child))
                continue
            if name not in _BLOCK_TAGS:
                if _has_block_child(child):  # e.g. <a> or <span> wrapping block content
                    self.walk(child)
                else:
                    self.inline.append(child.get_text(""))
                continue
            self.flush()
            if name in _HEADINGS:
                text = _node_text(child).rstrip("¶#").strip()
                if text:
                    level = _HEADINGS[name]
                    parents = self.stack.push(level, text)
                    self.blocks.append(Block(text, "heading", None, None, None, parents, level))
            elif name == "table":
                self.table(child)
            elif name in _LEAF_BLOCKS and not _has_block_child(child):
                text = _text_with_number(child)
                if name == "li":
                    self.mark = _list_mark(child, self.counted)
                self.paragraph(text, _number_of(child, text))
            elif name == "li":  # an item holding paragraphs: its mark goes before the first
                self.mark = _list_mark(child, self.counted)
                self.walk(child)
                self.mark = ""
            else:
                self.walk(child)
            self.flush()
        # Inline text at the end of a container belongs to that container: flushed by the caller.

    def table(self, table: Any) -> None:
        simple = not table.find("table") and not any(c.find(list(_HEADINGS)) for c in table.find_all(["td", "th"]))
        if not simple or str(table.get("role") or "").lower() in ("presentation", "none"):
            self.walk(table)  # a layout table: read it as ordinary content
            return
        rows, header_count = _table_grid(table)
        if is_layout(rows):  # one column: a box around text, read row by row as before
            for row in rows:
                self.paragraph(" | ".join(t for t, _ in row if t))
            return
        caption_tag = table.find("caption")
        caption = _node_text(caption_tag) if caption_tag is not None else ""
        if not caption and self.blocks and self._just_before(table, self.blocks[-1].text) \
                and is_caption(self.blocks[-1].text):
            caption = self.blocks[-1].text
        for text in table_rows(rows, header_count, caption):
            self.paragraph(text)

    @staticmethod
    def _just_before(table: Any, text: str) -> bool:
        """Whether ``text`` is what the page shows right before ``table`` (its previous element)."""
        prev = table.find_previous_sibling()
        return prev is not None and _node_text(prev).rstrip("¶#").strip() == text


def _span(cell: Any, name: str) -> int:
    try:
        return min(max(int(str(cell.get(name) or "1").strip()), 1), 100)
    except ValueError:  # colspan="two" and the like: read as one column
        return 1


def _table_grid(table: Any) -> tuple[list[list[tuple[str, int]]], int | None]:
    """The table's rows as ``(text, columns spanned)`` cells, a cell spanning rows repeated in the
    rows below it so that every row stays aligned to its columns; and how many leading rows the
    markup marks as headers (rows in <thead>, or rows of <th> only), or None when it marks none."""
    rows: list[list[tuple[str, int]]] = []
    kinds: list[str] = []
    carried: dict[int, tuple[str, int, int]] = {}  # column -> (text, colspan, rows still to fill)
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
        cells = tr.find_all(["td", "th"], recursive=False)
        row: list[tuple[str, int]] = []
        col = 0
        queue = list(cells)
        while queue or col in carried:
            if col in carried:
                text, span, left = carried.pop(col)
                row.append((text, span))
                if left > 1:
                    carried[col] = (text, span, left - 1)
                col += span
                continue
            cell = queue.pop(0)
            text, span = _node_text(cell), _span(cell, "colspan")
            down = _span(cell, "rowspan")
            if down > 1:
                carried[col] = (text, span, down - 1)
            row.append((text, span))
            col += span
        rows.append(row)
        in_head = tr.find_parent("thead") is not None
        all_th = bool(cells) and all(c.name == "th" for c in cells)
        kinds.append("head" if in_head or all_th else "body")
    if "head" not in kinds:
        marked_anywhere = table.find("th") is not None
        return rows, (0 if marked_anywhere else None)
    count = 0
    while count < len(kinds) and kinds[count] == "head":
        count += 1
    return rows, count


_CHROME = re.compile(r"(?:^|[-_ ])(?:skip|cookie)", re.IGNORECASE)


def _is_chrome(tag: Any) -> bool:
    """Skip links and cookie banners ("skip-link", "md-skip", "cookie-banner", "cookieConsent"),
    which sites often put outside <header> and <nav>."""
    attrs = getattr(tag, "attrs", None)
    if not attrs:
        return False
    classes = attrs.get("class") or []
    names = " ".join(classes if isinstance(classes, list) else [classes]) + " " + str(attrs.get("id") or "")
    return bool(_CHROME.search(names))


def _metadata(soup: Any, njk: dict[str, str]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    dc: dict[str, str] = {}
    named: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = (tag.get("name") or tag.get("property") or "").strip().lower()
        value = clean(tag.get("content") or "")
        if not key or not value:
            continue
        m = re.match(r"^(?:dc|dcterms)\.(.+)$", key)
        if m and m.group(1) in _DC:
            dc.setdefault(_DC[m.group(1)], value)
        else:
            named.setdefault(key, value)
    title_tag = soup.find("title")
    canonical = soup.find("link", rel=lambda r: bool(r) and "canonical" in (r if isinstance(r, list) else [r]))
    title = dc.get("title") or named.get("og:title") or njk.get("pagetitle") or (
        _node_text(title_tag) if title_tag else "")
    if title:
        meta["title"] = title
    for key in ("kind", "date", "publisher", "licence", "author", "subject"):
        if dc.get(key):
            meta[key] = dc[key]
    url = dc.get("url") if str(dc.get("url", "")).startswith("http") else None
    url = url or (canonical.get("href") if canonical is not None else None) or named.get("og:url")
    if url:
        meta["url"] = url
    description = dc.get("description") or named.get("description") or njk.get("pagedescription")
    if description:
        meta["description"] = description
    return meta


def is_template(path: Path, text: str) -> bool:
    """A Nunjucks file, or a page that uses template statements outside code samples."""
    if path.suffix.lower() == ".njk":
        return True
    if "{%" not in text:
        return False
    return bool(_TEMPLATE_STATEMENT.search(_SHOWN.sub("", text)))


def load(path: Path, data: bytes) -> Loaded:
    text = _decode(path, data)
    njk: dict[str, str] = {}
    if is_template(path, text):
        njk = {m.group(1).lower(): clean(m.group(3)) for m in _NJK_SET.finditer(text)}
        text = _NJK_TAGS.sub("", text)
    try:
        soup = BeautifulSoup(text, "lxml")
    except Exception as exc:  # lxml is lenient; this is for truly broken input
        raise IngestError(str(path), f"cannot parse HTML ({type(exc).__name__}: {exc}); re-save the page") from exc
    metadata = _metadata(soup, njk)

    for tag in soup.find_all(_DROP):
        # An <article>'s or <main>'s own <header> holds its title and date, not site chrome.
        if tag.name == "header" and tag.find_parent(["article", "main"]) is not None:
            continue
        tag.decompose()
    for tag in soup.find_all(attrs={"role": "navigation"}):
        tag.decompose()
    for tag in soup.find_all("a", class_="headerlink"):
        tag.decompose()
    for tag in soup.find_all(_is_chrome):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    head = soup.find("head")
    if head is not None:
        head.decompose()

    walker = _Walker()
    walker.walk(soup)
    walker.flush()
    return Loaded(blocks=walker.blocks, metadata=metadata)
