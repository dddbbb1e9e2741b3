"""The executor of every run, chosen by measurement: all steps of a month in the run's own process.

`python -m benchmarks.ui_benchmark` measures a month launched from the UI with each choice below (figures in
docs/performance.md): a process per step costs seconds to start on a small machine, for steps that compute in
0.6-10 s. HEALTH_PIPELINE_EXECUTOR picks another choice (the benchmark uses it to measure them side by side).
"""
from __future__ import annotations

import os
from typing import Mapping

import dagster as dg

EXECUTOR_ENV = "HEALTH_PIPELINE_EXECUTOR"
DEFAULT_EXECUTOR = "in_process"
EXECUTORS: dict[str, dg.ExecutorDefinition] = {
    "in_process": dg.in_process_executor,
    "multiprocess": dg.multiprocess_executor,
    # a process per step forked from a server that has imported the code location once
    "forkserver": dg.multiprocess_executor.configured(
        {"start_method": {"forkserver": {"preload_modules": ["health_pipeline.definitions"]}}},
        name="forkserver_executor"),
}


def run_executor(environ: Mapping[str, str] | None = None) -> dg.ExecutorDefinition:
    """The executor HEALTH_PIPELINE_EXECUTOR names (default in_process); a ValueError names the choices."""
    env = os.environ if environ is None else environ
    name = (env.get(EXECUTOR_ENV) or DEFAULT_EXECUTOR).strip()
    if name not in EXECUTORS:
        raise ValueError(f"{EXECUTOR_ENV}={name!r} is not an executor; choose one of {', '.join(EXECUTORS)}")
    return EXECUTORS[name]


RUN_EXECUTOR = run_executor()
