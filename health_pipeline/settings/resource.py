"""The configuration directory as a resource, so a run (or a test) can point at another one."""
from __future__ import annotations

import dagster as dg
from pydantic import Field

from health_pipeline.settings import PipelineConfig, default_config_dir, load_config


class PipelineConfigResource(dg.ConfigurableResource):
    """Where weights.yaml, thresholds.yaml, pipeline.yaml and account_mapping.csv are read from."""

    config_dir: str = Field(
        default_factory=lambda: str(default_config_dir()),
        description="Configuration directory (HEALTH_PIPELINE_CONFIG_DIR overrides the project's config/).",
    )

    def load(self) -> PipelineConfig:
        """The validated configuration (raises ConfigError listing every problem)."""
        return load_config(self.config_dir)
