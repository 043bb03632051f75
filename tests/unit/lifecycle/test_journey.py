import json
from collections.abc import Callable
from decimal import Decimal

import pendulum
import pytest

from custrel.errors import InvalidTransitionError, NotFoundError, PolicyError, ValidationError
from custrel.events import Change
from custrel.lifecycle import (
    ERASED_TEXT,
    DeliveryWindow,
    HandedOver,
    Journey,
    OtifTolerance,
    Phase,
    PhaseChange,
    Promise,
    PromiseKind,
    SaleKind,
    SaleLine,
)
from custrel.money import Money

T0 = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")  # a Monday


Step = Callable[[Journey], Change[Journey]]


def run(journey: Journey, *steps: Step) -> Journey:
    for step in steps:
        journey = step(journey).value
    return journey


def sale(**fields: object) -> Journey:
    values: dict[str, object] = {
        "lines": [SaleLine("sofa", 1), SaleLine("pute", 4)],
        "promises": [
            Promise.delivery(T0.add(days=4), made_by="ola"),
            Promise.delivery(T0.add(days=2), made_by="per", product="pute", quantity=2),
            Promise.price(Money("9990", "NOK"), made_by="ola"),
            Promise.quality("fits a 2 m wall", made_by="ola", product="sofa"),
        ],
        "owner": "ola",
    }
    values.update(fields)
    return Journey.open("o-1", "k-1", T0, **values)  # type: ignore[arg-type]


class TestPromises:
    def test_delivery_promise_by_a_date_or_in_a_window(self) -> None:
        """A delivery promise has a window: by an instant, or between two."""
        by = Promise.delivery(T0.add(days=3), made_by="ola")
        slot = Promise.delivery(T0.add(days=3, hours=2), earliest=T0.add(days=3), made_by="ola")
        assert by.window == DeliveryWindow.by(T0.add(days=3))
        assert slot.window == DeliveryWindow.between(T0.add(days=3), T0.add(days=3, hours=2))
        assert (by.kind, by.due) == (PromiseKind.DELIVERY, T0.add(days=3))

    def test_price_and_quality_promises(self) -> None:
        """A price promise carries Money; a quality promise a statement; neither is due."""
        price = Promise.price(Money("100", "NOK"), made_by="ola", product="sofa")
        quality = Promise.quality("  organic cotton ", made_by="per")
        assert (price.kind, price.amount, price.product, price.due) == (
            PromiseKind.PRICE,
            Money("100", "NOK"),
            "sofa",
            None,
        )
        assert (quality.statement, quality.due) == ("organic cotton", None)

    def test_window_end_before_start_is_refused(self) -> None:
        """A window that ends before it starts is bad input, naming the end."""
        with pytest.raises(ValidationError, match=r"^end: the window ends before it starts"):
            Promise.delivery(T0, earliest=T0.add(hours=1), made_by="ola")

    @pytest.mark.parametrize(
        ("build", "field"),
        [
            (lambda: Promise.delivery(T0, made_by="ola", product="sofa", quantity=-1), "quantity"),
            (lambda: Promise.delivery(T0, made_by="ola", product="sofa", quantity=0), "quantity"),
            (lambda: Promise.delivery(T0, made_by="ola", quantity=2), "quantity"),
            (
                lambda: Promise.delivery(T0, made_by="ola", product="x", quantity=0.5),  # type: ignore[arg-type]
                "quantity",
            ),
            (lambda: Promise.quality("", made_by="ola"), "statement"),
            (lambda: Promise(kind="delivery", made_by="ola"), "window"),
            (
                lambda: Promise(
                    kind="quality",
                    made_by="ola",
                    statement="x",
                    amount=None,
                    window=DeliveryWindow.by(T0),
                ),
                "window",
            ),
            (lambda: Promise(kind="price", made_by="ola"), "amount"),
            (lambda: Promise(kind="promise", made_by="ola"), "kind"),
            (lambda: Promise.price(Money(1, "NOK"), made_by=""), "made_by"),
        ],
    )
    def test_bad_promises_are_refused(self, build: object, field: str) -> None:
        """Negative or zero quantities, missing parts and unknown kinds raise ValidationError."""
        with pytest.raises(ValidationError, match=rf"^{field}: "):
            build()  # type: ignore[operator]

    @pytest.mark.parametrize("value", [0, -2, "x", 1.5, Decimal("NaN")])
    def test_order_lines_need_a_positive_exact_quantity(self, value: object) -> None:
        """Order lines refuse zero, negative, inexact and non-numeric quantities."""
        with pytest.raises(ValidationError, match=r"^quantity: "):
            SaleLine("sofa", value)

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"late": pendulum.duration(hours=-1)}, "late"),
            ({"early": 5}, "early"),
            ({"quantity": 1}, "quantity"),
            ({"quantity": "-0.1"}, "quantity"),
            ({"quantity": 0.1}, "quantity"),
        ],
    )
    def test_bad_tolerances_are_policy_errors(self, fields: dict[str, object], field: str) -> None:
        """Tolerances are durations of zero or more and a missing share below 1."""
        with pytest.raises(PolicyError, match=rf"^{field}: "):
            OtifTolerance(**fields)


