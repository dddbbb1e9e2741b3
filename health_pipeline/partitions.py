"""The monthly partitions shared by every asset of the graph (first month and time zone from config/pipeline.yaml)."""
from __future__ import annotations

import dagster as dg

from health_pipeline.settings import ConfigError, default_config_dir, load_pipeline_settings
from health_pipeline.settings.pipeline import PartitionSettings, ScheduleSettings

# Partition keys are the month labels the CLI, the CSVs and Salesforce use: "2026-11".
KEY_FORMAT = "%Y-%m"


def monthly_partitions(start_month: str, timezone: str = "UTC") -> dg.MonthlyPartitionsDefinition:
    """Monthly partitions from `start_month`, keyed YYYY-MM; the last is the last complete month."""
    return dg.MonthlyPartitionsDefinition(start_date=start_month, fmt=KEY_FORMAT, timezone=timezone)


def configured_partitions() -> dg.MonthlyPartitionsDefinition:
    """The partitions pipeline.yaml asks for; its defaults while the file is broken (the code location then
    refuses to load, listing every problem, so this never hides one)."""
    try:
        settings = load_pipeline_settings(default_config_dir())
        partitions, schedule = settings.partitions, settings.schedule
    except ConfigError:
        partitions, schedule = PartitionSettings(), ScheduleSettings()
    # the schedule fires in the partitions' time zone, so schedule.timezone is set here
    return monthly_partitions(partitions.start_month, schedule.timezone)


MONTHLY = configured_partitions()
