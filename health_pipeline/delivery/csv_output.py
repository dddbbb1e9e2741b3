"""The sink's CSV files (dry-run output, failed records): written atomically, safe to open in a spreadsheet."""
from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO, Union

import pandas as pd

from health_pipeline.delivery.records import is_missing

# a spreadsheet evaluates a cell starting with one of these as a formula (CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
Rows = Union[pd.DataFrame, Sequence[Mapping[str, Any]]]


def dry_run_path(output_dir: str | os.PathLike, period: str) -> Path:
    """`{output_dir}/health_scores_{YYYY-MM}.csv`: what a dry run writes for the month."""
    return Path(output_dir) / f"health_scores_{period}.csv"


def failed_records_path(output_dir: str | os.PathLike, period: str) -> Path:
    """`{output_dir}/failed_records_{YYYY-MM}.csv`: the month's records Salesforce refused."""
    return Path(output_dir) / f"failed_records_{period}.csv"


def conflicts_path(output_dir: str | os.PathLike, period: str) -> Path:
    """`{output_dir}/conflicts_{YYYY-MM}.csv`: the month's records edited in Salesforce since our last write."""
    return Path(output_dir) / f"conflicts_{period}.csv"


def bucket_key(period: str, kind: str) -> str:
    """`delivery/{YYYY-MM}/{kind}.csv`: a month's health_scores (dry run), failed_records, conflicts or failed_alert_tasks
    CSV in the bucket."""
    return f"delivery/{period}/{kind}.csv"


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run: text that could start a formula gets a leading `'`; numbers pass."""
    if is_missing(value):
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _table(rows: Rows) -> tuple[list[str], Iterable[Sequence[Any]]]:
    """Column names and row values of a frame or of a list of records (columns in first-seen order)."""
    if isinstance(rows, pd.DataFrame):
        return [str(c) for c in rows.columns], rows.itertuples(index=False, name=None)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return columns, ([row.get(column) for column in columns] for row in rows)


def _write_rows(rows: Rows, file: TextIO) -> None:
    """The header and the spreadsheet-safe cells of `rows`, as CSV into an open text file."""
    columns, values = _table(rows)
    writer = csv.writer(file)
    writer.writerow(columns)
    writer.writerows([safe_cell(cell) for cell in row] for row in values)


def csv_bytes(rows: Rows) -> bytes:
    """`rows` as the UTF-8 bytes of the CSV file `write_csv_atomically` would write (for an object store)."""
    buffer = io.StringIO(newline="")
    _write_rows(rows, buffer)
    return buffer.getvalue().encode("utf-8")


def write_csv_atomically(rows: Rows, path: str | os.PathLike) -> Path:
    """Write `rows` to `path` through a temporary file in the same folder and `os.replace` (creating the folder)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", dir=target.parent,
                                         prefix=f".{target.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            _write_rows(rows, handle)
            handle.flush()
            os.fsync(handle.fileno())
        # the temporary file is created owner-only; give the result the usual permissions of a new file
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(handle.name, 0o666 & ~umask)
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return target


def failed_rows(failed: Sequence[tuple[Mapping[str, Any], str]]) -> list[dict]:
    """Failed records as rows: every record field plus `error`."""
    return [{**record, "error": error} for record, error in failed]


def write_failed_records(failed: Sequence[tuple[Mapping[str, Any], str]], path: str | os.PathLike) -> Path | None:
    """Keep the failed records in `path`, or remove a stale file when nothing failed (then None)."""
    return write_rows_or_remove(failed_rows(failed), path)


def write_rows_or_remove(rows: Sequence[Mapping[str, Any]], path: str | os.PathLike) -> Path | None:
    """Write `rows` to `path`, or remove a stale file when there are none (then None)."""
    if not rows:
        Path(path).unlink(missing_ok=True)
        return None
    return write_csv_atomically(rows, path)
