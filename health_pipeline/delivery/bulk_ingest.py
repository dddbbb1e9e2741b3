"""One Bulk API 2.0 ingest job driven with the fewest calls: create, upload, close, poll until done."""
from __future__ import annotations

import csv
import io
import time
from typing import Any, Callable, Sequence, TypeVar

from simple_salesforce import Salesforce
from simple_salesforce.bulk2 import MAX_INGEST_JOB_FILE_SIZE, JobState, Operation
from simple_salesforce.exceptions import SalesforceOperationError

T = TypeVar("T")
Guard = Callable[[str, Callable[[], T]], T]
# Salesforce ends a job that has not finished within a day; a run should not wait nearly that long
JOB_DEADLINE_SECONDS = 3600.0
MAX_POLL_SECONDS = 10.0
FINISHED = (JobState.job_complete, JobState.failed, JobState.aborted)


def ingest_csv(rows: Sequence[dict]) -> str:
    """The rows as a Bulk 2.0 CSV (comma, LF), columns in the order they first appear."""
    columns = list(dict.fromkeys(name for row in rows for name in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def job_chunks(rows: Sequence[dict], limit_bytes: int = MAX_INGEST_JOB_FILE_SIZE) -> list[Sequence[dict]]:
    """The rows split in halves until each part's CSV fits one job's upload limit (one part, normally)."""
    if len(rows) <= 1 or len(ingest_csv(rows).encode("utf-8")) <= limit_bytes:
        return [rows]
    middle = len(rows) // 2
    return job_chunks(rows[:middle], limit_bytes) + job_chunks(rows[middle:], limit_bytes)


def run_upsert_job(sf: Salesforce, sobject: str, external_id: str, rows: Sequence[dict], poll_seconds: float,
                   guarded: Guard, *, deadline_seconds: float = JOB_DEADLINE_SECONDS) -> str:
    """Upsert the rows through one ingest job and wait until it is JobComplete; its id. A job that ends Failed or
    Aborted, or outlives the deadline, raises through `guarded` naming the call."""
    # simple_salesforce's own upsert reads the finished job a second time after its wait loop; driving the
    # library's job calls here saves that call (the delivery's minimum is create, upload, close, polls, results)
    client: Any = getattr(sf.bulk2, sobject)._client
    job = guarded("POST jobs/ingest", lambda: client.create_job(Operation.upsert, external_id_field=external_id))
    job_id = job["id"]
    guarded("PUT jobs/ingest/{id}/batches", lambda: client.upload_job_data(job_id, ingest_csv(rows)))
    guarded("PATCH jobs/ingest/{id} UploadComplete", lambda: client.close_job(job_id))
    guarded("GET jobs/ingest/{id}", lambda: wait_until_finished(client, job_id, poll_seconds, deadline_seconds))
    return job_id


def wait_until_finished(client: Any, job_id: str, poll_seconds: float, deadline_seconds: float) -> dict:
    """Poll the job (the interval growing to MAX_POLL_SECONDS) until JobComplete; its last status."""
    deadline = time.monotonic() + deadline_seconds
    interval = max(poll_seconds, 0.0)
    while True:
        time.sleep(interval)
        status = client.get_job(job_id, False)
        state = status.get("state") if isinstance(status, dict) else None
        if state == JobState.job_complete:
            return status
        if state in FINISHED:
            reason = status.get("errorMessage") or "no reason given"
            raise SalesforceOperationError(f"Bulk API 2.0 job {job_id} ended {state}: {reason}")
        if time.monotonic() >= deadline:
            raise SalesforceOperationError(f"Bulk API 2.0 job {job_id} still {state} after {deadline_seconds:.0f} s")
        interval = min(max(interval * 1.5, 0.01), MAX_POLL_SECONDS)
