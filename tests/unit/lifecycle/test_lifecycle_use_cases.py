import datetime as dt
from decimal import Decimal

import pendulum
import pytest

from custrel import (
    DuplicateError,
    InvalidTransitionError,
    NotFoundError,
    Relations,
    ValidationError,
)
from custrel.calendars import BusinessCalendar
from custrel.cases import AssignmentPolicy, Role, Route, Team, TeamMember
from custrel.customers import PersonName
from custrel.interactions import Interaction
from custrel.lifecycle import (
    ADVOCATE,
    CUSTOMER,
    LEAD,
    PROSPECT,
    REPEAT_CUSTOMER,
    ActivityStatus,
    ActivityThresholds,
    FollowedUp,
    KeepingRate,
    LifecyclePolicy,
    OtifTolerance,
    Phase,
    Promise,
    PromiseOutcome,
    SaleLine,
    StageLadder,
    StageRule,
    StageRules,
)
from custrel.money import Money
from custrel.storage.memory import MemoryStore
from custrel.testing import FixedClock

START = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")  # a Monday
FRIDAY_17 = pendulum.datetime(2026, 11, 27, 17, 0, tz="Europe/Oslo")


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def crm(store: MemoryStore, clock: FixedClock) -> Relations:
    crm = Relations(store, clock=clock)
    crm.register("k-1", PersonName("Kari"), owner="ada")
    crm.register("k-2", PersonName("Ola"))
    return crm


def events(store: MemoryStore, customer_id: str, prefix: str = "lifecycle.") -> list[str]:
    with store.unit_of_work() as uow:
        return [
            entry.event.type
            for entry in uow.outbox.for_customer(customer_id)
            if entry.event.type.startswith(prefix)
        ]


def sofa_order(crm: Relations, order_id: str = "o-1", customer_id: str = "k-1") -> None:
    crm.record_order(
        customer_id,
        order_id,
        lines=[SaleLine("sofa", 1)],
        promises=[Promise.delivery(FRIDAY_17, made_by="per")],
        total=Money("9990", "NOK"),
    )


