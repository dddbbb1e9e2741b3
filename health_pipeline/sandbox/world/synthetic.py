"""The synthetic world: a deterministic customer base (seed, size) seen through all four vendors.

Every month is generated on demand from (seed, month), so any month from 2024-01 on can be asked
for; conversations and issues stay numpy columns and become JSON only for the page being served.
Run `python -m health_pipeline.sandbox.world.synthetic --write-mapping config/account_mapping.csv` to write
the default world's account mapping.
"""
from __future__ import annotations

import argparse
import csv
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from health_pipeline.sandbox.world.accounts import PERSONAS, Trajectory, account_name, build_accounts
from health_pipeline.sandbox.world.columns import Categories
from health_pipeline.sandbox.world.contacts import CONTACT_SLOTS, LEADS, build_contact, contact_index
from health_pipeline.sandbox.world.data import ConversationTable, IssueTable, SandboxData
from health_pipeline.sandbox.world.ids import intercom_id, parse_conversation_id
from health_pipeline.sandbox.world.intercom import CompanyIndex, MonthConversations, generate_month
from health_pipeline.sandbox.world.intercom_json import build_company
from health_pipeline.sandbox.world.jira import JIRA_FIRST_MONTH, PROJECTS, MonthIssues, generate_issue_month
from health_pipeline.sandbox.world.looker import looker_rows
from health_pipeline.sandbox.world.months import current_month, month_label, month_of, month_ordinal, month_start
from health_pipeline.sandbox.world.salesforce import build_salesforce

__all__ = ["World", "SandboxData", "MAPPING_COLUMNS", "JIRA_CUSTOMER_PROJECTS"]

MAPPING_COLUMNS = ("salesforce_account_id", "account_name", "segment", "intercom_company_id", "jira_key",
                   "looker_account_id")
JIRA_CUSTOMER_PROJECTS = PROJECTS[:2]  # BUG and PLAT hold customer bugs; OPS is internal noise
MAX_SPAN = 240  # months one query may make the world generate
_EARLIEST, _LATEST = month_start(JIRA_FIRST_MONTH), month_start(12 * 70)


class _Lru:
    """A small thread-safe least-recently-used cache of generated months."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.RLock()

    def get(self, key: int, build: Callable[[], object]) -> object:
        """The cached value for `key`, built (and cached) on a miss."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            value = build()
            self._items[key] = value
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
            return value


def _month_at(ts: int | None, default: int) -> int:
    return default if ts is None else month_of(min(max(int(ts), _EARLIEST), _LATEST))


