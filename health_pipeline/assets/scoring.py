"""The account_health_scores asset: the month's frame scorer over the four sources, with its checks."""

import warnings
from typing import Iterator

import dagster as dg
import pandas as pd

from health_pipeline.assets import score_checks
from health_pipeline.assets.metadata import column_schema, preview
from health_pipeline.assets.score_lineage import column_lineage
from health_pipeline.assets.versions import scoring_code_version
from health_pipeline.partitions import MONTHLY
from health_pipeline.scoring import score_accounts
from health_pipeline.scoring.assemble import add_trend, assemble_metrics, tier_counts
from health_pipeline.scoring.attribution import explain_change
from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline.settings.resource import PipelineConfigResource
from health_pipeline.sources.registry import DISPLAY_NAME_OF_ASSET

SCORES = dg.AssetKey("account_health_scores")
BLOCKING = ("scores_in_range", "one_row_per_mapped_account", "no_duplicate_keys")
WARNING = ("coverage_floor", "sources_configured")


def previous_month_mapping() -> dg.TimeWindowPartitionMapping:
    """The month before: the self-dependency that carries last month's scores for the trend."""
    with warnings.catch_warnings():
        # the first month has no predecessor; this parameter (beta in Dagster 1.13) is what allows that
        warnings.filterwarnings("ignore", message="Parameter `allow_nonexistent_upstream_partitions`",
                                category=dg.BetaWarning)
        return dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1, allow_nonexistent_upstream_partitions=True)


@dg.asset(
    partitions_def=MONTHLY,
    group_name="scoring",
    kinds={"pandas"},
    owners=["team:data"],
    # scoring code + configuration: changing either marks the scored months stale
    code_version=scoring_code_version(),
    ins={
        "previous_scores": dg.AssetIn(
            key=SCORES,
            partition_mapping=previous_month_mapping(),
            # the first month, or a month whose predecessor was never scored, simply has no trend
            metadata={"allow_missing_partitions": True},
        ),
    },
    check_specs=[dg.AssetCheckSpec(name, asset=SCORES, blocking=True) for name in BLOCKING]
    + [dg.AssetCheckSpec(name, asset=SCORES) for name in WARNING],
)
def account_health_scores(
    context: dg.AssetExecutionContext,
    pipeline_config: PipelineConfigResource,
    account_mapping: pd.DataFrame,
    intercom_support_metrics: pd.DataFrame,
    jira_bug_metrics: pd.DataFrame,
    looker_adoption_metrics: pd.DataFrame,
    salesforce_account_metrics: pd.DataFrame,
    previous_scores: pd.DataFrame | None,
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Health score (0-100), tier, churn risk, platform value, dimension scores, coverage and top risk factors per account, with last month's score for the trend."""
    config = pipeline_config.load()
    sources = {
        "intercom_support_metrics": intercom_support_metrics, "jira_bug_metrics": jira_bug_metrics,
        "looker_adoption_metrics": looker_adoption_metrics, "salesforce_account_metrics": salesforce_account_metrics,
    }
    metrics = assemble_metrics(account_mapping, sources.values())
    scored = score_accounts(metrics, config.scoring)
    scored.insert(1, "account_name", metrics["account_name"].to_numpy())
    scores = explain_change(add_trend(scored, previous_scores), metrics, previous_scores, config.scoring)
    scores.insert(2, "period", context.partition_key)
    unconfigured = [DISPLAY_NAME_OF_ASSET[name] for name, frame in sources.items() if frame.attrs.get("source_configured") is False]
    tiers = tier_counts(scores)
    context.log.info(f"{context.partition_key}: {tiers}")
    yield dg.Output(scores, metadata={
        "dagster/row_count": len(scores),
        "dagster/column_schema": column_schema(scores),
        "dagster/column_lineage": column_lineage(config.scoring),
        "tier_distribution": dg.MetadataValue.json(tiers),
        "mean_health_score": float(scores["health_score"].astype("Float64").mean()) if scores["health_score"].notna().any() else None,
        "mean_coverage_pct": float(scores["coverage_pct"].mean()),
        "previous_month_available": previous_scores is not None and len(previous_scores) > 0,
        "unconfigured_sources": ", ".join(unconfigured) or "none",
        "most_at_risk": preview(scores.sort_values("health_score", na_position="last")[
            [ID_COLUMN, "account_name", "health_score", "tier", "top_risk_factors"]]),
    })
    outcomes = [
        score_checks.scores_in_range(scores),
        score_checks.one_row_per_mapped_account(scores, account_mapping),
        score_checks.no_duplicate_keys(scores),
        score_checks.coverage_floor(scores, config.pipeline.checks.coverage_floor_pct,
                                    config.pipeline.checks.max_share_below_floor),
        score_checks.sources_configured(unconfigured),
    ]
    for outcome in outcomes:
        yield dg.AssetCheckResult(
            check_name=outcome.name, asset_key=SCORES, passed=outcome.passed,
            severity=dg.AssetCheckSeverity.ERROR if outcome.name in BLOCKING else dg.AssetCheckSeverity.WARN,
            description=outcome.description, metadata=outcome.metadata,
        )
