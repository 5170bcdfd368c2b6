"""Displacement per country and year (UNHCR, IDMC) and IDPs per admin-1 region (UNHCR's
locations), with the change per year.

Country figures (``displacement_country``), for each country of origin or asylum the store
holds: ``idps`` (UNHCR, the country's ``internal`` row), ``refugees_hosted`` and
``asylum_seekers_hosted`` (every origin, in the country), ``refugees_abroad`` (the country's
refugees in every asylum country), ``idmc_idps``, each with ``<x>_change`` since the year
before. A year without a row is no data (NaN), and so is a change that needs one. A stock that
repeats the year before to the person is flagged ``*_carried_forward``: a repeated report, not
a new measurement (Burkina Faso's IDPs in 2024 and 2025).
"""

from __future__ import annotations

import pandas as pd

from sahelwatch.consequences.units import location_admin1
from sahelwatch.store import Store

#: Countries whose displacement SahelWatch follows (the bundled tables' scope).
DISPLACEMENT_COUNTRIES = ("MLI", "BFA", "NER")

_COUNTRY_SQL = """
WITH pop AS ({population}), idmc AS ({idmc}),
countries AS (SELECT unnest($countries) AS iso3),
years AS (SELECT DISTINCT year FROM pop UNION SELECT DISTINCT year FROM idmc),
internal AS (
    SELECT asylum_iso3 AS iso3, year, idps, idps_carried_forward, file_id, row_number
    FROM pop WHERE flow = 'internal' AND origin_iso3 = asylum_iso3),
hosted AS (
    SELECT asylum_iso3 AS iso3, year, sum(refugees) AS refugees_hosted,
           sum(asylum_seekers) AS asylum_seekers_hosted
    FROM pop WHERE origin_iso3 <> asylum_iso3 GROUP BY ALL),
abroad AS (
    SELECT origin_iso3 AS iso3, year, sum(refugees) AS refugees_abroad
    FROM pop WHERE origin_iso3 <> asylum_iso3 GROUP BY ALL)
SELECT c.iso3 AS country_iso3, y.year, i.idps, i.idps_carried_forward, h.refugees_hosted,
       h.asylum_seekers_hosted, a.refugees_abroad, d.idps AS idmc_idps,
       d.carried_forward AS idmc_carried_forward, i.file_id AS idps_file_id,
       i.row_number AS idps_row_number
FROM countries c CROSS JOIN years y
LEFT JOIN internal i ON i.iso3 = c.iso3 AND i.year = y.year
LEFT JOIN hosted h ON h.iso3 = c.iso3 AND h.year = y.year
LEFT JOIN abroad a ON a.iso3 = c.iso3 AND a.year = y.year
LEFT JOIN idmc d ON d.country_iso3 = c.iso3 AND d.year = y.year
ORDER BY c.iso3, y.year
"""

COUNTRY_STOCKS = (
    "idps",
    "refugees_hosted",
    "asylum_seekers_hosted",
    "refugees_abroad",
    "idmc_idps",
)


def displacement_country(
    store: Store, countries: tuple[str, ...] = DISPLACEMENT_COUNTRIES
) -> pd.DataFrame:
    """Year-end displacement stocks per country and year, with their change per year.

    Rows run over every year either table holds; a stock absent that year is NaN. Years
    before a country's first row of any kind are dropped.
    """
    frame = _read_current(
        store,
        _COUNTRY_SQL,
        countries,
        population="unhcr_population_versions",
        idmc="idmc_idp_versions",
    )
    if frame is None:
        return pd.DataFrame()
    stocks = list(COUNTRY_STOCKS)
    frame[stocks] = frame[stocks].astype("float64")
    known = frame[stocks].notna().any(axis=1)
    first = frame[known].groupby("country_iso3")["year"].min()
    frame = frame[frame["year"] >= frame["country_iso3"].map(first)].reset_index(drop=True)
    frame = with_changes(frame, "country_iso3", stocks)
    # A repeated report says nothing about the change: unknown, not zero.
    for stock, flag in (("idps", "idps_carried_forward"), ("idmc_idps", "idmc_carried_forward")):
        frame.loc[frame[flag].fillna(False).astype(bool), f"{stock}_change"] = float("nan")
    return frame


def _read_current(
    store: Store, sql: str, countries: tuple[str, ...], **tables: str
) -> pd.DataFrame | None:
    """The rows of ``sql`` for ``countries``, each of its ``{name}`` placeholders filled with the
    current rows of the versions table ``tables[name]``; None when one of them is not stored."""
    if not all(store.has_table(table) for table in tables.values()):
        return None
    current = {name: store.current_sql(table) for name, table in tables.items()}
    return store.con.execute(sql.format(**current), {"countries": list(countries)}).df()


