"""Tests of the four monthly source assets against the sandbox emulators (real clients over loopback, no mocks).

Shared helpers: `materialize_sources` runs account_mapping plus some source assets in process and keeps every
log line and materialisation of the run; `login_then_expire` makes an emulator forget the session it has just
issued, so that the client's first data call finds it expired.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

import dagster as dg
import pandas as pd

from health_pipeline.assets.mapping import account_mapping
from health_pipeline.assets.sources import SOURCE_ASSETS
from health_pipeline.resources.config import PipelineConfigResource

ASSETS_BY_SOURCE = {asset.key.path[-1].split("_")[0]: asset for asset in SOURCE_ASSETS}
ASSET_NAMES = {source: asset.key.path[-1] for source, asset in ASSETS_BY_SOURCE.items()}
MINI_PARTITION = "2025-06-01"  # the month the mini fixture data is built around


@dataclass
class SourceRun:
    """One in-process run: its result, every log record, and per asset the frame and metadata."""

    result: dg.ExecuteInProcessResult
    logs: list[Any]  # EventLogEntry: user log lines and Dagster events
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return self.result.success

    def frame(self, source: str) -> pd.DataFrame:
        """The output frame of a source asset, indexed by salesforce_account_id."""
        return self.result.output_for_node(ASSET_NAMES[source]).set_index("salesforce_account_id")

    def meta(self, source: str) -> dict[str, Any]:
        """The materialisation metadata of a source asset as plain values."""
        return self.metadata[ASSET_NAMES[source]]

    def messages(self, min_level: int = 0) -> list[str]:
        """Every log message of the run (user log lines and Dagster's own event messages)."""
        return [entry.message or "" for entry in self.logs if entry.level >= min_level]

    def user_messages(self, level: int | None = None) -> list[str]:
        """The lines the assets logged through context.log (optionally of one level only)."""
        return [entry.user_message for entry in self.logs
                if entry.dagster_event is None and (level is None or entry.level == level)]

    def failure_messages(self) -> dict[str, str]:
        """Step key -> the error message of each failed step."""
        return {event.step_key: event.step_failure_data.error.message.strip()
                for event in self.result.get_step_failure_events()}

    def failure_texts(self) -> list[str]:
        """Every failed step's whole error, with its causes and stack, as text."""
        texts = []
        for event in self.result.get_step_failure_events():
            error = event.step_failure_data.error
            while error is not None:
                texts.append(error.to_string())
                error = error.cause
        return texts


def plain(value: Any) -> Any:
    """A metadata value as a plain Python value."""
    return getattr(value, "value", value) if not isinstance(value, (int, float, str, bool)) else value


def materialize_sources(resources: dict[str, Any], config_dir: str | Path | None, sources: Sequence[str],
                        partition_key: str = MINI_PARTITION) -> SourceRun:
    """Materialise account_mapping and the named source assets for one month; never raises on failure."""
    config = PipelineConfigResource(config_dir=str(config_dir)) if config_dir else PipelineConfigResource()
    assets = [account_mapping, *(ASSETS_BY_SOURCE[source] for source in sources)]
    wanted = {name: value for name, value in resources.items() if name in sources}
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(assets, partition_key=partition_key, instance=instance,
                                resources={"pipeline_config": config, **wanted}, raise_on_error=False)
        logs = list(instance.all_logs(result.run_id))
    run = SourceRun(result, logs)
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        run.metadata[materialization.asset_key.path[-1]] = {
            key: plain(value) for key, value in materialization.metadata.items()}
    return run


def pages(count: int, per_page: int) -> int:
    """Fewest pages (calls) for `count` records at `per_page` a page; an empty result still takes one call."""
    return max(1, math.ceil(count / per_page))


@contextmanager
def login_then_expire(emulator: Any, login_endpoint: str) -> Iterator[list[int]]:
    """Make `emulator` forget every session right after the FIRST login it answers (once), so the client's
    next data call meets an expired session. Yields a list holding the number of logins answered."""
    routes = emulator.router._routes
    index = next(i for i, route in enumerate(routes) if route[2] == login_endpoint)
    method, pattern, endpoint, handler = routes[index]
    logins = [0]

    def login_and_arm(request: Any) -> Any:
        response = handler(request)
        logins[0] += 1
        if logins[0] == 1 and response.status == 200:
            emulator.faults.expire_sessions()  # taken by the very next request
        return response

    routes[index] = (method, pattern, endpoint, login_and_arm)
    try:
        yield logins
    finally:
        routes[index] = (method, pattern, endpoint, handler)
