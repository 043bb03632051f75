import datetime as dt
import json
from typing import Any

import pendulum
import pytest
from hypothesis import given, settings

from custrel.errors import DuplicateError, ValidationError
from custrel.interactions import (
    DEFAULT_CLOCK_SKEW,
    ERASED_TEXT,
    MAX_NOTE_LENGTH,
    Channel,
    Direction,
    Interaction,
    InteractionKind,
    Logged,
    Opportunity,
    Outcome,
)
from custrel.money import Money
from custrel.testing.strategies import interactions

T0 = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")


def contact(**fields: Any) -> Interaction:
    values: dict[str, Any] = {
        "external_id": "m-1",
        "customer_id": "k-1",
        "at": T0,
        "channel": "email",
        "direction": "inbound",
        "kind": "inquiry",
    }
    return Interaction(**(values | fields))


class TestFields:
    def test_strings_become_members(self) -> None:
        """Channel, direction, kind and outcome accept their string values."""
        call = contact(channel="phone", direction="outbound", kind="follow_up", outcome="sale")
        assert call.channel is Channel.PHONE
        assert call.direction is Direction.OUTBOUND
        assert call.kind is InteractionKind.FOLLOW_UP
        assert call.outcome is Outcome.SALE

    def test_every_listed_channel_and_kind_is_accepted(self) -> None:
        """The channels and kinds of the contact log are exactly the documented ones."""
        assert {channel.value for channel in Channel} == {
            "email", "phone", "chat", "store", "web", "sms", "social", "letter",
        }  # fmt: skip
        assert {kind.value for kind in InteractionKind} == {
            "purchase", "complaint", "return", "inquiry", "support", "follow_up",
            "marketing", "feedback", "referral", "sales_contact",
        }  # fmt: skip

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("channel", "fax"),
            ("channel", None),
            ("direction", "sideways"),
            ("kind", "gossip"),
            ("kind", "follow-up"),
            ("outcome", "maybe"),
        ],
    )
    def test_unknown_vocabulary_is_refused_naming_the_choices(
        self, field: str, value: object
    ) -> None:
        """An unknown channel, direction, kind or outcome names the field and allowed values."""
        with pytest.raises(ValidationError, match=rf"^{field}: unknown .*expected one of") as error:
            contact(**{field: value})
        assert error.value.field == field
        assert error.value.value == value

    @pytest.mark.parametrize("sentiment", [-3, 3, 1.0, True, "1"])
    def test_sentiment_outside_minus_two_to_two_is_refused(self, sentiment: object) -> None:
        """Sentiment is an int from -2 to +2; anything else is refused."""
        with pytest.raises(ValidationError, match=r"^sentiment: expected an int from -2 to 2"):
            contact(sentiment=sentiment)

    @pytest.mark.parametrize("sentiment", [-2, -1, 0, 1, 2, None])
    def test_sentiment_in_range_or_none_is_kept(self, sentiment: int | None) -> None:
        """Every sentiment from -2 to +2, and no sentiment, are accepted."""
        assert contact(sentiment=sentiment).sentiment == sentiment

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("csat", 0, "csat: expected an int from 1 to 5"),
            ("csat", 6, "csat: expected an int from 1 to 5"),
            ("nps", -1, "nps: expected an int from 0 to 10"),
            ("nps", 11, "nps: expected an int from 0 to 10"),
            ("nps", False, "nps: expected an int from 0 to 10"),
        ],
    )
    def test_scores_out_of_range_are_refused(self, field: str, value: int, message: str) -> None:
        """CSAT is 1-5 and NPS 0-10."""
        with pytest.raises(ValidationError, match=message):
            contact(kind="feedback", **{field: value})

    def test_feedback_carries_scores(self) -> None:
        """A feedback contact may carry a CSAT and an NPS score."""
        survey = contact(kind="feedback", csat=5, nps=10)
        assert (survey.csat, survey.nps) == (5, 10)

    @pytest.mark.parametrize("field", ["csat", "nps"])
    def test_scores_only_on_feedback(self, field: str) -> None:
        """A score on anything but feedback is refused, naming the kind."""
        with pytest.raises(ValidationError, match=rf"^{field}: only feedback .*'complaint'"):
            contact(kind="complaint", **{field: 3})

    def test_naive_instant_is_refused(self) -> None:
        """A naive datetime is refused for ``at``."""
        with pytest.raises(ValidationError, match=r"^at: naive datetime"):
            contact(at=dt.datetime(2026, 11, 23, 9))  # noqa: DTZ001 - the point of the test

    @pytest.mark.parametrize(
        "field", ["external_id", "customer_id", "staff", "order_id", "journey_id", "case_id"]
    )
    def test_malformed_ids_are_refused(self, field: str) -> None:
        """Ids are non-empty strings without surrounding spaces."""
        with pytest.raises(ValidationError, match=rf"^{field}: expected a non-empty string"):
            contact(**{field: " x"})

    @pytest.mark.parametrize("field", ["notes", "outcome_note"])
    def test_free_text_must_be_a_string_of_bounded_length(self, field: str) -> None:
        """Notes are strings of at most MAX_NOTE_LENGTH characters."""
        assert getattr(contact(**{field: "å" * MAX_NOTE_LENGTH}), field) == "å" * MAX_NOTE_LENGTH
        with pytest.raises(ValidationError, match=rf"^{field}: longer than"):
            contact(**{field: "x" * (MAX_NOTE_LENGTH + 1)})
        with pytest.raises(ValidationError, match=rf"^{field}: expected a string"):
            contact(**{field: None})

    def test_opportunity_must_be_an_opportunity(self) -> None:
        """The opportunity field takes an Opportunity or None."""
        with pytest.raises(ValidationError, match=r"^opportunity: expected an Opportunity"):
            contact(opportunity="ski")

    def test_version_must_be_a_non_negative_int(self) -> None:
        """The storage version is a non-negative int and not part of equality."""
        with pytest.raises(ValidationError, match=r"^version"):
            contact(version=-1)
        assert contact(version=3) == contact(version=1)


