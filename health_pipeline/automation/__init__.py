"""The monthly job, its schedule, the run-failure sensor and the per-vendor pools."""
