"""Deadliness, danger to civilians and diffusion of violence."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sahelwatch.errors import QueryError
from sahelwatch.indicators.common import KEYS, check_columns


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
    >>> from sahelwatch.panels import build_panel
    >>> panel = build_panel(store, "country", countries=["MLI"], start="2026-01", end="2026-02")
    >>> deadliness(panel)["deadliness"].tolist()  # Mali, 2026-01 and 2026-02
    [107.0, 96.0]
    """
    check_columns(panel, [*KEYS, "best_total", "best_total_r12", "events_total"], "panel")
    out = panel[KEYS].copy()
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
    check_columns(panel, [*KEYS, "events_os", "best_os", "deaths_civilians"], "panel")
    out = panel[KEYS].copy()
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
    check_columns(cell_panel, [*KEYS, "events_total", "covered"], "cell panel")
    if min_events < 1:
        raise QueryError(f"min_events must be at least 1, not {min_events}.")
    cells = cell_units.rename(columns={"unit_id": "area_id", "gid": "unit_id"})[
        ["unit_id", "area_id"]
    ]
    months = pd.DataFrame({"month": np.sort(cell_panel["month"].unique())})
    grid = cells.merge(months, how="cross").merge(
        cell_panel[[*KEYS, "events_total", "covered"]], on=KEYS, how="left"
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
