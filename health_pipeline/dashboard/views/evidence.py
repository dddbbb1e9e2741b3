"""Evidence: does the score predict churn? The backtest's AUC, churn rate per tier and lift over the months, and
the learned model beside the rules."""
import streamlit as st

from health_pipeline.dashboard import charts, evidence_frames, summaries
from health_pipeline.dashboard.loading import learned_model_here, stored_months_or_stop
from health_pipeline.dashboard.names import BACKTEST, LEARNED
from health_pipeline.dashboard.store import StoreError
from health_pipeline.settings import ConfigError, default_config_dir, load_config

st.title("Evidence")
stored = stored_months_or_stop()
table = stored.optional.get(BACKTEST.asset)
if table is None:
    st.info(BACKTEST.missing_message())
    st.stop()
problem = evidence_frames.table_problem(table)
if problem is not None:
    st.error(f"{problem}: re-materialise score_backtest (`health-pipeline backtest`).")
    st.stop()

months = evidence_frames.month_rows(table)
pooled = evidence_frames.pooled_row(table)
if months.empty or pooled is None:
    st.info("The stored backtest holds no matured month yet: a month matures once its renewal horizon has passed "
            "(`health-pipeline backtest --as-of` judges an earlier day).")
    st.stop()


def shown(value: object, pattern: str) -> str:
    """A figure for a metric tile; a missing one says so."""
    return "none" if summaries.missing(value) else pattern.format(value)


first, second, third, fourth = st.columns(4)
first.metric("Pooled AUC", shown(pooled["auc"], "{:.3f}"), help="0.5 is a coin toss, 1.0 a perfect ranking")
second.metric("Top-decile lift", shown(pooled["top_decile_lift"], "{:.2f}x"))
third.metric("Account-months judged", int(pooled["n"]))
fourth.metric("Churned", int(pooled["churned"]))

st.plotly_chart(charts.auc_chart(months), theme=None)
left, right = st.columns(2)
left.plotly_chart(charts.churn_by_tier_chart(evidence_frames.churn_by_tier(months)), theme=None)
right.plotly_chart(charts.lift_chart(months), theme=None)

st.subheader("The learned model beside the rules (advice only)")
try:
    learned = learned_model_here()
except StoreError as error:
    st.error(str(error))
    learned = None
else:
    if learned is None:
        st.info(LEARNED.missing_message())
if learned is not None and learned.model_auc is None:
    st.write("Not enough churned and retained accounts in both the older and the newer months to train and test it.")
elif learned is not None:
    st.caption(f"Logistic regression on the metric scores, trained on {learned.trained_on}, tested on "
               f"{learned.tested_on}.")
    model_left, model_right = st.columns(2)
    model_left.plotly_chart(charts.auc_beside_chart(learned.model_auc, learned.rule_auc, learned.tested_on),
                            theme=None)
    try:
        rules = evidence_frames.rule_weights_pct(load_config(default_config_dir()).scoring)
    except ConfigError as error:
        model_right.warning(f"The configured weights cannot be read: {error}")
    else:
        model_right.plotly_chart(charts.weights_chart(
            evidence_frames.weights_beside_rules(learned.suggested_weights_pct, rules)), theme=None)
    with st.expander("Calibration by decile of the predicted churn probability"):
        st.markdown(learned.calibration_markdown)

st.subheader("Per segment, every matured month pooled")
st.dataframe(evidence_frames.segment_rows(table), hide_index=True)
