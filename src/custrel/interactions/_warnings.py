"""Early warning: rules in code that read the contact log, promises and cases for risk.

Each rule is a frozen, validated value with a ``describe()`` line for staff and a pure
``evaluate(facts, now)`` that returns at most one `RiskSignal` (with a one-line reason and the
ids behind it) for the customer the facts are about. `EarlyWarning` holds a set of rules and
turns a customer's facts into a `CustomerRisk`; `worst_first` orders customers by risk.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Protocol, runtime_checkable

import attrs
import pendulum

from custrel import _time
from custrel.calendars import BusinessCalendar
from custrel.cases import Case, CaseEventType, CaseKind
from custrel.errors import PolicyError, ValidationError
from custrel.ids import check_id
from custrel.interactions._interaction import Interaction
from custrel.interactions._vocabulary import (
    Channel,
    Direction,
    InteractionKind,
    Outcome,
    member,
)
from custrel.lifecycle import (
    Journey,
    OtifTolerance,
    PromiseOutcome,
    assess_journey,
)

__all__ = [
    "BrokenPromiseWithoutContact",
    "CustomerRisk",
    "EarlyWarning",
    "FallingSentiment",
    "NegativeContacts",
    "ReopenedComplaint",
    "RiskFacts",
    "RiskRule",
    "RiskSignal",
    "Severity",
    "UnansweredInbound",
    "worst_first",
]


class Severity(str, enum.Enum):
    """How bad a risk signal is."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """0 for LOW, 1 for MEDIUM, 2 for HIGH: higher is worse."""
        return _RANKS[self]


_RANKS = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2}

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _utc(at: dt.datetime) -> dt.datetime:
    # Exact instant order; datetimes in a DST fold compare badly across zones (PEP 495).
    return at.astimezone(dt.timezone.utc)


_AWAITING = frozenset({None, Outcome.FOLLOW_UP_NEEDED})
_MESSAGES = frozenset(channel for channel in Channel if not channel.is_live)
_FAILED = frozenset({PromiseOutcome.BROKEN, PromiseOutcome.LATE, PromiseOutcome.PARTIAL})


# -- values --------------------------------------------------------------------------------


def _tuple_of(kind: type, value: object, field: str) -> tuple[object, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ValidationError(f"expected a collection of {kind.__name__}", field=field, value=value)
    items = tuple(value)
    for item in items:
        if not isinstance(item, kind):
            raise ValidationError(f"expected {kind.__name__} values", field=field, value=item)
    return items


def _interactions(value: object) -> tuple[Interaction, ...]:
    return _tuple_of(Interaction, value, "interactions")  # type: ignore[return-value]


def _journeys(value: object) -> tuple[Journey, ...]:
    return _tuple_of(Journey, value, "journeys")  # type: ignore[return-value]


def _cases(value: object) -> tuple[Case, ...]:
    return _tuple_of(Case, value, "cases")  # type: ignore[return-value]


def _customer_id(value: object) -> str:
    return check_id(value, "customer_id")


@attrs.frozen(kw_only=True)
class RiskFacts:
    """What early warning knows about one customer: plain values, loaded by the caller.

    Attributes:
        customer_id: The customer.
        interactions: Their contacts (any order; those of other customers are ignored).
        journeys: Their sales, with the promises made (`custrel.lifecycle.Journey`).
        cases: Their service cases (`custrel.cases.Case`).
    """

    customer_id: str = attrs.field(converter=_customer_id)
    interactions: tuple[Interaction, ...] = attrs.field(default=(), converter=_interactions)
    journeys: tuple[Journey, ...] = attrs.field(default=(), converter=_journeys)
    cases: tuple[Case, ...] = attrs.field(default=(), converter=_cases)

    def contacts(self, now: pendulum.DateTime) -> list[Interaction]:
        """The customer's contacts up to *now*, oldest first (ties by external id)."""
        return sorted(
            (i for i in self.interactions if i.customer_id == self.customer_id and i.at <= now),
            key=lambda i: (_utc(i.at), i.external_id),
        )


@attrs.frozen
class RiskSignal:
    """One reason to worry about a customer.

    Attributes:
        customer_id: The customer.
        rule: The key of the rule that raised it.
        severity: How bad it is.
        at: When the risk arose (the deadline that passed, the last contact that tipped it).
        reason: One line for staff, with the facts behind it.
        evidence: Ids of what raised it: interactions' external ids, case ids, or
            ``"<journey id>/<promise id>"`` for promises.
    """

    customer_id: str
    rule: str
    severity: Severity
    at: pendulum.DateTime
    reason: str
    evidence: tuple[str, ...] = ()


