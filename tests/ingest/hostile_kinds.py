"""Builders of hostile evidence files, shared by the limit tests and ``benchmarks/hostile.py``.

Each builder writes one file or folder under ``root`` and returns its path; ``scale``
1.0 is the full size the benchmark uses (the sizes of the attacks measured on a demo
instance), the tests use a small scale. ``EXPECT`` says what the product must do:
``refused`` (skipped or failed with a reason, nothing of it loaded), ``some_refused`` (the
file loads, a part of it such as an attachment is refused) or ``any`` (loading what is
readable is fine, as long as nothing crashes, hangs or grows without bound).
"""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

Builder = Callable[[Path, float], Path]
Write = Callable[[bytes], object]  # a sink of bytes (a zip member's write): its result unused
KINDS: dict[str, Builder] = {}
EXPECT: dict[str, str] = {}

CALLS = "caller,callee,start,duration\n+12025550147,+12025550148,2024-01-01T10:00:00Z,60\n"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


def kind(name: str, expect: str = "refused") -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        KINDS[name] = builder
        EXPECT[name] = expect
        return builder

    return register


def _n(full: int, scale: float, least: int = 1) -> int:
    return max(least, int(full * scale))


def _zip(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return path


def _zeros_zip(path: Path, entries: list[tuple[str, int]]) -> Path:
    """A zip of entries of zeros, written in chunks (no big buffer in memory)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, size in entries:
            with zf.open(name, "w", force_zip64=size > 2**31) as sink:
                left = size
                block = bytes(min(size, 4 * 1024 * 1024))
                while left > 0:
                    sink.write(block[: min(left, len(block))])
                    left -= len(block)
    return path


def _docx(path: Path, body: Callable[[Write], object], head: str = "") -> Path:
    """A DOCX whose document.xml body is streamed by ``body(write)``."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", CT)
        zf.writestr("_rels/.rels", RELS)
        with zf.open("word/document.xml", "w", force_zip64=True) as sink:
            sink.write((head or '<?xml version="1.0"?>').encode())
            sink.write(f'<w:document xmlns:w="{W}"><w:body>'.encode())
            body(sink.write)
            sink.write(b"</w:body></w:document>")
    return path


# --- archives ----------------------------------------------------------------------------


@kind("zip_bomb_single_entry")
def zip_bomb(root: Path, scale: float) -> Path:
    return _zeros_zip(root / "bomb.zip", [("zeros.csv", _n(1024**3, scale, 5_000_000))])


@kind("zip_400_entries_under_ratio")
def zip_many_under_ratio(root: Path, scale: float) -> Path:
    # Each entry 1 MB of zeros: under the per-entry ratio floor, 400 MB in all.
    n = _n(400, scale, 8)
    return _zeros_zip(root / "many.zip", [(f"part-{i:03}.csv", 1024 * 1024) for i in range(n)])


@kind("zip_nested_bomb")
def zip_nested_bomb(root: Path, scale: float) -> Path:
    inner = _zeros_zip(root / "inner.zip", [("zeros.csv", _n(512 * 1024**2, scale, 5_000_000))])
    middle = _zip(root / "middle.zip", [(f"inner-{i}.zip", inner.read_bytes()) for i in range(4)])
    outer = _zip(root / "nested.zip", [("middle.zip", middle.read_bytes())])
    inner.unlink()
    middle.unlink()
    return outer


@kind("zip_nested_20_deep")
def zip_deep(root: Path, scale: float) -> Path:
    data = CALLS.encode()
    name = "calls.csv"
    for level in range(20):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(name, data)
        data, name = buf.getvalue(), f"level-{level}.zip"
    path = root / "deep.zip"
    path.write_bytes(data)
    return path


@kind("zip_overlapping_entries")
def zip_overlap(root: Path, scale: float) -> Path:
    """One compressed kernel referenced by many central-directory entries (no recursion)."""
    base = _zeros_zip(root / "one.zip", [("k.csv", _n(100 * 1024**2, scale, 2_000_000))])
    data = base.read_bytes()
    base.unlink()
    end = data.rfind(b"PK\x05\x06")
    cd_offset = struct.unpack("<I", data[end + 16 : end + 20])[0]
    central = data[cd_offset:end]
    copies = _n(1000, scale, 20)
    entries = b"".join(
        central.replace(b"k.csv", f"{i:05}".encode()[:5]) for i in range(copies)
    )  # same name length, all pointing at offset 0
    eocd = bytearray(data[end : end + 22])
    eocd[8:10] = struct.pack("<H", copies)
    eocd[10:12] = struct.pack("<H", copies)
    eocd[12:16] = struct.pack("<I", len(entries))
    path = root / "overlap.zip"
    path.write_bytes(data[:cd_offset] + entries + bytes(eocd))
    return path


