"""Ingesting a file into the store as one transaction.

A file is read into its raw table (kept: the records as the file had them), each row is
validated (impossible rows go to quarantine with their reason), and the rest is merged: a record
new to its family is *added*, one whose content differs from its newest earlier version is
*revised* (a new version is kept beside the old), and one that matches is *unchanged*. The
release's coverage (countries x months) is recorded, and the records that a complete newer
release of a withdrawing source lacks where it covers them are *withdrawn* (see :func:`_withdraw`;
a source's list of deleted records withdraws those it names). Either all of this is committed or
none of it: a failure or a killed process leaves the store as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from sahelwatch import formats
from sahelwatch.errors import InputError, ReleaseError, StoreError
from sahelwatch.formats import ucdp
from sahelwatch.formats.base import Format
from sahelwatch.formats.reader import load_raw, precheck, read_header
from sahelwatch.gazetteer import CM_FAMILIES, EVENT_FAMILIES
from sahelwatch.periods import compress_months, format_runs, month_range, parse_period
from sahelwatch.progress import Progress
from sahelwatch.store import Store, raw_table, retry_conflicts, rollback, row_number_sql
from sahelwatch.words import counted

# A UCDP file with events in at least this many countries is taken as a global release.
GLOBAL_MIN_COUNTRIES = 20

# Sources whose complete releases withdraw the records of earlier releases that they lack
# (UCDP's Candidate releases are partial by design: they withdraw nothing).
WITHDRAWING_SOURCES = ("acled", "ucdp_ged")
# A release lacking at least this many earlier records, and more than it has again, is taken
# for a sample or extract: it withdraws nothing.
EXTRACT_MIN_MISSING = 20

SOURCES_BY_FAMILY = {
    **EVENT_FAMILIES,
    # Country-month totals, food insecurity and displacement: one source per family, named as
    # the family.
    **{family: (family,) for family in CM_FAMILIES},
    **{f.family: (f.family,) for f in formats.FORMATS if f.kind == "consequence"},
}


@dataclass
class IngestReport:
    """What one file brought into the store."""

    path: Path
    format: str
    source: str
    release: str
    rows_read: int = 0
    added: int = 0
    revised: int = 0
    unchanged: int = 0
    rejected: int = 0
    withdrawn: int = 0
    not_withdrawn: int = 0
    coverage: str = ""
    countries: int = 0
    already_ingested: datetime | None = None
    reasons: list[tuple[str, int]] = field(default_factory=list)
    flagged: int = 0
    flags: list[tuple[str, int]] = field(default_factory=list)

    def summary(self) -> str:
        """A few lines for people."""
        head = f"{self.path.name}: {self.source} {self.release}"
        if self.already_ingested:
            when = f"{self.already_ingested:%Y-%m-%d %H:%M}"
            return f"{head}: already ingested on {when}; nothing changed."
        fmt = formats.by_name(self.format)
        if fmt is not None and fmt.kind == "deletions":
            return (
                f"{head}: {self.rows_read} deleted records listed, {self.rejected} rejected; "
                f"{self.withdrawn} of them were in the store and are withdrawn (kept in "
                "history, shown with --as-of)."
            )
        lines = [
            f"{head}: {self.rows_read} rows read, {self.added} added, {self.revised} revised, "
            f"{self.unchanged} unchanged, {self.rejected} rejected.",
            f"  covers {self.coverage or 'no months'} in "
            f"{counted(self.countries, 'country', 'countries')}."
            if self.coverage
            else "  records no coverage.",
        ]
        if self.withdrawn:
            lines.append(
                f"  withdrew {self.withdrawn} records that a complete newer release lacks "
                "(kept in history, shown with --as-of)."
            )
        if self.not_withdrawn:
            lines.append(
                f"  kept {self.not_withdrawn} records current that a release claiming to cover "
                "them lacks: it lacks more than it has, so it is taken for a sample or extract "
                "(state its coverage with --period/--countries, or use --no-coverage)."
            )
        lines += [f"  rejected {n}: {reason}" for reason, n in self.reasons]
        lines += [f"  flagged {n} (loaded as published): {flag}" for flag, n in self.flags]
        return "\n".join(lines)


def ingest(
    store: Store,
    path: str | Path,
    *,
    source: str | None = None,
    release: str | None = None,
    period: tuple[date, date] | None = None,
    countries: list[int] | None = None,
    record_coverage: bool = True,
    complete: bool = True,
    encoding: str = "utf-8",
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest one file (CSV, gzip/zip CSV or Excel) into ``store`` in one transaction.

    Parameters
    ----------
    path : the file; its format is recognised from its header.
    source, release : override what is detected (the release is otherwise read from the file
        name for UCDP, from the newest ``timestamp`` for ACLED, from the table for GED totals).
    period : months the release covers (default: months with events, within what the release
        name announces). ``countries`` likewise (default: every country for a global UCDP
        release, else the countries present).
    record_coverage : False for a sample or extract that covers nothing completely.
    complete : False for an incremental file that holds only what changed. A complete ACLED
        export or UCDP GED yearly release *withdraws* the records of earlier releases of its
        source that it lacks in the countries and months it covers (see :func:`_withdraw`).
    """
    path = Path(path)
    if store.read_only:
        raise StoreError(f"the store {store.path} is open read-only; nothing was ingested.")
    say = progress or (lambda _msg: None)
    if not path.is_file():
        raise InputError(f"{path}: no such file.")
    precheck(path)  # a hostile file is refused before it is hashed
    digest, size = file_sha256(path)
    options = _Options(source, release, period, countries, record_coverage, complete, encoding)

    def attempt() -> IngestReport:
        """One try, in one transaction; the check that the file is new is part of it."""
        con = store.con
        con.execute("BEGIN TRANSACTION")
        try:
            store.claim_ingest()
            logged = con.execute(
                "SELECT l.finished_at, l.format, r.source, r.release, l.rows_read "
                "FROM ingest_log l JOIN releases r USING (release_id) WHERE sha256 = ? "
                "ORDER BY file_id LIMIT 1",
                [digest],
            ).fetchone()
            if logged:
                rollback(con)
                return IngestReport(
                    path,
                    logged[1],
                    logged[2],
                    logged[3],
                    rows_read=logged[4],
                    unchanged=logged[4],
                    already_ingested=logged[0],
                )
            report = _ingest_new(store, path, digest, size, say, options)
            con.execute("COMMIT")
            return report
        except BaseException:
            rollback(con)
            raise
        finally:
            for temp in ("cand", "merged", "cover"):
                con.execute(f"DROP TABLE IF EXISTS {temp}")

    return retry_conflicts(attempt, f"ingesting {path.name}")


