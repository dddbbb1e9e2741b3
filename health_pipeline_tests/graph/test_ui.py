"""The UI path through the real `dagster dev` (web server and daemon) on the sandbox, driven over GraphQL as the
UI drives it: a 3-month backfill of the whole graph ends with every asset of every month materialised and each
month's trend equal to the previous month's scores; a month scored again out of order is flagged and then
rescored by the trend automation; scores launched for a month without its sources fail with the one sentence;
the scores' asset page carries a description for every column and every check."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import dagster as dg
import pytest

from benchmarks import dagster_dev
from health_pipeline.assets.columns import COLUMN_DESCRIPTIONS, SCORE_COLUMNS
from health_pipeline.assets.score_check_specs import CHECK_DESCRIPTIONS
from health_pipeline.automation.job import MONTHLY_JOB_NAME
from health_pipeline.commands.status import asset_months, report
from health_pipeline.definitions import ASSETS
from health_pipeline.sandbox.runner import Sandbox
from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline_tests.graph.conftest import PROFILE_VARIABLES, read_csv

MONTHS = ["2026-08", "2026-09", "2026-10"]
BACKFILL_TIMEOUT, REPAIR_TIMEOUT = 600.0, 240.0
SCORES_PAGE = """{ assetNodeOrError(assetKey: {path: ["account_health_scores"]}) { ... on AssetNode {
  assetChecksOrError { ... on AssetChecks { checks { name description } } }
  assetMaterializations(limit: 1) { partition metadataEntries { label
    ... on TableSchemaMetadataEntry { schema { columns { name description } } } } } } } }"""


@pytest.fixture(scope="module")
def dev(graph_sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dagster_dev.DagsterDev]:
    """`dagster dev` on the project's workspace, pointed at the session sandbox, with a fresh instance."""
    tmp = tmp_path_factory.mktemp("dagster_dev")
    env = {**graph_sandbox.env(), "HEALTH_PIPELINE_OUTPUT_DIR": str(tmp / "output"), "HEALTH_PIPELINE_DRY_RUN": "true"}
    env.update({name: "" for name in PROFILE_VARIABLES if name not in env})
    server = dagster_dev.start(tmp / "dagster_home", env, tmp / "dagster-dev.log")
    server.output_dir, server.home = tmp / "output", tmp / "dagster_home"
    try:
        yield server
    finally:
        dagster_dev.stop(server)


def scores_by_account(path: Path, column: str) -> dict[str, str]:
    """Account -> one column of a month's dry-run CSV."""
    return {row["Account__c"]: row[column] for row in read_csv(path)}


@pytest.fixture(scope="module")
def backfilled(dev: dagster_dev.DagsterDev) -> dict:
    """A backfill of the whole graph over MONTHS, launched with launchPartitionBackfill and finished."""
    names = [asset.key.to_user_string() for asset in ASSETS]
    backfill = dev.wait_backfill(dev.launch_backfill(names, MONTHS), BACKFILL_TIMEOUT)
    assert backfill["status"] == "COMPLETED_SUCCESS", f"{backfill}\n{dev.log()}"
    return backfill


def test_a_backfill_materialises_every_asset_of_every_month_with_the_trend_right(dev, backfilled):
    assert {run["status"] for run in backfilled["runs"]} == {"SUCCESS"}
    with dg.DagsterInstance.from_config(str(dev.home)) as instance:
        lines = report(asset_months(instance, ASSETS, MONTHS), MONTHS)
    assert lines == [f"{month}  up to date (all 11 assets materialised)" for month in MONTHS] + ["Next: nothing to run"]
    for previous, month in zip(MONTHS, MONTHS[1:]):
        trend = scores_by_account(dev.output_dir / f"health_scores_{month}.csv", "Previous_Score__c")
        assert trend == scores_by_account(dev.output_dir / f"health_scores_{previous}.csv", "Health_Score__c"), month


def test_the_scores_page_describes_every_column_and_every_check(dev, backfilled):
    node = dev.graphql(SCORES_PAGE)["assetNodeOrError"]

    checks = {check["name"]: check["description"] for check in node["assetChecksOrError"]["checks"]}
    assert checks == CHECK_DESCRIPTIONS
    [latest] = node["assetMaterializations"]
    [schema] = [entry["schema"] for entry in latest["metadataEntries"] if entry["label"] == "dagster/column_schema"]
    columns = {column["name"]: column["description"] for column in schema["columns"]}
    assert set(columns) >= {ID_COLUMN, "account_name", "segment", *SCORE_COLUMNS}
    assert columns == {name: COLUMN_DESCRIPTIONS[name] for name in columns} and all(columns.values())


def test_scores_of_a_month_without_its_sources_fail_with_the_sentence(dev):
    run_id = dev.launch_month(MONTHLY_JOB_NAME, "2026-03", assets=["account_health_scores"])

    assert dev.wait_run(run_id, BACKFILL_TIMEOUT)["status"] == "FAILURE"
    [message] = dev.step_failures(run_id)
    assert message.startswith("dagster._core.definitions.events.Failure: account_health_scores for 2026-03 needs "
                              "account_mapping, health_score_overrides, intercom_support_metrics, jira_bug_metrics"), message
    assert "FileNotFoundError" not in message


def test_a_month_rescored_out_of_order_gets_the_next_months_trend_repaired(dev, backfilled):
    run_id = dev.launch_month(MONTHLY_JOB_NAME, MONTHS[1], assets=["account_health_scores"])
    assert dev.wait_run(run_id, BACKFILL_TIMEOUT)["status"] == "SUCCESS"
    with dg.DagsterInstance.from_config(str(dev.home)) as instance:
        deadline, states = time.monotonic() + REPAIR_TIMEOUT, []
        while time.monotonic() < deadline:
            states = asset_months(instance, ASSETS, MONTHS)
            if not any("trend out of date" in state.reason or state.state == "in progress" for state in states):
                break
            time.sleep(2)
    stale = {(state.month, state.asset): state.reason for state in states if state.state != "materialised"}
    # the automation rescored 2026-10 (its trend is repaired); what only a run can bring up to date is the delivery
    # and the alerts of the two rescored months, which still hold the scores of before
    assert set(stale) == {(month, asset) for month in MONTHS[1:] for asset in
                          ("salesforce_health_scores", "account_alerts")}, f"{stale}\n{dev.log()}"
    assert all(reason.startswith("account_health_scores of the same month materialised again") for reason in
               stale.values())
    assert report(states, MONTHS)[-1] == f"Next: health-pipeline run --period {MONTHS[1]}; " \
                                         f"health-pipeline run --period {MONTHS[2]}"


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_a_screenshot_of_the_scores_page_shows_the_column_descriptions(dev, backfilled, tmp_path):
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed (.ci/run installs it): the UI cannot be photographed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 2400})
            page.goto(f"{dev.url}/assets/account_health_scores", wait_until="networkidle")
            description = page.get_by_text(COLUMN_DESCRIPTIONS["health_score"]).first
            description.wait_for(timeout=60_000)
            description.scroll_into_view_if_needed()
            visible = description.is_visible()
            shot = page.screenshot(path=str(tmp_path / "account_health_scores.png"), full_page=True)
        finally:
            browser.close()
    assert visible
    assert len(shot) > 10_000  # a real rendering, kept beside the test's files
