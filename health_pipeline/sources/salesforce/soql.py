"""Salesforce record IDs and the month's SOQL statements, chunked to fit a GET URL."""

from __future__ import annotations

import re
from datetime import date
from typing import Iterable, Sequence
from urllib.parse import quote_plus

from simple_salesforce.format import format_soql, quote_soql_value

from health_pipeline.sources.common.period import Period
from health_pipeline.sources.common.values import shorten

# simple_salesforce sends SOQL as GET .../query/?q=<urlencoded SOQL>. Salesforce rejects request
# URIs above 16,384 bytes; 15,000 encoded characters for `q` leaves ~1,300 for
# https://<instance>/services/data/vNN.0/query/?q= . A quoted 18-char ID plus its comma costs
# 27 encoded characters, so about 540 IDs fit in one statement.
MAX_QUERY_CHARS = 15_000

ACCOUNT_FIELDS: tuple[str, ...] = (
    "Id", "Name", "ARR__c", "Prior_Year_ARR__c", "Payment_Status__c", "Contracted_Tier__c", "Usage_Tier__c",
    "OwnerId", "Owner.Name",  # the account owner rides on the Account statement: no User query
)
PHASE2_FIELDS: tuple[str, ...] = ("QBR_Attendance_Rate__c", "Champion_Since__c", "Expansion_Signals__c")
_SF_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")


def validate_salesforce_id(value: object) -> str:
    """Return the value if it is a 15- or 18-character Salesforce ID, else raise ValueError."""
    if not isinstance(value, str) or not _SF_ID.match(value):
        raise ValueError(
            f"invalid Salesforce ID {shorten(value, 40)}: expected 15 or 18 letters/digits"
        )
    return value


def phase2_fields_present(describe_field_names: Iterable[str]) -> bool:
    """True when the Account describe lists every Phase 2 field."""
    names = set(describe_field_names)
    return all(name in names for name in PHASE2_FIELDS)


def encoded_length(text: str) -> int:
    """Length of the text as requests URL-encodes a query parameter value."""
    return len(quote_plus(text))


def chunked_in_queries(
    prefix: str, field: str, values: Sequence[object], max_query_chars: int = MAX_QUERY_CHARS
) -> list[str]:
    """`prefix field IN (...)` statements, split only when one would exceed max_query_chars encoded."""
    quoted = [quote_soql_value(value) for value in dict.fromkeys(values)]
    head, tail = f"{prefix} {field} IN (", ")"
    base = encoded_length(head) + encoded_length(tail)
    comma = encoded_length(",")
    statements: list[str] = []
    chunk: list[str] = []
    size = base
    for item in quoted:
        cost = encoded_length(item) + (comma if chunk else 0)
        if chunk and size + cost > max_query_chars:
            statements.append(head + ",".join(chunk) + tail)
            chunk, size, cost = [], base, encoded_length(item)
        if base + encoded_length(item) > max_query_chars:
            raise ValueError(
                f"max_query_chars={max_query_chars} cannot fit even one value in {shorten(head)}"
            )
        chunk.append(item)
        size += cost
    if chunk:
        statements.append(head + ",".join(chunk) + tail)
    return statements


def soql_queries(
    period: Period,
    account_ids: Sequence[str],
    phase2_fields_present: bool,
    max_query_chars: int = MAX_QUERY_CHARS,
    *,
    filter_by_id: bool = True,
) -> dict[str, list[str]]:
    """The four SOQL streams of the data contract for the given accounts, keyed by object name.

    `filter_by_id` names the accounts in each statement (`... IN (...)`, chunked to fit a URL: about
    540 IDs per statement, so one statement per chunk per object). Without it each object is read in
    one statement with only the contract's own filters, and the caller drops records of accounts it
    does not map: ceil(N/2000) calls for N matching records of every account in the org. That is
    cheaper when the mapped accounts are more than about a quarter (540/2000) of those the object's
    matching records belong to; naming them is cheaper when they are a small part of a large org.
    """
    ids = [validate_salesforce_id(value) for value in account_ids]
    end = period.end_date
    year_before = date(end.year - 1, end.month, 1)
    fields = ACCOUNT_FIELDS + (PHASE2_FIELDS if phase2_fields_present else ())
    # object -> (statement without the account filter, the word that adds a condition, the account field)
    statements = {
        "Account": (f"SELECT {', '.join(fields)} FROM Account", "WHERE", "Id"),
        "Opportunity": (
            format_soql(
                "SELECT Id, AccountId, CloseDate FROM Opportunity WHERE Type = {} AND CloseDate >= {}",
                "Renewal", end,
            ),
            "AND",
            "AccountId",
        ),
        "Contract": (
            format_soql(
                "SELECT Id, AccountId, StartDate FROM Contract WHERE Change_Type__c = {}"
                " AND StartDate >= {} AND StartDate < {}",
                "Downgrade", year_before, end,
            ),
            "AND",
            "AccountId",
        ),
        "Churn_Signal__c": (
            format_soql(
                "SELECT Id, Account__c, Severity__c FROM Churn_Signal__c WHERE Detected_Date__c < {}"
                " AND (Resolved_Date__c = null OR Resolved_Date__c >= {})",
                end, end,
            ),
            "AND",
            "Account__c",
        ),
    }
    if not ids:
        return {name: [] for name in statements}
    if not filter_by_id:
        return {name: [statement] for name, (statement, _, _) in statements.items()}
    return {
        name: chunked_in_queries(f"{statement} {word}", field, ids, max_query_chars)
        for name, (statement, word, field) in statements.items()
    }
