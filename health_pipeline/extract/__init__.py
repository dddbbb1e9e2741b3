"""Pure extraction transforms: raw vendor records -> per-account metric rows (no I/O, no Dagster)."""
