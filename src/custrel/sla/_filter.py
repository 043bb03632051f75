"""`CaseFilter`: an ``applies_to`` rule that can say in words which cases it takes."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TypeVar

import attrs

from custrel._enums import member
from custrel.cases import Case, CaseKind, Priority
from custrel.errors import PolicyError

__all__ = ["CaseFilter", "enum_member"]

E = TypeVar("E", bound=enum.Enum)


def enum_member(kind: type[E], value: object, field: str) -> E:
    """Return the member of *kind* named by *value* (a member or its value), or `PolicyError`."""
    return member(kind, value, field, error=PolicyError)


def _members(kind: type[E], value: object, field: str) -> frozenset[E]:
    if isinstance(value, (str, kind)) or not isinstance(value, Iterable):
        raise PolicyError(f"expected a collection of {kind.__name__}", field=field, value=value)
    return frozenset(enum_member(kind, item, field) for item in value)


def _kinds(value: object) -> frozenset[CaseKind]:
    return _members(CaseKind, value, "kinds")


def _priorities(value: object) -> frozenset[Priority]:
    return _members(Priority, value, "priorities")


def _channels(value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise PolicyError("expected a collection of channel labels", field="channels", value=value)
    channels = set()
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise PolicyError(
                "expected a channel label such as 'email'", field="channels", value=item
            )
        channels.add(item.strip().lower())
    return frozenset(channels)


def _words(values: Iterable[str], joiner: str = "or") -> str:
    ordered = list(values)
    if len(ordered) == 1:
        return ordered[0]
    return f"{', '.join(ordered[:-1])} {joiner} {ordered[-1]}"


@attrs.frozen(kw_only=True)
class CaseFilter:
    """Cases of some kinds, priorities or channels: an ``applies_to`` that describes itself.

    ```python
    SlaPolicy(..., applies_to=CaseFilter(kinds={CaseKind.COMPLAINT, CaseKind.RETURN}))
    ```

    An empty criterion matches everything; at least one must be given. A case matches when it
    meets every given criterion, judged on its current kind, priority and channel.

    Attributes:
        kinds: The case kinds it takes.
        priorities: The priorities it takes.
        channels: The channels it takes (``"email"``, ``"phone"``...; lower case).
    """

    kinds: frozenset[CaseKind] = attrs.field(factory=frozenset, converter=_kinds)
    priorities: frozenset[Priority] = attrs.field(factory=frozenset, converter=_priorities)
    channels: frozenset[str] = attrs.field(factory=frozenset, converter=_channels)

    def __attrs_post_init__(self) -> None:
        if not (self.kinds or self.priorities or self.channels):
            raise PolicyError(
                "give at least one of kinds, priorities or channels", field="CaseFilter"
            )

    def __call__(self, case: Case) -> bool:
        """Return whether *case* meets every given criterion."""
        return (
            (not self.kinds or case.kind in self.kinds)
            and (not self.priorities or case.priority in self.priorities)
            and (not self.channels or case.channel in self.channels)
        )

    def describe(self) -> str:
        """Return the rule in words: ``"complaint or return cases of high or urgent priority"``."""
        kinds = [kind.value for kind in CaseKind if kind in self.kinds]
        text = f"{_words(kinds)} cases" if kinds else "cases"
        if self.priorities:
            priorities = [item.value for item in Priority if item in self.priorities]
            text += f" of {_words(priorities)} priority"
        if self.channels:
            text += f" that came in by {_words(sorted(self.channels))}"
        return text
