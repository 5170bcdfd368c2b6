"""The placed events of a request, and the actor families of their sides."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from sahelwatch.actors import FAMILIES as ACTOR_FAMILIES
from sahelwatch.actors import load_dictionary
from sahelwatch.errors import QueryError
from sahelwatch.panels.request import PanelRequest, release_filter, request
from sahelwatch.panels.schema import ordinal_month
from sahelwatch.panels.spread import month_sql
from sahelwatch.store import Store

_PLACED_COLUMN = {"admin1": "admin1_pcode", "admin2": "admin2_pcode", "cell": "gid"}


_EVENT_COLUMNS = (
    "uid", "source", "date_start", "date_end", "date_prec", "country_gw", "country_iso3",
    "latitude", "longitude", "where_prec", "violence_type", "event_type", "sub_event_type",
    "best", "deaths_a", "deaths_b", "deaths_civilians", "side_a", "side_b",
)  # fmt: skip


def placed_events(
    store: Store,
    level: str,
    *,
    family: str = "ucdp",
    countries: Sequence[str | int] | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    as_of: str | None = None,
) -> pd.DataFrame:
    """Current (or as-of) events of one family, each put into its unit at ``level``.

    Parameters
    ----------
    store, level, family, countries, start, end, as_of : as for :func:`build_panel`.

    Returns
    -------
    pandas.DataFrame
        The event columns (``uid``, ``source``, ``date_start``, ``date_end``, ``date_prec``,
        ``country_gw``, coordinates,
        ``where_prec``, ``violence_type``, ``best``, deaths, ``side_a``, ``side_b``, ...), the
        place columns of :func:`sahelwatch.geo.assign_places`, ``month`` (first day of the
        month of ``date_start``), ``mo`` and ``mo_end`` (ordinals of the months of
        ``date_start`` and ``date_end``) and
        ``unit_id``: the unit the event counts in at ``level``, null when its precision does
        not allow that level.
    """
    req = request(
        store, level, family=family, countries=countries, start=start, end=end, as_of=as_of
    )
    if req.kind != "event":
        raise QueryError(f"'{family}' holds country-month totals, not events.")
    return placed_rows(store, req, req.countries, req.start, req.end)


def placed_rows(
    store: Store,
    req: PanelRequest,
    countries: Sequence[int] | None,
    first: int | None,
    last: int | None,
) -> pd.DataFrame:
    from sahelwatch import geo

    clauses = [
        "source IN (SELECT source FROM releases r WHERE " + release_filter(req) + ")",
    ]
    if countries is not None:
        clauses.append(f"country_gw IN ({', '.join(map(str, countries)) or 'NULL'})")
    if first is not None:
        clauses.append(f"year(date_start) * 12 + month(date_start) - 1 >= {int(first)}")
    if last is not None:
        clauses.append(f"year(date_start) * 12 + month(date_start) - 1 <= {int(last)}")
    current = store.current_sql("event_versions", req.as_of)
    events = store.con.execute(
        f"SELECT {', '.join(_EVENT_COLUMNS)}, {month_sql('date_start')}::BIGINT AS mo, "
        f"{month_sql('coalesce(date_end, date_start)')}::BIGINT AS mo_end "
        f"FROM ({current}) WHERE {' AND '.join(clauses)} ORDER BY date_start, uid"
    ).df()
    events = geo.assign_places(events)
    if req.level == "country":
        unit = events["country_gw"].where(events["place_level"] != "none")
        events["unit_id"] = unit.astype("Int64")
    else:
        events["unit_id"] = events[_PLACED_COLUMN[req.level]]
    events["month"] = ordinal_month(events["mo"])
    return events


def side_families(sides: pd.Series, dictionary: Any | None = None) -> pd.DataFrame:
    """Actor families named on one side of events, as one boolean column per family.

    A side can name several actors (UCDP writes ``Government of Mali, Government of Russia
    (Soviet Union)``): the whole name and each comma-separated part are looked up in the actor
    dictionary, and the side belongs to every family found.

    Parameters
    ----------
    sides : actor names (``side_a`` or ``side_b``); null gives False everywhere.
    dictionary : an :class:`~sahelwatch.actors.ActorDictionary` (default: the bundled one).

    Returns
    -------
    pandas.DataFrame
        One bool column per family in :data:`sahelwatch.actors.FAMILIES`, index of ``sides``.
    """
    codes, names = pd.factorize(sides.astype(object), use_na_sentinel=True)
    table = _name_table(pd.Series(names, dtype=object), dictionary)
    fams = table["families"].reindex(pd.Index(names, dtype=object)).to_numpy()
    out = {}
    for fam in ACTOR_FAMILIES:
        has = np.append(np.array([fam in f for f in fams], dtype=bool), False)
        out[fam] = has[codes]  # code -1 (null) takes the appended False
    return pd.DataFrame(out, index=sides.index)


def side_actors(sides: pd.Series, dictionary: Any | None = None) -> pd.Series:
    """Canonical actors named on one side of events, as tuples.

    Each comma-separated part that the dictionary knows gives its canonical name; an unknown
    name is kept as written. Null gives an empty tuple.
    """
    table = _name_table(sides, dictionary)
    return sides.map(table["actors"].to_dict()).apply(lambda v: v if isinstance(v, tuple) else ())


def _name_table(sides: pd.Series, dictionary: Any | None) -> pd.DataFrame:
    """Per distinct side name: its set of families and tuple of canonical actors."""
    return (dictionary or load_dictionary()).sides(sides)


def event_families(events: pd.DataFrame) -> pd.DataFrame:
    """Families involved in each event (either side), one bool column per family."""
    a = side_families(events["side_a"])
    b = side_families(events["side_b"])
    return a | b
