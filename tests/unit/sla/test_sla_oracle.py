"""Service-level clocks against a brute-force oracle that walks business time minute by minute.

Calendars have boundaries on whole minutes, in zones with DST (and UTC); case events fall on
whole minutes, often across a DST change; so a minute is either wholly open or wholly closed,
wholly running or wholly paused, and counting minutes is exact. The oracle uses only the
calendar's ``is_open`` and ``next_open`` (to jump over closed time), never ``add`` or
``elapsed``, and reads the case's status minute by minute.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable
from datetime import timedelta

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.calendars import BusinessCalendar, to_microseconds
from custrel.cases import Case, CaseEventType, CaseStatus, Priority
from custrel.errors import InvalidTransitionError
from custrel.sla import Escalation, MetricReport, PolicyBook, SlaPolicy, Targets
from custrel.testing.strategies import business_calendars

MINUTE = 60_000_000
OPEN_STATUSES = [status for status in CaseStatus if status.is_open]
# Around the DST changes of 2026 in Oslo (29 Mar, 25 Oct), New York (8 Mar, 1 Nov) and
# Sydney (5 Apr, 4 Oct), and an ordinary June week.
BASES = [
    dt.datetime(2026, month, day, tzinfo=dt.timezone.utc)
    for month, day in ((3, 5), (3, 26), (4, 2), (6, 8), (10, 1), (10, 22), (10, 29))
]
OPERATIONS = (
    "agent",
    "customer",
    "waiting",
    "hold",
    "open",
    "resolve",
    "first_contact",
    "reopen",
    "close",
    "priority",
)


def apply(case: Case, operation: str, when: pendulum.DateTime) -> Case:
    actions: dict[str, Callable[[], Case]] = {
        "agent": lambda: case.agent_reply(when, agent="ada"),
        "customer": lambda: case.customer_reply(when),
        "waiting": lambda: case.set_status(CaseStatus.WAITING_ON_CUSTOMER, when),
        "hold": lambda: case.set_status(CaseStatus.ON_HOLD, when),
        "open": lambda: case.set_status(CaseStatus.OPEN, when),
        "resolve": lambda: case.resolve(when),
        "first_contact": lambda: case.resolve(when, first_contact=True),
        "reopen": lambda: case.reopen(when),
        "close": lambda: case.close(when),
        "priority": lambda: case.change_priority(
            Priority.URGENT if case.priority is not Priority.URGENT else Priority.LOW, when
        ),
    }
    try:
        return actions[operation]()
    except InvalidTransitionError:
        return case


@st.composite
def histories(draw: st.DrawFn) -> Case:
    """Cases whose events fall on whole minutes, in 2026, often across a DST change."""
    base = draw(st.sampled_from(BASES))
    opened = pendulum.instance(base).add(minutes=draw(st.integers(0, 5 * 1440)))
    case = Case.open(id="c-1", customer_id="k-1", kind="complaint", priority="high", at=opened)
    when = opened
    # Status changes come up often, so clocks pause and resume several times before deadlines.
    operations = st.sampled_from(OPERATIONS) | st.sampled_from(
        ("waiting", "customer", "hold", "open")
    )
    steps = st.tuples(operations, st.integers(0, 240) | st.just(0))
    for operation, gap in draw(st.lists(steps, max_size=12)):
        when = when.add(minutes=gap)
        case = apply(case, operation, when)
    return case


def calendars() -> st.SearchStrategy[BusinessCalendar]:
    return business_calendars(
        first=dt.date(2026, 1, 1), last=dt.date(2026, 12, 31), resolution=60, min_open_days=2
    )


class Timeline:
    """The case's status minute by minute, read straight from its history."""

    def __init__(self, case: Case) -> None:
        self.times = [to_microseconds(event.at) for event in case.history]
        self.events = case.history

    def status(self, at_us: int) -> CaseStatus:
        return self.events[bisect.bisect_right(self.times, at_us) - 1].status

    def first(self, *types: CaseEventType) -> int | None:
        for time, event in zip(self.times, self.events, strict=True):
            if event.type in types:
                return time
        return None


