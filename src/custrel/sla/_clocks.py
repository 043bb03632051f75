"""The metric clocks of a case: when each starts, runs, pauses and stops, on integer microseconds.

`read` walks a case's history once (each event's ``type``, ``at_us`` and ``status``) and gives
every metric its runs, one per cycle: the start, the stretches during which the clock runs,
and the completion if there is one. Business time is not involved here; `custrel.sla._measure`
measures the stretches on a calendar.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from custrel.cases import CaseEvent, CaseEventType, CaseStatus

__all__ = ["History", "Run", "Runs", "clip", "read"]

_T = CaseEventType
_OPENED = _T.OPENED
_AGENT = _T.AGENT_REPLIED
_CUSTOMER = _T.CUSTOMER_REPLIED
_RESOLVED = _T.RESOLVED
_REOPENED = _T.REOPENED

History = Sequence[CaseEvent]
"""A case's history; the clocks read each event's ``type``, ``at_us`` and ``status``."""

Run = tuple[int, list[int], "int | None", bool]
"""One cycle of a metric's clock, as ``(start, spans, stop, running)``.

``start`` is when the clock started (µs); ``spans`` the stretches it ran, flat
(``[start0, end0, start1, end1, ...]``), the last one ending at the completion or, while the
clock still runs, at "now" (an earlier cycle of a recurring clock may carry stretches beyond
its own, see `clip`); ``stop`` when it was completed (None: not completed); ``running``
whether it runs at the end of the history (False when completed or paused). A tuple, not a
class: evaluation builds several per case and must stay within microseconds.
"""

Runs = tuple[list[Run], list[Run], list[Run], list[Run]]
"""The runs of every metric, in `Metric` order; an empty list when a metric has not started."""


def read(  # noqa: C901, PLR0912 - one pass over the history for every clock: evaluation's hot loop
    history: History, now: int, running: frozenset[CaseStatus]
) -> Runs:
    """Read a case's history, in one pass, into the runs of every metric at *now*.

    - First response: from opening to the first agent reply or resolution; never paused.
    - Next response: from the oldest unanswered customer message to the next agent reply or
      resolution, one run per answer; never paused. Messages before the first response are
      the first response's business.
    - Resolution: from opening to the resolution in force (a reopening takes it back); runs
      only while the status is in *running*, so resolved to reopened counts as paused.
    - Periodic update: from opening, and again from each agent reply and reopening, to the
      next agent reply or resolution; runs only while the status is in *running*.

    The pausing clocks share the stretches during which the status was in *running*.
    """
    agent, customer, resolved, opened, reopened = _AGENT, _CUSTOMER, _RESOLVED, _OPENED, _REOPENED
    spans: list[int] = []  # the running stretches, flat
    since: int | None = None  # the start of the running stretch under way
    replied: int | None = None  # first response: when completed
    answers: list[Run] = []  # next response: the answered cycles
    waiting: int | None = None  # next response: the oldest unanswered message since an answer
    resolved_at: int | None = None  # resolution: the resolution in force
    # Periodic update: the completed cycles, each with all the running stretches (clipped
    # only if its breach is asked), and the start of the cycle under way.
    updates: list[Run] = []
    update: int | None = None
    for event in history:
        if event.status in running:
            if since is None:
                since = event.at_us
        elif since is not None:
            at = event.at_us
            if at > since:
                spans += (since, at)
            since = None
        type_ = event.type
        if type_ is agent or type_ is resolved:
            at = event.at_us
            if replied is None:
                replied = at
            if waiting is not None:
                answers.append((waiting, [waiting, at], at, False))
                waiting = None
            if update is not None:
                updates.append((update, spans, at, False))
            update = at if type_ is agent else None
            if type_ is resolved:
                resolved_at = at
        elif type_ is customer:
            if replied is not None and waiting is None:
                waiting = event.at_us
        elif type_ is opened or type_ is reopened:
            update = event.at_us
            resolved_at = None
    if since is not None and now > since:
        spans += (since, now)
    start = history[0].at_us
    runs_now = history[-1].status in running
    if waiting is not None:
        answers.append((waiting, [waiting, now], None, True))
    return (
        [
            (start, [start, now], None, True)
            if replied is None
            else (start, [start, replied], replied, False)
        ],
        answers,
        [(start, spans, resolved_at, resolved_at is None and runs_now)],
        _periodic_update(updates, update, spans, now, runs_now),
    )


def _periodic_update(
    runs: list[Run], start: int | None, spans: list[int], now: int, running: bool
) -> list[Run]:
    """Return the completed periodic-update *runs* and the one from *start*, if under way."""
    if start is not None:
        runs.append((start, clip(spans, start, now), None, running))
    elif runs:  # the last cycle is the one reported: its own stretches
        low, _, high, _ = runs[-1]
        assert high is not None  # noqa: S101 - completed cycles have an end
        runs[-1] = (low, clip(spans, low, high), high, False)
    return runs


def clip(spans: list[int], start: int, end: int) -> list[int]:
    """Return the parts of *spans* inside ``[start, end)``."""
    if start >= end:
        return []
    # Bounds at or before *start* and before *end*: an odd count means it falls inside a span.
    first = bisect_right(spans, start)
    last = bisect_left(spans, end)
    clipped = spans[first - (first & 1) : last + (last & 1)]
    if first & 1:
        clipped[0] = start
    if last & 1:
        clipped[-1] = end
    return clipped
