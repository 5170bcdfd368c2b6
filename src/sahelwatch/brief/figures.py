"""Maps and charts of a brief, drawn with matplotlib (Agg) and geopandas as PNG bytes.

Each function returns the PNG of one figure; :func:`draw_all` draws those a brief needs and
says in words why any is missing (a month without data gets no event map, never an empty one
that would read as calm).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from sahelwatch.extras import needs
from sahelwatch.periods import add_months, format_month

__all__ = [
    "TYPE_COLOURS",
    "draw_all",
    "drivers_chart",
    "events_map",
    "forecast_map",
    "monthly_fatalities",
    "presence_map",
    "trend_chart",
]

TYPE_COLOURS = {"sb": "#c0392b", "ns": "#8e44ad", "os": "#e67e22"}
PRESENCE_COLOURS = {
    "armed-group-dominant": "#b2182b",
    "contested": "#f4a582",
    "state-dominant": "#2166ac",
    "no clear presence": "#e0e0e0",
}
DPI = 110


def _plt() -> Any:
    with needs("brief"):
        import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    _plt().close(fig)
    return buf.getvalue()


def _frame(iso3s: Sequence[str]) -> tuple[Any, tuple[float, float, float, float]]:
    from sahelwatch import geo

    admin0 = geo.load_admin(0)
    focus = admin0[admin0["iso3"].isin(iso3s)]
    if focus.empty:
        focus = admin0
    x0, y0, x1, y1 = focus.total_bounds
    pad = 0.6
    return admin0, (x0 - pad, y0 - pad, x1 + pad, y1 + pad)


def _base(ax: Any, admin0: Any, iso3s: Sequence[str], bbox: tuple[float, ...]) -> None:
    admin0.plot(ax=ax, color="#ececec", edgecolor="#999999", linewidth=0.6)
    admin0[admin0["iso3"].isin(iso3s)].boundary.plot(ax=ax, color="#333333", linewidth=1.2)
    ax.set_xlim(bbox[0], bbox[2])
    ax.set_ylim(bbox[1], bbox[3])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")


def events_map(events: pd.DataFrame, iso3s: Sequence[str], month: str) -> bytes:
    """The month's events as points (size: fatalities, colour: violence type) over the cercles."""
    from sahelwatch import geo

    plt = _plt()
    admin0, bbox = _frame(iso3s)
    admin2 = geo.load_admin(2)
    fig, ax = plt.subplots(figsize=(7.2, 6.0))
    _base(ax, admin0, iso3s, bbox)
    cercles = admin2[admin2["iso3"].isin(iso3s)]
    if len(cercles):  # bundled for Mali, Burkina Faso and Niger only
        cercles.boundary.plot(ax=ax, color="#bbbbbb", linewidth=0.3)
    located = events[events["latitude"].notna() & events["longitude"].notna()]
    for vtype, colour in TYPE_COLOURS.items():
        sel = located[located["violence_type"] == vtype]
        if sel.empty:
            continue
        sizes = 12 + 6 * np.sqrt(sel["best"].fillna(0).to_numpy(dtype=float))
        ax.scatter(
            sel["longitude"], sel["latitude"], s=sizes, c=colour, alpha=0.75,
            edgecolors="black", linewidths=0.4, label=f"{vtype} ({len(sel)})", zorder=3,
        )  # fmt: skip
    ax.set_xlabel("")
    ax.set_ylabel("")
    unlocated = len(events) - len(located)
    ax.set_title(f"Events, {month}: {len(located)} located, {unlocated} without coordinates")
    if len(located):  # beside the map, never over it
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title="type (events)")
    return _png(fig)


