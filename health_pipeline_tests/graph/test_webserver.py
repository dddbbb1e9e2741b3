"""The real Dagster web server on workspace.yaml, as the data team uses it: started as `dagster-webserver` from
the repository root with the sandbox's environment, it serves the asset graph (every edge of the design,
including the scoring asset's dependency on its own previous month) over GraphQL, and a partitioned run of
the monthly_health_score job for October launched with the `launchRun` mutation runs in its own process (the
default run launcher) against the sandbox and succeeds, writing the month's dry-run CSV. The GraphQL is plain
HTTP: `DagsterGraphQLClient` 1.13 calls gql with arguments gql has deprecated, which warnings-as-errors refuses.

The instance's dagster.yaml only swaps the queued run coordinator for the default one, because no dagster-daemon
runs here to dequeue runs (`dagster dev` would start one)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
import requests

from benchmarks import dagster_dev
from health_pipeline.automation.job import MONTHLY_JOB_NAME
from health_pipeline.sandbox.runner import Sandbox
from health_pipeline_tests.graph.conftest import PARTITION, PERIOD, PROFILE_VARIABLES, REPO_ROOT, read_csv

# deadlines, not speed claims: the server serves in ~10 s; the run (its steps in the run's process) takes 10-30 s
# on 2 idle cores and far longer when the cores are shared
START_TIMEOUT, RUN_TIMEOUT = 90.0, 300.0
DAGSTER_YAML = """run_coordinator:
  module: dagster.core.run_coordinator
  class: DefaultRunCoordinator
"""
SOURCES = ("intercom_support_metrics", "jira_bug_metrics", "looker_adoption_metrics", "salesforce_account_metrics")
EDGES = {  # asset -> what it depends on
    "account_mapping": set(),
    **{source: {"account_mapping"} for source in SOURCES},
    "health_score_overrides": set(),
    "account_health_scores": {"account_mapping", *SOURCES, "health_score_overrides", "account_health_scores"},
    "salesforce_health_scores": {"account_health_scores"},
    "account_alerts": {"account_health_scores", "salesforce_account_metrics"},
    "salesforce_alert_tasks": {"account_alerts"},
    "slack_alert_digest": {"account_alerts"},
}
GROUPS = {"account_mapping": "sources", **{source: "sources" for source in SOURCES}, "health_score_overrides": "sources",
          "account_health_scores": "scoring", "salesforce_health_scores": "delivery",
          **{name: "actions" for name in ("account_alerts", "salesforce_alert_tasks", "slack_alert_digest")}}
EVIDENCE_EDGES = {"score_backtest": {"account_health_scores"}}  # outside the monthly job, not partitioned
ASSET_NODES = "{ assetNodes { assetKey { path } dependencyKeys { path } groupName isPartitioned } }"
LOCATIONS = """{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
LAUNCH = """mutation ($params: ExecutionParams!) { launchRun(executionParams: $params) { __typename
  ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } ... on InvalidStepError { invalidStepKey }
  ... on RunConfigValidationInvalid { errors { message } } ... on PipelineNotFoundError { message } } }"""
RUN = """query ($runId: ID!) { runOrError(runId: $runId) { __typename ... on Run { status tags { key value }
  stepStats { stepKey status } } } }"""


@dataclass
class Webserver(dagster_dev.DagsterDev):
    """A running dagster-webserver (the benchmark's server handle) and where its runs write."""

    output_dir: Path


def wait_until_serving(server: Webserver) -> None:
    """Wait (bounded) until /server_info answers and the code location has loaded, or fail saying why."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"dagster-webserver exited with {server.process.returncode}:\n{server.log()}")
        try:
            if requests.get(f"{server.url}/server_info", timeout=2).ok:
                data = server.graphql(LOCATIONS)["workspaceOrError"]
                [entry] = data["locationEntries"]
                if entry["loadStatus"] == "LOADED":
                    error = entry["locationOrLoadError"]
                    if error["__typename"] == "PythonError":
                        pytest.fail(f"the code location failed to load: {error['message']}")
                    return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    pytest.fail(f"dagster-webserver did not serve its code location within {START_TIMEOUT:.0f} s:\n{server.log()}")


def stop(process: subprocess.Popen) -> None:
    """Terminate the server's process group (the server and its code server), then kill what is left."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


@pytest.fixture(scope="module")
def webserver(graph_sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Webserver]:
    """dagster-webserver on workspace.yaml from the repository root, on a free loopback port."""
    executable = shutil.which("dagster-webserver")
    if executable is None:
        pytest.fail("dagster-webserver is not installed (pip install dagster-webserver): the UI cannot be tested")
    tmp = tmp_path_factory.mktemp("webserver")
    home, output_dir, log_file = tmp / "dagster_home", tmp / "output", tmp / "webserver.log"
    home.mkdir()
    (home / "dagster.yaml").write_text(DAGSTER_YAML, encoding="utf-8")
    env = {name: value for name, value in os.environ.items() if name not in PROFILE_VARIABLES}
    env.update(graph_sandbox.env(), DAGSTER_HOME=str(home), HEALTH_PIPELINE_OUTPUT_DIR=str(output_dir))
    port = dagster_dev.free_port()
    with log_file.open("wb") as log:
        process = subprocess.Popen([executable, "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
                                   cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = Webserver(process, port, log_file, output_dir)
    try:
        wait_until_serving(server)
        yield server
    finally:
        stop(process)


def test_the_asset_graph_has_the_designed_edges_and_groups(webserver: Webserver):
    nodes = webserver.graphql(ASSET_NODES)["assetNodes"]

    edges = {"/".join(node["assetKey"]["path"]): {"/".join(dep["path"]) for dep in node["dependencyKeys"]}
             for node in nodes}
    assert edges == {**EDGES, **EVIDENCE_EDGES}
    assert {"/".join(node["assetKey"]["path"]): node["groupName"] for node in nodes} == {
        **GROUPS, **{name: "evidence" for name in EVIDENCE_EDGES}}
    assert {"/".join(node["assetKey"]["path"]) for node in nodes if not node["isPartitioned"]} == set(EVIDENCE_EDGES)


def test_a_partitioned_run_launched_over_graphql_succeeds(webserver: Webserver):
    params = {"selector": {"repositoryLocationName": "health_pipeline", "repositoryName": "__repository__",
                           "jobName": MONTHLY_JOB_NAME},
              "executionMetadata": {"tags": [{"key": "dagster/partition", "value": PARTITION}]}}

    launched = webserver.graphql(LAUNCH, {"params": params})["launchRun"]

    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    deadline, run = time.monotonic() + RUN_TIMEOUT, {}
    while time.monotonic() < deadline:
        run = webserver.graphql(RUN, {"runId": run_id})["runOrError"]
        if run.get("status") in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(1)
    assert run.get("status") == "SUCCESS", f"run {run_id} ended as {run}\n{webserver.log()}"
    assert {tag["key"]: tag["value"] for tag in run["tags"]}["dagster/partition"] == PARTITION
    assert {step["stepKey"]: step["status"] for step in run["stepStats"]} == {name: "SUCCESS" for name in EDGES}
    rows = read_csv(webserver.output_dir / f"health_scores_{PERIOD}.csv")
    assert len(rows) == 200 and {row["Period__c"] for row in rows} == {PERIOD}
