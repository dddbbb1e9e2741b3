"""Configuration loading (health_pipeline.settings): the shipped weights, thresholds and pipeline
settings load into frozen typed objects that follow the data contract and the metric catalogue;
the account mapping loader; and every kind of bad configuration is reported with its file and
place, all problems at once."""
from __future__ import annotations

import dataclasses
import pickle
import re
import shutil
from pathlib import Path

import pytest

from health_pipeline.scoring import DIMENSIONS, METRIC_CATALOGUE, Threshold
from health_pipeline.settings import (
    CONFIG_DIR_ENV,
    ConfigError,
    MappedAccount,
    PipelineSettings,
    default_config_dir,
    load_account_mapping,
    load_config,
    load_pipeline_settings,
    load_scoring,
)
from health_pipeline.settings.mapping import salesforce_id_18

REPO = Path(__file__).resolve().parents[1]
HEADER = "salesforce_account_id,account_name,segment,intercom_company_id,jira_key,looker_account_id"
MAPPING = f"""{HEADER}
001000000000001AAA,Acme Hotels,paid,ic-1,ACME,lk-1
001000000000002AAA,Beta Resorts,standard,,BETA,
0010000000000O3,Gamma Inn,standard,ic-3,,lk-3
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A copy of the shipped YAML files plus a small account mapping."""
    for name in ("weights.yaml", "thresholds.yaml", "pipeline.yaml", "plays.yaml"):
        shutil.copy(REPO / "config" / name, tmp_path / name)
    (tmp_path / "account_mapping.csv").write_text(MAPPING)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def problems_of(config_dir: Path) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_config(config_dir)
    return raised.value.problems


def only_problem(config_dir: Path) -> str:
    problems = problems_of(config_dir)
    assert len(problems) == 1, problems
    return problems[0]


# --- the shipped configuration -------------------------------------------------------------


def test_shipped_configuration_loads(config_dir):
    config = load_config(config_dir)
    scoring = config.scoring
    assert config.config_dir == config_dir
    assert [(d.name, d.weight) for d in scoring.dimensions] == [
        ("support", 30.0), ("financial", 30.0), ("adoption", 25.0), ("relationship", 15.0)]
    assert set(scoring.metrics) == set(METRIC_CATALOGUE) and len(scoring.metrics) == 24
    for dimension in scoring.dimensions:
        assert all(METRIC_CATALOGUE[m].dimension == dimension.name for m in dimension.metric_weights)
    assert (scoring.churn_weight, scoring.platform_weight) == (0.6, 0.4)
    assert (scoring.critical_cap, scoring.moderate_cap) == (59.0, 75.0)
    assert set(scoring.segments) == {"paid", "standard"}
    standard = scoring.thresholds["standard"]
    assert standard["median_first_response_seconds"] == Threshold(3600, 14400, 43200, lower_is_better=True)
    assert standard["csat_score"] == Threshold(4.5, 4.0, 3.0, lower_is_better=False)
    for segment in scoring.segments:
        for metric, threshold in scoring.thresholds[segment].items():
            assert threshold.lower_is_better == METRIC_CATALOGUE[metric].lower_is_better, (segment, metric)
    assert re.fullmatch(r"[0-9a-f]{16}", scoring.fingerprint())


def test_shipped_pipeline_settings(config_dir):
    pipeline = load_config(config_dir).pipeline
    assert pipeline.partitions.start_month == "2025-01"
    assert (pipeline.schedule.day_of_month, pipeline.schedule.hour_of_day, pipeline.schedule.timezone) == (2, 6, "UTC")
    assert (pipeline.checks.coverage_floor_pct, pipeline.checks.max_share_below_floor) == (50.0, 0.25)
    assert pipeline.delivery.output_dir == "output"
    assert (pipeline.delivery.bulk_threshold, pipeline.delivery.failure_tolerance) == (2000, 0)
    assert pipeline.looker.model == "alliants" and pipeline.looker.platform_look_id is None
    assert (pipeline.looker.user_sessions_view, pipeline.looker.feature_usage_view,
            pipeline.looker.platform_metrics_view) == ("user_sessions", "feature_usage", "platform_metrics")
    assert dataclasses.replace(pipeline) == type(pipeline)()  # defaults equal the shipped file


