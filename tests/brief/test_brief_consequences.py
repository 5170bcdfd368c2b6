"""The "Consequences" section of briefs, on the real bundled store."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sahelwatch.brief.builder import build, render
from sahelwatch.brief.consequences import consequences_section
from sahelwatch.consequences import country_totals, food_indicators
from sahelwatch.store import Store


def test_section_uses_only_what_was_published_by_the_month(bundled_store: Store) -> None:
    section = consequences_section(bundled_store, ["MLI", "SEN"], date(2021, 1, 1))
    assert section["available"]
    (mali,) = section["food"]  # Senegal has no CH figures in the store
    assert mali["cycle"] == "2020-11" and mali["age_months"] == 2
    (idps,) = section["displacement"]
    assert idps["year"] == 2021
    assert "not show that the violence caused" in section["note"]


def test_section_figures_equal_the_store(bundled_store: Store) -> None:
    from sahelwatch.consequences import ch_units

    section = consequences_section(bundled_store, ["BFA"], date(2023, 4, 1))
    (row,) = section["food"]
    totals = country_totals(food_indicators(ch_units(bundled_store)))
    want = totals[
        (totals["country_iso3"] == "BFA")
        & (totals["cycle"] == "2023-03")
        & (totals["period_type"] == "current")
    ]
    assert row["phase35"] == float(want["phase35"].iloc[0])
    assert all(
        w["deaths"] > w["deaths_year_before"] and w["change"] > 0 for w in section["both_worse"]
    )


def test_brief_shows_consequences_and_carried_forward(bundled_path: Path, tmp_path: Path) -> None:
    with Store(bundled_path, read_only=True) as store:
        b = build(store, country="BFA", month="2026-01", forecast="none", figures=False)
    text = render(b, "md", tmp_path / "bfa.md").read_text(encoding="utf-8")
    assert "## Consequences: food insecurity and displacement" in text
    assert "| BFA | 2023-03 | 34 |" in text  # the newest analysis, 34 months old
    assert "2,062,534 (carried forward, not measured)" in text
