"""A store copy with a small real forecast evaluation kept, shared by the track-record tests
(``test_forecast_record.py``, ``test_dashboard_trackrecord.py``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from sahelwatch.forecast import CHALLENGE_WINDOWS, evaluate, store_evaluation
from sahelwatch.forecast.backtest import ROLLING_WINDOWS
from sahelwatch.store import Store


def keep_evaluation(source: Path, folder: Path) -> tuple[Path, pd.DataFrame]:
    """A copy of the store at ``source`` in ``folder`` with an evaluation kept: the VIEWS
    windows Y2022 and Y2023 (sb) and three rolling origins (total), 40 draws, horizons 3, 6 and
    14, country level. Returns the copy's path and the scores."""
    path = folder / "kept.duckdb"
    shutil.copyfile(source, path)
    with Store(path) as store:
        result = evaluate(store, folder / "eval", windows=CHALLENGE_WINDOWS[-3:-1], n_draws=40,
                          horizons=[3, 6, 14], workers=1, levels=["country"],
                          rolling=ROLLING_WINDOWS[-3:])  # fmt: skip
        store_evaluation(store, result.scores, 40, 0)
    return path, result.scores