@attrs.frozen
class CustomerRisk:
    """A customer and every signal raised about them, worst first.

    Attributes:
        customer_id: The customer.
        signals: The signals, by severity (worst first), then oldest first.
    """

    customer_id: str
    signals: tuple[RiskSignal, ...]

    @property
    def severity(self) -> Severity | None:
        """The worst severity among the signals, or None when there are none."""
        return max((s.severity for s in self.signals), key=lambda s: s.rank, default=None)

    @property
    def at_risk(self) -> bool:
        """True when at least one signal was raised."""
        return bool(self.signals)

    def _sort_key(self) -> tuple[object, ...]:
        counts = [0, 0, 0]
        for signal in self.signals:
            counts[signal.severity.rank] += 1
        oldest = min((_utc(s.at) for s in self.signals), default=_EPOCH)
        return (-counts[2], -counts[1], -counts[0], oldest, self.customer_id)


def worst_first(risks: Iterable[CustomerRisk]) -> list[CustomerRisk]:
    """Order customers at risk, worst first; customers without signals are left out.

    Most HIGH signals first, then most MEDIUM, then most LOW; among equals, the customer whose
    oldest signal arose earliest (waiting longest), then by customer id.
    """
    return sorted((risk for risk in risks if risk.signals), key=CustomerRisk._sort_key)  # noqa: SLF001 - the class's own key


# -- checks --------------------------------------------------------------------------------


def _positive_span(value: object, field: str) -> dt.timedelta:
    if not isinstance(value, dt.timedelta) or value <= dt.timedelta(0):
        raise PolicyError("expected a timedelta above zero", field=field, value=value)
    return value