def ingest_files(
    store: Store,
    paths: Iterable[str | Path],
    *,
    source: str | None = None,
    release: str | None = None,
    period: str | None = None,
    countries: str | None = None,
    record_coverage: bool = True,
    encoding: str = "utf-8",
    progress: Progress | None = None,
) -> Iterator[IngestReport]:
    """:func:`ingest` each file in turn, with the period (``YYYY-MM..YYYY-MM``) and the
    countries (comma-separated names or codes) as text, as the CLI and the API take them.

    Both are checked at once, before any file is read; each report comes as its file is done.
    """
    from sahelwatch.query import resolve_countries

    span = parse_period(period) if period else None
    scope = resolve_countries(store, countries)
    return (
        ingest(
            store,
            path,
            source=source,
            release=release,
            period=span,
            countries=scope,
            record_coverage=record_coverage,
            encoding=encoding,
            progress=progress,
        )
        for path in paths
    )


@dataclass(frozen=True)
class _Options:
    """What :func:`ingest` was told about the file."""

    source: str | None
    release: str | None
    period: tuple[date, date] | None
    countries: list[int] | None
    record_coverage: bool
    complete: bool
    encoding: str


def _ingest_new(
    store: Store, path: Path, digest: str, size: int, say: Progress, opt: _Options
) -> IngestReport:
    """Read, validate, merge and log a file not ingested yet, in the open transaction."""
    fmt = _detect(path, opt.encoding)
    started = datetime.now()
    con = store.con
    file_id = _next_id(con, "ingest_log", "file_id")
    table = raw_table(file_id)
    say(f"reading {path.name} ({fmt.title})")
    rows = load_raw(con, path, table, opt.encoding)
    header = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()]
    release = opt.release or _release(con, fmt, path, table)
    source = _source(fmt, release, opt.source, path)
    report = IngestReport(path, fmt.name, source, release, rows_read=rows)
    release_id = _release_id(con, fmt, source, release)
    say(f"validating {rows} rows")
    row_sql = row_number_sql(con, table)
    _validate(con, fmt, header, table, row_sql)
    _quarantine(con, file_id, path, table, row_sql, report)
    if fmt.kind == "deletions":
        _withdraw_listed(con, release_id, file_id, report)
    else:
        say("merging versions")
        _merge(con, fmt, release_id, file_id, report)
    say("recording coverage")
    if opt.record_coverage and fmt.kind in ("event", "country_month"):
        _cover(con, fmt, release, release_id, opt.period, opt.countries, report)
    withdraws = fmt.kind == "event" and source in WITHDRAWING_SOURCES
    if withdraws:
        say("withdrawing records that newer releases lack")
        complete = opt.complete and opt.record_coverage
        withdraws = _withdraw(con, release_id, file_id, complete, report)
    con.execute(
        "INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?, ?)",
        [
            file_id,
            str(path.resolve()),
            digest,
            size,
            fmt.name,
            release_id,
            rows,
            report.added,
            report.revised,
            report.unchanged,
            report.rejected,
            started,
            header,
            withdraws,
        ],
    )
    return report


