"""Bulk API 2.0 ingest jobs: create, upload CSV, close, poll, per-record results, delete.

Closing a job processes it at once; the job still reports `InProgress` to the next
`polls_before_complete` status polls, so clients exercise their polling loop. CSV semantics follow
Bulk 2.0: an empty value leaves the field as it is (null on create), `#N/A` sets it to null.
"""
from __future__ import annotations

import csv
import io
import itertools
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from health_pipeline.sandbox.salesforce.http import not_found, sf_error
from health_pipeline.sandbox.salesforce.schema import ObjectSpec, find_object
from health_pipeline.sandbox.salesforce.soap import USER_ID
from health_pipeline.sandbox.salesforce.store import SalesforceStore, Saved, WriteFailure
from health_pipeline.sandbox.salesforce.values import WriteError, format_datetime, make_id, normalize_id
from health_pipeline.sandbox.server.emulator import Request, Response, json_response, text_response

OPERATIONS = ("insert", "upsert", "update", "delete")
DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}
DONE_STATES = ("UploadComplete", "JobComplete", "Aborted", "Failed")


@dataclass
class IngestJob:
    """One ingest job and, once processed, its per-record results."""

    info: dict
    data: str | None = None
    header: list[str] = field(default_factory=list)
    successes: list[list[str]] = field(default_factory=list)
    failures: list[list[str]] = field(default_factory=list)
    unprocessed: list[list[str]] = field(default_factory=list)
    polls_left: int = 0


