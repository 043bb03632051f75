import datetime as dt
from fractions import Fraction
from typing import Any

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.calendars import BusinessCalendar
from custrel.cases import Case, CaseKind, Priority
from custrel.errors import PolicyError, ValidationError
from custrel.interactions import (
    BrokenPromiseWithoutContact,
    CustomerRisk,
    EarlyWarning,
    FallingSentiment,
    Interaction,
    NegativeContacts,
    ReopenedComplaint,
    RiskFacts,
    RiskRule,
    RiskSignal,
    Severity,
    UnansweredInbound,
    worst_first,
)
from custrel.interactions._warnings import slope
from custrel.lifecycle import Journey, OtifTolerance, Promise, PromiseOutcome

NOW = pendulum.datetime(2026, 11, 23, 12, 0, tz="Europe/Oslo")  # a Monday
OFFICE = BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Oslo")
ALWAYS = BusinessCalendar.always(timezone="UTC")


def contact(number: int, at: dt.datetime, **fields: Any) -> Interaction:
    values: dict[str, Any] = {
        "external_id": f"m-{number}",
        "customer_id": "k-1",
        "at": at,
        "channel": "email",
        "direction": "inbound",
        "kind": "inquiry",
    }
    return Interaction(**(values | fields))


def facts(*interactions: Interaction, journeys: Any = (), cases: Any = ()) -> RiskFacts:
    return RiskFacts(customer_id="k-1", interactions=interactions, journeys=journeys, cases=cases)


def sale(due: dt.datetime, *, sold: dt.datetime | None = None, journey_id: str = "o-1") -> Journey:
    sold_at = sold if sold is not None else due - dt.timedelta(days=3)
    return Journey.open(journey_id, "k-1", sold_at, promises=[Promise.delivery(due, made_by="ola")])


class TestNegativeContacts:
    def test_three_negative_contacts_within_thirty_days_raise_a_signal(self) -> None:
        """Complaints and negative sentiment in the window count; the reason says so."""
        rule = NegativeContacts()
        (signal,) = rule.evaluate(
            facts(
                contact(1, NOW.subtract(days=29), kind="complaint"),
                contact(2, NOW.subtract(days=3), sentiment=-1),
                contact(3, NOW.subtract(hours=1), sentiment=-2, direction="outbound"),
                contact(4, NOW.subtract(hours=2), sentiment=1),
            ),
            NOW,
        )
        assert signal == RiskSignal(
            "k-1",
            "negative_contacts",
            Severity.HIGH,
            NOW.subtract(hours=1),
            "3 negative contacts within 30 days, the latest on 2026-11-23 10:00 UTC",
            ("m-1", "m-2", "m-3"),
        )

    def test_old_or_future_contacts_do_not_count(self) -> None:
        """Contacts before the window or after now are left out."""
        rule = NegativeContacts(count=2)
        assert (
            rule.evaluate(
                facts(
                    contact(1, NOW - dt.timedelta(days=30, seconds=1), kind="complaint"),
                    contact(2, NOW.add(minutes=1), kind="complaint"),
                    contact(3, NOW, kind="complaint"),
                ),
                NOW,
            )
            == ()
        )

    def test_other_customers_contacts_are_ignored(self) -> None:
        """Only the facts' customer counts."""
        rule = NegativeContacts(count=1)
        assert rule.evaluate(facts(contact(1, NOW, kind="complaint", customer_id="k-2")), NOW) == ()

    def test_describe(self) -> None:
        """describe() states the rule in one line, with the window in words."""
        rule = NegativeContacts(count=2, within=dt.timedelta(days=7), severity="medium")
        assert rule.describe() == (
            "medium: 2 or more negative contacts (sentiment below zero, or unjudged inbound "
            "complaints) within 7 days"
        )
        assert "within 1 hour" in NegativeContacts(within=dt.timedelta(hours=1)).describe()
        assert "within 0:01:30" in NegativeContacts(within=dt.timedelta(seconds=90)).describe()

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"count": 0}, "count"),
            ({"count": True}, "count"),
            ({"within": dt.timedelta(0)}, "within"),
            ({"within": 30}, "within"),
            ({"severity": "dire"}, "severity"),
            ({"key": "no spaces"}, "key"),
        ],
    )
    def test_bad_rules_fail_when_built(self, fields: dict[str, Any], field: str) -> None:
        """A rule with a bad setting raises PolicyError naming the setting."""
        with pytest.raises(PolicyError) as error:
            NegativeContacts(**fields)
        assert error.value.field == field


