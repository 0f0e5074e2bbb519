"""How the product names a place in a document: "p. 4, para. 12".

Every surface that shows where a quote or passage sits (answers' footnotes, the chat's sources,
the Markdown and Word exports, the recommendations table) writes the place with :func:`locator`,
so a reader sees the same words for the same place wherever they look.
"""
from __future__ import annotations

__all__ = ["locator"]


def locator(page: str | None, paragraph: str | None) -> str:
    """'p. 4, para. 12'; 'p. 4' or 'para. 12' when only one is known; '' when neither is."""
    return ", ".join(x for x in (f"p. {page}" if page else "", f"para. {paragraph}" if paragraph else "") if x)