class TestOpen:
    def test_open_numbers_promises_and_starts_in_sales(self) -> None:
        """Promises without ids are numbered p1, p2...; the journey starts in sales."""
        journey = sale()
        assert [promise.id for promise in journey.promises] == ["p1", "p2", "p3", "p4"]
        assert journey.phase is Phase.SALES
        assert journey.timeline == (PhaseChange(Phase.SALES, T0),)
        assert journey.entered_at(Phase.SALES) == T0
        assert journey.entered_at("delivery") is None
        assert (journey.owner, journey.kind, journey.is_open) == ("ola", SaleKind.ORDER, True)
        event = journey.started_event()
        assert event.type == "lifecycle.journey_started"
        assert dict(event.payload) == {"kind": "order", "lines": 2, "promises": 4, "owner": "ola"}

    def test_given_ids_are_kept_and_numbering_skips_them(self) -> None:
        """Host ids stay; generated ids avoid them."""
        journey = sale(
            promises=[
                Promise.delivery(T0.add(days=1), made_by="ola", id="p1"),
                Promise.delivery(T0.add(days=1), made_by="ola"),
            ]
        )
        assert [promise.id for promise in journey.promises] == ["p1", "p2"]

    def test_a_promise_due_before_the_sale_is_refused(self) -> None:
        """Promising delivery before the sale is bad input, naming the promise."""
        with pytest.raises(
            ValidationError, match=r"^promises\[0\]\.window\.end: due before the sale"
        ):
            sale(promises=[Promise.delivery(T0.subtract(minutes=1), made_by="ola")])

    @pytest.mark.parametrize(
        ("promise", "field", "message"),
        [
            (
                Promise.delivery(T0.add(days=1), made_by="ola", product="lamp"),
                r"promises\[0\]\.product",
                "the product is not a line",
            ),
            (
                Promise.delivery(T0.add(days=1), made_by="ola", product="pute", quantity=5),
                r"promises\[0\]\.quantity",
                "more than the 4 ordered",
            ),
        ],
    )
    def test_promises_about_lines_must_fit_the_order(
        self, promise: Promise, field: str, message: str
    ) -> None:
        """A line promise names an ordered product and no more than was ordered."""
        with pytest.raises(ValidationError, match=rf"^{field}: {message}"):
            sale(promises=[promise])

    def test_duplicate_promise_ids_and_products_are_refused(self) -> None:
        """Promise ids are unique in a journey; each product is one line."""
        twice = [Promise.delivery(T0.add(days=1), made_by="ola", id="a")] * 2
        with pytest.raises(ValidationError, match="unique"):
            sale(promises=twice)
        with pytest.raises(ValidationError, match="one line"):
            sale(lines=[SaleLine("pute", 1), SaleLine("pute", 2)])

    def test_an_engagement_without_lines(self) -> None:
        """An engagement has no lines; its promises cannot be about products."""
        journey = Journey.open("e-1", "k-1", T0, kind="engagement")
        assert (journey.kind, journey.lines, journey.promises) == (SaleKind.ENGAGEMENT, (), ())
        with pytest.raises(ValidationError, match="unknown SaleKind"):
            Journey.open("e-1", "k-1", T0, kind="gift")