class TestBrokenPromiseWithoutContact:
    def test_an_undelivered_promise_past_the_grace_period_raises_a_signal(self) -> None:
        """Nothing delivered by the due instant and no contact for 24 hours: a signal."""
        due = NOW.subtract(days=2)
        (signal,) = BrokenPromiseWithoutContact().evaluate(facts(journeys=[sale(due)]), NOW)
        assert signal.rule == "broken_promise"
        assert signal.severity is Severity.HIGH
        assert signal.at == due.add(hours=24)
        assert signal.evidence == ("o-1/p1",)
        assert signal.reason.startswith("promise o-1/p1 not kept (nothing delivered")
        assert "no contact from us since" in signal.reason

    def test_within_the_grace_period_there_is_no_signal(self) -> None:
        """The company has the grace period to reach out."""
        due = NOW.subtract(hours=23)
        assert BrokenPromiseWithoutContact().evaluate(facts(journeys=[sale(due)]), NOW) == ()

    def test_an_outbound_contact_after_the_break_clears_it(self) -> None:
        """Reaching out (not marketing) after the break means no signal, even if late."""
        due = NOW.subtract(days=2)
        rule = BrokenPromiseWithoutContact()
        called = contact(1, due.add(hours=30), direction="outbound", kind="follow_up")
        assert rule.evaluate(facts(called, journeys=[sale(due)]), NOW) == ()
        newsletter = contact(2, due.add(hours=1), direction="outbound", kind="marketing")
        before = contact(3, due.subtract(hours=1), direction="outbound", kind="follow_up")
        inbound = contact(4, due.add(hours=1), kind="complaint")
        assert rule.evaluate(facts(newsletter, before, inbound, journeys=[sale(due)]), NOW)

    def test_business_hours_stretch_the_grace_period_over_the_weekend(self) -> None:
        """With a calendar, 8 business hours from Friday 16:00 end Monday 16:00."""
        friday = pendulum.datetime(2026, 11, 20, 16, 0, tz="Europe/Oslo")
        rule = BrokenPromiseWithoutContact(within=dt.timedelta(hours=8), calendar=OFFICE)
        journeys = [sale(friday)]
        assert rule.evaluate(facts(journeys=journeys), NOW) == ()  # Monday 12:00
        (signal,) = rule.evaluate(facts(journeys=journeys), NOW.add(hours=4))
        assert signal.at == pendulum.datetime(2026, 11, 23, 16, 0, tz="Europe/Oslo")

    def test_a_late_delivery_counts_from_the_deadline(self) -> None:
        """A promise delivered late broke at its deadline; tolerance moves the deadline."""
        due = NOW.subtract(days=3)
        late = sale(due).deliver(due.add(days=1)).value
        (signal,) = BrokenPromiseWithoutContact().evaluate(facts(journeys=[late]), NOW)
        assert signal.at == due.add(hours=24)
        tolerant = BrokenPromiseWithoutContact(tolerance=OtifTolerance(late=dt.timedelta(days=2)))
        assert tolerant.evaluate(facts(journeys=[late]), NOW) == ()
        only_broken = BrokenPromiseWithoutContact(outcomes={PromiseOutcome.BROKEN})
        assert only_broken.evaluate(facts(journeys=[late]), NOW) == ()

    def test_kept_promises_and_old_breaks_raise_nothing(self) -> None:
        """Promises kept, or broken longer ago than max_age, are not signalled."""
        due = NOW.subtract(days=2)
        kept = sale(due).deliver(due.subtract(hours=1)).value
        ancient = sale(NOW.subtract(days=31), journey_id="o-2")
        assert BrokenPromiseWithoutContact().evaluate(facts(journeys=[kept, ancient]), NOW) == ()

    def test_staff_declaring_a_promise_broken_starts_the_clock(self) -> None:
        """A promise declared broken before its due date broke then."""
        due = NOW.add(days=5)
        journey = sale(due, sold=NOW.subtract(days=3))
        journey = journey.break_promise("p1", NOW.subtract(days=2), reason="out of stock").value
        (signal,) = BrokenPromiseWithoutContact().evaluate(facts(journeys=[journey]), NOW)
        assert signal.at == NOW.subtract(days=1)
        assert "declared broken by staff" in signal.reason

    def test_a_quality_promise_broken_by_staff_counts_from_the_word(self) -> None:
        """Promises without a due instant broke when staff said so."""
        journey = Journey.open(
            "o-1",
            "k-1",
            NOW.subtract(days=10),
            promises=[Promise.quality("fits a 2 m wall", made_by="ola")],
        )
        journey = journey.break_promise("p1", NOW.subtract(hours=90), reason="1.8 m").value
        rule = BrokenPromiseWithoutContact(within=dt.timedelta(seconds=90))
        (signal,) = rule.evaluate(facts(journeys=[journey]), NOW)
        assert signal.at == NOW.subtract(hours=90).add(seconds=90)
        assert "within 0.025 hours" in rule.describe()

    def test_several_broken_promises_make_one_signal(self) -> None:
        """One signal per customer, listing every promise, the earliest first."""
        journeys = [
            sale(NOW.subtract(days=2), journey_id="o-2"),
            sale(NOW.subtract(days=4), journey_id="o-1"),
            Journey.open(  # another customer's: ignored
                "o-9", "k-2", NOW.subtract(days=9), promises=[Promise.delivery(NOW, made_by="x")]
            ),
        ]
        (signal,) = BrokenPromiseWithoutContact().evaluate(facts(journeys=journeys), NOW)
        assert signal.evidence == ("o-1/p1", "o-2/p1")
        assert " and 1 more;" in signal.reason

    def test_pending_or_kept_outcomes_are_not_breaks(self) -> None:
        """outcomes= may not name pending or kept."""
        with pytest.raises(PolicyError, match=r"^outcomes: a pending or kept"):
            BrokenPromiseWithoutContact(outcomes={"kept", "broken"})
        with pytest.raises(PolicyError, match=r"^outcomes: unknown PromiseOutcome"):
            BrokenPromiseWithoutContact(outcomes={"shattered"})
        with pytest.raises(PolicyError, match=r"^outcomes: must name at least one"):
            BrokenPromiseWithoutContact(outcomes=set())
        with pytest.raises(PolicyError, match=r"^calendar"):
            BrokenPromiseWithoutContact(calendar="office")
        with pytest.raises(PolicyError, match=r"^tolerance"):
            BrokenPromiseWithoutContact(tolerance=dt.timedelta(hours=1))

    def test_describe(self) -> None:
        """describe() says calendar or business hours and which outcomes count."""
        assert BrokenPromiseWithoutContact().describe() == (
            "high: a promise not kept (broken, late, partial) and no contact from us within "
            "24 hours of the break (promises broken in the last 30 days)"
        )
        business = BrokenPromiseWithoutContact(within=dt.timedelta(hours=4), calendar=OFFICE)
        assert "within 4 business hours" in business.describe()


