"""When points expire: never, after a number of days, at the end of a month or of a year."""

from __future__ import annotations

import enum

import attrs
import pendulum

from custrel.errors import PolicyError

__all__ = ["Expiry", "ExpiryKind"]


class ExpiryKind(enum.Enum):
    """The kinds of expiry rule."""

    NEVER = "never"
    AFTER_DAYS = "after_days"
    END_OF_MONTH = "end_of_month"
    END_OF_YEAR = "end_of_year"


def _kind(value: object) -> ExpiryKind:
    try:
        return ExpiryKind(value)
    except ValueError:
        raise PolicyError(
            f"expected one of {[kind.value for kind in ExpiryKind]}", field="kind", value=value
        ) from None


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PolicyError("expected a whole number, zero or more", field="count", value=value)
    return value


@attrs.frozen
class Expiry:
    """When points expire, counted from the instant they become available (after the return window).

    Build one with a constructor: `Expiry.never`, `Expiry.after_days`, `Expiry.end_of_month`,
    `Expiry.end_of_year`. Month and year ends are local midnight in the program's time zone:
    points expire at the first instant of the next month (or year), and are gone from then on.

    Attributes:
        kind: The rule.
        count: Days for ``after_days``; whole months or years after the month or year the points
            became available for ``end_of_month`` and ``end_of_year`` (0: that same month or year).
    """

    kind: ExpiryKind = attrs.field(converter=_kind)
    count: int = attrs.field(default=0, converter=_count)

    def __attrs_post_init__(self) -> None:
        if self.kind is ExpiryKind.AFTER_DAYS and self.count == 0:
            raise PolicyError(
                "points that expire after 0 days are never usable", field="count", value=0
            )

    @classmethod
    def never(cls) -> Expiry:
        """Points never expire."""
        return cls(ExpiryKind.NEVER)

    @classmethod
    def after_days(cls, days: int) -> Expiry:
        """Points expire *days* calendar days after they became available (same wall time)."""
        return cls(ExpiryKind.AFTER_DAYS, days)

    @classmethod
    def end_of_month(cls, months: int = 0) -> Expiry:
        """Points expire at the end of the month *months* after the month they became available."""
        return cls(ExpiryKind.END_OF_MONTH, months)

    @classmethod
    def end_of_year(cls, years: int = 0) -> Expiry:
        """Points expire at the end of the year *years* after the year they became available."""
        return cls(ExpiryKind.END_OF_YEAR, years)

    def expires_at(
        self, available_at: pendulum.DateTime, timezone: str
    ) -> pendulum.DateTime | None:
        """The first instant at which points available from *available_at* are expired."""
        local = available_at.in_timezone(timezone)
        if self.kind is ExpiryKind.NEVER:
            return None
        if self.kind is ExpiryKind.AFTER_DAYS:
            return local.add(days=self.count)
        if self.kind is ExpiryKind.END_OF_MONTH:
            month_start = pendulum.datetime(local.year, local.month, 1, tz=timezone)
            return month_start.add(months=self.count + 1)
        return pendulum.datetime(local.year + self.count + 1, 1, 1, tz=timezone)

    def describe(self) -> str:
        """The rule in plain language."""
        if self.kind is ExpiryKind.NEVER:
            return "Points never expire."
        if self.kind is ExpiryKind.AFTER_DAYS:
            return f"Points expire {self.count} days after they become available."
        unit = "month" if self.kind is ExpiryKind.END_OF_MONTH else "year"
        if self.count == 0:
            when = f"the {unit} in which they become available"
        elif self.count == 1:
            when = f"the {unit} after the one in which they become available"
        else:
            when = f"the {unit} {self.count} {unit}s after the one in which they become available"
        return f"Points expire at the end of {when}."
