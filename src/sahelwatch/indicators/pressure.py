"""The composite "state under pressure" score and its inputs from the store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from sahelwatch import panels
from sahelwatch.errors import QueryError
from sahelwatch.indicators.armed_groups import attacks_on_forces
from sahelwatch.indicators.capital import capital_threat
from sahelwatch.indicators.common import KEYS, check_columns
from sahelwatch.indicators.violence import diffusion
from sahelwatch.store import Store

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
    check_columns(
        inputs,
        [*KEYS, "best_total", "attacks_on_state", "attacks_on_foreign", "best_os", "diffusion",
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
    out = panel[[*KEYS, "covered", "best_total", "best_os"]].merge(
        attacks[[*KEYS, "attacks_on_state", "attacks_on_foreign"]], on=KEYS, how="left"
    )
    out = out.merge(spread[[*KEYS, "diffusion"]], on=KEYS, how="left")
    out = out.merge(threat, on=KEYS, how="left")
    out["capital_covered"] = out["capital_covered"].astype("boolean").fillna(False)
    return out
