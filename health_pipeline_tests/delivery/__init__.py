"""Tests of the health-score sink: records, CSV files, the Salesforce writer and the asset."""