class TestPhases:
    def test_the_happy_path_through_every_phase(self) -> None:
        """Shipped → delivery, delivered → follow-up, followed up → closed, each timestamped."""
        journey, events = sale().ship(T0.add(days=1))
        assert journey.phase is Phase.DELIVERY
        assert [event.type for event in events] == [
            "lifecycle.order_shipped",
            "lifecycle.journey_phase_changed",
        ]
        assert dict(events[1].payload) == {"phase": "delivery", "previous": "sales"}
        journey = journey.deliver(T0.add(days=2)).value
        assert journey.phase is Phase.FOLLOW_UP
        journey, events = journey.follow_up(T0.add(days=9), by="ola", note="happy")
        assert journey.phase is Phase.CLOSED
        assert not journey.is_open
        assert [(change.phase, change.at) for change in journey.timeline] == [
            (Phase.SALES, T0),
            (Phase.DELIVERY, T0.add(days=1)),
            (Phase.FOLLOW_UP, T0.add(days=2)),
            (Phase.CLOSED, T0.add(days=9)),
        ]
        assert journey.followed_up_at == T0.add(days=9)
        assert journey.phase_at(T0.add(days=1, hours=1)) is Phase.DELIVERY
        assert journey.phase_at(T0.subtract(days=1)) is None

    def test_a_case_after_delivery_means_service_until_resolved(self) -> None:
        """An open case puts the journey in service; resolving it leads to follow-up."""
        journey = sale().deliver(T0.add(days=2)).value
        journey = journey.link_case("c-1", T0.add(days=3)).value
        assert journey.phase is Phase.SERVICE
        assert journey.open_case_ids == ("c-1",)
        journey = journey.resolve_case("c-1", T0.add(days=4)).value
        assert journey.phase is Phase.FOLLOW_UP
        assert (journey.case_ids, journey.open_case_ids) == (("c-1",), ())

    def test_a_case_before_delivery_waits_for_the_delivery(self) -> None:
        """A complaint about a delay links to the journey; service starts on delivery."""
        journey = sale().link_case("c-1", T0.add(hours=1)).value
        assert journey.phase is Phase.SALES
        journey = journey.deliver(T0.add(days=2)).value
        assert journey.phase is Phase.SERVICE

    def test_a_case_reopens_service_even_after_closing(self) -> None:
        """A warranty case after the follow-up moves a closed journey back to service."""
        journey = sale().deliver(T0.add(days=2)).value.follow_up(T0.add(days=3)).value
        journey, events = journey.link_case("c-9", T0.add(days=90))
        assert journey.phase is Phase.SERVICE
        assert dict(events[0].payload) == {"case_id": "c-9", "reopened": False}
        journey = journey.resolve_case("c-9", T0.add(days=91)).value
        assert journey.phase is Phase.FOLLOW_UP  # a new follow-up is due after service
        assert journey.follow_up(T0.add(days=92)).value.phase is Phase.CLOSED

    def test_a_reopened_case_is_linked_again(self) -> None:
        """Linking a resolved case again reopens it on the journey."""
        journey = sale().deliver(T0.add(days=1)).value.link_case("c-1", T0.add(days=2)).value
        journey = journey.resolve_case("c-1", T0.add(days=3)).value
        journey, events = journey.link_case("c-1", T0.add(days=4))
        assert journey.open_case_ids == ("c-1",)
        assert events[0].payload["reopened"] is True

    def test_partial_delivery_keeps_the_journey_in_delivery(self) -> None:
        """A delivery that is not final leaves the journey in delivery."""
        journey = sale().deliver(T0.add(days=1), {"pute": 2}, final=False).value
        assert journey.phase is Phase.DELIVERY
        assert journey.delivered("pute") == 2
        assert journey.delivered("sofa") == 0
        assert journey.delivered_at is None
        journey = journey.deliver(T0.add(days=3)).value
        assert journey.delivered("pute") == 4  # everything outstanding
        assert journey.delivered("pute", until=T0.add(days=2)) == 2
        assert journey.delivered_at == T0.add(days=3)

    def test_facts_recorded_late_are_placed_in_time_order(self) -> None:
        """A shipment recorded after the delivery, dated before it, is placed before it."""
        journey = sale().deliver(T0.add(days=2)).value.ship(T0.add(days=1)).value
        assert [type(fact).__name__ for fact in journey.facts] == ["Shipped", "Delivered"]
        assert journey.entered_at(Phase.DELIVERY) == T0.add(days=1)


def day(number: int) -> pendulum.DateTime:
    return T0.add(hours=24 * number)