class TestStages:
    def test_start_advance_and_regress(self, crm: Relations, store: MemoryStore) -> None:
        """Stages move forward, ignore moves back with a reason, and regress on the record."""
        started = crm.start_relationship("k-1")
        assert (started.stage, started.version) == (PROSPECT, 1)
        advanced = crm.advance_stage("k-1", LEAD, reason="asked for an offer", actor="ada")
        assert (advanced.applied, advanced.stage, advanced.relationship.version) == (
            True,
            LEAD,
            2,
        )
        ignored = crm.advance_stage("k-1", PROSPECT, reason="oops", actor="ada")
        assert not ignored.applied
        assert "regress" in ignored.reason
        regressed = crm.regress_stage("k-1", PROSPECT, reason="went quiet", actor="ada")
        assert regressed.stage == PROSPECT
        assert crm.relationship("k-1").version == 3
        assert events(store, "k-1") == [
            "lifecycle.relationship_started",
            "lifecycle.stage_advanced",
            "lifecycle.stage_regressed",
        ]

    def test_advance_starts_a_relationship_when_needed(self, crm: Relations) -> None:
        """Advancing a customer without a relationship starts one at the first stage first."""
        result = crm.advance_stage("k-2", LEAD, reason="signed up", actor="ada")
        assert [row.to_stage for row in result.relationship.history] == [PROSPECT, LEAD]

    def test_bad_moves_write_nothing(self, crm: Relations, store: MemoryStore) -> None:
        """Unknown stages, a regress forward and unknown customers raise, writing nothing."""
        with pytest.raises(ValidationError, match="unknown stage"):
            crm.advance_stage("k-1", "vip", reason="x", actor="ada")
        with pytest.raises(InvalidTransitionError):
            crm.regress_stage("k-1", LEAD, reason="x", actor="ada")
        with pytest.raises(NotFoundError):
            crm.advance_stage("k-9", LEAD, reason="x", actor="ada")
        with pytest.raises(NotFoundError):
            crm.relationship("k-1")
        assert events(store, "k-1") == []

    def test_starting_twice_is_a_duplicate(self, crm: Relations) -> None:
        """A customer's relationship starts once."""
        crm.start_relationship("k-1", stage=CUSTOMER, reason="imported", actor="import")
        with pytest.raises(DuplicateError, match="at 'customer'"):
            crm.start_relationship("k-1")

    def test_orders_drive_the_stage(self, crm: Relations, clock: FixedClock) -> None:
        """The first order makes a customer, the second a repeat customer, automatically."""
        sofa_order(crm, "o-1")
        assert crm.relationship("k-1").stage == CUSTOMER
        clock.advance(days=1)
        sofa_order(crm, "o-2")
        relationship = crm.relationship("k-1")
        assert relationship.stage == REPEAT_CUSTOMER
        assert [(row.actor, row.reason) for row in relationship.history[1:]] == [
            ("automatic", "first order"),
            ("automatic", "order number 2"),
        ]

    def test_after_a_regress_rules_count_afresh(self, crm: Relations, clock: FixedClock) -> None:
        """A manual move back sticks: only orders after it count for the rules."""
        sofa_order(crm, "o-1")
        clock.advance(days=1)
        sofa_order(crm, "o-2")
        clock.advance(days=1)
        crm.regress_stage("k-1", LEAD, reason="disputed orders", actor="ada")
        clock.advance(days=1)
        sofa_order(crm, "o-3")
        assert crm.relationship("k-1").stage == CUSTOMER  # one order since the regress

    def test_a_promoter_with_orders_becomes_an_advocate(self, crm: Relations) -> None:
        """A promoter score makes an advocate of a customer who has ordered."""
        prospect = crm.record_promoter_score("k-2", 10)
        assert (prospect.applied, prospect.stage) == (False, PROSPECT)
        sofa_order(crm)
        assert crm.record_promoter_score("k-1", 7).stage == CUSTOMER
        assert crm.record_promoter_score("k-1", 9).stage == ADVOCATE
        with pytest.raises(ValidationError, match="0 to 10"):
            crm.record_promoter_score("k-1", 11)

    def test_a_promoter_answer_in_the_contact_log_makes_an_advocate(
        self, crm: Relations, store: MemoryStore, clock: FixedClock
    ) -> None:
        """Feedback logged with NPS 9-10 runs the stage rules; a passive score does not."""
        sofa_order(crm)
        clock.advance(days=1)
        feedback = {"channel": "email", "direction": "inbound", "kind": "feedback"}
        crm.log_interaction("k-1", external_id="nps-1", at=clock.now(), nps=8, **feedback)
        assert crm.relationship("k-1").stage == CUSTOMER
        crm.log_interaction("k-1", external_id="nps-2", at=clock.now(), nps=10, **feedback)
        assert crm.relationship("k-1").stage == ADVOCATE
        assert events(store, "k-1").count("lifecycle.stage_advanced") == 2
        crm.log_interaction("k-1", external_id="nps-2", at=clock.now(), nps=10, **feedback)
        assert crm.relationship("k-1").version == 3  # a replayed answer changes nothing

    def test_host_ladder_and_rules(self, store: MemoryStore, clock: FixedClock) -> None:
        """A host's own ladder and rules drive the same use cases."""
        ladder = StageLadder(["besøkende", "kunde", "stamkunde"])
        rules = StageRules(
            [StageRule.after_orders("kunde", 1), StageRule.after_orders("stamkunde", 3)]
        )
        crm = Relations(store, clock=clock, lifecycle=LifecyclePolicy(ladder=ladder, rules=rules))
        crm.register("k-1", PersonName("Kari"))
        for number in range(3):
            sofa_order(crm, f"o-{number}")
            clock.advance(hours=1)
        assert crm.relationship("k-1").stage == "stamkunde"

    def test_relations_refuses_a_wrong_policy(self, store: MemoryStore) -> None:
        """The lifecycle setting must be a LifecyclePolicy."""
        with pytest.raises(ValidationError, match=r"^lifecycle: "):
            Relations(store, lifecycle="default")  # type: ignore[arg-type]


class TestActivityStatus:
    def test_status_follows_purchases(self, crm: Relations, clock: FixedClock) -> None:
        """Activity comes from the sales recorded: active, lapsed, won back."""
        status = crm.relationship_status("k-2")
        assert (status.stage, status.activity.status) == (None, ActivityStatus.NO_PURCHASE)
        sofa_order(crm)
        assert crm.relationship_status("k-1").activity.status is ActivityStatus.ACTIVE
        clock.advance(days=130)
        lapsed = crm.relationship_status("k-1")
        assert (lapsed.stage, lapsed.activity.status) == (CUSTOMER, ActivityStatus.LAPSED)
        crm.record_order("k-1", "o-2")
        assert crm.relationship_status("k-1").activity.status is ActivityStatus.WON_BACK

    def test_thresholds_come_from_the_policy(self, store: MemoryStore, clock: FixedClock) -> None:
        """The host's thresholds decide when a customer lapses."""
        quick = ActivityThresholds(
            lapsed_after=dt.timedelta(days=7), churned_after=dt.timedelta(days=30)
        )
        crm = Relations(store, clock=clock, lifecycle=LifecyclePolicy(activity=quick))
        crm.register("k-1", PersonName("Kari"))
        sofa_order(crm)
        clock.advance(days=8)
        assert crm.relationship_status("k-1").activity.status is ActivityStatus.LAPSED


