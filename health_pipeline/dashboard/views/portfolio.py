"""Portfolio: tier mix, mean score and coverage over the months, and this month's accounts per segment and owner."""
import streamlit as st

from health_pipeline.dashboard import charts, summaries
from health_pipeline.dashboard.loading import stored_months_or_stop
from health_pipeline.dashboard.names import OWNER, TIER_ORDER

st.title("Portfolio")
stored = stored_months_or_stop()
scores = stored.scores
owners_known = summaries.owners_known(stored.scores)

left, middle, right = st.columns(3)
segments = left.multiselect("Segment", sorted(scores["segment"].dropna().unique()))
owners = middle.multiselect("Owner", sorted(scores["owner"].unique()), disabled=not owners_known)
tiers = right.multiselect("Tier", list(TIER_ORDER))
chosen = summaries.filtered(scores, segments, owners, tiers)
if chosen.empty:
    st.info("No account matches these filters.")
    st.stop()

month = summaries.latest_month(chosen)
this_month = chosen[chosen["period"] == month]
means = summaries.monthly_means(chosen).set_index("period")
first, second, third = st.columns(3)
first.metric(f"Accounts scored, {month}", int(means.loc[month, "scored"]), help="accounts with a health score")
mean_score = means.loc[month, "mean_score"]
second.metric("Mean health score", "no score" if summaries.missing(mean_score) else f"{mean_score:.1f}")
third.metric("Mean coverage", f"{means.loc[month, 'mean_coverage_pct']:.0f}%")

st.plotly_chart(charts.tier_mix_chart(summaries.tier_mix(chosen)))
st.plotly_chart(charts.means_chart(means.reset_index()))
st.subheader(f"Accounts per segment and owner, {month}")
by_segment, by_owner = st.columns(2)
by_segment.plotly_chart(charts.counts_chart(summaries.counts_by(this_month, "segment"), "segment", "Per segment"))
if not summaries.owners_known(this_month):
    by_owner.info(OWNER.missing_message())
else:
    by_owner.plotly_chart(charts.counts_chart(summaries.counts_by(this_month, "owner"), "owner", "Per owner"))
