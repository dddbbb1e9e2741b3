"""The package's import graph, read from the source with `ast`: no cycles, and the pure packages import
neither Dagster nor an HTTP or vendor client."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import health_pipeline

PACKAGE_DIR = Path(health_pipeline.__file__).parent
ROOT = PACKAGE_DIR.parent

# The pure code: no Dagster, no client, no I/O library (ARCHITECTURE.md, "Pure core").
PURE_MODULES = ("health_pipeline.scoring", "health_pipeline.sources.common.period",
                "health_pipeline.sources.common.frame", "health_pipeline.sources.common.values",
                "health_pipeline.sources.common.replies", "health_pipeline.delivery.coverage_guard",
                *(f"health_pipeline.sources.{vendor}.metrics" for vendor in ("intercom", "jira", "looker", "salesforce")),
                "health_pipeline.sources.salesforce.soql", "health_pipeline.sources.intercom.attribution",
                "health_pipeline.delivery.sync_plan", "health_pipeline.evidence",
                "health_pipeline.actions", "health_pipeline.sources.salesforce.login",
                *(f"health_pipeline.dashboard.{name}" for name in ("names", "summaries", "charts", "evidence_frames", "portfolio_view")))
FORBIDDEN_IN_PURE = ("dagster", "requests", "looker_sdk", "urllib3", "boto3", "yaml")
# simple_salesforce.format (SOQL quoting) is pure; the rest of simple_salesforce is the client
ALLOWED_PURE_EXCEPTIONS = ("simple_salesforce.format",)


def module_name(path: Path) -> str:
    """The dotted name of a module file of the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path) -> set[str]:
    """Every module name an import statement of the file names (relative imports resolved)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(up + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    modules = {module_name(path): path for path in PACKAGE_DIR.rglob("*.py")}
    return {name: {dep for dep in imported_names(path) if dep in modules and dep != name}
            for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in graph[node]:
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_package_has_no_import_cycle():
    assert cycles(import_graph()) == []


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def pure_files() -> list[Path]:
    """Every module file of the pure packages and modules."""
    files = []
    for name in PURE_MODULES:
        path = ROOT / name.replace(".", "/")
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")])
    return files


@pytest.mark.parametrize("path", pure_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_code_imports_no_dagster_and_no_client(path):
    imports = imported_names(path)
    bad = sorted(name for name in imports
                 if (name.split(".")[0] in FORBIDDEN_IN_PURE
                     or (name.split(".")[0] == "simple_salesforce"
                         and not name.startswith(ALLOWED_PURE_EXCEPTIONS)))
                 or name.startswith("health_pipeline.settings"))
    assert not bad, f"{path.name} imports {bad}"


def test_nothing_loose_at_the_package_top():
    loose = sorted(p.name for p in PACKAGE_DIR.glob("*.py"))
    assert loose == ["__init__.py", "definitions.py", "partitions.py"]


@pytest.mark.parametrize("vendor", ["intercom", "jira", "looker", "salesforce"])
def test_each_vendor_lives_in_one_folder(vendor):
    folder = PACKAGE_DIR / "sources" / vendor
    assert {"resource.py", "metrics.py", "extract.py"} <= {p.name for p in folder.glob("*.py")}
    # the sandbox emulates the vendor and delivery writes to Salesforce as a destination; neither reads it
    elsewhere = [p for p in PACKAGE_DIR.rglob(f"*{vendor}*.py") if not {"sandbox", "delivery"} & set(p.parts)]
    assert elsewhere == []
