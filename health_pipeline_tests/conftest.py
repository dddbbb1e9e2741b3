"""Shared fixtures: the sandbox (default synthetic world and the pinned `mini` fixture data), vendor resources
built from a sandbox with plain values, and a reset of the emulators' counters and faults after every test
that used a sandbox."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from health_pipeline.sandbox.runner import Sandbox
from health_pipeline.sources.intercom.resource import IntercomResource
from health_pipeline.sources.jira.resource import JiraResource
from health_pipeline.sources.looker.resource import LookerResource
from health_pipeline.sources.registry import BY_KEY
from health_pipeline.sources.salesforce.resource import SalesforceResource

REPO_ROOT = Path(__file__).resolve().parents[1]
SHIPPED_CONFIG_DIR = REPO_ROOT / "config"
MINI_FIXTURE_DIR = Path(__file__).resolve().parent / "fixtures" / "mini"

# Small, fast retry settings for tests: a few retries, backoff in milliseconds, Retry-After honoured up to 5 s.
FAST_RETRIES: dict[str, Any] = {"max_retries": 3, "backoff_factor": 0.01, "backoff_max": 0.05,
                                "retry_after_max": 5.0, "connect_timeout": 5.0, "read_timeout": 30.0}


def source_resources(sandbox: Sandbox, **overrides: dict[str, Any]) -> dict[str, Any]:
    """The four vendor resources pointed at `sandbox`, with PLAIN values (an EnvVar cannot be read outside a
    run) and the fast test retry settings; `overrides={"jira": {"page_size": 4}}`-style keyword arguments
    replace or add fields per resource (`intercom=None` leaves a resource out)."""
    env = sandbox.env()
    fields: dict[str, dict[str, Any]] = {
        "intercom": {"token": env["INTERCOM_API_TOKEN"], "base_url": env["INTERCOM_BASE_URL"]},
        "jira": {"base_url": env["JIRA_BASE_URL"], "email": env["JIRA_EMAIL"], "api_token": env["JIRA_API_TOKEN"],
                 "projects": env["JIRA_PROJECTS"], "account_link": env["JIRA_ACCOUNT_LINK"]},
        "looker": {"base_url": env["LOOKER_BASE_URL"], "client_id": env["LOOKER_CLIENT_ID"],
                   "client_secret": env["LOOKER_CLIENT_SECRET"],
                   "verify_ssl": env["LOOKER_VERIFY_SSL"].lower() == "true"},
        "salesforce": {key.field: env[key.name] for key in BY_KEY["salesforce"].env if key.name in env},
    }
    classes = {"intercom": IntercomResource, "jira": JiraResource, "looker": LookerResource,
               "salesforce": SalesforceResource}
    unknown = set(overrides) - set(classes)
    if unknown:
        raise ValueError(f"unknown source(s): {sorted(unknown)}")
    resources: dict[str, Any] = {}
    for name, cls in classes.items():
        if name in overrides and overrides[name] is None:
            continue
        resources[name] = cls(**{**FAST_RETRIES, **fields[name], **(overrides.get(name) or {})})
    return resources


def sandbox_secrets(sandbox: Sandbox) -> dict[str, str]:
    """Every credential value of the sandbox that must never show up in logs, errors or metadata."""
    creds = sandbox.credentials
    return {
        "intercom_token": creds.intercom_token,
        "jira_token": creds.jira_token,
        "looker_client_secret": creds.looker_client_secret,
        "sf_consumer_secret": creds.sf_consumer_secret,
        "sf_password": creds.sf_password,
        "sf_security_token": creds.sf_security_token,
        "sf_password+token": creds.sf_password + creds.sf_security_token,
    }


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """The default sandbox: seed 7, 200 accounts (the world behind the shipped config/account_mapping.csv)."""
    with Sandbox() as running:
        yield running


@pytest.fixture(scope="session")
def mini_config_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config directory: the shipped weights/thresholds/pipeline files and the mini data's 4-account mapping."""
    config_dir = tmp_path_factory.mktemp("mini_config")
    for name in ("weights.yaml", "thresholds.yaml", "pipeline.yaml", "plays.yaml"):
        shutil.copy(SHIPPED_CONFIG_DIR / name, config_dir / name)
    shutil.copy(MINI_FIXTURE_DIR / "account_mapping.csv", config_dir / "account_mapping.csv")
    return config_dir


@pytest.fixture(scope="session")
def mini_sandbox() -> Iterator[Sandbox]:
    """The four emulators over the pinned fixture data of health_pipeline_tests/fixtures/mini."""
    with Sandbox(fixture_dir=MINI_FIXTURE_DIR) as running:
        yield running


@pytest.fixture(scope="session")
def mini_sandbox_no_phase2() -> Iterator[Sandbox]:
    """The mini data in a Salesforce org whose Account lacks the Phase 2 fields."""
    with Sandbox(fixture_dir=MINI_FIXTURE_DIR, phase2_fields=False) as running:
        yield running


@pytest.fixture(autouse=True)
def _reset_sandboxes(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used any sandbox fixture, zero its call counters and switch its faults off."""
    yield
    for value in getattr(request.node, "funcargs", {}).values():
        if isinstance(value, Sandbox):
            value.reset_counters_and_faults()
