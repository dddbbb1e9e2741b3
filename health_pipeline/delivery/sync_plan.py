"""What a delivery must write (pure): the month's records against what Salesforce holds, field by field.

A record is created when Salesforce lacks it, updated when a field we own differs, left alone when equal.
Each record we write carries a fingerprint of its owned values (`Sync_Fingerprint__c`); a stored record
whose values no longer match its fingerprint was edited in Salesforce since our last write: a conflict,
kept as the person left it under the `skip` policy and written over under `overwrite`.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from health_pipeline.delivery.records import EXTERNAL_ID, FIELDS, is_missing

FINGERPRINT = "Sync_Fingerprint__c"
EDITED_BY, EDITED_AT = "LastModifiedById", "LastModifiedDate"
# the timestamp of the run changes every time: it is written with a change, never a reason for one
NOT_COMPARED = frozenset({"Scored_At__c"})
OWNED: tuple[str, ...] = tuple(name for name in FIELDS if name not in NOT_COMPARED)
POLICIES = ("skip", "overwrite")
SCORE_FIELDS = ("Health_Score__c", "Computed_Score__c")


def comparable(value: Any) -> Any:
    """A field value as compared: missing -> None, numbers to 2 decimals, text and dates as text."""
    if is_missing(value) or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return round(float(value), 2)
    return str(value)


def owned_values(record: Mapping[str, Any]) -> tuple:
    """The record's owned field values, comparable, in OWNED order."""
    return tuple(comparable(record.get(name)) for name in OWNED)


def fingerprint(record: Mapping[str, Any]) -> str:
    """SHA-256 of the record's owned values: what we wrote, so a later edit by someone else shows."""
    text = json.dumps(owned_values(record), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def invalid_reason(record: Mapping[str, Any]) -> str | None:
    """Why Salesforce would refuse the record before we send it (a score outside 0-100), else None."""
    for name in SCORE_FIELDS:
        value = record.get(name)
        if value is not None and not 0 <= float(value) <= 100:
            return f"PREFLIGHT: {name} {value} is outside 0-100; fields: {name}"
    return None


@dataclass
class Conflict:
    """A record edited in Salesforce since our last write, and what we would have written."""

    ours: dict
    theirs: dict

    def row(self) -> dict:
        """One row of the conflicts CSV: key, who edited it and when, then each differing field both ways."""
        differing = [name for name in OWNED if comparable(self.ours.get(name)) != comparable(self.theirs.get(name))]
        return {EXTERNAL_ID: self.ours[EXTERNAL_ID], "Account__c": self.ours.get("Account__c"),
                "edited_by": self.theirs.get(EDITED_BY), "edited_at": self.theirs.get(EDITED_AT),
                "fields": ", ".join(differing),
                **{f"ours_{name}": self.ours.get(name) for name in differing},
                **{f"salesforce_{name}": self.theirs.get(name) for name in differing}}


@dataclass
class SyncPlan:
    """The month's records sorted by what a delivery does with them."""

    policy: str
    create: list[dict] = field(default_factory=list)
    update: list[dict] = field(default_factory=list)
    unchanged: list[dict] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    invalid: list[tuple[dict, str]] = field(default_factory=list)

    @property
    def writes(self) -> list[dict]:
        """The records to send, each with its fingerprint: created, updated and (under overwrite) conflicts."""
        overwritten = [c.ours for c in self.conflicts] if self.policy == "overwrite" else []
        return [{**record, FINGERPRINT: fingerprint(record)} for record in [*self.create, *self.update, *overwritten]]

    def preview(self) -> dict[str, int]:
        """The counts a sync preview shows."""
        total = len(self.create) + len(self.update) + len(self.unchanged) + len(self.conflicts) + len(self.invalid)
        return {"total": total, "to_create": len(self.create), "to_update": len(self.update),
                "unchanged": len(self.unchanged), "conflicts": len(self.conflicts), "invalid": len(self.invalid)}


def _edited_since_our_write(stored: Mapping[str, Any]) -> bool:
    """True when the stored values no longer match the fingerprint we wrote with them."""
    written = stored.get(FINGERPRINT)
    return bool(written) and fingerprint(stored) != written


def plan_sync(records: Sequence[dict], existing: Iterable[Mapping[str, Any]], policy: str = "skip") -> SyncPlan:
    """Sort the month's records against the stored ones (matched by `Health_Score_Key__c`)."""
    if policy not in POLICIES:
        raise ValueError(f"conflict policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    stored = {str(row.get(EXTERNAL_ID)).casefold(): row for row in existing if row.get(EXTERNAL_ID)}
    plan = SyncPlan(policy)
    for record in records:
        problem = invalid_reason(record)
        held = stored.get(str(record[EXTERNAL_ID]).casefold())
        if problem is not None:
            plan.invalid.append((record, problem))
        elif held is None:
            plan.create.append(record)
        elif owned_values(held) == owned_values(record):
            plan.unchanged.append(record)
        elif _edited_since_our_write(held):
            plan.conflicts.append(Conflict(record, dict(held)))
        else:
            plan.update.append(record)
    return plan