def test_configuration_is_frozen_and_picklable(config_dir):
    config = load_config(config_dir)
    assert pickle.loads(pickle.dumps(config)) == config
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.scoring = None  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.pipeline.schedule.hour_of_day = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.mapping.accounts[0].segment = "paid"  # type: ignore[misc]


def test_metric_catalogue_document_matches_the_shipped_configuration(config_dir):
    scoring = load_config(config_dir).scoring
    rows = {}
    for line in (REPO / "docs" / "metric-catalogue.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 10 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells
    assert set(rows) == set(scoring.metrics)

    def numbers(cell: str) -> list[float]:
        return [float(part.replace(",", "")) for part in cell.split("/")]

    for dimension in scoring.dimensions:
        for metric, weight in dimension.metric_weights.items():
            name, dim, source, _, unit, direction, paid, standard, doc_weight, _ = rows[metric]
            info = METRIC_CATALOGUE[metric]
            assert (dim, source, unit) == (dimension.name, info.source, info.unit), metric
            assert direction == ("lower is better" if info.lower_is_better else "higher is better"), metric
            for segment, cell in (("paid", paid), ("standard", standard)):
                t = scoring.thresholds[segment][metric]
                assert numbers(cell) == [t.green, t.yellow, t.red], (metric, segment)
            assert float(doc_weight) == weight, metric


# --- the account mapping -------------------------------------------------------------------


def test_mapping_loads(config_dir):
    mapping = load_config(config_dir).mapping
    assert len(mapping) == 3
    assert mapping.accounts[0] == MappedAccount("001000000000001AAA", "Acme Hotels", "paid", "ic-1", "ACME", "lk-1")
    assert mapping.accounts[1].intercom_company_id is None and mapping.accounts[1].looker_account_id is None
    assert mapping.accounts[2].salesforce_account_id == "0010000000000O3AAI"  # 15 -> 18 characters
    frame = mapping.to_frame()
    assert list(frame.columns) == HEADER.split(",")
    assert all(frame[column].dtype == object for column in frame.columns)
    assert frame.loc[1, "looker_account_id"] is None and frame.loc[2, "jira_key"] is None
    assert mapping.segment_counts() == {"paid": 1, "standard": 2}


def test_salesforce_id_18():
    assert salesforce_id_18("0016000000S8CDq") == "0016000000S8CDqAAN"
    assert salesforce_id_18("001000000000000") == "001000000000000AAA"
    assert salesforce_id_18("0016000000S8CDqAAN") == "0016000000S8CDqAAN"


def test_mapping_tolerates_bom_whitespace_and_blank_lines(tmp_path):
    path = tmp_path / "account_mapping.csv"
    path.write_text("\ufeff" + HEADER + "\n 001000000000001AAA , Acme ,paid, ,,\n\n,,,,,\n", encoding="utf-8")
    mapping = load_account_mapping(path)
    assert mapping.accounts == (MappedAccount("001000000000001AAA", "Acme", "paid", None, None, None),)


def test_mapping_row_problems(config_dir):
    (config_dir / "account_mapping.csv").write_text(MAPPING + "\n".join([
        "001000000000001,Acme again,paid,,,",         # row 5: same account as row 2 in 15 characters
        "001-0000000000000,Bad,standard,,,",           # row 6
        ",No id,standard,,,",                          # row 7
        "001000000000007AAA,Gold,premium,,,",          # row 8
        "001000000000008AAA,Shared,paid,ic-1,,",       # row 9: Intercom company of row 2
        "001000000000009AAA,Too,many,values,,,,",      # row 10
        "001000000000010AAA,Blank segment,,,,",        # row 11
    ]) + "\n")
    problems = problems_of(config_dir)
    assert problems == [
        "account_mapping.csv, row 5: duplicate salesforce_account_id '001000000000001' (already on row 2)",
        "account_mapping.csv, row 6: salesforce_account_id '001-0000000000000' is not a Salesforce id "
        "(15 or 18 letters and digits)",
        "account_mapping.csv, row 7: salesforce_account_id is blank",
        "account_mapping.csv, row 8: segment is 'premium'; expected one of: paid, standard",
        "account_mapping.csv, row 9: duplicate intercom_company_id 'ic-1' (already on row 2)",
        "account_mapping.csv, row 10: 8 values but the header has 6 columns",
        "account_mapping.csv, row 11: segment is blank; expected one of: paid, standard",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("salesforce_account_id,segment\n001000000000001AAA,paid\n",
         "account_mapping.csv, row 1: missing column(s) account_name, intercom_company_id, jira_key, looker_account_id"),
        (HEADER + "\n", "account_mapping.csv: no accounts"),
        ("", "account_mapping.csv: the file is empty"),
        (HEADER + ",segment\n", "account_mapping.csv, row 1: duplicated column(s) segment"),
    ],
)
def test_mapping_file_problems(config_dir, content, message):
    (config_dir / "account_mapping.csv").write_text(content)
    assert only_problem(config_dir).startswith(message)


