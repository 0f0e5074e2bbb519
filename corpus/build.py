"""Build the sample corpus's PDF and DOCX files from their source text in ``corpus/src/``.

Usage::

    python corpus/build.py              # rebuild into corpus/sample/
    python corpus/build.py --out DIR    # build into DIR (the tests compare that with the committed files)
    python corpus/build.py --check      # rebuild into a temporary folder and compare text with corpus/sample/

A source file (``corpus/src/NAME.src``) is YAML front matter followed by a light markup:

    ---
    output: name.pdf            # or name.docx; the format follows the extension
    title: ...                  # and kind, date, publisher, url, licence (author defaults to publisher)
    page_labels:                # PDF only, optional: where a numbering style starts (1-based physical page)
      - {page: 1, style: roman}
      - {page: 3, style: decimal, start: 1}
    ---
    @page                       # starts a page (PDF); every page begins with one
    > text                      # notice or note, set smaller and in italics
    # text / ## text / ### text # title / heading / subheading
    12. text ...                # numbered paragraph: the number stays at the start of the line
    **text ...**                # a paragraph set in bold as a whole (a response quoting a recommendation)
    any other text              # unnumbered paragraph

Paragraphs are separated by blank lines; a paragraph's lines are joined with single spaces.

Why the rules below: the sample corpus is evidence for the product's citations, so a page or
paragraph number cited in ``corpus/commitments.yaml`` or in the eval cases must not move when
someone rebuilds. Pages therefore break only where the source says ``@page`` (an automatic page
break is a build error), a wrapped line may not begin with something that looks like a
paragraph number, and every date the formats store is fixed so that rebuilds are byte-identical.
"""
from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

CORPUS = Path(__file__).resolve().parent
SRC_DIR = CORPUS / "src"
SAMPLE_DIR = CORPUS / "sample"

# Fixed so that rebuilding gives the same bytes; the document's own date lives in its metadata.
BUILD_TIMESTAMP = datetime(2024, 1, 1, 0, 0, 0, tzinfo=timezone.utc)
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)

# A wrapped line starting like this could be read by a loader as a new numbered paragraph:
# "12. text", "12 The ...", "3.4 Text" (loaders accept a number without a full stop when a
# capital follows).
LOOKS_NUMBERED_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3})*(?:\.(?:\s|$)|\.?\s*[A-Z\"'(])")

REQUIRED_META = ("output", "title", "kind", "date", "publisher", "url", "licence")
_STYLES = {"roman": "r", "ROMAN": "R", "decimal": "D", "letters": "a", "LETTERS": "A"}


class BuildError(Exception):
    """A source file cannot be built as written; the message names the file and what to change."""


@dataclass
class Para:
    kind: str  # title, heading, subheading, note, bold, para
    text: str


@dataclass
class Source:
    path: Path
    meta: dict[str, Any]
    pages: list[list[Para]] = field(default_factory=list)

    @property
    def output(self) -> str:
        return str(self.meta["output"])


def parse_source(path: Path) -> Source:
    raw = path.read_text(encoding="utf-8")
    m = re.match(r"^---\n(.*?)\n---\n(.*)$", raw, re.S)
    if not m:
        raise BuildError(f"{path}: must start with YAML front matter between '---' lines")
    meta = yaml.safe_load(m.group(1)) or {}
    missing = [k for k in REQUIRED_META if not meta.get(k)]
    if missing:
        raise BuildError(f"{path}: front matter lacks {', '.join(missing)}")
    meta = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in meta.items()}
    src = Source(path, meta)
    current: list[str] = []
    page: list[Para] | None = None

    def flush() -> None:
        nonlocal current
        if current:
            if page is None:
                raise BuildError(f"{path}: text before the first '@page'")
            page.append(_para(" ".join(s.strip() for s in current)))
            current = []

    for line in m.group(2).splitlines():
        if line.strip() == "@page":
            flush()
            page = []
            src.pages.append(page)
        elif not line.strip():
            flush()
        elif line.startswith(("# ", "## ", "### ", "> ")):
            # Headings and notes are single lines; they never absorb the next line.
            flush()
            current = [line]
            flush()
        else:
            current.append(line)
    flush()
    if not src.pages:
        raise BuildError(f"{path}: no '@page' found")
    return src


