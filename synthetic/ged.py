"""SYNTHETIC event data in the UCDP GED CSV layout, for scale tests and benchmarks only.

Not part of the installed package: tests and benchmarks import it from the repository root.

Nothing this module writes is real. Every row is drawn from random numbers: the events, actors,
fatalities, sources and headlines are invented. Only the *shape* is realistic:

* the 49 GED columns, in UCDP's order and value formats (those of the UCDP Candidate CSV export:
  ``YYYY-MM-DD 00:00:00.000`` dates, 6-decimal coordinates, ``true``/``false``, minimal quoting,
  ``""`` for some empty text columns, multi-source ``source_*`` fields with embedded line breaks);
* real Gleditsch-Ward country ids and UCDP country names, with events spread over countries and
  years 1989-2024 roughly like GED 25.1 (weights taken from its country-month totals, quantised);
* coordinates scattered around real place coordinates of each country (taken from UCDP sample
  events), so ``priogrid_gid`` and ``country_id`` look plausible; points may fall outside the
  country's borders (the jitter ignores borders);
* a file size close to that of the real GED 25.1 CSV (about 220 MB for its 385,918 events): about
  610 bytes per event, 236 MB for 385,918 events.

Actor, conflict and dyad names are invented and say so (``Rebels MLI-2``, ``Militia SYR-3``);
every ``source_original`` starts with the release note (``"synthetic"`` by default), so a copy
found lying around cannot be mistaken for UCDP data.

Public API: :func:`synthetic_events_frame`, :func:`write_synthetic_ged`, :func:`write_revised_copy`.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sahelwatch.formats.ucdp import GED_COLUMNS

__all__ = [
    "GED_COLUMNS",
    "geom_wkt",
    "priogrid_gid",
    "synthetic_events_frame",
    "write_revised_copy",
    "write_synthetic_ged",
]


#: Progress callback: called with (rows done, rows in total).
Progress = Callable[[int, int], None]

FIRST_YEAR = 1989
LAST_YEAR = 2024
_CHUNK_ROWS = 50_000
_MICRO = 1_000_000

# ---------------------------------------------------------------------------------------------
# Built-in tables (real facts, no UCDP event records), in tables/:
#
# countries.csv, one country a row: Gleditsch-Ward id, UCDP country name, ISO3, UCDP region,
# GED 25.1 event counts 1989-2024 by type of violence (events_sb, events_ns, events_os), jitter of
# invented sites around the country's places in degrees, and year_codes: the event intensity per
# year 1989..2024, one base-36 digit a year, digit d meaning about 2 ** ((d - 1) / 2) events and
# 0 none. Counts and intensities come from the GED 25.1 country-month totals (shared data file
# 7); Niger and Nigeria, missing there, are rough hand estimates.
#
# places.csv, one place a row: Gleditsch-Ward id, latitude, longitude, adm_1, adm_2,
# where_coordinates. Places are event locations of UCDP sample events (shared data files 1-3;
# the most frequent locations of a country and the ones farthest apart), or, for countries
# without such events, a town picked by hand; they are grouped in the order of countries.csv.

TABLES = Path(__file__).parent / "tables"


def _read_table(name: str) -> list[dict[str, str]]:
    with (TABLES / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# Invented wording for the source fields. News outlet names are real publishers; the headlines
# attributed to them are not.
_OFFICES: tuple[str, ...] = (
    "Agence France Presse", "Reuters News", "Associated Press Newswires", "Xinhua News Agency",
    "BBC Monitoring Africa", "BBC Monitoring South Asia", "BBC Monitoring Middle East",
    "BBC Monitoring Former Soviet Union", "Radio France Internationale", "allAfrica.com",
    "Anadolu Agency", "Deutsche Presse-Agentur", "Kyodo News", "Agencia EFE", "ANSA",
    "Al Jazeera", "The New Humanitarian", "Le Monde", "Jeune Afrique", "Studio Tamani",
    "aBamako.com", "Lefaso.net", "ActuNiger", "Sahara Médias", "Le Républicain (Mali)",
    "Premium Times", "Daily Trust", "The Nation (Kenya)", "Garowe Online", "Radio Okapi",
    "Kivu Security Tracker", "SOHR", "VDC", "Iraq Body Count", "South Asia Terrorism Portal",
    "Dawn", "The Hindu", "Press Trust of India", "Pajhwok Afghan News", "Tolo News",
    "Ukrinform", "Kyiv Independent", "Noche y Niebla", "El Tiempo", "El Universal", "Milenio",
    "O Globo", "Folha de S.Paulo", "Myanmar Now", "The Irrawaddy", "Mindanao Examiner",
    "Philippine Daily Inquirer", "Kompas", "Cameroon News Agency", "Sudan Tribune",
    "Radio Tamazuj", "Addis Standard", "Xinhua General News Service",
)  # fmt: skip

# Headline templates: (before number, with number, before place, with place, after place).
_HEADLINES: tuple[tuple[str, bool, str, bool, str], ...] = (
    ("", True, " killed near ", True, ""),
    ("Army: ", True, " militants killed in ", True, ""),
    ("Clashes in ", False, "", True, " leave several dead"),
    ("", True, " civilians killed in ", True, ""),
    ("Gunmen attack market in ", False, "", True, ""),
    ("Incidents in ", False, "", True, ""),
    ("Roadside bomb kills ", True, " soldiers near ", True, ""),
    ("Attack on army post at ", False, "", True, ""),
    ("Militia fighting around ", False, "", True, ""),
    ("", True, ' dead as "bandits" raid ', True, ""),
    ("Air strikes near ", False, "", True, ""),
    ("Daily briefing: ", True, " killed in ", True, ""),
    ("Police: ", True, " killed in ambush at ", True, ""),
    ("Night attack on ", False, "", True, ", witnesses say"),
    ("Army retakes ", False, "", True, ""),
    ("Incident #", True, ": attack near ", True, ""),
    ("Weekly security roundup", False, "", False, ""),
    ("", True, " abducted in raid on ", True, ""),
)  # fmt: skip

_MONITORING_TAIL = "\nCR \tSource: monitoring service, local radio"

_ORIGINALS: tuple[str, ...] = (
    "", "Local sources", "Police", "Army", "Witnesses", "Officials", "Hospital", "Residents",
    "NGO", "Rebels", "Local media", "UN",
)  # fmt: skip

# where_description: (prefix, suffix) around the place name.
_DESCRIPTIONS: tuple[tuple[str, str], ...] = (
    ("", ""), ("near ", ""), ("in ", ""), ("outskirts of ", ""), ("village of ", ""),
    ("road to ", ""), ("around ", ""), ("north of ", ""), ("market of ", ""), ("camp in ", ""),
)  # fmt: skip

# Probabilities of 1, 2, ..., 12 sources for an event (without a legacy citation).
_SOURCE_COUNT_P = (0.75, 0.14, 0.05, 0.025, 0.012, 0.007, 0.005, 0.003, 0.002, 0.002, 0.002, 0.002)


@dataclass(frozen=True)
class _Tables:
    """The parsed country and place tables (index c = row of ``countries.csv``)."""

    gw: np.ndarray
    name: pa.Array
    iso: pa.Array
    region: pa.Array
    tov_cum: np.ndarray
    jitter_micro: np.ndarray
    year_w: np.ndarray
    place_start: np.ndarray
    place_lat: np.ndarray
    place_lon: np.ndarray
    place_name: pa.Array
    place_adm1: pa.Array
    place_adm2: pa.Array


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    rows = _read_table("countries.csv")
    places = _read_table("places.csv")
    row_of = {int(r["gwno"]): i for i, r in enumerate(rows)}
    place_country = np.array([row_of[int(p["gwno"])] for p in places])
    if np.any(np.diff(place_country) < 0):
        raise AssertionError("places.csv must be grouped in the order of countries.csv")
    tov = np.array([[float(r[f"events_{t}"]) for t in ("sb", "ns", "os")] for r in rows])
    year_w = np.array(
        [
            [0.0 if ch == "0" else 2.0 ** ((int(ch, 36) - 1) / 2) for ch in r["year_codes"]]
            for r in rows
        ]
    )
    if year_w.shape[1] != LAST_YEAR - FIRST_YEAR + 1:
        raise AssertionError("year codes must cover 1989-2024")
    return _Tables(
        gw=np.array([int(r["gwno"]) for r in rows], dtype=np.int64),
        name=pa.array([r["country"] for r in rows]),
        iso=pa.array([r["iso3"] for r in rows]),
        region=pa.array([r["region"] for r in rows]),
        tov_cum=np.cumsum(tov / tov.sum(axis=1, keepdims=True), axis=1),
        jitter_micro=np.array([float(r["jitter_deg"]) * _MICRO for r in rows]),
        year_w=year_w,
        place_start=np.searchsorted(place_country, np.arange(len(rows) + 1)),
        place_lat=np.array([round(float(p["latitude"]) * _MICRO) for p in places], dtype=np.int64),
        place_lon=np.array([round(float(p["longitude"]) * _MICRO) for p in places], dtype=np.int64),
        place_name=pa.array([p["where_coordinates"] for p in places]),
        place_adm1=pa.array([p["adm_1"] or None for p in places]),
        place_adm2=pa.array([p["adm_2"] or None for p in places]),
    )


_MAX_DYADS = 5


@dataclass(frozen=True)
class _Dyads:
    """Invented dyads: ``_MAX_DYADS`` slots per (country, type of violence), index
    ``(c * 3 + tov - 1) * _MAX_DYADS + k``; ``count[c, tov - 1]`` slots are used."""

    count: np.ndarray
    conflict_new_id: np.ndarray
    dyad_new_id: np.ndarray
    side_a_new_id: np.ndarray
    side_b_new_id: np.ndarray
    side_b_dset_id: np.ndarray
    gwnoa: pa.Array
    conflict_name: pa.Array
    dyad_name: pa.Array
    side_a: pa.Array
    side_b: pa.Array


@lru_cache(maxsize=1)
def _dyads() -> _Dyads:
    t = _tables()
    n_c = len(t.gw)
    tov_p = np.diff(t.tov_cum, axis=1, prepend=0.0)
    totals = t.year_w.sum(axis=1, keepdims=True) * tov_p
    count = np.where(tov_p > 0, np.clip(np.ceil(np.log10(totals + 1)), 1, _MAX_DYADS), 0)
    cols: dict[str, list] = {
        k: [] for k in ("cn", "dn", "an", "bn", "bd", "ga", "c", "d", "a", "b")
    }
    for c in range(n_c):
        gw, name, iso = int(t.gw[c]), t.name[c].as_py(), t.iso[c].as_py()
        government = f"Government of {name}"
        for tov in (1, 2, 3):
            for k in range(_MAX_DYADS):
                local = (c * 3 + tov - 1) * _MAX_DYADS + k
                if tov == 1:
                    side_a, side_b = government, f"Rebels {iso}-{k + 1}"
                    a_id, b_id, conflict_id = 100 + c, 2000 + 2 * local, 200 + c
                    conflict = f"{name}: Government"
                elif tov == 2:
                    side_a, side_b = f"Militia {iso}-{2 * k + 1}", f"Militia {iso}-{2 * k + 2}"
                    a_id, b_id, conflict_id = 2000 + 2 * local, 2001 + 2 * local, 4000 + local
                    conflict = f"{side_a} - {side_b}"
                else:
                    side_a = government if k == 0 else f"Armed group {iso}-{k}"
                    a_id = 100 + c if k == 0 else 2000 + 2 * local
                    side_b, b_id, conflict_id = "Civilians", 1, 8000 + local
                    conflict = f"{side_a} - Civilians"
                cols["cn"].append(conflict_id)
                cols["dn"].append(10_000 + local)
                cols["an"].append(a_id)
                cols["bn"].append(b_id)
                cols["bd"].append(9999 if b_id == 1 else b_id)
                cols["ga"].append(gw if side_a == government else None)
                cols["c"].append(conflict)
                cols["d"].append(f"{side_a} - {side_b}")
                cols["a"].append(side_a)
                cols["b"].append(side_b)
    return _Dyads(
        count=count.astype(np.int64),
        conflict_new_id=np.array(cols["cn"], dtype=np.int64),
        dyad_new_id=np.array(cols["dn"], dtype=np.int64),
        side_a_new_id=np.array(cols["an"], dtype=np.int64),
        side_b_new_id=np.array(cols["bn"], dtype=np.int64),
        side_b_dset_id=np.array(cols["bd"], dtype=np.int64),
        gwnoa=pa.array(cols["ga"], type=pa.int64()),
        conflict_name=pa.array(cols["c"]),
        dyad_name=pa.array(cols["d"]),
        side_a=pa.array(cols["a"]),
        side_b=pa.array(cols["b"]),
    )


# ---------------------------------------------------------------------------------------------
# text helpers (vectorised with pyarrow.compute)


def _join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of string arrays and scalars."""
    return pc.binary_join_element_wise(*parts, "")


