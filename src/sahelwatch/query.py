"""Selecting events from the store: filters, as-of views and exports."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from sahelwatch.errors import NotFound, QueryError
from sahelwatch.gazetteer import EVENT_SOURCES, VIOLENCE_LABELS
from sahelwatch.output import write_output
from sahelwatch.periods import add_months
from sahelwatch.store import Store

ExportFormat = Literal["csv", "parquet", "geojson", "jsonl"]
EXPORT_FORMATS: tuple[str, ...] = ("csv", "parquet", "geojson", "jsonl")


@dataclass
class EventFilter:
    """Which events to select. Empty fields do not filter.

    Attributes
    ----------
    countries : ISO3 codes, Gleditsch-Ward numbers or names.
    start, end : first and last month (inclusive), as first-of-month dates.
    violence_types : among ``sb``, ``ns``, ``os``.
    actor : case-insensitive text found in either side's name, or the canonical name of an
        actor on either side as the actor dictionary gives it ('JNIM (Jama'at Nusrat al-Islam
        wal-Muslimin)' finds the sides that read 'JNIM').
    bbox : (min_lon, min_lat, max_lon, max_lat).
    min_fatalities : least ``best`` estimate.
    as_of : a release (``26.0.1`` or ``ucdp_candidate:26.0.1``): the data as they stood then.
    sources : restrict to these sources (``ucdp_ged``, ``ucdp_candidate``, ``acled``).
    withdrawn : select the withdrawn events instead (missing from a complete newer release
        that covers their country and month, or deleted by their source), in their newest
        version.
    """

    countries: list[str] = field(default_factory=list)
    start: date | None = None
    end: date | None = None
    violence_types: list[str] = field(default_factory=list)
    actor: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    min_fatalities: int | None = None
    as_of: str | None = None
    sources: list[str] = field(default_factory=list)
    withdrawn: bool = False


def resolve_country(store: Store, text: str | int) -> list[int]:
    """The Gleditsch-Ward codes of a country given by ISO3, number or name.

    One country can have several codes: ``SRB`` is Serbia (340) and, in UCDP data, Serbia
    (Yugoslavia) (345).
    """
    rows = store.con.execute(
        "SELECT gw FROM countries WHERE CAST(gw AS VARCHAR) = $t OR upper(iso3) = upper($t) "
        "OR list_contains(string_split(lower(aliases), ';'), lower($t)) ORDER BY gw",
        {"t": str(text).strip()},
    ).fetchall()
    if not rows:
        raise QueryError(
            f"unknown country '{text}'; give an ISO3 code (MLI), a Gleditsch-Ward number (432) "
            "or a name (Mali)."
        )
    return [int(r[0]) for r in rows]


def resolve_countries(store: Store, text: str | None) -> list[int] | None:
    """The Gleditsch-Ward codes of comma-separated countries (None when ``text`` is empty)."""
    names = [c.strip() for c in (text or "").split(",") if c.strip()]
    return [gw for name in names for gw in resolve_country(store, name)] or None


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``min_lon,min_lat,max_lon,max_lat`` as four numbers."""
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError:
        raise QueryError(
            f"bounding box '{text[:60]}' must be four numbers min_lon,min_lat,max_lon,max_lat."
        ) from None
    return west, south, east, north


def source_record(store: Store, file_id: int, row: int) -> tuple[str | None, dict[str, Any]]:
    """The name of ingested file ``file_id`` (not the path it was read from, which names the
    server's folders) and its record at row ``row`` as the file had it (a JSON object named by
    the file's header).

    Raises
    ------
    NotFound : the file has no such row (or there is no such file).
    """
    found = store.raw_records([file_id], [row])[0]
    if found is None:
        raise NotFound(f"no record at row {row} of file {file_id}.")
    path = store.con.execute("SELECT path FROM ingest_log WHERE file_id = ?", [file_id]).fetchone()
    return (Path(str(path[0])).name if path else None), json.loads(found)


