import json

import pendulum
import pytest

from custrel.cases import (
    Case,
    CaseEvent,
    CaseEventType,
    CaseKind,
    CaseStatus,
    Priority,
    Voucher,
)
from custrel.errors import InvalidTransitionError, ValidationError
from custrel.money import Money

T0 = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")
T1 = T0.add(minutes=10)

OPENED = CaseEvent(
    type=CaseEventType.OPENED,
    at=T0,
    status=CaseStatus.NEW,
    kind=CaseKind.SUPPORT,
    priority=Priority.LOW,
)


def case_with(*events: CaseEvent) -> Case:
    return Case(id="c-1", customer_id="k-1", history=(OPENED, *events))


class TestRoundTrip:
    def test_to_dict_and_back_keeps_everything(self) -> None:
        """A case with every kind of detail survives to_dict, JSON and from_dict unchanged."""
        case = (
            Case.open(
                id="c-1",
                customer_id="k-1",
                kind="complaint",
                priority="high",
                at=T0,
                channel="store",
                order_id="o-ø",
                subject="Æ, ø og å",
            )
            .assign("ada", T1, reason="dedicated owner")
            .agent_reply(T1, agent="ada")
            .resolve(T1, apology=True, compensation=Voucher("V-1", Money("0.001", "KWD")))
            .record_escalation("warn-75", T1)
        )
        data = json.loads(json.dumps(case.to_dict()))
        loaded = Case.from_dict(data)
        assert loaded == case
        assert loaded.to_dict() == case.to_dict()
        assert data["status"] == "resolved"
        assert data["assignee"] == "ada"
        assert data["history"][3]["compensation"] == {
            "voucher": {"code": "V-1", "value": {"amount": "0.001", "currency": "KWD"}}
        }

    def test_events_write_only_the_fields_they_use(self) -> None:
        """An agent reply is stored as type, instant, status and actor only."""
        event = case_with().agent_reply(T1, agent="ada").history[-1]
        assert event.to_dict() == {
            "type": "agent_replied",
            "at": "2026-11-23T08:10:00.000000+00:00",
            "status": "open",
            "actor": "ada",
        }

    def test_money_compensation_round_trips_exactly(self) -> None:
        """Money goodwill keeps its exact decimal through to_dict and from_dict."""
        resolved = case_with().resolve(T1, compensation=Money("199.90", "NOK"))
        loaded = Case.from_dict(json.loads(json.dumps(resolved.to_dict())))
        assert str(loaded.compensation) == "199.90 NOK"

    @pytest.mark.parametrize(
        ("data", "pattern"),
        [
            ([], "case: expected a dict"),
            ({"id": "c-1", "customer_id": "k-1"}, "history: expected a list of events"),
            ({"id": "c-1", "customer_id": "k-1", "history": []}, "history: a case's history"),
            ({"id": "c-1", "customer_id": "k-1", "history": ["x"]}, "event: expected a dict"),
        ],
    )
    def test_malformed_dicts_are_refused(self, data: object, pattern: str) -> None:
        """from_dict raises ValidationError on data that is not a stored case."""
        with pytest.raises(ValidationError, match=pattern):
            Case.from_dict(data)  # type: ignore[arg-type]

    def test_unknown_event_fields_are_refused(self) -> None:
        """An event dict with a field custrel never writes is refused, naming it."""
        data = OPENED.to_dict() | {"mood": "angry"}
        with pytest.raises(ValidationError, match=r"unknown fields \['mood'\]"):
            CaseEvent.from_dict(data)

    @pytest.mark.parametrize(
        "compensation",
        [{"money": {"amount": "1"}}, {"cash": 1}, {"money": "1 NOK"}, "gift"],
    )
    def test_malformed_compensations_are_refused(self, compensation: object) -> None:
        """A stored compensation must be {'money': ...} or {'voucher': ...}."""
        data = {"type": "resolved", "at": "2026-11-23T08:10:00+00:00", "status": "resolved"}
        with pytest.raises(ValidationError):
            CaseEvent.from_dict(data | {"compensation": compensation})

    def test_an_explicit_null_compensation_reads_as_none(self) -> None:
        """A stored ``"compensation": null`` is no compensation."""
        data = {"type": "resolved", "at": "2026-11-23T08:10:00+00:00", "status": "resolved"}
        assert CaseEvent.from_dict(data | {"compensation": None}).compensation is None

    def test_a_malformed_voucher_dict_is_refused(self) -> None:
        """A voucher dict without a value is refused."""
        with pytest.raises(ValidationError, match="voucher"):
            Voucher.from_dict({"code": "X"})


