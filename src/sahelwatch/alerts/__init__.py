"""Alerts: rules declared in the configuration, evaluated on the store, deduplicated and kept.

Rule kinds (``[[alerts.rules]] kind = ...``; every setting is in ``docs/live.md``):

==============  ===========================================================================
``threshold``   fatalities or events in a unit (country, admin-1, admin-2 or cell) over a
                window of months reach a threshold
``proximity``   violence within a radius of a place (``place = "Bamako"`` or coordinates)
``new_actor``   an actor family (``jihadist``, ...) appears in a unit where it was absent for
                N known months (panels and places from :mod:`sahelwatch.panels`)
``forecast``    a forecast probability of at least N fatalities crosses a level (reads the
                ``forecasts`` table of :mod:`sahelwatch.forecast`)
``zscore``      an indicator jumps by a z-score against its own recent months
``stale``       a source stops bringing new data (no load, poll or new event for a while)
``food_phase``  an admin-2 unit moves into Cadre Harmonisé phase 4 or 5 (or another phase)
``idp_jump``    a country's internally displaced people rise by a set number and share
==============  ===========================================================================

Two rules are built in: ``data-quality`` (a pull held back by the checks) and
``source-error`` (a source failing poll after poll).

Every alert has a *key* naming what it is about (rule, unit, month; or the set of events): an
alert whose key is already stored is not stored or sent again, so a restart, a re-evaluation
or a revised release never repeats an alert. The ``id`` is derived from the key (stable across
stores and runs); ``seq`` orders alerts as they were stored (the SSE stream resumes from it).
Each alert carries its evidence: event ids, values, thresholds, months.

Coverage rules apply: a month no release covers is *no data*, never zero, so a threshold is
not evaluated over a window with a gap, and an actor is "absent" only in months known to be
covered.

Examples
--------
>>> rule = ProximityRule(name="near-bamako", kind="proximity", place="Bamako", radius_km=100)
>>> [a.title for a in evaluate(store, [rule])]  # doctest: +NORMALIZE_WHITESPACE
['2 events within 100 km of Bamako in the 45 days to 2026-02-28
  (2026-01-21..2026-01-28), 0 deaths']

``record(store, alerts)`` keeps new alerts in a writable store (once each) and
``list_alerts(store)`` lists those kept.
"""

from __future__ import annotations

from sahelwatch.alerts.consequences import FoodPhaseRule, IdpJumpRule
from sahelwatch.alerts.kinds import (
    RULE_TYPES,
    AnyRule,
    ForecastRule,
    NewActorRule,
    ProximityRule,
    StaleRule,
    ThresholdRule,
    ZScoreRule,
)
from sahelwatch.alerts.model import (
    BUILTIN_RULES,
    SEVERITY_RANK,
    Alert,
    Severity,
    alert_id,
    quality_alert,
    source_error_alert,
)
from sahelwatch.alerts.rules import Rule, evaluate
from sahelwatch.alerts.storage import (
    ALERTS_SCHEMA,
    ensure_alerts_schema,
    list_alerts,
    mark_delivery,
    pending,
    record,
)

__all__ = [
    "ALERTS_SCHEMA",
    "BUILTIN_RULES",
    "RULE_TYPES",
    "SEVERITY_RANK",
    "Alert",
    "AnyRule",
    "FoodPhaseRule",
    "ForecastRule",
    "IdpJumpRule",
    "NewActorRule",
    "ProximityRule",
    "Rule",
    "Severity",
    "StaleRule",
    "ThresholdRule",
    "ZScoreRule",
    "alert_id",
    "ensure_alerts_schema",
    "evaluate",
    "list_alerts",
    "mark_delivery",
    "pending",
    "quality_alert",
    "record",
    "source_error_alert",
]
