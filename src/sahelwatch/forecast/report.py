"""The evaluation report: the same content written as Markdown and as a standalone HTML page.

The report is a list of blocks (headings, paragraphs, tables) built once by
:func:`report_blocks` and rendered twice, so the two files cannot disagree.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from sahelwatch.forecast.data import SAHEL
from sahelwatch.forecast.scores import IGNORANCE_BINS, SCORES, pit_histogram

LABELS = {
    "lgbm": "model (lgbm-direct)",
    "conflictology": "conflictology (last 12 months)",
    "conflictology_nb": "conflictology with 8 neighbours",
    "last_historical": "last historical (Poisson)",
    "bootstrap": "bootstrap (240 months, all units)",
    "zero": "exactly zero",
}
COLUMNS = {
    "crps": "CRPS",
    "crps_sr": "CRPS (scoringrules)",
    "ign": "IGN (bits)",
    "mis90": "MIS 90%",
    "brier25": "Brier ≥25",
    "cov50": "cover 50%",
    "cov90": "cover 90%",
    "n": "unit-months",
}
# Country-level CRPS in the challenge's true-future window (July 2024 - June 2025).
CHALLENGE_REFERENCE = {"conflictology": 24.92, "last_historical": 26.32, "zero": 55.80}


@dataclass(frozen=True)
class Block:
    """A heading (``level`` 1-3), a paragraph (``level`` 0) or a table (``table`` set)."""

    text: str = ""
    level: int = 0
    table: pd.DataFrame | None = None


def _fmt(value: object) -> str:
    if isinstance(value, float | np.floating):
        number = float(value)
        if np.isnan(number):
            return "–"
        return f"{number:,.3f}" if abs(number) < 10 else f"{number:,.2f}"
    return str(value)


def to_markdown(blocks: Sequence[Block]) -> str:
    """Render blocks as GitHub-flavoured Markdown."""
    lines: list[str] = []
    for b in blocks:
        if b.table is not None:
            t = b.table
            lines.append("| " + " | ".join(str(c) for c in t.columns) + " |")
            lines.append(
                "|" + "|".join("---" if i == 0 else "---:" for i in range(t.shape[1])) + "|"
            )
            for row in t.itertuples(index=False):
                lines.append("| " + " | ".join(_fmt(v) for v in row) + " |")
        elif b.level:
            lines.append("#" * b.level + " " + b.text)
        else:
            lines.append(b.text)
        lines.append("")
    return "\n".join(lines)


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;"
    "color:#222}table{border-collapse:collapse;margin:0.5rem 0 1.5rem}"
    "th,td{border:1px solid #ccc;padding:0.25rem 0.6rem}td{text-align:right}"
    "td:first-child,th:first-child{text-align:left}th{background:#f2f2f2}"
    "code{background:#f6f6f6;padding:0 0.2rem}"
)


def _inline(text: str) -> str:
    escaped = html.escape(text)
    parts = escaped.split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def to_html(blocks: Sequence[Block], title: str) -> str:
    """Render blocks as one standalone HTML page (no scripts, no external files)."""
    body: list[str] = []
    for b in blocks:
        if b.table is not None:
            head = "".join(f"<th>{html.escape(str(c))}</th>" for c in b.table.columns)
            rows = "".join(
                "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
                for row in b.table.itertuples(index=False)
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif b.level:
            body.append(f"<h{b.level}>{_inline(b.text)}</h{b.level}>")
        else:
            body.append(f"<p>{_inline(b.text)}</p>")
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _score_table(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    grouped = frame.groupby(by, sort=False, observed=True)
    out = grouped[list(SCORES)].mean()
    out["n"] = grouped.size()
    out = out.reset_index()
    if "model" in out:
        out["model"] = out["model"].map(LABELS).fillna(out["model"])
    return out.rename(columns=COLUMNS)


def report_blocks(scores: pd.DataFrame, n_draws: int, seed: int) -> list[Block]:
    """The report's content from backtest scores (see :func:`backtest`)."""
    models = list(dict.fromkeys(scores["model"]))
    windows = list(dict.fromkeys(scores["window"]))
    crps = scores.pivot_table(
        index="window", columns="model", values="crps", aggfunc="mean", sort=False
    )
    blocks = [
        Block("SahelWatch forecast evaluation: country level, state-based fatalities", 1),
        Block(
            f"Generated {date.today():%Y-%m-%d}. Target: UCDP `ged_sb` (best estimate) per "
            "country-month, the 191 countries of the VIEWS 2023/24 Prediction Challenge. "
            f"Windows {', '.join(windows)}: each forecast from data cut at October of the year "
            "before (horizons 3-14 = January-December), scored against the challenge's "
            f"actuals. {n_draws:,} draws per unit-month, seed {seed}. Model settings were "
            "chosen on windows Y2014-Y2017 (total fatalities), never on these windows."
        ),
        Block(
            "Scores: CRPS (empirical, own kernel; cross-checked with scoringrules), the "
            "challenge's ignorance score (bins "
            + ", ".join(f"{b:g}" for b in IGNORANCE_BINS)
            + ", one pseudo-draw added to each of the 11 bins), mean interval score of the 90% "
            "interval, Brier score of P(≥25), coverage of the central 50% and 90% intervals "
            "(ideal 0.5 and 0.9). Lower is better except coverage."
        ),
        Block("All windows", 2),
        Block(table=_score_table(scores, ["model"])),
        Block(
            "For comparison, in the challenge's true-future window (July 2024 - June 2025) the "
            "country-level CRPS of the benchmarks was: "
            + ", ".join(f"{LABELS[m]} {v:.2f}" for m, v in CHALLENGE_REFERENCE.items())
            + ". Those months are not in our data; the windows above are the challenge's "
            "test windows."
        ),
        Block("CRPS by window", 2),
        Block(table=crps.reindex(columns=models).rename(columns=LABELS).reset_index()),
    ]
    blocks += _where_it_loses(scores, crps, models)
    for name in windows:
        blocks += [
            Block(f"Window {name}", 3),
            Block(table=_score_table(scores[scores["window"] == name], ["model"])),
        ]
    by_h = scores.pivot_table(index="horizon", columns="model", values="crps", aggfunc="mean")
    blocks += [
        Block("CRPS by horizon (all windows)", 2),
        Block(table=by_h.reindex(columns=models).rename(columns=LABELS).reset_index()),
        Block("Calibration", 2),
        Block(
            "Share of randomised PIT values in ten equal bins (a calibrated forecast puts 0.10 "
            "in each; a U shape means too narrow, a hump too wide, a slope bias). Most "
            "unit-months are zero with zero forecast, so the PIT of those is spread uniformly."
        ),
        Block(table=_pit_table(scores, models)),
        Block("Sahel countries", 2),
        Block(
            "CRPS per window for each Sahel country, with the observed yearly total and the "
            "model's median forecast summed over the year (a rough guide to level)."
        ),
    ]
    for gw, name in SAHEL.items():
        rows = scores[scores["unit_id"] == gw]
        if rows.empty:
            continue
        table = rows.pivot_table(
            index="window", columns="model", values="crps", aggfunc="mean", sort=False
        )
        table = table.reindex(columns=models).rename(columns=LABELS)
        lg = rows[rows["model"] == models[0]].groupby("window", sort=False)
        table.insert(0, "observed (year)", lg["obs"].sum())
        table.insert(1, "model median (year)", lg["q50"].sum())
        blocks += [Block(f"{name} ({gw})", 3), Block(table=table.reset_index())]
    return blocks


