"""Building a panel: coverage, aggregate tables and placed events into one dense frame."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from sahelwatch.actors import FAMILIES as ACTOR_FAMILIES
from sahelwatch.errors import QueryError
from sahelwatch.panels.events import event_families, placed_rows
from sahelwatch.panels.grid import PanelGrid, lookup, months_since, rolling_sums, spatial_lag
from sahelwatch.panels.request import (
    PanelRequest,
    release_filter,
    request,
    store_coverage,
)
from sahelwatch.panels.schema import (
    ACTOR_COLUMNS,
    LAGGED,
    ROLLED,
    TOTALS_FAMILIES,
    TYPE_COLUMNS,
    UNPLACED_COLUMNS,
    VALUE_COLUMNS,
    VIOLENCE_TYPES,
    WINDOWS,
    Level,
    ordinal_month,
)
from sahelwatch.panels.spread import MultiMonth, month_sql, multi_month_rule, spread_sql
from sahelwatch.panels.units import ADMIN_LEVEL, admin_panel_units, admin_units, cell_panel_units
from sahelwatch.store import Store


def build_panel(
    store: Store,
    level: Level = "country",
    *,
    family: str = "ucdp",
    countries: Sequence[str | int] | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    as_of: str | None = None,
    multi_month: str | None = None,
) -> pd.DataFrame:
    """A unit-month panel of fatalities and events, coverage-aware.

    Parameters
    ----------
    store : the store.
    level : ``country``, ``admin1``, ``admin2`` or ``cell`` (PRIO-GRID).
    family : ``ucdp`` or ``acled`` (events), or ``views_cm`` / ``ucdp_ged_cm`` /
        ``ucdp_candidate_cm`` (country-month totals; country level only).
    countries : ISO3 codes, Gleditsch-Ward numbers or names; default every country the family
        covers (at admin level, those with bundled boundaries).
    start, end : first and last month (``YYYY-MM`` or a date); default the family's coverage.
        Rolling sums, lags and months since violence look back before ``start``.
    as_of : a release of the family: the data as they stood then.
    multi_month : ``spread`` (default, or ``$SAHELWATCH_MULTI_MONTH``): the deaths of an event
        whose dates lie in several months are shared evenly over those months (its event
        count stays in its first month); ``start``: all in the month of ``date_start``.

    Returns
    -------
    pandas.DataFrame
        :data:`PANEL_COLUMNS`, one row per unit and month, sorted by unit and month:

        * ``unit_id`` (Gleditsch-Ward code, P-code or PRIO-GRID gid), ``unit_name``,
          ``country_gw``, ``month`` (first day);
        * ``covered`` (counts are known), ``covered_located``, ``covered_actors``;
        * ``release``: the release the row's figures come from (``source:release``,
          categorical; null where not covered);
        * ``best_sb|ns|os|total``, ``events_sb|ns|os|total``: UCDP best fatalities and events
          of organised violence by type (events in the month of ``date_start``, deaths as
          ``multi_month`` says);
        * ``deaths_civilians`` and ``best_<family>``, ``events_<family>`` for each actor
          family (events in which either side belongs to it); NaN unless ``covered_actors``;
        * ``unplaced_events``, ``unplaced_best``: the country's events of that month that are
          too imprecise for this level (the same value on each unit of the country);
        * ``months_since_violence``: months since the last month with ``best_total > 0``,
          NaN when a gap lies in between or none is on record;
        * ``<x>_r3|r6|r12``: trailing sums, NaN if any month of the window is not covered;
        * ``best_total_splag``, ``events_total_splag``: sums over queen-contiguous units
          (8 neighbouring cells), NaN when a neighbour is not covered or the neighbourhood is
          unknown (countries without bundled boundaries).

        Quantities are 0 where a covering release records nothing and NaN where no release
        covers the month.

        At country level, an event family's panel also takes the country-month totals of the
        same program (:data:`TOTALS_FAMILIES`: UCDP GED totals for ``ucdp``) where they are
        newer than its events or the only data: the country figures (``best_*``,
        ``events_*``, ``deaths_civilians``) follow the newer release wherever it carries the
        quantity, and ``release`` names it; the units below country level always come from
        the events. A month covered by totals only is ``covered`` but neither
        ``covered_located`` nor ``covered_actors``: its sub-national and actor-family values
        are NaN, never 0.

    Examples
    --------
    >>> panel = build_panel(store, "admin2", countries=["MLI"], start="2026-01")
    >>> panel.groupby("month")["best_total"].sum().tolist()  # located deaths by cercle
    [76.0, 50.0]
    """
    req = request(
        store, level, family=family, countries=countries, start=start, end=end, as_of=as_of
    )
    grid, first, last = _grid(store, req, multi_month_rule(multi_month))
    return _frame(grid, first, last)


def _grid(store: Store, req: PanelRequest, rule: MultiMonth) -> tuple[PanelGrid, int, int]:
    """The dense grid of a request, and the first and last output month."""
    cov, totals = _country_coverage(store, req)
    sub_national = req.level != "country" and req.kind == "event"
    located = cov[cov["covered_located"]] if sub_national else cov
    if req.countries is not None:
        wanted = list(req.countries)
    elif req.level in ("country", "cell"):
        wanted = sorted(located["country_gw"].unique().tolist())
    else:
        bundled = admin_units(ADMIN_LEVEL[req.level])["country_gw"].astype(int).unique()
        wanted = sorted(set(bundled.tolist()))
    mine = located[located["country_gw"].isin(wanted)]
    if mine.empty and (req.start is None or req.end is None):
        raise QueryError(
            f"family '{req.family}' covers none of the requested countries at {req.level} level; "
            "give start and end to build an empty panel."
        )
    first = req.start if req.start is not None else int(mine["mo"].min())
    last = req.end if req.end is not None else int(mine["mo"].max())
    origin = min(first, int(mine["mo"].min())) if not mine.empty else first
    months = np.arange(origin, last + 1, dtype=np.int64)

    if req.kind == "country_month":
        units = admin_panel_units("country", wanted)
        grid = PanelGrid.empty(units, months, cov, req.level)
        _fill_cm(store, req, grid)
    else:
        if req.level == "cell":
            events = placed_rows(store, req, None, None, last)
            units = cell_panel_units(wanted, events)
        else:
            units = admin_panel_units(req.level, wanted)
            ext = sorted(set(units.frame["country_gw"].tolist()))
            events = placed_rows(store, req, ext, None, last)
        grid = PanelGrid.empty(units, months, cov, req.level)
        _fill_events(store, events, grid, rule)
        if totals:
            _fill_totals(store, req, grid, cov, totals)
    _derive(grid)
    return grid, first, last


def totals_months(store: Store, family: str = "ucdp", *, as_of: str | None = None) -> pd.DataFrame:
    """The country-months whose country figure a country panel of ``family`` takes from the
    country-month totals of :data:`TOTALS_FAMILIES` rather than from the family's events: the
    totals' release is newer (GED 25.1 totals over GED 24.1 events) or only totals cover it.

    Returns
    -------
    pandas.DataFrame
        ``country_gw``, ``month`` (first day, datetime64) and ``release`` (the totals',
        ``source:release``); no rows where the family has no totals families in the store.
    """
    cov, totals = _country_coverage(store, request(store, "country", family=family, as_of=as_of))
    wins = cov[cov["by_totals"]] if totals else cov.iloc[:0]
    return pd.DataFrame(
        {
            "country_gw": wins["country_gw"].to_numpy(dtype=np.int64),
            "month": ordinal_month(wins["mo"]),
            "release": wins["release"].to_numpy(dtype=object),
        }
    )


def _country_coverage(store: Store, req: PanelRequest) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Country-level coverage of the request's family, joined (:func:`_with_totals`) with that
    of the totals families a country panel of ``req`` follows, and those families."""
    whole = PanelRequest("country", req.family, req.kind, None, None, None, req.as_of)
    cov = store_coverage(store, whole)
    totals = _totals_families(store, req)
    if totals:
        cov = _with_totals(cov, store_coverage(store, whole, totals))
    return cov, totals


