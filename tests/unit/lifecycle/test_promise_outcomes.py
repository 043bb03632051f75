import datetime as dt
from decimal import Decimal

import pendulum
import pytest

from custrel.calendars import BusinessCalendar
from custrel.errors import NotFoundError, ValidationError
from custrel.lifecycle import (
    Journey,
    KeepingRate,
    Otif,
    OtifTolerance,
    Promise,
    PromiseOutcome,
    SaleLine,
    assess,
    assess_journey,
    keeping_rate,
    otif,
    promise_events,
    rates_by_customer,
    rates_by_product,
    rates_by_staff,
)
from custrel.money import Money

T0 = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")  # a Monday
FRIDAY_17 = pendulum.datetime(2026, 11, 27, 17, 0, tz="Europe/Oslo")
HOUR = dt.timedelta(hours=1)


def order(*promises: Promise, lines: tuple[SaleLine, ...] | None = None) -> Journey:
    return Journey.open(
        "o-1",
        "k-1",
        T0,
        lines=(SaleLine("sofa", 1), SaleLine("pute", 4)) if lines is None else lines,
        promises=promises or (Promise.delivery(FRIDAY_17, made_by="ola"),),
    )


def by_friday(**fields: object) -> Promise:
    return Promise.delivery(FRIDAY_17, made_by="ola", **fields)  # type: ignore[arg-type]


