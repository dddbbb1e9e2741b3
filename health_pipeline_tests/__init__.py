"""Tests of health_pipeline."""
