import datetime as dt
import json
import re

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.customers import (
    Channel,
    ConsentRecord,
    ConsentStatus,
    Customer,
    PersonName,
    Purpose,
    SuppressionChange,
    SuppressionReason,
)
from custrel.errors import ValidationError
from custrel.testing import SteppingClock
from custrel.testing.strategies import consent_records, suppression_changes, timezone_names

T0 = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")


def refused(field: str, value: object) -> str:
    """A `match` pattern for a message naming *field* and the repr of *value*."""
    return rf"^{re.escape(field)}: .*\(got {re.escape(repr(value))}\)$"


def kari(**fields: object) -> Customer:
    return Customer.register(
        id="k-1",
        name=PersonName("Kari", "Nordmann"),
        at=T0,
        **fields,  # type: ignore[arg-type]
    )


# A few instants, in assorted zones, so that draws repeat instants and come out of order.
instants = st.builds(
    lambda minutes, zone: T0.add(minutes=minutes).in_timezone(zone),
    st.integers(min_value=0, max_value=5),
    timezone_names(),
)
statements = st.tuples(
    st.sampled_from(Channel), st.sampled_from(Purpose), st.sampled_from(ConsentStatus), instants
)


class TestConsentRecord:
    def test_strings_name_the_members(self) -> None:
        """Channel, purpose and status may be given by value; they are stored as enum members."""
        record = ConsentRecord("sms", "marketing", "opted_in", " checkout form ", T0)
        assert record.channel is Channel.SMS
        assert record.purpose is Purpose.MARKETING
        assert record.status is ConsentStatus.OPTED_IN
        assert record.source == "checkout form"

    @pytest.mark.parametrize(
        ("field", "value", "kind"),
        [
            ("channel", "fax", "Channel"),
            ("channel", "EMAIL", "Channel"),
            ("channel", None, "Channel"),
            ("purpose", "spam", "Purpose"),
            ("status", "maybe", "ConsentStatus"),
        ],
    )
    def test_unknown_members_are_refused_listing_the_allowed_ones(
        self, field: str, value: object, kind: str
    ) -> None:
        """An unknown channel, purpose or status raises naming the field, value and choices."""
        fields: dict[str, object] = {
            "channel": "email",
            "purpose": "marketing",
            "status": "opted_in",
            "source": "form",
            "at": T0,
        }
        fields[field] = value
        with pytest.raises(ValidationError, match=refused(field, value)) as caught:
            ConsentRecord(**fields)  # type: ignore[arg-type]
        assert f"unknown {kind}; expected one of" in str(caught.value)

    def test_unknown_channel_lists_the_channels(self) -> None:
        """The message for a bad channel lists every channel there is."""
        with pytest.raises(ValidationError) as caught:
            ConsentRecord("fax", "marketing", "opted_in", "form", T0)
        for channel in Channel:
            assert repr(channel.value) in str(caught.value)

    @pytest.mark.parametrize("source", ["", "   ", None])
    def test_source_is_required(self, source: object) -> None:
        """Consent without saying where it came from is refused."""
        with pytest.raises(ValidationError, match=refused("source", source)):
            ConsentRecord("email", "marketing", "opted_in", source, T0)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("status", "allows"),
        [
            (ConsentStatus.OPTED_IN, True),
            (ConsentStatus.SUBSCRIBED, True),
            (ConsentStatus.UNSUBSCRIBED, False),
        ],
    )
    def test_allows_contact(self, status: ConsentStatus, allows: bool) -> None:
        """Opted in and subscribed allow contact; unsubscribed does not."""
        assert status.allows_contact is allows

    @given(consent_records())
    def test_round_trip_through_json(self, record: ConsentRecord) -> None:
        """to_dict, JSON and from_dict give back the same record."""
        assert ConsentRecord.from_dict(json.loads(json.dumps(record.to_dict()))) == record