class TestJourneys:
    def test_record_order_opens_a_journey_with_its_promises(
        self, crm: Relations, store: MemoryStore
    ) -> None:
        """A sale is a journey owned by the dedicated owner, with numbered promises."""
        sofa_order(crm)
        journey = crm.journey("o-1")
        assert (journey.customer_id, journey.owner, journey.phase) == ("k-1", "ada", Phase.SALES)
        assert [promise.id for promise in journey.promises] == ["p1"]
        assert events(store, "k-1") == [
            "lifecycle.journey_started",
            "lifecycle.relationship_started",
            "lifecycle.stage_advanced",
        ]

    def test_recording_the_same_order_again_writes_nothing(
        self, crm: Relations, store: MemoryStore, clock: FixedClock
    ) -> None:
        """The order id is the journey's key: a replay returns the stored journey."""
        sofa_order(crm)
        clock.advance(minutes=5)
        sofa_order(crm)
        assert len(crm.journeys("k-1")) == 1
        assert events(store, "k-1").count("lifecycle.journey_started") == 1
        assert crm.relationship("k-1").stage == CUSTOMER

    def test_the_same_order_with_other_content_is_a_duplicate(self, crm: Relations) -> None:
        """Recording an order id again with other content names what differs."""
        crm.record_order("k-1", "o-1", at=START, lines=[SaleLine("sofa", 1)])
        with pytest.raises(DuplicateError, match="other customer_id, lines"):
            crm.record_order("k-2", "o-1", at=START, lines=[SaleLine("sofa", 2)])
        with pytest.raises(DuplicateError, match="other sold_at"):
            crm.record_order("k-1", "o-1", at=START.subtract(hours=1), lines=[SaleLine("sofa", 1)])

    def test_bad_orders_write_nothing(self, crm: Relations, store: MemoryStore) -> None:
        """A promise due before the sale, a future sale or an unknown customer writes nothing."""
        with pytest.raises(ValidationError, match="due before the sale"):
            crm.record_order(
                "k-1", "o-1", promises=[Promise.delivery(START.subtract(days=1), made_by="per")]
            )
        with pytest.raises(ValidationError, match="in the future"):
            crm.record_order("k-1", "o-1", at=START.add(days=1))
        with pytest.raises(NotFoundError):
            crm.record_order("k-9", "o-1")
        with pytest.raises(NotFoundError):
            crm.journey("o-1")
        assert events(store, "k-1") == []

    def test_a_late_delivery_announces_a_late_promise(
        self, store: MemoryStore, clock: FixedClock
    ) -> None:
        """Delivered on Monday for Friday: lifecycle.promise_late, late in business time too."""
        calendar = BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Oslo")
        crm = Relations(store, clock=clock, lifecycle=LifecyclePolicy(calendar=calendar))
        crm.register("k-1", PersonName("Kari"))
        sofa_order(crm)
        clock.advance(days=1)
        crm.record_shipped("o-1")
        clock.set(pendulum.datetime(2026, 11, 30, 11, tz="Europe/Oslo"))
        journey = crm.record_delivered("o-1")
        assert journey.phase is Phase.FOLLOW_UP
        (found,) = crm.promise_assessments("o-1")
        assert found.outcome is PromiseOutcome.LATE
        assert found.business_late_by == dt.timedelta(hours=2)
        with store.unit_of_work() as uow:
            (late,) = [
                entry.event
                for entry in uow.outbox.for_customer("k-1")
                if entry.event.type == "lifecycle.promise_late"
            ]
        assert late.payload["late_by_seconds"] == 66 * 3600
        assert late.payload["business_late_by_seconds"] == 2 * 3600

    def test_a_short_late_delivery_announces_a_broken_promise(
        self, crm: Relations, store: MemoryStore, clock: FixedClock
    ) -> None:
        """Late and not in full: lifecycle.promise_broken; the order is not OTIF."""
        crm.record_order(
            "k-1",
            "o-1",
            lines=[SaleLine("pute", 4)],
            promises=[Promise.delivery(FRIDAY_17, made_by="per")],
        )
        clock.set(FRIDAY_17.add(days=1))
        crm.record_delivered("o-1", quantities={"pute": 3})
        assert "lifecycle.promise_broken" in events(store, "k-1")
        otif = crm.order_otif("o-1")
        assert otif.order is not None
        assert (otif.order.on_time, otif.order.in_full) == (False, False)

    def test_an_on_time_delivery_keeps_the_promise(
        self, crm: Relations, store: MemoryStore, clock: FixedClock
    ) -> None:
        """On time and in full: lifecycle.promise_kept and an OTIF order."""
        sofa_order(crm)
        clock.advance(days=2)
        crm.record_delivered("o-1", at=START.add(days=1))
        assert "lifecycle.promise_kept" in events(store, "k-1")
        assert crm.order_otif("o-1").order.otif  # type: ignore[union-attr]

    def test_tolerance_comes_from_the_policy(self, store: MemoryStore, clock: FixedClock) -> None:
        """The policy's late tolerance decides what counts as on time."""
        policy = LifecyclePolicy(otif=OtifTolerance(late=dt.timedelta(hours=2)))
        crm = Relations(store, clock=clock, lifecycle=policy)
        crm.register("k-1", PersonName("Kari"))
        sofa_order(crm)
        clock.set(FRIDAY_17.add(hours=1))
        crm.record_delivered("o-1")
        assert crm.promise_assessments("o-1")[0].outcome is PromiseOutcome.KEPT

    def test_cases_interactions_and_follow_up(self, crm: Relations, clock: FixedClock) -> None:
        """Linked cases put the journey in service; the follow-up closes it."""
        sofa_order(crm)
        clock.advance(days=2)
        crm.record_delivered("o-1")
        crm.link_interaction("o-1", "i-1")
        assert crm.link_case("o-1", "c-1").phase is Phase.SERVICE
        clock.advance(days=1)
        assert crm.record_case_resolved("o-1", "c-1").phase is Phase.FOLLOW_UP
        with pytest.raises(InvalidTransitionError):
            crm.record_shipped("o-1")
        closed = crm.record_follow_up("o-1", by="ada", note="happy with the sofa")
        assert closed.phase is Phase.CLOSED
        assert (closed.case_ids, closed.interaction_ids) == (("c-1",), ("i-1",))
        assert crm.open_journeys("ada") == []
        assert crm.link_interaction("o-1", "i-1").version == closed.version  # no change

    def test_a_case_about_the_sale_moves_the_journey_by_itself(
        self, crm: Relations, store: MemoryStore, clock: FixedClock
    ) -> None:
        """Opening, resolving and reopening a case about the order drive the phase."""
        sofa_order(crm)
        clock.advance(days=5)
        crm.record_delivered("o-1")
        clock.advance(hours=1)
        crm.open_case("k-1", kind="complaint", case_id="c-1", order_id="o-1")
        opened = crm.journey("o-1")
        assert (opened.phase, opened.case_ids, opened.open_case_ids) == (
            Phase.SERVICE,
            ("c-1",),
            ("c-1",),
        )
        clock.advance(hours=1)
        crm.agent_reply("c-1", agent="ada")
        assert crm.journey("o-1").version == opened.version  # still open: nothing to record
        crm.resolve_case("c-1")
        assert crm.journey("o-1").phase is Phase.FOLLOW_UP
        clock.advance(hours=1)
        crm.reopen_case("c-1")
        assert crm.journey("o-1").phase is Phase.SERVICE
        clock.advance(hours=1)
        crm.resolve_case("c-1")
        resolved = crm.journey("o-1")
        clock.advance(hours=1)
        crm.close_case("c-1")
        closed = crm.journey("o-1")
        assert closed.version == resolved.version  # resolved already: closing adds nothing
        assert (closed.phase, closed.open_case_ids) == (Phase.FOLLOW_UP, ())
        assert [(change.phase, change.at) for change in closed.timeline[-4:]] == [
            (Phase.SERVICE, START.add(days=5, hours=1)),
            (Phase.FOLLOW_UP, START.add(days=5, hours=2)),
            (Phase.SERVICE, START.add(days=5, hours=3)),
            (Phase.FOLLOW_UP, START.add(days=5, hours=4)),
        ]
        assert events(store, "k-1").count("lifecycle.case_linked") == 2
        assert events(store, "k-1").count("lifecycle.case_resolved") == 2

    def test_cases_elsewhere_leave_the_journey_alone(
        self, crm: Relations, clock: FixedClock
    ) -> None:
        """A case without an order, about an unknown order or someone else's, links nothing."""
        sofa_order(crm)
        clock.advance(hours=1)
        before = crm.journey("o-1")
        crm.open_case("k-1", kind="inquiry", case_id="c-1")
        crm.open_case("k-1", kind="complaint", case_id="c-2", order_id="o-404")
        crm.open_case("k-2", kind="complaint", case_id="c-3", order_id="o-1")
        assert crm.journey("o-1") == before
        assert crm.get_case("c-2").order_id == "o-404"  # the case itself is still opened

    def test_contacts_about_the_sale_join_its_journey(
        self, crm: Relations, clock: FixedClock
    ) -> None:
        """A contact naming the order, the journey, or a case about the order is linked once."""
        sofa_order(crm)
        sofa_order(crm, "o-2")
        clock.advance(hours=1)
        crm.open_case("k-1", kind="complaint", case_id="c-1", order_id="o-1")
        contact = {"channel": "phone", "direction": "inbound", "kind": "complaint"}
        crm.log_interaction("k-1", external_id="i-1", at=clock.now(), order_id="o-1", **contact)
        crm.log_interaction("k-1", external_id="i-2", at=clock.now(), case_id="c-1", **contact)
        crm.log_interaction("k-1", external_id="i-3", at=clock.now(), journey_id="o-2", **contact)
        crm.log_interaction("k-1", external_id="i-1", at=clock.now(), order_id="o-1", **contact)
        crm.log_interaction("k-1", external_id="i-4", at=clock.now(), **contact)
        crm.log_interaction("k-2", external_id="i-5", at=clock.now(), order_id="o-1", **contact)
        assert crm.journey("o-1").interaction_ids == ("i-1", "i-2")
        assert crm.journey("o-2").interaction_ids == ("i-3",)

    def test_a_batch_of_contacts_joins_the_journeys_too(
        self, crm: Relations, clock: FixedClock
    ) -> None:
        """`log_interactions` links what `log_interaction` would, once per contact."""
        sofa_order(crm)
        clock.advance(hours=1)
        batch = [
            Interaction(
                customer_id="k-1",
                external_id=f"i-{n}",
                at=clock.now(),
                channel="email",
                direction="inbound",
                kind="inquiry",
                order_id="o-1",
            )
            for n in range(3)
        ]
        crm.log_interactions(batch)
        crm.log_interactions(batch)
        assert crm.journey("o-1").interaction_ids == ("i-0", "i-1", "i-2")

    def test_price_and_quality_promises(self, crm: Relations, store: MemoryStore) -> None:
        """Charges settle price promises; staff settle quality promises."""
        crm.record_order(
            "k-1",
            "o-1",
            promises=[
                Promise.price(Money("100", "NOK"), made_by="per"),
                Promise.quality("blue", made_by="per"),
            ],
        )
        crm.record_charge("o-1", Money("120", "NOK"))
        crm.keep_promise("o-1", "p2", reason="it is blue", by="ada")
        assert events(store, "k-1")[-2:] == ["lifecycle.promise_broken", "lifecycle.promise_kept"]
        with pytest.raises(InvalidTransitionError, match="already settled"):
            crm.break_promise("o-1", "p2", reason="changed my mind")

    def test_queries(self, crm: Relations, clock: FixedClock) -> None:
        """Journeys newest first, open ones by owner, and promises due and unsettled."""
        sofa_order(crm, "o-1")
        clock.advance(hours=1)
        sofa_order(crm, "o-2")
        crm.record_delivered("o-2")
        assert [journey.id for journey in crm.journeys("k-1")] == ["o-2", "o-1"]
        assert [journey.id for journey in crm.open_journeys("ada")] == ["o-1", "o-2"]
        assert crm.promises_due() == []
        clock.set(FRIDAY_17.add(minutes=1))
        due = crm.promises_due()
        assert [(item.journey.id, item.promise.id) for item in due] == [("o-1", "p1")]
        assert crm.promises_due(customer_id="k-2") == []


