"""`SlaPolicy`: the targets, calendar, pause rule and escalations for a group of cases."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs
import pendulum
from pendulum.tz.timezone import Timezone

from custrel import _time
from custrel.calendars import BusinessCalendar, to_microseconds
from custrel.cases import Case, CaseStatus, Priority
from custrel.errors import PolicyError
from custrel.sla import _clocks
from custrel.sla._escalation import Escalation, EscalationNotice, check_name
from custrel.sla._filter import enum_member
from custrel.sla._measure import COMPLETED, Measurement, Plan, Step
from custrel.sla._metrics import RECURRING, Metric
from custrel.sla._report import SlaReport, zone_instant
from custrel.sla._targets import Targets, calendar_of

__all__ = ["SlaPolicy"]

_OPEN_STATUSES = frozenset(status for status in CaseStatus if status.is_open)


def _name(value: object) -> str:
    return check_name(value, "name")


def _calendar(value: object) -> BusinessCalendar:
    return calendar_of(value, "calendar")


def _targets(value: object) -> Mapping[Priority, Targets]:
    if isinstance(value, Targets):
        return MappingProxyType(dict.fromkeys(Priority, value))
    if not isinstance(value, Mapping):
        raise PolicyError(
            "expected Targets, or a mapping of every Priority to Targets",
            field="targets",
            value=value,
        )
    checked: dict[Priority, Targets] = {}
    for key, item in value.items():
        priority = enum_member(Priority, key, "targets")
        if not isinstance(item, Targets):
            raise PolicyError("expected Targets", field=f"targets[{priority.value!r}]", value=item)
        checked[priority] = item
    missing = [priority.value for priority in Priority if priority not in checked]
    if missing:
        raise PolicyError(
            "every priority needs targets, so no case goes unmeasured; missing "
            + ", ".join(missing),
            field="targets",
        )
    return MappingProxyType({priority: checked[priority] for priority in Priority})


def _applies_to(value: object) -> Callable[[Case], bool] | None:
    if value is not None and not callable(value):
        raise PolicyError(
            "expected a callable taking a Case, or None", field="applies_to", value=value
        )
    return value


def _pause_on(value: object) -> frozenset[CaseStatus]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise PolicyError("expected a collection of CaseStatus", field="pause_on", value=value)
    statuses = frozenset(enum_member(CaseStatus, item, "pause_on") for item in value)
    for status in statuses:
        if not status.is_open:
            raise PolicyError(
                "the clocks stop at resolution anyway; pause only on open statuses",
                field="pause_on",
                value=status.value,
            )
    return statuses


def _escalations(value: object) -> tuple[Escalation, ...]:
    if isinstance(value, (str, Escalation)) or not isinstance(value, Iterable):
        raise PolicyError("expected a collection of Escalation", field="escalations", value=value)
    steps = tuple(value)
    for step in steps:
        if not isinstance(step, Escalation):
            raise PolicyError("expected an Escalation", field="escalations", value=step)
    return steps


def _description(value: object) -> str:
    if not isinstance(value, str):
        raise PolicyError("expected a string", field="description", value=value)
    return value.strip()


def _instant(now: dt.datetime) -> tuple[pendulum.DateTime, int]:
    """Check *now* and return it as a `pendulum.DateTime` with its µs."""
    at = now if isinstance(now, pendulum.DateTime) else _time.instant(now, "now")
    return at, to_microseconds(at, "now")  # refuses naive datetimes


_first = operator.itemgetter(0)


def _candidates(
    measurement: Measurement,
    fired: frozenset[str],
    reached: list[tuple[int, Measurement, Step, str]],
    bounded: list[tuple[int, Measurement, int]],
) -> None:
    """Add a running or paused clock's candidates for the next check.

    Steps not yet recorded that the clock has reached go to *reached* with the instant they
    were reached; its deadline and next step, still ahead, go to *bounded* as (lower bound,
    measurement, point), to be worked out exactly only while they could come first.
    """
    deadline = measurement.check()
    if deadline is not None:
        bounded.append((deadline, measurement, measurement.target))
    for step, key, point, when in measurement.steps(fired):
        if when is None:
            bounded.append((measurement.bound(point), measurement, point))
        else:
            reached.append((when, measurement, step, key))


def _earliest(check: int | None, bounded: list[tuple[int, Measurement, int]]) -> int | None:
    """Return the earliest of *check* and the bounded candidates, computing as few as needed."""
    bounded.sort(key=_first)
    for bound, measurement, point in bounded:
        if check is not None and bound >= check:
            break
        when = measurement.instant(point)
        check = when if check is None else min(check, when)
    return check


@attrs.frozen
class SlaPolicy:
    """Service levels for a group of cases: targets per priority on a business calendar.

    ```python
    complaints = SlaPolicy(
        name="Complaints",
        calendar=BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Oslo"),
        targets={
            Priority.URGENT: Targets(first_response=timedelta(hours=1),
                                     resolution=timedelta(hours=4), calendar=always),
            Priority.HIGH: Targets(first_response=timedelta(hours=2), resolution=BusinessDays(1)),
            Priority.NORMAL: normal, Priority.LOW: normal,
        },
        applies_to=CaseFilter(kinds={CaseKind.COMPLAINT}),
        escalations=[Escalation(name="warn", metric="resolution", at=0.75, notify="owner")],
    )
    ```

    Everything is checked when the policy is built (`PolicyError` names the field and value),
    so a bad policy fails at start-up. The policy compiles its targets to integer microseconds
    once; `evaluate` works on integers and the calendars' microsecond arithmetic.

    Attributes:
        name: Shown to staff and part of escalation keys (no ``/`` or ``#``).
        calendar: The business hours the targets count in (unless a `Targets` says otherwise).
        targets: `Targets` for every `Priority` (or one `Targets` for all).
        applies_to: Which cases the policy takes, a callable on a `Case` (a `CaseFilter`
            describes itself); None is allowed only for a book's default policy.
        pause_on: Open statuses that pause the resolution and periodic-update clocks (first
            and next response never pause: they wait on the company).
        escalations: Steps that notify people as deadlines approach or pass.
        description: Plain words for staff about which cases this is (used by `describe`
            when ``applies_to`` cannot describe itself).
    """

    name: str = attrs.field(converter=_name)
    calendar: BusinessCalendar = attrs.field(converter=_calendar)
    targets: Mapping[Priority, Targets] = attrs.field(converter=_targets, hash=False)
    applies_to: Callable[[Case], bool] | None = attrs.field(
        default=None, converter=_applies_to, kw_only=True
    )
    pause_on: frozenset[CaseStatus] = attrs.field(
        default=frozenset({CaseStatus.WAITING_ON_CUSTOMER}), converter=_pause_on, kw_only=True
    )
    escalations: tuple[Escalation, ...] = attrs.field(
        default=(), converter=_escalations, kw_only=True
    )
    description: str = attrs.field(default="", converter=_description, kw_only=True)
    _running: frozenset[CaseStatus] = attrs.field(init=False, eq=False, repr=False, hash=False)
    _zone: Timezone = attrs.field(init=False, eq=False, repr=False, hash=False)
    _plans: Mapping[Priority, tuple[Plan, ...]] = attrs.field(
        init=False, eq=False, repr=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        self._check_escalations()
        plans = {}
        for priority, targets in self.targets.items():
            plans[priority] = tuple(
                Plan(
                    name,
                    value,
                    targets.calendar_for(name, self.calendar),
                    tuple(
                        Step(step, self._key(step))
                        for step in self.escalations
                        if step.metric is name
                    ),
                )
                for name, value in targets.items()
            )
        object.__setattr__(self, "_running", _OPEN_STATUSES - self.pause_on)
        object.__setattr__(self, "_zone", _time.timezone(self.calendar.timezone))
        object.__setattr__(self, "_plans", MappingProxyType(plans))

    def _key(self, step: Escalation) -> str:
        if step.metric in RECURRING:
            return f"{self.name}/{step.metric.value}#{{}}/{step.name}"
        return f"{self.name}/{step.metric.value}/{step.name}"

    def _check_escalations(self) -> None:
        seen: set[tuple[Metric, str]] = set()
        for step in self.escalations:
            where = f"escalations[{step.name!r}]"
            if (step.metric, step.name) in seen:
                raise PolicyError(
                    f"two steps on {step.metric.label} share this name; names make the keys",
                    field=where,
                    value=step.name,
                )
            seen.add((step.metric, step.name))
            measured = [
                (priority, targets.get(step.metric))
                for priority, targets in self.targets.items()
                if targets.get(step.metric) is not None
            ]
            if not measured:
                raise PolicyError(
                    f"no priority has a {step.metric.label} target for this step to watch",
                    field=where,
                )
            if step.before is None:
                continue
            for priority, target in measured:
                if isinstance(target, dt.timedelta) and step.before >= target:
                    raise PolicyError(
                        f"'before' must be shorter than the {step.metric.label} target "
                        f"({target}) at {priority.value} priority",
                        field=where,
                        value=step.before,
                    )

    # -- evaluation -----------------------------------------------------------------------

    def evaluate(self, case: Case, now: dt.datetime) -> SlaReport:
        """Return where *case* stands under this policy at *now* (whether or not it applies).

        A *now* earlier than the case's last event is taken as that event's instant.

        Raises:
            ValidationError: *now* is naive or not a datetime.
        """
        report, _ = self._run(case, now, notices=False)
        return report

    def due_escalations(self, case: Case, now: dt.datetime) -> tuple[EscalationNotice, ...]:
        """Return this policy's steps due on *case* at *now* and not yet recorded on it.

        In order of when they became due. Completed clocks give none.
        """
        _, notices = self._run(case, now, notices=True)
        return notices

    def _run(
        self, case: Case, now: dt.datetime, *, notices: bool
    ) -> tuple[SlaReport, tuple[EscalationNotice, ...]]:
        at, now_us = _instant(now)
        history = case.history
        if now_us < history[-1].at_us:
            now_us = history[-1].at_us
            at = zone_instant(now_us, self._zone)
        priority = case.priority
        fired = case.fired_escalations if self.escalations else frozenset()
        measured: list[Measurement | None] = [None, None, None, None]  # in Metric order
        reached: list[tuple[int, Measurement, Step, str]] = []
        bounded: list[tuple[int, Measurement, int]] = []
        every = _clocks.read(history, now_us, self._running)
        for plan in self._plans[priority]:
            runs = every[plan.slot]
            if runs:
                measurement = measured[plan.slot] = Measurement(plan, runs, now_us)
                if measurement.state is not COMPLETED:  # no deadline or step ahead otherwise
                    _candidates(measurement, fired, reached, bounded)
        check = min(map(_first, reached)) if reached else None
        report = SlaReport(
            case.id,
            self.name,
            priority,
            case.kind,
            at,
            tuple(measured),
            _earliest(check, bounded),
            self._zone,
        )
        if not notices or not reached:
            return report, ()
        reached.sort(key=_first)
        return report, tuple(
            self._notice(measurement, step, key, case, when)
            for when, measurement, step, key in reached
        )

    def _notice(
        self, measurement: Measurement, step: Step, key: str, case: Case, at: int
    ) -> EscalationNotice:
        plan = measurement.plan
        return EscalationNotice(
            key=key,
            case_id=case.id,
            customer_id=case.customer_id,
            policy=self.name,
            metric=plan.metric,
            step=step.escalation.name,
            notify=step.escalation.notify,
            assignee=case.assignee,
            due_at=zone_instant(at, plan.zone),
            deadline=zone_instant(measurement.deadline(), plan.zone),
        )

    # -- words ------------------------------------------------------------------------------

    def describe(self) -> str:
        """Return the policy in plain-language Markdown for staff (see `PolicyBook.describe`)."""
        from custrel.sla._describe import describe_policy  # noqa: PLC0415 - only when asked

        return describe_policy(self, level=2)

    def scope(self) -> str:
        """Which cases the policy takes, in words."""
        if self.description:
            return self.description
        describe: Any = getattr(self.applies_to, "describe", None)
        if callable(describe):
            return str(describe())
        if self.applies_to is None:
            return "all cases"
        name = getattr(self.applies_to, "__name__", "")
        if name and name != "<lambda>":
            return f"cases for which `{name}` says yes"
        return "cases chosen by a rule in code"
