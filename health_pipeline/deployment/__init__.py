"""Deployment profiles: the sandbox and production (Secrets Manager, S3) resource sets."""
