"""The bundled store counts events and deaths as the source files do: per source, country and
year, the current events and their ``best`` equal what pandas reads straight from the bundled
UCDP files (the newest release's row where an event is in several), flagged rows included."""

from __future__ import annotations

import pandas as pd

from sahelwatch.bundled import bundled_files
from sahelwatch.store import bundled_file


def _file_rows(name: str) -> pd.DataFrame:
    """id, country, year and best of every row of a bundled UCDP event file, read by pandas."""
    # index_col=False: the country-page exports end every row with a comma.
    frame = pd.read_csv(
        bundled_file(name),
        dtype=str,
        keep_default_na=False,
        index_col=False,
        usecols=lambda c: c in {"id", "country_id", "date", "date_start", "best", "best_est"},
    )
    best = "best_est" if "best_est" in frame else "best"
    start = frame["date"] if "date" in frame else frame["date_start"]
    us_dates = start.str.match(r"\d{2}/\d{2}/\d{4}")
    dates = pd.to_datetime(start.str[:10], format="%m/%d/%Y" if us_dates.all() else "%Y-%m-%d")
    return pd.DataFrame(
        {
            "uid": "ucdp:" + frame["id"],
            "source": "ucdp_candidate" if "candidate" in name else "ucdp_ged",
            "country_gw": frame["country_id"].astype(int),
            "year": dates.dt.year,
            "best": frame[best].astype(int),
        }
    )


def test_events_and_deaths_per_source_country_and_year_equal_the_files(bundled_store):
    names = [f.name for f in bundled_files() if f.name.startswith("ucdp_")]
    assert len(names) == 12  # 7 country-page exports, Niger, Nigeria, three Candidate files
    # Bundled in release order: where an event is in several files, the last row is current.
    rows = pd.concat([_file_rows(n) for n in names]).drop_duplicates("uid", keep="last")
    expected = (
        rows.groupby(["source", "country_gw", "year"])
        .agg(events=("uid", "size"), best=("best", "sum"))
        .reset_index()
    )
    got = bundled_store.con.execute(
        "SELECT source, country_gw, year(date_start) AS year, count(*) AS events, "
        f"sum(best) AS best FROM ({bundled_store.current_sql()}) "
        "WHERE source IN ('ucdp_ged', 'ucdp_candidate') GROUP BY ALL ORDER BY ALL"
    ).df()
    key = ["source", "country_gw", "year"]
    expected = expected.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    # The rows a codebook rule flags are in these totals: Mali's 2022, say.
    mali = got[(got.source == "ucdp_ged") & (got.country_gw == 432) & (got.year == 2022)]
    assert mali[["events", "best"]].astype(int).values.tolist() == [[408, 3650]]
