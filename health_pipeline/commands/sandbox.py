"""Run the four vendor emulators in the foreground and write the environment that points the pipeline at them."""
from __future__ import annotations

import argparse
import threading

from health_pipeline.sandbox.realism import EmulatorRealism
from health_pipeline.sandbox.runner import Sandbox


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `health-pipeline sandbox`."""
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic world (default 7)")
    parser.add_argument("--accounts", type=int, default=200,
                        help="accounts in the world (default 200, the shipped config/account_mapping.csv)")
    parser.add_argument("--fixture-dir", help="serve a fixture directory of raw records instead of the world")
    parser.add_argument("--no-phase2", action="store_true", help="an org without the Phase 2 relationship fields")
    parser.add_argument("--env-file", default=".env", help="where to write the environment variables (default .env)")
    parser.add_argument("--state-dir", default=".sandbox", help="where to keep the sandbox's CA certificate")
    parser.add_argument("--gentle", action="store_true",
                        help="kinder emulators than the vendors: full Jira and Salesforce pages, Bulk jobs done at the "
                        "first poll, a UTC Jira user (default: the harder behaviours the real services show)")


def build_sandbox(args: argparse.Namespace) -> Sandbox:
    """The sandbox the options describe (not started)."""
    return Sandbox(seed=args.seed, accounts=args.accounts, fixture_dir=args.fixture_dir,
                   phase2_fields=not args.no_phase2, state_dir=args.state_dir,
                   realism=EmulatorRealism.gentle() if args.gentle else EmulatorRealism.harder())


def run(args: argparse.Namespace) -> int:
    """Start the sandbox, write the env file, and serve until interrupted."""
    sandbox = build_sandbox(args)
    with sandbox:
        print(f"emulators:  {'gentle' if args.gentle else 'harder'} ({sandbox.realism})")
        env_file = sandbox.write_env_file(args.env_file)
        for source in ("intercom", "jira", "looker", "salesforce", "slack"):
            print(f"{source:<11} {sandbox.url(source)}")
        print(f"\nWrote the pipeline's environment to {env_file}.")
        print("In another terminal, in this folder:  DAGSTER_HOME=$PWD/.dagster_home dagster dev -m health_pipeline.definitions")
        print("(dagster dev reads .env), or:  health-pipeline run --period YYYY-MM --env-file", env_file)
        print("Press Ctrl-C to stop.")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("\nsandbox stopped")
    return 0