def test_load_account_mapping_alone_raises_config_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_account_mapping(tmp_path / "nope.csv")


# --- bad weights ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("csat_score: 15", "csat_scor: 15",
         r"weights.yaml, line \d+, dimensions.support.metrics.csat_scor: unknown metric 'csat_scor'; "
         r"did you mean 'csat_score'\?"),
        ("csat_score: 15", "csat_score: high",
         r"dimensions.support.metrics.csat_score: weight must be a positive number, got 'high' \(a string\)"),
        ("csat_score: 15", "csat_score: true",
         r"dimensions.support.metrics.csat_score: weight must be a positive number, got True \(a boolean\)"),
        ("csat_score: 15", "csat_score: 0", r"csat_score: weight must be a positive number, got 0"),
        ("csat_score: 15", "csat_score: -2", r"csat_score: weight must be a positive number, got -2"),
        ("csat_score: 15", "csat_score:", r"csat_score: weight must be a positive number, got None \(empty\)"),
        ("(35)\n    weight: 30", "(35)\n    weight: '30'",
         r"dimensions.support.weight: weight must be a positive number, got '30' \(a string\)"),
        ("payment_health: 30", "payment_health: 30\n      dau: 3",
         r"dimensions.financial.metrics.dau: metric 'dau' belongs to dimension 'adoption'"),
        ("  relationship:", "  loyalty:",
         r"dimensions.loyalty: unknown dimension 'loyalty' \(expected: support, financial, adoption, relationship\)"),
        ("churn_weight: 0.6", "churn_weight: 0", r"blend.churn_weight: weight must be a positive number, got 0"),
        ("critical: 59", "critical: 80", r"weights.yaml, line \d+, caps: the critical cap must be below the moderate cap"),
        ("moderate: 75", "moderate: 120", r"caps.moderate: a cap must be a number from 0 to 100, got 120"),
        ("blend:", "blends:", r"weights.yaml, line \d+: unknown key 'blends' \(expected: dimensions, blend, caps\)"),
    ],
)
def test_weight_problems(config_dir, old, new, expected):
    edit(config_dir / "weights.yaml", old, new)
    problems = problems_of(config_dir)
    assert any(re.search(expected, p) for p in problems), problems


def test_unknown_metric_line_number_is_right(config_dir):
    lines = (config_dir / "weights.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.strip().startswith("csat_score:"))
    edit(config_dir / "weights.yaml", "csat_score: 15", "csat_scor: 15")
    assert f"weights.yaml, line {line}, dimensions.support.metrics.csat_scor: unknown metric" in problems_of(config_dir)[0]


def test_missing_dimension(config_dir):
    text = (config_dir / "weights.yaml").read_text()
    (config_dir / "weights.yaml").write_text(text[: text.index("  relationship:")])
    problems = problems_of(config_dir)
    assert any("dimensions: dimension 'relationship' is missing" in p for p in problems)
    # its metrics then have thresholds but no weight
    assert any("thresholds.yaml" in p and "'qbr_attendance' has thresholds but no weight" in p for p in problems)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("blend:\n  churn_weight: 0.6\n platform_weight: 0.4\n", "weights.yaml, line 3: YAML syntax error"),
        ("dimensions: [unclosed\n", "weights.yaml, line 2: YAML syntax error"),
        ("blend: {}\nblend: {}\n", "weights.yaml, line 2: YAML syntax error: found duplicate key 'blend'"),
        ("", "weights.yaml: the file is empty; expected a mapping of settings"),
        ("- a list\n", "weights.yaml: the file is a list, not a mapping"),
    ],
)
def test_yaml_problems(config_dir, content, expected):
    (config_dir / "weights.yaml").write_text(content)
    problems = problems_of(config_dir)
    assert any(p.startswith(expected) for p in problems), problems
    # the thresholds are still checked on their own; nothing else is reported about them
    assert not any(p.startswith("thresholds.yaml") for p in problems)


