"""What the store holds: releases, coverage, gaps, freshness and quarantine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sahelwatch.consequences.summary import status_lines
from sahelwatch.errors import QueryError
from sahelwatch.gazetteer import CM_FAMILIES, EVENT_SOURCES, SAHEL
from sahelwatch.periods import compress_months, format_runs, month_range
from sahelwatch.store import Store
from sahelwatch.words import counted

RELEASES_SQL = """
WITH cov AS (
    SELECT release_id, count(DISTINCT country_gw) AS countries, list(DISTINCT month) AS months
    FROM coverage GROUP BY release_id),
files AS (
    SELECT release_id, count(*) AS files, sum(rows_read) AS rows_read, sum(added) AS added,
           sum(revised) AS revised, sum(rejected) AS rejected, max(finished_at) AS ingested_at
    FROM ingest_log GROUP BY release_id),
newest AS (
    SELECT release_id, max(date_end) AS newest FROM event_versions GROUP BY release_id
    UNION ALL
    SELECT release_id, last_day(max(month)) FROM cm_versions GROUP BY release_id),
gone AS (
    SELECT release_id, count(DISTINCT uid) AS withdrew FROM withdrawals
    WHERE uid IN (SELECT uid FROM event_versions) GROUP BY release_id)
SELECT r.source, r.release, r.kind, r.preliminary, f.files, f.rows_read, f.added, f.revised,
       f.rejected, coalesce(cov.countries, 0) AS countries, cov.months, n.newest, f.ingested_at,
       coalesce(g.withdrew, 0) AS withdrew
FROM releases r LEFT JOIN cov USING (release_id) LEFT JOIN files f USING (release_id)
LEFT JOIN newest n USING (release_id) LEFT JOIN gone g USING (release_id)
ORDER BY r.family, r.release_key
"""


@dataclass
class SourceStatus:
    """Coverage and freshness of one source across its releases."""

    source: str
    covered: list[tuple[date, date]]
    gaps: list[tuple[date, date]]
    newest: date | None
    stale_days: int | None


COUNTRY_SQL = """
WITH cov AS (
    SELECT c.country_gw, r.source, list(DISTINCT c.month ORDER BY c.month) AS months
    FROM coverage c JOIN releases r USING (release_id)
    WHERE list_contains($countries, c.country_gw) GROUP BY ALL),
newest AS (
    SELECT country_gw, source, max(date_start) AS newest_event
    FROM ({current}) WHERE list_contains($countries, country_gw) GROUP BY ALL)
