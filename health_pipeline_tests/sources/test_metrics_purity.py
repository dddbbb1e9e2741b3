"""The sources' metric modules are pure: its modules import no Dagster, HTTP or vendor client (only the pure
simple_salesforce.format helpers), importing them loads no Dagster or Looker SDK, and every public
function and class carries a docstring."""

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

MODULES = ["common.period", "common.frame", "common.values", "intercom.metrics", "jira.metrics", "looker.metrics",
           "salesforce.metrics", "salesforce.soql"]


def test_no_io_or_dagster_imports():
    code = (
        "import sys\n"
        + "".join(f"import health_pipeline.sources.{m}\n" for m in MODULES)
        + "bad = [m for m in ('dagster', 'looker_sdk') if m in sys.modules]\n"
        + "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", MODULES)
def test_source_imports_no_io_client(name):
    # importing simple_salesforce.format runs simple_salesforce/__init__ (which loads requests), so the
    # check is on our own import statements, not on sys.modules
    import health_pipeline.sources as package

    source = (Path(package.__file__).parent / f"{name.replace('.', '/')}.py").read_text()
    imports = re.findall(r"^\s*(?:from|import)\s+([\w.]+)", source, flags=re.M)
    forbidden = [m for m in imports if m.split(".")[0] in {"dagster", "requests", "looker_sdk", "urllib3"}
                 or (m.startswith("simple_salesforce") and m != "simple_salesforce.format")]
    assert not forbidden, forbidden


@pytest.mark.parametrize("name", MODULES)
def test_public_api_is_documented(name):
    module = __import__(f"health_pipeline.sources.{name}", fromlist=["x"])
    assert module.__doc__
    for attr, obj in vars(module).items():
        if attr.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__doc__, f"{name}.{attr} lacks a docstring"
