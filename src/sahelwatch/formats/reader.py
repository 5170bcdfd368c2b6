"""Reading a file into its raw table: CSV (plain or gzip), zipped CSV, Excel.

Every value is read as text, so that validation (not the reader) decides what is impossible.
The table keeps the file's columns (names lower-cased) and its records in file order
(:func:`sahelwatch.store.row_number_sql` gives a record's row in the file).
A file that cannot be read at all raises :class:`~sahelwatch.errors.InputError` naming the file
and the problem, before anything is written. Archives, line lengths and sizes are checked first
within the limits of :mod:`sahelwatch.formats.unpack`; an Excel formula cell without a saved
result is refused rather than read as empty.
"""

from __future__ import annotations

import csv
import gzip
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import duckdb

from sahelwatch.errors import InputError
from sahelwatch.formats import unpack

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}


def precheck(path: Path) -> None:
    """The limits that need nothing unpacked: an archive's declared sizes, a (gzip) CSV's
    first lines. Cheap, so a hostile file is refused before it is even hashed."""
    if zipfile.is_zipfile(path):
        unpack.check_archive(path, "a zip file")
    else:
        unpack.scan_lines(path, path.name, stop_after=2)


def read_header(path: Path, encoding: str = "utf-8") -> list[str]:
    """The column names of a file, lower-cased, without reading the whole file."""
    with _materialise(path) as (csv_file, excel):
        if excel:
            header = [str(h).strip().lower() for h in _excel_rows(csv_file, limit=1)[0]]
        else:
            unpack.scan_lines(csv_file, path.name, stop_after=2)
            header, _first = _csv_head(path, csv_file, encoding)
    return _checked_names(path, header)


def _csv_head(path: Path, csv_file: Path, encoding: str) -> tuple[list[str], list[str]]:
    """A CSV file's header (names cleaned, not yet checked) and its first record."""
    opener = gzip.open if _is_gzip(csv_file) else open
    try:
        with opener(csv_file, "rt", encoding=encoding, newline="") as fh:
            records = csv.reader(fh)
            header = next(records, [])
            first = next(records, [])
    except UnicodeDecodeError as exc:
        raise InputError(f"{path.name}: {_not_encoded(encoding, ' in its header')}") from exc
    except (OSError, EOFError, csv.Error) as exc:
        raise InputError(f"{path.name}: cannot read its header ({_short(exc)}).") from exc
    if not header:
        raise InputError(f"{path.name}: the file is empty.")
    return [h.strip().lstrip("\ufeff").strip().lower() for h in header], first


def _checked_names(path: Path, header: list[str]) -> list[str]:
    """The header, refused when a column name is repeated; an unnamed column is named by its
    position (``column1`` is the first)."""
    names = [name or f"column{i}" for i, name in enumerate(header, start=1)]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(
                f"{path.name}: the header names the column '{name}' twice; "
                "rename one of them and ingest the file again."
            )
        seen.add(name)
    return names


def load_raw(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, encoding: str = "utf-8"
) -> int:
    """Create ``table`` from the file at ``path``; return its row count."""
    with _materialise(path) as (csv_file, excel):
        if excel:
            _load_excel(con, csv_file, table)
        else:
            _load_csv(con, path, csv_file, table, encoding)
    count = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert count is not None
    if count[0] == 0:
        raise InputError(f"{path.name}: the file has a header but no rows.")
    return int(count[0])


def _load_csv(
    con: duckdb.DuckDBPyConnection, path: Path, csv_file: Path, table: str, encoding: str
) -> None:
    """Read the CSV with the header's names, every field as text, every record exactly as
    wide as the header. UCDP's country-page export ends every record with a comma (one empty
    field more than the header names): when the first record does, every record must, and
    that last field must be empty everywhere."""
    unpack.scan_lines(csv_file, path.name)
    header, first = _csv_head(path, csv_file, encoding)
    names = _checked_names(path, header)
    trailing = len(first) == len(names) + 1 and not first[-1].strip()
    extra = "_sw_trailing_field"
    columns = {name: "VARCHAR" for name in names} | ({extra: "VARCHAR"} if trailing else {})
    try:
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, columns = ?, header = true, "
            "auto_detect = false, delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
            "encoding = ?)",
            [str(csv_file), columns, encoding],
        )
    except (duckdb.InvalidInputException, duckdb.IOException, duckdb.ConversionException) as exc:
        raise InputError(f"{path.name}: {_describe_csv_error(str(exc), encoding)}") from exc
    if trailing:
        row = con.execute(
            f"SELECT min(rowid) FILTER (WHERE {extra} IS NOT NULL) - min(rowid) + 2 FROM {table}"
        ).fetchone()
        if row and row[0] is not None:
            raise InputError(
                f"{path.name}: row {row[0]} has a value after its last named column "
                f"(the header names {len(names)} columns)."
            )
        con.execute(f"ALTER TABLE {table} DROP COLUMN {extra}")


