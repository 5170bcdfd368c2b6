"""What the store knows about one country in one month or year: covered or not, the country
figures and their release, and whether located events and actor names exist.

This is what a view says where it cannot show a number: "2024: 1,901 deaths in UCDP GED 25.1
country-month totals; no located events" rather than a 0 on a map.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np

from sahelwatch.gazetteer import SOURCE_NAMES
from sahelwatch.panels.build import build_panel
from sahelwatch.panels.request import request, store_coverage
from sahelwatch.periods import month_range, parse_period
from sahelwatch.store import Store

_TOTALS_SUFFIX = "_cm"
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


@dataclass(frozen=True)
class PeriodStatus:
    """The state of the data for one country and period (a month, a year or a range).

    Attributes
    ----------
    country_gw, country : the country (Gleditsch-Ward code, name).
    period : as asked (``2024``, ``2024-03`` or ``2024-01..2024-06``).
    months : months in the period.
    covered_months : months some release covers (at country level).
    deaths, events : the country figures summed over the covered months (``best_total``,
        ``events_total``); None when no month is covered or the releases carry no such figure.
    releases : the releases the country figures come from (``source:release``), oldest first.
    located_releases : the releases of the located events (the units below the country),
        oldest first; they differ from ``releases`` where newer country-month totals give the
        country figure.
    located_months : covered months whose release carries event locations.
    actor_months : covered months whose release names the actors.
    """

    country_gw: int
    country: str
    period: str
    months: int
    covered_months: int
    deaths: float | None
    events: float | None
    releases: tuple[str, ...]
    located_releases: tuple[str, ...]
    located_months: int
    actor_months: int

    @property
    def covered(self) -> bool:
        """Every month of the period is covered."""
        return self.covered_months == self.months

    @property
    def totals_only(self) -> bool:
        """Some month is covered, but no covered month has located events."""
        return self.covered_months > 0 and self.located_months == 0

    def sentence(self) -> str:
        """One line for a view: ``2024: 1,901 deaths in UCDP GED 25.1 country-month totals;
        no located events``."""
        if self.covered_months == 0:
            return f"{self.period}: no data (no release covers it)"
        figures = []
        if self.deaths is not None:
            figures.append(f"{_number(self.deaths)} deaths")
        if self.events is not None:
            figures.append(f"{_number(self.events)} events")
        text = f"{self.period}: {', '.join(figures) or 'no figures'} in " + " and ".join(
            release_name(r) for r in self.releases
        )
        if self.covered_months < self.months:
            text += f" ({self.covered_months} of {self.months} months; the rest no data)"
        lacking = [
            what
            for what, months in (("located events", self.located_months),
                                 ("actor names", self.actor_months))
            if months == 0
        ]  # fmt: skip
        if lacking:
            text += f"; no {' or '.join(lacking)}"
        others = [release_name(r) for r in self.located_releases if r not in self.releases]
        source = f" from {' and '.join(others)}" if others else ""
        if 0 < self.located_months < self.covered_months:
            text += f"; located events{source} in {self.located_months} of those months"
        elif source:
            text += f"; located events{source}"
        return text


def release_name(release: str) -> str:
    """``ucdp_ged_cm:25.1`` -> ``UCDP GED 25.1 country-month totals``."""
    source, _, name = release.partition(":")
    label = f"{SOURCE_NAMES.get(source, source)} {name}".strip()
    return f"{label} country-month totals" if source.endswith(_TOTALS_SUFFIX) else label


def month_status(
    store: Store,
    country: str | int,
    period: str,
    *,
    family: str = "ucdp",
    as_of: str | None = None,
) -> PeriodStatus:
    """What the store knows about ``country`` in ``period``, from its country panel.

    Parameters
    ----------
    store : the store.
    country : ISO3 code, Gleditsch-Ward number or name.
    period : a year (``2024``), a month (``2024-03``) or months (``2024-01..2024-06``).
    family, as_of : as for :func:`sahelwatch.panels.build_panel`.

    Returns
    -------
    PeriodStatus
        Covered months, the country figures and their releases (the newer of events and
        country-month totals, see :func:`~sahelwatch.panels.build_panel`), and how many
        covered months have located events and actor names; ``.sentence()`` says it in words.

    Examples
    --------
    >>> month_status(store, "MLI", "2024").sentence()  # doctest: +ELLIPSIS
    '2024: 1,901 deaths, 447 events in UCDP GED 25.1 country-month totals; no located events...'
    """
    first, last = _period(period)
    panel = build_panel(store, "country", family=family, countries=[country], start=first,
                        end=last, as_of=as_of)  # fmt: skip
    gw = int(panel["country_gw"].iloc[0])
    req = request(store, "country", family=family, countries=[gw], as_of=as_of)
    cov = store_coverage(store, req)
    low, high = (m.year * 12 + m.month - 1 for m in (first, last))
    cov = cov[cov["mo"].between(low, high)]
    rows = panel[panel["country_gw"] == gw]
    covered = rows[rows["covered"]]
    releases = covered.drop_duplicates("release").sort_values("month")["release"]
    return PeriodStatus(
        country_gw=gw,
        country=str(rows["unit_name"].iloc[0]),
        period=period.strip(),
        months=len(month_range(first, last)),
        covered_months=len(covered),
        deaths=_total(covered["best_total"].to_numpy()),
        events=_total(covered["events_total"].to_numpy()),
        releases=tuple(str(r) for r in releases.dropna()),
        located_releases=tuple(cov["release_located"].dropna().drop_duplicates()),
        located_months=int(covered["covered_located"].sum()),
        actor_months=int(covered["covered_actors"].sum()),
    )


def _period(text: str) -> tuple[date, date]:
    year = _YEAR.match(text)
    if year:
        return date(int(year.group(1)), 1, 1), date(int(year.group(1)), 12, 1)
    return parse_period(text)


def _total(values: np.ndarray) -> float | None:
    known = values[~np.isnan(values)]
    return float(known.sum()) if len(values) and len(known) == len(values) else None


def _number(value: float) -> str:
    value = round(value, 1)  # shares of events over several months can leave fractions
    return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
