"""Upsert records by an external ID (Health_Score__c by default, alert Tasks too): sObject Collections below a
threshold, Bulk API 2.0 above it."""
from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence, TypeVar

from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceOperationError

from health_pipeline.delivery.bulk_ingest import job_chunks, run_upsert_job
from health_pipeline.delivery.bulk_jobs import aborting_unfinished_jobs
from health_pipeline.delivery.records import EXTERNAL_ID, SOBJECT
from health_pipeline.sources.common.errors import SourceError, short_body

SOURCE = "Salesforce"
MAX_COLLECTION_SIZE = 200
# Bulk API 2.0 reads an empty cell as "leave the field as it is" and `#N/A` as "set it to null"
BULK_NULL = "#N/A"
COLLECTIONS_CALL = f"PATCH composite/sobjects/{SOBJECT}/{EXTERNAL_ID}"
T = TypeVar("T")
Failed = list[tuple[dict, str]]


@dataclass
class UpsertOutcome:
    """What an upsert did: records created and updated, records refused with their error, HTTP calls, method."""

    created: int = 0
    updated: int = 0
    failed: Failed = field(default_factory=list)
    api_calls: int = 0
    method: str = "collections"


def guarded(call: str, action: Callable[[], T]) -> T:
    """Run one client call; any client failure becomes a SourceError naming the call (never credentials)."""
    try:
        return action()
    except SalesforceError as error:
        raise SourceError(SOURCE, call, short_body(str(error.content)), status=error.status) from None
    except SalesforceOperationError as error:
        raise SourceError(SOURCE, call, short_body(str(error))) from None
    except OSError as error:  # requests' connection errors are OSErrors
        raise SourceError(SOURCE, call, f"no reply after retries ({type(error).__name__})") from None
    except ValueError:
        raise SourceError(SOURCE, call, "the reply is not valid JSON") from None


def format_errors(errors: Any) -> str:
    """Salesforce's per-record errors as `statusCode: message; fields: a, b`, joined by ` | `."""
    parts = []
    for error in errors if isinstance(errors, list) else []:
        error = error if isinstance(error, dict) else {"message": str(error)}
        text = f"{error.get('statusCode') or 'UNKNOWN_ERROR'}: {error.get('message') or ''}".rstrip()
        fields = error.get("fields") or []
        parts.append(f"{text}; fields: {', '.join(map(str, fields))}" if fields else text)
    return " | ".join(parts) or "UNKNOWN_ERROR: Salesforce gave no reason"


@contextmanager
def counted_calls(sf: Salesforce) -> Iterator[list[int]]:
    """Count the HTTP responses the client's session receives inside the block (in `box[0]`)."""
    box = [0]

    def count(response: Any, *args: Any, **kwargs: Any) -> Any:
        box[0] += 1
        return response

    hooks = sf.session.hooks.setdefault("response", [])
    hooks.append(count)
    try:
        yield box
    finally:
        hooks.remove(count)


def upsert_collections(sf: Salesforce, records: Sequence[dict], size: int, sobject: str = SOBJECT,
                       external_id: str = EXTERNAL_ID) -> UpsertOutcome:
    """Upsert through sObject Collections, `size` records per call, reading per-record results in order."""
    outcome = UpsertOutcome(method="collections")
    path = f"composite/sobjects/{sobject}/{external_id}"
    call = f"PATCH {path}"
    for start in range(0, len(records), size):
        chunk = records[start:start + size]
        payload = {"allOrNone": False, "records": [{"attributes": {"type": sobject}, **r} for r in chunk]}
        results = guarded(call, lambda: sf.restful(path, method="PATCH", json=payload))
        if not isinstance(results, list) or len(results) != len(chunk):
            got = len(results) if isinstance(results, list) else type(results).__name__
            raise SourceError(SOURCE, call, f"expected {len(chunk)} results, got {got}")
        for record, result in zip(chunk, results):
            if isinstance(result, dict) and result.get("success"):
                if result.get("created"):
                    outcome.created += 1
                else:
                    outcome.updated += 1
            else:
                errors = result.get("errors") if isinstance(result, dict) else None
                outcome.failed.append((record, format_errors(errors)))
    return outcome


