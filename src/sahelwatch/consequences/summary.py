"""What ``sahelwatch status`` says of the consequences: the CH cycles per country with the
share of units matched to the boundaries, and the displacement years with the figures
carried forward."""

from __future__ import annotations

from sahelwatch.consequences.displacement import displacement_country
from sahelwatch.consequences.food import ch_units
from sahelwatch.consequences.views import match_shares
from sahelwatch.store import Store


def status_lines(store: Store, countries: list[int] | None = None) -> list[str]:
    """A few lines for people (for the Gleditsch-Ward ``countries`` only, when given); empty
    when the store holds no CH or UNHCR figures of them."""
    lines: list[str] = []
    wanted = None
    if countries is not None:
        rows = store.con.execute(
            "SELECT iso3 FROM countries WHERE list_contains(?, gw)", [[int(c) for c in countries]]
        ).fetchall()
        wanted = {r[0] for r in rows}
    units = ch_units(store)
    if wanted is not None and not units.empty:
        units = units[units["country_iso3"].isin(wanted)]
    if not units.empty:
        shares = match_shares(units).set_index("country_iso3")
        for iso3, group in units.groupby("country_iso3"):
            cycles = sorted(group["cycle"].unique())
            current = group[(group["period_type"] == "current") & group["phase35"].notna()]
            row = shares.loc[iso3]
            unmatched = f"; unmatched: {row['unmatched']}" if row["unmatched"] else ""
            lines.append(
                f"  Cadre Harmonisé {iso3}: cycles {cycles[0]}..{cycles[-1]} ({len(cycles)}; "
                f"current figures in {current['cycle'].nunique()}); {row['matched']} of "
                f"{row['ch_units']} units matched to the admin-2 boundaries "
                f"({row['share']:.1%}){unmatched}"
            )
    displacement = displacement_country(store)
    if wanted is not None and not displacement.empty:
        displacement = displacement[displacement["country_iso3"].isin(wanted)]
    if not displacement.empty:
        for iso3, group in displacement.groupby("country_iso3"):
            known = group.dropna(subset=["idps"])
            repeated = known[known["idps_carried_forward"].fillna(False).astype(bool)]
            flag = (
                f"; carried forward (not measured): {', '.join(str(y) for y in repeated['year'])}"
                if len(repeated)
                else ""
            )
            span = f"{int(known['year'].min())}..{int(known['year'].max())}" if len(known) else "-"
            lines.append(f"  UNHCR IDPs {iso3}: years {span}{flag}")
    return lines
