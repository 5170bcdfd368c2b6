"""The rules that write a brief's headline judgement from the indicators.

Each rule is a small function of :class:`Signals` (numbers the builder computes from the store)
that returns a :class:`RuleResult`: whether it fired, a sentence with the evidence, and the
threshold it applied, which the brief prints. :func:`headline` combines them, in this order:

1. :func:`rule_no_data` — the month is not covered by any release: no judgement at all.
2. :func:`rule_thin_data` — covered, but without locations or actor names (a country-only
   extract): only totals can be reported, no judgement on territory.
3. The signals, each on its own:

   * :func:`rule_armed_dominance` — armed groups dominate at least ``DOMINANT_SHARE`` of the
     units (cercles) where presence can be told;
   * :func:`rule_initiative` — armed groups initiated at least ``MIN_ATTACKS`` attacks on state or
     foreign forces and more violent events than the state camp;
   * :func:`rule_escalation` — fatalities rose by at least ``ESCALATION_RATIO`` and by at least
     ``ESCALATION_MIN_DEATHS`` against the previous month (or, if that month has no data, the
     same month a year earlier);
   * :func:`rule_capital` — a jihadist event within ``CAPITAL_KM`` of the capital, or the nearest
     one approaching by at least ``CAPITAL_TREND_KM`` km per month;
   * :func:`rule_long_trend` — fatalities per month with data over the last ``RECENT_MONTHS``
     months at least ``ESCALATION_RATIO`` times those of the ``BASE_MONTHS`` before (the trend
     over years, not one month against the previous);
   * :func:`rule_alerts` — a critical alert was raised for the country in the last six months.

4. The verdict: *losing ground* when armed dominance and initiative both fire (*fast* when
   escalation, the capital rule or the long trend fires too); *under pressure* when another
   signal fires; *no sign of losing ground* when none fires.

Thresholds are module constants; ``docs/briefs.md`` explains the choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sahelwatch.words import counted

__all__ = [
    "CAPITAL_KM",
    "CAPITAL_TREND_KM",
    "DOMINANT_SHARE",
    "ESCALATION_MIN_DEATHS",
    "ESCALATION_RATIO",
    "MIN_ATTACKS",
    "MIN_PRESENCE_UNITS",
    "RECENT_MONTHS",
    "Headline",
    "RuleResult",
    "Signals",
    "headline",
    "rule_alerts",
    "rule_armed_dominance",
    "rule_capital",
    "rule_escalation",
    "rule_initiative",
    "rule_long_trend",
    "rule_no_data",
    "rule_thin_data",
]

#: Share of units with a clear presence that must be armed-group-dominant.
DOMINANT_SHARE = 1 / 3
#: Fewest units with a clear presence for the dominance rule to judge at all.
MIN_PRESENCE_UNITS = 3
#: Fewest attacks on state or foreign forces initiated by armed groups in the month.
MIN_ATTACKS = 10
#: Fatalities this month / comparison month at or above which violence is escalating.
ESCALATION_RATIO = 1.25
#: ... and the least absolute rise in fatalities.
ESCALATION_MIN_DEATHS = 20
#: Distance (km) from the capital to the nearest jihadist event that counts as a threat.
CAPITAL_KM = 150.0
#: Approach speed (km per month, trend of the nearest distance) that counts as a threat.
CAPITAL_TREND_KM = 10.0
#: Months of the recent period of the long trend, and of the base period before it.
RECENT_MONTHS = 12
BASE_MONTHS = 36
#: Fewest months with data in each period for the long trend to be judged.
MIN_TREND_MONTHS = 3


@dataclass(frozen=True)
class Signals:
    """What the rules read, for one country and month; ``None`` means no data.

    Attributes
    ----------
    unit : country name.
    month : ``YYYY-MM``.
    covered : some release covers the country-month.
    covered_actors : a release with locations and actor names covers it.
    best_total : fatalities in the month.
    best_previous, best_year_ago : fatalities in the previous month / a year earlier.
    armed_dominant_units, presence_units : units (cercles) that are armed-group-dominant / that
        have a clear presence (state-dominant, contested or armed-group-dominant).
    dominant_names : names of the armed-group-dominant units.
    attacks_on_forces : attacks on state and foreign forces initiated by armed groups.
    armed_initiated, state_initiated : violent events initiated by armed groups / the state camp.
    capital : name of the capital.
    capital_km : distance to the nearest jihadist event.
    capital_trend : slope of that distance, km per month (negative: closer).
    recent_per_month, recent_months : fatalities per month with data over the last
        ``RECENT_MONTHS`` months, and how many of them have data.
    base_per_month, base_months : the same over the ``BASE_MONTHS`` months before.
    alerts : titles of the critical alerts raised for the country in the last six months.
    """

    unit: str
    month: str
    covered: bool
    covered_actors: bool
    best_total: float | None = None
    best_previous: float | None = None
    best_year_ago: float | None = None
    armed_dominant_units: int | None = None
    presence_units: int | None = None
    dominant_names: tuple[str, ...] = ()
    attacks_on_forces: float | None = None
    armed_initiated: float | None = None
    state_initiated: float | None = None
    capital: str | None = None
    capital_km: float | None = None
    capital_trend: float | None = None
    recent_per_month: float | None = None
    recent_months: int = 0
    base_per_month: float | None = None
    base_months: int = 0
    alerts: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one rule: its name, whether it fired, its evidence and its threshold."""

    rule: str
    fired: bool
    evidence: str
    threshold: str
    doc: str = field(default="", compare=False)


