"""The layout of docs/performance.md, which three benchmarks write: the pipeline's tables first, then the UI path
section (`benchmarks.ui_benchmark`), the write-back section (`benchmarks.delivery_benchmark`), and last the
pipeline benchmark's raw results, embedded so that a rerun of some scenarios keeps the others."""
from __future__ import annotations

RESULTS_MARKER = "<!-- benchmark-results: "
UI_SECTION = "## UI path"
WRITE_BACK_START, WRITE_BACK_END = "<!-- write-back-benchmark:start -->", "<!-- write-back-benchmark:end -->"


def write_back_section(text: str) -> str:
    """The write-back section of a page (markers included, one newline after), or an empty string."""
    start, end = text.find(WRITE_BACK_START), text.find(WRITE_BACK_END)
    return text[start:end + len(WRITE_BACK_END)] + "\n" if 0 <= start < end else ""


def ui_section(text: str) -> str:
    """The UI path section of a page (up to the write-back section or the embedded results), or an empty string."""
    start = text.find(UI_SECTION)
    if start < 0:
        return ""
    ends = [found for found in (text.find(WRITE_BACK_START, start), text.find(RESULTS_MARKER, start)) if found >= 0]
    return text[start:min(ends, default=len(text))].rstrip() + "\n"


def with_ui_section(text: str, section: str) -> str:
    """The page with its UI path section replaced by `section` (or added before the write-back section and the
    embedded results), everything else kept."""
    cut = [found for found in (text.find(UI_SECTION), text.find(WRITE_BACK_START), text.find(RESULTS_MARKER))
           if found >= 0]
    head = text[:min(cut, default=len(text))]
    marker = text.find(RESULTS_MARKER)
    tail = text[marker:] if marker >= 0 else ""
    parts = [head.rstrip("\n"), section.rstrip("\n"), write_back_section(text).rstrip("\n"), tail.rstrip("\n")]
    return "\n\n".join(part for part in parts if part) + "\n"