class TestUnansweredInbound:
    def test_a_message_unanswered_past_the_limit_raises_a_signal(self) -> None:
        """An email at Friday 15:00 with 8 business hours is due Monday 15:00."""
        friday = pendulum.datetime(2026, 11, 20, 15, 0, tz="Europe/Oslo")
        rule = UnansweredInbound(calendar=OFFICE)
        message = contact(1, friday, kind="complaint")
        assert rule.evaluate(facts(message), NOW) == ()
        (signal,) = rule.evaluate(facts(message), NOW.add(hours=3))
        assert signal.at == pendulum.datetime(2026, 11, 23, 15, 0, tz="Europe/Oslo")
        assert signal.severity is Severity.MEDIUM
        assert signal.evidence == ("m-1",)
        assert signal.reason == (
            "complaint by email on 2026-11-20 14:00 UTC unanswered after 8 business hours "
            "(due 2026-11-23 14:00 UTC)"
        )

    def test_any_later_outbound_contact_answers_it(self) -> None:
        """A reply on any channel (not marketing) answers; an earlier one does not."""
        rule = UnansweredInbound(calendar=ALWAYS, within=dt.timedelta(hours=1))
        message = contact(1, NOW.subtract(hours=5))
        reply = contact(2, NOW.subtract(hours=1), channel="phone", direction="outbound")
        assert rule.evaluate(facts(message, reply), NOW) == ()
        earlier = contact(3, NOW.subtract(hours=6), direction="outbound")
        promo = contact(4, NOW.subtract(hours=2), direction="outbound", kind="marketing")
        assert rule.evaluate(facts(message, earlier, promo), NOW)

    def test_live_channels_and_settled_outcomes_need_no_answer(self) -> None:
        """Calls and chats were answered live; a recorded outcome settles the message."""
        rule = UnansweredInbound(calendar=ALWAYS, within=dt.timedelta(hours=1))
        old = NOW.subtract(hours=5)
        assert rule.evaluate(facts(contact(1, old, channel="phone")), NOW) == ()
        assert rule.evaluate(facts(contact(2, old, outcome="answered")), NOW) == ()
        assert rule.evaluate(facts(contact(3, old, outcome="follow_up_needed")), NOW)
        assert rule.evaluate(facts(contact(4, old, direction="outbound")), NOW) == ()

    def test_kinds_channels_and_age_narrow_the_rule(self) -> None:
        """Only the configured kinds and channels count, and only messages within max_age."""
        rule = UnansweredInbound(
            calendar=ALWAYS,
            within=dt.timedelta(hours=1),
            channels={"email"},
            kinds={"complaint"},
            max_age=dt.timedelta(days=2),
        )
        assert rule.evaluate(facts(contact(1, NOW.subtract(hours=3))), NOW) == ()
        sms = contact(2, NOW.subtract(hours=3), kind="complaint", channel="sms")
        assert rule.evaluate(facts(sms), NOW) == ()
        old = contact(3, NOW.subtract(days=3), kind="complaint")
        assert rule.evaluate(facts(old), NOW) == ()
        assert rule.evaluate(facts(contact(4, NOW.subtract(hours=3), kind="complaint")), NOW)

    def test_a_calendar_is_required(self) -> None:
        """Business time needs a BusinessCalendar."""
        with pytest.raises(PolicyError, match=r"^calendar: expected a BusinessCalendar"):
            UnansweredInbound(calendar=None)
        with pytest.raises(PolicyError, match=r"^channels: expected a collection"):
            UnansweredInbound(calendar=ALWAYS, channels="email")

    def test_describe(self) -> None:
        """describe() names channels, kinds and the limit."""
        rule = UnansweredInbound(calendar=OFFICE, kinds={"complaint", "return"}, channels={"web"})
        assert rule.describe() == (
            "medium: an inbound message (complaint, return) on web not answered within 8 "
            "business hours (messages of the last 30 days)"
        )