def walk(
    calendar: BusinessCalendar, start: int, end: int, target: int, running: Callable[[int], bool]
) -> tuple[int, int]:
    """Return (deadline, elapsed) by counting open, running minutes from *start*.

    Before *end* a minute counts when open and running; from *end* on, when open (the
    deadline is where the clock would reach its target if it ran on from there).
    """
    counted = elapsed = 0
    deadline = None
    minute = start
    while deadline is None or minute < end:
        if not calendar.is_open_microseconds(minute):
            minute = calendar.next_open_microseconds(minute)
            continue
        if minute >= end or running(minute):
            counted += MINUTE
            if minute < end:
                elapsed += MINUTE
            if deadline is None and counted == target:
                deadline = minute + MINUTE
        minute += MINUTE
    return deadline, elapsed


def check(
    report: MetricReport | None,
    calendar: BusinessCalendar,
    expected: tuple[int, int | None, str, Callable[[int], bool]],
    target: int,
    now: int,
) -> None:
    start, stop, state, running = expected
    assert report is not None
    end = now if stop is None else stop
    deadline, elapsed = walk(calendar, start, end, target, running)
    assert report.state == state
    assert to_microseconds(report.due_at) == deadline
    assert report.elapsed == timedelta(microseconds=elapsed)
    assert report.remaining == timedelta(microseconds=target - elapsed)
    breached = deadline if end > deadline else None
    assert (None if report.breached_at is None else to_microseconds(report.breached_at)) == breached
    completed = None if report.completed_at is None else to_microseconds(report.completed_at)
    assert completed == stop


@settings(deadline=None, max_examples=80)
@given(
    calendar=calendars(),
    case=histories(),
    first_target=st.integers(1, 120) | st.integers(1, 600),
    resolution_target=st.integers(1, 240) | st.integers(1, 900),
    pause_on=st.sets(st.sampled_from(OPEN_STATUSES)),
    later=st.integers(0, 900),
)
def test_first_response_and_resolution_match_the_oracle(
    *,
    calendar: BusinessCalendar,
    case: Case,
    first_target: int,
    resolution_target: int,
    pause_on: set[CaseStatus],
    later: int,
) -> None:
    """Deadlines, elapsed, remaining, breach and state agree with a minute-by-minute walk."""
    targets = Targets(
        first_response=timedelta(minutes=first_target),
        resolution=timedelta(minutes=resolution_target),
    )
    book = PolicyBook([], default=SlaPolicy("P", calendar, targets, pause_on=pause_on))
    now = case.updated_at.add(minutes=later)
    report = book.evaluate(case, now)
    line = Timeline(case)
    now_us = to_microseconds(now)
    opened = line.times[0]

    replied = line.first(CaseEventType.AGENT_REPLIED, CaseEventType.RESOLVED)
    first_state = "active" if replied is None else "completed"
    check(
        report.first_response,
        calendar,
        (opened, replied, first_state, lambda _: True),
        first_target * MINUTE,
        now_us,
    )

    def running(minute: int) -> bool:
        status = line.status(minute)
        return status.is_open and status not in pause_on

    final = case.status
    stop = to_microseconds(case.resolved_at) if case.resolved_at is not None else None
    state = "completed" if stop is not None else "active" if running(now_us) else "paused"
    check(
        report.resolution,
        calendar,
        (opened, stop, state, running),
        resolution_target * MINUTE,
        now_us,
    )
    assert (stop is None) == final.is_open


@settings(deadline=None, max_examples=60)
@given(
    calendar=calendars(),
    case=histories(),
    target=st.integers(30, 900),
    fraction=st.sampled_from([0.25, 0.5, 0.75, 1, 1.5]),
    later=st.integers(0, 900),
)
def test_escalations_fire_once_and_the_next_check_is_consistent(
    *, calendar: BusinessCalendar, case: Case, target: int, fraction: float, later: int
) -> None:
    """Due steps fire once; after recording them the next check lies ahead (or is None)."""
    step = Escalation(name="step", metric="resolution", at=fraction, notify="owner")
    deadline = Escalation(name="deadline", metric="first_response", at=1, notify="lead")
    targets = Targets(
        first_response=timedelta(minutes=target), resolution=timedelta(minutes=target)
    )
    book = PolicyBook([], default=SlaPolicy("P", calendar, targets, escalations=[step, deadline]))
    now = case.updated_at.add(minutes=later)
    notices = book.due_escalations(case, now)
    assert len({notice.key for notice in notices}) == len(notices)
    assert all(notice.due_at <= now for notice in notices)
    assert [notice.due_at for notice in notices] == sorted(notice.due_at for notice in notices)
    report = book.evaluate(case, now)
    if notices:
        assert report.next_check_at == notices[0].due_at
    for notice in notices:
        case = case.record_escalation(notice.key, now)
    assert book.due_escalations(case, now) == ()
    after = book.evaluate(case, now)
    assert after.next_check_at is None or after.next_check_at > now
    running = [m for m in after.metrics if m.state == "active" and m.due_at > now]
    if running and after.next_check_at is not None:
        assert after.next_check_at <= min(m.due_at for m in running)


