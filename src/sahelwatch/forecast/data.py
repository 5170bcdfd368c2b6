"""Country-month fatality series read from the store, and forecast frames written back to it.

Everything a forecast knows about the past comes through :func:`load_country_panel`, which reads
only months up to and including ``until``. A month that no source covers for a country stays
``NaN`` ("no data"); it is never filled with zero.

Sources and their precedence (the first that covers a country-month wins, per series):

=========  ==========================================================================
series     sources, in order
=========  ==========================================================================
sb/ns/os   UCDP GED events > VIEWS ``views_cm`` > UCDP Candidate events > Candidate
           country-month sums (``ucdp_candidate_cm``)
total      UCDP GED events > GED country-month totals (``ucdp_ged_cm``) > VIEWS (sum of the
           three types) > UCDP Candidate events > Candidate country-month sums
=========  ==========================================================================

Where country-month totals of a newer UCDP release and events of an older one both cover a
country-month (GED 25.1 totals over GED 24.1 events: Mali 1989-2023), the totals come first,
as in the country panel (:func:`sahelwatch.panels.totals_months`); they carry the total only,
so the types still follow the table.

Event sources count only in months their releases cover (table ``coverage``); a covered month
without events is a real zero. An event's deaths count in the month of ``date_start``, or are
shared evenly over the months from ``date_start`` to ``date_end`` when it spans several
(:mod:`sahelwatch.panels.spread`, the default).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from sahelwatch.errors import QueryError
from sahelwatch.gazetteer import CM_FAMILIES, EVENT_FAMILIES
from sahelwatch.panels.build import totals_months
from sahelwatch.panels.schema import TOTALS_FAMILIES
from sahelwatch.panels.spread import MultiMonth, month_sql, multi_month_rule, spread_sql
from sahelwatch.periods import add_months, format_month
from sahelwatch.samples import COLUMNS as SAMPLE_COLUMNS
from sahelwatch.samples import StagedRun, in_files, register, rows_sql, stage
from sahelwatch.store import Store

TARGETS: tuple[str, ...] = ("sb", "ns", "os", "total")
"""Forecast targets: UCDP best estimates by type of violence, and their total."""

# Sources of each series, in order of precedence.
PRECEDENCE: dict[str, tuple[str, ...]] = {
    "sb": ("ucdp_ged", "views_cm", "ucdp_candidate", "ucdp_candidate_cm"),
    "ns": ("ucdp_ged", "views_cm", "ucdp_candidate", "ucdp_candidate_cm"),
    "os": ("ucdp_ged", "views_cm", "ucdp_candidate", "ucdp_candidate_cm"),
    "total": ("ucdp_ged", "ucdp_ged_cm", "views_cm", "ucdp_candidate", "ucdp_candidate_cm"),
}

# unit_id: Gleditsch-Ward code (country) or PRIO-GRID gid (grid); unit_code: the P-code of an
# admin unit (unit_id NULL). Tables made before admin-1 forecasts gain unit_code when written to.
FORECASTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS forecasts (
    origin DATE NOT NULL, model_version VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
    level VARCHAR NOT NULL, unit_id BIGINT, month DATE NOT NULL,
    target VARCHAR NOT NULL, draw INTEGER NOT NULL, value DOUBLE NOT NULL, unit_code VARCHAR)
"""
_FORECASTS_MIGRATION = (
    "ALTER TABLE forecasts ADD COLUMN IF NOT EXISTS unit_code VARCHAR",
    "ALTER TABLE forecasts ALTER COLUMN unit_id DROP NOT NULL",
)
FORECAST_COLUMNS = ["level", "unit_id", "month", "target", "draw", "value"]


def month_number(month: date) -> int:
    """Months since year 0, so that differences of two months are month counts."""
    return month.year * 12 + month.month - 1