def complaint(case_id: str = "c-1", *, kind: CaseKind = CaseKind.COMPLAINT) -> Case:
    return Case.open(
        id=case_id,
        customer_id="k-1",
        kind=kind,
        priority=Priority.HIGH,
        at=NOW.subtract(days=5),
    )


class TestReopenedComplaint:
    def test_a_reopened_open_complaint_raises_a_signal(self) -> None:
        """Resolved, reopened and still open: a signal at the reopening."""
        case = complaint().resolve(NOW.subtract(days=3)).reopen(NOW.subtract(days=1))
        (signal,) = ReopenedComplaint().evaluate(facts(cases=[case]), NOW)
        assert signal.at == NOW.subtract(days=1)
        assert signal.evidence == ("c-1",)
        assert signal.reason == (
            "complaint c-1 reopened 1 time, last on 2026-11-22 11:00 UTC, still open"
        )

    def test_resolved_again_other_kinds_or_never_reopened_raise_nothing(self) -> None:
        """Only complaints reopened and still open count."""
        resolved_again = (
            complaint("c-1")
            .resolve(NOW.subtract(days=3))
            .reopen(NOW.subtract(days=2))
            .resolve(NOW.subtract(days=1))
        )
        support = (
            complaint("c-2", kind=CaseKind.SUPPORT)
            .resolve(NOW.subtract(days=3))
            .reopen(NOW.subtract(days=2))
        )
        untouched = complaint("c-3")
        rule = ReopenedComplaint()
        assert rule.evaluate(facts(cases=[resolved_again, support, untouched]), NOW) == ()

    def test_several_reopened_complaints_make_one_signal(self) -> None:
        """The latest reopening leads; every case is evidence."""
        first = complaint("c-1").resolve(NOW.subtract(days=4)).reopen(NOW.subtract(days=3))
        second = complaint("c-2").resolve(NOW.subtract(days=3)).reopen(NOW.subtract(days=2))
        second = second.resolve(NOW.subtract(hours=30)).reopen(NOW.subtract(days=1))
        (signal,) = ReopenedComplaint().evaluate(facts(cases=[second, first]), NOW)
        assert signal.evidence == ("c-1", "c-2")
        assert signal.reason.startswith("complaint c-2 reopened 2 times")
        assert signal.reason.endswith("still open and 1 more")

    def test_describe(self) -> None:
        """describe() states the rule."""
        assert ReopenedComplaint().describe() == (
            "high: a complaint reopened after resolution and still open"
        )


