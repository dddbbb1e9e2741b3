"""config/plays.yaml: the shipped file loads, and every problem names the file, the line and the key."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from health_pipeline.actions.plays import RULES
from health_pipeline.settings import ConfigError, load_config
from health_pipeline.settings.plays import PLAYS_FILE, parse_plays

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def plays_file(tmp_path: Path) -> Path:
    path = tmp_path / PLAYS_FILE
    shutil.copy(REPO / "config" / PLAYS_FILE, path)
    return path


def problems(path: Path) -> list[str]:
    sink: list[str] = []
    assert parse_plays(path, sink) is None
    return sink


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first `old`; returns its 1-based line."""
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return text[:text.index(old)].count("\n") + 1


def test_the_shipped_file_configures_every_built_in_play():
    config = load_config(REPO / "config").plays
    assert [play.name for play in config.plays] == list(RULES)
    assert {play.name: play.severity for play in config.plays} == {
        "entered_critical": "critical", "new_critical_signal": "critical", "score_drop": "high",
        "tier_drop": "medium", "renewal_at_risk": "high", "low_coverage": "low"}
    assert next(p for p in config.plays if p.name == "score_drop").params == {"points": 10.0}
    assert next(p for p in config.plays if p.name == "low_coverage").route == "data_team"


@pytest.mark.parametrize("old, new, expected", [
    ("severity: high\n    due_days: 7\n    points", "severity: urgent\n    due_days: 7\n    points",
     "plays.score_drop.severity: must be one of critical, high, medium, low, got 'urgent' (a string)"),
    ("points: 10", "points: -3", "plays.score_drop.points: must be a number from 1 to 100 (points lost month over "
                                 "month), got -3"),
    ("due_days: 3", "due_days: soon", "plays.entered_critical.due_days: must be a whole number of days"),
    ("    route: data_team", "    route: everyone", "plays.low_coverage.route: must be one of account_owner, data_team"),
    ("max_inaccurate_share: 0.3", "max_inaccurate_share: 3", "feedback.max_inaccurate_share: must be a number "
                                                             "from 0 to 1, got 3"),
    ("    severity: medium\n", "    severity: medium\n    colour: red\n", "plays.tier_drop: unknown key 'colour'"),
])
def test_each_problem_names_file_line_and_key(plays_file, old, new, expected):
    line = edit(plays_file, old, new)
    found = problems(plays_file)
    assert len(found) == 1, found
    assert expected in found[0]
    assert found[0].startswith(f"{PLAYS_FILE}, line ")
    reported = int(found[0].split("line ")[1].split(",")[0])
    assert line <= reported <= line + new.count("\n") + 1


def test_a_missing_play_and_a_bad_owner_are_both_listed(plays_file):
    text = plays_file.read_text()
    start, end = text.index("  tier_drop:"), text.index("  renewal_at_risk:")
    plays_file.write_text(text[:start] + text[end:] + 'data_team_owner_id: "not an id"\n')
    found = problems(plays_file)
    assert any("missing play 'tier_drop' (switch a play off with `enabled: false`)" in p for p in found)
    assert any("data_team_owner_id: must be a Salesforce User Id" in p for p in found)
    assert all(p.startswith(f"{PLAYS_FILE}, line ") for p in found)


def test_a_misspelt_play_is_unknown_and_the_real_one_missing(plays_file):
    line = edit(plays_file, "  tier_drop:\n", "  tier_drops:\n")
    found = problems(plays_file)
    assert found[0].startswith(f"{PLAYS_FILE}, line {line}, plays: unknown play 'tier_drops' (built-in plays: ")
    assert "missing play 'tier_drop'" in found[1]


def test_switching_a_play_off(plays_file):
    edit(plays_file, "    severity: medium\n", "    severity: medium\n    enabled: false\n")
    config = parse_plays(plays_file, [])
    assert not next(play for play in config.plays if play.name == "tier_drop").enabled


def test_the_code_location_lists_plays_problems_with_the_others(tmp_path):
    for name in ("weights.yaml", "thresholds.yaml", "pipeline.yaml", "account_mapping.csv", PLAYS_FILE):
        shutil.copy(REPO / "config" / name, tmp_path / name)
    edit(tmp_path / PLAYS_FILE, "min_responses: 5", "min_responses: 0")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    assert "plays.yaml, line 9, feedback.min_responses: must be a whole number of at least 1, got 0" in str(raised.value)
