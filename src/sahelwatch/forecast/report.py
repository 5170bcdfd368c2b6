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

from sahelwatch.forecast.models import DEFAULT_MODEL
from sahelwatch.forecast.reach import reach
from sahelwatch.forecast.scores import (
    IGNORANCE_BINS,
    SCORES,
    TARGET_RATIO,
    pit_coverage,
    pit_histogram,
)
from sahelwatch.forecast.subnational_eval import unit_target_lines
from sahelwatch.gazetteer import SAHEL, country_names

LABELS = {
    "blend": "model (blend: ratio + conflictology)",
    "ratio": "ratio model alone",
    "lgbm": "LightGBM model (lgbm-direct)",
    "located": "located model (learnt on the units)",
    "conflictology": "conflictology (last 12 months)",
    "conflictology_nb": "conflictology with 8 neighbours",
    "last_historical": "last historical (Poisson)",
    "bootstrap": "bootstrap (240 months, all units)",
    "zero": "exactly zero",
}
COLUMNS = {
    "crps": "CRPS",
    "ign": "IGN (bits)",
    "mis90": "MIS 90%",
    "brier25": "Brier ≥25",
    "cov50": "cover 50%",
    "cov90": "cover 90%",
    "n": "unit-months",
}
# Country-level CRPS in the challenge's true-future window (July 2024 - June 2025).
CHALLENGE_REFERENCE = {"conflictology": 24.92, "last_historical": 26.32, "zero": 55.80}
"""Issue 14's targets: the model's mean CRPS at most this share of conflictology's."""
COVERAGE_RANGE = (0.85, 0.95)
"""Least and most acceptable coverage of the 90% intervals (rolling total)."""


def main_model(models: Sequence[str]) -> str | None:
    """The model a report judges: the default model, else the LightGBM model, else none."""
    return next((m for m in (DEFAULT_MODEL, "lgbm") if m in models), None)


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
        Block("Country level, state-based fatalities: the challenge windows", 2),
        Block(
            f"Generated {date.today():%Y-%m-%d}. Target: UCDP `ged_sb` (best estimate) per "
            "country-month, the 191 countries of the VIEWS 2023/24 Prediction Challenge. "
            f"Windows {', '.join(windows)}: each forecast from data cut at October of the year "
            "before (horizons 3-14 = January-December), scored against the challenge's "
            f"actuals{_partial_windows(scores)}. {n_draws:,} draws per unit-month, seed {seed}. "
            "Model settings were "
            "chosen on windows Y2006-Y2017 (origins 2005-10..2016-10, total fatalities; the "
            "LightGBM model's on Y2014-Y2017), never on these windows."
        ),
        Block(
            "Scores: CRPS (empirical, own kernel; checked against scoringrules in the tests), the "
            "challenge's ignorance score (bins "
            + ", ".join(f"{b:g}" for b in IGNORANCE_BINS)
            + ", one pseudo-draw added to each of the 11 bins), mean interval score of the 90% "
            "interval, Brier score of P(≥25), coverage of the central 50% and 90% intervals "
            "(ideal 0.5 and 0.9). Lower is better except coverage."
        ),
        Block("All windows", 3),
        Block(table=_score_table(scores, ["model"])),
        Block(
            "For comparison, in the challenge's true-future window (July 2024 - June 2025) the "
            "country-level CRPS of the benchmarks was: "
            + ", ".join(f"{LABELS[m]} {v:.2f}" for m, v in CHALLENGE_REFERENCE.items())
            + ". Those months are not in our data; the windows above are the challenge's "
            "test windows."
        ),
        Block("CRPS by window", 3),
        Block(table=crps.reindex(columns=models).rename(columns=LABELS).reset_index()),
    ]
    blocks += _where_it_loses(scores, crps, models)
    for name in windows:
        blocks += [
            Block(f"Window {name}", 4),
            Block(table=_score_table(scores[scores["window"] == name], ["model"])),
        ]
    by_h = scores.pivot_table(index="horizon", columns="model", values="crps", aggfunc="mean")
    blocks += [
        Block("CRPS by horizon (all windows)", 3),
        Block(table=by_h.reindex(columns=models).rename(columns=LABELS).reset_index()),
        Block("Calibration", 3),
        Block(
            "Share of randomised PIT values in ten equal bins (a calibrated forecast puts 0.10 "
            "in each; a U shape means too narrow, a hump too wide, a slope bias). Most "
            "unit-months are zero with zero forecast, so the PIT of those is spread uniformly. "
            "PIT cover: the share of outcomes whose PIT lies in the central 50% or 90% of "
            "[0, 1], the interval coverage of counts (0.50 and 0.90 when calibrated); plain "
            "cover: the share inside the 5%-95% quantiles of the draws, which for counts is "
            "above 0.90 even when calibrated (every observed 0 is inside a forecast whose 5% "
            "quantile is 0), by as much as the last column says."
        ),
        Block(table=_pit_table(scores, models)),
        Block("Sahel countries", 3),
        Block(
            "CRPS per window for each Sahel country, with the observed yearly total and the "
            "model's median forecast summed over the year (a rough guide to level)."
        ),
    ]
    names = country_names()
    for gw in SAHEL:
        name = names[gw]
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
        blocks += [Block(f"{name} ({gw})", 4), Block(table=table.reset_index())]
    return blocks