def _para(text: str) -> Para:
    for prefix, kind in (("### ", "subheading"), ("## ", "heading"), ("# ", "title"), ("> ", "note")):
        if text.startswith(prefix):
            return Para(kind, text[len(prefix):].strip())
    if len(text) > 4 and text.startswith("**") and text.endswith("**"):
        return Para("bold", text[2:-2].strip())
    return Para("para", text)


def _latin1(src: Source, text: str) -> str:
    # The PDF core fonts cover Latin-1 only; say which text to change rather than print '?'.
    try:
        text.encode("latin-1")
    except UnicodeEncodeError as exc:
        bad = text[exc.start:exc.end]
        raise BuildError(f"{src.path}: character {bad!r} is not Latin-1 (near {text[max(0, exc.start - 30):exc.end + 10]!r}); "
                         "use '-' for dashes and straight quotes") from exc
    return text


# --- PDF ---------------------------------------------------------------------------------------

def build_pdf(src: Source) -> bytes:
    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(25, 25, 25)
    # An automatic break would move text to a page the source did not choose.
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(BUILD_TIMESTAMP)
    pdf.set_title(_latin1(src, src.meta["title"]))
    pdf.set_author(_latin1(src, str(src.meta.get("author") or src.meta["publisher"])))
    pdf.set_subject(_latin1(src, f"{src.meta['kind']}; {src.meta['url']}"))
    pdf.set_creator("corpus/build.py (Evidence Assistant sample corpus)")
    labels = {int(x["page"]): x for x in src.meta.get("page_labels") or []}
    bottom = pdf.h - 20
    width = pdf.w - pdf.l_margin - pdf.r_margin

    outline_level: int | None = None
    for number, paras in enumerate(src.pages, start=1):
        pdf.add_page()
        if number in labels:
            spec = labels[number]
            style = _STYLES.get(str(spec.get("style", "decimal")))
            if style is None:
                raise BuildError(f"{src.path}: page_labels style {spec.get('style')!r}; use one of {', '.join(_STYLES)}")
            pdf.set_page_label(label_style=style, label_start=int(spec.get("start", 1)))
        for para in paras:
            text = _latin1(src, para.text)
            if para.kind == "title":
                pdf.set_font("Helvetica", "B", 16)
                line_h, space_after = 8.0, 4.0
            elif para.kind == "heading":
                pdf.set_font("Helvetica", "B", 13)
                line_h, space_after = 7.0, 2.5
            elif para.kind == "subheading":
                pdf.set_font("Helvetica", "B", 11)
                line_h, space_after = 6.0, 2.0
            elif para.kind == "note":
                pdf.set_font("Helvetica", "I", 9)
                line_h, space_after = 4.6, 3.0
            elif para.kind == "bold":
                pdf.set_font("Helvetica", "B", 10.5)
                line_h, space_after = 5.4, 3.0
            else:
                pdf.set_font("Helvetica", "", 10.5)
                line_h, space_after = 5.4, 3.0
            if para.kind in ("title", "heading", "subheading"):
                # Bookmarks are how a PDF states its headings; loaders use them rather than
                # guessing from the look of a line.
                level = {"title": 0, "heading": 1, "subheading": 2}[para.kind]
                if outline_level is None and level > 0:
                    level = 0
                elif outline_level is not None and level > outline_level + 1:
                    level = outline_level + 1
                pdf.start_section(text, level=level)
                outline_level = level
            lines = pdf.multi_cell(width, line_h, text, align="L", dry_run=True, output="LINES")
            for i, line in enumerate(lines[1:], start=2):
                if LOOKS_NUMBERED_RE.match(line.strip()):
                    raise BuildError(f"{src.path}: page {number}: line {i} of a paragraph would start with "
                                     f"{line.strip()[:20]!r}, which reads as a paragraph number; reword the paragraph "
                                     f"beginning {text[:40]!r}")
            if pdf.get_y() + len(lines) * line_h > bottom:
                raise BuildError(f"{src.path}: page {number} overflows at the paragraph beginning {text[:50]!r}; "
                                 "move it after a new '@page'")
            pdf.multi_cell(width, line_h, text, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(space_after)

    first = bytes(pdf.output())
    # fpdf2 writes only the standard info keys; the loader also reads the product's own keys
    # (/Kind, /Date, /Publisher, /URL, /Licence), so add them with pypdf.
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(first)))
    writer.add_metadata({
        "/Kind": str(src.meta["kind"]),
        "/Date": str(src.meta["date"]),
        "/Publisher": str(src.meta["publisher"]),
        "/URL": str(src.meta["url"]),
        "/Licence": str(src.meta["licence"]),
    })
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- DOCX --------------------------------------------------------------------------------------

