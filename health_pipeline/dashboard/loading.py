"""The pages' one way to the stored months: cached per store, errors and an empty store shown as one sentence."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from health_pipeline.dashboard.history import StoredMonths, load_stored_months
from health_pipeline.dashboard.learned import LearnedModel
from health_pipeline.dashboard.names import EMPTY_STORE
from health_pipeline.dashboard.portfolio_view import PortfolioView, portfolio_view
from health_pipeline.dashboard.store import StoreError, delivery_log_from_environ, instance_home, store_from_environ
from health_pipeline.dashboard.summaries import account_choices
from health_pipeline.deployment.errors import ProfileError

CACHE_SECONDS = 300  # a month is scored once a month: five minutes old is fresh enough, and Reload clears it


# one shared object, not a copy per run (cache_data would unpickle ~35 MB on every page switch of 24 x 5,000):
# the pages only read it (they derive new frames, never assign into these)
@st.cache_resource(ttl=CACHE_SECONDS, show_spinner="Reading the stored months ...")
def cached_months(location: str) -> StoredMonths:
    """Every stored month of the store at `location` (the cache key; the store itself comes from the environment)."""
    return load_stored_months(store_from_environ())


# built once per filter choice and shared (the charts of 24 x 5,000 take a third of a second to build); the
# page only hands the figures to plotly_chart, which does not change them
@st.cache_resource(ttl=CACHE_SECONDS, max_entries=64, show_spinner=False)
def cached_portfolio(location: str, segments: tuple[str, ...], owners: tuple[str, ...],
                     tiers: tuple[str, ...]) -> PortfolioView | None:
    """The Portfolio page for one filter choice over the months stored at `location`."""
    return portfolio_view(cached_months(location).scores, segments, owners, tiers)


@st.cache_resource(ttl=CACHE_SECONDS, max_entries=4, show_spinner=False)
def cached_account_choices(location: str) -> dict[str, str]:
    """The Account page's choices over the months stored at `location`: id -> label, most at risk first."""
    return account_choices(cached_months(location).scores)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Reading the check results ...")
def cached_check_results(home: str) -> pd.DataFrame | None:
    """The checks' latest verdict per month from the instance in `home`; None when there is no instance there."""
    from health_pipeline.dashboard.checks import check_results, has_instance

    return check_results(Path(home)) if has_instance(Path(home)) else None


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def cached_learned_model(home: str) -> LearnedModel | None:
    """The learned model of the latest backtest in the instance in `home`; None without an instance or a backtest."""
    from health_pipeline.dashboard.checks import has_instance
    from health_pipeline.dashboard.learned import learned_model

    return learned_model(Path(home)) if has_instance(Path(home)) else None


def learned_model_here() -> LearnedModel | None:
    """The learned model beside the rules, from the instance the environment names."""
    return cached_learned_model(str(instance_home(os.environ).resolve()))


def check_results_here() -> pd.DataFrame | None:
    """The check results of the instance the environment names (DAGSTER_HOME, else ./.dagster_home)."""
    return cached_check_results(str(instance_home(os.environ).resolve()))


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def cached_delivery_log(location: str) -> pd.DataFrame:
    """The delivery log's rows (`location` is the cache key; the log's place comes from the environment)."""
    return delivery_log_from_environ()


def delivery_log_here() -> pd.DataFrame | None:
    """The delivery log, or None while no live delivery has been logged."""
    log = cached_delivery_log(os.environ.get("HEALTH_PIPELINE_OUTPUT_DIR", "") + os.environ.get("DAGSTER_HOME", ""))
    return None if log.empty else log


def shown_location(location: str) -> str:
    """The store's location, relative to the working folder when it lies inside it."""
    try:
        return str(Path(location).relative_to(Path.cwd()))
    except ValueError:
        return location


def stored_months_or_stop() -> StoredMonths:
    """The stored months; a store that cannot be read, or holds no scored month, ends the page with one sentence."""
    try:
        months = cached_months(store_from_environ().location)
    except (StoreError, ProfileError) as error:
        st.error(str(error))
        st.stop()
    with st.sidebar:
        st.caption(f"Reading {shown_location(months.location)} ({len(months.months)} months, read-only)")
        if st.button("Reload", help="Read the store again (new months, new assets)"):
            cached_months.clear()
            cached_portfolio.clear()
            cached_account_choices.clear()
            cached_check_results.clear()
            cached_learned_model.clear()
            st.rerun()
    if months.empty:
        st.info(EMPTY_STORE)
        st.stop()
    return months
