"""The one rule for putting text the product did not write into Markdown it does write.

Document text, quotes, titles, page labels, source addresses and the user's own question all go
through :func:`md_text` before they join an answer's Markdown. There is one such Markdown, written
by ``evidence_assistant.answering.answer.render_markdown``: ``Answer.to_markdown`` (which
``evidence ask`` prints) and the chat's Markdown download are both that rendering. Whatever viewer
the Markdown is later opened in, such text then stays text:

* ``<`` becomes ``&lt;``, so no HTML tag, comment or ``<scheme:...>`` autolink can form;
* ``[`` and ``]`` are escaped, so no link, image (``![..](..)``), reference link, link definition
  or footnote can form from a document's words;
* line breaks become spaces, so a document cannot start a block of its own (an HTML block, a
  heading, a link definition, a forged footnote); a leading block marker (``#``, ``>``, ``-``,
  ``1.`` ...) is written as a character reference;
* ``&`` before something that reads as a character reference is escaped, so the words show as
  the document wrote them (``&lt;`` stays visible as ``&lt;``);
* ``\\``, backticks and ``*`` are escaped, so a document can neither cancel these escapes nor
  swallow the product's footnote markers into code or emphasis;
* a closing ``!`` is escaped, so it cannot join the footnote marker written after a sentence
  into image syntax (``![^1]``);
* the colon of a ``javascript:``, ``vbscript:`` or ``data:`` address is written as ``&#58;``, so
  no viewer that turns bare addresses into links can make one of it.

Plain prose, numbers, ordinary web addresses, underscores and most punctuation pass unchanged, so
the Markdown stays readable as plain text. The product's own structure (headings, footnote
markers ``[^n]`` and their definitions, emphasis around its own labels) is written around the
escaped text and is not passed through this rule.
"""
from __future__ import annotations

import re

__all__ = ["md_text"]

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_SPACE = re.compile(r"[\s\u2028\u2029\x85]+")
_ENTITY = re.compile(r"&(?=#[0-9]{1,8};|#[xX][0-9a-fA-F]{1,8};|[A-Za-z][A-Za-z0-9]{1,31};)")
_ESCAPED = {"\\": "\\\\", "`": "\\`", "*": "\\*", "[": "\\[", "]": "\\]"}
_ESCAPE = re.compile(r"[\\`*\[\]]")
_DANGEROUS_SCHEME = re.compile(r"(?i)\b(javascript|vbscript|livescript|data(?=\s*:\s*(?:[\w.+-]+/|,|;)))\s*:")
_LEADING_MARK = re.compile(r"[#>\-+=|~_:]")
_LEADING_NUMBER = re.compile(r"([0-9]{1,9})([.)])")


def md_text(value: object) -> str:
    """``value`` as inert Markdown text on a single line (see the module's notes)."""
    text = _CONTROL.sub("", str(value))
    text = _SPACE.sub(" ", text).strip()
    text = _ESCAPE.sub(lambda m: _ESCAPED[m.group()], text)
    text = _ENTITY.sub("&amp;", text)
    text = text.replace("<", "&lt;")
    text = _DANGEROUS_SCHEME.sub(lambda m: f"{m.group(1)}&#58;", text)
    if _LEADING_MARK.match(text):
        text = f"&#{ord(text[0])};{text[1:]}"
    elif m := _LEADING_NUMBER.match(text):
        text = f"{m.group(1)}&#{ord(m.group(2))};{text[m.end():]}"
    if text.endswith("!"):
        text = text[:-1] + "\\!"
    return text
