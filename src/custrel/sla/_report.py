"""`SlaReport` and `MetricReport`: where a case stands against its service levels at an instant."""

from __future__ import annotations

from typing import Any, Literal, Protocol

import attrs
import pendulum
from pendulum.tz.timezone import Timezone

from custrel.calendars._instants import zone_instant
from custrel.cases import CaseKind, Priority
from custrel.sla._metrics import Metric
from custrel.sla._targets import Target

__all__ = ["Measured", "MetricReport", "SlaReport", "State", "zone_instant"]

State = Literal["active", "paused", "completed"]
"""A clock's state: running, stopped while the status is in ``pause_on``, or done."""


class Measured(Protocol):
    """What a report reads from the measurement behind it (see `custrel.sla._measure`)."""

    start: int
    stop: int | None
    target: int
    state: State

    @property
    def plan(self) -> Any: ...  # noqa: ANN401 - the plan: its metric, target and zone
    @property
    def cycle(self) -> int: ...

    def deadline(self) -> int: ...
    def elapsed(self) -> int: ...
    def breached(self) -> bool: ...
    def breaches(self) -> int: ...


@attrs.frozen(eq=False, repr=False)
class MetricReport:
    """One metric of a case at an instant: its deadline, state, and whether it was breached.

    Instants are in the zone of the calendar the metric is measured on. For the recurring
    metrics (next response, periodic update) the report is about the current cycle, or the
    last one when none is running; ``cycle`` and ``breaches`` count them all.

    Evaluation does only the calendar arithmetic the next check needs; the rest of a report is
    computed, on integers, the first time it is read. Two reports are equal when everything
    they say is equal.
    """

    _measured: Measured

    @property
    def metric(self) -> Metric:
        """Which clock."""
        metric: Metric = self._measured.plan.metric
        return metric

    @property
    def target(self) -> Target:
        """The target it is measured against (as the policy gives it)."""
        target: Target = self._measured.plan.target
        return target

    @property
    def state(self) -> State:
        """``"active"`` (running), ``"paused"`` (in a ``pause_on`` status) or ``"completed"``."""
        return self._measured.state

    @property
    def cycle(self) -> int:
        """Which cycle this is, from 1 (always 1 for first response and resolution)."""
        return self._measured.cycle

    @property
    def _zone(self) -> Timezone:
        zone: Timezone = self._measured.plan.zone
        return zone

    @property
    def started_at(self) -> pendulum.DateTime:
        """When this cycle of the clock started."""
        return zone_instant(self._measured.start, self._zone)

    @property
    def due_at(self) -> pendulum.DateTime:
        """The deadline: when the running business time reaches the target.

        While paused it is provisional (the deadline if the case resumed now); once completed
        it is the deadline the completion was measured against.
        """
        return zone_instant(self._measured.deadline(), self._zone)

    @property
    def completed_at(self) -> pendulum.DateTime | None:
        """When the clock was completed, or None."""
        stop = self._measured.stop
        return None if stop is None else zone_instant(stop, self._zone)

    @property
    def breached_at(self) -> pendulum.DateTime | None:
        """``due_at`` once the clock passed it before completion, else None."""
        return self.due_at if self._measured.breached() else None

    @property
    def is_breached(self) -> bool:
        """True when this cycle passed its deadline before completion."""
        return self._measured.breached()

    @property
    def breaches(self) -> int:
        """How many cycles, this one included, went past their deadline."""
        return self._measured.breaches()

    @property
    def elapsed(self) -> pendulum.Duration:
        """The running business time counted so far (pauses excluded)."""
        return pendulum.duration(microseconds=self._measured.elapsed())

    @property
    def remaining(self) -> pendulum.Duration:
        """``target - elapsed`` in business time; negative by how much it is over."""
        return pendulum.duration(microseconds=self._measured.target - self._measured.elapsed())

    @property
    def target_time(self) -> pendulum.Duration:
        """The target as business time (`BusinessDays` converted at the cycle's start)."""
        return pendulum.duration(microseconds=self._measured.target)

    def __repr__(self) -> str:
        return (
            f"MetricReport(metric={self.metric!r}, target={self.target!r}, "
            f"state={self.state!r}, cycle={self.cycle!r})"
        )

    def _values(self) -> tuple[object, ...]:
        measured = self._measured
        return (
            self.metric,
            self.target,
            self.state,
            self.cycle,
            measured.start,
            measured.stop,
            measured.target,
            measured.deadline(),
            measured.elapsed(),
            measured.breaches(),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MetricReport):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())


@attrs.frozen(eq=False, repr=False)
class SlaReport:
    """Where a case stands against its service levels at an instant (`PolicyBook.evaluate`).

    A metric is None when the policy sets no target for it at the case's priority, or (for
    next response) when no customer message has waited for an answer yet. Two reports are
    equal when everything they say is equal.

    Attributes:
        case_id: The case.
        policy: The name of the policy that applies.
        priority: The case's priority, whose targets apply.
        kind: The case's kind.
        at: The instant of the report (never earlier than the case's last event).
    """

    case_id: str
    policy: str
    priority: Priority
    kind: CaseKind
    at: pendulum.DateTime
    # In `Metric` order; the `MetricReport` views are made when read, as most callers of
    # `evaluate` only want the next check.
    _measured: tuple[Measured | None, ...]
    _next_check_us: int | None
    _zone: Timezone

    def _report(self, slot: int) -> MetricReport | None:
        measured = self._measured[slot]
        return None if measured is None else MetricReport(measured)

    @property
    def first_response(self) -> MetricReport | None:
        """From opening to the first agent reply."""
        return self._report(0)

    @property
    def next_response(self) -> MetricReport | None:
        """From a customer message to its answer (the current or last cycle)."""
        return self._report(1)

    @property
    def resolution(self) -> MetricReport | None:
        """From opening to resolution, pauses excluded."""
        return self._report(2)

    @property
    def periodic_update(self) -> MetricReport | None:
        """Between updates to the customer (the current or last cycle)."""
        return self._report(3)

    @property
    def metrics(self) -> tuple[MetricReport, ...]:
        """The reports of the metrics measured, in `Metric` order."""
        return tuple(MetricReport(measured) for measured in self._measured if measured is not None)

    @property
    def breached(self) -> bool:
        """True when any metric went past a deadline (in any cycle)."""
        return any(measured.breaches() for measured in self._measured if measured is not None)

    @property
    def next_check_at(self) -> pendulum.DateTime | None:
        """When this case next needs looking at, or None when nothing will happen by itself.

        The earliest of: an escalation step not yet recorded on the case (possibly already
        due, so earlier than ``at``), and a running clock's deadline still ahead. Paused and
        completed clocks add nothing: only a change to the case moves them.
        """
        return (
            None if self._next_check_us is None else zone_instant(self._next_check_us, self._zone)
        )

    def _values(self) -> tuple[object, ...]:
        return (
            self.case_id,
            self.policy,
            self.priority,
            self.kind,
            self.at,
            self.first_response,
            self.next_response,
            self.resolution,
            self.periodic_update,
            self._next_check_us,
            self._zone,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SlaReport):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ("case_id", "policy", "priority", "kind", "at", *(m.value for m in Metric))
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in fields)
        return f"SlaReport({shown})"
