"""Portfolio: tier mix, mean score and coverage over the months, and this month's accounts per segment and owner."""
import streamlit as st

from health_pipeline.dashboard import summaries
from health_pipeline.dashboard.loading import cached_portfolio, stored_months_or_stop
from health_pipeline.dashboard.names import OWNER, TIER_ORDER

st.title("Portfolio")
stored = stored_months_or_stop()
scores = stored.scores
owners_known = summaries.owners_known(stored.scores)

left, middle, right = st.columns(3)
segments = left.multiselect("Segment", sorted(scores["segment"].dropna().unique()))
owners = middle.multiselect("Owner", sorted(scores["owner"].unique()), disabled=not owners_known)
tiers = right.multiselect("Tier", list(TIER_ORDER))
view = cached_portfolio(stored.location, tuple(segments), tuple(owners), tuple(tiers))
if view is None:
    st.info("No account matches these filters.")
    st.stop()

first, second, third = st.columns(3)
first.metric(f"Accounts scored, {view.month}", view.scored, help="accounts with a health score")
second.metric("Mean health score", "no score" if view.mean_score is None else f"{view.mean_score:.1f}")
third.metric("Mean coverage", f"{view.mean_coverage_pct:.0f}%")

st.plotly_chart(view.tier_mix, theme=None)
st.plotly_chart(view.means, theme=None)
st.subheader(f"Accounts per segment and owner, {view.month}")
by_segment, by_owner = st.columns(2)
by_segment.plotly_chart(view.per_segment, theme=None)
if view.per_owner is None:
    by_owner.info(OWNER.missing_message())
else:
    by_owner.plotly_chart(view.per_owner, theme=None)
