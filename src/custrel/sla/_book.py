"""`PolicyBook`: a company's service-level policies in order, and the default for the rest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import attrs

from custrel.cases import Case
from custrel.errors import NotFoundError, PolicyError
from custrel.sla._escalation import EscalationNotice
from custrel.sla._policy import SlaPolicy
from custrel.sla._report import SlaReport

__all__ = ["PolicyBook"]


def _policies(value: object) -> tuple[SlaPolicy, ...]:
    if isinstance(value, (str, SlaPolicy)) or not isinstance(value, Iterable):
        raise PolicyError("expected a list of SlaPolicy", field="policies", value=value)
    policies = tuple(value)
    for policy in policies:
        if not isinstance(policy, SlaPolicy):
            raise PolicyError("expected an SlaPolicy", field="policies", value=policy)
        if policy.applies_to is None:
            raise PolicyError(
                f"policy {policy.name!r} has no applies_to; only the default may go without "
                "(it takes every case no other policy takes)",
                field="policies",
            )
    return policies


def _default(value: object) -> SlaPolicy:
    if value is None:
        raise PolicyError(
            "a book needs a default policy for the cases no other policy takes",
            field="default",
        )
    if not isinstance(value, SlaPolicy):
        raise PolicyError("expected an SlaPolicy", field="default", value=value)
    return value


@attrs.frozen
class PolicyBook:
    """The service-level policies of a company: the first that applies to a case wins.

    ```python
    book = PolicyBook([complaints, warranty], default=standard)
    report = book.evaluate(case, now)
    ```

    Policies are tried in order; the first whose ``applies_to`` accepts the case is the one,
    and ``default`` takes the rest (its own ``applies_to``, if any, is not consulted). Every
    policy but the default must have ``applies_to``; names must be unique.

    The policy follows the case's current kind, priority and channel, and the clocks are
    derived from its whole history, so a priority or kind change (or an edited book) re-targets
    open cases from their own history, keeping the elapsed and paused time.

    Attributes:
        policies: The policies in the order they are tried.
        default: The policy for every case no other takes.
    """

    policies: tuple[SlaPolicy, ...] = attrs.field(converter=_policies)
    default: SlaPolicy = attrs.field(default=None, converter=_default, kw_only=True)

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        for policy in self:
            if policy.name in seen:
                raise PolicyError(
                    "two policies share this name; names make escalation keys and reports",
                    field="policies",
                    value=policy.name,
                )
            seen.add(policy.name)

    def __iter__(self) -> Iterator[SlaPolicy]:
        """The policies in order, then the default."""
        yield from self.policies
        yield self.default

    def policy(self, name: str) -> SlaPolicy:
        """Return the policy called *name*.

        Raises:
            NotFoundError: The book has no such policy.
        """
        for policy in self:
            if policy.name == name:
                return policy
        raise NotFoundError(f"no policy named {name!r} in the book")

    def policy_for(self, case: Case) -> SlaPolicy:
        """Return the policy that applies to *case*: the first that accepts it, else the default."""
        for policy in self.policies:
            if policy.applies_to(case):  # type: ignore[misc]  # checked when built: not None
                return policy
        return self.default

    def evaluate(self, case: Case, now: dt.datetime) -> SlaReport:
        """Return where *case* stands against its service levels at *now*.

        A *now* earlier than the case's last event is taken as that event's instant.

        Raises:
            ValidationError: *now* is naive or not a datetime.
        """
        return self.policy_for(case).evaluate(case, now)

    def due_escalations(self, case: Case, now: dt.datetime) -> tuple[EscalationNotice, ...]:
        """Return the escalation steps due on *case* at *now* that it has not recorded yet.

        Each step is due once: record its key with ``case.record_escalation(notice.key, at)``
        and it is not returned again (the facade's `escalations_due` does this).
        """
        return self.policy_for(case).due_escalations(case, now)

    def describe(self) -> str:
        """Return the book in plain-language Markdown for staff: policies, hours, targets, steps."""
        from custrel.sla._describe import describe_book  # noqa: PLC0415 - only when asked

        return describe_book(self)
