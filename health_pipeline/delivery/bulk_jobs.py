"""Bulk API 2.0 jobs left unfinished by a failed or interrupted upsert are aborted, so no half delivery stays Open."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError


def _created_job(response: Any) -> str | None:
    """The id of the ingest job a `POST jobs/ingest` reply created, else None."""
    request = response.request
    if request.method != "POST" or not request.url.rstrip("/").endswith("/jobs/ingest") or response.status_code >= 300:
        return None
    try:
        job_id = response.json().get("id")
    except (ValueError, AttributeError):
        return None
    return job_id if isinstance(job_id, str) else None


def abort_job(sf: Salesforce, job_id: str) -> bool:
    """Ask Salesforce to abort one ingest job; False when it could not (it had finished, or no reply)."""
    try:
        sf.restful(f"jobs/ingest/{job_id}", method="PATCH", json={"state": "Aborted"})
    except (SalesforceError, OSError):  # a finished job refuses the transition; nothing more to undo
        return False
    return True


@contextmanager
def aborting_unfinished_jobs(sf: Salesforce) -> Iterator[list[str]]:
    """Inside the block, remember every ingest job created; if the block fails or is interrupted
    (an exception, Ctrl-C, or a SIGTERM turned into KeyboardInterrupt), abort them before re-raising."""
    created: list[str] = []

    def remember(response: Any, *args: Any, **kwargs: Any) -> Any:
        job_id = _created_job(response)
        if job_id is not None:
            created.append(job_id)
        return response

    hooks = sf.session.hooks.setdefault("response", [])
    hooks.append(remember)
    try:
        yield created
    except BaseException:
        hooks.remove(remember)
        for job_id in created:
            abort_job(sf, job_id)
        raise
    else:
        hooks.remove(remember)
