"""Quick tuning of the country model on the tuning windows only (never the evaluation windows).

Loads the country panel once, forecasts total fatalities from each tuning origin
(:data:`~sahelwatch.forecast.backtest.BLEND_TUNING_WINDOWS`, origins 2005-10..2016-10, horizons
3, 6, 9, 12, 14) with every candidate setting of :class:`~sahelwatch.forecast.ratio.BlendConfig`
named on the command line, and prints mean CRPS per window against conflictology's on the same
unit-months. A candidate takes about a second at 200 draws.

Usage::

    nice -n 10 .venv/bin/python scripts/tune_country.py [--store PATH] [--draws 200] \
        [--set NAME=KEY:VALUE,KEY:VALUE ...]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import fields, replace

import numpy as np

from sahelwatch.forecast.backtest import BLEND_TUNING_WINDOWS
from sahelwatch.forecast.benchmarks import conflictology
from sahelwatch.forecast.data import TARGETS, CountryPanel, load_country_panel
from sahelwatch.forecast.ratio import BlendConfig, blend
from sahelwatch.forecast.scores import crps_ensemble
from sahelwatch.store import Store

HORIZONS = (3, 6, 9, 12, 14)


def parse_config(text: str) -> tuple[str, BlendConfig]:
    """``name=key:value,key:value`` -> a named :class:`BlendConfig` over the defaults
    (``geometric:false`` for the plain mean)."""
    name, _, spec = text.partition("=")
    types = {f.name: type(getattr(BlendConfig(), f.name)) for f in fields(BlendConfig)}
    changes = {}
    for item in filter(None, spec.split(",")):
        key, _, value = item.partition(":")
        if key not in types:
            raise SystemExit(f"unknown setting '{key}'; BlendConfig has {', '.join(types)}.")
        kind = types[key]
        changes[key] = value.lower() in ("1", "true", "yes") if kind is bool else kind(value)
    return name, replace(BlendConfig(), **changes)


def score(panel: CountryPanel, config: BlendConfig, n_draws: int) -> dict[str, np.ndarray]:
    """CRPS of the blend and of conflictology per tuning window (total fatalities): one row per
    unit-month both forecast."""
    k = TARGETS.index("total")
    out = {}
    for w in BLEND_TUNING_WINDOWS:
        cut = panel.until(w.origin)
        hs = [h for h in w.horizons if h in HORIZONS]
        model = blend(cut, hs, n_draws, 0, [k], config)[:, :, 0]
        bench = conflictology(cut, hs, n_draws, 0, [k])[:, :, 0]
        cols = [panel.index(w.origin) + h for h in hs]
        obs = panel.values[:, cols, k]
        keep = ~np.isnan(obs) & ~np.isnan(model).any(-1) & ~np.isnan(bench).any(-1)
        out[w.name] = np.stack([crps_ensemble(obs[keep], model[keep]),
                                crps_ensemble(obs[keep], bench[keep])], axis=1)
    return out


def main() -> None:
    """Print the tuning figures of each candidate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="store to read the panel from (default: the settings')")
    parser.add_argument("--draws", type=int, default=200, help="draws per forecast")
    parser.add_argument("--set", action="append", default=[], dest="sets",
                        help="a candidate, name=key:value,... over BlendConfig's defaults")
    args = parser.parse_args()
    with Store(args.store, read_only=True) as store:
        panel = load_country_panel(store)
    candidates = [("default", BlendConfig()), *map(parse_config, args.sets)]
    for name, config in candidates:
        started = time.perf_counter()
        per_window = score(panel, config, args.draws)
        model, bench = np.concatenate(list(per_window.values())).mean(axis=0)
        means = {w: rows.mean(axis=0) for w, rows in per_window.items()}
        wins = sum(m < b for m, b in means.values())
        detail = " ".join(f"{w}:{m:.1f}/{b:.1f}" for w, (m, b) in means.items())
        print(f"{name}: {model:.2f} vs {bench:.2f} = {model / bench:.3f}x, wins {wins}/"
              f"{len(per_window)} ({time.perf_counter() - started:.0f}s)\n  {detail}", flush=True)


if __name__ == "__main__":
    main()
