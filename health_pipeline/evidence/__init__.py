"""Evidence that the score means something (pure: no Dagster, no I/O): renewal outcomes, backtest statistics,
what-if comparisons and a learned model beside the rules."""