@dataclass(frozen=True)
class CountryPanel:
    """Monthly fatalities of every unit, month and target, ``NaN`` where there are no data.

    Attributes
    ----------
    units : unit ids, sorted (shape ``(n_units,)``): Gleditsch-Ward codes at country level,
        P-codes at admin-1 level, gids at grid level.
    start : the first month of the panel.
    values : array ``(n_units, n_months, len(TARGETS))``; ``values[:, -1]`` is the last month.
    covariates : optional array ``(n_units, n_months, n_covariates)`` of features known at
        each month (``NaN`` = unknown), named by ``covariate_names``.
    """

    units: np.ndarray
    start: date
    values: np.ndarray
    covariates: np.ndarray | None = None
    covariate_names: tuple[str, ...] = ()

    @property
    def n_months(self) -> int:
        """Number of months in the panel."""
        return int(self.values.shape[1])

    @property
    def end(self) -> date:
        """The last month of the panel."""
        return add_months(self.start, self.n_months - 1)

    def month(self, index: int) -> date:
        """The month at position ``index``."""
        return add_months(self.start, index)

    def index(self, month: date) -> int:
        """Position of ``month`` on the panel's month axis."""
        return month_number(month) - month_number(self.start)

    def until(self, month: date) -> CountryPanel:
        """The panel cut after ``month``: nothing later survives, not even as ``NaN``."""
        i = self.index(month)
        if i < 0:
            raise QueryError(f"{format_month(month)} is before the panel starts.")
        if i >= self.n_months - 1:
            return self
        cov = None if self.covariates is None else self.covariates[:, : i + 1].copy()
        return replace(self, values=self.values[:, : i + 1].copy(), covariates=cov)

    def frame(self) -> pd.DataFrame:
        """The panel as a long table: unit_id, month, target, value (``NaN`` = no data)."""
        n_units, n_months, n_targets = self.values.shape
        months = [format_month(self.month(i)) for i in range(n_months)]
        return pd.DataFrame(
            {
                "unit_id": np.repeat(self.units, n_months * n_targets),
                "month": np.tile(np.repeat(months, n_targets), n_units),
                "target": np.tile(TARGETS, n_units * n_months),
                "value": self.values.reshape(-1),
            }
        )


def newest_covered_month(store: Store) -> date:
    """The newest month that any release covers."""
    row = store.con.execute("SELECT max(month) FROM coverage").fetchone()
    if not row or row[0] is None:
        raise QueryError("the store covers no month yet; ingest data first.")
    return _as_date(row[0])


def forecast_units(store: Store) -> np.ndarray:
    """The units forecast at country level: the countries VIEWS covers (191), else every
    country that any UCDP source covers. This reads which countries a source covers, never
    their values."""
    rows = store.con.execute(
        "SELECT DISTINCT c.country_gw FROM coverage c JOIN releases r USING (release_id) "
        "WHERE r.source = 'views_cm' ORDER BY 1"
    ).fetchall()
    if not rows:
        rows = store.con.execute(
            "SELECT DISTINCT c.country_gw FROM coverage c JOIN releases r USING (release_id) "
            "WHERE list_contains($sources, r.source) ORDER BY 1",
            {"sources": [*EVENT_FAMILIES["ucdp"], *TOTALS_FAMILIES["ucdp"]]},
        ).fetchall()
    if not rows:
        raise QueryError("the store holds no country-month or UCDP data to forecast from.")
    return np.array([r[0] for r in rows], dtype=np.int64)


def load_country_panel(
    store: Store,
    until: date | None = None,
    units: Sequence[int] | None = None,
    start: date | None = None,
    multi_month: str | None = None,
) -> CountryPanel:
    """Read the country-month series of every target up to and including ``until``.

    Parameters
    ----------
    store : the store to read.
    until : the last month read (default: the newest covered month). The panel's month axis
        ends exactly there, even when that month has no data.
    units : Gleditsch-Ward codes (default :func:`forecast_units`).
    start : the first month (default: the oldest month with data, not before 1989-01).
    multi_month : ``spread`` or ``start``, as for :func:`sahelwatch.panels.build_panel`.

    Returns
    -------
    CountryPanel
        ``NaN`` wherever no source covers the country-month.

    Examples
    --------
    >>> panel = load_country_panel(store, until=date(2025, 2, 1))
    >>> panel.values.shape  # countries, months, targets
    (191, 434, 4)
    """
    until = until or newest_covered_month(store)
    until = date(until.year, until.month, 1)
    unit_ids = np.array(sorted(units), dtype=np.int64) if units else forecast_units(store)
    cm = _cm_rows(store, until)
    ev = _event_rows(store, until, multi_month_rule(multi_month))
    if start is None:
        firsts = [f["month"].min() for f in (cm, ev) if len(f)]
        start = max(_as_date(min(firsts)), date(1989, 1, 1)) if firsts else until
    n_months = month_number(until) - month_number(start) + 1
    if n_months < 1:
        raise QueryError(f"the panel would start after {format_month(until)}.")
    values = np.full((len(unit_ids), n_months, len(TARGETS)), np.nan)
    layers: dict[str, pd.DataFrame] = {}
    for name, group in list(cm.groupby("source")) + list(ev.groupby("source")):
        layers[str(name)] = group
    newer = np.zeros((len(unit_ids), n_months), dtype=bool)
    u, m, ok = _cells(totals_months(store), unit_ids, start, n_months)
    newer[u[ok], m[ok]] = True
    for k, target in enumerate(TARGETS):
        for source in TOTALS_FAMILIES["ucdp"]:  # newer totals first, as in the country panel
            if source in layers:
                _fill(values[:, :, k], layers[source], f"best_{target}", unit_ids, start, newer)
        for source in PRECEDENCE[target]:
            if source in layers:
                _fill(values[:, :, k], layers[source], f"best_{target}", unit_ids, start)
    return CountryPanel(unit_ids, start, values)


