"""`health-pipeline run` as an operator meets it on a bad day, through the installed command in a fresh folder.

Every user error is one sentence and an exit code, never a traceback; a failed run prints one sentence per failed
step and where its full log is; `./.env` is read by default; the delivery guard refuses a month much emptier than
the last delivered one (the CSV stays as it was) unless `--allow-coverage-drop`; a month already in flight on a
live process is refused, and a run left STARTED by a killed process is marked failed.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Iterator

import dagster as dg
import pytest

from health_pipeline.commands.one_month_at_a_time import HOST_TAG, PARTITION_TAG, PID_TAG
from health_pipeline.sandbox.runner import Sandbox
from health_pipeline_tests.test_cli import REPO_ROOT, output, run_cli

MONTH = "2026-10"
CSV = Path("output") / f"health_scores_{MONTH}.csv"


@pytest.fixture(scope="module")
def sandbox_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, Path]]:
    """A running sandbox and the env file it wrote."""
    with Sandbox() as sandbox:
        yield sandbox, sandbox.write_env_file(tmp_path_factory.mktemp("sandbox") / ".env")


def env_lines(env_file: Path, prefixes: tuple[str, ...]) -> str:
    """The lines of the env file whose variable starts with one of `prefixes`."""
    return "".join(line for line in env_file.read_text(encoding="utf-8").splitlines(keepends=True)
                   if line.startswith(prefixes))


def broken_mapping_dir(tmp_path: Path) -> Path:
    """A copy of config/ whose mapping opens a quote on row 5 that is never closed."""
    config_dir = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "config", config_dir)
    mapping = config_dir / "account_mapping.csv"
    lines = mapping.read_text(encoding="utf-8").splitlines(keepends=True)
    name = lines[4].split(",")[1]
    lines[4] = lines[4].replace(f",{name},", f',"{name},', 1)
    mapping.write_text("".join(lines), encoding="utf-8")
    return config_dir


USER_ERRORS = [
    # (arguments, exit code, the sentence printed)
    (["--period", "2030-01"], 2, "--period 2030-01 is not a month that can be scored: the months are 2025-01 to "),
    (["--period", date.today().strftime("%Y-%m")], 2, "is not a month that can be scored"),
    (["--period", "2024-12"], 2, "--period 2024-12 is not a month that can be scored"),
    (["--period", "2026-13"], 2, "--period must be a month as YYYY-MM, got '2026-13'"),
    (["--period", MONTH, "--env-file", "missing.env"], 2, "--env-file missing.env: no such file"),
    (["--period", MONTH, "--config-dir", "{broken_mapping}"], 1,
     "account_mapping.csv, row 5: a quoted value opened on this row runs on to row 201 (a missing closing quote?)"),
]


@pytest.mark.parametrize("arguments, code, sentence", USER_ERRORS, ids=[" ".join(a) for a, _, _ in USER_ERRORS])
def test_a_user_error_is_one_sentence_without_a_traceback(tmp_path: Path, arguments, code, sentence):
    arguments = [str(broken_mapping_dir(tmp_path)) if value == "{broken_mapping}" else value for value in arguments]
    result = run_cli("run", *arguments, cwd=tmp_path)
    printed = output(result)
    assert result.returncode == code, printed
    assert sentence in printed
    assert "Traceback" not in printed
    assert not (tmp_path / "output").exists()


def test_a_vendor_down_fails_the_run_with_one_sentence_and_the_log_path(sandbox_env, tmp_path: Path):
    _, env_file = sandbox_env
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    text = env_file.read_text(encoding="utf-8")
    jira_url = next(line for line in text.splitlines() if line.startswith("JIRA_BASE_URL="))
    (tmp_path / ".env").write_text(text.replace(jira_url, f"JIRA_BASE_URL=http://127.0.0.1:{closed_port}"),
                                   encoding="utf-8")
    result = run_cli("run", "--period", MONTH, "--dry-run", cwd=tmp_path, timeout=300)
    printed = output(result)
    assert result.returncode == 1, printed
    assert f"{MONTH} failed:\n  jira_bug_metrics: Jira: POST /rest/api/3/search/jql failed: no reply after retries" \
           in result.stdout
    log_line = next(line for line in result.stdout.splitlines() if line.startswith("Full log: "))
    log = Path(log_line.removeprefix("Full log: "))
    assert log.is_file() and "Stack Trace:" in log.read_text(encoding="utf-8")  # the stack is in the log...
    assert "Traceback" not in printed and result.stderr.strip() == ""  # ...and not on the terminal
    assert not (tmp_path / CSV).exists()


def test_the_guard_keeps_a_good_month_from_an_empty_or_thin_run(sandbox_env, tmp_path: Path):
    """Issue case 1: the project folder's .env is read by default; without it, or with only Salesforce, the month
    is refused and the delivered CSV stays; --allow-coverage-drop delivers the thin month on purpose."""
    _, env_file = sandbox_env
    shutil.copy(env_file, tmp_path / ".env")
    good = run_cli("run", "--period", MONTH, "--dry-run", cwd=tmp_path, timeout=300)
    assert good.returncode == 0, output(good)
    assert f"Read environment variables from {tmp_path / '.env'}" in good.stdout
    delivered = (tmp_path / CSV).read_bytes()

    (tmp_path / ".env").unlink()
    empty = run_cli("run", "--period", MONTH, "--dry-run", cwd=tmp_path, timeout=300)
    assert empty.returncode == 1, output(empty)
    assert "no ./.env here" in empty.stdout
    assert "WARNING: not configured: Intercom, Jira, Looker, Salesforce" in empty.stdout
    assert "check delivery_guard: refused: no source is configured, so every metric is missing" in empty.stdout
    assert (tmp_path / CSV).read_bytes() == delivered

    (tmp_path / ".env").write_text(env_lines(env_file, ("SF_",)), encoding="utf-8")
    thin = run_cli("run", "--period", MONTH, "--dry-run", cwd=tmp_path, timeout=300)
    assert thin.returncode == 1, output(thin)
    assert "WARNING: not configured: Intercom, Jira, Looker" in thin.stdout
    assert "check delivery_guard: refused: mean coverage fell from" in thin.stdout
    assert f"({MONTH} as last delivered)" in thin.stdout
    assert (tmp_path / CSV).read_bytes() == delivered

    forced = run_cli("run", "--period", MONTH, "--dry-run", "--allow-coverage-drop", cwd=tmp_path, timeout=300)
    assert forced.returncode == 0, output(forced)
    assert (tmp_path / CSV).read_bytes() != delivered
    assert "Traceback" not in output(empty) + output(thin) + output(forced)


def _add_run(home: Path, pid: int) -> str:
    """Record a STARTED run of MONTH made by process `pid` of this host in the instance at `home`."""
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        run = dg.DagsterRun(job_name="__ephemeral_asset_job__", status=dg.DagsterRunStatus.STARTED,
                            tags={PARTITION_TAG: MONTH, PID_TAG: str(pid), HOST_TAG: socket.gethostname()})
        instance.add_run(run)
        return run.run_id


def _status(home: Path, run_id: str) -> dg.DagsterRunStatus:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return instance.get_run_by_id(run_id).status


def test_a_month_in_flight_is_refused_and_an_abandoned_run_is_marked_failed(sandbox_env, tmp_path: Path):
    """Issue cases 10 and 9: one run per month at a time; a killed CLI run does not stay STARTED."""
    _, env_file = sandbox_env
    home = tmp_path / ".dagster_home"
    home.mkdir()
    live = _add_run(home, os.getpid())  # this test's own process: alive
    busy = run_cli("run", "--period", MONTH, "--dry-run", "--env-file", str(env_file), cwd=tmp_path)
    assert busy.returncode == 1, output(busy)
    assert f"{MONTH} is already being scored by run {live} (STARTED); wait for it to finish" in output(busy)
    assert "Traceback" not in output(busy)

    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.report_run_failed(instance.get_run_by_id(live))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    abandoned = _add_run(home, dead.pid)
    result = run_cli("run", "--period", MONTH, "--dry-run", "--env-file", str(env_file), cwd=tmp_path, timeout=300)
    assert result.returncode == 0, output(result)
    assert f"{MONTH}: run {abandoned} was left unfinished by a stopped process; marked failed" in result.stdout
    assert _status(home, abandoned) == dg.DagsterRunStatus.FAILURE
