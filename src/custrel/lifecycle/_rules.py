"""Automatic stage rules: facts (orders, converted referrals, promoter scores) move stages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import attrs

from custrel.errors import PolicyError, ValidationError
from custrel.lifecycle._checks import required_text
from custrel.lifecycle._relationship import AUTOMATIC, Relationship, StageResult
from custrel.lifecycle._stages import ADVOCATE, CUSTOMER, REPEAT_CUSTOMER, StageLadder

__all__ = ["DEFAULT_STAGE_RULES", "StageFacts", "StageRule", "StageRules"]

PROMOTER_SCORE = 9
"""The lowest promoter score of the Net Promoter Score (9 and 10 are promoters)."""


def _count(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError("expected an int of zero or more", field=field, value=value)
    return value


def _orders(value: object) -> int:
    return _count(value, "orders")


def _converted_referrals(value: object) -> int:
    return _count(value, "converted_referrals")


def _nps(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:  # noqa: PLR2004 - the NPS scale
        raise ValidationError("expected a score from 0 to 10", field="nps_score", value=value)
    return value


@attrs.frozen
class StageFacts:
    """What the automatic rules look at for one customer.

    Attributes:
        orders: Purchases (journeys) counted for the rules.
        converted_referrals: Referrals the customer made that converted.
        nps_score: The latest "how likely are you to recommend us" score, 0-10, if any.
    """

    orders: int = attrs.field(default=0, converter=_orders)
    converted_referrals: int = attrs.field(default=0, converter=_converted_referrals)
    nps_score: int | None = attrs.field(default=None, converter=_nps)


def _stage(value: object) -> str:
    return required_text(value, "stage", 50)


def _when(value: object) -> Callable[[StageFacts], bool]:
    if not callable(value):
        raise PolicyError("expected a function of StageFacts", field="when", value=value)
    return value


def _reason(value: object) -> str:
    try:
        return required_text(value, "reason", 200)
    except ValidationError as error:
        raise PolicyError(
            "say when the rule applies, in words", field="reason", value=value
        ) from error


@attrs.frozen
class StageRule:
    """Move a relationship to *stage* when *when* holds for its facts.

    *reason* says when in words; it is recorded on the stage change and shown by `describe`.
    The named constructors cover the usual rules.
    """

    stage: str = attrs.field(converter=_stage)
    when: Callable[[StageFacts], bool] = attrs.field(converter=_when, eq=False)
    reason: str = attrs.field(converter=_reason)

    @classmethod
    def after_orders(cls, stage: str, count: int) -> StageRule:
        """*stage* once the customer has placed *count* orders or more."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise PolicyError("expected an int of 1 or more", field="count", value=count)
        words = "first order" if count == 1 else f"order number {count}"
        return cls(stage, lambda facts: facts.orders >= count, words)

    @classmethod
    def on_converted_referral(cls, stage: str, *, min_orders: int = 1) -> StageRule:
        """*stage* once a customer with *min_orders* orders referred someone who bought."""
        return cls(
            stage,
            lambda facts: facts.converted_referrals >= 1 and facts.orders >= min_orders,
            "referred someone who bought",
        )

    @classmethod
    def on_promoter_score(
        cls, stage: str, *, minimum: int = PROMOTER_SCORE, min_orders: int = 1
    ) -> StageRule:
        """*stage* once a customer with *min_orders* orders gave a score of *minimum* or more."""
        _nps(minimum)
        return cls(
            stage,
            lambda facts: (
                facts.nps_score is not None
                and facts.nps_score >= minimum
                and facts.orders >= min_orders
            ),
            f"promoter score ({minimum}-10)",
        )


def _rules(value: object) -> tuple[StageRule, ...]:
    if isinstance(value, (str, StageRule)) or not isinstance(value, Iterable):
        raise PolicyError("expected a collection of StageRule", field="rules", value=value)
    rules = tuple(value)
    for rule in rules:
        if not isinstance(rule, StageRule):
            raise PolicyError("expected a StageRule", field="rules", value=rule)
    return rules


@attrs.frozen
class StageRules:
    """The automatic rules, as data: each moves relationships to a stage when facts say so.

    The host can replace them entirely (``StageRules([])`` turns automation off). Rules only
    ever advance: the furthest stage whose rule holds wins, and a relationship already there or
    further is left alone.
    """

    rules: tuple[StageRule, ...] = attrs.field(default=(), converter=_rules)

    def check(self, ladder: StageLadder) -> None:
        """Make sure every rule names a stage of *ladder*.

        Raises:
            PolicyError: A rule names a stage the ladder does not have.
        """
        for index, rule in enumerate(self.rules):
            if rule.stage not in ladder:
                raise PolicyError(
                    f"not a stage of the ladder ({ladder.describe()})",
                    field=f"rules[{index}].stage",
                    value=rule.stage,
                )

    def matching(self, facts: StageFacts, ladder: StageLadder) -> StageRule | None:
        """The rule with the furthest stage that holds for *facts*, or None."""
        found = [rule for rule in self.rules if rule.stage in ladder and rule.when(facts)]
        return max(found, key=lambda rule: ladder.index(rule.stage), default=None)

    def apply(self, relationship: Relationship, facts: StageFacts, at: dt.datetime) -> StageResult:
        """Advance *relationship* as far as the rules allow for *facts* (actor ``automatic``).

        The result is not applied when no rule holds, or when the relationship is already at or
        past the stage the rules point to; its ``reason`` says which.
        """
        rule = self.matching(facts, relationship.ladder)
        if rule is None:
            return StageResult(relationship, applied=False, reason="no stage rule applies")
        return relationship.advance(rule.stage, at, reason=rule.reason, actor=AUTOMATIC)

    def describe(self) -> str:
        """The rules in words, one per line, for staff."""
        if not self.rules:
            return "no automatic stage rules"
        return "\n".join(f"{rule.stage}: {rule.reason}" for rule in self.rules)


DEFAULT_STAGE_RULES = StageRules(
    [
        StageRule.after_orders(CUSTOMER, 1),
        StageRule.after_orders(REPEAT_CUSTOMER, 2),
        StageRule.on_converted_referral(ADVOCATE),
        StageRule.on_promoter_score(ADVOCATE),
    ]
)
"""First order → customer; second → repeat customer; a converted referral or a promoter
score (9-10), from a customer who has ordered, → advocate."""