def country_names() -> dict[int, str]:
    """Gleditsch-Ward code -> country name, from the bundled country table."""
    from sahelwatch.store import bundled_file

    table = pd.read_csv(bundled_file("countries.csv"), usecols=["gw", "name"])
    return dict(zip(table["gw"].astype(int), table["name"].astype(str), strict=True))


def _where_it_loses(scores: pd.DataFrame, crps: pd.DataFrame, models: list[str]) -> list[Block]:
    if "lgbm" not in models or len(models) < 2:
        return []
    others = [m for m in models if m != "lgbm"]
    best = crps[others].idxmin(axis=1).astype(str)
    lines = []
    for (window, row), rival in zip(crps.iterrows(), best, strict=True):
        verdict = "better than" if row["lgbm"] <= row[rival] else "worse than"
        lines.append(
            f"{window}: model {row['lgbm']:.2f}, {verdict} the best benchmark "
            f"({LABELS[rival]}, {row[rival]:.2f})."
        )
    rival = "conflictology" if "conflictology" in models else others[0]
    per = scores.pivot_table(
        index=["window", "unit_id"], columns="model", values="crps", aggfunc="mean"
    )
    excess = (per["lgbm"] - per[rival]).sort_values(ascending=False)
    n_units = scores.groupby("window")["unit_id"].nunique().mean()
    top = excess.head(10).reset_index()
    top.columns = ["window", "unit_id", f"CRPS excess over {rival} (mean per month)"]
    names = country_names()
    top.insert(2, "country", [names.get(int(u), "?") for u in top["unit_id"]])
    obs = scores[scores["model"] == "lgbm"].groupby(["window", "unit_id"])["obs"].sum()
    top["added to the window's mean CRPS"] = top.iloc[:, -1] / n_units
    top.insert(
        3,
        "observed (year)",
        [obs.get((w, u), np.nan) for w, u in zip(top["window"], top["unit_id"], strict=True)],
    )
    share = excess.clip(lower=0).head(10).sum() / max(excess.clip(lower=0).sum(), 1e-9)
    return [
        Block("Where the model loses", 2),
        Block(" ".join(lines)),
        Block(
            f"Country-windows where the model is furthest behind {LABELS[rival]}; their "
            f"excess, divided by {n_units:.0f} countries, is what they add to the window's mean "
            f"CRPS. These ten hold {share:.0%} of all the model's excess CRPS: mean CRPS is "
            "dominated by a few large wars."
        ),
        Block(table=top),
    ]


