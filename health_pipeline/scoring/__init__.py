"""The health-score model (the rules: reference/scoring-model.md of the product specification), pure and side-effect free.

No Dagster, no I/O: numpy, pandas and the standard library only. Every rule is written once as an
array function (``*_array``) that `score_accounts` uses on a whole month of accounts; the scalar
functions below are thin wrappers over the same array functions, so both paths agree exactly.
"""
from health_pipeline.scoring.catalogue import DIMENSIONS, ID_COLUMN, METRIC_CATALOGUE, SEGMENTS, MetricInfo
from health_pipeline.scoring.composite import ChurnRisk, compute_churn_risk, compute_health_score
from health_pipeline.scoring.config_types import DimensionConfig, ScoringConfig, Threshold
from health_pipeline.scoring.dimensions import DimensionScore, score_dimension
from health_pipeline.scoring.frame import output_columns, score_accounts
from health_pipeline.scoring.normalise import normalise_array, normalise_metric
from health_pipeline.scoring.qualitative import QualitativeResult, apply_qualitative_modifier
from health_pipeline.scoring.risk import metric_points_lost, top_risk_factors
from health_pipeline.scoring.tiers import TIERS, classify_tier, publish_score

__all__ = [
    "DIMENSIONS",
    "ID_COLUMN",
    "METRIC_CATALOGUE",
    "SEGMENTS",
    "TIERS",
    "ChurnRisk",
    "DimensionConfig",
    "DimensionScore",
    "MetricInfo",
    "QualitativeResult",
    "ScoringConfig",
    "Threshold",
    "apply_qualitative_modifier",
    "classify_tier",
    "compute_churn_risk",
    "compute_health_score",
    "metric_points_lost",
    "normalise_array",
    "normalise_metric",
    "output_columns",
    "publish_score",
    "score_accounts",
    "score_dimension",
    "top_risk_factors",
]
