"""Column lineage from the source metrics to the dimension scores, declared from the scoring configuration."""
from __future__ import annotations

import dagster as dg

from health_pipeline.scoring import METRIC_CATALOGUE, ScoringConfig
from health_pipeline.sources.registry import ASSET_OF_CATALOGUE_SOURCE, BY_KEY


def column_lineage(config: ScoringConfig) -> dg.TableColumnLineage:
    """Each `{dimension}_score` column depends on its metrics' columns in their source assets."""
    deps: dict[str, list[dg.TableColumnDep]] = {}
    for dimension in config.dimensions:
        deps[f"{dimension.name}_score"] = [
            dg.TableColumnDep(asset_key=dg.AssetKey(ASSET_OF_CATALOGUE_SOURCE[METRIC_CATALOGUE[metric].source]), column_name=metric)
            for metric in dimension.metric_weights
            if metric in METRIC_CATALOGUE
        ]
    deps["platform_value"] = [dg.TableColumnDep(asset_key=dg.AssetKey(BY_KEY["looker"].asset_name), column_name="platform_value")]
    return dg.TableColumnLineage(deps_by_column=deps)
