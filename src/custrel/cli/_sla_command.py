"""``custrel sla simulate MODULE:NAME CASES.csv``: replay historical cases under a policy book."""

from __future__ import annotations

import argparse
from typing import TextIO

from custrel import _time
from custrel.cli._policy_command import load_book
from custrel.sla import read_cases_csv, simulate

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``sla`` command with its ``simulate`` subcommand."""
    sla = commands.add_parser("sla", help="service levels: try a policy book on past cases")
    actions = sla.add_subparsers(dest="action", metavar="ACTION", required=True)
    command = actions.add_parser(
        "simulate",
        help="replay cases from CSV under a book: achieved %% and breaches per policy, "
        "priority and kind",
    )
    command.add_argument("policy", metavar="MODULE:NAME", help="the book to try")
    command.add_argument(
        "cases",
        metavar="CASES.csv",
        help="one row per case event: case_id,customer_id,event,at,kind,priority,status,"
        "actor,first_contact (see the service-levels docs)",
    )
    command.add_argument(
        "--against", metavar="MODULE:NAME", help="a second book to show side by side"
    )
    command.add_argument(
        "--now",
        metavar="INSTANT",
        help="evaluate the cases at this ISO 8601 instant with an offset (default: the last "
        "event in the file)",
    )
    command.set_defaults(run=_simulate)


def _label(spec: str) -> str:
    return spec.rpartition(":")[2]


def _simulate(arguments: argparse.Namespace, out: TextIO) -> int:
    book = load_book(arguments.policy)
    against = load_book(arguments.against) if arguments.against else None
    now = _time.parse_instant(arguments.now, "--now") if arguments.now else None
    cases = read_cases_csv(arguments.cases)
    result = simulate(book, cases, now=now, against=against)
    if not result.rows:
        out.write("No cases to evaluate.\n")
        return 0
    names = _label(arguments.policy)
    if against is not None:
        names += f" against {_label(arguments.against)}"
    count = result.rows[0].book.cases if result.rows[0].book is not None else 0
    assert result.at is not None  # noqa: S101 - there are rows, so there is an instant
    when = result.at.in_timezone(book.default.calendar.timezone).isoformat()
    out.write(f"{count} cases evaluated at {when} under {names}.\n\n")
    out.write(
        result.to_markdown(
            book=_label(arguments.policy),
            against=_label(arguments.against) if arguments.against else "against",
        )
    )
    return 0
