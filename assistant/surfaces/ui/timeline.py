"""A commitment's evidence as a timeline: each passage the registry cites for it, cut down to the
referenced paragraph and ordered by the document's date. The evidence comes from the facade
(``Assistant.evidence_timeline``); this module only turns it into HTML."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evidence_assistant.surfaces.ui.render import esc, link_html, locator, table_html

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


def commitment_timeline(commitment: Any, assistant: Any) -> tuple[list[TimelineItem], list[str]]:
    """Items ordered by document date (undated last), and a line for each reference that names
    nothing in the index. ``assistant`` is the facade (``Assistant``)."""
    evidence, not_found = assistant.evidence_timeline(commitment)
    items: list[TimelineItem] = []
    for e in evidence:
        p, quote = e.passage, e.text
        if len(quote) > MAX_QUOTE:
            quote = quote[:MAX_QUOTE].rstrip() + "…"
        progress_note = f"Progress {e.progress.date}: {e.progress.summary}" if e.progress is not None else None
        note = "; ".join(x for x in (e.reference.note, progress_note) if x) or None
        items.append(TimelineItem(p.date, p.title, p.kind, e.page, e.paragraph, quote, p.url, p.path, note))
    missing = [f"{ref.label()}: not found in the index" for ref in not_found]
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
