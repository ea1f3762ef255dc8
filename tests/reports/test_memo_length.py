"""A full memo whose body runs past a few pages says so at the top of the PDF; a short
one does not; the paper size follows the memo's jurisdiction."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from types import SimpleNamespace

from pypdf import PdfReader

from palermo.reports.memo import BODY_PAGES, Memo, MemoSection, render_memo_pdf


def _memo(files: int, paper: str = "A4") -> Memo:
    listed = [
        SimpleNamespace(
            original_name=f"statement_{i:03}.pdf",
            source_kind="document",
            media_type="application/pdf",
            size=1000 + i,
            record_count=0,
            status="loaded",
            problem=None,
            sha256=f"{i:064x}",
        )
        for i in range(files)
    ]
    memo = Memo("LEN-1", "Length", datetime(2024, 3, 2, tzinfo=UTC), "tester", True, paper=paper)
    memo.sections += [
        MemoSection("evidence", "Evidence index", "section_evidence.html", {"files": listed}),
        MemoSection("gaps", "Gaps", "section_gaps.html", {"gaps": [], "tasks": []}, appendix=True),
    ]
    return memo


def _text(pdf: bytes) -> tuple[int, str, float]:
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    return len(reader.pages), text, float(reader.pages[0].mediabox.height)


def test_a_long_body_says_how_long_it_is_and_a_short_one_does_not() -> None:
    long = _memo(400)
    pages, text, _ = _text(render_memo_pdf(long))
    assert long.body_pages is not None and long.body_pages > BODY_PAGES
    assert f"The body of this memo runs to {long.body_pages} pages" in text
    assert pages > long.body_pages  # the appendix follows the body
    short = _memo(3, paper="letter")
    _, text, height = _text(render_memo_pdf(short))
    assert short.body_pages is None and "The body of this memo runs to" not in text
    assert round(height) == 792  # US Letter, 11 inches
    _, _, a4 = _text(render_memo_pdf(_memo(3)))
    assert round(a4) == 842  # A4, 297 mm
    assert "prepared 2 March 2024" in text  # the date style given, day first by default
