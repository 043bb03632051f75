"""Measuring a metric's clock on a calendar: deadlines, elapsed time, breaches and due steps.

A policy compiles each (priority, metric) into a `Plan` once: the target in integer
microseconds, the calendar's microsecond arithmetic and the escalation steps in order.
`Measurement` then measures one case's runs of that metric's clock (`custrel.sla._clocks`) at
an instant, using only integers, and computes nothing it is not asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from pendulum.tz.timezone import Timezone

from custrel import _time
from custrel.calendars import BusinessCalendar, BusinessDays
from custrel.sla import _clocks
from custrel.sla._clocks import Run
from custrel.sla._escalation import Escalation
from custrel.sla._metrics import RECURRING, Metric
from custrel.sla._report import State
from custrel.sla._targets import Target

__all__ = ["ACTIVE", "COMPLETED", "PAUSED", "Measurement", "Plan", "Step"]

ACTIVE: State = "active"
PAUSED: State = "paused"
COMPLETED: State = "completed"
_ONE_US = dt.timedelta(microseconds=1)
_ALL = 1 << 63  # µs of business time beyond any instant: counting to it measures every stretch


class Step:
    """An escalation step as evaluation uses it, with its key and, for a fixed target, its point.

    For the recurring metrics the key is a format string that takes the cycle number. The
    point is the running business time (µs) at which the step is due; a `BusinessDays`
    target's length depends on the cycle's start, so its steps have none until measured.
    """

    __slots__ = ("escalation", "key", "point")

    def __init__(self, escalation: Escalation, key: str, point: int | None = None) -> None:
        self.escalation = escalation
        self.key = key
        self.point = point

    def at_target(self, target_us: int) -> Step:
        """Return this step with its point for a target of *target_us*."""
        return Step(self.escalation, self.key, self.escalation.point_us(target_us))


def _point(step: Step) -> int:
    assert step.point is not None  # noqa: S101 - set by Step.at_target
    return step.point


class Plan:
    """One metric at one priority, compiled: target, calendar arithmetic and steps."""

    __slots__ = (
        "add",
        "business_days",
        "calendar",
        "elapsed",
        "metric",
        "pauses",
        "recurring",
        "slot",
        "steps",
        "target",
        "target_us",
        "zone",
    )

    def __init__(
        self, metric: Metric, target: Target, calendar: BusinessCalendar, steps: Sequence[Step]
    ) -> None:
        self.metric = metric
        self.slot = list(Metric).index(metric)  # where its report goes in an SlaReport
        self.target = target
        self.calendar = calendar
        self.add = calendar.add_microseconds
        self.elapsed = calendar.elapsed_microseconds
        self.zone: Timezone = _time.timezone(calendar.timezone)
        self.pauses = metric.pauses
        self.recurring = metric in RECURRING
        self.business_days = target.days if isinstance(target, BusinessDays) else 0
        self.target_us = 0 if isinstance(target, BusinessDays) else target // _ONE_US
        self.steps = tuple(steps) if self.business_days else self.ordered(steps, self.target_us)

    @staticmethod
    def ordered(steps: Sequence[Step], target_us: int) -> tuple[Step, ...]:
        """Return *steps* with their points for a target, in the order they fall due.

        In that order the first step not yet fired is the next one due.
        """
        return tuple(sorted((step.at_target(target_us) for step in steps), key=_point))

    def target_at(self, start: int) -> int:
        """Return the target in business µs for a cycle starting at *start*.

        `BusinessDays` become the business time between the start and the same wall time that
        many business days later, so pauses then extend them like any other target.
        """
        if not self.business_days:
            return self.target_us
        end = self.calendar.add_business_days_microseconds(start, self.business_days)
        return self.elapsed(start, end)

    def lengths(self, spans: list[int]) -> list[int]:
        """Return the business time of each running stretch in *spans*."""
        elapsed = self.elapsed
        return [elapsed(spans[i], spans[i + 1]) for i in range(0, len(spans), 2)]

    def walk(self, spans: list[int], lengths: list[int], end: int, point: int) -> int:
        """Return when the running business time reaches *point* (past *end*: as if running on)."""
        acc = 0
        for index, length in enumerate(lengths):
            if acc + length >= point:
                return self.add(spans[2 * index], point - acc)
            acc += length
        return self.add(end, point - acc)

    def breached(self, run: Run) -> bool:
        """Return whether a completed run went past its deadline."""
        start, spans, stop, _ = run
        assert stop is not None  # noqa: S101 - only completed runs are passed
        target = self.target_at(start)
        # Business time never runs faster than the wall clock: a run no longer than its target
        # cannot have passed its deadline, and most are, so most need no calendar at all.
        if stop - start <= target:
            return False
        if self.pauses:
            spans = _clocks.clip(spans, start, stop)
        lengths = self.lengths(spans)
        elapsed = sum(lengths)
        if elapsed != target:  # less: the deadline lies after the stop; more: before it
            return elapsed > target
        return stop > self.walk(spans, lengths, stop, target)

    def past_breaches(self, runs: Sequence[Run]) -> int:
        """Return how many of the completed *runs* went past their deadline."""
        return sum(self.breached(run) for run in runs)


class Measurement:
    """A metric's current (or last) run on a case at an instant (µs), measured on its plan.

    Calendar arithmetic is the expensive part, so a measurement computes nothing until asked
    and keeps what it computed: `elapsed` (the running business time), `deadline`, `breached`,
    `breaches` (earlier cycles included). Wall-clock bounds answer many questions for free:
    business time never runs faster than the wall clock, so a run whose running wall time
    ``wall`` is within its target cannot have breached.
    """

    __slots__ = (
        "_counted",
        "_deadline",
        "_lengths",
        "_past_breaches",
        "end",
        "now",
        "plan",
        "runs",
        "spans",
        "start",
        "state",
        "stop",
        "target",
        "wall",
    )
    _deadline: int | None
    _past_breaches: int | None

    def __init__(self, plan: Plan, runs: Sequence[Run], now: int) -> None:
        self.plan = plan
        self.runs = runs
        self.now = now
        start, spans, stop, running = runs[-1]
        self.start, self.spans, self.stop = start, spans, stop
        self.target = plan.target_at(start) if plan.business_days else plan.target_us
        if stop is None:
            self.end = now
            self.state = ACTIVE if running else PAUSED
        else:
            self.end = stop
            self.state = COMPLETED
        self.wall = _length(spans) if plan.pauses else self.end - start
        self._lengths: list[int] = []  # of the first running stretches, as far as measured
        self._counted = 0  # their sum
        self._deadline = self._past_breaches = None

    @property
    def cycle(self) -> int:
        """Which cycle is measured, from 1."""
        return len(self.runs)

    def counted(self, point: int) -> int:
        """Return the running business time, measuring stretches in order until it reaches *point*.

        Below *point* the result is all the running business time up to the end; otherwise
        it may be part of it. Most questions are about a point (the target, a step), and a
        long-breached clock passed it in its first stretches.
        """
        counted = self._counted
        spans, lengths = self.spans, self._lengths
        index = 2 * len(lengths)
        if counted >= point or index == len(spans):
            return counted
        elapsed = self.plan.elapsed
        while index < len(spans) and counted < point:
            length = elapsed(spans[index], spans[index + 1])
            lengths.append(length)
            counted += length
            index += 2
        self._counted = counted
        return counted

    def elapsed(self) -> int:
        """Return the running business time up to the end (completion or now)."""
        return self.counted(_ALL)

    def instant(self, point: int) -> int:
        """Return when the running business time reaches *point* (past the end: as if running)."""
        plan = self.plan
        if point == self.target and self._deadline is not None:
            return self._deadline
        if plan.pauses:
            self.counted(point)  # measures the stretches the walk goes through
            at = plan.walk(self.spans, self._lengths, self.end, point)
        else:
            at = plan.add(self.start, point)
        if point == self.target:
            self._deadline = at
        return at

    def deadline(self) -> int:
        """Return the instant the running business time reaches the target."""
        return self.instant(self.target)

    def reached(self, point: int) -> bool:
        """Return whether the running business time had reached *point* by the end."""
        return self.wall >= point and self.counted(point) >= point

    def breached(self) -> bool:
        """Return whether the clock passed its deadline before the end (completion or now)."""
        target = self.target
        if self.wall <= target:
            # elapsed <= wall <= target: not past the target (at most exactly at the end).
            return False
        counted = self.counted(target + 1)
        if counted != target:  # more: passed it; less: all of it, short of the target
            return counted > target
        return self.end > self.deadline()

    def breaches(self) -> int:
        """Return how many cycles, this one included, passed their deadline."""
        if self._past_breaches is None:
            self._past_breaches = self.plan.past_breaches(self.runs[:-1])
        return self._past_breaches + self.breached()

    def check(self) -> int | None:
        """Return a lower bound of the deadline as a next check, or None when it sets none.

        Only a running clock whose deadline lies ahead sets a check; the bound is at least
        the business time left from now, and `instant` gives the exact deadline.
        """
        if self.state is not ACTIVE:
            return None
        target = self.target
        if self.wall < target:  # ahead for sure, and at least target - wall away
            return self.now + target - self.wall
        counted = self.counted(target)
        if counted >= target:
            return None
        return self.now + target - counted

    def steps(self, fired: frozenset[str]) -> Iterator[tuple[Step, str, int, int | None]]:
        """Yield (step, key, point, instant or None) for the steps not in *fired*.

        In order: a step already reached comes with the instant it was reached (at or before
        now); the first one not yet reached comes with None and ends the walk (the later ones
        come after it; `bound` gives a lower bound of its instant). Completed clocks yield
        none; a paused clock yields only the steps it has reached.
        """
        plan = self.plan
        if self.state is COMPLETED or not plan.steps:
            return
        steps = plan.ordered(plan.steps, self.target) if plan.business_days else plan.steps
        for step in steps:
            key = step.key.format(self.cycle) if plan.recurring else step.key
            if key in fired:
                continue
            point: int = step.point  # type: ignore[assignment]  # set by Plan.ordered
            if self.reached(point):
                yield step, key, point, self.instant(point)
                continue
            if self.state is ACTIVE:
                yield step, key, point, None
            return

    def bound(self, point: int) -> int:
        """Return a lower bound of when a running clock reaches *point*, not yet reached.

        Business time never runs faster than the wall clock, and ``wall`` bounds what ran.
        """
        return self.now + max(point - self.wall, 0)


def _length(spans: list[int]) -> int:
    """Return the wall time the flat *spans* cover."""
    total = 0
    for index in range(0, len(spans), 2):
        total += spans[index + 1] - spans[index]
    return total
