"""Situation briefs: a dated report for a country or region and month (HTML, PDF, Markdown).

::

    from sahelwatch.brief import brief
    brief(store, country="MLI", month="2026-02", fmt="pdf", out=Path("mli-2026-02.pdf"))

:mod:`~sahelwatch.brief.judgement` writes the headline from the indicators by stated rules;
:mod:`~sahelwatch.brief.builder` computes every figure from the store with the query behind it;
:mod:`~sahelwatch.brief.figures` draws the maps and charts. Templates are in ``templates/``.
Heavy libraries (matplotlib, WeasyPrint) are imported only when a brief is drawn or rendered.
"""

from __future__ import annotations

from sahelwatch.brief.builder import FORMATS, REGIONS, Brief, Figure, brief, build, render
from sahelwatch.brief.judgement import Headline, RuleResult, Signals, headline

__all__ = [
    "FORMATS",
    "REGIONS",
    "Brief",
    "Figure",
    "Headline",
    "RuleResult",
    "Signals",
    "brief",
    "build",
    "headline",
    "render",
]
