"""How many issues each page of a search/jql cursor holds: what was asked, within the server's cap, and sometimes
fewer (Jira "may return fewer items per page where a large number of fields are requested")."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class JiraPaging:
    """The server's page cap and its pattern of short pages (every `short_every`-th page holds `short_size`)."""

    cap: int = 100
    short_every: int = 0  # 0: every page is as full as asked
    short_size: int = 0

    def __post_init__(self) -> None:
        if self.cap < 1 or self.short_every < 0:
            raise ValueError("the page cap must be >= 1 and short_every >= 0")
        if self.short_every and not 1 <= self.short_size < self.cap:
            raise ValueError("short_size must be 1 to cap - 1 when short pages are on")

    def size(self, asked: int, page_number: int) -> int:
        """The issues page `page_number` (0-based) of a cursor holds when `asked` were asked for."""
        size = max(1, min(asked, self.cap))
        if self.short_every and (page_number + 1) % self.short_every == 0:
            return min(size, self.short_size)
        return size

    def pages(self, issues: int, asked: int) -> int:
        """The pages a cursor over `issues` takes at `asked` per page (one page when there are none)."""
        pages, served = 0, 0
        while served < issues or pages == 0:
            served += self.size(asked, pages)
            pages += 1
        return pages