def _partial_windows(scores: pd.DataFrame) -> str:
    """`` (held for fewer: Y2018 9 countries, Y2024 4 months)`` for the windows whose actuals
    hold fewer countries or months than the fullest window ("" when none)."""
    one = scores[scores["model"] == scores["model"].iloc[0]]
    per = one.groupby("window", sort=False).agg(units=("unit_id", "nunique"),
                                                 months=("month", "nunique"))  # fmt: skip
    most_units, most_months = per["units"].max(), per["months"].max()
    parts = [f"{w} {r.units} countries" if r.units < most_units else f"{w} {r.months} months"
             for w, r in per.iterrows() if r.units < most_units or r.months < most_months]
    return f" (held for fewer: {', '.join(parts)})" if parts else ""


def _where_it_loses(scores: pd.DataFrame, crps: pd.DataFrame, models: list[str]) -> list[Block]:
    model = main_model(models)
    others = [m for m in models if m not in (model, "ratio", "lgbm")]
    if model is None or not others:
        return []
    best = crps[others].idxmin(axis=1).astype(str)
    lines = []
    for (window, row), rival in zip(crps.iterrows(), best, strict=True):
        verdict = "better than" if row[model] <= row[rival] else "worse than"
        lines.append(
            f"{window}: model {row[model]:.2f}, {verdict} the best benchmark "
            f"({LABELS.get(rival, rival)}, {row[rival]:.2f})."
        )
    rival = "conflictology" if "conflictology" in models else others[0]
    per = scores.pivot_table(
        index=["window", "unit_id"], columns="model", values="crps", aggfunc="mean"
    )
    excess = (per[model] - per[rival]).sort_values(ascending=False)
    n_units = scores.groupby("window")["unit_id"].nunique()
    top = excess.head(10).reset_index()
    top.columns = ["window", "unit_id", f"CRPS excess over {rival} (mean per month)"]
    names = country_names()
    top.insert(2, "country", [names.get(int(u), "?") for u in top["unit_id"]])
    obs = scores[scores["model"] == model].groupby(["window", "unit_id"])["obs"].sum()
    top["added to the window's mean CRPS"] = top.iloc[:, -1] / top["window"].map(n_units)
    top.insert(
        3,
        "observed (year)",
        [obs.get((w, u), np.nan) for w, u in zip(top["window"], top["unit_id"], strict=True)],
    )
    share = excess.clip(lower=0).head(10).sum() / max(excess.clip(lower=0).sum(), 1e-9)
    return [
        Block("Where the model loses", 3),
        Block(" ".join(lines)),
        Block(
            f"Country-windows where the model is furthest behind {LABELS[rival]}; their "
            "excess, divided by the window's number of countries, is what they add to its mean "
            f"CRPS. These ten hold {share:.0%} of all the model's excess CRPS: mean CRPS is "
            "dominated by a few large wars."
        ),
        Block(table=top),
    ]


