"""Tests of health_pipeline.scoring, the pure scoring engine."""
