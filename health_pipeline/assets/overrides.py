"""The health_score_overrides asset: the month's valid CSM overrides from Salesforce; refused ones are reported."""
# No `from __future__ import annotations`: Dagster reads the context annotation at definition time.
import dagster as dg
import pandas as pd

from health_pipeline.assets.columns import frame_schema
from health_pipeline.partitions import MONTHLY
from health_pipeline.scoring.overrides import overrides_for_month, overrides_frame, validate_overrides
from health_pipeline.sources.common.errors import SourceError
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.salesforce.overrides import read_overrides
from health_pipeline.sources.salesforce.resource import SalesforceResource

REFUSED_SCHEMA = dg.TableSchema(columns=[
    dg.TableColumn("record", "string", description="Health_Score_Override__c Id"),
    dg.TableColumn("account", "string", description="Account__c of the override"),
    dg.TableColumn("problem", "string", description="Why the override is refused and never applied"),
])



@dg.asset(partitions_def=MONTHLY, group_name="sources", kinds={"salesforce", "pandas"}, owners=["team:data"],
          tags={"vendor": "salesforce"}, pool="salesforce", code_version="1")
def health_score_overrides(context: dg.AssetExecutionContext, salesforce: SalesforceResource) -> dg.Output[pd.DataFrame]:
    """The CSM overrides (Health_Score_Override__c) that apply to the month, one per account (latest created wins); overrides without a reason or an expiry, or with a score outside 0-100, are refused and reported, never applied."""
    period = Period.parse(context.partition_key)
    if not salesforce.is_configured():
        context.log.warning(f"{period.label}: Salesforce is not configured, so no override applies this month")
        return dg.Output(overrides_frame({}), metadata={"configured": False, "applied": 0, "refused": 0})
    try:
        records = read_overrides(salesforce.open_client(context.log.warning), period.start_date.isoformat())
    except SourceError as error:
        raise dg.Failure(description=str(error), metadata={"source": error.source, "call": error.call}) from None
    valid, refused = validate_overrides(records)
    chosen = overrides_for_month(valid, period.label)
    for problem in refused:
        context.log.warning(problem.problem)
    rows = [dg.TableRecord({"record": r.record_id, "account": r.account_id or "", "problem": r.problem})
            for r in refused]
    frame = overrides_frame(chosen)
    return dg.Output(frame, metadata={
        "dagster/column_schema": frame_schema(frame),
        "configured": True, "read": len(records), "applied": len(chosen), "refused": len(refused),
        "refused_overrides": dg.MetadataValue.table(records=rows, schema=REFUSED_SCHEMA),
        "dagster/row_count": len(chosen),
    })
