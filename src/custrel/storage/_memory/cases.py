"""Service cases in memory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

import attrs
import pendulum

from custrel import _time
from custrel.cases import Case, CaseKind, Priority
from custrel.errors import NotFoundError
from custrel.storage._memory._staging import (
    MemorySession,
    StagedMap,
    add_versioned,
    save_versioned,
)

__all__ = ["MemoryCases"]


class _Committed:
    def __init__(self) -> None:
        self.cases: dict[str, Case] = {}
        self.check_at: dict[str, pendulum.DateTime] = {}
        self.cursors: dict[str, str] = {}


class MemoryCases:
    """`CaseRepository` on a `MemoryStore`.

    The store's lock serialises units of work, so the round-robin cursor needs no lock of its own.
    """

    def __init__(self, session: MemorySession) -> None:
        self._session = session
        committed = session.state.slot("cases", _Committed)
        self._cases = StagedMap(committed.cases)
        self._check_at = StagedMap(committed.check_at)
        self._cursors = StagedMap(committed.cursors)

    def commit(self) -> None:
        """Apply staged changes."""
        self._cases.commit()
        self._check_at.commit()
        self._cursors.commit()

    def rollback(self) -> None:
        """Discard staged changes."""
        self._cases.rollback()
        self._check_at.rollback()
        self._cursors.rollback()

    def _set_check_at(self, case_id: str, check_at: dt.datetime | None) -> None:
        instant = _time.optional_instant(check_at, "check_at")
        if instant is None:
            self._check_at.delete(case_id)
        else:
            # In UTC, so sorting is by instant even in the hour the clocks go back.
            self._check_at.put(case_id, instant.in_timezone("UTC"))

    def get(self, case_id: str) -> Case:
        self._session.check_active()
        case = self._cases.get(case_id)
        if case is None:
            raise NotFoundError(f"no case with id {case_id!r}")
        return case

    def add(self, case: Case, *, check_at: dt.datetime | None = None) -> Case:
        self._session.check_active()
        _time.optional_instant(check_at, "check_at")
        stored = add_versioned(self._cases, case.id, case, "case")
        self._set_check_at(case.id, check_at)
        return stored

    def save(self, case: Case, *, check_at: dt.datetime | None = None) -> Case:
        self._session.check_active()
        _time.optional_instant(check_at, "check_at")
        stored = save_versioned(self._cases, case.id, case, "case")
        self._set_check_at(case.id, check_at)
        return stored

    def check_at(self, case_id: str) -> pendulum.DateTime | None:
        self.get(case_id)
        return self._check_at.get(case_id)

    def due_before(self, instant: dt.datetime, *, limit: int = 100) -> Sequence[Case]:
        self._session.check_active()
        until = _time.instant(instant, "instant").in_timezone("UTC")
        due = sorted((at, case_id) for case_id, at in self._check_at.items() if at <= until)
        return [self.get(case_id) for _, case_id in due[:limit]]

    def _ordered(self, after: str | None) -> Iterable[Case]:
        for case_id, case in sorted(self._cases.items()):
            if after is None or case_id > after:
                yield case

    def find(
        self, *, open_only: bool = False, after: str | None = None, limit: int = 100
    ) -> Sequence[Case]:
        self._session.check_active()
        found = (case for case in self._ordered(after) if case.is_open or not open_only)
        return _first(found, limit)

    def open_by_assignee(
        self,
        assignee: str,
        *,
        kind: CaseKind | None = None,
        priority: Priority | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> Sequence[Case]:
        self._session.check_active()
        found = (
            case
            for case in self._ordered(after)
            if case.is_open
            and case.assignee == assignee
            and (kind is None or case.kind is kind)
            and (priority is None or case.priority is priority)
        )
        return _first(found, limit)

    def for_customer(self, customer_id: str, *, open_only: bool = False) -> Sequence[Case]:
        self._session.check_active()
        return sorted(
            (
                case
                for case in self._cases.values()
                if case.customer_id == customer_id and (case.is_open or not open_only)
            ),
            key=lambda case: (case.opened_at.in_timezone("UTC"), case.id),
        )

    def open_counts(self, assignees: Iterable[str]) -> Mapping[str, int]:
        self._session.check_active()
        counts = dict.fromkeys(assignees, 0)
        for case in self._cases.values():
            if case.is_open and case.assignee in counts:
                counts[case.assignee] += 1
        return counts

    def assignment_cursor(self, pool: str) -> str | None:
        self._session.check_active()
        return self._cursors.get(pool)

    def set_assignment_cursor(self, pool: str, member_id: str) -> None:
        self._session.check_active()
        self._cursors.put(pool, member_id)

    def move_customer(self, from_customer_id: str, to_customer_id: str) -> int:
        self._session.check_active()
        moving = [case for case in self._cases.values() if case.customer_id == from_customer_id]
        for case in moving:
            moved = attrs.evolve(case.moved_to(to_customer_id), version=case.version + 1)
            self._cases.put(case.id, moved)
        return len(moving)


def _first(cases: Iterable[Case], limit: int) -> list[Case]:
    found: list[Case] = []
    for case in cases:
        if len(found) >= limit:
            break
        found.append(case)
    return found
