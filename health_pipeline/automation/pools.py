"""Per-vendor concurrency pools: every source asset runs in its vendor's pool (`pool=<vendor>`).

The instance counts pools per run (`concurrency.pools.granularity: run` in deploy/dagster.yaml), so a pool's
limit caps how many runs that call the vendor are in progress at once, whether launched from the UI, a
backfill or the schedule. Limits live in the vendor registry; `apply_pool_limits` writes them to an instance.
"""
from __future__ import annotations

import dagster as dg

from health_pipeline.sources.registry import POOL_LIMITS


def apply_pool_limits(instance: dg.DagsterInstance) -> dict[str, int]:
    """Set each vendor pool's limit on the instance (idempotent); returns the limits set."""
    for pool, limit in POOL_LIMITS.items():
        instance.event_log_storage.set_concurrency_slots(pool, limit)
    return dict(POOL_LIMITS)