def presence_map(presence: pd.DataFrame, iso3s: Sequence[str], month: str) -> bytes:
    """Armed-group presence per admin-2 unit over the six months to ``month``."""
    from sahelwatch import geo

    plt = _plt()
    from matplotlib.patches import Patch

    admin0, bbox = _frame(iso3s)
    admin2 = geo.load_admin(2)
    units = admin2[admin2["iso3"].isin(iso3s)].merge(
        presence[["unit_id", "presence"]], left_on="admin2_pcode", right_on="unit_id", how="left"
    )
    fig, ax = plt.subplots(figsize=(7.2, 6.0))
    _base(ax, admin0, iso3s, bbox)
    colours = units["presence"].map(PRESENCE_COLOURS).fillna("white")
    units.plot(ax=ax, color=colours.tolist(), edgecolor="#666666", linewidth=0.3)
    unknown = units[units["presence"].isna()]
    if len(unknown):
        unknown.plot(ax=ax, facecolor="none", edgecolor="#999999", hatch="///", linewidth=0.2)
    handles = [
        Patch(facecolor=c, edgecolor="#666666", label=k) for k, c in PRESENCE_COLOURS.items()
    ]
    handles.append(
        Patch(facecolor="white", edgecolor="#999999", hatch="///", label="unknown (no data)")
    )
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(f"Armed-group presence by cercle, 6 months to {month}")
    return _png(fig)


def forecast_map(risk: dict[int, float], iso3s: Sequence[str], origin: str) -> bytes:
    """Mean monthly probability of at least 25 fatalities over the next three months."""
    plt = _plt()
    from sahelwatch import geo

    admin0 = geo.load_admin(0)
    _, bbox = _frame(iso3s)
    sahel = admin0[admin0["country_gw"].notna()].copy()
    sahel["risk"] = sahel["country_gw"].astype(int).map(risk)
    fig, ax = plt.subplots(figsize=(7.2, 5.2))
    admin0.plot(ax=ax, color="#f7f7f7", edgecolor="#999999", linewidth=0.5)
    known = sahel[sahel["risk"].notna()]
    if len(known):
        known.plot(ax=ax, column="risk", cmap="Reds", vmin=0, vmax=1, edgecolor="#333333",
                   linewidth=0.6, legend=True,
                   legend_kwds={"label": "P(>= 25 fatalities), mean of next 3 months",
                                "shrink": 0.7})  # fmt: skip
        for r in known.itertuples():
            p = r.geometry.representative_point()
            ax.annotate(f"{r.risk:.0%}", (p.x, p.y), ha="center", fontsize=8, weight="bold")
    admin0[admin0["iso3"].isin(iso3s)].boundary.plot(ax=ax, color="black", linewidth=1.4)
    pad = 4
    ax.set_xlim(bbox[0] - pad, bbox[2] + pad)
    ax.set_ylim(bbox[1] - pad / 2, bbox[3] + pad / 2)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(f"Forecast risk by country, 3 months after {origin}")
    return _png(fig)


def monthly_fatalities(store: Any, gws: Sequence[int], target: date, start: date) -> pd.DataFrame:
    """Monthly fatalities by type (``sb``, ``ns``, ``os``, ``total``) of ``gws`` from ``start``
    to ``target``, from the sources by precedence (events, then country-month totals); NaN
    where no source covers a month."""
    from sahelwatch.forecast import TARGETS, load_country_panel

    panel = load_country_panel(store, until=target, units=list(gws), start=start)
    months = [panel.month(i) for i in range(panel.n_months)]
    values = panel.values  # (units, months, targets); NaN = no data
    frame = pd.DataFrame(index=pd.to_datetime(months))
    for k, t in enumerate(TARGETS):
        col = values[:, :, k]
        known = ~np.isnan(col)
        summed = np.where(known.any(axis=0), np.nansum(col, axis=0), np.nan)
        frame[t] = summed
    return frame


