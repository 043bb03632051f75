"""Timeline queries: filters, the newest-first order, cursors and pages.

A timeline is a customer's interactions, newest first. Storage gives every interaction a log
position (increasing in the order interactions were logged) and orders by instant descending,
then position descending, so interactions at the same instant come out most recently logged
first and the order never changes between pages. A `TimelineCursor` is the (instant, position)
of the last interaction on a page; the next page holds what sorts strictly after it. That is
keyset pagination: paging visits every interaction once, with no gaps and no repeats, even when
instants are equal or older interactions are logged while someone pages.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator

import attrs
import pendulum

from custrel import _time
from custrel.errors import ValidationError
from custrel.interactions._interaction import Interaction
from custrel.interactions._vocabulary import Channel, Direction, InteractionKind, members

__all__ = ["MAX_PAGE_SIZE", "TimelineCursor", "TimelinePage", "TimelineQuery"]

MAX_PAGE_SIZE = 1000
"""The most interactions one timeline page holds."""

_PREFIX = "t1:"


def _in_utc(value: object) -> pendulum.DateTime:
    # In UTC, so that comparing cursors never meets the DST-fold quirk of datetime equality.
    return _time.instant(value, "at").in_timezone("UTC")


@attrs.frozen(order=True)
class TimelineCursor:
    """Where a page ended: the instant and log position of its last interaction.

    Hosts treat the encoded form as an opaque string; adapters use `encode` and `decode`.
    """

    at: pendulum.DateTime = attrs.field(converter=_in_utc)
    position: int

    def encode(self) -> str:
        """The cursor as an opaque, URL-safe string."""
        text = f"{_PREFIX}{_time.format_instant(self.at)}|{self.position}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: object) -> TimelineCursor:
        """Read a cursor made by `encode`.

        Raises:
            ValidationError: *cursor* is not a cursor this version of custrel made.
        """
        if not isinstance(cursor, str):
            raise ValidationError("expected a cursor string", field="cursor", value=cursor)
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        except (ValueError, binascii.Error):  # UnicodeDecodeError is a ValueError
            text = ""
        instant, _, position = text.removeprefix(_PREFIX).partition("|")
        if text.startswith(_PREFIX) and position.isdecimal():
            try:
                return cls(_time.parse_instant(instant, "cursor"), int(position))
            except ValidationError:
                pass
        raise ValidationError(
            "not a timeline cursor; pass one returned by a timeline page",
            field="cursor",
            value=cursor,
        )


def _limit(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PAGE_SIZE:
        raise ValidationError(
            f"expected an int from 1 to {MAX_PAGE_SIZE}", field="limit", value=value
        )
    return value


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("expected True or False", field="with_opportunity", value=value)
    return value


def _since(value: object) -> pendulum.DateTime | None:
    return _time.optional_instant(value, "since")


def _until(value: object) -> pendulum.DateTime | None:
    return _time.optional_instant(value, "until")


def _kinds(value: object) -> frozenset[InteractionKind] | None:
    return members(InteractionKind, value, "kinds")


def _channels(value: object) -> frozenset[Channel] | None:
    return members(Channel, value, "channels")


def _directions(value: object) -> frozenset[Direction] | None:
    return members(Direction, value, "directions")


def _cursor(value: object) -> TimelineCursor | None:
    if value is None or isinstance(value, TimelineCursor):
        return value
    return TimelineCursor.decode(value)


@attrs.frozen(kw_only=True)
class TimelineQuery:
    """Validated timeline filters; every filter left ``None`` matches everything.

    Attributes:
        since: Only interactions at or after this instant.
        until: Only interactions before this instant (``since <= at < until``).
        kinds: Only these kinds.
        channels: Only these channels.
        directions: Only these directions.
        with_opportunity: Only interactions that registered a sales opportunity.
        limit: The most interactions on one page (1 to `MAX_PAGE_SIZE`).
        cursor: Continue after this cursor (from a previous page), or start at the newest.
    """

    since: pendulum.DateTime | None = attrs.field(default=None, converter=_since)
    until: pendulum.DateTime | None = attrs.field(default=None, converter=_until)
    kinds: frozenset[InteractionKind] | None = attrs.field(default=None, converter=_kinds)
    channels: frozenset[Channel] | None = attrs.field(default=None, converter=_channels)
    directions: frozenset[Direction] | None = attrs.field(default=None, converter=_directions)
    with_opportunity: bool = attrs.field(default=False, converter=_flag)
    limit: int = attrs.field(default=50, converter=_limit)
    cursor: TimelineCursor | None = attrs.field(default=None, converter=_cursor)

    def __attrs_post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.until < self.since:
            raise ValidationError(
                "must not be before since", field="until", value=_time.format_instant(self.until)
            )

    def matches(self, interaction: Interaction) -> bool:
        """True if *interaction* passes every filter (the cursor is not a filter)."""
        return (
            (self.since is None or interaction.at >= self.since)
            and (self.until is None or interaction.at < self.until)
            and (self.kinds is None or interaction.kind in self.kinds)
            and (self.channels is None or interaction.channel in self.channels)
            and (self.directions is None or interaction.direction in self.directions)
            and (not self.with_opportunity or interaction.opportunity is not None)
        )

    def page(self, ordered: Iterable[tuple[int, Interaction]]) -> TimelinePage:
        """Cut one page from (position, interaction) pairs already in timeline order.

        For adapters that filter in memory: skips what the cursor has passed and what the
        filters refuse, and sets ``next_cursor`` when more matching interactions follow.
        """
        items: list[Interaction] = []
        last: TimelineCursor | None = None
        for position, interaction in ordered:
            key = TimelineCursor(interaction.at, position)
            if (self.cursor is not None and key >= self.cursor) or not self.matches(interaction):
                continue
            if len(items) == self.limit:
                assert last is not None  # noqa: S101 - limit is at least 1
                return TimelinePage(tuple(items), last.encode())
            items.append(interaction)
            last = key
        return TimelinePage(tuple(items), None)


@attrs.frozen
class TimelinePage:
    """One page of a timeline, newest first.

    Attributes:
        items: The interactions on this page.
        next_cursor: Pass it as ``cursor=`` to get the next page; ``None`` on the last page.
    """

    items: tuple[Interaction, ...]
    next_cursor: str | None = None

    def __iter__(self) -> Iterator[Interaction]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
