"""Who fights whom: fragmentation, initiators, attacks on state and foreign forces, and
armed-group presence."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sahelwatch import panels
from sahelwatch.errors import QueryError
from sahelwatch.indicators.common import (
    KEYS,
    align,
    check_columns,
    panel_grid,
    trailing_sums,
    violent_events,
)

#: Families on the state's side of the conflict.
STATE_CAMP: frozenset[str] = frozenset({"state", "foreign", "progov_militia"})

#: Families that are not non-state armed groups (left out of fragmentation).
NOT_ARMED_GROUPS: frozenset[str] = frozenset({"state", "foreign", "civilians"})

#: ACLED sub-event types in which actor 1 (``side_a``) acts on actor 2 by ACLED's coding rules.
ACLED_DIRECTED: frozenset[str] = frozenset(
    {
        "Attack",
        "Air/drone strike",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Suicide bomb",
        "Grenade",
        "Abduction/forced disappearance",
        "Sexual violence",
        "Government regains territory",
        "Non-state actor overtakes territory",
    }
)


def fragmentation(events: pd.DataFrame, panel: pd.DataFrame) -> pd.DataFrame:
    """Fragmentation: number of distinct non-state armed groups active per unit-month.

    An actor is active when it is a side of an event of organised violence in the unit and
    month. Every actor that is not a state, foreign force or civilians counts (jihadist,
    separatist, pro-government and communal militias, anonymised and unknown actors, each
    under its canonical name; an unknown name counts as written).

    Returns
    -------
    pandas.DataFrame
        ``unit_id``, ``month``, ``armed_groups`` and ``armed_group_names`` (sorted, joined by
        ``"; "``); NaN/null unless the panel's ``covered_actors`` holds.
    """
    ev = violent_events(events)
    long = pd.concat(
        [
            pd.DataFrame(
                {"unit_id": ev["unit_id"], "month": ev["month"], "actor": panels.side_actors(ev[c])}
            ).explode("actor")
            for c in ("side_a", "side_b")
        ],
        ignore_index=True,
    ).dropna(subset=["actor"])
    from sahelwatch.actors import load_dictionary

    fam = load_dictionary().classify(long["actor"].astype(str).reset_index(drop=True))["family"]
    armed = ~fam.isin(NOT_ARMED_GROUPS).to_numpy()
    long = long[armed].drop_duplicates()
    counts = (
        long.groupby(KEYS)["actor"]
        .agg(armed_groups="nunique", armed_group_names=lambda s: "; ".join(sorted(set(s))))
        .reset_index()
    )
    out = align(panel, counts, ["armed_groups"], "covered_actors")
    names = panel[KEYS].merge(counts[[*KEYS, "armed_group_names"]], on=KEYS, how="left")
    known = panel["covered_actors"].to_numpy(dtype=bool)
    # text even where no unit-month has a group (the merged column is then float NaN)
    out["armed_group_names"] = names["armed_group_names"].astype("str").fillna("").where(known)
    return out


def _camp(families: pd.DataFrame, named: pd.Series) -> pd.Series:
    """'state', 'civilians' or 'armed_group' for each side; null where no side is named."""
    state = families[list(STATE_CAMP)].any(axis=1)
    civilians = families["civilians"] & ~state
    camp = np.where(state, "state", np.where(civilians, "civilians", "armed_group"))
    return pd.Series(camp, index=families.index, dtype=object).where(named.notna())


def initiator(events: pd.DataFrame, *, heuristic: bool = True) -> pd.DataFrame:
    """Which side initiated each event, and by which rule.

    UCDP does not code an initiator: in state-based violence ``side_a`` is the government by
    convention, whoever attacked; in non-state violence the order is arbitrary; in one-sided
    violence ``side_a`` is the perpetrator by definition. The rules, first match wins:

    1. one-sided violence: ``side_a`` (``one-sided: perpetrator``);
    2. ACLED directed sub-event types (:data:`ACLED_DIRECTED`): actor 1 = ``side_a``
       (``acled: directed sub-event``);
    3. only if ``heuristic``: losses on one side only (``deaths_a > 0 = deaths_b`` gives
       ``side_b``, ``deaths_b > 0 = deaths_a`` gives ``side_a``; ``losses on one side``);
    4. otherwise unknown (null).

    Returns
    -------
    pandas.DataFrame
        ``initiator`` (``side_a``, ``side_b`` or null), ``initiator_rule``, ``initiator_camp``
        and ``target_camp`` (``state``, ``armed_group``, ``civilians`` or null), index of
        ``events``.
    """
    check_columns(events, ["violence_type", "side_a", "side_b", "deaths_a", "deaths_b"], "events")
    vt = events["violence_type"]
    sub = (
        events["sub_event_type"]
        if "sub_event_type" in events
        else pd.Series(None, index=events.index)
    )
    da = pd.to_numeric(events["deaths_a"], errors="coerce").to_numpy(dtype=float)
    db = pd.to_numeric(events["deaths_b"], errors="coerce").to_numpy(dtype=float)
    named = events["side_a"].notna() & events["side_b"].notna()
    onesided = (vt == "os").to_numpy() & named.to_numpy()
    directed = sub.isin(ACLED_DIRECTED).to_numpy() & named.to_numpy()
    lossy = heuristic & named.to_numpy() & vt.isin(["sb", "ns"]).to_numpy()
    a_lost = lossy & (da > 0) & (db == 0)
    b_lost = lossy & (db > 0) & (da == 0)
    side = np.select(
        [onesided, directed, a_lost, b_lost], ["side_a", "side_a", "side_b", "side_a"], ""
    )
    rule = np.select(
        [onesided, directed, a_lost | b_lost],
        ["one-sided: perpetrator", "acled: directed sub-event", "losses on one side"],
        "unknown",
    )
    fam_a = panels.side_families(events["side_a"])
    fam_b = panels.side_families(events["side_b"])
    camp_a, camp_b = _camp(fam_a, events["side_a"]), _camp(fam_b, events["side_b"])
    out = pd.DataFrame(
        {"initiator": pd.Series(side, index=events.index, dtype=object).replace("", None)},
        index=events.index,
    )
    out["initiator_rule"] = rule
    is_a, is_b = side == "side_a", side == "side_b"
    out["initiator_camp"] = camp_a.where(is_a, camp_b.where(is_b))
    out["target_camp"] = camp_b.where(is_a, camp_a.where(is_b))
    return out


def attacks_on_forces(
    events: pd.DataFrame, panel: pd.DataFrame, *, heuristic: bool = True
) -> pd.DataFrame:
    """Attacks on state and foreign forces, and who initiates violence, per unit-month.

    Returns
    -------
    pandas.DataFrame
        ``unit_id``, ``month`` and

        * ``clashes_with_state``: events of organised violence with state forces on a side,
          whoever initiated;
        * ``attacks_on_state`` / ``attacks_on_foreign``: events initiated (see
          :func:`initiator`) by an armed group against a side with state / foreign forces;
        * ``state_initiated``, ``armed_initiated``: events initiated by the state camp
          (state, foreign forces, pro-government militias) / by armed groups, one-sided
          violence included;
        * ``initiator_unknown``: events whose initiator cannot be told;
        * ``state_side_deaths``: deaths on sides with state forces (UCDP ``deaths_a`` or
          ``deaths_b``).

        NaN unless the panel's ``covered_actors`` holds.
    """
    ev = violent_events(events)
    who = initiator(ev, heuristic=heuristic)
    fam_a, fam_b = panels.side_families(ev["side_a"]), panels.side_families(ev["side_b"])
    is_a = (who["initiator"] == "side_a").to_numpy()
    known = who["initiator"].notna().to_numpy()
    target_state = np.where(is_a, fam_b["state"], fam_a["state"]) & known
    target_foreign = np.where(is_a, fam_b["foreign"], fam_a["foreign"]) & known
    armed = (who["initiator_camp"] == "armed_group").to_numpy()
    deaths_a = pd.to_numeric(ev["deaths_a"], errors="coerce").fillna(0).to_numpy()
    deaths_b = pd.to_numeric(ev["deaths_b"], errors="coerce").fillna(0).to_numpy()
    flags = pd.DataFrame(
        {
            "unit_id": ev["unit_id"].to_numpy(),
            "month": ev["month"].to_numpy(),
            "clashes_with_state": (fam_a["state"] | fam_b["state"]).to_numpy()
            & (ev["violence_type"] != "os").to_numpy(),
            "attacks_on_state": armed & target_state,
            "attacks_on_foreign": armed & target_foreign,
            "state_initiated": (who["initiator_camp"] == "state").to_numpy(),
            "armed_initiated": armed,
            "initiator_unknown": who["initiator"].isna().to_numpy(),
            "state_side_deaths": np.where(fam_a["state"], deaths_a, 0)
            + np.where(fam_b["state"], deaths_b, 0),
        }
    )
    columns = [c for c in flags.columns if c not in KEYS]
    sums = flags.groupby(KEYS)[columns].sum().reset_index()
    return align(panel, sums, columns, "covered_actors")


def armed_presence(
    events: pd.DataFrame,
    panel: pd.DataFrame,
    *,
    window: int = 6,
    min_events: int = 2,
    min_covered: int = 2,
    heuristic: bool = True,
) -> pd.DataFrame:
    """Armed-group presence: who initiates violence in a unit over a trailing window.

    Over the ``window`` months ending with each month (covered months only), count the events
    initiated by the state camp (S) and by armed groups (A) (:func:`initiator`; one-sided
    violence counts for its perpetrator) and classify the unit:

    * ``unknown`` (null): fewer than ``min_covered`` months of the window are covered;
    * ``no clear presence``: S + A < ``min_events``;
    * ``armed-group-dominant``: A / (S + A) >= 2/3; ``state-dominant``: A / (S + A) <= 1/3;
    * ``contested``: in between.

    Returns
    -------
    pandas.DataFrame
        ``unit_id``, ``month``, ``presence``, ``state_initiated_w``, ``armed_initiated_w``,
        ``armed_share_w``, ``months_covered_w`` and ``evidence`` (the uids of the counted
        events, a list, oldest first).
    """
    if window < 1 or min_covered < 1 or min_covered > window:
        raise QueryError("armed_presence needs 1 <= min_covered <= window.")
    ev = violent_events(events)
    who = initiator(ev, heuristic=heuristic)
    camp = who["initiator_camp"]
    counted = ev[camp.isin(["state", "armed_group"]).to_numpy()].assign(camp=camp)
    monthly = (
        counted.assign(
            state=(counted["camp"] == "state").astype(float),
            armed=(counted["camp"] == "armed_group").astype(float),
        )
        .groupby(KEYS)[["state", "armed"]]
        .sum()
        .reset_index()
    )
    aligned = align(panel, monthly, ["state", "armed"], "covered_actors")
    aligned["known"] = panel["covered_actors"].to_numpy(dtype=float)
    sums = {}
    for column in ("state", "armed", "known"):
        grid, units, months = panel_grid(aligned, column)
        sums[column] = trailing_sums(grid, window)
    out = pd.DataFrame(
        {
            "unit_id": np.repeat(units.to_numpy(), len(months)),
            "month": np.tile(months.to_numpy(), len(units)),
            "state_initiated_w": sums["state"].ravel(),
            "armed_initiated_w": sums["armed"].ravel(),
            "months_covered_w": sums["known"].ravel(),
        }
    )
    total = out["state_initiated_w"] + out["armed_initiated_w"]
    share = out["armed_initiated_w"] / total.where(total > 0)
    unknown = out["months_covered_w"] < min_covered
    presence = np.select(
        [total < min_events, share >= 2 / 3, share <= 1 / 3],
        ["no clear presence", "armed-group-dominant", "state-dominant"],
        "contested",
    )
    out["presence"] = pd.Series(presence, dtype=object).where(~unknown, None)
    out["armed_share_w"] = share.where(~unknown)
    for column in ("state_initiated_w", "armed_initiated_w"):
        out[column] = out[column].where(~unknown)
    out = out.merge(_evidence(counted, months, window), on=KEYS, how="left")
    out["evidence"] = [[] if not isinstance(e, list) else e for e in out["evidence"]]
    out.loc[unknown.to_numpy(), "evidence"] = None
    order = ["unit_id", "month", "presence", "state_initiated_w", "armed_initiated_w",
             "armed_share_w", "months_covered_w", "evidence"]  # fmt: skip
    return panel[KEYS].merge(out[order], on=KEYS, how="left")


def _evidence(counted: pd.DataFrame, months: pd.Index, window: int) -> pd.DataFrame:
    """uids of the counted events in each window, keyed by the window's last month."""
    if counted.empty:
        return pd.DataFrame({"unit_id": [], "month": [], "evidence": []})
    ordinal = panels.month_ordinal(counted["month"])
    spread = counted[["uid", "unit_id"]].loc[counted.index.repeat(window)].copy()
    spread["mo"] = np.repeat(ordinal, window) + np.tile(np.arange(window), len(counted))
    spread["date_start"] = np.repeat(counted["date_start"].to_numpy(), window)
    spread["month"] = panels.ordinal_month(spread["mo"])
    spread = spread[spread["month"].isin(months)]
    spread = spread.sort_values(["unit_id", "mo", "date_start", "uid"])
    return spread.groupby(KEYS)["uid"].agg(list).rename("evidence").reset_index()