class TestPromiseKeeping:
    def test_rates_by_staff_product_and_customer(self, crm: Relations, clock: FixedClock) -> None:
        """The overselling view per seller, and the rates per product and customer."""
        for order_id, customer_id, seller in (("o-1", "k-1", "per"), ("o-2", "k-2", "liv")):
            crm.record_order(
                customer_id,
                order_id,
                lines=[SaleLine("sofa", 1)],
                promises=[Promise.delivery(FRIDAY_17, made_by=seller, product="sofa")],
            )
        clock.set(FRIDAY_17.add(days=2))
        crm.record_delivered("o-1", at=FRIDAY_17.add(days=1))
        crm.record_delivered("o-2", at=FRIDAY_17)
        assert crm.promise_keeping(by="staff") == {
            "liv": KeepingRate(made=1, kept=1),
            "per": KeepingRate(made=1, late=1),
        }
        assert crm.promise_keeping(by="product") == {"sofa": KeepingRate(made=2, kept=1, late=1)}
        assert crm.promise_keeping(by="customer", sold_until=START) == {}
        assert crm.customer_promise_keeping("k-1") == KeepingRate(made=1, late=1)
        with pytest.raises(ValidationError, match=r"^by: "):
            crm.promise_keeping(by="seller")  # type: ignore[arg-type]