def _totals_families(store: Store, req: PanelRequest) -> tuple[str, ...]:
    """The country-month families whose totals a country panel of ``req`` follows."""
    if req.kind != "event" or req.level != "country":
        return ()
    wanted = TOTALS_FAMILIES.get(req.family, ())
    held = {r[0] for r in store.con.execute("SELECT DISTINCT family FROM releases").fetchall()}
    return tuple(f for f in wanted if f in held)


def _with_totals(events: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """Event coverage joined with totals coverage: ``events`` (the events cover the month),
    ``by_totals`` (the country figure follows the totals: newer, or the only data) and the
    ``release`` of the country figure."""
    both = events.merge(
        totals[["country_gw", "mo", "release", "release_key"]],
        on=["country_gw", "mo"], how="outer", suffixes=("", "_totals"), indicator=True,
    )  # fmt: skip
    both["events"] = both.pop("_merge") != "right_only"
    both["by_totals"] = both["release_key_totals"].notna() & (
        ~both["events"] | (both["release_key_totals"] > both["release_key"].fillna(""))
    )
    both["release"] = both["release_totals"].where(both["by_totals"], both["release"])
    for flag in ("covered_located", "covered_actors"):
        both[flag] = both[flag].astype("boolean").fillna(False).astype(bool)
    return both.drop(columns=["release_totals", "release_key_totals"])


def _fill_totals(
    store: Store, req: PanelRequest, grid: PanelGrid, cov: pd.DataFrame, families: tuple[str, ...]
) -> None:
    """Country figures of the months whose totals are newer than the events (or alone)."""
    countries = grid.units.frame["country_gw"].to_numpy(dtype=np.int64)
    events = lookup(cov[cov["events"]], countries, grid.months)
    for name in (*TYPE_COLUMNS, *UNPLACED_COLUMNS):
        grid.values[name][~events] = np.nan
    counts = (*TYPE_COLUMNS, "deaths_civilians")
    gws = ", ".join(map(str, sorted(set(countries.tolist()))))
    rows = store.con.execute(  # the newest totals of each country-month
        f"SELECT v.country_gw AS unit_id, {month_sql('v.month')}::BIGINT AS mo, "
        f"{', '.join(f'v.{c}' for c in counts)} FROM cm_versions v JOIN releases r "
        f"USING (release_id) WHERE {release_filter(req, families)} "
        f"AND v.country_gw IN ({gws or 'NULL'}) QUALIFY row_number() OVER "
        "(PARTITION BY v.country_gw, v.month ORDER BY r.release_key DESC) = 1"
    ).df()
    wins = lookup(cov[cov["by_totals"]], countries, grid.months)
    index = pd.Index(grid.units.frame["unit_id"]).get_indexer(rows["unit_id"])
    col = rows["mo"].to_numpy(dtype=np.int64) - grid.months[0]
    keep = (index >= 0) & (col >= 0) & (col < len(grid.months))
    keep[keep] &= wins[index[keep], col[keep]]
    for name in counts:
        value = rows[name].to_numpy(dtype=np.float32, na_value=np.nan)
        carried = keep & ~np.isnan(value)
        grid.values[name][index[carried], col[carried]] = value[carried]


def _fill_cm(store: Store, req: PanelRequest, grid: PanelGrid) -> None:
    counts = (*TYPE_COLUMNS, "deaths_civilians")
    current = store.current_sql("cm_versions", req.as_of)
    gws = ", ".join(map(str, sorted(set(grid.units.frame["country_gw"].tolist()))))
    rows = store.con.execute(
        f"SELECT country_gw AS unit_id, (year(month) * 12 + month(month) - 1)::BIGINT AS mo, "
        f"{', '.join(counts)} FROM ({current}) "
        f"WHERE source IN (SELECT source FROM releases r WHERE {release_filter(req)}) "
        f"AND country_gw IN ({gws or 'NULL'})"
    ).df()
    carried = [c for c in counts if rows[c].notna().any()]
    grid.fill(rows, carried, grid.covered)
    grid.missing([c for c in (*TYPE_COLUMNS, *ACTOR_COLUMNS) if c not in carried])
    grid.missing(UNPLACED_COLUMNS)


_AGG_SQL = """
WITH spread AS (
    SELECT * EXCLUDE (mo, mo_end), mo AS mo_start, {spread} FROM sw_panel_events
    WHERE violence_type IS NOT NULL)
SELECT unit_id, mo,
       {types},
       sum(best * share) AS best_total,
       {counts},
       count(*) FILTER (WHERE mo = mo_start) AS events_total,
       sum(deaths_civilians * share) AS deaths_civilians,
       {families}
FROM spread WHERE unit_id IS NOT NULL
GROUP BY unit_id, mo
"""

_UNPLACED_SQL = """
WITH spread AS (
    SELECT * EXCLUDE (mo, mo_end), mo AS mo_start, {spread} FROM sw_panel_events
    WHERE violence_type IS NOT NULL AND unit_id IS NULL AND placed_country)
SELECT country_gw AS unit_id, mo, count(*) FILTER (WHERE mo = mo_start) AS unplaced_events,
       sum(best * share) AS unplaced_best
FROM spread GROUP BY ALL
"""


def _fill_events(store: Store, events: pd.DataFrame, grid: PanelGrid, rule: MultiMonth) -> None:
    fams = event_families(events)
    lean = pd.DataFrame(
        {
            "unit_id": events["unit_id"],
            "country_gw": events["country_gw"].astype(np.int64),
            "mo": events["mo"].astype(np.int64),
            "mo_end": events["mo_end"].astype(np.int64),
            "placed_country": events["place_level"].to_numpy() != "none",
            "violence_type": events["violence_type"],
            "best": events["best"].astype("float64"),
            "deaths_civilians": events["deaths_civilians"].astype("float64"),
            **{f"f_{fam}": fams[fam].to_numpy() for fam in ACTOR_FAMILIES},
        }
    )
    spread = spread_sql(rule, "mo", "mo_end")
    sql = _AGG_SQL.format(
        spread=spread,
        types=", ".join(
            f"sum(best * share) FILTER (WHERE violence_type = '{t}') AS best_{t}"
            for t in VIOLENCE_TYPES
        ),
        counts=", ".join(
            f"count(*) FILTER (WHERE violence_type = '{t}' AND mo = mo_start) AS events_{t}"
            for t in VIOLENCE_TYPES
        ),
        families=", ".join(
            f"sum(best * share) FILTER (WHERE f_{f}) AS best_{f}, "
            f"count(*) FILTER (WHERE f_{f} AND mo = mo_start) AS events_{f}"
            for f in ACTOR_FAMILIES
        ),
    )
    con = store.con
    con.register("sw_panel_events", lean)
    try:
        sums = con.execute(sql).df()
        unplaced = con.execute(_UNPLACED_SQL.format(spread=spread)).df()
    finally:
        con.unregister("sw_panel_events")
    sums = sums.fillna({c: 0 for c in sums.columns if c not in ("unit_id", "mo")})
    grid.fill(sums, TYPE_COLUMNS, grid.covered)
    grid.fill(sums, ACTOR_COLUMNS, grid.actors)
    _fill_unplaced(grid, unplaced.fillna(0))


def _fill_unplaced(grid: PanelGrid, unplaced: pd.DataFrame) -> None:
    """Spread country-month unplaced counts onto each unit of the country."""
    countries = grid.units.frame["country_gw"].to_numpy(dtype=np.int64)
    gws = np.unique(countries)
    for name in UNPLACED_COLUMNS:
        table = np.zeros((len(gws), len(grid.months)), dtype=np.float32)
        r = np.searchsorted(gws, unplaced["unit_id"].to_numpy(dtype=np.int64))
        c = unplaced["mo"].to_numpy(dtype=np.int64) - grid.months[0]
        ok = (r < len(gws)) & (c >= 0) & (c < len(grid.months))
        ok[ok] &= gws[r[ok]] == unplaced["unit_id"].to_numpy(dtype=np.int64)[ok]
        table[r[ok], c[ok]] = unplaced[name].to_numpy(dtype=np.float32)[ok]
        values = grid.values[name]
        values[...] = table[np.searchsorted(gws, countries)]
        values[~grid.covered] = np.nan


def _derive(grid: PanelGrid) -> None:
    """Months since violence, rolling sums and spatial lags, from the filled grid."""
    best = grid.values["best_total"]
    known = grid.covered & ~np.isnan(best)
    grid.values["months_since_violence"][...] = months_since(np.nan_to_num(best) > 0, known)
    for column in ROLLED:
        outs = [grid.values[f"{column}_r{k}"] for k in WINDOWS]
        rolling_sums(grid.values[column], WINDOWS, outs)
    unknown = ~grid.units.frame["known"].to_numpy(dtype=bool)
    panel_rows = grid.units.frame["in_panel"].to_numpy(dtype=bool)
    rows, nbrs = grid.units.pairs
    inside = panel_rows[rows]
    for column in LAGGED:
        lag = grid.values[f"{column}_splag"]
        spatial_lag(grid.values[column], (rows[inside], nbrs[inside]), out=lag)
        lag[unknown] = np.nan


def _frame(grid: PanelGrid, first: int, last: int) -> pd.DataFrame:
    """The panel rows of ``grid`` for months ``first..last``."""
    n_units = int(grid.units.frame["in_panel"].sum())  # the panel's units come first, sorted
    units = grid.units.frame.iloc[:n_units]
    cols = np.flatnonzero((grid.months >= first) & (grid.months <= last))
    n_months = len(cols)
    block = (slice(0, n_units), slice(int(cols[0]), int(cols[-1]) + 1) if n_months else slice(0))
    keys = pd.DataFrame(
        {
            "unit_id": np.repeat(units["unit_id"].to_numpy(), n_months),
            "unit_name": np.repeat(units["unit_name"].to_numpy(dtype=object), n_months),
            "country_gw": np.repeat(units["country_gw"].to_numpy(dtype=np.int64), n_months),
            "month": np.tile(ordinal_month(grid.months[cols]), n_units),
            "covered": grid.covered[block].ravel(),
            "covered_located": grid.located[block].ravel(),
            "covered_actors": grid.actors[block].ravel(),
            "release": pd.Categorical.from_codes(
                grid.release[block].ravel(), categories=pd.Index(grid.labels, dtype=object)
            ),
        }
    )
    # The grid's float32 block becomes the panel's values; copied only when trimmed.
    whole = n_units == grid.block.shape[1] and n_months == grid.block.shape[2]
    part = grid.block if whole else grid.block[:, block[0], block[1]]
    values = part.reshape(len(VALUE_COLUMNS), n_units * n_months)
    numbers = pd.DataFrame(values.T, columns=list(VALUE_COLUMNS), copy=False)
    frame = pd.concat([keys, numbers], axis=1)
    return frame