class TestRecordConsent:
    def test_recording_returns_a_new_customer_and_an_event(self) -> None:
        """record_consent leaves the original alone and announces what was recorded."""
        before = kari()
        after, events = before.record_consent(
            "email", "marketing", "opted_in", at=T0.add(hours=1), source="checkout form"
        )
        assert before.consent("email", "marketing") is None
        assert after.consent(Channel.EMAIL, Purpose.MARKETING) is ConsentStatus.OPTED_IN
        record = after.consent_record("email", "marketing")
        assert record is not None
        assert record.source == "checkout form"
        assert record.at == T0.add(hours=1)
        (event,) = events
        assert event.type == "customer.consent_recorded"
        assert event.occurred_at == T0.add(hours=1)
        assert (event.customer_id, event.aggregate_id) == ("k-1", "k-1")
        assert dict(event.payload) == {
            "channel": "email",
            "purpose": "marketing",
            "status": "opted_in",
        }

    def test_consent_is_per_channel_and_purpose(self) -> None:
        """An opt-in for email marketing says nothing about SMS or about service messages."""
        customer = (
            kari().record_consent("email", "marketing", "opted_in", at=T0, source="form").value
        )
        assert customer.consent("email", "marketing") is ConsentStatus.OPTED_IN
        assert customer.consent("sms", "marketing") is None
        assert customer.consent("email", "service") is None
        assert customer.consent_record("sms", "marketing") is None

    def test_unknown_channel_is_refused_on_query_and_record(self) -> None:
        """Asking about or recording an unknown channel raises naming channel and value."""
        with pytest.raises(ValidationError, match=refused("channel", "fax")):
            kari().consent("fax", "marketing")
        with pytest.raises(ValidationError, match=refused("purpose", "sales")):
            kari().consent("email", "sales")
        with pytest.raises(ValidationError, match=refused("channel", "fax")):
            kari().record_consent("fax", "marketing", "opted_in", at=T0, source="form")

    def test_a_statement_recorded_late_does_not_override_a_newer_one(self) -> None:
        """Recording yesterday's opt-in after today's opt-out leaves the customer opted out."""
        customer = kari()
        customer = customer.record_consent(
            "email", "marketing", "unsubscribed", at=T0.add(days=1), source="unsubscribe link"
        ).value
        customer = customer.record_consent(
            "email", "marketing", "opted_in", at=T0, source="paper form, typed in late"
        ).value
        assert customer.consent("email", "marketing") is ConsentStatus.UNSUBSCRIBED
        assert len(customer.consents) == 2

    @given(st.lists(statements, max_size=12))
    def test_latest_statement_wins(
        self, recorded: list[tuple[Channel, Purpose, ConsentStatus, dt.datetime]]
    ) -> None:
        """For each channel and purpose the answer is the latest statement; ties go to the last."""
        customer = kari()
        model: dict[tuple[Channel, Purpose], tuple[float, int, ConsentStatus]] = {}
        for index, (channel, purpose, status, at) in enumerate(recorded):
            customer, events = customer.record_consent(
                channel, purpose, status, at=at, source="test"
            )
            assert len(events) == 1
            latest = model.get((channel, purpose))
            if latest is None or (at.timestamp(), index) >= latest[:2]:
                model[channel, purpose] = (at.timestamp(), index, status)
        assert len(customer.consents) == len(recorded)
        for channel in Channel:
            for purpose in Purpose:
                expected = model.get((channel, purpose))
                assert customer.consent(channel, purpose) == (
                    None if expected is None else expected[2]
                )


class TestSuppressionChange:
    def test_fields(self) -> None:
        """A suppression names its reason, its channel (None: every channel) and when."""
        change = SuppressionChange("hard_bounce", "email", active=True, at=T0, note="bounced")
        assert change.reason is SuppressionReason.HARD_BOUNCE
        assert change.channel is Channel.EMAIL
        assert SuppressionChange("legal_hold", None, active=True, at=T0).channel is None

    @pytest.mark.parametrize(
        ("field", "value"), [("reason", "annoyed"), ("channel", "fax"), ("at", "now")]
    )
    def test_bad_fields_are_refused(self, field: str, value: object) -> None:
        """An unknown reason or channel, or a non-instant, raises naming the field."""
        fields: dict[str, object] = {"reason": "hard_bounce", "channel": None, "at": T0}
        fields[field] = value
        with pytest.raises(ValidationError, match=refused(field, value)):
            SuppressionChange(active=True, **fields)  # type: ignore[arg-type]

    @given(suppression_changes())
    def test_round_trip_through_json(self, change: SuppressionChange) -> None:
        """to_dict, JSON and from_dict give back the same change."""
        assert SuppressionChange.from_dict(json.loads(json.dumps(change.to_dict()))) == change


suppression_ops = st.tuples(
    st.booleans(), st.sampled_from(SuppressionReason), st.none() | st.sampled_from(Channel)
)


