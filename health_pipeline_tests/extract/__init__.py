"""Tests of the pure extraction transforms."""
