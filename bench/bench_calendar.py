"""Business-time arithmetic: custrel's `BusinessCalendar` against ``businesstimedelta``.

Both get the same schedule: Monday to Friday 09:00-17:00 in Europe/Oslo, closed on the
Norwegian public holidays of the years involved (from the ``holidays`` package; custrel through
`country_holidays`, businesstimedelta through its ``HolidayRule`` over the same dates). From the
same seeded random starts (2,000 by default: any second of 2026, nights and weekends included)
each computes:

- the deadline +4 h, +8 h, +40 h and +400 h of business time;
- the business time elapsed over the next 20 calendar days.

custrel is timed twice: through its public API (aware datetime in, ``pendulum.DateTime`` or
``pendulum.Duration`` out) and through the integer-microsecond API the SLA code uses
(``add_microseconds`` / ``elapsed_microseconds``; its starts are converted before the clock
starts). businesstimedelta is timed as its README shows it (``start + BusinessTimeDelta(rule,
hours=h)``, ``rule.difference(start, end)``). Each path runs ``--repeat`` times over all starts
(custrel's, which take milliseconds, at least 10 times) and the best run's process CPU time
counts, so other work on the machine does not skew the ratio; custrel's day cache is warm after
the first run, whose time is shown too ("cold"). Every answer of every path is compared, instant
by instant, and the script raises if any differ, so a fast but wrong path cannot report a number.
``speed-up`` is businesstimedelta's time per call divided by custrel's. Goals (issue 3): at
least 40x at +8 h, 1,000x at +400 h and 300x for elapsed.

Run by hand, never by CI (needs ``pip install -r bench/requirements.txt``)::

    python bench/bench_calendar.py
    python bench/bench_calendar.py --starts 500 --repeat 5 --seed 7
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import importlib.metadata
import platform
import pstats
import random
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytz  # type: ignore[import-untyped]  # a peer without type hints
from businesstimedelta import (  # type: ignore[import-untyped]  # a peer without type hints
    BusinessTimeDelta,
    HolidayRule,
    Rules,
    WorkDayRule,
)

from custrel.calendars import BusinessCalendar, country_holidays, to_microseconds

ZONE = "Europe/Oslo"
YEAR = 2026
HOURS = (4, 8, 40, 400)
ELAPSED_DAYS = 20
GOALS = {"+8 h": 40.0, "+400 h": 1_000.0, "elapsed 20 days": 300.0}
_UTC = dt.timezone.utc
_US = dt.timedelta(microseconds=1)


def _starts(count: int, seed: int) -> list[dt.datetime]:
    """Random instants (whole seconds) over the year, as aware UTC datetimes."""
    generator = random.Random(seed)
    first = dt.datetime(YEAR, 1, 1, tzinfo=_UTC)
    seconds = int((dt.datetime(YEAR + 1, 1, 1, tzinfo=_UTC) - first).total_seconds())
    return [first + dt.timedelta(seconds=generator.randrange(seconds)) for _ in range(count)]


def _micros(value: dt.datetime) -> int:
    return (value - dt.datetime(1970, 1, 1, tzinfo=_UTC)) // _US


def _duration_us(value: dt.timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds


def _best(run: Callable[[], list[Any]], repeat: int) -> tuple[float, float, list[Any]]:
    """Return (best CPU seconds, first-run CPU seconds, the first run's answers).

    CPU time of this process, not wall time: the figures then hold up on a machine shared with
    other work, where wall time would charge each path for whatever else ran meanwhile.
    """
    timings = []
    answers: list[Any] = []
    for index in range(repeat):
        gc.collect()
        began = time.process_time()
        result = run()
        timings.append(time.process_time() - began)
        if index == 0:
            answers = result
    return min(timings), timings[0], answers


def _check(name: str, expected: Sequence[int], got: Sequence[int], starts: Sequence[Any]) -> None:
    wrong = [index for index, (a, b) in enumerate(zip(expected, got, strict=True)) if a != b]
    if wrong:
        first = wrong[0]
        raise SystemExit(
            f"DISAGREEMENT in {name}: {len(wrong)} of {len(expected)} answers differ; first at "
            f"start {starts[first]}: businesstimedelta {expected[first]} us, "
            f"custrel {got[first]} us"
        )


class Bench:
    """The two schedules, the starts, and the timed runs of each path."""

    def __init__(self, starts: list[dt.datetime], repeat: int) -> None:
        self.holidays = country_holidays("NO", years=range(YEAR, YEAR + 3))
        self.calendar = BusinessCalendar.weekdays(
            "09:00", "17:00", timezone=ZONE, holidays=self.holidays
        )
        zone = pytz.timezone(ZONE)
        self.rule = Rules(
            [
                WorkDayRule(
                    start_time=dt.time(9),
                    end_time=dt.time(17),
                    working_days=[0, 1, 2, 3, 4],
                    tz=zone,
                ),
                HolidayRule(self.holidays, tz=zone),  # the same dates (a dict: O(1) membership)
            ]
        )
        self.starts = starts
        self.starts_us = [_micros(start) for start in starts]
        self.ends = [start + dt.timedelta(days=ELAPSED_DAYS) for start in starts]
        self.ends_us = [_micros(end) for end in self.ends]
        self.repeat = repeat
        # custrel's runs take milliseconds: repeat them more, so the best is a steady figure.
        self.ours = max(repeat, 10)

    def deadline(self, hours: int) -> tuple[str, float, float, float, float]:
        """Time +hours on each path, check that all agree, return the row."""
        name = f"+{hours} h"
        starts, starts_us, calendar = self.starts, self.starts_us, self.calendar
        delta = dt.timedelta(hours=hours)
        duration_us = hours * 3_600_000_000
        peer = BusinessTimeDelta(self.rule, hours=hours)
        add_us = calendar.add_microseconds

        def theirs() -> list[Any]:
            return [start + peer for start in starts]

        def public() -> list[Any]:
            return [calendar.add(start, delta) for start in starts]

        def integers() -> list[Any]:
            return [add_us(start, duration_us) for start in starts_us]

        peer_best, _, peer_answers = _best(theirs, self.repeat)
        api_best, api_cold, api_answers = _best(public, self.ours)
        raw_best, _, raw_answers = _best(integers, self.ours)
        expected = [_micros(answer) for answer in peer_answers]
        _check(f"{name} (public API)", expected, [to_microseconds(a) for a in api_answers], starts)
        _check(f"{name} (microsecond API)", expected, raw_answers, starts)
        return (name, peer_best, api_best, api_cold, raw_best)

    def elapsed(self) -> tuple[str, float, float, float, float]:
        """Time elapsed over 20 days on each path, check that all agree, return the row."""
        name = f"elapsed {ELAPSED_DAYS} days"
        pairs = list(zip(self.starts, self.ends, strict=True))
        pairs_us = list(zip(self.starts_us, self.ends_us, strict=True))
        rule, calendar = self.rule, self.calendar
        elapsed_us = calendar.elapsed_microseconds

        def theirs() -> list[Any]:
            return [rule.difference(start, end) for start, end in pairs]

        def public() -> list[Any]:
            return [calendar.elapsed(start, end) for start, end in pairs]

        def integers() -> list[Any]:
            return [elapsed_us(start, end) for start, end in pairs_us]

        peer_best, _, peer_answers = _best(theirs, self.repeat)
        api_best, api_cold, api_answers = _best(public, self.ours)
        raw_best, _, raw_answers = _best(integers, self.ours)
        # businesstimedelta answers in whole seconds (hours and seconds); starts are whole seconds.
        expected = [_duration_us(answer.timedelta) for answer in peer_answers]
        _check(
            f"{name} (public API)", expected, [_duration_us(a) for a in api_answers], self.starts
        )
        _check(f"{name} (microsecond API)", expected, raw_answers, self.starts)
        return (name, peer_best, api_best, api_cold, raw_best)


def _report(rows: list[tuple[str, float, float, float, float]], count: int) -> None:
    print(
        f"{'operation':<18} {'businesstimedelta':>18} {'custrel':>10} {'(cold)':>10} "
        f"{'speed-up':>9} {'custrel us-API':>15} {'speed-up':>9} {'goal':>7}"
    )
    print(f"{'':<18} {'us/call':>18} {'us/call':>10} {'us/call':>10} {'':>9} {'us/call':>15}")
    verdicts = []
    for name, peer_best, api_best, api_cold, raw_best in rows:
        peer_us, api_us = peer_best / count * 1e6, api_best / count * 1e6
        cold_us, raw_us = api_cold / count * 1e6, raw_best / count * 1e6
        goal = GOALS.get(name)
        print(
            f"{name:<18} {peer_us:>18,.1f} {api_us:>10,.2f} {cold_us:>10,.2f} "
            f"{peer_us / api_us:>8,.0f}x {raw_us:>15,.2f} {peer_us / raw_us:>8,.0f}x "
            f"{f'{goal:,.0f}x' if goal else '':>7}"
        )
        if goal:
            verdicts.append((name, peer_us / api_us, peer_us / raw_us, goal))
    print("\nAll answers agree with businesstimedelta (checked instant by instant).")
    for name, api_ratio, raw_ratio, goal in verdicts:
        status = "met" if api_ratio >= goal else "NOT met"
        print(
            f"goal {goal:,.0f}x at {name}: {status} by the public API ({api_ratio:,.0f}x); "
            f"microsecond API {raw_ratio:,.0f}x"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=2_000, help="random starts (2,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per path; best counts (3)")
    parser.add_argument("--seed", type=int, default=20260101, help="random seed")
    parser.add_argument("--profile", action="store_true", help="profile custrel's +400 h run")
    arguments = parser.parse_args(argv)

    bench = Bench(_starts(arguments.starts, arguments.seed), arguments.repeat)
    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"custrel {importlib.metadata.version('custrel')}, "
        f"businesstimedelta {importlib.metadata.version('businesstimedelta')}, "
        f"holidays {importlib.metadata.version('holidays')}; {arguments.starts} starts, "
        f"seed {arguments.seed}; CPU time, best of {bench.repeat} (custrel: of {bench.ours})"
    )
    print(
        f"Schedule: {bench.calendar.describe().split('. ')[0]}, closed on "
        f"{len(bench.holidays)} Norwegian holidays {YEAR}-{YEAR + 2}\n"
    )
    rows = [bench.deadline(hours) for hours in HOURS]
    rows.append(bench.elapsed())
    _report(rows, arguments.starts)

    if arguments.profile:
        profile = cProfile.Profile()
        delta = dt.timedelta(hours=400)
        calendar, starts = bench.calendar, bench.starts
        profile.runcall(lambda: [calendar.add(start, delta) for start in starts])
        pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
