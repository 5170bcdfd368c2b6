"""The kinds of alert rule: threshold, proximity, new actor, forecast, z-score and stale (and,
from :mod:`sahelwatch.alerts.consequences`, food phase and IDP jump)."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator

from sahelwatch.alerts.consequences import FoodPhaseRule, IdpJumpRule
from sahelwatch.alerts.model import Alert, iso_time
from sahelwatch.alerts.rules import (
    EvalContext,
    PanelRule,
    Rule,
    as_month,
    country_gws,
    events_evidence,
    violence_types,
)
from sahelwatch.errors import ConfigError
from sahelwatch.periods import add_months, format_month
from sahelwatch.settings import Duration, by_kind
from sahelwatch.words import counted

if TYPE_CHECKING:
    import pandas as pd

    from sahelwatch.store import Store


class ThresholdRule(PanelRule):
    """Fatalities or events in a unit over ``window_months`` months reach ``threshold``.

    The window ends in each of the ``lookback_months`` newest months the family covers (with
    locations, below country level); a window holding a month no release covers is skipped.
    One alert per unit and window end.
    """

    kind: Literal["threshold"] = "threshold"
    measure: Literal["fatalities", "events"] = "fatalities"
    threshold: float = Field(default=50.0, gt=0)
    country: str = "MLI"
    level: Literal["country", "admin1", "admin2", "cell"] = "admin2"
    units: list[str] = Field(default_factory=list)
    window_months: int = Field(default=1, ge=1)
    lookback_months: int = Field(default=1, ge=1)
    violence: list[Literal["sb", "ns", "os"]] = Field(default_factory=list)
    family: str = "ucdp"

    def months_back(self) -> int:
        return self.lookback_months + self.window_months - 2

    def evaluate_panel(
        self, store: Store, newest: date, first: date, panel: pd.DataFrame
    ) -> list[Alert]:
        import numpy as np

        from sahelwatch import panels

        prefix = "best" if self.measure == "fatalities" else "events"
        columns = [f"{prefix}_{t}" for t in violence_types(list(self.violence))]
        panel = panel.assign(value=panel[columns].sum(axis=1, min_count=len(columns)))
        panel = panel.sort_values(["unit_id", "month"])
        panel["window"] = panel.groupby("unit_id")["value"].transform(
            lambda s: s.rolling(self.window_months, min_periods=self.window_months).sum()
        )
        ends = {np.datetime64(add_months(newest, -k), "s") for k in range(self.lookback_months)}
        hits = panel[panel["month"].isin(list(ends)) & (panel["window"] >= self.threshold)]
        if self.units:
            hits = hits[hits["unit_id"].astype(str).isin(self.units)]
        if hits.empty:
            return []
        events = panels.placed_events(
            store, self.level, family=self.family, countries=[self.country], start=first, end=newest
        )
        events = events[events["violence_type"].isin(violence_types(list(self.violence)))]
        alerts = []
        for hit in hits.itertuples():
            end = as_month(hit.month)
            start = add_months(end, 1 - self.window_months)
            months = events["month"].map(as_month)
            mine = events[
                (events["unit_id"].astype(str) == str(hit.unit_id))
                & (months >= start)
                & (months <= end)
            ]
            span = (
                format_month(end) if start == end else f"{format_month(start)}..{format_month(end)}"
            )
            value = float(hit.window)  # type: ignore[arg-type]
            what = "fatalities" if self.measure == "fatalities" else "events"
            title = f"{hit.unit_name}: {value:g} {what} in {span} (threshold {self.threshold:g})"
            evidence = {
                "unit_id": str(hit.unit_id),
                "unit_name": hit.unit_name,
                "level": self.level,
                "measure": self.measure,
                "value": value,
                "threshold": self.threshold,
                "window": span,
                "violence": violence_types(list(self.violence)),
                **events_evidence(mine),
            }
            body = (
                f"{value:g} {what} of organised violence ({', '.join(evidence['violence'])}) in "
                f"{hit.unit_name} ({self.level} {hit.unit_id}) in {span}, at or above the "
                f"threshold of {self.threshold:g}.\nEvents: {', '.join(evidence['event_ids'][:20])}"
            )
            alerts.append(self._make(f"{hit.unit_id}:{format_month(end)}", title, body, evidence))
        return alerts


class ProximityRule(Rule):
    """Violence within ``radius_km`` of a place.

    The place is a capital named in ``data/capitals.csv`` (``place = "Bamako"``) or given by
    ``latitude`` and ``longitude``. Events count when they are of organised violence, located
    with ``where_prec <= max_where_prec`` and dated within ``window_days`` days before the
    newest event of the family. Events already named by an earlier alert of the rule are left
    out, so each event is reported once; the new ones make one alert.
    """

    kind: Literal["proximity"] = "proximity"
    place: str = "Bamako"
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float = Field(default=50.0, gt=0)
    window_days: int = 45
    min_fatalities: int = 0
    max_where_prec: int = 3
    violence: list[Literal["sb", "ns", "os"]] = Field(default_factory=list)
    family: str = "ucdp"

    @model_validator(mode="after")
    def _both_coordinates(self) -> Self:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        return self

    def centre(self) -> tuple[float, float]:
        """(latitude, longitude) of the place."""
        if self.latitude is not None and self.longitude is not None:
            return self.latitude, self.longitude
        from sahelwatch.indicators import capitals

        table = capitals()
        found = table[table["name"].str.lower() == self.place.lower()]
        if found.empty:
            raise ConfigError(
                f"alert rule {self.name}: unknown place '{self.place}'; name a capital "
                f"({', '.join(table['name'])}) or give latitude and longitude."
            )
        return float(found["latitude"].iloc[0]), float(found["longitude"].iloc[0])

    def evaluate(self, ctx: EvalContext) -> list[Alert]:
        import numpy as np
        import pandas as pd

        from sahelwatch.indicators import haversine_km
        from sahelwatch.ingest import SOURCES_BY_FAMILY

        store = ctx.store
        lat, lon = self.centre()
        sources = list(SOURCES_BY_FAMILY.get(self.family, (self.family,)))
        current = store.current_sql()
        newest = store.con.execute(
            f"SELECT max(date_start) FROM ({current}) WHERE list_contains(?, source)", [sources]
        ).fetchone()
        if not newest or newest[0] is None:
            return []
        since = newest[0] - timedelta(days=self.window_days)
        pad = self.radius_km / 111.0 + 0.1
        pad_lon = pad / max(math.cos(math.radians(lat)), 0.05)
        frame = store.con.execute(
            f"SELECT uid, date_start, best, latitude, longitude, where_prec, side_a, side_b, "
            f"violence_type, location FROM ({current}) WHERE list_contains($sources, source) "
            "AND list_contains($types, violence_type) AND date_start >= $since "
            "AND where_prec <= $prec AND latitude BETWEEN $s AND $n "
            "AND longitude BETWEEN $w AND $e AND coalesce(best, 0) >= $min "
            "ORDER BY date_start, uid",
            {
                "sources": sources,
                "types": violence_types(list(self.violence)),
                "since": since,
                "prec": self.max_where_prec,
                "s": lat - pad,
                "n": lat + pad,
                "w": lon - pad_lon,
                "e": lon + pad_lon,
                "min": self.min_fatalities,
            },
        ).df()
        if frame.empty:
            return []
        frame["km"] = haversine_km(
            np.full(len(frame), lat),
            np.full(len(frame), lon),
            frame["latitude"].to_numpy(float),
            frame["longitude"].to_numpy(float),
        )
        near = frame[frame["km"] <= self.radius_km]
        reported = {uid for ev in ctx.prior_evidence(self.name) for uid in ev.get("event_ids", [])}
        near = near[~near["uid"].isin(reported)]
        if near.empty:
            return []
        uids = sorted(near["uid"].astype(str))
        first, last = near["date_start"].min(), near["date_start"].max()
        days = f"{first:%Y-%m-%d}" if first == last else f"{first:%Y-%m-%d}..{last:%Y-%m-%d}"
        deaths = int(near["best"].fillna(0).sum())
        place = self.place if self.latitude is None else f"({lat:.3f}, {lon:.3f})"
        window = f"the {self.window_days} days to {newest[0]:%Y-%m-%d}"
        title = (
            f"{counted(len(near), 'event')} within {self.radius_km:g} km of {place} in {window} "
            f"({days}), {counted(deaths, 'death')}"
        )
        lines = []
        for r in near.sort_values("km").to_dict("records"):
            killed = 0 if pd.isna(r["best"]) else int(r["best"])
            lines.append(
                f"- {r['uid']} {r['date_start']:%Y-%m-%d}: {r['km']:.0f} km away, "
                f"{killed} deaths, {r['side_a']} vs {r['side_b']}"
            )
        body = (f"Organised violence within {self.radius_km:g} km of {place} in {window} (the "
                f"newest event's date), located with precision {self.max_where_prec} or "
                "better:\n" + "\n".join(lines))
        evidence = {
            "place": place,
            "latitude": lat,
            "longitude": lon,
            "radius_km": self.radius_km,
            "event_ids": uids,
            "events": len(uids),
            "fatalities": deaths,
            "distances_km": dict(zip(near["uid"], near["km"].round(1).tolist(), strict=True)),
            "dates": days,
        }
        digest = hashlib.sha256(",".join(uids).encode()).hexdigest()[:12]
        return [self._make(digest, title, body, evidence)]


class NewActorRule(PanelRule):
    """An actor family appears in a unit where it was absent for ``absent_months`` months.

    In the newest month the family covers with actors, a unit with at least ``min_events``
    events involving ``actor_family`` on either side fires when, in the ``absent_months``
    months before, the family had no event there in every month known (covered with actors),
    and at least ``min_known_months`` of those months are known (default: all of them; a
    month no release covers is no data, not absence).
    """

    kind: Literal["new_actor"] = "new_actor"
    actor_family: str = "jihadist"
    country: str = "MLI"
    level: Literal["country", "admin1", "admin2", "cell"] = "admin2"
    absent_months: int = Field(default=6, ge=1)
    min_known_months: int | None = None
    min_events: int = 1
    family: str = "ucdp"

    @field_validator("actor_family")
    @classmethod
    def _known_family(cls, value: str) -> str:
        from sahelwatch.actors import FAMILIES

        if value not in FAMILIES:
            raise ValueError(f"unknown actor_family '{value}'; use one of {', '.join(FAMILIES)}")
        return value

    def months_back(self) -> int:
        return self.absent_months

    def evaluate_panel(
        self, store: Store, newest: date, first: date, panel: pd.DataFrame
    ) -> list[Alert]:
        import numpy as np

        from sahelwatch import panels

        column = f"events_{self.actor_family}"
        now_key = np.datetime64(newest, "s")
        need = self.absent_months if self.min_known_months is None else self.min_known_months
        alerts = []
        events = None
        for unit, rows in panel.groupby("unit_id", sort=True):
            current = rows[rows["month"] == now_key]
            before = rows[(rows["month"] < now_key) & rows["covered_actors"].astype(bool)]
            if current.empty or not bool(current["covered_actors"].iloc[0]):
                continue
            count = float(current[column].iloc[0])
            known = before[column].dropna()
            if count < self.min_events or len(known) < need or (known > 0).any():
                continue
            if events is None:
                events = panels.placed_events(
                    store,
                    self.level,
                    family=self.family,
                    countries=[self.country],
                    start=newest,
                    end=newest,
                )
                families = panels.event_families(events)
                events = events[families[self.actor_family].to_numpy()]
            mine = events[events["unit_id"].astype(str) == str(unit)]
            name = str(current["unit_name"].iloc[0])
            month = format_month(newest)
            known_months = [format_month(as_month(m)) for m in before.loc[known.index, "month"]]
            title = (
                f"{name}: {self.actor_family} actors active in {month} "
                f"({int(count)} events) after {len(known)} months without"
            )
            evidence = {
                "unit_id": str(unit),
                "unit_name": name,
                "level": self.level,
                "actor_family": self.actor_family,
                "month": month,
                "events_now": int(count),
                "absent_months_known": known_months,
                **events_evidence(mine),
            }
            body = (
                f"Events involving {self.actor_family} actors in {name} ({self.level} {unit}) "
                f"in {month}: {int(count)}. None in the known months before: "
                f"{', '.join(known_months)}.\nEvents: {', '.join(evidence['event_ids'][:20])}"
            )
            alerts.append(self._make(f"{unit}:{month}", title, body, evidence))
        return alerts


class ForecastRule(Rule):
    """The forecast probability of at least ``fatalities`` deaths in a month crosses
    ``probability``.

    Reads the newest forecast (``forecasts`` table; of ``model_version`` if given) for the
    country and ``target``, and fires for each forecast month (within ``horizon`` months of
    the origin, if given) whose probability is at least ``probability`` while the previous
    forecast for that month (an earlier origin) was below it, or did not exist.
    """

    kind: Literal["forecast"] = "forecast"
    country: str = "MLI"
    target: Literal["sb", "ns", "os", "total"] = "total"
    fatalities: int = 25
    probability: float = Field(default=0.5, gt=0, lt=1)
    horizon: int | None = None
    model_version: str | None = None

    def evaluate(self, ctx: EvalContext) -> list[Alert]:
        store = ctx.store
        if not store.has_table("forecasts"):
            return []
        gws = country_gws(store, self.country)
        rows = store.con.execute(
            """
            SELECT origin, model_version, unit_id, month,
                   avg(CASE WHEN value >= $f THEN 1.0 ELSE 0.0 END) AS p, count(*) AS draws
            FROM forecasts
            WHERE level = 'country' AND list_contains($units, unit_id) AND target = $t
              AND ($mv IS NULL OR model_version = $mv)
            GROUP BY ALL ORDER BY month, origin
            """,
            {"f": self.fatalities, "units": gws, "t": self.target, "mv": self.model_version},
        ).fetchall()
        if not rows:
            return []
        newest = max(r[0] for r in rows)
        model = self.model_version or max(r[1] for r in rows if r[0] == newest)
        alerts = []
        for origin, version, unit, month, p, draws in rows:
            if origin != newest or version != model:
                continue
            ahead = (month.year - origin.year) * 12 + month.month - origin.month
            if self.horizon is not None and ahead > self.horizon:
                continue
            earlier = [
                r[4]
                for r in rows
                if r[0] < origin and r[1] == version and r[2] == unit and r[3] == month
            ]
            before = earlier[-1] if earlier else None
            if p < self.probability or (before is not None and before >= self.probability):
                continue
            target_month = format_month(month)
            title = (
                f"{self.country}: P(>= {self.fatalities} {self.target} deaths in "
                f"{target_month}) = {p:.0%}, at or above {self.probability:.0%}"
            )
            was = "no earlier forecast" if before is None else f"{before:.0%} before"
            body = (
                f"Forecast made at origin {format_month(origin)} with {version} "
                f"({draws} draws): probability {p:.2f} ({was})."
            )
            evidence = {
                "country": self.country,
                "unit_id": int(unit),
                "target": self.target,
                "month": target_month,
                "origin": format_month(origin),
                "model_version": version,
                "probability": round(float(p), 4),
                "previous_probability": None if before is None else round(before, 4),
                "fatalities": self.fatalities,
                "level": self.probability,
                "draws": int(draws),
            }
            alerts.append(
                self._make(
                    f"{unit}:{self.target}:{target_month}:{format_month(origin)}",
                    title,
                    body,
                    evidence,
                )
            )
        return alerts


_INDICATOR_ALIASES = {
    "deadliness": "best_total",
    "danger_events": "events_os",
    "danger_best": "best_os",
    "civilian_deaths": "deaths_civilians",
}


class ZScoreRule(PanelRule):
    """An indicator jumps: its newest value is ``z`` standard deviations from the mean of
    its ``baseline_months`` months before.

    ``indicator`` is a panel column (``best_total``, ``events_os``, ``events_jihadist``,
    ``best_total_r3``, ...) or an indicator of :mod:`sahelwatch.indicators` computed from the
    panel (``deadliness``, ``danger_events``, ``danger_best``, ``civilian_deaths``,
    ``fatalities_per_event``). Only known months count, and at least ``min_baseline`` are
    needed; the standard deviation is floored at ``min_sd`` so a flat series does not make
    every change infinite.
    """

    kind: Literal["zscore"] = "zscore"
    indicator: str = "best_total"
    country: str = "MLI"
    level: Literal["country", "admin1", "admin2", "cell"] = "country"
    baseline_months: int = 12
    min_baseline: int = 3
    z: float = Field(default=2.0, gt=0)
    min_sd: float = Field(default=1.0, gt=0)
    direction: Literal["up", "down", "both"] = "up"
    family: str = "ucdp"

    @model_validator(mode="after")
    def _enough_baseline(self) -> Self:
        if self.min_baseline < 2 or self.baseline_months < self.min_baseline:
            raise ValueError("need 2 <= min_baseline <= baseline_months")
        return self

    def months_back(self) -> int:
        return self.baseline_months

    def evaluate_panel(
        self, store: Store, newest: date, first: date, panel: pd.DataFrame
    ) -> list[Alert]:
        import numpy as np

        from sahelwatch.indicators import deadliness

        column = _INDICATOR_ALIASES.get(self.indicator, self.indicator)
        if column == "fatalities_per_event":
            panel = panel.merge(
                deadliness(panel)[["unit_id", "month", column]], on=["unit_id", "month"]
            )
        if column not in panel.columns:
            raise ConfigError(
                f"alert rule {self.name}: unknown indicator '{self.indicator}'; use a panel "
                f"column or one of {', '.join([*_INDICATOR_ALIASES, 'fatalities_per_event'])}."
            )
        now_key = np.datetime64(newest, "s")
        alerts = []
        for unit, rows in panel.groupby("unit_id", sort=True):
            current = rows.loc[rows["month"] == now_key, column]
            if current.empty or np.isnan(float(current.iloc[0])):
                continue
            value = float(current.iloc[0])
            base = rows.loc[rows["month"] < now_key, column].dropna().astype(float)
            if len(base) < self.min_baseline:
                continue
            mean, sd = float(base.mean()), max(float(base.std(ddof=1)), self.min_sd)
            score = (value - mean) / sd
            fires = {"up": score >= self.z, "down": score <= -self.z, "both": abs(score) >= self.z}[
                self.direction
            ]
            if not fires:
                continue
            name = str(rows["unit_name"].iloc[0])
            month = format_month(newest)
            title = (
                f"{name}: {self.indicator} = {value:g} in {month}, z = {score:+.1f} "
                f"against {len(base)} months (mean {mean:.1f})"
            )
            body = (
                f"{self.indicator} in {name} ({self.level} {unit}) was {value:g} in {month}; "
                f"the {len(base)} known months before averaged {mean:.2f} (sd {sd:.2f}), "
                f"so z = {score:+.2f} (rule: {self.direction} {self.z:g})."
            )
            evidence = {
                "unit_id": str(unit),
                "unit_name": name,
                "level": self.level,
                "indicator": self.indicator,
                "month": month,
                "value": value,
                "baseline_mean": round(mean, 4),
                "baseline_sd": round(sd, 4),
                "baseline_months": len(base),
                "z": round(score, 3),
            }
            alerts.append(self._make(f"{unit}:{month}", title, body, evidence))
        return alerts


class StaleRule(Rule):
    """A source goes stale: nothing new for longer than ``max_age``.

    ``source`` is a ``[[sources]]`` name (for ``measure = "load"``: its last load; ``"poll"``:
    its last successful poll) or a store source such as ``ucdp_candidate`` or ``acled``
    (``"load"``: the last release loaded; ``"data"``: the newest event date). One alert per
    stale spell: a new load ends the spell.
    """

    kind: Literal["stale"] = "stale"
    source: str = "ucdp_candidate"
    measure: Literal["load", "poll", "data"] = "load"
    max_age: Duration = 45 * 86400.0

    def evaluate(self, ctx: EvalContext) -> list[Alert]:
        from sahelwatch.connectors.state import last_runs

        store = ctx.store
        last: datetime | None = None
        runs = last_runs(store).get(self.source)
        if runs is not None and self.measure in ("load", "poll"):
            last = runs["last_load" if self.measure == "load" else "last_success"]
        elif self.measure == "load":
            row = store.con.execute(
                "SELECT max(l.finished_at) FROM ingest_log l JOIN releases r USING (release_id) "
                "WHERE r.source = ?",
                [self.source],
            ).fetchone()
            last = row[0] if row else None
        elif self.measure == "data":
            row = store.con.execute(
                f"SELECT max(date_end) FROM ({store.current_sql()}) WHERE source = ?",
                [self.source],
            ).fetchone()
            if row and row[0] is not None:
                last = datetime.combine(row[0], datetime.min.time())
        if last is None:
            return []
        if last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        age = (ctx.now - last).total_seconds()
        if age <= self.max_age:
            return []
        days = age / 86400
        what = {"load": "loaded nothing new", "poll": "not been reached", "data": "no event newer"}[
            self.measure
        ]
        title = f"{self.source} is stale: {what} for {days:.0f} days"
        body = (
            f"The {self.measure} time of {self.source} is {iso_time(last)}, {days:.1f} days ago, "
            f"longer than the allowed {self.max_age / 86400:g} days."
        )
        evidence = {
            "source": self.source,
            "measure": self.measure,
            "last": iso_time(last),
            "age_days": round(days, 2),
            "max_age_days": self.max_age / 86400,
        }
        return [self._make(f"{self.source}:{self.measure}:{iso_time(last)}", title, body, evidence)]


_RULES = (
    ThresholdRule
    | ProximityRule
    | NewActorRule
    | ForecastRule
    | ZScoreRule
    | StaleRule
    | FoodPhaseRule
    | IdpJumpRule
)
#: One ``[[alerts.rules]]`` entry: the rule class its ``kind`` names.
AnyRule = Annotated[_RULES, Field(discriminator="kind")]
#: The rule classes by ``kind``.
RULE_TYPES: dict[str, type[Rule]] = by_kind(_RULES)
