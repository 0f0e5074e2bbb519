"""HTML for the chat: the conversation with its cited sources, the documents table and the
commitment timeline.

Everything here is a pure function of product objects, so it is tested without a browser.
Gradio's ``gr.HTML`` inserts what it is given without sanitising it, and document text is
untrusted (a submission may contain ``<script>`` or an ``onerror`` attribute), so every piece
of text goes through ``esc`` and the only markup is the markup written in this module.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Callable, Iterable, Mapping, Sequence

from evidence_assistant.answering.answer import Answer, AnswerSentence, Citation
from evidence_assistant.answering.citations import unknown_citations
from evidence_assistant.core.locator import locator  # the product's one way to name a page and paragraph

# (label, href) pairs for "open the source" links; the app decides what may be served.
LinkFn = Callable[[str | None, str | None, str | None], list[tuple[str, str]]]
# doc id -> the other documents of its work ({"format", "path", "title", ...}), preferred first.
Alternates = Mapping[str, Sequence[Mapping[str, Any]]]

FORMAT_NAMES = {"pdf": "PDF", "docx": "Word", "html": "HTML", "markdown": "Markdown", "text": "text", "json": "JSON"}

def esc(value: Any) -> str:
    """Text for HTML. Besides the usual five characters, ``$ { } `` ` are turned into entities:
    gr.HTML runs its value through a JS/Handlebars template, and document text must never
    reach that as syntax."""
    return (html.escape("" if value is None else str(value), quote=True)
            .replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;").replace("`", "&#96;"))


def no_links(path: str | None, page: str | None, url: str | None) -> list[tuple[str, str]]:
    return [("Source", url)] if url else []


def safe_href(href: str | None) -> bool:
    """Only web addresses and files the app itself serves are linked: a document's metadata
    could carry a ``javascript:`` URL."""
    return bool(href) and str(href).startswith(("https://", "http://", "gradio_api/file="))


def link_html(label: str, href: str) -> str:
    if not safe_href(href):
        return f'<span class="ea-link-text">{esc(label)}: {esc(href)}</span>'
    # rel=noopener: the opened page cannot reach back into the chat's window.
    return f'<a class="ea-link" href="{esc(href)}" target="_blank" rel="noopener noreferrer">{esc(label)}</a>'


