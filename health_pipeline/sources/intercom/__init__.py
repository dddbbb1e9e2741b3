"""Intercom: the resource and client, the pure support metrics, the extraction glue."""
