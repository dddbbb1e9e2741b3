"""Show, per month and asset, what is materialised, missing, failed or stale, and what to run next."""
from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from datetime import date

MONTH = r"\d{4}-(0[1-9]|1[0-2])"
DEFAULT_MONTHS = 12
CODE_VERSION_TAG = "dagster/code_version"


@dataclass(frozen=True)
class AssetMonth:
    """One asset's state for one month, and why."""

    asset: str
    month: str
    state: str  # materialised, missing, failed, in progress or stale
    reason: str = ""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `health-pipeline status`."""
    parser.add_argument("--months", help="months to show, A:B (YYYY-MM:YYYY-MM, inclusive); default: the last 12 "
                                         "complete months")


def month_range(text: str | None, today: date) -> list[str]:
    """The months of `A:B` (or the last 12 complete months), oldest first; ValueError naming the bad part."""
    from health_pipeline.commands.demo import last_complete_months

    if not text:
        return last_complete_months(today, DEFAULT_MONTHS)
    match = re.fullmatch(f"({MONTH}):({MONTH})", text)
    if match is None:
        raise ValueError(f"--months must be A:B with months as YYYY-MM, got {text!r}")
    first, last = match.group(1), match.group(3)
    if first > last:
        raise ValueError(f"--months starts after it ends: {text!r}")
    months, (year, month) = [], (int(first[:4]), int(first[5:]))
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@dataclass(frozen=True)
class Stored:
    """A month's latest materialisation of an asset: the code version it ran with, and when."""

    code_version: str | None
    timestamp: float


def asset_months(instance, assets, months: list[str]) -> list[AssetMonth]:
    """The state of every asset for every month, read from the instance's event log."""
    import dagster as dg

    from health_pipeline.automation.trend import latest_scores, out_of_date_months, previous_month

    stale_trend = set(out_of_date_months(latest_scores(instance)))
    stored_by_asset = {asset.key.to_user_string(): latest_materialisations(instance, asset.key, months)
                       for asset in assets}
    states = []
    for asset in assets:
        key, code_version = asset.key, asset.code_versions_by_key.get(asset.key)
        status = instance.get_status_by_partition(key, months, asset.partitions_def) or {}
        name = key.to_user_string()
        stored = stored_by_asset[name]
        for month in months:
            partition_status = status.get(month)
            newer = [upstream for upstream in same_month_upstreams(asset)
                     if month in stored and month in stored_by_asset.get(upstream, {})
                     and stored_by_asset[upstream][month].timestamp > stored[month].timestamp]
            if partition_status == dg.AssetPartitionStatus.FAILED:
                states.append(AssetMonth(name, month, "failed", "its last run failed"))
            elif partition_status == dg.AssetPartitionStatus.IN_PROGRESS:
                states.append(AssetMonth(name, month, "in progress"))
            elif month not in stored:
                states.append(AssetMonth(name, month, "missing"))
            elif code_version and stored[month].code_version != code_version:
                states.append(AssetMonth(name, month, "stale", "code or configuration changed since"))
            elif name == "account_health_scores" and month in stale_trend:
                states.append(AssetMonth(name, month, "stale",
                                         f"trend out of date: {previous_month(month)} was scored again after it"))
            elif newer:
                states.append(AssetMonth(name, month, "stale", f"{', '.join(newer)} of the same month materialised "
                                                               "again after it: it still holds what came before"))
            else:
                states.append(AssetMonth(name, month, "materialised"))
    return states


def same_month_upstreams(asset) -> list[str]:
    """The assets this one reads for its own month (not those read through a mapping, such as the month before)."""
    return sorted(dep.asset_key.to_user_string() for dep in asset.specs_by_key[asset.key].deps
                  if dep.partition_mapping is None and dep.asset_key != asset.key)


def latest_materialisations(instance, key, months: list[str]) -> dict[str, Stored]:
    """Each month's latest materialisation of `key`: its code version and time."""
    import dagster as dg

    records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=key, asset_partitions=months),
                                              limit=len(months) * 50).records
    latest: dict[str, Stored] = {}
    for record in records:  # newest first
        materialization = record.asset_materialization
        if materialization is not None and materialization.partition not in latest:
            latest[materialization.partition] = Stored((materialization.tags or {}).get(CODE_VERSION_TAG),
                                                       record.timestamp)
    return latest


def report(states: list[AssetMonth], months: list[str]) -> list[str]:
    """One line per month (`up to date`, or the assets by state and why), then the runs to do next."""
    lines, to_run = [], []
    for month in months:
        mine = [state for state in states if state.month == month]
        by_state: dict[str, list[str]] = {}
        for state in mine:
            if state.state != "materialised":
                by_state.setdefault(state.state, []).append(state.asset)
        if not by_state:
            lines.append(f"{month}  up to date (all {len(mine)} assets materialised)")
            continue
        lines.append(f"{month}  " + "; ".join(
            f"{state}: {f'all {len(mine)} assets' if len(names) == len(mine) else ', '.join(names)}"
            for state, names in by_state.items()))
        lines.extend(f"         {state.asset}: {state.reason}" for state in mine if state.reason)
        if set(by_state) != {"in progress"}:
            to_run.append(month)
    lines.append("Next: " + ("; ".join(f"health-pipeline run --period {month}" for month in to_run)
                             if to_run else "nothing to run"))
    return lines


def run(args: argparse.Namespace) -> int:
    """Print the status of the requested months in the project's Dagster instance."""
    try:
        months = month_range(args.months, date.today())
    except ValueError as error:
        print(error)
        return 2
    from health_pipeline.commands.errors import readable_errors
    with readable_errors():
        from health_pipeline.commands.materialise import project_instance
        from health_pipeline.definitions import ASSETS

        states = asset_months(project_instance(), ASSETS, months)
    print("\n".join(report(states, months)))
    return 0