def _with_admin1(places: pd.DataFrame) -> pd.DataFrame:
    """Add to the ``country_iso3``, ``location`` rows the admin-1 unit each location names
    (``admin1_pcode``, ``admin1_name``) and how it was matched (``match``)."""
    found = [location_admin1(iso3, loc) for iso3, loc in places.itertuples(index=False)]
    places["admin1_pcode"] = [f[0] for f in found]
    places["admin1_name"] = [f[1] for f in found]
    places["match"] = [f[2] for f in found]
    return places


def with_changes(frame: pd.DataFrame, key: str | list[str], columns: list[str]) -> pd.DataFrame:
    """Add ``<column>_change``: the change since the year before of the same ``key`` (NaN when
    that year has no row or no value)."""
    keys = [key] if isinstance(key, str) else key
    before = frame[[*keys, "year", *columns]].assign(year=frame["year"] + 1)
    merged = frame.merge(before, on=[*keys, "year"], how="left", suffixes=("", "_before"))
    for column in columns:
        frame[f"{column}_change"] = (merged[column] - merged[f"{column}_before"]).to_numpy()
    return frame


_REGION_SQL = """
SELECT asylum_iso3 AS country_iso3, year, location, sum(total) AS idps, count(*) AS records
FROM ({current}) WHERE pop_type = 'IDP' AND origin_iso3 = asylum_iso3
  AND list_contains($countries, asylum_iso3)
GROUP BY ALL ORDER BY ALL
"""


def displacement_regions(
    store: Store, countries: tuple[str, ...] = DISPLACEMENT_COUNTRIES
) -> pd.DataFrame:
    """IDPs per country, year and admin-1 unit from UNHCR's locations.

    Locations whose name matches no admin-1 (or admin-2) unit of the country are summed in a
    row with null ``admin1_pcode`` (country level, "location not matched"). ``idps_change`` is
    the change since the year before in the same unit.

    Returns
    -------
    pandas.DataFrame
        ``country_iso3``, ``year``, ``admin1_pcode``, ``admin1_name``, ``idps``, ``locations``
        (the source locations summed), ``idps_change``.
    """
    rows = _read_current(store, _REGION_SQL, countries, current="unhcr_location_versions")
    if rows is None:
        return pd.DataFrame()
    places = _with_admin1(rows[["country_iso3", "location"]].drop_duplicates())
    rows = rows.merge(places, on=["country_iso3", "location"], how="left")
    rows["admin1_name"] = rows["admin1_name"].fillna("(location not matched)")
    grouped = rows.groupby(
        ["country_iso3", "year", "admin1_pcode", "admin1_name"], dropna=False, as_index=False
    ).agg(idps=("idps", "sum"), locations=("location", lambda s: "; ".join(sorted(set(s)))))
    grouped["idps"] = grouped["idps"].astype("float64")
    return with_changes(grouped, ["country_iso3", "admin1_name"], ["idps"])


def location_matches(store: Store) -> pd.DataFrame:
    """Every distinct IDP location with the admin-1 unit it was put in and how."""
    if not store.has_table("unhcr_location_versions"):
        return pd.DataFrame()
    places = store.con.execute(
        "SELECT DISTINCT asylum_iso3 AS country_iso3, location FROM "
        f"({store.current_sql('unhcr_location_versions')}) WHERE pop_type = 'IDP' "
        "AND origin_iso3 = asylum_iso3 ORDER BY ALL"
    ).df()
    return _with_admin1(places)


_DTM_SQL = """
SELECT country_iso3, admin1_pcode, admin1_name, operation, reporting_date,
       sum(idps) AS idps, count(*) AS units, any_value(provider) AS provider
FROM ({current}) WHERE list_contains($countries, country_iso3)
GROUP BY ALL ORDER BY ALL
"""


def dtm_regions(store: Store, countries: tuple[str, ...] = DISPLACEMENT_COUNTRIES) -> pd.DataFrame:
    """IOM DTM IDPs per country, admin-1 unit, operation and reporting date (admin-2 figures
    summed to their admin-1 unit), with ``idps_change`` since the unit's previous round of the
    same operation. Empty when no DTM figures were pulled (there is no bundled DTM file)."""
    frame = _read_current(store, _DTM_SQL, countries, current="dtm_idp_versions")
    if frame is None:
        return pd.DataFrame()
    if frame.empty:
        return frame
    frame["idps"] = frame["idps"].astype("float64")
    keys = ["country_iso3", "admin1_pcode", "admin1_name", "operation"]
    frame["idps_change"] = frame.groupby(keys, dropna=False)["idps"].diff()
    return frame
