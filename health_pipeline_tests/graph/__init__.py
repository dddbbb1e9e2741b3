"""Tests of the whole graph: definitions, schedule, failure sensor and web server against the sandbox."""
