"""Loading and validating `account_mapping.csv`: one Salesforce account per row, with its segment and
its ids in Intercom, Jira and Looker (docs/data-contract.md)."""
from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import astuple, dataclass
from pathlib import Path

import pandas as pd

from health_pipeline.scoring import ID_COLUMN, SEGMENTS

MAPPING_FILE = "account_mapping.csv"
COLUMNS = (ID_COLUMN, "account_name", "segment", "intercom_company_id", "jira_key", "looker_account_id")
_SALESFORCE_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


@dataclass(frozen=True)
class MappedAccount:
    """One row of the mapping; blank optional values are None."""

    salesforce_account_id: str
    account_name: str | None
    segment: str
    intercom_company_id: str | None
    jira_key: str | None
    looker_account_id: str | None


@dataclass(frozen=True)
class AccountMapping:
    """Every mapped account, in file order."""

    accounts: tuple[MappedAccount, ...]

    def __len__(self) -> int:
        return len(self.accounts)

    def __iter__(self) -> Iterator[MappedAccount]:
        return iter(self.accounts)

    def to_frame(self) -> pd.DataFrame:
        """One row per account, the contract's columns, object dtype, None for blanks."""
        rows = [astuple(account) for account in self.accounts]
        return pd.DataFrame(rows, columns=list(COLUMNS), dtype=object)

    def segment_counts(self) -> dict[str, int]:
        """Segment -> number of accounts."""
        counts: dict[str, int] = {}
        for account in self.accounts:
            counts[account.segment] = counts.get(account.segment, 0) + 1
        return counts


def salesforce_id_18(salesforce_id: str) -> str:
    """The 18-character form of a 15- or 18-character Salesforce id (what the API returns).

    The three extra characters encode, per block of five, which characters are upper case; they are
    appended to a 15-character id and an 18-character id is returned unchanged.
    """
    if len(salesforce_id) != 15:
        return salesforce_id
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, char in enumerate(salesforce_id[start:start + 5]) if "A" <= char <= "Z")
        suffix += _CHECKSUM_ALPHABET[bits]
    return salesforce_id + suffix


def parse_mapping(path: Path, sink: list[str]) -> AccountMapping | None:
    """The mapping file as an `AccountMapping`, or None after recording every problem in ``sink``.

    Problems name the row as a spreadsheet shows it (the header is row 1). 15-character Salesforce
    ids are stored in their 18-character form so they join with what the Salesforce API returns.
    """
    before = len(sink)

    def problem(message: str, row: int | None = None) -> None:
        sink.append(f"{MAPPING_FILE}{f', row {row}' if row else ''}: {message}")

    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            rows = []  # (the line the row starts on, its values, the line it ends on)
            for row in reader:
                rows.append((rows[-1][2] + 1 if rows else 1, row, reader.line_num))
    except FileNotFoundError:
        problem(f"file not found ({path})")
        return None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        problem(f"cannot be read: {error}")
        return None
    if not rows:
        problem(f"the file is empty; expected the header {','.join(COLUMNS)}")
        return None
    header = [name.strip() for name in rows[0][1]]
    missing = [name for name in COLUMNS if name not in header]
    duplicated = sorted({name for name in header if header.count(name) > 1 and name in COLUMNS})
    if missing:
        problem(f"missing column(s) {', '.join(missing)} (expected header: {','.join(COLUMNS)})", 1)
    if duplicated:
        problem(f"duplicated column(s) {', '.join(duplicated)}", 1)
    if missing or duplicated:
        return None
    index = {name: header.index(name) for name in COLUMNS}
    accounts: list[MappedAccount] = []
    first_row: dict[tuple[str, str], int] = {}  # (column, value) -> the row that used it first
    for row_number, values, last_line in rows[1:]:
        if not any(value.strip() for value in values):
            continue  # a blank line
        if last_line > row_number and any("\n" in value for value in values):
            problem(f"a quoted value opened on this row runs on to row {last_line} (a missing closing quote?)",
                    row_number)
            continue
        if len(values) > len(header):
            problem(f"{len(values)} values but the header has {len(header)} columns", row_number)
            continue
        cell = {name: (values[i].strip() if i < len(values) else "") for name, i in index.items()}
        count = len(sink)
        sf_id = cell[ID_COLUMN]
        if not sf_id:
            problem("salesforce_account_id is blank", row_number)
        elif not _SALESFORCE_ID.fullmatch(sf_id):
            problem(f"salesforce_account_id {sf_id!r} is not a Salesforce id (15 or 18 letters and digits)", row_number)
        if cell["segment"] not in SEGMENTS:
            shown = repr(cell["segment"]) if cell["segment"] else "blank"
            problem(f"segment is {shown}; expected one of: {', '.join(SEGMENTS)}", row_number)
        keys = {ID_COLUMN: sf_id[:15] if _SALESFORCE_ID.fullmatch(sf_id) else None}
        keys.update({name: cell[name] or None for name in ("intercom_company_id", "jira_key", "looker_account_id")})
        for column, key in keys.items():
            if key is None:
                continue
            if (column, key) in first_row:
                problem(f"duplicate {column} {cell[column]!r} (already on row {first_row[column, key]})", row_number)
            else:
                first_row[column, key] = row_number
        if len(sink) == count:
            accounts.append(MappedAccount(
                salesforce_id_18(sf_id), cell["account_name"] or None, cell["segment"],
                keys["intercom_company_id"], keys["jira_key"], keys["looker_account_id"],
            ))
    if len(sink) == before and not accounts:
        problem("no accounts: the file has a header but no rows")
    return AccountMapping(tuple(accounts)) if len(sink) == before else None