class TestReferrals:
    def test_a_converted_referral_makes_an_advocate(
        self, crm: Relations, store: MemoryStore, clock: FixedClock
    ) -> None:
        """Kari refers Ola; Ola's first order converts it, and Kari becomes an advocate."""
        sofa_order(crm, "o-1", "k-1")
        referral = crm.record_referral("k-1", "k-2", channel="link", code="KARI10")
        assert crm.record_referral("k-1", "k-2").id == referral.id  # idempotent
        clock.advance(days=1)
        sofa_order(crm, "o-2", "k-2")
        (stored,) = crm.referrals("k-1")
        assert (stored.converted_at, stored.order_id) == (START.add(days=1), "o-2")
        assert crm.relationship("k-1").stage == ADVOCATE
        assert crm.relationship("k-2").stage == CUSTOMER
        assert "lifecycle.referral_converted" in events(store, "k-1")

    def test_explicit_conversion(self, crm: Relations) -> None:
        """A conversion by a sale custrel did not record is recorded by id."""
        sofa_order(crm, "o-1", "k-1")
        referral = crm.record_referral("k-1", "k-2", referral_id="r-1")
        converted = crm.record_referral_converted(referral.id, "shop-77")
        assert converted.order_id == "shop-77"
        assert crm.record_referral_converted("r-1", "shop-77") == converted
        assert crm.relationship("k-1").stage == ADVOCATE
        with pytest.raises(InvalidTransitionError):
            crm.record_referral_converted("r-1", "shop-78")

    def test_bad_referrals(self, crm: Relations) -> None:
        """Self-referral, unknown customers and a taken id are refused."""
        with pytest.raises(ValidationError, match="themself"):
            crm.record_referral("k-1", "k-1")
        with pytest.raises(NotFoundError):
            crm.record_referral("k-1", "k-9")
        crm.register("k-3", PersonName("Per"))
        crm.record_referral("k-1", "k-2", referral_id="r-1")
        with pytest.raises(DuplicateError, match="r-1"):
            crm.record_referral("k-1", "k-3", referral_id="r-1")


