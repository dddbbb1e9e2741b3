"""Acting on the score (pure, no Dagster, no I/O): plays that raise alerts, alert-task history and feedback,
Salesforce Task records and the Slack digest text."""