def _take(values: pa.Array | Sequence[str], idx: np.ndarray) -> pa.Array:
    arr = values if isinstance(values, pa.Array) else pa.array(list(values))
    return arr.take(pa.array(idx, type=pa.int64()))


def _int_text(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values, type=pa.int64()), pa.string())


def _fixed6(micro: np.ndarray) -> pa.Array:
    """Micro-degrees as text with exactly 6 decimals (``-5.017810``)."""
    micro = np.asarray(micro, dtype=np.int64)
    absolute = np.abs(micro)
    sign = pc.if_else(pa.array(micro < 0), "-", "")
    frac = pc.utf8_lpad(_int_text(absolute % _MICRO), width=6, padding="0")
    return _join(sign, _int_text(absolute // _MICRO), ".", frac)


def _wkt_number(fixed: pa.Array) -> pa.Array:
    """A 6-decimal coordinate as UCDP writes it inside ``geom_wkt`` (trailing zeros dropped)."""
    text = pc.cast(fixed, pa.string())
    return pc.replace_substring_regex(text, pattern=r"\.?0+$", replacement="")


def geom_wkt(latitude: pa.Array, longitude: pa.Array) -> pa.Array:
    """``POINT (lon lat)`` from 6-decimal latitude/longitude text, in UCDP's usual spelling.

    About 7% of UCDP's points are instead written with full precision (``POINT
    (-60.773785069799814 -32.997825373676932)``); latitude/longitude are then that value rounded
    or truncated to 6 decimals. The generator writes such points too.
    """
    return _join("POINT (", _wkt_number(longitude), " ", _wkt_number(latitude), ")")


def priogrid_gid(lat_micro: np.ndarray, lon_micro: np.ndarray) -> np.ndarray:
    """PRIO-GRID cell id of points given in micro-degrees.

    ``gid = floor((lat + 90) / 0.5) * 720 + floor((lon + 180) / 0.5) + 1``, computed in integers
    so that points on cell edges are never misplaced by rounding.
    """
    half = _MICRO // 2
    lat = np.asarray(lat_micro, dtype=np.int64) + 90 * _MICRO
    lon = np.asarray(lon_micro, dtype=np.int64) + 180 * _MICRO
    return (lat // half) * 720 + lon // half + 1


def _date_text(days: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(days.astype("datetime64[D]")), pa.string())


def _zipf_pick(u: np.ndarray, size: np.ndarray, exponent: float) -> np.ndarray:
    """Index in ``0 .. size-1`` drawn with weights ``1/(k+1)**exponent`` from uniforms ``u``."""
    out = np.zeros(len(u), dtype=np.int64)
    for s in np.unique(size):
        rows = size == s
        w = np.cumsum(1.0 / np.arange(1, s + 1) ** exponent)
        out[rows] = np.minimum(np.searchsorted(w / w[-1], u[rows], side="right"), s - 1)
    return out


# ---------------------------------------------------------------------------------------------
# the generator


def _generate(n_events: int, seed: int, first_id: int, release_note: str) -> dict[str, pa.Array]:
    """All 49 columns as typed Arrow arrays (ints, bool, float64, date32, strings)."""
    if n_events < 1:
        raise ValueError(f"n_events must be at least 1, got {n_events}")
    t, dy = _tables(), _dyads()
    rng = np.random.default_rng(seed)
    n, n_years = n_events, LAST_YEAR - FIRST_YEAR + 1

    # where and when: a country-year cell, a type of violence, a day
    cell = rng.choice(t.year_w.size, size=n, p=(t.year_w / t.year_w.sum()).ravel())
    ci, year = cell // n_years, FIRST_YEAR + cell % n_years
    tov = 1 + (rng.random(n)[:, None] >= t.tov_cum[ci, :2]).sum(axis=1)
    jan1 = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    ndays = (year - 1969).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64) - jan1
    start = jan1 + (rng.random(n) * ndays).astype(np.int64)
    date_prec = rng.choice(np.arange(1, 6), size=n, p=[0.85, 0.10, 0.01, 0.025, 0.015])
    duration = np.select(
        [date_prec == 2, date_prec == 3, date_prec == 4, date_prec == 5],
        [
            rng.integers(1, 7, n),
            rng.integers(7, 31, n),
            rng.integers(27, 31, n),
            rng.integers(31, 365, n),
        ],
        0,
    )
    end = np.minimum(start + duration, jan1 + ndays - 1)

    # ids grow roughly with the date; rows are written in id order
    order = np.argsort(start + rng.integers(-45, 46, n), kind="stable")
    ci, year, tov, start, end, date_prec = (
        a[order] for a in (ci, year, tov, start, end, date_prec)
    )
    ids = first_id + np.sort(rng.choice(int(n * 1.45) + 10, size=n, replace=False))

    # places: per country, its real places plus jittered "sites" around them
    per_country = np.bincount(ci, minlength=len(t.gw))
    site_parent, site_lat, site_lon, site_k, site_start = [], [], [], [], [0]
    for c in range(len(t.gw)):
        own = np.arange(t.place_start[c], t.place_start[c + 1])
        extra = int(min(5000, round(per_country[c] / 12))) if per_country[c] else 0
        parent = np.concatenate([own, rng.choice(own, size=extra)])
        shift = np.rint(rng.normal(0.0, t.jitter_micro[c], size=(2, extra))).astype(np.int64)
        site_parent.append(parent)
        site_lat.append(
            t.place_lat[parent] + np.concatenate([np.zeros(len(own), np.int64), shift[0]])
        )
        site_lon.append(
            t.place_lon[parent] + np.concatenate([np.zeros(len(own), np.int64), shift[1]])
        )
        site_k.append(np.concatenate([np.zeros(len(own), np.int64), np.arange(1, extra + 1)]))
        site_start.append(site_start[-1] + len(parent))
    s_parent, s_lat, s_lon, s_k = (
        np.concatenate(x) for x in (site_parent, site_lat, site_lon, site_k)
    )
    starts = np.asarray(site_start)
    site = starts[ci] + _zipf_pick(rng.random(n), starts[ci + 1] - starts[ci], 0.9)
    parent = s_parent[site]
    where_prec = rng.choice(np.arange(1, 8), size=n, p=[0.45, 0.23, 0.14, 0.11, 0.045, 0.02, 0.005])
    first_place = t.place_start[ci]
    lat = np.select(
        [where_prec <= 3, where_prec <= 5],
        [s_lat[site], t.place_lat[parent]],
        t.place_lat[first_place],
    )
    lon = np.select(
        [where_prec <= 3, where_prec <= 5],
        [s_lon[site], t.place_lon[parent]],
        t.place_lon[first_place],
    )
    lat = np.clip(lat, -89_999_999, 89_999_999)
    lon = (lon + 180 * _MICRO) % (360 * _MICRO) - 180 * _MICRO

    # who: an invented dyad of the country and type of violence
    slot = (ci * 3 + tov - 1) * _MAX_DYADS
    dyad = slot + _zipf_pick(rng.random(n), dy.count[ci, tov - 1], 1.2)

    # fatalities: low <= best <= high, deaths_* summing to best
    log_best = np.where(rng.random(n) < 0.003, rng.normal(5.0, 1.5, n), rng.normal(0.5, 1.6, n))
    best = np.where(rng.random(n) < 0.09, 0, np.minimum(np.ceil(np.exp(log_best)), 20_000))
    best = best.astype(np.int64)
    low = np.where(rng.random(n) < 0.10, best - np.floor(best * rng.uniform(0, 0.5, n)), best)
    high = np.where(
        rng.random(n) < 0.15, best + np.ceil(np.maximum(best, 1) * rng.uniform(0, 1.5, n)), best
    )
    split = np.array([[0.3, 0.4, 0.1, 0.2], [0.05, 0.05, 0.05, 0.85], [0.0, 0.0, 0.9, 0.1]])
    deaths = rng.multinomial(best, split[tov - 1])

    # sources: 1..12 per event, or UCDP's legacy free-text citation (number_of_sources = -1)
    legacy = rng.random(n) < np.select([year < 2010, year < 2012], [0.75, 0.3], 0.0)
    n_src = rng.choice(np.arange(1, 13), size=n, p=_SOURCE_COUNT_P)
    items = np.where(legacy, 1, n_src)
    offsets = np.concatenate([[0], np.cumsum(items)]).astype(np.int32)
    of_item = np.repeat(np.arange(n), items)
    n_items = len(of_item)
    office = _take(_OFFICES, rng.integers(0, len(_OFFICES), n_items))
    src_date = _date_text(start[of_item] + np.minimum(rng.geometric(0.35, n_items) - 1, 30))
    tpl = rng.integers(0, len(_HEADLINES), n_items)
    parts = list(zip(*_HEADLINES, strict=True))
    uses_num, uses_place = np.array(parts[1])[tpl], np.array(parts[3])[tpl]
    number = _int_text(np.maximum(best[of_item], 1) + rng.integers(0, 3, n_items))
    place_label = pc.if_else(
        pa.array(where_prec >= 6), _take(t.name, ci), _take(t.place_name, parent)
    )
    headline = _join(
        _take(parts[0], tpl),
        pc.if_else(pa.array(uses_num), number, ""),
        _take(parts[2], tpl),
        pc.if_else(pa.array(uses_place), _take(place_label, of_item), ""),
        _take(parts[4], tpl),
    )
    headline = pc.if_else(
        pa.array(rng.random(n_items) < 0.03), _join(headline, _MONITORING_TAIL), headline
    )

    def per_event(flat: pa.Array) -> pa.Array:
        return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), flat), ";")

    is_legacy = pa.array(legacy)
    first = pa.array(offsets[:-1], type=pa.int64())
    upper_headline = pc.utf8_upper(headline)
    article = pc.if_else(
        is_legacy,
        _join(office.take(first), " ", src_date.take(first), ' "', upper_headline.take(first)),
        per_event(_join('"', office, ",", src_date, ",", headline, '"')),
    )
    original = _take(_ORIGINALS, rng.integers(0, len(_ORIGINALS), n))
    original = pc.if_else(pc.equal(original, ""), release_note, _join(release_note, "; ", original))

    # place text
    country_name = _take(t.name, ci)
    adm1 = pc.if_else(
        pa.array(where_prec <= 5), _take(t.place_adm1, parent), pa.nulls(n, pa.string())
    )
    adm2 = pc.if_else(
        pa.array(where_prec <= 3), _take(t.place_adm2, parent), pa.nulls(n, pa.string())
    )
    site_name = pc.if_else(
        pa.array(s_k[site] > 0),
        _join(_take(t.place_name, parent), " area ", _int_text(s_k[site])),
        _take(t.place_name, parent),
    )
    where_coord = pc.if_else(
        pa.array(where_prec <= 3),
        site_name,
        pc.if_else(
            pa.array(where_prec <= 5), pc.coalesce(adm1, _take(t.place_name, parent)), country_name
        ),
    )
    dtpl = rng.integers(0, len(_DESCRIPTIONS), n)
    dparts = list(zip(*_DESCRIPTIONS, strict=True))
    description = _join(_take(dparts[0], dtpl), where_coord, _take(dparts[1], dtpl))
    with_adm1 = pa.array(rng.random(n) < 0.15)
    description = pc.if_else(
        pc.and_(with_adm1, pc.is_valid(adm1)), _join(description, ", ", adm1), description
    )
    u = rng.random(n)
    description = pc.if_else(
        pa.array(u < 0.015), _join(description, "\n(approximate location)"), description
    )
    description = pc.if_else(pa.array(u > 0.98), "", description)

    # dset ids: the new id as text, occasionally empty ("")
    def dset(ids_: np.ndarray) -> pa.Array:
        return pc.if_else(pa.array(rng.random(n) < 0.003), "", _int_text(ids_))

    # geom_wkt: as in UCDP's files, mostly the coordinates without trailing zeros, but for some
    # events the full-precision point whose rounding or truncation gives latitude/longitude
    lat_text, lon_text = _fixed6(lat), _fixed6(lon)

    def more_digits() -> pa.Array:
        nine = pc.utf8_lpad(_int_text(rng.integers(1, 10**9, n)), width=9, padding="0")
        extra = pc.if_else(pa.array(rng.random(n) < 0.7), nine, _int_text(rng.integers(1, 10, n)))
        return pc.replace_substring_regex(extra, pattern="0+$", replacement="")

    precise = _join("POINT (", lon_text, more_digits(), " ", lat_text, more_digits(), ")")
    wkt = pc.if_else(pa.array(rng.random(n) < 0.07), precise, geom_wkt(lat_text, lon_text))
    gwnob = np.where(rng.random(n) < 0.01, t.gw[rng.integers(0, len(t.gw), n)], -1)
    gwnob_arr = pa.array(gwnob, mask=(gwnob < 0) | (tov != 1), type=pa.int64())
    seq = _group_seq(dyad * 64 + (year - FIRST_YEAR))
    relid = pc.binary_join_element_wise(
        _take(t.iso, ci),
        _int_text(year),
        _int_text(tov),
        _int_text(dy.dyad_new_id[dyad]),
        _int_text(seq),
        "-",
    )
    i64 = pa.int64()
    return {
        "id": pa.array(ids, i64),
        "relid": relid,
        "year": pa.array(year, i64),
        "active_year": pa.array(rng.random(n) < 0.93),
        "code_status": pa.array(np.full(n, "Clear")),
        "type_of_violence": pa.array(tov, i64),
        "conflict_dset_id": dset(dy.conflict_new_id[dyad]),
        "conflict_new_id": pa.array(dy.conflict_new_id[dyad], i64),
        "conflict_name": _take(dy.conflict_name, dyad),
        "dyad_dset_id": dset(dy.dyad_new_id[dyad]),
        "dyad_new_id": pa.array(dy.dyad_new_id[dyad], i64),
        "dyad_name": _take(dy.dyad_name, dyad),
        "side_a_dset_id": dset(dy.side_a_new_id[dyad]),
        "side_a_new_id": pa.array(dy.side_a_new_id[dyad], i64),
        "side_a": _take(dy.side_a, dyad),
        "side_b_dset_id": dset(dy.side_b_dset_id[dyad]),
        "side_b_new_id": pa.array(dy.side_b_new_id[dyad], i64),
        "side_b": _take(dy.side_b, dyad),
        "number_of_sources": pa.array(np.where(legacy, -1, n_src), i64),
        "source_article": article,
        "source_office": pc.if_else(is_legacy, "", per_event(office)),
        "source_date": pc.if_else(is_legacy, "", per_event(src_date)),
        "source_headline": pc.if_else(is_legacy, "", per_event(headline)),
        "source_original": original,
        "where_prec": pa.array(where_prec, i64),
        "where_coordinates": where_coord,
        "where_description": description,
        "adm_1": adm1,
        "adm_2": adm2,
        "latitude": pa.array(lat / _MICRO),
        "longitude": pa.array(lon / _MICRO),
        "geom_wkt": wkt,
        "priogrid_gid": pa.array(priogrid_gid(lat, lon), i64),
        "country": country_name,
        "country_id": pa.array(t.gw[ci], i64),
        "region": _take(t.region, ci),
        "event_clarity": pa.array(np.where(rng.random(n) < 0.93, 1, 2), i64),
        "date_prec": pa.array(date_prec, i64),
        "date_start": pa.array(start.astype("datetime64[D]")),
        "date_end": pa.array(end.astype("datetime64[D]")),
        "deaths_a": pa.array(deaths[:, 0], i64),
        "deaths_b": pa.array(deaths[:, 1], i64),
        "deaths_civilians": pa.array(deaths[:, 2], i64),
        "deaths_unknown": pa.array(deaths[:, 3], i64),
        "best": pa.array(best, i64),
        "high": pa.array(high.astype(np.int64), i64),
        "low": pa.array(low.astype(np.int64), i64),
        "gwnoa": dy.gwnoa.take(pa.array(dyad, i64)),
        "gwnob": gwnob_arr,
    }


