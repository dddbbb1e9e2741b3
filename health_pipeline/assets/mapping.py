"""The account_mapping asset: the validated cross-system ID map, snapshotted per month."""

import dagster as dg
import pandas as pd

from health_pipeline.assets.columns import MAPPING_COLUMNS, described_schema, frame_schema
from health_pipeline.assets.metadata import preview
from health_pipeline.assets.versions import mapping_code_version
from health_pipeline.partitions import MONTHLY
from health_pipeline.settings.resource import PipelineConfigResource


@dg.asset(
    partitions_def=MONTHLY,
    group_name="sources",
    kinds={"csv", "pandas"},
    owners=["team:data"],
    code_version=mapping_code_version(),
    metadata={"dagster/column_schema": described_schema((name, "object") for name in MAPPING_COLUMNS)},
)
def account_mapping(context: dg.AssetExecutionContext, pipeline_config: PipelineConfigResource) -> dg.Output[pd.DataFrame]:
    """The accounts scored this month with their segment and their IDs in Intercom, Jira and Looker, from config/account_mapping.csv."""
    mapping = pipeline_config.load().mapping
    frame = mapping.to_frame()
    linked = {column: int(frame[column].notna().sum()) for column in ("intercom_company_id", "jira_key", "looker_account_id")}
    context.log.info(f"{len(frame)} mapped accounts for {context.partition_key}")
    return dg.Output(frame, metadata={
        "dagster/row_count": len(frame),
        "dagster/column_schema": frame_schema(frame),
        "accounts_by_segment": dg.MetadataValue.json(mapping.segment_counts()),
        "accounts_linked_by_source": dg.MetadataValue.json(linked),
        "preview": preview(frame),
    })
