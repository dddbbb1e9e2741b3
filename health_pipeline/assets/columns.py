"""The one place that describes every column of every asset (metrics from the metric catalogue), for the UI."""
from __future__ import annotations

from typing import Iterable

import dagster as dg
import pandas as pd

from health_pipeline.scoring.catalogue import DIMENSIONS, ID_COLUMN, METRIC_CATALOGUE, MetricInfo
from health_pipeline.scoring.frame import RISK_FACTOR_COLUMNS


def metric_description(info: MetricInfo) -> str:
    """A catalogued metric in one line: dimension, source, unit and direction (missing is null, never 0)."""
    better = "lower" if info.lower_is_better else "higher"
    return f"{info.dimension} metric from {info.source}, in {info.unit}; {better} is better; null when no data"


MAPPING_COLUMNS = {
    ID_COLUMN: "Salesforce Account ID (the account's key everywhere)",
    "account_name": "the account's name in the mapping",
    "segment": "paid or standard: chooses the thresholds",
    "intercom_company_id": "Intercom company id (blank: no Intercom data)",
    "jira_key": "value linking Jira bugs to the account (blank: no Jira data)",
    "looker_account_id": "account_id in the Looker views (blank: no Looker data)",
}
OWNER_COLUMNS = {
    "owner_id": "the account owner's Salesforce User Id (Account.OwnerId; on an alert for the data team, the data "
                "team's user); null when Salesforce is not configured or the account has no owner",
    "owner_name": "the owner's name (the User's Name, read as Owner.Name on the Account query); null when unknown",
}
SCORE_COLUMNS = {
    "period": "the scored month, YYYY-MM",
    "health_score": "published health score: the rounded integer 0-100 (null when no source had data)",
    "health_score_exact": "health score after the caps, before rounding",
    "tier": "Champion >= 90, Healthy >= 76, At Risk >= 60, Critical below; No Data without a score",
    "churn_risk": "weighted average of the dimension scores, 0-100 (100 = lowest risk)",
    "platform_value": "platform value from Looker, 0-100; 40% of the health score when present",
    **{f"{name}_score": f"{name} dimension score, 0-100 (null when none of its metrics had data)"
       for name in DIMENSIONS},
    **{f"{name}_coverage": f"share of the {name} dimension's metric weight that had data, 0-1" for name in DIMENSIONS},
    "coverage_pct": "share of the whole model that had data, 0-100",
    "modifier_applied": "the churn-signal cap applied: critical (score <= 59), moderate (<= 75) or null",
    **{column: f"risk factor {column[-1]}: the metric costing the account the most health points, rank {column[-1]}"
       for column in RISK_FACTOR_COLUMNS},
    "top_risk_factors": "the (up to) three risk factors with the points each costs, as a CSM reads them",
    "previous_score": "last month's published health score (null for the first month or an unscored one)",
    "previous_tier": "last month's tier (null for the first month or an unscored one)",
    "score_change": "health score minus last month's (null without last month)",
}
OVERRIDE_COLUMNS = {
    "computed_score": "the score the rules computed (published unless a CSM override applies)",
    "computed_tier": "the tier of the computed score",
    "override_reason": "why a CSM overrode the score this month (Health_Score_Override__c Reason__c; null: none)",
    "override_owner": "who set the override (its OwnerId)",
    "override_expires": "the day the override stops applying",
    "record_id": "Health_Score_Override__c Id", "account_id": "Salesforce Account Id the override applies to",
    "score": "the score the CSM set (0-100), published after rounding", "reason": "why (Reason__c)",
    "owner": "who set it (OwnerId)", "starts_on": "first day it may apply (none: always)",
    "expires_on": "it applies to a month whose last day is before this date", "created": "CreatedDate (latest wins)",
}
CHANGE_COLUMNS = {
    "score_change_exact": "exact health score minus last month's exact score (null without last month)",
    "change_from_config": "the part of the change due to a configuration change (last month's inputs re-scored)",
    "change_from_customer": "the part of the change due to the customer's own metrics",
    **{f"mover_{rank}": f"mover {rank}: the term that moved the exact score most, rank {rank}, with signed points"
       for rank in (1, 2, 3)},
    "score_change_reasons": "the top three movers with signed points, as a CSM reads them (Score_Change_Reasons__c)",
    "critical_signals": "active critical churn signals this month (an input kept so the month can be re-scored)",
    "moderate_signals": "active moderate churn signals this month (an input kept so the month can be re-scored)",
    **{f"points_{name}": f"health points {name} contributes to the exact score (attribution)"
       for name in (*METRIC_CATALOGUE, "platform_value", "cap")},
}
ALERT_COLUMNS = {
    "play": "the play that raised the alert (config/plays.yaml)",
    "severity": "critical, high, medium or low",
    "reason": "why the play fired, as the CSM reads it",
    "top_movers": "the three terms that moved the exact score most since last month, with signed points",
    "suggested_action": "what the play suggests the owner does",
    "route": "who acts: the account owner, or the data team for a data problem",
    "due_date": "the task's due date: the scored month's end plus the play's due_days",
    "alert_key": "Health_Alert_Key__c: <account id>-<YYYY-MM>-<play>, so a re-run never creates a second task",
    "status": "new (a task is written), still_open (an earlier month's task for this play is open) or "
              "task_exists (this month's task was already written)",
}
COLUMN_DESCRIPTIONS: dict[str, str] = {
    **MAPPING_COLUMNS,
    **OWNER_COLUMNS,
    **{name: metric_description(info) for name, info in METRIC_CATALOGUE.items()},
    **SCORE_COLUMNS,
    **OVERRIDE_COLUMNS,
    **CHANGE_COLUMNS,
    **ALERT_COLUMNS,
}


def described_schema(columns: Iterable[tuple[str, str]]) -> dg.TableSchema:
    """(name, type) pairs as a Dagster table schema, each column with its description."""
    return dg.TableSchema(columns=[dg.TableColumn(name=name, type=kind, description=COLUMN_DESCRIPTIONS.get(name))
                                   for name, kind in columns])


def frame_schema(frame: pd.DataFrame) -> dg.TableSchema:
    """A frame's columns and dtypes as a Dagster table schema, each column with its description."""
    return described_schema((str(name), str(dtype)) for name, dtype in frame.dtypes.items())
