"""SYNTHETIC data for scale tests and benchmarks; not part of the installed package.

:mod:`synthetic.ged` writes invented events in the UCDP GED CSV layout from the real-facts
tables in ``synthetic/tables/``; nothing it writes is real data.
"""

from __future__ import annotations

from synthetic.ged import (
    GED_COLUMNS,
    geom_wkt,
    priogrid_gid,
    synthetic_events_frame,
    write_revised_copy,
    write_synthetic_ged,
)

__all__ = [
    "GED_COLUMNS",
    "geom_wkt",
    "priogrid_gid",
    "synthetic_events_frame",
    "write_revised_copy",
    "write_synthetic_ged",
]
