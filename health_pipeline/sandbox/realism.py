"""How hard the emulators make the vendors' documented hazards: one switch, `harder()` by default, `gentle()` on ask.

The real services serve Jira pages shorter than asked, Salesforce query batches smaller than 2,000, Bulk API 2.0
jobs that stay in progress for several polls, refuse Intercom search fields and operators the 2.15 tables do not
list, and read JQL dates in the API user's own time zone. An emulator
kinder than that lets a product pass here that would fail, or silently miscount, there.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from health_pipeline.sandbox.jira.paging import JiraPaging
from health_pipeline.sandbox.salesforce.emulator import MAX_BATCH, MIN_BATCH, served_batch_size


@dataclass(frozen=True)
class EmulatorRealism:
    """The emulators' page sizes, job latency and time zone: what the product must read rather than assume."""

    jira_page_cap: int = 100  # the most issues a search/jql page holds, whatever maxResults asks
    jira_short_page_every: int = 0  # every k-th page of a cursor is shorter (0: never)
    jira_short_page_size: int = 0  # the issues such a page holds
    jira_user_time_zone: str = "UTC"  # the API user's profile zone: JQL dates are read in it
    salesforce_batch_cap: int = 2000  # the most records a query batch holds, whatever batchSize asks
    bulk_polls_before_complete: int = 0  # status polls a closed Bulk API 2.0 job answers InProgress
    intercom_strict_search: bool = True  # refuse search fields and operators outside Intercom 2.15's tables

    def __post_init__(self) -> None:
        self.jira_paging()  # checks the Jira page sizes
        if not MIN_BATCH <= self.salesforce_batch_cap <= MAX_BATCH or self.bulk_polls_before_complete < 0:
            raise ValueError(f"salesforce_batch_cap must be {MIN_BATCH}..{MAX_BATCH} and bulk_polls_before_complete "
                             ">= 0")

    @classmethod
    def harder(cls) -> "EmulatorRealism":
        """As hard as the vendors can be: short Jira pages, 500-record Salesforce batches, slow Bulk jobs, a user
        west of UTC (the sandbox's, the tests' and the benchmarks' default)."""
        return cls(jira_short_page_every=3, jira_short_page_size=37, jira_user_time_zone="America/Los_Angeles",
                   salesforce_batch_cap=500, bulk_polls_before_complete=2)

    @classmethod
    def gentle(cls) -> "EmulatorRealism":
        """Full pages, jobs done at the first poll, a UTC user, Intercom search lenient (`health-pipeline sandbox
        --gentle`)."""
        return cls(intercom_strict_search=False)

    def apply(self, emulator: Any) -> Any:
        """Set these behaviours on an Intercom, Jira or Salesforce emulator (Looker is left as it is); returns it."""
        if emulator.name == "intercom":
            emulator.strict_search = self.intercom_strict_search
        elif emulator.name == "jira":
            emulator.paging = self.jira_paging()
            emulator.set_user_time_zone(self.jira_user_time_zone)
        elif emulator.name == "salesforce":
            emulator.batch_cap = self.salesforce_batch_cap
            emulator.bulk_polls_before_complete = self.bulk_polls_before_complete
        return emulator

    def jira_paging(self) -> JiraPaging:
        """The Jira emulator's page sizes."""
        return JiraPaging(self.jira_page_cap, self.jira_short_page_every, self.jira_short_page_size)

    def salesforce_batches(self, records: int, query_options: str | None = None) -> int:
        """The batches (query + queryMore calls) a query matching `records` takes with these query options."""
        return max(1, math.ceil(records / served_batch_size(query_options, self.salesforce_batch_cap)))

    def bulk_job_polls(self) -> int:
        """The status polls a client makes until it sees JobComplete."""
        return self.bulk_polls_before_complete + 1