class TestOpportunity:
    def test_fields(self) -> None:
        """An opportunity says what, its estimated value and who follows it up."""
        deal = Opportunity("vinterdekk", Money("4999", "NOK"), "ola")
        assert (deal.what, deal.value, deal.staff) == ("vinterdekk", Money(4999, "NOK"), "ola")

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"what": "  "}, "^what: say what could be sold"),
            ({"what": 3}, "^what: expected a string"),
            ({"what": "ski", "value": 100}, "^value: expected Money"),
            ({"what": "ski", "staff": ""}, "^staff: expected a non-empty string"),
        ],
    )
    def test_bad_opportunities_are_refused(self, fields: dict[str, Any], message: str) -> None:
        """An opportunity needs a description; the value is Money; staff is an id."""
        with pytest.raises(ValidationError, match=message):
            Opportunity(**fields)

    def test_round_trip(self) -> None:
        """An opportunity survives to_dict and from_dict."""
        deal = Opportunity("ski", Money("10.05", "EUR"), "ola")
        assert Opportunity.from_dict(json.loads(json.dumps(deal.to_dict()))) == deal
        assert Opportunity.from_dict(Opportunity("ski").to_dict()) == Opportunity("ski")


class TestDerived:
    @pytest.mark.parametrize(
        ("fields", "negative"),
        [
            ({"kind": "complaint"}, True),
            ({"kind": "complaint", "direction": "outbound"}, False),
            ({"kind": "complaint", "sentiment": 1}, False),
            ({"kind": "complaint", "sentiment": 0}, False),
            ({"sentiment": -1}, True),
            ({"sentiment": -2, "direction": "outbound"}, True),
            ({"sentiment": 0}, False),
            ({}, False),
            ({"kind": "return"}, False),
        ],
    )
    def test_negative_means_negative_sentiment_or_an_unjudged_complaint(
        self, fields: dict[str, Any], negative: bool
    ) -> None:
        """A recorded sentiment below zero is negative; unjudged, an inbound complaint is."""
        assert contact(**fields).is_negative is negative

    def test_live_channels(self) -> None:
        """Phone, chat and store are live; messages on the others wait for a reply."""
        assert {channel for channel in Channel if channel.is_live} == {
            Channel.PHONE,
            Channel.CHAT,
            Channel.STORE,
        }


class TestIdempotency:
    def test_differences_name_every_differing_content_field(self) -> None:
        """differences() lists the differing fields in field order, ignoring the version."""
        first = contact(notes="a", sentiment=1)
        second = contact(notes="b", sentiment=1, channel="sms", version=4)
        assert first.differences(second) == ("channel", "notes")
        assert first.differences(contact(notes="a", sentiment=1, version=9)) == ()

    def test_the_same_instant_in_another_zone_is_the_same_content(self) -> None:
        """Instants compare as instants, even in a DST fold where Python's == says otherwise."""
        fold = pendulum.datetime(2026, 10, 25, 2, 30, tz="Europe/Oslo")
        first = contact(at=fold)
        assert first.differences(contact(at=fold.in_timezone("UTC"))) == ()
        assert first == contact(at=fold.in_timezone("Asia/Tokyo"))

    def test_replay_with_equal_content_returns_the_stored_one(self) -> None:
        """Logged.replay gives the stored interaction, not created."""
        stored = contact(version=1)
        assert Logged.replay(stored, contact()) == Logged(stored, created=False)

    def test_replay_with_other_content_names_the_fields(self) -> None:
        """A differing replay raises DuplicateError naming the id and the fields."""
        with pytest.raises(
            DuplicateError,
            match=r"^interaction 'm-1' was already logged with different content: "
            r"kind, sentiment differ$",
        ):
            Logged.replay(contact(), contact(kind="complaint", sentiment=-2))


