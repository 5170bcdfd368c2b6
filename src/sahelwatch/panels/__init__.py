"""Unit-month panels: one row per unit (country, admin-1, admin-2 or PRIO-GRID cell) and month.

A panel holds, for every unit and month, fatalities (UCDP ``best``) and events by violence type
and by actor family, the coverage flags, months since violence, rolling sums and spatial lags.
It is built from the store in three steps:

1. the current (or as-of) events of one family are read from DuckDB and put into units by
   :func:`sahelwatch.geo.assign_places`, which never places an event finer than its
   ``where_prec`` allows (a ``where_prec`` 4 event counts in its admin-1 unit and its country,
   not in an admin-2 unit or a cell);
2. DuckDB groups them by unit and month;
3. numpy fills a dense unit x month grid, where a month no release covers is NaN, never 0, and
   derives the rolling sums, months since violence and spatial lags from that grid.

Country-month aggregate families (``views_cm``, ``ucdp_ged_cm``, ``ucdp_candidate_cm``) go
through the same grid, so their country panels have the same columns (NaN where the aggregate
does not carry a quantity).

Coverage
--------
A (country, month) is *covered* by a family when any of its releases covers it. Sub-national
units and cells need a release that carries event locations (a release without any
``where_prec``, such as the reduced 8-column UCDP Candidate extract, covers countries only), and
the actor-family columns and civilian deaths need a release that names the actors. The three
flags are columns ``covered``, ``covered_located`` and ``covered_actors``; at admin and cell
level ``covered`` is ``covered_located``.

Releases and totals
-------------------
Column ``release`` names the release each row's figures come from. At country level an event
family also takes the country-month totals of the same program (:data:`TOTALS_FAMILIES`):
where UCDP GED 25.1 totals and GED 24.1 located events cover the same country-month, the
country figure follows the newer release (25.1) and the units below country level are those of
the events; a month with totals only (Mali 2024) is covered at country level and no data below
it and in the actor-family columns. :func:`month_status` says so in one sentence.

Events over several months
--------------------------
An event whose ``date_start`` and ``date_end`` lie in different months has its deaths shared
evenly over those months, its event count in its first month (:mod:`.spread`; ``multi_month=
"start"`` or ``$SAHELWATCH_MULTI_MONTH=start`` counts everything at the start month).

Counts are ``float32`` (exact for integers below 2**24) so that a continental cell panel fits
in memory; NaN marks what is unknown.
"""

from __future__ import annotations

from sahelwatch.panels.build import build_panel, totals_months
from sahelwatch.panels.events import event_families, placed_events, side_actors, side_families
from sahelwatch.panels.grid import months_since, rolling_sum, spatial_lag
from sahelwatch.panels.months import STATES, describe_months, month_states, status_sentence
from sahelwatch.panels.request import PanelRequest, coverage, request
from sahelwatch.panels.schema import (
    LEVELS,
    PANEL_COLUMNS,
    TOTALS_FAMILIES,
    Level,
    check_level,
    month_ordinal,
    ordinal_month,
)
from sahelwatch.panels.spread import MULTI_MONTH_ENV, MULTI_MONTH_RULES, multi_month_rule
from sahelwatch.panels.status import PeriodStatus, month_status, release_name
from sahelwatch.panels.units import (
    ADMIN_ID,
    ADMIN_NAME,
    admin_neighbours,
    cells_in_units,
    unit_boundaries,
)

__all__ = [
    "ADMIN_ID",
    "ADMIN_NAME",
    "LEVELS",
    "MULTI_MONTH_ENV",
    "MULTI_MONTH_RULES",
    "PANEL_COLUMNS",
    "STATES",
    "TOTALS_FAMILIES",
    "Level",
    "PanelRequest",
    "PeriodStatus",
    "admin_neighbours",
    "build_panel",
    "cells_in_units",
    "check_level",
    "coverage",
    "describe_months",
    "event_families",
    "month_ordinal",
    "month_states",
    "month_status",
    "months_since",
    "multi_month_rule",
    "ordinal_month",
    "placed_events",
    "release_name",
    "request",
    "rolling_sum",
    "side_actors",
    "side_families",
    "spatial_lag",
    "status_sentence",
    "totals_months",
    "unit_boundaries",
]
