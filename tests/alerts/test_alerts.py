"""Alert rules on the real bundled data: each fires where the data say it should, once."""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from replay.helpers import make_config

from sahelwatch import panels
from sahelwatch.alerts import (
    RULE_TYPES,
    Alert,
    ForecastRule,
    NewActorRule,
    ProximityRule,
    StaleRule,
    ThresholdRule,
    ZScoreRule,
    alert_id,
    evaluate,
    list_alerts,
    record,
)
from sahelwatch.alerts.storage import count_alerts
from sahelwatch.connectors.state import ensure_state_schema, record_run
from sahelwatch.errors import ConfigError
from sahelwatch.store import Store, bundled_file

NOW = datetime(2026, 3, 15, tzinfo=UTC)


def rule(cls, **settings):
    return cls(name=settings.pop("name", cls.model_fields["kind"].default), **settings)


@pytest.fixture
def store(bundled_copy):
    with Store(bundled_copy) as opened:
        yield opened


def _haversine(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def _raw_events() -> dict[str, dict[str, str]]:
    """The current version of each event of 26.0.1 and 26.0.2, read straight from the files."""
    current: dict[str, dict[str, str]] = {}
    for name in (
        "ucdp_candidate_26.0.1_events_global.csv.gz",
        "ucdp_candidate_26.0.2_events_global.csv.gz",
    ):
        text = gzip.decompress(bundled_file(name).read_bytes()).decode("utf-8")
        for row in csv.DictReader(io.StringIO(text, newline="")):
            current[row["id"]] = row
    return current


def test_proximity_finds_the_events_near_bamako_once(store):
    bamako = (12.6500146677, -8.00003910464)  # data/capitals.csv
    expected = sorted(
        f"ucdp:{i}"
        for i, r in _raw_events().items()
        if int(r["where_prec"]) <= 3
        and r["date_start"][:10] >= "2025-12-30"
        and int(r["low"]) <= int(r["best"]) <= int(r["high"])
        and _haversine(*bamako, float(r["latitude"]), float(r["longitude"])) <= 50
    )
    assert len(expected) >= 3  # the January 2026 events around Bamako
    near = rule(ProximityRule, place="Bamako", radius_km=50, window_days=60, severity="critical")
    (alert,) = evaluate(store, [near], strict=True)
    assert alert.evidence["event_ids"] == expected
    assert alert.severity == "critical" and "Bamako" in alert.title
    assert all(d <= 50 for d in alert.evidence["distances_km"].values())
    assert [a.id for a in record(store, [alert])] == [alert.id]
    assert record(store, [alert]) == []  # the same key again: dropped
    assert evaluate(store, [near], strict=True) == []  # these events were reported


def test_proximity_by_coordinates_and_unknown_place(store):
    far = rule(ProximityRule, latitude=0.5, longitude=-30.0, radius_km=10)
    assert evaluate(store, [far], strict=True) == []
    with pytest.raises(ConfigError, match="unknown place"):
        evaluate(store, [rule(ProximityRule, place="Atlantis")], strict=True)


def test_threshold_fires_for_the_units_at_or_above_it(store):
    panel = panels.build_panel(store, "admin2", countries=["MLI"], start="2026-02", end="2026-02")
    top = panel.sort_values("best_total", ascending=False).iloc[0]
    assert top["best_total"] > 0
    deadly = rule(ThresholdRule, threshold=float(top["best_total"]), level="admin2")
    alerts = evaluate(store, [deadly], strict=True)
    assert {a.evidence["unit_id"] for a in alerts} == set(
        panel.loc[panel["best_total"] >= top["best_total"], "unit_id"]
    )
    alert = next(a for a in alerts if a.evidence["unit_id"] == top["unit_id"])
    assert alert.key == f"threshold:{top['unit_id']}:2026-02"
    ids = alert.evidence["event_ids"]
    best = store.con.execute(
        f"SELECT sum(best) FROM ({store.current_sql()}) WHERE list_contains(?, uid)", [ids]
    ).fetchone()
    assert best == (top["best_total"],) == (alert.evidence["fatalities"],)


def test_threshold_windows_with_a_gap_are_no_data(store):
    """December 2025 comes from the reduced file (no locations): a 3-month admin-2 window
    ending in February is unknown, but Mali's country window is known (27 + 107 + 96)."""
    admin = rule(ThresholdRule, threshold=1, level="admin2", window_months=3)
    assert evaluate(store, [admin], strict=True) == []
    country = rule(ThresholdRule, threshold=230, level="country", window_months=3)
    (alert,) = evaluate(store, [country], strict=True)
    assert alert.evidence["value"] == 230 and alert.evidence["window"] == "2025-12..2026-02"
    high = rule(ThresholdRule, threshold=231, level="country", window_months=3)
    assert evaluate(store, [high], strict=True) == []


def test_new_actor_needs_known_months_of_absence(store):
    new = rule(NewActorRule, actor_family="jihadist", absent_months=1)
    alerts = evaluate(store, [new], strict=True)
    assert alerts
    events = panels.placed_events(
        store, "admin2", countries=["MLI"], start="2026-01", end="2026-02"
    )
    jihadist = events[panels.event_families(events)["jihadist"].to_numpy()]
    months = pd.to_datetime(jihadist["month"])
    january = set(jihadist.loc[months.dt.month == 1, "unit_id"])
    february = set(jihadist.loc[months.dt.month == 2, "unit_id"])
    assert {a.evidence["unit_id"] for a in alerts} == february - january
    for alert in alerts:
        mine = jihadist[(jihadist["unit_id"] == alert.evidence["unit_id"]) & (months.dt.month == 2)]
        assert sorted(alert.evidence["event_ids"]) == sorted(mine["uid"])
    # Two months back reaches December 2025, which names no actors: absence is unknown.
    assert evaluate(store, [rule(NewActorRule, absent_months=2)], strict=True) == []


def test_zscore_sees_burkina_faso_drop(store):
    """Burkina Faso: 51, 55, 60 and 71 events in the known months of the 13 before, then 45
    in 2026-02 (2025-03..2025-11 are no data and do not count). The 45 include three events of
    2026-02-15 whose best is above their high: flagged, loaded, counted as UCDP counts them."""
    down = rule(
        ZScoreRule,
        indicator="events_total",
        country="BFA",
        z=1.5,
        direction="down",
        baseline_months=13,
    )
    (alert,) = evaluate(store, [down], strict=True)
    base = np.array([51, 55, 60, 71.0])
    z = (45 - base.mean()) / base.std(ddof=1)
    assert alert.evidence["value"] == 45 and alert.evidence["baseline_months"] == 4
    assert alert.evidence["z"] == pytest.approx(z, abs=1e-3)
    up = rule(
        ZScoreRule,
        indicator="events_total",
        country="BFA",
        z=1.5,
        direction="up",
        baseline_months=13,
    )
    assert evaluate(store, [up], strict=True) == []
    with pytest.raises(ConfigError, match="unknown indicator"):
        evaluate(store, [rule(ZScoreRule, indicator="nonsense")], strict=True)


def test_forecast_rule_fires_when_the_probability_crosses(store):
    from sahelwatch.forecast import store_forecast

    def frame(values_by_month):
        rows = [
            {
                "level": "country",
                "unit_id": 432,
                "month": m,
                "target": "total",
                "draw": d,
                "value": v,
            }
            for m, values in values_by_month.items()
            for d, v in enumerate(values)
        ]
        return pd.DataFrame(rows)

    draws = 10
    store_forecast(
        store,
        frame({"2026-02": [30] * 3 + [0] * 7, "2026-03": [40] * 6 + [0] * 4}),
        "2026-01",
        "test-model",
    )
    store_forecast(
        store,
        frame({"2026-03": [40] * 7 + [0] * 3, "2026-04": [50] * draws}),
        "2026-02",
        "test-model",
    )
    crossing = rule(ForecastRule, country="MLI", fatalities=25, probability=0.65)
    alerts = evaluate(store, [crossing], strict=True)
    # 2026-03: 60 % then 70 %: crossed; 2026-04: 100 % with no earlier forecast: crossed.
    # (2026-02 is only in the older forecast.) At 55 %, 2026-03 was already above before.
    assert {a.evidence["month"]: a.evidence["probability"] for a in alerts} == {
        "2026-03": 0.7,
        "2026-04": 1.0,
    }
    lower = evaluate(store, [rule(ForecastRule, country="MLI", probability=0.55)], strict=True)
    assert [a.evidence["month"] for a in lower] == ["2026-04"]


def test_stale_source_fires_once_per_spell(store):
    ensure_state_schema(store)
    naive = (NOW - timedelta(days=60)).replace(tzinfo=None)
    record_run(store, "ucdp-api", naive, "loaded", release="26.0.1", finished_at=naive)
    stale = rule(StaleRule, source="ucdp-api", measure="load", max_age="30d")
    (alert,) = evaluate(store, [stale], now=NOW, strict=True)
    assert alert.evidence["age_days"] == pytest.approx(60, abs=0.01)
    record(store, [alert])
    assert record(store, evaluate(store, [stale], now=NOW + timedelta(days=1))) == []
    recent = (NOW - timedelta(days=1)).replace(tzinfo=None)
    record_run(store, "ucdp-api", recent, "loaded", finished_at=recent)
    assert evaluate(store, [stale], now=NOW, strict=True) == []
    data = rule(StaleRule, source="ucdp_candidate", measure="data", max_age="2d")
    (old,) = evaluate(store, [data], now=NOW, strict=True)
    assert old.evidence["last"].startswith("2026-03-11")  # the newest date_end in 26.0.2


def test_alerts_are_stored_with_evidence_and_listed(store):
    alerts = [
        Alert("r1", "r1:a", "info", "first", "body", {"event_ids": ["ucdp:1"]}),
        Alert("r2", "r2:b", "critical", "second", "body", {"value": 3}),
    ]
    stored = record(store, alerts, now=NOW)
    assert [a.seq for a in stored] == [1, 2]
    assert stored[0].id == alert_id("r1:a") == alert_id("r1:a")
    listed = list_alerts(store)
    assert [a.title for a in listed] == ["second", "first"]
    assert listed[1].evidence == {"event_ids": ["ucdp:1"]} and listed[1].fired_at == NOW
    assert [a.title for a in list_alerts(store, min_severity="warning")] == ["second"]
    assert [a.title for a in list_alerts(store, after_seq=1, oldest_first=True)] == ["second"]
    row = store.con.execute("SELECT id, rule, key, severity, delivered FROM alerts ORDER BY seq")
    assert row.fetchall()[0] == (alert_id("r1:a"), "r1", "r1:a", "info", "{}")
    assert count_alerts(store) == 2
    assert count_alerts(store, min_severity="warning") == 1  # the filters of list_alerts
    assert count_alerts(store, rule="r1") == 1 and count_alerts(store, rule="none") == 0
    with Store(store.path.with_name("empty.duckdb")) as empty:
        assert list_alerts(empty) == [] and count_alerts(empty) is None


def test_rules_from_the_configuration(tmp_path):
    config = make_config(
        tmp_path,
        tmp_path / "s.duckdb",
        alerts={
            "rules": [
                {
                    "name": "near-bamako",
                    "kind": "proximity",
                    "radius_km": 50,
                    "severity": "critical",
                },
                {"name": "stale", "kind": "stale", "source": "acled", "max_age": "3w"},
            ]
        },
    )
    near, stale = config.rules
    assert isinstance(near, ProximityRule) and near.radius_km == 50.0
    assert stale.max_age == 21 * 86400
    bad = [
        ({"name": "x", "kind": "threshold", "treshold": 5}, "unknown setting 'treshold'"),
        ({"name": "x", "kind": "volcano"}, "kind must be one of"),
        ({"name": "x", "kind": "threshold", "severity": "loud"}, "'loud' is not one of"),
        ({"name": "x", "kind": "new_actor", "actor_family": "aliens"}, "unknown actor_family"),
        ({"name": "data-quality", "kind": "stale"}, "built-in"),
        ({"name": "x", "kind": "proximity", "latitude": 12.0}, "both latitude and longitude"),
    ]
    for entry, message in bad:
        with pytest.raises(ConfigError, match=message):
            make_config(tmp_path, tmp_path / "s.duckdb", alerts={"rules": [entry]})
    assert set(RULE_TYPES) == {
        "threshold",
        "proximity",
        "new_actor",
        "forecast",
        "zscore",
        "stale",
        "food_phase",
        "idp_jump",
    }


def test_evaluate_skips_a_failing_rule_unless_strict(store):
    broken = rule(ZScoreRule, indicator="nonsense")
    near = rule(ProximityRule, radius_km=50, window_days=60)
    assert len(evaluate(store, [broken, near])) == 1
    assert json.loads(json.dumps(evaluate(store, [near])[0].to_dict()))["rule"] == "proximity"
