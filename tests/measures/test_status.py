"""What the store holds, month by month (status.family_months, status.coverage_grid), on the
real bundled store."""

from __future__ import annotations

from datetime import date

from sahelwatch.gazetteer import SAHEL
from sahelwatch.status import coverage_grid, family_months
from sahelwatch.store import Store


def test_family_months_name_the_located_months(bundled_store: Store) -> None:
    by_family = {f.family: f for f in family_months(bundled_store)}
    ucdp = by_family["ucdp"]
    assert (ucdp.kind, ucdp.sources) == ("event", ["ucdp_candidate", "ucdp_ged"])
    assert (ucdp.covered[0], ucdp.covered[-1]) == (date(1989, 1, 1), date(2026, 2, 1))
    assert date(2025, 6, 1) not in ucdp.covered  # the Candidate gap: no data
    assert ucdp.located[-1] == date(2026, 2, 1)
    views = by_family["views_cm"]
    assert (views.covered[0], views.covered[-1], views.located) == (
        date(2017, 11, 1),
        date(2024, 4, 1),
        [],
    )


def test_coverage_grid_shows_gaps_as_gaps(bundled_store: Store) -> None:
    grid = coverage_grid(bundled_store, [432], ["ucdp_candidate"])
    assert (grid.months[0], grid.months[-1]) == (date(2025, 1, 1), date(2026, 2, 1))
    (row,) = grid.rows
    assert (row.country, row.gaps) == ("Mali", [(date(2025, 3, 1), date(2025, 11, 1))])
    assert row.flags == [m < date(2025, 3, 1) or m > date(2025, 11, 1) for m in grid.months]
    assert row.newest_event is not None and row.newest_event >= date(2026, 2, 1)
    every = coverage_grid(bundled_store, max_months=24)
    assert len(every.months) == 24 and {r.country_gw for r in every.rows} <= set(SAHEL)
