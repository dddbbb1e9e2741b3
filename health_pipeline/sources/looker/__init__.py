"""Looker: the resource and client, the pure adoption metrics, the extraction glue."""
