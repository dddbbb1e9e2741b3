"""A month's scores as Health_Score__c records, one per account, keyed by account and period (pure)."""
from __future__ import annotations

import math
from datetime import datetime, timezone
from numbers import Integral, Real
from typing import Any

import pandas as pd

from health_pipeline.scoring.catalogue import ID_COLUMN

SOBJECT = "Health_Score__c"
EXTERNAL_ID = "Health_Score_Key__c"
NAME_LENGTH = 80
TOP_RISK_FACTORS_LENGTH = 255
OVERRIDE_REASON_LENGTH = 255

# Health_Score__c field -> column of the account_health_scores frame
FIELD_COLUMNS: dict[str, str] = {
    "Account__c": ID_COLUMN,
    "Period__c": "period",
    "Health_Score__c": "health_score",
    "Churn_Risk_Score__c": "churn_risk",
    "Tier__c": "tier",
    "Coverage__c": "coverage_pct",
    "Support_Score__c": "support_score",
    "Financial_Score__c": "financial_score",
    "Adoption_Score__c": "adoption_score",
    "Relationship_Score__c": "relationship_score",
    "Platform_Value__c": "platform_value",
    "Modifier_Applied__c": "modifier_applied",
    "Top_Risk_Factors__c": "top_risk_factors",
    "Previous_Score__c": "previous_score",
    "Score_Change__c": "score_change",
    "Previous_Tier__c": "previous_tier",
    # overrides (a CSM's judgement): the published score above, the computed one kept beside it
    "Computed_Score__c": "computed_score",
    "Override_Reason__c": "override_reason",
    "Override_Expires__c": "override_expires",
    "Score_Change_Reasons__c": "score_change_reasons",
}
FIELDS: tuple[str, ...] = (EXTERNAL_ID, "Name", *FIELD_COLUMNS, "Scored_At__c")


def is_missing(value: Any) -> bool:
    """True for None, pandas NA/NaT and float NaN."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, Real) and not isinstance(value, Integral) and math.isnan(float(value))


def plain_value(value: Any) -> Any:
    """A frame cell as a JSON-ready Python value: NA/NaN -> None, numbers rounded to 2 decimals."""
    if is_missing(value):
        return None
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        number = float(value)
        if math.isinf(number):
            raise ValueError("a health score record cannot hold an infinite number")
        return round(number, 2)
    return value


def record_key(account_id: str, period: str) -> str:
    """The external ID of one account's record for one month: `{account id}-{YYYY-MM}`."""
    return f"{account_id}-{period}"


def record_name(period: str, account_name: Any) -> str:
    """The record's Name: the month first so that truncation to 80 characters never loses it."""
    name = f"{period} Health Score"
    if isinstance(account_name, str) and account_name.strip():
        name = f"{name} - {account_name.strip()}"
    return name[:NAME_LENGTH]


def shorten(text: str, limit: int, separator: str = "; ") -> str:
    """`text` cut to `limit` characters, at the last whole item when a separator allows it."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    boundary = cut.rfind(separator)
    return cut[:boundary] if boundary > 0 else cut


def _text(value: Any) -> str | None:
    """A text field: empty means absent."""
    value = plain_value(value)
    return value if not isinstance(value, str) or value.strip() else None


def utc_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def health_score_records(scores: pd.DataFrame, scored_at: datetime) -> list[dict]:
    """One Health_Score__c record (field API name -> value, None for missing) per row of `scores`."""
    missing = sorted(set(FIELD_COLUMNS.values()) - set(scores.columns))
    if missing:
        raise ValueError(f"the scores frame lacks column(s): {', '.join(missing)}")
    stamp = utc_timestamp(scored_at)
    names = scores["account_name"] if "account_name" in scores.columns else [None] * len(scores)
    records = []
    for position, (row, account_name) in enumerate(zip(scores[list(FIELD_COLUMNS.values())].itertuples(index=False),
                                                       names)):
        values = {field: plain_value(cell) for field, cell in zip(FIELD_COLUMNS, row)}
        account, period = _text(values["Account__c"]), _text(values["Period__c"])
        if account is None or period is None:
            raise ValueError(f"scores row {position} has no {ID_COLUMN} or period")
        for field in ("Tier__c", "Modifier_Applied__c", "Top_Risk_Factors__c", "Previous_Tier__c", "Override_Reason__c",
                      "Override_Expires__c", "Score_Change_Reasons__c"):
            values[field] = _text(values[field])
        if values["Top_Risk_Factors__c"] is not None:
            values["Top_Risk_Factors__c"] = shorten(values["Top_Risk_Factors__c"], TOP_RISK_FACTORS_LENGTH)
        if values["Override_Reason__c"] is not None:
            values["Override_Reason__c"] = shorten(values["Override_Reason__c"], OVERRIDE_REASON_LENGTH, " ")
        if values["Score_Change_Reasons__c"] is not None:
            values["Score_Change_Reasons__c"] = shorten(values["Score_Change_Reasons__c"], TOP_RISK_FACTORS_LENGTH, ", ")
        records.append({EXTERNAL_ID: record_key(account, period), "Name": record_name(period, account_name),
                        **values, "Scored_At__c": stamp})
    return records
