"""Indicator time series, and what the data hold for each month of a selection.

:func:`month_states` says, for countries and a range of months, whether each month is covered by
located events, by events without places, only by country-month totals, or by nothing (*no
data*), with the totals where only those exist; :func:`describe_months` puts that in words
("2024-01 – 2024-12: 1,851 deaths in UCDP totals; no located events"). The dashboard, the API
and the briefs all use them, so that a gap is never shown as 0.

:func:`sahelwatch.indicators.indicators` computes one month; a series would call it once per
month. :func:`indicator_series` builds the panel and placed events once for the whole range and
applies the same indicator functions, so each month's values equal what
:func:`~sahelwatch.indicators.indicators` gives for that month (the armed-presence window looks
back ``window - 1`` months before the range, as it does there).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd

from sahelwatch import indicators as ind
from sahelwatch import panels
from sahelwatch.errors import QueryError
from sahelwatch.periods import add_months, format_month, month_range
from sahelwatch.store import Store

__all__ = [
    "STATES",
    "capital_years",
    "covered_months",
    "describe_months",
    "indicator_series",
    "month_states",
    "status_sentence",
]

_KEYS = ["unit_id", "month"]

#: What a country-month holds, weakest first: nothing, country-month totals only, events
#: without places or actor names, located events with actor names.
STATES: tuple[str, ...] = ("none", "totals", "unlocated", "located")
#: Country-month families whose totals stand in for events, most detailed first.
TOTALS_FAMILIES: tuple[str, ...] = ("ucdp_ged_cm", "ucdp_candidate_cm", "views_cm")
TOTALS_LABEL = {
    "ucdp_ged_cm": "UCDP totals",
    "ucdp_candidate_cm": "UCDP Candidate totals",
    "views_cm": "VIEWS totals",
}


def month_states(
    store: Store,
    gws: list[int],
    start: date,
    end: date,
    *,
    types: list[str] | None = None,
    as_of: str | None = None,
) -> pd.DataFrame:
    """What the store holds for ``gws`` in each month from ``start`` to ``end``.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month`` (``YYYY-MM``), ``state`` (the weakest of the countries':
        one of :data:`STATES`), ``actors`` (every country's events name their actors),
        ``countries``, ``countries_covered`` (countries with events), ``countries_totals``
        (countries with totals only), ``totals_best`` and ``totals_events`` (sums of the
        violence ``types`` over the countries with totals only, each from the first family of
        :data:`TOTALS_FAMILIES` that covers it; NaN where there are none or a family does not
        split by type) and ``totals_family``.
    """
    months = month_range(start, end)
    stamps = [np.datetime64(f"{m:%Y-%m}-01", "s") for m in months]
    cov = panels.coverage(store, "ucdp", countries=gws, as_of=as_of)
    cov = cov[cov["country_gw"].isin(gws)]
    rank = np.zeros((len(gws), len(months)), dtype=np.int8)
    actors = np.zeros_like(rank, dtype=bool)
    where = {gw: i for i, gw in enumerate(gws)}
    col = {s: j for j, s in enumerate(stamps)}
    flags = cov[["country_gw", "month", "covered_located", "covered_actors"]]
    for gw, month, located, named in flags.itertuples(index=False, name=None):
        j = col.get(np.datetime64(month, "s"))
        if j is not None:
            rank[where[gw], j] = 3 if located and named else 2
            actors[where[gw], j] = bool(named)
    picked = [t for t in (types or ["sb", "ns", "os"]) if t in ("sb", "ns", "os")]
    shape = (len(gws), len(months))
    totals = {"best": np.full(shape, np.nan), "events": np.full(shape, np.nan)}
    family = np.full(shape, None, dtype=object)
    held = {f for (f,) in store.con.execute("SELECT DISTINCT family FROM releases").fetchall()}
    for fam in (f for f in TOTALS_FAMILIES if f in held):
        panel = panels.build_panel(store, "country", family=fam, countries=gws, start=start,
                                   end=end)  # fmt: skip
        panel = panel[panel["country_gw"].isin(gws) & panel["covered"]]
        rows = panel["country_gw"].map(where).to_numpy(dtype=int)
        cols = np.array([col[s] for s in panel["month"].to_numpy(dtype="datetime64[s]")], dtype=int)
        free = family[rows, cols] == None  # noqa: E711 (elementwise)
        i, j, panel = rows[free], cols[free], panel[free]
        rank[i, j] = np.maximum(rank[i, j], 1)
        family[i, j] = fam
        for measure, values in totals.items():
            parts = [f"{measure}_{t}" for t in picked]
            columns = parts if len(parts) < 3 else [f"{measure}_total"]
            values[i, j] = panel[columns].sum(axis=1, min_count=len(columns)).to_numpy(dtype=float)
    weakest = rank.min(axis=0) if len(gws) else np.zeros(len(months), dtype=np.int8)
    with_totals = (rank == 1).sum(axis=0)
    first_family = [next((f for f in column if f is not None), None) for column in family.T]
    return pd.DataFrame(
        {
            "month": [format_month(m) for m in months],
            "state": [STATES[r] for r in weakest],
            "actors": actors.all(axis=0) if len(gws) else np.zeros(len(months), dtype=bool),
            "countries": len(gws),
            "countries_covered": (rank >= 2).sum(axis=0),
            "countries_totals": with_totals,
            "totals_best": _masked_sum(totals["best"], rank == 1),
            "totals_events": _masked_sum(totals["events"], rank == 1),
            "totals_family": first_family,
        }
    )


def _masked_sum(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Column sums of ``values`` where ``mask``; NaN where a masked value is unknown or none is
    masked."""
    picked = np.where(mask, values, 0.0)
    unknown = (mask & np.isnan(values)).any(axis=0) | ~mask.any(axis=0)
    return np.where(unknown, np.nan, picked.sum(axis=0))


def status_sentence(
    store: Store, gws: list[int], as_of: str | None = None
) -> Callable[[str], str] | None:
    """For one country, ``period -> month_status(...).sentence()`` (the library's words, naming
    the releases) for :func:`describe_months`; None for several countries."""
    if len(gws) != 1:
        return None
    return lambda period: panels.month_status(store, gws[0], period, as_of=as_of).sentence()


def capital_years(store: Store, gw: int, start: date, end: date) -> pd.DataFrame:
    """Per year, the nearest located jihadist event to the capital of ``gw`` (events of the
    country and its neighbours; :func:`sahelwatch.indicators.capital_threat` month by month)
    and how many months of the year have located data."""
    neighbours = panels.admin_neighbours("country")
    region = sorted(
        {gw} | set(neighbours.loc[neighbours["unit_id"] == gw, "neighbour"].astype(int))
    )
    events = panels.placed_events(store, "country", countries=region, start=start, end=end)
    threat = ind.capital_threat(events, panels.coverage(store, "ucdp"), window=1)
    threat = threat[threat["country_gw"] == gw]
    threat = threat[
        (threat["month"] >= pd.Timestamp(start)) & (threat["month"] <= pd.Timestamp(end))
    ]
    threat = threat.assign(year=pd.DatetimeIndex(threat["month"]).year)
    rows = []
    for _, months in threat.groupby("year"):
        known = months[months["covered"].astype(bool)]
        found = known.dropna(subset=["nearest_km"]).sort_values("nearest_km")
        nearest = found.iloc[0] if len(found) else None
        rows.append(
            {"year": int(months["year"].iloc[0]), "capital": str(months["capital"].iloc[0]),
             "months_located": len(known),
             "nearest_km": None if nearest is None else float(nearest["nearest_km"]),
             "nearest_uid": None if nearest is None else nearest["nearest_uid"],
             "nearest_month": None if nearest is None else nearest["month"].strftime("%Y-%m"),
             "within_100km": int(known["events_within_100km"].sum()) if len(known) else None}
        )  # fmt: skip
    return pd.DataFrame(rows)


def _runs(frame: pd.DataFrame, state: str) -> list[pd.DataFrame]:
    """Consecutive months of one state."""
    mask = (frame["state"] == state).to_numpy()
    change = np.flatnonzero(np.diff(np.r_[0, mask.astype(int), 0]))
    return [frame.iloc[a:b] for a, b in zip(change[::2], change[1::2], strict=True)]


def _when(run: pd.DataFrame) -> str:
    first, last = run["month"].iloc[0], run["month"].iloc[-1]
    if first.endswith("-01") and last.endswith("-12") and first[:4] == last[:4]:
        return first[:4]
    return first if first == last else f"{first} – {last}"


def describe_months(frame: pd.DataFrame, sentence: Callable[[str], str] | None = None) -> list[str]:
    """Sentences on the months of :func:`month_states` that have no located events, e.g.
    ``"2024: 1,851 deaths in UCDP totals; no located events"`` or ``"2025-03 – 2025-11: no
    data (no release covers these months)"``, oldest first. ``sentence(period)``, when given
    (one country: :meth:`sahelwatch.panels.month_status` ``.sentence()``), words each run
    instead, naming its releases."""
    out: list[tuple[str, str]] = []
    if sentence is not None:
        for state in ("totals", "unlocated", "none"):
            for run in _runs(frame, state):
                first, last = run["month"].iloc[0], run["month"].iloc[-1]
                period = _when(run) if len(_when(run)) == 4 or first == last else f"{first}..{last}"
                out.append((first, sentence(period)))
        return [text for _, text in sorted(out)]
    share_of = frame["countries_totals"]  # runs of months with the same countries on totals
    keyed = frame.assign(state=np.where(share_of > 0, "t" + share_of.astype(str), "-"))
    runs = [r for key in keyed["state"].unique() if key != "-" for r in _runs(keyed, key)]
    for run in runs:
        best, events = run["totals_best"], run["totals_events"]
        label = TOTALS_LABEL.get(str(run["totals_family"].dropna().iloc[0]), "totals")
        share, every = run["countries_totals"].min(), run["countries"].iloc[0]
        scope = (
            "; no located events"
            if share >= every
            else f" for the {share} of {every} countries that have only totals (no located events)"
        )
        parts = []
        if best.notna().any():
            parts.append(f"{best.sum():,.0f} deaths")
        if events.notna().any():
            parts.append(f"{events.sum():,.0f} events")
        amount = " and ".join(parts) if parts else "figures"
        known = best if best.notna().any() else events
        partial = "" if known.notna().all() or known.isna().all() else " (not every month)"
        out.append((run["month"].iloc[0],
                    f"{_when(run)}: {amount} in {label}{partial}{scope}"))  # fmt: skip
    for run in _runs(frame, "unlocated"):
        out.append((run["month"].iloc[0],
                    f"{_when(run)}: events without places or actor names (a reduced release); "
                    "not on the map"))  # fmt: skip
    without = frame.assign(state=np.where(frame["countries_totals"] > 0, "-", frame["state"]))
    for run in _runs(without, "none"):
        out.append((run["month"].iloc[0], f"{_when(run)}: no data (no release covers "
                    + ("this month)" if len(run) == 1 else "these months)")))  # fmt: skip
    return [text for _, text in sorted(out)]


def covered_months(
    store: Store,
    family: str,
    countries: list[str] | None = None,
    *,
    located: bool = False,
    as_of: str | None = None,
) -> list[date]:
    """Months that a family covers in any of ``countries`` (with event locations if
    ``located``), oldest first."""
    cov = panels.coverage(store, family, countries=countries, as_of=as_of)
    if located:
        cov = cov[cov["covered_located"]]
    months = pd.to_datetime(cov["month"]).drop_duplicates().sort_values()
    return [date(m.year, m.month, 1) for m in months]


def indicator_series(
    store: Store,
    country: str,
    level: str,
    start: date | None = None,
    end: date | None = None,
    *,
    family: str = "ucdp",
    as_of: str | None = None,
    window: int = 6,
    border_km: float = 50.0,
) -> pd.DataFrame:
    """Every indicator of every unit of ``country`` at ``level``, for each month of a range.

    Parameters
    ----------
    store : the store.
    country : ISO3 code, Gleditsch-Ward number or name.
    level : ``country``, ``admin1``, ``admin2`` or ``cell``.
    start, end : first and last month (default: the months the family covers there).
    family, as_of, window, border_km : as for :func:`sahelwatch.indicators.indicators`.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`sahelwatch.indicators.indicators` (but the state-pressure score,
        which is given at country level only), one row per unit and month; NaN or null where
        the data do not cover the month.

    Examples
    --------
    >>> series = indicator_series(store, "MLI", "admin1")          # doctest: +SKIP
    """
    if start is None or end is None:
        months = covered_months(store, family, [country], located=level != "country", as_of=as_of)
        if not months:
            raise QueryError(f"family '{family}' covers no month of {country} at {level} level.")
        start, end = start or months[0], end or months[-1]
    if end < start:
        raise QueryError("the series ends before it starts.")
    first = add_months(start, 1 - max(window, 1))
    args = {"family": family, "as_of": as_of, "start": first, "end": end}
    panel = panels.build_panel(store, level, countries=[country], **args)  # type: ignore[arg-type]
    events = panels.placed_events(store, level, countries=[country], **args)  # type: ignore[arg-type]
    parts = [
        ind.deadliness(panel),
        ind.danger_to_civilians(panel),
        ind.fragmentation(events, panel),
        ind.attacks_on_forces(events, panel),
        ind.armed_presence(events, panel, window=window),
        ind.border_violence(events, panel, km=border_km),
    ]
    gws = panel["country_gw"].unique().tolist()
    if level != "cell":
        cells = panels.build_panel(store, "cell", countries=gws, **args)  # type: ignore[arg-type]
        parts.append(ind.diffusion(cells, panels.cells_in_units(level)))
    base = [c for c in panels.PANEL_COLUMNS if c in panel.columns]
    out = panel[base]
    for part in parts:
        extra = [c for c in part.columns if c not in out.columns]
        out = out.merge(part[[*_KEYS, *extra]], on=_KEYS, how="left")
    if level == "country":
        pressure = ind.state_pressure(
            ind.pressure_inputs(store, gws, start=first, end=end, family=family, as_of=as_of)
        )
        columns = ["c_lethality", "c_attacks", "c_civilians", "c_diffusion", "c_capital",
                   "weight_known", "pressure"]  # fmt: skip
        pressure = pressure[[*_KEYS, "nearest_km", *columns]].rename(
            columns={"nearest_km": "capital_nearest_jihadist_km"}
        )
        out = out.merge(pressure, on=_KEYS, how="left")
    lo, hi = (np.datetime64(f"{m:%Y-%m}-01", "s") for m in (start, end))
    stamps = out["month"].to_numpy(dtype="datetime64[s]")
    out = out[(stamps >= lo) & (stamps <= hi)].reset_index(drop=True)
    out.attrs["level"] = level
    return out
