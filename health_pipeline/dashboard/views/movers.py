"""Movers: the month's largest drops and rises of the health score, with their attribution when it is stored."""
import streamlit as st

from health_pipeline.dashboard import charts, summaries
from health_pipeline.dashboard.loading import stored_months_or_stop
from health_pipeline.dashboard.names import ATTRIBUTION
from health_pipeline.scoring.catalogue import ID_COLUMN

st.title("Movers")
stored = stored_months_or_stop()
month = st.selectbox("Month", stored.months[::-1])
drops, rises = summaries.movers(stored.scores[stored.scores["period"] == month], st.slider("Accounts", 5, 50, 10))
movers_column = ATTRIBUTION.columns[0]
if movers_column not in stored.scores.columns:
    st.info(ATTRIBUTION.missing_message())
shown = ["account_name", "previous_score", "health_score", "change", "tier",
         *([movers_column] if movers_column in stored.scores.columns else []), "top_risk_factors", ID_COLUMN]

for title, frame in ((f"Largest drops, {month}", drops), (f"Largest rises, {month}", rises)):
    st.subheader(title)
    if frame.empty:
        st.write("None: no account has a score in both this month and the month before, or none moved this way.")
        continue
    left, right = st.columns([2, 3])
    left.plotly_chart(charts.changes_chart(frame, "Score change (points)"), theme=None)
    right.dataframe(frame[shown], hide_index=True)
