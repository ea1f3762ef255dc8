"""Every hostile kind, at a small size, through the product's ingest path: refused (when a
limit applies) with a reason naming the file and the limit, nothing half-written, nothing
of a refused file in the evidence store. ``benchmarks/hostile.py`` runs the full sizes."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from palermo.ingest.archive import Limits, Problem, expand
from palermo.ingest.limits import DocumentLimits, inspect
from palermo.security.permissions import Actor
from palermo.services.context import Context
from palermo.settings import Settings

from . import hostile_kinds as hk

SCALE = 0.001


@pytest.fixture
def small_ctx(ctx: Context, settings: Settings) -> Context:
    ctx.settings = settings.model_copy(update=hk.SMALL_LIMITS)
    return ctx


@pytest.mark.parametrize("kind", sorted(hk.KINDS))
def test_hostile_kind_is_contained(
    kind: str, small_ctx: Context, prosecutor: Actor, case_ref: str, tmp_path: Path
) -> None:
    small_ctx.settings = small_ctx.settings.model_copy(update=hk.SETTINGS_FOR_KIND.get(kind, {}))
    root = tmp_path / "in"
    root.mkdir()
    path = hk.KINDS[kind](root, SCALE)
    result = hk.ingest_and_count(small_ctx, prosecutor, case_ref, path)
    assert result["partial"] == 0, result
    if hk.EXPECT[kind] == "refused":
        assert result["refused"], result
        assert result["stored_files"] == 0, result
    elif hk.EXPECT[kind] == "some_refused":
        assert result["some_refused"], result
    assert list((small_ctx.settings.data_dir / "tmp").iterdir()) == []


def _reasons(path: Path, limits: Limits) -> dict[str, str]:
    return {i.name: i.reason for i in expand(path, limits) if isinstance(i, Problem)}


def test_docx_paragraph_limit_names_the_part_and_the_limit(tmp_path: Path) -> None:
    path = hk.KINDS["docx_5_million_paragraphs"](tmp_path, SCALE)
    # A generated file compresses far better than a real one: judge paragraphs alone.
    reason = inspect(path, DocumentLimits(max_paragraphs=1000, max_ratio=1e9))
    assert reason == "word/document.xml: more than 1,000 paragraphs"
    assert inspect(path, DocumentLimits(max_paragraphs=10_000_000, max_ratio=1e9)) is None
    assert "compression ratio above 200:1" in (inspect(path, DocumentLimits()) or "")


def test_entities_and_doctypes_are_refused(tmp_path: Path) -> None:
    laughs = hk.KINDS["docx_billion_laughs"](tmp_path, SCALE)
    xxe = hk.KINDS["docx_external_entity"](tmp_path, SCALE)
    for path in (laughs, xxe):
        reason = inspect(path, DocumentLimits())
        assert reason is not None and "entity expansion is refused" in reason


def test_xml_depth_limit(tmp_path: Path) -> None:
    path = hk.KINDS["docx_deep_xml"](tmp_path, SCALE)
    reason = inspect(path, DocumentLimits(max_xml_depth=100))
    assert reason == "word/document.xml: XML nested deeper than 100 levels"


def test_pdf_page_claim_is_refused_before_reading(tmp_path: Path) -> None:
    path = hk.KINDS["pdf_claims_100k_pages"](tmp_path, SCALE)
    assert inspect(path, DocumentLimits()) == "the PDF has 100,000 pages (the limit is 5,000)"


def test_in_memory_documents_have_a_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("x" * 5000)
    assert inspect(path, DocumentLimits(max_in_memory_bytes=4096), "text") == (
        "document too large to read (5,000 bytes; the limit for text files is 4,096)"
    )
    assert inspect(path, DocumentLimits(max_in_memory_bytes=4096), "calls") is None


def test_many_small_entries_under_the_entry_ratio_refuse_the_whole_archive(
    tmp_path: Path,
) -> None:
    path = hk.KINDS["zip_400_entries_under_ratio"](tmp_path, 0.05)  # 20 entries of 1 MB
    reasons = _reasons(path, Limits(temp_dir=tmp_path / "tmp"))
    with zipfile.ZipFile(path) as archive:
        names = {f"many.zip/{n}" for n in archive.namelist()}
    assert set(reasons) == names
    assert any("compression ratio is above 200:1" in r for r in reasons.values())
    assert list((tmp_path / "tmp").iterdir()) == []


def test_archive_entry_count_limit(tmp_path: Path) -> None:
    path = hk.KINDS["zip_20000_entries"](tmp_path, SCALE)
    reasons = _reasons(path, Limits(temp_dir=tmp_path / "tmp", max_archive_entries=10))
    assert reasons["entries.zip"] == "too many files in the archive (60; the limit is 10)"


def test_upload_quota_refuses_every_file(tmp_path: Path) -> None:
    path = hk.KINDS["upload_over_quota"](tmp_path, SCALE)
    items = list(expand(path, Limits(temp_dir=tmp_path / "tmp", max_upload_bytes=1_000_000)))
    assert items and all(isinstance(i, Problem) for i in items)
    assert any("quota per upload" in i.reason for i in items if isinstance(i, Problem))


def test_image_pixel_limit_reads_the_header_only(tmp_path: Path) -> None:
    path = hk.KINDS["png_decompression_bomb"](tmp_path, SCALE)  # 3,000 x 3,000
    assert inspect(path, DocumentLimits(max_image_pixels=1_000_000)) == (
        "the image is 3,000 x 3,000 pixels (the limit is 1,000,000 pixels)"
    )
    full = hk.KINDS["png_decompression_bomb"](tmp_path, 1.0)  # 60,000 x 60,000
    reason = inspect(full, DocumentLimits())
    assert reason is not None and "too large" in reason
