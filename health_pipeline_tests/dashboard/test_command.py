"""`health-pipeline dashboard` as a user runs it: a store it cannot reach is one sentence and exit 1, no traceback
(the browser test starts it on a scored instance)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from health_pipeline_tests.test_cli import CLEARED_PREFIXES, command, output


def test_the_production_profile_without_a_bucket_is_one_sentence(tmp_path: Path):
    env = {name: value for name, value in os.environ.items() if not name.startswith(CLEARED_PREFIXES)}
    result = subprocess.run([command(), "dashboard"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={**env, "HEALTH_PIPELINE_PROFILE": "production"})
    assert result.returncode == 1
    assert "HEALTH_PIPELINE_S3_BUCKET" in output(result) and "Traceback" not in output(result)
    assert len(output(result).strip().splitlines()) == 1