class World:
    """A deterministic synthetic customer base; `as_of` (YYYY-MM, default this month) is 'now'."""

    def __init__(self, seed: int = 7, accounts: int = 200, as_of: str | None = None, cache_months: int = 4) -> None:
        if not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {seed!r}")
        if not isinstance(accounts, int) or not 1 <= accounts <= 2_000_000:
            raise ValueError(f"accounts must be an int in 1..2000000, got {accounts!r}")
        self.seed, self.size = seed, accounts
        self.as_of = current_month() if as_of is None else month_ordinal(as_of)
        self.accounts = build_accounts(seed, accounts)
        self.trajectory = Trajectory(seed, self.accounts)
        extra = max(1, accounts // 30)  # Intercom companies with no Salesforce account (trials)
        ids = self.accounts.intercom_ids + [intercom_id("company", seed, accounts + j) for j in range(extra)]
        names = self.accounts.names + [f"Trial: {account_name(accounts + j)}" for j in range(extra)]
        self.companies = CompanyIndex(ids, names, Categories(ids), accounts,
                                      np.flatnonzero(self.accounts.has_intercom))
        self._company_rows = {cid: i for i, cid in enumerate(ids) if i >= accounts or self.accounts.has_intercom[i]}
        self._jira_keys = Categories(self.accounts.jira_keys)
        self._conversations = _Lru(cache_months)
        self._issues = _Lru(max(64, cache_months))
        self._issue_offsets: list[tuple[int, np.ndarray]] = []  # (first id, first numbers) per month
        self._lock = threading.RLock()
        self._salesforce: dict[str, list[dict]] | None = None

    # -- accounts ---------------------------------------------------------------------------
    def mapping_rows(self) -> list[dict]:
        """The account_mapping.csv rows (blank = no data in that system)."""
        acc = self.accounts
        return [{"salesforce_account_id": acc.salesforce_ids[i], "account_name": acc.names[i],
                 "segment": "paid" if acc.paid[i] else "standard",
                 "intercom_company_id": acc.intercom_ids[i] if acc.has_intercom[i] else "",
                 "jira_key": acc.jira_keys[i] if acc.has_jira[i] else "",
                 "looker_account_id": acc.looker_ids[i] if acc.has_looker[i] else ""} for i in range(len(acc))]

    def write_mapping_csv(self, path: str | Path) -> None:
        """Write `mapping_rows()` as config/account_mapping.csv."""
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=MAPPING_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(self.mapping_rows())

    def account_personas(self) -> dict[str, str]:
        """Persona of every account by Salesforce Account ID (champion, healthy, at_risk, critical, new)."""
        return {sf: PERSONAS[p] for sf, p in zip(self.accounts.salesforce_ids, self.accounts.persona.tolist())}

    # -- Salesforce and Looker ----------------------------------------------------------------
    def salesforce_records(self) -> dict[str, list[dict]]:
        """Account, Opportunity, Contract, Case, Churn_Signal__c (and an empty Task) records."""
        with self._lock:
            if self._salesforce is None:
                self._salesforce = build_salesforce(self.seed, self.accounts, self.trajectory, self.as_of)
            return {name: [dict(row) for row in rows] for name, rows in self._salesforce.items()}

    def looker_rows(self, view: str, month: str) -> list[dict]:
        """Monthly rows of a Looker view (`user_sessions`, `feature_usage`, `platform_metrics`)."""
        return looker_rows(self.seed, self.accounts, self.trajectory, view, month_ordinal(month))

    def looker_months(self) -> list[str]:
        """The months with Looker data: 2024-01 .. as_of."""
        return [month_label(k) for k in range(0, self.as_of + 1)]

    # -- Intercom ---------------------------------------------------------------------------
    def intercom_month(self, month: str | int) -> MonthConversations:
        """All conversations created in a month (a label or an ordinal)."""
        k = month_ordinal(month) if isinstance(month, str) else int(month)
        if k < 0:
            raise ValueError("the world's Intercom history starts in 2024-01")
        return self._conversations.get(k, lambda: generate_month(self.seed, k, self.accounts, self.trajectory,
                                                                  self.companies))

    def intercom_tables(self, lo: int | None, hi: int | None) -> Sequence[ConversationTable]:
        """Month tables covering created_at in [lo, hi]; an open side stops at 2024-01 / as_of."""
        first = max(0, _month_at(lo, 0))
        last = _month_at(hi, max(self.as_of, first))
        return [self.intercom_month(k) for k in range(first, min(last, first + MAX_SPAN) + 1)]

    def intercom_conversation(self, conversation_id: str) -> dict | None:
        """One conversation by id (the id encodes its month and row)."""
        parsed = parse_conversation_id(conversation_id)
        if parsed is None or not 0 <= parsed[0] <= self.as_of + MAX_SPAN:
            return None
        table = self.intercom_month(parsed[0])
        return table.records(np.array([parsed[1]]))[0] if parsed[1] < len(table) else None

    def intercom_company(self, company_id: str) -> dict | None:
        """The Intercom company object by its Intercom id."""
        index = self._company_rows.get(company_id)
        if index is None:
            return None
        mapped = index < self.size
        external = self.accounts.salesforce_ids[index] if mapped else f"trial-{index - self.size:05d}"
        return build_company(self.companies, index, self.seed, bool(self.accounts.paid[index]) if mapped else None,
                             external)

    def intercom_contact(self, contact_id: str) -> dict | None:
        """The Intercom contact object by its Intercom id (its `companies` as the world links them)."""
        index = contact_index(self.seed, contact_id)
        if index is None:
            return None
        owner, number = divmod(index, CONTACT_SLOTS)
        companies = len(self.companies.ids)
        if owner < companies:
            known = number < (int(self.accounts.contacts[owner]) if owner < self.size else 3)
        else:
            known = number == 0 and self.companies.lead_base <= owner < self.companies.lead_base + LEADS
        return build_contact(self.seed, index, self.companies, self.size) if known else None

    # -- Jira -------------------------------------------------------------------------------
    def jira_month(self, month: str | int) -> MonthIssues:
        """All issues created in a month (from 2023-01 on)."""
        k = month_ordinal(month) if isinstance(month, str) else int(month)
        if k < JIRA_FIRST_MONTH:
            raise ValueError("the world's Jira history starts in 2023-01")
        with self._lock:
            while len(self._issue_offsets) <= k - JIRA_FIRST_MONTH:  # ids continue from earlier months
                previous = len(self._issue_offsets) - 1 + JIRA_FIRST_MONTH
                if previous < JIRA_FIRST_MONTH:
                    self._issue_offsets.append((10_000, np.ones(len(PROJECTS), dtype=np.int64)))
                    continue
                table = self._issue_table(previous)
                first_id, numbers = self._issue_offsets[-1]
                self._issue_offsets.append((first_id + len(table), numbers + table.project_counts()))
            return self._issue_table(k)

    def _issue_table(self, k: int) -> MonthIssues:
        first_id, numbers = self._issue_offsets[k - JIRA_FIRST_MONTH]
        return self._issues.get(k, lambda: generate_issue_month(self.seed, k, self.accounts, self.trajectory,
                                                                 first_id, numbers - 1, self._jira_keys))

    def jira_tables(self, created_from: int | None, created_before: int | None) -> Sequence[IssueTable]:
        """Creation-month tables that may hold issues created in [created_from, created_before)."""
        first = max(JIRA_FIRST_MONTH, _month_at(created_from, JIRA_FIRST_MONTH))
        last = max(self.as_of, first) if created_before is None else _month_at(int(created_before) - 1, self.as_of)
        return [self.jira_month(k) for k in range(first, min(last, first + MAX_SPAN) + 1)]


def main(argv: list[str] | None = None) -> int:
    """Command line: write the account mapping of a world."""
    parser = argparse.ArgumentParser(prog="python -m health_pipeline.sandbox.world.synthetic", description=__doc__)
    parser.add_argument("--write-mapping", metavar="PATH", required=True, help="where to write the CSV")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--accounts", type=int, default=200)
    args = parser.parse_args(argv)
    World(args.seed, args.accounts).write_mapping_csv(args.write_mapping)
    print(f"wrote {args.accounts} accounts to {args.write_mapping}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