def resolve_release(store: Store, text: str, kind: str = "event") -> int:
    """The id of a release named ``RELEASE`` or ``SOURCE:RELEASE``."""
    source, _, release = text.rpartition(":")
    rows = store.con.execute(
        "SELECT release_id, source FROM releases WHERE release = $r AND kind = $k "
        "AND ($s = '' OR source = $s)",
        {"r": release, "s": source, "k": kind},
    ).fetchall()
    if not rows:
        raise QueryError(
            f"the store holds no {kind} release '{text}'; 'sahelwatch status' lists them."
        )
    if len(rows) > 1:
        names = ", ".join(f"{s}:{release}" for _, s in rows)
        raise QueryError(f"release '{text}' is ambiguous; name one of {names}.")
    return int(rows[0][0])


def _known(values: Iterable[str], known: Iterable[str], what: str, use: str) -> list[str]:
    """``values`` as a list, or a QueryError naming those not ``known`` (and what to ``use``)."""
    listed = list(values)
    unknown = set(listed) - set(known)
    if unknown:
        raise QueryError(f"unknown {what} {', '.join(sorted(unknown))}; use {use}.")
    return listed


def _where(store: Store, flt: EventFilter) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if flt.countries:
        params["countries"] = [gw for c in flt.countries for gw in resolve_country(store, c)]
        clauses.append("list_contains($countries, country_gw)")
    if flt.start:
        params["start"] = flt.start
        clauses.append("date_start >= $start")
    if flt.end:
        params["end"] = add_months(flt.end, 1)
        clauses.append("date_start < $end")
    if flt.violence_types:
        params["types"] = _known(
            flt.violence_types, VIOLENCE_LABELS, "violence type", "sb, ns or os"
        )
        clauses.append("list_contains($types, violence_type)")
    if flt.actor:
        params["actor"] = flt.actor.lower()
        params["actor_names"] = _sides_naming(store, flt.actor)
        clauses.append(
            "(contains(lower(side_a), $actor) OR contains(lower(side_b), $actor) "
            "OR list_contains($actor_names, side_a) OR list_contains($actor_names, side_b))"
        )
    if flt.bbox:
        west, south, east, north = flt.bbox
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise QueryError(
                "bounding box must be min_lon,min_lat,max_lon,max_lat with min < max, "
                "for example -12.3,10.1,4.3,25.0."
            )
        params.update(west=west, south=south, east=east, north=north)
        clauses.append("longitude BETWEEN $west AND $east AND latitude BETWEEN $south AND $north")
    if flt.min_fatalities is not None:
        params["min_fatalities"] = flt.min_fatalities
        clauses.append("best >= $min_fatalities")
    if flt.sources:
        params["sources"] = _known(flt.sources, EVENT_SOURCES, "source", ", ".join(EVENT_SOURCES))
        clauses.append("list_contains($sources, source)")
    return " AND ".join(clauses) or "TRUE", params


def _sides_naming(store: Store, text: str) -> list[str]:
    """The side names in the store that name the actor whose canonical name (the actor
    dictionary, as briefs and indicators name it) is ``text``, in any case: 'JNIM (Jama'at
    Nusrat al-Islam wal-Muslimin)' finds the sides that read 'JNIM'."""
    from sahelwatch.actors import load_dictionary

    sides = pd.Series([r[0] for r in store.con.execute(
        "SELECT DISTINCT side FROM (SELECT side_a AS side FROM event_versions UNION "
        "SELECT side_b FROM event_versions) WHERE side IS NOT NULL").fetchall()], dtype=object)
    wanted = text.lower()
    actors = load_dictionary().sides(sides)["actors"]
    return sorted(str(name) for name, named in actors.items()
                  if any(a.lower() == wanted for a in named))  # fmt: skip