def file_sha256(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _detect(path: Path, encoding: str) -> Format:
    header = read_header(path, encoding)
    fmt = formats.detect(header)
    if fmt is None:
        shown = ", ".join(header[:6]) + (", ..." if len(header) > 6 else "")
        known = "; ".join(f.title for f in formats.FORMATS)
        raise InputError(
            f"{path.name}: not a known format (its header is: {shown}); SahelWatch reads {known}."
        )
    return fmt


def _release(con: duckdb.DuckDBPyConnection, fmt: Format, path: Path, table: str) -> str:
    found = ucdp.release_from_filename(path.name) if fmt.family == "ucdp" else None
    if found is None and fmt.release_sql:
        row = con.execute(f"SELECT {fmt.release_sql} FROM {table}").fetchone()
        found = row[0] if row and row[0] else None
    if not found:
        raise ReleaseError(f"{path.name}: cannot tell which release this is; pass --release.")
    return str(found)


def _source(fmt: Format, release: str, override: str | None, path: Path) -> str:
    allowed = SOURCES_BY_FAMILY[fmt.family]
    if override:
        if override not in allowed:
            raise ReleaseError(
                f"{path.name}: a {fmt.title} file cannot be source '{override}' "
                f"(it can be: {', '.join(allowed)})."
            )
        return override
    if fmt.family == "ucdp":
        candidate = fmt.name == "ucdp_reduced" or ucdp.is_candidate(release)
        return "ucdp_candidate" if candidate else "ucdp_ged"
    return allowed[0]


def release_key(release: str) -> str:
    """A key that sorts releases of one family: version numbers numerically, dates as text."""
    parts = release.split(".")
    if all(p.isdigit() for p in parts):
        return ".".join(f"{int(p):06d}" for p in parts)
    return release


def _release_id(con: duckdb.DuckDBPyConnection, fmt: Format, source: str, release: str) -> int:
    row = con.execute(
        "SELECT release_id, family FROM releases WHERE source = ? AND release = ?",
        [source, release],
    ).fetchone()
    if row:
        return int(row[0])
    release_id = _next_id(con, "releases", "release_id")
    con.execute(
        "INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?, ?, now())",
        [
            release_id,
            fmt.family,
            source,
            release,
            release_key(release),
            fmt.kind,
            source in ("ucdp_candidate", "ucdp_candidate_cm"),
        ],
    )
    return release_id


def _next_id(con: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    return int(_scalar(con, f"SELECT coalesce(max({column}), 0) + 1 FROM {table}"))


def _validate(
    con: duckdb.DuckDBPyConnection, fmt: Format, header: list[str], table: str, row_sql: str
) -> None:
    """``cand``: canonical rows with their reason; a repeated uid is rejected after its first."""
    content = f"{fmt.content_sql(header)} AS content_hash"
    con.execute(f"CREATE TEMP TABLE cand AS {fmt.canonical_sql(table, row_sql, content)}")
    con.execute(
        """
        UPDATE cand SET reason = 'duplicate record ' || cand.uid || ' (first at row ' ||
            d.first_row || ')'
        FROM (SELECT uid, min(row_number) AS first_row FROM cand WHERE reason = ''
              GROUP BY uid HAVING count(*) > 1) d
        WHERE cand.uid = d.uid AND cand.reason = '' AND cand.row_number > d.first_row
        """
    )


def _quarantine(
    con: duckdb.DuckDBPyConnection,
    file_id: int,
    path: Path,
    table: str,
    row_sql: str,
    report: IngestReport,
) -> None:
    con.execute(
        "INSERT INTO quarantine SELECT ?, ?, c.row_number, c.reason, to_json(s)::VARCHAR "
        f"FROM cand c JOIN {table} s ON {row_sql} = c.row_number WHERE c.reason <> '' "
        "ORDER BY c.row_number",
        [file_id, str(path.resolve())],
    )
    report.rejected = _scalar(con, "SELECT count(*) FROM cand WHERE reason <> ''")
    report.reasons = _kinds(con, "reason", "reason <> ''")
    if "flags" in [d[0] for d in con.execute("SELECT * FROM cand LIMIT 0").description]:
        report.flagged = _scalar(con, "SELECT count(flags) FROM cand WHERE reason = ''")
        report.flags = _kinds(con, "unnest(string_split(flags, '; '))", "reason = ''")


def _kinds(con: duckdb.DuckDBPyConnection, text: str, where: str) -> list[tuple[str, int]]:
    """The ten commonest kinds of ``text`` (a reason or a flag) in ``cand`` rows ``where``,
    with quoted values and numbers masked."""
    rows = con.execute(
        f"SELECT regexp_replace(t, '''[^'']*''|-?\\d+', '…', 'g') AS kind, count(*) "
        f"FROM (SELECT {text} AS t FROM cand WHERE {where}) WHERE t IS NOT NULL "
        "GROUP BY kind ORDER BY count(*) DESC, kind LIMIT 10"
    ).fetchall()
    return [(str(kind), int(n)) for kind, n in rows]


def _merge(
    con: duckdb.DuckDBPyConnection,
    fmt: Format,
    release_id: int,
    file_id: int,
    report: IngestReport,
) -> None:
    table = fmt.version_table
    columns = list(fmt.canonical_columns)
    con.execute(
        f"""
        CREATE TEMP TABLE merged AS
        WITH mine AS (SELECT uid, row_number, content_hash FROM cand WHERE reason = ''),
        prior AS (
            SELECT v.uid, v.content_hash, v.release_id = $rid AS same_release
            FROM {table} v JOIN releases r USING (release_id)
            WHERE r.family = (SELECT family FROM releases WHERE release_id = $rid)
              AND (r.release_key < (SELECT release_key FROM releases WHERE release_id = $rid)
                   OR v.release_id = $rid)
              AND v.uid IN (SELECT uid FROM mine)
            QUALIFY row_number() OVER (
                PARTITION BY v.uid ORDER BY v.release_id = $rid DESC, r.release_key DESC) = 1)
        SELECT mine.uid, mine.row_number, CASE
            WHEN prior.uid IS NULL THEN 'added'
            WHEN prior.content_hash = mine.content_hash THEN 'unchanged'
            WHEN prior.same_release THEN 'conflict'
            ELSE 'revised' END AS status,
            coalesce(prior.same_release, FALSE) AS seen_in_release
        FROM mine LEFT JOIN prior USING (uid)
        """,
        {"rid": release_id},
    )
    counts = dict(con.execute("SELECT status, count(*) FROM merged GROUP BY status").fetchall())
    if counts.get("conflict"):
        uid = _scalar(con, "SELECT min(uid) FROM merged WHERE status = 'conflict'")
        raise ReleaseError(
            f"{report.path.name}: {counts['conflict']} records (e.g. {uid}) differ from the same "
            f"release {report.release} already stored; a changed file needs a new --release."
        )
    report.added = counts.get("added", 0)
    report.revised = counts.get("revised", 0)
    report.unchanged = counts.get("unchanged", 0)
    names = ", ".join(columns)
    # In file order: DuckDB then writes whole row groups, so a later ingest that appends to
    # the table does not rewrite (at its checkpoint) the part-filled groups a parallel insert
    # leaves behind.
    con.execute(
        f"INSERT INTO {table} (release_id, file_id, row_number, content_hash, {names}) "
        f"SELECT $rid, $fid, c.row_number, c.content_hash, c.{names.replace(', ', ', c.')} "
        "FROM cand c JOIN merged m USING (row_number) WHERE m.status IN ('added', 'revised') "
        "ORDER BY c.row_number",
        {"rid": release_id, "fid": file_id},
    )
    # A newer release ingested earlier may now hold a copy of the version just inserted.
    newer = _scalar(
        con,
        "SELECT count(*) FROM releases r, releases me WHERE me.release_id = "
        f"{int(release_id)} AND r.family = me.family AND r.release_key > me.release_key",
    )
    if newer:
        _drop_repeated_versions(con, table, release_id)
    con.execute(
        "INSERT INTO sightings SELECT uid, $rid, $fid, row_number FROM merged "
        "WHERE NOT seen_in_release ORDER BY row_number",
        {"rid": release_id, "fid": file_id},
    )


def _drop_repeated_versions(con: duckdb.DuckDBPyConnection, table: str, release_id: int) -> None:
    """Delete versions of a newer release that repeat the version just inserted before them."""
    con.execute(
        f"""
        DELETE FROM {table} t USING (
            SELECT v.uid, v.release_id, v.content_hash = lag(v.content_hash) OVER (
                PARTITION BY v.uid ORDER BY r.release_key) AS same
            FROM {table} v JOIN releases r USING (release_id)
            WHERE r.family = (SELECT family FROM releases WHERE release_id = $rid)
              AND v.uid IN (SELECT uid FROM merged WHERE status IN ('added', 'revised'))) d
        WHERE d.same AND t.uid = d.uid AND t.release_id = d.release_id AND t.release_id <> $rid
        """,
        {"rid": release_id},
    )


def _cover(
    con: duckdb.DuckDBPyConnection,
    fmt: Format,
    release: str,
    release_id: int,
    period: tuple[date, date] | None,
    countries: list[int] | None,
    report: IngestReport,
) -> None:
    """Record the (country, month) cells this release covers."""
    if fmt.kind == "country_month":
        con.execute(
            "CREATE OR REPLACE TEMP TABLE cover AS SELECT DISTINCT country_gw, month FROM cand "
            "WHERE reason = ''"
        )
    else:
        months = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT date_trunc('month', date_start)::DATE FROM cand WHERE reason = ''"
            ).fetchall()
        }
        bounds = period or (ucdp.nominal_period(release) if fmt.family == "ucdp" else None)
        if period:
            months = set(month_range(*period))
        elif bounds and fmt.family == "ucdp" and not ucdp.is_candidate(release):
            # A yearly GED release covers its countries in every month of its years.
            months = set(month_range(*bounds))
        elif bounds:
            months = {m for m in months if bounds[0] <= m <= bounds[1]}
        present = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT country_gw FROM cand WHERE reason = ''"
            ).fetchall()
        ]
        scope = countries or present
        if countries is None and fmt.family == "ucdp" and len(present) >= GLOBAL_MIN_COUNTRIES:
            scope = [r[0] for r in con.execute("SELECT gw FROM countries").fetchall()]
        per_country = {gw: sorted(months) for gw in scope}
        if fmt.family == "acled" and not period:
            per_country = _acled_months(con, scope)
        cells = [(gw, m) for gw, ms in per_country.items() for m in ms]
        con.execute(
            "CREATE OR REPLACE TEMP TABLE cover AS SELECT unnest($c)::INTEGER AS country_gw, "
            "unnest($m)::DATE AS month",
            {"c": [c for c, _ in cells], "m": [m for _, m in cells]},
        )
    con.execute(
        "INSERT INTO coverage SELECT $rid, country_gw, month FROM cover "
        "EXCEPT SELECT release_id, country_gw, month FROM coverage WHERE release_id = $rid",
        {"rid": release_id},
    )
    months_all = [r[0] for r in con.execute("SELECT DISTINCT month FROM cover").fetchall()]
    report.coverage = format_runs(compress_months(months_all))
    report.countries = _scalar(con, "SELECT count(DISTINCT country_gw) FROM cover")


