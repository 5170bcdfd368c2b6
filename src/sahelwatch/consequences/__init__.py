"""Consequences of violence: food insecurity (Cadre Harmonisé) and displacement (UNHCR, IDMC),
on the same units and months as the violence.

The sources are ingested like events (:mod:`sahelwatch.formats.cadre_harmonise`,
:mod:`sahelwatch.formats.unhcr`): releases, versions traced to file and row, quarantine.
This package puts them on SahelWatch's units (:mod:`.units`), derives indicators
(:mod:`.food`, :mod:`.displacement`), sets them beside violence (:mod:`.violence`) and shapes
what the CLI, API and briefs show (:mod:`.views`). Everything here is association, not cause.
"""

from __future__ import annotations

from sahelwatch.consequences.displacement import (
    displacement_country,
    displacement_regions,
    dtm_regions,
    location_matches,
)
from sahelwatch.consequences.food import ch_units, country_totals, food_indicators
from sahelwatch.consequences.units import location_admin1, match_ch_units, name_key
from sahelwatch.consequences.views import (
    cycles_table,
    food_layer,
    layer_rows,
    match_shares,
    phase_moves,
)
from sahelwatch.consequences.violence import association, violence_and_food

__all__ = [
    "association",
    "ch_units",
    "country_totals",
    "cycles_table",
    "displacement_country",
    "displacement_regions",
    "dtm_regions",
    "food_indicators",
    "food_layer",
    "layer_rows",
    "location_admin1",
    "location_matches",
    "match_ch_units",
    "match_shares",
    "name_key",
    "phase_moves",
    "violence_and_food",
]
