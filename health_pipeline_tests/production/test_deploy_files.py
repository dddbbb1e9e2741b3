"""The deployment files agree with Dagster and with each other: deploy/dagster.yaml and deploy/ecs/dagster.yaml are valid
instance configs (dagster's own schema) with PostgreSQL storage and vendor pools counted per run, every source asset
in its vendor's pool; the ECS file's EcsRunLauncher and S3ComputeLogManager build from their config; the Helm values
carry the same run limit, the same code location module and the psycopg2 scheme; the
Dockerfile serves that module from python:3.11-slim.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import tomllib
import yaml
from dagster._core.instance.config import dagster_instance_config
from dagster._serdes.config_class import ConfigurableClassData

from health_pipeline.assets.sources import SOURCE_ASSETS
from health_pipeline.sources.registry import POOL_LIMITS, VENDORS

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def load(path: Path) -> dict:
    """A YAML file as a dict."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def code_location_module() -> str:
    """The module the project declares as its code location (pyproject.toml)."""
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["dagster"]["module_name"]


def test_every_source_asset_runs_in_its_vendors_pool_and_every_pool_has_a_limit():
    pools = {asset.key.to_user_string(): asset.op.pool for asset in SOURCE_ASSETS}
    assert pools == {vendor.asset_name: vendor.key for vendor in VENDORS}
    assert set(POOL_LIMITS) == set(pools.values()) and all(limit >= 1 for limit in POOL_LIMITS.values())


@pytest.mark.parametrize("directory", [DEPLOY, DEPLOY / "ecs"], ids=["base", "ecs"])
def test_instance_config_is_valid_postgres_with_pools_counted_per_run(directory):
    config, _ = dagster_instance_config(str(directory))
    db = config["storage"]["postgres"]["postgres_db"]
    assert {db[name]["env"] for name in ("hostname", "port", "db_name", "username", "password")} == {
        "DAGSTER_POSTGRES_HOST", "DAGSTER_POSTGRES_PORT", "DAGSTER_POSTGRES_DB", "DAGSTER_POSTGRES_USER",
        "DAGSTER_POSTGRES_PASSWORD"}
    assert db["scheme"] == "postgresql+psycopg2"
    assert config["concurrency"]["pools"] == {"granularity": "run", "default_limit": 1}
    assert "run_queue" not in config  # one place for concurrency: the `concurrency` section
    # one run per month at a time, and a run whose worker died is marked failed
    assert config["concurrency"]["runs"]["tag_concurrency_limits"] == [
        {"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}, "limit": 1}]
    assert config["run_monitoring"]["enabled"] is True


def test_the_ecs_file_is_the_base_file_plus_launcher_and_compute_logs():
    base, ecs = load(DEPLOY / "dagster.yaml"), load(DEPLOY / "ecs" / "dagster.yaml")
    assert (ecs["storage"], ecs["concurrency"], ecs["run_monitoring"]) == (
        base["storage"], base["concurrency"], base["run_monitoring"])
    assert set(ecs) - set(base) == {"run_launcher", "compute_logs"}


def test_the_ecs_launcher_and_compute_log_manager_build_from_their_config(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("HEALTH_PIPELINE_S3_BUCKET", "health-pipeline-prod")
    monkeypatch.setenv("DAGSTER_POSTGRES_PASSWORD_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pg")
    ecs = load(DEPLOY / "ecs" / "dagster.yaml")
    launcher = ConfigurableClassData(ecs["run_launcher"]["module"], ecs["run_launcher"]["class"],
                                     yaml.safe_dump(ecs["run_launcher"]["config"])).rehydrate(object)
    assert type(launcher).__name__ == "EcsRunLauncher"
    assert launcher.secrets_tags == []  # only the PostgreSQL password is mounted, not every "dagster"-tagged secret
    assert [secret["name"] for secret in launcher.secrets] == ["DAGSTER_POSTGRES_PASSWORD"]
    logs = ecs["compute_logs"]
    manager = ConfigurableClassData(logs["module"], logs["class"], yaml.safe_dump(logs["config"])).rehydrate(object)
    assert type(manager).__name__ == "S3ComputeLogManager"


def test_helm_values_match_the_instance_config_the_module_and_the_scheme():
    values = load(DEPLOY / "helm" / "values.yaml")
    queued = values["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]
    runs = load(DEPLOY / "dagster.yaml")["concurrency"]["runs"]
    assert queued["maxConcurrentRuns"] == runs["max_concurrent_runs"]
    assert queued["tagConcurrencyLimits"] == runs["tag_concurrency_limits"]
    assert values["dagsterDaemon"]["runMonitoring"]["enabled"] is True
    [deployment] = values["dagster-user-deployments"]["deployments"]
    assert deployment["dagsterApiGrpcArgs"] == ["-m", code_location_module()]
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert values["postgresql"]["enabled"] is False
    assert values["postgresql"]["postgresqlScheme"] == "postgresql+psycopg2"


def test_the_dockerfile_serves_the_code_location_from_python_311_slim():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.MULTILINE)
    [cmd] = re.findall(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert yaml.safe_load(cmd)[:5] == ["dagster", "api", "grpc", "-m", code_location_module()]
    assert not re.search(r"^ENTRYPOINT", dockerfile, re.MULTILINE)  # the chart passes the whole command as args


def test_the_sandbox_instance_holds_one_run_per_month_like_production(tmp_path):
    from health_pipeline.commands.materialise import SANDBOX_INSTANCE_YAML

    (tmp_path / "dagster.yaml").write_text(SANDBOX_INSTANCE_YAML, encoding="utf-8")
    sandbox, _ = dagster_instance_config(str(tmp_path))
    production = load(DEPLOY / "dagster.yaml")
    assert sandbox["concurrency"]["runs"]["tag_concurrency_limits"] == \
        production["concurrency"]["runs"]["tag_concurrency_limits"]
    assert sandbox["run_monitoring"]["enabled"] is True
