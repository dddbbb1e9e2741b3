"""Run tags naming the vendors a run calls, for the run queue's per-vendor concurrency limits (deploy/dagster.yaml).

Dagster's run queue counts *run* tags; the source assets' `health_pipeline/vendor` *op* tags do not
reach it. So a run that calls vendor V carries `health_pipeline/calls-V: "true"`, and the queue's
`tag_concurrency_limits` cap how many such runs are in progress at once. Each run calls each vendor
through one sequential paginated stream, so the limit is also the number of concurrent streams.
"""
from __future__ import annotations

from typing import Iterable

import dagster as dg

VENDOR_OP_TAG = "health_pipeline/vendor"
RUN_TAG_PREFIX = "health_pipeline/calls-"


def vendor_run_tag(vendor: str) -> str:
    """The run tag key of runs that call `vendor`."""
    return f"{RUN_TAG_PREFIX}{vendor}"


def vendors_of(assets: Iterable[dg.AssetsDefinition]) -> list[str]:
    """The vendors named by the assets' `health_pipeline/vendor` op tags, sorted."""
    return sorted({assets_def.op.tags[VENDOR_OP_TAG] for assets_def in assets if VENDOR_OP_TAG in assets_def.op.tags})


def vendor_run_tags(assets: Iterable[dg.AssetsDefinition]) -> dict[str, str]:
    """`{"health_pipeline/calls-<vendor>": "true"}` for every vendor the assets call.

    Give them to a job as `tags=` (not `run_tags=`): Dagster copies a job's `tags` onto the runs it launches
    directly and from schedules, and job backfills copy `tags` only."""
    return {vendor_run_tag(vendor): "true" for vendor in vendors_of(assets)}
