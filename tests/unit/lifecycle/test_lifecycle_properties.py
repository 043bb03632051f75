import datetime as dt
import itertools
import json
from collections.abc import Callable

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.errors import InvalidTransitionError
from custrel.events import Change
from custrel.lifecycle import (
    ActivityStatus,
    ActivityThresholds,
    Journey,
    Phase,
    PromiseKind,
    PromiseOutcome,
    Relationship,
    SaleLine,
    activity,
    assess_journey,
    otif,
    rates_by_staff,
)
from custrel.testing.strategies import journeys, relationships

T0 = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")
SPANS = st.integers(min_value=-10 * 86_400, max_value=4000 * 86_400).map(
    lambda seconds: dt.timedelta(seconds=seconds)
)


@settings(deadline=None, max_examples=80)
@given(relationships(), SPANS)
def test_time_in_stages_sums_to_the_span_since_the_start(
    relationship: Relationship, offset: dt.timedelta
) -> None:
    """Time in every stage adds up to the time from the start to now (zero before it)."""
    now = relationship.stage_since + offset
    total = sum(relationship.time_in_stages(now).values(), dt.timedelta(0))
    assert total == max(dt.timedelta(0), now - relationship.started_at)


@settings(deadline=None, max_examples=80)
@given(relationships(), st.data())
def test_advance_never_moves_backwards(relationship: Relationship, data: st.DataObject) -> None:
    """Whatever stage is asked for, advance ends at the same or a later stage, never earlier."""
    stage = data.draw(st.sampled_from(relationship.ladder.stages))
    at = relationship.stage_since + data.draw(SPANS.filter(lambda span: span >= dt.timedelta(0)))
    result = relationship.advance(stage, at, reason="asked", actor="ola")
    ladder = relationship.ladder
    if result.applied:
        assert ladder.index(result.stage) > ladder.index(relationship.stage)
        assert result.relationship.history[:-1] == relationship.history
    else:
        assert result.relationship is relationship
        assert result.events == ()
        assert result.reason


@settings(deadline=None, max_examples=40)
@given(relationships())
def test_relationships_round_trip_through_json(relationship: Relationship) -> None:
    """Any relationship custrel can build survives to_dict, JSON and from_dict."""
    data = json.loads(json.dumps(relationship.to_dict()))
    assert Relationship.from_dict(data) == relationship


_STEPS = ("ship", "deliver", "deliver_part", "case", "resolve", "follow_up", "interaction")


@settings(deadline=None, max_examples=150)
@given(st.lists(st.tuples(st.sampled_from(_STEPS), st.integers(0, 5 * 86_400)), max_size=14))
def test_phase_is_monotone_in_facts_except_a_new_case(steps: list[tuple[str, int]]) -> None:
    """Adding a fact never moves the phase back, except opening a case after delivery."""
    journey = Journey.open("o-1", "k-1", T0, lines=[SaleLine("sofa", 2)])
    at = T0
    for step, gap in steps:
        at = at.add(seconds=gap)
        before = journey.phase
        try:
            journey = _apply(journey, step, at)
        except InvalidTransitionError:
            continue
        if step != "case":
            assert journey.phase.rank >= before.rank, (step, before, journey.phase)
        elif journey.phase is not before:
            assert journey.phase is Phase.SERVICE
    ranks = [change.phase.rank for change in journey.timeline]
    assert ranks[0] == 0
    for earlier, later in itertools.pairwise(journey.timeline):
        assert earlier.at <= later.at
        if later.phase.rank < earlier.phase.rank:
            assert later.phase is Phase.SERVICE


def _resolve_first(journey: Journey, at: pendulum.DateTime) -> Change[Journey]:
    if not journey.open_case_ids:
        return Change(journey)
    return journey.resolve_case(journey.open_case_ids[0], at)


_OPERATIONS: dict[str, Callable[[Journey, pendulum.DateTime], Change[Journey]]] = {
    "ship": lambda journey, at: journey.ship(at),
    "deliver": lambda journey, at: journey.deliver(at),
    "deliver_part": lambda journey, at: journey.deliver(at, {"sofa": 1}, final=False),
    "case": lambda journey, at: journey.link_case(f"c-{len(journey.case_ids)}", at),
    "resolve": _resolve_first,
    "follow_up": lambda journey, at: journey.follow_up(at),
    "interaction": lambda journey, at: journey.link_interaction(
        f"i-{len(journey.interaction_ids)}", at
    ),
}


def _apply(journey: Journey, step: str, at: pendulum.DateTime) -> Journey:
    return _OPERATIONS[step](journey, at).value


@settings(deadline=None, max_examples=50)
@given(journeys())
def test_journeys_round_trip_through_json(journey: Journey) -> None:
    """Any journey custrel can build survives to_dict, JSON and from_dict, phase included."""
    data = json.loads(json.dumps(journey.to_dict()))
    loaded = Journey.from_dict(data)
    assert loaded == journey
    assert loaded.phase is journey.phase
    assert loaded.owner == journey.owner


@settings(deadline=None, max_examples=60)
@given(journeys(), SPANS)
def test_assessments_are_consistent(journey: Journey, offset: dt.timedelta) -> None:
    """Kept means on time and in full; settled delivery promises are decided; rates add up."""
    last = journey.facts[-1].at if journey.facts else journey.sold_at
    now = last + abs(offset)
    for found in assess_journey(journey, now):
        if found.outcome is PromiseOutcome.KEPT and found.promise.kind is PromiseKind.DELIVERY:
            assert (found.on_time, found.in_full) == (True, True)
        if found.settled and found.promise.kind is PromiseKind.DELIVERY:
            assert found.outcome.decided
        if found.outcome.decided:
            assert found.outcome_at is not None
            assert found.outcome_at <= max(now, found.promise.due or now)
        if found.late_by is not None:
            assert found.late_by > dt.timedelta(0)
    rates = rates_by_staff([journey], now)
    assert sum(rate.made for rate in rates.values()) == len(journey.promises)
    order = otif(journey, now).order
    if order is not None:
        assert order.otif == all(
            found.otif for found in assess_journey(journey, now) if found.otif is not None
        )


@settings(deadline=None, max_examples=150)
@given(st.lists(st.integers(0, 3000), max_size=8), st.integers(0, 4000))
def test_activity_follows_the_thresholds(purchase_days: list[int], now_day: int) -> None:
    """Lapsed and churned follow the time since the last purchase; won back needs a lapse.

    Thresholds are exact elapsed time, so the instants are whole 24-hour days from T0 (a
    calendar day across a daylight-saving change is 23 or 25 hours).
    """
    thresholds = ActivityThresholds()
    purchases = [T0 + dt.timedelta(days=day) for day in purchase_days]
    now = T0 + dt.timedelta(days=now_day)
    found = activity(purchases, now, thresholds)
    past = sorted(day for day in purchase_days if day <= now_day)
    if not past:
        assert found.status is ActivityStatus.NO_PURCHASE
        return
    quiet = now_day - past[-1]
    gaps = [later - earlier for earlier, later in itertools.pairwise(past)]
    if quiet >= 365:
        assert found.status is ActivityStatus.CHURNED
    elif quiet >= 120:
        assert found.status is ActivityStatus.LAPSED
    elif found.status is ActivityStatus.WON_BACK:
        assert any(gap >= 120 for gap in gaps)
    else:
        assert found.status is ActivityStatus.ACTIVE
    assert found.purchases == len(past)
