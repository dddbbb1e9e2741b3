"""The thin Dagster assets, one module per group, with their checks, lineage and code versions."""