@kind("zip_quine_like_self_copy")
def zip_self(root: Path, scale: float) -> Path:
    """A zip holding copies of itself at each level (recursion bait)."""
    path = root / "self.zip"
    _zip(path, [("calls.csv", CALLS.encode())])
    for _ in range(6):
        data = path.read_bytes()
        _zip(path, [("self.zip", data), ("self-copy.zip", data)])
    return path


@kind("zip_20000_entries")
def zip_many(root: Path, scale: float) -> Path:
    n = _n(20_000, scale, 60)
    with zipfile.ZipFile(root / "entries.zip", "w") as zf:
        for i in range(n):
            zf.writestr(f"f{i}.txt", b"x")
    return root / "entries.zip"


@kind("zip_path_traversal")
def zip_traversal(root: Path, scale: float) -> Path:
    return _zip(
        root / "traversal.zip",
        [("../../evil.csv", CALLS.encode()), ("/etc/cron.d/evil", b"x"), ("a/../../b.csv", b"x")],
    )


@kind("zip_symlink_entry")
def zip_symlink(root: Path, scale: float) -> Path:
    info = zipfile.ZipInfo("passwd.csv")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return _zip(root / "links.zip", [(info, b"/etc/passwd")])


@kind("zip_encrypted_flag")
def zip_encrypted(root: Path, scale: float) -> Path:
    path = _zip(root / "locked.zip", [("calls.csv", CALLS.encode())])
    data = bytearray(path.read_bytes())
    data[6] |= 1
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 1
    path.write_bytes(bytes(data))
    return path


@kind("zip_lying_sizes")
def zip_liar(root: Path, scale: float) -> Path:
    path = _zeros_zip(root / "liar.zip", [("zeros.csv", _n(200 * 1024**2, scale, 3_000_000))])
    data = bytearray(path.read_bytes())
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    data[22:26] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return path


