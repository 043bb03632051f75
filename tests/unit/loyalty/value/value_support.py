"""Shared data for the customer-value tests: the CDNOW sample and small hand-made histories."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from pathlib import Path

from custrel.loyalty import CustomerSummary

CDNOW_SAMPLE = Path(__file__).resolve().parents[3] / "data" / "cdnow" / "CDNOW_sample.txt"
CALIBRATION_END = dt.date(1997, 9, 30)
OBSERVATION_END = dt.date(1998, 6, 30)


@functools.cache
def cdnow_rows() -> tuple[tuple[str, dt.date, Decimal], ...]:
    """Every purchase of the CDNOW sample as (sample id, day, dollar value)."""
    rows = []
    with CDNOW_SAMPLE.open(encoding="ascii") as handle:
        for line in handle:
            _, customer, day, _, value = line.split()
            rows.append(
                (customer, dt.date(int(day[:4]), int(day[4:6]), int(day[6:])), Decimal(value))
            )
    return tuple(rows)


def cdnow_calibration_rows() -> list[tuple[str, dt.date, Decimal]]:
    """The purchases of the paper's 39-week calibration period."""
    return [row for row in cdnow_rows() if row[1] <= CALIBRATION_END]


def summary(
    frequency: int, recency: float, age: float, monetary: str = "0", *, unit: str = "week"
) -> CustomerSummary:
    """A hand-made summary with an id made from its numbers."""
    return CustomerSummary(
        f"c-{frequency}-{recency}-{age}", frequency, recency, age, Decimal(monetary), unit
    )
