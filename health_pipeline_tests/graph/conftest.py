"""Fixtures of the graph tests: one sandbox for the session, the sandbox profile's environment pointed at a
sandbox (set with monkeypatch, since the profile's resources read their EnvVars at run time), a whole-graph
materialisation helper, the emulated org read back through simple_salesforce, and a loopback Slack webhook."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import dagster as dg
import pytest

from health_pipeline.definitions import ASSETS
from health_pipeline.deployment.profiles import resources_for_profile
from health_pipeline.sandbox.runner import Sandbox
from health_pipeline.sandbox.server.emulator import EmulatorServer
from health_pipeline.sandbox.slack.emulator import SlackWebhookEmulator
from health_pipeline.sources.salesforce.resource import SalesforceResource

REPO_ROOT = Path(__file__).resolve().parents[2]
PARTITION = PERIOD = "2026-10"
# Variables that change what the sandbox profile builds; cleared so that the developer's shell cannot leak in.
PROFILE_VARIABLES = ("HEALTH_PIPELINE_PROFILE", "HEALTH_PIPELINE_DRY_RUN", "HEALTH_PIPELINE_OUTPUT_DIR",
                     "HEALTH_PIPELINE_CONFIG_DIR", "SLACK_WEBHOOK_URL", "ROLLBAR_ACCESS_TOKEN")
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
HEALTH_SCORE_SOQL = ("SELECT Id, Health_Score_Key__c, Account__c, Period__c, Health_Score__c, Tier__c, "
                     "Previous_Score__c, Scored_At__c FROM Health_Score__c WHERE Period__c = '{period}'")


def mapped_account_ids() -> list[str]:
    """The Salesforce account ids of the shipped config/account_mapping.csv, in file order."""
    with (REPO_ROOT / "config" / "account_mapping.csv").open(newline="", encoding="utf-8") as handle:
        return [row["salesforce_account_id"] for row in csv.DictReader(handle)]


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file the sink wrote."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@dataclass
class Profile:
    """The sandbox profile's environment, set for one test, and the sandbox it points at."""

    sandbox: Sandbox
    env: dict[str, str]
    output_dir: Path

    def resources(self, **overrides: Any) -> dict[str, Any]:
        """The profile's resources as `definitions.py` builds them, with some replaced."""
        return {**resources_for_profile(self.env), **overrides}

    def materialise(self, partition: str = PARTITION, instance: dg.DagsterInstance | None = None,
                    **overrides: Any) -> dg.ExecuteInProcessResult:
        """Materialise every asset of the graph for one month (failures are returned, not raised)."""
        return dg.materialize(ASSETS, partition_key=partition, resources=self.resources(**overrides),
                              instance=instance, run_config=QUIET, raise_on_error=False)

    def org_resource(self) -> SalesforceResource:
        """A Salesforce resource with plain values, to read the emulated org back outside a run."""
        env = self.env
        return SalesforceResource(consumer_key=env["SF_CONSUMER_KEY"], consumer_secret=env["SF_CONSUMER_SECRET"],
                                  domain=env["SF_DOMAIN"], login_url_override=env["SF_LOGIN_URL"],
                                  ca_bundle=env["SF_CA_BUNDLE"], max_retries=1)

    def health_scores(self, period: str = PERIOD) -> list[dict]:
        """The month's Health_Score__c records, read back with simple_salesforce's SOQL."""
        return self.org_resource().open_client().sf.query_all(HEALTH_SCORE_SOQL.format(period=period))["records"]


def set_profile_env(monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox, output_dir: Path,
                    **extra: str) -> dict[str, str]:
    """Point the sandbox profile at `sandbox` through the environment; returns what the profile reads."""
    for name in PROFILE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    env = {**sandbox.env(), "HEALTH_PIPELINE_OUTPUT_DIR": str(output_dir), **extra}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture(scope="session")
def graph_sandbox() -> Iterator[Sandbox]:
    """The default sandbox (seed 7, 200 accounts: the world behind the shipped mapping), for read-mostly tests."""
    with Sandbox() as running:
        yield running


@pytest.fixture
def profile(graph_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Profile]:
    """The sandbox profile in dry run over the session sandbox, writing under this test's tmp_path."""
    output_dir = tmp_path / "output"
    yield Profile(graph_sandbox, set_profile_env(monkeypatch, graph_sandbox, output_dir), output_dir)
    graph_sandbox.reset_counters_and_faults()


@pytest.fixture
def persistent_instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    """A Dagster instance with SQLite storage and a filesystem IO manager under tmp_path."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.DagsterInstance.local_temp(tempdir=str(home)) as instance:
        yield instance


@pytest.fixture
def slack_webhook() -> Iterator[tuple[SlackWebhookEmulator, str]]:
    """A running loopback Slack webhook and its URL."""
    hook = SlackWebhookEmulator()
    with EmulatorServer(hook) as server:
        yield hook, f"{server.url}/services/T000/B000/XXXX"