def highlight(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` escaped, with each (start, end) span wrapped in <mark>. Overlapping spans merge;
    spans outside the text are clipped or dropped."""
    clean: list[list[int]] = []
    for s, e in sorted((max(0, int(s)), min(len(text), int(e))) for s, e in spans):
        if e <= s:
            continue
        if clean and s <= clean[-1][1]:
            clean[-1][1] = max(clean[-1][1], e)
        else:
            clean.append([s, e])
    out, pos = [], 0
    for s, e in clean:
        out.append(esc(text[pos:s]))
        out.append(f'<mark class="ea-quote">{esc(text[s:e])}</mark>')
        pos = e
    out.append(esc(text[pos:]))
    return "".join(out)


def alternates_by_doc(documents: Iterable[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """doc id -> its work's other documents, from the rows ``Assistant.documents()`` returns
    (each lists its ``alternates`` by id, preferred first)."""
    docs = list(documents)
    by_id = {d.get("doc_id"): d for d in docs}
    out: dict[str, list[dict[str, Any]]] = {}
    for d in docs:
        others = [by_id[a] for a in d.get("alternates") or () if a in by_id]
        if others:
            out[d["doc_id"]] = [{"doc_id": o.get("doc_id"), "format": o.get("format"), "path": o.get("path"),
                                 "title": o.get("title")} for o in others]
    return out


def alternates_line(others: Sequence[Mapping[str, Any]] | None) -> str:
    """The small line under a cited source naming the same work's other formats, or ''."""
    if not others:
        return ""
    names = " · ".join(
        f"{FORMAT_NAMES.get(str(o.get('format')), str(o.get('format') or 'file'))}"
        + (f" ({PurePath(str(o['path'])).name})" if o.get("path") else "") for o in others)
    return f'<span class="ea-alternates">The same text is also indexed as {esc(names)}</span>'


def describe_filters(filters: dict[str, Any] | None, titles: dict[str, str] | None = None) -> str:
    """'kind: response · documents: X · dated 2023-01-01 to 2023-12-31', or '' for no filter."""
    if not filters:
        return ""
    titles = titles or {}
    parts = []
    if filters.get("kinds"):
        parts.append("kind: " + ", ".join(filters["kinds"]))
    if filters.get("doc_ids"):
        parts.append("documents: " + "; ".join(titles.get(d, d[:12]) for d in filters["doc_ids"]))
    since, until = filters.get("since"), filters.get("until")
    if since and until:
        parts.append(f"dated {since} to {until}")
    elif since:
        parts.append(f"dated {since} or later")
    elif until:
        parts.append(f"dated {until} or earlier")
    if filters.get("publishers"):
        parts.append("publisher: " + ", ".join(filters["publishers"]))
    return " · ".join(parts)


# --- the conversation ------------------------------------------------------------------------

@dataclass
class Pending:
    """A question whose answer is still streaming in."""

    question: str
    text: str = ""
    filters: dict[str, Any] | None = None


def conversation_html(turns: Sequence[Answer | Pending], *, show_standalone: bool = False,
                      links: LinkFn = no_links, titles: dict[str, str] | None = None,
                      passage_text: Callable[[str], str | None] | None = None,
                      alternates: Alternates | None = None) -> str:
    if not turns:
        return ('<div class="ea-empty">Ask a question about the documents. Every sentence of the answer '
                'carries a numbered citation; open a source below the answer to read the passage with the '
                'quoted words highlighted.</div>')
    parts = []
    for i, t in enumerate(turns, start=1):
        if isinstance(t, Pending):
            parts.append(_pending_html(t, i, titles))
        else:
            parts.append(answer_html(t, i, show_standalone=show_standalone, links=links, titles=titles,
                                     passage_text=passage_text, alternates=alternates))
    return '<div class="ea-conversation">' + "".join(parts) + "</div>"


def _question_html(question: str, turn: int) -> str:
    return f'<div class="ea-question" data-turn="{turn}"><span class="ea-who">Question</span> {esc(question)}</div>'


def _filters_html(filters: dict[str, Any] | None, titles: dict[str, str] | None) -> str:
    described = describe_filters(filters, titles)
    return f'<div class="ea-filters">Searched only: {esc(described)}</div>' if described else ""


def _pending_html(p: Pending, turn: int, titles: dict[str, str] | None) -> str:
    return (f'<div class="ea-turn ea-pending" id="turn-{turn}">{_question_html(p.question, turn)}'
            f'<div class="ea-answer">{_filters_html(p.filters, titles)}'
            f'<p class="ea-text ea-streaming">{esc(p.text)}</p>'
            '<div class="ea-checking">Checking each sentence against the passage it cites…</div></div></div>')


def answer_html(answer: Answer, turn: int = 1, *, show_standalone: bool = False, links: LinkFn = no_links,
                titles: dict[str, str] | None = None,
                passage_text: Callable[[str], str | None] | None = None,
                alternates: Alternates | None = None) -> str:
    words = answer.verdict_words
    label, explain = words.label, words.explanation
    out = [f'<div class="ea-turn ea-verdict-{esc(answer.verdict)}" id="turn-{turn}" data-verdict="{esc(answer.verdict)}">',
           _question_html(answer.question, turn), '<div class="ea-answer">',
           f'<div class="ea-verdict" title="{esc(explain)}"><strong>{esc(label)}</strong> — {esc(explain)}</div>']
    if show_standalone:
        same = answer.standalone_question == answer.question
        out.append(f'<div class="ea-standalone">Understood as: <q>{esc(answer.standalone_question)}</q>'
                   + (" (as asked)" if same else "") + "</div>")
    out.append(_filters_html(answer.filters, titles))
    if answer.verdict == "premise_rejected" and answer.notes:
        out.append(f'<div class="ea-note ea-premise">{esc(answer.notes[0])}</div>')
    if answer.sentences:
        sentences = []
        for s in answer.sentences:
            cites = "".join(f'<sup class="ea-cite" data-n="{n}">[{n}]</sup>' for n in s.citations)
            cites += _unknown_cites_html(s)
            if s.supported:
                unknown = unknown_citations(s)
                if unknown:
                    why = "; ".join(s.problems)
                    sentences.append(f'<span class="ea-sentence ea-ok ea-has-unknown" title="{esc(why)}">'
                                     f'{esc(s.text)}{cites} <span class="ea-flag">⚠ {esc(_unknown_words(unknown))}'
                                     '</span></span>')
                else:
                    sentences.append(f'<span class="ea-sentence ea-ok">{esc(s.text)}{cites}</span>')
            else:
                why = "; ".join(s.problems) or "the cited passage does not support this sentence"
                sentences.append(f'<span class="ea-sentence ea-unsupported" title="{esc(why)}">{esc(s.text)}{cites}'
                                 f' <span class="ea-flag">⚠ not supported by the cited passage</span></span>')
        out.append('<p class="ea-text">' + " ".join(sentences) + "</p>")
    else:
        out.append(f'<p class="ea-text ea-no-answer">{esc(answer.text)}</p>')
    other_notes = answer.notes[1:] if answer.verdict == "premise_rejected" else answer.notes
    for note in other_notes:
        out.append(f'<div class="ea-note">{esc(note)}</div>')
    out.append(sources_html(answer, turn, links=links, passage_text=passage_text, alternates=alternates))
    as_of = f"Evidence as of {answer.evidence_as_of}" if answer.evidence_as_of else ""
    if as_of:
        out.append(f'<div class="ea-asof">{esc(as_of)}</div>')
    out.append("</div></div>")
    return "".join(out)


def _unknown_cites_html(s: AnswerSentence) -> str:
    """The [n] a sentence carried that name no passage shown with the answer: kept visible, marked
    unknown, beside any citation that did resolve (the model wrote "[1][9]" with 8 shown)."""
    return "".join(f'<sup class="ea-cite ea-cite-unknown" data-unknown-n="{n}" '
                   f'title="[{n}] names no passage shown with this answer">'
                   f'[{n}?]</sup>' for n in unknown_citations(s))


def _unknown_words(unknown: list[int]) -> str:
    marks = ", ".join(f"[{n}]" for n in unknown)
    return f"{marks} names no passage shown" if len(unknown) == 1 else f"{marks} name no passage shown"


def sources_html(answer: Answer, turn: int, *, links: LinkFn = no_links,
                 passage_text: Callable[[str], str | None] | None = None,
                 alternates: Alternates | None = None) -> str:
    """One expandable entry per citation number: the passage with every quoted span marked, and
    under its title a line naming the other formats of the same work (``alternates``).

    The passage is the one the citation carries; ``passage_text`` (a look-up of a passage's text
    by id) is no longer needed for that and is ignored."""
    alternates = alternates or {}
    by_n: dict[int, list[Citation]] = {}
    for c in answer.citations:
        by_n.setdefault(c.n, []).append(c)
    items = []
    for n in sorted(by_n):
        group = by_n[n]
        c = group[0]
        p = c.passage  # each citation carries its passage, so its quote's offsets always fit the text
        same = [x for x in group if x.passage_id == p.passage_id]
        body = highlight(p.text, [(x.quote_start, x.quote_end) for x in same])
        heading = " › ".join(p.heading_path)
        items.append(_source_item(turn, n, c.title, c.kind, c.date, c.page, c.paragraph, body,
                                  links(c.path, c.page, c.url), heading, support=c.support,
                                  also=alternates_line(alternates.get(c.doc_id))))
    if not items and answer.verdict == "no_answer" and answer.passages:
        for i, sp in enumerate(answer.passages[:3], start=1):
            p = sp.passage
            items.append(_source_item(turn, i, p.title, p.kind, p.date, p.page_label, p.paragraph_label, esc(p.text),
                                      links(p.path, p.page_start, p.url), " › ".join(p.heading_path), nearest=True,
                                      also=alternates_line(alternates.get(p.doc_id))))
        return ('<div class="ea-sources"><div class="ea-sources-h">Nearest passages (they do not answer the '
                'question)</div>' + "".join(items) + "</div>")
    if not items:
        return ""
    return '<div class="ea-sources"><div class="ea-sources-h">Sources</div>' + "".join(items) + "</div>"


def _source_item(turn: int, n: int, title: str, kind: str | None, date: str | None, page: str | None,
                 paragraph: str | None, body_html: str, link_list: list[tuple[str, str]], heading: str,
                 *, support: float | None = None, nearest: bool = False, also: str = "") -> str:
    where = " · ".join(x for x in (kind, date, locator(page, paragraph)) if x)
    mark = "–" if nearest else f"[{n}]"
    meta = [("Document", title), ("Kind", kind or "—"), ("Date", date or "not dated"),
            ("Page", page or "—"), ("Paragraph", paragraph or "—")]
    if heading:
        meta.append(("Section", heading))
    if support is not None:
        meta.append(("Support", f"{support:.2f}"))
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in meta)
    links_ = " · ".join(link_html(lbl, href) for lbl, href in link_list) or "No link: the file is not served and has no address."
    return (f'<details class="ea-source" id="src-{turn}-{n}" data-n="{n}">'
            f'<summary><span class="ea-n">{esc(mark)}</span> <span class="ea-title">{esc(title)}</span>'
            f' <span class="ea-where">{esc(where)}</span>{also}</summary>'
            f'<blockquote class="ea-passage">{body_html}</blockquote>'
            f'<dl class="ea-meta">{dl}</dl><div class="ea-links">{links_}</div></details>')


# --- other views -------------------------------------------------------------------------------

def table_html(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, css_class: str = "ea-table",
               empty: str = "Nothing to show.") -> str:
    if not rows:
        return f'<div class="ea-empty">{esc(empty)}</div>'
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f'<table class="{esc(css_class)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def documents_html(docs: Sequence[dict[str, Any]]) -> str:
    rows = [(d.get("title"), d.get("kind"), d.get("date") or "not dated", d.get("n_passages"), d.get("state"),
             (d.get("added_at") or "")[:16].replace("T", " "), (d.get("doc_id") or "")[:12]) for d in docs]
    return table_html(("Title", "Kind", "Date", "Passages", "State", "Added", "Id"), rows,
                      css_class="ea-table ea-documents", empty="No documents are indexed yet.")


def messages_html(lines: Iterable[tuple[str, str]]) -> str:
    """Per-file results and errors: (level, text) with level ok | warn | error."""
    icon = {"ok": "✓", "warn": "!", "error": "✗"}
    items = "".join(f'<li class="ea-msg ea-{esc(level)}"><span class="ea-icon">{icon.get(level, "·")}</span> '
                    f"{esc(text)}</li>" for level, text in lines)
    return f'<ul class="ea-messages">{items}</ul>' if items else ""


def error_html(message: str) -> str:
    # Product errors are worded to follow "error: "; on their own they start with a capital.
    return f'<div class="ea-error" role="alert">⚠ {esc(message[:1].upper() + message[1:])}</div>'


def info_html(message: str) -> str:
    return f'<div class="ea-info">{esc(message)}</div>'


CSS = """
.ea-conversation { display: flex; flex-direction: column; gap: 1rem; }
.ea-empty { color: #555; padding: .75rem; border: 1px dashed #bbb; border-radius: 6px; }
.ea-turn { border: 1px solid #d0d7de; border-radius: 8px; padding: .75rem 1rem; background: #fff; color: #1f2328; }
.ea-question { font-weight: 600; margin-bottom: .5rem; }
.ea-who { display: inline-block; font-size: .75rem; text-transform: uppercase; color: #fff; background: #4a5568;
          border-radius: 4px; padding: 0 .35rem; margin-right: .35rem; }
.ea-verdict { border-left: 4px solid #2da44e; background: #f0fff4; padding: .25rem .5rem; margin: .25rem 0 .5rem; font-size: .9rem; }
.ea-verdict-partially_supported .ea-verdict, .ea-verdict-premise_rejected .ea-verdict { border-color: #bf8700; background: #fff8c5; }
.ea-verdict-unsupported .ea-verdict { border-color: #cf222e; background: #ffebe9; }
.ea-verdict-no_answer .ea-verdict { border-color: #57606a; background: #f6f8fa; }
.ea-standalone, .ea-filters, .ea-asof { font-size: .85rem; color: #57606a; margin: .2rem 0; }
.ea-text { line-height: 1.55; margin: .5rem 0; }
.ea-cite { color: #0969da; font-weight: 600; margin-left: 1px; }
.ea-cite-unknown { color: #cf222e; text-decoration: underline dotted; cursor: help; }
.ea-unsupported { text-decoration: underline wavy #cf222e; text-underline-offset: 3px; background: #fff5f5; }
.ea-flag { font-size: .8rem; color: #cf222e; font-weight: 600; text-decoration: none; display: inline-block; }
.ea-no-answer { font-style: italic; }
.ea-note { font-size: .85rem; border-left: 3px solid #bf8700; padding-left: .5rem; margin: .25rem 0; }
.ea-checking { font-size: .85rem; color: #57606a; font-style: italic; }
.ea-sources-h { font-weight: 600; font-size: .9rem; margin-top: .5rem; }
.ea-source { border: 1px solid #d0d7de; border-radius: 6px; margin: .3rem 0; padding: .25rem .5rem; background: #f6f8fa; }
.ea-source summary { cursor: pointer; }
.ea-n { font-weight: 700; color: #0969da; }
.ea-where { color: #57606a; font-size: .85rem; }
.ea-alternates { display: block; color: #57606a; font-size: .8rem; margin-left: 1.5rem; }
.ea-passage { white-space: pre-wrap; background: #fff; border-left: 3px solid #8c959f; margin: .5rem 0; padding: .4rem .6rem; }
mark.ea-quote { background: #ffe58f; color: #1f2328; padding: 0 1px; }
.ea-meta { display: grid; grid-template-columns: max-content 1fr; gap: 0 .75rem; font-size: .85rem; margin: .25rem 0; }
.ea-meta dt { color: #57606a; }
.ea-meta dd { margin: 0; }
.ea-links { font-size: .85rem; }
.ea-error { color: #82071e; background: #ffebe9; border: 1px solid #cf222e; border-radius: 6px; padding: .5rem .75rem; }
.ea-info { color: #0a3069; background: #ddf4ff; border: 1px solid #54aeff; border-radius: 6px; padding: .5rem .75rem; }
.ea-table { border-collapse: collapse; width: 100%; font-size: .9rem; }
.ea-table th, .ea-table td { border-bottom: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }
.ea-messages { list-style: none; padding: 0; }
.ea-msg.ea-error { border: none; padding: 0; background: none; }
.ea-msg .ea-icon { font-weight: 700; }
.ea-ok .ea-icon { color: #1a7f37; } .ea-warn .ea-icon { color: #9a6700; } .ea-error .ea-icon { color: #cf222e; }
.ea-timeline { list-style: none; padding-left: 0; border-left: 3px solid #0969da; margin-left: .5rem; }
.ea-timeline li { position: relative; padding: 0 0 .75rem 1rem; }
.ea-timeline li::before { content: ""; position: absolute; left: -8px; top: .35rem; width: 11px; height: 11px;
                          border-radius: 50%; background: #0969da; }
.ea-tl-date { font-weight: 700; }
.ea-tl-quote { margin: .25rem 0; padding: .25rem .5rem; border-left: 3px solid #8c959f; background: #f6f8fa; white-space: pre-wrap; }
.ea-tl-note { font-size: .8rem; color: #57606a; }
.ea-commitment { margin-bottom: .75rem; }
.ea-header { font-size: .9rem; color: #57606a; }
"""
