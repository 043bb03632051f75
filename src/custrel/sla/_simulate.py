"""`simulate`: replay historical cases under a policy book and count what it would have achieved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Literal

import attrs
import pendulum

from custrel import _time
from custrel.calendars import to_microseconds
from custrel.cases import Case, CaseKind, Priority
from custrel.errors import NotFoundError, ValidationError
from custrel.sla._book import PolicyBook
from custrel.sla._metrics import Metric
from custrel.sla._report import SlaReport

__all__ = ["Dimension", "MetricTally", "Simulation", "SimulationRow", "Tally", "simulate"]

Dimension = Literal["all", "policy", "priority", "kind"]
"""How a row groups cases: all of them, by policy, by priority or by kind."""


def _percent(met: int, breached: int) -> float | None:
    finished = met + breached
    return None if not finished else 100.0 * met / finished


@attrs.frozen
class MetricTally:
    """One metric's cycles in a group: met, breached, and still running.

    Attributes:
        met: Cycles completed by their deadline.
        breached: Cycles that went past their deadline (completed or not).
        running: Cycles still running (or paused) and not yet past their deadline.
    """

    met: int = 0
    breached: int = 0
    running: int = 0

    @property
    def achieved(self) -> float | None:
        """``met / (met + breached)`` as a percentage; None when no cycle has an outcome."""
        return _percent(self.met, self.breached)


@attrs.frozen
class Tally:
    """A group of cases under one book.

    Attributes:
        cases: How many cases.
        met: Cases whose every clock completed by its deadline.
        breached: Cases where any clock went past a deadline.
        running: Cases not breached with a clock still running or paused.
        metrics: Per metric, the cycles met, breached and running.
    """

    cases: int
    met: int
    breached: int
    running: int
    metrics: Mapping[Metric, MetricTally] = attrs.field(hash=False)

    @property
    def achieved(self) -> float | None:
        """``met / (met + breached)`` as a percentage; None when no case has an outcome yet."""
        return _percent(self.met, self.breached)


@attrs.frozen
class SimulationRow:
    """One group of cases, under the book and (when given) the book it is compared with.

    Attributes:
        dimension: ``"all"``, ``"policy"``, ``"priority"`` or ``"kind"``.
        group: The policy name, priority or kind (``"all cases"`` for the first row).
        book: The tally under the simulated book (None: no case of this group under it).
        against: The tally under the other book (None without one, or no case there).
    """

    dimension: Dimension
    group: str
    book: Tally | None
    against: Tally | None


class _Counter:
    __slots__ = ("breached", "cases", "met", "metrics", "running")

    def __init__(self) -> None:
        self.cases = self.met = self.breached = self.running = 0
        self.metrics: dict[Metric, list[int]] = {}

    def add(self, report: SlaReport, case_open: bool) -> None:
        self.cases += 1
        if report.breached:
            self.breached += 1
        elif case_open or any(m.state != "completed" for m in report.metrics):
            self.running += 1
        else:
            self.met += 1
        for metric in report.metrics:
            counts = self.metrics.setdefault(metric.metric, [0, 0, 0])
            running = metric.state != "completed" and not metric.is_breached
            counts[0] += metric.cycle - metric.breaches - running
            counts[1] += metric.breaches
            counts[2] += running

    def tally(self) -> Tally:
        metrics = {
            name: MetricTally(*self.metrics[name]) for name in Metric if name in self.metrics
        }
        return Tally(self.cases, self.met, self.breached, self.running, MappingProxyType(metrics))


def _tallies(
    book: PolicyBook, cases: list[Case], now: pendulum.DateTime
) -> dict[tuple[str, str], Tally]:
    counters: dict[tuple[str, str], _Counter] = {}
    for case in cases:
        report = book.evaluate(case, now)
        for key in (
            ("all", "all cases"),
            ("policy", report.policy),
            ("priority", report.priority.value),
            ("kind", report.kind.value),
        ):
            counters.setdefault(key, _Counter()).add(report, case.is_open)
    return {key: counter.tally() for key, counter in counters.items()}


def _order(
    key: tuple[str, str], book: PolicyBook | None, other: PolicyBook | None
) -> tuple[int, int, str]:
    dimension, group = key
    if dimension == "all":
        return (0, 0, group)
    if dimension == "policy":
        names = [policy.name for b in (book, other) if b is not None for policy in b]
        return (1, names.index(group), group)
    if dimension == "priority":
        return (2, -Priority(group).rank, group)
    return (3, list(CaseKind).index(CaseKind(group)), group)


@attrs.frozen
class Simulation:
    """What a book would have achieved on a set of cases, beside another book when given.

    Attributes:
        at: The instant the cases were evaluated at (None when there were no cases).
        rows: All cases first, then by policy, by priority (urgent first) and by kind.
    """

    at: pendulum.DateTime | None
    rows: tuple[SimulationRow, ...]
    compared: bool = False

    def row(self, dimension: Dimension, group: str) -> SimulationRow:
        """Return the row for a group, such as ``row("priority", "high")``.

        Raises:
            NotFoundError: No case fell in that group.
        """
        for row in self.rows:
            if row.dimension == dimension and row.group == group:
                return row
        raise NotFoundError(f"no {dimension} row {group!r} in the simulation")

    def to_markdown(self, *, book: str = "book", against: str = "against") -> str:
        """Return the rows as Markdown tables (cases, then each metric), labelling the two books."""
        books = [("book", book)] + ([("against", against)] if self.compared else [])
        header = ["Group"]
        for _, label in books:
            header += [f"Cases ({label})", f"Achieved ({label})", f"Breached ({label})"]
        table = [header]
        for row in self.rows:
            cells = [_group(row)]
            for attribute, _ in books:
                tally: Tally | None = getattr(row, attribute)
                cells += [_count(tally, "cases"), _achieved(tally), _count(tally, "breached")]
            table.append(cells)
        lines = _markdown(table)
        metrics = [
            name
            for name in Metric
            if any(
                tally is not None and name in tally.metrics
                for row in self.rows
                for tally in (row.book, row.against)
            )
        ]
        if metrics:
            header = ["Group"]
            header += [f"{m.label.capitalize()} ({label})" for m in metrics for _, label in books]
            table = [header]
            for row in self.rows:
                cells = [_group(row)]
                for name in metrics:
                    for attribute, _ in books:
                        tally = getattr(row, attribute)
                        cells.append(_achieved(None if tally is None else tally.metrics.get(name)))
                table.append(cells)
            lines += ["", *_markdown(table)]
        return "\n".join(lines) + "\n"


def _group(row: SimulationRow) -> str:
    return row.group if row.dimension == "all" else f"{row.dimension}: {row.group}"


def _achieved(tally: Tally | MetricTally | None) -> str:
    if tally is None or tally.achieved is None:
        return "-"
    return f"{tally.achieved:.1f} %"


def _count(tally: Tally | None, field: str) -> str:
    return "-" if tally is None else str(getattr(tally, field))


def _markdown(table: list[list[str]]) -> list[str]:
    header, *rows = table
    lines = ["| " + " | ".join(header) + " |", "| --- " * len(header) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return lines


def _as_of(case: Case, at_us: int) -> Case:
    """The case as it stood at *at_us*: its history up to then (events at that instant included)."""
    if case.history[-1].at_us <= at_us:
        return case
    history = tuple(event for event in case.history if event.at_us <= at_us)
    return Case(id=case.id, customer_id=case.customer_id, history=history, version=case.version)


def simulate(
    book: PolicyBook,
    cases: Iterable[Case],
    *,
    now: dt.datetime | None = None,
    against: PolicyBook | None = None,
) -> Simulation:
    """Replay historical cases under *book* (and *against*): achieved % and breaches per group.

    Every case is evaluated at *now* (default: the last event among all the cases, the end of
    the data), so a case still open then counts as running unless it has already breached.
    With an earlier *now*, cases are taken as they stood then: later events are ignored and
    cases opened later are left out.
    A case is met when every clock completed by its deadline; achieved is met over met plus
    breached. Rows group the cases by policy (each book's own), priority and kind.

    Raises:
        ValidationError: *book* or *against* is not a `PolicyBook`, a case is not a `Case`, or
            *now* is naive.
    """
    for name, value in (("book", book), ("against", against)):
        if value is not None and not isinstance(value, PolicyBook):
            raise ValidationError("expected a PolicyBook", field=name, value=value)
    items = list(cases)
    for item in items:
        if not isinstance(item, Case):
            raise ValidationError("expected a Case", field="cases", value=item)
    # Instants are compared as integers: two datetimes in one zone compare by wall time,
    # which is wrong in the hour the clocks go back.
    if now is not None:
        at = _time.instant(now, "now")
        at_us = to_microseconds(at)
        items = [_as_of(case, at_us) for case in items if case.history[0].at_us <= at_us]
    elif items:
        at = max(items, key=lambda case: case.history[-1].at_us).updated_at
    else:
        return Simulation(None, (), compared=against is not None)
    if not items:
        return Simulation(at, (), compared=against is not None)
    mine = _tallies(book, items, at)
    theirs = _tallies(against, items, at) if against is not None else {}
    keys = sorted(set(mine) | set(theirs), key=lambda key: _order(key, book, against))
    rows = tuple(
        SimulationRow(key[0], key[1], mine.get(key), theirs.get(key))  # type: ignore[arg-type]  # keys are Dimension
        for key in keys
    )
    return Simulation(at, rows, compared=against is not None)