def _group_seq(key: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each value of ``key``, in row order."""
    idx = np.argsort(key, kind="stable")
    k = key[idx]
    pos = np.arange(len(k))
    first = np.maximum.accumulate(np.where(np.r_[True, k[1:] != k[:-1]], pos, 0))
    seq = np.empty_like(pos)
    seq[idx] = pos - first
    return seq


# ---------------------------------------------------------------------------------------------
# CSV writing in UCDP's format


def _as_text(arr: pa.Array) -> pa.Array:
    """A typed column as GED CSV text (null stays null: written as an empty field)."""
    typ = arr.type
    if pa.types.is_boolean(typ):
        return pc.if_else(arr, "true", "false")
    if pa.types.is_date(typ):
        return _join(pc.cast(arr, pa.string()), " 00:00:00.000")
    if pa.types.is_floating(typ):
        return _fixed6(np.rint(arr.to_numpy(zero_copy_only=False) * _MICRO).astype(np.int64))
    if pa.types.is_integer(typ):
        return pc.cast(arr, pa.string())
    return arr


def _csv_field(text: pa.Array) -> pa.Array:
    """Minimal CSV quoting as UCDP does it: null -> empty field, "" -> ``""``, quote when the
    value holds a comma, quote or line break."""
    needs = pc.match_substring_regex(text, r'[,"\r\n]')
    quoted = _join('"', pc.replace_substring(text, '"', '""'), '"')
    out = pc.if_else(pc.equal(text, ""), '""', pc.if_else(needs, quoted, text))
    return pc.fill_null(out, "")


def _string_bytes(arr: pa.Array) -> pa.Buffer:
    """The concatenated UTF-8 bytes of a string array without nulls."""
    if arr.null_count:
        raise AssertionError("unexpected null in a CSV line")
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[
        arr.offset : arr.offset + len(arr) + 1
    ]
    return arr.buffers()[2].slice(int(offsets[0]), int(offsets[-1] - offsets[0]))


def _write_csv(path: Path, text_columns: Sequence[pa.Array], progress: Progress | None) -> None:
    n = len(text_columns[0])
    if progress:
        progress(0, n)
    with pa.output_stream(str(path)) as out:
        out.write((",".join(GED_COLUMNS) + "\n").encode())
        for lo in range(0, n, _CHUNK_ROWS):
            fields = [_csv_field(c.slice(lo, _CHUNK_ROWS)) for c in text_columns]
            lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*fields, ","), "", "\n")
            out.write(_string_bytes(lines))
            if progress:
                progress(min(lo + _CHUNK_ROWS, n), n)


def _read_text(path: Path) -> pa.Table:
    """A GED CSV with every column as text; an empty field is null, a quoted ``""`` is ""."""
    table = pacsv.read_csv(
        str(path),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in GED_COLUMNS},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    if tuple(table.column_names) != GED_COLUMNS:
        raise ValueError(f"{path}: the header is not the 49 UCDP GED columns in UCDP's order")
    return table


# ---------------------------------------------------------------------------------------------
# public API


def synthetic_events_frame(
    n_events: int = 385_918, seed: int = 0, *, first_id: int = 1, release_note: str = "synthetic"
) -> pd.DataFrame:
    """SYNTHETIC GED-like events as a typed DataFrame (the core of the CSV writers).

    Parameters
    ----------
    n_events : number of events (rows).
    seed : seed of the random generator; equal arguments give equal frames.
    first_id : smallest possible event ``id``; ids are unique, increasing roughly with the date.
    release_note : prefix of every ``source_original`` marking the rows as synthetic.

    Returns
    -------
    pandas.DataFrame
        The 49 GED columns in UCDP's order: integers as ``int64`` (``gwnoa``/``gwnob`` as
        nullable ``Int64``), ``active_year`` as bool, ``latitude``/``longitude`` as float
        (6 decimals), ``date_start``/``date_end`` as ``datetime64``, text as strings with
        missing ``adm_1``/``adm_2`` as NA.
    """
    columns = _generate(n_events, seed, first_id, release_note)
    frame: dict[str, pd.Series] = {}
    for name, arr in columns.items():
        if pa.types.is_date(arr.type):
            frame[name] = pd.to_datetime(arr.to_pandas(date_as_object=False))
        elif pa.types.is_integer(arr.type) and arr.null_count:
            frame[name] = arr.to_pandas().astype("Int64")
        else:
            frame[name] = arr.to_pandas()
    return pd.DataFrame(frame, columns=list(GED_COLUMNS))


def write_synthetic_ged(
    path: str | Path,
    n_events: int = 385_918,
    seed: int = 0,
    release_note: str = "synthetic",
    *,
    progress: Progress | None = None,
) -> Path:
    """Write a SYNTHETIC GED CSV in UCDP's layout (see the module docstring).

    Parameters
    ----------
    path : output file; a ``.gz`` suffix writes gzip-compressed CSV.
    n_events : number of events; the default is the size of GED 25.1 (about 220 MB).
    seed : seed of the random generator; equal arguments give identical bytes.
    release_note : prefix of every ``source_original``, marking the rows as synthetic.
    progress : optional callback ``progress(rows_written, n_events)``.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    columns = _generate(n_events, seed, 1, release_note)
    _write_csv(path, [_as_text(columns[c]) for c in GED_COLUMNS], progress)
    return path