def _count(value: object, field: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise PolicyError(f"expected an int of at least {minimum}", field=field, value=value)
    return value


def _severity(value: object) -> Severity:
    return member(Severity, value, "severity", error=PolicyError)


def _key(value: object) -> str:
    if not isinstance(value, str) or not value or not value.replace("_", "").isalnum():
        raise PolicyError(
            "expected a short name of letters, digits and underscores", field="key", value=value
        )
    return value


def _calendar(value: object) -> BusinessCalendar:
    if not isinstance(value, BusinessCalendar):
        raise PolicyError("expected a BusinessCalendar", field="calendar", value=value)
    return value


def _optional_calendar(value: object) -> BusinessCalendar | None:
    return None if value is None else _calendar(value)


def _tolerance(value: object) -> OtifTolerance | None:
    if value is not None and not isinstance(value, OtifTolerance):
        raise PolicyError("expected an OtifTolerance or None", field="tolerance", value=value)
    return value


def _member_set(kind: type[enum.Enum], value: object, field: str) -> frozenset[object]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise PolicyError(f"expected a collection of {kind.__name__}", field=field, value=value)
    chosen = frozenset(member(kind, item, field, error=PolicyError) for item in value)
    if not chosen:
        raise PolicyError("must name at least one", field=field)
    return chosen


def _span_words(span: dt.timedelta) -> str:
    seconds = int(span.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return str(span)


def _when(at: pendulum.DateTime) -> str:
    return at.in_timezone("UTC").format("YYYY-MM-DD HH:mm") + " UTC"


def _signed(value: int) -> str:
    return f"{value:+d}" if value else "0"


# -- the rule protocol ---------------------------------------------------------------------


@runtime_checkable
class RiskRule(Protocol):
    """What `EarlyWarning` asks of a rule; the built-in rules and a host's own satisfy it."""

    @property
    def key(self) -> str:
        """A short unique name, such as ``"negative_contacts"``."""
        ...

    @property
    def lookback(self) -> dt.timedelta:
        """How far back before now the rule reads the contact log."""
        ...

    def describe(self) -> str:
        """The rule in one line of plain language, for staff."""
        ...

    def evaluate(self, facts: RiskFacts, now: pendulum.DateTime) -> tuple[RiskSignal, ...]:
        """The signals this rule raises about ``facts.customer_id`` at *now*."""
        ...


# -- the rules -----------------------------------------------------------------------------


def _negative_count(value: object) -> int:
    return _count(value, "count", 1)


def _within(value: object) -> dt.timedelta:
    return _positive_span(value, "within")


def _max_age(value: object) -> dt.timedelta:
    return _positive_span(value, "max_age")


@attrs.frozen(kw_only=True)
class NegativeContacts:
    """Several negative contacts within a window (see `Interaction.is_negative`).

    Args:
        count: How many negative contacts raise the signal.
        within: The window, ending now (a duration, not calendar days).
        severity: The severity of the signal.
        key: The rule's name in signals.
    """

    count: int = attrs.field(default=3, converter=_negative_count)
    within: dt.timedelta = attrs.field(default=dt.timedelta(days=30), converter=_within)
    severity: Severity = attrs.field(default=Severity.HIGH, converter=_severity)
    key: str = attrs.field(default="negative_contacts", converter=_key)

    @property
    def lookback(self) -> dt.timedelta:
        """The window."""
        return self.within

    def describe(self) -> str:
        """The rule in one line."""
        return (
            f"{self.severity.value}: {self.count} or more negative contacts (sentiment below "
            f"zero, or unjudged inbound complaints) within {_span_words(self.within)}"
        )

    def evaluate(self, facts: RiskFacts, now: pendulum.DateTime) -> tuple[RiskSignal, ...]:
        """One signal when at least `count` negative contacts fall in ``[now - within, now]``."""
        now = _time.instant(now, "now")
        negative = [i for i in facts.contacts(now) if i.is_negative and i.at >= now - self.within]
        if len(negative) < self.count:
            return ()
        reason = (
            f"{len(negative)} negative contacts within {_span_words(self.within)}, "
            f"the latest on {_when(negative[-1].at)}"
        )
        return (
            RiskSignal(
                facts.customer_id,
                self.key,
                self.severity,
                negative[-1].at,
                reason,
                tuple(i.external_id for i in negative),
            ),
        )


def _outcomes(value: object) -> frozenset[PromiseOutcome]:
    chosen = _member_set(PromiseOutcome, value, "outcomes")
    if PromiseOutcome.PENDING in chosen or PromiseOutcome.KEPT in chosen:
        raise PolicyError("a pending or kept promise is not broken", field="outcomes")
    return chosen  # type: ignore[return-value]


def _contact_within(value: object) -> dt.timedelta:
    return _positive_span(value, "within")


def _reaches_out(interaction: Interaction) -> bool:
    return (
        interaction.direction is Direction.OUTBOUND
        and interaction.kind is not InteractionKind.MARKETING
    )


@attrs.frozen(kw_only=True)
class BrokenPromiseWithoutContact:
    """A promise not kept, and nobody from the company in touch since, past a grace period.

    A promise counts as broken when `custrel.lifecycle.assess` gives one of *outcomes*. It
    broke at its deadline (the promised end plus the late tolerance) or, if staff declared it
    broken or it was decided earlier, then. The company has *within* to reach out: an outbound
    contact that is not marketing, at or after the break. Once that time has passed without
    such a contact, the signal stands until someone reaches out, or *max_age* after the break.

    Args:
        within: The grace period; business time when *calendar* is given.
        calendar: Measures *within* in business hours; None for calendar time.
        outcomes: Which promise outcomes count as broken (by default broken, late, partial).
        tolerance: The OTIF tolerance the promises are judged with.
        max_age: Promises broken longer ago than this are no longer signalled.
        severity: The severity of the signal.
        key: The rule's name in signals.
    """

    within: dt.timedelta = attrs.field(default=dt.timedelta(hours=24), converter=_contact_within)
    calendar: BusinessCalendar | None = attrs.field(default=None, converter=_optional_calendar)
    outcomes: frozenset[PromiseOutcome] = attrs.field(default=_FAILED, converter=_outcomes)
    tolerance: OtifTolerance | None = attrs.field(default=None, converter=_tolerance)
    max_age: dt.timedelta = attrs.field(default=dt.timedelta(days=30), converter=_max_age)
    severity: Severity = attrs.field(default=Severity.HIGH, converter=_severity)
    key: str = attrs.field(default="broken_promise", converter=_key)

    @property
    def lookback(self) -> dt.timedelta:
        """The longest a broken promise is signalled."""
        return self.max_age

    def describe(self) -> str:
        """The rule in one line."""
        unit = "business hours" if self.calendar is not None else "hours"
        hours = self.within.total_seconds() / 3600
        outcomes = ", ".join(sorted(outcome.value for outcome in self.outcomes))
        return (
            f"{self.severity.value}: a promise not kept ({outcomes}) and no contact from us "
            f"within {hours:g} {unit} of the break (promises broken in the last "
            f"{_span_words(self.max_age)})"
        )

    def _deadline(self, broken_at: pendulum.DateTime) -> pendulum.DateTime:
        if self.calendar is None:
            return broken_at + self.within
        return self.calendar.add(broken_at, self.within)

    def evaluate(self, facts: RiskFacts, now: pendulum.DateTime) -> tuple[RiskSignal, ...]:
        """One signal listing every promise broken without contact since."""
        now = _time.instant(now, "now")
        reach_outs = [i.at for i in facts.contacts(now) if _reaches_out(i)]
        tolerance = self.tolerance or OtifTolerance()
        found: list[tuple[pendulum.DateTime, str, str]] = []
        for journey in facts.journeys:
            if journey.customer_id != facts.customer_id:
                continue
            for assessment in assess_journey(journey, now, tolerance=tolerance):
                if assessment.outcome not in self.outcomes or assessment.outcome_at is None:
                    continue
                broken_at = assessment.outcome_at
                due = assessment.promise.due
                if due is not None:
                    broken_at = min(broken_at, due + tolerance.late)
                deadline = self._deadline(broken_at)
                if broken_at < now - self.max_age or now < deadline:
                    continue
                if any(at >= broken_at for at in reach_outs):
                    continue
                promise_id = f"{journey.id}/{assessment.promise.id}"
                found.append((deadline, promise_id, assessment.reason))
        if not found:
            return ()
        found.sort(key=lambda item: (_utc(item[0]), item[1]))
        first_deadline, first_id, first_reason = found[0]
        more = f" and {len(found) - 1} more" if len(found) > 1 else ""
        reason = (
            f"promise {first_id} not kept ({first_reason}){more}; no contact from us since, "
            f"due by {_when(first_deadline)}"
        )
        evidence = tuple(item[1] for item in found)
        return (
            RiskSignal(
                facts.customer_id, self.key, self.severity, first_deadline, reason, evidence
            ),
        )


def _channels(value: object) -> frozenset[Channel]:
    return _member_set(Channel, value, "channels")  # type: ignore[return-value]


def _kinds(value: object) -> frozenset[InteractionKind] | None:
    return None if value is None else _member_set(InteractionKind, value, "kinds")  # type: ignore[return-value]


def _answer_within(value: object) -> dt.timedelta:
    return _positive_span(value, "within")


@attrs.frozen(kw_only=True)
class UnansweredInbound:
    """An inbound message left unanswered past a business-time limit.

    A message is an inbound contact on one of *channels* (by default those that are not live:
    email, web, SMS, social, letter) that still awaits an answer: its outcome is not recorded
    or says a follow-up is needed. It is answered by any outbound contact that is not marketing,
    at or after it. The limit runs in the business hours of *calendar*.

    Args:
        calendar: The business calendar the limit runs in (required).
        within: The limit, in business time.
        channels: The channels whose inbound contacts are messages waiting for an answer.
        kinds: Only messages of these kinds (None: every kind).
        max_age: Messages older than this are no longer signalled.
        severity: The severity of the signal.
        key: The rule's name in signals.
    """

    calendar: BusinessCalendar = attrs.field(converter=_calendar)
    within: dt.timedelta = attrs.field(default=dt.timedelta(hours=8), converter=_answer_within)
    channels: frozenset[Channel] = attrs.field(default=_MESSAGES, converter=_channels)
    kinds: frozenset[InteractionKind] | None = attrs.field(default=None, converter=_kinds)
    max_age: dt.timedelta = attrs.field(default=dt.timedelta(days=30), converter=_max_age)
    severity: Severity = attrs.field(default=Severity.MEDIUM, converter=_severity)
    key: str = attrs.field(default="unanswered_inbound", converter=_key)

    @property
    def lookback(self) -> dt.timedelta:
        """The oldest message signalled."""
        return self.max_age

    def describe(self) -> str:
        """The rule in one line."""
        channels = ", ".join(sorted(channel.value for channel in self.channels))
        kinds = "" if self.kinds is None else f" ({', '.join(sorted(k.value for k in self.kinds))})"
        hours = self.within.total_seconds() / 3600
        return (
            f"{self.severity.value}: an inbound message{kinds} on {channels} not answered "
            f"within {hours:g} business hours (messages of the last "
            f"{_span_words(self.max_age)})"
        )

    def _awaits_answer(self, interaction: Interaction, now: pendulum.DateTime) -> bool:
        return (
            interaction.direction is Direction.INBOUND
            and interaction.channel in self.channels
            and (self.kinds is None or interaction.kind in self.kinds)
            and interaction.outcome in _AWAITING
            and interaction.at >= now - self.max_age
        )

    def evaluate(self, facts: RiskFacts, now: pendulum.DateTime) -> tuple[RiskSignal, ...]:
        """One signal listing every message unanswered past the limit."""
        now = _time.instant(now, "now")
        contacts = facts.contacts(now)
        answers = [i.at for i in contacts if _reaches_out(i)]
        late: list[tuple[pendulum.DateTime, Interaction]] = []
        for message in contacts:
            if not self._awaits_answer(message, now):
                continue
            due = self.calendar.add(message.at, self.within)
            if now >= due and not any(at >= message.at for at in answers):
                late.append((due, message))
        if not late:
            return ()
        due, oldest = late[0]
        more = f" and {len(late) - 1} more" if len(late) > 1 else ""
        hours = self.within.total_seconds() / 3600
        reason = (
            f"{oldest.kind.value} by {oldest.channel.value} on {_when(oldest.at)}{more} "
            f"unanswered after {hours:g} business hours (due {_when(due)})"
        )
        evidence = tuple(message.external_id for _, message in late)
        return (RiskSignal(facts.customer_id, self.key, self.severity, due, reason, evidence),)


@attrs.frozen(kw_only=True)
class ReopenedComplaint:
    """A complaint that was resolved, reopened, and is still open.

    Args:
        severity: The severity of the signal.
        key: The rule's name in signals.
    """

    severity: Severity = attrs.field(default=Severity.HIGH, converter=_severity)
    key: str = attrs.field(default="reopened_complaint", converter=_key)

    @property
    def lookback(self) -> dt.timedelta:
        """Reads no contacts."""
        return dt.timedelta(0)

    def describe(self) -> str:
        """The rule in one line."""
        return f"{self.severity.value}: a complaint reopened after resolution and still open"

    def evaluate(self, facts: RiskFacts, now: pendulum.DateTime) -> tuple[RiskSignal, ...]:
        """One signal listing every open complaint that was reopened by *now*."""
        now = _time.instant(now, "now")
        found: list[tuple[pendulum.DateTime, Case, int]] = []
        for case in facts.cases:
            if case.customer_id != facts.customer_id or case.kind is not CaseKind.COMPLAINT:
                continue
            if not case.is_open:
                continue
            reopened = [
                event.at
                for event in case.history
                if event.type is CaseEventType.REOPENED and event.at <= now
            ]
            if reopened:
                found.append((reopened[-1], case, len(reopened)))
        if not found:
            return ()
        found.sort(key=lambda item: (_utc(item[0]), item[1].id))
        at, case, times = found[-1]
        more = f" and {len(found) - 1} more" if len(found) > 1 else ""
        reason = (
            f"complaint {case.id} reopened {times} time{'' if times == 1 else 's'}, "
            f"last on {_when(at)}, still open{more}"
        )
        evidence = tuple(item[1].id for item in found)
        return (RiskSignal(facts.customer_id, self.key, self.severity, at, reason, evidence),)


def _sentiment_contacts(value: object) -> int:
    return _count(value, "contacts", 2)


def _drop(value: object) -> int:
    return _count(value, "drop", 1)


def _trend_window(value: object) -> dt.timedelta:
    return _positive_span(value, "within")


def slope(values: Sequence[int]) -> Fraction:
    """The least-squares slope of *values* against their positions 0, 1, 2, ... (exact)."""
    count = len(values)
    if count < 2:  # noqa: PLR2004 - a line needs two points
        return Fraction(0)
    mean_x = Fraction(count - 1, 2)
    mean_y = Fraction(sum(values), count)
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values))
    variance = sum((x - mean_x) ** 2 for x in range(count))
    return Fraction(covariance) / variance


