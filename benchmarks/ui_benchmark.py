"""The UI path against the CLI, side by side in one run, on the default sandbox (200 accounts, seed 7):

    python -m benchmarks.ui_benchmark [--months 3] [--last 2026-10] [--executors in_process,forkserver,multiprocess]
                                      [--docs docs/performance.md] [--json F]

1. the CLI: `health-pipeline run --period M --dry-run` for each month, in order, each a fresh process;
2. one month launched from the UI: the real `dagster dev` (web server + daemon) on the sandbox, the
   monthly_health_score job launched for the last month with the `launchRun` mutation, timed until it finishes,
   once per executor (HEALTH_PIPELINE_EXECUTOR; a fresh `dagster dev` each);
3. with the first executor, a backfill of the whole graph over the months, launched with `launchPartitionBackfill` as the UI's
   Materialize all > backfill does, timed until the backfill and all its runs have finished.
Wall times include each way's own start-up (the CLI's process, the UI run's run worker). Figures are printed as
Markdown and written to the "UI path" section of docs/performance.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from benchmarks import dagster_dev
from benchmarks.performance_page import UI_SECTION, with_ui_section
from health_pipeline.automation.executor import EXECUTOR_ENV, EXECUTORS
from health_pipeline.automation.job import MONTHLY_JOB_NAME
from health_pipeline.definitions import ASSETS
from health_pipeline.sandbox.runner import Sandbox

GOAL_MONTH, GOAL_BACKFILL = 1.5, 2.0
RUN_TIMEOUT = 600.0
BOUND = ("What bounds the backfill: the daemon evaluates a backfill every 30 s (fixed in Dagster 1.13), and each "
         "month's scores read the previous month's, so it scores one month per evaluation, oldest first, then "
         "delivers it in the next; N months take at least about N x 30 s whatever a run costs. What would meet "
         "the 2x goal: one run for the whole range (a single-run backfill policy, the scores computing the months "
         "in order within one step), not done here.")


def months_ending(last: str, count: int) -> list[str]:
    """`count` months ending with `last` (YYYY-MM), oldest first."""
    year, month = int(last[:4]), int(last[5:7])
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


def cli_months(months: list[str], env_file: Path, workdir: Path) -> list[float]:
    """Seconds of `health-pipeline run --period M --dry-run` per month, in order, in one working folder."""
    command = shutil.which("health-pipeline")
    if command is None:
        raise SystemExit("the health-pipeline console script is not installed (pip install -e .)")
    env = {name: value for name, value in os.environ.items() if not name.startswith("DAGSTER_")}
    seconds = []
    for month in months:
        started = time.perf_counter()
        done = subprocess.run([command, "run", "--period", month, "--dry-run", "--env-file", str(env_file)],
                              cwd=workdir, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
        seconds.append(round(time.perf_counter() - started, 1))
        if done.returncode != 0:
            raise SystemExit(f"health-pipeline run --period {month} failed:\n{done.stdout}{done.stderr}")
    return seconds


def ui_month(server: dagster_dev.DagsterDev, month: str) -> float:
    """Seconds from launching the monthly job for `month` over GraphQL until the run has finished."""
    started = time.perf_counter()
    run = server.wait_run(server.launch_month(MONTHLY_JOB_NAME, month), RUN_TIMEOUT)
    if run["status"] != "SUCCESS":
        raise SystemExit(f"the UI run for {month} ended {run['status']}:\n{server.log()}")
    return round(time.perf_counter() - started, 1)


def ui_backfill(server: dagster_dev.DagsterDev, months: list[str]) -> dict:
    """Seconds and runs of a whole-graph backfill over `months` launched over GraphQL."""
    names = [asset.key.to_user_string() for asset in ASSETS]
    started = time.perf_counter()
    backfill = server.wait_backfill(server.launch_backfill(names, months), RUN_TIMEOUT * len(months))
    seconds = round(time.perf_counter() - started, 1)
    statuses = sorted({run["status"] for run in backfill["runs"]})
    if backfill["status"] != "COMPLETED_SUCCESS" or statuses != ["SUCCESS"]:
        raise SystemExit(f"the backfill ended {backfill['status']} with runs {statuses}:\n{server.log()}")
    return {"seconds": seconds, "runs": len(backfill["runs"]), "assets_per_run_by_month": runs_by_month(backfill)}


def runs_by_month(backfill: dict) -> dict[str, list[int]]:
    """Month -> the number of assets of each of its runs, in start order (how the daemon split the backfill)."""
    by_month: dict[str, list[int]] = {}
    for run in sorted(backfill["runs"], key=lambda run: run["startTime"] or 0):
        month = {tag["key"]: tag["value"] for tag in run["tags"]}.get("dagster/partition", "range")
        by_month.setdefault(month, []).append(len(run["assetSelection"] or []))
    return by_month


def measure(months: list[str], executors: list[str]) -> dict:
    """All the measurements in one run, on one sandbox."""
    ui_month_seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="ui-benchmark-") as tmp, Sandbox() as sandbox:
        root = Path(tmp)
        env_file = sandbox.write_env_file(root / ".env")
        (root / "cli").mkdir()
        cli = cli_months(months, env_file, root / "cli")
        for executor in executors:
            env = {**sandbox.env(), "HEALTH_PIPELINE_OUTPUT_DIR": str(root / executor / "output"),
                   "HEALTH_PIPELINE_DRY_RUN": "true", EXECUTOR_ENV: executor}
            server = dagster_dev.start(root / executor / "dagster_home", env, root / f"{executor}.log")
            try:
                ui_month_seconds[executor] = ui_month(server, months[-1])
                if executor == executors[0]:
                    backfill = ui_backfill(server, months)
            finally:
                dagster_dev.stop(server)
    return {"months": months, "cli_seconds": cli, "executor": executors[0], "ui_month_seconds": ui_month_seconds,
            "ui_backfill": backfill,
            "measured": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
            "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}"}


def markdown(result: dict) -> str:
    """The figures as the docs section."""
    months, cli, backfill = result["months"], result["cli_seconds"], result["ui_backfill"]
    chosen = result["executor"]
    backfill_ratio = backfill["seconds"] / sum(cli)
    return "\n".join([
        UI_SECTION, "",
        f"`python -m benchmarks.ui_benchmark --months {len(months)}` ({result['measured']}, {result['machine']}; "
        f"default sandbox, 200 accounts, months {months[0]} to {months[-1]}):", "",
        "| what | CLI | UI | UI / CLI | goal |", "|---|---:|---:|---:|---:|",
        *(f"| one month ({months[-1]}), {executor} executor | {cli[-1]:.1f} s | {seconds:.1f} s | "
          f"{seconds / cli[-1]:.2f}x | {GOAL_MONTH}x |" for executor, seconds in result["ui_month_seconds"].items()),
        f"| {len(months)} months, whole graph, backfill, {chosen} executor | {sum(cli):.1f} s ({len(months)} runs) | {backfill['seconds']:.1f} s "
        f"({backfill['runs']} runs) | {backfill_ratio:.2f}x | {GOAL_BACKFILL}x |",
        "", f"CLI seconds per month: {', '.join(f'{value:.1f}' for value in cli)}. Backfill runs per month (assets "
        f"in each run, in start order): " + "; ".join(f"{month}: {' + '.join(map(str, sizes))}" for month, sizes in
                                                       sorted(backfill["assets_per_run_by_month"].items())) + ".",
        "", BOUND, ""])


def write_docs(path: Path, text: str) -> None:
    """Replace (or add, before the write-back section and the embedded results) the UI path section of the page."""
    doc = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(with_ui_section(doc, text), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--months", type=int, default=3, help="months of the backfill (default 3)")
    parser.add_argument("--last", default="2026-10", help="the last month, YYYY-MM (default 2026-10)")
    parser.add_argument("--executors", default=",".join(EXECUTORS),
                        help="executors to launch a month with, the first also runs the backfill (default: all)")
    parser.add_argument("--docs", default="docs/performance.md", help="doc to write the section to ('' for none)")
    parser.add_argument("--json", help="also write the raw figures to this file")
    args = parser.parse_args(argv)
    result = measure(months_ending(args.last, args.months), args.executors.split(","))
    text = markdown(result)
    print(text)
    if args.docs:
        write_docs(Path(args.docs), text)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
