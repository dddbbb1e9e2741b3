"""Period.parse turns 'YYYY-MM' into the half-open UTC month window and rejects anything else clearly."""

from datetime import date, datetime, timezone

import pytest

from health_pipeline.sources.common.period import Period


def test_parse_gives_utc_half_open_window():
    p = Period.parse("2026-10")
    assert p.start == datetime(2026, 10, 1, tzinfo=timezone.utc)
    assert p.end == datetime(2026, 11, 1, tzinfo=timezone.utc)
    assert p.start.tzinfo is timezone.utc and p.end.tzinfo is timezone.utc
    assert (p.start_date, p.end_date) == (date(2026, 10, 1), date(2026, 11, 1))
    # 2026-10-01T00:00:00Z = 1790812800; October has 31 days: + 31 * 86400 = 1793491200
    assert (p.unix_start, p.unix_end) == (1790812800, 1793491200)
    assert p.label == "2026-10" == str(p)


def test_december_rolls_over_to_next_year():
    p = Period.parse("2025-12")
    assert p.end == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert p.end_date == date(2026, 1, 1)


def test_february_leap_year():
    assert Period.parse("2028-02").unix_end - Period.parse("2028-02").unix_start == 29 * 86400


def test_is_frozen_and_hashable():
    p = Period.parse("2026-01")
    with pytest.raises(AttributeError):
        p.month = 2  # type: ignore[misc]
    assert {p, Period(2026, 1)} == {p}


@pytest.mark.parametrize(
    "bad", ["2026-13", "2026-00", "2026-1", "26-10", "2026/10", " 2026-10", "2026-10-01", "", "0000-05"]
)
def test_bad_labels_raise_value_error(bad):
    with pytest.raises(ValueError, match="YYYY-MM|month|year"):
        Period.parse(bad)


def test_non_string_and_huge_input():
    with pytest.raises(ValueError, match="string"):
        Period.parse(202610)  # type: ignore[arg-type]
    with pytest.raises(ValueError) as info:
        Period.parse("9" * 10_000)
    assert len(str(info.value)) < 200
