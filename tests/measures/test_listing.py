"""Events listed with their actor families (panels.listing) on the real bundled store."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from sahelwatch import panels
from sahelwatch.errors import NotFound, QueryError
from sahelwatch.panels.listing import (
    event_detail,
    event_page,
    month_counts,
    no_data_months,
    side_families_table,
)
from sahelwatch.query import EventFilter, events
from sahelwatch.store import Store

MALI_2026 = EventFilter(countries=["MLI"], start=date(2026, 1, 1), end=date(2026, 2, 1))


def test_family_filter_keeps_the_events_with_a_jihadist_side(bundled_store: Store) -> None:
    every = events(bundled_store, MALI_2026)
    jihadist = panels.event_families(every)["jihadist"].to_numpy()
    table = side_families_table(bundled_store)
    page = event_page(bundled_store, MALI_2026, ["jihadist"], limit=5000, side_families=table)
    assert page.total == int(jihadist.sum()) == len(page.rows) > 50
    assert page.fatalities == int(every["best"].to_numpy()[jihadist].sum())
    assert set(page.frame()["uid"]) == set(every["uid"].to_numpy()[jihadist])
    assert set(page.frame()["actor_family"]) == {"jihadist"}  # first in the priority order
    assert page.after is None and page.no_data_months == []
    with pytest.raises(QueryError, match="unknown actor family bandits"):
        event_page(bundled_store, MALI_2026, ["bandits"], side_families=table)


def test_keyset_pages_cover_every_event_once(bundled_store: Store) -> None:
    table = side_families_table(bundled_store)
    seen: list[str] = []
    after = None
    while True:
        page = event_page(bundled_store, MALI_2026, limit=40, after=after, side_families=table)
        seen += [str(row[page.columns.index("uid")]) for row in page.rows]
        if page.after is None:
            break
        after = page.after
    assert len(seen) == len(set(seen)) == page.total == len(events(bundled_store, MALI_2026))
    mapped = event_page(bundled_store, MALI_2026, limit=3, fields="map", side_families=table)
    assert mapped.columns[:2] == ["uid", "date_start"] and "actor_family" in mapped.columns


def test_months_no_release_covers_are_listed(bundled_store: Store) -> None:
    year = EventFilter(countries=["MLI"], start=date(2025, 1, 1), end=date(2025, 12, 1))
    gap = [f"2025-{m:02d}" for m in range(3, 12)]  # UCDP Candidate 25.01..25.12 lacks these
    assert no_data_months(bundled_store, year) == gap
    assert no_data_months(bundled_store, EventFilter(countries=["MLI"])) == []  # no period


def test_month_counts_keep_totals_events_and_gaps_apart(bundled_store: Store) -> None:
    counts = month_counts(bundled_store, [432], date(2024, 11, 1), date(2025, 4, 1))
    rows = counts.months.set_index("month")
    assert list(rows["state"]) == ["totals", "totals", "unlocated", "unlocated", "none", "none"]
    assert rows.loc["2024-12", "totals_best"] == 129 and np.isnan(rows.loc["2024-12", "events"])
    assert (rows.loc["2025-01", "events"], rows.loc["2025-01", "fatalities"]) == (52, 162)
    assert rows.loc[["2025-03", "2025-04"], "fatalities"].isna().all()  # no data, not 0
    assert counts.notes[-1] == "2025-03..2025-04: no data (no release covers it)"


def test_event_detail_traces_the_record_to_its_file(bundled_store: Store) -> None:
    uid = str(events(bundled_store, MALI_2026)["uid"].iloc[0])
    detail = event_detail(bundled_store, uid)
    assert detail.event["uid"].tolist() == [uid] and detail.withdrawn is None
    version = detail.versions.iloc[0]
    assert version["file"].startswith("ucdp_candidate_26.0")
    assert version["raw"]["id"] == uid.split(":")[1]
    with pytest.raises(NotFound, match="no event 'ucdp:0'"):
        event_detail(bundled_store, "ucdp:0")
