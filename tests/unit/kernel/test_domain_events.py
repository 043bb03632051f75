import datetime as dt
import json
import re
import uuid

import pendulum
import pytest
from hypothesis import given

from custrel.errors import ValidationError
from custrel.events import Change, DomainEvent
from custrel.testing.strategies import aware_datetimes, domain_events

T0 = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")


def refused(field: str, value: object) -> str:
    """A `match` pattern for a message naming *field* and the repr of *value*."""
    return rf"^{re.escape(field)}: .*\(got {re.escape(repr(value))}\)$"


def event(**fields: object) -> DomainEvent:
    values: dict[str, object] = {
        "type": "customer.registered",
        "occurred_at": T0,
        "customer_id": "k-1",
        "aggregate_id": "k-1",
    }
    values.update(fields)
    return DomainEvent(**values)  # type: ignore[arg-type]


class TestDomainEvent:
    def test_fields_are_kept(self) -> None:
        """An event holds what it was given, with the instant as a pendulum DateTime."""
        made = event(aggregate_id="case-9", payload={"status": "open"})
        assert made.type == "customer.registered"
        assert isinstance(made.occurred_at, pendulum.DateTime)
        assert made.occurred_at == T0
        assert made.customer_id == "k-1"
        assert made.aggregate_id == "case-9"
        assert dict(made.payload) == {"status": "open"}

    def test_event_id_defaults_to_a_fresh_uuid(self) -> None:
        """Each event gets its own UUID4 id unless one is given."""
        first, second = event(), event()
        assert uuid.UUID(first.event_id).version == 4
        assert first.event_id != second.event_id
        assert event(event_id="e-1").event_id == "e-1"

    def test_payload_defaults_to_empty(self) -> None:
        """An event without a payload has an empty one."""
        assert dict(event().payload) == {}

    def test_payload_is_a_read_only_copy(self) -> None:
        """Changing the dict passed in does not change the event, and the payload is read-only."""
        details = {"tags": ["vip"]}
        made = event(payload=details)
        details["tags"].append("late")
        details["extra"] = 1  # type: ignore[assignment]
        assert dict(made.payload) == {"tags": ["vip"]}
        with pytest.raises(TypeError):
            made.payload["tags"] = []  # type: ignore[index]

    def test_tuples_in_the_payload_become_lists(self) -> None:
        """Tuples are stored as the lists JSON reads back."""
        assert event(payload={"ids": ("a", "b")}).payload["ids"] == ["a", "b"]

    def test_events_are_hashable_values(self) -> None:
        """Events with the same fields are equal and hash alike, payload and all."""
        first = event(payload={"a": [1]}, event_id="e-1")
        second = event(payload={"a": [1]}, event_id="e-1")
        assert first == second
        assert hash(first) == hash(second)
        assert first != event(payload={"a": [2]}, event_id="e-1")

    @pytest.mark.parametrize("value", ["", "customer registered", None, 7])
    def test_bad_type_names_are_refused(self, value: object) -> None:
        """The type must be a dotted name without spaces."""
        with pytest.raises(ValidationError, match=refused("type", value)):
            event(type=value)

    @pytest.mark.parametrize("field", ["customer_id", "aggregate_id", "event_id"])
    @pytest.mark.parametrize("value", ["", " k-1", None])
    def test_bad_ids_are_refused_naming_the_field(self, field: str, value: object) -> None:
        """Each id field is checked and named in the message."""
        with pytest.raises(ValidationError, match=refused(field, value)):
            event(**{field: value})

    def test_naive_occurred_at_is_refused(self) -> None:
        """A naive datetime raises ValidationError naming occurred_at."""
        naive = dt.datetime(2026, 11, 23, 9, 0)  # noqa: DTZ001 - the point of the test
        with pytest.raises(ValidationError, match=refused("occurred_at", naive)) as caught:
            event(occurred_at=naive)
        assert "naive" in str(caught.value)

    @pytest.mark.parametrize("value", ["2026-11-23T09:00:00+01:00", dt.date(2026, 11, 23), None])
    def test_non_datetime_occurred_at_is_refused(self, value: object) -> None:
        """Strings, dates and None are not instants."""
        with pytest.raises(ValidationError, match=refused("occurred_at", value)):
            event(occurred_at=value)

    def test_payload_must_be_a_mapping(self) -> None:
        """A list is not a payload."""
        with pytest.raises(ValidationError, match=refused("payload", ["a"])):
            event(payload=["a"])

    @pytest.mark.parametrize(
        ("payload", "field", "value"),
        [
            ({"when": T0}, "payload.when", T0),
            ({"tags": {"vip"}}, "payload.tags", {"vip"}),
            ({"items": [1, b"x"]}, "payload.items[1]", b"x"),
            ({"outer": {"inner": [{"deep": object}]}}, "payload.outer.inner[0].deep", object),
            ({"ratio": float("nan")}, "payload.ratio", float("nan")),
            ({"ratio": float("inf")}, "payload.ratio", float("inf")),
        ],
    )
    def test_values_that_json_cannot_carry_are_refused_with_their_path(
        self, payload: dict[str, object], field: str, value: object
    ) -> None:
        """Datetimes, sets, bytes, classes, NaN and infinity are refused, naming where they sit."""
        with pytest.raises(ValidationError, match=refused(field, value)):
            event(payload=payload)

    @pytest.mark.parametrize(
        ("payload", "field"), [({1: "a"}, "payload"), ({"outer": {None: 1}}, "payload.outer")]
    )
    def test_non_string_keys_are_refused(self, payload: dict[object, object], field: str) -> None:
        """JSON object keys must be strings, at any depth."""
        key = next(iter(payload)) if field == "payload" else None
        with pytest.raises(ValidationError, match=refused(field, key)):
            event(payload=payload)


