"""Backtests, the challenge actuals and the report, on the bundled store (few draws)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sahelwatch.bundled import ingest_bundled
from sahelwatch.forecast import CHALLENGE_WINDOWS, TUNING_WINDOWS, ModelConfig, evaluate, tune
from sahelwatch.forecast.backtest import (
    ROLLING_WINDOWS,
    backtest,
    challenge_window,
    load_actuals,
)
from sahelwatch.forecast.data import load_country_panel
from sahelwatch.forecast.scores import crps_ensemble
from sahelwatch.store import Store

FAST = ModelConfig(params={"num_iterations": 15, "num_leaves": 7}, train_months=72, min_bin=50)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("store") / "bundled.duckdb"
    with Store(path) as s:
        ingest_bundled(s)
        yield s


def test_windows_follow_the_challenge() -> None:
    y2019 = challenge_window(2019)
    assert y2019.origin == date(2018, 10, 1)
    assert y2019.horizons == list(range(3, 15))
    assert [w.name for w in CHALLENGE_WINDOWS] == [f"Y{y}" for y in range(2018, 2025)]
    assert max(max(w.months) for w in TUNING_WINDOWS) < CHALLENGE_WINDOWS[0].months[0]
    # Rolling origins every 6 months from 2010-06 to 2023-12, horizons 1..12.
    assert [w.origin for w in ROLLING_WINDOWS[:2]] == [date(2010, 6, 1), date(2010, 12, 1)]
    assert ROLLING_WINDOWS[-1].origin == date(2023, 12, 1) and len(ROLLING_WINDOWS) == 28
    assert ROLLING_WINDOWS[0].horizons == list(range(1, 13))


def test_actuals_match_the_store(store: Store) -> None:
    actuals = load_actuals()
    assert set(actuals["window"]) >= {w.name for w in CHALLENGE_WINDOWS}
    assert actuals.groupby("window")["unit_id"].nunique().min() == 191
    panel = load_country_panel(store, until=date(2023, 12, 1))
    rows = actuals[actuals["window"] == "Y2022"]
    got = np.array([panel.values[np.flatnonzero(panel.units == u)[0], panel.index(m), 0]
                    for u, m in zip(rows["unit_id"], rows["month"], strict=True)])
    # Where the store holds UCDP GED events (they come first), its series may differ a little
    # from the VIEWS actuals; everywhere else it is the same series.
    ged = {g for (g,) in store.con.execute(
        "SELECT DISTINCT country_gw FROM coverage JOIN releases USING (release_id) "
        "WHERE source = 'ucdp_ged' AND month = DATE '2022-06-01'").fetchall()}  # fmt: skip
    views = ~rows["unit_id"].isin(ged).to_numpy()
    np.testing.assert_array_equal(got[views], rows["obs"].to_numpy()[views])
    assert views.sum() > 2292 - 12 * 12


def test_backtest_scores_conflictology_by_hand(store: Store) -> None:
    window = challenge_window(2021)
    scores = backtest(store, [window], models=("conflictology",), n_draws=12, horizons=[3])
    assert len(scores) == 191
    panel = load_country_panel(store, until=window.origin)
    mali = int(np.flatnonzero(panel.units == 432)[0])
    draws = panel.values[mali, -12:, 0][None, :]
    obs = load_actuals().set_index(["unit_id", "month"])["obs"][(432, date(2021, 1, 1))]
    row = scores[scores["unit_id"] == 432].iloc[0]
    assert row["obs"] == obs
    assert row["crps"] == pytest.approx(crps_ensemble(np.array([obs]), draws)[0])


def test_evaluate_writes_the_report(store: Store, tmp_path: Path) -> None:
    # Country level only: the sub-national levels have their own tests.
    result = evaluate(store, tmp_path, windows=CHALLENGE_WINDOWS[1:3], n_draws=20, config=FAST,
                      horizons=[3, 12, 14], workers=1, levels=["country"],
                      rolling=ROLLING_WINDOWS[-2:], models=("blend", "lgbm", "conflictology",
                      "last_historical", "bootstrap", "zero"))  # fmt: skip
    country = result.scores[result.scores["level"] == "country"]
    models = {"blend", "lgbm", "conflictology", "last_historical", "bootstrap", "zero"}
    assert set(country["model"]) == models
    sb = country[country["target"] == "sb"]
    assert len(sb) == 6 * 2 * 3 * 191  # Y2019, Y2020 at horizons 3, 12, 14: every country
    total = country[country["target"] == "total"]
    assert set(total["window"]) == {"2023-06", "2023-12"} and set(total["horizon"]) == {3, 12}
    # Every model is scored on the same unit-months.
    assert (total.groupby(["unit_id", "month"]).size() == len(models)).all()
    text = result.report_md.read_text(encoding="utf-8")
    # The first lines say which targets are met and which are missed.
    head = [line for line in text.splitlines()[:24] if line]
    assert head[1].startswith("## Targets:")
    verdicts = [line for line in head if line.startswith(("met: ", "MISSED: "))]
    assert len(verdicts) == 5
    for i, line in enumerate(head[:-1]):  # under a missed ratio, where the score lies
        missed_ratio = line.startswith("MISSED: ") and "x conflictology's" in line
        assert head[i + 1].startswith("where the score lies: ") == missed_ratio
    means = sb.groupby("model")["crps"].mean()
    word = "met" if means["blend"] <= 0.9 * means["conflictology"] else "MISSED"
    assert verdicts[0].startswith(f"{word}: country sb") and f"{means['blend']:.2f}" in verdicts[0]
    own = total[total["model"] == "blend"]  # coverage of counts: by the randomised PIT
    cover = ((own["pit"] >= 0.05) & (own["pit"] <= 0.95)).mean()
    assert f"90% intervals cover {cover:.3f} of the outcomes" in verdicts[3]
    assert f"covers {own['cov90'].mean():.3f}" in verdicts[3]
    assert (own["ecov90"] >= 0.9).all()  # a count forecast's own draws: at least nominal
    for needle in ("All windows", "Window Y2019", "Window Y2020", "Calibration",
                   "Where the model loses", "Mali (432)", "Burkina Faso (439)", "Niger (436)",
                   "24.92", "rolling origins", "together"):
        assert needle in text
    page = result.report_html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<table>" in page and "Niger (436)" in page
    assert (tmp_path / "scores.csv.gz").exists()


def test_tuning_refuses_the_evaluation_windows(store: Store) -> None:
    with pytest.raises(ValueError, match="before the first evaluation window"):
        tune(store, grid=[FAST], windows=CHALLENGE_WINDOWS[:1])


@pytest.mark.slow
def test_stored_evaluation_reaches_the_brief(store: Store, tmp_path: Path) -> None:
    from sahelwatch.brief import build
    from sahelwatch.forecast import load_evaluation, store_evaluation

    empty = build(store, country="MLI", forecast="none", figures=False)
    before = empty.evaluation
    assert before["tables"] == [] and "sahelwatch evaluate" in before["note"]
    assert empty.track["rows"] == [] and not empty.track["latest"]
    result = evaluate(store, tmp_path, windows=CHALLENGE_WINDOWS[1:2], n_draws=20,
                      horizons=[3], workers=1, levels=["country"],
                      rolling=ROLLING_WINDOWS[-2:])  # fmt: skip
    assert store_evaluation(store, result.scores, 20, 0) == 12  # 6 models x (sb, total)
    kept = load_evaluation(store, "country")  # the challenge windows' (sb)
    sb = result.scores[result.scores["target"] == "sb"]
    means = sb.groupby("model")["crps"].mean()
    assert dict(zip(kept["model"], kept["crps"], strict=True)) == pytest.approx(means.to_dict())
    assert (kept["windows"] == "Y2019").all() and (kept["unit_months"] == 191).all()
    shown, total = build(store, country="MLI", forecast="none", figures=False).evaluation["tables"]
    assert [row[1] for row in shown["rows"]] == pytest.approx(sorted(means))
    assert "Y2019" in shown["caption"] and "20 draws" in shown["caption"]
    assert "state-based" in shown["caption"] and "2 rolling windows" in total["caption"]
    best_benchmark = means.drop(["blend", "ratio"]).min()
    word = "lowest" if means["blend"] <= best_benchmark else "behind"
    assert word in shown["note"]
    # Each country's own track record (total fatalities): Mali's rows, as the API serves them.
    from sahelwatch.brief import render
    from sahelwatch.forecast.record import track_record

    brief = build(store, region="sahel", forecast="none", figures=False)
    mali = track_record(store, 432, "country", "total")
    summary = {s["model"]: s for s in mali["summary"]}
    row = next(r for r in brief.track["rows"] if r["country"] == "Mali")
    assert row["crps"] == pytest.approx(summary["blend"]["crps"])
    assert row["reference"] == pytest.approx(summary["conflictology"]["crps"])
    assert row["months"] == 2 and row["windows"] == 2  # two origins, horizon 3
    assert len(brief.track["rows"]) == len(brief.gws)
    latest = brief.track["latest"]
    assert latest["origin"] == "2023-12" and [m["month"] for m in latest["months"]] == ["2024-03"]
    text = render(brief, "md", tmp_path / "brief.md").read_text(encoding="utf-8")
    assert "Track record: earlier forecasts against what happened" in text
    assert f"| Mali | {row['crps']:.2f} | {row['reference']:.2f} |" in text


def test_report_names_the_windows_the_actuals_hold_fewer_of() -> None:
    from sahelwatch.forecast.report import _partial_windows

    def window(name: str, units: int, months: int) -> pd.DataFrame:
        return pd.DataFrame([(name, u, m, "blend") for u in range(units) for m in range(months)],
                            columns=["window", "unit_id", "month", "model"])  # fmt: skip

    full = [window("Y2019", 191, 12), window("Y2020", 191, 12)]
    assert _partial_windows(pd.concat(full)) == ""
    fewer = pd.concat([window("Y2018", 9, 12), *full, window("Y2024", 191, 4)])
    assert _partial_windows(fewer) == " (held for fewer: Y2018 9 countries, Y2024 4 months)"