class TestHistoryValidation:
    def test_the_history_must_start_with_opened(self) -> None:
        """A history that does not start with OPENED leaving the case NEW is refused."""
        reply = CaseEvent(type=CaseEventType.AGENT_REPLIED, at=T0, status=CaseStatus.OPEN)
        with pytest.raises(ValidationError, match="starts with an 'opened' event"):
            Case(id="c-1", customer_id="k-1", history=(reply,))
        with pytest.raises(ValidationError, match="starts with an 'opened' event"):
            Case(id="c-1", customer_id="k-1", history=())

    def test_opened_only_once(self) -> None:
        """A second OPENED event is refused."""
        with pytest.raises(ValidationError, match="'opened' comes first, once"):
            case_with(OPENED)

    def test_an_event_status_must_match_its_type(self) -> None:
        """A stored event claiming a status its type cannot lead to is refused."""
        wrong = CaseEvent(type=CaseEventType.AGENT_REPLIED, at=T1, status=CaseStatus.ON_HOLD)
        with pytest.raises(ValidationError, match=r"history\[1\]: .* leaves it open, not on_hold"):
            case_with(wrong)

    def test_a_status_change_to_resolved_must_be_a_resolved_event(self) -> None:
        """RESOLVED and CLOSED are reached by their own events, never by STATUS_CHANGED."""
        wrong = CaseEvent(type=CaseEventType.STATUS_CHANGED, at=T1, status=CaseStatus.RESOLVED)
        with pytest.raises(ValidationError, match="recorded as a resolved event"):
            case_with(wrong)

    def test_transitions_in_a_history_follow_the_table(self) -> None:
        """A stored status change the table does not allow is refused."""
        wrong = CaseEvent(type=CaseEventType.STATUS_CHANGED, at=T1, status=CaseStatus.NEW)
        with pytest.raises(InvalidTransitionError, match="cannot go from new to new"):
            case_with(wrong)

    def test_events_out_of_time_order_are_refused(self) -> None:
        """A stored event before its predecessor is refused."""
        early = CaseEvent(
            type=CaseEventType.AGENT_REPLIED, at=T0.subtract(seconds=1), status=CaseStatus.OPEN
        )
        with pytest.raises(ValidationError, match="before the case was opened"):
            case_with(early)

    @pytest.mark.parametrize(
        "event",
        [
            CaseEvent(type=CaseEventType.ASSIGNED, at=T1, status=CaseStatus.NEW),
            CaseEvent(
                type=CaseEventType.PRIORITY_CHANGED,
                at=T1,
                status=CaseStatus.NEW,
                priority=Priority.LOW,
            ),
            CaseEvent(
                type=CaseEventType.KIND_CHANGED,
                at=T1,
                status=CaseStatus.NEW,
                kind=CaseKind.SUPPORT,
            ),
        ],
    )
    def test_events_that_change_nothing_are_refused(self, event: CaseEvent) -> None:
        """Histories hold no no-op assignments or changes to the same priority or kind."""
        with pytest.raises(ValidationError, match="must change something"):
            case_with(event)

    def test_an_escalation_key_fires_once_in_a_history(self) -> None:
        """A stored history firing one escalation step twice is refused."""
        fired = CaseEvent(
            type=CaseEventType.ESCALATED, at=T1, status=CaseStatus.NEW, escalation="breach"
        )
        with pytest.raises(ValidationError, match="'breach' already fired"):
            case_with(fired, fired)

    @pytest.mark.parametrize(
        ("fields", "pattern"),
        [
            ({"type": "opened", "status": "new"}, "priority: required on opened events"),
            ({"type": "escalated", "status": "new"}, "escalation: required on escalated"),
            (
                {"type": "agent_replied", "status": "open", "priority": "low"},
                "priority: not recorded on agent_replied events",
            ),
            (
                {"type": "closed", "status": "closed", "apology": True},
                "apology: not recorded on closed events",
            ),
            ({"type": "resolved", "status": "resolved", "apology": "yes"}, "apology: expected"),
            ({"type": "shouted", "status": "new"}, "type: unknown CaseEventType"),
            ({"type": "opened", "status": "pending"}, "status: unknown CaseStatus"),
        ],
    )
    def test_events_are_validated_when_built(self, fields: dict[str, object], pattern: str) -> None:
        """An event with a missing, misplaced or malformed field raises ValidationError."""
        with pytest.raises(ValidationError, match=pattern):
            CaseEvent(at=T0, **fields)

    def test_history_must_be_a_sequence_of_events(self) -> None:
        """Anything but a tuple or list of CaseEvent is refused as a history."""
        with pytest.raises(ValidationError, match="history: expected a tuple of CaseEvent"):
            Case(id="c-1", customer_id="k-1", history=[OPENED.to_dict()])

    @pytest.mark.parametrize("version", [-1, True, "1"])
    def test_version_must_be_a_non_negative_int(self, version: object) -> None:
        """The storage version is a non-negative int."""
        with pytest.raises(ValidationError, match="version"):
            Case(id="c-1", customer_id="k-1", history=(OPENED,), version=version)