class TestEventSerialisation:
    @given(domain_events())
    def test_round_trip_through_json(self, original: DomainEvent) -> None:
        """to_dict, json.dumps, json.loads and from_dict give back an equal event."""
        text = json.dumps(original.to_dict())
        restored = DomainEvent.from_dict(json.loads(text))
        assert restored == original
        assert restored.event_id == original.event_id
        assert restored.occurred_at.timestamp() == original.occurred_at.timestamp()
        assert restored.payload == original.payload

    @given(aware_datetimes())
    def test_occurred_at_is_written_in_utc_with_microseconds(self, at: dt.datetime) -> None:
        """The instant is written as ISO 8601 in UTC with six decimals, naming the same instant."""
        written = event(occurred_at=at).to_dict()["occurred_at"]
        assert ISO_UTC.match(written)
        assert dt.datetime.fromisoformat(written) == at.astimezone(dt.timezone.utc)

    @given(aware_datetimes(), aware_datetimes())
    def test_text_order_is_time_order(self, first: dt.datetime, second: dt.datetime) -> None:
        """Written instants sort as text in the same order as in time."""
        a = event(occurred_at=first).to_dict()["occurred_at"]
        b = event(occurred_at=second).to_dict()["occurred_at"]
        assert (a < b) == (first.timestamp() < second.timestamp())

    def test_instants_before_year_1000_round_trip(self) -> None:
        """A four-digit year is written even for early years, so parsing and sorting still work."""
        early = dt.datetime(999, 12, 31, 23, 0, tzinfo=dt.timezone.utc)
        data = event(occurred_at=early).to_dict()
        assert data["occurred_at"] == "0999-12-31T23:00:00.000000+00:00"
        assert DomainEvent.from_dict(data).occurred_at == early

    def test_to_dict_has_exactly_the_documented_keys(self) -> None:
        """The dict holds id, type, instant, customer, aggregate and payload."""
        data = event(payload={"a": (1, 2)}, event_id="e-1").to_dict()
        assert data == {
            "event_id": "e-1",
            "type": "customer.registered",
            "occurred_at": "2026-11-23T08:00:00.000000+00:00",
            "customer_id": "k-1",
            "aggregate_id": "k-1",
            "payload": {"a": [1, 2]},
        }

    def test_missing_payload_reads_as_empty(self) -> None:
        """A dict without a payload key gives an event with an empty payload."""
        data = event().to_dict()
        del data["payload"]
        assert dict(DomainEvent.from_dict(data).payload) == {}

    @pytest.mark.parametrize("missing", ["event_id", "type", "occurred_at", "customer_id"])
    def test_missing_fields_are_named(self, missing: str) -> None:
        """from_dict lists the fields that are missing."""
        data = event().to_dict()
        del data[missing]
        with pytest.raises(ValidationError, match=rf"^event: missing fields \['{missing}'\]$"):
            DomainEvent.from_dict(data)

    @pytest.mark.parametrize("data", [None, "{}", [("type", "x")]])
    def test_non_mappings_are_refused(self, data: object) -> None:
        """Only a mapping can be read back as an event."""
        with pytest.raises(ValidationError, match=refused("event", data)):
            DomainEvent.from_dict(data)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("text", "problem"),
        [
            ("yesterday", "not an ISO 8601 instant"),
            ("2026-11-23T09:00:00", "naive datetime"),
            ("2026-11-23", "naive datetime"),
            (1_700_000_000, "expected an ISO 8601 string"),
        ],
    )
    def test_malformed_instants_are_refused(self, text: object, problem: str) -> None:
        """Unparseable, offset-less and non-string instants raise naming occurred_at."""
        data = event().to_dict()
        data["occurred_at"] = text
        with pytest.raises(ValidationError, match=rf"^occurred_at: {problem}") as caught:
            DomainEvent.from_dict(data)
        assert "occurred_at" in str(caught.value)

    def test_payload_null_is_refused(self) -> None:
        """A payload of null is not silently turned into an empty one."""
        data = event().to_dict()
        data["payload"] = None
        with pytest.raises(ValidationError, match=refused("payload", None)):
            DomainEvent.from_dict(data)


class TestChange:
    def test_unpacks_into_value_and_events(self) -> None:
        """`value, events = change` gives the new value and the events, in that order."""
        happened = event()
        value, events = Change("new", (happened,))
        assert value == "new"
        assert events == (happened,)

    def test_events_default_to_empty(self) -> None:
        """A change without events carries an empty tuple."""
        change = Change(42)
        assert change.value == 42
        assert change.events == ()
        assert list(change) == [42, ()]

    def test_changes_are_values(self) -> None:
        """Two changes with equal parts are equal."""
        happened = event(event_id="e-1")
        assert Change("x", (happened,)) == Change("x", (happened,))
        assert Change("x") != Change("y")
