"""Helpers for testing code that uses custrel: deterministic clocks and the storage contract suite.

`FixedClock` and `SteppingClock` replace `custrel.SystemClock` so tests never depend on the real
time; `custrel.testing.contract` holds the storage contract tests (it needs pytest), and
`custrel.testing.strategies` Hypothesis strategies for custrel's own types (it needs hypothesis).
"""

from custrel.testing._clocks import FixedClock, SteppingClock

__all__ = ["FixedClock", "SteppingClock"]