def _pit_table(scores: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    rows = []
    for m in models:
        sub = scores[scores["model"] == m]
        hist = pit_histogram(sub["pit"].to_numpy())
        rows.append([LABELS.get(m, m), *hist, sub["cov50"].mean(), sub["cov90"].mean()])
    columns = [
        "model",
        *[f"{i / 10:.1f}-{(i + 1) / 10:.1f}" for i in range(10)],
        "cover 50%",
        "cover 90%",
    ]
    return pd.DataFrame(rows, columns=columns)


UNIT_LEVELS = {"admin1": "admin-1 units", "grid": "PRIO-GRID cells"}


def unit_level_blocks(scores: pd.DataFrame, level: str) -> list[Block]:
    """The section of one sub-national level (scores of
    :func:`sahelwatch.forecast.backtest.backtest_units`)."""
    models = list(dict.fromkeys(scores["model"]))
    origins = ", ".join(dict.fromkeys(scores["window"].str.split(" ").str[-1]))
    crps = scores.groupby("model", sort=False)["crps"].mean()
    blocks = [
        Block(f"Level {level}: {UNIT_LEVELS.get(level, level)}", 2),
        Block(
            f"Total fatalities of the Sahel {UNIT_LEVELS.get(level, level)}, rolling origins "
            f"{origins}, data cut at each origin; scored on the unit-months with located data "
            f"that every model forecasts ({scores['unit_id'].nunique()} units, "
            f"{int((scores['model'] == models[0]).sum())} unit-months). The model is the "
            "country model shared out over units (see docs/forecasting.md)."
        ),
        Block(table=_score_table(scores, ["model"])),
        Block(table=scores.pivot_table(index="horizon", columns="model", values="crps",
                                       aggfunc="mean").reindex(columns=models)
              .rename(columns=LABELS).reset_index()),
        Block(table=_pit_table(scores, models)),
    ]  # fmt: skip
    if "lgbm" in crps and len(crps) > 1:
        rival = str(crps.drop("lgbm").idxmin())
        verdict = "beats" if crps["lgbm"] <= crps[rival] else "loses to"
        per = scores.pivot_table(index="unit_id", columns="model", values="crps", aggfunc="mean")
        excess = (per["lgbm"] - per[rival]).sort_values(ascending=False).head(5)
        blocks.append(Block(
            f"The model ({crps['lgbm']:.3f}) {verdict} the best benchmark, "
            f"{LABELS.get(rival, rival)} ({crps[rival]:.3f}). Units where it is furthest "
            "behind it (mean CRPS excess per month): "
            + ", ".join(f"{u} ({v:+.2f})" for u, v in excess.items()) + "."
        ))  # fmt: skip
    return blocks


def write_report(
    scores: pd.DataFrame, out_dir: Path, n_draws: int = 1000, seed: int = 0
) -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` into ``out_dir``; return their paths.

    ``scores`` may hold a ``level`` column; rows of other levels than ``country`` get a
    section each."""
    level = scores["level"] if "level" in scores else pd.Series("country", index=scores.index)
    country = scores[level == "country"]
    blocks = report_blocks(country, n_draws, seed) if len(country) else [
        Block("SahelWatch forecast evaluation", 1)
    ]
    for name in dict.fromkeys(level[level != "country"]):
        blocks += unit_level_blocks(scores[level == name], str(name))
    md, page = out_dir / "report.md", out_dir / "report.html"
    md.write_text(to_markdown(blocks), encoding="utf-8")
    page.write_text(to_html(blocks, blocks[0].text), encoding="utf-8")
    return md, page