def _pit_table(scores: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    rows = []
    for m in models:
        sub = scores[scores["model"] == m]
        pits = sub["pit"].to_numpy()
        rows.append([
            LABELS.get(m, m), *pit_histogram(pits), pit_coverage(pits, 0.5),
            pit_coverage(pits, 0.9), sub["cov90"].mean(), sub["ecov90"].mean(),
        ])  # fmt: skip
    columns = [
        "model",
        *[f"{i / 10:.1f}-{(i + 1) / 10:.1f}" for i in range(10)],
        "PIT cover 50%",
        "PIT cover 90%",
        "plain cover 90%",
        "plain 90% if calibrated",
    ]
    return pd.DataFrame(rows, columns=columns)


UNIT_LEVELS = {"admin1": "admin-1 units", "admin2": "admin-2 units", "grid": "PRIO-GRID cells"}


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
            f"{int((scores['model'] == models[0]).sum())} unit-months). The located model is "
            "learnt on the units' own located history; blend is the country model shared out "
            "over the units (see docs/forecasting.md)."
        ),
        Block(table=_score_table(scores, ["model"])),
        Block(table=scores.pivot_table(index="horizon", columns="model", values="crps",
                                       aggfunc="mean").reindex(columns=models)
              .rename(columns=LABELS).reset_index()),
        Block(table=_pit_table(scores, models)),
    ]  # fmt: skip
    model = "located" if "located" in crps.index else main_model(list(crps.index))
    if model is not None and len(crps) > 1:
        rival = str(crps.drop(model).idxmin())
        verdict = "beats" if crps[model] <= crps[rival] else "loses to"
        per = scores.pivot_table(index="unit_id", columns="model", values="crps", aggfunc="mean")
        excess = (per[model] - per[rival]).sort_values(ascending=False).head(5)
        blocks.append(Block(
            f"The model ({crps[model]:.3f}) {verdict} the best benchmark, "
            f"{LABELS.get(rival, rival)} ({crps[rival]:.3f}). Units where it is furthest "
            "behind it (mean CRPS excess per month): "
            + ", ".join(f"{u} ({v:+.2f})" for u, v in excess.items()) + "."
        ))  # fmt: skip
    return blocks


def target_lines(country: pd.DataFrame) -> list[str]:
    """Issue 14's country-level targets, one line each, starting ``met`` or ``MISSED``, with
    the figures (``country``: the country rows of an evaluation, with a ``target`` column)."""
    target = country["target"] if "target" in country else pd.Series("sb", country.index)
    model = main_model(list(dict.fromkeys(country["model"])))
    if model is None or "conflictology" not in set(country["model"]):
        return ["MISSED: the targets need the model and conflictology scored side by side."]
    lines: list[str] = []
    sb, total = country[target == "sb"], country[target == "total"]
    if len(sb):
        per = sb.pivot_table(index="window", columns="model", values="crps", sort=True)
        means = sb.groupby("model")["crps"].mean()
        ratio = means[model] / means["conflictology"]
        lines.append(_verdict(
            ratio <= TARGET_RATIO,
            f"country sb, challenge windows {', '.join(per.index)}: mean CRPS "
            f"{means[model]:.2f} = {ratio:.3f} x conflictology's {means['conflictology']:.2f} "
            f"(target at most {TARGET_RATIO:.2f})"))  # fmt: skip
        lines += _why(sb, model, ratio)
        worse = [str(w) for w, row in per.iterrows() if row[model] >= row["conflictology"]]
        lines.append(_verdict(
            not worse,
            "country sb, below conflictology in every window: "
            + (f"not in {', '.join(worse)}" if worse else f"in all {len(per)}")))
    if len(total):
        means = total.groupby("model")["crps"].mean()
        ratio = means[model] / means["conflictology"]
        origins = sorted(set(total["window"]))
        lines.append(_verdict(
            ratio <= TARGET_RATIO,
            f"country total, {len(origins)} rolling origins {origins[0]}..{origins[-1]}, "
            f"horizons 1-12: mean CRPS {means[model]:.2f} = {ratio:.3f} x conflictology's "
            f"{means['conflictology']:.2f} (target at most {TARGET_RATIO:.2f})"))  # fmt: skip
        lines += _why(total, model, ratio)
        low, high = COVERAGE_RANGE
        own = total[total["model"] == model]
        cover = pit_coverage(own["pit"].to_numpy(), 0.9)
        lines.append(_verdict(low <= cover <= high,
            f"country total, 90% intervals cover {cover:.3f} of the outcomes, counted by their "
            f"randomised PIT as counts must be (target {low:.2f}-{high:.2f}); the plain "
            f"interval between the 5% and 95% quantiles covers {own['cov90'].mean():.3f}, where "
            f"a calibrated forecast of the same counts would cover {own['ecov90'].mean():.3f} "
            "(the draws tie at zero)"))  # fmt: skip
        sahel = total[total["unit_id"].isin(list(SAHEL))]
        per = sahel.pivot_table(index="unit_id", columns="model", values="crps")
        names = country_names()
        worse = [names[int(str(u))] for u in per.index[per[model] > per["conflictology"]]]
        together = sahel.groupby("model")["crps"].mean()
        lines.append(_verdict(
            not worse and together[model] <= together["conflictology"],
            f"country total, Sahel countries no worse than conflictology: together "
            f"{together[model]:.2f} against {together['conflictology']:.2f}; "
            + (f"worse in {', '.join(worse)}" if worse else "no worse in any one")))
    return lines


