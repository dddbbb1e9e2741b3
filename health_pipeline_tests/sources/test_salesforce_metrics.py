"""Salesforce IDs are validated without echoing huge input; the four SOQL statements match the data
contract exactly, escape string literals and are chunked only when over the URL-length limit with each
ID exactly once; SalesforceAccumulator matches 18-char record IDs to 15-char mapping IDs and computes
every metric by hand-checked arithmetic, turning unknown picklist values into None plus a problem."""

import re
from urllib.parse import quote_plus

import pytest

from health_pipeline.sources.common.period import Period
from health_pipeline.sources.salesforce.metrics import (
    DEFAULTS,
    MAX_QUERY_CHARS,
    METRICS,
    PHASE2_FIELDS,
    SalesforceAccumulator,
    chunked_in_queries,
    phase2_fields_present,
    soql_queries,
    tier_alignment,
    validate_salesforce_id,
    whole_months,
)

PERIOD = Period.parse("2026-10")  # month end (exclusive) 2026-11-01
A15 = "001000000000AAA"  # mapping holds the 15-char form
A18 = "001000000000AAAIAU"  # what Salesforce returns for it
B18 = "001000000000BBBQAA"
C15 = "001000000000CCC"  # in the mapping, in no record


@pytest.mark.parametrize("good", [A15, A18, "a" * 15, "Z9" * 9])
def test_valid_ids(good):
    assert validate_salesforce_id(good) == good


@pytest.mark.parametrize("bad", ["0" * 14, "0" * 16, "0" * 17, "0" * 19, "001000000000AA'", "001000000000AA ", None, 1])
def test_invalid_ids_raise(bad):
    with pytest.raises(ValueError, match="invalid Salesforce ID"):
        validate_salesforce_id(bad)


def test_invalid_id_message_is_truncated():
    with pytest.raises(ValueError) as info:
        validate_salesforce_id("x" * 100_000)
    assert len(str(info.value)) < 200


def test_soql_exact_without_phase2():
    queries = soql_queries(PERIOD, [A15, B18], phase2_fields_present=False)
    ids = "('001000000000AAA','001000000000BBBQAA')"
    assert queries == {
        "Account": [
            "SELECT Id, Name, ARR__c, Prior_Year_ARR__c, Payment_Status__c, Contracted_Tier__c, Usage_Tier__c,"
            f" OwnerId, Owner.Name FROM Account WHERE Id IN {ids}"
        ],
        "Opportunity": [
            "SELECT Id, AccountId, CloseDate FROM Opportunity WHERE Type = 'Renewal' AND CloseDate >= 2026-11-01"
            f" AND AccountId IN {ids}"
        ],
        "Contract": [
            "SELECT Id, AccountId, StartDate FROM Contract WHERE Change_Type__c = 'Downgrade'"
            f" AND StartDate >= 2025-11-01 AND StartDate < 2026-11-01 AND AccountId IN {ids}"
        ],
        "Churn_Signal__c": [
            "SELECT Id, Account__c, Severity__c FROM Churn_Signal__c WHERE Detected_Date__c < 2026-11-01"
            f" AND (Resolved_Date__c = null OR Resolved_Date__c >= 2026-11-01) AND Account__c IN {ids}"
        ],
    }


def test_soql_phase2_fields_and_december():
    account = soql_queries(Period.parse("2025-12"), [A15], phase2_fields_present=True)["Account"][0]
    assert account.startswith(
        "SELECT Id, Name, ARR__c, Prior_Year_ARR__c, Payment_Status__c, Contracted_Tier__c, Usage_Tier__c,"
        " OwnerId, Owner.Name, QBR_Attendance_Rate__c, Champion_Since__c, Expansion_Signals__c FROM Account WHERE Id IN"
    )
    contract = soql_queries(Period.parse("2025-12"), [A15], False)["Contract"][0]
    assert "StartDate >= 2025-01-01 AND StartDate < 2026-01-01" in contract
    assert PHASE2_FIELDS == ("QBR_Attendance_Rate__c", "Champion_Since__c", "Expansion_Signals__c")
    assert phase2_fields_present(["Id", *PHASE2_FIELDS]) and not phase2_fields_present(["Id", "Champion_Since__c"])


def test_soql_no_accounts_no_statements():
    assert soql_queries(PERIOD, [], True) == {"Account": [], "Opportunity": [], "Contract": [], "Churn_Signal__c": []}


def test_soql_rejects_bad_id():
    with pytest.raises(ValueError, match="invalid Salesforce ID"):
        soql_queries(PERIOD, [A15, "001' OR Name != '"], False)


