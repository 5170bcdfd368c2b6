"""Build a situation brief for a country or region and month from the store.

:func:`build` computes everything a brief shows (:class:`Brief`); :func:`render` writes it as
HTML, PDF or Markdown with the Jinja2 templates in ``templates/``; :func:`brief` does both.

Every number comes from the store and carries the query behind it (:class:`Figure`): the
filters, the uids of the events it counts and a link into the API (``/api/events?...``). A month
that no release covers is *no data*, never zero, and comparisons with it say so.

Examples
--------
>>> brief(store, country="MLI", month="2026-02", fmt="md", out=Path("mli.md"))
PosixPath('mli.md')
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from sahelwatch import indicators as ind
from sahelwatch import panels
from sahelwatch.actors import FAMILIES
from sahelwatch.brief import judgement
from sahelwatch.brief.consequences import consequences_section
from sahelwatch.brief.track import track_section
from sahelwatch.errors import QueryError
from sahelwatch.extras import needs
from sahelwatch.forecast.data import newest_covered_month
from sahelwatch.gazetteer import (
    ADMIN2_COUNTRIES,
    CENTRAL_SAHEL,
    EVENT_FAMILIES,
    SAHEL,
    VIOLENCE_LABELS,
)
from sahelwatch.output import write_atomic
from sahelwatch.periods import add_months, format_month, month_range, parse_month
from sahelwatch.query import EventFilter, events
from sahelwatch.store import Store

__all__ = [
    "FORMATS",
    "REGIONS",
    "Brief",
    "Figure",
    "brief",
    "build",
    "compare",
    "render",
]

BriefFormat = Literal["html", "pdf", "md"]
FORMATS: tuple[str, ...] = ("html", "pdf", "md")
#: Named regions and their countries (Gleditsch-Ward codes).
REGIONS: dict[str, tuple[int, ...]] = {"sahel": SAHEL}
#: Sources of the ``ucdp`` event family (what the panels count).
EVENT_SOURCES: list[str] = list(EVENT_FAMILIES["ucdp"])
WINDOW = 6
HORIZONS: tuple[int, ...] = (1, 2, 3, 12)
#: Where evidence links point by default: the API of ``sahelwatch serve`` on this machine.
DEFAULT_BASE_URL = "http://127.0.0.1:8000/"
#: First date of the drivers chart (its markers are numbered).
DRIVERS_FROM = "2010"
# --- figures ---------------------------------------------------------------------------------


@dataclass
class Figure:
    """One number in the brief and the query behind it."""

    key: str
    label: str
    value: float | None
    filters: dict[str, Any]
    uids: list[str] = field(default_factory=list)

    @property
    def link(self) -> str:
        """The API query that lists the events behind the figure."""
        return events_link(self.filters)

    @property
    def text(self) -> str:
        return "no data" if self.value is None else f"{self.value:,.0f}"


def events_link(filters: dict[str, Any]) -> str:
    """The ``/api/events`` query of a figure's ``filters``: every filter it was counted with,
    so that the listing holds exactly its events."""
    names = {"country": "country", "period": "period", "type": "type", "actor": "actor",
             "actor_family": "actor_family", "sources": "source"}  # fmt: skip
    params = {names[k]: filters[k] for k in names if k in filters}
    return "/api/events?" + urlencode(params, doseq=True)


def compare(value: float | None, base: float | None) -> str:
    """The change from ``base`` to ``value`` in words: ``no data`` when either is unknown,
    never a made-up 0% or a percentage of zero."""
    if value is None or base is None:
        return "no data"
    if base == 0:
        return "no change (0)" if value == 0 else f"new: {value:,.0f} from 0"
    change = (value - base) / base
    return f"{change:+.0%} ({value - base:+,.0f})"


@dataclass
class Row:
    """A key-figure row: this month, the previous month and a year earlier."""

    label: str
    now: Figure
    previous: Figure
    year_ago: Figure

    @property
    def vs_previous(self) -> str:
        return compare(self.now.value, self.previous.value)

    @property
    def vs_year(self) -> str:
        return compare(self.now.value, self.year_ago.value)


@dataclass
class Brief:
    """Everything a brief shows. ``figures`` indexes every :class:`Figure` by key."""

    title: str
    scope: str
    iso3s: list[str]
    gws: list[int]
    month: str
    previous: str
    year_ago: str
    covered: bool
    headlines: list[tuple[str, judgement.Headline]]
    rows: list[Row]
    family_rows: list[Row]
    figures: dict[str, Figure]
    actors: list[dict[str, Any]]
    hotspots: list[dict[str, Any]]
    spillover: list[dict[str, Any]]
    capital: list[dict[str, Any]]
    forecast: dict[str, Any]
    evaluation: dict[str, Any]
    drivers: list[dict[str, Any]]
    coverage: dict[str, Any]
    recency: list[str]
    years: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    images: dict[str, bytes]
    image_notes: dict[str, str]
    generated: str
    consequences: dict[str, Any] = field(default_factory=dict)
    track: dict[str, Any] = field(default_factory=dict)


def _records(frame: pd.DataFrame) -> list[Any]:
    """Rows as objects with attribute access (typed loosely, unlike ``itertuples``)."""
    from types import SimpleNamespace

    return [SimpleNamespace(**{str(k): v for k, v in r.items()}) for r in frame.to_dict("records")]


def _country_filter(iso3s: Sequence[str]) -> str:
    return ",".join(iso3s)


def _month_events(store: Store, gws: Sequence[int], month: date) -> pd.DataFrame:
    flt = EventFilter(
        countries=[str(g) for g in gws], start=month, end=month, sources=EVENT_SOURCES
    )
    return events(store, flt)


def _value(frame: pd.DataFrame, column: str) -> float | None:
    """Sum of a panel column over the covered rows; None when none is known."""
    if column not in frame or frame[column].notna().sum() == 0:
        return None
    return float(frame[column].sum(min_count=1))


def _figures_for(
    key: str,
    label: str,
    panel_rows: pd.DataFrame,
    column: str,
    ev: pd.DataFrame,
    mask: pd.Series | None,
    filters: dict[str, Any],
) -> Figure:
    uids = ev.loc[mask, "uid"].tolist() if mask is not None else ev["uid"].tolist()
    value = _value(panel_rows, column)
    return Figure(key, label, value, filters, uids if value is not None else [])


# --- the build ---------------------------------------------------------------------------


def _resolve_scope(
    store: Store, country: str | None, region: str | None
) -> tuple[str, list[int], list[str], dict[int, str]]:
    from sahelwatch.query import resolve_country

    if (country is None) == (region is None):
        raise QueryError("give either a country or a region, not both and not neither.")
    rows = store.con.execute("SELECT gw, iso3, name FROM countries").fetchall()
    iso = {int(g): str(i) for g, i, _ in rows}
    names = {int(g): str(n) for g, _, n in rows}
    if region is not None:
        key = region.lower()
        if key not in REGIONS:
            raise QueryError(f"unknown region '{region}'; use one of {', '.join(REGIONS)}.")
        gws = list(REGIONS[key])
        scope = key.capitalize()
    else:
        assert country is not None
        gws = resolve_country(store, country)[:1]
        scope = names.get(gws[0], country)
    return scope, gws, [iso.get(g, str(g)) for g in gws], names


def build(
    store: Store,
    *,
    country: str | None = None,
    region: str | None = None,
    month: str | None = None,
    forecast: Literal["auto", "stored", "none"] = "auto",
    n_draws: int = 200,
    seed: int = 0,
    figures: bool = True,
) -> Brief:
    """Compute a brief for one country (ISO3, number or name) or region and month.

    Parameters
    ----------
    month : ``YYYY-MM``; by default the newest month any release covers.
    forecast : ``stored`` reads a forecast of origin ``month`` from the ``forecasts`` table;
        ``auto`` does that and else computes one (``n_draws`` draws, horizons 1, 2, 3 and 12,
        target ``total``; about 15 s); ``none`` leaves the forecast out.
    figures : draw the maps and charts (False is faster, for tests of the numbers).
    """
    scope, gws, iso3s, names = _resolve_scope(store, country, region)
    target = parse_month(month) if month else newest_covered_month(store)
    prev, year = add_months(target, -1), add_months(target, -12)
    country_q = _country_filter(iso3s)
    base_f = {"country": country_q, "sources": EVENT_SOURCES}
    panel = panels.build_panel(store, "country", countries=gws, start=year, end=target)
    per_month = {m: panel[panel["month"] == np.datetime64(m, "s")] for m in (target, prev, year)}
    covered_rows = per_month[target]
    covered = bool(covered_rows["covered"].any())
    ev = {m: _month_events(store, gws, m) for m in (target, prev, year)}

    rows: list[Row] = []
    family_rows: list[Row] = []
    figs: dict[str, Figure] = {}
    labels = [("total", "all types", None)] + [(t, VIOLENCE_LABELS[t], t) for t in VIOLENCE_LABELS]
    slots = (("now", target), ("previous", prev), ("year_ago", year))
    for measure, what in (("best", "fatalities"), ("events", "events")):
        for code, label, vtype in labels:
            cells = {}
            for slot, m in slots:
                frame = ev[m]
                mask = frame["violence_type"] == vtype if vtype else None
                filters = {**base_f, "period": format_month(m)} | ({"type": vtype} if vtype else {})
                fig = _figures_for(
                    f"{measure}_{code}_{slot}", f"{what}, {label}, {format_month(m)}",
                    per_month[m], f"{measure}_{code}", frame, mask, filters,
                )  # fmt: skip
                figs[fig.key] = fig
                cells[slot] = fig
            rows.append(Row(f"{what.capitalize()}, {label}", **cells))
    for fam in FAMILIES:
        cells = {}
        for slot, m in slots:
            frame = ev[m]
            fam_mask = panels.event_families(frame)[fam].to_numpy() if len(frame) else None
            filters = {**base_f, "period": format_month(m), "actor_family": fam}
            fig = _figures_for(
                f"events_{fam}_{slot}", f"events with {fam} on a side, {format_month(m)}",
                per_month[m], f"events_{fam}", frame,
                pd.Series(fam_mask, index=frame.index) if fam_mask is not None else None, filters,
            )  # fmt: skip
            figs[fig.key] = fig
            cells[slot] = fig
        family_rows.append(Row(f"Events with {fam.replace('_', ' ')} on a side", **cells))

    start6 = add_months(target, 1 - WINDOW)
    neighbours = panels.admin_neighbours("country")
    region_gws = sorted(
        set(gws) | set(neighbours.loc[neighbours["unit_id"].isin(gws), "neighbour"].astype(int))
    )
    cov = panels.coverage(store, "ucdp")
    region_events = panels.placed_events(
        store, "country", countries=region_gws, start=start6, end=target
    )
    threat = ind.capital_threat(region_events, cov, window=WINDOW)
    threat = threat[threat["month"] == np.datetime64(target, "s")]
    six = panels.build_panel(store, "country", countries=gws, start=start6, end=target)
    ev6 = region_events[region_events["country_gw"].isin(gws)]
    attacks = ind.attacks_on_forces(ev6, six)
    attacks = attacks[attacks["month"] == np.datetime64(target, "s")]

    presence_frames = []
    a2 = [g for g in gws if g in ADMIN2_COUNTRIES]
    if a2:
        p2 = panels.build_panel(store, "admin2", countries=a2, start=start6, end=target)
        e2 = panels.placed_events(store, "admin2", countries=a2, start=start6, end=target)
        pres = ind.armed_presence(e2, p2, window=WINDOW)
        pres = pres.merge(
            p2[["unit_id", "month", "unit_name", "country_gw"]], on=["unit_id", "month"]
        )
        presence = pres[pres["month"] == np.datetime64(target, "s")]
        presence_frames.append(presence)
        month_e2 = e2[e2["month"] == np.datetime64(target, "s")]
    else:
        presence = pd.DataFrame(columns=[  # the columns of armed_presence, with no unit
            "unit_id", "month", "presence", "state_initiated_w", "armed_initiated_w",
            "armed_share_w", "months_covered_w", "evidence", "unit_name", "country_gw"])
        month_e2 = pd.DataFrame(columns=["unit_id", "uid", "best"])

    from sahelwatch.brief.figures import monthly_fatalities

    history = {
        gw: monthly_fatalities(
            store,
            [gw],
            target,
            add_months(target, 1 - judgement.RECENT_MONTHS - judgement.BASE_MONTHS),
        )["total"]
        for gw in gws
    }
    raised = _alerts(store, gws, iso3s, names, start6, target)
    headlines: list[tuple[str, judgement.Headline]] = []
    capital_rows: list[dict[str, Any]] = []
    for gw in gws:
        recent = history[gw].iloc[-judgement.RECENT_MONTHS :].dropna()
        base = history[gw].iloc[: -judgement.RECENT_MONTHS].dropna()
        critical = tuple(
            a["title"] for a in raised if gw in a["countries"] and a["severity"] == "critical"
        )
        row = {m: per_month[m][per_month[m]["unit_id"] == gw] for m in (target, prev, year)}
        now = row[target]
        cov_now = bool(now["covered"].any())
        cov_act = bool(now["covered_actors"].any())
        pr = presence[presence["country_gw"] == gw] if len(presence) else presence
        clear = pr[pr["presence"].isin(["state-dominant", "contested", "armed-group-dominant"])]
        dom = clear[clear["presence"] == "armed-group-dominant"].sort_values(
            "armed_initiated_w", ascending=False
        )
        at = attacks[attacks["unit_id"] == gw]
        th = threat[threat["country_gw"] == gw].sort_values("nearest_km")
        cap_km = (
            float(th["nearest_km"].iloc[0])
            if len(th) and pd.notna(th["nearest_km"].iloc[0])
            else None
        )
        cap_tr = (
            float(th["trend_km_per_month"].iloc[0])
            if len(th) and pd.notna(th["trend_km_per_month"].iloc[0]) else None
        )  # fmt: skip

        def num(frame: pd.DataFrame, column: str) -> float | None:
            return _value(frame, column) if len(frame) else None

        sig = judgement.Signals(
            unit=names.get(gw, str(gw)),
            month=format_month(target),
            covered=cov_now,
            covered_actors=cov_act,
            best_total=num(now, "best_total"),
            best_previous=num(row[prev], "best_total"),
            best_year_ago=num(row[year], "best_total"),
            armed_dominant_units=len(dom) if gw in ADMIN2_COUNTRIES and cov_act else None,
            presence_units=len(clear) if gw in ADMIN2_COUNTRIES and cov_act else None,
            dominant_names=tuple(dom["unit_name"].astype(str)),
            attacks_on_forces=(
                float(at["attacks_on_state"].iloc[0] + at["attacks_on_foreign"].iloc[0])
                if len(at) and pd.notna(at["attacks_on_state"].iloc[0])
                else None
            ),
            armed_initiated=num(at, "armed_initiated"),
            state_initiated=num(at, "state_initiated"),
            capital=str(th["capital"].iloc[0]) if len(th) else None,
            capital_km=cap_km,
            capital_trend=cap_tr,
            recent_per_month=float(recent.mean()) if len(recent) else None,
            recent_months=len(recent),
            base_per_month=float(base.mean()) if len(base) else None,
            base_months=len(base),
            alerts=critical,
        )
        headlines.append((names.get(gw, str(gw)), judgement.headline(sig)))
        for t in _records(th):
            if not t.covered:
                capital_rows.append({"capital": t.capital, "iso3": t.iso3, "covered": False})
                continue
            capital_rows.append(
                {
                    "capital": t.capital, "iso3": t.iso3, "covered": True,
                    "nearest_km": None if pd.isna(t.nearest_km) else float(t.nearest_km),
                    "nearest_uid": t.nearest_uid if isinstance(t.nearest_uid, str) else None,
                    "within_100": int(t.events_within_100km),
                    "within_250": int(t.events_within_250km),
                    "trend": None if pd.isna(t.trend_km_per_month) else float(t.trend_km_per_month),
                }
            )  # fmt: skip
    if region is not None and len(gws) > 1:
        active = [(n, h) for n, h in headlines if h.verdict not in ("no-data",)]
        headlines = active or headlines[:1]

    actors = _actors(ev[target])
    for a in actors:
        a["link"] = events_link({"country": country_q, "period": format_month(target),
                                 "actor": a["actor"], "sources": EVENT_SOURCES})  # fmt: skip
    hotspots = _hotspots(month_e2, presence)
    spill = _spillover(store, gws, iso3s, target, cov)
    fc = _forecast(store, gws, target, covered, forecast, n_draws, seed)
    for r in fc["rows"]:
        r["country"] = names.get(r["unit_id"], str(r["unit_id"]))
    drivers = load_drivers(iso3s)
    coverage = _coverage(store, gws, target, ev[target], covered)
    for h in (target, prev, year):
        if not bool(per_month[h]["covered"].any()):
            coverage["missing"].append(format_month(h))
    images: dict[str, bytes] = {}
    notes: dict[str, str] = {}
    if figures:
        from sahelwatch.brief import figures as figmod

        images, notes = figmod.draw_all(
            store, gws, iso3s, target, ev[target], presence, fc, drivers,
            coverage["events"] is not None,
        )  # fmt: skip
    recency = _recency(store, gws, target, coverage)
    title = f"Situation brief: {scope}, {format_month(target)}"
    return Brief(
        title=title, scope=scope, iso3s=iso3s, gws=gws, month=format_month(target),
        previous=format_month(prev), year_ago=format_month(year), covered=covered,
        headlines=headlines, rows=rows, family_rows=family_rows, figures=figs, actors=actors,
        hotspots=hotspots, spillover=spill, capital=capital_rows, forecast=fc,
        evaluation=_evaluation(store), drivers=drivers, coverage=coverage, recency=recency,
        years=_years(store, gws, target), alerts=raised, images=images,
        image_notes=notes, generated=date.today().isoformat(),
        consequences=consequences_section(store, iso3s, target),
        track=track_section(store, gws, names),
    )  # fmt: skip


def _recency(store: Store, gws: Sequence[int], target: date, coverage: dict[str, Any]) -> list[str]:
    """How recent the data are and what is missing, in words, for the headline."""
    newest = newest_covered_month(store)
    states = panels.month_states(store, list(gws), add_months(target, -47), target)
    now = states.iloc[-1]
    releases = ", ".join(
        f"{r['source']} {r['release']}" + (" (preliminary)" if r["preliminary"] else "")
        for r in coverage["releases"]
    )
    if releases:
        have = f"{coverage['events']} events from {releases}"
    elif now["countries_covered"]:  # covered, and the releases record no event
        have = "0 events (the month's event release covers it and records none)"
    elif now["countries_totals"]:
        have = "only country-month totals"
        if pd.notna(now["totals_best"]):
            have += f" ({now['totals_best']:,.0f} deaths)"
        have += "; no located events"
    else:
        have = "none (no release covers the month)"
    newest_text = (
        f"The store's newest month is {format_month(newest)}."
        if newest != target
        else "It is the newest month in the store."
    )
    lines = [f"Data for {format_month(target)}: {have}. {newest_text}"]
    missing = panels.describe_months(states, panels.status_sentence(store, list(gws)))
    if missing:
        lines.append("Missing or thin in the four years to this month: " + "; ".join(missing) + ".")
    return lines


def _years(
    store: Store, gws: Sequence[int], target: date, first: int = 2012
) -> list[dict[str, Any]]:
    """Per calendar year since ``first``: fatalities with the months that have data (``note``
    for a year with fewer than 12: how many no release covers, how many come after ``target``)
    and, for one country, the nearest located jihadist event to its capital (None: no located
    data)."""
    from sahelwatch.brief.figures import monthly_fatalities

    frame = monthly_fatalities(store, list(gws), target, date(first, 1, 1))["total"]
    capital = (
        ind.capital_years(store, gws[0], date(first, 1, 1), target).set_index("year")
        if len(gws) == 1
        else None
    )
    out = []
    for year, values in frame.groupby(pd.DatetimeIndex(frame.index).year):
        known = values.dropna()
        missing, later = len(values) - len(known), 12 - len(values)
        parts = [f"{missing} no data"] if missing else []
        parts += [f"{later} after {format_month(target)}"] if later else []
        row: dict[str, Any] = {
            "year": int(year), "fatalities": float(known.sum()) if len(known) else None,
            "months": len(known), "capital": None, "capital_km": None,
            "note": f"{len(known)} of 12 months; {', '.join(parts)}" if parts else None,
        }  # fmt: skip
        if capital is not None and int(year) in capital.index:
            c = capital.loc[int(year)]
            row["capital"] = str(c["capital"])
            row["capital_km"] = None if pd.isna(c["nearest_km"]) else float(c["nearest_km"])
        out.append(row)
    return out


def _alerts(
    store: Store, gws: Sequence[int], iso3s: Sequence[str], names: dict[int, str], start: date,
    end: date,
) -> list[dict[str, Any]]:  # fmt: skip
    """Stored alerts about the brief's countries whose events or month fall from ``start`` to
    ``end`` (e.g. clashes near the capital), newest first."""
    from sahelwatch.alerts import list_alerts

    capitals = {names.get(g, "") for g in gws}
    period = (format_month(start), format_month(end))
    out = []
    for alert in list_alerts(store, limit=None):
        ev = alert.evidence
        uids = [str(u) for u in ev.get("event_ids", [])]
        countries: set[int] = set()
        if uids:
            countries = {
                int(g)
                for (g,) in store.con.execute(
                    f"SELECT DISTINCT country_gw FROM ({store.current_sql()}) "
                    "WHERE list_contains($uids, uid)",
                    {"uids": uids},
                ).fetchall()
            }
        elif ev.get("country") in iso3s or ev.get("unit_id") in gws:
            countries = {g for g, i in zip(gws, iso3s, strict=True) if i == ev.get("country")}
            countries |= {int(ev["unit_id"])} if ev.get("unit_id") in gws else set()
        months = str(ev.get("dates") or ev.get("month") or "")[:7]
        if not countries & set(gws) or not months or not period[0] <= months <= period[1]:
            continue
        out.append(
            {"title": alert.title, "severity": alert.severity, "rule": alert.rule,
             "body": alert.body, "fired_at": alert.fired_at, "uids": uids,
             "countries": sorted(countries), "capital": ev.get("place") in capitals}
        )  # fmt: skip
    return out


def _actors(ev: pd.DataFrame, top: int = 8) -> list[dict[str, Any]]:
    """The most active actors of the month: events on either side and their fatalities."""
    if ev.empty:
        return []
    parts = []
    for side in ("side_a", "side_b"):
        names = panels.side_actors(ev[side])
        frame = pd.DataFrame({"uid": ev["uid"], "best": ev["best"], "actor": names}).explode(
            "actor"
        )
        parts.append(frame.dropna(subset=["actor"]))
    both = pd.concat(parts).drop_duplicates(["uid", "actor"])
    if both.empty:
        return []
    grouped = both.groupby("actor").agg(
        events=("uid", "size"), best=("best", "sum"), uids=("uid", list)
    )
    grouped = grouped.sort_values(["events", "best"], ascending=False).head(top)
    return [
        {"actor": a, "events": int(r.events), "best": int(r.best), "uids": sorted(r.uids)}
        for a, r in grouped.iterrows()
    ]


def _hotspots(month_e2: pd.DataFrame, presence: pd.DataFrame, top: int = 8) -> list[dict[str, Any]]:
    """Units (cercles) with the most fatalities in the month."""
    placed = month_e2[month_e2["unit_id"].notna()] if len(month_e2) else month_e2
    if placed.empty:
        return []
    grouped = placed.groupby("unit_id").agg(
        events=("uid", "size"), best=("best", "sum"), uids=("uid", list)
    )
    grouped = grouped.sort_values(["best", "events"], ascending=False).head(top)
    info = presence.drop_duplicates("unit_id").set_index("unit_id")
    out = []
    for unit, r in grouped.iterrows():
        name = info["unit_name"].get(unit, unit) if len(info) else unit
        pres = info["presence"].get(unit) if len(info) else None
        out.append(
            {"unit": str(name), "unit_id": str(unit), "events": int(r.events),
             "best": int(r.best), "presence": pres or "unknown", "uids": sorted(r.uids)}
        )  # fmt: skip
    return out


def _spillover(
    store: Store, gws: Sequence[int], iso3s: Sequence[str], target: date, cov: pd.DataFrame
) -> list[dict[str, Any]]:
    """Violence within 50 km of the Mali-Burkina Faso-Niger borders in the month."""
    if not set(gws) & set(CENTRAL_SAHEL):
        return []
    start = add_months(target, 1 - WINDOW)
    ev = panels.placed_events(
        store, "country", countries=list(CENTRAL_SAHEL), start=start, end=target
    )
    frame = ind.spillover(ev, cov, countries=CENTRAL_SAHEL, window=WINDOW)
    frame = frame[frame["month"] == np.datetime64(target, "s")]
    out = []
    for r in _records(frame):
        if not set(str(r.border).split("-")) & set(iso3s):
            continue
        out.append(
            {"border": r.border, "covered": bool(r.covered),
             "events_a": None if pd.isna(r.events_a) else int(r.events_a),
             "best_a": None if pd.isna(r.best_a) else int(r.best_a),
             "events_b": None if pd.isna(r.events_b) else int(r.events_b),
             "best_b": None if pd.isna(r.best_b) else int(r.best_b),
             "comovement": None if pd.isna(r.comovement) else float(r.comovement)}
        )  # fmt: skip
    return out


MODEL_NAMES = {
    "blend": "model (blend of the ratio model and conflictology)",
    "ratio": "ratio model alone",
    "lgbm": "LightGBM model (lgbm-direct-1)",
    "conflictology": "conflictology (last 12 months)",
    "last_historical": "last historical (Poisson)",
    "bootstrap": "bootstrap (240 months)",
    "zero": "exactly zero",
}


EVALUATED_TARGETS = ("sb", "total")
"""The kept country-level evaluations a brief shows: the VIEWS challenge's state-based target
and the rolling record of total fatalities (the target of the brief's forecast)."""


def _evaluation(store: Store) -> dict[str, Any]:
    """How the model scored against the benchmarks: per target of :data:`EVALUATED_TARGETS`,
    the newest country-level evaluation kept in the store (``sahelwatch evaluate --save``)
    with a caption naming the target and windows (``tables``), else a note saying there is
    none."""
    from sahelwatch.forecast import load_evaluation

    tables = [
        _evaluation_table(scores, target)
        for target in EVALUATED_TARGETS
        if not (scores := load_evaluation(store, "country", target)).empty
    ]
    note = (
        ""
        if tables
        else (
            "No evaluation is stored in this store. Run 'sahelwatch evaluate --out DIR --save' "
            "to score the model against the benchmarks here; docs/forecasting.md reports the "
            "published evaluation."
        )
    )
    return {"tables": tables, "note": note}


def _evaluation_table(scores: pd.DataFrame, target: str) -> dict[str, Any]:
    """One kept evaluation (rows best CRPS first) as a table with a caption and a verdict."""
    from sahelwatch.forecast.backtest import CHALLENGE_WINDOWS
    from sahelwatch.forecast.models import DEFAULT_MODEL, MODEL_VERSIONS

    first = scores.iloc[0]
    what = f"{VIOLENCE_LABELS[target]} fatalities" if target in VIOLENCE_LABELS else (
        "fatalities of all types"
    )  # fmt: skip
    names = [w.strip() for w in str(first.windows).split(",")]
    span = f"{names[0]}..{names[-1]}" if len(names) > 2 else ", ".join(names)
    if set(names) <= {w.name for w in CHALLENGE_WINDOWS}:
        windows = f"VIEWS challenge windows {span}"
    else:
        windows = f"{len(names)} rolling windows, origins {span}"
    columns = scores[["model", "crps", "ign", "mis90"]].itertuples(index=False, name=None)
    rows = [(MODEL_NAMES.get(m, m), crps, ign, mis90) for m, crps, ign, mis90 in columns]
    mine = scores[scores["model"] == DEFAULT_MODEL]
    benchmarks = scores[~scores["model"].isin(list(MODEL_VERSIONS))]
    if mine.empty or benchmarks.empty:
        note = f"The stored evaluation of {what} does not compare the model with a benchmark."
    else:
        model_crps, best = float(mine["crps"].iloc[0]), benchmarks.iloc[0]
        name = MODEL_NAMES.get(best.model, best.model)
        if model_crps <= best.crps:
            note = f"On {what} the model has the lowest mean CRPS, ahead of {name}."
        else:
            note = (
                f"On {what} the model is behind {name} on mean CRPS "
                f"({model_crps:.2f} against {best.crps:.2f})."
            )
    return {
        "caption": (
            f"{what} (target {target}), country level, every country scored: "
            f"{windows}; evaluation of {first.created_at:%Y-%m-%d}, {first.n_draws} draws, "
            f"seed {first.seed}"
        ),
        "rows": rows,
        "note": note,
    }


def _stored_forecast(
    store: Store, target: date, model_version: str, gws: Sequence[int]
) -> pd.DataFrame | None:
    """The stored samples of target ``total`` for the brief's countries and horizons."""
    if not store.has_table("forecasts"):
        return None
    months = [add_months(target, h) for h in HORIZONS]
    frame = store.con.execute(
        "SELECT level, unit_id, strftime(month, '%Y-%m') AS month, target, draw, value "
        "FROM forecasts WHERE origin = ? AND model_version = ? AND level = 'country' "
        "AND target = 'total' AND list_contains(?, unit_id) AND list_contains(?, month) "
        "ORDER BY unit_id, month, draw",
        [target, model_version, list(gws), months],
    ).df()
    return frame if len(frame) else None


def _forecast(
    store: Store, gws: Sequence[int], target: date, covered: bool, mode: str, n_draws: int,
    seed: int,
) -> dict[str, Any]:  # fmt: skip
    """Forecast summary for the next months: stored if there is one, else computed."""
    from sahelwatch.forecast import MODEL_VERSION, summarize
    from sahelwatch.forecast import forecast as run_forecast

    out: dict[str, Any] = {
        "available": False,
        "rows": [],
        "risk": {},
        "origin": format_month(target),
    }
    if mode == "none":
        out["note"] = "The forecast was left out of this brief (forecast='none')."
        return out
    if not covered:
        out["note"] = (
            f"No forecast: {format_month(target)} has no data, so it cannot be a forecast origin."
        )
        return out
    frame = _stored_forecast(store, target, MODEL_VERSION, gws)
    how = f"stored forecast ({MODEL_VERSION}, origin {format_month(target)})"
    if frame is None and mode == "auto":
        frame = run_forecast(
            store, origin=target, horizons=list(HORIZONS), n_draws=n_draws, seed=seed,
            targets=["total"], workers=1,
        )  # fmt: skip
        how = (
            f"computed for this brief: {MODEL_VERSION}, origin {format_month(target)}, "
            f"{n_draws} draws, seed {seed}, target total"
        )
    if frame is None:
        out["note"] = "No stored forecast for this origin; run 'sahelwatch forecast' first."
        return out
    table = summarize(frame)
    table = table[table["target"] == "total"]
    months = {format_month(add_months(target, h)): h for h in HORIZONS}
    table = table[table["month"].isin(months)]
    for r in _records(table[table["unit_id"].isin(gws)].sort_values(["unit_id", "month"])):
        out["rows"].append(
            {"unit_id": int(r.unit_id), "month": r.month, "horizon": months[r.month],
             "q05": r.q05, "q25": r.q25, "q50": r.q50, "q75": r.q75, "q95": r.q95,
             "p1": r.p_ge_1, "p25": r.p_ge_25, "p100": r.p_ge_100}
        )  # fmt: skip
    near = table[table["month"].map(months) <= 3]
    out["risk"] = near.groupby("unit_id")["p_ge_25"].mean().astype(float).to_dict()
    out["available"] = bool(out["rows"])
    out["how"] = how
    out["note"] = (
        f"Country-level forecast of UCDP fatalities (all types). {_finer_forecasts(store)} "
        "Quantiles and probabilities come from the draws; the mean is not shown because rare "
        "very large draws dominate it."
    )
    return out


def _finer_forecasts(store: Store) -> str:
    """What the store holds below country level, read from its runs, and where it is shown.

    >>> from sahelwatch.store import Store
    >>> with Store(":memory:") as store:
    ...     _finer_forecasts(store).split(" (")[0]
    'The store holds no forecast below country level'
    """
    from sahelwatch.forecast.report import UNIT_LEVELS
    from sahelwatch.forecast.stored import forecast_runs

    runs = forecast_runs(store)
    finer = runs[runs["level"].isin(list(UNIT_LEVELS)) & ~runs["benchmark"].astype(bool)]
    if finer.empty:
        return (
            "The store holds no forecast below country level "
            "('sahelwatch forecast --level admin2' makes one)."
        )
    levels = [level for level in UNIT_LEVELS if level in set(finer["level"])]
    names = [UNIT_LEVELS[lv] + (" (cercles in Mali)" if lv == "admin2" else "") for lv in levels]
    models = ", ".join(sorted(set(finer["model_version"])))
    return (
        f"The store also holds forecasts of {_either(names, 'and')} (model {models}, newest "
        f"origin {finer['origin'].max()}): the dashboard map's forecast layer shows them and "
        f"/api/forecasts serves them (level={_either(levels, 'or')})."
    )


def _either(words: Sequence[str], conjunction: str) -> str:
    """``a, b and c`` (or ``or``).

    >>> _either(["admin1", "admin2", "grid"], "or"), _either(["admin2"], "and")
    ('admin1, admin2 or grid', 'admin2')
    """
    return f" {conjunction} ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)


def load_coups(iso3s: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Coup attempts (Powell & Thyne) in the Sahel countries, from ``data/``."""
    text = (resources.files("sahelwatch") / "data" / "coups_powell_thyne_sahel.csv").read_text(
        encoding="utf-8"
    )
    out = []
    for r in csv.DictReader(io.StringIO(text)):
        if iso3s and r["iso3"] not in iso3s:
            continue
        day = int(float(r["day"])) if r["day"] else None
        out.append(
            {"date": f"{int(r['year']):04d}-{int(r['month']):02d}" + (f"-{day:02d}" if day else ""),
             "iso3": r["iso3"], "kind": "coup",
             "event": f"{r['outcome'].capitalize()} coup attempt, {r['country']}",
             "source": f"Powell & Thyne coup list ({r['source_version']})"}
        )  # fmt: skip
    return out


def load_drivers(iso3s: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The drivers timeline: coups and the curated foreign deployments in ``drivers.toml``."""
    doc = tomllib.loads(
        (resources.files("sahelwatch") / "data" / "drivers.toml").read_text(encoding="utf-8")
    )
    items = load_coups(iso3s)
    for d in doc["driver"]:
        if iso3s and not set(d["countries"]) & set(iso3s):
            continue
        items.append(
            {"date": d["date"], "iso3": ",".join(d["countries"]), "kind": d["kind"],
             "event": d["event"], "source": d["source"]}
        )  # fmt: skip
    items.sort(key=lambda x: x["date"])
    for number, item in enumerate((x for x in items if x["date"] >= DRIVERS_FROM), start=1):
        item["number"] = number  # the marker on the drivers chart
    return items


def _coverage(
    store: Store, gws: Sequence[int], target: date, ev: pd.DataFrame, covered_now: bool
) -> dict[str, Any]:
    """Which releases the brief reads, what is preliminary and what is missing; ``events`` and
    ``unlocated`` are None when no event release covers ``target`` (no data, never 0)."""
    from sahelwatch.status import status

    st = status(store, countries=list(gws))
    from sahelwatch.periods import format_runs

    per_country = [
        {"country": c.country, "source": c.source, "covered": format_runs(c.covered)}
        for c in st.countries
    ]
    releases = []
    if len(ev):
        grouped = ev.groupby(["source", "release", "preliminary"]).size().reset_index(name="n")
        releases = [
            {"source": r.source, "release": r.release, "preliminary": bool(r.preliminary),
             "events": int(r.n)}
            for r in _records(grouped)
        ]  # fmt: skip
    window = month_range(add_months(target, -12), target)
    covered = set(
        pd.to_datetime(
            store.con.execute(
                "SELECT DISTINCT month FROM coverage c JOIN releases r USING (release_id) "
                "WHERE r.kind = 'event' AND list_contains(?, c.country_gw)",
                [list(gws)],
            ).df()["month"]
        ).dt.date
    )
    gaps = [format_month(m) for m in window if m not in covered]
    prelim = sum(r["events"] for r in releases if r["preliminary"])
    month = format_month(target)
    if target in covered:
        events, unlocated = len(ev), int(ev["latitude"].isna().sum()) if len(ev) else 0
        counted = "".join(
            f"; {r['events']} from {r['source']} {r['release']}"
            + (" (preliminary, Candidate)" if r["preliminary"] else "")
            for r in releases
        )
        events_text = f"Events of {month}: {events}{counted}. {unlocated} have no coordinates"
    else:
        events, unlocated = None, None
        events_text = f"Events of {month}: " + (
            "no event data (only country-month totals cover this month)"
            if covered_now
            else "no data (no release covers this month)"
        )
    return {
        "per_country": per_country,
        "releases": releases,
        "preliminary_events": prelim,
        "events": events,
        "events_text": events_text,
        "gaps": gaps,
        "missing": [],
        "unlocated": unlocated,
    }


# --- rendering ---------------------------------------------------------------------------


def _env() -> Any:
    with needs("brief"):
        import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("sahelwatch.brief", "templates"),
        autoescape=jinja2.select_autoescape(["html.j2"], default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _linker(fmt: str, base_url: str | None) -> Any:
    """``link(path, text)`` for the templates: an HTML or Markdown link to ``base_url + path``
    (plain text when there is no base URL and the output is not a served page)."""
    from markupsafe import Markup, escape

    base = (base_url or "").rstrip("/")

    def link(path: str, text: Any) -> Any:
        url = base + path
        if fmt == "md":
            return f"[{text}]({url})" if base else str(text)
        return Markup('<a href="{}">{}</a>').format(url, text) if base else escape(text)

    return link


def render(
    b: Brief,
    fmt: BriefFormat,
    out: Path,
    *,
    base_url: str | None = DEFAULT_BASE_URL,
    stylesheet: str | None = None,
) -> Path:
    """Write the brief ``b`` to ``out`` as HTML, PDF or Markdown; returns ``out``.

    HTML embeds the images (base64) and, unless a ``stylesheet`` URL is given (a page served
    under a Content-Security-Policy), its style; Markdown writes the images next to ``out`` in
    ``<stem>_figures/``; PDF is rendered by WeasyPrint from the HTML with the images as files.
    Evidence links point at the API under ``base_url`` (absolute, so that they work from a
    file and in the PDF; None: no links).
    """
    import base64
    import tempfile

    if fmt not in FORMATS:
        raise QueryError(f"unknown brief format '{fmt}'; use one of {', '.join(FORMATS)}.")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    env = _env()
    env.globals["link"] = _linker(fmt, base_url)
    env.globals["stylesheet"] = stylesheet
    if fmt == "md":
        folder = out.with_name(out.stem + "_figures")
        if b.images:
            folder.mkdir(exist_ok=True)
        srcs = {}
        for name, data in b.images.items():
            (folder / f"{name}.png").write_bytes(data)
            srcs[name] = f"{folder.name}/{name}.png"
        text = env.get_template("brief.md.j2").render(b=b, src=srcs, fmt=fmt)
        write_atomic(out, text)
        return out
    if fmt == "html":
        srcs = {
            n: "data:image/png;base64," + base64.b64encode(d).decode("ascii")
            for n, d in b.images.items()
        }
        html = env.get_template("brief.html.j2").render(b=b, src=srcs, fmt=fmt)
        write_atomic(out, html)
        return out
    with needs("brief"):
        from weasyprint import HTML  # type: ignore[import-untyped]

    env.globals["stylesheet"] = None
    with tempfile.TemporaryDirectory(prefix="sw-brief-") as tmp:
        srcs = {}
        for name, data in b.images.items():
            path = Path(tmp) / f"{name}.png"
            path.write_bytes(data)
            srcs[name] = path.as_uri()
        html = env.get_template("brief.html.j2").render(b=b, src=srcs, fmt=fmt)
        pdf = HTML(string=html, base_url=tmp).write_pdf()
    assert pdf is not None
    write_atomic(out, pdf)
    return out


def brief(
    store: Store,
    country: str | None = None,
    month: str | None = None,
    fmt: BriefFormat = "html",
    out: Path | str = Path("brief.html"),
    *,
    region: str | None = None,
    forecast: Literal["auto", "stored", "none"] = "auto",
    n_draws: int = 200,
    base_url: str | None = DEFAULT_BASE_URL,
) -> Path:
    """Build and write a brief; see :func:`build` and :func:`render`."""
    if fmt not in FORMATS:
        raise QueryError(f"unknown brief format '{fmt}'; use one of {', '.join(FORMATS)}.")
    b = build(
        store, country=country, region=region, month=month, forecast=forecast, n_draws=n_draws
    )
    return render(b, fmt, Path(out), base_url=base_url)
