"""The installed `health-pipeline` command as a user runs it, in a fresh working directory: `run --period 2026-10
--dry-run --env-file <the sandbox's env file>` scores the month and writes its CSV (exit 0); a month that does
not exist is refused with one sentence (exit 2); a bad configuration directory prints every problem and exits 1
without a traceback; `demo` starts its own sandbox, scores the last three complete months, writes their CSVs and
prints the tier distribution and the five accounts most at risk (exit 0)."""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Iterator

import dagster as dg
import pytest

from health_pipeline.commands.demo import last_complete_months
from health_pipeline.sandbox.runner import Sandbox
from health_pipeline.sandbox.world.synthetic import World
from health_pipeline.scoring.overrides import overrides_for_month, validate_overrides

REPO_ROOT = Path(__file__).resolve().parents[1]
# Variables that would change what the command does; a user's fresh shell has none of them.
CLEARED_PREFIXES = ("HEALTH_PIPELINE_", "INTERCOM_", "JIRA_", "LOOKER_", "SF_", "SLACK_", "ROLLBAR_", "DAGSTER_")
TIER_NAMES = ("Champion", "Healthy", "At Risk", "Critical")


def command() -> str:
    """The console script installed with the package."""
    found = shutil.which("health-pipeline")
    if found is None:
        pytest.fail("the health-pipeline console script is not installed (pip install -e .)")
    return found


def run_cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `health-pipeline ARGS` in `cwd` with a clean environment; output captured as text."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(CLEARED_PREFIXES)}
    return subprocess.run([command(), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def output(result: subprocess.CompletedProcess) -> str:
    """Everything the command printed."""
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def env_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The env file a running `health-pipeline sandbox` would write (the sandbox runs for the module)."""
    with Sandbox() as sandbox:
        yield sandbox.write_env_file(tmp_path_factory.mktemp("sandbox") / ".env")


def test_the_sandbox_env_file_logs_in_to_salesforce_by_oauth_client_credentials(env_file: Path):
    names = {line.split("=", 1)[0] for line in env_file.read_text().splitlines() if "=" in line}
    assert {"SF_CONSUMER_KEY", "SF_CONSUMER_SECRET", "SF_DOMAIN"} <= names
    assert not names & {"SF_PASSWORD", "SF_SECURITY_TOKEN", "SF_USERNAME"}


def test_run_scores_the_month_in_dry_run_and_writes_its_csv(env_file: Path, tmp_path: Path):
    result = run_cli("run", "--period", "2026-10", "--dry-run", "--env-file", str(env_file), cwd=tmp_path)

    assert result.returncode == 0, output(result)
    assert "2026-10 scored: 200 accounts" in result.stdout
    assert "Most at risk:" in result.stdout
    with (tmp_path / "output" / "health_scores_2026-10.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 200 and {row["Period__c"] for row in rows} == {"2026-10"}
    # the sandbox org holds no Health_Score__c yet: everything would be created
    assert "Sync preview: total 200, to create 200, to update 0, unchanged 0, conflicts 0, invalid 0" in result.stdout
    # the world's overrides (relative to today) that apply to 2026-10 are in the records; the others are not
    world_overrides = World().salesforce_records()["Health_Score_Override__c"]
    applying = overrides_for_month(validate_overrides(world_overrides)[0], "2026-10")
    overridden = {row["Account__c"]: row for row in rows if row["Override_Reason__c"]}
    assert {account: row["Override_Reason__c"] for account, row in overridden.items()} == {
        account: override.reason for account, override in applying.items()}
    for account, override in applying.items():
        assert overridden[account]["Health_Score__c"] == str(round(override.score))
        assert overridden[account]["Computed_Score__c"] != ""
    assert (tmp_path / ".dagster_home").is_dir()  # the run is kept in the working directory's instance
    assert "Traceback" not in output(result)
    assert job_names_in(tmp_path / ".dagster_home") == ["monthly_health_score"]  # as the UI lists it


def job_names_in(home: Path) -> list[str]:
    """The job names of the runs kept in the Dagster instance at `home`."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return [run.job_name for run in instance.get_runs()]


def test_run_refuses_a_month_that_does_not_exist(tmp_path: Path):
    result = run_cli("run", "--period", "2026-13", cwd=tmp_path)

    assert result.returncode == 2
    assert output(result).strip() == "--period must be a month as YYYY-MM, got '2026-13'"
    assert list(tmp_path.iterdir()) == []


def test_run_with_a_bad_configuration_prints_every_problem_without_a_traceback(env_file: Path, tmp_path: Path):
    config_dir = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "config", config_dir)
    weights = config_dir / "weights.yaml"
    weights.write_text(weights.read_text(encoding="utf-8").replace("csat_score: 15", "csat_score: -1"),
                       encoding="utf-8")
    with (config_dir / "account_mapping.csv").open("a", encoding="utf-8") as mapping:
        mapping.write("0015z0000ZZZZZZZZZ,Gold Hotels,gold,,,\n")

    result = run_cli("run", "--period", "2026-10", "--config-dir", str(config_dir), "--env-file", str(env_file),
                     cwd=tmp_path)

    printed = output(result)
    assert result.returncode == 1, printed
    assert "2 configuration problems" in printed
    assert "weights.yaml, line" in printed and "csat_score: weight must be a positive number, got -1" in printed
    assert "account_mapping.csv, row 202: segment is 'gold'" in printed
    assert "Traceback" not in printed
    assert not (tmp_path / "output").exists()


def test_demo_scores_three_months_and_shows_the_accounts_most_at_risk(tmp_path: Path):
    result = run_cli("demo", cwd=tmp_path, timeout=180)

    printed = output(result)
    assert result.returncode == 0, printed
    months = last_complete_months(date.today())
    for month in months:
        assert (tmp_path / "output" / f"health_scores_{month}.csv").is_file(), month
    lines = result.stdout.splitlines()
    header = lines.index(f"Tier distribution, {months[-1]} (200 accounts):")
    tiers = lines[header + 1:header + 6]
    assert [line.split()[0] for line in tiers[:2]] == ["Champion", "Healthy"]
    assert sum(int(line.rsplit("(", 1)[0].split()[-1]) for line in tiers) == 200
    at_risk = lines.index(f"The five accounts most at risk in {months[-1]}:")
    accounts = lines[at_risk + 1:at_risk + 6]
    assert len(accounts) == 5 and all("because of:" in line for line in accounts)
    assert all(any(tier in line for tier in TIER_NAMES) for line in accounts)
    alerts = lines.index(next(line for line in lines if line.startswith(f"Alerts in {months[-1]} by severity")))
    assert [line.split()[0] for line in lines[alerts + 1:alerts + 5]] == ["critical", "high", "medium", "low"]
    assert (tmp_path / "output" / f"alerts_{months[-1]}.csv").is_file()
    assert "  digest: posted to the Slack webhook (SLACK_ALERTS_WEBHOOK_URL)" in lines
    assert f"*Health alerts for {months[-1]}*: " in printed  # as the loopback webhook received it
    movers = lines.index(f"The scores that moved most since {months[-1 - 1]}, and why:")
    assert len([line for line in lines[movers + 1:movers + 6] if line.count(", ") == 2]) == 5
    assert lines[-1].strip() == "health-pipeline backtest"
    assert "Traceback" not in printed
