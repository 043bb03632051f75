import datetime as dt

import pendulum
import pytest

from custrel.errors import PolicyError, ValidationError
from custrel.lifecycle import (
    ADVOCATE,
    AUTOMATIC,
    CUSTOMER,
    DEFAULT_STAGE_RULES,
    LEAD,
    PROSPECT,
    REPEAT_CUSTOMER,
    ActivityStatus,
    ActivityThresholds,
    LifecyclePolicy,
    OtifTolerance,
    Relationship,
    StageFacts,
    StageLadder,
    StageRule,
    StageRules,
    activity,
)

T0 = pendulum.datetime(2026, 1, 5, 12, 0, tz="Europe/Oslo")
DAYS = dt.timedelta(days=1)


def days(*offsets: float) -> list[pendulum.DateTime]:
    return [T0 + offset * DAYS for offset in offsets]


class TestActivityThresholds:
    def test_defaults(self) -> None:
        """Lapsed after 120 days, churned after 365, won back for 120 days."""
        thresholds = ActivityThresholds()
        assert thresholds.lapsed_after == 120 * DAYS
        assert thresholds.churned_after == 365 * DAYS
        assert thresholds.won_back_for == 120 * DAYS
        assert thresholds.describe() == (
            "lapsed after 120 days without a purchase, churned after 365 days; a purchase after "
            "a lapse counts as won back for 120 days"
        )

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"lapsed_after": dt.timedelta(0)}, "lapsed_after"),
            ({"won_back_for": -DAYS}, "won_back_for"),
            ({"churned_after": 30}, "churned_after"),
            ({"lapsed_after": 90 * DAYS, "churned_after": 90 * DAYS}, "churned_after"),
        ],
    )
    def test_bad_thresholds_are_refused(self, fields: dict[str, object], field: str) -> None:
        """Non-positive thresholds, or churn not after lapse, raise PolicyError."""
        with pytest.raises(PolicyError, match=rf"^{field}: "):
            ActivityThresholds(**fields)


