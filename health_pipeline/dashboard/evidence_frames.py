"""The numbers behind the evidence charts, from the score_backtest table and the learned model (pure pandas)."""
from __future__ import annotations

from typing import Mapping

import pandas as pd

from health_pipeline.evidence.statistics import churn_rate_column
from health_pipeline.scoring.config_types import ScoringConfig
from health_pipeline.scoring.frame import PLATFORM
from health_pipeline.scoring.tiers import NO_DATA, TIERS

LABEL, KIND = "months", "kind"  # the backtest table's row label (a month, `pooled` or `segment <name>`) and its kind
SCORED_TIERS: tuple[str, ...] = tuple(tier for tier in TIERS if tier != NO_DATA)
MONTH_MEASURES: dict[str, str] = {  # column -> what the per-month chart calls it
    "auc": "AUC (0.5 = a coin toss, 1 = a perfect ranking)",
    "top_decile_lift": "top-decile lift (churn among the lowest 10% of scores / overall churn)",
}
REQUIRED_COLUMNS: tuple[str, ...] = (LABEL, KIND, "n", "churned", *MONTH_MEASURES,
                                     *(churn_rate_column(tier) for tier in SCORED_TIERS))


def table_problem(table: pd.DataFrame) -> str | None:
    """What stops the table being charted (columns it lacks), None when it can be."""
    missing = [column for column in REQUIRED_COLUMNS if column not in table.columns]
    return f"the stored score_backtest lacks column(s) {', '.join(missing)}" if missing else None


def month_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The per-month rows of the backtest, the month as `period`, oldest first."""
    months = table[table[KIND] == "month"].rename(columns={LABEL: "period"})
    return months.sort_values("period").reset_index(drop=True)


def pooled_row(table: pd.DataFrame) -> pd.Series | None:
    """The pooled row (every matured month together), None when the table has none."""
    pooled = table[table[KIND] == "pooled"]
    return None if pooled.empty else pooled.iloc[0]


def segment_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The per-segment rows (pooled over the months)."""
    return table[table[KIND] == "segment"].reset_index(drop=True)


def churn_by_tier(months: pd.DataFrame) -> pd.DataFrame:
    """Churn rate (%) per month and tier, long (period, tier, churn_rate_pct); a tier without accounts stays missing."""
    columns = {churn_rate_column(tier): tier for tier in SCORED_TIERS}
    long = months.melt(id_vars="period", value_vars=list(columns), var_name="tier", value_name="churn_rate")
    rate = pd.to_numeric(long["churn_rate"], errors="coerce") * 100
    return pd.DataFrame({"period": long["period"], "tier": long["tier"].map(columns), "churn_rate_pct": rate})


def rule_weights_pct(config: ScoringConfig) -> dict[str, float]:
    """Each dimension's and platform value's share (%) of the health score under the configured rules."""
    churn_share = config.churn_weight / (config.churn_weight + config.platform_weight)
    total = sum(dimension.weight for dimension in config.dimensions)
    weights = {d.name: round(100 * churn_share * d.weight / total, 1) for d in config.dimensions}
    return {**weights, PLATFORM: round(100 * (1 - churn_share), 1)}


def weights_beside_rules(suggested: Mapping[str, float], rules: Mapping[str, float]) -> pd.DataFrame:
    """Long (input, weights, weight_pct): the configured rules' shares beside the learned model's suggestion."""
    names = list(dict.fromkeys([*rules, *suggested]))
    rows = [(name, "rules (configured)", rules.get(name)) for name in names]
    rows += [(name, "learned model (suggested)", suggested.get(name)) for name in names]
    return pd.DataFrame(rows, columns=["input", "weights", "weight_pct"])