def _result(fn: object, fired: bool, evidence: str, threshold: str) -> RuleResult:
    doc = (getattr(fn, "__doc__", "") or "").strip().splitlines()[0]
    return RuleResult(getattr(fn, "__name__", "rule"), fired, evidence, threshold, doc)


def rule_no_data(s: Signals) -> RuleResult:
    """No release covers the country-month: the brief makes no judgement."""
    return _result(
        rule_no_data,
        not s.covered,
        f"No release in the store covers {s.unit} in {s.month}."
        if not s.covered
        else f"{s.unit} is covered in {s.month}.",
        "covered = false",
    )


def rule_thin_data(s: Signals) -> RuleResult:
    """Covered only by a country-level extract: totals, but no places or actors to judge."""
    fired = s.covered and not s.covered_actors
    return _result(
        rule_thin_data,
        fired,
        f"{s.month} is covered only by a release without locations or actor names; "
        "territorial control and initiative cannot be told."
        if fired
        else "Locations and actor names are available.",
        "covered = true and covered_actors = false",
    )


def rule_armed_dominance(s: Signals) -> RuleResult:
    """Armed groups dominate a large share of the units where presence can be told."""
    threshold = (
        f"armed-group-dominant units / units with a clear presence >= {DOMINANT_SHARE:.2f} "
        f"(at least {MIN_PRESENCE_UNITS} units with a clear presence)"
    )
    if s.armed_dominant_units is None or not s.presence_units:
        return _result(rule_armed_dominance, False, "No unit has a clear presence.", threshold)
    share = s.armed_dominant_units / s.presence_units
    fired = s.presence_units >= MIN_PRESENCE_UNITS and share >= DOMINANT_SHARE - 1e-12
    names = ", ".join(s.dominant_names[:6]) + (" ..." if len(s.dominant_names) > 6 else "")
    evidence = (
        f"Armed groups dominate {s.armed_dominant_units} of {s.presence_units} units with a "
        f"clear presence ({share:.0%})" + (f": {names}." if names else ".")
    )
    return _result(rule_armed_dominance, fired, evidence, threshold)


def rule_initiative(s: Signals) -> RuleResult:
    """Armed groups hold the initiative: many attacks on forces, more initiated events."""
    threshold = (
        f"attacks on state/foreign forces >= {MIN_ATTACKS} and armed-group-initiated events "
        "> state-initiated events"
    )
    if s.attacks_on_forces is None or s.armed_initiated is None or s.state_initiated is None:
        return _result(rule_initiative, False, "Initiative cannot be told (no data).", threshold)
    fired = s.attacks_on_forces >= MIN_ATTACKS and s.armed_initiated > s.state_initiated
    evidence = (
        f"{counted(s.attacks_on_forces, 'attack')} on state or foreign forces by armed groups; "
        f"{counted(s.armed_initiated, 'event')} initiated by armed groups against "
        f"{s.state_initiated:.0f} by the state camp."
    )
    return _result(rule_initiative, fired, evidence, threshold)


def rule_escalation(s: Signals) -> RuleResult:
    """Fatalities rose sharply against the previous month (else the same month a year before)."""
    threshold = (
        f"fatalities >= {ESCALATION_RATIO:.2f} x comparison month and at least "
        f"{ESCALATION_MIN_DEATHS} more"
    )
    if s.best_total is None:
        return _result(rule_escalation, False, "No fatality figure for the month.", threshold)
    for label, base in (
        ("the previous month", s.best_previous),
        ("a year earlier", s.best_year_ago),
    ):
        if base is None:
            continue
        rise = s.best_total - base
        fired = s.best_total >= ESCALATION_RATIO * base and rise >= ESCALATION_MIN_DEATHS
        evidence = f"{s.best_total:.0f} fatalities against {base:.0f} {label} ({rise:+.0f})."
        return _result(rule_escalation, fired, evidence, threshold)
    return _result(
        rule_escalation,
        False,
        "Neither the previous month nor the same month a year earlier has data: "
        "no trend can be stated.",
        threshold,
    )


