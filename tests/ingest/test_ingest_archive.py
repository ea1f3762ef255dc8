"""Folders and zips: traversal, links, bombs, truncation and size limits are refused
with a reason while the rest still loads."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest

from palermo.ingest.archive import Candidate, Limits, Problem, expand
from palermo.security.permissions import Actor
from palermo.services.context import Context
from palermo.services.ingest import Outcome, ingest_path
from palermo.settings import Settings

from .conftest import CALLS, MESSAGES, WriteFile


def _zip(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return path


def _symlink_entry(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def _items(path: Path, limits: Limits) -> dict[str, Candidate | Problem]:
    result: dict[str, Candidate | Problem] = {}
    for item in expand(path, limits):
        if isinstance(item, Candidate):
            item.path.read_bytes()  # readable while current
        result[item.name] = item
    return result


def _reason(item: Candidate | Problem) -> str:
    assert isinstance(item, Problem), item
    return item.reason


def test_zip_entries_escaping_or_linking_are_refused(tmp_path: Path) -> None:
    archive = _zip(
        tmp_path / "bundle.zip",
        [
            ("calls.csv", CALLS.encode()),
            ("../evil.csv", b"x"),
            ("/etc/cron.d/evil", b"x"),
            ("dir/../../evil2.csv", b"x"),
            _symlink_entry("link.csv", "/etc/passwd"),
            ("inner/messages.csv", MESSAGES.encode()),
        ],
    )
    items = _items(archive, Limits(temp_dir=tmp_path / "tmp"))
    assert isinstance(items["bundle.zip/calls.csv"], Candidate)
    assert isinstance(items["bundle.zip/inner/messages.csv"], Candidate)
    for name in ("../evil.csv", "/etc/cron.d/evil", "dir/../../evil2.csv"):
        assert "escapes the archive" in _reason(items[f"bundle.zip/{name}"])
    assert "symbolic link" in _reason(items["bundle.zip/link.csv"])
    # Nothing was written outside the temporary folder, which is gone afterwards.
    assert not (tmp_path / "evil.csv").exists()
    assert list((tmp_path / "tmp").iterdir()) == []


def test_zip_bomb_is_stopped_while_streaming(tmp_path: Path) -> None:
    archive = _zip(
        tmp_path / "bomb.zip",
        [
            ("calls.csv", CALLS.encode()),
            ("zeros.csv", bytes(50 * 1024 * 1024)),
            ("after.csv", CALLS.encode()),
        ],
    )
    assert archive.stat().st_size < 200_000
    items = _items(archive, Limits(temp_dir=tmp_path / "tmp", max_archive_ratio=50))
    # A bomb refuses the whole archive: the entries before it do not load either.
    assert "compression ratio" in _reason(items["bomb.zip/zeros.csv"])
    assert "bomb.zip was refused" in _reason(items["bomb.zip/calls.csv"])
    assert "bomb.zip was refused" in _reason(items["bomb.zip/after.csv"])
    # Total size limit, whatever the ratio.
    items = _items(
        archive,
        Limits(temp_dir=tmp_path / "tmp", max_archive_total_bytes=5_000_000, max_archive_ratio=1e9),
    )
    assert "expands beyond 5,000,000 bytes" in _reason(items["bomb.zip/zeros.csv"])


def test_lying_headers_do_not_help(tmp_path: Path) -> None:
    # The declared uncompressed size says 10 bytes; the stream holds 20 MB.
    path = _zip(tmp_path / "liar.zip", [("zeros.csv", bytes(20 * 1024 * 1024))])
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.infolist()[0]
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    local = info.header_offset
    data[local + 22 : local + 26] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    items = _items(path, Limits(temp_dir=tmp_path / "tmp", max_file_bytes=1_000_000))
    # zipfile stops at the declared size, and the CRC then fails: nothing is accepted.
    assert "corrupt archive entry" in _reason(items["liar.zip/zeros.csv"])
    assert "CRC" in _reason(items["liar.zip/zeros.csv"])


def test_truncated_and_corrupt_zips(tmp_path: Path) -> None:
    good = _zip(tmp_path / "good.zip", [("calls.csv", CALLS.encode() * 50)])
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    items = _items(truncated, Limits(temp_dir=tmp_path / "tmp"))
    assert "corrupt or truncated zip" in _reason(items["truncated.zip"])
    # Damaged compressed data with an intact directory: the entry fails, not the run.
    data = bytearray(good.read_bytes())
    data[60:90] = b"\xff" * 30
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    items = _items(damaged, Limits(temp_dir=tmp_path / "tmp"))
    assert "corrupt archive entry" in _reason(items["damaged.zip/calls.csv"])


def test_folder_links_special_and_oversize_files(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    (folder / "sub").mkdir(parents=True)
    (folder / "calls.csv").write_text(CALLS)
    (folder / "big.csv").write_bytes(b"x" * 5000)
    os.symlink("/etc/passwd", folder / "passwd.csv")
    os.symlink(tmp_path, folder / "sub" / "loop")
    os.mkfifo(folder / "pipe.csv")
    items = _items(folder, Limits(temp_dir=tmp_path / "tmp", max_file_bytes=4096))
    assert isinstance(items["calls.csv"], Candidate)
    assert "too large" in _reason(items["big.csv"])
    assert "symbolic link" in _reason(items["passwd.csv"])
    assert "symbolic link" in _reason(items["sub/loop"])
    assert "not a regular file" in _reason(items["pipe.csv"])


def test_nested_zip_one_level(tmp_path: Path) -> None:
    inner = _zip(tmp_path / "inner.zip", [("calls.csv", CALLS.encode())])
    innermost = _zip(tmp_path / "deep.zip", [("x.csv", CALLS.encode())])
    middle = _zip(tmp_path / "middle.zip", [("deep.zip", innermost.read_bytes())])
    outer = _zip(
        tmp_path / "outer.zip",
        [
            ("inner.zip", inner.read_bytes()),
            ("middle.zip", middle.read_bytes()),
        ],
    )
    items = _items(outer, Limits(temp_dir=tmp_path / "tmp"))
    assert isinstance(items["outer.zip/inner.zip/calls.csv"], Candidate)
    assert "too deep" in _reason(items["outer.zip/middle.zip/deep.zip"])


@pytest.fixture
def tight_ctx(ctx: Context, settings: Settings) -> Context:
    """The test context with low limits, so a small bomb and a small file trip them."""
    ctx.settings = settings.model_copy(
        update={
            "max_file_bytes": 1_000_000,
            "max_archive_total_bytes": 10_000_000,
            "max_archive_ratio": 100.0,
        }
    )
    return ctx


def test_ingest_of_a_hostile_zip_loads_the_rest(
    tight_ctx: Context, prosecutor: Actor, case_ref: str, write: WriteFile, evidence: Path
) -> None:
    _zip(
        evidence / "bundle.zip",
        [
            ("calls.csv", CALLS.encode()),
            ("../../escape.csv", MESSAGES.encode()),
            _symlink_entry("link.csv", "/etc/passwd"),
        ],
    )
    _zip(evidence / "bomb.zip", [("zeros.csv", bytes(50 * 1024 * 1024))])
    write("messages.csv", MESSAGES)
    write("huge.csv", MESSAGES + "x" * 1_100_000)
    (evidence / "broken.zip").write_bytes(b"PK\x03\x04 truncated")
    report = ingest_path(tight_ctx, prosecutor, case_ref, evidence)
    statuses = {f.name: f.status for f in report.files}
    assert statuses == {
        "bundle.zip/calls.csv": Outcome.LOADED,
        "bundle.zip/../../escape.csv": Outcome.SKIPPED,
        "bundle.zip/link.csv": Outcome.SKIPPED,
        "bomb.zip/zeros.csv": Outcome.SKIPPED,
        "messages.csv": Outcome.LOADED,
        "huge.csv": Outcome.SKIPPED,
        "broken.zip": Outcome.SKIPPED,
    }
    assert report.records == 5
    assert list((tight_ctx.settings.data_dir / "tmp").iterdir()) == []