class TestFallingSentiment:
    def test_a_falling_trend_raises_a_signal(self) -> None:
        """+1, 0, -1 over the last three rated contacts falls by 2 points."""
        rated = [contact(i, NOW.subtract(days=3 - i), sentiment=1 - i) for i in range(3)]
        (signal,) = FallingSentiment().evaluate(facts(*rated), NOW)
        assert signal.evidence == ("m-0", "m-1", "m-2")
        assert signal.at == rated[-1].at
        assert signal.reason == (
            "sentiment over the last 3 rated contacts was +1, 0, -1, a fall of 2 points"
        )

    def test_a_noisy_but_flat_trend_raises_nothing(self) -> None:
        """Up and down again is not a fall; unrated contacts are skipped."""
        values = [0, -2, 0]
        rated = [contact(i, NOW.subtract(days=3 - i), sentiment=v) for i, v in enumerate(values)]
        unrated = contact(9, NOW.subtract(hours=1))
        assert FallingSentiment().evaluate(facts(*rated, unrated), NOW) == ()

    def test_too_few_rated_contacts_raise_nothing(self) -> None:
        """Fewer rated contacts than the rule asks for: no trend."""
        rated = [contact(i, NOW.subtract(days=3 - i), sentiment=2 - 2 * i) for i in range(2)]
        assert FallingSentiment().evaluate(facts(*rated), NOW) == ()
        assert FallingSentiment(contacts=2).evaluate(facts(*rated), NOW)

    def test_bad_settings_fail_when_built(self) -> None:
        """A trend needs two contacts and a drop of at least one point."""
        with pytest.raises(PolicyError, match=r"^contacts"):
            FallingSentiment(contacts=1)
        with pytest.raises(PolicyError, match=r"^drop"):
            FallingSentiment(drop=0)

    def test_slope_is_exact(self) -> None:
        """The least-squares slope is an exact fraction."""
        assert slope([2, 1, 0]) == -1
        assert slope([0, -2, 0]) == 0
        assert slope([2, 1, 1, -1]) == Fraction(-9, 10)
        assert slope([5]) == 0


