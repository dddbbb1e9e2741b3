"""Salesforce: the resource and client, the pure account metrics and SOQL, the extraction glue."""
