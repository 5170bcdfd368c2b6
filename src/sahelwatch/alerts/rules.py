"""What every alert rule shares (settings, the evaluation context, helpers) and the
evaluation of a set of rules."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Self

from pydantic import model_validator

from sahelwatch.alerts.model import BUILTIN_RULES, MAX_EVIDENCE_EVENTS, Alert, Severity
from sahelwatch.periods import add_months
from sahelwatch.settings import Section
from sahelwatch.store import Store

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("sahelwatch.alerts")


@dataclass
class EvalContext:
    """What rules read while they are evaluated."""

    store: Store
    now: datetime
    rules_state: dict[str, Any] = field(default_factory=dict)

    def prior_evidence(self, rule: str) -> list[dict[str, Any]]:
        """Evidence of the stored alerts of a rule."""
        if not self.store.has_table("alerts"):
            return []
        rows = self.store.con.execute(
            "SELECT evidence FROM alerts WHERE rule = ?", [rule]
        ).fetchall()
        return [json.loads(r[0]) for r in rows]


class Rule(Section):
    """What every rule has: a unique ``name``, its ``kind``, a ``severity`` and ``enabled``.

    A rule is the ``[[alerts.rules]]`` entry of its kind (checked as it is made) and what
    evaluates it."""

    name: str
    kind: str
    severity: Severity = "warning"
    enabled: bool = True

    @model_validator(mode="after")
    def _not_builtin(self) -> Self:
        if self.name in BUILTIN_RULES:
            raise ValueError(f"'{self.name}' is the name of a built-in rule")
        return self

    def evaluate(self, ctx: EvalContext) -> list[Alert]:
        """Alerts this rule raises now (stored or not; :func:`record` drops known keys)."""
        raise NotImplementedError

    def _make(self, key: str, title: str, body: str, evidence: dict[str, Any]) -> Alert:
        return Alert(self.name, f"{self.name}:{key}", self.severity, title, body, evidence)


def newest_month(store: Store, family: str, countries: list[int], located: bool) -> date | None:
    """The newest month a family covers in these countries (with locations when asked)."""
    from sahelwatch import panels

    try:
        cov = panels.coverage(store, family, countries=[str(c) for c in countries])
    except Exception as exc:  # QueryError: the family is not in the store yet
        log.debug("no coverage for %s: %s", family, exc)
        return None
    if located:
        cov = cov[cov["covered_located"]]
    if cov.empty:
        return None
    newest = cov["month"].max()
    return date(newest.year, newest.month, 1)


class PanelRule(Rule):
    """A rule over the recent unit-month panel of one country: :meth:`evaluate` builds it from
    :meth:`months_back` months before the newest month the family covers there (with locations
    below country level) to that month, and hands it to :meth:`evaluate_panel`; nothing fires
    where the family covers nothing."""

    if TYPE_CHECKING:  # each kind declares these settings itself, with its own defaults
        country: str
        level: str
        family: str

    def months_back(self) -> int:
        """How many months before the newest the panel starts."""
        raise NotImplementedError

    def evaluate_panel(
        self, store: Store, newest: date, first: date, panel: pd.DataFrame
    ) -> list[Alert]:
        """Alerts from the panel of months ``first`` .. ``newest``."""
        raise NotImplementedError

    def evaluate(self, ctx: EvalContext) -> list[Alert]:
        from sahelwatch import panels

        store = ctx.store
        located = self.level != "country"
        newest = newest_month(store, self.family, country_gws(store, self.country), located)
        if newest is None:
            return []
        first = add_months(newest, -self.months_back())
        panel = panels.build_panel(
            store,
            self.level,  # type: ignore[arg-type]
            family=self.family,
            countries=[self.country],
            start=first,
            end=newest,
        )
        return self.evaluate_panel(store, newest, first, panel)


def country_gws(store: Store, country: str) -> list[int]:
    from sahelwatch.query import resolve_country

    return resolve_country(store, country)


def as_month(value: Any) -> date:
    import pandas as pd

    stamp = pd.Timestamp(value)
    return date(stamp.year, stamp.month, 1)


def events_evidence(events: pd.DataFrame) -> dict[str, Any]:
    """Event ids (deadliest first) and totals of a frame of events."""
    ordered = events.sort_values(["best", "uid"], ascending=[False, True], na_position="last")
    return {
        "events": len(ordered),
        "fatalities": int(ordered["best"].fillna(0).sum()),
        "event_ids": ordered["uid"].astype(str).head(MAX_EVIDENCE_EVENTS).tolist(),
    }


def violence_types(violence: list[str]) -> list[str]:
    return violence or ["sb", "ns", "os"]


def evaluate(
    store: Store,
    rules: Sequence[Rule],
    *,
    now: datetime | None = None,
    strict: bool = False,
) -> list[Alert]:
    """Evaluate every enabled rule; return the alerts they raise (not yet stored: pass them
    to :func:`record`). A rule that fails is logged and skipped, unless ``strict``."""
    ctx = EvalContext(store, now or datetime.now(UTC))
    out: list[Alert] = []
    for rule in rules:
        if not rule.enabled:
            continue
        try:
            out += rule.evaluate(ctx)
        except Exception as exc:
            if strict:
                raise
            log.error("alert rule %s failed: %s", rule.name, exc, exc_info=True)
    return out