class TestDeliveryOutcomes:
    def test_pending_before_anything_happens(self) -> None:
        """Before the deadline and without a delivery the promise is pending."""
        found = assess(order(), "p1", T0.add(days=1))
        assert found.outcome is PromiseOutcome.PENDING
        assert (found.on_time, found.in_full, found.otif, found.late_by) == (
            None,
            None,
            None,
            None,
        )
        assert not found.settled
        assert dict(found.shortfall) == {"sofa": 1, "pute": 4}

    def test_kept_when_delivered_on_time_and_in_full(self) -> None:
        """Delivered in full by the promised end: kept, on time and in full."""
        journey = order().deliver(FRIDAY_17).value
        found = assess(journey, "p1", FRIDAY_17.add(days=3))
        assert found.outcome is PromiseOutcome.KEPT
        assert (found.on_time, found.in_full, found.otif) == (True, True, True)
        assert (found.outcome_at, found.late_by, found.settled) == (FRIDAY_17, None, True)
        assert found.reason == "delivered on time and in full"

    def test_late_by_calendar_and_business_time(self) -> None:
        """Delivered in full on Monday 11:00 for Friday 17:00: late by 66 h, 2 business hours."""
        delivered = pendulum.datetime(2026, 11, 30, 11, 0, tz="Europe/Oslo")
        journey = order().deliver(delivered).value
        calendar = BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Oslo")
        found = assess(journey, "p1", delivered, calendar=calendar)
        assert found.outcome is PromiseOutcome.LATE
        assert (found.on_time, found.in_full) == (False, True)
        assert found.late_by == 66 * HOUR
        assert type(found.late_by) is dt.timedelta
        assert found.business_late_by == 2 * HOUR
        assert found.reason == "delivered in full 2 days 18 hours after the promised end"

    def test_late_tolerance_counts_a_little_late_as_kept(self) -> None:
        """Within the late tolerance a delivery is on time, though its lateness is reported."""
        journey = order().deliver(FRIDAY_17.add(minutes=30)).value
        lenient = assess(journey, "p1", FRIDAY_17.add(days=1), tolerance=OtifTolerance(late=HOUR))
        strict = assess(journey, "p1", FRIDAY_17.add(days=1))
        assert lenient.outcome is PromiseOutcome.KEPT
        assert lenient.late_by == dt.timedelta(minutes=30)
        assert strict.outcome is PromiseOutcome.LATE

    def test_early_before_a_window(self) -> None:
        """A time slot delivered before it opens is early, unless the tolerance allows it."""
        slot = Promise.delivery(T0.add(days=2, hours=4), earliest=T0.add(days=2), made_by="ola")
        journey = order(slot).deliver(T0.add(days=1, hours=23)).value
        now = T0.add(days=3)
        assert assess(journey, "p1", now).outcome is PromiseOutcome.EARLY
        assert assess(journey, "p1", now).on_time is False
        any_time = OtifTolerance(early=None)
        assert assess(journey, "p1", now, tolerance=any_time).outcome is PromiseOutcome.KEPT
        hour_early = OtifTolerance(early=HOUR)
        assert assess(journey, "p1", now, tolerance=hour_early).outcome is PromiseOutcome.KEPT

    def test_partial_when_short_on_time_and_nothing_more_comes(self) -> None:
        """Delivered on time but short, with the final delivery: partial, with the shortfall."""
        journey = order().deliver(T0.add(days=2), {"sofa": 1, "pute": 3}).value
        found = assess(journey, "p1", T0.add(days=2))
        assert found.outcome is PromiseOutcome.PARTIAL
        assert (found.on_time, found.in_full) == (True, False)
        assert dict(found.shortfall) == {"pute": 1}
        assert found.outcome_at == T0.add(days=2)
        assert found.late_by is None

    def test_quantity_tolerance_counts_nearly_full_as_in_full(self) -> None:
        """With 25 % allowed missing, 3 of 4 is in full."""
        journey = order().deliver(T0.add(days=2), {"sofa": 1, "pute": 3}).value
        found = assess(journey, "p1", T0.add(days=2), tolerance=OtifTolerance(quantity="0.25"))
        assert found.outcome is PromiseOutcome.KEPT
        assert dict(found.shortfall) == {"pute": 1}  # still reported

    def test_partial_when_short_by_the_deadline(self) -> None:
        """Something on time and more coming: partial once the deadline passes."""
        journey = order().deliver(T0.add(days=1), {"pute": 4}, final=False).value
        assert assess(journey, "p1", FRIDAY_17).outcome is PromiseOutcome.PENDING
        found = assess(journey, "p1", FRIDAY_17.add(seconds=1))
        assert found.outcome is PromiseOutcome.PARTIAL
        assert found.outcome_at == FRIDAY_17
        assert not found.settled

    def test_partial_then_completed_late_is_late(self) -> None:
        """Part on time and the rest after the deadline: late, in full."""
        journey = order().deliver(T0.add(days=1), {"pute": 4}, final=False).value
        journey = journey.deliver(FRIDAY_17.add(days=1)).value
        found = assess(journey, "p1", FRIDAY_17.add(days=2))
        assert found.outcome is PromiseOutcome.LATE
        assert found.late_by == dt.timedelta(days=1)

    def test_broken_when_nothing_arrived_by_the_deadline(self) -> None:
        """Past the deadline with nothing delivered: broken, late by the time so far."""
        found = assess(order(), "p1", FRIDAY_17.add(hours=5))
        assert found.outcome is PromiseOutcome.BROKEN
        assert (found.on_time, found.in_full) == (False, False)
        assert found.outcome_at == FRIDAY_17
        assert found.late_by == 5 * HOUR
        assert not found.settled  # a late delivery may still come

    def test_broken_when_late_and_short(self) -> None:
        """A final delivery after the deadline and short is broken."""
        journey = order().deliver(FRIDAY_17.add(days=1), {"sofa": 1}).value
        found = assess(journey, "p1", FRIDAY_17.add(days=2))
        assert found.outcome is PromiseOutcome.BROKEN
        assert found.settled
        assert found.late_by is None

    def test_declared_broken_by_staff(self) -> None:
        """Staff cancelling a delivery breaks the promise at that instant."""
        journey = order().break_promise("p1", T0.add(days=1), reason="out of stock").value
        found = assess(journey, "p1", T0.add(days=1))
        assert found.outcome is PromiseOutcome.BROKEN
        assert (found.outcome_at, found.reason) == (T0.add(days=1), "declared broken by staff")
        assert (found.on_time, found.in_full) == (False, False)
        assert assess(journey, "p1", T0).outcome is PromiseOutcome.PENDING  # not yet said

    def test_line_promise_looks_at_its_product_only(self) -> None:
        """A promise of 2 cushions by Wednesday is kept by 2 cushions, whatever the sofa does."""
        journey = order(by_friday(), by_friday(product="pute", quantity=2))
        journey = journey.deliver(T0.add(days=1), {"pute": 1}, final=False).value
        journey = journey.deliver(T0.add(days=2), {"pute": 1}, final=False).value
        found = assess(journey, "p2", T0.add(days=2))
        assert found.outcome is PromiseOutcome.KEPT
        assert found.outcome_at == T0.add(days=2)
        assert assess(journey, "p1", T0.add(days=2)).outcome is PromiseOutcome.PENDING

    def test_an_engagement_is_delivered_by_its_final_delivery(self) -> None:
        """Without lines, the final delivery is the delivery in full."""
        journey = order(lines=()).deliver(T0.add(days=1), final=False).value
        assert assess(journey, "p1", T0.add(days=1)).outcome is PromiseOutcome.PENDING
        assert assess(journey, "p1", FRIDAY_17.add(hours=1)).outcome is PromiseOutcome.PARTIAL
        done = journey.deliver(T0.add(days=2)).value
        assert assess(done, "p1", T0.add(days=2)).outcome is PromiseOutcome.KEPT

    def test_facts_after_now_are_ignored(self) -> None:
        """Judged as of an earlier instant, a later delivery does not count yet."""
        journey = order().deliver(FRIDAY_17.add(days=1)).value
        assert assess(journey, "p1", FRIDAY_17).outcome is PromiseOutcome.PENDING

    def test_unknown_or_foreign_promise_is_refused(self) -> None:
        """Assessing a promise the journey lacks raises."""
        with pytest.raises(NotFoundError):
            assess(order(), "p9", T0)
        stranger = Promise.delivery(FRIDAY_17, made_by="per", id="p1")
        with pytest.raises(ValidationError, match="not a promise of journey"):
            assess(order(), stranger, T0)


