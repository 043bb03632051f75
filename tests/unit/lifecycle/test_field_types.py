from collections.abc import Callable

import pendulum
import pytest

from custrel.errors import ValidationError
from custrel.lifecycle import (
    MAX_TEXT,
    CaseOpened,
    Charged,
    Delivered,
    DeliveryWindow,
    FollowedUp,
    Journey,
    Promise,
    PromiseSettled,
    Referral,
    Relationship,
    SaleLine,
    StageChange,
    StageResult,
)
from custrel.money import Money

T0 = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")


def journey(**fields: object) -> Journey:
    values: dict[str, object] = {"id": "o-1", "customer_id": "k-1", "sold_at": T0}
    values.update(fields)
    return Journey(**values)


WRONG: list[tuple[Callable[[], object], str]] = [
    (lambda: StageChange(None, "lead", T0, "ola", "x" * (MAX_TEXT + 1)), "reason"),
    (lambda: FollowedUp(T0, note=5), "note"),
    (lambda: FollowedUp(T0, note="x" * (MAX_TEXT + 1)), "note"),
    (lambda: SaleLine("sofa", [1]), "quantity"),
    (lambda: Relationship(customer_id="k-1", ladder=["a"], history=()), "ladder"),
    (lambda: Relationship(customer_id="k-1", history="rows"), "history"),
    (lambda: Relationship(customer_id="k-1", history=[1]), "history"),
    (
        lambda: Relationship(
            customer_id="k-1", history=Relationship.start("k-1", T0).history, version=-1
        ),
        "version",
    ),
    (lambda: StageResult("nope", applied=True, reason="x"), "relationship"),
    (lambda: Delivered(T0, final="yes"), "final"),
    (lambda: Delivered(T0, quantities=[("sofa", 1)]), "quantities"),
    (lambda: Charged(T0, 100), "amount"),
    (lambda: CaseOpened(T0, ""), "case_id"),
    (lambda: PromiseSettled(T0, "p1", kept="no", reason="x"), "kept"),
    (lambda: journey(total=100), "total"),
    (lambda: journey(facts=["shipped"]), "facts"),
    (lambda: journey(version=-1), "version"),
    (
        lambda: journey(promises=[Promise(kind="quality", made_by="ola", statement="x")]),
        r"promises\[0\]\.id",
    ),
    (lambda: Promise(kind="delivery", made_by="ola", window=T0), "window"),
    (lambda: Promise(kind="price", made_by="ola", amount=100), "amount"),
    (lambda: DeliveryWindow(None, "friday"), "end"),
    (
        lambda: Referral(id="r-1", referrer_id="k-1", referred_id="k-2", at=T0, version=-1),
        "version",
    ),
]


@pytest.mark.parametrize(("build", "field"), WRONG)
def test_fields_of_the_wrong_type_are_refused(build: Callable[[], object], field: str) -> None:
    """A field of the wrong type raises ValidationError naming the field."""
    with pytest.raises(ValidationError, match=rf"^{field}: "):
        build()


def test_charged_money_round_trips() -> None:
    """A charge keeps its money exactly."""
    assert Charged(T0, Money("10.50", "NOK")).data() == {
        "amount": {"amount": "10.50", "currency": "NOK"},
        "product": None,
    }
