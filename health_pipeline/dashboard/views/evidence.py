"""Evidence: does the score predict churn? The backtest's AUC, lift and churn rate per tier over the months."""
import pandas as pd
import streamlit as st

from health_pipeline.dashboard import charts
from health_pipeline.dashboard.loading import stored_months_or_stop
from health_pipeline.dashboard.names import BACKTEST, BACKTEST_MEASURES

st.title("Evidence")
stored = stored_months_or_stop()
backtest = stored.optional.get(BACKTEST.asset)
if backtest is None:
    st.info(BACKTEST.missing_message())
    st.stop()

over_months = "period" in backtest.columns
for measure in BACKTEST_MEASURES:
    if over_months and measure in backtest.columns and pd.api.types.is_numeric_dtype(backtest[measure]):
        colour = "tier" if "tier" in backtest.columns else None
        st.plotly_chart(charts.lines_chart(backtest, measure, colour, f"{measure.replace('_', ' ')} per month"))
st.subheader("The backtest as stored")
st.dataframe(backtest, hide_index=True)
