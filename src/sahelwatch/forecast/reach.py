"""Why a CRPS target is out of reach: how much of a benchmark's score no unit's past foresaw.

Mean CRPS over many units is dominated by a few unit-windows whose outcome broke with the
unit's last 12 months (an onset, an escalation, a war's end). There every forecast built on the
unit's own past scores about as the forecast of exactly zero does. :func:`reach` splits the
benchmark's CRPS into those unit-windows (the zero forecast within 5% of the benchmark, or
better) and the rest, and says what ratio the model would need on the rest to reach
:data:`~sahelwatch.forecast.scores.TARGET_RATIO` overall.

>>> import pandas as pd
>>> rows = pd.DataFrame({"window": "Y", "unit_id": [1, 1, 1, 2, 2, 2],
...                      "model": ["m", "ref", "zero"] * 2, "crps": [90, 90, 91, 8, 10, 20]})
>>> r = reach(rows, "m", "ref")
>>> r.breaks, round(r.share, 2), r.there, r.rest, r.needed
(1, 0.9, 1.0, 0.8, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sahelwatch.forecast.scores import TARGET_RATIO

TOLERANCE = 0.05
"""A unit-window breaks with its past when the zero forecast scores within this share of the
benchmark (or better)."""


@dataclass(frozen=True)
class Reach:
    """The split of a benchmark's CRPS (see the module docstring)."""

    windows: int
    """Unit-windows scored."""
    breaks: int
    """Of which the zero forecast scored within 5% of the benchmark, or better."""
    share: float
    """Their share of the benchmark's CRPS."""
    there: float
    """The model's CRPS over the benchmark's on them."""
    rest: float
    """The model's CRPS over the benchmark's on the other unit-windows."""
    needed: float
    """The ratio the model would need on the other unit-windows to reach the target overall."""
    largest: tuple[tuple[str, str], ...]
    """(window, unit) of the three breaks with the largest benchmark CRPS."""

    def text(self, model: str, reference: str, names: dict[str, str] | None = None) -> str:
        """One sentence for a report's first lines (naming the largest breaks with
        ``names``, unit id -> name)."""
        known = names or {}
        named = "; largest " + ", ".join(f"{known.get(u, u)} {w}" for w, u in self.largest)
        return (
            f"where the score lies: {self.share:.0%} of {reference}'s CRPS is in "
            f"{self.breaks:,} of {self.windows:,} unit-windows whose outcome broke with the "
            "unit's last 12 months "
            f"(the forecast of zero scored within {TOLERANCE:.0%} of {reference} or better: "
            f"onsets, escalations, ends{named if names else ''}); there {model} scores "
            f"{self.there:.2f} x {reference}, on the others {self.rest:.2f} x, where "
            f"{self.needed:.2f} x would be needed to reach {TARGET_RATIO:.2f} x overall."
        )


def reach(rows: pd.DataFrame, model: str, reference: str) -> Reach | None:
    """The split for scored unit-months ``rows`` (columns ``window``, ``unit_id``, ``model``,
    ``crps``; the zero forecast scored as ``zero``); None without the three models or where
    the benchmark's CRPS is zero."""
    if not {model, reference, "zero"} <= set(rows["model"]):
        return None
    sums = rows.pivot_table(index=["window", "unit_id"], columns="model", values="crps",
                            aggfunc="sum")[[model, reference, "zero"]].dropna()  # fmt: skip
    ref, own = sums[reference], sums[model]
    breaks = (ref > 0) & (sums["zero"] <= (1 + TOLERANCE) * ref)
    total, broken = ref.sum(), ref[breaks].sum()
    if total <= 0:
        return None
    rest = total - broken
    largest = ref[breaks].sort_values(ascending=False).index[:3]
    return Reach(
        windows=len(sums),
        breaks=int(breaks.sum()),
        share=float(broken / total),
        there=float(own[breaks].sum() / broken) if broken > 0 else float("nan"),
        rest=float(own[~breaks].sum() / rest) if rest > 0 else float("nan"),
        needed=float((TARGET_RATIO * total - own[breaks].sum()) / rest) if rest > 0
        else float("nan"),
        largest=tuple((str(w), str(u)) for w, u in largest),
    )


__all__ = ["TOLERANCE", "Reach", "reach"]