class TestDedicatedOwner:
    @pytest.fixture
    def team_crm(self, store: MemoryStore, clock: FixedClock) -> Relations:
        team = Team(
            [
                TeamMember("ada", [Role.ACCOUNT_MANAGER]),
                TeamMember("bo", [Role.ACCOUNT_MANAGER]),
                TeamMember("cy", [Role.HELP_DESK]),
            ]
        )
        policy = AssignmentPolicy(team, default=Route([Role.ACCOUNT_MANAGER]))
        crm = Relations(store, clock=clock, assignment=policy)
        crm.register("k-1", PersonName("Kari"), owner="ada")
        return crm

    def test_an_absent_owner_is_covered(self, team_crm: Relations) -> None:
        """A sale of a customer whose owner is absent goes to a colleague with the same role."""
        assert team_crm.assignment is not None
        team_crm.assignment = team_crm.assignment.with_absent("ada")
        sofa_order(team_crm)
        assert team_crm.journey("o-1").owner == "bo"

    def test_owner_change_hands_over_open_journeys(
        self, team_crm: Relations, clock: FixedClock
    ) -> None:
        """Assigning a new owner hands the open journeys over, each hand-over on the record."""
        sofa_order(team_crm, "o-1")
        sofa_order(team_crm, "o-2")
        team_crm.record_delivered("o-2")
        team_crm.record_follow_up("o-2")
        clock.advance(hours=1)
        team_crm.assign_owner("k-1", "bo", reason="ada moved team")
        handed = team_crm.journey("o-1")
        assert handed.owner == "bo"
        (handover,) = handed.handovers
        assert (handover.from_owner, handover.to_owner, handover.at, handover.reason) == (
            "ada",
            "bo",
            START.add(hours=1),
            "ada moved team",
        )
        assert team_crm.journey("o-2").owner == "ada"  # closed journeys stay as they were
        assert team_crm.hand_over_journeys("k-1") == []  # nothing left to hand over

    def test_cover_and_return_after_an_absence(self, team_crm: Relations) -> None:
        """An absent owner's open journeys go to cover and come back on return."""
        sofa_order(team_crm, "o-1")
        covered = team_crm.cover_journeys("ada")
        assert [(journey.id, journey.owner) for journey in covered] == [("o-1", "bo")]
        assert covered[0].handovers[0].reason == "absence cover: covering for ada"
        assert team_crm.open_journeys("ada") == []
        returned = team_crm.return_journeys("ada")
        assert [(journey.id, journey.owner) for journey in returned] == [("o-1", "ada")]
        assert team_crm.cover_journeys("ada", to="cy")[0].owner == "cy"

    def test_follow_ups_go_to_the_owner_or_whoever_covers(
        self, team_crm: Relations, clock: FixedClock
    ) -> None:
        """A follow-up recorded without ``by`` is the journey owner's: dedicated owner or cover."""
        for order_id in ("o-1", "o-2"):
            sofa_order(team_crm, order_id)
            team_crm.record_delivered(order_id)
        team_crm.record_follow_up("o-1")
        clock.advance(hours=1)
        team_crm.cover_journeys("ada")
        team_crm.record_follow_up("o-2")
        assert [team_crm.journey(order_id).facts[-1] for order_id in ("o-1", "o-2")] == [
            FollowedUp(START, "ada", ""),
            FollowedUp(START.add(hours=1), "bo", ""),
        ]

    def test_cover_needs_someone(self, crm: Relations) -> None:
        """Without a team cover must be named, and it is someone else."""
        with pytest.raises(ValidationError, match=r"^to: no assignment policy"):
            crm.cover_journeys("ada")
        with pytest.raises(ValidationError, match="someone else"):
            crm.cover_journeys("ada", to="ada")

    def test_nobody_present_to_cover(self, team_crm: Relations) -> None:
        """A team with nobody sharing the absent member's role cannot cover."""
        with pytest.raises(ValidationError, match=r"^staff_id: nobody present"):
            team_crm.cover_journeys("cy")