def verdict_lines(scores: pd.DataFrame) -> list[str]:
    """The report's first lines: each target met or missed, country level first (with a
    line saying where the score lies under a missed ratio target)."""
    if "level" not in scores:
        return target_lines(scores) if len(scores) else []
    country = scores["level"] == "country"
    return [*(target_lines(scores[country]) if country.any() else []),
            *(unit_target_lines(scores[~country]) if (~country).any() else [])]


def _why(rows: pd.DataFrame, model: str, ratio: float) -> list[str]:
    """Under a missed ratio target, the line saying how much of conflictology's CRPS no
    country's past foresaw (:func:`~sahelwatch.forecast.reach.reach`)."""
    split = reach(rows, model, "conflictology") if ratio > TARGET_RATIO else None
    names = {str(k): v for k, v in country_names().items()}
    return [split.text("the model", "conflictology", names)] if split else []


def _verdict(met: bool, text: str) -> str:
    return f"{'met' if met else 'MISSED'}: {text}."


def rolling_blocks(scores: pd.DataFrame) -> list[Block]:
    """The section of the country-level rolling-origin backtest of total fatalities."""
    models = list(dict.fromkeys(scores["model"]))
    origins = sorted(set(scores["window"]))
    by_year = scores.assign(year=scores["window"].str[:4]).pivot_table(
        index="year", columns="model", values="crps", aggfunc="mean")
    blocks = [
        Block("Country level, total fatalities: rolling origins", 2),
        Block(f"Origins {origins[0]}..{origins[-1]} every 6 months ({len(origins)}), horizons "
              "1-12, data cut at each origin, scored against the store's own series (UCDP GED "
              "25.1 country-month totals, VIEWS, Candidate). Every model on the same "
              "unit-months."),
        Block(table=_score_table(scores, ["model"])),
        Block("CRPS by year of origin", 3),
        Block(table=by_year.reindex(columns=models).rename(columns=LABELS).reset_index()),
        Block("Calibration", 3),
        Block(table=_pit_table(scores, models)),
        Block("Sahel countries", 3),
    ]  # fmt: skip
    sahel = scores[scores["unit_id"].isin(list(SAHEL))]
    table = sahel.pivot_table(index="unit_id", columns="model", values="crps", aggfunc="mean")
    table = table.reindex(columns=models)
    table.loc["together"] = sahel.groupby("model")["crps"].mean().reindex(models)
    known = country_names()
    names = [known.get(int(u), str(u)) if u != "together" else "together" for u in table.index]
    table = table.rename(columns=LABELS).reset_index(drop=True)
    table.insert(0, "country", names)
    blocks.append(Block(table=table))
    return blocks


def write_report(
    scores: pd.DataFrame, out_dir: Path, n_draws: int = 1000, seed: int = 0
) -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` into ``out_dir``; return their paths.

    ``scores`` may hold ``level`` and ``target`` columns. The first lines say which of issue
    14's targets are met and which are missed (:func:`verdict_lines`); rows of other levels
    than ``country`` get a section each."""
    level = scores["level"] if "level" in scores else pd.Series("country", index=scores.index)
    country = scores[level == "country"]
    target = country["target"] if "target" in country else pd.Series("sb", country.index)
    blocks = [Block("SahelWatch forecast evaluation", 1)]
    lines = verdict_lines(scores)
    if lines:
        met, missed = (sum(line.startswith(f"{w}:") for line in lines) for w in ("met", "MISSED"))
        blocks += [Block(f"Targets: {met} met, {missed} missed", 2), *map(Block, lines)]
    if (target == "sb").any():
        blocks += report_blocks(country[target == "sb"], n_draws, seed)
    if (target == "total").any():
        blocks += rolling_blocks(country[target == "total"])
    for name in dict.fromkeys(level[level != "country"]):
        blocks += unit_level_blocks(scores[level == name], str(name))
    md, page = out_dir / "report.md", out_dir / "report.html"
    md.write_text(to_markdown(blocks), encoding="utf-8")
    page.write_text(to_html(blocks, blocks[0].text), encoding="utf-8")
    return md, page
