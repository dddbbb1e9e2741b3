"""The write-back benchmark's harness on a small org: both ways reach the emulator in its own process, the client's
call counts agree with the emulator's, and the diff-only way makes the calls the goals name (login + the month's
query pages, no write for an unchanged month, ceil(changed/200) Collections calls for a partly changed one)."""
from __future__ import annotations

import pytest

from benchmarks.delivery_benchmark import Org, diff_only, full_upsert, month_records, write_section
from benchmarks.performance_page import write_back_section
from benchmarks.pipeline_benchmark import kept_sections

ACCOUNTS = 400


@pytest.fixture(scope="module")
def orgs():
    """Two emulators, one per way."""
    pair = (Org(ACCOUNTS, 0.0), Org(ACCOUNTS, 0.0))
    yield pair
    for org in pair:
        org.close()


def test_both_ways_side_by_side(orgs):
    full, diff = orgs
    first, unchanged, changed = month_records(ACCOUNTS), month_records(ACCOUNTS), month_records(ACCOUNTS, 20)

    assert full_upsert(full, first, 0.01) | {"wall": 0} == {
        "calls": 3, "served": 3, "written": 400, "write_calls": 2, "method": "collections", "wall": 0}
    assert diff_only(diff, first, 0.01)["calls"] == 4  # login, the (empty) month's query, 2 Collections calls

    assert full_upsert(full, unchanged, 0.01)["written"] == 400
    again = diff_only(diff, unchanged, 0.01)
    assert (again["calls"], again["served"], again["written"], again["method"]) == (2, 2, 0, "none")

    partly = diff_only(diff, changed, 0.01)
    assert (partly["calls"], partly["written"], partly["write_calls"], partly["method"]) == (3, 20, 1, "collections")


def test_the_section_is_replaced_in_place_and_kept_by_the_pipeline_benchmarks_rewrite(tmp_path):
    page = tmp_path / "performance.md"
    page.write_text("# Performance\n\n<!-- benchmark-results: {} -->\n", encoding="utf-8")
    write_section(page, ["## Write-back", "first"])
    write_section(page, ["## Write-back", "second"])

    text = page.read_text(encoding="utf-8")
    assert text.count("## Write-back") == 1 and "second" in text and "first" not in text
    assert text.index("second") < text.index("<!-- benchmark-results: ")
    assert kept_sections(page).strip() == write_back_section(text).strip()
    assert kept_sections(tmp_path / "absent.md") == ""