class TestMergeExportErase:
    def test_merge_moves_everything_to_the_survivor(
        self, crm: Relations, store: MemoryStore, clock: FixedClock
    ) -> None:
        """Journeys, referrals and the further stage follow the survivor; histories are kept."""
        crm.register("k-3", PersonName("Per"))
        sofa_order(crm, "o-1", "k-2")
        clock.advance(hours=1)
        sofa_order(crm, "o-2", "k-2")  # k-2 is a repeat customer
        crm.record_referral("k-2", "k-3")
        crm.advance_stage("k-1", LEAD, reason="asked", actor="ada")
        clock.advance(hours=1)
        crm.merge("k-1", "k-2")
        assert [journey.id for journey in crm.journeys("k-1")] == ["o-2", "o-1"]
        assert crm.journeys("k-2") == crm.journeys("k-1")  # the merged id finds the survivor
        relationship = crm.relationship("k-1")
        assert relationship.stage == REPEAT_CUSTOMER
        assert relationship.history[-1].actor == "merge"
        assert relationship.merged[0].customer_id == "k-2"
        assert [referral.referrer_id for referral in crm.referrals("k-1")] == ["k-1"]
        with store.unit_of_work() as uow:
            with pytest.raises(NotFoundError):
                uow.relationships.get("k-2")
            moved = [e for e in uow.outbox.for_customer("k-1") if e.event.type.endswith("moved")]
        assert dict(moved[0].event.payload) == {
            "merged_id": "k-2",
            "journeys": 2,
            "referrals": 1,
            "relationship": True,
        }

    def test_merge_into_a_customer_without_a_relationship(self, crm: Relations) -> None:
        """The duplicate's relationship is filed under the survivor as it was."""
        sofa_order(crm, "o-1", "k-2")
        crm.merge("k-1", "k-2")
        relationship = crm.relationship("k-1")
        assert [row.to_stage for row in relationship.history] == [PROSPECT, CUSTOMER]

    def test_merge_and_erase_without_lifecycle_records(
        self, crm: Relations, store: MemoryStore
    ) -> None:
        """Customers with no lifecycle records merge and erase cleanly, announcing no move."""
        crm.merge("k-1", "k-2")
        crm.erase("k-1")
        assert events(store, "k-1") == []
        with store.unit_of_work() as uow, pytest.raises(NotFoundError):
            uow.relationships.get("k-1")
        assert crm.export("k-1")["journeys"] == []

    def test_export_holds_the_lifecycle(self, crm: Relations) -> None:
        """The GDPR export carries relationships, journeys with promises, and referrals."""
        sofa_order(crm, "o-1", "k-1")
        crm.record_referral("k-2", "k-1")
        exported = crm.export("k-1")
        assert [item["stage"] for item in exported["relationships"]] == [CUSTOMER]
        assert [item["id"] for item in exported["journeys"]] == ["o-1"]
        assert exported["journeys"][0]["promises"][0]["made_by"] == "per"
        assert [item["referred_id"] for item in exported["referrals"]] == ["k-1"]

    def test_erase_pseudonymises_the_free_text(self, crm: Relations) -> None:
        """Reasons, promise statements, notes and referral codes are pseudonymised."""
        crm.record_order(
            "k-1",
            "o-1",
            promises=[Promise.quality("matches Kari's curtains", made_by="per")],
        )
        crm.advance_stage("k-1", ADVOCATE, reason="Kari told her friends", actor="ada")
        crm.record_referral("k-1", "k-2", code="KARI10")
        crm.erase("k-1")
        assert {row.reason for row in crm.relationship("k-1").history} == {"(erased)"}
        assert crm.journey("o-1").promise("p1").statement == "(erased)"
        assert crm.referrals("k-1")[0].code == "(erased)"


