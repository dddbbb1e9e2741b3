"""A Bulk API 2.0 upsert that fails or is interrupted after its upload aborts its job (issue case 9): the org is
left with no `Open` or `UploadComplete` job, and the failure or interrupt still reaches the caller."""
from __future__ import annotations

import pytest

from health_pipeline.delivery.salesforce_writer import upsert_health_scores
from health_pipeline.sources.common.errors import SourceError
from health_pipeline_tests.delivery.conftest import Org
from health_pipeline_tests.delivery.test_salesforce_writer import records_for


def job_states(org: Org) -> list[str]:
    return [job["state"] for job in org.emulator.bulk2.job_infos()]


def after_upload(client, action):
    """Run `action` when the client receives the reply to its CSV upload (before it closes the job)."""
    def hook(response, *args, **kwargs):
        if response.request.method == "PUT" and "/batches" in response.request.url:
            action()
        return response
    client.sf.session.hooks["response"].append(hook)


def interrupt():
    raise KeyboardInterrupt  # what Ctrl-C, or the CLI's SIGTERM handler, raises mid-delivery


def test_an_interrupt_after_the_upload_aborts_the_job(org: Org):
    client = org.client()
    after_upload(client, interrupt)
    with pytest.raises(KeyboardInterrupt):
        upsert_health_scores(client.sf, records_for(12), bulk_threshold=10, poll_seconds=0.01)
    assert job_states(org) == ["Aborted"]
    assert org.health_scores() == []


def test_a_failed_close_aborts_the_job_and_fails_naming_the_call(org: Org):
    client = org.client()
    after_upload(client, lambda: org.emulator.faults.fail_next(2))  # the close and its one retry
    with pytest.raises(SourceError, match="PATCH jobs/ingest/{id} UploadComplete"):
        upsert_health_scores(client.sf, records_for(12), bulk_threshold=10, poll_seconds=0.01)
    assert job_states(org) == ["Aborted"]
    assert org.health_scores() == []


def test_a_finished_job_is_left_as_it_is(org: Org):
    outcome = upsert_health_scores(org.client().sf, records_for(12), bulk_threshold=10, poll_seconds=0.01)
    assert outcome.created == 12
    assert job_states(org) == ["JobComplete"]
