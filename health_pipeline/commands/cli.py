"""The `health-pipeline` command: one sub-command per module in `health_pipeline.commands`."""
from __future__ import annotations

import argparse
import importlib
import sys

# sub-command name -> module in health_pipeline.commands; each module defines
# `add_arguments(parser)` and `run(args) -> int`. Imported lazily so `--help` stays fast.
COMMANDS = {
    "validate-config": "validate_config",
    "sandbox": "sandbox",
    "run": "run",
    "demo": "demo",
    "pools": "pools",
    "status": "status",
    "backtest": "backtest",
    "what-if": "what_if",
    "dashboard": "dashboard",
}


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every available sub-command."""
    parser = argparse.ArgumentParser(prog="health-pipeline", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(f"health_pipeline.commands.{module_name}")
        except ModuleNotFoundError as error:
            if error.name != f"health_pipeline.commands.{module_name}":
                raise
            continue
        sub = subparsers.add_parser(name, help=module.__doc__, description=module.__doc__)
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM during `run` (which raises it so that cleanup runs)
        print("Stopped (interrupted or terminated): the run is marked failed and nothing more is delivered.",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
