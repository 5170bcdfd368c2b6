"""A panel request (level, countries, months, as-of release) and the coverage it sees."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from sahelwatch.errors import QueryError
from sahelwatch.panels.schema import as_month_ordinal, check_level, ordinal_month
from sahelwatch.store import Store


@dataclass(frozen=True)
class PanelRequest:
    """A validated panel request: what :func:`build_panel` and the indicators share.

    Attributes
    ----------
    level : unit level.
    family : release family (``ucdp``, ``acled``, or a country-month family).
    kind : ``event`` or ``country_month``.
    countries : Gleditsch-Ward codes asked for (None: every country the family covers).
    start, end : first and last month (ordinals; None: the family's coverage).
    as_of : release id the data are taken as of, or None for the newest.
    """

    level: str
    family: str
    kind: str
    countries: tuple[int, ...] | None
    start: int | None
    end: int | None
    as_of: int | None


def request(
    store: Store,
    level: str,
    *,
    family: str = "ucdp",
    countries: Sequence[str | int] | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    as_of: str | None = None,
) -> PanelRequest:
    """Validate the arguments of a panel and resolve countries, months and the as-of release."""
    from sahelwatch.query import resolve_country, resolve_release

    check_level(level)
    kinds = dict(store.con.execute("SELECT DISTINCT family, kind FROM releases").fetchall())
    if family not in kinds:
        held = ", ".join(sorted(kinds)) or "nothing"
        raise QueryError(f"the store holds no release of family '{family}' (it holds {held}).")
    kind = kinds[family]
    if kind == "country_month" and level != "country":
        raise QueryError(
            f"'{family}' holds country-month totals; it can only make a country panel."
        )
    gws = None
    if countries is not None:
        found = [resolve_country(store, _country_text(c)) for c in countries]
        # resolve_country gives one code or a list (a country can have several codes)
        gws = tuple(sorted({gw for f in found for gw in ([f] if isinstance(f, int) else f)}))
    release_id = None
    if as_of is not None:
        release_id = resolve_release(store, as_of, kind)
        owner = store.con.execute(
            "SELECT family FROM releases WHERE release_id = ?", [release_id]
        ).fetchone()
        if owner is None or owner[0] != family:
            raise QueryError(f"release '{as_of}' is not a release of family '{family}'.")
    first, last = as_month_ordinal(start), as_month_ordinal(end)
    if first is not None and last is not None and last < first:
        raise QueryError("the panel's end month is before its start month.")
    return PanelRequest(level, family, kind, gws, first, last, release_id)


def _country_text(country: str | int) -> str:
    if isinstance(country, (int, np.integer)) or (
        isinstance(country, float) and float(country).is_integer()
    ):
        return str(int(country))
    return str(country)


def release_filter(req: PanelRequest, families: Sequence[str] | None = None) -> str:
    """SQL condition on ``r`` (releases) selecting the releases the request may use: those of
    its family (or of ``families``), up to its as-of release."""
    names = ", ".join(f"'{f}'" for f in (families or (req.family,)))
    cond = f"r.family IN ({names})"
    if req.as_of is not None:
        cond += (
            " AND r.release_key <= (SELECT release_key FROM releases WHERE release_id = "
            f"{int(req.as_of)})"
        )
    return cond


def coverage(
    store: Store,
    family: str = "ucdp",
    *,
    countries: Sequence[str | int] | None = None,
    as_of: str | None = None,
) -> pd.DataFrame:
    """Which (country, month) a family covers, and whether with locations and actors.

    Parameters
    ----------
    store : the store.
    family : release family.
    countries : restrict to these countries (ISO3, number or name).
    as_of : take only the releases up to this one.

    Returns
    -------
    pandas.DataFrame
        ``country_gw``, ``month`` (first day, datetime64), ``covered_located``,
        ``covered_actors`` (bool), ``release`` (the newest covering release,
        ``source:release``); one row per (country, month) the family's own releases cover
        (country-month totals of another family are not counted: see
        :func:`sahelwatch.panels.month_status`).

    Examples
    --------
    >>> cov = coverage(store, "ucdp", countries=["MLI"])
    >>> cov.iloc[-1][["month", "release"]].tolist()
    [Timestamp('2026-02-01 00:00:00'), 'ucdp_candidate:26.0.2']
    """
    req = request(store, "country", family=family, countries=countries, as_of=as_of)
    frame = store_coverage(store, req)
    frame["month"] = ordinal_month(frame.pop("mo"))
    return frame[["country_gw", "month", "covered_located", "covered_actors", "release"]]


def store_coverage(
    store: Store, req: PanelRequest, families: Sequence[str] | None = None
) -> pd.DataFrame:
    """Covered (country_gw, mo) with the ``covered_located`` / ``covered_actors`` flags and the
    newest covering release (``release``, as ``source:release``, and its ``release_key``) and
    newest covering release with locations (``release_located``, null if none)."""
    where = release_filter(req, families)
    if req.countries is not None:
        where += f" AND c.country_gw IN ({', '.join(map(str, req.countries))})"
    frame = store.con.execute(
        f"""
        WITH cap AS (
            SELECT release_id, count(where_prec) > 0 AS located, count(side_a) > 0 AS actors
            FROM event_versions GROUP BY release_id)
        SELECT c.country_gw::INTEGER AS country_gw,
               (year(c.month) * 12 + month(c.month) - 1)::BIGINT AS mo,
               bool_or(coalesce(cap.located, FALSE)) AS covered_located,
               bool_or(coalesce(cap.actors, FALSE)) AS covered_actors,
               arg_max(r.source || ':' || r.release, r.release_key) AS release,
               max(r.release_key) AS release_key,
               arg_max(r.source || ':' || r.release, r.release_key)
                   FILTER (WHERE coalesce(cap.located, FALSE)) AS release_located
        FROM coverage c JOIN releases r USING (release_id) LEFT JOIN cap USING (release_id)
        WHERE {where}
        GROUP BY ALL ORDER BY country_gw, mo
        """
    ).df()
    return frame.astype({"country_gw": np.int64, "mo": np.int64})
