"""Country-month covariates of the country model, from files bundled for the 8 Sahel countries.

Sets (each a list of features; ``NaN`` for other countries and for months a file does not
cover, so LightGBM treats them as missing):

``gdelt``
    GDELT 1.0 events where the action took place (CAMEO 18-20 conflict, 14 protest):
    ``log1p`` counts and the mean Goldstein score, 1985-01..2025-02 and 2025-12.
``coups``
    Powell & Thyne coup attempts: months since the last attempt (capped at 240) and whether
    one succeeded in the last 60 months; known up to 2024-12 (the list has none in 2024).
``views``
    VIEWS challenge WDI / V-Dem features, 2017-11..2024-04: log GDP per capita, log
    population, infant mortality, liberal democracy, physical integrity, rule of law.

A feature at month ``t`` is the file's value for month ``t``; nothing later is read into a
panel cut at its origin.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache

import numpy as np
import pandas as pd

from sahelwatch.errors import QueryError
from sahelwatch.forecast.data import CountryPanel, month_number
from sahelwatch.gazetteer import iso3_to_gw
from sahelwatch.store import bundled_file

GDELT_FILE = "gdelt_country_month_sahel8_1985-01_2025-12.csv.gz"
VIEWS_FILE = "views_cm_features_sahel_2017-11_2024-04.csv.gz"
COUPS_FILE = "coups_powell_thyne_sahel.csv"
COUPS_KNOWN_UNTIL = date(2024, 12, 1)
VIEWS_COLUMNS: dict[str, str] = {
    "wdi_ny_gdp_pcap_kd": "log",
    "wdi_sp_pop_totl": "log",
    "wdi_sp_dyn_imrt_in": "",
    "vdem_v2x_libdem": "",
    "vdem_v2x_clphy": "",
    "vdem_v2x_rule": "",
}
SETS: dict[str, tuple[str, ...]] = {
    "gdelt": ("gdelt_conflict", "gdelt_protest", "gdelt_goldstein"),
    "coups": ("coup_since", "coup_success60"),
    "views": tuple(f"views_{c}" for c in VIEWS_COLUMNS),
}
"""Covariate set -> feature names."""


def covariate_names(sets: Sequence[str]) -> tuple[str, ...]:
    """Feature names of the covariate sets, in order."""
    unknown = [s for s in sets if s not in SETS]
    if unknown:
        raise QueryError(f"unknown covariate set '{unknown[0]}'; choose among {', '.join(SETS)}.")
    return tuple(name for s in sets for name in SETS[s])


@cache
def _long(name: str) -> pd.DataFrame:
    """One covariate set as a long table: country_gw, mo (month number), feature columns."""
    if name == "gdelt":
        raw = pd.read_csv(bundled_file(GDELT_FILE))
        gw = raw["country_iso3"].map(iso3_to_gw())
        ym = raw["year_month"].str.split("-", expand=True).astype(int)
        return pd.DataFrame({
            "country_gw": gw.astype(np.int64), "mo": ym[0] * 12 + ym[1] - 1,
            "gdelt_conflict": np.log1p(raw["gdelt_conflict_event_count"]),
            "gdelt_protest": np.log1p(raw["gdelt_protest_event_count"]),
            "gdelt_goldstein": raw["gdelt_goldstein_mean"],
        })  # fmt: skip
    if name == "views":
        raw = pd.read_csv(bundled_file(VIEWS_FILE))
        out = pd.DataFrame({"country_gw": raw["gwcode"].astype(np.int64),
                            "mo": raw["year"] * 12 + raw["month"] - 1})
        for column, transform in VIEWS_COLUMNS.items():
            values = raw[column].astype(float)
            out[f"views_{column}"] = np.log(values) if transform == "log" else values
        return out
    return _coups()


def _coups() -> pd.DataFrame:
    raw = pd.read_csv(bundled_file(COUPS_FILE))
    last = month_number(COUPS_KNOWN_UNTIL)
    rows = []
    for gw, group in raw.groupby("ucdp_country_id"):
        months = (group["year"] * 12 + group["month"] - 1).to_numpy()
        success = months[(group["outcome"] == "successful").to_numpy()]
        span = np.arange(1950 * 12, last + 1)
        before = np.searchsorted(np.sort(months), span, side="right")
        prev = np.where(before > 0, np.sort(months)[np.maximum(before - 1, 0)], -10_000)
        recent = ((span[:, None] - success[None, :] >= 0)
                  & (span[:, None] - success[None, :] < 60)).any(axis=1)
        rows.append(pd.DataFrame({
            "country_gw": gw, "mo": span,
            "coup_since": np.minimum(span - prev, 240).astype(float),
            "coup_success60": recent.astype(float),
        }))  # fmt: skip
    return pd.concat(rows, ignore_index=True)


def with_covariates(panel: CountryPanel, sets: Sequence[str]) -> CountryPanel:
    """The panel with the covariate sets attached (months of the panel only)."""
    from dataclasses import replace

    names = covariate_names(sets)
    out = np.full((len(panel.units), panel.n_months, len(names)), np.nan, dtype=np.float32)
    first = month_number(panel.start)
    col = 0
    for s in sets:
        table = _long(s)
        table = table[(table["mo"] >= first) & (table["mo"] < first + panel.n_months)]
        rows = pd.Index(panel.units).get_indexer(table["country_gw"])
        keep = rows >= 0
        for name in SETS[s]:
            out[rows[keep], (table["mo"].to_numpy() - first)[keep], col] = table[name][keep]
            col += 1
    return replace(panel, covariates=out, covariate_names=names)
