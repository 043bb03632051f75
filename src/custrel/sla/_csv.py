"""Case histories from CSV, one row per case event, for `simulate` and ``custrel sla simulate``."""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

import pendulum

from custrel import _time
from custrel.cases import Case, CaseKind, CaseStatus, Priority
from custrel.errors import CustrelError, ValidationError

__all__ = ["CSV_COLUMNS", "read_cases_csv"]

CSV_COLUMNS = (
    "case_id",
    "customer_id",
    "event",
    "at",
    "kind",
    "priority",
    "status",
    "actor",
    "first_contact",
)
"""The columns a cases CSV may have; ``case_id``, ``event`` and ``at`` are required."""

_REQUIRED = ("case_id", "event", "at")
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0", ""}

Row = dict[str, str]


def _instant(text: str) -> pendulum.DateTime:
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            "not an ISO 8601 instant such as 2026-03-02T09:15:00+01:00", field="at", value=text
        ) from None
    if parsed.tzinfo is None:
        raise ValidationError(
            "no UTC offset; write it as 2026-03-02T09:15:00+01:00 or ...Z", field="at", value=text
        )
    return _time.instant(parsed, "at")


def _flag(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValidationError("expected true or false", field="first_contact", value=text)


def _need(row: Row, column: str, event: str) -> str:
    value = row.get(column, "").strip()
    if not value:
        raise ValidationError(f"required on {event} rows", field=column)
    return value


def _opt(row: Row, column: str) -> str | None:
    value = row.get(column, "").strip()
    return value or None


def _apply(case: Case, event: str, at: pendulum.DateTime, row: Row) -> Case:
    actor = _opt(row, "actor")
    steps: dict[str, Callable[[], Case]] = {
        "agent_replied": lambda: case.agent_reply(at, agent=actor),
        "customer_replied": lambda: case.customer_reply(at),
        "status_changed": lambda: case.set_status(_need(row, "status", event), at, actor=actor),
        "priority_changed": lambda: case.change_priority(
            _need(row, "priority", event), at, actor=actor
        ),
        "kind_changed": lambda: case.change_kind(_need(row, "kind", event), at, actor=actor),
        "resolved": lambda: case.resolve(
            at, first_contact=_flag(row.get("first_contact", "")), actor=actor
        ),
        "reopened": lambda: case.reopen(at, actor=actor),
        "closed": lambda: case.close(at, actor=actor),
    }
    step = steps.get(event)
    if step is None:
        known = ", ".join(["opened", *steps])
        raise ValidationError(f"unknown event; expected one of {known}", field="event", value=event)
    if event != "resolved" and _opt(row, "first_contact") is not None:
        raise ValidationError("only read on resolved rows", field="first_contact")
    return step()


def _check_state(case: Case, row: Row) -> None:
    """Columns given on a row must agree with the case after the row's event."""
    for column, actual, kind in (
        ("status", case.status, CaseStatus),
        ("priority", case.priority, Priority),
        ("kind", case.kind, CaseKind),
    ):
        given = _opt(row, column)
        if given is None:
            continue
        try:
            expected = kind(given)
        except ValueError:
            allowed = ", ".join(item.value for item in kind)
            raise ValidationError(f"expected one of {allowed}", field=column, value=given) from None
        if expected is not actual:
            raise ValidationError(
                f"the case is {actual.value} after this event, not {expected.value}",
                field=column,
                value=given,
            )


def _row(cases: dict[str, Case], row: Row) -> None:
    case_id = _need(row, "case_id", "all")
    event = _need(row, "event", "all").lower()
    at = _instant(_need(row, "at", "all"))
    case = cases.get(case_id)
    if event == "opened":
        if case is not None:
            raise ValidationError(
                "the case was opened on an earlier row", field="case_id", value=case_id
            )
        if _opt(row, "first_contact") is not None:
            raise ValidationError("only read on resolved rows", field="first_contact")
        case = Case.open(
            id=case_id,
            customer_id=_need(row, "customer_id", event),
            kind=_need(row, "kind", event),
            priority=_need(row, "priority", event),
            at=at,
            actor=_opt(row, "actor"),
        )
    else:
        if case is None:
            raise ValidationError(
                "no earlier 'opened' row for this case", field="case_id", value=case_id
            )
        customer_id = _opt(row, "customer_id")
        if customer_id is not None and customer_id != case.customer_id:
            raise ValidationError(
                f"the case belongs to {case.customer_id!r}", field="customer_id", value=customer_id
            )
        case = _apply(case, event, at, row)
    _check_state(case, row)
    cases[case_id] = case


def _read(lines: Iterable[str], source: str) -> list[Case]:
    reader = csv.DictReader(lines)
    header = reader.fieldnames
    if header is None:
        raise ValidationError(f"{source}: empty; expected a header line {','.join(CSV_COLUMNS)}")
    columns = [name.strip() for name in header]
    unknown = [name for name in columns if name not in CSV_COLUMNS]
    missing = [name for name in _REQUIRED if name not in columns]
    if unknown or missing or len(set(columns)) != len(columns):
        problem = (
            f"unknown columns {unknown}"
            if unknown
            else f"missing columns {missing}"
            if missing
            else "a column appears twice"
        )
        raise ValidationError(
            f"{source}, line 1: {problem}; the columns are {', '.join(CSV_COLUMNS)}"
            f" ({', '.join(_REQUIRED)} required)"
        )
    reader.fieldnames = columns
    cases: dict[str, Case] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            raise ValidationError(f"{source}, line {line}: more fields than the header has")
        try:
            _row(cases, {key: value or "" for key, value in row.items()})
        except CustrelError as error:
            raise type(error)(f"{source}, line {line}: {error}") from error
    return list(cases.values())


def read_cases_csv(source: str | os.PathLike[str] | TextIO) -> list[Case]:
    """Read case histories from CSV: one row per case event, in time order per case.

    The header names the columns (any order): ``case_id``, ``event`` and ``at`` are required;
    ``customer_id``, ``kind``, ``priority``, ``status``, ``actor`` and ``first_contact`` as the
    events need them. ``event`` is one of ``opened`` (needs ``customer_id``, ``kind`` and
    ``priority``), ``agent_replied``, ``customer_replied``, ``status_changed`` (needs
    ``status``), ``priority_changed`` (``priority``), ``kind_changed`` (``kind``), ``resolved``
    (``first_contact`` true/false, optional), ``reopened`` and ``closed``. ``at`` is ISO 8601
    with an offset (``2026-03-02T09:15:00+01:00`` or ``...Z``). On other rows ``status``,
    ``priority`` and ``kind`` are optional and, when given, must match the case after the
    event (an export that repeats them on every row is checked, not trusted).

    Args:
        source: A path, or an open text file.

    Returns:
        The cases in the order they were opened.

    Raises:
        ValidationError: A malformed row or an impossible event; the message names the file
            and line (``cases.csv, line 7: at: ...``).
        OSError: The file cannot be read.
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        with path.open(encoding="utf-8", newline="") as handle:
            return _read(handle, path.name)
    return _read(source, getattr(source, "name", "<csv>"))
