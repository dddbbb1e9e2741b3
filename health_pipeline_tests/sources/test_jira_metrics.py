"""build_bug_jql produces the contract's JQL exactly and rejects bad project keys; JiraLink validates its
mode; JiraBugAccumulator computes the bug metrics by hand-checked arithmetic, including the boundary
instants, time-zone offsets, multi-account issues, custom-field link values and duplicates across pages."""

import pytest

from health_pipeline.sources.common.period import Period
from health_pipeline.sources.jira.metrics import (
    DEFAULTS,
    JIRA_FIELDS,
    METRICS,
    JiraBugAccumulator,
    JiraLink,
    build_bug_jql,
)

PERIOD = Period.parse("2026-10")


def issue(iid, created, resolved=None, components=(), labels=(), priority="Medium", **extra_fields):
    """A search/jql issue with the requested fields."""
    fields = {
        "created": created,
        "resolutiondate": resolved,
        "priority": {"name": priority, "id": "3"} if priority else None,
        "status": {"name": "Open", "id": "1", "statusCategory": {"key": "new"}},
        "components": [{"id": str(i), "name": n} for i, n in enumerate(components)],
        "labels": list(labels),
    }
    fields.update(extra_fields)
    return {"id": iid, "key": f"APP-{iid}", "fields": fields}


def test_jql_is_exact():
    assert build_bug_jql(["APP", "WEB_2"], PERIOD) == (
        'project in (APP, WEB_2) AND issuetype = Bug AND created < "2026-11-01" '
        'AND (resolutiondate >= "2026-10-01" OR resolution = EMPTY)'
    )


def test_jql_dedupes_keys_and_can_widen_for_time_zones():
    assert build_bug_jql(("APP", "APP"), Period.parse("2025-12"), margin_days=1) == (
        'project in (APP) AND issuetype = Bug AND created < "2026-01-02" '
        'AND (resolutiondate >= "2025-11-30" OR resolution = EMPTY)'
    )


@pytest.mark.parametrize("bad", ["app", "A", "APP-1", "1APP", "APP) OR project in (X", "", None, 5])
def test_bad_project_key_raises(bad):
    with pytest.raises(ValueError, match="invalid Jira project key"):
        build_bug_jql(["APP", bad], PERIOD)


@pytest.mark.parametrize("bad", ["APP", [], ()])
def test_projects_must_be_a_non_empty_list(bad):
    with pytest.raises(ValueError, match="non-empty list"):
        build_bug_jql(bad, PERIOD)


def test_bad_margin_raises():
    with pytest.raises(ValueError, match="margin_days"):
        build_bug_jql(["APP"], PERIOD, margin_days=-1)


def test_link_validation_and_fields():
    assert JiraLink().request_fields() == list(JIRA_FIELDS)
    assert JIRA_FIELDS == ("created", "resolutiondate", "priority", "status", "components", "labels")
    assert JiraLink("custom_field", custom_field_id="customfield_10042").request_fields()[-1] == "customfield_10042"
    with pytest.raises(ValueError, match="mode"):
        JiraLink("epic")
    with pytest.raises(ValueError, match="customfield_10042"):
        JiraLink("custom_field")
    with pytest.raises(ValueError, match="customfield_10042"):
        JiraLink("custom_field", custom_field_id="Account")
    with pytest.raises(ValueError, match="only allowed"):
        JiraLink("label", custom_field_id="customfield_1")


