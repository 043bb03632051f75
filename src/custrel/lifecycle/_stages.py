"""The relationship ladder: stages in order, defined as data."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

from custrel.errors import PolicyError, ValidationError

__all__ = [
    "ADVOCATE",
    "CUSTOMER",
    "DEFAULT_LADDER",
    "LEAD",
    "PROSPECT",
    "REPEAT_CUSTOMER",
    "StageLadder",
]

PROSPECT = "prospect"
"""The first stage of the default ladder: someone who might buy."""

LEAD = "lead"
"""Someone who showed interest (asked for an offer, signed up)."""

CUSTOMER = "customer"
"""Someone who bought once."""

REPEAT_CUSTOMER = "repeat customer"
"""Someone who bought again."""

ADVOCATE = "advocate"
"""A customer who recommends the company: referred someone who bought, or scored it 9-10."""

MAX_STAGE_NAME = 50


def _stage_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PolicyError("a stage name is a non-empty string", field="stages", value=value)
    if len(value.strip()) > MAX_STAGE_NAME:
        raise PolicyError(
            f"a stage name has at most {MAX_STAGE_NAME} characters", field="stages", value=value
        )
    return value.strip()


def _stages(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise PolicyError("expected a sequence of stage names", field="stages", value=value)
    names = tuple(_stage_name(item) for item in value)
    if not names:
        raise PolicyError("a ladder needs at least one stage", field="stages")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise PolicyError("stage names must be unique", field="stages", value=name)
        seen.add(name)
    return names


@attrs.frozen
class StageLadder:
    """The stages of a relationship, from the first to the furthest, as plain names.

    >>> StageLadder(["visitor", "member", "patron"]).index("member")
    1

    Raises:
        PolicyError: No stages, a blank or over-long name, or the same name twice.
    """

    stages: tuple[str, ...] = attrs.field(converter=_stages)

    @property
    def first(self) -> str:
        """Where a relationship starts unless told otherwise."""
        return self.stages[0]

    @property
    def last(self) -> str:
        """The furthest stage."""
        return self.stages[-1]

    def __iter__(self) -> Iterator[str]:
        return iter(self.stages)

    def __len__(self) -> int:
        return len(self.stages)

    def __contains__(self, stage: object) -> bool:
        return stage in self.stages

    def check(self, stage: object, field: str = "stage") -> str:
        """Return *stage* if it is on this ladder.

        Raises:
            ValidationError: It is not, naming the stages that are.
        """
        if not isinstance(stage, str) or stage not in self.stages:
            allowed = ", ".join(repr(name) for name in self.stages)
            raise ValidationError(
                f"unknown stage; expected one of {allowed}", field=field, value=stage
            )
        return stage

    def index(self, stage: str) -> int:
        """The position of *stage*, 0 for the first (`ValidationError` for an unknown stage)."""
        return self.stages.index(self.check(stage))

    def describe(self) -> str:
        """The ladder in words, for staff: ``"prospect → lead → customer"``."""
        return " → ".join(self.stages)


DEFAULT_LADDER = StageLadder([PROSPECT, LEAD, CUSTOMER, REPEAT_CUSTOMER, ADVOCATE])
"""prospect → lead → customer → repeat customer → advocate."""