class TestLoyaltySignals:
    def test_signals_from_promises_referrals_and_purchases(
        self, crm: Relations, clock: FixedClock
    ) -> None:
        """Promises made and kept, referrals made and converted, recency and frequency."""
        sofa_order(crm, "o-1")
        crm.record_delivered("o-1")
        crm.record_referral("k-1", "k-2")
        clock.advance(days=2)
        sofa_order(crm, "o-2", "k-2")
        clock.advance(days=3)
        with crm.store.unit_of_work() as uow:
            signals = crm._loyalty_signals(uow, "k-1", clock.now())
        assert signals["promises_made"] == 1
        assert signals["promises_kept"] == 1
        assert (signals["referrals_made"], signals["referrals_converted"]) == (1, 1)
        assert signals["recency_days"] == 5.0
        assert signals["frequency"] == 0
        assert signals["monetary"] == Decimal(9990)

    def test_a_converted_referral_raises_the_loyalty_score(
        self, crm: Relations, clock: FixedClock
    ) -> None:
        """Relations.loyalty_score counts the referrals made and converted, with its reason."""
        sofa_order(crm, "o-1", "k-1")
        nothing = crm.loyalty_score("k-1").contribution("referrals")
        assert nothing is not None
        assert (nothing.value, nothing.explanation) == (0, "0 referrals made, 0 converted")
        crm.record_referral("k-1", "k-2")
        made = crm.loyalty_score("k-1").contribution("referrals")
        assert made is not None
        assert made.value > 0
        assert made.explanation == "1 referral made, 0 converted"
        clock.advance(days=1)
        sofa_order(crm, "o-2", "k-2")
        converted = crm.loyalty_score("k-1").contribution("referrals")
        assert converted is not None
        assert converted.explanation == "1 referral made, 1 converted"
        assert converted.value > made.value

    def test_a_pending_promise_is_neither_kept_nor_broken(
        self, crm: Relations, clock: FixedClock
    ) -> None:
        """A promise not yet due counts for nothing in the score; once decided, it counts."""
        sofa_order(crm)  # delivery promised for Friday
        pending = crm.loyalty_score("k-1")
        assert pending.contribution("promises_kept") is None
        assert "promises_kept" in pending.left_out
        assert not any("promise" in reason for reason in pending.churn_reasons)
        clock.set(FRIDAY_17.add(days=1))  # nothing delivered by the deadline: broken
        broken = crm.loyalty_score("k-1")
        assert broken.contribution("promises_kept") is not None
        assert "1 of 1 promise broken" in broken.churn_reasons

    def test_no_sales_no_purchase_signals(self, crm: Relations) -> None:
        """Without sales only the counts are given, all zero."""
        with crm.store.unit_of_work() as uow:
            signals = crm._loyalty_signals(uow, "k-2", crm.clock.now())
        assert {name: signals.get(name) for name in ("promises_made", "referrals_made")} == {
            "promises_made": 0,
            "referrals_made": 0,
        }
        assert "recency_days" not in signals
