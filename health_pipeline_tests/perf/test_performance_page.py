"""docs/performance.md has three writers: each rewrite keeps the others' sections, once, in their place (the
pipeline's tables, the UI path, the write-back section, the embedded results)."""
from __future__ import annotations

from benchmarks.delivery_benchmark import write_section
from benchmarks.performance_page import RESULTS_MARKER, UI_SECTION, WRITE_BACK_START, ui_section, with_ui_section
from benchmarks.pipeline_benchmark import kept_sections
from benchmarks.ui_benchmark import write_docs


def test_every_writer_keeps_the_other_sections_once_and_in_order(tmp_path):
    page = tmp_path / "performance.md"
    page.write_text(f"# Performance\n\ntables\n\n{RESULTS_MARKER}{{}} -->\n", encoding="utf-8")
    write_docs(page, f"{UI_SECTION}\n\nui one")
    write_section(page, ["## Write-back", "write one"])
    write_docs(page, f"{UI_SECTION}\n\nui two")
    write_section(page, ["## Write-back", "write two"])

    text = page.read_text(encoding="utf-8")
    assert (text.count(UI_SECTION), text.count(WRITE_BACK_START), text.count(RESULTS_MARKER)) == (1, 1, 1)
    assert "ui one" not in text and "write one" not in text
    assert text.index("tables") < text.index("ui two") < text.index("write two") < text.index(RESULTS_MARKER)
    assert ui_section(text).strip() == f"{UI_SECTION}\n\nui two"
    kept = kept_sections(page)  # what the pipeline benchmark carries over when it rewrites the page
    assert kept.count(UI_SECTION) == 1 and kept.count(WRITE_BACK_START) == 1 and RESULTS_MARKER not in kept


def test_a_ui_section_is_added_before_the_write_back_section_and_the_results():
    page = f"tables\n\n{WRITE_BACK_START}\nw\n<!-- write-back-benchmark:end -->\n\n{RESULTS_MARKER}{{}} -->\n"
    text = with_ui_section(page, f"{UI_SECTION}\n\nui")
    assert text.index("tables") < text.index(UI_SECTION) < text.index(WRITE_BACK_START) < text.index(RESULTS_MARKER)
