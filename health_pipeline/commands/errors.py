"""Turns the errors a user can cause (bad config, bad profile, unreachable source) into one clear sentence."""
from __future__ import annotations

import contextlib
import sys
from typing import Iterator


@contextlib.contextmanager
def readable_errors() -> Iterator[None]:
    """Print a configuration, profile, source or busy-month error as text and exit 1, instead of a traceback."""
    from health_pipeline.commands.one_month_at_a_time import MonthBusy
    from health_pipeline.deployment.errors import ProfileError
    from health_pipeline.settings import ConfigError
    from health_pipeline.sources.common.errors import SourceError

    try:
        yield
    except (ConfigError, ProfileError, SourceError, MonthBusy) as error:
        print(str(error), file=sys.stderr)
        raise SystemExit(1) from None

