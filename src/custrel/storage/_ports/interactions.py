"""The contact log: what custrel needs from storage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from typing import Protocol

from custrel.interactions import (
    Channel,
    Direction,
    Interaction,
    InteractionKind,
    Logged,
    TimelinePage,
)

__all__ = ["InteractionRepository"]


class InteractionRepository(Protocol):
    """Every logged contact with a customer or prospect, keyed by the host's external id.

    The repository gives each interaction a log position when it is first stored, increasing in
    the order interactions are logged. Timelines are ordered by instant descending, then log
    position descending (see `custrel.interactions.TimelineCursor`), and paging with
    ``next_cursor`` visits every matching interaction exactly once, even when instants are
    equal and while older interactions are being logged. Every query filter is keyword-only.
    """

    def get(self, external_id: str) -> Interaction:
        """Return the interaction logged under *external_id*.

        Raises:
            NotFoundError: Nothing was logged under that id.
        """
        ...

    def log(self, interaction: Interaction) -> Logged:
        """Store a new interaction at version 1, idempotently by its external id.

        If the external id was logged before with equal content (`Interaction.differences` is
        empty), nothing is written and the stored interaction comes back with ``created``
        False. Concurrent writers logging the same external id leave exactly one row: one
        creates it, the others get it back (or `DuplicateError` if their content differs).

        Raises:
            DuplicateError: The external id was logged with different content; the message
                names the fields that differ.
        """
        ...

    def log_many(self, interactions: Iterable[Interaction]) -> Sequence[Logged]:
        """`log` each interaction, in order, in one go; one `Logged` per input, in input order.

        An external id repeated in the batch is logged once; a later repeat with equal content
        comes back with ``created`` False.

        Raises:
            DuplicateError: Some external id is stored (or repeated in the batch) with other
                content. The unit of work should then be rolled back.
        """
        ...

    def save(self, interaction: Interaction) -> Interaction:
        """Store a changed interaction (an opportunity, erased text) at version + 1.

        Raises:
            NotFoundError: The interaction was never logged.
            ConflictError: The stored version is not ``interaction.version``.
        """
        ...

    def timeline(
        self,
        customer_id: str,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        kinds: InteractionKind | str | Collection[InteractionKind | str] | None = None,
        channels: Channel | str | Collection[Channel | str] | None = None,
        directions: Direction | str | Collection[Direction | str] | None = None,
        with_opportunity: bool = False,
        limit: int = 50,
        cursor: str | None = None,
    ) -> TimelinePage:
        """Return one page of *customer_id*'s interactions, newest first.

        Filters (see `custrel.interactions.TimelineQuery`): ``since <= at < until``; kinds,
        channels and directions each take one value or a collection; ``with_opportunity`` keeps
        only contacts that registered an opportunity. *cursor* continues after a previous page.

        Raises:
            ValidationError: A filter, the limit or the cursor is malformed.
        """
        ...

    def opportunities(
        self,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        staff: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> TimelinePage:
        """Return one page of interactions with a sales opportunity, of every customer.

        Newest contact first, in timeline order; *staff* keeps the opportunities followed up by
        that staff member; ``since <= at < until`` filters on the contact's instant.

        Raises:
            ValidationError: A filter, the limit or the cursor is malformed.
        """
        ...

    def customers_to_watch(self, *, since: dt.datetime) -> Sequence[str]:
        """Ids of customers with, since *since*, a contact early warning may flag, sorted.

        Those are negative contacts (`Interaction.is_negative`), inbound contacts and contacts
        with a sentiment. Served by an index, so it does not scan the whole log.
        """
        ...

    def move_customer(self, from_customer_id: str, to_customer_id: str) -> int:
        """Give every interaction of *from_customer_id* to *to_customer_id* (a merge).

        Moved interactions keep their log position, so timelines keep their order; each moved
        interaction's version is bumped. Returns how many were moved.
        """
        ...
