"""The brief's track record: each country's own earlier forecasts against what happened.

Read from the kept country-level evaluation (``sahelwatch evaluate --save``) of total
fatalities through :func:`sahelwatch.forecast.record.track_record`, as the dashboard and
``/api/forecasts/track-record`` read it: the model against conflictology for the country (mean
CRPS, ratio, windows won), its calibration (90% interval coverage counted by the randomised
PIT), and the newest window's forecasts month by month against the observed fatalities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sahelwatch.forecast.models import DEFAULT_MODEL
from sahelwatch.forecast.record import REFERENCE, track_record
from sahelwatch.store import Store

TARGET = "total"


def track_section(store: Store, gws: Sequence[int], names: Mapping[int, str]) -> dict[str, Any]:
    """``rows``: one per country with a kept record (model and conflictology mean CRPS, their
    ratio, windows the model won and of how many, unit-months, the model's PIT 90% cover);
    ``latest``: the first such country's newest window (``origin``, ``months`` with the
    observation and each forecast's median and 90% interval); empty when nothing is kept."""
    rows: list[dict[str, Any]] = []
    latest: dict[str, Any] = {}
    for gw in gws:
        record = track_record(store, gw, "country", TARGET)
        summary = {s["model"]: s for s in record["summary"]}
        if DEFAULT_MODEL not in summary or REFERENCE not in summary:
            continue
        mine, ref = summary[DEFAULT_MODEL], summary[REFERENCE]
        cal = {c["model"]: c for c in record["calibration"]["unit"]}[DEFAULT_MODEL]
        rows.append({
            "country": names.get(gw, str(gw)), "crps": mine["crps"], "reference": ref["crps"],
            "ratio": mine.get("ratio_to_conflictology"), "won": mine["windows_better"],
            "windows": mine["windows"], "months": mine["unit_months"],
            "pit_cov90": cal["pit_cov90"],
        })  # fmt: skip
        if not latest:
            window = record["windows"][-1]
            latest = {"country": names.get(gw, str(gw)), "origin": window["origin"], "months": [
                {"month": m["month"], "horizon": m["horizon"], "obs": m["obs"],
                 "model": m["models"][DEFAULT_MODEL], "reference": m["models"][REFERENCE]}
                for m in window["months"]
            ]}  # fmt: skip
    return {"target": TARGET, "rows": rows, "latest": latest}
