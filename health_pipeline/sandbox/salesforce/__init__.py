"""The Salesforce emulator: OAuth 2.0 token and legacy SOAP login, SOQL, describe, upserts, Collections, Bulk 2.0."""