def _acled_months(con: duckdb.DuckDBPyConnection, scope: list[int]) -> dict[int, list[date]]:
    """Months an ACLED export covers per country: every month from the country's first event
    (the export's first, for a country without events) to the export's last event."""
    first = dict(
        con.execute(
            "SELECT country_gw, min(date_start) FROM cand WHERE reason = '' GROUP BY ALL"
        ).fetchall()
    )
    span = con.execute("SELECT min(date_start), max(date_start) FROM cand WHERE reason = ''")
    start, end = span.fetchone() or (None, None)
    if start is None:
        return {}
    return {gw: month_range(first.get(gw, start), end) for gw in scope}


# Records of earlier releases of release $w's source that it lacks in a (country, month) it
# covers; {only} restricts them to the records of the file just read.
_MISSING_SQL = """
WITH w AS (SELECT family, source, release, release_key FROM releases WHERE release_id = $w),
fam AS (
    SELECT r.release_id, r.release_key, r.source = w.source AS same_source
    FROM releases r, w WHERE r.family = w.family AND r.release_key < w.release_key),
missing AS (
    SELECT s.uid FROM sightings s JOIN fam f USING (release_id) WHERE f.same_source {only}
    EXCEPT SELECT uid FROM sightings WHERE release_id = $w
    EXCEPT SELECT uid FROM withdrawals WHERE release_id = $w
    {present}),
seen AS (
    SELECT s.uid, max(f.release_key) AS seen_key FROM sightings s JOIN fam f USING (release_id)
    WHERE s.uid IN (SELECT uid FROM missing) GROUP BY s.uid),
gone AS (
    SELECT x.uid, max(f.release_key) AS gone_key FROM withdrawals x JOIN fam f USING (release_id)
    WHERE x.uid IN (SELECT uid FROM missing) GROUP BY x.uid),
placed AS (
    SELECT v.uid, v.country_gw, date_trunc('month', v.date_start)::DATE AS month
    FROM event_versions v JOIN fam f USING (release_id)
    WHERE v.uid IN (SELECT uid FROM missing)
    QUALIFY row_number() OVER (PARTITION BY v.uid ORDER BY f.release_key DESC) = 1)
SELECT p.uid, $w, $fid,
    'missing from ' || w.source || ' ' || w.release || ', which covers its country and month'
FROM placed p JOIN seen USING (uid) LEFT JOIN gone USING (uid)
JOIN coverage c ON c.release_id = $w AND c.country_gw = p.country_gw AND c.month = p.month, w
WHERE gone.gone_key IS NULL OR gone.gone_key < seen.seen_key
"""


