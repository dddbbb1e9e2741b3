"""Every asset and column the dashboard reads, and what produces the optional ones: looked up by these names only."""
from __future__ import annotations

from dataclasses import dataclass

from health_pipeline.scoring.catalogue import DIMENSIONS
from health_pipeline.scoring.tiers import TIERS
from health_pipeline.sources.registry import DISPLAY_NAME_OF_ASSET

SCORES_ASSET = "account_health_scores"
SOURCE_ASSETS: dict[str, str] = dict(DISPLAY_NAME_OF_ASSET)  # asset -> vendor display name
DIMENSION_COLUMNS: dict[str, str] = {f"{name}_score": name for name in DIMENSIONS}
TIER_ORDER: tuple[str, ...] = TIERS
TIER_COLOURS: dict[str, str] = {"Champion": "#1a9850", "Healthy": "#91cf60", "At Risk": "#fc8d59",
                                "Critical": "#d73027", "No Data": "#bdbdbd"}
EMPTY_STORE = "No months scored yet: run `health-pipeline demo`."


@dataclass(frozen=True)
class OptionalData:
    """Data another part of the pipeline produces: an asset, or columns on the scores, and how to get it."""

    label: str
    asset: str | None
    columns: tuple[str, ...]
    produced_by: str

    def missing_message(self) -> str:
        """One sentence saying the data is absent and what produces it."""
        return f"No {self.label} in the stored months yet: {self.produced_by}."


ALERTS = OptionalData("alerts or tasks", "account_alerts", (),
                      "they come from the `account_alerts` asset (materialise it with the monthly job)")
BACKTEST = OptionalData("backtest", "score_backtest", (),
                        "it comes from the `score_backtest` asset, once months have matured")
DELIVERY_LOG = OptionalData("delivery log", None, (),
                            "every live delivery of `salesforce_health_scores` appends a row to it (Parquet under "
                            "`delivery_log/` in the output folder, or the bucket in production; dry runs are not logged)")
ATTRIBUTION = OptionalData("attribution", None, ("score_change_reasons",),
                           "it comes from the `score_change_reasons` column of `account_health_scores` (re-materialise "
                           "the months with a pipeline version that attributes score changes)")
OVERRIDES = OptionalData("overrides", None, ("computed_score", "override_reason", "override_expires"),
                         "they come from the override columns of `account_health_scores` (a "
                         "Health_Score_Override__c record in Salesforce, then a re-materialised month)")
OWNER = OptionalData("account owners", None, ("owner_name",),
                     "they come from the `owner_name` column of `account_health_scores`, read from Salesforce "
                     "(re-materialise months scored before the pipeline read owners, or configure Salesforce)")
OWNER_UNKNOWN = "owner unknown"  # the owner label of an account whose month holds no owner
CHECKS = OptionalData("check results", None, (),
                      "they are read from the Dagster instance's event log: point DAGSTER_HOME at the instance "
                      "that ran the months")
LEARNED = OptionalData("learned model", None, (),
                       "it is recorded with each `score_backtest` materialisation in the Dagster instance (point "
                       "DAGSTER_HOME at the instance that ran the backtest)")
OPTIONAL_ASSETS: tuple[OptionalData, ...] = (ALERTS, BACKTEST)