def build_docx(src: Source) -> bytes:
    import docx
    from docx.shared import Pt

    document = docx.Document()
    props = document.core_properties
    props.title = src.meta["title"]
    props.author = str(src.meta.get("author") or src.meta["publisher"])
    props.category = str(src.meta["kind"])
    props.identifier = str(src.meta["url"])
    props.subject = str(src.meta["title"])
    # Core properties have no field for a publication date or a licence; the loader reads
    # "key: value" lines in Comments (``created`` is when the file was made, not published).
    props.comments = f"date: {src.meta['date']}\nlicence: {src.meta['licence']}\npublisher: {src.meta['publisher']}"
    props.keywords = str(src.meta["kind"])
    props.last_modified_by = "corpus/build.py"
    props.revision = 1
    props.created = BUILD_TIMESTAMP.replace(tzinfo=None)
    props.modified = BUILD_TIMESTAMP.replace(tzinfo=None)
    props.last_printed = BUILD_TIMESTAMP.replace(tzinfo=None)

    for paras in src.pages:
        for para in paras:
            if para.kind == "title":
                document.add_heading(para.text, level=1)
            elif para.kind == "heading":
                document.add_heading(para.text, level=2)
            elif para.kind == "subheading":
                document.add_heading(para.text, level=3)
            elif para.kind == "note":
                run = document.add_paragraph().add_run(para.text)
                run.italic = True
                run.font.size = Pt(9)
            elif para.kind == "bold":
                document.add_paragraph().add_run(para.text).bold = True
            else:
                document.add_paragraph(para.text)

    raw = io.BytesIO()
    document.save(raw)
    return _stable_zip(raw.getvalue())


def _stable_zip(data: bytes) -> bytes:
    # python-docx stamps every zip member with the current time; rewrite with a fixed one.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIMESTAMP)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            zout.writestr(fixed, zin.read(info.filename))
    return out.getvalue()


# --- Driver ------------------------------------------------------------------------------------

def sources(src_dir: Path = SRC_DIR) -> list[Source]:
    return [parse_source(p) for p in sorted(src_dir.glob("*.src"))]


def build(out_dir: Path = SAMPLE_DIR, *, src_dir: Path = SRC_DIR) -> list[Path]:
    """Build every source in ``src_dir`` into ``out_dir``; return the files written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for src in sources(src_dir):
        suffix = Path(src.output).suffix.lower()
        if suffix == ".pdf":
            data = build_pdf(src)
        elif suffix == ".docx":
            data = build_docx(src)
        else:
            raise BuildError(f"{src.path}: output {src.output!r} must end in .pdf or .docx")
        target = out_dir / src.output
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        written.append(target)
    return written


def extracted_text(path: Path) -> list[str]:
    """Text per page (PDF) or per paragraph (DOCX), for comparing a rebuild with the committed file."""
    if path.suffix.lower() == ".pdf":
        from pypdf import PdfReader

        return [page.extract_text() for page in PdfReader(path).pages]
    import docx

    return [p.text for p in docx.Document(str(path)).paragraphs]


def check(out_dir: Path | None = None) -> list[str]:
    """Rebuild into ``out_dir`` (a temporary folder by default) and list every difference in
    extracted text from the committed files in ``corpus/sample/``."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(out_dir) if out_dir else Path(tmp)
        for built in build(target):
            committed = SAMPLE_DIR / built.name
            if not committed.exists():
                problems.append(f"{committed}: missing; run python corpus/build.py")
            elif extracted_text(built) != extracted_text(committed):
                problems.append(f"{committed}: text differs from a rebuild; run python corpus/build.py")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=SAMPLE_DIR, help="folder to write into (default: corpus/sample)")
    parser.add_argument("--check", action="store_true", help="rebuild in a temporary folder and compare with corpus/sample")
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = check()
            for p in problems:
                print(p, file=sys.stderr)
            print("sample corpus is up to date" if not problems else f"{len(problems)} file(s) out of date")
            return 1 if problems else 0
        for path in build(args.out):
            print(f"built {path}")
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