# --- bad thresholds ------------------------------------------------------------------------

STANDARD_CSAT = "csat_score:                    {green: 4.5, yellow: 4.0, red: 3.0, lower_is_better: false}"


def test_wrong_order_names_metric_and_segment(config_dir):
    edit(config_dir / "thresholds.yaml", STANDARD_CSAT, STANDARD_CSAT.replace("green: 4.5, yellow: 4.0", "green: 4.0, yellow: 4.5"))
    problem = only_problem(config_dir)
    assert re.match(r"thresholds.yaml, line \d+, standard.csat_score: metric 'csat_score', segment 'standard': "
                    r"thresholds in the wrong order: higher is better needs green > yellow > red", problem), problem


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (STANDARD_CSAT.replace("csat_score:", "csat_scores:"),
         r"standard.csat_scores: unknown metric 'csat_scores'; did you mean 'csat_score'\?"),
        (STANDARD_CSAT.replace("false}", "true}"),
         r"standard.csat_score.lower_is_better: lower_is_better: true contradicts the data contract \(higher is better\)"),
        (STANDARD_CSAT.replace("false}", "'no'}"),
         r"standard.csat_score.lower_is_better: lower_is_better must be true or false, got 'no' \(a string\)"),
        (STANDARD_CSAT.replace("green: 4.5", "green: '4.5'"),
         r"standard.csat_score.green: green must be a number, got '4.5' \(a string\)"),
        (STANDARD_CSAT.replace(", lower_is_better: false", ""),
         r"standard.csat_score: missing key 'lower_is_better'"),
        (STANDARD_CSAT.replace("red: 3.0", "red: 3.0, amber: 3.5"),
         r"standard.csat_score: unknown key 'amber'"),
        ("csat_score: 4.5", r"standard.csat_score: must be a mapping with green, yellow, red and lower_is_better"),
    ],
)
def test_threshold_entry_problems(config_dir, new, expected):
    edit(config_dir / "thresholds.yaml", STANDARD_CSAT, new)
    problems = problems_of(config_dir)
    assert any(re.search(expected, p) for p in problems), problems
    assert all(p.startswith("thresholds.yaml") for p in problems)


def test_missing_thresholds_for_a_segment(config_dir):
    edit(config_dir / "thresholds.yaml", STANDARD_CSAT, "")
    assert re.match(r"thresholds.yaml, line \d+, standard: metric 'csat_score' has no thresholds for segment 'standard'",
                    only_problem(config_dir))


def test_unknown_and_missing_segments(config_dir):
    edit(config_dir / "thresholds.yaml", "standard:", "premium:")
    problems = problems_of(config_dir)
    assert any(re.match(r"thresholds.yaml, line \d+, premium: unknown segment 'premium' \(expected: paid, standard\)", p)
               for p in problems)
    assert any("segment 'standard' has no thresholds" in p for p in problems)


