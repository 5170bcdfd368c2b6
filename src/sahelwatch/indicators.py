"""Crisis indicators, one function per indicator, each per unit-month.

Every indicator reads a panel (:func:`sahelwatch.panels.build_panel`) and, where it needs
single events, the placed events of the same request (:func:`sahelwatch.panels.placed_events`).
Each returns a frame keyed like the panel (``unit_id``, ``month``) in which a unit-month the
data do not cover is NaN (or null), never 0. Definitions, formulas and how they differ from
ACLED's Conflict Index are in ``docs/methodology.md`` (section "Indicators").

==========================  ==============================================================
function                    indicator
==========================  ==============================================================
:func:`deadliness`          fatalities (UCDP best), per event, trailing 12 months
:func:`danger_to_civilians` one-sided violence events and deaths, civilian deaths
:func:`diffusion`           share of a unit's PRIO-GRID cells with at least N events
:func:`fragmentation`       distinct active non-state armed groups
:func:`initiator`           who initiated each event (rule and its source)
:func:`attacks_on_forces`   attacks on state and foreign forces; who initiates
:func:`armed_presence`      state-dominant / contested / armed-group-dominant, with evidence
:func:`border_violence`     violence within X km of an international land border
:func:`spillover`           co-movement of violence on both sides of each border
:func:`tri_border`          violence in the Mali-Burkina Faso-Niger tri-border zone
:func:`capital_threat`      distance from each capital to the nearest jihadist event, trend
:func:`state_pressure`      composite "state under pressure" score, components visible
==========================  ==============================================================

:func:`indicators` assembles them for one country, level and month; :func:`export_indicators`
writes the result as CSV, Parquet or GeoJSON (with the units' boundaries, for QGIS).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from sahelwatch import panels
from sahelwatch.errors import QueryError
from sahelwatch.output import write_output
from sahelwatch.periods import add_months, parse_month
from sahelwatch.store import Store

__all__ = [
    "ACLED_DIRECTED",
    "EXPORT_FORMATS",
    "PRESSURE_SCALES",
    "PRESSURE_WEIGHTS",
    "armed_presence",
    "attacks_on_forces",
    "border_distances",
    "border_violence",
    "capital_threat",
    "capitals",
    "danger_to_civilians",
    "deadliness",
    "diffusion",
    "export_indicators",
    "fragmentation",
    "haversine_km",
    "indicators",
    "initiator",
    "pressure_inputs",
    "spillover",
    "state_pressure",
    "to_geojson",
    "tri_border",
    "tri_point",
]

ExportFormat = Literal["csv", "parquet", "geojson"]
EXPORT_FORMATS: tuple[str, ...] = ("csv", "parquet", "geojson")

#: Families on the state's side of the conflict.
STATE_CAMP: frozenset[str] = frozenset({"state", "foreign", "progov_militia"})
#: Families that are not non-state armed groups (left out of fragmentation).
NOT_ARMED_GROUPS: frozenset[str] = frozenset({"state", "foreign", "civilians"})
#: ACLED sub-event types in which actor 1 (``side_a``) acts on actor 2 by ACLED's coding rules.
ACLED_DIRECTED: frozenset[str] = frozenset(
    {
        "Attack",
        "Air/drone strike",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Suicide bomb",
        "Grenade",
        "Abduction/forced disappearance",
        "Sexual violence",
        "Government regains territory",
        "Non-state actor overtakes territory",
    }
)
#: The Sahel countries SahelWatch follows (Gleditsch-Ward codes).
SAHEL: tuple[int, ...] = (432, 433, 435, 436, 437, 438, 439, 615)
#: Weights of the state-pressure components (they sum to 1).
PRESSURE_WEIGHTS: Mapping[str, float] = {
    "lethality": 0.25,
    "attacks": 0.25,
    "civilians": 0.15,
    "diffusion": 0.15,
    "capital": 0.20,
}
#: Saturation points of the state-pressure components (value at which a component reaches 1).
PRESSURE_SCALES: Mapping[str, float] = {
    "lethality": 1000.0,  # fatalities in the month
    "attacks": 50.0,  # attacks on state and foreign forces in the month
    "civilians": 250.0,  # one-sided violence fatalities in the month
    "diffusion": 0.25,  # share of the country's cells with an event
    "capital": 500.0,  # km from the capital to the nearest jihadist event (0 at 500 km+)
}

_KEYS = ["unit_id", "month"]
_EARTH_KM = 6371.0088
# Azimuthal equidistant projection centred on the central Sahel: distances within ~2,000 km
# of the centre are exact radially and within about 2 % otherwise.
_SAHEL_AEQD = "+proj=aeqd +lat_0=14 +lon_0=-2 +datum=WGS84 +units=m"


# --- helpers --------------------------------------------------------------------------------


def _check(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise QueryError(f"{what} lacks the column(s) {missing}.")


def _align(
    panel: pd.DataFrame,
    values: pd.DataFrame,
    columns: Sequence[str],
    flag: str,
    fill: float = 0.0,
) -> pd.DataFrame:
    """Panel keys with ``columns`` from ``values`` (keyed by unit_id, month): ``fill`` where
    the panel's ``flag`` holds and no value is given, NaN where the flag does not hold."""
    out = panel[_KEYS].merge(values[[*_KEYS, *columns]], on=_KEYS, how="left")
    known = panel[flag].to_numpy(dtype=bool)
    for column in columns:
        if pd.api.types.is_numeric_dtype(out[column]) or out[column].isna().all():
            out[column] = out[column].astype("float64").fillna(fill).where(known)
        else:
            out[column] = out[column].where(known)
    return out


