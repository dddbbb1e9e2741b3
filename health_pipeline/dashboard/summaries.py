"""The numbers behind each chart, from the stored months' frames (pure pandas: no Streamlit, no I/O)."""
from __future__ import annotations

import re
from typing import Sequence

import pandas as pd

from health_pipeline.dashboard.names import DIMENSION_COLUMNS, OWNER, OWNER_UNKNOWN, TIER_ORDER
from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline.scoring.frame import RISK_FACTOR_COLUMNS

OWNER_NAME = OWNER.columns[0]
OWNER_COLUMN = "owner"  # the owner as the pages show it: a name, or "owner unknown"
# one attribution entry: `metric +1.5` / `cap -0.3` (the score_change_reasons column joins them with ", ")
MOVER = re.compile(r"^\s*(?P<name>\S+)\s+(?P<points>[+-]\d+(?:\.\d+)?)\s*$")


def with_owner(scores: pd.DataFrame) -> pd.DataFrame:
    """The scores with an `owner` label: the month's owner_name, or "owner unknown" (no owner, or a month stored
    before the scores carried owners)."""
    if OWNER_NAME not in scores.columns:
        return scores.assign(owner=OWNER_UNKNOWN)
    return scores.assign(owner=scores[OWNER_NAME].fillna(OWNER_UNKNOWN))


def owners_known(scores: pd.DataFrame) -> bool:
    """True when any row names its owner."""
    return OWNER_NAME in scores.columns and bool(scores[OWNER_NAME].notna().any())


def filtered(scores: pd.DataFrame, segments: Sequence[str], owners: Sequence[str], tiers: Sequence[str]) -> pd.DataFrame:
    """The rows whose segment, owner and tier are among those chosen (an empty choice keeps everything)."""
    keep = pd.Series(True, index=scores.index)
    for column, chosen in (("segment", segments), (OWNER_COLUMN, owners), ("tier", tiers)):
        if chosen:
            keep &= scores[column].isin(chosen)
    return scores[keep]


def tier_mix(scores: pd.DataFrame) -> pd.DataFrame:
    """Accounts per month and tier (every tier present in every month, zeros included), tiers best first."""
    counts = scores.groupby(["period", "tier"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=list(TIER_ORDER), fill_value=0)
    return counts.stack().rename("accounts").reset_index()


def monthly_means(scores: pd.DataFrame) -> pd.DataFrame:
    """Per month: accounts, accounts with a score, mean published score (missing scores left out) and mean coverage."""
    grouped = scores.assign(score=scores["health_score"].astype("Float64").astype(float)).groupby("period")
    return pd.DataFrame({
        "accounts": grouped.size(),
        "scored": grouped["score"].count(),
        "mean_score": grouped["score"].mean(),
        "mean_coverage_pct": grouped["coverage_pct"].mean(),
    }).reset_index()


def counts_by(month: pd.DataFrame, column: str) -> pd.DataFrame:
    """One month's accounts per value of `column` and tier (a missing value shows as "(none)")."""
    keyed = month.assign(**{column: month[column].fillna("(none)")})
    return keyed.groupby([column, "tier"]).size().rename("accounts").reset_index()


def movers(month: pd.DataFrame, count: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The month's largest drops and largest rises of the published score (accounts without a change left out)."""
    changed = month[month["score_change"].notna()].assign(change=lambda f: f["score_change"].astype(int))
    drops = changed[changed["change"] < 0].sort_values(["change", ID_COLUMN]).head(count)
    rises = changed[changed["change"] > 0].sort_values(["change", ID_COLUMN], ascending=[False, True]).head(count)
    return drops, rises


def parse_movers(text: object) -> list[tuple[str, float]]:
    """`support_x +1.5, cap -0.3` -> [("support_x", 1.5), ("cap", -0.3)]; blank -> []; a malformed entry raises."""
    if not isinstance(text, str) or not text.strip():
        return []
    parsed = []
    for entry in text.split(","):
        match = MOVER.match(entry)
        if match is None:
            raise ValueError(f"score_change_reasons entry {entry.strip()!r} is not `name +x.y`")
        parsed.append((match["name"], float(match["points"])))
    return parsed


def account_choices(scores: pd.DataFrame) -> dict[str, str]:
    """The latest month's accounts, most at risk first (no score last): account id -> `name (id)`."""
    latest = scores[scores["period"] == latest_month(scores)].sort_values(["health_score", ID_COLUMN])
    return dict(zip(latest[ID_COLUMN], latest["account_name"].astype(str) + " (" + latest[ID_COLUMN] + ")"))


def matching_accounts(choices: dict[str, str], search: str, limit: int, keep: str | None = None) -> tuple[list[str], int]:
    """The ids whose label (`name (id)`) holds `search`, ignoring case, in the choices' order (most at risk first),
    at most `limit` of them, and how many matched; `keep` (the account shown now) is listed first when there is no
    search and it is beyond the limit."""
    needle = search.strip().casefold()
    matched = [key for key, label in choices.items() if needle in label.casefold()] if needle else list(choices)
    listed = matched[:limit]
    if not needle and keep in choices and keep not in listed:
        listed = [keep, *listed[:limit - 1]]
    return listed, len(matched)


def account_history(scores: pd.DataFrame, account_id: str) -> pd.DataFrame:
    """One account's rows, oldest month first."""
    return scores[scores[ID_COLUMN] == account_id].sort_values("period")


def dimension_history(history: pd.DataFrame) -> pd.DataFrame:
    """An account's dimension scores per month, long (period, dimension, score); missing stays missing."""
    present = [column for column in DIMENSION_COLUMNS if column in history.columns]
    long = history.melt(id_vars="period", value_vars=present, var_name="dimension", value_name="score")
    return long.assign(dimension=long["dimension"].map(DIMENSION_COLUMNS))


def risk_factors(row: pd.Series) -> list[str]:
    """The month's risk factors of one account, most costly first."""
    return [str(row[column]) for column in RISK_FACTOR_COLUMNS if column in row and isinstance(row[column], str)]


def latest_month(scores: pd.DataFrame) -> str | None:
    """The most recent scored month, None when nothing is scored."""
    return None if scores.empty else str(scores["period"].max())


def missing(value: object) -> bool:
    """True for None, NaN and pd.NA (a missing score or change)."""
    return value is None or bool(pd.isna(value))


def dimension_coverage(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean coverage (%) of each dimension per month, long (period, dimension, coverage_pct)."""
    columns = {f"{name}_coverage": name for name in DIMENSION_COLUMNS.values() if f"{name}_coverage" in scores.columns}
    means = scores.groupby("period")[list(columns)].mean().mul(100).rename(columns=columns)
    return means.reset_index().melt(id_vars="period", var_name="dimension", value_name="coverage_pct")


def check_matrix(results: pd.DataFrame) -> pd.DataFrame:
    """Month x check: "passed" or "FAILED" (blocking checks marked), one row per month, newest first."""
    labelled = results.assign(
        check=results["check"] + results["blocking"].map({True: " (blocking)", False: ""}),
        verdict=results["passed"].map({True: "passed", False: "FAILED"}))
    matrix = labelled.pivot(index="period", columns="check", values="verdict")
    return matrix.sort_index(ascending=False).reset_index()
