"""Materialising months from the command line: instance, progress and a readable summary."""