def _cells(
    frame: pd.DataFrame, unit_ids: np.ndarray, start: date, n_months: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit and month positions of the rows of ``frame`` (``country_gw``, ``month``), and the
    mask of the rows that lie in the panel."""
    u = np.searchsorted(unit_ids, frame["country_gw"].to_numpy())
    ok = (u < len(unit_ids)) & (
        unit_ids[np.minimum(u, len(unit_ids) - 1)] == frame["country_gw"].to_numpy()
    )
    m = _month_index(frame["month"], start)
    ok &= (m >= 0) & (m < n_months)
    return u, m, ok


def _fill(
    plane: np.ndarray,
    frame: pd.DataFrame,
    column: str,
    unit_ids: np.ndarray,
    start: date,
    where: np.ndarray | None = None,
) -> None:
    """Fill the unknown cells of ``plane`` (units x months) with ``frame[column]`` where it is
    known, only in the cells ``where`` marks if given."""
    u, m, ok = _cells(frame, unit_ids, start, plane.shape[1])
    col = frame[column].to_numpy(dtype=float, na_value=np.nan)
    ok &= ~np.isnan(col)
    u, m, col = u[ok], m[ok], col[ok]
    free = np.isnan(plane[u, m])
    if where is not None:
        free &= where[u, m]
    plane[u[free], m[free]] = col[free]


def _cm_rows(store: Store, until: date) -> pd.DataFrame:
    sql = (
        f"WITH cur AS ({store.current_sql('cm_versions')}) "
        "SELECT source, country_gw, month, best_sb, best_ns, best_os, "
        "coalesce(best_total, CASE WHEN source = 'views_cm' THEN best_sb + best_ns + best_os END)"
        " AS best_total FROM cur WHERE month <= $until AND list_contains($sources, source)"
    )
    return store.con.execute(sql, {"until": until, "sources": list(CM_FAMILIES)}).df()


def _event_rows(store: Store, until: date, rule: MultiMonth) -> pd.DataFrame:
    sources = ", ".join(f"'{s}'" for s in EVENT_FAMILIES["ucdp"])
    spread = spread_sql(rule, month_sql("date_start"), month_sql("date_end"))
    sql = f"""
    WITH cov AS (
        SELECT DISTINCT r.source, c.country_gw, c.month
        FROM coverage c JOIN releases r USING (release_id)
        WHERE r.kind = 'event' AND r.source IN ({sources}) AND c.month <= $until),
    shares AS (
        SELECT source, country_gw, violence_type, best, {spread}
        FROM ({store.current_sql("event_versions")})
        WHERE date_start < $until + INTERVAL 1 MONTH AND source IN ({sources})),
    ev AS (
        SELECT source, country_gw, make_date(mo // 12, mo % 12 + 1, 1) AS month,
               violence_type, best * share AS best
        FROM shares)
    SELECT cov.source, cov.country_gw, cov.month,
        coalesce(sum(best) FILTER (WHERE violence_type = 'sb'), 0) AS best_sb,
        coalesce(sum(best) FILTER (WHERE violence_type = 'ns'), 0) AS best_ns,
        coalesce(sum(best) FILTER (WHERE violence_type = 'os'), 0) AS best_os,
        coalesce(sum(best) FILTER (WHERE violence_type IN ('sb', 'ns', 'os')), 0) AS best_total
    FROM cov LEFT JOIN ev USING (source, country_gw, month)
    GROUP BY ALL
    """
    return store.con.execute(sql, {"until": until}).df()


def _as_date(value: object) -> date:
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    return date(stamp.year, stamp.month, 1)


def _month_index(months: pd.Series, start: date) -> np.ndarray:
    stamps = pd.to_datetime(months)
    return (stamps.dt.year.to_numpy() * 12 + stamps.dt.month.to_numpy() - 1) - month_number(start)


# --- forecast frames ---------------------------------------------------------------------------


def draws_frame(
    level: str,
    units: np.ndarray,
    months: Sequence[date],
    targets: Sequence[str],
    draws: np.ndarray,
) -> pd.DataFrame:
    """One row per sample from an array ``draws[unit, month, target, draw]``.

    Columns: level, unit_id (int32 for numeric ids, categorical P-codes otherwise), month
    (``YYYY-MM``), target, draw, value.
    """
    n_units, n_months, n_targets, n_draws = draws.shape
    if (n_units, n_months, n_targets) != (len(units), len(months), len(targets)):
        raise ValueError("draws do not match units x months x targets.")
    per_unit = n_months * n_targets * n_draws
    month_labels = [format_month(m) for m in months]
    month_codes = np.tile(
        np.repeat(np.arange(n_months, dtype=np.int16), n_targets * n_draws), n_units
    )
    target_codes = np.tile(
        np.repeat(np.arange(n_targets, dtype=np.int8), n_draws), n_units * n_months
    )
    return pd.DataFrame(
        {
            "level": pd.Categorical.from_codes(
                np.zeros(n_units * per_unit, np.int8), pd.Index([level])
            ),
            "unit_id": _unit_column(np.asarray(units), per_unit),
            "month": pd.Categorical.from_codes(month_codes, pd.Index(month_labels)),
            "target": pd.Categorical.from_codes(target_codes, pd.Index(list(targets))),
            "draw": np.tile(np.arange(n_draws, dtype=np.int16), n_units * n_months * n_targets),
            "value": draws.reshape(-1).astype(np.float32),
        }
    )


def _unit_column(units: np.ndarray, per_unit: int) -> np.ndarray | pd.Categorical[str]:
    if np.issubdtype(units.dtype, np.integer):
        return np.repeat(units.astype(np.int32), per_unit)
    labels = [str(u) for u in units]
    codes = np.repeat(np.arange(len(labels), dtype=np.int32), per_unit)
    return pd.Categorical.from_codes(codes, pd.Index(labels).unique())


KEYS = ["level", "unit_id", "month", "target"]
DEFAULT_QUANTILES: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
THRESHOLDS: tuple[int, ...] = (1, 25, 100)


def summarize(
    frame: pd.DataFrame,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    thresholds: Sequence[int] = THRESHOLDS,
) -> pd.DataFrame:
    """Quantiles and exceedance probabilities of each unit-month-target.

    Parameters
    ----------
    frame : samples as returned by :func:`sahelwatch.forecast.forecast`.
    quantiles : probabilities of the quantiles (columns ``q05``, ``q50``, ...).
    thresholds : ``p_ge_N`` columns: share of draws with at least N fatalities.

    Returns
    -------
    pandas.DataFrame
        One row per level, unit_id, month, target with ``mean``, the quantiles and
        probabilities.
    """
    n = _block_size(frame)
    if n is not None:  # the layout of `draws_frame`: no sorting needed
        out = frame.iloc[np.arange(0, len(frame), n)][KEYS].reset_index(drop=True)
        matrix = frame["value"].to_numpy(dtype=float).reshape(-1, n)
    else:
        ordered = frame.sort_values([*KEYS, "draw"], kind="stable")
        sizes = ordered.groupby(KEYS, observed=True, sort=False).size().to_numpy()
        if len(sizes) == 0 or sizes.min() != sizes.max():
            raise ValueError("every unit-month-target must have the same number of draws")
        n = int(sizes[0])
        out = ordered.iloc[np.arange(0, len(ordered), n)][KEYS].reset_index(drop=True)
        matrix = ordered["value"].to_numpy(dtype=float).reshape(-1, n)
    out = out.astype({"month": str, "target": str, "level": str})
    out["mean"] = matrix.mean(axis=1)
    for q, row in zip(quantiles, np.quantile(matrix, list(quantiles), axis=1), strict=True):
        out[f"q{round(q * 100):02d}"] = row
    for t in thresholds:
        out[f"p_ge_{t}"] = (matrix >= t).mean(axis=1)
    return out


def _block_size(frame: pd.DataFrame) -> int | None:
    """Draws per block if rows come in blocks of draws 0..n-1 sharing their keys, else None."""
    draw = frame["draw"].to_numpy()
    if len(draw) == 0:
        return None
    n = int(draw.max()) + 1
    if len(draw) % n or not (draw.reshape(-1, n) == np.arange(n)).all():
        return None
    for column in KEYS:
        values = frame[column]
        codes = values.cat.codes.to_numpy() if isinstance(values.dtype, pd.CategoricalDtype) \
            else values.to_numpy()
        block = codes.reshape(-1, n)
        if not (block == block[:, :1]).all():
            return None
    return n


@contextmanager
def samples_file(frame: pd.DataFrame) -> Iterator[Path]:
    """The samples of ``frame`` in a temporary Parquet file (removed on exit): write it before
    opening the store for :func:`store_forecast`, so that the store is held only for the
    insert."""
    with tempfile.TemporaryDirectory(prefix="sahelwatch-samples-") as folder:
        path = Path(folder) / "samples.parquet"
        frame.to_parquet(path, index=False)
        yield path


def stage_forecast(
    db: str | Path | None,
    samples: pd.DataFrame | str | Path,
    origin: date | str,
    model_version: str,
) -> list[StagedRun] | None:
    """Write the samples as the run files of the store at ``db`` (:mod:`sahelwatch.samples`)
    *before* opening it for :func:`store_forecast`, so that the store is held only to register
    them; None for a DuckLake, where :func:`store_forecast` inserts the samples."""
    from sahelwatch.periods import parse_month

    store_path = in_files(db)
    if store_path is None:
        return None
    origin_month = parse_month(origin) if isinstance(origin, str) else origin
    frame = samples if isinstance(samples, pd.DataFrame) else Path(samples)
    return stage(store_path, frame, origin_month, model_version)


def store_forecast(
    store: Store,
    samples: pd.DataFrame | str | Path | list[StagedRun],
    origin: date | str,
    model_version: str,
) -> int:
    """Store a forecast as the run of its origin, model version and level, replacing an
    earlier one. Returns the number of samples stored.

    ``samples`` is the frame :func:`sahelwatch.forecast.forecast` returned, a Parquet file it
    was written to (``frame.to_parquet(path)``; see :func:`samples_file`), or what
    :func:`stage_forecast` made of either before the store was opened: on a DuckDB file the
    samples are kept in Parquet files beside it and the store holds their list and the view
    ``forecasts`` (:mod:`sahelwatch.samples`), so the store is held for milliseconds once they
    are staged; on a DuckLake they are inserted into the ``forecasts`` table in one statement.

    Examples
    --------
    >>> from sahelwatch.forecast import forecast
    >>> frame = forecast(store, origin="2026-02", horizons=[1], n_draws=100, targets=["total"])
    >>> with Store("mine.duckdb") as mine:
    ...     store_forecast(mine, frame, "2026-02", frame.attrs["model_version"])
    19100
    """
    if isinstance(samples, list):
        return register(store, samples)
    if not store.lake and str(store.path) != ":memory:":
        staged = stage_forecast(store.path, samples, origin, model_version)
        return register(store, staged or [])
    if isinstance(samples, pd.DataFrame):
        with samples_file(samples) as written:
            return store_forecast(store, written, origin, model_version)
    from sahelwatch.periods import parse_month

    origin_month = parse_month(origin) if isinstance(origin, str) else origin
    path = str(samples)
    con = store.con
    con.execute(FORECASTS_SCHEMA)
    for statement in _FORECASTS_MIGRATION:
        con.execute(statement)
    params = {"origin": origin_month, "version": model_version, "path": path}
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "DELETE FROM forecasts WHERE origin = $origin AND model_version = $version AND "
            "level IN (SELECT DISTINCT level::VARCHAR FROM read_parquet($path))",
            params,
        )
        row = con.execute(
            f"INSERT INTO forecasts ({SAMPLE_COLUMNS}) {rows_sql(Path(path))}", params
        ).fetchone()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return int(row[0]) if row else 0


def load_forecast(
    store: Store, origin: date | str, model_version: str, level: str | None = None
) -> pd.DataFrame:
    """Read back samples written by :func:`store_forecast` (columns as in the frame).

    Works on a store opened read-only and writes nothing: a store without forecasts gives an
    empty frame. ``unit_id`` holds P-codes at admin levels (then the column is text).
    """
    from sahelwatch.periods import parse_month

    origin_month = parse_month(origin) if isinstance(origin, str) else origin
    columns = {
        r[0]
        for r in store.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'forecasts'"
        ).fetchall()
    }
    if not columns:
        return pd.DataFrame(columns=FORECAST_COLUMNS)
    unit = "coalesce(unit_code, unit_id::VARCHAR)" if "unit_code" in columns else "unit_id"
    frame = store.con.execute(
        f"SELECT level, unit_id, {unit} AS unit_key, strftime(month, '%Y-%m') AS month, target, "
        "draw, value FROM forecasts WHERE origin = ? AND model_version = ? "
        "AND (? IS NULL OR level = ?) ORDER BY level, unit_id, unit_key, month, target, draw",
        [origin_month, model_version, level, level],
    ).df()
    if frame["unit_id"].isna().any():  # admin units: P-codes
        frame["unit_id"] = frame["unit_key"]
    return frame.drop(columns="unit_key")