CONTRADICTIONS: list[tuple[list[Step], str]] = [
    ([lambda j: j.ship(day(1)), lambda j: j.ship(day(2))], "already shipped"),
    ([lambda j: j.deliver(day(1)), lambda j: j.ship(day(2))], "after the final delivery"),
    ([lambda j: j.deliver(day(1)), lambda j: j.deliver(day(2))], "already delivered"),
    ([lambda j: j.follow_up(day(1))], "after the final delivery"),
    (
        [
            lambda j: j.deliver(day(1)),
            lambda j: j.link_case("c-1", day(1)),
            lambda j: j.follow_up(day(2)),
        ],
        "case 'c-1' is open",
    ),
    (
        [lambda j: j.deliver(day(1)), lambda j: j.follow_up(day(2)), lambda j: j.follow_up(day(3))],
        "already followed up",
    ),
    ([lambda j: j.link_case("c-1", day(2)), lambda j: j.resolve_case("c-1", day(1))], "not open"),
    ([lambda j: j.ship(T0.subtract(hours=1))], "before the sale"),
    (
        [
            lambda j: j.hand_over("per", day(2), reason="x"),
            lambda j: j.hand_over("kari", day(1), reason="y"),
        ],
        "before the last hand-over",
    ),
    (
        [
            lambda j: j.break_promise("p3", day(1), reason="x"),
            lambda j: j.keep_promise("p3", day(2), reason="y"),
        ],
        "already settled",
    ),
    ([lambda j: j.keep_promise("p1", day(1), reason="x")], "record the delivery"),
]


class TestFactsThatDoNotFit:
    @pytest.mark.parametrize(("steps", "message"), CONTRADICTIONS)
    def test_contradicting_facts_are_invalid_transitions(
        self, steps: list[Step], message: str
    ) -> None:
        """Facts that contradict the journey so far raise InvalidTransitionError."""
        *before, last = steps
        journey = run(sale(), *before)
        with pytest.raises(InvalidTransitionError, match=message):
            last(journey)

    def test_recording_a_fact_again_changes_nothing(self) -> None:
        """The same fact twice (a retried webhook) returns the same journey and no events."""
        journey = sale().ship(T0.add(days=1)).value.deliver(T0.add(days=2)).value
        journey = journey.link_case("c-1", T0.add(days=3)).value
        journey = journey.link_interaction("i-1", T0.add(days=3)).value
        for again in (
            journey.ship(T0.add(days=1)),
            journey.deliver(T0.add(days=2)),
            journey.link_case("c-1", T0.add(days=4)),
            journey.link_interaction("i-1", T0.add(days=5)),
            journey.hand_over("ola", T0.add(days=5), reason="same"),
        ):
            assert again.value is journey
            assert again.events == ()
        resolved = journey.resolve_case("c-1", T0.add(days=4)).value
        assert resolved.resolve_case("c-1", T0.add(days=5)).value is resolved
        broken = resolved.break_promise("p3", T0.add(days=5), reason="overcharged").value
        assert broken.break_promise("p3", T0.add(days=6), reason="again").value is broken

    @pytest.mark.parametrize(
        ("step", "error", "message"),
        [
            (lambda j: j.deliver(T0.add(days=1), {"lamp": 1}), ValidationError, "not a line"),
            (lambda j: j.deliver(T0.add(days=1), {"pute": -1}), ValidationError, "zero or more"),
            (
                lambda j: j.charge(Money(1, "NOK"), T0, product="lamp"),
                ValidationError,
                "not a line",
            ),
            (lambda j: j.charge(Money(1, "EUR"), T0), ValidationError, "price in NOK"),
            (lambda j: j.resolve_case("c-7", T0), ValidationError, "link it first"),
            (lambda j: j.break_promise("p9", T0, reason="x"), NotFoundError, "no promise 'p9'"),
            (lambda j: j.break_promise("p1", T0, reason=""), ValidationError, "reason"),
        ],
    )
    def test_bad_input_is_refused(self, step: object, error: type, message: str) -> None:
        """Unknown products, negative quantities, other currencies and unknown ids are refused."""
        with pytest.raises(error, match=message):
            step(sale())  # type: ignore[operator]


class TestOwnerAndLinks:
    def test_hand_over_records_from_to_when_and_why(self) -> None:
        """A hand-over is a fact with both owners; the owner is derived from them."""
        journey, events = sale().hand_over("per", T0.add(days=1), reason="ola on holiday")
        assert journey.owner == "per"
        assert journey.first_owner == "ola"
        assert journey.handovers == (HandedOver(T0.add(days=1), "ola", "per", "ola on holiday"),)
        assert dict(events[0].payload) == {"from_owner": "ola", "to_owner": "per"}
        assert journey.hand_over(None, T0.add(days=2), reason="left").value.owner is None

    def test_links_to_cases_and_interactions_are_kept(self) -> None:
        """Linked case and interaction ids are listed in order, once each."""
        journey = run(
            sale(),
            lambda j: j.link_interaction("i-2", T0.add(hours=1)),
            lambda j: j.link_case("c-1", T0.add(hours=2)),
            lambda j: j.link_interaction("i-1", T0.add(hours=3)),
            lambda j: j.link_case("c-2", T0.add(hours=4)),
        )
        assert journey.interaction_ids == ("i-2", "i-1")
        assert journey.case_ids == ("c-1", "c-2")


