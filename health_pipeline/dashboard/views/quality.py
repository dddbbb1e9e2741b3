"""Data quality and delivery: coverage per source and dimension over the months, unconfigured sources, check results,
the delivery log."""
import streamlit as st

from health_pipeline.dashboard import charts, summaries
from health_pipeline.dashboard.loading import check_results_here, delivery_log_here, stored_months_or_stop
from health_pipeline.dashboard.names import CHECKS, DELIVERY_LOG

st.title("Data quality and delivery")
stored = stored_months_or_stop()

st.plotly_chart(charts.lines_chart(stored.sources, "accounts_with_data_pct", "source",
                                   "Accounts with data per source (%)", percent=True), theme=None)
st.plotly_chart(charts.lines_chart(summaries.dimension_coverage(stored.scores), "coverage_pct", "dimension",
                                   "Mean coverage per dimension (%)", percent=True), theme=None)

st.subheader("Unconfigured sources")
unconfigured = stored.sources[stored.sources["configured"].eq(False)]
if unconfigured.empty:
    st.write("Every source had credentials in every stored month.")
else:
    st.dataframe(unconfigured[["period", "source"]], hide_index=True)

st.subheader("Checks on the scores")
results = check_results_here()
if results is None:
    st.info(CHECKS.missing_message())
elif results.empty:
    st.write("No check has been evaluated on the stored months.")
else:
    st.dataframe(summaries.check_matrix(results), hide_index=True)

st.subheader("Delivery log")
log = delivery_log_here()
if log is None:
    st.info(DELIVERY_LOG.missing_message())
else:
    st.dataframe(log, hide_index=True)
