"""Numbers in sentences and in tables on the screen."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd


def counted(n: float, noun: str, plural: str | None = None) -> str:
    """``1 event``, ``2 events``, ``1 country``, ``3 countries`` (``plural``: when not
    ``noun`` + s); the number with thousands separators."""
    return f"{n:,.0f} {noun if n == 1 else plural or noun + 's'}"


def cell(value: Any) -> str:
    """A table cell on the screen: "no data" for an unknown (None, NaN, NA), never ``NaN`` or
    ``<NA>``; integers as written (years, ids), other whole numbers without a decimal
    (``1,074,993``), the rest with two; yes or no."""
    if value is None or (not isinstance(value, (str, list, tuple)) and pd.isna(value)):
        return "no data"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):  # years, ids and row numbers: as written
        return str(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}"
    return str(value)