def _withdraw(
    con: duckdb.DuckDBPyConnection,
    release_id: int,
    file_id: int,
    withdraws: bool,
    report: IngestReport,
) -> bool:
    """Withdraw the records that a complete release of the same source lacks in a country and
    month it covers: those of earlier releases this release lacks (when ``withdraws``), and
    those of this file that newer releases, ingested before it, lack. A withdrawn record is no
    longer current but keeps its versions; it is current again if a later release has it.

    A release that lacks more of the records compared than it has (at least
    :data:`EXTRACT_MIN_MISSING`) is taken for a sample or an extract that claims more coverage
    than it has: it withdraws nothing (the report says so). Returns whether this release
    withdraws.
    """
    before = _scalar(con, "SELECT count(*) FROM withdrawals")
    if withdraws:
        withdraws = _withdraw_missing(
            con,
            _MISSING_SQL.format(only="", present="EXCEPT SELECT uid FROM cand"),
            "SELECT count(*) FROM merged WHERE status <> 'added'",
            release_id,
            file_id,
            report,
        )
    newer = con.execute(
        "SELECT DISTINCT l.release_id FROM ingest_log l JOIN releases r USING (release_id), "
        "releases me WHERE me.release_id = $rid AND r.source = me.source "
        "AND r.release_key > me.release_key AND l.withdraws ORDER BY 1",
        {"rid": release_id},
    ).fetchall()
    for (later,) in newer:
        _withdraw_missing(
            con,
            _MISSING_SQL.format(only="AND s.uid IN (SELECT uid FROM merged)", present=""),
            f"SELECT count(*) FROM sightings WHERE release_id = {int(later)} "
            "AND uid IN (SELECT uid FROM merged)",
            later,
            file_id,
            report,
        )
    report.withdrawn = _scalar(con, "SELECT count(*) FROM withdrawals") - before
    return withdraws


