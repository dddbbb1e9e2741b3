"""The real `dagster dev` (web server and daemon) on the sandbox, driven over its GraphQL API as the UI drives it:
launch a month's run or a partition backfill, wait for it, read its runs and the asset page.

Used by `benchmarks.ui_benchmark` and by the UI tests. The GraphQL is plain HTTP (`DagsterGraphQLClient` 1.13
calls gql with arguments gql has deprecated)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import requests

PROJECT = Path(__file__).resolve().parent.parent
# the instance `health-pipeline demo` writes, plus a quick dequeue so that runs start as soon as they are queued
DEV_INSTANCE_YAML = """\
concurrency:
  pools:
    granularity: run
telemetry:
  enabled: false
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    dequeue_interval_seconds: 1
"""
REPOSITORY = {"repositoryLocationName": "health_pipeline", "repositoryName": "__repository__"}
LOCATIONS = """{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
LAUNCH_RUN = """mutation ($params: ExecutionParams!) { launchRun(executionParams: $params) { __typename
  ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
  ... on RunConfigValidationInvalid { errors { message } } } }"""
LAUNCH_BACKFILL = """mutation ($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }"""
BACKFILL = """query ($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename
  ... on PartitionBackfill { status runs { runId status startTime endTime tags { key value }
  assetSelection { path } } } } }"""
RUN = """query ($runId: ID!) { runOrError(runId: $runId) { __typename ... on Run { status jobName startTime endTime
  tags { key value } stepStats { stepKey status } } } }"""
RUN_FAILURE = """query ($runId: ID!) { logsForRun(runId: $runId) { __typename ... on EventConnection { events {
  __typename ... on ExecutionStepFailureEvent { stepKey error { message } } } } } }"""
FINISHED = ("SUCCESS", "FAILURE", "CANCELED")
START_TIMEOUT = 120.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class DagsterDev:
    """A running `dagster dev` and where it logs."""

    process: subprocess.Popen
    port: int
    log_file: Path

    @property
    def url(self) -> str:
        """The web server's address."""
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        """The end of the server's output, for failure messages."""
        return self.log_file.read_text(encoding="utf-8", errors="replace")[-4000:]

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> dict:
        """One GraphQL request; the `data` of the reply (GraphQL errors raise, naming the query's first line)."""
        reply = requests.post(f"{self.url}/graphql", json={"query": query, "variables": dict(variables or {})},
                              timeout=60)
        reply.raise_for_status()
        body = reply.json()
        if body.get("errors"):
            raise RuntimeError(f"GraphQL {query.split(chr(10))[0][:60]!r} failed: {body['errors']}")
        return body["data"]

    def launch_month(self, job: str, month: str, assets: list[str] | None = None) -> str:
        """Launch `job` for one month (only `assets` when given), as the UI's Materialize button does; the run id."""
        params: dict[str, Any] = {"selector": {**REPOSITORY, "jobName": job},
                                  "executionMetadata": {"tags": [{"key": "dagster/partition", "value": month}]}}
        if assets:
            params["selector"]["assetSelection"] = [{"path": [name]} for name in assets]
        launched = self.graphql(LAUNCH_RUN, {"params": params})["launchRun"]
        if launched["__typename"] != "LaunchRunSuccess":
            raise RuntimeError(f"launchRun failed: {launched}")
        return launched["run"]["runId"]

    def launch_backfill(self, assets: list[str], months: list[str]) -> str:
        """Launch a backfill of `assets` over `months` with launchPartitionBackfill; the backfill id."""
        params = {"assetSelection": [{"path": [name]} for name in assets], "partitionNames": months}
        launched = self.graphql(LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
        if launched["__typename"] != "LaunchBackfillSuccess":
            raise RuntimeError(f"launchPartitionBackfill failed: {launched}")
        return launched["backfillId"]

    def wait_run(self, run_id: str, timeout: float) -> dict:
        """The run once finished (bounded wait)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.graphql(RUN, {"runId": run_id})["runOrError"]
            if run.get("status") in FINISHED:
                return run
            time.sleep(0.5)
        raise TimeoutError(f"run {run_id} did not finish within {timeout:.0f} s:\n{self.log()}")

    def wait_backfill(self, backfill_id: str, timeout: float) -> dict:
        """The backfill once it and all its runs are finished (bounded wait)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            backfill = self.graphql(BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]
            if backfill.get("status") not in (None, "REQUESTED") and all(
                    run["status"] in FINISHED for run in backfill["runs"]):
                return backfill
            time.sleep(1)
        raise TimeoutError(f"backfill {backfill_id} did not finish within {timeout:.0f} s:\n{self.log()}")

    def step_failures(self, run_id: str) -> list[str]:
        """The error message of each failed step of a run."""
        events = self.graphql(RUN_FAILURE, {"runId": run_id})["logsForRun"]["events"]
        return [event["error"]["message"] for event in events if event["__typename"] == "ExecutionStepFailureEvent"]


def wait_until_serving(server: DagsterDev) -> None:
    """Wait (bounded) until the code location has loaded, or raise saying why."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"dagster dev exited with {server.process.returncode}:\n{server.log()}")
        try:
            [entry] = server.graphql(LOCATIONS)["workspaceOrError"]["locationEntries"]
            if entry["loadStatus"] == "LOADED":
                error = entry["locationOrLoadError"]
                if error and error["__typename"] == "PythonError":
                    raise RuntimeError(f"the code location failed to load: {error['message']}")
                return
        except (requests.RequestException, KeyError, ValueError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"dagster dev did not serve its code location within {START_TIMEOUT:.0f} s:\n{server.log()}")


def start(home: Path, env: Mapping[str, str], log_file: Path) -> DagsterDev:
    """Start `dagster dev` on the project's workspace with DAGSTER_HOME=`home` and the pipeline's `env`."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(DEV_INSTANCE_YAML, encoding="utf-8")
    port = free_port()
    environment = {**os.environ, **env, "DAGSTER_HOME": str(home)}
    with log_file.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml",
                                    "-h", "127.0.0.1", "-p", str(port)], cwd=PROJECT, env=environment,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = DagsterDev(process, port, log_file)
    try:
        wait_until_serving(server)
    except BaseException:
        stop(server)
        raise
    return server


def stop(server: DagsterDev) -> None:
    """Terminate dagster dev's process group (web server, daemon, code servers), then kill what is left."""
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=15)
