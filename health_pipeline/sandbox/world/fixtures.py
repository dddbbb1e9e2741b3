"""Pinned sandbox data: a fixture directory of raw vendor records, served like the synthetic world.

Layout (docs/sandbox-data.md; any file may be absent):
    intercom/conversations.json, intercom/companies.json, intercom/contacts.json, jira/issues.json,
    looker/<view>.json, salesforce/<Object>.json
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from health_pipeline.sandbox.intercom.records import RecordConversationTable
from health_pipeline.sandbox.jira.records import RecordIssueTable, jira_timestamp
from health_pipeline.sandbox.world.data import (
    LOOKER_VIEWS,
    SALESFORCE_OBJECTS,
    ConversationTable,
    IssueTable,
    SandboxData,
)
from health_pipeline.sandbox.world.months import month_end, month_ordinal

__all__ = ["FixtureData", "FixtureError", "load_fixture_dir", "SandboxData"]
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class FixtureError(ValueError):
    """A fixture file that cannot be served; the message names the file and the problem."""


def _require(condition: bool, where: str, problem: str) -> None:
    if not condition:
        raise FixtureError(f"{where}: {problem}")


def _check_conversation(where: str, i: int, conv: Any) -> None:
    _require(isinstance(conv, dict), where, f"item {i} is not a JSON object")
    _require(isinstance(conv.get("id"), (str, int)) and not isinstance(conv.get("id"), bool), where,
             f"conversation {i} has no string id")
    created = conv.get("created_at")
    _require(isinstance(created, int) and not isinstance(created, bool), where,
             f"conversation {i} (id {conv['id']!r}) needs an integer created_at (UNIX seconds), got {created!r}")


def _check_issue(where: str, i: int, issue: Any) -> None:
    _require(isinstance(issue, dict), where, f"item {i} is not a JSON object")
    _require(str(issue.get("id", "")).isdigit(), where, f"issue {i} needs a numeric string id, got {issue.get('id')!r}")
    fields = issue.get("fields")
    _require(isinstance(fields, dict), where, f"issue {i} ({issue.get('key')}) has no fields object")
    _require(isinstance((fields.get("project") or {}).get("key"), str), where,
             f"issue {i} ({issue.get('key')}) needs fields.project.key")
    for name in ("created", "updated", "resolutiondate"):
        try:
            stamp = jira_timestamp(fields.get(name))
        except ValueError as error:
            raise FixtureError(f"{where}: issue {i} ({issue.get('key')}) field {name}: {error}") from None
        _require(stamp is not None or name != "created", where, f"issue {i} ({issue.get('key')}) needs fields.created")


@dataclass
class FixtureData:
    """Raw vendor records for the four emulators (the same interface as the synthetic World)."""

    conversations: list[dict] = field(default_factory=list)
    companies: list[dict] = field(default_factory=list)
    contacts: list[dict] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)
    looker: dict[str, list[dict]] = field(default_factory=dict)
    salesforce: dict[str, list[dict]] = field(default_factory=dict)
    source: str = "<memory>"

    def __post_init__(self) -> None:
        def where(relative: str) -> str:  # for data read from disk this is the file's path
            return f"{self.source}/{relative}"
        for i, conv in enumerate(self.conversations):
            _check_conversation(where("intercom/conversations.json"), i, conv)
        for i, issue in enumerate(self.issues):
            _check_issue(where("jira/issues.json"), i, issue)
        for view, rows in self.looker.items():
            _require(view in LOOKER_VIEWS, where("looker"), f"unknown Looker view {view!r}")
            for i, row in enumerate(rows):
                _require(isinstance(row, dict) and row.get("account_id") is not None
                         and _MONTH.match(str(row.get("month", ""))) is not None,
                         where(f"looker/{view}.json"), f"row {i} needs account_id and month 'YYYY-MM'")
        self._conversations = RecordConversationTable(self.conversations)
        self._issues = RecordIssueTable(self.issues)
        self._companies = {str(c.get("id")): c for c in self.companies if isinstance(c, dict)}
        for i, contact in enumerate(self.contacts):
            _require(isinstance(contact, dict) and isinstance(contact.get("id"), str),
                     where("intercom/contacts.json"), f"contact {i} has no string id")
        self._contacts = {c["id"]: c for c in self.contacts}

    @classmethod
    def from_world(cls, world: Any, months: Sequence[str]) -> "FixtureData":
        """Pin a World's data for some months: their conversations and Looker rows, the issues created
        up to the last of them, the companies seen, and all Salesforce records."""
        conversations = []
        for month in months:
            table = world.intercom_month(month)
            conversations += table.records(np.arange(len(table)))
        seen = sorted({c["company"]["id"] for c in conversations if c.get("company")})
        people = sorted({p["id"] for c in conversations for p in c["contacts"]["contacts"]})
        contacts = [found for found in map(world.intercom_contact, people) if found is not None]
        seen = sorted(set(seen) | {co["id"] for p in contacts for co in p["companies"]["data"]})
        end = max(month_end(month_ordinal(month)) for month in months)
        issues = [issue for table in world.jira_tables(None, end)
                  for issue in table.issues(np.arange(len(table)), None, "https://sandbox.atlassian.net")]
        looker = {view: [row for month in months for row in world.looker_rows(view, month)] for view in LOOKER_VIEWS}
        return cls(conversations, [world.intercom_company(cid) for cid in seen], contacts, issues, looker,
                   world.salesforce_records(), source=f"<world seed {world.seed}>")

    def salesforce_records(self) -> dict[str, list[dict]]:
        """Records per sObject (every standard object present, possibly empty)."""
        records = {name: [] for name in SALESFORCE_OBJECTS}
        records.update({name: list(rows) for name, rows in self.salesforce.items()})
        return records

    def looker_rows(self, view: str, month: str) -> list[dict]:
        """Rows of a view for a month."""
        return [dict(row) for row in self.looker.get(view, []) if row.get("month") == month]

    def looker_months(self) -> list[str]:
        """Months present in any Looker view."""
        return sorted({str(row["month"]) for rows in self.looker.values() for row in rows})

    def intercom_tables(self, lo: int | None, hi: int | None) -> Sequence[ConversationTable]:
        """The one table of pinned conversations."""
        return [self._conversations] if len(self._conversations) else []

    def intercom_conversation(self, conversation_id: str) -> dict | None:
        """A pinned conversation by id."""
        return self._conversations.get(conversation_id)

    def intercom_company(self, company_id: str) -> dict | None:
        """A pinned company by its Intercom id."""
        return self._companies.get(str(company_id))

    def intercom_contact(self, contact_id: str) -> dict | None:
        """A pinned contact by its Intercom id."""
        return self._contacts.get(str(contact_id))

    def jira_tables(self, created_from: int | None, created_before: int | None) -> Sequence[IssueTable]:
        """The one table of pinned issues."""
        return [self._issues] if len(self._issues) else []

    def write(self, path: str | Path) -> None:
        """Write this data as a fixture directory (only the non-empty files)."""
        root = Path(path)
        files: dict[str, Any] = {"intercom/conversations.json": self.conversations,
                                 "intercom/companies.json": self.companies, "intercom/contacts.json": self.contacts,
                                 "jira/issues.json": self.issues}
        files.update({f"looker/{view}.json": rows for view, rows in self.looker.items()})
        files.update({f"salesforce/{name}.json": rows for name, rows in self.salesforce.items()})
        for relative, rows in files.items():
            if rows:
                target = root / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(json.dumps(rows, indent=1), encoding="utf-8")


def _read_list(path: Path) -> list | None:
    """A JSON list from a file, None when the file is absent; errors name the file, line and column."""
    if not path.exists():
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise FixtureError(f"{path}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}") from None
    except UnicodeDecodeError as error:
        raise FixtureError(f"{path}: not UTF-8 text ({error.reason})") from None
    _require(isinstance(value, list), str(path), f"expected a JSON list of objects, got {type(value).__name__}")
    for i, item in enumerate(value):
        _require(isinstance(item, dict), str(path), f"item {i} is not a JSON object")
    return value


def load_fixture_dir(path: str | Path) -> FixtureData:
    """Read a fixture directory (docs/sandbox-data.md); raises FixtureError naming the bad file."""
    root = Path(path)
    if not root.is_dir():
        raise FixtureError(f"{root}: fixture directory not found")
    looker = {}
    for view in LOOKER_VIEWS:
        rows = _read_list(root / "looker" / f"{view}.json")
        if rows is not None:
            looker[view] = rows
    salesforce = {}
    for file in sorted((root / "salesforce").glob("*.json")):
        rows = _read_list(file)
        first: dict[str, int] = {}  # an Id's first 15 characters (Salesforce's case-sensitive key) -> record
        for i, record in enumerate(rows or []):
            _require(isinstance(record.get("Id"), str), str(file), f"record {i} has no string Id")
            key = record["Id"][:15]
            _require(key not in first, str(file), f"records {first.get(key)} and {i} have the same Id "
                                                  f"{key!r} (the first 15 characters name a record)")
            first[key] = i
        salesforce[file.stem] = rows or []
    parts = {}
    for name, relative in (("conversations", "intercom/conversations.json"), ("companies", "intercom/companies.json"),
                           ("contacts", "intercom/contacts.json"), ("issues", "jira/issues.json")):
        parts[name] = _read_list(root / relative) or []
    return FixtureData(looker=looker, salesforce=salesforce, source=str(root), **parts)
