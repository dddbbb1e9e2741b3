"""A Slack incoming webhook on loopback."""
