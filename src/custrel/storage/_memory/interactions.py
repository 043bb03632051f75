"""The contact log in memory."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Collection, Iterable, Sequence

import attrs

from custrel import _time
from custrel.errors import ConflictError, NotFoundError
from custrel.ids import check_id
from custrel.interactions import (
    Channel,
    Direction,
    Interaction,
    InteractionKind,
    Logged,
    TimelineCursor,
    TimelinePage,
    TimelineQuery,
)
from custrel.storage._memory._staging import MemorySession, StagedMap

__all__ = ["MemoryInteractions"]


@attrs.frozen
class _Row:
    position: int
    interaction: Interaction


class _Committed:
    def __init__(self) -> None:
        self.rows: dict[str, _Row] = {}
        self.positions = itertools.count(1)


class MemoryInteractions:
    """`InteractionRepository` on a `MemoryStore`."""

    def __init__(self, session: MemorySession) -> None:
        self._session = session
        self._committed = session.state.slot("interactions", _Committed)
        self._rows = StagedMap(self._committed.rows)

    def commit(self) -> None:
        """Apply staged changes."""
        self._rows.commit()

    def rollback(self) -> None:
        """Discard staged changes."""
        self._rows.rollback()

    def get(self, external_id: str) -> Interaction:
        self._session.check_active()
        row = self._rows.get(external_id)
        if row is None:
            raise NotFoundError(f"no interaction with external id {external_id!r}")
        return row.interaction

    def log(self, interaction: Interaction) -> Logged:
        self._session.check_active()
        row = self._rows.get(interaction.external_id)
        if row is not None:
            return Logged.replay(row.interaction, interaction)
        stored = attrs.evolve(interaction, version=1)
        self._rows.put(stored.external_id, _Row(next(self._committed.positions), stored))
        return Logged(stored, created=True)

    def log_many(self, interactions: Iterable[Interaction]) -> Sequence[Logged]:
        self._session.check_active()
        return [self.log(interaction) for interaction in interactions]

    def save(self, interaction: Interaction) -> Interaction:
        self._session.check_active()
        row = self._rows.get(interaction.external_id)
        if row is None:
            raise NotFoundError(
                f"no interaction with external id {interaction.external_id!r}; log it first"
            )
        if row.interaction.version != interaction.version:
            raise ConflictError(
                f"interaction {interaction.external_id!r} is at version "
                f"{row.interaction.version}, not {interaction.version}: reload and retry"
            )
        stored = attrs.evolve(interaction, version=interaction.version + 1)
        self._rows.put(stored.external_id, _Row(row.position, stored))
        return stored

    def _ordered(self, customer_id: str | None) -> list[tuple[int, Interaction]]:
        rows = [
            (row.position, row.interaction)
            for row in self._rows.values()
            if customer_id is None or row.interaction.customer_id == customer_id
        ]
        rows.sort(key=lambda pair: TimelineCursor(pair[1].at, pair[0]), reverse=True)
        return rows

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
        self._session.check_active()
        customer_id = check_id(customer_id, "customer_id")
        query = TimelineQuery(
            since=since,
            until=until,
            kinds=kinds,
            channels=channels,
            directions=directions,
            with_opportunity=with_opportunity,
            limit=limit,
            cursor=cursor,
        )
        return query.page(self._ordered(customer_id))

    def opportunities(
        self,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        staff: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> TimelinePage:
        self._session.check_active()
        staff = None if staff is None else check_id(staff, "staff")
        query = TimelineQuery(
            since=since, until=until, with_opportunity=True, limit=limit, cursor=cursor
        )
        return query.page(
            (position, interaction)
            for position, interaction in self._ordered(None)
            if staff is None
            or (interaction.opportunity is not None and interaction.opportunity.staff == staff)
        )

    def customers_to_watch(self, *, since: dt.datetime) -> Sequence[str]:
        self._session.check_active()
        since = _time.instant(since, "since")
        return sorted(
            {
                row.interaction.customer_id
                for row in self._rows.values()
                if row.interaction.at >= since
                and (
                    row.interaction.is_negative
                    or row.interaction.is_inbound
                    or row.interaction.sentiment is not None
                )
            }
        )

    def move_customer(self, from_customer_id: str, to_customer_id: str) -> int:
        self._session.check_active()
        moved = 0
        for external_id, row in list(self._rows.items()):
            interaction = row.interaction
            if interaction.customer_id == from_customer_id:
                changed = attrs.evolve(
                    interaction, customer_id=to_customer_id, version=interaction.version + 1
                )
                self._rows.put(external_id, _Row(row.position, changed))
                moved += 1
        return moved
