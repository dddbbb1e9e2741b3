"""Salesforce query records -> per-account financial, relationship and signal metrics."""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from health_pipeline.sources.common.period import Period
from health_pipeline.sources.common.values import parse_sf_date, shorten, to_float
from health_pipeline.sources.salesforce.soql import (  # noqa: F401  (re-exported: the Salesforce API of this package)
    ACCOUNT_FIELDS,
    MAX_QUERY_CHARS,
    PHASE2_FIELDS,
    chunked_in_queries,
    phase2_fields_present,
    soql_queries,
    validate_salesforce_id,
)

METRICS: tuple[str, ...] = (
    "days_to_renewal", "payment_health", "contract_changes", "arr_trajectory_pct", "tier_alignment",
    "qbr_attendance", "champion_stability", "expansion_signals",
    "critical_signals", "moderate_signals", "watch_signals",
)
# An account found in no Salesforce record at all (wrong or deleted ID): everything None.
DEFAULTS: dict[str, float] = {}
# who owns each account (Account.OwnerId and its User's Name): carried to the scores, never scored
OWNER_COLUMNS: tuple[str, ...] = ("owner_id", "owner_name")

PAYMENT_HEALTH = {
    "Current": 100, "1-30 Days Late": 70, "31-60 Days Late": 40, "60+ Days Late": 10, "Collections": 0,
}
TIER_LADDER = {"Bronze": 0, "Silver": 1, "Gold": 2, "Platinum": 3}
SEVERITY_METRIC = {"Critical": "critical_signals", "Moderate": "moderate_signals", "Watch": "watch_signals"}
_ACCOUNT_METRICS = ("payment_health", "arr_trajectory_pct", "tier_alignment",
                    "qbr_attendance", "champion_stability", "expansion_signals")

Problem = tuple[str, str, str]  # (field, record Id, value)


def record_id(record: dict) -> str:
    """The record's Id, or the last segment of attributes.url when Id was not selected."""
    if isinstance(record.get("Id"), str):
        return record["Id"]
    url = (record.get("attributes") or {}).get("url")
    return url.rstrip("/").rsplit("/", 1)[-1] if isinstance(url, str) else "?"


def tier_alignment(contracted: int, usage: int) -> int:
    """Equal 100, usage above contract 75, one below 40, two or more below 0."""
    gap = usage - contracted
    return 100 if gap == 0 else 75 if gap > 0 else 40 if gap == -1 else 0


def whole_months(since: date, until: date) -> int:
    """Whole calendar months from `since` to `until` (0 if `since` is later)."""
    months = (until.year - since.year) * 12 + until.month - since.month - (until.day < since.day)
    return max(months, 0)


