"""Tests of the production profile, the Parquet export and the deployment files."""
