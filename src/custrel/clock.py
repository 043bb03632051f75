"""Where "now" comes from.

Domain functions never read a global clock: they take an instant as an argument. The
`custrel.Relations` facade asks an injected `Clock` for it, so tests can use
`custrel.testing.FixedClock` instead of travelling global time.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pendulum

__all__ = ["Clock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """Anything that can tell the current instant."""

    def now(self) -> pendulum.DateTime:
        """Return the current instant, timezone-aware."""
        ...


class SystemClock:
    """The real clock: the current instant in UTC."""

    def now(self) -> pendulum.DateTime:
        """Return the current instant in UTC."""
        return pendulum.now("UTC")

    def __repr__(self) -> str:
        return "SystemClock()"