def _month_key(events: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(events["month"]).astype("datetime64[s]")


def _with_month(events: pd.DataFrame) -> pd.DataFrame:
    out = events.copy()
    out["month"] = _month_key(events)
    return out


def _violent(events: pd.DataFrame) -> pd.DataFrame:
    """Placed events of organised violence (a violence type) with a unit."""
    _check(events, ["uid", "unit_id", "month", "violence_type"], "events")
    keep = events["violence_type"].notna() & events["unit_id"].notna()
    return _with_month(events[keep])


def _panel_grid(panel: pd.DataFrame, column: str) -> tuple[np.ndarray, pd.Index, pd.Index]:
    """A complete panel column as a (units, months) array with its unit and month indexes."""
    units = pd.Index(panel["unit_id"].unique())
    months = pd.Index(np.sort(panel["month"].unique()))
    grid = np.full((len(units), len(months)), np.nan)
    grid[units.get_indexer(panel["unit_id"]), months.get_indexer(panel["month"])] = panel[
        column
    ].to_numpy(dtype=float)
    return grid, units, months


def _trailing(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing sums over up to ``window`` months (partial at the start), NaN counted as 0."""
    x = np.nan_to_num(np.asarray(values, dtype=float))
    total = np.concatenate([np.zeros((x.shape[0], 1)), np.cumsum(x, axis=1)], axis=1)
    lo = np.maximum(np.arange(x.shape[1]) + 1 - window, 0)
    return total[:, 1:] - total[:, lo]


def haversine_km(
    lat1: np.ndarray | float, lon1: np.ndarray | float, lat2: np.ndarray | float,
    lon2: np.ndarray | float,
) -> np.ndarray:
    """Great-circle distance in km (broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * _EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


# --- deadliness and civilians ---------------------------------------------------------------


def deadliness(panel: pd.DataFrame) -> pd.DataFrame:
    """Deadliness: fatalities of organised violence per unit-month.

    Parameters
    ----------
    panel : a panel from :func:`sahelwatch.panels.build_panel`.

    Returns
    -------
    pandas.DataFrame
        ``unit_id``, ``month``, ``deadliness`` (``best_total``), ``deadliness_r12`` (trailing
        12-month sum, ACLED's horizon) and ``fatalities_per_event`` (NaN without events).

    Examples
    --------
    >>> deadliness(panel).query("month == '2026-02-01'")           # doctest: +SKIP
    """
    _check(panel, [*_KEYS, "best_total", "best_total_r12", "events_total"], "panel")
    out = panel[_KEYS].copy()
    out["deadliness"] = panel["best_total"].astype(float)
    out["deadliness_r12"] = panel["best_total_r12"].astype(float)
    events = panel["events_total"].astype(float)
    out["fatalities_per_event"] = (out["deadliness"] / events).where(events > 0)
    return out


def danger_to_civilians(panel: pd.DataFrame) -> pd.DataFrame:
    """Danger to civilians: one-sided violence against civilians per unit-month.

    Returns
    -------
    pandas.DataFrame
        ``unit_id``, ``month``, ``danger_events`` (one-sided violence events, ``events_os``),
        ``danger_best`` (their fatalities, ``best_os``) and ``civilian_deaths`` (civilian
        deaths in every type of violence, UCDP ``deaths_civilians``; NaN unless the releases
        name the actors).
    """
    _check(panel, [*_KEYS, "events_os", "best_os", "deaths_civilians"], "panel")
    out = panel[_KEYS].copy()
    out["danger_events"] = panel["events_os"].astype(float)
    out["danger_best"] = panel["best_os"].astype(float)
    out["civilian_deaths"] = panel["deaths_civilians"].astype(float)
    return out


# --- diffusion ------------------------------------------------------------------------------


def diffusion(
    cell_panel: pd.DataFrame, cell_units: pd.DataFrame, min_events: int = 1
) -> pd.DataFrame:
    """Diffusion: share of a unit's PRIO-GRID cells with at least ``min_events`` events.

    Parameters
    ----------
    cell_panel : a ``cell`` panel.
    cell_units : ``gid`` -> ``unit_id`` (e.g. :func:`sahelwatch.panels.cells_in_units`);
        cells missing from the panel count as not covered.
    min_events : least events (of organised violence) for a cell to count as active.

    Returns
    -------
    pandas.DataFrame
        ``unit_id``, ``month``, ``cells`` (cells of the unit), ``active_cells`` and
        ``diffusion`` = active_cells / cells; NaN when any cell of the unit is not covered.
    """
    _check(cell_panel, [*_KEYS, "events_total", "covered"], "cell panel")
    if min_events < 1:
        raise QueryError(f"min_events must be at least 1, not {min_events}.")
    cells = cell_units.rename(columns={"unit_id": "area_id", "gid": "unit_id"})[
        ["unit_id", "area_id"]
    ]
    months = pd.DataFrame({"month": np.sort(cell_panel["month"].unique())})
    grid = cells.merge(months, how="cross").merge(
        cell_panel[[*_KEYS, "events_total", "covered"]], on=_KEYS, how="left"
    )
    grid["active"] = grid["events_total"] >= min_events
    grid["unknown"] = ~grid["covered"].fillna(False).astype(bool)
    out = (
        grid.groupby(["area_id", "month"])
        .agg(cells=("unit_id", "size"), active_cells=("active", "sum"), unknown=("unknown", "any"))
        .reset_index()
        .rename(columns={"area_id": "unit_id"})
    )
    out["active_cells"] = out["active_cells"].astype(float).where(~out["unknown"])
    out["diffusion"] = out["active_cells"] / out["cells"]
    return out.drop(columns="unknown")


# --- actors ---------------------------------------------------------------------------------


def fragmentation(events: pd.DataFrame, panel: pd.DataFrame) -> pd.DataFrame:
    """Fragmentation: number of distinct non-state armed groups active per unit-month.

    An actor is active when it is a side of an event of organised violence in the unit and
    month. Every actor that is not a state, foreign force or civilians counts (jihadist,
    separatist, pro-government and communal militias, anonymised and unknown actors, each
    under its canonical name; an unknown name counts as written).

    Returns
    -------
    pandas.DataFrame
        ``unit_id``, ``month``, ``armed_groups`` and ``armed_group_names`` (sorted, joined by
        ``"; "``); NaN/null unless the panel's ``covered_actors`` holds.
    """
    ev = _violent(events)
    long = pd.concat(
        [
            pd.DataFrame(
                {"unit_id": ev["unit_id"], "month": ev["month"], "actor": panels.side_actors(ev[c])}
            ).explode("actor")
            for c in ("side_a", "side_b")
        ],
        ignore_index=True,
    ).dropna(subset=["actor"])
    from sahelwatch.actors import load_dictionary

    fam = load_dictionary().classify(long["actor"].astype(str).reset_index(drop=True))["family"]
    armed = ~fam.isin(NOT_ARMED_GROUPS).to_numpy()
    long = long[armed].drop_duplicates()
    counts = (
        long.groupby(_KEYS)["actor"]
        .agg(armed_groups="nunique", armed_group_names=lambda s: "; ".join(sorted(set(s))))
        .reset_index()
    )
    out = _align(panel, counts, ["armed_groups"], "covered_actors")
    names = panel[_KEYS].merge(counts[[*_KEYS, "armed_group_names"]], on=_KEYS, how="left")
    known = panel["covered_actors"].to_numpy(dtype=bool)
    out["armed_group_names"] = names["armed_group_names"].fillna("").where(known)
    return out


def _camp(families: pd.DataFrame, named: pd.Series) -> pd.Series:
    """'state', 'civilians' or 'armed_group' for each side; null where no side is named."""
    state = families[list(STATE_CAMP)].any(axis=1)
    civilians = families["civilians"] & ~state
    camp = np.where(state, "state", np.where(civilians, "civilians", "armed_group"))
    return pd.Series(camp, index=families.index, dtype=object).where(named.notna())


def initiator(events: pd.DataFrame, *, heuristic: bool = True) -> pd.DataFrame:
    """Which side initiated each event, and by which rule.

    UCDP does not code an initiator: in state-based violence ``side_a`` is the government by
    convention, whoever attacked; in non-state violence the order is arbitrary; in one-sided
    violence ``side_a`` is the perpetrator by definition. The rules, first match wins:

    1. one-sided violence: ``side_a`` (``one-sided: perpetrator``);
    2. ACLED directed sub-event types (:data:`ACLED_DIRECTED`): actor 1 = ``side_a``
       (``acled: directed sub-event``);
    3. only if ``heuristic``: losses on one side only (``deaths_a > 0 = deaths_b`` gives
       ``side_b``, ``deaths_b > 0 = deaths_a`` gives ``side_a``; ``losses on one side``);
    4. otherwise unknown (null).

    Returns
    -------
    pandas.DataFrame
        ``initiator`` (``side_a``, ``side_b`` or null), ``initiator_rule``, ``initiator_camp``
        and ``target_camp`` (``state``, ``armed_group``, ``civilians`` or null), index of
        ``events``.
    """
    _check(events, ["violence_type", "side_a", "side_b", "deaths_a", "deaths_b"], "events")
    vt = events["violence_type"]
    sub = (
        events["sub_event_type"]
        if "sub_event_type" in events
        else pd.Series(None, index=events.index)
    )
    da = pd.to_numeric(events["deaths_a"], errors="coerce").to_numpy(dtype=float)
    db = pd.to_numeric(events["deaths_b"], errors="coerce").to_numpy(dtype=float)
    named = events["side_a"].notna() & events["side_b"].notna()
    onesided = (vt == "os").to_numpy() & named.to_numpy()
    directed = sub.isin(ACLED_DIRECTED).to_numpy() & named.to_numpy()
    lossy = heuristic & named.to_numpy() & vt.isin(["sb", "ns"]).to_numpy()
    a_lost = lossy & (da > 0) & (db == 0)
    b_lost = lossy & (db > 0) & (da == 0)
    side = np.select(
        [onesided, directed, a_lost, b_lost], ["side_a", "side_a", "side_b", "side_a"], ""
    )
    rule = np.select(
        [onesided, directed, a_lost | b_lost],
        ["one-sided: perpetrator", "acled: directed sub-event", "losses on one side"],
        "unknown",
    )
    fam_a = panels.side_families(events["side_a"])
    fam_b = panels.side_families(events["side_b"])
    camp_a, camp_b = _camp(fam_a, events["side_a"]), _camp(fam_b, events["side_b"])
    out = pd.DataFrame(
        {"initiator": pd.Series(side, index=events.index, dtype=object).replace("", None)},
        index=events.index,
    )
    out["initiator_rule"] = rule
    is_a, is_b = side == "side_a", side == "side_b"
    out["initiator_camp"] = camp_a.where(is_a, camp_b.where(is_b))
    out["target_camp"] = camp_b.where(is_a, camp_a.where(is_b))
    return out


def attacks_on_forces(
    events: pd.DataFrame, panel: pd.DataFrame, *, heuristic: bool = True
) -> pd.DataFrame:
    """Attacks on state and foreign forces, and who initiates violence, per unit-month.

    Returns
    -------
    pandas.DataFrame
        ``unit_id``, ``month`` and

        * ``clashes_with_state``: events of organised violence with state forces on a side,
          whoever initiated;
        * ``attacks_on_state`` / ``attacks_on_foreign``: events initiated (see
          :func:`initiator`) by an armed group against a side with state / foreign forces;
        * ``state_initiated``, ``armed_initiated``: events initiated by the state camp
          (state, foreign forces, pro-government militias) / by armed groups, one-sided
          violence included;
        * ``initiator_unknown``: events whose initiator cannot be told;
        * ``state_side_deaths``: deaths on sides with state forces (UCDP ``deaths_a`` or
          ``deaths_b``).

        NaN unless the panel's ``covered_actors`` holds.
    """
    ev = _violent(events)
    who = initiator(ev, heuristic=heuristic)
    fam_a, fam_b = panels.side_families(ev["side_a"]), panels.side_families(ev["side_b"])
    is_a = (who["initiator"] == "side_a").to_numpy()
    known = who["initiator"].notna().to_numpy()
    target_state = np.where(is_a, fam_b["state"], fam_a["state"]) & known
    target_foreign = np.where(is_a, fam_b["foreign"], fam_a["foreign"]) & known
    armed = (who["initiator_camp"] == "armed_group").to_numpy()
    deaths_a = pd.to_numeric(ev["deaths_a"], errors="coerce").fillna(0).to_numpy()
    deaths_b = pd.to_numeric(ev["deaths_b"], errors="coerce").fillna(0).to_numpy()
    flags = pd.DataFrame(
        {
            "unit_id": ev["unit_id"].to_numpy(),
            "month": ev["month"].to_numpy(),
            "clashes_with_state": (fam_a["state"] | fam_b["state"]).to_numpy()
            & (ev["violence_type"] != "os").to_numpy(),
            "attacks_on_state": armed & target_state,
            "attacks_on_foreign": armed & target_foreign,
            "state_initiated": (who["initiator_camp"] == "state").to_numpy(),
            "armed_initiated": armed,
            "initiator_unknown": who["initiator"].isna().to_numpy(),
            "state_side_deaths": np.where(fam_a["state"], deaths_a, 0)
            + np.where(fam_b["state"], deaths_b, 0),
        }
    )
    columns = [c for c in flags.columns if c not in _KEYS]
    sums = flags.groupby(_KEYS)[columns].sum().reset_index()
    return _align(panel, sums, columns, "covered_actors")


def armed_presence(
    events: pd.DataFrame,
    panel: pd.DataFrame,
    *,
    window: int = 6,
    min_events: int = 2,
    min_covered: int = 2,
    heuristic: bool = True,
) -> pd.DataFrame:
    """Armed-group presence: who initiates violence in a unit over a trailing window.

    Over the ``window`` months ending with each month (covered months only), count the events
    initiated by the state camp (S) and by armed groups (A) (:func:`initiator`; one-sided
    violence counts for its perpetrator) and classify the unit:

    * ``unknown`` (null): fewer than ``min_covered`` months of the window are covered;
    * ``no clear presence``: S + A < ``min_events``;
    * ``armed-group-dominant``: A / (S + A) >= 2/3; ``state-dominant``: A / (S + A) <= 1/3;
    * ``contested``: in between.

    Returns
    -------
    pandas.DataFrame
        ``unit_id``, ``month``, ``presence``, ``state_initiated_w``, ``armed_initiated_w``,
        ``armed_share_w``, ``months_covered_w`` and ``evidence`` (the uids of the counted
        events, a list, oldest first).
    """
    if window < 1 or min_covered < 1 or min_covered > window:
        raise QueryError("armed_presence needs 1 <= min_covered <= window.")
    ev = _violent(events)
    who = initiator(ev, heuristic=heuristic)
    camp = who["initiator_camp"]
    counted = ev[camp.isin(["state", "armed_group"]).to_numpy()].assign(camp=camp)
    monthly = (
        counted.assign(
            state=(counted["camp"] == "state").astype(float),
            armed=(counted["camp"] == "armed_group").astype(float),
        )
        .groupby(_KEYS)[["state", "armed"]]
        .sum()
        .reset_index()
    )
    aligned = _align(panel, monthly, ["state", "armed"], "covered_actors")
    aligned["known"] = panel["covered_actors"].to_numpy(dtype=float)
    sums = {}
    for column in ("state", "armed", "known"):
        grid, units, months = _panel_grid(aligned, column)
        sums[column] = _trailing(grid, window)
    out = pd.DataFrame(
        {
            "unit_id": np.repeat(units.to_numpy(), len(months)),
            "month": np.tile(months.to_numpy(), len(units)),
            "state_initiated_w": sums["state"].ravel(),
            "armed_initiated_w": sums["armed"].ravel(),
            "months_covered_w": sums["known"].ravel(),
        }
    )
    total = out["state_initiated_w"] + out["armed_initiated_w"]
    share = out["armed_initiated_w"] / total.where(total > 0)
    unknown = out["months_covered_w"] < min_covered
    presence = np.select(
        [total < min_events, share >= 2 / 3, share <= 1 / 3],
        ["no clear presence", "armed-group-dominant", "state-dominant"],
        "contested",
    )
    out["presence"] = pd.Series(presence, dtype=object).where(~unknown, None)
    out["armed_share_w"] = share.where(~unknown)
    for column in ("state_initiated_w", "armed_initiated_w"):
        out[column] = out[column].where(~unknown)
    out = out.merge(_evidence(counted, months, window), on=_KEYS, how="left")
    out["evidence"] = [[] if not isinstance(e, list) else e for e in out["evidence"]]
    out.loc[unknown.to_numpy(), "evidence"] = None
    order = ["unit_id", "month", "presence", "state_initiated_w", "armed_initiated_w",
             "armed_share_w", "months_covered_w", "evidence"]  # fmt: skip
    return panel[_KEYS].merge(out[order], on=_KEYS, how="left")


def _evidence(counted: pd.DataFrame, months: pd.Index, window: int) -> pd.DataFrame:
    """uids of the counted events in each window, keyed by the window's last month."""
    if counted.empty:
        return pd.DataFrame({"unit_id": [], "month": [], "evidence": []})
    ordinal = panels.month_ordinal(counted["month"])
    spread = counted[["uid", "unit_id"]].loc[counted.index.repeat(window)].copy()
    spread["mo"] = np.repeat(ordinal, window) + np.tile(np.arange(window), len(counted))
    spread["date_start"] = np.repeat(counted["date_start"].to_numpy(), window)
    spread["month"] = panels.ordinal_month(spread["mo"])
    spread = spread[spread["month"].isin(months)]
    spread = spread.sort_values(["unit_id", "mo", "date_start", "uid"])
    return spread.groupby(_KEYS)["uid"].agg(list).rename("evidence").reset_index()


# --- borders --------------------------------------------------------------------------------


@cache
def _borders() -> pd.DataFrame:
    """Land borders between the bundled countries, projected to metres: ``gw_a``, ``gw_b``,
    ``iso3_a``, ``iso3_b`` and ``line`` (shapely geometry of the shared boundary)."""
    import shapely

    from sahelwatch import geo

    units = geo.load_admin(0).to_crs(_SAHEL_AEQD)
    gw = units["iso3"].map(panels._iso3_to_gw())
    geoms = units.geometry.to_numpy()
    grown = shapely.buffer(geoms, 2000.0)  # 2 km: simplified neighbours may not touch exactly
    left, right = units.sindex.query(grown, predicate="intersects")
    keep = left != right
    rows = []
    for i, j in zip(left[keep], right[keep], strict=True):
        line = shapely.intersection(shapely.boundary(geoms[i]), grown[j])
        if not shapely.is_empty(line) and shapely.length(line) > 0:
            rows.append(
                (gw.iloc[i], gw.iloc[j], units["iso3"].iloc[i], units["iso3"].iloc[j], line)
            )
    frame = pd.DataFrame(rows, columns=["gw_a", "gw_b", "iso3_a", "iso3_b", "line"])
    return frame.dropna(subset=["gw_a", "gw_b"]).astype({"gw_a": int, "gw_b": int})


def _project(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points (shapely) in the Sahel-centred equidistant projection."""
    import shapely
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", _SAHEL_AEQD, always_xy=True).transform(lon, lat)
    return shapely.points(x, y)


def border_distances(events: pd.DataFrame) -> pd.DataFrame:
    """Distance from each precisely located event to each land border of its own country.

    Only events placed at a point (``place_level == 'point'``, i.e. ``where_prec`` 1-2) are
    measured. Distances are in km in an equidistant projection centred on the Sahel (within
    about 2 % up to 2,000 km from 14°N 2°W).

    Returns
    -------
    pandas.DataFrame
        ``uid``, ``neighbour_gw`` and ``km``: one row per event and border of its country.
    """
    import shapely

    _check(events, ["uid", "latitude", "longitude", "country_gw", "place_level"], "events")
    point = events[events["place_level"] == "point"]
    parts = []
    if not point.empty:
        geoms = _project(point["latitude"].to_numpy(float), point["longitude"].to_numpy(float))
        gws = point["country_gw"].to_numpy(dtype=np.int64)
        for border in _borders().itertuples():  # one pass per border, not per event
            mine = gws == border.gw_a
            if mine.any():
                km = shapely.distance(geoms[mine], border.line) / 1000.0
                parts.append(
                    pd.DataFrame(
                        {
                            "uid": point["uid"].to_numpy()[mine],
                            "neighbour_gw": border.gw_b,
                            "km": km,
                        }
                    )
                )
    if not parts:
        return pd.DataFrame({"uid": pd.Series(dtype=object), "neighbour_gw": pd.Series(dtype=int),
                             "km": pd.Series(dtype=float)})  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def border_violence(events: pd.DataFrame, panel: pd.DataFrame, km: float = 50.0) -> pd.DataFrame:
    """Violence near borders: events within ``km`` of an international land border.

    Returns
    -------
    pandas.DataFrame
        ``unit_id``, ``month``, ``border_events``, ``border_best`` (their fatalities) and
        ``border_share`` (border_best / the fatalities of events placed at a point; NaN
        without such fatalities). NaN unless the panel's ``covered_located`` holds.
    """
    ev = _violent(events)
    dist = border_distances(ev)
    near = set(dist.loc[dist["km"] <= km, "uid"])
    point = ev[ev["place_level"] == "point"]
    flags = pd.DataFrame(
        {
            "unit_id": point["unit_id"].to_numpy(),
            "month": point["month"].to_numpy(),
            "border_events": point["uid"].isin(near).to_numpy(dtype=float),
            "border_best": np.where(point["uid"].isin(near), point["best"].astype(float), 0.0),
            "point_best": point["best"].astype(float).to_numpy(),
        }
    )
    sums = flags.groupby(_KEYS)[["border_events", "border_best", "point_best"]].sum().reset_index()
    out = _align(panel, sums, ["border_events", "border_best", "point_best"], "covered_located")
    out["border_share"] = (out["border_best"] / out["point_best"]).where(out["point_best"] > 0)
    return out.drop(columns="point_best")


def _country_months(coverage: pd.DataFrame, flag: str = "covered_located") -> pd.DataFrame:
    cov = coverage[coverage[flag]] if flag in coverage else coverage
    return cov[["country_gw", "month"]].assign(month=lambda f: _month_key(f))


def _month_span(coverage: pd.DataFrame) -> np.ndarray:
    """Every month from the first to the last month of ``coverage`` (gaps included)."""
    ordinal = panels.month_ordinal(coverage["month"])
    if not len(ordinal):
        return np.array([], dtype="datetime64[s]")
    return panels.ordinal_month(np.arange(ordinal.min(), ordinal.max() + 1))


def spillover(
    events: pd.DataFrame,
    coverage: pd.DataFrame,
    *,
    countries: Sequence[int] = (432, 436, 439),
    km: float = 50.0,
    window: int = 6,
) -> pd.DataFrame:
    """Cross-border spillover: violence on both sides of each shared border and its co-movement.

    For each pair of neighbouring ``countries`` (A, B) and month: events and fatalities in A
    within ``km`` of the A-B border (``events_a``, ``best_a``) and in B within ``km`` of it
    (``events_b``, ``best_b``), and ``comovement``: the Pearson correlation of ``best_a`` and
    ``best_b`` over the ``window`` months ending then, NaN unless both countries are covered
    with locations in every month of the window and both series vary.

    Parameters
    ----------
    events : placed events (any level) of at least these countries.
    coverage : :func:`sahelwatch.panels.coverage` of the same family.
    countries : Gleditsch-Ward codes (default Mali, Niger, Burkina Faso).

    Returns
    -------
    pandas.DataFrame
        ``border`` (``"BFA-MLI"``), ``gw_a``, ``gw_b``, ``month``, ``covered``, ``events_a``,
        ``best_a``, ``events_b``, ``best_b``, ``comovement``.
    """
    ev = _with_month(events[events["violence_type"].notna()])
    dist = border_distances(ev).merge(ev[["uid", "month", "best"]], on="uid")
    dist = dist[dist["km"] <= km]
    borders = _borders()
    pairs = borders[borders["gw_a"].isin(countries) & borders["gw_b"].isin(countries)]
    pairs = pairs[pairs["gw_a"] < pairs["gw_b"]]
    cov = _country_months(coverage)
    months = _month_span(coverage)
    ev_gw = ev.set_index("uid")["country_gw"]
    dist["gw"] = dist["uid"].map(ev_gw)
    rows = []
    columns = pairs[["iso3_a", "iso3_b", "gw_a", "gw_b"]].itertuples(index=False, name=None)
    for iso3_a, iso3_b, gw_a, gw_b in columns:  # a few borders, not rows
        frame = pd.DataFrame({"month": months})
        for side, gw, other in (("a", gw_a, gw_b), ("b", gw_b, gw_a)):
            near = dist[(dist["gw"] == gw) & (dist["neighbour_gw"] == other)]
            sums = near.groupby("month").agg(n=("uid", "size"), best=("best", "sum"))
            known = np.isin(months, cov.loc[cov["country_gw"] == gw, "month"])
            frame[f"events_{side}"] = sums["n"].reindex(months).fillna(0).where(known).to_numpy()
            frame[f"best_{side}"] = sums["best"].reindex(months).fillna(0).where(known).to_numpy()
        frame["covered"] = frame[["best_a", "best_b"]].notna().all(axis=1)
        frame["comovement"] = _rolling_corr(frame["best_a"], frame["best_b"], months, window)
        frame.insert(0, "border", f"{iso3_a}-{iso3_b}")
        frame.insert(1, "gw_a", gw_a)
        frame.insert(2, "gw_b", gw_b)
        rows.append(frame)
    if not rows:
        raise QueryError("none of the given countries share a land border.")
    return pd.concat(rows, ignore_index=True)


def _rolling_corr(x: pd.Series, y: pd.Series, months: np.ndarray, window: int) -> np.ndarray:
    """Pearson correlation over trailing windows of consecutive months, NaN if any gap."""
    ordinal = panels.month_ordinal(months)
    xs, ys = x.to_numpy(dtype=float), y.to_numpy(dtype=float)
    out = np.full(len(xs), np.nan)
    for end in range(window - 1, len(xs)):  # short series: one pass per month
        sl = slice(end - window + 1, end + 1)
        a, b = xs[sl], ys[sl]
        consecutive = ordinal[end] - ordinal[end - window + 1] == window - 1
        complete = consecutive and not (np.isnan(a).any() or np.isnan(b).any())
        if complete and a.std() > 0 and b.std() > 0:
            out[end] = float(np.corrcoef(a, b)[0, 1])
    return out


@cache
def tri_point(countries: tuple[str, str, str] = ("MLI", "BFA", "NER")) -> tuple[float, float]:
    """(lat, lon) where three countries' bundled boundaries meet (default Mali, Burkina Faso,
    Niger: the Liptako-Gourma tri-border)."""
    import shapely
    from pyproj import Transformer

    from sahelwatch import geo

    units = geo.load_admin(0).to_crs(_SAHEL_AEQD).set_index("iso3")
    grown = [shapely.buffer(units.geometry[c], 5000.0) for c in countries]
    meet = shapely.intersection_all(grown)
    if shapely.is_empty(meet):
        raise QueryError(f"{'-'.join(countries)} do not meet in the bundled boundaries.")
    centre = shapely.centroid(meet)
    lon, lat = Transformer.from_crs(_SAHEL_AEQD, "EPSG:4326", always_xy=True).transform(
        centre.x, centre.y
    )
    return float(lat), float(lon)


def tri_border(
    events: pd.DataFrame, coverage: pd.DataFrame, *, radius_km: float = 150.0
) -> pd.DataFrame:
    """Violence in the Mali-Burkina Faso-Niger tri-border zone (Liptako-Gourma), per month.

    The zone is the disc of ``radius_km`` around :func:`tri_point`; events placed at a point
    (``where_prec`` 1-2) in any of the three countries count.

    Returns
    -------
    pandas.DataFrame
        ``month``, ``covered`` (all three countries covered with locations), ``events``,
        ``best``, and ``events_<ISO3>`` / ``best_<ISO3>`` per country; NaN when not covered.
    """
    lat, lon = tri_point()
    iso = {432: "MLI", 439: "BFA", 436: "NER"}
    ev = _with_month(events[events["violence_type"].notna()])
    ev = ev[(ev["place_level"] == "point") & ev["country_gw"].isin(list(iso))]
    km = haversine_km(ev["latitude"].to_numpy(float), ev["longitude"].to_numpy(float), lat, lon)
    inside = ev[km <= radius_km]
    cov = _country_months(coverage)
    months = _month_span(coverage)
    known = np.ones(len(months), dtype=bool)
    for gw in iso:
        known &= np.isin(months, cov.loc[cov["country_gw"] == gw, "month"])
    out = pd.DataFrame({"month": months, "covered": known})
    by = inside.groupby(["month", "country_gw"]).agg(n=("uid", "size"), best=("best", "sum"))
    for gw, code in iso.items():
        part = by.xs(gw, level="country_gw") if gw in by.index.get_level_values(1) else None
        for col, src in ((f"events_{code}", "n"), (f"best_{code}", "best")):
            values = part[src].reindex(months) if part is not None else pd.Series(index=months)
            out[col] = values.fillna(0).to_numpy(dtype=float)
    out["events"] = out[[f"events_{c}" for c in iso.values()]].sum(axis=1)
    out["best"] = out[[f"best_{c}" for c in iso.values()]].sum(axis=1)
    value_columns = [c for c in out.columns if c not in ("month", "covered")]
    out[value_columns] = out[value_columns].where(out["covered"], axis=0)
    return out[["month", "covered", "events", "best", *value_columns[:-2]]]


# --- capitals -------------------------------------------------------------------------------


def capitals() -> pd.DataFrame:
    """Capitals of the Sahel countries (Natural Earth populated places; ``data/capitals.csv``).

    Returns
    -------
    pandas.DataFrame
        ``name``, ``iso3``, ``country_gw``, ``role`` (``capital`` or ``seat of government``),
        ``latitude``, ``longitude``, ``source``.
    """
    path = resources.files("sahelwatch") / "data" / "capitals.csv"
    return pd.read_csv(io.StringIO(path.read_text(encoding="utf-8")))


def capital_threat(
    events: pd.DataFrame,
    coverage: pd.DataFrame,
    *,
    places: pd.DataFrame | None = None,
    window: int = 6,
    max_where_prec: int = 3,
) -> pd.DataFrame:
    """Threat to the capital: distance from each capital to the nearest jihadist event.

    Jihadist events are events of organised violence with a jihadist family on either side,
    located with ``where_prec <= max_where_prec`` (3: the admin-2 unit, whose centroid UCDP
    gives). Distances are great-circle km. The trend is the least-squares slope of
    ``nearest_km`` over the ``window`` months ending in each month (at least 3 values), in
    km per month: negative means violence is moving closer.

    Parameters
    ----------
    events : events of the region (any countries; the nearest may lie across a border).
    coverage : :func:`sahelwatch.panels.coverage` of the same family.
    places : capitals (default :func:`capitals`).

    Returns
    -------
    pandas.DataFrame
        ``capital``, ``iso3``, ``country_gw``, ``month``, ``covered``, ``jihadist_events``,
        ``nearest_km`` (NaN when none), ``nearest_uid``, ``events_within_100km``,
        ``events_within_250km``, ``trend_km_per_month``. NaN/null where the capital's
        country is not covered with locations and actors.
    """
    places = capitals() if places is None else places
    ev = _with_month(events[events["violence_type"].notna()])
    fams = panels.event_families(ev)
    prec = pd.to_numeric(ev["where_prec"], errors="coerce")
    jihad = ev[fams["jihadist"].to_numpy() & (prec <= max_where_prec).to_numpy()]
    jihad = jihad[jihad["latitude"].notna()]
    cov = coverage[coverage["covered_located"] & coverage["covered_actors"]]
    cov = cov.assign(month=_month_key(cov))
    months = _month_span(coverage)
    grid = places[["name", "iso3", "country_gw", "latitude", "longitude"]].merge(
        pd.DataFrame({"month": months}), how="cross"
    )
    grid = grid.merge(cov[["country_gw", "month"]].assign(covered=True), on=["country_gw", "month"],
                      how="left")  # fmt: skip
    grid["covered"] = grid["covered"].fillna(False).astype(bool)
    pairs = places[["name", "latitude", "longitude"]].merge(
        jihad[["uid", "month", "latitude", "longitude"]], how="cross", suffixes=("_c", "_e")
    )
    pairs["km"] = haversine_km(
        pairs["latitude_c"].to_numpy(float), pairs["longitude_c"].to_numpy(float),
        pairs["latitude_e"].to_numpy(float), pairs["longitude_e"].to_numpy(float),
    )  # fmt: skip
    keys = ["name", "month"]
    pairs = pairs.sort_values([*keys, "km", "uid"])
    summary = pairs.groupby(keys).agg(
        jihadist_events=("uid", "size"),
        nearest_km=("km", "first"),
        nearest_uid=("uid", "first"),
        events_within_100km=("km", lambda k: int((k <= 100).sum())),
        events_within_250km=("km", lambda k: int((k <= 250).sum())),
    )
    out = grid.merge(summary.reset_index(), on=keys, how="left")
    for column in ("jihadist_events", "events_within_100km", "events_within_250km"):
        out[column] = out[column].astype(float).fillna(0).where(out["covered"])
    out["nearest_km"] = out["nearest_km"].where(out["covered"])
    out["nearest_uid"] = out["nearest_uid"].where(out["covered"])
    out = out.sort_values(keys, ignore_index=True)
    out["trend_km_per_month"] = _slopes(out, window)
    out = out.rename(columns={"name": "capital"})
    return out[["capital", "iso3", "country_gw", "month", "covered", "jihadist_events",
                "nearest_km", "nearest_uid", "events_within_100km", "events_within_250km",
                "trend_km_per_month"]]  # fmt: skip


def _slopes(frame: pd.DataFrame, window: int) -> np.ndarray:
    """Least-squares slope of ``nearest_km`` on the month over trailing windows, per capital
    (frame sorted by capital and month, every capital with the same months)."""
    n_caps = frame["name"].nunique()
    y = frame["nearest_km"].to_numpy(dtype=float).reshape(n_caps, -1)
    x = panels.month_ordinal(frame["month"]).reshape(n_caps, -1).astype(float)
    x = x - x[:, :1]
    w = ~np.isnan(y)
    terms = {
        "n": w.astype(float), "x": np.where(w, x, 0), "y": np.where(w, y, 0),
        "xx": np.where(w, x * x, 0), "xy": np.where(w, x * y, 0),
    }  # fmt: skip
    s = {k: _trailing(v, window) for k, v in terms.items()}
    den = s["n"] * s["xx"] - s["x"] ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (s["n"] * s["xy"] - s["x"] * s["y"]) / den
    slope[(s["n"] < 3) | (den <= 0) | np.isnan(y)] = np.nan
    return slope.ravel()


# --- composite ------------------------------------------------------------------------------


def state_pressure(
    inputs: pd.DataFrame,
    *,
    weights: Mapping[str, float] = PRESSURE_WEIGHTS,
    scales: Mapping[str, float] = PRESSURE_SCALES,
    min_weight: float = 1.0,
) -> pd.DataFrame:
    """The "state under pressure" score per country-month, every component visible.

    Components, each in [0, 1] (``s`` = the component's scale in :data:`PRESSURE_SCALES`):

    * ``c_lethality`` = min(1, log(1 + best_total) / log(1 + s));
    * ``c_attacks`` = min(1, log(1 + attacks_on_state + attacks_on_foreign) / log(1 + s));
    * ``c_civilians`` = min(1, log(1 + best_os) / log(1 + s));
    * ``c_diffusion`` = min(1, diffusion / s);
    * ``c_capital`` = max(0, 1 - nearest_km / s), 0 when a covered month has no jihadist event.

    ``pressure`` = 100 * sum(w_i c_i) / sum(w_i) over the components that are known;
    NaN when the known components' weight (``weight_known``) is below ``min_weight`` (by
    default every component must be known).

    Parameters
    ----------
    inputs : per country-month ``unit_id``, ``month``, ``best_total``, ``attacks_on_state``,
        ``attacks_on_foreign``, ``best_os``, ``diffusion``, ``nearest_km``,
        ``capital_covered`` (see :func:`pressure_inputs`).
    weights : component weights (default :data:`PRESSURE_WEIGHTS`, summing to 1).
    scales : component saturation points.

    Returns
    -------
    pandas.DataFrame
        ``inputs`` plus ``c_<component>``, ``weight_known`` and ``pressure``.
    """
    _check(
        inputs,
        [*_KEYS, "best_total", "attacks_on_state", "attacks_on_foreign", "best_os", "diffusion",
         "nearest_km", "capital_covered"],
        "pressure inputs",
    )  # fmt: skip
    if set(weights) != set(PRESSURE_WEIGHTS) or any(w < 0 for w in weights.values()):
        raise QueryError(
            f"weights must give a non-negative weight to each of {list(PRESSURE_WEIGHTS)}."
        )
    total = sum(weights.values())
    out = inputs.copy()

    def logscale(value: pd.Series, scale: float) -> pd.Series:
        return np.minimum(1.0, np.log1p(value.astype(float)) / np.log1p(scale))

    out["c_lethality"] = logscale(out["best_total"], scales["lethality"])
    out["c_attacks"] = logscale(
        out["attacks_on_state"] + out["attacks_on_foreign"], scales["attacks"]
    )
    out["c_civilians"] = logscale(out["best_os"], scales["civilians"])
    out["c_diffusion"] = np.minimum(1.0, out["diffusion"].astype(float) / scales["diffusion"])
    near = (1.0 - out["nearest_km"].astype(float) / scales["capital"]).clip(lower=0.0)
    out["c_capital"] = near.fillna(0.0).where(out["capital_covered"].fillna(False).astype(bool))
    parts = np.column_stack([out[f"c_{k}"].to_numpy(dtype=float) for k in PRESSURE_WEIGHTS])
    w = np.array([weights[k] for k in PRESSURE_WEIGHTS])
    known = ~np.isnan(parts)
    weight_known = (known * w).sum(axis=1) / total
    with np.errstate(invalid="ignore", divide="ignore"):
        score = 100 * np.nansum(parts * w, axis=1) / (known * w).sum(axis=1)
    out["weight_known"] = weight_known
    out["pressure"] = np.where(weight_known >= min_weight - 1e-9, score, np.nan)
    return out


def pressure_inputs(
    store: Store,
    countries: Sequence[str | int],
    *,
    start: str | date | None = None,
    end: str | date | None = None,
    family: str = "ucdp",
    as_of: str | None = None,
    heuristic: bool = True,
) -> pd.DataFrame:
    """Everything :func:`state_pressure` needs, per country-month, from the store.

    Capital distances use the events of the countries and their neighbours; a country with
    two capitals (Côte d'Ivoire) takes the nearer.
    """
    args: dict[str, Any] = {"family": family, "start": start, "end": end, "as_of": as_of}
    panel = panels.build_panel(store, "country", countries=countries, **args)
    gws = sorted(panel["unit_id"].unique().tolist())
    events = panels.placed_events(store, "country", countries=gws, **args)
    attacks = attacks_on_forces(events, panel, heuristic=heuristic)
    cells = panels.build_panel(store, "cell", countries=gws, **args)
    spread = diffusion(cells, panels.cells_in_units("country"))
    neighbours = panels.admin_neighbours("country")
    region = sorted(set(gws) | set(neighbours.loc[neighbours["unit_id"].isin(gws), "neighbour"]))
    region_events = panels.placed_events(store, "country", countries=region, **args)
    cov = panels.coverage(store, family, as_of=as_of)
    threat = capital_threat(region_events, cov)
    threat = (
        threat[threat["country_gw"].isin(gws)]
        .groupby(["country_gw", "month"])
        .agg(nearest_km=("nearest_km", "min"), capital_covered=("covered", "all"))
        .reset_index()
        .rename(columns={"country_gw": "unit_id"})
    )
    out = panel[[*_KEYS, "covered", "best_total", "best_os"]].merge(
        attacks[[*_KEYS, "attacks_on_state", "attacks_on_foreign"]], on=_KEYS, how="left"
    )
    out = out.merge(spread[[*_KEYS, "diffusion"]], on=_KEYS, how="left")
    out = out.merge(threat, on=_KEYS, how="left")
    out["capital_covered"] = out["capital_covered"].astype("boolean").fillna(False)
    return out


# --- assembling and exporting ---------------------------------------------------------------


def indicators(
    store: Store,
    country: str | int = "MLI",
    level: str = "admin2",
    month: str | date = "2026-02",
    *,
    family: str = "ucdp",
    as_of: str | None = None,
    window: int = 6,
    border_km: float = 50.0,
    heuristic: bool = True,
) -> pd.DataFrame:
    """Every indicator for the units of one country at one level, for one month.

    Parameters
    ----------
    store : the store.
    country : ISO3 code, Gleditsch-Ward number or name.
    level : ``country``, ``admin1``, ``admin2`` or ``cell``.
    month : ``YYYY-MM``.
    family, as_of : as for :func:`sahelwatch.panels.build_panel`.
    window : months of the armed-presence window.
    border_km : distance that counts as near a border.
    heuristic : use the losses-on-one-side rule to tell initiators (see :func:`initiator`).

    Returns
    -------
    pandas.DataFrame
        One row per unit: the panel's key columns and counts, then :func:`deadliness`,
        :func:`danger_to_civilians`, :func:`fragmentation`, :func:`attacks_on_forces`,
        :func:`armed_presence`, :func:`border_violence`, :func:`diffusion` (not at cell
        level) and, for the unit's country, the :func:`state_pressure` score and components
        (prefixed ``country_`` below country level). ``frame.attrs["level"]`` is ``level``.

    Examples
    --------
    >>> frame = indicators(store, "MLI", "admin2", "2026-02")        # doctest: +SKIP
    >>> export_indicators(frame, "geojson", Path("mli.geojson"))   # doctest: +SKIP
    """
    target = parse_month(month) if isinstance(month, str) else date(month.year, month.month, 1)
    first = add_months(target, 1 - max(window, 1))
    args = {"family": family, "as_of": as_of, "start": first, "end": target}
    panel = panels.build_panel(store, level, countries=[country], **args)  # type: ignore[arg-type]
    events = panels.placed_events(store, level, countries=[country], **args)  # type: ignore[arg-type]
    parts = [
        deadliness(panel),
        danger_to_civilians(panel),
        fragmentation(events, panel),
        attacks_on_forces(events, panel, heuristic=heuristic),
        armed_presence(events, panel, window=window, heuristic=heuristic),
        border_violence(events, panel, km=border_km),
    ]
    gws = panel["country_gw"].unique().tolist()
    if level != "cell":
        cells = panels.build_panel(store, "cell", countries=gws, **args)  # type: ignore[arg-type]
        parts.append(diffusion(cells, panels.cells_in_units(level)))
    base = [c for c in panels.PANEL_COLUMNS if c in panel.columns]
    out = panel[base]
    for part in parts:
        extra = [c for c in part.columns if c not in out.columns]
        out = out.merge(part[[*_KEYS, *extra]], on=_KEYS, how="left")
    month_key = np.datetime64(f"{target:%Y-%m}-01", "s")
    out = out[out["month"] == month_key].reset_index(drop=True)
    pressure = state_pressure(
        pressure_inputs(
            store, gws, start=first, end=target, family=family, as_of=as_of, heuristic=heuristic
        )
    )
    pressure = pressure[pressure["month"] == month_key]
    columns = ["nearest_km", "c_lethality", "c_attacks", "c_civilians", "c_diffusion",
               "c_capital", "weight_known", "pressure"]  # fmt: skip
    pressure = pressure[["unit_id", *columns]].rename(columns={"unit_id": "country_gw"})
    if level == "country":
        pressure = pressure.rename(columns={"nearest_km": "capital_nearest_jihadist_km"})
    else:
        pressure = pressure.rename(
            columns={c: f"country_{c}" for c in columns}
            | {"nearest_km": "country_capital_nearest_jihadist_km"}
        )
    out = out.merge(pressure, on="country_gw", how="left")
    out.attrs["level"] = level
    return out


def export_indicators(
    frame: pd.DataFrame,
    fmt: ExportFormat,
    out: Path | None = None,
    *,
    level: str | None = None,
) -> int:
    """Write an indicator frame as CSV, Parquet or GeoJSON to ``out`` (standard output if None).

    GeoJSON joins each row with its unit's boundary (bundled admin units, country outlines, or
    the PRIO-GRID cell square), in EPSG:4326, so the file opens in QGIS. Lists (the armed
    presence evidence) are written as ``;``-separated text in CSV and GeoJSON. The write is
    atomic: a failed export never replaces a good file.

    Returns
    -------
    int
        The number of rows written.
    """
    if fmt not in EXPORT_FORMATS:
        raise QueryError(f"unknown format '{fmt}'; use one of {', '.join(EXPORT_FORMATS)}.")
    level = level or frame.attrs.get("level")
    flat = frame.copy()
    for column in flat.columns:
        if flat[column].map(lambda v: isinstance(v, list)).any():
            flat[column] = flat[column].map(
                lambda v: ";".join(map(str, v)) if isinstance(v, list) else v
            )
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        data = buffer.getvalue()
    elif fmt == "csv":
        data = flat.to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8")
    else:
        if level is None:
            raise QueryError(
                "GeoJSON needs the level of the units (country, admin1, admin2, cell)."
            )
        data = to_geojson(flat, level).encode("utf-8")
    write_output(data, out)
    return len(frame)


def to_geojson(frame: pd.DataFrame, level: str) -> str:
    """A GeoJSON FeatureCollection of unit rows with their boundaries (EPSG:4326)."""
    import geopandas as gpd
    import shapely

    from sahelwatch import geo

    if level == "cell":
        gid = frame["unit_id"].to_numpy(dtype=np.int64)
        lat, lon = geo.gid_centroid(gid) if len(gid) else (np.array([]), np.array([]))
        half = geo.CELL_DEG / 2
        shapes = shapely.box(lon - half, lat - half, lon + half, lat + half)
    elif level in ("country", "admin1", "admin2"):
        lvl = {"country": 0, "admin1": 1, "admin2": 2}[level]
        units = geo.load_admin(lvl)
        key = units["iso3"].map(panels._iso3_to_gw()) if lvl == 0 else units[panels._ADMIN_ID[lvl]]
        lookup = pd.Series(units.geometry.to_numpy(), index=key.to_numpy())
        lookup = lookup[~lookup.index.duplicated()]
        shapes = lookup.reindex(frame["unit_id"].to_numpy()).to_numpy()
    else:
        raise QueryError(f"unknown level '{level}'.")
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    gdf = gpd.GeoDataFrame(out, geometry=list(shapes), crs="EPSG:4326")
    return gdf.to_json(na="null", drop_id=True, ensure_ascii=False)
