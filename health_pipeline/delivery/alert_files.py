"""Where the alert assets write: the month's alerts (dry run), the digest (dry run) and the refused Tasks."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def alerts_path(output_dir: str | os.PathLike, period: str) -> Path:
    """`{output_dir}/alerts_{YYYY-MM}.csv`: one row per alert of the month."""
    return Path(output_dir) / f"alerts_{period}.csv"


def digest_path(output_dir: str | os.PathLike, period: str) -> Path:
    """`{output_dir}/alert_digest_{YYYY-MM}.md`: the month's Slack digest as text."""
    return Path(output_dir) / f"alert_digest_{period}.md"


def failed_tasks_path(output_dir: str | os.PathLike, period: str) -> Path:
    """`{output_dir}/failed_alert_tasks_{YYYY-MM}.csv`: the month's alert Tasks Salesforce refused."""
    return Path(output_dir) / f"failed_alert_tasks_{period}.csv"


def write_text_atomically(text: str, path: str | os.PathLike) -> Path:
    """Write `text` to `path` through a temporary file in the same folder and `os.replace` (creating the folder)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
