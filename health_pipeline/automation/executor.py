"""The executor of every run: all steps of a month in the run's own process.

Measured (docs/performance.md, `python -m benchmarks.ui_benchmark`): the default multiprocess executor starts
a Python process per step, seconds each on a small machine, for steps that compute in 0.6-10 s; running the
steps in the run's process makes a UI run cost what the CLI's in-process month costs plus one run worker.
"""

import dagster as dg

RUN_EXECUTOR = dg.in_process_executor
