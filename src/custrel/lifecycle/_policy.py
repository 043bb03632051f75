"""`LifecyclePolicy`: the ladder, the stage rules, the activity thresholds, OTIF tolerances."""

from __future__ import annotations

import attrs

from custrel.errors import PolicyError
from custrel.lifecycle._activity import ActivityThresholds
from custrel.lifecycle._assessment import BusinessTime
from custrel.lifecycle._promises import OtifTolerance
from custrel.lifecycle._rules import DEFAULT_STAGE_RULES, StageRules
from custrel.lifecycle._stages import DEFAULT_LADDER, StageLadder

__all__ = ["LifecyclePolicy"]


def _ladder(value: object) -> StageLadder:
    if not isinstance(value, StageLadder):
        raise PolicyError("expected a StageLadder", field="ladder", value=value)
    return value


def _rules(value: object) -> StageRules:
    if not isinstance(value, StageRules):
        raise PolicyError("expected StageRules", field="rules", value=value)
    return value


def _activity(value: object) -> ActivityThresholds:
    if not isinstance(value, ActivityThresholds):
        raise PolicyError("expected ActivityThresholds", field="activity", value=value)
    return value


def _otif(value: object) -> OtifTolerance:
    if not isinstance(value, OtifTolerance):
        raise PolicyError("expected an OtifTolerance", field="otif", value=value)
    return value


def _calendar(value: object) -> BusinessTime | None:
    if value is not None and not callable(getattr(value, "elapsed", None)):
        raise PolicyError(
            "expected None or a calendar with elapsed(start, end), such as a BusinessCalendar",
            field="calendar",
            value=value,
        )
    return value  # type: ignore[return-value]


@attrs.frozen
class LifecyclePolicy:
    """How `custrel.Relations` runs the lifecycle: stages, rules, activity and promises.

    Args:
        ladder: The stages relationships move through.
        rules: The automatic stage rules; the default rules name the default ladder's stages,
            so a custom ladder needs its own rules (``StageRules([])`` for none).
        activity: When customers count as lapsed, churned and won back.
        otif: How far a delivery may miss a promise and still count as on time and in full.
        calendar: A business calendar, to measure late deliveries in business time too.

    Raises:
        PolicyError: A field of the wrong type, or a rule naming a stage not on the ladder.
    """

    ladder: StageLadder = attrs.field(default=DEFAULT_LADDER, converter=_ladder)
    rules: StageRules = attrs.field(default=DEFAULT_STAGE_RULES, converter=_rules)
    activity: ActivityThresholds = attrs.field(factory=ActivityThresholds, converter=_activity)
    otif: OtifTolerance = attrs.field(factory=OtifTolerance, converter=_otif)
    calendar: BusinessTime | None = attrs.field(default=None, converter=_calendar)

    def __attrs_post_init__(self) -> None:
        self.rules.check(self.ladder)

    def describe(self) -> str:
        """The policy in plain language, for staff."""
        return "\n".join(
            [
                f"Stages: {self.ladder.describe()}",
                "Automatic stage rules:",
                *(f"  {line}" for line in self.rules.describe().splitlines()),
                f"Activity: {self.activity.describe()}",
                f"Promises: {self.otif.describe()}",
                "Lateness is measured in calendar time"
                + (" and in business time" if self.calendar is not None else ""),
            ]
        )
