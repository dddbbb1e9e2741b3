"""The platform Look's CSV is fed to the parser line by line (no second copy of the text): same rows."""
from __future__ import annotations

import csv
import io

import pytest

from health_pipeline.sources.looker.extract import _lines


@pytest.mark.parametrize("text", [
    "", "a\n", "a\nb", "a\r\nb\r\n", "h1,h2\r\nx,\"quoted\nfield\"\r\ny,z\r\n", "\n\n", "only"])
def test_lines_rebuild_the_text_and_parse_like_a_string_buffer(text):
    assert "".join(_lines(text)) == text
    assert list(csv.reader(_lines(text))) == list(csv.reader(io.StringIO(text, newline="")))