class TestPriceAndQuality:
    def test_price_kept_when_charged_no_more(self) -> None:
        """A charge at or below the promised price keeps a price promise."""
        journey = order(Promise.price(Money("1000", "NOK"), made_by="ola"))
        assert assess(journey, "p1", T0).outcome is PromiseOutcome.PENDING
        charged = journey.charge(Money("999", "NOK"), T0.add(hours=1)).value
        found = assess(charged, "p1", T0.add(hours=1))
        assert (found.outcome, found.reason) == (
            PromiseOutcome.KEPT,
            "charged 999 NOK, promised 1000 NOK",
        )
        assert found.otif is None

    def test_price_broken_when_overcharged(self) -> None:
        """Charging more than promised breaks a price promise; a corrected charge mends it."""
        journey = order(Promise.price(Money("1000", "NOK"), made_by="ola"))
        journey = journey.charge(Money("1200", "NOK"), T0.add(hours=1)).value
        assert assess(journey, "p1", T0.add(hours=1)).outcome is PromiseOutcome.BROKEN
        journey = journey.charge(Money("1000", "NOK"), T0.add(hours=2)).value
        assert assess(journey, "p1", T0.add(hours=2)).outcome is PromiseOutcome.KEPT

    def test_line_price_uses_the_line_charge(self) -> None:
        """A price promise for a product is judged on charges for that product."""
        journey = order(Promise.price(Money("300", "NOK"), made_by="ola", product="pute"))
        journey = journey.charge(Money("5000", "NOK"), T0).value
        assert assess(journey, "p1", T0).outcome is PromiseOutcome.PENDING
        journey = journey.charge(Money("300", "NOK"), T0, product="pute").value
        assert assess(journey, "p1", T0).outcome is PromiseOutcome.KEPT

    def test_quality_is_settled_by_staff(self) -> None:
        """A quality promise is pending until staff say it was kept or broken."""
        journey = order(Promise.quality("fits a 2 m wall", made_by="ola"))
        assert assess(journey, "p1", T0.add(days=9)).outcome is PromiseOutcome.PENDING
        kept = journey.keep_promise("p1", T0.add(days=1), reason="measured").value
        broken = journey.break_promise("p1", T0.add(days=1), reason="2.1 m").value
        assert assess(kept, "p1", T0.add(days=1)).outcome is PromiseOutcome.KEPT
        assert assess(broken, "p1", T0.add(days=1)).outcome is PromiseOutcome.BROKEN
        assert assess(kept, "p1", T0.add(days=1)).reason == "confirmed kept by staff"


