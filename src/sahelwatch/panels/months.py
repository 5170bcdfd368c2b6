"""What the data hold for each month of a selection of countries, in states and in words.

:func:`month_states` says, for countries and a range of months, whether each month is covered by
located events, by events without places, only by country-month totals, or by nothing (*no
data*), with the totals where only those exist; :func:`describe_months` puts that in words
("2024-01 – 2024-12: 1,851 deaths in UCDP totals; no located events"). The dashboard, the API
and the briefs all use them, so that a gap is never shown as 0. For one country and period,
:func:`~sahelwatch.panels.month_status` gives the same in one sentence naming the releases.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd

from sahelwatch.panels.build import build_panel
from sahelwatch.panels.request import coverage
from sahelwatch.panels.schema import TOTALS_FAMILIES
from sahelwatch.panels.status import month_status
from sahelwatch.periods import format_month, month_range
from sahelwatch.store import Store

__all__ = ["STATES", "describe_months", "month_states", "status_sentence"]

#: What a country-month holds, weakest first: nothing, country-month totals only, events
#: without places or actor names, located events with actor names.
STATES: tuple[str, ...] = ("none", "totals", "unlocated", "located")
#: Country-month families whose totals stand in for events, most detailed first.
TOTALS_ORDER: tuple[str, ...] = ("ucdp_ged_cm", "ucdp_candidate_cm", "views_cm")
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
        :data:`TOTALS_ORDER` that covers it; NaN where there are none or a family does not
        split by type) and ``totals_family``.
    """
    months = month_range(start, end)
    stamps = [np.datetime64(f"{m:%Y-%m}-01", "s") for m in months]
    cov = coverage(store, "ucdp", countries=gws, as_of=as_of)
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
    for fam in (f for f in TOTALS_ORDER if f in held):
        panel = build_panel(store, "country", family=fam, countries=gws, start=start,
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
    return lambda period: month_status(store, gws[0], period, as_of=as_of).sentence()


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
                # the country's panel reads UCDP's totals only: VIEWS' are worded from the rows
                panel_reads = set(run["totals_family"].dropna()) <= set(TOTALS_FAMILIES["ucdp"])
                if state != "totals" or panel_reads:
                    out.append((first, sentence(period)))
                else:
                    out.append((first, _totals_text(run)))
        return [text for _, text in sorted(out)]
    share_of = frame["countries_totals"]  # runs of months with the same countries on totals
    keyed = frame.assign(state=np.where(share_of > 0, "t" + share_of.astype(str), "-"))
    runs = [r for key in keyed["state"].unique() if key != "-" for r in _runs(keyed, key)]
    out += [(run["month"].iloc[0], _totals_text(run)) for run in runs]
    for run in _runs(frame, "unlocated"):
        out.append((run["month"].iloc[0],
                    f"{_when(run)}: events without places or actor names (a reduced release); "
                    "not on the map"))  # fmt: skip
    without = frame.assign(state=np.where(frame["countries_totals"] > 0, "-", frame["state"]))
    for run in _runs(without, "none"):
        out.append((run["month"].iloc[0], f"{_when(run)}: no data (no release covers "
                    + ("this month)" if len(run) == 1 else "these months)")))  # fmt: skip
    return [text for _, text in sorted(out)]


def _totals_text(run: pd.DataFrame) -> str:
    """A run of months with country-month totals only, in words."""
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
    if not parts:
        return f"{_when(run)}: only {label}, which do not count what was asked for{scope}"
    known = best if best.notna().any() else events
    partial = "" if known.notna().all() else " (not every month)"
    return f"{_when(run)}: {' and '.join(parts)} in {label}{partial}{scope}"
