"""Activity beside the stage: active, lapsed, churned or won back, derived from purchases."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable

import attrs
import pendulum

from custrel import _time
from custrel.errors import PolicyError
from custrel.lifecycle._checks import span

__all__ = ["Activity", "ActivityStatus", "ActivityThresholds", "activity"]


class ActivityStatus(str, enum.Enum):
    """How recently a customer bought, in the words of a retention team."""

    NO_PURCHASE = "no_purchase"
    """Never bought (a prospect or lead)."""

    ACTIVE = "active"
    """Bought within the lapse threshold."""

    LAPSED = "lapsed"
    """No purchase for the lapse threshold, but not yet for the churn threshold."""

    CHURNED = "churned"
    """No purchase for the churn threshold."""

    WON_BACK = "won_back"
    """Bought again after having lapsed or churned, within the won-back period of that purchase."""


def _lapsed_after(value: object) -> dt.timedelta:
    return _threshold(value, "lapsed_after")


def _churned_after(value: object) -> dt.timedelta:
    return _threshold(value, "churned_after")


def _won_back_for(value: object) -> dt.timedelta:
    return _threshold(value, "won_back_for")


def _threshold(value: object, field: str) -> dt.timedelta:
    if not isinstance(value, dt.timedelta) or value <= dt.timedelta(0):
        raise PolicyError("expected a timedelta above zero", field=field, value=value)
    return value


@attrs.frozen
class ActivityThresholds:
    """When a customer counts as lapsed, churned, and for how long as won back.

    The thresholds are exact elapsed time: across a daylight-saving change, 120 days after a
    purchase falls an hour earlier or later by the local clock.

    Args:
        lapsed_after: Time without a purchase after which a customer is lapsed.
        churned_after: Time without a purchase after which a customer is churned (longer).
        won_back_for: How long a customer counts as won back after the purchase that ended a
            lapse, before counting as simply active again.

    Raises:
        PolicyError: A threshold is not a positive `timedelta`, or churn does not come after
            lapse.
    """

    lapsed_after: dt.timedelta = attrs.field(
        default=dt.timedelta(days=120), converter=_lapsed_after
    )
    churned_after: dt.timedelta = attrs.field(
        default=dt.timedelta(days=365), converter=_churned_after
    )
    won_back_for: dt.timedelta = attrs.field(
        default=dt.timedelta(days=120), converter=_won_back_for
    )

    def __attrs_post_init__(self) -> None:
        if self.churned_after <= self.lapsed_after:
            raise PolicyError(
                f"must be longer than lapsed_after ({self.lapsed_after})",
                field="churned_after",
                value=self.churned_after,
            )

    def describe(self) -> str:
        """The thresholds in words, for staff."""
        return (
            f"lapsed after {_days(self.lapsed_after)} without a purchase, churned after "
            f"{_days(self.churned_after)}; a purchase after a lapse counts as won back for "
            f"{_days(self.won_back_for)}"
        )


def _days(value: dt.timedelta) -> str:
    days = value / dt.timedelta(days=1)
    return "1 day" if days == 1 else f"{days:g} days"


@attrs.frozen
class Activity:
    """A customer's activity at an instant, with the facts it was derived from.

    Attributes:
        status: The `ActivityStatus`.
        since: When that status began (None for `ActivityStatus.NO_PURCHASE`).
        purchases: How many purchases up to the instant.
        first_purchase_at: The first purchase, or None.
        last_purchase_at: The latest purchase up to the instant, or None.
    """

    status: ActivityStatus
    since: pendulum.DateTime | None
    purchases: int
    first_purchase_at: pendulum.DateTime | None
    last_purchase_at: pendulum.DateTime | None


def activity(
    purchases: Iterable[dt.datetime],
    now: dt.datetime,
    thresholds: ActivityThresholds | None = None,
) -> Activity:
    """Derive a customer's activity at *now* from the instants of their purchases.

    Purchases after *now* are ignored. A customer whose latest purchase is within
    ``lapsed_after`` of *now* is active, or won back if the run of purchases they are in began
    with a purchase made after a gap of at least ``lapsed_after`` (they had lapsed) less than
    ``won_back_for`` ago.

    Raises:
        ValidationError: A naive datetime.
    """
    thresholds = thresholds or ActivityThresholds()
    now = _time.instant(now, "now")
    times = sorted(
        instant
        for instant in (_time.instant(value, "purchases") for value in purchases)
        if instant <= now
    )
    if not times:
        return Activity(ActivityStatus.NO_PURCHASE, None, 0, None, None)
    first, last = times[0], times[-1]

    def build(status: ActivityStatus, since: pendulum.DateTime) -> Activity:
        return Activity(status, since, len(times), first, last)

    quiet = span(last, now)
    if quiet >= thresholds.churned_after:
        return build(ActivityStatus.CHURNED, last + thresholds.churned_after)
    if quiet >= thresholds.lapsed_after:
        return build(ActivityStatus.LAPSED, last + thresholds.lapsed_after)
    run_start = len(times) - 1
    while run_start > 0 and span(times[run_start - 1], times[run_start]) < thresholds.lapsed_after:
        run_start -= 1
    comeback = times[run_start]
    if run_start == 0:
        return build(ActivityStatus.ACTIVE, comeback)
    if span(comeback, now) < thresholds.won_back_for:
        return build(ActivityStatus.WON_BACK, comeback)
    return build(ActivityStatus.ACTIVE, comeback + thresholds.won_back_for)
