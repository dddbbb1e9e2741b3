"""Every page of the dashboard, run by Streamlit's AppTest on months the sandbox produced, on an empty store, on a
store holding what other parts of the pipeline add (the pages light up), and on a damaged store (one sentence)."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from health_pipeline.dashboard.names import (
    ALERTS,
    ATTRIBUTION,
    BACKTEST,
    DELIVERY_LOG,
    EMPTY_STORE,
    LEARNED,
    OWNER,
    OWNER_UNKNOWN,
)
from health_pipeline.dashboard.store import LocalAssetStore
from health_pipeline.scoring.catalogue import ID_COLUMN
from health_pipeline_tests.dashboard.conftest import APP, MONTHS

PAGES = {"portfolio": "Portfolio", "movers": "Movers", "account": "Account", "evidence": "Evidence",
         "quality": "Data quality and delivery"}


def open_page(home: Path, monkeypatch: pytest.MonkeyPatch, page: str, **query: str) -> AppTest:
    """Run the app on DAGSTER_HOME=home and switch to `page`; the run must not raise."""
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("HEALTH_PIPELINE_OUTPUT_DIR", str(home / "output"))  # where the delivery log would be
    monkeypatch.delenv("HEALTH_PIPELINE_PROFILE", raising=False)
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.query_params.update(query)
    app.run()
    if page != "portfolio":
        app.switch_page(f"views/{page}.py").run()
    assert not app.exception, [exception.value for exception in app.exception]
    assert [title.value for title in app.title] == [PAGES[page]]
    return app


def texts(elements) -> str:
    """Every value of some elements, joined (to search for a sentence)."""
    return " ".join(str(element.value) for element in elements)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_the_sandbox_months_without_error(scored_home, monkeypatch, page):
    app = open_page(scored_home, monkeypatch, page)
    assert not app.error, texts(app.error)
    assert EMPTY_STORE not in texts(app.info)


def test_portfolio_shows_the_latest_month_and_charts_every_month(scored_home, monkeypatch):
    app = open_page(scored_home, monkeypatch, "portfolio")
    assert app.metric[0].label == f"Accounts scored, {MONTHS[-1]}"
    assert app.metric[0].value == "200"
    tier_mix = app.get("plotly_chart")[0].proto.spec
    assert all(month in tier_mix for month in MONTHS)
    assert OWNER.missing_message() not in texts(app.info)


def test_portfolio_filters_and_counts_by_the_owners_salesforce_names(scored_home, monkeypatch):
    october = LocalAssetStore(scored_home / "storage").load("account_health_scores", MONTHS[-1])
    names = sorted(october["owner_name"].dropna().unique())
    assert len(names) > 1 and october["owner_id"].notna().all()  # every sandbox account has an owner
    app = open_page(scored_home, monkeypatch, "portfolio")
    assert app.multiselect[1].options == names
    per_owner = app.get("plotly_chart")[3].proto.spec
    assert all(name in per_owner for name in names)
    app.multiselect[1].select(names[0]).run()
    assert int(app.metric[0].value) == int((october["owner_name"] == names[0]).sum())


def test_portfolio_filters_narrow_the_accounts(scored_home, monkeypatch):
    app = open_page(scored_home, monkeypatch, "portfolio")
    app.multiselect[2].select("Critical").run()
    critical = int(app.metric[0].value)
    assert 0 < critical < 200


def test_account_page_follows_the_account_in_the_address(scored_home, monkeypatch):
    store = LocalAssetStore(scored_home / "storage")
    october = store.load("account_health_scores", MONTHS[-1]).set_index(ID_COLUMN)
    account = october.index[5]
    app = open_page(scored_home, monkeypatch, "account", account=account)
    assert app.header[0].value == october.loc[account, "account_name"]
    assert app.metric[1].value == october.loc[account, "tier"]
    for data in (ATTRIBUTION, ALERTS):  # the monthly job attributes changes and raises alerts
        assert data.missing_message() not in texts(app.info)


def test_the_account_finder_narrows_the_picker_and_an_account_beyond_the_list_opens_from_the_address(
        scored_home, monkeypatch):
    october = LocalAssetStore(scored_home / "storage").load("account_health_scores", MONTHS[-1])
    ranked = october.sort_values(["health_score", ID_COLUMN])
    app = open_page(scored_home, monkeypatch, "account")
    assert len(app.selectbox[0].options) == 100 and "Listing 100 of 200 accounts" in texts(app.caption)
    healthiest = ranked.iloc[-1]
    assert app.selectbox[0].value != healthiest[ID_COLUMN]
    app.text_input[0].input(healthiest[ID_COLUMN].lower()).run()
    assert app.selectbox[0].value == healthiest[ID_COLUMN] and app.header[0].value == healthiest["account_name"]
    app.text_input[0].input("no such account").run()
    assert not app.exception and 'matches "no such account"' in texts(app.info)
    beyond = open_page(scored_home, monkeypatch, "account", account=healthiest[ID_COLUMN])
    assert beyond.selectbox[0].value == healthiest[ID_COLUMN] and beyond.header[0].value == healthiest["account_name"]


@pytest.mark.parametrize("page, data", [("evidence", BACKTEST), ("quality", DELIVERY_LOG)])
def test_a_page_whose_data_is_not_produced_yet_says_what_produces_it(scored_home, monkeypatch, page, data):
    app = open_page(scored_home, monkeypatch, page)
    assert data.missing_message() in texts(app.info)


@pytest.mark.parametrize("page", PAGES)
def test_an_empty_store_says_how_to_score_months(empty_home, monkeypatch, page):
    app = open_page(empty_home, monkeypatch, page)
    assert texts(app.info) == EMPTY_STORE


def test_the_pages_light_up_when_the_other_assets_and_columns_exist(lit_home, monkeypatch):
    october = LocalAssetStore(lit_home / "storage").load("account_health_scores", MONTHS[-1])
    account = october[ID_COLUMN].iloc[0]
    page = open_page(lit_home, monkeypatch, "account", account=account)
    assert "Override in force" in texts(page.info) and "Renewal signed early" in texts(page.info)
    assert not any(data.missing_message() in texts(page.info) for data in (ATTRIBUTION, ALERTS))
    assert len(page.get("plotly_chart")) == 3  # history, dimensions and the attribution waterfall
    assert account in texts(page.dataframe)  # the alert row
    evidence = open_page(lit_home, monkeypatch, "evidence")
    assert not evidence.error and len(evidence.get("plotly_chart")) == 3  # AUC, churn per tier and lift per month
    assert texts(evidence.info) == LEARNED.missing_message()  # a store without its instance: said, not raised
    quality = open_page(lit_home, monkeypatch, "quality")
    assert DELIVERY_LOG.missing_message() not in texts(quality.info)
    portfolio = open_page(lit_home, monkeypatch, "portfolio")
    assert OWNER.missing_message() not in texts(portfolio.info)
    assert OWNER_UNKNOWN in portfolio.multiselect[1].options  # 2026-08 was stored before the scores had owners
    portfolio.multiselect[1].select(OWNER_UNKNOWN).run()
    assert not portfolio.exception and portfolio.metric[0].label == "Accounts scored, 2026-08"


def test_a_damaged_stored_month_is_one_sentence_naming_it(scored_home, tmp_path, monkeypatch):
    home = tmp_path / "damaged"
    (home / "storage" / "account_health_scores").mkdir(parents=True)
    (home / "storage" / "account_health_scores" / "2026-10").write_bytes(b"not a pickle")
    app = open_page(home, monkeypatch, "portfolio")
    assert "account_health_scores 2026-10" in texts(app.error)


def test_quality_page_shows_each_months_check_verdicts_from_the_instance(scored_home, monkeypatch):
    app = open_page(scored_home, monkeypatch, "quality")
    verdicts = app.dataframe[0].value
    assert list(verdicts["period"]) == list(MONTHS[::-1])
    assert "scores_in_range (blocking)" in verdicts.columns and "coverage_floor" in verdicts.columns
    assert set(verdicts.drop(columns="period").to_numpy().ravel()) == {"passed"}


def test_a_filter_that_matches_nothing_says_so(scored_home, monkeypatch):
    app = open_page(scored_home, monkeypatch, "portfolio")
    app.multiselect[2].select("No Data").run()  # every sandbox account has a score
    assert not app.exception and texts(app.info) == "No account matches these filters."


def test_accounts_without_a_score_show_no_mean_rather_than_a_number(lit_home, monkeypatch):
    app = open_page(lit_home, monkeypatch, "portfolio")
    app.multiselect[2].select("No Data").run()
    assert not app.exception
    assert app.metric[0].value == "0" and app.metric[1].value == "no score"


def test_evidence_charts_the_stored_backtest_and_the_learned_model_beside_the_rules(backtested_home, monkeypatch):
    table = LocalAssetStore(backtested_home / "storage").load("score_backtest")
    pooled = table.set_index("months").loc["pooled"]
    app = open_page(backtested_home, monkeypatch, "evidence")
    assert not app.error and not app.info, texts(app.error) + texts(app.info)
    assert app.metric[0].value == f"{pooled['auc']:.3f}" and app.metric[2].value == str(int(pooled["n"]))
    charts = [chart.proto.spec for chart in app.get("plotly_chart")]
    assert len(charts) == 5  # AUC, churn per tier, lift per month; learned AUC beside the rule's; the weights
    assert all(month in charts[0] for month in MONTHS)
    assert all(tier in charts[1] for tier in ("Champion", "Healthy", "At Risk", "Critical"))
    assert "rule score" in charts[3] and "learned model" in charts[3]
    assert "rules (configured)" in charts[4] and "platform_value" in charts[4]
