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
:func:`corridors`           neighbouring admin-2 units across a border, jihadist violence on both
                            sides in one year
:func:`capital_threat`      distance from each capital to the nearest jihadist event, trend
:func:`state_pressure`      composite "state under pressure" score, components visible
==========================  ==============================================================

:func:`indicators` assembles them for one country, level and month; :func:`export_indicators`
writes the result as CSV, Parquet or GeoJSON (with the units' boundaries, for QGIS).
"""

from __future__ import annotations

from sahelwatch.gazetteer import capitals  # re-exported: the capitals' places
from sahelwatch.indicators.armed_groups import (
    ACLED_DIRECTED,
    armed_presence,
    attacks_on_forces,
    fragmentation,
    initiator,
)
from sahelwatch.indicators.assemble import EXPORT_FORMATS, export_indicators, indicators, to_geojson
from sahelwatch.indicators.borders import (
    border_distances,
    border_violence,
    spillover,
    tri_border,
    tri_point,
)
from sahelwatch.indicators.capital import capital_threat, capital_years
from sahelwatch.indicators.common import haversine_km
from sahelwatch.indicators.corridors import border_pairs, corridors
from sahelwatch.indicators.pressure import (
    PRESSURE_SCALES,
    PRESSURE_WEIGHTS,
    pressure_inputs,
    state_pressure,
)
from sahelwatch.indicators.series import covered_months, indicator_series
from sahelwatch.indicators.violence import danger_to_civilians, deadliness, diffusion

__all__ = [
    "ACLED_DIRECTED",
    "EXPORT_FORMATS",
    "PRESSURE_SCALES",
    "PRESSURE_WEIGHTS",
    "armed_presence",
    "attacks_on_forces",
    "border_distances",
    "border_pairs",
    "border_violence",
    "capital_threat",
    "capital_years",
    "capitals",
    "corridors",
    "covered_months",
    "danger_to_civilians",
    "deadliness",
    "diffusion",
    "export_indicators",
    "fragmentation",
    "haversine_km",
    "indicator_series",
    "indicators",
    "initiator",
    "pressure_inputs",
    "spillover",
    "state_pressure",
    "to_geojson",
    "tri_border",
    "tri_point",
]
