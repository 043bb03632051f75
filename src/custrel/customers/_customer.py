"""The customer: who they are, how to reach them, who looks after them, what they agreed to."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any, TypeVar

import attrs
import pendulum

from custrel import _time
from custrel.customers._consent import (
    Channel,
    ConsentRecord,
    ConsentStatus,
    Purpose,
    SuppressionChange,
    SuppressionReason,
    enum_value,
)
from custrel.customers._contact_points import PostalAddress, normalize_email, normalize_phone
from custrel.customers._name import PersonName, check_locale, greet
from custrel.errors import InvalidTransitionError, ValidationError
from custrel.events import Change, DomainEvent
from custrel.ids import check_id

__all__ = ["KEEP", "Customer", "Keep", "Merged", "OwnerChange"]

T = TypeVar("T")


class Keep(enum.Enum):
    """Type of `KEEP`."""

    KEEP = "keep"


KEEP = Keep.KEEP
"""Leave this field as it is (``None`` clears it)."""


ERASED_NAME = PersonName(given="(erased)")
MERGED_NAME = PersonName(given="(merged)")
_MAX_TAG = 100


def _name(value: object) -> PersonName:
    if not isinstance(value, PersonName):
        raise ValidationError("expected a PersonName", field="name", value=value)
    return value


def _address(value: object) -> PostalAddress | None:
    if value is not None and not isinstance(value, PostalAddress):
        raise ValidationError("expected a PostalAddress or None", field="address", value=value)
    return value


def _tags(value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError("expected a collection of tags", field="tags", value=value)
    tags = set()
    for tag in value:
        if not isinstance(tag, str) or not tag.strip() or len(tag.strip()) > _MAX_TAG:
            raise ValidationError(
                f"tags are non-empty strings of at most {_MAX_TAG} characters",
                field="tags",
                value=tag,
            )
        tags.add(tag.strip())
    return frozenset(tags)


def _tuple_of(kind: type[T], value: object, field: str) -> tuple[T, ...]:
    if not isinstance(value, (tuple, list)) or not all(isinstance(item, kind) for item in value):
        raise ValidationError(f"expected a tuple of {kind.__name__}", field=field, value=value)
    return tuple(value)


def _ownership(value: object) -> tuple[OwnerChange, ...]:
    return _tuple_of(OwnerChange, value, "ownership")


def _consents(value: object) -> tuple[ConsentRecord, ...]:
    return _tuple_of(ConsentRecord, value, "consents")


def _suppressions(value: object) -> tuple[SuppressionChange, ...]:
    return _tuple_of(SuppressionChange, value, "suppressions")


def _id(value: object) -> str:
    return check_id(value, "id")


def _merged_ids(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (tuple, list)):
        raise ValidationError("expected a tuple of ids", field="merged_ids", value=value)
    return tuple(check_id(item, "merged_ids") for item in value)


def _merged_into(value: object) -> str | None:
    return None if value is None else check_id(value, "merged_into")


def _created_at(value: object) -> pendulum.DateTime:
    return _time.instant(value, "created_at")


def _erased_at(value: object) -> pendulum.DateTime | None:
    return _time.optional_instant(value, "erased_at")


def _email(value: object) -> str | None:
    return None if value is None else normalize_email(value)


def _phone(value: object) -> str | None:
    return None if value is None else normalize_phone(value)


def _timezone(value: object) -> str | None:
    return None if value is None else _time.timezone_name(value)


def _locale(value: object) -> str | None:
    return None if value is None else check_locale(value)


def _version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError("expected a non-negative int", field="version", value=value)
    return value


def _staff(value: object) -> str | None:
    return None if value is None else check_id(value, "owner")


@attrs.frozen
class OwnerChange:
    """The dedicated owner (a staff id, or ``None`` for nobody) from ``at`` on, and why."""

    owner: str | None = attrs.field(converter=_staff)
    at: pendulum.DateTime = attrs.field(converter=_time.at)
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return {"owner": self.owner, "at": _time.format_instant(self.at), "reason": self.reason}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OwnerChange:
        """Rebuild a change written by `to_dict`."""
        return cls(
            owner=data.get("owner"),
            at=_time.parse_instant(data.get("at"), "at"),
            reason=data.get("reason") or "",
        )


@attrs.frozen
class Merged:
    """The two records a merge leaves: the survivor, and the duplicate as a tombstone."""

    survivor: Customer
    tombstone: Customer


@attrs.frozen(kw_only=True)
class Customer:
    """A customer or prospect, as a value.

    Build one with `Customer.register`; every operation returns a `Change` holding a new
    `Customer` and the domain events it produced. Histories (ownership, consent, suppression) are
    append-only tuples, and the current owner, consent and suppressions are derived from them.
    ``version`` is set by storage and used to detect concurrent writers.
    """

    id: str = attrs.field(converter=_id)
    name: PersonName = attrs.field(converter=_name)
    created_at: pendulum.DateTime = attrs.field(converter=_created_at)
    email: str | None = attrs.field(default=None, converter=_email)
    phone: str | None = attrs.field(default=None, converter=_phone)
    address: PostalAddress | None = attrs.field(default=None, converter=_address)
    timezone: str | None = attrs.field(default=None, converter=_timezone)
    locale: str | None = attrs.field(default=None, converter=_locale)
    ownership: tuple[OwnerChange, ...] = attrs.field(default=(), converter=_ownership)
    consents: tuple[ConsentRecord, ...] = attrs.field(default=(), converter=_consents)
    suppressions: tuple[SuppressionChange, ...] = attrs.field(default=(), converter=_suppressions)
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=_tags)
    merged_ids: tuple[str, ...] = attrs.field(default=(), converter=_merged_ids)
    merged_into: str | None = attrs.field(default=None, converter=_merged_into)
    erased_at: pendulum.DateTime | None = attrs.field(default=None, converter=_erased_at)
    version: int = attrs.field(default=0, converter=_version, eq=False)

    @classmethod
    def register(
        cls,
        *,
        id: str,  # noqa: A002 - the natural name, as in DESIGN.md
        name: PersonName,
        at: pendulum.DateTime,
        email: str | None = None,
        phone: str | None = None,
        address: PostalAddress | None = None,
        timezone: str | None = None,
        locale: str | None = None,
        owner: str | None = None,
        tags: Iterable[str] = (),
    ) -> Customer:
        """Register a new customer under the host's own *id*.

        Raises:
            ValidationError: A field is malformed; the message names it and the value.
        """
        at = _time.instant(at, "at")
        ownership = () if owner is None else (OwnerChange(owner, at, "assigned at registration"),)
        return cls(
            id=id,
            name=name,
            created_at=at,
            email=email,
            phone=phone,
            address=address,
            timezone=timezone,
            locale=locale,
            ownership=ownership,
            tags=tags,
        )

    # -- derived views -------------------------------------------------------------------

    @property
    def owner(self) -> str | None:
        """The dedicated owner now: the last ownership change's staff id."""
        return self.ownership[-1].owner if self.ownership else None

    @property
    def is_erased(self) -> bool:
        """True once personal data has been erased."""
        return self.erased_at is not None

    @property
    def is_merged(self) -> bool:
        """True for the tombstone of a customer merged into another."""
        return self.merged_into is not None

    def greeting(self, locale: str | None = None) -> str:
        """Greet the customer by their preferred name (else given name) in their language.

        *locale* overrides the customer's own; English is the fallback.
        """
        language = check_locale(locale) if locale is not None else self.locale
        named = not (self.is_erased or self.is_merged)
        return greet(self.name.called if named else None, language)

    def consent(self, channel: Channel | str, purpose: Purpose | str) -> ConsentStatus | None:
        """The latest consent status for *channel* and *purpose*, or ``None`` if never recorded."""
        record = self.consent_record(channel, purpose)
        return None if record is None else record.status

    def consent_record(
        self, channel: Channel | str, purpose: Purpose | str
    ) -> ConsentRecord | None:
        """The latest consent record for *channel* and *purpose*, or ``None``.

        Latest means latest ``at`` (of two records at the same instant, the one recorded last),
        so a statement recorded late does not override a newer one, as in `merge`.
        """
        channel = enum_value(Channel, channel, "channel")
        purpose = enum_value(Purpose, purpose, "purpose")
        matching = [r for r in self.consents if r.channel is channel and r.purpose is purpose]
        return max(reversed(matching), key=lambda record: record.at, default=None)

    def active_suppressions(self) -> frozenset[tuple[SuppressionReason, Channel | None]]:
        """Suppressions in force as (reason, channel) pairs; channel ``None`` is every channel.

        Changes apply in time order (ties in the order recorded), as in `merge`.
        """
        active: set[tuple[SuppressionReason, Channel | None]] = set()
        for change in sorted(self.suppressions, key=lambda change: change.at):
            key = (change.reason, change.channel)
            if change.active:
                active.add(key)
            else:
                active.discard(key)
        return frozenset(active)

    def is_suppressed(self, channel: Channel | str) -> bool:
        """True if some suppression forbids contacting the customer on *channel*."""
        channel = enum_value(Channel, channel, "channel")
        return any(scope in (None, channel) for _, scope in self.active_suppressions())

    # -- operations ----------------------------------------------------------------------

    def _event(self, type_: str, at: pendulum.DateTime, **payload: Any) -> DomainEvent:  # noqa: ANN401
        return DomainEvent(
            type=type_, occurred_at=at, customer_id=self.id, aggregate_id=self.id, payload=payload
        )

    def _require_live(self, operation: str) -> None:
        if self.merged_into is not None:
            raise InvalidTransitionError(
                f"cannot {operation}: customer {self.id!r} was merged into {self.merged_into!r}"
            )
        if self.erased_at is not None:
            raise InvalidTransitionError(f"cannot {operation}: customer {self.id!r} was erased")

    def registration_event(self) -> DomainEvent:
        """The ``customer.registered`` event announcing this customer."""
        return self._event("customer.registered", self.created_at)

    def update_contact(
        self,
        *,
        at: pendulum.DateTime,
        email: str | Keep | None = KEEP,
        phone: str | Keep | None = KEEP,
        address: PostalAddress | Keep | None = KEEP,
    ) -> Change[Customer]:
        """Change contact points; `KEEP` leaves one as it is and ``None`` removes it."""
        return self._update(
            "customer.contact_updated", at, {"email": email, "phone": phone, "address": address}
        )

    def update_profile(
        self,
        *,
        at: pendulum.DateTime,
        name: PersonName | Keep = KEEP,
        timezone: str | Keep | None = KEEP,
        locale: str | Keep | None = KEEP,
    ) -> Change[Customer]:
        """Change the name, time zone or locale; `KEEP` leaves a field as it is."""
        return self._update(
            "customer.profile_updated", at, {"name": name, "timezone": timezone, "locale": locale}
        )

    def _update(
        self, type_: str, at: pendulum.DateTime, changes: dict[str, object]
    ) -> Change[Customer]:
        at = _time.instant(at, "at")
        self._require_live("update")
        given = {field: value for field, value in changes.items() if value is not KEEP}
        updated = attrs.evolve(self, **given)
        changed = sorted(
            field for field in given if getattr(updated, field) != getattr(self, field)
        )
        if not changed:
            return Change(self)
        return Change(updated, (self._event(type_, at, fields=changed),))

    def assign_owner(
        self, owner: str | None, *, at: pendulum.DateTime, reason: str = ""
    ) -> Change[Customer]:
        """Make staff member *owner* the customer's dedicated owner (``None``: nobody).

        Assigning the current owner again changes nothing and emits no event.
        """
        change = OwnerChange(owner, at, reason)
        self._require_live("assign an owner")
        if change.owner == self.owner:
            return Change(self)
        updated = attrs.evolve(self, ownership=(*self.ownership, change))
        event = self._event(
            "customer.owner_assigned",
            change.at,
            owner=change.owner,
            previous=self.owner,
        )
        return Change(updated, (event,))

    def record_consent(
        self,
        channel: Channel | str,
        purpose: Purpose | str,
        status: ConsentStatus | str,
        *,
        at: pendulum.DateTime,
        source: str,
    ) -> Change[Customer]:
        """Record what the customer said about being contacted on *channel* for *purpose*."""
        record = ConsentRecord(
            channel=channel, purpose=purpose, status=status, source=source, at=at
        )
        self._require_live("record consent")
        updated = attrs.evolve(self, consents=(*self.consents, record))
        event = self._event(
            "customer.consent_recorded",
            record.at,
            channel=record.channel.value,
            purpose=record.purpose.value,
            status=record.status.value,
        )
        return Change(updated, (event,))

    def suppress(
        self,
        reason: SuppressionReason | str,
        *,
        at: pendulum.DateTime,
        channel: Channel | str | None = None,
        note: str = "",
    ) -> Change[Customer]:
        """Forbid contact on *channel* (or every channel) for *reason*, whatever the consent."""
        return self._suppression(SuppressionChange(reason, channel, active=True, at=at, note=note))

    def lift_suppression(
        self,
        reason: SuppressionReason | str,
        *,
        at: pendulum.DateTime,
        channel: Channel | str | None = None,
        note: str = "",
    ) -> Change[Customer]:
        """Lift a suppression put in place earlier; lifting one not in force changes nothing."""
        return self._suppression(SuppressionChange(reason, channel, active=False, at=at, note=note))

    def _suppression(self, change: SuppressionChange) -> Change[Customer]:
        self._require_live("change suppression")
        in_force = (change.reason, change.channel) in self.active_suppressions()
        if in_force == change.active:
            return Change(self)
        updated = attrs.evolve(self, suppressions=(*self.suppressions, change))
        type_ = "customer.suppressed" if change.active else "customer.suppression_lifted"
        channel = None if change.channel is None else change.channel.value
        return Change(
            updated, (self._event(type_, change.at, reason=change.reason.value, channel=channel),)
        )

    def tag(self, *tags: str, at: pendulum.DateTime) -> Change[Customer]:
        """Add tags; tags already present are ignored."""
        added = sorted(_tags(tags) - self.tags)
        return self._retag(self.tags | frozenset(added), "customer.tagged", added, at)

    def untag(self, *tags: str, at: pendulum.DateTime) -> Change[Customer]:
        """Remove tags; tags not present are ignored."""
        removed = sorted(_tags(tags) & self.tags)
        return self._retag(self.tags - frozenset(removed), "customer.untagged", removed, at)

    def _retag(
        self, tags: frozenset[str], type_: str, which: list[str], at: pendulum.DateTime
    ) -> Change[Customer]:
        at = _time.instant(at, "at")
        self._require_live("change tags")
        if not which:
            return Change(self)
        return Change(attrs.evolve(self, tags=tags), (self._event(type_, at, tags=which),))

    def merge(self, duplicate: Customer, *, at: pendulum.DateTime) -> Change[Merged]:
        """Merge *duplicate* into this customer, the survivor.

        The survivor keeps its own values and fills its blanks (contact points, time zone,
        locale, family and preferred name, owner) from the duplicate. Consent and suppression
        histories are joined in time order, so the most recent statement from either record
        wins; tags are united; the duplicate's id (and any ids merged into it) are recorded in
        ``merged_ids``. The duplicate becomes a tombstone pointing at the survivor, holding no
        personal data. The ``customer.merged`` event tells other parts of the system to move
        records from the duplicate's id to the survivor's; a ``customer.owner_assigned`` event
        follows when the survivor takes over the duplicate's owner.
        """
        at = _time.instant(at, "at")
        if duplicate.id == self.id:
            raise ValidationError(
                "cannot merge a customer into itself", field="duplicate", value=duplicate.id
            )
        self._require_live("merge into this customer")
        if duplicate.merged_into is not None:
            raise InvalidTransitionError(
                f"customer {duplicate.id!r} was already merged into {duplicate.merged_into!r}"
            )
        name = (
            attrs.evolve(
                self.name,
                family=self.name.family or duplicate.name.family,
                preferred=self.name.preferred or duplicate.name.preferred,
            )
            if not duplicate.is_erased
            else self.name
        )
        ownership = self.ownership
        events = [self._event("customer.merged", at, survivor_id=self.id, merged_id=duplicate.id)]
        if self.owner is None and duplicate.owner is not None:
            ownership = (
                *ownership,
                OwnerChange(duplicate.owner, at, f"merged from {duplicate.id}"),
            )
            events.append(
                self._event("customer.owner_assigned", at, owner=duplicate.owner, previous=None)
            )
        survivor = attrs.evolve(
            self,
            name=name,
            created_at=min(self.created_at, duplicate.created_at),
            email=self.email or duplicate.email,
            phone=self.phone or duplicate.phone,
            address=self.address or duplicate.address,
            timezone=self.timezone or duplicate.timezone,
            locale=self.locale or duplicate.locale,
            ownership=ownership,
            consents=sorted((*self.consents, *duplicate.consents), key=lambda record: record.at),
            suppressions=sorted(
                (*self.suppressions, *duplicate.suppressions), key=lambda change: change.at
            ),
            tags=self.tags | duplicate.tags,
            merged_ids=(*self.merged_ids, duplicate.id, *duplicate.merged_ids),
        )
        tombstone = Customer(
            id=duplicate.id,
            name=MERGED_NAME,
            created_at=duplicate.created_at,
            merged_into=self.id,
            erased_at=duplicate.erased_at,
            version=duplicate.version,
        )
        return Change(Merged(survivor, tombstone), tuple(events))

    def refreshed_by(self, incoming: Customer) -> Customer:
        """This customer with its profile refreshed by an imported record for the same email.

        The name is replaced; phone, address, time zone and locale are replaced where the
        incoming value is not None. Id, histories, owner, tags and version stay. This is the
        rule `CustomerRepository.upsert_by_email` applies.
        """
        return attrs.evolve(
            self,
            name=incoming.name,
            phone=incoming.phone or self.phone,
            address=incoming.address or self.address,
            timezone=incoming.timezone or self.timezone,
            locale=incoming.locale or self.locale,
        )

    def erase(self, *, at: pendulum.DateTime) -> Change[Customer]:
        """Erase personal data (the GDPR right to erasure), keeping the id and non-personal facts.

        Name, contact points, time zone, locale, tags and free-text notes go; the consent and
        suppression history and the ownership history (each without its free text) stay, so an
        opt-out is still honoured. Erasing twice changes nothing the second time.
        """
        at = _time.instant(at, "at")
        if self.erased_at is not None:
            return Change(self)
        erased = attrs.evolve(
            self,
            name=ERASED_NAME if self.merged_into is None else self.name,
            email=None,
            phone=None,
            address=None,
            timezone=None,
            locale=None,
            consents=tuple(attrs.evolve(record, source="(erased)") for record in self.consents),
            suppressions=tuple(attrs.evolve(change, note="") for change in self.suppressions),
            ownership=tuple(attrs.evolve(change, reason="") for change in self.ownership),
            tags=frozenset(),
            erased_at=at,
        )
        return Change(erased, (self._event("customer.erased", at),))

    # -- serialisation -------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Everything stored about this customer as a JSON-safe dict (`from_dict` reads it back)."""
        return {
            "id": self.id,
            "name": self.name.to_dict(),
            "created_at": _time.format_instant(self.created_at),
            "email": self.email,
            "phone": self.phone,
            "address": None if self.address is None else self.address.to_dict(),
            "timezone": self.timezone,
            "locale": self.locale,
            "owner": self.owner,
            "ownership": [change.to_dict() for change in self.ownership],
            "consents": [record.to_dict() for record in self.consents],
            "suppressions": [change.to_dict() for change in self.suppressions],
            "tags": sorted(self.tags),
            "merged_ids": list(self.merged_ids),
            "merged_into": self.merged_into,
            "erased_at": None if self.erased_at is None else _time.format_instant(self.erased_at),
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Customer:
        """Rebuild a customer written by `to_dict`; malformed data raises `ValidationError`."""
        if not isinstance(data, dict):
            raise ValidationError("expected a dict", field="customer", value=data)
        try:
            return cls._from_dict(data)
        except (AttributeError, TypeError):  # a nested part is not a dict or not a list
            raise ValidationError("malformed customer data", field="customer", value=data) from None

    @classmethod
    def _from_dict(cls, data: dict[str, Any]) -> Customer:
        address = data.get("address")
        erased_at = data.get("erased_at")
        return cls(
            id=data.get("id"),
            name=PersonName.from_dict(data.get("name") or {}),
            created_at=_time.parse_instant(data.get("created_at"), "created_at"),
            email=data.get("email"),
            phone=data.get("phone"),
            address=None if address is None else PostalAddress.from_dict(address),
            timezone=data.get("timezone"),
            locale=data.get("locale"),
            ownership=[OwnerChange.from_dict(item) for item in data.get("ownership", ())],
            consents=[ConsentRecord.from_dict(item) for item in data.get("consents", ())],
            suppressions=[
                SuppressionChange.from_dict(item) for item in data.get("suppressions", ())
            ],
            tags=data.get("tags", ()),
            merged_ids=data.get("merged_ids", ()),
            merged_into=data.get("merged_into"),
            erased_at=None if erased_at is None else _time.parse_instant(erased_at, "erased_at"),
            version=data.get("version", 0),
        )