def events_sql(
    store: Store, flt: EventFilter, *, provenance: bool = False
) -> tuple[str, dict[str, Any]]:
    """SQL and parameters selecting the filtered current (or as-of) events; ``provenance``
    keeps the file and row each version was read from."""
    as_of = resolve_release(store, flt.as_of) if flt.as_of else None
    where, params = _where(store, flt)
    hidden = "content_hash, release_id" + ("" if provenance else ", file_id, row_number")
    sql = (
        f"SELECT * EXCLUDE ({hidden}) "
        f"FROM ({store.current_sql('event_versions', as_of, withdrawn=flt.withdrawn)}) e "
        f"WHERE {where} ORDER BY date_start, uid"
    )
    return sql, params


def count_withdrawn(store: Store, flt: EventFilter | None = None) -> int:
    """How many withdrawn events (as of ``flt.as_of``) match the rest of ``flt``."""
    sql, params = events_sql(store, replace(flt or EventFilter(), withdrawn=True))
    row = store.con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()
    return int(row[0]) if row else 0


def events(store: Store, flt: EventFilter | None = None, *, raw: bool = False) -> pd.DataFrame:
    """The events matching ``flt`` (all current events when None), as a DataFrame; ``raw``
    adds each event's source record as a JSON object (column ``raw``)."""
    sql, params = events_sql(store, flt or EventFilter(), provenance=raw)
    frame = store.con.execute(sql, params).df()
    if raw:
        frame["raw"] = store.raw_records(frame["file_id"].tolist(), frame["row_number"].tolist())
        frame = frame.drop(columns=["file_id", "row_number"])
    return frame


def export_events(
    store: Store,
    flt: EventFilter,
    fmt: ExportFormat,
    out: Path | None = None,
    *,
    raw: bool = False,
) -> int:
    """Write the matching events as CSV, Parquet, GeoJSON or JSON lines to ``out`` (or stdout).

    Returns the number of events written.
    """
    if fmt not in EXPORT_FORMATS:
        raise QueryError(f"unknown export format '{fmt}'; use one of {', '.join(EXPORT_FORMATS)}.")
    frame = events(store, flt, raw=raw)
    if fmt != "parquet":
        for column in ("date_start", "date_end"):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        write_output(buffer.getvalue(), out)
    elif fmt == "csv":
        write_output(frame.to_csv(index=False), out)
    elif fmt == "jsonl":
        write_output(frame.to_json(orient="records", lines=True, date_format="iso"), out)
    else:
        write_output(to_geojson(frame), out)
    return len(frame)


def to_geojson(frame: pd.DataFrame) -> str:
    """A GeoJSON FeatureCollection of events (EPSG:4326); events without coordinates have a
    null geometry."""
    import geopandas as gpd

    located = frame["longitude"].notna() & frame["latitude"].notna()
    geometry = gpd.GeoSeries(
        gpd.points_from_xy(frame["longitude"], frame["latitude"]), index=frame.index
    ).where(located, None)
    gdf = gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
    return gdf.to_json(na="null", drop_id=True, ensure_ascii=False)


def quarantine_rows(store: Store, *, flagged: bool = False, limit: int = 50) -> pd.DataFrame:
    """Rows set aside by ingest, in file order: ``file``, ``row`` and ``reason`` for rows in
    quarantine (unusable, not loaded), or with ``flagged`` the loaded versions whose source
    record breaks a consistency rule: ``file``, ``row``, ``uid`` and their ``flags``."""
    if flagged:
        sql = (
            "SELECT l.path AS file, v.row_number AS row, v.uid, v.flags FROM event_versions v "
            "JOIN ingest_log l USING (file_id) WHERE v.flags IS NOT NULL "
            "ORDER BY v.file_id, v.row_number LIMIT $limit"
        )
    else:
        sql = (
            "SELECT path AS file, row_number AS row, reason FROM quarantine "
            "ORDER BY file_id, row_number LIMIT $limit"
        )
    frame = store.con.execute(sql, {"limit": limit}).df()
    frame["file"] = [Path(path).name for path in frame["file"]]
    return frame
