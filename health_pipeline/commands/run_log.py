"""A failed run's whole story in a file, so that the terminal shows one sentence and says where the rest is."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg


def _line(entry: dg.EventLogEntry) -> str:
    """One event as a log line (with the full error, causes and stack, for a failed step)."""
    stamp = datetime.fromtimestamp(entry.timestamp, timezone.utc).isoformat(timespec="seconds")
    step = f" {entry.step_key}" if entry.step_key else ""
    text = f"{stamp} {logging.getLevelName(entry.level)}{step}: {entry.message}"
    event = entry.dagster_event
    if event is not None and event.is_step_failure and event.step_failure_data.error is not None:
        text += "\n" + event.step_failure_data.error.to_string()
    return text


def write_run_log(instance: dg.DagsterInstance, run_id: str, folder: Path) -> Path:
    """Write every event of the run (errors with their stack traces) to `folder/<run id>.log`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run_id}.log"
    path.write_text("\n".join(_line(entry) for entry in instance.all_logs(run_id)) + "\n", encoding="utf-8")
    return path