def test_string_literals_are_escaped():
    # a quote becomes \' and a backslash becomes \\ inside the SOQL string literal
    statements = chunked_in_queries("SELECT Id FROM Account WHERE", "Name", ["O'Brien \\ Sons", "Plain"])
    assert statements == ["SELECT Id FROM Account WHERE Name IN ('O\\'Brien \\\\ Sons','Plain')"]


def _ids(n):
    return [f"001{i:012d}AAA" for i in range(n)]


def test_chunking_splits_exactly_when_over_the_limit():
    ids = _ids(10)
    whole = soql_queries(PERIOD, ids, False)["Opportunity"]
    assert len(whole) == 1
    limit = len(quote_plus(whole[0]))  # the exact URL-encoded length of the one statement
    assert soql_queries(PERIOD, ids, False, max_query_chars=limit)["Opportunity"] == whole
    split = soql_queries(PERIOD, ids, False, max_query_chars=limit - 1)["Opportunity"]
    assert len(split) == 2
    # the first chunk is as full as possible: 9 IDs; the last ID goes alone to the second
    assert [s.count("'001") for s in split] == [9, 1]
    assert [v for s in split for v in re.findall(r"'(001\w+)'", s)] == ids  # each ID once, in order


def test_chunking_default_limit_every_id_once_in_order():
    ids = _ids(2000) + _ids(3)  # the repeated 3 must not appear twice
    queries = soql_queries(PERIOD, ids, True)
    for statements in queries.values():
        assert len(statements) > 1
        assert all(len(quote_plus(s)) <= MAX_QUERY_CHARS for s in statements)
        seen = [value.strip("'") for s in statements for value in s[s.rindex("(") + 1:-1].split(",")]
        assert seen == _ids(2000)


def test_chunking_limit_too_small_raises():
    with pytest.raises(ValueError, match="cannot fit"):
        soql_queries(PERIOD, [A15], False, max_query_chars=50)


def rec(sobject, rid=None, **fields):
    """A simple_salesforce query record."""
    record = {"attributes": {"type": sobject, "url": f"/services/data/v59.0/sobjects/{sobject}/{rid or 'x'}"}}
    if rid and sobject == "Account":
        record["Id"] = rid
    record.update(fields)
    return record


def account(rid, **fields):
    base = {"Name": "Co", "ARR__c": None, "Prior_Year_ARR__c": None, "Payment_Status__c": None,
            "Contracted_Tier__c": None, "Usage_Tier__c": None}
    base.update(fields)
    return rec("Account", rid, **base)


def filled_accumulator(phase2=True):
    acc = SalesforceAccumulator(PERIOD, phase2, [A15, B18, C15])
    acc.add_accounts([
        account(A18, ARR__c=120000.0, Prior_Year_ARR__c=100000.0, Payment_Status__c="1-30 Days Late",
                Contracted_Tier__c="Gold", Usage_Tier__c="Silver", QBR_Attendance_Rate__c=75.0,
                Champion_Since__c="2026-05-15", Expansion_Signals__c=2.0),
        account(B18, ARR__c=90000.0, Prior_Year_ARR__c=0.0, Payment_Status__c="Late-ish",
                Contracted_Tier__c="Silver", Usage_Tier__c="Platinum", QBR_Attendance_Rate__c=None,
                Champion_Since__c="2024-11-01", Expansion_Signals__c=None),
        account("001000000000aaaIAU", ARR__c=1.0),  # lower-case: a different account, not mapped
    ])
    acc.add_renewals([
        rec("Opportunity", AccountId=A18, CloseDate="2027-01-15"),
        rec("Opportunity", AccountId=A18, CloseDate="2026-12-01"),
        rec("Opportunity", AccountId=A18, CloseDate="2026-10-31"),  # before month end: ignored
        rec("Opportunity", AccountId=B18, CloseDate="2026-11-01"),
    ])
    acc.add_contracts([
        rec("Contract", AccountId=A18, StartDate="2025-11-01"),  # first day of the 12 months: in
        rec("Contract", AccountId=A18, StartDate="2026-10-31"),  # in
        rec("Contract", AccountId=A18, StartDate="2025-10-31"),  # before: out
        rec("Contract", AccountId=A18, StartDate="2026-11-01"),  # at month end: out
    ])
    acc.add_signals([
        rec("Churn_Signal__c", "a0A1", Account__c=A18, Severity__c="Critical"),
        rec("Churn_Signal__c", "a0A2", Account__c=A18, Severity__c="Watch"),
        rec("Churn_Signal__c", "a0A3", Account__c=A18, Severity__c="Watch"),
        rec("Churn_Signal__c", "a0A4", Account__c=B18, Severity__c="Moderate"),
        rec("Churn_Signal__c", "a0A5", Account__c=B18, Severity__c="Severe"),  # unknown picklist value
        rec("Churn_Signal__c", "a0A6", Account__c="001000000000ZZZ", Severity__c="Critical"),  # unmapped
    ])
    return acc


