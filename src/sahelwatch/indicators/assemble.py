"""Every indicator for one country, level and month, and its export (CSV, Parquet, GeoJSON)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from sahelwatch import panels
from sahelwatch.errors import QueryError
from sahelwatch.indicators.pressure import pressure_inputs, state_pressure
from sahelwatch.indicators.series import unit_indicators
from sahelwatch.output import write_output
from sahelwatch.periods import add_months, parse_month
from sahelwatch.store import Store

ExportFormat = Literal["csv", "parquet", "geojson"]

EXPORT_FORMATS: tuple[str, ...] = ("csv", "parquet", "geojson")


def indicators(
    store: Store,
    country: str | int = "MLI",
    level: str = "admin2",
    month: str | date = "2026-02",
    *,
    family: str = "ucdp",
    as_of: str | None = None,
    window: int = 6,
    border_km: float = 50.0,
    heuristic: bool = True,
) -> pd.DataFrame:
    """Every indicator for the units of one country at one level, for one month.

    Parameters
    ----------
    store : the store.
    country : ISO3 code, Gleditsch-Ward number or name.
    level : ``country``, ``admin1``, ``admin2`` or ``cell``.
    month : ``YYYY-MM``.
    family, as_of : as for :func:`sahelwatch.panels.build_panel`.
    window : months of the armed-presence window.
    border_km : distance that counts as near a border.
    heuristic : use the losses-on-one-side rule to tell initiators (see :func:`initiator`).

    Returns
    -------
    pandas.DataFrame
        One row per unit: the panel's key columns and counts, then :func:`deadliness`,
        :func:`danger_to_civilians`, :func:`fragmentation`, :func:`attacks_on_forces`,
        :func:`armed_presence`, :func:`border_violence`, :func:`diffusion` (not at cell
        level) and, for the unit's country, the :func:`state_pressure` score and components
        (prefixed ``country_`` below country level). ``frame.attrs["level"]`` is ``level``.

    Examples
    --------
    >>> frame = indicators(store, "MLI", "admin2", "2026-02")
    >>> len(frame), frame["covered"].all()
    (53, np.True_)
    >>> export_indicators(frame, "geojson", Path("mli.geojson"))
    53
    """
    target = parse_month(month) if isinstance(month, str) else date(month.year, month.month, 1)
    first = add_months(target, 1 - max(window, 1))
    out, gws = unit_indicators(
        store, country, level, first, target, family=family, as_of=as_of, window=window,
        border_km=border_km, heuristic=heuristic,
    )  # fmt: skip
    month_key = np.datetime64(f"{target:%Y-%m}-01", "s")
    out = out[out["month"] == month_key].reset_index(drop=True)
    pressure = state_pressure(
        pressure_inputs(
            store, gws, start=first, end=target, family=family, as_of=as_of, heuristic=heuristic
        )
    )
    pressure = pressure[pressure["month"] == month_key]
    columns = ["nearest_km", "c_lethality", "c_attacks", "c_civilians", "c_diffusion",
               "c_capital", "weight_known", "pressure"]  # fmt: skip
    pressure = pressure[["unit_id", *columns]].rename(columns={"unit_id": "country_gw"})
    if level == "country":
        pressure = pressure.rename(columns={"nearest_km": "capital_nearest_jihadist_km"})
    else:
        pressure = pressure.rename(
            columns={c: f"country_{c}" for c in columns}
            | {"nearest_km": "country_capital_nearest_jihadist_km"}
        )
    out = out.merge(pressure, on="country_gw", how="left")
    out.attrs["level"] = level
    return out


def export_indicators(
    frame: pd.DataFrame,
    fmt: ExportFormat,
    out: Path | None = None,
    *,
    level: str | None = None,
) -> int:
    """Write an indicator frame as CSV, Parquet or GeoJSON to ``out`` (standard output if None).

    GeoJSON joins each row with its unit's boundary (bundled admin units, country outlines, or
    the PRIO-GRID cell square), in EPSG:4326, so the file opens in QGIS. Lists (the armed
    presence evidence) are written as ``;``-separated text in CSV and GeoJSON. The write is
    atomic: a failed export never replaces a good file.

    Returns
    -------
    int
        The number of rows written.
    """
    if fmt not in EXPORT_FORMATS:
        raise QueryError(f"unknown format '{fmt}'; use one of {', '.join(EXPORT_FORMATS)}.")
    level = level or frame.attrs.get("level")
    flat = frame.copy()
    for column in flat.columns:
        if flat[column].map(lambda v: isinstance(v, list)).any():
            flat[column] = flat[column].map(
                lambda v: ";".join(map(str, v)) if isinstance(v, list) else v
            )
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        data = buffer.getvalue()
    elif fmt == "csv":
        data = flat.to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8")
    else:
        if level is None:
            raise QueryError(
                "GeoJSON needs the level of the units (country, admin1, admin2, cell)."
            )
        data = to_geojson(flat, level).encode("utf-8")
    write_output(data, out)
    return len(frame)


def to_geojson(frame: pd.DataFrame, level: str) -> str:
    """A GeoJSON FeatureCollection of unit rows with their boundaries (EPSG:4326)."""
    import geopandas as gpd

    from sahelwatch import geo

    if level == "cell":
        shapes = geo.cell_polygons(frame["unit_id"].to_numpy(dtype=np.int64))
    else:
        units = panels.unit_boundaries(level)
        lookup = pd.Series(units.geometry.to_numpy(), index=units["unit_id"].to_numpy())
        lookup = lookup[~lookup.index.duplicated()]
        shapes = lookup.reindex(frame["unit_id"].to_numpy()).to_numpy()
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    gdf = gpd.GeoDataFrame(out, geometry=list(shapes), crs="EPSG:4326")
    return gdf.to_json(na="null", drop_id=True, ensure_ascii=False)
