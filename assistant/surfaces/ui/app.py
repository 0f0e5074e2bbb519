"""The chat for committee staff: a thin Gradio layer over ``Assistant``.

Tabs: Chat (streamed, cited answers with expandable sources, filters, export), Sources (the
indexed documents, uploads, removal), Commitments (the registry and each commitment's
evidence timeline) and Recommendations (each recommendation, its reply and later evidence). ``build_app`` makes the Blocks; ``launch`` checks access, queues and serves.

The conversation is HTML written by ``render`` (every piece of document text escaped) rather
than gr.Chatbot: Chatbot renders Markdown, which would reinterpret document text (``$`` as maths,
``*`` as emphasis) and leave safety to its sanitiser.
"""
from __future__ import annotations

import atexit
import functools
import json
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterator, Sequence
from urllib.parse import quote, urlparse

# Offline by default: no usage reports, set before gradio is first imported.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import gradio as gr  # noqa: E402

from evidence_assistant.answering.answer import Answer  # noqa: E402
from evidence_assistant.surfaces.api import Assistant, clean_question  # noqa: E402
from evidence_assistant.core.errors import ConfigError, EvidenceError  # noqa: E402
from evidence_assistant.surfaces.export import evidence_as_of, export_file  # noqa: E402
from evidence_assistant.core.settings import Settings, get_settings  # noqa: E402
from evidence_assistant.core.types import DOCUMENT_KINDS  # noqa: E402

from evidence_assistant.surfaces.ui import render  # noqa: E402
from evidence_assistant.surfaces.ui.tracker_tab import add_tracker_tab  # noqa: E402
from evidence_assistant.surfaces.ui.access import HostCheck, LoginThrottle, check_address, check_can_listen, login_for  # noqa: E402
from evidence_assistant.surfaces.ui.render import Pending, error_html, info_html, messages_html  # noqa: E402
from evidence_assistant.surfaces.ui.timeline import commitment_header_html, commitment_timeline, commitments_table_html, timeline_html  # noqa: E402
from evidence_assistant.surfaces.ui.uploads import accept_uploads, check_date, forget, set_metadata  # noqa: E402

log = logging.getLogger(__name__)

HISTORY_TURNS = 6  # earlier answers passed for follow-ups; enough to carry a subject
KIND_FROM_FILE = "(from the file)"
# Formats served from the app for "open the file" links. HTML is never served from the app's own
# origin: a submitted page could carry script that would then run with the chat's login.
SERVED_SUFFIXES = {".pdf", ".docx", ".md", ".markdown", ".txt", ".text", ".json"}
# System fonts: the default theme would fetch Google Fonts, and the app must work offline.
THEME = gr.themes.Default(font=["ui-sans-serif", "system-ui", "Segoe UI", "Arial", "sans-serif"],
                          font_mono=["ui-monospace", "Consolas", "monospace"])


@functools.lru_cache(maxsize=64)
def _pdf_page_labels(path: str, mtime_ns: int) -> tuple[str, ...]:
    from pypdf import PdfReader
    return tuple(str(x) for x in PdfReader(path).page_labels)


class SourceLinks:
    """Links for a cited passage: the file itself (at the cited page, for PDFs) and its address.

    A file is added to the app's allowed paths only when a link to it is shown, one file at a
    time, so the app never serves a folder."""

    def __init__(self, demo: gr.Blocks):
        self.demo = demo

    def __call__(self, path: str | None, page: str | None, url: str | None) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if path and Path(path).suffix.lower() in SERVED_SUFFIXES and Path(path).is_file():
            real = str(Path(path).resolve())
            if real not in self.demo.allowed_paths:
                self.demo.allowed_paths.append(real)
            href, label = "gradio_api/file=" + quote(real), f"Open the file ({Path(real).name})"
            physical = self._pdf_page(real, page) if real.lower().endswith(".pdf") and page else None
            if physical:
                href, label = href + f"#page={physical}", f"Open the PDF at page {page}"
            out.append((label, href))
        if url and render.safe_href(url):
            out.append((f"Source: {urlparse(url).netloc or url}", url))
        return out

    @staticmethod
    def _pdf_page(path: str, label: str) -> int | None:
        """The 1-based physical page for a printed page label (a PDF viewer's #page= wants it)."""
        try:
            labels = _pdf_page_labels(path, os.stat(path).st_mtime_ns)
        except Exception:  # an unreadable PDF still gets a link to its first page
            labels = ()
        if label in labels:
            return labels.index(label) + 1
        return int(label) if label.isdigit() else None


