"""What the contact log tells the loyalty score (the shared signal names)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pendulum

from custrel import _time
from custrel.interactions._interaction import Interaction
from custrel.interactions._vocabulary import Direction, InteractionKind

__all__ = ["FATIGUE_WINDOW", "NEGATIVE_WINDOW", "loyalty_signals"]

FATIGUE_WINDOW = dt.timedelta(days=30)
"""Outbound contacts in this window count towards contact fatigue."""

NEGATIVE_WINDOW = dt.timedelta(days=90)
"""Negative contacts in this window count against loyalty."""


def loyalty_signals(
    interactions: Iterable[Interaction], *, at: pendulum.DateTime
) -> dict[str, Any]:
    """The loyalty signals a customer's contact log gives at instant *at*.

    Only contacts at or before *at* count. ``contacts_last_30_days`` counts outbound contacts in
    the 30 x 24 hours up to *at* (contact fatigue); ``negative_contacts_90_days`` negative
    contacts (`Interaction.is_negative`) in the 90 x 24 hours up to *at*; ``csat_scores`` and
    ``nps_scores`` are the scores of feedback contacts, oldest first, and are left out when
    there are none.
    """
    at = _time.instant(at, "at")
    past = sorted(
        (i for i in interactions if i.at <= at),
        key=lambda i: (i.at.astimezone(dt.timezone.utc), i.external_id),
    )
    signals: dict[str, Any] = {
        "contacts_last_30_days": sum(
            1 for i in past if i.direction is Direction.OUTBOUND and i.at >= at - FATIGUE_WINDOW
        ),
        "negative_contacts_90_days": sum(
            1 for i in past if i.is_negative and i.at >= at - NEGATIVE_WINDOW
        ),
    }
    feedback = [i for i in past if i.kind is InteractionKind.FEEDBACK]
    csat = tuple(i.csat for i in feedback if i.csat is not None)
    nps = tuple(i.nps for i in feedback if i.nps is not None)
    if csat:
        signals["csat_scores"] = csat
    if nps:
        signals["nps_scores"] = nps
    return signals
