"""A customer's relationship: the stage on the ladder, with every move as a row of history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import attrs
import pendulum

from custrel import _time
from custrel.errors import InvalidTransitionError, ValidationError
from custrel.events import Change, DomainEvent
from custrel.ids import check_id
from custrel.lifecycle._checks import required_text, span, tuple_of
from custrel.lifecycle._stages import DEFAULT_LADDER, StageLadder

__all__ = [
    "AUTOMATIC",
    "ERASED_TEXT",
    "MergedHistory",
    "Relationship",
    "StageChange",
    "StageResult",
]

AUTOMATIC = "automatic"
"""The actor of stage changes made by custrel's rules rather than by a person."""

ERASED_TEXT = "(erased)"
"""What free text reads after the customer's personal data was erased."""

_ZERO = dt.timedelta(0)


def _from_stage(value: object) -> str | None:
    if value is None:
        return None
    return required_text(value, "from_stage", 50)


def _to_stage(value: object) -> str:
    return required_text(value, "to_stage", 50)


def _actor(value: object) -> str:
    return check_id(value, "actor")


def _reason(value: object) -> str:
    return required_text(value, "reason")


@attrs.frozen
class StageChange:
    """One row of stage history: from one stage to another, when, by whom, and why.

    The first row of a relationship has ``from_stage=None``: the start.
    """

    from_stage: str | None = attrs.field(converter=_from_stage)
    to_stage: str = attrs.field(converter=_to_stage)
    at: pendulum.DateTime = attrs.field(converter=_time.at)
    actor: str = attrs.field(converter=_actor)
    reason: str = attrs.field(converter=_reason)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "from_stage": self.from_stage,
            "to_stage": self.to_stage,
            "at": _time.format_instant(self.at),
            "actor": self.actor,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StageChange:
        """Rebuild a row written by `to_dict`."""
        return cls(
            from_stage=data.get("from_stage"),
            to_stage=data.get("to_stage"),
            at=_time.parse_instant(data.get("at"), "at"),
            actor=data.get("actor"),
            reason=data.get("reason"),
        )


def _changes(value: object) -> tuple[StageChange, ...]:
    return tuple_of(StageChange, value, "history")


def _merged_id(value: object) -> str:
    return check_id(value, "customer_id")


@attrs.frozen
class MergedHistory:
    """The stage history of a duplicate customer, kept by the survivor after a merge.

    It is kept for the audit trail and the GDPR export; it takes no part in timings.
    """

    customer_id: str = attrs.field(converter=_merged_id)
    history: tuple[StageChange, ...] = attrs.field(converter=_changes)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "customer_id": self.customer_id,
            "history": [change.to_dict() for change in self.history],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MergedHistory:
        """Rebuild a history written by `to_dict`."""
        return cls(
            customer_id=data.get("customer_id"),
            history=[StageChange.from_dict(item) for item in data.get("history", ())],
        )


def _customer_id(value: object) -> str:
    return check_id(value, "customer_id")


def _ladder(value: object) -> StageLadder:
    if not isinstance(value, StageLadder):
        raise ValidationError("expected a StageLadder", field="ladder", value=value)
    return value


def _merged(value: object) -> tuple[MergedHistory, ...]:
    return tuple_of(MergedHistory, value, "merged")


def _version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError("expected a non-negative int", field="version", value=value)
    return value


