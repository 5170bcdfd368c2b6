"""Headlines and track records from an evaluation kept in a store built from the bundled data,
and the API routes that serve them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from record_support import keep_evaluation

from sahelwatch.errors import NotFound
from sahelwatch.forecast import MODEL_VERSION
from sahelwatch.forecast.record import headline, label, track_record, version_at
from sahelwatch.forecast.scores import pit_histogram
from sahelwatch.store import Store

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def kept(bundled_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """A copy of the bundled store with an evaluation kept (two windows, few draws)."""
    yield keep_evaluation(bundled_path, tmp_path_factory.mktemp("record"))


def test_headline_is_the_best_backtest_record(kept: tuple) -> None:
    path, scores = kept
    with Store(path, read_only=True) as store:
        for target in ("sb", "total"):
            means = scores[scores["target"] == target].groupby("model")["crps"].mean()
            top = headline(store, "country", target)
            assert top.model == means.idxmin() and top.evaluated_target == target
            assert [r["model"] for r in top.record] == list(means.sort_values().index)
            assert f"{means.min():.2f}" in top.reason and "lowest mean CRPS" in top.reason
            if top.model != "conflictology":
                assert f"{means['conflictology']:.2f}" in top.reason
        # A target without its own backtest takes the record of total, and says so.
        ns = headline(store, "country", "ns")
        assert ns.evaluated_target == "total" and "No backtest of ns" in ns.reason
        # Only the forecasts that can be shown compete.
        shown = headline(store, "country", "sb", available={"zero", "bootstrap"})
        sb = scores[scores["target"] == "sb"]
        two = sb[sb["model"].isin(["zero", "bootstrap"])].groupby("model")["crps"].mean()
        assert shown.model == two.idxmin()


def test_headline_names_a_record_kept_for_an_earlier_version(
    kept: tuple, tmp_path: Path
) -> None:
    path, _ = kept
    with Store(path, read_only=True) as store:
        assert "earlier version" not in headline(store, "country", "sb").reason
    copy = tmp_path / "old.duckdb"
    shutil.copy(path, copy)
    with Store(copy) as store:
        versions = store.con.execute(
            "SELECT DISTINCT model, model_version FROM evaluations WHERE level = 'country'"
        ).fetchall()
        assert ("blend", MODEL_VERSION) in versions
        store.con.execute("UPDATE evaluations SET model_version = 'blend-ratio-1' "
                          "WHERE model = 'blend'")  # fmt: skip
        reason = headline(store, "country", "sb").reason
    assert (f"The record of {label('blend')} (blend-ratio-1, now {MODEL_VERSION}) was kept for "
            "an earlier version: run `sahelwatch evaluate --save`") in reason


def test_headline_without_a_record(bundled_path: Path) -> None:
    with Store(bundled_path, read_only=True) as store:
        top = headline(store, "country", "sb")
        grid = headline(store, "grid", "total")
    assert top.model_version == MODEL_VERSION and "no backtest" in top.reason
    assert top.record == []
    # Below country level: the level's served model, the located one.
    assert grid.model == "located" and grid.model_version == "located-2"
    assert "the located model" in grid.reason and "without a record" in grid.reason
    assert version_at("admin1", "conflictology") == "benchmark-conflictology"


def test_track_record_of_mali(kept: tuple) -> None:
    path, scores = kept
    with Store(path, read_only=True) as store:
        record = track_record(store, 432, "country", "sb")
        total = track_record(store, "432", "country", "total")
        with pytest.raises(NotFound, match="the kept country backtest of sb fatalities has no "
                           "unit '999999'"):  # a unit the kept backtest does not hold
            track_record(store, "999999", "country")
    mine = scores[(scores["unit_id"] == 432) & (scores["target"] == "sb")]
    # The forecast made at 2021-10 for 2022 (window Y2022) against what happened.
    y2022 = next(w for w in record["windows"] if w["window"] == "Y2022")
    assert y2022["origin"] == "2021-10"
    assert [m["month"] for m in y2022["months"]] == ["2022-01", "2022-04", "2022-12"]
    row = mine[(mine["window"] == "Y2022") & (mine["model"] == "conflictology")].iloc[0]
    first = y2022["months"][0]
    assert first["obs"] == row["obs"] and first["horizon"] == 3
    assert first["models"]["conflictology"]["q50"] == pytest.approx(row["q50"], abs=5e-5)
    assert first["models"]["blend"]["crps"] == pytest.approx(
        mine[(mine["window"] == "Y2022") & (mine["model"] == "blend")]["crps"].iloc[0], abs=5e-5)
    # Four decimals at most: no float noise such as 267.1499999999976.
    values = [v for w in total["windows"] for m in w["months"] for q in m["models"].values()
              for v in q.values()]  # fmt: skip
    assert values and all(v == round(v, 4) for v in values)
    # Model against conflictology for Mali.
    summary = {s["model"]: s for s in record["summary"]}
    means = mine.groupby("model")["crps"].mean()
    assert summary["blend"]["crps"] == pytest.approx(means["blend"])
    assert summary["blend"]["ratio_to_conflictology"] == pytest.approx(
        means["blend"] / means["conflictology"])
    per = mine.pivot_table(index="window", columns="model", values="crps")
    assert summary["blend"]["windows_better"] == int((per["blend"] < per["conflictology"]).sum())
    # Calibration of the unit and of the level.
    unit_cal = {c["model"]: c for c in record["calibration"]["unit"]}
    blend_rows = mine[mine["model"] == "blend"]
    np.testing.assert_allclose(unit_cal["blend"]["pit"],
                               pit_histogram(blend_rows["pit"].to_numpy()), atol=1e-4)
    assert unit_cal["blend"]["cov90"] == pytest.approx(blend_rows["cov90"].mean())
    pits = blend_rows["pit"]
    assert unit_cal["blend"]["pit_cov90"] == pytest.approx(((pits >= 0.05) & (pits <= 0.95)).mean())
    assert unit_cal["blend"]["pit_cov50"] == pytest.approx(((pits >= 0.25) & (pits <= 0.75)).mean())
    level_cal = {c["model"]: c for c in record["calibration"]["level"]}
    assert level_cal["blend"]["unit_months"] == int(
        ((scores["model"] == "blend") & (scores["target"] == "sb")).sum())
    assert record["headline"]["target"] == "sb"
    assert {w["origin"] for w in total["windows"]} == {"2022-12", "2023-06", "2023-12"}


def test_api_serves_headline_and_track_record(kept: tuple, tmp_path: Path) -> None:
    from sahelwatch.forecast import forecast, store_forecast
    from sahelwatch.web import create_app

    path, scores = kept
    copy = tmp_path / "api.duckdb"
    shutil.copyfile(path, copy)
    with Store(copy) as store:
        for model in ("blend", "conflictology"):
            frame = forecast(store, origin="2025-02", horizons=[1], n_draws=20, model=model,
                             targets=["sb"])
            store_forecast(store, frame, "2025-02", frame.attrs["model_version"])
    sb = scores[scores["target"] == "sb"].groupby("model")["crps"].mean()
    stored = {"blend": MODEL_VERSION, "conflictology": "benchmark-conflictology"}
    with TestClient(create_app(copy, read_env=False)) as client:
        body = client.get("/api/forecasts/headline?target=sb&target=total").json()
        assert [h["target"] for h in body["headlines"]] == ["sb", "total"]
        assert body["headlines"][0]["model"] == sb.idxmin()
        # The fan shows the stored run of the better record, and says why.
        # (a headline without a stored run falls back to the model's run).
        fan = client.get("/api/forecasts?country=MLI&target=sb").json()
        assert fan["model_version"] == stored.get(str(sb.idxmin()), MODEL_VERSION)
        assert fan["headline"]["model"] == sb.idxmin() and fan["headline"]["reason"]
        record = client.get("/api/forecasts/track-record?country=MLI").json()
        assert record["unit"] == "432" and record["target"] == "sb"
        assert {w["window"] for w in record["windows"]} == {"Y2022", "Y2023"}
        bad = client.get("/api/forecasts/track-record?level=grid")
        assert bad.status_code == 400 and "needs unit" in bad.json()["error"]
        # A unit at country level is a country; an unknown one is refused, never Mali's record.
        assert client.get("/api/forecasts/track-record?unit=BFA").json()["unit"] == "439"
        unknown = client.get("/api/forecasts/track-record?unit=ZZZ")
        assert unknown.status_code == 400 and "ZZZ" in unknown.json()["error"]
        mixed = client.get("/api/forecasts/track-record?level=admin1&country=MLI&unit=ML07")
        assert mixed.status_code == 400 and "not country" in mixed.json()["error"]
        none_kept = client.get("/api/forecasts/track-record?level=admin2&unit=XX99")
        assert none_kept.status_code == 200 and none_kept.json()["windows"] == []
