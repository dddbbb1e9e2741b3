"""Tests of the performance behaviour: call pacing, Intercom time slices, Salesforce object reads (calls counted,
never timed)."""
