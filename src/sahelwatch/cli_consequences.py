"""``sahelwatch consequences``: food insecurity and displacement next to violence."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from sahelwatch.errors import QueryError

app = typer.Typer(
    help="Food insecurity (Cadre Harmonisé) and displacement (UNHCR, IDMC) next to violence.",
    no_args_is_help=True,
)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Store file (default: $SAHELWATCH_DB).", show_default=False),
]
OutOption = Annotated[
    Path | None, typer.Option(help="Write CSV to this file (default: a table on the screen).")
]
PeriodOption = Annotated[str, typer.Option("--period", help="CH period: current or projected.")]


def _show(frame: pd.DataFrame, out: Path | None, what: str) -> None:
    from sahelwatch.output import write_output
    from sahelwatch.words import cell

    if out is None:  # "no data", never NaN or <NA>
        typer.echo(frame.map(cell).to_string(index=False) if not frame.empty else f"No {what}.")
        return
    write_output(frame.to_csv(index=False), out)
    typer.echo(f"wrote {len(frame)} rows of {what} to {out}", err=True)


def _food(db: Path | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    from sahelwatch.consequences import ch_units, food_indicators
    from sahelwatch.store import Store

    with Store(db, read_only=True) as store:
        units = ch_units(store)
    if units.empty:
        raise QueryError(
            "the store holds no Cadre Harmonisé data; load it with 'sahelwatch ingest --bundled'."
        )
    return units, food_indicators(units)


@app.command()
def match(db: DbOption = None) -> None:
    """Share of CH units matched to the bundled admin-2 boundaries, per country.

    Also lists the units that match none."""
    from sahelwatch.consequences import match_shares

    units, _ = _food(db)
    for row in match_shares(units).to_dict("records"):
        typer.echo(
            f"{row['country_iso3']}: {row['matched']} of {row['ch_units']} CH units matched "
            f"({row['share']:.1%}; {row['by_pcode']} by P-code, the rest by name or as the "
            "only unit of its admin-1)"
            + (f"; unmatched: {row['unmatched']}" if row["unmatched"] else "")
        )


@app.command()
def food(
    month: Annotated[str | None, typer.Option(help="A month, YYYY-MM.")] = None,
    cycle: Annotated[str | None, typer.Option(help="A CH cycle, YYYY-MM (03 or 11).")] = None,
    period: PeriodOption = "current",
    country: Annotated[list[str] | None, typer.Option(help="ISO3; repeatable.")] = None,
    out: OutOption = None,
    db: DbOption = None,
) -> None:
    """Food insecurity per admin-2 unit for a month or a cycle, else per country and cycle.

    Every unit is listed: those not analysed are shown as such, without figures."""
    from sahelwatch.consequences import country_totals, food_layer

    units, indicators = _food(db)
    if month is None and cycle is None:
        totals = country_totals(units)
        _show(totals[totals["period_type"] == period], out, "country totals")
        return
    layer = food_layer(indicators, month=month, cycle=cycle, period_type=period, countries=country)
    columns = ["unit_id", "unit_name", "country_iso3", "status", "cycle", "phase35", "share35"]
    _show(layer if out else layer[[*columns, "phase_class", "change_prev"]], out, "units")


@app.command()
def displacement(
    regions: Annotated[bool, typer.Option(help="IDPs per admin-1 region.")] = False,
    out: OutOption = None,
    db: DbOption = None,
) -> None:
    """IDPs, refugees and asylum seekers per country and year (UNHCR, IDMC), and the change.

    A figure repeated from the year before is flagged carried forward."""
    from sahelwatch.consequences import displacement_country, displacement_regions
    from sahelwatch.store import Store

    with Store(db, read_only=True) as store:
        frame = displacement_regions(store) if regions else displacement_country(store)
    if frame.empty:
        raise QueryError(
            "the store holds no UNHCR data; load it with 'sahelwatch ingest --bundled'."
        )
    _show(frame, out, "displacement figures")


@app.command()
def violence(
    months: Annotated[int, typer.Option(help="Months of violence counted before a cycle.")] = 6,
    change: Annotated[
        str, typer.Option(help="year (same cycle a year before) or previous (cycle).")
    ] = "year",
    period: PeriodOption = "current",
    both: Annotated[bool, typer.Option(help="Only units where both worsened.")] = False,
    out: OutOption = None,
    db: DbOption = None,
) -> None:
    """Violence before each CH cycle beside the change in people in phase 3+, per admin-2.

    With the rank correlation per country (an association, not a cause)."""
    from sahelwatch.consequences import association, violence_and_food
    from sahelwatch.store import Store

    if change not in ("year", "previous"):
        raise QueryError(f"change must be year or previous, not {change!r}.")
    if not 1 <= months <= 24:
        raise QueryError("months must be between 1 and 24.")
    _, indicators = _food(db)
    with Store(db, read_only=True) as store:
        pairs = violence_and_food(
            store, indicators, period_type=period, change=change, months=months
        )
    for row in association(pairs).itertuples(index=False):
        typer.echo(
            f"{row.country_iso3}: {row.pairs} unit-cycles with both figures; Spearman "
            f"{row.spearman}; {row.both_worse} where both worsened.",
            err=True,
        )
    typer.echo("An association, not a cause: food insecurity has many drivers.", err=True)
    _show(pairs[pairs["both_worse"].fillna(False)] if both else pairs, out, "unit-cycles")
