"""The evidence tests share the scoring tests' shipped configuration."""
from health_pipeline_tests.scoring.conftest import shipped_scoring  # noqa: F401 (a fixture)
