"""The file formats SahelWatch reads, and how a file's format is recognised from its header."""

from __future__ import annotations

from sahelwatch.formats.acled import CURRENT as ACLED_CURRENT
from sahelwatch.formats.acled import DELETED as ACLED_DELETED
from sahelwatch.formats.acled import PRE2023 as ACLED_PRE2023
from sahelwatch.formats.aggregates import CANDIDATE_CM, GED_CM, VIEWS_CM
from sahelwatch.formats.base import Format
from sahelwatch.formats.cadre_harmonise import CH_ADMIN2, CH_AREAS
from sahelwatch.formats.dtm import DTM_IDPS
from sahelwatch.formats.ucdp import EXPORT, GED, REDUCED
from sahelwatch.formats.unhcr import IDMC_IDPS, UNHCR_LOCATIONS, UNHCR_POPULATION

FORMATS: tuple[Format, ...] = (
    GED,
    EXPORT,
    REDUCED,
    ACLED_CURRENT,
    ACLED_PRE2023,
    ACLED_DELETED,
    VIEWS_CM,
    GED_CM,
    CANDIDATE_CM,
    CH_ADMIN2,
    CH_AREAS,
    UNHCR_POPULATION,
    IDMC_IDPS,
    UNHCR_LOCATIONS,
    DTM_IDPS,
)


def detect(header: list[str]) -> Format | None:
    """The most specific known format whose required columns the header has."""
    normalised = [h.strip().lower() for h in header]
    candidates = [f for f in FORMATS if f.matches(normalised)]
    return max(candidates, key=lambda f: len(f.required), default=None)


def by_name(name: str) -> Format | None:
    """A format by its name (``ucdp_ged``, ``acled_current``, ...)."""
    return next((f for f in FORMATS if f.name == name), None)


__all__ = ["FORMATS", "Format", "by_name", "detect"]
