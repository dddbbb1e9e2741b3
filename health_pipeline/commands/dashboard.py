"""Open the read-only dashboard (Streamlit) over the stored months: portfolio, movers, account, evidence, data quality."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DEFAULT_PORT = 8501


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `health-pipeline dashboard`."""
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to serve on (default {DEFAULT_PORT})")
    parser.add_argument("--address", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for every interface)")
    parser.add_argument("--dagster-home", help="the Dagster instance whose stored months to show "
                                               "(default: DAGSTER_HOME, else ./.dagster_home)")


def streamlit_command(port: int, address: str) -> list[str]:
    """The `streamlit run` command line of the dashboard app, headless and without usage statistics."""
    app = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
    # Both speed options hold back each page's "run finished" message, which waits for them on the server:
    # - no file watching: this app serves installed code, not code being edited, and after every run the watcher
    #   resolved the path of every imported module (thousands, with Dagster) on the server's event loop while
    #   polling threads competed for the cores;
    # - no forced full collection after every run: it walks the whole heap (the imported libraries, the cached
    #   months) holding the GIL; the pages share the cached data and leave little garbage, and Python's own
    #   generational collection still runs.
    return [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
            "--server.address", address, "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--client.toolbarMode", "viewer", "--server.fileWatcherType", "none", "--runner.postScriptGC", "false",
            # the light theme always: the charts carry a light look of their own (charts.LOOK)
            "--theme.base", "light"]


def run(args: argparse.Namespace) -> int:
    """Check that the store can be reached, then serve the app until interrupted."""
    from health_pipeline.commands.errors import readable_errors
    from health_pipeline.dashboard.names import SCORES_ASSET
    from health_pipeline.dashboard.store import StoreError, store_from_environ

    if args.dagster_home:
        os.environ["DAGSTER_HOME"] = str(Path(args.dagster_home).resolve())
    elif "DAGSTER_HOME" not in os.environ:
        os.environ["DAGSTER_HOME"] = str(Path.cwd() / ".dagster_home")
    with readable_errors():
        try:
            store = store_from_environ()
            months = store.months(SCORES_ASSET)
        except StoreError as error:
            print(str(error), file=sys.stderr)
            return 1
    print(f"Dashboard over {store.location} (read-only, {len(months)} months scored): "
          f"open http://localhost:{args.port}  (Ctrl-C stops it)", flush=True)
    command = streamlit_command(args.port, args.address)
    # Streamlit replaces this process, so a stop signal (Ctrl-C, SIGTERM) reaches the server itself and never
    # leaves it running behind an exited command
    os.execv(command[0], command)
    return 0  # not reached: execv does not return