def bulk_row(record: dict) -> dict:
    """A record as a Bulk 2.0 CSV row: None becomes `#N/A`, so an upsert clears the field instead of keeping it."""
    return {name: BULK_NULL if value is None else value for name, value in record.items()}


def parse_bulk_error(text: str) -> str:
    """`CODE:message:fields --` (Bulk 2.0's sf__Error) in the `statusCode: message; fields: ...` form."""
    errors = []
    for entry in (part.strip() for part in (text or "").split(" --")):
        if not entry:
            continue
        code, _, rest = entry.partition(":")
        message, _, fields = rest.rpartition(":") if rest.count(":") else (rest, "", "")
        errors.append({"statusCode": code, "message": message,
                       "fields": [f.strip() for f in fields.split(",") if f.strip()]})
    return format_errors(errors) if errors else format_errors([{"message": text}])


def _rows(text: str) -> list[dict]:
    """The rows of a results CSV."""
    return list(csv.DictReader(io.StringIO(text or "")))


def upsert_bulk2(sf: Salesforce, records: Sequence[dict], poll_seconds: float, sobject: str = SOBJECT,
                 external_id: str = EXTERNAL_ID) -> UpsertOutcome:
    """Upsert through one Bulk API 2.0 ingest job, then read its successful and failed results."""
    outcome = UpsertOutcome(method="bulk2")
    bulk = getattr(sf.bulk2, sobject)
    with aborting_unfinished_jobs(sf):
        job_ids = [run_upsert_job(sf, sobject, external_id, chunk, poll_seconds, guarded)
                   for chunk in job_chunks([bulk_row(r) for r in records])]
    by_key = {str(r[external_id]): r for r in records}
    answered: set[str] = set()
    for job_id in job_ids:
        saved = guarded("GET jobs/ingest/{id}/successfulResults", lambda: bulk.get_successful_records(job_id))
        for row in _rows(saved):
            answered.add(row.get(external_id, ""))
            if row.get("sf__Created", "").lower() == "true":
                outcome.created += 1
            else:
                outcome.updated += 1
        refused = guarded("GET jobs/ingest/{id}/failedResults", lambda: bulk.get_failed_records(job_id))
        for row in _rows(refused):
            key = row.get(external_id, "")
            answered.add(key)
            outcome.failed.append((by_key.get(key, row), parse_bulk_error(row.get("sf__Error", ""))))
    # a record the job neither saved nor refused (e.g. left unprocessed) is a failure, never silently dropped
    outcome.failed.extend((record, "UNPROCESSED: Bulk API 2.0 reported no result for this record")
                          for key, record in by_key.items() if key not in answered)
    return outcome


def upsert_health_scores(sf: Salesforce, records: Sequence[dict], *, bulk_threshold: int,
                         collection_size: int = MAX_COLLECTION_SIZE, poll_seconds: float = 2.0,
                         sobject: str = SOBJECT, external_id: str = EXTERNAL_ID) -> UpsertOutcome:
    """Upsert every record by its external ID (`Health_Score_Key__c` of Health_Score__c unless another sObject and
    field are given): Bulk API 2.0 from `bulk_threshold` records, else Collections."""
    if not 1 <= collection_size <= MAX_COLLECTION_SIZE:
        raise ValueError(f"collection_size must be 1 to {MAX_COLLECTION_SIZE}, got {collection_size}")
    if not records:
        return UpsertOutcome()
    with counted_calls(sf) as calls:
        if len(records) >= bulk_threshold:
            outcome = upsert_bulk2(sf, records, poll_seconds, sobject, external_id)
        else:
            outcome = upsert_collections(sf, records, collection_size, sobject, external_id)
    outcome.api_calls = calls[0]
    return outcome
