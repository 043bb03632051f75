"""``custrel demo``: argument parsing; the story itself is in `custrel.cli._demo`."""

from __future__ import annotations

import argparse
from typing import TextIO

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``demo`` command."""
    demo = commands.add_parser(
        "demo", help="run a day at a small web shop on an embedded SQLite file"
    )
    demo.add_argument(
        "--db",
        default="custrel-demo.sqlite",
        help="SQLite file to use; custrel's tables in it are reset (default: %(default)s)",
    )
    demo.set_defaults(run=_run)


def _run(arguments: argparse.Namespace, out: TextIO) -> int:
    from custrel.cli._demo import run_demo  # noqa: PLC0415 - needs the sql extra

    run_demo(arguments.db, out=out)
    return 0
