"""Code versions that change when what an asset computes changes, so Dagster marks stored months stale.

Read when the assets are defined, without failing on a broken configuration: the code location's
`build_definitions` then refuses to load with every problem listed.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import health_pipeline.scoring as scoring_package
from health_pipeline.settings import ConfigError, default_config_dir, load_scoring
from health_pipeline.settings.mapping import MAPPING_FILE

VERSION_LENGTH = 16


def _digest(parts: list[bytes]) -> str:
    """A short stable hash of `parts`."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()[:VERSION_LENGTH]


def scoring_code_version() -> str:
    """The scoring code (every module of the pure scoring package) plus the scoring configuration's fingerprint."""
    package_dir = Path(scoring_package.__file__).parent
    code = [path.read_bytes() for path in sorted(package_dir.glob("*.py"))]
    try:
        config = load_scoring(default_config_dir()).fingerprint()
    except ConfigError:
        config = "invalid"
    return _digest([*code, config.encode()])


def mapping_code_version() -> str:
    """The account mapping file's content (a changed mapping marks every month's snapshot stale)."""
    path = default_config_dir() / MAPPING_FILE
    return _digest([path.read_bytes() if path.is_file() else b"missing"])
