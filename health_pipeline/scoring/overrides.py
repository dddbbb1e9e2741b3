"""Rule 8: a CSM's override of the published score, with a reason and an expiry (pure).

Overrides are validated (no reason, no expiry or a score outside 0-100: refused, never applied), the one
that applies to a month is chosen (latest `CreatedDate` wins), and it replaces the published score and tier
after the caps; the computed score and tier are kept beside it.
"""
from __future__ import annotations

import calendar
import math
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Iterable, Mapping

import pandas as pd

from health_pipeline.scoring._values import as_float
from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline.scoring.tiers import publish_array, tier_array

#: the columns an override adds to the scores frame
OVERRIDE_COLUMNS = ("computed_score", "computed_tier", "override_reason", "override_owner", "override_expires")


@dataclass(frozen=True)
class Override:
    """A valid override: the account, the score a CSM set, why, who, from when and until when."""

    record_id: str
    account_id: str
    score: float
    reason: str
    owner: str | None
    starts_on: date | None
    expires_on: date
    created: str

    def applies_to(self, period: str) -> bool:
        """True when `Starts_On__c <= last day of the month < Expires_On__c` (no start: from always)."""
        last_day = month_last_day(period)
        return (self.starts_on is None or self.starts_on <= last_day) and last_day < self.expires_on


@dataclass(frozen=True)
class RefusedOverride:
    """An override that is never applied, and the one-sentence reason."""

    record_id: str
    account_id: str | None
    problem: str


def month_last_day(period: str) -> date:
    """The last day of month `period` (YYYY-MM)."""
    year, month = (int(part) for part in period.split("-"))
    return date(year, month, calendar.monthrange(year, month)[1])


def _date(value: Any) -> date | None:
    """A Salesforce date (`YYYY-MM-DD`) or None when absent or unreadable."""
    try:
        return date.fromisoformat(str(value)[:10]) if value not in (None, "") else None
    except ValueError:
        return None


def _number(value: Any) -> float | None:
    """A finite number, or None when absent or unreadable."""
    try:
        number = as_float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _text(value: Any) -> str | None:
    """Stripped text, None when empty."""
    return value.strip() or None if isinstance(value, str) else None


def validate_override(record: Mapping[str, Any]) -> Override | RefusedOverride:
    """A Health_Score_Override__c record as a valid Override, or refused with the reason."""
    record_id, account = str(record.get("Id") or "?"), _text(record.get("Account__c"))
    score, reason = _number(record.get("Override_Score__c")), _text(record.get("Reason__c"))
    expires, starts = _date(record.get("Expires_On__c")), _date(record.get("Starts_On__c"))
    problem = None
    if account is None:
        problem = "it names no account (Account__c is empty)"
    elif reason is None:
        problem = "it has no reason (Reason__c is empty)"
    elif expires is None:
        problem = "it has no expiry date (Expires_On__c is empty or not a date)"
    elif score is None:
        problem = "it has no score (Override_Score__c is empty or not a number)"
    elif not 0 <= score <= 100:
        problem = f"its score {record.get('Override_Score__c')!r} is outside 0-100"
    elif record.get("Starts_On__c") not in (None, "") and starts is None:
        problem = f"its start date {record.get('Starts_On__c')!r} is not a date"
    if problem is not None:
        return RefusedOverride(record_id, account, f"Override {record_id}: refused because {problem}.")
    return Override(record_id, account, score, reason, _text(record.get("OwnerId")), starts, expires,
                    str(record.get("CreatedDate") or ""))


def validate_overrides(records: Iterable[Mapping[str, Any]]) -> tuple[list[Override], list[RefusedOverride]]:
    """Every record validated: (valid overrides, refused ones)."""
    valid: list[Override] = []
    refused: list[RefusedOverride] = []
    for record in records:
        outcome = validate_override(record)
        (valid if isinstance(outcome, Override) else refused).append(outcome)
    return valid, refused


def overrides_for_month(overrides: Iterable[Override], period: str) -> dict[str, Override]:
    """The override that applies to each account in `period`: of several, the latest CreatedDate wins."""
    chosen: dict[str, Override] = {}
    for override in overrides:
        if not override.applies_to(period):
            continue
        held = chosen.get(override.account_id)
        if held is None or (override.created, override.record_id) > (held.created, held.record_id):
            chosen[override.account_id] = override
    return chosen


def apply_overrides(scores: pd.DataFrame, chosen: Mapping[str, Override]) -> pd.DataFrame:
    """The scores with each chosen override as the published score and tier; computed score and tier kept."""
    out = scores.copy()
    out["computed_score"] = out["health_score"].astype("Int64")
    out["computed_tier"] = out["tier"].astype(object)
    found = [chosen.get(account) for account in out[ID_COLUMN]]
    hit = pd.Series([override is not None for override in found], index=out.index)
    override_scores = pd.Series([o.score if o else float("nan") for o in found], index=out.index, dtype=float)
    published = publish_array(override_scores)
    out["health_score"] = out["health_score"].astype("Int64").mask(hit, pd.array(published, dtype="Float64")
                                                                   .astype("Int64"))
    out["tier"] = out["tier"].astype(object).mask(hit, pd.Series(tier_array(published), index=out.index))
    out["override_reason"] = pd.Series([o.reason if o else None for o in found], index=out.index, dtype=object)
    out["override_owner"] = pd.Series([o.owner if o else None for o in found], index=out.index, dtype=object)
    out["override_expires"] = pd.Series([o.expires_on.isoformat() if o else None for o in found], index=out.index,
                                        dtype=object)
    return out


def overrides_frame(chosen: Mapping[str, Override]) -> pd.DataFrame:
    """The month's chosen overrides as a frame, one row per account (the overrides asset's value)."""
    columns = list(Override.__dataclass_fields__)
    return pd.DataFrame([asdict(override) for override in chosen.values()], columns=columns)


def overrides_from_frame(frame: pd.DataFrame | None) -> dict[str, Override]:
    """The chosen overrides back from `overrides_frame` (None or empty: no override)."""
    if frame is None or frame.empty:
        return {}
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return {row["account_id"]: Override(**row) for row in rows}