@attrs.frozen(kw_only=True)
class FallingSentiment:
    """Sentiment trending down over the customer's last rated contacts.

    Takes the last *contacts* contacts with a sentiment within *within* (oldest first) and fits
    a straight line through their sentiments; the signal is raised when the line falls by
    *drop* points or more from the first of them to the last, that is when
    ``-slope * (contacts - 1) >= drop``.

    Args:
        contacts: How many of the latest rated contacts the trend is taken over (2 or more).
        drop: By how many sentiment points the trend must fall (1 or more).
        within: Only contacts in this window count.
        severity: The severity of the signal.
        key: The rule's name in signals.
    """

    contacts: int = attrs.field(default=3, converter=_sentiment_contacts)
    drop: int = attrs.field(default=2, converter=_drop)
    within: dt.timedelta = attrs.field(default=dt.timedelta(days=90), converter=_trend_window)
    severity: Severity = attrs.field(default=Severity.MEDIUM, converter=_severity)
    key: str = attrs.field(default="falling_sentiment", converter=_key)

    @property
    def lookback(self) -> dt.timedelta:
        """The window."""
        return self.within

    def describe(self) -> str:
        """The rule in one line."""
        return (
            f"{self.severity.value}: sentiment trending down by {self.drop} points or more "
            f"over the last {self.contacts} rated contacts (within {_span_words(self.within)})"
        )

    def evaluate(self, facts: RiskFacts, now: pendulum.DateTime) -> tuple[RiskSignal, ...]:
        """One signal when the trend over the last rated contacts falls far enough."""
        now = _time.instant(now, "now")
        rated = [
            i for i in facts.contacts(now) if i.sentiment is not None and i.at >= now - self.within
        ][-self.contacts :]
        if len(rated) < self.contacts:
            return ()
        values = [i.sentiment for i in rated if i.sentiment is not None]
        fall = -slope(values) * (self.contacts - 1)
        if fall < self.drop:
            return ()
        trail = ", ".join(_signed(value) for value in values)
        reason = (
            f"sentiment over the last {self.contacts} rated contacts was {trail}, "
            f"a fall of {float(fall):.3g} points"
        )
        evidence = tuple(i.external_id for i in rated)
        return (
            RiskSignal(facts.customer_id, self.key, self.severity, rated[-1].at, reason, evidence),
        )


