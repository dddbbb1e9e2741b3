"""The scoring package is pure: importing it loads no Dagster and no I/O library, and its source
opens no files, reads no environment and makes no network calls."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import health_pipeline.scoring as scoring

PACKAGE_DIR = Path(scoring.__file__).parent


def test_import_does_not_load_dagster_or_io_libraries():
    code = (
        "import sys, health_pipeline.scoring;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'dagster', 'yaml', 'requests', 'simple_salesforce', 'looker_sdk', 'boto3'} "
        "or m.startswith('health_pipeline.settings'));"
        "print(','.join(bad))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert output.stdout.strip() == ""


def test_source_has_no_io():
    forbidden = re.compile(r"\bopen\(|os\.environ|\bimport os\b|read_csv|to_csv|read_text|write_text|\bprint\(|import dagster|from dagster")
    for path in PACKAGE_DIR.glob("*.py"):
        assert not forbidden.search(path.read_text()), path.name
