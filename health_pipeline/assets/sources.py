"""The four monthly source assets: one bulk extraction per vendor, one row per mapped account."""
# No `from __future__ import annotations` here: Dagster reads the context and input annotations at definition time.

from typing import Any, Callable

import dagster as dg
import pandas as pd

from health_pipeline.assets.columns import described_schema
from health_pipeline.assets.contracts import metric_frame_type
from health_pipeline.assets.metadata import source_metadata
from health_pipeline.partitions import MONTHLY
from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline.settings.resource import PipelineConfigResource
from health_pipeline.sources.common.errors import SourceError
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.common.result import SourceResult
from health_pipeline.sources.intercom import metrics as intercom_metrics
from health_pipeline.sources.intercom.extract import extract_intercom
from health_pipeline.sources.intercom.resource import IntercomResource
from health_pipeline.sources.jira import metrics as jira_metrics
from health_pipeline.sources.jira.extract import extract_jira
from health_pipeline.sources.jira.resource import JiraResource
from health_pipeline.sources.looker import metrics as looker_metrics
from health_pipeline.sources.looker.extract import extract_looker
from health_pipeline.sources.looker.resource import LookerResource
from health_pipeline.sources.registry import BY_KEY
from health_pipeline.sources.salesforce import metrics as salesforce_metrics
from health_pipeline.sources.salesforce.extract import extract_salesforce
from health_pipeline.sources.salesforce.resource import SalesforceResource


def _keys(mapping: pd.DataFrame, column: str) -> list[tuple[str, Any]]:
    """(salesforce_account_id, source key) pairs in mapping order."""
    return list(zip(mapping[ID_COLUMN], mapping[column]))


def _finish(context: dg.AssetExecutionContext, extraction: Callable[[], SourceResult]) -> dg.Output[pd.DataFrame]:
    """Run the extraction, log its notes (a warning when unconfigured) and attach its metadata.

    A failed source fails the step with its own sentence (source, call, status) as the error,
    not as the cause of a generic op error.
    """
    try:
        result = extraction()
    except SourceError as error:
        raise dg.Failure(description=str(error),
                         metadata={"source": error.source, "call": error.call, "status": error.status}) from None
    result.frame.attrs["source_configured"] = result.configured
    for note in result.notes:
        (context.log.warning if not result.configured else context.log.info)(note)
    context.log.info(
        f"{result.accounts_with_data} of {len(result.frame)} accounts with data for {result.period.label}; "
        f"{sum(result.calls.values()) + sum(result.retries.values())} HTTP calls in {result.seconds}s"
    )
    return dg.Output(result.frame, metadata=source_metadata(result))


# raised when what a source extracts changes, so Dagster marks the months stored before as stale: Intercom
# attributes company-less conversations through their contacts (2), Salesforce reads the account owner (2)
SOURCE_CODE_VERSIONS = {"intercom": "2", "jira": "1", "looker": "1", "salesforce": "2"}


def _source_asset(vendor: str, metrics: tuple[str, ...], texts: tuple[str, ...] = ()) -> Any:
    """The shared decorator of a source asset (name and pool from the vendor registry); `texts` are text columns."""
    name = BY_KEY[vendor].asset_name
    return dg.asset(
        name=name,
        partitions_def=MONTHLY,
        group_name="sources",
        kinds={vendor, "pandas"},
        owners=["team:data"],
        tags={"vendor": vendor},
        pool=vendor,
        dagster_type=metric_frame_type(f"{name}_frame", metrics, texts),
        metadata={"dagster/column_schema": described_schema([(ID_COLUMN, "object"), *((m, "float64") for m in metrics),
                                                             *((t, "object") for t in texts)])},
        code_version=SOURCE_CODE_VERSIONS[vendor],
    )


@_source_asset("intercom", intercom_metrics.METRICS)
def intercom_support_metrics(context: dg.AssetExecutionContext, account_mapping: pd.DataFrame,
                             intercom: IntercomResource) -> dg.Output[pd.DataFrame]:
    """Support metrics per account from the month's Intercom conversations (one search stream)."""
    period = Period.parse(context.partition_key)
    keys = _keys(account_mapping, "intercom_company_id")
    return _finish(context, lambda: extract_intercom(intercom, period, keys, context.log.warning))


@_source_asset("jira", jira_metrics.METRICS)
def jira_bug_metrics(context: dg.AssetExecutionContext, account_mapping: pd.DataFrame,
                     jira: JiraResource) -> dg.Output[pd.DataFrame]:
    """Bug metrics per account from the configured Jira projects (one JQL stream)."""
    period = Period.parse(context.partition_key)
    keys = _keys(account_mapping, "jira_key")
    return _finish(context, lambda: extract_jira(jira, period, keys, context.log.warning))


@_source_asset("looker", looker_metrics.METRICS)
def looker_adoption_metrics(context: dg.AssetExecutionContext, account_mapping: pd.DataFrame,
                            looker: LookerResource, pipeline_config: PipelineConfigResource) -> dg.Output[pd.DataFrame]:
    """Adoption metrics and platform value per account from Looker (three inline queries for the month, one login)."""
    period = Period.parse(context.partition_key)
    names = pipeline_config.load().pipeline.looker
    keys = _keys(account_mapping, "looker_account_id")
    return _finish(context, lambda: extract_looker(
        looker, period, keys, model=names.model,
        user_sessions_view=names.user_sessions_view, feature_usage_view=names.feature_usage_view,
        platform_view=names.platform_metrics_view, platform_look_id=names.platform_look_id, log=context.log.warning,
    ))


@_source_asset("salesforce", salesforce_metrics.METRICS, salesforce_metrics.OWNER_COLUMNS)
def salesforce_account_metrics(context: dg.AssetExecutionContext, account_mapping: pd.DataFrame,
                               salesforce: SalesforceResource) -> dg.Output[pd.DataFrame]:
    """Financial, relationship and churn-signal metrics and the owner per account from Salesforce (one SOQL stream per object)."""
    period = Period.parse(context.partition_key)
    ids = list(account_mapping[ID_COLUMN])
    return _finish(context, lambda: extract_salesforce(salesforce, period, ids, context.log.warning))


SOURCE_ASSETS = [intercom_support_metrics, jira_bug_metrics, looker_adoption_metrics, salesforce_account_metrics]
