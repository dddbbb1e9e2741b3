"""The dashboard's entry point (`streamlit run` this file, or `health-pipeline dashboard`): the pages and their order."""
from pathlib import Path

import streamlit as st

VIEWS = Path(__file__).parent / "views"
PAGES = [
    st.Page(VIEWS / "portfolio.py", title="Portfolio", icon=":material/dashboard:", default=True),
    st.Page(VIEWS / "movers.py", title="Movers", icon=":material/swap_vert:"),
    st.Page(VIEWS / "account.py", title="Account", icon=":material/person:"),
    st.Page(VIEWS / "evidence.py", title="Evidence", icon=":material/query_stats:"),
    st.Page(VIEWS / "quality.py", title="Data quality and delivery", icon=":material/fact_check:"),
]

st.set_page_config(page_title="Account health", page_icon=":material/monitor_heart:", layout="wide")
st.navigation(PAGES).run()
