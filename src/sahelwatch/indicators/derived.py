"""Indicator series kept per state of the data, so that reading them costs milliseconds.

Computing every indicator of a country takes seconds (panels, placed events, the cells for
diffusion, the region's events for the capital threat); the dashboard asks for them on every
view. They change only when the data do, that is when an ingest adds a file. So the series of
a country at one level, over every month its family covers (what
:func:`~sahelwatch.indicators.indicator_series` gives without a period), is *derived data*:

* kept as one Parquet file per family, level and country in ``<store>.derived/<state>/``, where
  ``<state>`` names the state of the data (:func:`data_state`: the ingest log, so a forecast,
  an alert or a compaction leaves it as it is); :func:`precompute` removes other states';
* computed after an ingest for the countries the dashboard opens on (:func:`precompute`, run by
  ``sahelwatch store derive`` and the main job), and otherwise by the first reader that needs
  it (a web server, a notebook), which keeps it;
* read back to answer :func:`series` (any period within the kept months) and :func:`month`
  (one month: the units' row of the series with their country's state-pressure score),
  which give what :func:`~sahelwatch.indicators.indicator_series` and
  :func:`~sahelwatch.indicators.indicators` give; requests the kept series do not cover
  (another release as of, months beyond the covered ones) are computed as before.

Files are written to a temporary name and renamed, so a reader never sees half of one. A store
that is a DuckLake, or a folder that cannot be written, keeps nothing: everything is computed.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sahelwatch.errors import QueryError
from sahelwatch.gazetteer import ADMIN2_COUNTRIES, SAHEL, iso3_codes
from sahelwatch.indicators.assemble import indicators
from sahelwatch.indicators.series import indicator_series
from sahelwatch.periods import format_month
from sahelwatch.store import Store

__all__ = [
    "STALE_S",
    "code_fingerprint",
    "data_state",
    "derived_dir",
    "full_series",
    "loader",
    "month",
    "precompute",
    "precompute_set",
    "series",
]


@functools.cache
def code_fingerprint() -> str:
    """A short hash of the installed package's Python source, part of every state: after any
    change to the code (an indicator's definition, an upgrade), series kept before are no
    longer read, without anyone having to remember to raise a version."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


#: A loader of full series: (country, level) to the kept frame, None where nothing is kept.
Loader = Callable[[str, str], pd.DataFrame | None]

#: The state-pressure columns of a country-level series, as ``indicators`` names them below
#: country level.
_PRESSURE = {
    "unit_id": "country_gw",
    "capital_nearest_jihadist_km": "country_capital_nearest_jihadist_km",
    **{c: f"country_{c}" for c in ("c_lethality", "c_attacks", "c_civilians", "c_diffusion",
                                    "c_capital", "weight_known", "pressure")},
}  # fmt: skip


def derived_dir(store: Store) -> Path | None:
    """``<store>.derived/`` beside a store file; None for a DuckLake or an in-memory store."""
    if store.lake or str(store.path) == ":memory:":
        return None
    return store.path.with_name(store.path.name + ".derived")


def data_state(store: Store) -> str:
    """A name of the state of the store's data: it changes with every ingest (a row of the
    ingest log) and with the code (:func:`code_fingerprint`), and with nothing else."""
    row = store.con.execute(
        "SELECT count(*), max(file_id), max(finished_at) FROM ingest_log"
    ).fetchone()
    count, last, finished = row if row else (0, None, None)
    stamp = pd.Timestamp(finished).strftime("%Y%m%dT%H%M%S%f") if finished is not None else "-"
    return f"{code_fingerprint()}-{count}-{last or 0}-{stamp}"


def _file(store: Store, country: str, level: str, family: str) -> Path | None:
    from sahelwatch.query import resolve_country

    folder = derived_dir(store)
    if folder is None:
        return None
    gws = "-".join(str(gw) for gw in resolve_country(store, country))
    return folder / data_state(store) / f"{family}-{level}-{gws}.parquet"


def _read(path: Path) -> pd.DataFrame:
    """A kept frame as it was computed: months in seconds, and object columns (text with
    None, lists) as objects again, not text and arrays."""
    table = pq.read_table(path)
    frame = table.to_pandas()
    for column in (table.schema.pandas_metadata or {}).get("columns", []):
        name = column["name"]
        if column.get("numpy_type") == "object" and name in frame:
            values = [v.tolist() if isinstance(v, np.ndarray) else None if v is None or v != v
                      else v for v in frame[name].tolist()]  # fmt: skip
            frame[name] = pd.Series(values, index=frame.index, dtype=object)
    frame["month"] = frame["month"].astype("datetime64[s]")
    return frame


#: Seconds a folder of another state is left alone by readers (a reader of an older snapshot
#: may still keep series there); :func:`precompute` removes such folders at once.
STALE_S = 3600.0


def _keep(path: Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` to ``path`` under a temporary name, then rename it, after removing the
    folders of other states untouched for :data:`STALE_S` (so kept series never outgrow a few
    states, however many ingests a long-running server sees). A folder that cannot be
    written keeps nothing."""
    part = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        if not path.parent.is_dir():
            _remove_states(path.parent.parent, keep=path.parent.name, older_than=STALE_S)
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(part, index=False)
        os.replace(part, path)
    except OSError:
        part.unlink(missing_ok=True)


def full_series(store: Store, country: str, level: str, family: str = "ucdp") -> pd.DataFrame:
    """:func:`~sahelwatch.indicators.indicator_series` of ``country`` at ``level`` over every
    month the family covers there: read back when kept, else computed and kept."""
    path = _file(store, country, level, family)
    if path is not None and path.is_file():
        try:
            return _read(path)
        except (OSError, ValueError):
            path.unlink(missing_ok=True)  # unreadable (a disk that filled up): made again
    frame = indicator_series(store, country, level, family=family)
    if path is not None:
        _keep(path, frame)
    return frame


def loader(store: Store, family: str) -> Loader:
    """A :data:`Loader` of the kept series of ``family`` (None where the family covers no
    month of the country)."""

    def load(country: str, level: str) -> pd.DataFrame | None:
        try:
            return full_series(store, country, level, family)
        except QueryError:
            return None  # no covered month: computed (and explained) as before

    return load


def _months(frame: pd.DataFrame) -> np.ndarray:
    return frame["month"].to_numpy(dtype="datetime64[s]")


def _stamp(month: date) -> np.datetime64:
    return np.datetime64(f"{month:%Y-%m}-01", "s")


def series(
    store: Store,
    country: str,
    level: str,
    start: date | None = None,
    end: date | None = None,
    *,
    family: str = "ucdp",
    as_of: str | None = None,
    load: Loader | None = None,
) -> pd.DataFrame:
    """What :func:`~sahelwatch.indicators.indicator_series` gives (its default window and
    border distance), from the kept series when its months hold the period.

    ``load`` reads the kept series (default :func:`full_series`; a server passes one that
    keeps frames in memory).

    Examples
    --------
    >>> from sahelwatch.indicators import indicator_series
    >>> kept = series(store, "MLI", "admin1", date(2024, 1, 1), date(2024, 12, 1))
    >>> kept.equals(indicator_series(store, "MLI", "admin1", date(2024, 1, 1), date(2024, 12, 1)))
    True
    """
    full = (load or loader(store, family))(country, level) if as_of is None else None
    if full is not None and len(full):
        stamps = _months(full)
        lo = _stamp(start) if start is not None else stamps.min()
        hi = _stamp(end) if end is not None else stamps.max()
        if stamps.min() <= lo <= hi <= stamps.max():
            out = full[(stamps >= lo) & (stamps <= hi)].reset_index(drop=True)
            out.attrs["level"] = level
            return out
    return indicator_series(store, country, level, start, end, family=family, as_of=as_of)


def _rows(full: pd.DataFrame | None, target: np.datetime64) -> pd.DataFrame | None:
    if full is None or not len(full):
        return None
    stamps = _months(full)
    if not stamps.min() <= target <= stamps.max():
        return None
    return full[stamps == target].reset_index(drop=True)


def month(
    store: Store,
    country: str,
    level: str,
    target: date,
    *,
    family: str = "ucdp",
    as_of: str | None = None,
    load: Loader | None = None,
) -> pd.DataFrame:
    """What :func:`~sahelwatch.indicators.indicators` gives for one month (its default window,
    border distance and initiator rule), from the kept series of the units and of their
    country where both hold the month."""
    if as_of is None:
        load = load or loader(store, family)
        stamp = _stamp(target)
        units = _rows(load(country, level), stamp)
        if units is not None and level == "country":
            units.attrs["level"] = level
            return units
        nation = _rows(load(country, "country"), stamp) if units is not None else None
        if units is not None and nation is not None:
            pressure = nation[list(_PRESSURE)].rename(columns=_PRESSURE)
            out = units.merge(pressure, on="country_gw", how="left")
            out.attrs["level"] = level
            return out
    return indicators(store, country, level, format_month(target), family=family, as_of=as_of)


def _remove_states(folder: Path, keep: str, older_than: float) -> None:
    """Remove the state folders in ``folder`` other than ``keep`` last changed more than
    ``older_than`` seconds ago."""
    if not folder.is_dir():
        return
    now = time.time()
    for old in folder.iterdir():
        try:
            stale = old.name != keep and now - old.stat().st_mtime >= older_than
        except OSError:
            continue  # removed meanwhile by another reader
        if stale:
            shutil.rmtree(old, ignore_errors=True)


def precompute_set() -> list[tuple[str, str]]:
    """The (country, level) pairs kept after an ingest: the Sahel countries the dashboard
    follows at country and admin-1 level, and those with bundled admin-2 boundaries at
    admin-2 level."""
    sahel = iso3_codes(SAHEL)
    return [
        *((c, "country") for c in sahel),
        *((c, "admin1") for c in sahel),
        *((c, "admin2") for c in iso3_codes(ADMIN2_COUNTRIES)),
    ]


def precompute(
    store: Store,
    pairs: Iterable[tuple[str, str]] | None = None,
    *,
    family: str = "ucdp",
) -> int:
    """Compute and keep the full series of ``pairs`` (default :func:`precompute_set`) that
    are not kept yet for the store's current state, after removing those of other states;
    returns how many were computed. Nothing is kept for a DuckLake."""
    folder = derived_dir(store)
    if folder is None:
        return 0
    _remove_states(folder, keep=data_state(store), older_than=0.0)
    done = 0
    for country, level in precompute_set() if pairs is None else pairs:
        path = _file(store, country, level, family)
        if path is None or path.is_file():
            continue
        try:
            full_series(store, country, level, family)
        except QueryError:
            continue  # the family covers no month of the country
        done += 1
    return done
