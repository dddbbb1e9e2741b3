"""The sink's CSV files are safe and atomic: text that a spreadsheet would run as a formula is neutralised
(numbers are not), a write leaves no temporary file behind, a re-run overwrites the month's file, and the
failed-records file exists exactly when something failed."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd
import pytest

from health_pipeline.delivery.csv_output import (
    dry_run_path,
    failed_records_path,
    safe_cell,
    write_csv_atomically,
    write_failed_records,
)


def read_rows(path: Path) -> list[dict]:
    """The rows of a written CSV file."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("text", ["=SUM(A1)", "+1", "-cmd", "@x", "\tTAB", "\rCR"])
def test_formula_cells_are_neutralised(tmp_path, text):
    path = write_csv_atomically([{"name": text, "n": 1}], tmp_path / "out.csv")
    assert read_rows(path)[0]["name"] == "'" + text


def test_numbers_and_plain_text_are_untouched(tmp_path):
    frame = pd.DataFrame({"n": [-5, 3], "x": [-1.25, float("nan")], "s": ["Acme; Co", "a=b"],
                          "i": pd.array([pd.NA, -7], dtype="Int64")})
    rows = read_rows(write_csv_atomically(frame, tmp_path / "frame.csv"))
    assert rows == [{"n": "-5", "x": "-1.25", "s": "Acme; Co", "i": ""},
                    {"n": "3", "x": "", "s": "a=b", "i": "-7"}]
    assert safe_cell(-3) == -3 and safe_cell(None) == ""


def test_atomic_write_creates_the_folder_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "nested" / "dir" / "health_scores_2026-10.csv"
    write_csv_atomically([{"a": 1}, {"a": 2, "b": "x"}], target)
    assert os.listdir(target.parent) == [target.name]
    assert read_rows(target) == [{"a": "1", "b": ""}, {"a": "2", "b": "x"}]


def test_rerun_overwrites_the_months_file(tmp_path):
    path = dry_run_path(tmp_path, "2026-10")
    write_csv_atomically([{"a": i} for i in range(5)], path)
    write_csv_atomically([{"a": 9}], path)
    assert read_rows(path) == [{"a": "9"}]
    assert path.name == "health_scores_2026-10.csv"


def test_a_failed_write_keeps_the_previous_file_and_no_temp_file(tmp_path):
    path = tmp_path / "out.csv"
    write_csv_atomically([{"a": 1}], path)

    class Unprintable:
        """A value whose text cannot be produced, to break the write half-way."""

        def __str__(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_csv_atomically([{"a": 2}, {"a": Unprintable()}], path)
    assert read_rows(path) == [{"a": "1"}]
    assert os.listdir(tmp_path) == ["out.csv"]


def test_failed_records_file_exists_only_when_something_failed(tmp_path):
    path = failed_records_path(tmp_path, "2026-10")
    record = {"Health_Score_Key__c": "001-2026-10", "Tier__c": "Gold"}
    written = write_failed_records([(record, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: bad; fields: Tier__c")], path)
    assert written == path and path.name == "failed_records_2026-10.csv"
    assert read_rows(path) == [{**record, "error": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: bad; fields: Tier__c"}]
    assert write_failed_records([], path) is None
    assert not path.exists()
    assert write_failed_records([], path) is None
