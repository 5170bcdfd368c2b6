"""Events listed with the actor families of their sides: filtered, paged and counted, with the
months whose events are unknown (what ``/api/events`` and ``/api/months`` serve).

Each event gets the families of the actors on either side (``families_a``, ``families_b``) and
one ``actor_family``: the first of :data:`sahelwatch.actors.FAMILY_PRIORITY` among them, else
``unknown``. Filtering by family keeps events with any of the families asked for.

>>> page = event_page(store, EventFilter(countries=["MLI"]), ["jihadist"], limit=5)
>>> len(page.rows), page.total, page.fatalities  # a page of 5 of Mali's 1,709 jihadist events
(5, 1709, 11223)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sahelwatch.actors import FAMILIES, FAMILY_PRIORITY, UNKNOWN_FAMILY
from sahelwatch.errors import NotFound, QueryError
from sahelwatch.gazetteer import event_family
from sahelwatch.panels.events import side_families
from sahelwatch.panels.months import describe_months, month_states, status_sentence
from sahelwatch.panels.request import coverage
from sahelwatch.periods import format_month, month_range
from sahelwatch.query import EventFilter, events_sql, resolve_country, resolve_release
from sahelwatch.store import Store

__all__ = [
    "ACTOR_FAMILIES",
    "MAP_FIELDS",
    "EventDetail",
    "EventPage",
    "MonthCounts",
    "event_detail",
    "event_page",
    "family_events_sql",
    "month_counts",
    "no_data_months",
    "side_families_table",
]

#: The actor families an event can be filtered by or coloured with.
ACTOR_FAMILIES: tuple[str, ...] = (*FAMILY_PRIORITY, UNKNOWN_FAMILY)

#: Columns of a ``map`` page: what a map needs to draw and filter.
MAP_FIELDS: tuple[str, ...] = (
    "uid", "date_start", "latitude", "longitude", "where_prec", "country_gw", "country_iso3",
    "adm_1", "location", "violence_type", "best", "side_a", "side_b", "actor_family", "source",
    "release",
)  # fmt: skip

_TABLE = "sw_side_families"


def side_families_table(store: Store) -> pa.Table:
    """Every actor name in the store with its actor families (``name``, ``families``)."""
    names = store.con.execute(
        "SELECT DISTINCT name FROM (SELECT side_a AS name FROM event_versions UNION ALL "
        "SELECT side_b FROM event_versions) WHERE name IS NOT NULL ORDER BY name"
    ).df()["name"]
    flags = side_families(names.astype(object))
    families = [[fam for fam in FAMILIES if row[fam]] for row in flags.to_dict("records")]
    return pa.table(
        {
            "name": pa.array(names.astype(str).tolist(), pa.string()),
            "families": pa.array(families, pa.list_(pa.string())),
        }
    )


def _family_case(column: str) -> str:
    whens = " ".join(
        f"WHEN list_contains({column}, '{fam}') THEN '{fam}'" for fam in FAMILY_PRIORITY
    )
    return f"CASE {whens} ELSE '{UNKNOWN_FAMILY}' END"


def family_events_sql(
    store: Store,
    flt: EventFilter,
    families: Sequence[str] = (),
    side_families: pa.Table | None = None,
) -> tuple[str, dict[str, Any]]:
    """SQL of the filtered events with their actor families, and its parameters.

    Parameters
    ----------
    store, flt : as for :func:`sahelwatch.query.events_sql`.
    families : keep events with any of these families (:data:`ACTOR_FAMILIES`; empty: all).
    side_families : :func:`side_families_table` of the store, if the caller keeps one (it is
        registered on the store's connection; default: computed now).

    Raises
    ------
    QueryError : an unknown family or filter.
    """
    unknown = sorted(set(families) - set(ACTOR_FAMILIES))
    if unknown:
        raise QueryError(
            f"unknown actor family {', '.join(unknown)}; use {', '.join(ACTOR_FAMILIES)}."
        )
    table = side_families_table(store) if side_families is None else side_families
    store.con.register(_TABLE, table)
    sql, params = events_sql(store, flt)
    where = "TRUE"
    if families:
        params["families"] = list(families)
        where = "(list_has_any(fams, $families) OR (len(fams) = 0 AND list_contains($families, "
        where += f"'{UNKNOWN_FAMILY}')))"
    wrapped = f"""
        SELECT * EXCLUDE (fams), {_family_case("fams")} AS actor_family FROM (
            SELECT ev.*, coalesce(fa.families, []) AS families_a,
                   coalesce(fb.families, []) AS families_b,
                   list_distinct(coalesce(fa.families, []) || coalesce(fb.families, [])) AS fams
            FROM ({sql}) ev
            LEFT JOIN {_TABLE} fa ON fa.name = ev.side_a
            LEFT JOIN {_TABLE} fb ON fb.name = ev.side_b)
        WHERE {where}
    """
    return wrapped, params


def no_data_months(store: Store, flt: EventFilter) -> list[str]:
    """Months (``YYYY-MM``) of the filter's period that no event release covers for every one
    of its countries: their count of events is unknown, not 0. The releases are those of the
    filter's sources' families (default: every event family held; with ``as_of``: that
    release's family)."""
    if flt.start is None or flt.end is None:
        return []
    event_families = "SELECT DISTINCT family FROM releases WHERE kind = 'event'"
    held = {f for (f,) in store.con.execute(event_families).fetchall()}
    wanted_families = {event_family(s) for s in flt.sources} or held
    if flt.as_of:  # the data as of a release: its own family's coverage
        wanted_families = {
            store.con.execute(
                "SELECT family FROM releases WHERE release_id = ?",
                [resolve_release(store, flt.as_of)],
            ).fetchone()[0]  # type: ignore[index]
        }
    families = sorted(held & wanted_families)
    if not families:
        return [format_month(m) for m in month_range(flt.start, flt.end)]
    cov = pd.concat(
        [coverage(store, f, countries=flt.countries or None, as_of=flt.as_of) for f in families]
    ).drop_duplicates(["country_gw", "month"])
    wanted = {int(g) for c in flt.countries for g in resolve_country(store, c)}
    if wanted:
        cov = cov[cov["country_gw"].isin(wanted)]
    need = len(wanted) if wanted else cov["country_gw"].nunique()
    counts = cov.groupby(cov["month"].dt.strftime("%Y-%m"))["country_gw"].nunique()
    months = [format_month(m) for m in month_range(flt.start, flt.end)]
    return [m for m in months if int(counts.get(m, 0)) < max(need, 1)]


@dataclass
class EventPage:
    """One page of filtered events and what describes every matching event.

    Attributes
    ----------
    columns, rows : the page (rows as tuples, ordered by ``date_start`` and ``uid``).
    total, fatalities, located : events matching, their ``best`` sum, those with coordinates
        (``fatalities`` and ``located`` None when no release covers any month of the
        period: unknown, not 0).
    after : ``(date_start, uid)`` of the page's last row when more follow (the next page's
        ``after``), else None.
    no_data_months : :func:`no_data_months` of the filter.
    """

    columns: list[str]
    rows: list[tuple[Any, ...]]
    total: int
    fatalities: int | None
    located: int | None
    after: tuple[Any, str] | None
    no_data_months: list[str]

    def frame(self) -> pd.DataFrame:
        """The page as a data frame."""
        return pd.DataFrame.from_records(self.rows, columns=self.columns)


def event_page(
    store: Store,
    flt: EventFilter,
    families: Sequence[str] = (),
    *,
    limit: int = 500,
    offset: int = 0,
    after: tuple[date, str] | None = None,
    fields: str = "full",
    side_families: pa.Table | None = None,
) -> EventPage:
    """A page of the filtered events with their actor families (:func:`family_events_sql`),
    ordered by start date and uid, and the totals of every matching event.

    Parameters
    ----------
    limit, offset : page size and rows skipped.
    after : keyset paging: only events after this ``(date_start, uid)``.
    fields : ``full`` (every column) or ``map`` (:data:`MAP_FIELDS`).
    """
    sql, params = family_events_sql(store, flt, families, side_families)
    base_params = dict(params)
    where = "TRUE"
    if after:
        params["c_day"], params["c_uid"] = after
        where = "(date_start > $c_day OR (date_start = $c_day AND uid > $c_uid))"
    columns = ", ".join(MAP_FIELDS) if fields == "map" else "* EXCLUDE (sw_total, sw_fat, sw_loc)"
    params.update(limit=limit + 1, offset=offset)
    # one pass: the totals of every matching event ride along with the page's rows
    cur = store.con.execute(
        f"SELECT {columns}, sw_total, sw_fat, sw_loc FROM (SELECT *, count(*) OVER () AS sw_total,"
        " coalesce(sum(best) OVER (), 0) AS sw_fat, count(latitude) OVER () AS sw_loc "
        f"FROM ({sql})) WHERE {where} ORDER BY date_start, uid LIMIT $limit OFFSET $offset",
        params,
    )
    names = [d[0] for d in cur.description][:-3]
    rows = cur.fetchall()
    if rows:
        total, fatalities, located = (int(v) for v in rows[0][-3:])
    else:  # past the last page: count on its own
        counted = store.con.execute(
            f"SELECT count(*), coalesce(sum(best), 0), count(latitude) FROM ({sql})", base_params
        ).fetchone()
        total, fatalities, located = (int(v) for v in counted) if counted else (0, 0, 0)
    more = len(rows) > limit
    rows = [row[:-3] for row in rows[:limit]]
    day, uid = names.index("date_start"), names.index("uid")
    last = (rows[-1][day], str(rows[-1][uid])) if more else None
    gaps = no_data_months(store, flt)
    if flt.start and flt.end and len(gaps) == len(month_range(flt.start, flt.end)):
        return EventPage(names, rows, total, None, None, last, gaps)  # nothing is known
    return EventPage(names, rows, total, fatalities, located, last, gaps)


@dataclass
class EventDetail:
    """One event: its record, every version with its file row, and its withdrawal.

    Attributes
    ----------
    event : one row, the current record (the last version if withdrawn) with actor families.
    versions : per version ``source``, ``release``, ``preliminary``, the changing fields,
        ``flags``, ``row``, ``file`` (name), ``file_sha256`` and ``raw`` (the source record).
    withdrawn : one row (``source``, ``release``, ``reason``) if the event was withdrawn.
    """

    event: pd.DataFrame
    versions: pd.DataFrame
    withdrawn: pd.DataFrame | None


def event_detail(store: Store, uid: str, side_families: pa.Table | None = None) -> EventDetail:
    """The event ``uid`` with its versions, each traced to its file and row.

    Raises
    ------
    NotFound : the store holds no such event.
    """
    table = side_families_table(store) if side_families is None else side_families
    for gone in (False, True):
        sql, params = family_events_sql(store, EventFilter(withdrawn=gone), (), table)
        params["uid"] = uid
        current = store.con.execute(f"SELECT * FROM ({sql}) WHERE uid = $uid", params).df()
        if not current.empty:
            break
    if current.empty:
        raise NotFound(f"the store holds no event '{uid}'.")
    withdrawn = store.con.execute(
        "SELECT r.source, r.release, w.reason FROM withdrawals w JOIN releases r "
        "USING (release_id) WHERE w.uid = $uid ORDER BY r.release_key DESC LIMIT 1",
        {"uid": uid},
    ).df()
    versions = store.con.execute(
        "SELECT r.source, r.release, r.preliminary, v.date_start, v.best, v.low, v.high, "
        "v.latitude, v.longitude, v.where_prec, v.flags, v.file_id, v.row_number AS row, "
        "f.path AS file, f.sha256 AS file_sha256 FROM event_versions v "
        "JOIN releases r USING (release_id) JOIN ingest_log f USING (file_id) "
        "WHERE v.uid = $uid ORDER BY r.release_key",
        {"uid": uid},
    ).df()
    raws = store.raw_records(versions["file_id"].tolist(), versions["row"].tolist())
    versions["file"] = [PurePath(path).name for path in versions["file"]]
    versions["raw"] = [None if text is None else json.loads(text) for text in raws]
    return EventDetail(current, versions.drop(columns="file_id"), withdrawn if gone else None)


@dataclass
class MonthCounts:
    """Per month what the data hold and the filtered counts (:func:`month_counts`).

    Attributes
    ----------
    countries : the Gleditsch-Ward codes.
    months : :func:`~sahelwatch.panels.month_states` with ``events``, ``fatalities`` and
        ``located`` (NaN unless events cover the month in every country).
    notes : :func:`~sahelwatch.panels.describe_months` of the months without located events.
    """

    countries: list[int]
    months: pd.DataFrame
    notes: list[str]


def month_counts(
    store: Store,
    gws: list[int],
    start: date,
    end: date,
    *,
    types: list[str] | None = None,
    families: Sequence[str] = (),
    as_of: str | None = None,
    side_families: pa.Table | None = None,
) -> MonthCounts:
    """For each month from ``start`` to ``end``: the state of the data in ``gws``
    (:func:`~sahelwatch.panels.month_states`) and the events, fatalities and located events
    matching ``types`` and actor ``families`` (NaN where the month has no events in some
    country: unknown, not 0; NaN too, with ``families``, where some country's events name no
    actors), with notes in words."""
    frame = month_states(store, gws, start, end, types=types or None, as_of=as_of)
    flt = EventFilter(
        countries=[str(g) for g in gws], start=start, end=end, violence_types=types or [],
        as_of=as_of or None,
    )  # fmt: skip
    sql, params = family_events_sql(store, flt, families, side_families)
    counts = store.con.execute(
        f"SELECT strftime(date_start, '%Y-%m') AS month, count(*) AS events, "
        f"coalesce(sum(best), 0) AS fatalities, count(latitude) AS located FROM ({sql}) "
        "GROUP BY 1",
        params,
    ).df()
    frame = frame.merge(counts, on="month", how="left")
    with_events = frame["state"].isin(["located", "unlocated"])
    for column in ("events", "fatalities", "located"):
        frame[column] = (
            frame[column].where(with_events, np.nan).where(~with_events | frame[column].notna(), 0)
        )
    if families:  # country-month totals, and events without actor names, name no actors
        frame.loc[~frame["actors"], ["events", "fatalities", "located"]] = np.nan
        frame[["totals_best", "totals_events"]] = np.nan
    # filtered, the notes word the rows (the releases' sentences count every event)
    sentence = None if types or families else status_sentence(store, gws, as_of)
    return MonthCounts(gws, frame, describe_months(frame, sentence))