def test_component_link_metrics_by_hand():
    page1 = [
        # open since before the month, Highest, label reopened -> open, reopened, critical
        issue("1", "2026-09-15T00:00:00.000+0000", components=["Alpha"], labels=["reopened"], priority="Highest"),
        # created 10-02 00:00, resolved 10-04 12:00 -> resolved in month after 2.5 days
        issue("2", "2026-10-02T00:00:00.000+0000", "2026-10-04T12:00:00.000+0000", components=["Alpha"]),
        # resolved exactly at END (2026-11-01T00:00Z) -> still open at month end, not resolved in month
        issue("3", "2026-10-10T00:00:00.000+0000", "2026-11-01T00:00:00.000+0000", components=["Alpha"],
              priority="Blocker"),
        # resolved exactly at START (2026-10-01T00:00Z, written as 02:00+0200) -> resolved in month, 30 days
        issue("4", "2026-09-01T00:00:00.000+0000", "2026-10-01T02:00:00.000+0200", components=["Alpha"]),
    ]
    page2 = [
        issue("2", "2026-10-02T00:00:00.000+0000", None, components=["Alpha"], priority="Critical"),  # dup
        # 2026-10-31T23:30-0100 = 2026-11-01T00:30Z: created after the month -> nothing
        issue("5", "2026-10-31T23:30:00.000-0100", components=["Alpha"], priority="Blocker"),
        # two accounts on one bug; label 'Reopened' matches case-insensitively; no priority
        issue("6", "2026-10-05T08:00:00.000+0000", components=["Beta", "Gamma"], labels=["Reopened"],
              priority=None),
        # resolved before the month (not returned by the JQL, but harmless): Delta with zeros
        issue("7", "2026-08-01T00:00:00.000+0000", "2026-09-01T00:00:00.000+0000", components=["Delta"]),
        issue("8", "2026-10-05T00:00:00.000+0000", components=[]),  # no component: unlinked
        issue("9", "yesterday", components=["Alpha"]),  # unparseable -> problem, skipped
    ]
    acc = JiraBugAccumulator(JiraLink(), PERIOD)
    acc.add_page(page1)
    acc.add_page(page2)
    result = acc.result()
    assert result["Alpha"] == {
        "open_bugs": 2,  # #1, #3
        "reopened_bugs": 1,  # #1
        "critical_bugs": 2,  # #1 Highest, #3 Blocker (the dup's 'Critical' is ignored)
        "avg_resolution_days": 16.25,  # (2.5 + 30) / 2
        "bug_trend": 1.0,  # created in month #2, #3 = 2; resolved in month #2, #4 = 2 -> 2/2
    }
    beta = {"open_bugs": 1, "reopened_bugs": 1, "critical_bugs": 0, "avg_resolution_days": None,
            "bug_trend": 1.0}  # 1 created / max(0 resolved, 1)
    assert result["Beta"] == beta and result["Gamma"] == beta
    assert result["Delta"] == {"open_bugs": 0, "reopened_bugs": 0, "critical_bugs": 0,
                               "avg_resolution_days": None, "bug_trend": None}  # 0 created, 0 resolved
    assert set(result) == {"Alpha", "Beta", "Gamma", "Delta"}
    assert (acc.issues_seen, acc.duplicates, acc.unlinked) == (9, 1, 1)  # distinct ids 1..9
    assert acc.problems == [("created", "9", "'yesterday'")]


def test_trend_with_more_resolved_than_created():
    acc = JiraBugAccumulator(JiraLink(), PERIOD)
    acc.add_page([
        issue("1", "2026-09-01T00:00:00.000+0000", "2026-10-02T00:00:00.000+0000", components=["A"]),
        issue("2", "2026-09-01T00:00:00.000+0000", "2026-10-03T00:00:00.000+0000", components=["A"]),
        issue("3", "2026-10-01T00:00:00.000+0000", components=["A"]),
    ])
    # created in month 1 / resolved in month 2 = 0.5; resolution days (31 + 32) / 2 = 31.5
    assert acc.result()["A"]["bug_trend"] == 0.5
    assert acc.result()["A"]["avg_resolution_days"] == 31.5


def test_label_link():
    acc = JiraBugAccumulator(JiraLink("label"), PERIOD)
    acc.add_page([issue("1", "2026-10-01T00:00:00.000+0000", labels=["acme"], components=["Alpha"])])
    assert set(acc.result()) == {"acme"}


def test_custom_field_link_accepts_string_option_and_list():
    link = JiraLink("custom_field", custom_field_id="customfield_10042")
    acc = JiraBugAccumulator(link, PERIOD)
    created = "2026-10-03T00:00:00.000+0000"
    acc.add_page([
        issue("1", created, customfield_10042="Acme"),
        issue("2", created, customfield_10042={"self": "x", "value": "Beta", "id": "100"}),
        issue("3", created, customfield_10042=[{"value": "C1"}, {"value": "C2"}, "C3"]),
        issue("4", created, customfield_10042=None),
        issue("5", created, components=["Acme"]),  # components are ignored in this mode
    ])
    result = acc.result()
    assert set(result) == {"Acme", "Beta", "C1", "C2", "C3"}
    assert result["Acme"]["open_bugs"] == 1
    assert acc.unlinked == 2


def test_defaults_match_contract():
    assert METRICS == ("open_bugs", "reopened_bugs", "critical_bugs", "avg_resolution_days", "bug_trend")
    assert DEFAULTS == {"open_bugs": 0, "reopened_bugs": 0, "critical_bugs": 0}