class TestSettledAndSerialised:
    def test_settled_promises(self) -> None:
        """Delivery settles by full or final delivery, price by a charge, quality by staff."""
        journey = sale()
        assert journey.unsettled_promises() == journey.promises
        journey = journey.deliver(T0.add(days=1), {"pute": 2}, final=False).value
        assert journey.is_settled("p2")
        assert not journey.is_settled("p1")
        journey = journey.charge(Money("9990", "NOK"), T0.add(days=1)).value
        assert journey.is_settled("p3")
        journey = journey.keep_promise("p4", T0.add(days=2), reason="measured").value
        assert journey.is_settled("p4")
        assert [promise.id for promise in journey.unsettled_promises()] == ["p1"]
        assert journey.deliver(T0.add(days=3), {"sofa": 0}).value.is_settled("p1")

    def test_round_trip_through_json(self) -> None:
        """to_dict and from_dict agree, exact quantities, money and every fact included."""
        journey = run(
            sale(total=Money("10990.50", "NOK")),
            lambda j: j.ship(T0.add(days=1)),
            lambda j: j.deliver(T0.add(days=2), {"pute": "1.5"}, final=False),
            lambda j: j.charge(Money("9990", "NOK"), T0.add(days=2)),
            lambda j: j.deliver(T0.add(days=3)),
            lambda j: j.link_case("c-1", T0.add(days=4)),
            lambda j: j.link_interaction("i-1", T0.add(days=4)),
            lambda j: j.resolve_case("c-1", T0.add(days=5)),
            lambda j: j.keep_promise("p4", T0.add(days=5), reason="fits", by="per"),
            lambda j: j.hand_over("per", T0.add(days=5), reason="holiday"),
            lambda j: j.follow_up(T0.add(days=6), by="per", note="all good"),
        )
        data = json.loads(json.dumps(journey.to_dict()))
        assert data["phase"] == "closed"
        assert data["owner"] == "per"
        assert Journey.from_dict(data) == journey
        assert Journey.from_dict(data).deliveries[0].quantities == {"pute": Decimal("1.5")}

    @pytest.mark.parametrize(
        "data",
        [
            [],
            {
                "id": "o-1",
                "customer_id": "k-1",
                "sold_at": "2026-01-01T00:00:00+00:00",
                "facts": [{"type": "teleported", "at": "2026-01-02T00:00:00+00:00"}],
            },
            {
                "id": "o-1",
                "customer_id": "k-1",
                "sold_at": "2026-01-01T00:00:00+00:00",
                "lines": [3],
            },
        ],
    )
    def test_malformed_data_raises_validation_error(self, data: object) -> None:
        """from_dict refuses what to_dict cannot have written."""
        with pytest.raises(ValidationError):
            Journey.from_dict(data)  # type: ignore[arg-type]

    def test_facts_out_of_time_order_are_refused(self) -> None:
        """A journey's facts are kept in time order."""
        journey = sale().ship(T0.add(days=1)).value.deliver(T0.add(days=2)).value
        with pytest.raises(ValidationError, match="time order"):
            Journey(
                id="o-1",
                customer_id="k-1",
                sold_at=T0,
                facts=tuple(reversed(journey.facts)),
            )

    def test_erase_pseudonymises_free_text_only(self) -> None:
        """Statements, notes and reasons go; ids, instants, quantities and amounts stay."""
        journey = sale().deliver(T0.add(days=1)).value
        journey = journey.keep_promise("p4", T0.add(days=2), reason="Kari measured it").value
        journey = journey.hand_over("per", T0.add(days=2), reason="Kari asked for Per").value
        journey = journey.follow_up(T0.add(days=3), note="Kari loves it").value
        erased = journey.erased()
        assert erased.promise("p4").statement == ERASED_TEXT
        assert erased.promise("p1").statement == ""  # nothing was said
        assert erased.settlement("p4").reason == ERASED_TEXT  # type: ignore[union-attr]
        assert erased.handovers[0].reason == ERASED_TEXT
        assert erased.facts[-1].note == ERASED_TEXT  # type: ignore[union-attr]
        assert (erased.phase, erased.owner, erased.lines) == (
            journey.phase,
            journey.owner,
            journey.lines,
        )
        assert erased.erased() == erased

    def test_moved_to_another_customer(self) -> None:
        """A merge files the journey under the survivor."""
        assert sale().moved_to("k-9").customer_id == "k-9"