class Bulk2Ingest:
    """The `/jobs/ingest` resources over one store."""

    def __init__(self, store: SalesforceStore, polls_before_complete: Callable[[], int]) -> None:
        self.store = store
        self.polls_before_complete = polls_before_complete
        self._jobs: dict[str, IngestJob] = {}
        self._lock = threading.Lock()
        self._counter = itertools.count(1)

    def job_infos(self) -> list[dict]:
        """The public info of every job, oldest first."""
        with self._lock:
            return [self._public(job) for job in self._jobs.values()]

    def _job(self, request: Request) -> IngestJob | None:
        with self._lock:
            return self._jobs.get(normalize_id(request.params["job"]) or "")

    def create(self, request: Request) -> Response:
        """POST /jobs/ingest: a new Open job."""
        try:
            body = request.json()
        except ValueError:
            return sf_error(400, "JSON_PARSER_ERROR", "The request body is not valid JSON")
        body = body if isinstance(body, dict) else {}
        spec = find_object(str(body.get("object") or ""))
        operation = body.get("operation")
        if spec is None:
            return sf_error(400, "INVALIDENTITY", f"Entity '{body.get('object')}' is not supported by the Bulk API.")
        if operation not in OPERATIONS or body.get("contentType", "CSV") != "CSV":
            return sf_error(400, "INVALIDJOB", f"InvalidJob : unsupported operation or content type: {operation}")
        if operation == "upsert" and not body.get("externalIdFieldName"):
            return sf_error(400, "INVALIDJOB", "InvalidJob : External ID field is required for upsert")
        if body.get("lineEnding", "LF") not in ("LF", "CRLF") or body.get("columnDelimiter", "COMMA") not in DELIMITERS:
            return sf_error(400, "INVALIDJOB", "InvalidJob : unsupported lineEnding or columnDelimiter")
        job_id = make_id("750", next(self._counter))
        now = format_datetime(datetime.now(timezone.utc))
        version = request.params["ver"]
        info = {"id": job_id, "operation": operation, "object": spec.name, "createdById": USER_ID,
                "createdDate": now, "systemModstamp": now, "state": "Open", "concurrencyMode": "Parallel",
                "contentType": "CSV", "apiVersion": float(version), "jobType": "V2Ingest",
                "contentUrl": f"services/data/v{version}/jobs/ingest/{job_id}/batches",
                "lineEnding": body.get("lineEnding", "LF"), "columnDelimiter": body.get("columnDelimiter", "COMMA")}
        if operation == "upsert":
            info["externalIdFieldName"] = body["externalIdFieldName"]
        with self._lock:
            self._jobs[job_id] = IngestJob(info)
        return json_response(200, info)

    def upload(self, request: Request) -> Response:
        """PUT /jobs/ingest/{id}/batches: the job's one CSV upload (201)."""
        job = self._job(request)
        if job is None:
            return not_found()
        if job.info["state"] != "Open":
            return sf_error(409, "INVALIDJOBSTATE", f"Job {job.info['id']} is not open for data upload")
        if job.data is not None:
            return sf_error(400, "BULK_API_ERROR", f"Found multiple contents for job: <{job.info['id']}>, please "
                            "'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure you "
                            "only do 'PUT' once on a given Job.")
        try:
            job.data = request.body.decode("utf-8")
        except UnicodeDecodeError:
            return sf_error(400, "BULK_API_ERROR", "The CSV data is not UTF-8")
        return Response(201, b"", "text/plain")

    def set_state(self, request: Request) -> Response:
        """PATCH /jobs/ingest/{id}: close (UploadComplete, which processes it) or abort."""
        job = self._job(request)
        if job is None:
            return not_found()
        try:
            state = (request.json() or {}).get("state")
        except (ValueError, AttributeError):
            state = None
        if state not in ("UploadComplete", "Aborted") or job.info["state"] in ("JobComplete", "Failed", "Aborted"):
            return sf_error(400, "INVALIDJOBSTATE", f"Invalid state transition to {state}")
        if state == "Aborted":
            job.info["state"] = "Aborted"
            try:
                job.header, job.unprocessed = self._rows(job) if job.data else ([], [])
            except ValueError:
                pass
            return json_response(200, self._public(job))
        job.info["state"] = "UploadComplete"
        reply = dict(self._public(job))
        job.polls_left = max(0, int(self.polls_before_complete()))
        self._process(job)
        return json_response(200, reply)

    def info(self, request: Request) -> Response:
        """GET /jobs/ingest/{id}: the job's state and counts."""
        job = self._job(request)
        if job is None:
            return not_found()
        reply = self._public(job)
        if job.polls_left > 0 and job.info["state"] in ("JobComplete", "Failed"):
            job.polls_left -= 1
            reply = {**reply, "state": "InProgress", "numberRecordsProcessed": 0, "numberRecordsFailed": 0}
            reply.pop("errorMessage", None)
        return json_response(200, reply)

    def results(self, request: Request) -> Response:
        """GET /jobs/ingest/{id}/{successfulResults|failedResults|unprocessedrecords}: CSV."""
        job = self._job(request)
        if job is None:
            return not_found()
        kind = request.params["kind"].lower()
        if kind == "successfulresults":
            header, rows = ["sf__Id", "sf__Created", *job.header], job.successes
        elif kind == "failedresults":
            header, rows = ["sf__Id", "sf__Error", *job.header], job.failures
        else:
            header, rows = job.header, job.unprocessed
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
        if header:
            writer.writerow(header)
        writer.writerows(rows)
        return text_response(200, buffer.getvalue(), "text/csv")

    def delete(self, request: Request) -> Response:
        """DELETE /jobs/ingest/{id}: forget a closed job (204)."""
        job = self._job(request)
        if job is None:
            return not_found()
        if job.info["state"] not in DONE_STATES:
            return sf_error(400, "INVALIDJOBSTATE", "Only closed, completed, aborted or failed jobs can be deleted")
        with self._lock:
            self._jobs.pop(job.info["id"], None)
        return Response(204, b"", "text/plain")

    @staticmethod
    def _public(job: IngestJob) -> dict:
        processed = len(job.successes) + len(job.failures)
        return {**job.info, "numberRecordsProcessed": processed, "numberRecordsFailed": len(job.failures),
                "retries": 0, "totalProcessingTime": 0, "apiActiveProcessingTime": 0, "apexProcessingTime": 0}

    def _rows(self, job: IngestJob) -> tuple[list[str], list[list[str]]]:
        """Header and rows of the uploaded CSV (ValueError when it cannot be read)."""
        text = job.data or ""
        ending = job.info["lineEnding"]
        if ending == "LF" and "\r\n" in text or ending == "CRLF" and text.replace("\r\n", "").count("\n"):
            raise ValueError(f"ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is "
                             f"{ending}")
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITERS[job.info["columnDelimiter"]],
                                   strict=True))
        except csv.Error as error:
            raise ValueError(f"InvalidBatch : Failed to parse CSV: {error}") from None
        rows = [row for row in rows if row]
        if not rows:
            raise ValueError("InvalidBatch : Empty CSV file")
        bad = next((n for n, row in enumerate(rows[1:], 2) if len(row) != len(rows[0])), None)
        if bad is not None:
            raise ValueError(f"InvalidBatch : Wrong number of columns in row {bad}")
        return rows[0], rows[1:]

    def _process(self, job: IngestJob) -> None:
        """Apply every row to the store and record the per-record results; Failed when the CSV is unusable."""
        spec = find_object(job.info["object"])
        assert spec is not None
        try:
            job.header, rows = self._rows(job)
        except ValueError as error:
            job.info["state"], job.info["errorMessage"] = "Failed", str(error)
            return
        try:
            columns = self._columns(job, spec)
            ext = self._ext_field(job, spec)
        except ValueError as error:
            job.info["state"], job.info["errorMessage"] = "Failed", str(error)
            job.unprocessed = rows
            return
        values = [{name: (None if cell == "#N/A" else cell) for name, cell in zip(columns, row) if cell != ""}
                  for row in rows]
        if job.info["operation"] == "delete":
            outcomes = [self._delete(spec, value) for value in values]
        else:
            outcomes = self.store.save_batch(spec, values, ext)
        for row, outcome in zip(rows, outcomes):
            if isinstance(outcome, WriteFailure):
                message = " ".join(f"{e.status_code}:{e.message}:{','.join(e.fields)} --" for e in outcome.errors)
                job.failures.append(["", message, *row])
            else:
                job.successes.append([outcome.id, "true" if outcome.created else "false", *row])
        job.info["state"] = "JobComplete"

    def _columns(self, job: IngestJob, spec: ObjectSpec) -> list[str]:
        """The canonical field name of every header column (ValueError on an unknown one)."""
        columns = []
        for name in job.header:
            found = spec.field(name, self.store.phase2)
            if found is None:
                raise ValueError(f"InvalidBatch : Field name not found : {name}")
            columns.append(found.name)
        return columns

    def _ext_field(self, job: IngestJob, spec: ObjectSpec) -> str | None:
        """The field rows are matched on: None for insert, Id for update/delete, else the external ID."""
        operation = job.info["operation"]
        if operation == "insert":
            return None
        wanted = "Id" if operation in ("update", "delete") else self.store.external_id_field(
            spec, job.info["externalIdFieldName"])
        if wanted is None:
            raise ValueError(f"InvalidBatch : Field name provided, {job.info['externalIdFieldName']} is not an "
                             f"External ID or indexed field for {spec.name}")
        if not any(name.lower() == wanted.lower() for name in job.header):
            raise ValueError(f"InvalidBatch : Field name not found : {wanted}")
        return wanted

    def _delete(self, spec: ObjectSpec, values: dict) -> Saved | WriteFailure:
        """Delete one row's record by Id."""
        if self.store.delete(spec, str(values.get("Id") or "")):
            return Saved(str(values["Id"]), False)
        return WriteFailure([WriteError("ENTITY_IS_DELETED", "entity is deleted", [])])
