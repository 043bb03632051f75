"""Argument parsing for the ``custrel`` command; each command lives in a module of its own."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from custrel.cli import _demo_command, _policy_command, _score_command, _sla_command
from custrel.errors import CustrelError

__all__ = ["main"]

Register = Callable[
    ["argparse._SubParsersAction[argparse.ArgumentParser]"],  # noqa: SLF001 - argparse names it so
    None,
]

_COMMANDS: tuple[Register, ...] = (
    _demo_command.register,
    _score_command.register,
    _policy_command.register,
    _sla_command.register,
)
"""Each command module's ``register``: it adds its parser and sets ``run(arguments, out)``."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="custrel", description="Customer relationships, from the command line."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in _COMMANDS:
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``custrel`` command with *argv* (default: the process arguments)."""
    parser = _parser()
    arguments = parser.parse_args(argv)
    if arguments.command is None:
        parser.print_help()
        return 2
    run: Callable[[argparse.Namespace, TextIO], int] = arguments.run
    try:
        return run(arguments, sys.stdout)
    except (ImportError, CustrelError, OSError) as error:
        print(f"custrel: {error}", file=sys.stderr)
        return 1