class TestActivity:
    def test_no_purchase(self) -> None:
        """Without purchases the status says so, with nothing else known."""
        found = activity([], T0)
        assert found.status is ActivityStatus.NO_PURCHASE
        assert (found.since, found.purchases, found.last_purchase_at) == (None, 0, None)

    def test_active_within_the_lapse_threshold(self) -> None:
        """A purchase less than 120 days ago is active since the first purchase of the run."""
        found = activity(days(0, 30), T0 + 149 * DAYS)
        assert found.status is ActivityStatus.ACTIVE
        assert found.since == T0
        assert (found.purchases, found.first_purchase_at, found.last_purchase_at) == (
            2,
            T0,
            T0 + 30 * DAYS,
        )

    def test_lapsed_exactly_at_the_threshold(self) -> None:
        """At 120 days without a purchase the customer is lapsed, since that instant."""
        found = activity(days(0), T0 + 120 * DAYS)
        assert found.status is ActivityStatus.LAPSED
        assert found.since == T0 + 120 * DAYS
        assert activity(days(0), T0 + 120 * DAYS - dt.timedelta(seconds=1)).status is (
            ActivityStatus.ACTIVE
        )

    def test_thresholds_are_elapsed_time_across_a_clock_change(self) -> None:
        """120 days over the spring clock change end an hour later by the local clock."""
        bought = pendulum.datetime(2026, 11, 28, 9, tz="Europe/Oslo")
        same_wall_time = pendulum.datetime(2027, 3, 28, 9, tz="Europe/Oslo")  # 119 d 23 h on
        assert activity([bought], same_wall_time).status is ActivityStatus.ACTIVE
        lapsed = activity([bought], same_wall_time.add(hours=1))
        assert lapsed.status is ActivityStatus.LAPSED
        assert lapsed.since == same_wall_time.add(hours=1)

    def test_churned_after_a_year(self) -> None:
        """At 365 days without a purchase the customer is churned."""
        found = activity(days(0, 10), T0 + 375 * DAYS)
        assert found.status is ActivityStatus.CHURNED
        assert found.since == T0 + 375 * DAYS

    def test_won_back_by_a_purchase_after_a_lapse(self) -> None:
        """Buying again after a lapse makes the customer won back, since that purchase."""
        found = activity(days(0, 200, 210), T0 + 220 * DAYS)
        assert found.status is ActivityStatus.WON_BACK
        assert found.since == T0 + 200 * DAYS

    def test_won_back_after_churn(self) -> None:
        """A churned customer who buys again is won back too."""
        assert activity(days(0, 400), T0 + 401 * DAYS).status is ActivityStatus.WON_BACK

    def test_won_back_turns_active_after_the_won_back_period(self) -> None:
        """After ``won_back_for`` a won-back customer who keeps buying is simply active."""
        found = activity(days(0, 200, 300), T0 + 330 * DAYS)
        assert found.status is ActivityStatus.ACTIVE
        assert found.since == T0 + 320 * DAYS

    def test_thresholds_are_the_hosts(self) -> None:
        """Custom thresholds change the verdict."""
        quick = ActivityThresholds(
            lapsed_after=30 * DAYS, churned_after=90 * DAYS, won_back_for=10 * DAYS
        )
        assert activity(days(0), T0 + 40 * DAYS, quick).status is ActivityStatus.LAPSED
        assert activity(days(0), T0 + 90 * DAYS, quick).status is ActivityStatus.CHURNED

    def test_purchases_after_now_are_ignored_and_order_does_not_matter(self) -> None:
        """Only purchases up to now count, in any order given."""
        found = activity(days(300, 0, 500), T0 + 130 * DAYS)
        assert found.status is ActivityStatus.LAPSED
        assert found.purchases == 1

    def test_naive_purchase_is_refused(self) -> None:
        """Purchases are instants: naive datetimes raise ValidationError."""
        with pytest.raises(ValidationError, match="naive"):
            activity([dt.datetime(2026, 1, 1)], T0)  # noqa: DTZ001 - the point


