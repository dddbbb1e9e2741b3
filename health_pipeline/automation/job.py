"""The monthly job: every asset of the graph for one month."""

import dagster as dg

from health_pipeline.automation.executor import RUN_EXECUTOR

MONTHLY_JOB_NAME = "monthly_health_score"

monthly_health_score_job = dg.define_asset_job(
    MONTHLY_JOB_NAME,
    selection=dg.AssetSelection.groups("sources", "scoring", "delivery", "actions"),
    description="Extract the four sources, score every account, deliver the month's health scores and act on them "
                "(alerts, Salesforce tasks, the Slack digest).",
    executor_def=RUN_EXECUTOR,
)
