"""The dense unit x month arrays of a panel: rolling sums, months since violence, spatial
lags."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sahelwatch.panels.schema import VALUE_COLUMNS
from sahelwatch.panels.units import PanelUnits


@dataclass
class PanelGrid:
    """Dense unit x month arrays of one panel (rows: ``units.frame``; columns: ``months``).

    Every value column is a view into one float32 ``block`` (column, unit, month) that becomes
    the panel's data without a copy; writers fill the views in place.
    """

    units: PanelUnits
    months: np.ndarray  # ordinals, consecutive
    covered: np.ndarray  # bool (units, months)
    located: np.ndarray
    actors: np.ndarray
    block: np.ndarray
    values: dict[str, np.ndarray]
    release: np.ndarray  # int16 (units, months): code into ``labels`` of the figure's release
    labels: list[str]

    @classmethod
    def empty(
        cls, units: PanelUnits, months: np.ndarray, cov: pd.DataFrame, level: str
    ) -> PanelGrid:
        countries = units.frame["country_gw"].to_numpy(dtype=np.int64)
        shape = (len(countries), len(months))
        flags = {}
        for flag in ("covered", "covered_located", "covered_actors"):
            rows = cov if flag == "covered" else cov[cov[flag]]
            flags[flag] = lookup(rows, countries, months)
        covered = flags["covered"] if level == "country" else flags["covered_located"]
        block = np.empty((len(VALUE_COLUMNS), *shape), dtype=np.float32)
        views = {name: block[i] for i, name in enumerate(VALUE_COLUMNS)}
        names = cov["release" if level == "country" else "release_located"]
        labels = sorted(names.dropna().unique().tolist())
        codes = pd.Index(labels).get_indexer(names)
        release = lookup(cov, countries, months, codes).astype(np.int16)
        return cls(
            units, months, covered, flags["covered_located"],
            flags["covered_actors"] & covered, block, views, release, labels,
        )  # fmt: skip

    def fill(
        self, long: pd.DataFrame, columns: Sequence[str], mask: np.ndarray, zero: bool = True
    ) -> None:
        """Put a long (unit_id, mo, columns...) table into the grid: 0 where ``mask`` holds and
        no row is given (when ``zero``), NaN where ``mask`` does not hold."""
        rows = pd.Index(self.units.frame["unit_id"]).get_indexer(long["unit_id"])
        cols = long["mo"].to_numpy(dtype=np.int64) - self.months[0]
        keep = (rows >= 0) & (cols >= 0) & (cols < len(self.months))
        rows, cols = rows[keep], cols[keep]
        for name in columns:
            grid = self.values[name]
            grid.fill(0.0 if zero else np.nan)
            grid[rows, cols] = long[name].to_numpy(dtype=np.float32, na_value=np.nan)[keep]
            grid[~mask] = np.nan

    def missing(self, columns: Sequence[str]) -> None:
        for name in columns:
            self.values[name].fill(np.nan)


def lookup(
    cov: pd.DataFrame, countries: np.ndarray, months: np.ndarray, values: np.ndarray | None = None
) -> np.ndarray:
    """(len(countries), len(months)): whether (country, month) is in ``cov`` (bool), or, given
    ``values`` (one per row of ``cov``), the value of its row (-1 where none)."""
    fill = False if values is None else -1
    out = np.full((len(countries), len(months)), fill)
    if cov.empty:
        return out
    gws = np.unique(countries)
    table = np.full((len(gws), len(months)), fill)
    r = np.searchsorted(gws, cov["country_gw"].to_numpy(dtype=np.int64))
    c = cov["mo"].to_numpy(dtype=np.int64) - months[0]
    ok = (r < len(gws)) & (c >= 0) & (c < len(months))
    ok[ok] &= gws[r[ok]] == cov["country_gw"].to_numpy(dtype=np.int64)[ok]
    table[r[ok], c[ok]] = True if values is None else values[ok]
    return table[np.searchsorted(gws, countries)]


def rolling_sum(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing sums over ``window`` months along axis 1; NaN when any month in the window is
    NaN (unknown) or the window reaches before the first month.

    Examples
    --------
    >>> rolling_sum(np.array([[1.0, 2.0, np.nan, 4.0, 5.0, 6.0]]), 2)
    array([[nan,  3., nan, nan,  9., 11.]])
    """
    x = np.asarray(values)
    out = np.empty(x.shape, dtype=x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64)
    return rolling_sums(x, (window,), [out])[0]


def rolling_sums(
    values: np.ndarray, windows: Sequence[int], outs: Sequence[np.ndarray]
) -> Sequence[np.ndarray]:
    """:func:`rolling_sum` for several windows into ``outs``, sharing the cumulative sums."""
    x = np.asarray(values)
    unknown = np.isnan(x)
    total = np.zeros((x.shape[0], x.shape[1] + 1))
    np.cumsum(np.where(unknown, 0.0, x), axis=1, out=total[:, 1:])
    gaps = np.zeros((x.shape[0], x.shape[1] + 1), dtype=np.int32)
    np.cumsum(unknown, axis=1, out=gaps[:, 1:])
    for window, sums in zip(windows, outs, strict=True):
        sums[:, : window - 1] = np.nan
        if window <= x.shape[1]:
            diff = total[:, window:] - total[:, :-window]
            diff[gaps[:, window:] != gaps[:, :-window]] = np.nan
            sums[:, window - 1 :] = diff
    return outs


def months_since(active: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Months since the last active month along axis 1, NaN-aware.

    Defined only when that month and every month after it are known: a gap in between, or no
    active month since the start of the record, gives NaN. An active month gives 0.

    Examples
    --------
    >>> months_since(np.array([[1, 0, 0, 0, 1, 0]], bool), np.array([[1, 1, 0, 1, 1, 1]], bool))
    array([[ 0.,  1., nan, nan,  0.,  1.]])
    """
    pos = np.broadcast_to(np.arange(active.shape[1]), active.shape)
    last_active = np.maximum.accumulate(np.where(active & known, pos, -1), axis=1)
    last_gap = np.maximum.accumulate(np.where(~known, pos, -1), axis=1)
    return np.where(last_active > last_gap, pos - last_active, np.nan)


def spatial_lag(
    values: np.ndarray, pairs: tuple[np.ndarray, np.ndarray], out: np.ndarray | None = None
) -> np.ndarray:
    """Sum over each row's neighbours (``pairs``: row, neighbour row); NaN when any neighbour
    is NaN; 0 for a row without neighbours. Written into ``out`` when given."""
    rows, nbrs = pairs
    if out is None:
        out = np.empty(values.shape, dtype=np.result_type(values.dtype, np.float32))
    out.fill(0.0)
    if len(rows):
        order = np.argsort(rows, kind="stable")
        rows, nbrs = rows[order], nbrs[order]
        starts = np.r_[0, np.flatnonzero(np.diff(rows)) + 1]
        rank = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
        for r in range(int(rank.max()) + 1):  # one pass per neighbour rank, not per row
            sel = rank == r
            out[rows[sel]] += values[nbrs[sel]]
    return out
