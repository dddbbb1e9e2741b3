"""The read-only Streamlit dashboard over the stored months (portfolio, movers, account, evidence, data quality)."""
