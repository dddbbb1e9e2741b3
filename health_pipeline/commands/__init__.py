"""Sub-commands of the `health-pipeline` command line."""
