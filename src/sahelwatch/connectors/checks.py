"""Checks a pull must pass before it is loaded.

A pull that fails any check is *held back*: the file stays on disk (under the watch's
``held/`` folder), nothing of it is loaded, the hold is recorded in ``held_pulls`` and a
data-quality alert is raised. An operator loads it anyway with
:func:`sahelwatch.watch.release_hold` once satisfied.

The checks, each a sentence in the hold's reasons:

unreadable
    the file is in no known format, truncated, or wrongly encoded.
schema change
    a GED file whose columns are not the 49 GED columns, or any file whose columns differ from
    those of the previous pull of the same source.
rejected rows
    more than ``max_rejected_share`` of the rows would go to quarantine.
smaller release (whole releases only)
    fewer than ``min_size_ratio`` times the rows of the previous whole release of the same
    source (the previous pull of this connector; or, for a first pull without a country filter,
    the previous release of the same store source and shape: monthly with monthly).
months of zeros (whole releases only; the countries in ``[checks] countries``)
    a country-month inside the period the release covers that the store already holds at least
    ``min_events`` events for, and that the release has none for (a revision that lost a
    month); or, for a monthly release, a country that had at least ``min_events`` events in
    each of the ``continuity_months`` months before and has none in the release's month.

Incremental pulls (ACLED) hold only what changed, so the size and zero-month checks do not
apply to them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sahelwatch import formats
from sahelwatch.connectors.base import Pull
from sahelwatch.connectors.settings import CheckSettings
from sahelwatch.errors import SahelWatchError
from sahelwatch.formats import ucdp
from sahelwatch.formats.reader import load_raw, read_header
from sahelwatch.gazetteer import gw_codes
from sahelwatch.ingest import SOURCES_BY_FAMILY, release_key
from sahelwatch.periods import add_months, format_month, month_range, parse_month
from sahelwatch.store import Store, row_number_sql

__all__ = ["Profile", "check_pull", "profile"]

log = logging.getLogger("sahelwatch.connectors")


@dataclass
class Profile:
    """What a file holds, read without loading it.

    Attributes
    ----------
    format, family, kind : the detected format (see :mod:`sahelwatch.formats`).
    header : its columns.
    rows, rejected : rows read, and rows that would go to quarantine.
    cells : (country_gw, month) -> events, for event formats (valid rows only).
    """

    format: str
    family: str
    kind: str
    header: list[str]
    rows: int
    rejected: int
    cells: dict[tuple[int, date], int] = field(default_factory=dict)


def profile(path: Path) -> Profile:
    """Read ``path`` into a scratch in-memory database and describe it.

    Raises
    ------
    SahelWatchError : the file cannot be read as any known format.
    """
    header = read_header(path)
    fmt = formats.detect(header)
    if fmt is None:
        shown = ", ".join(header[:6]) + (", ..." if len(header) > 6 else "")
        raise SahelWatchError(f"{path.name} is not in a known format (its header is: {shown}).")
    with Store(":memory:") as scratch:
        con = scratch.con
        rows = load_raw(con, path, "scratch")
        row_sql = row_number_sql(con, "scratch")
        con.execute(f"CREATE TEMP TABLE cand AS {fmt.canonical_sql('scratch', row_sql)}")
        bad = con.execute("SELECT count(*) FROM cand WHERE reason <> ''").fetchone()
        cells: dict[tuple[int, date], int] = {}
        if fmt.kind == "event":
            for gw, month, n in con.execute(
                "SELECT country_gw, date_trunc('month', date_start)::DATE, count(*) FROM cand "
                "WHERE reason = '' AND country_gw IS NOT NULL AND date_start IS NOT NULL "
                "GROUP BY ALL"
            ).fetchall():
                cells[(int(gw), month)] = int(n)
    return Profile(fmt.name, fmt.family, fmt.kind, header, rows, int(bad[0] if bad else 0), cells)


def store_source(pull: Pull, prof: Profile) -> str:
    """The store source a pull will be loaded as."""
    if pull.ingest_source:
        return pull.ingest_source
    if prof.family == "ucdp":
        release = pull.release or ucdp.release_from_filename(pull.path.name) or ""
        candidate = prof.format == "ucdp_reduced" or ucdp.is_candidate(release)
        return "ucdp_candidate" if candidate else "ucdp_ged"
    return SOURCES_BY_FAMILY[prof.family][0]


def check_pull(
    store: Store,
    pull: Pull,
    settings: CheckSettings,
    state: dict[str, Any],
) -> tuple[list[str], Profile | None]:
    """The reasons to hold ``pull`` back (empty: it may be loaded), and its profile.

    ``state`` is the connector's checkpoint (``columns`` and ``last_rows`` of its previous
    pull are read from it).
    """
    try:
        prof = profile(pull.path)
    except SahelWatchError as exc:
        return [f"unreadable: {exc}"], None
    if not settings.enabled:
        return [], prof
    reasons: list[str] = []
    if settings.schema_:
        reasons += _schema(prof, state.get("columns"))
    if prof.rows and prof.rejected / prof.rows > settings.max_rejected_share:
        reasons.append(
            f"rejected rows: {prof.rejected} of {prof.rows} rows would go to quarantine "
            f"(more than {settings.max_rejected_share:.0%})."
        )
    if pull.complete:
        reasons += _size(store, pull, prof, settings, state.get("last_rows"))
        if prof.kind == "event":
            reasons += _zero_months(store, pull, prof, settings)
    return reasons, prof


def _schema(prof: Profile, previous: list[str] | None) -> list[str]:
    reasons = []
    header = set(prof.header)
    if prof.format == "ucdp_ged":
        extra = sorted(header - set(ucdp.GED_COLUMNS))
        if extra:
            reasons.append(f"schema change: columns not in UCDP GED: {', '.join(extra)}.")
    if previous:
        gone, new = sorted(set(previous) - header), sorted(header - set(previous))
        if gone or new:
            parts = ([f"lost {', '.join(gone)}"] if gone else []) + (
                [f"gained {', '.join(new)}"] if new else []
            )
            reasons.append(f"schema change since the previous pull: {'; '.join(parts)}.")
    return reasons


def _size(
    store: Store, pull: Pull, prof: Profile, settings: CheckSettings, last_rows: int | None
) -> list[str]:
    previous, what = last_rows, "the previous pull of this source"
    if previous is None and pull.countries is None:
        source = store_source(pull, prof)
        release = pull.release or ucdp.release_from_filename(pull.path.name)
        rows = store.con.execute(
            "SELECT r.release, r.release_key, sum(l.rows_read) FROM releases r JOIN ingest_log l "
            "USING (release_id) WHERE r.source = ? GROUP BY ALL ORDER BY r.release_key DESC",
            [source],
        ).fetchall()
        # Compare like with like: a monthly release with a monthly one, not with a cumulative
        # one (26.0.2 with 26.0.1, not with 25.01.25.12).
        for name, key, count in rows:
            same_shape = release is None or name.count(".") == release.count(".")
            if same_shape and (release is None or key < release_key(release)):
                previous, what = int(count), f"release {name}"
                break
    if previous and prof.rows < settings.min_size_ratio * previous:
        return [
            f"smaller release: {prof.rows} rows, fewer than {settings.min_size_ratio:g} times "
            f"the {previous} rows of {what}."
        ]
    return []


def _zero_months(store: Store, pull: Pull, prof: Profile, settings: CheckSettings) -> list[str]:
    release = pull.release or ucdp.release_from_filename(pull.path.name) or ""
    if pull.period:
        span: tuple[date, date] | None = (parse_month(pull.period[0]), parse_month(pull.period[1]))
    elif prof.family == "ucdp":
        span = ucdp.nominal_period(release)
    else:
        months = sorted({m for _, m in prof.cells})
        span = (months[0], months[-1]) if months else None
    if span is None:
        return []
    watched = gw_codes(settings.countries, "[checks] countries")
    if pull.countries is not None:
        watched = [gw for gw in watched if gw in pull.countries]
    scope = month_range(*span)
    first = add_months(span[0], -settings.continuity_months)
    have = _store_cells(store, prof.family, watched, first, span[1])
    names = dict(store.con.execute("SELECT gw, name FROM countries").fetchall())
    reasons = []
    for gw in watched:
        lost = [
            m
            for m in scope
            if have.get((gw, m), 0) >= settings.min_events and not prof.cells.get((gw, m))
        ]
        if lost:
            shown = ", ".join(f"{format_month(m)} ({have[(gw, m)]} events)" for m in lost[:6])
            reasons.append(
                f"months of zeros: the release has no event in {names.get(gw, gw)} for "
                f"{shown}, which the store holds events for."
            )
        if settings.continuity_months and span[0] == span[1] and not lost:
            month = span[0]
            before = [add_months(month, -k) for k in range(settings.continuity_months, 0, -1)]
            counts = [have.get((gw, m), 0) for m in before]
            if all(c >= settings.min_events for c in counts) and not prof.cells.get((gw, month)):
                shown = ", ".join(
                    f"{c} in {format_month(m)}" for m, c in zip(before, counts, strict=True)
                )
                reasons.append(
                    f"months of zeros: no event in {names.get(gw, gw)} in "
                    f"{format_month(month)}, after {shown}."
                )
    return reasons


def _store_cells(
    store: Store, family: str, countries: list[int], first: date, last: date
) -> dict[tuple[int, date], int]:
    """Current events of a family per (country, month), in covered months only."""
    rows = store.con.execute(
        f"""
        SELECT e.country_gw, date_trunc('month', e.date_start)::DATE AS month, count(*)
        FROM ({store.current_sql()}) e
        WHERE list_contains($sources, e.source) AND list_contains($countries, e.country_gw)
          AND e.date_start >= $first AND e.date_start < $end
        GROUP BY ALL
        """,
        {
            "sources": list(SOURCES_BY_FAMILY.get(family, ())),
            "countries": countries,
            "first": first,
            "end": add_months(last, 1),
        },
    ).fetchall()
    return {(int(gw), month): int(n) for gw, month, n in rows}
