"""The pipeline's configuration: load every file of a config directory, validate it completely,
and hand back frozen, typed objects.

    config/weights.yaml         dimension and metric weights, the blend, the caps
    config/thresholds.yaml      green/yellow/red and direction per segment and metric
    config/pipeline.yaml        partitions, schedule, checks, delivery, Looker names
    config/account_mapping.csv  Salesforce account -> segment and Intercom/Jira/Looker ids
    config/plays.yaml           the plays that turn scores into alerts, tasks and the Slack digest

`load_config` collects *every* problem of all five files before raising one `ConfigError`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from health_pipeline.scoring import ScoringConfig
from health_pipeline.settings.mapping import MAPPING_FILE, AccountMapping, MappedAccount, parse_mapping
from health_pipeline.settings.pipeline import PIPELINE_FILE, PipelineSettings, parse_pipeline
from health_pipeline.settings.plays import PLAYS_FILE, PlaysConfig, parse_plays
from health_pipeline.settings.scoring import THRESHOLDS_FILE, WEIGHTS_FILE, load_scoring_config
from health_pipeline.settings.yaml_file import ConfigError

CONFIG_DIR_ENV = "HEALTH_PIPELINE_CONFIG_DIR"
CONFIG_FILES = (WEIGHTS_FILE, THRESHOLDS_FILE, PIPELINE_FILE, MAPPING_FILE, PLAYS_FILE)

__all__ = [
    "CONFIG_DIR_ENV", "CONFIG_FILES", "AccountMapping", "ConfigError", "MappedAccount", "PipelineConfig",
    "PipelineSettings", "PlaysConfig", "ScoringConfig", "default_config_dir", "load_account_mapping", "load_config",
    "load_pipeline_settings", "load_scoring",
]


@dataclass(frozen=True)
class PipelineConfig:
    """A whole, valid configuration directory."""

    config_dir: Path
    scoring: ScoringConfig
    mapping: AccountMapping
    pipeline: PipelineSettings
    plays: PlaysConfig


def default_config_dir() -> Path:
    """``$HEALTH_PIPELINE_CONFIG_DIR`` when set, else the repository's ``config/`` directory."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "config"


def load_config(config_dir: Path | str) -> PipelineConfig:
    """Load and validate the five files of ``config_dir``; raise `ConfigError` listing every problem."""
    config_dir = Path(config_dir)
    if not config_dir.is_dir():
        raise ConfigError([f"{config_dir}: configuration directory not found"], config_dir)
    problems: list[str] = []
    scoring = load_scoring_config(config_dir, problems)
    pipeline = parse_pipeline(config_dir / PIPELINE_FILE, problems)
    mapping = parse_mapping(config_dir / MAPPING_FILE, problems)
    plays = parse_plays(config_dir / PLAYS_FILE, problems)
    if problems or scoring is None or pipeline is None or mapping is None or plays is None:
        raise ConfigError(problems, config_dir)
    return PipelineConfig(config_dir=config_dir, scoring=scoring, mapping=mapping, pipeline=pipeline, plays=plays)


def load_pipeline_settings(config_dir: Path | str) -> PipelineSettings:
    """Only ``pipeline.yaml`` of ``config_dir`` (e.g. for partitions and schedules, which do not need
    the account mapping); raise `ConfigError` listing every problem."""
    problems: list[str] = []
    settings = parse_pipeline(Path(config_dir) / PIPELINE_FILE, problems)
    if settings is None:
        raise ConfigError(problems, config_dir)
    return settings


def load_scoring(config_dir: Path | str) -> ScoringConfig:
    """Only ``weights.yaml`` and ``thresholds.yaml`` of ``config_dir``; raise `ConfigError` listing
    every problem."""
    problems: list[str] = []
    scoring = load_scoring_config(Path(config_dir), problems)
    if scoring is None:
        raise ConfigError(problems, config_dir)
    return scoring


def load_account_mapping(path: Path | str) -> AccountMapping:
    """Load one account mapping CSV on its own; raise `ConfigError` listing every problem."""
    problems: list[str] = []
    mapping = parse_mapping(Path(path), problems)
    if mapping is None:
        raise ConfigError(problems, Path(path).parent)
    return mapping
