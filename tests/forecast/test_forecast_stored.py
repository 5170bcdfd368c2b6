"""Stored forecasts read back (forecast.stored) on a copy of the real bundled store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sahelwatch.forecast import forecast, load_forecast, store_forecast, summarize
from sahelwatch.forecast.stored import (
    NoForecasts,
    forecast_runs,
    observed_history,
    pick_run,
    stored_summary,
)
from sahelwatch.store import Store


@pytest.fixture(scope="module")
def with_runs(bundled_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The bundled store with two benchmark runs made at 2025-02 (sb, horizons 1-2)."""
    path = tmp_path_factory.mktemp("stored") / "runs.duckdb"
    path.write_bytes(bundled_path.read_bytes())
    with Store(path) as store:
        for model in ("conflictology", "zero"):
            frame = forecast(store, origin="2025-02", horizons=[1, 2], n_draws=50, model=model,
                             targets=["sb"])  # fmt: skip
            store_forecast(store, frame, "2025-02", frame.attrs["model_version"])
        yield store


def test_runs_and_the_run_to_show(with_runs: Store) -> None:
    runs = forecast_runs(with_runs)
    assert list(runs["model_version"]) == ["benchmark-conflictology", "benchmark-zero"]
    first = runs.iloc[0]
    assert (first["origin"], first["first_month"], first["last_month"]) == (
        "2025-02",
        "2025-03",
        "2025-04",
    )
    assert first["draws"] == 50 and first["benchmark"] and list(first["targets"]) == ["sb"]
    assert pick_run(runs, None, None, "country") == (
        "2025-02",
        "benchmark-conflictology",
        ["benchmark-zero"],
    )
    assert pick_run(runs, date(2025, 2, 1), None, "country", ("benchmark-zero",))[1] == (
        "benchmark-zero"
    )
    with pytest.raises(NoForecasts, match="no run of model 'blend' at 2025-02"):
        pick_run(runs, None, "blend", "country")
    with pytest.raises(NoForecasts, match="no admin1-level forecasts"):
        pick_run(runs, None, None, "admin1")


def test_stored_summary_equals_the_summary_of_the_draws(with_runs: Store) -> None:
    model = "benchmark-conflictology"
    sql = stored_summary(with_runs, "2025-02", [model], "country", units=[432, 439])
    draws = load_forecast(with_runs, "2025-02", model, "country")
    memory = summarize(draws[draws["unit_id"].isin([432, 439])])
    assert len(sql) == len(memory) == 4  # two countries, two months, sb
    merged = sql.merge(memory, on=["unit_id", "month", "target"], suffixes=("", "_mem"))
    for column in ("p_ge_1", "p_ge_25"):
        np.testing.assert_allclose(merged[column], merged[f"{column}_mem"], rtol=1e-9)
    for column in ("mean", "q05", "q50", "q95"):  # kept to 4 decimals, without float noise
        np.testing.assert_allclose(merged[column], merged[f"{column}_mem"], atol=5e-5)
        assert (sql[column] == sql[column].round(4)).all()
    assert (sql["draws"] == 50).all() and set(sql["month"]) == {"2025-03", "2025-04"}
    samples = stored_summary(with_runs, "2025-02", [model], "country", [432], samples=True)
    assert all(len(s) == 50 for s in samples["samples"])


def test_observed_history_keeps_gaps(with_runs: Store) -> None:
    history = observed_history(with_runs, [432], date(2024, 11, 1)).set_index("month")
    assert history.loc["2024-12", "total"] == 129  # UCDP GED 25.1 country-month totals
    assert history.loc["2025-01", "total"] == 162  # UCDP Candidate events
    assert pd.isna(history.loc["2025-06", "total"])  # no release covers it: no data, not 0
