"""Account: score history over the tier bands, dimension scores, this month's risk factors, attribution, alerts, override."""
import streamlit as st

from health_pipeline.dashboard import charts, summaries
from health_pipeline.dashboard.loading import cached_account_choices, stored_months_or_stop
from health_pipeline.dashboard.names import ALERTS, ATTRIBUTION, OVERRIDES
from health_pipeline.scoring.catalogue import ID_COLUMN

# the picker lists at most this many accounts: every option travels to the browser on each run, and 5,000 of them
# cost a page switch 0.2-0.4 s; the finder reaches the rest
ACCOUNTS_LISTED = 100

st.title("Account")
stored = stored_months_or_stop()
scores = stored.scores
labels = cached_account_choices(stored.location)
asked = st.query_params.get("account")
search = st.text_input("Find an account", placeholder="part of its name or Salesforce id")
ids, matched = summaries.matching_accounts(labels, search, ACCOUNTS_LISTED, keep=asked)
if not ids:
    st.info(f"No account of {stored.months[-1]} matches \"{search.strip()}\".")
    st.stop()
account = st.selectbox("Account (most at risk first)", ids, index=ids.index(asked) if asked in ids else 0,
                       format_func=labels.get)
if matched > len(ids):
    st.caption(f"Listing {len(ids)} of {matched:,} accounts; find narrows the list.")
st.query_params["account"] = account

history = summaries.account_history(scores, account)
row = history.iloc[-1]
st.header(str(row["account_name"]))
score = "no score" if summaries.missing(row["health_score"]) else int(row["health_score"])
st.caption(f"Owner: {row['owner']}")
cols = st.columns(4)
cols[0].metric(f"Health score, {row['period']}", score,
               delta=None if summaries.missing(row.get("score_change")) else int(row["score_change"]))
cols[1].metric("Tier", str(row["tier"]))
cols[2].metric("Segment", str(row["segment"]))
cols[3].metric("Coverage", f"{row['coverage_pct']:.0f}%")

if all(column in history.columns for column in OVERRIDES.columns) and not summaries.missing(row["override_reason"]):
    st.info(f"Override in force: published {score} instead of the computed {row['computed_score']}; "
            f"reason: {row['override_reason']}; expires {row['override_expires']}.")

chart_left, chart_right = st.columns(2)
chart_left.plotly_chart(charts.score_history_chart(history), theme=None)
chart_right.plotly_chart(charts.dimension_chart(summaries.dimension_history(history)), theme=None)

st.subheader(f"Risk factors, {row['period']}")
factors = summaries.risk_factors(row)
st.markdown("\n".join(f"{rank}. `{name}`" for rank, name in enumerate(factors, 1)) or "No metric cost this account points.")

st.subheader("Why the score moved")
movers_text = row.get(ATTRIBUTION.columns[0])
try:
    contributions = summaries.parse_movers(movers_text)
except ValueError as error:
    contributions, movers_text = [], None
    st.warning(f"The stored attribution of {row['period']} cannot be read: {error}.")
if ATTRIBUTION.columns[0] not in history.columns:
    st.info(ATTRIBUTION.missing_message())
elif contributions:
    st.plotly_chart(charts.waterfall_chart(contributions, f"Top movers, {row['period']} (signed points)"),
                    theme=None)
elif movers_text is not None:
    st.write("No attribution this month (the account lacks a score in this month or the one before).")

st.subheader("Alerts and tasks")
alerts = stored.optional.get(ALERTS.asset)
if alerts is None:
    st.info(ALERTS.missing_message())
elif (mine := alerts[alerts[ID_COLUMN] == account] if ID_COLUMN in alerts.columns else alerts.iloc[0:0]).empty:
    st.write("No alert for this account in the stored months.")
else:
    st.dataframe(mine, hide_index=True)