class TestOtif:
    def test_per_order_and_per_line(self) -> None:
        """OTIF per order needs every delivery promise; per line uses the line's promises."""
        journey = order(by_friday(), by_friday(product="pute", quantity=4))
        journey = journey.deliver(T0.add(days=1), {"pute": 4}, final=False).value
        journey = journey.deliver(FRIDAY_17.add(days=1), {"sofa": 1}).value
        found = otif(journey, FRIDAY_17.add(days=2))
        assert found.journey_id == "o-1"
        assert found.order == Otif(on_time=False, in_full=True)
        assert not found.order.otif
        assert dict(found.lines) == {
            "sofa": Otif(on_time=False, in_full=True),
            "pute": Otif(on_time=True, in_full=True),
        }
        assert found.lines["pute"].otif

    def test_undecided_order_has_no_otif_yet(self) -> None:
        """While a delivery promise is pending the order's OTIF is unknown."""
        found = otif(order(), T0)
        assert found.order is None
        assert dict(found.lines) == {}

    def test_order_without_delivery_promises(self) -> None:
        """An order promising no delivery has no OTIF."""
        journey = order(Promise.quality("x", made_by="ola")).deliver(T0).value
        assert otif(journey, T0).order is None

    def test_tolerance_applies_per_line_too(self) -> None:
        """A short line within the quantity tolerance counts as in full."""
        journey = order().deliver(T0.add(days=1), {"sofa": 1, "pute": "3.9"}).value
        strict = otif(journey, T0.add(days=1))
        lenient = otif(journey, T0.add(days=1), tolerance=OtifTolerance(quantity="0.05"))
        assert strict.lines["pute"] == Otif(on_time=True, in_full=False)
        assert lenient.lines["pute"] == Otif(on_time=True, in_full=True)
        assert lenient.order == Otif(on_time=True, in_full=True)

    def test_a_cancelled_line_is_not_on_time(self) -> None:
        """A whole-order promise declared broken marks every line as missed."""
        journey = order().break_promise("p1", T0.add(days=1), reason="cancelled").value
        found = otif(journey, T0.add(days=1))
        assert found.order == Otif(on_time=False, in_full=False)
        assert found.lines["sofa"] == Otif(on_time=False, in_full=False)


class TestPromiseEvents:
    def test_a_settling_delivery_announces_each_outcome(self) -> None:
        """Promises settled by a change write one event each, named by their outcome."""
        before = order(by_friday(), by_friday(product="pute", quantity=2, id="cushions"))
        after = before.deliver(FRIDAY_17.add(days=1)).value
        calendar = BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Oslo")
        events = promise_events(before, after, FRIDAY_17.add(days=1), calendar=calendar)
        assert [event.type for event in events] == [
            "lifecycle.promise_late",
            "lifecycle.promise_late",
        ]
        payload = dict(events[0].payload)
        assert payload == {
            "promise_id": "p1",
            "kind": "delivery",
            "made_by": "ola",
            "product": None,
            "on_time": False,
            "in_full": True,
            "late_by_seconds": 86400.0,
            "business_late_by_seconds": 0.0,
        }
        assert events[1].payload["promise_id"] == "cushions"
        assert events[0].occurred_at == FRIDAY_17.add(days=1)
        assert events[0].aggregate_id == "o-1"

    def test_nothing_new_settled_means_no_event(self) -> None:
        """A change that settles nothing (a shipment) writes no promise event."""
        before = order()
        after = before.ship(T0.add(hours=1)).value
        assert promise_events(before, after, T0.add(hours=1)) == ()
        settled = before.deliver(T0).value
        assert promise_events(settled, settled.link_case("c", T0).value, T0) == ()

    def test_staff_breaking_a_promise_announces_it(self) -> None:
        """A promise declared broken writes lifecycle.promise_broken."""
        before = order(Promise.quality("blue", made_by="per"))
        after = before.break_promise("p1", T0, reason="it is green").value
        (event,) = promise_events(before, after, T0)
        assert event.type == "lifecycle.promise_broken"
        assert event.payload["on_time"] is None


