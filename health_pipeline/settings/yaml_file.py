"""Reading configuration files while remembering where every value was, for precise messages.

YAML is read with a `yaml.SafeLoader` subclass whose mappings remember the line of each key, so a
problem can say ``weights.yaml, line 12, dimensions.support.metrics.csat_score: ...``.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml


class ConfigError(Exception):
    """Invalid configuration. ``problems`` lists every problem found, each naming its file and place."""

    def __init__(self, problems: list[str], config_dir: Path | str | None = None) -> None:
        self.problems = list(problems)
        self.config_dir = config_dir
        where = f" in {config_dir}" if config_dir is not None else ""
        count = len(self.problems)
        header = f"{count} configuration problem{'s' if count != 1 else ''}{where}:"
        super().__init__("\n".join([header, *(f"- {problem}" for problem in self.problems)]))


class LineDict(dict):
    """A YAML mapping that remembers its own line and each key's line (1-based)."""

    line: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are `LineDict`s; duplicate keys are errors, not silently dropped."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, "found unhashable key", key_node.start_mark
            ) from None
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f"found duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class Problems:
    """Collects the problems of one file; each message names the file, the line and the key path."""

    def __init__(self, filename: str, sink: list[str]) -> None:
        self.filename = filename
        self.sink = sink

    def add(self, message: str, line: int | None = None, path: str | None = None) -> None:
        place = self.filename + (f", line {line}" if line else "") + (f", {path}" if path else "")
        self.sink.append(f"{place}: {message}")


def read_yaml_mapping(path: Path, problems: Problems) -> LineDict | None:
    """The top-level mapping of a YAML file, or None after recording why it cannot be had."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.add(f"file not found ({path})")
        return None
    except (OSError, UnicodeDecodeError) as error:
        problems.add(f"cannot be read: {error}")
        return None
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problems.add(f"YAML syntax error: {error.problem or error.context}", line=mark.line + 1 if mark else None)
        return None
    except yaml.YAMLError as error:
        problems.add(f"YAML error: {error}")
        return None
    if not isinstance(data, LineDict):
        kind = "empty" if data is None else f"a {type(data).__name__}, not a mapping"
        problems.add(f"the file is {kind}; expected a mapping of settings")
        return None
    return data


def is_number(value: Any) -> bool:
    """A finite int or float (bools and strings are not numbers)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def describe(value: Any) -> str:
    """A value as a message shows it: its repr and, for non-numbers, its YAML-ish type."""
    kinds = {bool: "a boolean", str: "a string", type(None): "empty", list: "a list", LineDict: "a mapping"}
    kind = kinds.get(type(value))
    return f"{value!r} ({kind})" if kind else repr(value)


def check_keys(
    mapping: LineDict, problems: Problems, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> bool:
    """Record unknown and missing keys of ``mapping``; True when every required key is there."""
    for key in mapping:
        if key not in required and key not in optional:
            expected = ", ".join(required + optional)
            problems.add(f"unknown key {key!r} (expected: {expected})", mapping.lines.get(key), path or None)
    missing = [key for key in required if key not in mapping]
    for key in missing:
        problems.add(f"missing key {key!r}", mapping.line, path or None)
    return not missing


def sub_mapping(parent: LineDict, key: str, problems: Problems, path: str) -> LineDict | None:
    """``parent[key]`` when it is a mapping; otherwise record the problem and return None."""
    value = parent.get(key)
    if isinstance(value, LineDict):
        return value
    if key in parent:
        problems.add(f"must be a mapping, got {describe(value)}", parent.lines.get(key), path)
    return None