def write_revised_copy(
    src: str | Path,
    dst: str | Path,
    share_revised: float = 0.05,
    share_new: float = 0.02,
    seed: int = 1,
    *,
    release_note: str = "synthetic revision",
    progress: Progress | None = None,
) -> Path:
    """Write a "newer release" of a GED CSV: same rows and ids, some revised, some added.

    ``round(share_revised * n)`` rows get more deaths (``best``, ``deaths_unknown`` and, where
    needed, ``high`` go up; ``low`` is kept), one more source (``number_of_sources`` and the four
    ``source_*`` fields) and ``active_year`` true. ``round(share_new * n)`` SYNTHETIC events with
    new ids are appended. All other rows are copied byte for byte.

    Parameters
    ----------
    src : a GED CSV in UCDP's format (normally one written by :func:`write_synthetic_ged`).
    dst : output file.
    share_revised, share_new : shares of the source's row count, each in [0, 1].
    seed : seed of the random generator.
    release_note : ``source_original`` prefix of the appended events.
    progress : optional callback ``progress(rows_written, rows_in_total)``.

    Returns
    -------
    Path
        ``dst``.
    """
    if not (0 <= share_revised <= 1 and 0 <= share_new <= 1):
        raise ValueError("share_revised and share_new must lie in [0, 1]")
    table = _read_text(Path(src))
    n = table.num_rows
    rng = np.random.default_rng(seed)
    revised = np.zeros(n, dtype=bool)
    revised[rng.choice(n, size=round(share_revised * n), replace=False)] = True
    cols = {c: table.column(c).combine_chunks() for c in GED_COLUMNS}

    def number(name: str) -> np.ndarray:
        return pc.cast(pc.cast(cols[name], pa.float64()), pa.int64()).to_numpy(zero_copy_only=False)

    best, high = number("best"), number("high")
    added = rng.geometric(0.3, n)
    new_best = best + added
    changes: dict[str, pa.Array] = {
        "best": _int_text(new_best),
        "deaths_unknown": _int_text(number("deaths_unknown") + added),
        "high": _int_text(np.maximum(high, new_best + rng.integers(0, 3, n))),
        "number_of_sources": _int_text(np.maximum(number("number_of_sources"), 1) + 1),
        "active_year": pa.array(np.full(n, "true")),
    }
    office = _take(_OFFICES, rng.integers(0, len(_OFFICES), n))
    days = pc.cast(pc.utf8_slice_codeunits(cols["date_end"], 0, 10), pa.date32())
    src_date = _date_text(
        days.to_numpy(zero_copy_only=False).astype("datetime64[D]").astype(np.int64)
        + rng.integers(1, 60, n)
    )
    headline = _join(
        "Update: death toll in ", cols["where_coordinates"], " revised to ", changes["best"]
    )
    changes["source_article"] = _join(
        cols["source_article"], ';"', office, ",", src_date, ",", headline, '"'
    )
    for name, extra in (
        ("source_office", office),
        ("source_date", src_date),
        ("source_headline", headline),
    ):
        old = pc.fill_null(cols[name], "")
        changes[name] = pc.if_else(pc.equal(old, ""), extra, _join(old, ";", extra))
    mask = pa.array(revised)
    for name, new in changes.items():
        cols[name] = pc.if_else(mask, new, cols[name])

    n_new = round(share_new * n)
    if n_new:
        first_id = int(number("id").max()) + 1
        fresh = _generate(n_new, int(rng.integers(2**62)), first_id, release_note)
        for c in GED_COLUMNS:
            cols[c] = pa.concat_arrays([cols[c], _as_text(fresh[c]).cast(pa.string())])
    dst = Path(dst)
    _write_csv(dst, [cols[c] for c in GED_COLUMNS], progress)
    return dst