def rule_capital(s: Signals) -> RuleResult:
    """Jihadist violence close to the capital, or approaching it."""
    threshold = (
        f"nearest jihadist event <= {CAPITAL_KM:.0f} km from the capital, or approaching by "
        f">= {CAPITAL_TREND_KM:.0f} km/month"
    )
    if s.capital_km is None:
        return _result(
            rule_capital, False, "No located jihadist event this month (or no data).", threshold
        )
    near = s.capital_km <= CAPITAL_KM
    closing = s.capital_trend is not None and s.capital_trend <= -CAPITAL_TREND_KM
    trend = f"; trend {s.capital_trend:+.0f} km/month" if s.capital_trend is not None else ""
    evidence = f"Nearest jihadist event {s.capital_km:.0f} km from {s.capital}{trend}."
    return _result(rule_capital, near or closing, evidence, threshold)


def rule_long_trend(s: Signals) -> RuleResult:
    """Fatalities over the last year well above the years before (per month with data)."""
    threshold = (
        f"fatalities per month over the last {RECENT_MONTHS} months >= {ESCALATION_RATIO:.2f} x "
        f"those of the {BASE_MONTHS} months before (at least {MIN_TREND_MONTHS} months with "
        "data in each)"
    )
    if (
        s.recent_per_month is None
        or s.base_per_month is None
        or min(s.recent_months, s.base_months) < MIN_TREND_MONTHS
    ):
        return _result(
            rule_long_trend, False,
            f"Too few months with data for a trend over years ({s.recent_months} of the last "
            f"{RECENT_MONTHS}, {s.base_months} of the {BASE_MONTHS} before).", threshold,
        )  # fmt: skip
    fired = s.recent_per_month >= ESCALATION_RATIO * max(s.base_per_month, 1e-9)
    change = (
        f"{s.recent_per_month / s.base_per_month - 1:+.0%}" if s.base_per_month else "from none"
    )
    evidence = (
        f"{s.recent_per_month:,.0f} fatalities a month over the last {RECENT_MONTHS} months "
        f"({s.recent_months} with data) against {s.base_per_month:,.0f} over the "
        f"{BASE_MONTHS} before ({s.base_months} with data): {change}."
    )
    return _result(rule_long_trend, fired, evidence, threshold)


def rule_alerts(s: Signals) -> RuleResult:
    """A critical alert was raised for the country in the last six months."""
    threshold = "at least one critical alert stored for the country in the six months"
    if not s.alerts:
        return _result(rule_alerts, False, "No critical alert was raised.", threshold)
    return _result(rule_alerts, True, "Alert raised: " + "; ".join(s.alerts) + ".", threshold)


@dataclass(frozen=True)
class Headline:
    """The judgement: a verdict, a sentence, the rule that decided it and every rule's result."""

    verdict: str  # no-data | thin-data | losing-ground-fast | losing-ground | pressure | holding
    text: str
    deciding_rule: str
    results: tuple[RuleResult, ...]


def headline(s: Signals) -> Headline:
    """Apply the rules in order and write the judgement (see the module docstring)."""
    no_data = rule_no_data(s)
    if no_data.fired:
        return Headline(
            "no-data",
            f"No judgement for {s.unit} in {s.month}: the store holds no data for this month. "
            "This is missing data, not an absence of violence.",
            no_data.rule,
            (no_data,),
        )
    thin = rule_thin_data(s)
    escalation = rule_escalation(s)
    if thin.fired:
        total = f"{s.best_total:.0f}" if s.best_total is not None else "an unknown number of"
        return Headline(
            "thin-data",
            f"No judgement on territory for {s.unit} in {s.month}: only a country-level extract "
            f"covers the month ({total} fatalities recorded). {escalation.evidence}",
            thin.rule,
            (no_data, thin, escalation, rule_long_trend(s), rule_alerts(s)),
        )
    dominance, initiative, capital = rule_armed_dominance(s), rule_initiative(s), rule_capital(s)
    trend, alerts = rule_long_trend(s), rule_alerts(s)
    signals = (dominance, initiative, escalation, capital, trend, alerts)
    results = (no_data, thin, *signals)
    fired = [r for r in signals if r.fired]
    if dominance.fired and initiative.fired:
        fast = escalation.fired or capital.fired or trend.fired
        verdict = "losing-ground-fast" if fast else "losing-ground"
        speed = " and fast" if fast else ""
        text = (
            f"The state is losing ground{speed} in {s.unit} ({s.month}). {dominance.evidence} "
            f"{initiative.evidence}"
            + "".join(f" {r.evidence}" for r in (escalation, capital, trend, alerts) if r.fired)
        )
        deciding = "rule_armed_dominance + rule_initiative" + (
            " + " + " + ".join(r.rule for r in (escalation, capital, trend) if r.fired)
            if fast
            else ""
        )
        return Headline(verdict, text, deciding, results)
    if fired:
        text = f"The state is under pressure in {s.unit} ({s.month}). " + " ".join(
            r.evidence for r in fired
        )
        return Headline("pressure", text, " + ".join(r.rule for r in fired), results)
    return Headline(
        "holding",
        f"No sign in the data that the state is losing ground in {s.unit} ({s.month}): "
        f"none of the {len(signals)} signals below fired. {trend.evidence}",
        "none",
        results,
    )
