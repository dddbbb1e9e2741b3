"""The data interface the emulators read: satisfied by the synthetic World and by FixtureData."""
from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from health_pipeline.sandbox.world.columns import Column

LOOKER_VIEWS = ("user_sessions", "feature_usage", "platform_metrics")
SALESFORCE_OBJECTS = ("Account", "Opportunity", "Contract", "Case", "Churn_Signal__c", "Task", "User",
                      "Health_Score_Override__c")


class ConversationTable(Protocol):
    """Intercom conversations of one time slice, sorted by (created_at, id)."""

    key: str  # stable name of the slice, used in search cursors
    created_at: np.ndarray  # int64 UNIX seconds, ascending

    def column(self, field: str) -> Column | None:
        """The searchable column for an Intercom search field, or None when unknown."""

    def records(self, rows: np.ndarray) -> list[dict]:
        """Conversation objects (API 2.15 shape, with `company`) of the given row positions."""


class IssueTable(Protocol):
    """Jira issues of one slice (a creation month of the world, or a whole fixture file)."""

    key: str

    def __len__(self) -> int:
        """Number of issues."""

    def column(self, field: str) -> Column | None:
        """The column for a canonical JQL field name, or None when the data has no such field."""

    def sort_key(self, field: str) -> np.ndarray:
        """Float keys to order by a canonical field (NaN = empty)."""

    def issues(self, rows: np.ndarray, fields: set[str] | None, base_url: str) -> list[dict]:
        """Issue objects of the given rows with only `fields` (None = all) under `fields`."""


@runtime_checkable
class SandboxData(Protocol):
    """Everything the four emulators serve."""

    def salesforce_records(self) -> dict[str, list[dict]]:
        """Records per sObject name, plain dicts keyed by field API name (no `attributes`)."""

    def looker_rows(self, view: str, month: str) -> list[dict]:
        """Monthly rows of a Looker view: `account_id`, `month` and the measures (no view prefix)."""

    def looker_months(self) -> list[str]:
        """The 'YYYY-MM' months that have Looker data."""

    def intercom_tables(self, lo: int | None, hi: int | None) -> Sequence[ConversationTable]:
        """Conversation slices, in time order, covering created_at in [lo, hi] (None = open side)."""

    def intercom_conversation(self, conversation_id: str) -> dict | None:
        """One conversation (API 2.15 shape) by id, or None."""

    def intercom_company(self, company_id: str) -> dict | None:
        """One Intercom company object by its Intercom id, or None."""

    def intercom_contact(self, contact_id: str) -> dict | None:
        """One Intercom contact object (API 2.15 shape, with `companies`) by its Intercom id, or None."""

    def jira_tables(self, created_from: int | None, created_before: int | None) -> Sequence[IssueTable]:
        """Issue slices that may hold issues created in [created_from, created_before)."""