def test_accumulator_by_hand():
    acc = filled_accumulator()
    result = acc.result()
    assert set(result) == {A15, B18}  # reported under the mapping's own IDs; C15 appears nowhere
    assert result[A15] == {
        "days_to_renewal": 30,  # 2026-11-01 -> 2026-12-01 (earliest on/after month end)
        "payment_health": 70,  # 1-30 Days Late
        "contract_changes": 2,  # 2025-11-01 and 2026-10-31
        "arr_trajectory_pct": 20.0,  # 100 * (120000 - 100000) / 100000
        "tier_alignment": 40,  # usage Silver one below contracted Gold
        "qbr_attendance": 75.0,
        "champion_stability": 5,  # 2026-05-15 -> 2026-11-01: 6 month steps, minus 1 (day 1 < day 15)
        "expansion_signals": 2.0,
        "critical_signals": 1, "moderate_signals": 0, "watch_signals": 2,
    }
    assert result[B18] == {
        "days_to_renewal": 0,  # closes exactly at month end
        "payment_health": None,  # 'Late-ish' unknown -> None, reported
        "contract_changes": 0,
        "arr_trajectory_pct": None,  # prior ARR 0
        "tier_alignment": 75,  # usage Platinum above contracted Silver
        "qbr_attendance": None,
        "champion_stability": 24,  # 2024-11-01 -> 2026-11-01
        "expansion_signals": None,
        "critical_signals": 0, "moderate_signals": 1, "watch_signals": 0,  # 'Severe' not counted
    }
    assert acc.problems == [
        ("Payment_Status__c", B18, "'Late-ish'"),
        ("Severity__c", "a0A5", "'Severe'"),  # record Id taken from attributes.url
    ]
    assert acc.unmatched == 2
    assert acc.missing_accounts == [C15]


def test_phase2_absent_gives_none():
    result = filled_accumulator(phase2=False).result()[A15]
    assert (result["qbr_attendance"], result["champion_stability"], result["expansion_signals"]) == (None,) * 3
    assert result["payment_health"] == 70


def test_signals_without_account_record_and_unknown_tier():
    acc = SalesforceAccumulator(PERIOD, True, [A15])
    acc.add_signals([rec("Churn_Signal__c", "s1", Account__c=A18, Severity__c="Critical")])
    assert acc.result()[A15]["critical_signals"] == 1
    assert acc.result()[A15]["payment_health"] is None  # no Account record: account fields None
    acc.add_accounts([account(A18, Contracted_Tier__c="Diamond", Usage_Tier__c="Gold", ARR__c=5.0)])
    assert acc.result()[A15]["tier_alignment"] is None
    assert acc.result()[A15]["arr_trajectory_pct"] is None  # prior ARR missing
    assert acc.problems == [("Contracted_Tier__c", A18, "'Diamond'")]


def test_mapping_with_same_account_twice_raises():
    with pytest.raises(ValueError, match="same account"):
        SalesforceAccumulator(PERIOD, False, [A15, A18])


def test_tier_ladder_and_months():
    # ladder Bronze 0 < Silver 1 < Gold 2 < Platinum 3; arguments are (contracted, usage)
    assert [tier_alignment(2, 2), tier_alignment(1, 3), tier_alignment(2, 1), tier_alignment(3, 1),
            tier_alignment(3, 0)] == [100, 75, 40, 0, 0]
    from datetime import date
    assert whole_months(date(2026, 10, 1), date(2026, 11, 1)) == 1
    assert whole_months(date(2026, 10, 2), date(2026, 11, 1)) == 0
    assert whole_months(date(2027, 1, 1), date(2026, 11, 1)) == 0  # champion newer than month end


def test_constants():
    assert len(METRICS) == 11 and DEFAULTS == {}


def test_owner_of_the_wrong_shape_is_a_problem_and_stays_missing():
    acc = SalesforceAccumulator(PERIOD, False, [A15, B18, C15])
    acc.add_accounts([
        {"Id": A18, "OwnerId": "005000000000001AAA", "Owner": {"attributes": {"type": "User"}, "Name": "Dana Whitfield"}},
        {"Id": B18, "OwnerId": 5, "Owner": "Lee Okafor"},  # a number for an Id, a string where the User object goes
        {"Id": C15 + "AAA", "OwnerId": None, "Owner": None},
    ])
    assert acc.owners() == {A15: {"owner_id": "005000000000001AAA", "owner_name": "Dana Whitfield"},
                            B18: {"owner_id": None, "owner_name": None},
                            C15: {"owner_id": None, "owner_name": None}}
    assert [(field, record) for field, record, _ in acc.problems] == [("OwnerId", B18), ("Owner.Name", B18)]
