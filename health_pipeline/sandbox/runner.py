"""Starts the four emulators and a loopback Slack webhook on free loopback ports and says how to reach them."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from health_pipeline.sandbox.intercom.emulator import IntercomEmulator
from health_pipeline.sandbox.jira.emulator import JiraEmulator
from health_pipeline.sandbox.looker.emulator import LookerEmulator
from health_pipeline.sandbox.realism import EmulatorRealism
from health_pipeline.sandbox.salesforce.emulator import SalesforceEmulator
from health_pipeline.sandbox.salesforce.oauth import ConnectedApp
from health_pipeline.sandbox.server.emulator import EmulatorServer
from health_pipeline.sandbox.server.tls import SandboxTLS
from health_pipeline.sandbox.slack.emulator import HOOK_PATH, SlackWebhookEmulator
from health_pipeline.sandbox.world.fixtures import load_fixture_dir
from health_pipeline.sandbox.world.synthetic import World


@dataclass(frozen=True)
class SandboxCredentials:
    """The credentials the emulators accept (they guard nothing: the sandbox holds synthetic data)."""

    intercom_token: str = "sandbox-intercom-token"
    jira_email: str = "sandbox@health-pipeline.example"
    jira_token: str = "sandbox-jira-token"
    looker_client_id: str = "sandbox-looker-client"
    looker_client_secret: str = "sandbox-looker-secret"
    sf_consumer_key: str = "sandbox-consumer-key"
    sf_consumer_secret: str = "sandbox-consumer-secret"
    sf_my_domain: str = "health-pipeline-sandbox.my"
    sf_username: str = "sandbox@health-pipeline.example"
    sf_password: str = "sandbox-password"  # the legacy SOAP login, still served below API 65.0
    sf_security_token: str = "sandboxtoken"

    def salesforce_logins(self, certificate_pem: bytes | None = None) -> dict[str, Any]:
        """The Salesforce emulator's login arguments: the connected app (OAuth 2.0) and the legacy SOAP user."""
        app = ConnectedApp(self.sf_consumer_key, self.sf_consumer_secret, self.sf_my_domain, self.sf_username,
                           certificate_pem)
        return {"username": self.sf_username, "password": self.sf_password, "security_token": self.sf_security_token,
                "app": app}


class Sandbox:
    """The four emulators over one data set (a synthetic world or a fixture directory), as hard as `realism` says
    (default: `EmulatorRealism.harder()`)."""

    JIRA_PROJECTS = "BUG,PLAT"  # the world keeps customer bugs in BUG and PLAT (OPS is internal)

    def __init__(self, seed: int = 7, accounts: int = 200, *, fixture_dir: str | Path | None = None,
                 phase2_fields: bool = True, state_dir: str | Path | None = None,
                 credentials: SandboxCredentials | None = None, realism: EmulatorRealism | None = None) -> None:
        self.credentials = credentials or SandboxCredentials()
        self.realism = realism or EmulatorRealism.harder()
        self.data: Any = load_fixture_dir(fixture_dir) if fixture_dir else World(seed=seed, accounts=accounts)
        self.world = self.data if isinstance(self.data, World) else None
        creds = self.credentials
        self.tls = SandboxTLS(Path(state_dir) if state_dir else None)
        self.intercom = IntercomEmulator(self.data, creds.intercom_token)
        self.jira = JiraEmulator(self.data, creds.jira_email, creds.jira_token)
        self.looker = LookerEmulator(self.data, client_id=creds.looker_client_id,
                                     client_secret=creds.looker_client_secret)
        self.salesforce = SalesforceEmulator(self.data.salesforce_records(), **creds.salesforce_logins(),
                                             phase2_fields=phase2_fields)
        self.realism.apply(self.intercom)
        self.realism.apply(self.jira)
        self.realism.apply(self.salesforce)
        self.slack = SlackWebhookEmulator()  # where the alert digest goes
        self._servers: dict[str, EmulatorServer] = {}

    @property
    def emulators(self) -> dict[str, Any]:
        """The emulators by source name (their `faults` and `calls` are for tests and benchmarks)."""
        return {"intercom": self.intercom, "jira": self.jira, "looker": self.looker, "salesforce": self.salesforce}

    def url(self, source: str) -> str:
        """The base URL of a running emulator."""
        return self._servers[source].url

    def start(self) -> "Sandbox":
        """Start the four servers (Salesforce over TLS with the sandbox CA)."""
        self._servers["intercom"] = EmulatorServer(self.intercom).start()
        self._servers["jira"] = EmulatorServer(self.jira).start()
        self._servers["looker"] = EmulatorServer(self.looker).start()
        self._servers["salesforce"] = EmulatorServer(self.salesforce, ssl_context=self.tls.server_context()).start()
        self.salesforce.base_url = self._servers["salesforce"].url
        self._servers["slack"] = EmulatorServer(self.slack).start()
        return self

    def stop(self) -> None:
        """Stop every server."""
        for server in self._servers.values():
            server.stop()
        self._servers.clear()

    def reset_counters_and_faults(self) -> None:
        """Zero the call counters and switch every fault off."""
        for emulator in (*self.emulators.values(), self.slack):
            emulator.calls.reset()
            emulator.faults.clear()

    def env(self) -> dict[str, str]:
        """The environment variables of config/.env.example that point the pipeline at this sandbox."""
        creds = self.credentials
        return {
            "INTERCOM_API_TOKEN": creds.intercom_token,
            "INTERCOM_BASE_URL": self.url("intercom"),
            "JIRA_BASE_URL": self.url("jira"),
            "JIRA_EMAIL": creds.jira_email,
            "JIRA_API_TOKEN": creds.jira_token,
            "JIRA_PROJECTS": self.JIRA_PROJECTS,
            "JIRA_ACCOUNT_LINK": "component",
            "LOOKER_BASE_URL": self.url("looker"),
            "LOOKER_CLIENT_ID": creds.looker_client_id,
            "LOOKER_CLIENT_SECRET": creds.looker_client_secret,
            "LOOKER_VERIFY_SSL": "false",
            "SF_CONSUMER_KEY": creds.sf_consumer_key,
            "SF_CONSUMER_SECRET": creds.sf_consumer_secret,
            "SF_DOMAIN": creds.sf_my_domain,
            "SF_LOGIN_URL": self.url("salesforce"),
            "SF_CA_BUNDLE": str(self.tls.ca_pem_path),
            "SLACK_ALERTS_WEBHOOK_URL": self.url("slack") + HOOK_PATH,
        }

    def write_env_file(self, path: str | Path) -> Path:
        """Write `env()` as a dotenv file (atomically), for `dagster dev` in another process."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        body = "# written by `health-pipeline sandbox`: the pipeline's variables pointing at the running sandbox\n"
        body += "".join(f"{name}={value}\n" for name, value in self.env().items())
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".env.")
        with os.fdopen(handle, "w") as file:
            file.write(body)
        os.replace(temp, path)
        return path

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
