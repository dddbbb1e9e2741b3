"""Jira: the resource and client, the pure bug metrics, the extraction glue."""