class TestEarlyWarning:
    def test_default_rules_and_lookback(self) -> None:
        """The default set has the five built-in rules; lookback is the longest window."""
        warning = EarlyWarning.default(OFFICE)
        assert [rule.key for rule in warning.rules] == [
            "negative_contacts",
            "broken_promise",
            "unanswered_inbound",
            "reopened_complaint",
            "falling_sentiment",
        ]
        assert warning.lookback == dt.timedelta(days=90)
        assert len(warning.describe().splitlines()) == 5
        promise_rule = warning.rules[1]
        assert isinstance(promise_rule, BrokenPromiseWithoutContact)
        assert (promise_rule.within, promise_rule.calendar) == (dt.timedelta(hours=8), OFFICE)
        around_the_clock = EarlyWarning.default().rules[1]
        assert isinstance(around_the_clock, BrokenPromiseWithoutContact)
        assert around_the_clock.within == dt.timedelta(hours=24)
        assert all(isinstance(rule, RiskRule) for rule in warning.rules)

    def test_signals_come_worst_first(self) -> None:
        """evaluate() runs every rule; signals are ordered by severity, then time."""
        warning = EarlyWarning.default()
        risk = warning.evaluate(
            facts(
                contact(1, NOW.subtract(days=2), kind="complaint", sentiment=2),
                contact(2, NOW.subtract(days=1), kind="complaint", sentiment=-1),
                contact(3, NOW.subtract(hours=30), kind="complaint", sentiment=-2),
                contact(4, NOW.subtract(hours=29), kind="complaint"),
            ),
            NOW,
        )
        assert [signal.rule for signal in risk.signals] == [
            "negative_contacts",
            "unanswered_inbound",
            "falling_sentiment",
        ]
        assert risk.severity is Severity.HIGH
        assert risk.at_risk

    def test_rules_are_checked_when_built(self) -> None:
        """Duplicate keys and things that are not rules are refused."""
        with pytest.raises(PolicyError, match=r"^rules: two rules share a key"):
            EarlyWarning([NegativeContacts(), NegativeContacts(count=5)])
        with pytest.raises(PolicyError, match=r"^rules: expected a rule"):
            EarlyWarning([NegativeContacts(), "falling_sentiment"])
        with pytest.raises(PolicyError, match=r"^rules: expected a collection"):
            EarlyWarning("rules")
        assert EarlyWarning([]).lookback == dt.timedelta(0)

    def test_naive_now_is_refused(self) -> None:
        """Time must be aware."""
        with pytest.raises(ValidationError, match=r"^now: naive"):
            EarlyWarning.default().evaluate(facts(), NOW.naive())

    def test_facts_are_checked(self) -> None:
        """RiskFacts takes tuples of interactions, journeys and cases."""
        with pytest.raises(ValidationError, match=r"^interactions: expected Interaction"):
            RiskFacts(customer_id="k-1", interactions=["m-1"])
        with pytest.raises(ValidationError, match=r"^cases: expected a collection"):
            RiskFacts(customer_id="k-1", cases="c-1")

    def test_worst_first_orders_customers(self) -> None:
        """More HIGH signals first, then MEDIUM, then the longest waiting, then id."""

        def risk(customer_id: str, *severities: Severity, days: int = 1) -> CustomerRisk:
            at = NOW.subtract(days=days)
            return CustomerRisk(
                customer_id,
                tuple(RiskSignal(customer_id, "r", s, at, "why") for s in severities),
            )

        ordered = worst_first(
            [
                risk("calm"),
                risk("medium", Severity.MEDIUM, Severity.MEDIUM),
                risk("high-new", Severity.HIGH),
                risk("high-old", Severity.HIGH, days=5),
                risk("high-medium", Severity.HIGH, Severity.MEDIUM),
                risk("low", Severity.LOW),
                risk("a-high-new", Severity.HIGH),
            ]
        )
        assert [r.customer_id for r in ordered] == [
            "high-medium",
            "high-old",
            "a-high-new",
            "high-new",
            "medium",
            "low",
        ]
        assert CustomerRisk("calm", ()).severity is None


# -- properties against simple oracles -------------------------------------------------------

offsets = st.integers(min_value=0, max_value=60 * 24 * 40)  # minutes before NOW, 40 days


@st.composite
def logs(draw: st.DrawFn) -> list[Interaction]:
    count = draw(st.integers(0, 12))
    return [
        contact(
            i,
            NOW - dt.timedelta(minutes=draw(offsets)),
            kind=draw(st.sampled_from(["complaint", "inquiry", "support", "marketing"])),
            direction=draw(st.sampled_from(["inbound", "outbound"])),
            channel=draw(st.sampled_from(["email", "phone", "sms"])),
            sentiment=draw(st.none() | st.integers(-2, 2)),
            outcome=draw(st.sampled_from([None, "answered", "follow_up_needed"])),
        )
        for i in range(count)
    ]


