"""Tests of the four monthly source assets against the sandbox emulators (real clients over loopback, no mocks).

Shared helpers: `materialize_sources` runs account_mapping plus some source assets in process and keeps every
log line and materialisation of the run; `after_first_call` switches a fault on right after an emulator answered
an endpoint once, e.g. so that it hits the client's first data call rather than its login (`login_then_expire`).
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import dagster as dg
import pandas as pd

from health_pipeline.assets.mapping import account_mapping
from health_pipeline.assets.sources import SOURCE_ASSETS
from health_pipeline.settings.resource import PipelineConfigResource

ASSETS_BY_SOURCE = {asset.key.path[-1].split("_")[0]: asset for asset in SOURCE_ASSETS}
ASSET_NAMES = {source: asset.key.path[-1] for source, asset in ASSETS_BY_SOURCE.items()}
MINI_PARTITION = "2025-06"  # the month the mini fixture data is built around


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
def after_first_call(emulator: Any, endpoint_name: str, action: Callable[[], None]) -> Iterator[list[int]]:
    """Run `action` (e.g. switch a fault on) once, right after `emulator` has answered the first successful call
    to `endpoint_name`. Faults the emulator checks before answering (fail_next, drop_next, expire_sessions, a
    rate limit) then meet the NEXT request; a malformed body (checked after answering) spoils THIS reply.
    Yields [number of successful calls to the endpoint]."""
    routes = emulator.router._routes
    index = next(i for i, route in enumerate(routes) if route[2] == endpoint_name)
    method, pattern, endpoint, handler = routes[index]
    answered = [0]

    def answer_then_act(request: Any) -> Any:
        response = handler(request)
        if response.status == 200:
            answered[0] += 1
            if answered[0] == 1:
                action()
        return response

    routes[index] = (method, pattern, endpoint, answer_then_act)
    try:
        yield answered
    finally:
        routes[index] = (method, pattern, endpoint, handler)


def login_then_expire(emulator: Any, login_endpoint: str) -> Any:
    """Make `emulator` forget every session right after the first login it answers: the client's first data
    call then meets an expired session."""
    return after_first_call(emulator, login_endpoint, emulator.faults.expire_sessions)