class SalesforceAccumulator:
    """Streams the four SOQL result streams into per-account metrics, keyed by the mapping's own IDs."""

    def __init__(self, period: Period, phase2_present: bool, account_ids: Iterable[str]) -> None:
        self.period = period
        self.phase2_present = phase2_present
        self.problems: list[Problem] = []  # unknown picklist values / unparseable fields
        self.unmatched = 0  # records whose account is not in the mapping
        self._by_prefix: dict[str, str] = {}
        for account_id in account_ids:
            prefix = validate_salesforce_id(account_id)[:15]
            if self._by_prefix.setdefault(prefix, account_id) != account_id:
                raise ValueError(
                    f"mapping IDs {self._by_prefix[prefix]!r} and {account_id!r} are the same account"
                )
        self._fields: dict[str, dict[str, float | None]] = {}
        self._owners: dict[str, dict[str, str | None]] = {}
        self._renewal: dict[str, date] = {}
        self._counts: dict[str, dict[str, int]] = {}

    def _match(self, value: Any) -> str | None:
        """The mapping ID whose 15-char prefix equals the record's ID prefix (case-sensitive)."""
        mapped = self._by_prefix.get(value[:15]) if isinstance(value, str) and len(value) >= 15 else None
        self.unmatched += mapped is None
        if mapped is not None:
            self._counts.setdefault(mapped, dict.fromkeys(("contract_changes", *SEVERITY_METRIC.values()), 0))
        return mapped

    def _picklist(self, record: dict, field: str, allowed: dict[str, int]) -> int | None:
        """The mapped value of a picklist field; None (and a problem if non-null) when unknown."""
        raw = record.get(field)
        if raw is None:
            return None
        value = allowed.get(raw.strip()) if isinstance(raw, str) else None
        if value is None:
            self.problems.append((field, record_id(record), shorten(raw)))
        return value

    def add_accounts(self, records: list[dict]) -> None:
        """Fold Account records (snapshot fields, Phase 2 fields when present)."""
        for record in records:
            account = self._match(record.get("Id"))
            if account is None:
                continue
            arr, prior = to_float(record.get("ARR__c")), to_float(record.get("Prior_Year_ARR__c"))
            contracted = self._picklist(record, "Contracted_Tier__c", TIER_LADDER)
            usage = self._picklist(record, "Usage_Tier__c", TIER_LADDER)
            metrics: dict[str, float | None] = {
                "payment_health": self._picklist(record, "Payment_Status__c", PAYMENT_HEALTH),
                "arr_trajectory_pct": 100.0 * (arr - prior) / prior if arr is not None and prior else None,
                "tier_alignment": (
                    None if contracted is None or usage is None else tier_alignment(contracted, usage)
                ),
                "qbr_attendance": None, "champion_stability": None, "expansion_signals": None,
            }
            if self.phase2_present:
                since = parse_sf_date(record.get("Champion_Since__c"))
                metrics["qbr_attendance"] = to_float(record.get("QBR_Attendance_Rate__c"))
                metrics["champion_stability"] = whole_months(since, self.period.end_date) if since else None
                metrics["expansion_signals"] = to_float(record.get("Expansion_Signals__c"))
            self._fields[account] = metrics
            self._owners[account] = self._owner(record)

    def _owner(self, record: dict) -> dict[str, str | None]:
        """OwnerId and Owner.Name of an Account record; a value of the wrong shape is a problem and stays None."""
        owner_id, owner = record.get("OwnerId"), record.get("Owner")
        if owner_id is not None and not isinstance(owner_id, str):
            self.problems.append(("OwnerId", record_id(record), shorten(owner_id)))
            owner_id = None
        name = owner.get("Name") if isinstance(owner, dict) else None
        if (owner is not None and not isinstance(owner, dict)) or (name is not None and not isinstance(name, str)):
            self.problems.append(("Owner.Name", record_id(record), shorten(owner)))
            name = None
        return {"owner_id": owner_id, "owner_name": name}

    def add_renewals(self, records: list[dict]) -> None:
        """Fold renewal Opportunity records, keeping the earliest CloseDate on or after month end."""
        for record in records:
            account = self._match(record.get("AccountId"))
            close = parse_sf_date(record.get("CloseDate"))
            if account is None or close is None or close < self.period.end_date:
                continue
            if account not in self._renewal or close < self._renewal[account]:
                self._renewal[account] = close

    def add_contracts(self, records: list[dict]) -> None:
        """Fold downgrade Contract records started in the 12 months to month end."""
        end = self.period.end_date
        year_before = date(end.year - 1, end.month, 1)
        for record in records:
            account = self._match(record.get("AccountId"))
            start = parse_sf_date(record.get("StartDate"))
            if account is not None and start is not None and year_before <= start < end:
                self._counts[account]["contract_changes"] += 1

    def add_signals(self, records: list[dict]) -> None:
        """Fold active Churn_Signal__c records by severity; unknown severities become problems."""
        for record in records:
            account = self._match(record.get("Account__c"))
            if account is None:
                continue
            severity = record.get("Severity__c")
            metric = SEVERITY_METRIC.get(severity.strip()) if isinstance(severity, str) else None
            if metric is None:
                self.problems.append(("Severity__c", record_id(record), shorten(severity)))
            else:
                self._counts[account][metric] += 1

    @property
    def missing_accounts(self) -> list[str]:
        """Mapping IDs for which no Account record arrived."""
        return [a for a in self._by_prefix.values() if a not in self._fields]

    def owners(self) -> dict[str, dict[str, str | None]]:
        """Owner id and name per mapping Salesforce ID, for every account whose Account record arrived."""
        return dict(self._owners)

    def result(self) -> dict[str, dict[str, float | int | None]]:
        """Metrics per mapping Salesforce ID, for every account seen in any record."""
        out: dict[str, dict[str, float | int | None]] = {}
        for account, counts in self._counts.items():
            renewal = self._renewal.get(account)
            fields = self._fields.get(account, dict.fromkeys(_ACCOUNT_METRICS))
            metrics = {
                "days_to_renewal": (renewal - self.period.end_date).days if renewal else None,
                **fields,
                **counts,
            }
            out[account] = {name: metrics[name] for name in METRICS}
        return out
