"""Service cases: what custrel needs from storage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

import pendulum

from custrel.cases import Case, CaseKind, Priority

__all__ = ["CaseRepository"]


class CaseRepository(Protocol):
    """Complaints, returns, support and warranty cases, with their service-level check time.

    Versions work as for customers: ``add`` stores version 1, ``save`` stores version + 1 and
    only from the version stored. Each case is stored with *check_at*, the instant at which its
    service level next needs looking at (a deadline or a warning), or None; the breach queue
    `due_before` is served by an index on it.
    """

    def get(self, case_id: str) -> Case:
        """Return the case stored under *case_id*.

        Raises:
            NotFoundError: No case has that id.
        """
        ...

    def add(self, case: Case, *, check_at: dt.datetime | None = None) -> Case:
        """Store a new case at version 1 with its check time, and return it as stored.

        Raises:
            DuplicateError: A case with that id exists.
            ValidationError: *check_at* is a naive datetime.
        """
        ...

    def save(self, case: Case, *, check_at: dt.datetime | None = None) -> Case:
        """Store a changed case and its check time (None clears it); return it at its new version.

        Raises:
            NotFoundError: The case was never added.
            ConflictError: The stored version is not ``case.version``: someone saved first.
            ValidationError: *check_at* is a naive datetime.
        """
        ...

    def check_at(self, case_id: str) -> pendulum.DateTime | None:
        """Return the check time stored with *case_id* (None: never).

        Raises:
            NotFoundError: No case has that id.
        """
        ...

    def due_before(self, instant: dt.datetime, *, limit: int = 100) -> Sequence[Case]:
        """Return up to *limit* cases whose check time is at or before *instant*.

        Earliest check time first, ties by case id; cases without a check time never appear.
        """
        ...

    def find(
        self, *, open_only: bool = False, after: str | None = None, limit: int = 100
    ) -> Sequence[Case]:
        """Return up to *limit* cases ordered by id, with id greater than *after*.

        With *open_only*, only cases that are not resolved or closed. Paging with the last id
        of one page as the next *after* visits every case once.
        """
        ...

    def open_by_assignee(
        self,
        assignee: str,
        *,
        kind: CaseKind | None = None,
        priority: Priority | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> Sequence[Case]:
        """Return up to *limit* open cases assigned to *assignee*, ordered by id after *after*.

        *kind* and *priority* narrow the list to cases of that current kind or priority.
        """
        ...

    def for_customer(self, customer_id: str, *, open_only: bool = False) -> Sequence[Case]:
        """Return the cases of *customer_id*, oldest opened first (ties by id).

        With *open_only*, only those not resolved or closed.
        """
        ...

    def open_counts(self, assignees: Iterable[str]) -> Mapping[str, int]:
        """Return the number of open cases of each of *assignees* (0 for those with none)."""
        ...

    def assignment_cursor(self, pool: str) -> str | None:
        """Return the round-robin cursor of *pool* (who got its last case), None at first.

        Also locks the cursor until the unit of work ends, so concurrent assignments from the
        same pool queue behind each other instead of choosing the same member.
        """
        ...

    def set_assignment_cursor(self, pool: str, member_id: str) -> None:
        """Set the round-robin cursor of *pool* to *member_id*."""
        ...

    def move_customer(self, from_customer_id: str, to_customer_id: str) -> int:
        """File every case of *from_customer_id* under *to_customer_id* (a merge).

        Each moved case's version goes up by one. Returns how many cases moved; moving a
        customer without cases moves nothing.
        """
        ...
