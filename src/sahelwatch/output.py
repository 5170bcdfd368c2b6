"""Writing files atomically (a failed write never replaces a good file nor leaves half of one),
or to standard output."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def atomic_file(path: Path, mode: str = "w") -> Iterator[IO]:
    """Open a ``.part`` file beside ``path`` (text as UTF-8) that replaces ``path`` when the
    block ends without an error, and is removed when it does not."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    try:
        encoding = None if "b" in mode else "utf-8"
        with tmp.open(mode, encoding=encoding, newline=None if "b" in mode else "") as fh:
            yield fh
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` atomically."""
    with atomic_file(path, "wb") as fh:
        fh.write(_bytes(data))


def write_csv_rows(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Write a CSV file (``\\n`` line ends) atomically, streaming the rows."""
    with atomic_file(path) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_output(data: bytes | str, out: Path | None) -> None:
    """Write ``data`` to ``out`` atomically, or to standard output when ``out`` is None."""
    if out is not None:
        write_atomic(out, data)
        return
    sys.stdout.buffer.write(_bytes(data))
    sys.stdout.buffer.flush()


def _bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data