def cycles(
    line: Timeline, starts: set[CaseEventType], stops: set[CaseEventType]
) -> list[list[int]]:
    """Cycles as [start, stop] pairs (stop -1: still running), read straight off the history."""
    found: list[list[int]] = []
    for time, event in zip(line.times, line.events, strict=True):
        if found and found[-1][1] == -1 and event.type in stops:
            found[-1][1] = time
        if event.type in starts and (not found or found[-1][1] != -1):
            found.append([time, -1])
    return found


@settings(deadline=None, max_examples=60)
@given(
    calendar=calendars(), case=histories(), target=st.integers(1, 240), later=st.integers(0, 900)
)
def test_next_response_matches_the_oracle(
    *, calendar: BusinessCalendar, case: Case, target: int, later: int
) -> None:
    """The current next-response cycle and its count agree with the history, read plainly."""
    book = PolicyBook(
        [], default=SlaPolicy("P", calendar, Targets(next_response=timedelta(minutes=target)))
    )
    now = case.updated_at.add(minutes=later)
    report = book.evaluate(case, now).next_response
    line = Timeline(case)
    answers = {CaseEventType.AGENT_REPLIED, CaseEventType.RESOLVED}
    # A customer message after the first answer waits for the next answer.
    waiting: list[list[int]] = []
    answered = False
    for time, event in zip(line.times, line.events, strict=True):
        if event.type in answers:
            if waiting and waiting[-1][1] == -1:
                waiting[-1][1] = time
            answered = True
        elif (
            event.type is CaseEventType.CUSTOMER_REPLIED
            and answered
            and (not waiting or waiting[-1][1] != -1)
        ):
            waiting.append([time, -1])
    if not waiting:
        assert report is None
        return
    start, stop = waiting[-1]
    stopped = None if stop == -1 else stop
    state = "active" if stopped is None else "completed"
    expected = (start, stopped, state, lambda _: True)
    check(report, calendar, expected, target * MINUTE, to_microseconds(now))
    assert report is not None
    assert report.cycle == len(waiting)


@settings(deadline=None, max_examples=60)
@given(
    calendar=calendars(),
    case=histories(),
    target=st.integers(1, 480),
    pause_on=st.sets(st.sampled_from(OPEN_STATUSES)),
    later=st.integers(0, 900),
)
def test_periodic_update_matches_the_oracle(
    *, calendar: BusinessCalendar, case: Case, target: int, pause_on: set[CaseStatus], later: int
) -> None:
    """The current update cycle, and how many cycles breached, agree with a minute walk."""
    targets = Targets(periodic_update=timedelta(minutes=target))
    book = PolicyBook([], default=SlaPolicy("P", calendar, targets, pause_on=pause_on))
    now = case.updated_at.add(minutes=later)
    report = book.evaluate(case, now).periodic_update
    line = Timeline(case)
    now_us = to_microseconds(now)
    answers = {CaseEventType.AGENT_REPLIED, CaseEventType.RESOLVED}
    starts = {CaseEventType.OPENED, CaseEventType.AGENT_REPLIED, CaseEventType.REOPENED}
    updates = cycles(line, starts, answers)

    def runs_from(begin: int) -> Callable[[int], bool]:
        def running(minute: int) -> bool:
            status = line.status(minute)
            return begin <= minute and status.is_open and status not in pause_on

        return running

    start, stop = updates[-1]
    stopped = None if stop == -1 else stop
    running = runs_from(start)
    state = "completed" if stopped is not None else "active" if running(now_us) else "paused"
    check(report, calendar, (start, stopped, state, running), target * MINUTE, now_us)
    assert report is not None
    assert report.cycle == len(updates)
    late = 0
    for begin, end in updates[:-1]:
        deadline, _ = walk(calendar, begin, end, target * MINUTE, runs_from(begin))
        late += end > deadline
    assert report.breaches == late + report.is_breached
