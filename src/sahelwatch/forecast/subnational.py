"""Forecasts below country level: admin-1 and admin-2 units (P-codes) and PRIO-GRID cells.

The unit-month series come from :func:`sahelwatch.panels.build_panel` cut at the origin (a month
no located release covers is ``NaN``, never 0), kept to the last :data:`PANEL_MONTHS` months.

Model ``located``
-----------------
Learnt on the units' own located history (UCDP GED since 1989 for the Sahel and its
neighbours): :mod:`sahelwatch.forecast.located`. Its backtest against the benchmarks and the
share-out is :mod:`sahelwatch.forecast.subnational_eval`; it beat the share-out at every level,
so the main job forecasts the units with it (:data:`SERVED`), and also with the level's
headline forecast where a kept backtest gives a benchmark the better record
(:func:`sahelwatch.forecast.record.served_models`).

Country models shared out (``blend``, ``ratio``, ``lgbm``; version ``<model>+shares-1``)
-------------------------------------------------------------------------------------
The country model, which learns from the whole world's country-month history, is shared out
over each country's units: each draw of a country's fatalities is split over its units and an
*unplaced* remainder by a multinomial draw with probabilities proportional to

* unit ``u``: ``own_u + NEIGHBOUR_WEIGHT * neighbours_u + PRIOR``, where ``own_u`` is the
  unit's fatalities in the last :data:`SHARE_MONTHS` panel months (months without data left
  out) and ``neighbours_u`` the sum of its neighbours' (queen contiguity);
* scaled so that the units together get the country's *placed share*: its located fatalities
  over located plus unplaced (events too imprecise for the level) in the same months, 1 when
  unknown.

So the units' draws of one country never add up to more than the country's draw. The constants
were set a priori, not tuned.

Benchmarks are those of the country level on the unit panel, plus ``conflictology_nb`` at grid
level (:func:`sahelwatch.forecast.benchmarks.conflictology_neighbours`).

A unit's panel reaches back :data:`PANEL_MONTHS` months from the origin (located data begin
in 1989), enough for the ``located`` model's 240 training months and 12 horizons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from sahelwatch.errors import QueryError
from sahelwatch.forecast.benchmarks import benchmarks_for
from sahelwatch.forecast.data import TARGETS, CountryPanel, load_country_panel
from sahelwatch.forecast.located import LEVEL_CONFIGS, LOCATED_VERSION, UnitContext, located
from sahelwatch.forecast.models import MODEL_VERSIONS, forecast_array, model_version
from sahelwatch.forecast.unit_features import unit_places
from sahelwatch.gazetteer import SAHEL
from sahelwatch.periods import add_months
from sahelwatch.store import Store

LEVELS: dict[str, str] = {"admin1": "admin1", "admin2": "admin2", "grid": "cell"}
"""Forecast level -> panel level of :func:`sahelwatch.panels.build_panel`."""

PANEL_MONTHS = 264
SERVED: dict[str, str] = {"admin1": "located", "admin2": "located", "grid": "located"}
"""The model the main job forecasts each level with: of the ``located`` model and the share-out
of the country model, the one with the lower mean CRPS in the backtest of
:mod:`sahelwatch.forecast.subnational_eval` (docs/forecasting.md has the figures)."""
UNIT_DRAWS = 100
"""Draws per unit-month the main job stores below country level."""
SHARE_MONTHS = 12
NEIGHBOUR_WEIGHT = 0.5
PRIOR = 0.1
DOWNSCALE_VERSION = "lgbm-direct-1+shares-1"
"""Model version of sub-national forecasts of the model."""


@dataclass(frozen=True)
class UnitPanel:
    """The series of the units of one level, with what downscaling needs.

    Attributes
    ----------
    level : ``admin1``, ``admin2`` or ``grid``.
    panel : the units' series (sb, ns, os, total), ``NaN`` where not covered.
    country : Gleditsch-Ward code of each unit.
    pairs : (row, neighbour row) positions of neighbouring units within the panel.
    unplaced : ``(units, months)`` fatalities of the unit's country too imprecise to place at
        this level (the same on every unit of a country), ``NaN`` where not covered.
    jihadist : ``(units, months)`` events with a jihadist side, ``NaN`` where not covered.
    places : ``(units, 3)`` centre (latitude, longitude) and km to the nearest land border of
        the unit's country (:func:`~sahelwatch.forecast.unit_features.unit_places`).
    """

    level: str
    panel: CountryPanel
    country: np.ndarray
    pairs: tuple[np.ndarray, np.ndarray]
    unplaced: np.ndarray
    jihadist: np.ndarray
    places: np.ndarray

    def until(self, month: date) -> UnitPanel:
        """The unit panel cut after ``month``."""
        panel = self.panel.until(month)
        n = panel.n_months
        return replace(self, panel=panel, unplaced=self.unplaced[:, :n],
                       jihadist=self.jihadist[:, :n])  # fmt: skip

    def context(self) -> UnitContext:
        """What the ``located`` model reads besides the series."""
        return UnitContext(self.pairs, self.country, self.jihadist, self.places)


def panel_level(level: str) -> str:
    """The :func:`~sahelwatch.panels.build_panel` level of a sub-national forecast level."""
    if level not in LEVELS:
        raise QueryError(f"unknown level '{level}'; use country, admin1, admin2 or grid.")
    return LEVELS[level]


def default_countries(level: str) -> list[int]:
    """The Sahel countries that have units at ``level`` (admin levels: bundled boundaries)."""
    if panel_level(level) == "cell":
        return sorted(SAHEL)
    from sahelwatch.geo import load_admin
    from sahelwatch.panels.units import ADMIN_LEVEL

    have = set(load_admin(ADMIN_LEVEL[level])["country_gw"].dropna().astype(int))
    return sorted(set(SAHEL) & have)


def load_unit_panel(
    store: Store,
    level: str,
    until: date,
    countries: Sequence[int] | None = None,
    months: int = PANEL_MONTHS,
) -> UnitPanel:
    """The unit panel of ``level`` for the ``months`` months up to and including ``until``.

    Nothing after ``until`` is read: events are cut there by the panel builder.
    """
    from sahelwatch.panels import build_panel

    gws = list(countries) if countries else default_countries(level)
    frame = build_panel(
        store,
        panel_level(level),  # type: ignore[arg-type]
        countries=gws,
        start=add_months(until, -(months - 1)),
        end=until,
    )
    units = frame["unit_id"].drop_duplicates().to_numpy()
    if len(frame) != len(units) * months:
        raise QueryError(f"the {level} panel is not one row per unit and month.")
    columns = [f"best_{t}" for t in TARGETS]
    values = frame[columns].to_numpy(dtype=np.float64).reshape(len(units), months, len(TARGETS))
    if panel_level(level) == "cell":
        units = units.astype(np.int64)
    start = add_months(until, -(months - 1))
    country = frame["country_gw"].to_numpy(dtype=np.int64)[::months]
    per_month = {c: frame[c].to_numpy(dtype=np.float64).reshape(len(units), months)
                 for c in ("unplaced_best", "events_jihadist")}  # fmt: skip
    return UnitPanel(
        level=level,
        panel=CountryPanel(units, start, values),
        country=country,
        pairs=_neighbour_rows(level, units),
        unplaced=per_month["unplaced_best"],
        jihadist=per_month["events_jihadist"],
        places=unit_places(level, units, country),
    )


def _neighbour_rows(level: str, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from sahelwatch import geo
    from sahelwatch.panels import admin_neighbours

    if panel_level(level) == "cell":
        links = geo.gid_neighbours(units.astype(np.int64)).rename(columns={"gid": "unit_id"})
    else:
        links = admin_neighbours(level)
    index = pd.Index(units)
    i = index.get_indexer(links["unit_id"])
    j = index.get_indexer(links["neighbour"])
    keep = (i >= 0) & (j >= 0)
    return i[keep], j[keep]


def unit_weights(up: UnitPanel, k: int) -> np.ndarray:
    """Unnormalised shares of each unit in its country's fatalities of target ``k``."""
    from sahelwatch.panels import spatial_lag

    own = np.nansum(up.panel.values[:, -SHARE_MONTHS:, k], axis=1)
    near = spatial_lag(own[:, None], up.pairs)[:, 0]
    return own + NEIGHBOUR_WEIGHT * near + PRIOR


