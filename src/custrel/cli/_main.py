"""Argument parsing for the ``custrel`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from custrel.errors import CustrelError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="custrel", description="Customer relationships, from the command line."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo", help="run a day at a small web shop on an embedded SQLite file"
    )
    demo.add_argument(
        "--db",
        default="custrel-demo.sqlite",
        help="SQLite file to use; custrel's tables in it are reset (default: %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``custrel`` command with *argv* (default: the process arguments)."""
    parser = _parser()
    arguments = parser.parse_args(argv)
    if arguments.command is None:
        parser.print_help()
        return 2
    try:
        from custrel.cli._demo import run_demo  # noqa: PLC0415 - needs the sql extra

        run_demo(arguments.db, out=sys.stdout)
    except ImportError as error:
        print(f"custrel: {error}", file=sys.stderr)
        return 1
    except CustrelError as error:
        print(f"custrel: {error}", file=sys.stderr)
        return 1
    return 0