class TestClockSkew:
    def test_up_to_the_skew_in_the_future_is_accepted(self) -> None:
        """An interaction dated at most clock_skew after now passes."""
        contact(at=T0.add(minutes=5)).check_logged(T0, clock_skew=DEFAULT_CLOCK_SKEW)
        contact(at=T0.subtract(years=3)).check_logged(T0, clock_skew=DEFAULT_CLOCK_SKEW)

    def test_beyond_the_skew_is_refused(self) -> None:
        """One microsecond past now + skew is refused, naming the field and the instant."""
        late = contact(at=T0.add(minutes=5, microseconds=1))
        with pytest.raises(ValidationError, match=r"^at: dated in the future.*0:05:00") as error:
            late.check_logged(T0, clock_skew=DEFAULT_CLOCK_SKEW)
        assert error.value.value == "2026-11-23T08:05:00.000001+00:00"

    def test_the_default_skew_is_five_minutes(self) -> None:
        """DEFAULT_CLOCK_SKEW is five minutes."""
        assert dt.timedelta(minutes=5) == DEFAULT_CLOCK_SKEW

    def test_zero_skew_allows_now_but_not_later(self) -> None:
        """With no skew, now is fine and a moment later is not."""
        contact(at=T0).check_logged(T0, clock_skew=dt.timedelta(0))
        with pytest.raises(ValidationError):
            contact(at=T0.add(seconds=1)).check_logged(T0, clock_skew=dt.timedelta(0))


class TestOperations:
    def test_registering_an_opportunity_returns_a_new_value_and_event(self) -> None:
        """register_opportunity attaches it and announces it without free text."""
        original = contact()
        deal = Opportunity("ski", Money(5000, "NOK"), "ola")
        changed, events = original.register_opportunity(deal, at=T0.add(hours=1))
        assert original.opportunity is None
        assert changed.opportunity == deal
        (event,) = events
        assert event.type == "interaction.opportunity_registered"
        assert event.aggregate_id == "m-1"
        assert event.customer_id == "k-1"
        assert event.occurred_at == T0.add(hours=1)
        assert "ski" not in json.dumps(event.to_dict())

    def test_registering_the_same_opportunity_again_changes_nothing(self) -> None:
        """A retried registration returns the interaction unchanged, without events."""
        deal = Opportunity("ski")
        changed = contact(opportunity=deal)
        assert changed.register_opportunity(Opportunity("ski"), at=T0).events == ()

    def test_registering_another_opportunity_is_refused(self) -> None:
        """A contact carries one opportunity; another names the differing fields."""
        changed = contact(opportunity=Opportunity("ski", staff="ola"))
        with pytest.raises(DuplicateError, match="already has an opportunity; what differ"):
            changed.register_opportunity(Opportunity("sko", staff="ola"), at=T0)

    def test_registering_needs_an_opportunity(self) -> None:
        """Anything but an Opportunity is refused."""
        with pytest.raises(ValidationError, match=r"^opportunity"):
            contact().register_opportunity(None, at=T0)  # type: ignore[arg-type]

    def test_logged_event_has_the_facts_and_no_free_text(self) -> None:
        """interaction.logged carries channel, kind, outcome and links, never notes."""
        logged = contact(
            notes="Kari's address is Storgata 1",
            outcome="escalated",
            outcome_note="angry about Storgata",
            case_id="c-1",
            sentiment=-2,
        )
        event = logged.logged_event()
        assert event.type == "interaction.logged"
        assert event.occurred_at == T0
        assert event.payload["kind"] == "inquiry"
        assert event.payload["outcome"] == "escalated"
        assert event.payload["case_id"] == "c-1"
        assert event.payload["sentiment"] == -2
        assert "Storgata" not in json.dumps(event.to_dict())

    def test_erased_pseudonymises_free_text_and_keeps_facts(self) -> None:
        """Erasure replaces notes, outcome note and what an opportunity was about."""
        original = contact(
            notes="Kari Nordmann, Storgata 1",
            outcome_note="call Kari back",
            opportunity=Opportunity("sofa for Kari's cabin", Money(9000, "NOK"), "ola"),
            sentiment=-1,
        )
        erased = original.erased()
        assert (erased.notes, erased.outcome_note) == (ERASED_TEXT, ERASED_TEXT)
        assert erased.opportunity == Opportunity(ERASED_TEXT, Money(9000, "NOK"), "ola")
        assert "Kari" not in json.dumps(erased.to_dict())
        assert erased.differences(original) == ("outcome_note", "notes", "opportunity")
        assert contact().erased() == contact()


class TestSerialisation:
    @settings(deadline=None, max_examples=60)
    @given(interactions())
    def test_round_trip_through_json(self, interaction: Interaction) -> None:
        """to_dict survives JSON and from_dict rebuilds an equal interaction."""
        rebuilt = Interaction.from_dict(json.loads(json.dumps(interaction.to_dict())))
        assert rebuilt == interaction
        assert rebuilt.differences(interaction) == ()

    def test_from_dict_refuses_missing_fields(self) -> None:
        """A dict without the required fields is refused, naming them."""
        with pytest.raises(ValidationError, match=r"missing fields \['channel', 'kind'\]"):
            Interaction.from_dict(
                {"external_id": "m", "customer_id": "k", "at": "x", "direction": "inbound"}
            )
        with pytest.raises(ValidationError, match="expected a dict"):
            Interaction.from_dict([])  # type: ignore[arg-type]