SELECT k.name, cov.source, cov.months, newest.newest_event
FROM cov JOIN countries k ON k.gw = cov.country_gw
LEFT JOIN newest USING (country_gw, source)
ORDER BY list_position($countries, cov.country_gw), cov.source
"""


@dataclass
class CountryStatus:
    """Coverage of one country by one source, and its newest event."""

    country: str
    source: str
    covered: list[tuple[date, date]]
    newest_event: date | None


@dataclass
class Status:
    """A snapshot of the store."""

    path: str
    releases: list[dict[str, Any]]
    sources: list[SourceStatus]
    countries: list[CountryStatus]
    quarantined: int
    events: int
    withdrawn: int = 0
    flagged: int = 0
    consequences: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        """The report ``sahelwatch status`` prints."""
        lines = [f"Store {self.path}: {self.events:,} current events (all countries)."]
        if self.withdrawn:
            lines[0] += (
                f" {self.withdrawn} events are withdrawn (missing from a newer release that "
                "covers their country and month, or deleted by their source): 'sahelwatch "
                "events --withdrawn' lists them, --as-of shows them as earlier releases had them."
            )
        if not self.releases:
            return lines[0] + "\nIt is empty: run 'sahelwatch ingest --bundled' or ingest files."
        lines.append("\nReleases:")
        for r in self.releases:
            months = format_runs(compress_months(r["months"] or [])) or "nothing"
            flag = " (preliminary)" if r["preliminary"] else ""
            gone = f"; withdrew {r['withdrew']} events" if r["withdrew"] else ""
            if r["kind"] == "deletions":
                lines.append(
                    f"  {r['source']} {r['release']}: list of {r['rows_read']} deleted events "
                    f"from {r['files']} file(s), {r['rejected']} rejected{gone}; ingested "
                    f"{r['ingested_at']:%Y-%m-%d %H:%M}"
                )
                continue
            if r["kind"] == "consequence":  # no event coverage: see "Consequences" below
                lines.append(
                    f"  {r['source']} {r['release']}: {r['rows_read']} rows from {r['files']} "
                    f"file(s), {r['rejected']} rejected; ingested {r['ingested_at']:%Y-%m-%d %H:%M}"
                )
                continue
            lines.append(
                f"  {r['source']} {r['release']}{flag}: {r['rows_read']} rows from {r['files']} "
                f"file(s), {r['rejected']} rejected; covers {months} in "
                f"{counted(r['countries'], 'country', 'countries')}; newest data "
                f"{_day(r['newest'])}{gone}; ingested {r['ingested_at']:%Y-%m-%d %H:%M}"
            )
        lines.append("\nSources (a gap is 'no data', never zero):")
        for s in self.sources:
            stale = f", {s.stale_days} days old" if s.stale_days is not None else ""
            gaps = format_runs(s.gaps) if s.gaps else "none"
            lines.append(
                f"  {s.source}: covers {format_runs(s.covered) or '-'}; gaps {gaps}; "
                f"newest data {_day(s.newest)}{stale}"
            )
        if self.consequences:
            lines.append("\nConsequences (a unit or year without figures is no data):")
            lines += self.consequences
        lines.append("\nCountries:")
        for c in self.countries:
            lines.append(
                f"  {c.country} / {c.source}: covers {format_runs(c.covered)}; "
                f"newest event {_day(c.newest_event)}"
            )
        if self.quarantined:
            lines.append(
                f"\n{self.quarantined} rows are in quarantine: 'sahelwatch quarantine' shows them."
            )
        if self.flagged:
            lines.append(
                ("" if self.quarantined else "\n")
                + f"{self.flagged} loaded rows carry data-quality flags (the source's own records, "
                "counted as it counts them): 'sahelwatch quarantine --flagged' shows them."
            )
        return "\n".join(lines)


def _day(value: date | None) -> str:
    return "-" if value is None else f"{value:%Y-%m-%d}"


def status(store: Store, countries: list[int] | None = None, today: date | None = None) -> Status:
    """Summarise the store; per country for the Sahel countries, or for the given
    Gleditsch-Ward codes."""
    today = today or date.today()
    con = store.con
    cursor = con.execute(RELEASES_SQL)
    names = [d[0] for d in cursor.description]
    releases = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    per_source = con.execute(
        "SELECT r.source, list(DISTINCT c.month ORDER BY c.month) FROM coverage c "
        "JOIN releases r USING (release_id) "
        "WHERE $focus IS NULL OR list_contains($focus, c.country_gw) "
        "GROUP BY r.source ORDER BY r.source",
        {"focus": None if countries is None else [int(c) for c in countries]},
    ).fetchall()
    newest = dict(
        con.execute(
            "SELECT source, max(newest) FROM (" + RELEASES_SQL + ") GROUP BY source"
        ).fetchall()
    )
    sources = []
    for source, months in per_source:
        runs = compress_months(months)
        gaps = compress_months(sorted(set(month_range(months[0], months[-1])) - set(months)))
        last = newest.get(source)
        sources.append(
            SourceStatus(
                source, runs, gaps, last, (today - last).days if last is not None else None
            )
        )
    rows = con.execute(
        COUNTRY_SQL.format(current=store.current_sql()),
        {"countries": list(SAHEL) if countries is None else [int(c) for c in countries]},
    ).fetchall()
    per_country = [CountryStatus(n, src, compress_months(m), new) for n, src, m, new in rows]
    quarantined = con.execute("SELECT count(*) FROM quarantine").fetchone()
    events = con.execute(f"SELECT count(*) FROM ({store.current_sql()})").fetchone()
    withdrawn = con.execute(
        f"SELECT count(*) FROM ({store.current_sql(withdrawn=True)})"
    ).fetchone()
    return Status(
        str(store.path),
        releases,
        sources,
        per_country,
        quarantined[0] if quarantined else 0,
        events[0] if events else 0,
        withdrawn[0] if withdrawn else 0,
        int(con.execute("SELECT count(flags) FROM event_versions").fetchall()[0][0]),
        status_lines(store, countries),
    )


@dataclass
class FamilyMonths:
    """The months one release family covers in the store.

    Attributes
    ----------
    family, kind : the family and its kind (``event``, ``cm``, ``consequence``, ...).
    sources : its sources in the store, sorted.
    covered : months some release of the family covers (any country), oldest first.
    located : of those, the months covered by a release with event locations (events only).
    """

    family: str
    kind: str
    sources: list[str]
    covered: list[date]
    located: list[date]


def family_months(store: Store) -> list[FamilyMonths]:
    """The months each release family in the store covers, and covers with event locations,
    by family name."""
    con = store.con
    families = con.execute(
        "SELECT family, any_value(kind) AS kind, list(DISTINCT source ORDER BY source) AS "
        "sources FROM releases GROUP BY family ORDER BY family"
    ).fetchall()
    out = []
    for family, kind, sources in families:
        months = con.execute(
            "SELECT DISTINCT c.month FROM coverage c JOIN releases r USING (release_id) "
            "WHERE r.family = ? ORDER BY 1",
            [family],
        ).fetchall()
        located = []
        if kind == "event":
            located = con.execute(
                "SELECT DISTINCT c.month FROM coverage c JOIN releases r USING (release_id) "
                "WHERE r.family = ? AND c.release_id IN (SELECT release_id FROM "
                "event_versions WHERE where_prec IS NOT NULL) ORDER BY 1",
                [family],
            ).fetchall()
        covered = [m for (m,) in months]
        out.append(FamilyMonths(family, kind, list(sources), covered, [m for (m,) in located]))
    return out


@dataclass
class CoverageRow:
    """One country and source in :func:`coverage_grid`.

    Attributes
    ----------
    covered, gaps : runs of the grid's months that a release covers, and that none covers
        between the source's first and last month there (a gap: no data, not zero).
    first, last : the first and last month the source covers in the country (at any time).
    flags : per month of the grid, whether a release covers it.
    """

    country_gw: int
    country: str | None
    source: str
    covered: list[tuple[date, date]]
    gaps: list[tuple[date, date]]
    first: date
    last: date
    newest_event: date | None
    flags: list[bool]


@dataclass
class CoverageGrid:
    """The months each source covers in each country, on one grid of months."""

    months: list[date]
    rows: list[CoverageRow]


def coverage_grid(
    store: Store,
    countries: list[int] | None = None,
    sources: list[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    *,
    max_months: int = 480,
) -> CoverageGrid:
    """For each country and source, which months of a period a release covers.

    Parameters
    ----------
    countries : Gleditsch-Ward codes (default: :data:`sahelwatch.gazetteer.SAHEL`).
    sources : only these sources (default: all).
    start, end : the period (default: from the first to the last month any selected source
        covers; this month when none does); its newest ``max_months`` months at most.
    """
    gws = list(SAHEL) if countries is None else countries
    known = (*EVENT_SOURCES, *CM_FAMILIES)
    unknown = sorted(set(sources or ()) - set(known))
    if unknown:
        raise QueryError(f"unknown source {', '.join(unknown)}; use {', '.join(known)}.")
    rows = store.con.execute(
        "SELECT c.country_gw, r.source, list(DISTINCT c.month ORDER BY c.month) AS months "
        "FROM coverage c JOIN releases r USING (release_id) "
        "WHERE list_contains($gws, c.country_gw) AND (len($sources) = 0 OR "
        "list_contains($sources, r.source)) GROUP BY ALL ORDER BY 1, 2",
        {"gws": gws, "sources": sources or []},
    ).fetchall()
    newest = dict(
        ((gw, src), day)
        for gw, src, day in store.con.execute(
            f"SELECT country_gw, source, max(date_start) FROM ({store.current_sql()}) "
            "WHERE list_contains($gws, country_gw) GROUP BY ALL",
            {"gws": gws},
        ).fetchall()
    )
    names_of = dict(
        store.con.execute(
            "SELECT gw, name FROM countries WHERE list_contains($gws, gw)", {"gws": gws}
        ).fetchall()
    )
    every = sorted({m for _, _, months in rows for m in months})
    if start is None or end is None:
        if not every:
            start = end = date.today().replace(day=1)
        else:
            start, end = start or every[0], end or every[-1]
    grid = month_range(start, end)[-max_months:]
    out = []
    for gw, src, months in rows:
        have = set(months)
        inside = [m for m in grid if m in have]
        gaps = [m for m in grid if m not in have and months[0] <= m <= months[-1]]
        out.append(
            CoverageRow(
                gw, names_of.get(gw), src, compress_months(inside), compress_months(gaps),
                months[0], months[-1], newest.get((gw, src)), [m in have for m in grid],
            )
        )  # fmt: skip
    return CoverageGrid(grid, out)
