"""Shared fixtures of the sandbox emulator tests (Intercom/Jira ones are named intercom_* / jira_*)."""
from __future__ import annotations

from typing import Iterator

import pytest

from health_pipeline.sandbox.intercom.emulator import IntercomEmulator
from health_pipeline.sandbox.jira.emulator import JiraEmulator
from health_pipeline.sandbox.server.emulator import EmulatorServer
from health_pipeline.sandbox.world.synthetic import World

INTERCOM_TOKEN = "test-intercom-token"
JIRA_EMAIL, JIRA_TOKEN = "bot@example.com", "test-jira-token"


@pytest.fixture(scope="session")
def intercom_world() -> World:
    """A small world with a fixed 'now' shared by the Intercom and Jira tests."""
    return World(seed=11, accounts=60, as_of="2025-12")


@pytest.fixture(scope="session")
def intercom_server(intercom_world: World) -> Iterator[EmulatorServer]:
    """The Intercom emulator over the small world, on a loopback port."""
    server = EmulatorServer(IntercomEmulator(intercom_world, INTERCOM_TOKEN)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def jira_server(intercom_world: World) -> Iterator[EmulatorServer]:
    """The Jira emulator over the small world, on a loopback port (server cap 100)."""
    server = EmulatorServer(JiraEmulator(intercom_world, JIRA_EMAIL, JIRA_TOKEN)).start()
    yield server
    server.stop()
