"""Safe expansion of an evidence folder or zip archive into files to ingest.

Everything suspicious becomes a ``Problem`` naming the file and the reason, and
the rest still loads: paths escaping the target (``../``, absolute names),
symbolic links, special files, files over the size limit, zip bombs (total
expanded size and compression ratio, counted while streaming, not trusting the
sizes the archive declares), encrypted and corrupt or truncated archives.

Zip entries are extracted one at a time into a temporary folder (under the data
directory when the caller gives one) and every file is checked against the document
limits of :mod:`palermo.ingest.limits` before the first item is yielded: a limit on a
whole archive (its total, its overall ratio, its file count) or on the upload (its
quota) refuses every file it covers, so none reaches the evidence store. ``Candidate``
paths stay valid until the generator finishes or is closed; then the folder is removed.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from palermo.ingest.limits import DocumentLimits, inspect
from palermo.ingest.readers.registry import find_reader
from palermo.settings import Settings

CHUNK = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int = 2 * 1024**3
    max_archive_total_bytes: int = 20 * 1024**3
    max_archive_ratio: float = 200.0
    # Small entries may compress very well legitimately; the ratio is judged beyond this.
    ratio_floor_bytes: int = 1024 * 1024
    # The top-level archive is depth 1; a zip inside it is depth 2.
    max_depth: int = 2
    max_archive_entries: int = 10_000
    # Everything one upload (a file, a folder or a zip) holds, archives expanded.
    max_upload_bytes: int = 20 * 1024**3
    temp_dir: Path | None = None
    document: DocumentLimits = field(default_factory=DocumentLimits)

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_file_bytes=settings.max_file_bytes,
            max_archive_total_bytes=settings.max_archive_total_bytes,
            max_archive_ratio=settings.max_archive_ratio,
            max_archive_entries=settings.max_archive_entries,
            max_upload_bytes=settings.max_upload_bytes,
            temp_dir=settings.data_dir / "tmp",
            document=DocumentLimits.from_settings(settings),
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    """A regular file to ingest: ``path`` to read, ``name`` to show (relative, with the
    archive it came from, e.g. ``bundle.zip/calls.csv``)."""

    path: Path
    name: str
    size: int


@dataclass(frozen=True, slots=True)
class Problem:
    """A file refused before reading, and why."""

    name: str
    reason: str


Item = Candidate | Problem


class _Budget:
    """Bytes expanded so far from one top-level archive (nested archives included)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0


class _Refused(Exception):
    def __init__(self, reason: str, *, stop_archive: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.stop_archive = stop_archive


class _ArchiveRefused(Exception):
    """A limit on a whole archive: none of its files may load."""

    def __init__(self, entry: str, reason: str) -> None:
        super().__init__(reason)
        self.entry = entry
        self.reason = reason


class _UploadRefused(Exception):
    """The upload is over its quota: none of its files may load."""


def is_zip(path: Path) -> bool:
    """A zip archive to expand: ``.zip``, or a zip signature on a file without extension.

    Word, OpenDocument and similar files are zips too, but they are documents.
    """
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return True
    if suffix:
        return False
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError:
        return False
    return magic in (ZIP_MAGIC, EMPTY_ZIP_MAGIC)


def expand(path: Path, limits: Limits) -> Iterator[Item]:
    """Files to ingest under ``path`` (a file, a folder or a zip), and the refused ones.

    Everything is expanded and checked before the first item is yielded, so that a limit
    tripped late (the archive's total, its compression ratio, the upload quota) refuses
    every file it covers and none of them reaches the evidence store. Extracted files stay
    in the temporary folder until the generator finishes or is closed.
    """
    if limits.temp_dir is not None:
        limits.temp_dir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="expand-", dir=limits.temp_dir))
    try:
        upload = _Budget(limits.max_upload_bytes)
        if path.is_dir():
            found = _walk(path, limits, workdir, upload)
        elif path.is_file():
            found = _file(path, path.name, limits, workdir, upload)
        else:
            found = iter([Problem(path.name or str(path), "no such file or folder")])
        items: list[Item] = []
        try:
            for item in found:
                items.append(item)
        except _UploadRefused as exc:
            reason = str(exc)
            items = [
                Problem(i.name, f"not loaded: {reason}") if isinstance(i, Candidate) else i
                for i in items
            ]
            items.append(Problem(path.name or str(path), reason))
        yield from items
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _walk(root: Path, limits: Limits, workdir: Path, upload: _Budget) -> Iterator[Item]:
    for current, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(current)
        dirnames.sort()
        for dirname in list(dirnames):
            if (base / dirname).is_symlink():
                dirnames.remove(dirname)
                yield Problem(_relative(base / dirname, root), "symbolic link refused")
        for filename in sorted(filenames):
            full = base / filename
            name = _relative(full, root)
            try:
                info = full.lstat()
            except OSError as exc:
                yield Problem(name, f"cannot read: {exc.strerror or exc}")
                continue
            if stat.S_ISLNK(info.st_mode):
                yield Problem(name, "symbolic link refused")
            elif not stat.S_ISREG(info.st_mode):
                yield Problem(name, "not a regular file")
            else:
                yield from _file(full, name, limits, workdir, upload)


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _file(path: Path, name: str, limits: Limits, workdir: Path, upload: _Budget) -> Iterator[Item]:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        yield Problem(name, _too_large(size, limits.max_file_bytes))
    elif is_zip(path):
        budget = _Budget(limits.max_archive_total_bytes)
        try:
            items = list(_archive(path, name, limits, workdir, 1, budget, upload))
        except _ArchiveRefused as refused:
            yield Problem(refused.entry, refused.reason)
            for rest in _entry_names(path, name):
                if rest != refused.entry:
                    yield Problem(rest, f"not loaded: {name} was refused ({refused.reason})")
            return
        yield from items
    else:
        _charge(upload, size, limits)
        yield _checked(Candidate(path=path, name=name, size=size), limits)


