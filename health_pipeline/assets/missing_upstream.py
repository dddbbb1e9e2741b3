"""IO managers that turn a missing upstream month into one sentence naming what to materialise first."""
from __future__ import annotations

from typing import Any

import dagster as dg

from health_pipeline.automation.job import MONTHLY_JOB_NAME


def missing_upstream_sentence(asset: str, month: str, missing: dict[str, list[str]]) -> str:
    """`asset` for `month` cannot run: which upstream assets lack which months, and what to run first."""
    by_months: dict[str, list[str]] = {}
    for name, months in sorted(missing.items()):
        by_months.setdefault(", ".join(sorted(months)), []).append(name)
    needs = "; ".join(f"{', '.join(names)} for {months}" for months, names in by_months.items())
    all_months = ", ".join(sorted({m for months in missing.values() for m in months}))
    return (f"{asset} for {month} needs {needs}, never materialised: materialise those first, "
            f"or run the {MONTHLY_JOB_NAME} job for {all_months}.")


def _missing_parents(context: dg.InputContext) -> dict[str, list[str]]:
    """Every parent of the consuming asset without a materialisation for the step's month (the whole picture,
    not only the input that failed first)."""
    step = context.step_context
    consumer, month = step.get_output_asset_keys().pop(), step.partition_key
    graph = step.job_def.asset_layer.asset_graph
    missing: dict[str, list[str]] = {}
    for parent in sorted(graph.get(consumer).parent_keys):
        if parent == consumer:
            continue  # the previous month's own scores may be missing: that month simply has no trend
        if month not in context.instance.get_materialized_partitions(parent):
            missing[parent.to_user_string()] = [month]
    return missing


class MissingUpstreamExplained(dg.IOManager):
    """Delegates to another IO manager; a missing stored month fails the step with one sentence, no traceback."""

    def __init__(self, inner: dg.IOManager, missing_errors: tuple[type[BaseException], ...]) -> None:
        self.inner, self.missing_errors = inner, missing_errors

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        """Store the output as the wrapped IO manager does."""
        self.inner.handle_output(context, obj)

    def load_input(self, context: dg.InputContext) -> Any:
        """Load the input as the wrapped IO manager does; a month never stored fails with the sentence."""
        try:
            return self.inner.load_input(context)
        except self.missing_errors:
            upstream = context.upstream_output.asset_key.to_user_string()
            months = list(context.asset_partition_keys) if context.has_asset_partitions else ["(unpartitioned)"]
            missing = _missing_parents(context) or {upstream: months}
            consumer = context.step_context.get_output_asset_keys().pop().to_user_string()
            raise dg.Failure(description=missing_upstream_sentence(consumer, context.step_context.partition_key,
                                                                   missing)) from None


class MonthFilesystemIOManager(dg.FilesystemIOManager):
    """The filesystem IO manager (the instance's storage folder by default) with missing months explained."""

    def create_io_manager(self, context: dg.InitResourceContext) -> dg.IOManager:
        """The filesystem IO manager wrapped so that a missing upstream month reads as one sentence."""
        return MissingUpstreamExplained(super().create_io_manager(context), (FileNotFoundError,))