class ChatUI:
    """The handlers behind the page; each turns product errors into a plain message."""

    def __init__(self, assistant: Assistant, settings: Settings):
        self.assistant = assistant
        self.settings = settings
        self.upload_dir = Path(settings.chat.upload_dir or Path(settings.index.index_dir) / "uploads")
        self._export_dir: Path | None = None  # made on the first export, removed by close()
        self._export_lock = threading.Lock()  # two sessions' first exports must make one folder
        self.links: Any = render.no_links

    def close(self) -> None:
        """Remove this chat's export folder (the downloads it offered); called when the app stops."""
        folder, self._export_dir = self._export_dir, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    # --- shared views ------------------------------------------------------------------------
    def documents(self) -> list[dict[str, Any]]:
        return self.assistant.documents()

    def titles(self) -> dict[str, str]:
        return {d["doc_id"]: d["title"] for d in self.documents()}

    def doc_choices(self) -> list[tuple[str, str]]:
        return [(f"{d['title']} ({d['kind']}, {d['date'] or 'not dated'})", d["doc_id"]) for d in self.documents()]

    def header_html(self) -> str:
        docs = self.documents()
        as_of = self.assistant.as_of()
        return (f'<div class="ea-header"><strong>Evidence Assistant</strong> · {len(docs)} documents indexed'
                f' · evidence as of {render.esc(as_of or "unknown")}'
                " · every sentence is cited; open a source to see the quoted words</div>")

    def conversation(self, turns: Sequence[Answer | Pending], show_standalone: bool) -> str:
        def passage_text(pid: str) -> str | None:
            p = self.assistant.passage(pid)
            return p.text if p else None
        return render.conversation_html(turns, show_standalone=bool(show_standalone), links=self.links,
                                        titles=self.titles(), passage_text=passage_text,
                                        alternates=render.alternates_by_doc(self.documents()))

    def refresh(self, chosen_docs: list[str] | None = None) -> tuple[Any, ...]:
        """Header, documents table and both document pickers, after the index changed."""
        choices = self.doc_choices()
        ids = {v for _, v in choices}
        kept = [d for d in (chosen_docs or []) if d in ids]
        return (self.header_html(), render.documents_html(self.documents()),
                gr.update(choices=choices, value=kept), gr.update(choices=choices, value=None))

    # --- chat --------------------------------------------------------------------------------
    @staticmethod
    def filters(kinds: list[str] | None, doc_ids: list[str] | None, since: str | None, until: str | None
                ) -> dict[str, Any] | None:
        f = {"kinds": list(kinds or []), "doc_ids": list(doc_ids or []),
             "since": (since or "").strip() or None, "until": (until or "").strip() or None}
        return f if any(f.values()) else None

    @staticmethod
    def export_choices(answers: Sequence[Answer]) -> Any:
        choices = [("Whole conversation", "all")]
        choices += [(f"Answer {i + 1}: {a.question[:60]}", str(i)) for i, a in enumerate(answers)]
        return gr.update(choices=choices, value=str(len(answers) - 1) if answers else "all")

    def ask(self, question: str, answers: list[Answer] | None, kinds: list[str] | None, doc_ids: list[str] | None,
            since: str | None, until: str | None, show_standalone: bool) -> Iterator[tuple[Any, ...]]:
        """Outputs: conversation, answers state, question box, status, export picker."""
        answers = list(answers or [])
        skip = gr.skip()
        try:
            q = clean_question(question, self.settings.answering.max_question_chars)
        except EvidenceError as exc:
            yield skip, skip, skip, error_html(str(exc)), skip
            return
        flt = self.filters(kinds, doc_ids, since, until)
        pending = Pending(q, "", flt)
        yield self.conversation(answers + [pending], show_standalone), skip, skip, "", skip
        final: Answer | None = None
        try:
            for item in self.assistant.stream(q, history=answers[-HISTORY_TURNS:], filters=flt):
                if isinstance(item, Answer):
                    final = item
                else:
                    pending.text += item
                    yield self.conversation(answers + [pending], show_standalone), skip, skip, skip, skip
        except EvidenceError as exc:
            yield self.conversation(answers, show_standalone), skip, skip, error_html(str(exc)), skip
            return
        except Exception as exc:  # keep the page usable; the log has the traceback
            log.exception("answering %r failed", q)
            yield (self.conversation(answers, show_standalone), skip, skip,
                   error_html(f"the question could not be answered ({type(exc).__name__}: {exc}); the server log has "
                              "details"), skip)
            return
        assert final is not None
        answers.append(final)
        yield self.conversation(answers, show_standalone), answers, "", "", self.export_choices(answers)

    def ask_api(self, question: str, filters_json: Any = "") -> dict[str, Any]:
        """The HTTP endpoint: the checked answer as plain data, or {"error": message}."""
        example = '{"kinds": ["report"], "since": "2023-01-01"}'
        if isinstance(filters_json, dict):  # a client that sent the object itself rather than its JSON text
            flt: Any = filters_json
        elif filters_json is None or isinstance(filters_json, str):
            try:
                flt = json.loads(filters_json) if filters_json and filters_json.strip() else None
            except json.JSONDecodeError as exc:
                return {"error": f"filters_json is not valid JSON ({exc.msg} at character {exc.pos}); "
                                 f"pass an object such as {example}"}
            except (UnicodeError, RecursionError, ValueError) as exc:
                return {"error": f"filters_json could not be read ({exc.__class__.__name__}); pass an object such "
                                 f"as {example}"}
        else:
            return {"error": f"filters_json must be text holding a JSON object such as {example} (or empty), "
                             f"not {type(filters_json).__name__}"}
        if flt is not None and not isinstance(flt, dict):
            return {"error": 'filters_json must be a JSON object such as {"kinds": ["report"]}'}
        try:
            return self.assistant.ask(question, filters=flt).to_dict()
        except EvidenceError as exc:
            return {"error": str(exc)}
        except Exception as exc:  # a clear answer for the client; the log has the traceback
            log.exception("answering through the API failed")
            return {"error": f"the question could not be answered ({type(exc).__name__}: {exc}); the server log "
                             "has details"}

    def export(self, answers: list[Answer] | None, which: str | None, fmt: str) -> tuple[Any, str]:
        """Outputs: the download (shown once there is a file), status."""
        answers = list(answers or [])
        if not answers:
            return gr.skip(), error_html("there is nothing to export yet; ask a question first")
        if which in (None, "", "all"):
            chosen, stem = answers, "evidence-conversation"
        else:
            i = int(which)
            if not 0 <= i < len(answers):
                return gr.skip(), error_html("that answer is no longer in the conversation; choose another")
            chosen, stem = [answers[i]], f"evidence-answer-{i + 1}"
        with self._export_lock:
            if self._export_dir is None:
                self._export_dir = Path(tempfile.mkdtemp(prefix="evidence-export-"))
                # Also removed when the process ends without the app being closed (Ctrl-C, an embedding script).
                atexit.register(shutil.rmtree, str(self._export_dir), True)
            folder = self._export_dir
        path = export_file(chosen, fmt, folder, stem=stem)
        return gr.update(value=str(path), visible=True), info_html(f"{path.name}: {len(chosen)} answer(s) with footnoted citations; "
                                    f"evidence as of {evidence_as_of(chosen)}.")

    # --- sources -----------------------------------------------------------------------------
    def upload(self, files: list[str] | None, kind: str | None, date_text: str | None,
               chosen_docs: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        """Outputs: results, file input, then ``refresh``'s four."""
        if not files:
            return (error_html("choose one or more files to add first"), gr.skip(), *self.refresh(chosen_docs))
        try:
            date_ = check_date(date_text)
        except ValueError as exc:
            return (error_html(f"{exc}; nothing was added"), gr.skip(), *self.refresh(chosen_docs))
        kind_ = None if kind in (None, "", KIND_FROM_FILE) else kind
        accepted, messages = accept_uploads([(f, Path(f).name) for f in files], self.upload_dir,
                                            self.settings.chat.max_upload_mb)
        if accepted:
            set_metadata(self.upload_dir, [a.dest.name for a in accepted], kind=kind_, date_=date_)
            started = self.assistant.index_time()

            def tick(info: dict[str, Any]) -> None:
                done, total = info.get("files_done", 0), max(1, info.get("files_total", 1))
                current = Path(str(info.get("current", ""))).name
                progress((done, total), desc=f"Indexing {current}".strip(), unit="files")

            try:
                report = self.assistant.add_files([a.dest for a in accepted], progress=tick)
            except EvidenceError as exc:
                messages.append(("error", f"nothing was indexed: {exc}"))
            else:
                messages += self._results(accepted, report, started)
            finally:
                self._discard_unindexed(accepted)
        return (messages_html(messages), None, *self.refresh(chosen_docs))

    def _discard_unindexed(self, accepted: list[Any]) -> None:
        """Delete the saved copy of every upload the index did not take (refused by the loaders,
        or indexing failed), so the upload folder holds only files the index points at."""
        for a in accepted:
            try:
                indexed = self.assistant.file_document(a.dest) is not None
            except Exception:  # cannot tell: keep the file rather than lose one the index uses
                log.warning("could not check whether %s is indexed; kept it", a.dest.name, exc_info=True)
                continue
            if not indexed:
                try:
                    forget(self.upload_dir, a.dest)
                except OSError as exc:
                    log.warning("could not delete the refused upload %s: %s", a.dest.name, exc)

    def _results(self, accepted: list[Any], report: Any, started: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for a in accepted:
            skipped = next((s for s in report.skipped if Path(s.path).resolve() == a.dest), None)
            if skipped is not None:
                out.append(("error", f"{a.dest.name}: {skipped.reason}. Not added."))
                continue
            doc = self.assistant.file_document(a.dest)
            if doc is None:
                out.append(("error", f"{a.dest.name}: was not indexed; see the server log"))
                continue
            what = "indexed" if doc["added_at"] >= started else "already in the index"
            out.append(("ok", f"{a.dest.name}: {what} as “{doc['title']}” ({doc['kind']}, {doc['date'] or 'not dated'}, "
                              f"{doc['n_passages']} passages)"))
            out += [("warn", f"{a.dest.name}: {w.reason}") for w in report.warnings
                    if Path(w.path).resolve() == a.dest]
        return out

    def remove(self, doc_id: str | None, chosen_docs: list[str] | None) -> tuple[Any, ...]:
        """Outputs: message, then ``refresh``'s four."""
        if not doc_id:
            return (error_html("choose a document to remove first"), *self.refresh(chosen_docs))
        doc = self.assistant.document(doc_id)
        paths = self.assistant.document_paths(doc_id)
        try:
            n = self.assistant.remove_document(doc_id)
        except EvidenceError as exc:
            return (error_html(str(exc)), *self.refresh(chosen_docs))
        deleted = [p for p in paths if forget(self.upload_dir, Path(p))]
        title = doc["title"] if doc else doc_id
        note = " Its uploaded copy was deleted." if deleted else ""
        return (info_html(f"Removed “{title}” ({n} passages) from the index.{note}"), *self.refresh(chosen_docs))

    # --- commitments -------------------------------------------------------------------------
    def commitment_choices(self) -> list[tuple[str, str]]:
        reg = self.assistant.registry
        return [(c.title, c.id) for c in reg.commitments] if reg is not None else []

    def commitments_table(self) -> str:
        reg = self.assistant.registry
        if reg is None:
            return error_html("the commitments registry could not be loaded; `evidence commitments` says why")
        return commitments_table_html(reg)

    def timeline(self, commitment_id: str | None) -> str:
        reg = self.assistant.registry
        if reg is None or not commitment_id:
            return info_html("Choose a commitment to see its evidence in date order.")
        try:
            c = reg.get(commitment_id)
        except KeyError:
            return error_html(f"no commitment {commitment_id!r} in the registry")
        items, missing = commitment_timeline(c, self.assistant)
        return commitment_header_html(reg, c) + timeline_html(items, missing, self.links)


def build_app(assistant: Assistant, settings: Settings) -> gr.Blocks:
    """The page. Launch it with ``launch`` (which adds the queue, login, theme and styles)."""
    ui = ChatUI(assistant, settings)
    private = "private"  # UI events stay out of the API; only `ask` is public
    html_args: dict[str, Any] = {"js_on_load": None}  # no click handlers on document HTML
    with gr.Blocks(title="Evidence Assistant", analytics_enabled=False) as demo:
        ui.links = SourceLinks(demo)
        answers = gr.State([])
        header = gr.HTML(ui.header_html(), elem_id="header", **html_args)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row():
                    with gr.Column(scale=3):
                        conversation = gr.HTML(ui.conversation([], False), elem_id="conversation", **html_args)
                        status = gr.HTML("", elem_id="status", **html_args)
                        question = gr.Textbox(label="Question", lines=2, max_lines=8, elem_id="question",
                                              placeholder="e.g. How did the Expert Panel rate the Government's "
                                                          "commitments on the digitisation of the NHS?")
                        with gr.Row():
                            ask = gr.Button("Ask", variant="primary", elem_id="ask")
                            clear = gr.Button("New conversation", elem_id="clear")
                        show_standalone = gr.Checkbox(False, elem_id="show-standalone",
                                                      label="Show how each question was understood "
                                                            "(follow-ups are rewritten to stand alone)")
                    with gr.Column(scale=1, min_width=300):
                        gr.Markdown("#### Narrow the question")
                        kinds = gr.CheckboxGroup(list(DOCUMENT_KINDS), label="Document kind", elem_id="filter-kinds")
                        docs = gr.Dropdown(ui.doc_choices(), value=[], multiselect=True, label="Only these documents",
                                           elem_id="filter-docs")
                        with gr.Row():
                            since = gr.Textbox(label="Dated from", placeholder="YYYY-MM-DD", elem_id="filter-since")
                            until = gr.Textbox(label="Dated to", placeholder="YYYY-MM-DD", elem_id="filter-until")
                        gr.Markdown("#### Export")
                        which = gr.Dropdown([("Whole conversation", "all")], value="all", label="Export",
                                            elem_id="export-which")
                        with gr.Row():
                            to_md = gr.Button("Markdown", elem_id="export-md", size="sm")
                            to_docx = gr.Button("Word (DOCX)", elem_id="export-docx", size="sm")
                        export_out = gr.File(label="Download", interactive=False, elem_id="export-file", visible=False)
                        export_status = gr.HTML("", elem_id="export-status", **html_args)
            with gr.Tab("Sources", id="sources"):
                documents = gr.HTML(render.documents_html(ui.documents()), elem_id="documents", **html_args)
                with gr.Row():
                    with gr.Column():
                        gr.Markdown("#### Add documents\nPDF, HTML, Word, Markdown, text or JSON, up to "
                                    f"{settings.chat.max_upload_mb:g} MB each. They are searchable as soon as they are indexed.")
                        files = gr.File(file_count="multiple", label="Files", elem_id="upload-files")
                        with gr.Row():
                            up_kind = gr.Dropdown([KIND_FROM_FILE, *DOCUMENT_KINDS], value=KIND_FROM_FILE, label="Kind",
                                                  elem_id="upload-kind")
                            up_date = gr.Textbox(label="Date (optional)", placeholder="YYYY-MM-DD", elem_id="upload-date")
                        add = gr.Button("Add to the index", variant="primary", elem_id="upload-button")
                        results = gr.HTML("", elem_id="upload-results", **html_args)
                    with gr.Column():
                        gr.Markdown("#### Remove a document")
                        remove_pick = gr.Dropdown(ui.doc_choices(), value=None, label="Document", elem_id="remove-doc")
                        remove = gr.Button("Remove from the index", variant="stop", elem_id="remove-button")
                        removed = gr.HTML("", elem_id="remove-result", **html_args)
            with gr.Tab("Commitments", id="commitments"):
                gr.HTML(ui.commitments_table(), elem_id="commitments-table", **html_args)
                pick = gr.Dropdown(ui.commitment_choices(), value=None, label="Show the evidence for",
                                   elem_id="commitment-pick")
                timeline = gr.HTML(ui.timeline(None), elem_id="timeline", **html_args)
            tracker = add_tracker_tab(demo, assistant, ui.links)

        refreshed = [header, documents, docs, remove_pick]
        ask_inputs = [question, answers, kinds, docs, since, until, show_standalone]
        ask_outputs = [conversation, answers, question, status, which]
        # UI events get their own ui_* names: "ask" is reserved for the public endpoint below.
        ask.click(ui.ask, ask_inputs, ask_outputs, concurrency_id="answer", api_name="ui_ask", api_visibility=private)
        question.submit(ui.ask, ask_inputs, ask_outputs, concurrency_id="answer", api_name="ui_submit",
                        api_visibility=private)
        clear.click(lambda: (ui.conversation([], False), [], "", ChatUI.export_choices([]),
                             gr.update(value=None, visible=False), ""),
                    None, [conversation, answers, status, which, export_out, export_status], api_name="ui_clear",
                    api_visibility=private)
        show_standalone.change(lambda a, s: ui.conversation(a or [], s), [answers, show_standalone], conversation,
                               api_name="ui_standalone", api_visibility=private)
        to_md.click(lambda a, w: ui.export(a, w, "markdown"), [answers, which], [export_out, export_status],
                    api_name="ui_export_md", api_visibility=private)
        to_docx.click(lambda a, w: ui.export(a, w, "docx"), [answers, which], [export_out, export_status],
                      api_name="ui_export_docx", api_visibility=private)
        add.click(ui.upload, [files, up_kind, up_date, docs], [results, files, *refreshed],
                  concurrency_limit=1, concurrency_id="ingest", api_name="ui_upload", api_visibility=private)
        remove.click(ui.remove, [remove_pick, docs], [removed, *refreshed],
                     concurrency_limit=1, concurrency_id="ingest", api_name="ui_remove", api_visibility=private)
        pick.change(ui.timeline, pick, timeline, api_name="ui_timeline", api_visibility=private)
        # Another session may have added documents since this page was built.
        demo.load(ui.refresh, docs, refreshed, api_name="ui_refresh", api_visibility=private)

        def ask_endpoint(question: str, filters_json: str = "") -> dict:
            """Ask a question; returns the checked answer (Answer.to_dict()) or {"error": message}."""
            return ui.ask_api(question, filters_json)

        gr.api(ask_endpoint, api_name="ask", concurrency_id="answer")
    demo.evidence_ui = ui  # type: ignore[attr-defined]  # for tests and embedding
    demo.evidence_tracker = tracker  # type: ignore[attr-defined]
    return demo


# Methods that only read. Every other method can change something (cancel an answer, upload,
# remove a document), so with a login set it needs a signed-in session.
_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_LOGIN_FORM = frozenset({"/login", "/login/"})


class SignedInToChange:
    """ASGI middleware for a chat with a login: refuses (401) any request that could change
    something unless it carries the session cookie of a signed-in user; the login form itself is
    the one exception. Gradio checks the login on its data routes, but registers some without
    that check (``/gradio_api/cancel``, ``/gradio_api/reset``, ``/gradio_api/stream/...``); this
    closes those, and any a later Gradio adds. Read-only requests are left to Gradio's own checks.

    The cookie is checked exactly as Gradio checks it: the value of ``access-token-<cookie id>``
    (or its ``-unsecure-`` twin, which plain HTTP carries) must be a token the app issued at login.
    """

    def __init__(self, app: Any, auth_message: str | None = None):
        self.app = app
        self.auth_message = auth_message

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] not in _READ_ONLY_METHODS \
                and _route_path(scope) not in _LOGIN_FORM and not _signed_in(scope):
            from starlette.responses import JSONResponse

            refusal = JSONResponse({"detail": {"error": "Not authenticated", "auth_message": self.auth_message}},
                                   status_code=401)
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _route_path(scope: dict[str, Any]) -> str:
    path, root = scope.get("path", ""), scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def _signed_in(scope: dict[str, Any]) -> bool:
    from starlette.requests import HTTPConnection

    server = scope.get("app")  # the Gradio app, which keeps the tokens it issued at login
    tokens, cookie_id = getattr(server, "tokens", None), getattr(server, "cookie_id", None)
    if not tokens or not cookie_id:
        return False
    cookies = HTTPConnection(scope).cookies
    token = cookies.get(f"access-token-{cookie_id}") or cookies.get(f"access-token-unsecure-{cookie_id}")
    return token is not None and token in tokens


def launch(settings: Settings | None = None, *, block: bool = True,
           assistant: Assistant | None = None) -> tuple[gr.Blocks, str]:
    """Serve the chat on settings.chat.host:settings.chat.port. Returns (the Blocks, local URL); with
    block=False it returns once the server is up (call ``.close()`` on the Blocks to stop)."""
    s = get_settings(settings)
    # Refuse before opening the index or binding a port.
    check_address(s)
    login = login_for(s)
    check_can_listen(s)
    a = assistant or Assistant.open(settings=s)
    try:
        demo = build_app(a, s)
    except BaseException:
        if assistant is None:
            a.close()
        raise
    ui: ChatUI = demo.evidence_ui  # type: ignore[attr-defined]
    demo.queue(default_concurrency_limit=s.max_concurrency, max_size=s.max_queue)
    auth_message = "Evidence Assistant: sign in with the login your administrator set." if login else None
    from starlette.middleware import Middleware
    # Outermost first: the Host check runs before anything else, for every request.
    middleware = [Middleware(HostCheck, listen=s.host, allowed=s.allowed_hosts)]
    if login:
        middleware += [Middleware(LoginThrottle, max_failures=s.login_max_failures, backoff_s=s.login_backoff_s),
                       Middleware(SignedInToChange, auth_message=auth_message)]
    try:
        _, local_url, _ = demo.launch(
            server_name=s.host, server_port=s.port, share=False, auth=login, auth_message=auth_message,
            app_kwargs={"middleware": middleware}, prevent_thread_lock=True, quiet=True, ssr_mode=False,
            mcp_server=False, pwa=False,
            # Gradio's own cap bounds disk use; below it, uploads over max_upload_mb get our clearer message.
            max_file_size=int(s.max_upload_mb * 4 * 1e6), theme=THEME, css=render.CSS,
            footer_links=["api"], enable_monitoring=False)
    except OSError as exc:  # the port was taken between the check above and now
        ui.close()
        if assistant is None:
            a.close()
        raise ConfigError(f"the chat could not listen on {s.host}:{s.port} ({exc.strerror or 'the port is in use'}); "
                          "choose a free port with --port or EVIDENCE_PORT") from None
    _close_with(demo, ui)
    if block:
        # Our own line instead of Gradio's banner, which suggests a public share link.
        print(f"Evidence Assistant is running at {local_url}" + (" (login required)" if login else "")
              + "; press Ctrl-C to stop.", flush=True)
        try:
            demo.block_thread()  # returns on Ctrl-C, after Gradio has closed the server
        finally:
            ui.close()
            if assistant is None:
                a.close()
    return demo, local_url


def _close_with(demo: gr.Blocks, ui: ChatUI) -> None:
    """Make ``demo.close()`` also remove what the chat made for this run (its export folder)."""
    close_server = demo.close

    def close(*args: Any, **kwargs: Any) -> Any:
        try:
            return close_server(*args, **kwargs)
        finally:
            ui.close()
            tracker = getattr(demo, "evidence_tracker", None)
            if tracker is not None:
                tracker.close()

    demo.close = close  # type: ignore[method-assign]
