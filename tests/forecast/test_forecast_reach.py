"""Where a benchmark's CRPS lies: the unit-windows that broke with their past, by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from sahelwatch.forecast.reach import reach


def scores(table: dict[tuple[str, str], tuple[float, float, float]]) -> pd.DataFrame:
    """Unit-month rows from (window, unit) -> CRPS of the model, the reference and zero,
    each split over two months (the split sums per unit-window)."""
    rows = [(w, u, m, c / 2) for (w, u), crps in table.items()
            for m, c in zip(("m", "ref", "zero"), crps, strict=True) for _ in range(2)]
    return pd.DataFrame(rows, columns=["window", "unit_id", "model", "crps"])


def test_reach_by_hand() -> None:
    split = reach(scores({
        ("Y1", "A"): (50.0, 48.0, 49.0),  # an escalation: zero within 5% of the reference
        ("Y2", "A"): (30.0, 20.0, 2.0),   # an end: zero far better than the reference
        ("Y1", "B"): (9.0, 10.0, 30.0),   # foreseen: zero much worse
        ("Y1", "C"): (1.0, 0.0, 0.0),     # quiet: the reference scores 0, not a break
        ("Y2", "B"): (12.0, 22.0, 23.2),  # 23.2 <= 1.05 x 22 = 23.1? no: not a break
    }), "m", "ref")
    assert split is not None
    assert (split.windows, split.breaks) == (5, 2)
    total = 48 + 20 + 10 + 0 + 22
    assert split.share == pytest.approx(68 / total)
    assert split.there == pytest.approx(80 / 68)
    assert split.rest == pytest.approx((9 + 1 + 12) / 32)
    assert split.needed == pytest.approx((0.9 * total - 80) / 32)
    assert split.largest == (("Y1", "A"), ("Y2", "A"))
    text = split.text("the model", "ref", {"A": "Atlantis"})
    assert text.startswith("where the score lies: 68% of ref's CRPS is in 2 of 5 unit-windows")
    assert "largest Atlantis Y1, Atlantis Y2" in text and "on the others 0.69 x" in text
    assert "largest" not in split.text("the model", "ref")


def test_reach_needs_the_zero_forecast_and_a_score() -> None:
    rows = scores({("Y1", "A"): (1.0, 2.0, 3.0)})
    assert reach(rows[rows["model"] != "zero"], "m", "ref") is None
    assert reach(scores({("Y1", "A"): (1.0, 0.0, 0.0)}), "m", "ref") is None
