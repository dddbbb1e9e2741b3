"""The one Definitions of the code location: assets, checks, resources, jobs, schedules and sensors."""
from __future__ import annotations

import dagster as dg

from health_pipeline.assets.mapping import account_mapping
from health_pipeline.assets.scoring import account_health_scores
from health_pipeline.assets.sources import SOURCE_ASSETS
from health_pipeline.resources.config import PipelineConfigResource
from health_pipeline.resources.factory import build_source_resources

defs = dg.Definitions(
    assets=[account_mapping, *SOURCE_ASSETS, account_health_scores],
    resources={"pipeline_config": PipelineConfigResource(), **build_source_resources()},
)
