"""A commitment's evidence as a timeline: each registry reference resolved to the indexed passage
it names, cut down to the referenced paragraph, and ordered by the document's date."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.types import Passage

from .render import esc, link_html, locator, table_html

MAX_QUOTE = 700


@dataclass
class TimelineItem:
    date: str | None
    title: str
    kind: str
    page: str | None
    paragraph: str | None
    quote: str
    url: str | None
    path: str | None
    note: str | None  # the registry's own note on the reference (not document text)


def _excerpt(p: Passage, ref: Any) -> tuple[str, str | None, str | None]:
    """The block of ``p`` that the reference names (paragraph and/or page), else the whole passage."""
    segs = list(p.segments)
    for i, (start, page, para) in enumerate(segs):
        if ref.paragraph and str(para or "").strip() != ref.paragraph:
            continue
        if ref.page and str(page or "").strip() != ref.page:
            continue
        end = segs[i + 1][0] if i + 1 < len(segs) else len(p.text)
        return p.text[start:end].strip(), page, para
    return p.text, ref.page or p.page_label, ref.paragraph or p.paragraph_label


def commitment_timeline(commitment: Any, index: Any) -> tuple[list[TimelineItem], list[str]]:
    """Items ordered by document date (undated last), and the references that resolved to nothing."""
    from assistant.commitments import resolve_reference

    docs = index.manifest.documents()
    by_name: dict[str, list[Any]] = {}
    for d in docs:
        for path in index.manifest.paths_of(d.doc_id) or [d.path]:
            by_name.setdefault(Path(path).name, []).append(d)
    refs = [(r, None) for r in commitment.evidence]
    for prog in getattr(commitment, "progress", None) or []:
        refs += [(r, f"Progress {prog.date}: {prog.summary}") for r in prog.evidence]
    items: list[TimelineItem] = []
    missing: list[str] = []
    seen: set[tuple[str, str]] = set()
    for ref, progress_note in refs:
        found = []
        for d in by_name.get(ref.doc, []):
            found += resolve_reference(ref, index.manifest.passages_of(d.doc_id))
        if not found:
            missing.append(f"{ref.label()}: not found in the index")
            continue
        for p in found[:2]:  # a paragraph split across windows: its first two passages suffice
            quote, page, para = _excerpt(p, ref)
            if (p.passage_id, quote) in seen:
                continue
            seen.add((p.passage_id, quote))
            if len(quote) > MAX_QUOTE:
                quote = quote[:MAX_QUOTE].rstrip() + "…"
            note = "; ".join(x for x in (ref.note, progress_note) if x) or None
            items.append(TimelineItem(p.date, p.title, p.kind, page, para, quote, p.url, p.path, note))
    items.sort(key=lambda it: (it.date is None, it.date or ""))
    return items, missing


def commitment_header_html(registry: Any, c: Any) -> str:
    area = registry.area_name(c.policy_area) if c.policy_area is not None else None
    deadlines = "; ".join(f"{d.date}: {d.target}" for d in c.deadlines) or "none stated"
    rating = c.rating.value + (f" ({c.rating.rater}, {c.rating.date})" if c.rating.rater else "")
    rows = [("Commitment", c.commitment), ("Policy area", f"{c.policy_area} {area}" if area else "not stated"),
            ("Deadlines", deadlines), ("Rating", rating)]
    if c.rating_note:
        rows.append(("Why this rating", c.rating_note))
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    return f'<div class="ea-commitment"><h3>{esc(c.title)}</h3><dl class="ea-meta">{dl}</dl></div>'


def timeline_html(items: list[TimelineItem], missing: list[str], links: Any) -> str:
    if not items:
        body = '<div class="ea-empty">None of this commitment\'s evidence is in the index.</div>'
    else:
        lis = []
        for it in items:
            where = " · ".join(x for x in (it.kind, locator(it.page, it.paragraph)) if x)
            links_ = " · ".join(link_html(lbl, h) for lbl, h in links(it.path, it.page, it.url))
            note = f'<div class="ea-tl-note">Registry note: {esc(it.note)}</div>' if it.note else ""
            lis.append(f'<li><span class="ea-tl-date">{esc(it.date or "undated")}</span> — '
                       f'<span class="ea-title">{esc(it.title)}</span> <span class="ea-where">{esc(where)}</span>'
                       f'<blockquote class="ea-tl-quote">{esc(it.quote)}</blockquote>{note}'
                       f'<div class="ea-links">{links_}</div></li>')
        body = '<ol class="ea-timeline">' + "".join(lis) + "</ol>"
    if missing:
        body += '<div class="ea-note">Not in the index: ' + esc("; ".join(missing)) + "</div>"
    return body


def commitments_table_html(registry: Any) -> str:
    rows = []
    for c in registry.commitments:
        area = registry.area_name(c.policy_area) if c.policy_area is not None else None
        rows.append((f"{c.policy_area} {area}" if area else "not stated", f"{c.title}: {c.commitment}",
                     "; ".join(d.date for d in c.deadlines) or "—",
                     c.rating.value + (" (derived)" if c.rating.basis == "derived" else "")))
    return table_html(("Policy area", "Commitment", "Deadline", "Rating"), rows,
                      css_class="ea-table ea-commitments", empty="The registry lists no commitments.")