def _charge(upload: _Budget, size: int, limits: Limits) -> None:
    upload.used += size
    if upload.used > upload.limit:
        raise _UploadRefused(
            f"the upload holds over {upload.limit:,} bytes (the quota per upload), "
            "archives expanded; split it into smaller uploads"
        )


def _checked(candidate: Candidate, limits: Limits) -> Item:
    """The candidate, or a Problem if a document limit refuses it (checked by streaming)."""
    reader = find_reader(candidate.path)
    reason = inspect(candidate.path, limits.document, reader.name if reader else None)
    return candidate if reason is None else Problem(candidate.name, reason)


def _entry_names(path: Path, name: str) -> list[str]:
    """Every file an archive lists, nested archives not opened (for a refusal)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return [f"{name}/{i.filename}" for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return []


def _too_large(size: int, limit: int) -> str:
    return f"file too large ({size:,} bytes; the limit is {limit:,})"


def _archive(
    path: Path,
    name: str,
    limits: Limits,
    workdir: Path,
    depth: int,
    budget: _Budget,
    upload: _Budget,
) -> Iterator[Item]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        yield Problem(name, f"corrupt or truncated zip archive: {exc}")
        return
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_archive_entries:
            raise _ArchiveRefused(
                name,
                f"too many files in the archive ({len(entries):,}; "
                f"the limit is {limits.max_archive_entries:,})",
            )
        expanded = _Budget(0)  # this archive's own total, for its overall ratio
        packed = max(path.stat().st_size, 1)
        for index, info in enumerate(entries):
            entry_name = f"{name}/{info.filename}"
            if info.is_dir():
                continue
            reason = _entry_refusal(info, limits)
            if reason:
                yield Problem(entry_name, reason)
                continue
            target = workdir / f"{depth}-{index}-{uuid.uuid4().hex[:8]}" / _safe_name(info)
            try:
                written = _extract(archive, info, target, limits, budget)
            except _Refused as refused:
                shutil.rmtree(target.parent, ignore_errors=True)
                if refused.stop_archive:
                    raise _ArchiveRefused(entry_name, refused.reason) from None
                yield Problem(entry_name, refused.reason)
                continue
            expanded.used += written
            if expanded.used > limits.ratio_floor_bytes and (
                expanded.used / packed > limits.max_archive_ratio
            ):
                raise _ArchiveRefused(
                    entry_name,
                    "zip bomb suspected: the archive's compression ratio is above "
                    f"{limits.max_archive_ratio:g}:1",
                )
            if is_zip(target):
                if depth >= limits.max_depth:
                    yield Problem(entry_name, "nested archive too deep (not expanded)")
                else:
                    yield from _archive(
                        target, entry_name, limits, workdir, depth + 1, budget, upload
                    )
                shutil.rmtree(target.parent, ignore_errors=True)
            else:
                _charge(upload, written, limits)
                item = _checked(Candidate(path=target, name=entry_name, size=written), limits)
                if isinstance(item, Problem):
                    shutil.rmtree(target.parent, ignore_errors=True)
                yield item


def _safe_name(info: zipfile.ZipInfo) -> str:
    return PurePosixPath(info.filename.replace("\\", "/")).name or "entry"


def _entry_refusal(info: zipfile.ZipInfo, limits: Limits) -> str | None:
    raw = info.filename.replace("\\", "/")
    parts = PurePosixPath(raw).parts
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":") or ".." in parts:
        return "path escapes the archive (absolute name or '..')"
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "symbolic link refused"
    if info.flag_bits & 0x1:
        return "encrypted entry (cannot be read without the password)"
    # Declared sizes can lie; they only allow an early refusal, never an acceptance.
    if info.file_size > limits.max_file_bytes:
        return _too_large(info.file_size, limits.max_file_bytes)
    return None


def _extract(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    target: Path,
    limits: Limits,
    budget: _Budget,
) -> int:
    """Stream one entry to ``target``, counting real bytes against the limits."""
    target.parent.mkdir(parents=True, exist_ok=True)
    compressed = max(info.compress_size, 1)
    written = 0
    try:
        with archive.open(info) as source, target.open("wb") as sink:
            while True:
                chunk = source.read(CHUNK)
                if not chunk:
                    break
                written += len(chunk)
                budget.used += len(chunk)
                if written > limits.max_file_bytes:
                    raise _Refused(_too_large(written, limits.max_file_bytes))
                if budget.used > budget.limit:
                    raise _Refused(
                        f"zip bomb suspected: expands beyond {budget.limit:,} bytes in total",
                        stop_archive=True,
                    )
                if written > limits.ratio_floor_bytes and (
                    written / compressed > limits.max_archive_ratio
                ):
                    raise _Refused(
                        "zip bomb suspected: compression ratio above "
                        f"{limits.max_archive_ratio:g}:1",
                        stop_archive=True,
                    )
                sink.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise _Refused(f"corrupt archive entry: {exc}") from exc
    except NotImplementedError as exc:
        raise _Refused(f"unsupported compression: {exc}") from exc
    return written
