"""Alert rule kinds on the consequences of violence: a unit moving into a Cadre Harmonisé
phase (``food_phase``) and a jump in internally displaced people (``idp_jump``)."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from sahelwatch.alerts.model import Alert
from sahelwatch.alerts.rules import EvalContext, Rule


class FoodPhaseRule(Rule):
    """An admin-2 unit's CH phase class reaches ``phase`` (4: emergency, 5: famine) or worse
    in one of the ``lookback_cycles`` newest cycles of its country, having been below it in
    the previous cycle. ``country`` is an ISO3 code, or empty for every CH country. The class
    is the published one, else the worst of the unit's analysed areas (said in the alert).
    One alert per unit, cycle and period.
    """

    kind: Literal["food_phase"] = "food_phase"
    country: str = ""
    phase: int = Field(default=4, ge=2, le=5)
    period: Literal["current", "projected"] = "current"
    lookback_cycles: int = Field(default=1, ge=1)

    def evaluate(self, ctx: EvalContext) -> list[Alert]:
        from sahelwatch.consequences import ch_units, food_indicators, phase_moves

        units = ch_units(ctx.store)
        if units.empty:
            return []
        food = food_indicators(units)
        food = food[food["period_type"] == self.period]
        if self.country:
            food = food[food["country_iso3"] == self.country.upper()]
        newest = (
            food[["country_iso3", "cycle"]]
            .drop_duplicates()
            .sort_values("cycle")
            .groupby("country_iso3")
            .tail(self.lookback_cycles)
        )
        recent = food.merge(newest, on=["country_iso3", "cycle"])
        alerts = []
        for move in phase_moves(recent, self.phase).to_dict("records"):
            published = (
                not recent.loc[
                    (recent["unit_id"] == move["unit_id"]) & (recent["cycle"] == move["cycle"]),
                    "phase_class",
                ]
                .isna()
                .all()
            )
            phase = int(move["phase_class_any"])
            title = f"{move['unit_name']} ({move['country_iso3']}) moves into CH phase {phase}"
            body = (
                f"The Cadre Harmonisé {self.period} analysis of {move['cycle']} puts "
                f"{move['unit_name']} in phase {phase} "
                f"({'published class' if published else 'worst of its analysed areas'}), "
                f"after phase {int(move['prev_phase_class'])} in {move['prev_cycle']}: "
                f"{move['phase35']:,.0f} people in phase 3 or worse ({move['share35']:.0%})."
            )
            evidence = {
                "unit_id": move["unit_id"],
                "unit_name": move["unit_name"],
                "cycle": move["cycle"],
                "period": self.period,
                "previous_cycle": move["prev_cycle"],
                "previous_phase": int(move["prev_phase_class"]),
                "phase": phase,
                "published_class": published,
                "phase35": float(move["phase35"]),
                "share35": round(float(move["share35"]), 4),
            }
            key = f"{move['unit_id']}:{move['cycle']}:{self.period}"
            alerts.append(self._make(key, title, body, evidence))
        return alerts


class IdpJumpRule(Rule):
    """A country's IDPs (``source``: ``unhcr`` or ``idmc``) rise by at least ``min_increase``
    people and ``min_share`` of the year before, in one of the ``lookback_years`` newest years.
    A figure repeated from the year before (carried forward) is no measured change and never
    fires. One alert per country, source and year.
    """

    kind: Literal["idp_jump"] = "idp_jump"
    country: str = "MLI"
    source: Literal["unhcr", "idmc"] = "unhcr"
    min_increase: float = Field(default=50_000, gt=0)
    min_share: float = Field(default=0.2, ge=0)
    lookback_years: int = Field(default=1, ge=1)

    def evaluate(self, ctx: EvalContext) -> list[Alert]:
        from sahelwatch.consequences import displacement_country

        frame = displacement_country(ctx.store, (self.country.upper(),))
        column = "idps" if self.source == "unhcr" else "idmc_idps"
        frame = frame.dropna(subset=[column])
        if frame.empty:
            return []
        recent = frame.sort_values("year").tail(self.lookback_years)
        alerts = []
        for row in recent.to_dict("records"):
            change = float(row[f"{column}_change"])
            now = float(row[column])
            before = now - change
            if math.isnan(change) or change < self.min_increase:  # NaN: no measured change
                continue
            if before > 0 and change / before < self.min_share:
                continue
            name = "UNHCR" if self.source == "unhcr" else "IDMC"
            title = f"IDPs in {row['country_iso3']} up by {change:,.0f} in {row['year']} ({name})"
            body = (
                f"{name} counts {now:,.0f} internally displaced people in {row['country_iso3']} "
                f"at the end of {row['year']}, {change:,.0f} more than a year before "
                f"({before:,.0f}). Year-end stocks, not flows."
            )
            evidence = {
                "country": row["country_iso3"],
                "source": self.source,
                "year": int(row["year"]),
                "idps": now,
                "idps_year_before": before,
                "change": float(change),
            }
            alerts.append(
                self._make(
                    f"{row['country_iso3']}:{self.source}:{row['year']}", title, body, evidence
                )
            )
        return alerts