def placed_share(up: UnitPanel) -> dict[int, float]:
    """Per country: located over located plus unplaced fatalities in the last months."""
    total = TARGETS.index("total")
    out = {}
    for gw in np.unique(up.country):
        rows = np.flatnonzero(up.country == gw)
        placed = np.nansum(up.panel.values[rows, -SHARE_MONTHS:, total])
        unplaced = np.nansum(up.unplaced[rows[0], -SHARE_MONTHS:])
        out[int(gw)] = float(placed / (placed + unplaced)) if placed + unplaced > 0 else 1.0
    return out


def downscale(
    country_draws: np.ndarray,
    country_units: np.ndarray,
    up: UnitPanel,
    targets: Sequence[int],
    seed: int,
) -> np.ndarray:
    """Share country draws ``(countries, horizons, targets, draws)`` out over the units.

    Returns draws ``(units, horizons, targets, draws)`` (float32); ``NaN`` for the units of a
    country without a forecast.
    """
    _, n_h, _, n_d = country_draws.shape
    out = np.full((len(up.country), n_h, len(targets), n_d), np.nan, dtype=np.float32)
    placed = placed_share(up)
    for j, k in enumerate(targets):
        weights = unit_weights(up, k)
        for gw, share in placed.items():
            c = int(np.searchsorted(country_units, gw))
            if c >= len(country_units) or country_units[c] != gw:
                continue
            counts = country_draws[c, :, j, :]
            if np.isnan(counts).any():
                continue
            rows = np.flatnonzero(up.country == gw)
            probs = weights[rows] / weights[rows].sum() * share
            probs = np.append(probs, max(0.0, 1.0 - probs.sum()))
            rng = np.random.default_rng([seed, gw, k, 3])
            alloc = rng.multinomial(counts.astype(np.int64), probs / probs.sum())
            out[rows, :, j, :] = np.moveaxis(alloc[..., :-1], -1, 0)
    return out