def trend_chart(store: Any, gws: Sequence[int], target: date, months: int = 36) -> bytes:
    """Monthly fatalities by type over the last ``months`` months; no-data months shaded."""
    plt = _plt()
    start = add_months(target, 1 - months)
    frame = monthly_fatalities(store, gws, target, start)
    fig, ax = plt.subplots(figsize=(7.6, 3.4))
    ax.plot(frame.index, frame["total"], color="black", lw=1.8, marker="o", ms=3, label="total")
    for t, c in TYPE_COLOURS.items():
        ax.plot(frame.index, frame[t], color=c, lw=1, marker=".", label=t)
    gaps = frame.index[frame["total"].isna()]
    for m in gaps:
        ax.axvspan(m, m + pd.offsets.MonthEnd(1), color="#dddddd", lw=0)
    if len(gaps):
        ax.axvspan(gaps[0], gaps[0], color="#dddddd", label="no data")
    ax.set_ylabel("fatalities (UCDP best)")
    ax.set_title(f"Monthly fatalities, {format_month(start)} to {format_month(target)}")
    ax.legend(fontsize=7, ncol=6, loc="upper left")
    ax.grid(alpha=0.3)
    return _png(fig)


def drivers_chart(
    store: Any, gws: Sequence[int], target: date, drivers: list[dict[str, Any]]
) -> bytes:
    """Yearly fatalities since 2010 with the drivers (coups, deployments) marked."""
    plt = _plt()
    frame = monthly_fatalities(store, gws, target, date(2010, 1, 1))
    yearly = frame["total"].groupby(pd.DatetimeIndex(frame.index).year).agg(["sum", "count"])
    fig, ax = plt.subplots(figsize=(7.6, 3.6))
    full = yearly["count"] == 12
    ax.bar(
        yearly.index[full],
        yearly["sum"][full],
        color="#555555",
        label="fatalities (12 months known)",
    )
    ax.bar(yearly.index[~full], yearly["sum"][~full], color="#bbbbbb",
           label="fatalities (part of the year has no data)")  # fmt: skip
    top = float(yearly["sum"].max() or 1)
    colours = {"coup": "#c0392b", "arrival": "#2166ac", "withdrawal": "#e67e22",
               "political": "#27ae60"}  # fmt: skip
    shown = set()
    # numbered markers above the bars (the drivers table lists the numbers): labels never overlap
    for d in (x for x in drivers if "number" in x):
        number = d["number"]
        y, m = int(d["date"][:4]), int(d["date"][5:7])
        x = y + (m - 1) / 12 - 0.5
        colour = colours.get(d["kind"], "#333333")
        label = d["kind"] if d["kind"] not in shown else None
        shown.add(d["kind"])
        ax.axvline(x, color=colour, lw=0.8, ls="--", label=label)
        ax.text(x, top * (1.04 + 0.07 * (number % 3)), str(number), fontsize=6.5, color=colour,
                ha="center", va="bottom")  # fmt: skip
    ax.set_ylim(0, top * 1.3)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Yearly fatalities and drivers")
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(alpha=0.3, axis="y")
    return _png(fig)


def draw_all(
    store: Any,
    gws: Sequence[int],
    iso3s: Sequence[str],
    target: date,
    events: pd.DataFrame,
    presence: pd.DataFrame,
    forecast: dict[str, Any],
    drivers: list[dict[str, Any]],
    covered: bool,
) -> tuple[dict[str, bytes], dict[str, str]]:
    """Every figure of a brief, and a note for each that cannot be drawn; ``covered``: an event
    release covers ``target`` (else there is no event map, not a map of zero events)."""
    month = format_month(target)
    images: dict[str, bytes] = {}
    notes: dict[str, str] = {}
    if covered:
        images["events_map"] = events_map(events, iso3s, month)
    else:
        notes["events_map"] = f"No event map: no event release covers {month}."
    has_presence = len(presence) and presence["presence"].notna().any()
    if has_presence:
        images["presence_map"] = presence_map(presence, iso3s, month)
    else:
        notes["presence_map"] = (
            "No presence map: armed-group presence needs located events with named actors in "
            "at least two of the six months to this one, and admin-2 boundaries (Mali, Burkina "
            "Faso, Niger)."
        )
    if forecast.get("risk"):
        images["forecast_map"] = forecast_map(forecast["risk"], iso3s, month)
    else:
        notes["forecast_map"] = forecast.get("note", "No forecast.")
    images["trend"] = trend_chart(store, gws, target)
    images["drivers"] = drivers_chart(store, gws, target, drivers)
    return images, notes
