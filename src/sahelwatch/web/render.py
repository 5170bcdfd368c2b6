"""Turning frames into JSON, CSV and GeoJSON responses.

Unknown values (NaN, NA, NaT) are written as JSON ``null`` and empty CSV fields, never as 0:
a month no release covers stays visibly empty. Dates are ``YYYY-MM-DD``, months ``YYYY-MM``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd
from fastapi.responses import Response

__all__ = [
    "CSV",
    "GEOJSON",
    "JSON",
    "Format",
    "clean_value",
    "csv_response",
    "frame_records",
    "json_bytes",
    "json_response",
    "point_features",
]

Format = Literal["json", "csv", "geojson"]
JSON = "application/json"
GEOJSON = "application/geo+json"
CSV = "text/csv; charset=utf-8"
MONTH_COLUMNS = frozenset({"month", "origin"})


def clean_value(value: Any) -> Any:
    """A value JSON can hold: NaN/NA/NaT -> None, numpy scalars -> Python, dates -> text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if math.isnan(f) or math.isinf(f):
            return None
        return int(f) if f.is_integer() and abs(f) < 2**53 else f
    if isinstance(value, pd.Timestamp | datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else str(value.astype("datetime64[D]"))
    if isinstance(value, (list, tuple, np.ndarray)):
        return [clean_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): clean_value(v) for k, v in value.items()}
    return value


def _text_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Date columns as text: months ``YYYY-MM``, days ``YYYY-MM-DD``."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            fmt = "%Y-%m" if column in MONTH_COLUMNS else "%Y-%m-%d"
            out[column] = series.dt.strftime(fmt).astype(object).where(series.notna(), None)
        elif (
            series.dtype == object
            and len(series)
            and isinstance(series.dropna().iloc[0] if series.notna().any() else None, date)
        ):
            fmt = "%Y-%m" if column in MONTH_COLUMNS else "%Y-%m-%d"
            out[column] = series.map(lambda d, f=fmt: d.strftime(f) if isinstance(d, date) else d)
    return out


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dictionaries of JSON-ready values."""
    text = _text_dates(frame)
    columns = [str(c) for c in text.columns]
    return [
        {c: clean_value(v) for c, v in zip(columns, row, strict=True)}
        for row in text.itertuples(index=False, name=None)
    ]


def json_bytes(payload: Any) -> bytes:
    """Compact UTF-8 JSON (no NaN: it is not JSON)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def json_response(
    payload: Any, *, media_type: str = JSON, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON (or GeoJSON) response."""
    return Response(json_bytes(payload), media_type=media_type, headers=dict(headers or {}))


def csv_response(
    frame: pd.DataFrame, filename: str, *, headers: Mapping[str, str] | None = None
) -> Response:
    """A CSV download; list cells are joined with ``;``."""
    text = _text_dates(frame)
    for column in text.columns:
        if text[column].map(lambda v: isinstance(v, (list, tuple, np.ndarray))).any():
            text[column] = text[column].map(
                lambda v: ";".join(map(str, v)) if isinstance(v, (list, tuple, np.ndarray)) else v
            )
    body = text.to_csv(index=False).encode("utf-8")
    all_headers = {"Content-Disposition": f'attachment; filename="{filename}"', **(headers or {})}
    return Response(body, media_type=CSV, headers=all_headers)


def point_features(
    records: Iterable[dict[str, Any]], lon: str = "longitude", lat: str = "latitude"
) -> list[dict[str, Any]]:
    """GeoJSON point features of records; null geometry where a coordinate is missing."""
    features = []
    for record in records:
        x, y = record.get(lon), record.get(lat)
        geometry = (
            {"type": "Point", "coordinates": [x, y]} if x is not None and y is not None else None
        )
        features.append({"type": "Feature", "geometry": geometry, "properties": record})
    return features


def feature_collection(features: Sequence[dict[str, Any]], **members: Any) -> dict[str, Any]:
    """A FeatureCollection with extra top-level members (paging, notes)."""
    return {"type": "FeatureCollection", **members, "features": list(features)}
