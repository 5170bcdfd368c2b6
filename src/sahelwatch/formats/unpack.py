"""Reading untrusted input files within limits, before anything reaches DuckDB.

Every file SahelWatch reads (``sahelwatch ingest``, an upload to the API, a pull of the watch
service) may be hostile or broken. The limits (:class:`LimitSettings`, the configuration's
``[limits]`` section) are enforced here:

* a zip member is refused from its declared size and compression ratio, and unpacked as a
  stream that stops at the limit, so a zip bomb writes nothing; an Excel workbook (itself a
  zip) is checked the same way before it is opened;
* a gzip file is decompressed as a stream and counted (DuckDB then reads it itself);
* the header line and every other line are checked for length without holding a line in
  memory, and a long line is reported at its line number in the file.

The limits in force are those of :func:`using` (the watch service and the web app set theirs);
the defaults otherwise.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import numpy as np
from pydantic import Field

from sahelwatch.errors import InputError
from sahelwatch.settings import Section

__all__ = ["LimitSettings", "check_archive", "current", "extract_member", "scan_lines", "using"]

#: Past this many unpacked bytes the compression ratio is checked (small files may
#: compress very well without being bombs).
RATIO_FLOOR = 2**20
_CHUNK = 2**20


class LimitSettings(Section):
    """``[limits]``: how much of an input file is read before it is refused (files from
    sources, uploads and ``sahelwatch ingest`` alike).

    An archive (zip, gzip, the zip inside an Excel workbook) is unpacked as a stream and
    refused once it passes ``max_unpacked_bytes`` or ``max_compression_ratio`` times its
    packed size (the ratio is checked past 1 MiB); a header line over ``max_header_bytes``
    or any other line over ``max_line_bytes`` is refused at its line number.
    """

    max_unpacked_bytes: int = Field(default=4 * 2**30, gt=0)
    max_compression_ratio: float = Field(default=100.0, ge=1)
    max_header_bytes: int = Field(default=64 * 2**10, gt=0)
    max_line_bytes: int = Field(default=2**20, gt=0)


_DEFAULT = LimitSettings()
_LIMITS: ContextVar[LimitSettings | None] = ContextVar("sahelwatch_limits", default=None)


def current() -> LimitSettings:
    """The limits in force."""
    return _LIMITS.get() or _DEFAULT


@contextmanager
def using(limits: LimitSettings) -> Iterator[None]:
    """Put ``limits`` in force for the code inside (this thread or task and what it starts)."""
    token = _LIMITS.set(limits)
    try:
        yield
    finally:
        _LIMITS.reset(token)


def _unpack_limit(packed: int, limits: LimitSettings) -> int:
    """Most bytes an archive of ``packed`` bytes may unpack to."""
    by_ratio = max(RATIO_FLOOR, int(packed * limits.max_compression_ratio))
    return min(limits.max_unpacked_bytes, by_ratio)


def _too_big(name: str, what: str, size: int, packed: int, limits: LimitSettings) -> InputError:
    if size > limits.max_unpacked_bytes:
        why = f"more than {limits.max_unpacked_bytes:,} bytes (limits.max_unpacked_bytes)"
    else:
        why = (
            f"more than {limits.max_compression_ratio:g} times its packed size of {packed:,} "
            "bytes (limits.max_compression_ratio)"
        )
    return InputError(f"{name}: {what} unpacks to {why}; refused as a possible zip bomb.")


def _check_declared(name: str, info: zipfile.ZipInfo, limits: LimitSettings) -> None:
    if info.file_size > _unpack_limit(info.compress_size, limits):
        what = f"the member {info.filename}"
        raise _too_big(name, what, info.file_size, info.compress_size, limits)


def check_archive(path: Path, what: str = "archive") -> None:
    """Refuse a zip file (an Excel workbook is one) whose members would unpack beyond the
    limits, from their declared sizes (nothing is unpacked)."""
    limits = current()
    try:
        with zipfile.ZipFile(path) as book:
            infos = book.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path.name}: cannot be read as {what} ({exc}).") from exc
    for info in infos:
        _check_declared(path.name, info, limits)
    total = sum(i.file_size for i in infos)
    if total > limits.max_unpacked_bytes:
        raise _too_big(path.name, f"the {what}", total, path.stat().st_size, limits)


def extract_member(archive: zipfile.ZipFile, member: str, folder: Path, name: str) -> Path:
    """Unpack one member of ``archive`` (the file ``name``) into ``folder`` as a stream,
    refusing it from its declared size or once it passes the limits (nothing is left)."""
    limits = current()
    info = archive.getinfo(member)
    _check_declared(name, info, limits)
    allowed = _unpack_limit(info.compress_size, limits)
    target = folder / Path(member).name
    written = 0
    try:
        with archive.open(info) as source, target.open("wb") as out:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > allowed:
                    raise _too_big(
                        name, f"the member {member}", written, info.compress_size, limits
                    )
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def _open_text(path: Path) -> gzip.GzipFile | io.BufferedReader:
    with path.open("rb") as fh:
        gzipped = fh.read(2) == b"\x1f\x8b"
    return gzip.GzipFile(path, "rb") if gzipped else path.open("rb")


def scan_lines(path: Path, name: str, *, stop_after: int | None = None) -> None:
    """Check a (plain or gzip) CSV file's line lengths, and its unpacked size when gzip,
    reading it as a stream; ``stop_after`` lines, when given, are enough.

    Raises
    ------
    InputError : the header or a line is too long (with its line number), or the gzip file
        unpacks beyond the limits.
    """
    limits = current()
    packed = path.stat().st_size
    with _open_text(path) as stream:
        gzipped = isinstance(stream, gzip.GzipFile)
        allowed = _unpack_limit(packed, limits) if gzipped else None
        line, length, total = 1, 0, 0  # line number, bytes of it so far, bytes read
        try:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if allowed is not None and total > allowed:
                    raise _too_big(name, "the compressed file", total, packed, limits)
                breaks = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
                if breaks.size:
                    # Lengths of the lines this chunk ends (the first began before it).
                    lengths = np.diff(breaks, prepend=-1) - 1
                    lengths[0] += length
                    caps = np.full(lengths.size, limits.max_line_bytes)
                    caps[0] = _line_limit(line, limits)
                    over = np.flatnonzero(lengths > caps)
                    if over.size:
                        _check_line(name, line + int(over[0]), int(lengths[over[0]]), limits)
                    line += int(breaks.size)
                    if stop_after is not None and line > stop_after:
                        return
                    length = len(chunk) - int(breaks[-1]) - 1
                else:
                    length += len(chunk)
                _check_line(name, line, length, limits)
        except (OSError, EOFError) as exc:
            raise InputError(f"{name}: the compressed file is truncated or corrupt.") from exc


def _line_limit(line: int, limits: LimitSettings) -> int:
    return limits.max_header_bytes if line == 1 else limits.max_line_bytes


def _check_line(name: str, line: int, length: int, limits: LimitSettings) -> None:
    if length <= _line_limit(line, limits):
        return
    if line == 1:
        raise InputError(
            f"{name}: the header (line 1) is longer than {limits.max_header_bytes:,} bytes "
            "(limits.max_header_bytes); this is not a table SahelWatch reads."
        )
    raise InputError(
        f"{name}: line {line} is longer than {limits.max_line_bytes:,} bytes "
        "(limits.max_line_bytes); the file is malformed or not a table SahelWatch reads."
    )