class TestKeepingRates:
    def journeys(self) -> list[Journey]:
        kept = (
            Journey.open(
                "o-1",
                "k-1",
                T0,
                lines=[SaleLine("sofa", 1)],
                promises=[Promise.delivery(FRIDAY_17, made_by="ola", product="sofa")],
            )
            .deliver(T0.add(days=1))
            .value
        )
        late = (
            Journey.open(
                "o-2",
                "k-2",
                T0,
                lines=[SaleLine("sofa", 1)],
                promises=[Promise.delivery(FRIDAY_17, made_by="ola", product="sofa")],
            )
            .deliver(FRIDAY_17.add(days=1))
            .value
        )
        mixed = (
            Journey.open(
                "o-3",
                "k-1",
                T0,
                lines=[SaleLine("pute", 2)],
                promises=[
                    Promise.delivery(FRIDAY_17, made_by="per", product="pute"),
                    Promise.quality("soft", made_by="per"),
                    Promise.delivery(FRIDAY_17.add(days=30), made_by="ola"),
                ],
            )
            .deliver(T0.add(days=1), {"pute": 1}, final=False)
            .value
        )
        return [kept, late, mixed]

    def test_rates_per_staff_member_show_who_oversells(self) -> None:
        """Per staff member: promises made and what became of them; kept / decided."""
        rates = rates_by_staff(self.journeys(), FRIDAY_17.add(days=2))
        assert rates == {
            "ola": KeepingRate(made=3, kept=1, late=1, pending=1),
            "per": KeepingRate(made=2, partial=1, pending=1),
        }
        assert rates["ola"].rate == 0.5
        assert rates["per"].rate == 0.0
        assert rates["ola"].decided == 2

    def test_rates_per_product_and_per_customer(self) -> None:
        """Product rates count line promises; customer rates every promise made to them."""
        journeys = self.journeys()
        now = FRIDAY_17.add(days=2)
        assert rates_by_product(journeys, now) == {
            "pute": KeepingRate(made=1, partial=1),
            "sofa": KeepingRate(made=2, kept=1, late=1),
        }
        assert rates_by_customer(journeys, now) == {
            "k-1": KeepingRate(made=4, kept=1, partial=1, pending=2),
            "k-2": KeepingRate(made=1, late=1),
        }

    def test_tolerance_changes_the_rates(self) -> None:
        """With a day late and half missing allowed, every decided promise is kept."""
        lenient = OtifTolerance(late=dt.timedelta(days=1), quantity=Decimal("0.5"))
        rates = rates_by_staff(self.journeys(), FRIDAY_17.add(days=2), tolerance=lenient)
        assert rates["ola"] == KeepingRate(made=3, kept=3)
        assert rates["per"] == KeepingRate(made=2, kept=1, pending=1)

    def test_rates_add_up_and_nothing_decided_has_no_rate(self) -> None:
        """Rates add field by field; with nothing decided the rate is None."""
        assert KeepingRate(made=1, kept=1) + KeepingRate(made=2, pending=2) == KeepingRate(
            made=3, kept=1, pending=2
        )
        assert KeepingRate(made=2, pending=2).rate is None
        assert keeping_rate([]) == KeepingRate()
        assert KeepingRate().__add__(3) is NotImplemented  # type: ignore[operator]

    def test_only_journeys_and_assessments_are_accepted(self) -> None:
        """The rate functions refuse what is not a journey or an assessment."""
        with pytest.raises(ValidationError, match="expected a Journey"):
            rates_by_staff(["o-1"], T0)  # type: ignore[list-item]
        with pytest.raises(ValidationError, match="expected a PromiseAssessment"):
            keeping_rate(["kept"])  # type: ignore[list-item]

    def test_assess_journey_in_promise_order(self) -> None:
        """assess_journey judges every promise of a sale, in the order they were made."""
        mixed = self.journeys()[2]
        found = assess_journey(mixed, FRIDAY_17.add(days=2))
        assert [item.promise.id for item in found] == ["p1", "p2", "p3"]