class TestOracles:
    @settings(deadline=None, max_examples=150)
    @given(log=logs(), count=st.integers(1, 4), days=st.integers(1, 40))
    def test_negative_contacts_match_a_count(
        self, log: list[Interaction], count: int, days: int
    ) -> None:
        """The rule fires exactly when a plain count of negative contacts reaches the limit."""
        window = dt.timedelta(days=days)
        negative = [
            i
            for i in log
            if (
                i.sentiment < 0
                if i.sentiment is not None
                else (i.kind.value == "complaint" and i.direction.value == "inbound")
            )
            and NOW - window <= i.at
        ]
        signals = NegativeContacts(count=count, within=window).evaluate(facts(*log), NOW)
        assert bool(signals) is (len(negative) >= count)
        if signals:
            assert set(signals[0].evidence) == {i.external_id for i in negative}

    @settings(deadline=None, max_examples=150)
    @given(log=logs(), hours=st.integers(1, 200))
    def test_unanswered_messages_match_a_scan(self, log: list[Interaction], hours: int) -> None:
        """With a 24x7 calendar the rule flags exactly the messages a plain scan finds."""
        limit = dt.timedelta(hours=hours)
        rule = UnansweredInbound(calendar=ALWAYS, within=limit)
        expected = {
            m.external_id
            for m in log
            if m.direction.value == "inbound"
            and m.channel.value in {"email", "sms"}
            and (m.outcome is None or m.outcome.value == "follow_up_needed")
            and NOW - m.at <= dt.timedelta(days=30)
            and NOW - m.at >= limit
            and not any(
                r.direction.value == "outbound" and r.kind.value != "marketing" and r.at >= m.at
                for r in log
            )
        }
        signals = rule.evaluate(facts(*log), NOW)
        assert {e for s in signals for e in s.evidence} == expected

    @settings(deadline=None, max_examples=150)
    @given(
        sentiments=st.lists(st.integers(-2, 2), max_size=8),
        contacts=st.integers(2, 5),
        drop=st.integers(1, 4),
    )
    def test_falling_sentiment_matches_a_float_fit(
        self, sentiments: list[int], contacts: int, drop: int
    ) -> None:
        """The rule agrees with a textbook least-squares fit over the last contacts."""
        log = [
            contact(i, NOW.subtract(hours=len(sentiments) - i), sentiment=value)
            for i, value in enumerate(sentiments)
        ]
        last = sentiments[-contacts:]
        expected = False
        if len(last) == contacts:
            xs = range(contacts)
            mean_x = sum(xs) / contacts
            mean_y = sum(last) / contacts
            fitted = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, last, strict=True)) / sum(
                (x - mean_x) ** 2 for x in xs
            )
            expected = -fitted * (contacts - 1) >= drop - 1e-9
        rule = FallingSentiment(contacts=contacts, drop=drop)
        assert bool(rule.evaluate(facts(*log), NOW)) is expected

    @settings(deadline=None, max_examples=100)
    @given(
        due_hours=st.lists(st.integers(-24 * 35, 24 * 3), min_size=1, max_size=4),
        contact_hours=st.lists(st.integers(-24 * 35, 0), max_size=4),
        grace=st.integers(1, 72),
    )
    def test_broken_promises_match_a_scan(
        self, due_hours: list[int], contact_hours: list[int], grace: int
    ) -> None:
        """Undelivered promises are flagged exactly when past grace with no contact since."""
        journeys = [
            sale(NOW.add(hours=hours), sold=NOW.subtract(days=40), journey_id=f"o-{i}")
            for i, hours in enumerate(due_hours)
        ]
        calls = [
            contact(i, NOW.add(hours=hours), direction="outbound", kind="follow_up")
            for i, hours in enumerate(contact_hours)
        ]
        expected = {
            f"o-{i}/p1"
            for i, hours in enumerate(due_hours)
            if -24 * 30 <= hours <= -grace and not any(c >= hours for c in contact_hours)
        }
        rule = BrokenPromiseWithoutContact(within=dt.timedelta(hours=grace))
        signals = rule.evaluate(facts(*calls, journeys=journeys), NOW)
        assert {e for s in signals for e in s.evidence} == expected
