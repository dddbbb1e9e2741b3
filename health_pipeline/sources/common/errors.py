"""The error a source raises when a vendor call fails for good: it names the source, call and status."""
from __future__ import annotations


class SourceError(RuntimeError):
    """A vendor call that failed after bounded retries, or answered something unusable."""

    def __init__(self, source: str, call: str, problem: str, status: int | None = None) -> None:
        self.source = source
        self.call = call
        self.status = status
        self.problem = problem
        status_text = f" answered HTTP {status}" if status is not None else " failed"
        super().__init__(f"{source}: {call}{status_text}: {problem}")


def short_body(text: str, limit: int = 300) -> str:
    """The start of a reply body for an error message (vendors' error bodies hold no credentials)."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit] + "..."
