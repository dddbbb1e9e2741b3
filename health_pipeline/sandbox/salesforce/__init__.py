"""The Salesforce emulator: SOAP login, SOQL, describe, upserts, Collections and Bulk API 2.0."""
