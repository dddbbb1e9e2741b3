"""Jira reads JQL dates in the API user's time zone: with a user east of UTC (Berlin) a bug created in the last
hour of the month, and with a user west (Los Angeles) a bug resolved in the first hours, fall outside JQL bounds
taken as UTC. The product widens its bounds by a day and keeps the exact UTC month, so its metrics are the same
whatever the user's zone; the emulator applies the zone, so the hazard is real here."""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from health_pipeline.sandbox.runner import Sandbox
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.jira.metrics import build_bug_jql
from health_pipeline_tests.conftest import MINI_FIXTURE_DIR, source_resources
from health_pipeline_tests.sources import MINI_PARTITION, materialize_sources

ZONES = ("UTC", "Europe/Berlin", "America/Los_Angeles")
LATE_CREATED = "2025-06-30T23:30:00.000+0000"  # 01:30 on 1 July in Berlin
EARLY_RESOLVED = "2025-06-01T03:00:00.000+0000"  # 20:00 on 31 May in Los Angeles


@pytest.fixture(scope="module")
def edge_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """The mini data plus two ALPHA bugs at the edges of June 2025."""
    root = tmp_path_factory.mktemp("edges") / "mini"
    shutil.copytree(MINI_FIXTURE_DIR, root)
    path = root / "jira" / "issues.json"
    issues = json.loads(path.read_text())
    template = next(issue for issue in issues if issue["fields"]["components"] == [{"name": "ALPHA"}])
    late, early = copy.deepcopy(template), copy.deepcopy(template)
    late.update(id="29001", key="BUG-9001")
    late["fields"].update(created=LATE_CREATED, updated=LATE_CREATED, resolutiondate=None, resolution=None)
    early.update(id="29002", key="BUG-9002")
    early["fields"].update(created="2025-05-20T09:00:00.000+0000", updated=EARLY_RESOLVED,
                           resolutiondate=EARLY_RESOLVED, resolution={"name": "Done", "id": "10000"})
    path.write_text(json.dumps([*issues, late, early]))
    with Sandbox(fixture_dir=root) as running:
        yield running


def jira_frame(sandbox: Sandbox, config_dir: Path, zone: str):
    sandbox.jira.set_user_time_zone(zone)
    run = materialize_sources(source_resources(sandbox), config_dir, ["jira"])
    assert run.success, run.failure_messages()
    return run.frame("jira")


def test_utc_bounds_lose_an_edge_bug_east_and_west(edge_sandbox):
    period = Period.parse(MINI_PARTITION)
    found = {}
    for zone in ZONES:
        edge_sandbox.jira.set_user_time_zone(zone)
        rows = edge_sandbox.jira.search.matches(build_bug_jql(["BUG", "PLAT"], period))
        found[zone] = len(rows.rows)
    assert found["Europe/Berlin"] < found["UTC"] and found["America/Los_Angeles"] < found["UTC"]


@pytest.mark.parametrize("zone", ZONES[1:])
def test_the_products_metrics_do_not_depend_on_the_users_zone(edge_sandbox, mini_config_dir, zone):
    reference = jira_frame(edge_sandbox, mini_config_dir, "UTC")
    frame = jira_frame(edge_sandbox, mini_config_dir, zone)
    assert frame.equals(reference), (zone, frame, reference)


def test_both_edge_bugs_count_in_june(edge_sandbox, mini_config_dir):
    frame = jira_frame(edge_sandbox, mini_config_dir, "Europe/Berlin")
    without = jira_frame_without_edges(mini_config_dir)
    alpha = frame.index[frame.index.isin(without.index)]
    assert (frame.loc[alpha, "open_bugs"] - without.loc[alpha, "open_bugs"]).sum() == 1  # the late-created bug
    assert frame.loc[alpha, "avg_resolution_days"].ne(without.loc[alpha, "avg_resolution_days"]).any()


def jira_frame_without_edges(config_dir: Path):
    with Sandbox(fixture_dir=MINI_FIXTURE_DIR) as plain:
        return jira_frame(plain, config_dir, "UTC")


def test_myself_reports_the_users_zone(edge_sandbox):
    import requests

    edge_sandbox.jira.set_user_time_zone("Europe/Berlin")
    creds = edge_sandbox.credentials
    reply = requests.get(f"{edge_sandbox.url('jira')}/rest/api/3/myself", auth=(creds.jira_email, creds.jira_token),
                         timeout=10)
    assert reply.status_code == 200 and reply.json()["timeZone"] == "Europe/Berlin"
