"""The score_backtest asset: do the stored months' scores predict the renewals that followed them?"""
# No `from __future__ import annotations`: Dagster compares the `context` annotation to the class itself.
from datetime import date, datetime, timezone
from typing import Iterator

import dagster as dg
import pandas as pd
from pydantic import Field

from health_pipeline.assets.evidence_metadata import backtest_metadata, learned_metadata
from health_pipeline.evidence.backtest import MonthRange, run_backtest
from health_pipeline.evidence.learned import learn_beside_rules
from health_pipeline.evidence.outcomes import HORIZON_DAYS, RENEWAL_SOQL, renewal_outcomes
from health_pipeline.settings.resource import PipelineConfigResource
from health_pipeline.sources.common.errors import SourceError
from health_pipeline.sources.salesforce.resource import SalesforceResource

BACKTEST = dg.AssetKey("score_backtest")
RENEWALS_CALL = "GET query (renewal outcomes)"


class BacktestConfig(dg.Config):
    """Which months to judge, how far ahead to look for the renewal, and the AUC the check expects."""

    months: str = Field(default="", description="YYYY-MM:YYYY-MM (either side may be open); empty = every stored month")
    horizon_days: int = Field(default=HORIZON_DAYS, ge=1, le=730, description="Days after a month's end a renewal counts")
    auc_floor: float = Field(default=0.70, ge=0, le=1, description="The auc_floor check warns under this pooled AUC")
    as_of: str = Field(default="", description="YYYY-MM-DD taken as today for maturity (empty = today, UTC)")


def read_renewals(salesforce: SalesforceResource, log) -> pd.DataFrame:
    """Every closed Renewal opportunity of the org, read in one paged SOQL stream."""
    if not salesforce.is_configured():
        raise dg.Failure(description="score_backtest needs the renewal outcomes in Salesforce, which is not "
                                     "configured (SF_USERNAME, SF_PASSWORD and SF_SECURITY_TOKEN are unset).")
    client = salesforce.open_client(log)
    records = [record for page in client.iter_query_pages(RENEWAL_SOQL, "renewal outcomes") for record in page]
    try:
        return renewal_outcomes(records)
    except ValueError as error:
        raise SourceError("Salesforce", RENEWALS_CALL, str(error)) from None


def today(config: BacktestConfig) -> date:
    """The configured as-of date, or today's UTC date."""
    try:
        return date.fromisoformat(config.as_of) if config.as_of else datetime.now(timezone.utc).date()
    except ValueError:
        raise dg.Failure(description=f"as_of must be a date YYYY-MM-DD, got {config.as_of!r}") from None


@dg.asset(
    group_name="evidence",
    kinds={"pandas", "salesforce"},
    owners=["team:data"],
    ins={"account_health_scores": dg.AssetIn(metadata={"allow_missing_partitions": True})},
    check_specs=[dg.AssetCheckSpec("auc_floor", asset=BACKTEST,
                                   description="The pooled AUC of the score against churn is at least the floor")],
)
def score_backtest(context: dg.AssetExecutionContext, config: BacktestConfig, salesforce: SalesforceResource,
                   pipeline_config: PipelineConfigResource,
                   account_health_scores: dict[str, pd.DataFrame]) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Per matured month, pooled and per segment: n, churned, AUC, churn rate per tier, top-decile lift and precision and recall of Critical, judged against the renewals closed within the horizon after each month; beside it, a logistic regression trained on the older months and tested on the newer (advice only)."""
    try:
        chosen = MonthRange.parse(config.months)
    except ValueError as error:
        raise dg.Failure(description=str(error)) from None
    as_of = today(config)
    renewals = read_renewals(salesforce, context.log.warning)
    table, rows = run_backtest(account_health_scores, renewals, config.horizon_days, as_of, chosen)
    months = sorted(rows["period"].unique()) if len(rows) else []
    context.log.info(f"backtest over {len(months)} matured month(s), {len(renewals)} closed renewals")
    learned = learn_beside_rules({p: account_health_scores[p] for p in months}, rows, pipeline_config.load().scoring)
    yield dg.Output(table, metadata={**backtest_metadata(table, months, config.horizon_days, as_of),
                                     **learned_metadata(learned)})
    pooled = table.set_index("months").loc["pooled"]
    auc = None if pd.isna(pooled["auc"]) else float(pooled["auc"])
    yield dg.AssetCheckResult(
        check_name="auc_floor", asset_key=BACKTEST, passed=auc is not None and auc >= config.auc_floor,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"pooled AUC {auc:.3f} against the floor {config.auc_floor:.2f}" if auc is not None
        else "no AUC: the chosen matured months hold no churned and retained accounts both",
        metadata={"pooled_auc": auc, "auc_floor": config.auc_floor, "months": len(months)},
    )
