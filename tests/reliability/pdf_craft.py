"""Hand-built PDFs for the hostile-input tests: valid syntax, crafted structure.

Written byte by byte (objects, xref, trailer) so each file is exactly what the test needs
and nothing a PDF library would "fix" on the way out.
"""
from __future__ import annotations

_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _stream(content: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"


def build_pdf(objects: list[bytes]) -> bytes:
    """A PDF whose object i (1-based) is ``objects[i-1]``; object 1 must be the catalog."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _page(parent: int, contents: int = 4) -> bytes:
    return (b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (parent, contents))


def many_pages_pdf(n: int) -> bytes:
    """``n`` pages sharing one small content stream: tiny on disk, slow to extract and embed."""
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(n))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % n,
            _FONT,
            _stream(b"BT /F1 12 Tf 72 720 Td (Filler page of a crafted document about nothing.) Tj ET")]
    objs += [_page(2)] * n
    return build_pdf(objs)


def deep_page_tree_pdf(depth: int) -> bytes:
    """One page under ``depth`` nested /Pages nodes (recursive page-tree walkers overflow)."""
    chain = [2] + [5 + i for i in range(depth - 1)]
    page = 5 + depth - 1
    bodies: dict[int, bytes] = {}
    for j, num in enumerate(chain):
        kid = chain[j + 1] if j + 1 < len(chain) else page
        parent = b"" if j == 0 else b" /Parent %d 0 R" % chain[j - 1]
        bodies[num] = b"<< /Type /Pages /Kids [%d 0 R] /Count 1%s >>" % (kid, parent)
    bodies[page] = _page(chain[-1])
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", bodies[2], _FONT,
            _stream(b"BT /F1 12 Tf 72 720 Td (Deep page tree.) Tj ET")]
    objs += [bodies[n] for n in range(5, page + 1)]
    return build_pdf(objs)


def deep_content_pdf(depth: int) -> bytes:
    """A content stream holding an array nested ``depth`` deep (recursive parsers overflow)."""
    nested = b"[" * depth + b"(x)" + b"]" * depth
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
            _FONT,
            _stream(b"BT /F1 12 Tf 72 720 Td (Deep content stream.) Tj " + nested + b" TJ ET"),
            _page(2)]
    return build_pdf(objs)