def _withdraw_missing(
    con: duckdb.DuckDBPyConnection,
    missing_sql: str,
    kept_sql: str,
    release_id: int,
    file_id: int,
    report: IngestReport,
) -> bool:
    """Withdraw the records ``missing_sql`` finds missing from release ``release_id``, unless
    they are at least :data:`EXTRACT_MIN_MISSING` and more than those it has (``kept_sql``)."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE gone AS {missing_sql}", {"w": release_id, "fid": file_id}
    )
    missing = _scalar(con, "SELECT count(*) FROM gone")
    extract = missing >= EXTRACT_MIN_MISSING and missing > _scalar(con, kept_sql)
    if extract:
        report.not_withdrawn += missing
    else:
        con.execute("INSERT INTO withdrawals SELECT * FROM gone")
    con.execute("DROP TABLE gone")
    return not extract


def _withdraw_listed(
    con: duckdb.DuckDBPyConnection, release_id: int, file_id: int, report: IngestReport
) -> None:
    """Withdraw the records a source's list of deleted events names (all of them are kept:
    a record ingested later, from an export older than its deletion, is withdrawn too)."""
    con.execute(
        "INSERT INTO withdrawals SELECT DISTINCT uid, $rid, $fid, "
        "'in the list of deleted events (deleted ' || strftime(deleted_on, '%Y-%m-%d') || ')' "
        "FROM cand WHERE reason = '' AND uid NOT IN "
        "(SELECT uid FROM withdrawals WHERE release_id = $rid)",
        {"rid": release_id, "fid": file_id},
    )
    report.withdrawn = _scalar(
        con,
        "SELECT count(DISTINCT uid) FROM cand WHERE reason = '' AND uid IN "
        "(SELECT uid FROM sightings)",
    )


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    """The single value ``sql`` gives (0 when none); the result is read to its end, so the
    connection is free for any next call (DuckDB refuses some while a result is open)."""
    rows = con.execute(sql).fetchall()
    return rows[0][0] if rows and rows[0][0] is not None else 0
