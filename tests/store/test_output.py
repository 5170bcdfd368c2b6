"""Atomic writes: a failed write keeps the good file and leaves no partial one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sahelwatch.output import write_atomic, write_csv_rows


def test_failed_stream_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    write_csv_rows(path, ["id", "name"], [["1", "Bamako"]])
    good = path.read_bytes()

    def rows() -> Iterator[list[str]]:
        yield ["2", "Gao"]
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_csv_rows(path, ["id", "name"], rows())
    assert path.read_bytes() == good == b"id,name\n1,Bamako\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.csv"]


def test_text_is_utf8_and_folders_are_made(tmp_path: Path) -> None:
    path = tmp_path / "new" / "brief.md"
    write_atomic(path, "Ménaka, Tombouctou")
    assert path.read_bytes() == "Ménaka, Tombouctou".encode()

