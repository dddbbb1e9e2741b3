"""The account_mapping asset: the validated cross-system ID map, snapshotted per month."""

import dagster as dg
import pandas as pd

from health_pipeline.assets.metadata import column_schema, preview
from health_pipeline.assets.versions import mapping_code_version
from health_pipeline.partitions import MONTHLY
from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline.settings.resource import PipelineConfigResource

MAPPING_DESCRIPTIONS = {
    ID_COLUMN: "Salesforce Account ID (the account's key everywhere)",
    "segment": "paid or standard: chooses the thresholds",
    "intercom_company_id": "Intercom company id (blank: no Intercom data)",
    "jira_key": "value linking Jira bugs to the account (blank: no Jira data)",
    "looker_account_id": "account_id in the Looker views (blank: no Looker data)",
}


@dg.asset(
    partitions_def=MONTHLY,
    group_name="sources",
    kinds={"csv", "pandas"},
    owners=["team:data"],
    code_version=mapping_code_version(),
)
def account_mapping(context: dg.AssetExecutionContext, pipeline_config: PipelineConfigResource) -> dg.Output[pd.DataFrame]:
    """The accounts scored this month with their segment and their IDs in Intercom, Jira and Looker, from config/account_mapping.csv."""
    mapping = pipeline_config.load().mapping
    frame = mapping.to_frame()
    linked = {column: int(frame[column].notna().sum()) for column in ("intercom_company_id", "jira_key", "looker_account_id")}
    context.log.info(f"{len(frame)} mapped accounts for {context.partition_key}")
    return dg.Output(frame, metadata={
        "dagster/row_count": len(frame),
        "dagster/column_schema": column_schema(frame, MAPPING_DESCRIPTIONS),
        "accounts_by_segment": dg.MetadataValue.json(mapping.segment_counts()),
        "accounts_linked_by_source": dg.MetadataValue.json(linked),
        "preview": preview(frame),
    })