def forecast_units(
    store: Store,
    level: str,
    origin: date,
    horizons: Sequence[int],
    targets: Sequence[int],
    n_draws: int,
    seed: int,
    model: str = "lgbm",
    countries: Sequence[int] | None = None,
    **country_options: Any,
) -> tuple[np.ndarray, np.ndarray, str]:
    """Draws ``(units, horizons, targets, n_draws)`` of ``model`` at ``level`` from data up to
    ``origin``; returns the units, the draws and the model version.

    ``country_options`` (``config``, ``workers``, ``scheduler``) go to the country model.
    """
    up = load_unit_panel(store, level, origin, countries)
    draws = unit_draws(
        store, up, origin, horizons, targets, n_draws, seed, model, **country_options
    )
    return up.panel.units, draws, unit_model_version(model)


def unit_model_version(model: str) -> str:
    """The version stored with sub-national forecasts of ``model``: ``located-1``,
    ``<country model version>+shares-1`` for a country model shared out (``lgbm``:
    :data:`DOWNSCALE_VERSION`), ``benchmark-<name>``."""
    if model == "located":
        return LOCATED_VERSION
    return f"{model_version(model)}+shares-1" if model in MODEL_VERSIONS else model_version(model)


def version_at(level: str, model: str) -> str:
    """The version stored with ``level`` forecasts of ``model`` (below country level: the
    located model's, a country model's shared out, a benchmark's)."""
    return model_version(model) if level == "country" else unit_model_version(model)


def unit_draws(
    store: Store,
    up: UnitPanel,
    origin: date,
    horizons: Sequence[int],
    targets: Sequence[int],
    n_draws: int,
    seed: int,
    model: str,
    country_panel: CountryPanel | None = None,
    **country_options: Any,
) -> np.ndarray:
    """Draws of ``model`` for the units of ``up`` (cut at ``origin`` first).

    ``country_panel``: the world's country panel, when the caller has it already.
    """
    up = up.until(origin)
    level_benchmarks = benchmarks_for(up.pairs if up.level == "grid" else None)
    if model in level_benchmarks:
        return level_benchmarks[model](up.panel, list(horizons), n_draws, seed, list(targets))
    if model == "located":
        return located(up.panel, list(horizons), n_draws, seed, list(targets),
                       context=up.context(), config=LEVEL_CONFIGS[up.level])  # fmt: skip
    if model not in MODEL_VERSIONS:
        names = ", ".join(["located", *MODEL_VERSIONS, *level_benchmarks])
        raise QueryError(f"unknown model '{model}'; choose one of {names}.")
    world = country_panel if country_panel is not None else load_country_panel(store, origin)
    draws = forecast_array(
        world, origin, horizons, targets, n_draws, seed, model, **country_options
    )
    return downscale(draws, world.units, up, targets, seed)