# --- bad pipeline settings -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('start_month: "2025-01"', 'start_month: "2025-13"', r"partitions.start_month: must be a month as \"YYYY-MM\""),
        ('start_month: "2025-01"', "start_month: 2025-01-01", r"partitions.start_month: must be a month"),
        ("day_of_month: 2", "day_of_month: 31", r"schedule.day_of_month: must be a whole number from 1 to 28, got 31"),
        ("hour_of_day: 6", "hour_of_day: 6.5", r"schedule.hour_of_day: must be a whole number from 0 to 23"),
        ('timezone: "UTC"', 'timezone: "Mars/Olympus"', r"schedule.timezone: must be an IANA time zone name"),
        ("coverage_floor_pct: 50", "coverage_floor_pct: 150", r"checks.coverage_floor_pct: must be a number from 0 to 100"),
        ("max_share_below_floor: 0.25", "max_share_below_floor: 25", r"checks.max_share_below_floor: must be a number from 0 to 1"),
        ("bulk_threshold: 2000", "bulk_threshold: 0", r"delivery.bulk_threshold: must be a whole number of at least 1"),
        ("failure_tolerance: 0", "failure_tolerance: -1", r"delivery.failure_tolerance: must be a whole number of at least 0"),
        ('output_dir: "output"', 'output_dir: ""', r"delivery.output_dir: must be a non-empty path"),
        ('model: "alliants"', "model:", r"looker.model: must be a non-empty string, got None \(empty\)"),
        ("looker:", "lookr:", r"pipeline.yaml, line \d+: unknown key 'lookr'"),
        ("  hour_of_day: 6", "  hour: 6", r"pipeline.yaml, line \d+, schedule: missing key 'hour_of_day'"),
    ],
)
def test_pipeline_problems(config_dir, old, new, expected):
    edit(config_dir / "pipeline.yaml", old, new)
    problems = problems_of(config_dir)
    assert any(re.search(expected, p) for p in problems), problems
    assert all(p.startswith("pipeline.yaml") for p in problems)


def test_look_id_may_be_a_number(config_dir):
    edit(config_dir / "pipeline.yaml", '# platform_look_id: "1"', "platform_look_id: 42")
    assert load_config(config_dir).pipeline.looker.platform_look_id == "42"


def test_a_blank_look_id_is_refused(config_dir):
    edit(config_dir / "pipeline.yaml", '# platform_look_id: "1"', 'platform_look_id: " "')
    assert any("looker.platform_look_id" in p and "non-empty string" in p for p in problems_of(config_dir))


# --- many problems, missing files ----------------------------------------------------------


def test_every_problem_is_reported_at_once(config_dir):
    edit(config_dir / "weights.yaml", "mau: 30", "mau: lots")
    edit(config_dir / "thresholds.yaml", STANDARD_CSAT, STANDARD_CSAT.replace("red: 3.0", "red: 4.2"))
    edit(config_dir / "pipeline.yaml", "hour_of_day: 6", "hour_of_day: 24")
    (config_dir / "account_mapping.csv").write_text(MAPPING + "XYZ,Bad,gold,,,\n")
    with pytest.raises(ConfigError) as raised:
        load_config(config_dir)
    problems = raised.value.problems
    files = [p.split(",")[0].split(":")[0] for p in problems]
    assert files == ["weights.yaml", "thresholds.yaml", "pipeline.yaml", "account_mapping.csv", "account_mapping.csv"]
    text = str(raised.value)
    assert text.splitlines()[0] == f"5 configuration problems in {config_dir}:"
    assert text.splitlines()[1:] == [f"- {p}" for p in problems]


def test_missing_files_are_all_listed(tmp_path):
    problems = problems_of(tmp_path)
    assert [p.split(":")[0] for p in problems] == [
        "weights.yaml", "thresholds.yaml", "pipeline.yaml", "account_mapping.csv",
        "plays.yaml"]
    assert all("file not found" in p for p in problems)


def test_missing_directory(tmp_path):
    assert only_problem(tmp_path / "nowhere").endswith("configuration directory not found")


def test_default_config_dir(monkeypatch, tmp_path):
    monkeypatch.delenv(CONFIG_DIR_ENV, raising=False)
    assert default_config_dir() == REPO / "config"
    monkeypatch.setenv(CONFIG_DIR_ENV, str(tmp_path))
    assert default_config_dir() == tmp_path


def test_every_dimension_is_configured(config_dir):
    assert tuple(d.name for d in load_config(config_dir).scoring.dimensions) == DIMENSIONS


def test_partial_loaders_need_only_their_files(config_dir):
    (config_dir / "account_mapping.csv").unlink()
    assert load_pipeline_settings(config_dir) == PipelineSettings()
    assert load_scoring(config_dir).fingerprint() == load_scoring(REPO / "config").fingerprint()
    edit(config_dir / "pipeline.yaml", "hour_of_day: 6", "hour_of_day: 25")
    with pytest.raises(ConfigError, match="schedule.hour_of_day"):
        load_pipeline_settings(config_dir)
    (config_dir / "weights.yaml").unlink()
    with pytest.raises(ConfigError, match="weights.yaml: file not found"):
        load_scoring(config_dir)
