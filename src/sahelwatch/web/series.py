"""What the dashboard's series routes call: month states and their words
(:mod:`sahelwatch.panels.months`), indicator series (:mod:`sahelwatch.indicators.series`) and the
capital's yearly distances (:func:`sahelwatch.indicators.capital_years`), kept in the library
layers so that briefs and other callers below the web layer use them too."""

from __future__ import annotations

from sahelwatch.indicators import capital_years, covered_months, indicator_series
from sahelwatch.panels import STATES, describe_months, month_states, status_sentence

__all__ = [
    "STATES",
    "capital_years",
    "covered_months",
    "describe_months",
    "indicator_series",
    "month_states",
    "status_sentence",
]
