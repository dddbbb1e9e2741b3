"""health_pipeline: monthly customer health scores on Dagster."""