@kind("zip_truncated")
def zip_truncated(root: Path, scale: float) -> Path:
    data = _zip(root / "t.zip", [("calls.csv", CALLS.encode() * 100)]).read_bytes()
    path = root / "truncated.zip"
    path.write_bytes(data[: len(data) // 2])
    (root / "t.zip").unlink()
    return path


@kind("zip_garbage_with_zip_magic", "any")
def zip_garbage(root: Path, scale: float) -> Path:
    path = root / "garbage.zip"
    path.write_bytes(b"PK\x03\x04" + os.urandom(_n(1_000_000, scale, 4000)))
    return path


# --- OOXML documents ---------------------------------------------------------------------


@kind("docx_5_million_paragraphs")
def docx_paragraphs(root: Path, scale: float) -> Path:
    n = _n(5_000_000, scale, 300_000)

    def body(write: Write) -> None:
        block = b"<w:p/>" * 10_000
        for _ in range(n // 10_000):
            write(block)

    return _docx(root / "paragraphs.docx", body)


@kind("docx_decompression_bomb")
def docx_bomb(root: Path, scale: float) -> Path:
    size = _n(512 * 1024**2, scale, 2_000_000)

    def body(write: Write) -> None:
        block = b" " * (4 * 1024 * 1024)
        left = size
        while left > 0:
            write(block[: min(left, len(block))])
            left -= len(block)
        write(b"<w:p><w:r><w:t>x</w:t></w:r></w:p>")

    return _docx(root / "bomb.docx", body)


@kind("docx_billion_laughs")
def docx_laughs(root: Path, scale: float) -> Path:
    return _docx(
        root / "laughs.docx",
        lambda write: write(b"<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>"),
        head=LAUGHS,
    )


@kind("docx_external_entity")
def docx_xxe(root: Path, scale: float) -> Path:
    return _docx(
        root / "xxe.docx",
        lambda write: write(b"<w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>"),
        head='<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    )


@kind("docx_deep_xml")
def docx_deep(root: Path, scale: float) -> Path:
    depth = _n(200_000, scale, 5_000)

    def body(write: Write) -> None:
        write(b"<w:p>" + b"<w:r>" * depth + b"</w:r>" * depth + b"</w:p>")

    return _docx(root / "deep.docx", body)


@kind("docx_truncated", "any")
def docx_truncated(root: Path, scale: float) -> Path:
    full = _docx(root / "full.docx", lambda write: write(b"<w:p><w:r><w:t>hi</w:t></w:r></w:p>"))
    data = full.read_bytes()
    full.unlink()
    path = root / "truncated.docx"
    path.write_bytes(data[: len(data) // 2])
    return path


@kind("docx_mislabelled_text", "any")
def docx_text(root: Path, scale: float) -> Path:
    path = root / "statement.docx"
    path.write_text("This is not a Word file. Call +1 202 555 0147.\n")
    return path


@kind("xlsx_billion_laughs")
def xlsx_laughs(root: Path, scale: float) -> Path:
    sheet = LAUGHS + "<worksheet><sheetData><row><c><v>&lol9;</v></c></row></sheetData></worksheet>"
    return _zip(root / "laughs.xlsx", [("xl/worksheets/sheet1.xml", sheet.encode())])


@kind("docx_entries_bomb")
def docx_entries(root: Path, scale: float) -> Path:
    path = _docx(root / "parts.docx", lambda write: write(b"<w:p/>"))
    with zipfile.ZipFile(path, "a") as zf:
        for i in range(_n(20_000, scale, 10_050)):
            zf.writestr(f"word/media/i{i}.xml", b"<a/>")
    return path


# --- PDF -----------------------------------------------------------------------------------


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


@kind("pdf_claims_100k_pages")
def pdf_claim(root: Path, scale: float) -> Path:
    path = root / "claim.pdf"
    path.write_bytes(
        _pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 100000 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
            ]
        )
    )
    return path


@kind("pdf_100k_real_pages")
def pdf_pages(root: Path, scale: float) -> Path:
    n = _n(100_000, scale, 5_001)
    kids = " ".join(f"{3 + i} 0 R" for i in range(n)).encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [" + kids]
    objects[1] += f"] /Count {n} >>".encode()
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * n
    path = root / "pages.pdf"
    path.write_bytes(_pdf(objects))
    return path


@kind("pdf_page_tree_loop", "any")
def pdf_loop(root: Path, scale: float) -> Path:
    path = root / "loop.pdf"
    path.write_bytes(
        _pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
            ]
        )
    )
    return path


@kind("pdf_flate_bomb", "any")
def pdf_flate(root: Path, scale: float) -> Path:
    raw = zlib.compress(b"BT /F1 12 Tf (x) Tj ET\n" + b" " * _n(500 * 1024**2, scale, 2_000_000), 9)
    stream = f"<< /Length {len(raw)} /Filter /FlateDecode >>\nstream\n".encode() + raw
    stream += b"\nendstream"
    path = root / "flate.pdf"
    path.write_bytes(
        _pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
                stream,
            ]
        )
    )
    return path


@kind("pdf_truncated", "any")
def pdf_truncated(root: Path, scale: float) -> Path:
    data = pdf_claim(root, scale).read_bytes()
    path = root / "truncated.pdf"
    path.write_bytes(data[: len(data) // 2])
    (root / "claim.pdf").unlink()
    return path


# --- text, CSV, HTML, mail -----------------------------------------------------------------


def _repeat(path: Path, block: bytes, size: int, head: bytes = b"", tail: bytes = b"") -> Path:
    with path.open("wb") as sink:
        sink.write(head)
        left = size
        while left > 0:
            sink.write(block[: min(left, len(block))])
            left -= len(block)
        sink.write(tail)
    return path


@kind("csv_huge_single_line", "any")
def csv_line(root: Path, scale: float) -> Path:
    return _repeat(root / "line.csv", b"a," * 512 * 1024, _n(100 * 1024**2, scale, 1_000_000))


@kind("csv_million_columns", "any")
def csv_columns(root: Path, scale: float) -> Path:
    n = _n(1_000_000, scale, 20_000)
    header = ",".join(f"c{i}" for i in range(n)).encode() + b"\n"
    row = b"1," * (n - 1) + b"1\n"
    path = root / "columns.csv"
    path.write_bytes(header + row * 3)
    return path


@kind("csv_nul_bytes", "any")
def csv_nul(root: Path, scale: float) -> Path:
    path = root / "nul.csv"
    path.write_bytes(CALLS.encode().replace(b",", b"\x00,") + b"\x00" * 1000)
    return path


@kind("csv_invalid_utf8", "any")
def csv_utf8(root: Path, scale: float) -> Path:
    path = root / "bad.csv"
    path.write_bytes(CALLS.encode() + b"+1202555\xff\xfe0149,+12025550148,2024-01-01,\xc3\x28\n")
    return path


@kind("csv_millions_of_rows_of_commas", "any")
def csv_commas(root: Path, scale: float) -> Path:
    return _repeat(root / "commas.csv", b",,,\n" * 100_000, _n(100 * 1024**2, scale, 400_000))


@kind("txt_binary_junk", "any")
def txt_junk(root: Path, scale: float) -> Path:
    path = root / "junk.txt"
    path.write_bytes(os.urandom(_n(10 * 1024**2, scale, 50_000)))
    return path


@kind("txt_huge_text")
def txt_huge(root: Path, scale: float) -> Path:
    size = _n(100 * 1024**2, scale, 0)
    size = max(size, 70 * 1024**2) if scale >= 0.05 else max(size, 2_000_000)
    return _repeat(root / "huge.txt", b"He took my passport. " * 1000, size)


@kind("html_deep_nesting", "any")
def html_deep(root: Path, scale: float) -> Path:
    n = _n(500_000, scale, 20_000)
    path = root / "deep.html"
    path.write_bytes(b"<html><body>" + b"<div>" * n + b"x" + b"</div>" * n + b"</body></html>")
    return path


@kind("html_entity_laughs", "any")
def html_laughs(root: Path, scale: float) -> Path:
    path = root / "laughs.html"
    path.write_text(LAUGHS.replace('<?xml version="1.0"?>', "") + "<html><p>&lol9;</p></html>")
    return path


@kind("eml_nested_20_deep", "any")
def eml_nested(root: Path, scale: float) -> Path:
    message = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: 0\r\n\r\nhello\r\n"
    for level in range(1, 20):
        message = (
            b"From: a@example.com\r\nTo: b@example.com\r\nSubject: "
            + str(level).encode()
            + b'\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b'
            + str(level).encode()
            + b'"\r\n\r\n--b'
            + str(level).encode()
            + b"\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b"
            + str(level).encode()
            + b"\r\nContent-Type: message/rfc822\r\n"
            + b'Content-Disposition: attachment; filename="m.eml"\r\n\r\n'
            + message
            + b"\r\n--b"
            + str(level).encode()
            + b"--\r\n"
        )
    path = root / "nested.eml"
    path.write_bytes(message)
    return path


@kind("eml_with_docx_bomb_attachment", "some_refused")
def eml_bomb(root: Path, scale: float) -> Path:
    import base64

    bomb = docx_paragraphs(root, scale).read_bytes()
    (root / "paragraphs.docx").unlink()
    encoded = base64.encodebytes(bomb)
    path = root / "bomb.eml"
    path.write_bytes(
        b"From: a@example.com\r\nTo: b@example.com\r\nSubject: bomb\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\nContent-Type: text/plain'
        b"\r\n\r\nsee attached\r\n--x\r\nContent-Type: application/vnd.openxmlformats-"
        b"officedocument.wordprocessingml.document\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="statement.docx"\r\n\r\n'
        + encoded
        + b"\r\n--x--\r\n"
    )
    return path


@kind("mbox_many_messages", "any")
def mbox_many(root: Path, scale: float) -> Path:
    n = _n(50_000, scale, 500)
    msg = b"From a@example.com Mon Jan  1 00:00:00 2024\nFrom: a@example.com\nSubject: s\n\nhi\n\n"
    path = root / "box.mbox"
    path.write_bytes(msg * n)
    return path


@kind("telegram_json_deep", "any")
def telegram_deep(root: Path, scale: float) -> Path:
    n = _n(200_000, scale, 5_000)
    path = root / "result.json"
    path.write_bytes(b'{"messages": ' + b"[" * n + b"]" * n + b"}")
    return path


@kind("empty_files", "any")
def empty(root: Path, scale: float) -> Path:
    folder = root / "empty"
    folder.mkdir()
    for name in ("a.csv", "b.pdf", "c.docx", "d.txt", "e.zip", "f.eml", "g"):
        (folder / name).write_bytes(b"")
    return folder


@kind("mislabelled_extensions", "any")
def mislabelled(root: Path, scale: float) -> Path:
    folder = root / "mislabelled"
    folder.mkdir()
    (folder / "calls.pdf").write_text(CALLS)
    pdf_claim(folder, scale).rename(folder / "claim.txt")
    _zip(folder / "archive.csv", [("calls.csv", CALLS.encode())])
    (folder / "image.png").write_bytes(b"<html><body>not an image</body></html>")
    return folder


@kind("folder_symlinks_and_fifo", "any")
def folder_links(root: Path, scale: float) -> Path:
    folder = root / "links"
    folder.mkdir()
    os.symlink("/etc/passwd", folder / "passwd.csv")
    os.symlink(root, folder / "loop")
    os.mkfifo(folder / "pipe.csv")
    (folder / "calls.csv").write_text(CALLS)
    return folder


@kind("png_decompression_bomb", "any")
def png_bomb(root: Path, scale: float) -> Path:
    side = _n(60_000, scale, 3_000)
    raw = b"".join(b"\x00" + bytes(side // 8) for _ in range(1))  # one filtered row, 1-bit
    row = b"\x00" + bytes((side + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    del raw

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
    png += chunk(b"IDAT", data) + chunk(b"IEND", b"")
    path = root / "bomb.png"
    path.write_bytes(png)
    return path


@kind("upload_over_quota")
def over_quota(root: Path, scale: float) -> Path:
    """Many ordinary files that together exceed the upload quota the runner sets."""
    folder = root / "quota"
    folder.mkdir()
    for i in range(10):
        (folder / f"part-{i}.csv").write_text(CALLS + "x," * 100_000)
    return folder


# Settings the runner sets for one kind (the benchmark keeps every other default).
SETTINGS_FOR_KIND: dict[str, dict[str, int]] = {
    "upload_over_quota": {"max_upload_bytes": 1_000_000}
}
# Lower limits for the small scale of the tests, so that small files trip the same limits.
SMALL_LIMITS: dict[str, int] = {
    "max_archive_entries": 50,
    "max_document_expanded_bytes": 1_000_000,
    "max_document_bytes": 1_000_000,
}


def ingest_and_count(ctx: Any, actor: Any, reference: str, path: Path) -> dict[str, Any]:
    """Ingest ``path`` through the product path and count what it left behind.

    ``partial`` counts what must never happen: files in the evidence store that no
    evidence row names, records or document pages of a file that did not load, and any
    stored file for an upload whose every file was refused by a limit.
    """
    import sqlalchemy as sa

    from palermo.services.ingest import ingest_path
    from palermo.store.models import EvidenceFile, Record
    from palermo.store.models.documents import Document

    report = ingest_path(ctx, actor, reference, path)
    statuses: dict[str, int] = {}
    for f in report.files:
        statuses[f.status] = statuses.get(f.status, 0) + 1
    store = ctx.settings.evidence_dir
    stored = (
        [p for p in store.rglob("*") if p.is_file() and "tmp" not in p.relative_to(store).parts]
        if store.exists()
        else []
    )
    with ctx.db.session() as s:
        rows = s.scalar(sa.select(sa.func.count()).select_from(EvidenceFile)) or 0
        not_loaded = sa.select(EvidenceFile.id).where(EvidenceFile.status != "loaded")
        stray = (
            s.scalar(
                sa.select(sa.func.count())
                .select_from(Record)
                .where(Record.evidence_file_id.in_(not_loaded))
            )
            or 0
        ) + (
            s.scalar(
                sa.select(sa.func.count())
                .select_from(Document)
                .where(Document.evidence_file_id.in_(not_loaded))
            )
            or 0
        )
    all_refused = bool(report.files) and all(f.status == "skipped" for f in report.files)
    partial = max(0, len(stored) - rows) + stray + (len(stored) if all_refused else 0)
    reasons = sorted({f.message[:160] for f in report.files if f.status != "loaded"})
    return {
        "statuses": statuses,
        "records": report.records,
        "stored_files": len(stored),
        "partial": partial,
        "refused": not any(f.status == "loaded" for f in report.files),
        "some_refused": any(f.status == "skipped" for f in report.files),
        "reasons": reasons[:3],
    }