class TestStageRules:
    def test_default_rules_from_orders(self) -> None:
        """A first order makes a customer, a second a repeat customer."""
        start = Relationship.start("k-1", T0)
        first = DEFAULT_STAGE_RULES.apply(start, StageFacts(orders=1), T0)
        assert (first.applied, first.stage, first.reason) == (True, CUSTOMER, "first order")
        assert first.relationship.history[-1].actor == AUTOMATIC
        second = DEFAULT_STAGE_RULES.apply(first.relationship, StageFacts(orders=2), T0)
        assert (second.stage, second.reason) == (REPEAT_CUSTOMER, "order number 2")

    def test_converted_referral_or_promoter_score_makes_an_advocate(self) -> None:
        """A customer who referred a buyer, or scored 9-10, becomes an advocate."""
        start = Relationship.start("k-1", T0)
        referred = DEFAULT_STAGE_RULES.apply(start, StageFacts(orders=1, converted_referrals=1), T0)
        promoter = DEFAULT_STAGE_RULES.apply(start, StageFacts(orders=1, nps_score=9), T0)
        passive = DEFAULT_STAGE_RULES.apply(start, StageFacts(orders=1, nps_score=8), T0)
        assert (referred.stage, referred.reason) == (ADVOCATE, "referred someone who bought")
        assert (promoter.stage, promoter.reason) == (ADVOCATE, "promoter score (9-10)")
        assert passive.stage == CUSTOMER

    def test_advocacy_needs_an_order_under_the_defaults(self) -> None:
        """A prospect's promoter score or referral does not make an advocate."""
        start = Relationship.start("k-1", T0)
        result = DEFAULT_STAGE_RULES.apply(
            start, StageFacts(converted_referrals=2, nps_score=10), T0
        )
        assert (result.applied, result.reason) == (False, "no stage rule applies")

    def test_rules_never_move_back(self) -> None:
        """A relationship past the rules' stage is left alone, with the reason."""
        advocate = Relationship.start("k-1", T0, stage=ADVOCATE)
        result = DEFAULT_STAGE_RULES.apply(advocate, StageFacts(orders=1), T0)
        assert not result.applied
        assert "before the current stage" in result.reason

    def test_the_host_replaces_the_rules(self) -> None:
        """Rules are data: a custom ladder with its own predicates and reasons."""
        ladder = StageLadder(["visitor", "member", "patron"])
        rules = StageRules(
            [
                StageRule("member", lambda facts: facts.orders >= 1, "bought once"),
                StageRule.after_orders("patron", 5),
            ]
        )
        rules.check(ladder)
        start = Relationship.start("k-1", T0, ladder=ladder)
        assert rules.apply(start, StageFacts(orders=3), T0).stage == "member"
        assert rules.apply(start, StageFacts(orders=5), T0).stage == "patron"
        assert rules.describe() == "member: bought once\npatron: order number 5"
        assert StageRules([]).describe() == "no automatic stage rules"

    def test_a_rule_for_a_stage_not_on_the_ladder_is_a_policy_error(self) -> None:
        """Rules are checked against the ladder when the policy is built."""
        with pytest.raises(PolicyError, match=r"rules\[0\]\.stage: not a stage of the ladder"):
            LifecyclePolicy(ladder=StageLadder(["visitor", "member"]))

    @pytest.mark.parametrize(
        "build",
        [
            lambda: StageRule("member", "not callable", "x"),
            lambda: StageRule("member", lambda _: True, " "),
            lambda: StageRule.after_orders("member", 0),
            lambda: StageRules("member"),
            lambda: StageRules([object()]),
        ],
    )
    def test_bad_rules_are_policy_errors(self, build: object) -> None:
        """A rule without a predicate or a reason, or a bad count, fails when built."""
        with pytest.raises(PolicyError):
            build()  # type: ignore[operator]

    @pytest.mark.parametrize(
        "fields", [{"orders": -1}, {"converted_referrals": True}, {"nps_score": 11}]
    )
    def test_bad_facts_are_refused(self, fields: dict[str, object]) -> None:
        """Counts are non-negative ints, and scores 0-10."""
        with pytest.raises(ValidationError):
            StageFacts(**fields)

    def test_an_unknown_minimum_score_is_refused(self) -> None:
        """A promoter rule's minimum is on the 0-10 scale."""
        with pytest.raises(ValidationError, match="0 to 10"):
            StageRule.on_promoter_score(ADVOCATE, minimum=12)


class TestLifecyclePolicy:
    def test_describe_tells_staff_the_whole_policy(self) -> None:
        """The policy renders the ladder, rules, activity and tolerances in words."""
        text = LifecyclePolicy(otif=OtifTolerance(late=dt.timedelta(hours=2))).describe()
        assert text.splitlines()[0] == (
            "Stages: prospect → lead → customer → repeat customer → advocate"
        )
        assert "  customer: first order" in text
        assert "lapsed after 120 days" in text
        assert "2 hours after the promised end" in text
        assert text.endswith("Lateness is measured in calendar time")

    @pytest.mark.parametrize(
        "fields",
        [
            {"ladder": ["a"]},
            {"rules": []},
            {"activity": 120},
            {"otif": None},
            {"calendar": "Europe/Oslo"},
        ],
    )
    def test_wrong_types_are_policy_errors(self, fields: dict[str, object]) -> None:
        """Each part of the policy is checked when the policy is built."""
        with pytest.raises(PolicyError):
            LifecyclePolicy(**fields)

    def test_a_custom_ladder_with_its_own_rules(self) -> None:
        """A custom ladder works with rules naming its stages, or with none."""
        ladder = StageLadder([PROSPECT, LEAD])
        assert LifecyclePolicy(ladder=ladder, rules=StageRules()).ladder == ladder
