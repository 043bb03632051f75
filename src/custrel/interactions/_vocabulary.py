"""The words of the contact log: channel, direction, kind and outcome of a contact."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TypeVar

from custrel._enums import member
from custrel.errors import ValidationError

__all__ = ["Channel", "Direction", "InteractionKind", "Outcome", "member", "members"]

E = TypeVar("E", bound=enum.Enum)


class Channel(str, enum.Enum):
    """Where a contact took place.

    Not the same list as `custrel.customers.Channel`, which names the ways a company may reach a
    customer for consent; this one names where any contact, in either direction, happened.
    """

    EMAIL = "email"
    PHONE = "phone"
    CHAT = "chat"
    STORE = "store"
    WEB = "web"
    SMS = "sms"
    SOCIAL = "social"
    LETTER = "letter"

    @property
    def is_live(self) -> bool:
        """True for conversations in real time: phone, chat and store.

        A contact there is answered within the contact itself, while a message on the other
        channels waits for a reply.
        """
        return self in _LIVE


_LIVE = frozenset({Channel.PHONE, Channel.CHAT, Channel.STORE})


class Direction(str, enum.Enum):
    """Who started the contact: the customer (inbound) or the company (outbound)."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class InteractionKind(str, enum.Enum):
    """What the contact was about."""

    PURCHASE = "purchase"
    COMPLAINT = "complaint"
    RETURN = "return"
    INQUIRY = "inquiry"
    SUPPORT = "support"
    FOLLOW_UP = "follow_up"
    MARKETING = "marketing"
    FEEDBACK = "feedback"
    REFERRAL = "referral"
    SALES_CONTACT = "sales_contact"


class Outcome(str, enum.Enum):
    """How the contact ended; `Interaction.outcome_note` says more in free text."""

    RESOLVED = "resolved"
    """The customer's matter was settled in this contact."""
    ANSWERED = "answered"
    """The customer got the information they asked for."""
    FOLLOW_UP_NEEDED = "follow_up_needed"
    """Someone has to come back to the customer."""
    ESCALATED = "escalated"
    """Handed on: a case was opened or a specialist took over."""
    SALE = "sale"
    """The contact ended in a sale."""
    NO_SALE = "no_sale"
    """An offer was made and declined."""
    NO_RESPONSE = "no_response"
    """Nobody answered: a missed call, a message left, a bounce."""
    NO_ACTION_NEEDED = "no_action_needed"
    """Nothing to do: a thank-you, an automatic receipt."""
    OTHER = "other"
    """Something else; the outcome note says what."""


def members(kind: type[E], value: object, field: str) -> frozenset[E] | None:
    """Read a filter: ``None`` (no filter), one member or value, or a collection of them.

    Raises:
        ValidationError: A value names no member, or the collection is empty.
    """
    if value is None:
        return None
    if isinstance(value, (str, kind)) or not isinstance(value, Iterable):
        return frozenset({member(kind, value, field)})
    chosen = frozenset(member(kind, item, field) for item in value)
    if not chosen:
        raise ValidationError("an empty filter matches nothing; pass None for all", field=field)
    return chosen
