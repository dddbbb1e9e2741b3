"""One run per month at a time for the CLI's in-process runs (the instance's run queue does not see them).

A month with a run in flight on another live process is refused with a sentence; a run left `STARTED` by a
process that was killed (its process id is gone from this host) is marked failed first, as run monitoring does
for the daemon's runs.
"""
from __future__ import annotations

import os
import socket

import dagster as dg

PARTITION_TAG = "dagster/partition"
PID_TAG = "health_pipeline/pid"
HOST_TAG = "health_pipeline/host"
IN_FLIGHT = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
             dg.DagsterRunStatus.STARTED]


class MonthBusy(RuntimeError):
    """Another run of the same month is in flight."""


def process_tags() -> dict[str, str]:
    """Tags naming this process, so that a later run can tell whether it is still alive."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def _is_alive(run: dg.DagsterRun) -> bool:
    """False only for a run of this host whose process no longer exists."""
    pid, host = run.tags.get(PID_TAG), run.tags.get(HOST_TAG)
    if not pid or not pid.isdigit() or host != socket.gethostname():
        return True  # not ours to judge: the daemon's run monitoring looks after it
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim_month(instance: dg.DagsterInstance, month: str) -> list[str]:
    """Mark runs of `month` abandoned by a killed process failed (their ids are returned); raise MonthBusy when
    a live run of the month is in flight."""
    abandoned = []
    for run in instance.get_runs(dg.RunsFilter(statuses=IN_FLIGHT, tags={PARTITION_TAG: month})):
        if _is_alive(run):
            raise MonthBusy(f"{month} is already being scored by run {run.run_id} ({run.status.value}); "
                            f"wait for it to finish, or stop it, then try again")
        instance.report_run_failed(run, "the process running it was stopped before the run finished")
        abandoned.append(run.run_id)
    return abandoned