@attrs.frozen(kw_only=True)
class Relationship:
    """Where a customer stands on the ladder, derived from an append-only history.

    Build one with `Relationship.start`. `advance` only moves forward: asked to move back, or to
    the stage the relationship is already at, it returns the relationship unchanged in a
    `StageResult` that says it was ignored and why. `regress` is the explicit, audited way back.
    Every move is a `StageChange` row; the current stage and the time spent in each stage are
    derived from the rows. ``version`` is set by storage.

    Raises:
        ValidationError: The history is empty, does not start with a start row, names a stage
            not on the ladder, does not chain (each row's ``from_stage`` is the previous row's
            ``to_stage``) or is not in time order.
    """

    customer_id: str = attrs.field(converter=_customer_id)
    ladder: StageLadder = attrs.field(default=DEFAULT_LADDER, converter=_ladder)
    history: tuple[StageChange, ...] = attrs.field(converter=_changes)
    merged: tuple[MergedHistory, ...] = attrs.field(default=(), converter=_merged)
    version: int = attrs.field(default=0, converter=_version, eq=False)

    def __attrs_post_init__(self) -> None:
        if not self.history:
            raise ValidationError("a relationship has at least its start", field="history")
        if self.history[0].from_stage is not None:
            raise ValidationError(
                "the first row is the start, from no stage",
                field="history",
                value=self.history[0].from_stage,
            )
        previous: StageChange | None = None
        for change in self.history:
            self.ladder.check(change.to_stage, "history")
            if previous is not None:
                if change.from_stage != previous.to_stage:
                    raise ValidationError(
                        f"row from {change.from_stage!r} does not follow {previous.to_stage!r}",
                        field="history",
                    )
                if change.at < previous.at:
                    raise ValidationError(
                        "rows are not in time order", field="history", value=str(change.at)
                    )
            previous = change

    # -- building ------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        customer_id: str,
        at: dt.datetime,
        *,
        ladder: StageLadder = DEFAULT_LADDER,
        stage: str | None = None,
        actor: str = AUTOMATIC,
        reason: str = "relationship started",
    ) -> Relationship:
        """Start a relationship at *stage* (the ladder's first stage unless given).

        Raises:
            ValidationError: Unknown stage, naive instant, malformed id, actor or reason.
        """
        ladder = _ladder(ladder)
        first = ladder.first if stage is None else ladder.check(stage)
        return cls(
            customer_id=customer_id,
            ladder=ladder,
            history=(StageChange(None, first, at, actor, reason),),
        )

    def started_event(self) -> DomainEvent:
        """The ``lifecycle.relationship_started`` event announcing this relationship."""
        first = self.history[0]
        return self._event("lifecycle.relationship_started", first, stage=first.to_stage)

    # -- derived views -------------------------------------------------------------------

    @property
    def stage(self) -> str:
        """The current stage."""
        return self.history[-1].to_stage

    @property
    def started_at(self) -> pendulum.DateTime:
        """When the relationship started."""
        return self.history[0].at

    @property
    def stage_since(self) -> pendulum.DateTime:
        """When the relationship entered its current stage (the last move)."""
        return self.history[-1].at

    @property
    def rules_since(self) -> pendulum.DateTime | None:
        """The instant of the last `regress`, after which automatic rules count facts afresh.

        None if the relationship was never moved back.
        """
        for change in reversed(self.history):
            if change.from_stage is not None and self._moves_back(change):
                return change.at
        return None

    def _moves_back(self, change: StageChange) -> bool:
        assert change.from_stage is not None  # noqa: S101 - only called for moves
        return self.ladder.index(change.to_stage) < self.ladder.index(change.from_stage)

    def stage_at(self, instant: dt.datetime) -> str | None:
        """The stage at *instant*, or None before the relationship started."""
        instant = _time.instant(instant, "instant")
        current = None
        for change in self.history:
            if change.at > instant:
                break
            current = change.to_stage
        return current

    def entered_at(self, stage: str) -> pendulum.DateTime | None:
        """When the relationship first entered *stage*, or None if it never did."""
        self.ladder.check(stage)
        return next((change.at for change in self.history if change.to_stage == stage), None)

    def reached(self, stage: str) -> bool:
        """True if the relationship has ever been at *stage* or further."""
        index = self.ladder.index(stage)
        return any(self.ladder.index(change.to_stage) >= index for change in self.history)

    def time_in_stages(self, now: dt.datetime) -> dict[str, dt.timedelta]:
        """Total time spent in each stage of the ladder up to *now*, across every visit.

        Every stage of the ladder is a key (zero if never visited); the values add up to the
        time from the start to *now* (zero if *now* is before the start).
        """
        now = _time.instant(now, "now")
        totals = dict.fromkeys(self.ladder, _ZERO)
        for change, following in zip(self.history, (*self.history[1:], None), strict=True):
            begin = change.at
            end = now if following is None else min(following.at, now)
            if end > begin:
                totals[change.to_stage] += span(begin, end)
        return totals

    def time_in_stage(self, stage: str, now: dt.datetime) -> dt.timedelta:
        """Total time spent in *stage* up to *now*, across every visit."""
        self.ladder.check(stage)
        return self.time_in_stages(now)[stage]

    def cumulative_times(self, now: dt.datetime) -> dict[str, dt.timedelta]:
        """For each stage, the time spent in it and every stage before it, up to *now*.

        The last stage's value is the whole time since the start.
        """
        running = _ZERO
        cumulative: dict[str, dt.timedelta] = {}
        for stage, spent in self.time_in_stages(now).items():
            running += spent
            cumulative[stage] = running
        return cumulative

    # -- operations ----------------------------------------------------------------------

    def _event(self, type_: str, change: StageChange, **payload: Any) -> DomainEvent:  # noqa: ANN401
        return DomainEvent(
            type=type_,
            occurred_at=change.at,
            customer_id=self.customer_id,
            aggregate_id=self.customer_id,
            payload={"actor": change.actor, **payload},
        )

    def _append(self, change: StageChange) -> Relationship:
        if change.at < self.stage_since:
            raise InvalidTransitionError(
                f"at {change.at.isoformat()} is before the last stage change "
                f"({self.stage_since.isoformat()}); stage history is kept in time order"
            )
        return attrs.evolve(self, history=(*self.history, change))

    def advance(self, stage: str, at: dt.datetime, *, reason: str, actor: str) -> StageResult:
        """Move forward to *stage*.

        Asked to move back, or to the current stage, nothing changes: the result has
        ``applied=False`` and a ``reason`` saying why (use `regress` to move back).

        Raises:
            ValidationError: Unknown stage, naive instant, blank reason or malformed actor.
            InvalidTransitionError: *at* is before the last stage change.
        """
        change = StageChange(self.stage, self.ladder.check(stage), at, actor, reason)
        target, current = self.ladder.index(stage), self.ladder.index(self.stage)
        if target == current:
            return StageResult(self, applied=False, reason=f"already at {stage!r}")
        if target < current:
            return StageResult(
                self,
                applied=False,
                reason=f"{stage!r} is before the current stage {self.stage!r}; "
                "advance only moves forward (use regress to move back)",
            )
        advanced = self._append(change)
        event = self._event("lifecycle.stage_advanced", change, stage=stage, previous=self.stage)
        return StageResult(advanced, applied=True, reason=change.reason, events=(event,))

    def regress(self, stage: str, at: dt.datetime, *, reason: str, actor: str) -> StageResult:
        """Move back to an earlier *stage*, on the record (the explicit way back).

        Raises:
            ValidationError: Unknown stage, naive instant, blank reason or malformed actor.
            InvalidTransitionError: *stage* is not before the current stage, or *at* is before
                the last stage change.
        """
        change = StageChange(self.stage, self.ladder.check(stage), at, actor, reason)
        if self.ladder.index(stage) >= self.ladder.index(self.stage):
            raise InvalidTransitionError(
                f"cannot regress from {self.stage!r} to {stage!r}: it is not an earlier stage"
            )
        regressed = self._append(change)
        event = self._event("lifecycle.stage_regressed", change, stage=stage, previous=self.stage)
        return StageResult(regressed, applied=True, reason=change.reason, events=(event,))

    def absorb(self, duplicate: Relationship, at: dt.datetime) -> Change[Relationship]:
        """This relationship after its customer absorbed *duplicate*'s customer in a merge.

        The survivor keeps its own history. If the duplicate had got further on this ladder,
        the survivor advances to the duplicate's stage at *at* (actor ``"merge"``). The
        duplicate's history, and any it had absorbed, are kept in `merged` for the record.
        """
        at = _time.instant(at, "at")
        absorbed = attrs.evolve(
            self,
            merged=(
                *self.merged,
                MergedHistory(duplicate.customer_id, duplicate.history),
                *duplicate.merged,
            ),
        )
        if duplicate.stage not in self.ladder:
            return Change(absorbed)
        result = absorbed.advance(
            duplicate.stage,
            max(at, self.stage_since),
            reason=f"merged with customer {duplicate.customer_id}, at {duplicate.stage!r}",
            actor="merge",
        )
        return Change(result.relationship, result.events)

    def moved_to(self, customer_id: str) -> Relationship:
        """This relationship filed under another customer id (a merge into a survivor)."""
        return attrs.evolve(self, customer_id=customer_id)

    def erased(self) -> Relationship:
        """This relationship with the free text of every row (the reasons) pseudonymised."""
        return attrs.evolve(
            self,
            history=_erased_rows(self.history),
            merged=tuple(
                attrs.evolve(item, history=_erased_rows(item.history)) for item in self.merged
            ),
        )

    # -- serialisation -------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Everything stored about this relationship, JSON-safe (`from_dict` reads it back)."""
        return {
            "customer_id": self.customer_id,
            "ladder": list(self.ladder.stages),
            "stage": self.stage,
            "history": [change.to_dict() for change in self.history],
            "merged": [item.to_dict() for item in self.merged],
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Relationship:
        """Rebuild a relationship written by `to_dict`; malformed data raises ValidationError."""
        if not isinstance(data, dict):
            raise ValidationError("expected a dict", field="relationship", value=data)
        try:
            return cls(
                customer_id=data.get("customer_id"),
                ladder=StageLadder(data.get("ladder") or ()),
                history=[StageChange.from_dict(item) for item in data.get("history", ())],
                merged=[MergedHistory.from_dict(item) for item in data.get("merged", ())],
                version=data.get("version", 0),
            )
        except (AttributeError, TypeError):
            raise ValidationError(
                "malformed relationship data", field="relationship", value=data
            ) from None


def _erased_rows(rows: Iterable[StageChange]) -> tuple[StageChange, ...]:
    return tuple(attrs.evolve(row, reason=ERASED_TEXT) for row in rows)


def _relationship(value: object) -> Relationship:
    if not isinstance(value, Relationship):
        raise ValidationError("expected a Relationship", field="relationship", value=value)
    return value


def _events(value: object) -> tuple[DomainEvent, ...]:
    return tuple_of(DomainEvent, value, "events")


@attrs.frozen
class StageResult:
    """What `Relationship.advance` or `regress` did.

    Attributes:
        relationship: The relationship after the call (unchanged when not applied).
        applied: False when the move was ignored (a move back, or to the current stage).
        reason: Why it was ignored, or the reason recorded for the move.
        events: The domain events of the move (none when ignored).
    """

    relationship: Relationship = attrs.field(converter=_relationship)
    applied: bool
    reason: str
    events: tuple[DomainEvent, ...] = attrs.field(default=(), converter=_events)

    @property
    def stage(self) -> str:
        """The stage after the call."""
        return self.relationship.stage
