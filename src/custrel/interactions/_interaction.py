"""One logged contact with a customer or prospect, and the sales opportunity it may carry."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pendulum

from custrel import _time
from custrel.errors import DuplicateError, ValidationError
from custrel.events import Change, DomainEvent
from custrel.ids import check_id
from custrel.interactions._vocabulary import (
    Channel,
    Direction,
    InteractionKind,
    Outcome,
    member,
)
from custrel.money import Money

__all__ = [
    "DEFAULT_CLOCK_SKEW",
    "ERASED_TEXT",
    "MAX_NOTE_LENGTH",
    "Interaction",
    "Opportunity",
]

DEFAULT_CLOCK_SKEW = dt.timedelta(minutes=5)
"""How far ahead of "now" an interaction may be dated: clocks of other systems drift a little."""

MAX_NOTE_LENGTH = 20_000
"""The longest free text (notes, outcome note, opportunity) an interaction keeps."""

ERASED_TEXT = "(erased)"
"""What free text reads after the customer's personal data was erased."""

_SENTIMENT = range(-2, 3)
_CSAT = range(1, 6)
_NPS = range(11)


def _check_text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationError("expected a string", field=field, value=value)
    if len(value) > MAX_NOTE_LENGTH:
        raise ValidationError(
            f"longer than {MAX_NOTE_LENGTH} characters", field=field, value=value[:40] + "..."
        )
    return value


def _check_optional_id(value: object, field: str) -> str | None:
    return None if value is None else check_id(value, field)


def _check_score(value: object, field: str, allowed: range) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise ValidationError(
            f"expected an int from {allowed.start} to {allowed.stop - 1}", field=field, value=value
        )
    return value


def _as_utc(value: pendulum.DateTime) -> dt.datetime:
    # Compare instants in UTC: Python says a datetime in a DST fold never equals one in another
    # zone (PEP 495), so 02:30+01:00 in Oslo would not equal 01:30 UTC.
    return value.astimezone(dt.timezone.utc)


def _external_id(value: object) -> str:
    return check_id(value, "external_id")


def _customer_id(value: object) -> str:
    return check_id(value, "customer_id")


def _staff(value: object) -> str | None:
    return _check_optional_id(value, "staff")


def _order_id(value: object) -> str | None:
    return _check_optional_id(value, "order_id")


def _journey_id(value: object) -> str | None:
    return _check_optional_id(value, "journey_id")


def _case_id(value: object) -> str | None:
    return _check_optional_id(value, "case_id")


def _notes(value: object) -> str:
    return _check_text(value, "notes")


def _outcome_note(value: object) -> str:
    return _check_text(value, "outcome_note")


def _sentiment(value: object) -> int | None:
    return _check_score(value, "sentiment", _SENTIMENT)


def _csat(value: object) -> int | None:
    return _check_score(value, "csat", _CSAT)


def _nps(value: object) -> int | None:
    return _check_score(value, "nps", _NPS)


def _channel(value: object) -> Channel:
    return member(Channel, value, "channel")


def _direction(value: object) -> Direction:
    return member(Direction, value, "direction")


def _kind(value: object) -> InteractionKind:
    return member(InteractionKind, value, "kind")


def _outcome(value: object) -> Outcome | None:
    return None if value is None else member(Outcome, value, "outcome")


def _money(value: object) -> Money | None:
    if value is not None and not isinstance(value, Money):
        raise ValidationError("expected Money or None", field="value", value=value)
    return value


def _what(value: object) -> str:
    text = _check_text(value, "what")
    if not text.strip():
        raise ValidationError("say what could be sold", field="what", value=value)
    return text


