"""The pages' one way to the stored months: cached per store, errors and an empty store shown as one sentence."""
from __future__ import annotations

import streamlit as st

from health_pipeline.dashboard.history import StoredMonths, load_stored_months
from health_pipeline.dashboard.names import EMPTY_STORE
from health_pipeline.dashboard.store import StoreError, store_from_environ
from health_pipeline.deployment.errors import ProfileError

CACHE_SECONDS = 300  # a month is scored once a month: five minutes old is fresh enough, and Reload clears it


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Reading the stored months ...")
def cached_months(location: str) -> StoredMonths:
    """Every stored month of the store at `location` (the cache key; the store itself comes from the environment)."""
    return load_stored_months(store_from_environ())


def stored_months_or_stop() -> StoredMonths:
    """The stored months; a store that cannot be read, or holds no scored month, ends the page with one sentence."""
    try:
        months = cached_months(store_from_environ().location)
    except (StoreError, ProfileError) as error:
        st.error(str(error))
        st.stop()
    with st.sidebar:
        st.caption(f"Reading {months.location} ({len(months.months)} months, read-only)")
        if st.button("Reload", help="Read the store again (new months, new assets)"):
            cached_months.clear()
            st.rerun()
    if months.empty:
        st.info(EMPTY_STORE)
        st.stop()
    return months
