"""Delivery of the month's health scores: Health_Score__c records, their CSV files and the Salesforce upsert.

`records` and `csv_output` are pure (no Dagster, no client); `salesforce_writer` drives simple_salesforce.
"""
