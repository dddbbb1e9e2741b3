"""adoption_queries builds the contract's WriteQuery bodies exactly; the JSON row parsers read numbers,
numeric strings and nulls and report bad values; PlatformLookParser streams the Look's CSV, keeps only
the partition month and averages the pillars present."""

import json

import pytest

from health_pipeline.sources.common.period import Period
from health_pipeline.sources.looker.metrics import (
    DEFAULTS,
    METRICS,
    PlatformLookParser,
    adoption_queries,
    combine,
    parse_feature_usage,
    parse_user_sessions,
)

PERIOD = Period.parse("2026-10")


def test_adoption_queries_exact():
    assert adoption_queries(PERIOD) == [
        {
            "model": "alliants",
            "view": "user_sessions",
            "fields": [
                "user_sessions.account_id",
                "user_sessions.average_daily_active_users",
                "user_sessions.monthly_active_users",
                "user_sessions.logins_per_user",
            ],
            "filters": {"user_sessions.session_date": "2026/10/01 to 2026/11/01"},
            "limit": "-1",
        },
        {
            "model": "alliants",
            "view": "feature_usage",
            "fields": ["feature_usage.account_id", "feature_usage.feature_breadth_pct"],
            "filters": {"feature_usage.usage_date": "2026/10/01 to 2026/11/01"},
            "limit": "-1",
        },
    ]


def test_adoption_queries_custom_names_and_year_end():
    sessions, usage = adoption_queries(Period.parse("2025-12"), model="m", user_sessions_view="us",
                                       feature_usage_view="fu")
    assert sessions["model"] == "m" and sessions["view"] == "us"
    assert sessions["fields"][0] == "us.account_id"
    assert sessions["filters"] == {"us.session_date": "2025/12/01 to 2026/01/01"}
    assert usage["fields"] == ["fu.account_id", "fu.feature_breadth_pct"]


def test_parse_user_sessions():
    rows = [
        {"user_sessions.account_id": "acme", "user_sessions.average_daily_active_users": 12.5,
         "user_sessions.monthly_active_users": 40, "user_sessions.logins_per_user": "3.25"},
        {"user_sessions.account_id": 17, "user_sessions.average_daily_active_users": None,
         "user_sessions.monthly_active_users": "", "user_sessions.logins_per_user": "n/a"},
        {"user_sessions.account_id": "acme", "user_sessions.average_daily_active_users": 99,
         "user_sessions.monthly_active_users": 99, "user_sessions.logins_per_user": 99},
        {"user_sessions.account_id": None, "user_sessions.average_daily_active_users": 1},
    ]
    problems = []
    result = parse_user_sessions(rows, problems=problems)
    assert result == {
        "acme": {"dau": 12.5, "mau": 40.0, "login_frequency": 3.25},  # first row wins
        "17": {"dau": None, "mau": None, "login_frequency": None},
    }
    assert problems == [
        ("user_sessions.logins_per_user", "17", "'n/a'"),
        ("user_sessions.account_id", "acme", "duplicate row ignored"),
        ("user_sessions.account_id", "?", "None"),
    ]


def test_parse_feature_usage_from_raw_json_string():
    text = json.dumps([{"feature_usage.account_id": "acme", "feature_usage.feature_breadth_pct": "62.5"}])
    assert parse_feature_usage(text) == {"acme": {"feature_breadth": 62.5}}
    assert parse_feature_usage([]) == {}


def test_looker_error_row_raises():
    with pytest.raises(ValueError, match="Unknown field"):
        parse_user_sessions([{"looker_error": "Unknown field user_sessions.dau"}])
    with pytest.raises(ValueError, match="list of rows"):
        parse_user_sessions({"message": "Not found"})  # type: ignore[arg-type]


CSV = (
    "platform_metrics.account_id,platform_metrics.month,platform_metrics.efficiency_score,"
    "platform_metrics.revenue_score,platform_metrics.guest_experience_score,platform_metrics.adoption_score\r\n"
    "acme,2026-09,10,10,10,10\r\n"  # other month: dropped
    "acme,2026-10,80,70,60,50\r\n"  # (80 + 70 + 60 + 50) / 4 = 65
    "beta,2026-10,90,,60,\r\n"  # pillars present 90, 60 -> 75
    "gamma,2026-10,,,,\r\n"  # none present -> None
    "delta,2026-10,abc,40,,\r\n"  # 'abc' is a problem; 40 alone -> 40
    "acme,2026-10,0,0,0,0\r\n"  # duplicate for the month: ignored, reported
    "\r\n"
    "epsilon,2026-11,1,2,3,4\r\n"
)


def test_platform_look_parser_by_hand():
    parser = PlatformLookParser(PERIOD)
    parser.feed(CSV)
    assert parser.result() == {
        "acme": {"platform_value": 65.0},
        "beta": {"platform_value": 75.0},
        "gamma": {"platform_value": None},
        "delta": {"platform_value": 40.0},
    }
    assert parser.rows_kept == 4 and parser.rows_other_months == 2
    assert parser.problems == [
        ("efficiency_score", "delta", "'abc'"),
        ("account_id", "acme", "duplicate row for the month ignored"),
    ]


def test_platform_look_parser_line_by_line_with_labels_and_bom():
    lines = [
        '\ufeffPlatform Metrics Account ID,Platform Metrics Month,Platform Metrics Efficiency Score,'
        'Platform Metrics Revenue Score,Platform Metrics Guest Experience Score,Platform Metrics Adoption Score\n',
        '"Acme, Inc",2026-10,50,100,,\n',  # quoted comma in the id; (50 + 100) / 2 = 75
    ]
    parser = PlatformLookParser(PERIOD)
    for line in lines:  # one call per line: the header state carries over
        parser.feed([line])
    assert parser.result() == {"Acme, Inc": {"platform_value": 75.0}}


def test_platform_look_missing_column_raises():
    with pytest.raises(ValueError, match="platform_metrics.adoption_score"):
        PlatformLookParser(PERIOD).feed("platform_metrics.account_id,platform_metrics.month\nacme,2026-10\n")


def test_combine_and_contract_constants():
    merged = combine({"a": {"dau": 1.0}}, {"a": {"feature_breadth": 2.0}, "b": {"feature_breadth": 3.0}},
                     {"b": {"platform_value": None}})
    assert merged == {"a": {"dau": 1.0, "feature_breadth": 2.0},
                      "b": {"feature_breadth": 3.0, "platform_value": None}}
    assert METRICS == ("dau", "mau", "feature_breadth", "login_frequency", "platform_value")
    assert DEFAULTS == {}