# -- the rule set --------------------------------------------------------------------------


def _rules(value: object) -> tuple[RiskRule, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise PolicyError("expected a collection of rules", field="rules", value=value)
    rules = tuple(value)
    keys: set[str] = set()
    for rule in rules:
        if not isinstance(rule, RiskRule):
            raise PolicyError(
                "expected a rule with key, lookback, describe() and evaluate()",
                field="rules",
                value=rule,
            )
        if rule.key in keys:
            raise PolicyError("two rules share a key", field="rules", value=rule.key)
        keys.add(rule.key)
    return rules


@attrs.frozen
class EarlyWarning:
    """A set of risk rules, evaluated together for one customer at a time.

    Args:
        rules: The rules; each key at most once. No rules: nobody is ever at risk.

    Raises:
        PolicyError: Something that is not a rule, or two rules with the same key.
    """

    rules: tuple[RiskRule, ...] = attrs.field(converter=_rules)

    @classmethod
    def default(cls, calendar: BusinessCalendar | None = None) -> EarlyWarning:
        """The five built-in rules with their defaults.

        *calendar* is the company's business calendar: unanswered messages and broken promises
        are then measured in its business hours (a broken promise wants contact within 8 of
        them, one working day). Without one, a 24x7 UTC calendar is used, and 24 hours.
        """
        hours = calendar if calendar is not None else BusinessCalendar.always(timezone="UTC")
        promise_grace = dt.timedelta(hours=24 if calendar is None else 8)
        return cls(
            (
                NegativeContacts(),
                BrokenPromiseWithoutContact(within=promise_grace, calendar=calendar),
                UnansweredInbound(calendar=hours),
                ReopenedComplaint(),
                FallingSentiment(),
            )
        )

    @property
    def lookback(self) -> dt.timedelta:
        """How far back the rules read the contact log: the longest of their lookbacks."""
        return max((rule.lookback for rule in self.rules), default=dt.timedelta(0))

    def describe(self) -> str:
        """Every rule, one line each, for staff."""
        return "\n".join(rule.describe() for rule in self.rules)

    def evaluate(self, facts: RiskFacts, now: dt.datetime) -> CustomerRisk:
        """Run every rule on *facts* at *now*; the signals come worst first, then oldest.

        Raises:
            ValidationError: A naive *now*.
        """
        instant = _time.instant(now, "now")
        signals = [signal for rule in self.rules for signal in rule.evaluate(facts, instant)]
        signals.sort(key=lambda s: (-s.severity.rank, _utc(s.at), s.rule))
        return CustomerRisk(facts.customer_id, tuple(signals))
