"""The account_health_scores asset: the month's frame scorer over the four sources, with its checks."""

import warnings
from typing import Iterator

import dagster as dg
import pandas as pd

from health_pipeline.assets import delivery_guard, score_checks
from health_pipeline.assets.columns import frame_schema
from health_pipeline.assets.metadata import preview
from health_pipeline.assets.score_check_specs import BLOCKING_CHECKS, SCORE_CHECK_SPECS, SCORES
from health_pipeline.assets.score_lineage import column_lineage
from health_pipeline.assets.score_metadata import rounded_means, tier_metadata
from health_pipeline.assets.versions import scoring_code_version
from health_pipeline.automation.trend import TREND_REFRESH, previous_month
from health_pipeline.partitions import MONTHLY
from health_pipeline.scoring import score_accounts
from health_pipeline.scoring.assemble import add_trend, assemble_metrics, tier_counts
from health_pipeline.scoring.attribution import explain_change
from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline.scoring.overrides import apply_overrides, overrides_from_frame
from health_pipeline.settings.resource import PipelineConfigResource
from health_pipeline.sources.registry import DISPLAY_NAME_OF_ASSET
from health_pipeline.sources.salesforce.metrics import OWNER_COLUMNS

BLOCKING = tuple(BLOCKING_CHECKS)


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
    check_specs=SCORE_CHECK_SPECS,
    automation_condition=TREND_REFRESH,
)
def account_health_scores(
    context: dg.AssetExecutionContext,
    pipeline_config: PipelineConfigResource,
    account_mapping: pd.DataFrame,
    intercom_support_metrics: pd.DataFrame,
    jira_bug_metrics: pd.DataFrame,
    looker_adoption_metrics: pd.DataFrame,
    salesforce_account_metrics: pd.DataFrame,
    health_score_overrides: pd.DataFrame,
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
    for position, column in enumerate(OWNER_COLUMNS, start=2):  # Salesforce's owner, beside the account's name
        # a Salesforce month stored before the owner was extracted has no such column: the owner is unknown
        scored.insert(position, column, metrics[column].to_numpy() if column in metrics else None)
    # a CSM's override replaces the published score after the caps; the trend follows the published score,
    # the attribution the computed exact score (health_score_exact is never overridden)
    published = add_trend(apply_overrides(scored, overrides_from_frame(health_score_overrides)), previous_scores)
    scores = explain_change(published, metrics, previous_scores, config.scoring)
    scores.insert(2, "period", context.partition_key)
    unconfigured = [DISPLAY_NAME_OF_ASSET[name] for name, frame in sources.items() if frame.attrs.get("source_configured") is False]
    previous_available = previous_scores is not None and len(previous_scores) > 0
    tiers = tier_counts(scores)
    context.log.info(f"{context.partition_key}: {tiers}")
    yield dg.Output(scores, metadata={
        "dagster/row_count": len(scores),
        "dagster/column_schema": frame_schema(scores),
        "dagster/column_lineage": column_lineage(config.scoring),
        **tier_metadata(scores),
        **rounded_means(scores),
        "previous_month_available": previous_available,
        "unconfigured_sources": ", ".join(unconfigured) or "none",
        "overridden_accounts": int(scores["override_reason"].notna().sum()),
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
        score_checks.trend_up_to_date(previous_month(context.partition_key), previous_available),
        delivery_guard.delivery_guard(context, scores, len(sources) - len(unconfigured), config.pipeline.delivery_guard),
    ]
    for outcome in outcomes:
        yield dg.AssetCheckResult(
            check_name=outcome.name, asset_key=SCORES, passed=outcome.passed,
            severity=dg.AssetCheckSeverity.ERROR if outcome.name in BLOCKING else dg.AssetCheckSeverity.WARN,
            description=outcome.description, metadata=outcome.metadata,
        )