@attrs.frozen
class Opportunity:
    """A possible sale noticed during a contact: every contact is a possible sales contact.

    Attributes:
        what: What the customer might buy, in a few words.
        value: The estimated value, if someone estimated it.
        staff: The staff member who follows it up, if anyone.
    """

    what: str = attrs.field(converter=_what)
    value: Money | None = attrs.field(default=None, converter=_money)
    staff: str | None = attrs.field(default=None, converter=_staff)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {
            "what": self.what,
            "value": None if self.value is None else self.value.to_dict(),
            "staff": self.staff,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Opportunity:
        """Rebuild an opportunity written by `to_dict`."""
        value = data.get("value")
        return cls(
            what=data.get("what"),
            value=None if value is None else Money.from_dict(value),
            staff=data.get("staff"),
        )


def _opportunity(value: object) -> Opportunity | None:
    if value is not None and not isinstance(value, Opportunity):
        raise ValidationError("expected an Opportunity or None", field="opportunity", value=value)
    return value


def _version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError("expected a non-negative int", field="version", value=value)
    return value


def _erased(text: str) -> str:
    return text if not text else ERASED_TEXT


@attrs.frozen(kw_only=True)
class Interaction:
    """A contact with a customer or prospect, as logged: a fact, kept as it was told.

    Attributes:
        external_id: The host's own id for this contact (an email's Message-ID, the phone
            system's call id): the idempotency key. Logging the same id again with the same
            content is a no-op; with other content it is refused.
        customer_id: The customer or prospect (a registered `Customer`).
        at: When the contact took place.
        channel: Where it took place (`Channel`).
        direction: Who started it (`Direction`).
        kind: What it was about (`InteractionKind`).
        outcome: How it ended (`Outcome`), or ``None`` while not known (a message just received).
        outcome_note: Free text about the outcome.
        sentiment: The customer's mood, from -2 (angry) to +2 (delighted), if judged.
        staff: The staff member who handled it.
        order_id: The order it concerns, if any.
        journey_id: The journey (one per sale) it belongs to, if any.
        case_id: The service case it belongs to, if any.
        notes: Free text.
        opportunity: A sales opportunity registered from this contact.
        csat: A satisfaction score from 1 to 5; only on feedback.
        nps: A would-recommend score from 0 to 10; only on feedback.
        version: Set by storage (not part of the content).
    """

    external_id: str = attrs.field(converter=_external_id)
    customer_id: str = attrs.field(converter=_customer_id)
    at: pendulum.DateTime = attrs.field(converter=_time.at, eq=_as_utc)
    channel: Channel = attrs.field(converter=_channel)
    direction: Direction = attrs.field(converter=_direction)
    kind: InteractionKind = attrs.field(converter=_kind)
    outcome: Outcome | None = attrs.field(default=None, converter=_outcome)
    outcome_note: str = attrs.field(default="", converter=_outcome_note)
    sentiment: int | None = attrs.field(default=None, converter=_sentiment)
    staff: str | None = attrs.field(default=None, converter=_staff)
    order_id: str | None = attrs.field(default=None, converter=_order_id)
    journey_id: str | None = attrs.field(default=None, converter=_journey_id)
    case_id: str | None = attrs.field(default=None, converter=_case_id)
    notes: str = attrs.field(default="", converter=_notes)
    opportunity: Opportunity | None = attrs.field(default=None, converter=_opportunity)
    csat: int | None = attrs.field(default=None, converter=_csat)
    nps: int | None = attrs.field(default=None, converter=_nps)
    version: int = attrs.field(default=0, converter=_version, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.kind is not InteractionKind.FEEDBACK:
            for field in ("csat", "nps"):
                if getattr(self, field) is not None:
                    raise ValidationError(
                        f"only feedback carries a score, not {self.kind.value!r}",
                        field=field,
                        value=getattr(self, field),
                    )

    # -- derived views -------------------------------------------------------------------

    @property
    def is_negative(self) -> bool:
        """True for a contact judged with a negative sentiment, or an unjudged inbound complaint.

        A recorded sentiment decides: the call in which a complaint was put right, judged +1,
        is not a negative contact. Without one, a complaint from the customer is.
        """
        if self.sentiment is not None:
            return self.sentiment < 0
        return self.kind is InteractionKind.COMPLAINT and self.direction is Direction.INBOUND

    @property
    def is_inbound(self) -> bool:
        """True when the customer started the contact."""
        return self.direction is Direction.INBOUND

    def differences(self, other: Interaction) -> tuple[str, ...]:
        """The names of the content fields in which *other* differs from this one, in order.

        ``version`` is not content. Instants are compared as instants, whatever their zone.
        """
        differing = []
        for field in attrs.fields(Interaction):
            if not field.eq:
                continue
            mine, theirs = getattr(self, field.name), getattr(other, field.name)
            if field.name == "at":
                mine, theirs = _as_utc(mine), _as_utc(theirs)
            if mine != theirs:
                differing.append(field.name)
        return tuple(differing)

    def check_logged(self, now: pendulum.DateTime, *, clock_skew: dt.timedelta) -> None:
        """Refuse an interaction dated further in the future than *clock_skew* past *now*.

        Raises:
            ValidationError: ``at`` is later than ``now + clock_skew``.
        """
        now = _time.instant(now, "now")
        if self.at > now + clock_skew:
            raise ValidationError(
                f"dated in the future: more than {clock_skew} after now "
                f"({_time.format_instant(now)})",
                field="at",
                value=_time.format_instant(self.at),
            )

    # -- operations ----------------------------------------------------------------------

    def _event(self, type_: str, at: pendulum.DateTime, **payload: Any) -> DomainEvent:  # noqa: ANN401
        return DomainEvent(
            type=type_,
            occurred_at=at,
            customer_id=self.customer_id,
            aggregate_id=self.external_id,
            payload=payload,
        )

    def logged_event(self) -> DomainEvent:
        """The ``interaction.logged`` event announcing this contact (no free text in it)."""
        return self._event(
            "interaction.logged",
            self.at,
            channel=self.channel.value,
            direction=self.direction.value,
            kind=self.kind.value,
            outcome=None if self.outcome is None else self.outcome.value,
            sentiment=self.sentiment,
            staff=self.staff,
            order_id=self.order_id,
            journey_id=self.journey_id,
            case_id=self.case_id,
            opportunity=self.opportunity is not None,
        )

    def register_opportunity(
        self, opportunity: Opportunity, *, at: pendulum.DateTime
    ) -> Change[Interaction]:
        """Attach the sales opportunity this contact revealed.

        Registering the same opportunity again changes nothing (no events), so a retried
        request is harmless. An interaction carries one opportunity.

        Raises:
            ValidationError: *opportunity* is not an `Opportunity`, or *at* is naive.
            DuplicateError: Another opportunity is registered already; the message names the
                fields that differ.
        """
        at = _time.instant(at, "at")
        opportunity = _opportunity(opportunity)  # type: ignore[assignment]  # None is refused next
        if opportunity is None:
            raise ValidationError("expected an Opportunity", field="opportunity", value=None)
        if self.opportunity == opportunity:
            return Change(self)
        if self.opportunity is not None:
            differing = [
                field.name
                for field in attrs.fields(Opportunity)
                if getattr(self.opportunity, field.name) != getattr(opportunity, field.name)
            ]
            raise DuplicateError(
                f"interaction {self.external_id!r} already has an opportunity; "
                f"{', '.join(differing)} differ"
            )
        event = self._event(
            "interaction.opportunity_registered",
            at,
            value=None if opportunity.value is None else opportunity.value.to_dict(),
            staff=opportunity.staff,
        )
        return Change(attrs.evolve(self, opportunity=opportunity), (event,))

    def erased(self) -> Interaction:
        """This interaction with its free text pseudonymised (GDPR erasure).

        Notes, the outcome note and what an opportunity was about read `ERASED_TEXT` (empty
        text stays empty); the facts stay: when, where, what kind, outcome, sentiment, scores.
        """
        opportunity = self.opportunity
        if opportunity is not None:
            opportunity = attrs.evolve(opportunity, what=ERASED_TEXT)
        return attrs.evolve(
            self,
            notes=_erased(self.notes),
            outcome_note=_erased(self.outcome_note),
            opportunity=opportunity,
        )

    # -- serialisation -------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict (`from_dict` reads it back), with the version."""
        return {
            "external_id": self.external_id,
            "customer_id": self.customer_id,
            "at": _time.format_instant(self.at),
            "channel": self.channel.value,
            "direction": self.direction.value,
            "kind": self.kind.value,
            "outcome": None if self.outcome is None else self.outcome.value,
            "outcome_note": self.outcome_note,
            "sentiment": self.sentiment,
            "staff": self.staff,
            "order_id": self.order_id,
            "journey_id": self.journey_id,
            "case_id": self.case_id,
            "notes": self.notes,
            "opportunity": None if self.opportunity is None else self.opportunity.to_dict(),
            "csat": self.csat,
            "nps": self.nps,
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Interaction:
        """Rebuild an interaction written by `to_dict`.

        Raises:
            ValidationError: A field is missing or malformed.
        """
        if not isinstance(data, dict):
            raise ValidationError("expected a dict", field="interaction", value=data)
        missing = {"external_id", "customer_id", "at", "channel", "direction", "kind"} - set(data)
        if missing:
            raise ValidationError(f"missing fields {sorted(missing)}", field="interaction")
        opportunity = data.get("opportunity")
        return cls(
            external_id=data["external_id"],
            customer_id=data["customer_id"],
            at=_time.parse_instant(data["at"], "at"),
            channel=data["channel"],
            direction=data["direction"],
            kind=data["kind"],
            outcome=data.get("outcome"),
            outcome_note=data.get("outcome_note", ""),
            sentiment=data.get("sentiment"),
            staff=data.get("staff"),
            order_id=data.get("order_id"),
            journey_id=data.get("journey_id"),
            case_id=data.get("case_id"),
            notes=data.get("notes", ""),
            opportunity=None if opportunity is None else Opportunity.from_dict(opportunity),
            csat=data.get("csat"),
            nps=data.get("nps"),
            version=data.get("version", 0),
        )
