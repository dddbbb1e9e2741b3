"""Platform value for one month: by default an inline query over the view (4 calls in all); with a saved Look,
the Look's query read once and run for the month (5 calls). Both equal the whole Look filtered to the month."""
from __future__ import annotations

import math

import pytest

from health_pipeline.sources.common.errors import SourceError
from health_pipeline.sources.common.period import Period
from health_pipeline.sources.looker import metrics as pure
from health_pipeline.sources.looker.extract import extract_looker
from health_pipeline_tests.conftest import source_resources

PERIOD = Period(2025, 6)
NAMES = {"model": "alliants", "user_sessions_view": "user_sessions", "feature_usage_view": "feature_usage",
         "platform_view": "platform_metrics"}


def _whole_look_for_the_month(resource) -> tuple[dict, int]:
    """The saved Look run whole (every month, as `run_look` returns it), filtered to the month by the parser."""
    whole = pure.PlatformLookParser(PERIOD)
    whole.feed(resource.open_client().run_look_csv("1"))
    assert whole.rows_other_months > 0
    return whole.result(), whole.rows_kept


@pytest.mark.parametrize("look_id, extra_calls", [(None, {}), ("1", {"GET /api/4.0/looks/{id}": 1})])
def test_the_months_platform_value_equals_the_whole_look_for_that_month(sandbox, look_id, extra_calls):
    rows = sandbox.world.mapping_rows()
    keys = [(row["salesforce_account_id"], row["looker_account_id"]) for row in rows]
    resource = source_resources(sandbox)["looker"]
    result = extract_looker(resource, PERIOD, keys, **NAMES, platform_look_id=look_id)
    assert sandbox.looker.calls.snapshot() == {"POST /api/4.0/login": 1, "POST /api/4.0/queries/run/{format}": 3,
                                               **extra_calls}
    assert result.facts["platform_rows_other_months"] == 0
    assert result.facts["platform_value_from"] == ("view platform_metrics" if look_id is None else "Look 1")
    expected, kept = _whole_look_for_the_month(resource)
    assert result.facts["platform_rows_in_month"] == kept
    by_account = dict(zip(result.frame["salesforce_account_id"], result.frame["platform_value"]))
    assert sum(not math.isnan(value) for value in by_account.values()) > 100
    for row in rows:
        want = expected.get(row["looker_account_id"], {}).get("platform_value") if row["looker_account_id"] else None
        got = by_account[row["salesforce_account_id"]]
        assert (want is None and math.isnan(got)) or got == want, row["salesforce_account_id"]


def test_an_unknown_look_fails_naming_the_look(sandbox):
    resource = source_resources(sandbox)["looker"]
    with pytest.raises(SourceError, match=r"Looker: GET /api/4.0/looks/99 answered HTTP 404"):
        extract_looker(resource, PERIOD, [("001A", "1")], **NAMES, platform_look_id="99")


def test_a_look_without_the_contracts_columns_fails_naming_the_call_and_the_columns(sandbox):
    query = {"model": "alliants", "view": "platform_metrics", "limit": "500",
             "fields": ["platform_metrics.account_id", "platform_metrics.month", "platform_metrics.revenue_score"]}
    sandbox.looker.add_look("2", "Revenue only", query)
    resource = source_resources(sandbox)["looker"]
    with pytest.raises(SourceError, match=r"^Looker: POST /api/4.0/queries/run/csv \(platform_metrics\) failed: unusable "
                                          r"result: platform-value CSV lacks columns \['platform_metrics.efficiency_score'"):
        extract_looker(resource, PERIOD, [("001A", "1")], **NAMES, platform_look_id="2")