class TestSuppression:
    def test_suppress_and_lift(self) -> None:
        """Suppressing forbids the channel, lifting allows it again, and each emits an event."""
        suppressed, events = kari().suppress("hard_bounce", channel="email", at=T0, note="550")
        assert suppressed.is_suppressed("email")
        assert not suppressed.is_suppressed("sms")
        assert suppressed.active_suppressions() == {(SuppressionReason.HARD_BOUNCE, Channel.EMAIL)}
        (event,) = events
        assert event.type == "customer.suppressed"
        assert dict(event.payload) == {"reason": "hard_bounce", "channel": "email"}
        lifted, events = suppressed.lift_suppression(
            "hard_bounce", channel="email", at=T0.add(days=1)
        )
        assert not lifted.is_suppressed("email")
        (event,) = events
        assert event.type == "customer.suppression_lifted"
        assert event.occurred_at == T0.add(days=1)

    def test_a_suppression_without_channel_covers_every_channel(self) -> None:
        """A legal hold for no particular channel forbids every channel."""
        held = kari().suppress(SuppressionReason.LEGAL_HOLD, at=T0).value
        assert all(held.is_suppressed(channel) for channel in Channel)
        assert held.active_suppressions() == {(SuppressionReason.LEGAL_HOLD, None)}

    def test_suppressing_twice_changes_nothing(self) -> None:
        """Suppressing what is already suppressed returns the same customer and no events."""
        suppressed = kari().suppress("spam_complaint", channel="email", at=T0).value
        again = suppressed.suppress("spam_complaint", channel="email", at=T0.add(hours=1))
        assert again.value is suppressed
        assert again.events == ()

    def test_lifting_what_is_not_in_force_changes_nothing(self) -> None:
        """Lifting a suppression that is not in force returns the same customer and no events."""
        customer = kari().suppress("hard_bounce", channel="email", at=T0).value
        for reason, channel in [
            ("hard_bounce", "sms"),
            ("hard_bounce", None),
            ("legal_hold", "email"),
        ]:
            unchanged = customer.lift_suppression(reason, channel=channel, at=T0.add(hours=1))
            assert unchanged.value is customer
            assert unchanged.events == ()

    def test_unknown_reason_and_channel_are_refused(self) -> None:
        """A bad reason or channel raises naming the field and value."""
        with pytest.raises(ValidationError, match=refused("reason", "bored")):
            kari().suppress("bored", at=T0)
        with pytest.raises(ValidationError, match=refused("channel", "fax")):
            kari().suppress("hard_bounce", channel="fax", at=T0)
        with pytest.raises(ValidationError, match=refused("channel", "fax")):
            kari().is_suppressed("fax")

    @given(st.lists(suppression_ops, max_size=15))
    def test_active_set_follows_a_simple_model(
        self, operations: list[tuple[bool, SuppressionReason, Channel | None]]
    ) -> None:
        """Suppress adds (reason, channel) to a set and lift removes it; events only on change."""
        clock = SteppingClock(T0, dt.timedelta(minutes=1))
        customer = kari()
        model: set[tuple[SuppressionReason, Channel | None]] = set()
        for suppress, reason, channel in operations:
            key = (reason, channel)
            changes_model = (key not in model) if suppress else (key in model)
            operation = customer.suppress if suppress else customer.lift_suppression
            customer, events = operation(reason, channel=channel, at=clock.now())
            if suppress:
                model.add(key)
            else:
                model.discard(key)
            assert len(events) == (1 if changes_model else 0)
            assert customer.active_suppressions() == model
        for channel in Channel:
            expected = any(scope in (None, channel) for _, scope in model)
            assert customer.is_suppressed(channel) is expected

    @given(st.lists(suppression_changes(), max_size=8))
    def test_history_applies_in_time_order(self, history: list[SuppressionChange]) -> None:
        """However a history is ordered, changes take effect in time order, ties as recorded."""
        customer = Customer(id="k-1", name=PersonName("Kari"), created_at=T0, suppressions=history)
        model: set[tuple[SuppressionReason, Channel | None]] = set()
        for change in sorted(history, key=lambda change: change.at.timestamp()):
            key = (change.reason, change.channel)
            if change.active:
                model.add(key)
            else:
                model.discard(key)
        assert customer.active_suppressions() == model