def _describe_csv_error(message: str, encoding: str) -> str:
    line = re.search(r"[Ll]ine:? (\d+)", message)
    where = f" at line {line.group(1)}" if line else ""
    if "invalid unicode" in message.lower():
        return _not_encoded(encoding, where)
    if "gzip" in message.lower():
        return "the compressed file is truncated or corrupt."
    if "columns" in message.lower() or "quote" in message.lower() or "sniff" in message.lower():
        return f"the file is truncated or malformed{where} (a row has the wrong number of fields)."
    return f"cannot be read as CSV{where} ({message.splitlines()[0]})."


def _not_encoded(encoding: str, where: str) -> str:
    return (
        f"the file is not valid {encoding}{where}; re-save it as UTF-8 or pass --encoding latin-1."
    )


def _load_excel(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> None:
    import pandas as pd

    rows = _excel_rows(path)
    header = _checked_names(path, [str(h).strip().lower() for h in rows[0]])
    _check_formulas(path, header, rows)
    width = len(header)
    # openpyxl drops trailing empty cells of a row: pad every row to the header's width.
    body = [row[:width] + [None] * (width - len(row)) for row in rows[1:]]
    frame = pd.DataFrame(body, columns=header, dtype="string")
    con.register("excel_rows", frame)
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM excel_rows")
    con.unregister("excel_rows")


def _excel_rows(path: Path, limit: int | None = None) -> list[list[str | None]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise InputError(
            f"{path.name}: cannot be read as an Excel workbook ({_short(exc)})."
        ) from exc
    sheet = book.worksheets[0]
    rows = [
        [_excel_text(v) for v in row] for row in sheet.iter_rows(values_only=True, max_row=limit)
    ]
    book.close()
    if not rows or not any(rows[0]):
        raise InputError(f"{path.name}: the first worksheet is empty.")
    return rows


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(path: Path) -> bool:
    """Whether a worksheet of the workbook holds a formula (a quick scan of its XML)."""
    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            if not name.startswith("xl/worksheets/"):
                continue
            tail = b""
            with book.open(name) as part:
                while chunk := part.read(1 << 20):
                    if _FORMULA_TAG.search(tail + chunk):
                        return True
                    tail = chunk[-16:]
    return False


def _check_formulas(path: Path, header: list[str], rows: list[list[str | None]]) -> None:
    """Refuse a workbook whose formula cells have no saved result: openpyxl reads them as
    empty, which would load values that the source did publish as missing."""
    if not _has_formulas(path):
        return
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=False)
    missing: list[tuple[int, int]] = []
    for r, row in enumerate(book.worksheets[0].iter_rows(values_only=True)):
        saved = rows[r] if r < len(rows) else []
        for c, cell in enumerate(row):
            if (
                isinstance(cell, str)
                and cell.startswith("=")
                and (c >= len(saved) or saved[c] is None)
            ):
                missing.append((r + 1, c))
    book.close()
    if missing:
        row_no, col = missing[0]
        column = header[col] if col < len(header) else f"column{col + 1}"
        raise InputError(
            f"{path.name}: {len(missing)} formula cell(s) have no saved result (the first: "
            f"column '{column}', row {row_no}), so their values would load as empty; the "
            "workbook was written by a program that does not compute formulas. Open it in "
            "Excel or LibreOffice and save it, or export it as CSV, then ingest it again."
        )


def _excel_text(value: object) -> str | None:
    """Excel cells back to the text UCDP writes: whole numbers without '.0', ISO dates."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.000")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@contextmanager
def _materialise(path: Path) -> Iterator[tuple[Path, bool]]:
    """The file to read (a zip's single member is extracted) and whether it is Excel."""
    if not path.is_file():
        raise InputError(f"{path}: no such file.")
    if path.suffix.lower() in EXCEL_SUFFIXES:
        unpack.check_archive(path, "an Excel workbook")
        yield path, True
        return
    if not zipfile.is_zipfile(path):
        yield path, False
        return
    with zipfile.ZipFile(path) as archive:
        members = [m for m in archive.namelist() if m.lower().endswith((".csv", ".xlsx"))]
        if len(members) != 1:
            raise InputError(
                f"{path.name}: a zip file must hold exactly one CSV or Excel file, "
                f"found {len(members)}."
            )
        with tempfile.TemporaryDirectory(prefix="sahelwatch-") as tmp:
            try:
                extracted = unpack.extract_member(archive, members[0], Path(tmp), path.name)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise InputError(f"{path.name}: the zip file is corrupt ({_short(exc)}).") from exc
            excel = extracted.suffix.lower() in EXCEL_SUFFIXES
            if excel:
                unpack.check_archive(extracted, "an Excel workbook")
            yield extracted, excel


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
