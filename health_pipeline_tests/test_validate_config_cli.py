"""The `health-pipeline validate-config` sub-command: exit code 0 and a one-line summary for a valid
configuration, exit code 1 and every problem (no traceback) for an invalid one, both in-process
through `health_pipeline.commands.cli.main` and as the installed console script."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from health_pipeline.commands.cli import main
from health_pipeline.settings import CONFIG_DIR_ENV

REPO = Path(__file__).resolve().parents[1]
MAPPING = """salesforce_account_id,account_name,segment,intercom_company_id,jira_key,looker_account_id
001000000000001AAA,Acme Hotels,paid,ic-1,ACME,lk-1
001000000000002AAA,Beta Resorts,standard,,BETA,
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    for name in ("weights.yaml", "thresholds.yaml", "pipeline.yaml", "plays.yaml"):
        shutil.copy(REPO / "config" / name, tmp_path / name)
    (tmp_path / "account_mapping.csv").write_text(MAPPING)
    return tmp_path


def break_config(config_dir: Path) -> None:
    weights = config_dir / "weights.yaml"
    weights.write_text(weights.read_text().replace("csat_score: 15", "csat_score: -1"))
    (config_dir / "account_mapping.csv").write_text(MAPPING + "001000000000003AAA,Gold,gold,,,\n")


def test_valid_configuration(config_dir, capsys):
    assert main(["validate-config", "--config-dir", str(config_dir)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Configuration OK: 2 accounts (1 paid, 1 standard), 24 metrics in 4 dimensions")
    assert str(config_dir) in out and err == ""


def test_invalid_configuration_lists_every_problem(config_dir, capsys):
    break_config(config_dir)
    assert main(["validate-config", "--config-dir", str(config_dir)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == f"Configuration in {config_dir} is invalid:"
    assert any("weights.yaml, line" in line and "csat_score: weight must be a positive number, got -1" in line
               for line in lines)
    assert any("account_mapping.csv, row 4: segment is 'gold'" in line for line in lines)
    assert lines[-1] == "2 problems found."
    assert "Traceback" not in err


def test_missing_directory(tmp_path, capsys):
    assert main(["validate-config", "--config-dir", str(tmp_path / "nowhere")]) == 1
    assert "configuration directory not found" in capsys.readouterr().err


def test_default_directory_comes_from_the_environment(config_dir, capsys, monkeypatch):
    monkeypatch.setenv(CONFIG_DIR_ENV, str(config_dir))
    assert main(["validate-config"]) == 0
    assert str(config_dir) in capsys.readouterr().out


def test_console_script(config_dir):
    script = shutil.which("health-pipeline")
    command = [script] if script else [sys.executable, "-m", "health_pipeline.commands.cli"]
    env = {k: v for k, v in os.environ.items() if k != CONFIG_DIR_ENV}
    ok = subprocess.run([*command, "validate-config", "--config-dir", str(config_dir)],
                        capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("Configuration OK: 2 accounts")
    break_config(config_dir)
    bad = subprocess.run([*command, "validate-config", "--config-dir", str(config_dir)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 1
    assert "csat_score: weight must be a positive number" in bad.stderr and "segment is 'gold'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_help_text_is_the_module_docstring():
    output = subprocess.run([sys.executable, "-m", "health_pipeline.commands.cli", "validate-config", "--help"],
                            capture_output=True, text=True, timeout=120)
    assert output.returncode == 0
    assert "Check the configuration" in output.stdout and "--config-dir DIR" in output.stdout
