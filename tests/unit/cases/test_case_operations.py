import itertools
import re

import pendulum
import pytest

from custrel.cases import (
    MAX_SUBJECT,
    TRANSITIONS,
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
T2 = T0.add(hours=1)
T3 = T0.add(hours=2)


def refused(field: str, value: object) -> str:
    """A `match` pattern for a message naming *field* and the repr of *value*."""
    return rf"^{re.escape(field)}: .*\(got {re.escape(repr(value))}\)$"


def opened(**fields: object) -> Case:
    values: dict[str, object] = {
        "id": "c-1",
        "customer_id": "k-1",
        "kind": CaseKind.COMPLAINT,
        "priority": Priority.HIGH,
        "at": T0,
    }
    values.update(fields)
    return Case.open(**values)  # type: ignore[arg-type]


def in_status(status: CaseStatus) -> Case:
    """A case brought to *status* by the ordinary operations, last event at T1."""
    case = opened()
    if status is CaseStatus.NEW:
        return case.assign("ada", T1)
    if status is CaseStatus.CLOSED:
        return case.resolve(T1).close(T1)
    return case.set_status(status, T1)


def types(case: Case) -> list[str]:
    return [event.type.value for event in case.history]


class TestOpen:
    def test_open_records_one_event_and_derives_the_fields(self) -> None:
        """A new case is NEW with one OPENED event carrying kind, priority, channel and order."""
        case = opened(channel=" Email ", order_id="o-17", subject=" Broken cup ", actor="ada")
        assert types(case) == ["opened"]
        assert case.status is CaseStatus.NEW
        assert (case.kind, case.priority) == (CaseKind.COMPLAINT, Priority.HIGH)
        assert (case.channel, case.order_id, case.subject) == ("email", "o-17", "Broken cup")
        assert case.opened_at == T0
        assert case.updated_at == T0
        assert case.assignee is None
        assert case.is_open
        assert case.resolved_at is None
        assert case.closed_at is None
        assert case.resolution is None
        assert case.fired_escalations == frozenset()
        assert case.history[0].actor == "ada"
        assert case.version == 0

    def test_kind_and_priority_accept_their_values(self) -> None:
        """Kind and priority can be given as their string values."""
        case = opened(kind="warranty", priority="urgent")
        assert (case.kind, case.priority) == (CaseKind.WARRANTY, Priority.URGENT)

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("id", ""),
            ("id", " c-1"),
            ("customer_id", None),
            ("kind", "grievance"),
            ("priority", "critical"),
            ("channel", ""),
            ("channel", "x" * 51),
            ("order_id", ""),
            ("subject", 42),
            ("subject", "x" * (MAX_SUBJECT + 1)),
            ("actor", " ada"),
        ],
    )
    def test_malformed_fields_are_refused_by_name(self, field: str, value: object) -> None:
        """Each malformed field raises ValidationError naming the field and the value."""
        with pytest.raises(ValidationError, match=refused(field, value)):
            opened(**{field: value})

    def test_naive_instants_are_refused(self) -> None:
        """A naive opening time raises ValidationError naming ``at``."""
        naive = pendulum.naive(2026, 11, 23, 9)
        with pytest.raises(ValidationError, match=refused("at", naive)):
            opened(at=naive)

    def test_priorities_are_ranked(self) -> None:
        """Priority.rank orders LOW < NORMAL < HIGH < URGENT."""
        assert [priority.rank for priority in Priority] == [0, 1, 2, 3]
        assert max(Priority, key=lambda priority: priority.rank) is Priority.URGENT


class TestReplies:
    def test_agent_reply_opens_a_new_case(self) -> None:
        """The first agent reply moves NEW to OPEN and names the agent."""
        case = opened().agent_reply(T1, agent="ada", note="Sorry!")
        assert case.status is CaseStatus.OPEN
        assert case.history[-1] == CaseEvent(
            type=CaseEventType.AGENT_REPLIED,
            at=T1,
            status=CaseStatus.OPEN,
            actor="ada",
            note="Sorry!",
        )

    @pytest.mark.parametrize(
        "status", [CaseStatus.OPEN, CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.ON_HOLD]
    )
    def test_agent_reply_keeps_other_working_statuses(self, status: CaseStatus) -> None:
        """An agent reply to an open, waiting or on-hold case leaves its status alone."""
        assert in_status(status).agent_reply(T2).status is status

    @pytest.mark.parametrize(
        ("status", "after"),
        [
            (CaseStatus.NEW, CaseStatus.NEW),
            (CaseStatus.OPEN, CaseStatus.OPEN),
            (CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.OPEN),
            (CaseStatus.ON_HOLD, CaseStatus.ON_HOLD),
        ],
    )
    def test_customer_reply_wakes_only_a_waiting_case(
        self, status: CaseStatus, after: CaseStatus
    ) -> None:
        """A customer's reply moves WAITING_ON_CUSTOMER to OPEN and leaves other statuses."""
        case = in_status(status).customer_reply(T2, note="Here are the photos")
        assert case.status is after
        assert case.history[-1].type is CaseEventType.CUSTOMER_REPLIED

    def test_customer_reply_to_a_resolved_case_reopens_it(self) -> None:
        """A reply to a RESOLVED case records REOPENED, then the reply, at the same instant."""
        case = in_status(CaseStatus.RESOLVED).customer_reply(T2)
        assert types(case)[-2:] == ["reopened", "customer_replied"]
        assert [event.at for event in case.history[-2:]] == [T2, T2]
        assert case.status is CaseStatus.OPEN
        assert case.reopen_count == 1
        assert case.resolved_at is None

    def test_agent_reply_to_a_resolved_case_is_refused(self) -> None:
        """Staff cannot reply to a resolved case without reopening it."""
        with pytest.raises(InvalidTransitionError, match="resolved case; reopen it first"):
            in_status(CaseStatus.RESOLVED).agent_reply(T2)

    @pytest.mark.parametrize("reply", ["agent", "customer"])
    def test_replies_to_a_closed_case_are_refused(self, reply: str) -> None:
        """A closed case is final for both sides."""
        case = in_status(CaseStatus.CLOSED)
        with pytest.raises(InvalidTransitionError, match="closed case is final"):
            case.agent_reply(T2) if reply == "agent" else case.customer_reply(T2)

    def test_a_reply_before_the_case_was_opened_is_refused(self) -> None:
        """A reply dated before the opening raises ValidationError naming the opening time."""
        early = T0.subtract(minutes=1)
        with pytest.raises(ValidationError, match=r"^at: before the case was opened at "):
            opened().agent_reply(early)
        with pytest.raises(ValidationError, match=r"^at: before the case was opened at "):
            opened().customer_reply(early)

    def test_an_event_before_the_last_one_is_refused(self) -> None:
        """Events are appended in time order; an earlier instant names the last event's time."""
        case = opened().agent_reply(T2)
        with pytest.raises(ValidationError, match="earlier than the case's last event"):
            case.customer_reply(T1)

    def test_events_at_the_same_instant_are_allowed(self) -> None:
        """Several events may share an instant (resolved in the same minute as the reply)."""
        case = opened().agent_reply(T0).resolve(T0)
        assert [event.at for event in case.history] == [T0, T0, T0]

    def test_naive_reply_instants_are_refused(self) -> None:
        """A naive instant is refused whatever the operation."""
        naive = pendulum.naive(2026, 11, 23, 10)
        with pytest.raises(ValidationError, match=refused("at", naive)):
            opened().agent_reply(naive)


class TestStatusChanges:
    @pytest.mark.parametrize(("current", "target"), list(itertools.product(CaseStatus, CaseStatus)))
    def test_every_pair_follows_the_transition_table(
        self, current: CaseStatus, target: CaseStatus
    ) -> None:
        """set_status allows exactly the moves in TRANSITIONS (the same status changes nothing)."""
        case = in_status(current)
        if target is current:
            assert case.set_status(target, T2) is case
        elif target in TRANSITIONS[current]:
            moved = case.set_status(target, T2, actor="ada")
            assert moved.status is target
            assert len(moved.history) == len(case.history) + 1
        else:
            pattern = f"cannot go from {current.value} to {target.value}"
            with pytest.raises(InvalidTransitionError, match=pattern):
                case.set_status(target, T2)

    def test_the_table_never_goes_back_to_new_and_closed_is_final(self) -> None:
        """Nothing leads back to NEW, and CLOSED leads nowhere."""
        assert all(CaseStatus.NEW not in targets for targets in TRANSITIONS.values())
        assert TRANSITIONS[CaseStatus.CLOSED] == frozenset()
        assert TRANSITIONS[CaseStatus.RESOLVED] == {CaseStatus.OPEN, CaseStatus.CLOSED}

    def test_resolving_closing_and_reopening_through_set_status_use_their_events(self) -> None:
        """set_status records RESOLVED, CLOSED and REOPENED events, not status changes."""
        case = opened().set_status("resolved", T1)
        assert types(case)[-1] == "resolved"
        assert types(case.set_status(CaseStatus.OPEN, T2))[-1] == "reopened"
        assert types(case.set_status(CaseStatus.CLOSED, T2))[-1] == "closed"

    def test_an_unknown_status_is_refused(self) -> None:
        """A status that is not a CaseStatus raises ValidationError listing the allowed ones."""
        with pytest.raises(ValidationError, match=r"^status: unknown CaseStatus; expected one"):
            opened().set_status("escalated", T1)

    def test_a_refused_move_changes_nothing(self) -> None:
        """After a refused operation the case is exactly as before."""
        case = in_status(CaseStatus.CLOSED)
        before = case.to_dict()
        with pytest.raises(InvalidTransitionError):
            case.set_status(CaseStatus.OPEN, T2)
        assert case.to_dict() == before


class TestResolution:
    def test_resolve_records_apology_and_money(self) -> None:
        """The resolution carries the apology and the goodwill, and resolved_at is set."""
        goodwill = Money("199.90", "NOK")
        case = opened().agent_reply(T1).resolve(T2, apology=True, compensation=goodwill)
        assert case.status is CaseStatus.RESOLVED
        assert not case.is_open
        assert case.resolved_at == T2
        assert case.apology
        assert case.compensation == goodwill
        assert case.resolution is case.history[-1]
        assert not case.resolved_at_first_contact

    def test_resolve_records_a_voucher(self) -> None:
        """A voucher is kept with its code and value."""
        voucher = Voucher(" SORRY-1 ", Money("200", "NOK"))
        case = opened().resolve(T1, compensation=voucher)
        assert case.compensation == Voucher("SORRY-1", Money("200", "NOK"))

    @pytest.mark.parametrize(
        ("compensation", "pattern"),
        [
            (Money("0", "NOK"), "compensation: must be more than zero"),
            (Money("-5", "NOK"), "compensation: must be more than zero"),
            ("200 NOK", "compensation: expected Money, a Voucher or None"),
        ],
    )
    def test_compensation_must_be_positive_money_or_a_voucher(
        self, compensation: object, pattern: str
    ) -> None:
        """Zero, negative or untyped goodwill is refused."""
        with pytest.raises(ValidationError, match=pattern):
            opened().resolve(T1, compensation=compensation)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("code", "value", "pattern"),
        [
            ("", Money("1", "NOK"), "code: expected a non-empty code"),
            ("X", Money("0", "NOK"), "value: must be more than zero"),
            ("X", 200, "value: expected Money"),
        ],
    )
    def test_vouchers_are_validated(self, code: str, value: object, pattern: str) -> None:
        """A voucher needs a code and a positive value."""
        with pytest.raises(ValidationError, match=pattern):
            Voucher(code, value)

    def test_first_contact_resolution(self) -> None:
        """Resolving at first contact is recorded, also right after the agent's reply."""
        assert opened().resolve(T1, first_contact=True).resolved_at_first_contact
        assert opened().agent_reply(T1).resolve(T1, first_contact=True).resolved_at_first_contact

    def test_first_contact_is_refused_after_a_back_and_forth(self) -> None:
        """Once the customer replied after an agent, the case was not solved at first contact."""
        case = opened().agent_reply(T1).customer_reply(T2)
        with pytest.raises(InvalidTransitionError, match="customer replied after an agent"):
            case.resolve(T3, first_contact=True)

    def test_first_contact_is_refused_after_a_reopen(self) -> None:
        """A reopened case was not solved at first contact."""
        case = opened().resolve(T1).reopen(T2)
        with pytest.raises(InvalidTransitionError, match="it was resolved before"):
            case.resolve(T3, first_contact=True)

    def test_resolving_twice_is_refused(self) -> None:
        """A resolved case cannot be resolved again without reopening."""
        with pytest.raises(InvalidTransitionError, match="from resolved to resolved"):
            opened().resolve(T1).resolve(T2)

    def test_reopen_and_close(self) -> None:
        """Reopening clears the resolution; closing keeps the last one and is final."""
        resolved = opened().resolve(T1, apology=True)
        reopened = resolved.reopen(T2, actor="ada", note="still broken")
        assert reopened.status is CaseStatus.OPEN
        assert (reopened.resolution, reopened.apology, reopened.reopen_count) == (None, False, 1)
        closed = reopened.resolve(T3, compensation=Money("50", "NOK")).close(T3)
        assert closed.status is CaseStatus.CLOSED
        assert closed.closed_at == T3
        assert closed.resolved_at == T3
        assert closed.compensation == Money("50", "NOK")

    @pytest.mark.parametrize("status", [s for s in CaseStatus if s is not CaseStatus.RESOLVED])
    def test_only_a_resolved_case_is_reopened_or_closed(self, status: CaseStatus) -> None:
        """Reopen and close need a RESOLVED case; the message names both statuses."""
        case = in_status(status)
        with pytest.raises(InvalidTransitionError, match=f"from {status.value} to open"):
            case.reopen(T2)
        with pytest.raises(InvalidTransitionError, match=f"from {status.value} to closed"):
            case.close(T2)


class TestEdits:
    def test_priority_and_kind_changes(self) -> None:
        """Priority and kind follow their last change; the same value again changes nothing."""
        case = opened().change_priority("urgent", T1, actor="ada").change_kind("return", T2)
        assert (case.priority, case.kind) == (Priority.URGENT, CaseKind.RETURN)
        assert case.change_priority(Priority.URGENT, T3) is case
        assert case.change_kind(CaseKind.RETURN, T3) is case
        assert types(case)[1:] == ["priority_changed", "kind_changed"]

    def test_unknown_priority_and_kind_are_refused(self) -> None:
        """Values outside the enums raise ValidationError naming the field."""
        with pytest.raises(ValidationError, match=r"^priority: unknown Priority"):
            opened().change_priority("critical", T1)
        with pytest.raises(ValidationError, match=r"^kind: unknown CaseKind"):
            opened().change_kind("grievance", T1)

    def test_assign_records_who_and_why(self) -> None:
        """Assigning records the assignee and the reason; the same assignee changes nothing."""
        case = opened().assign("ada", T1, reason="dedicated owner")
        assert case.assignee == "ada"
        assert case.history[-1].reason == "dedicated owner"
        assert case.assign("ada", T2) is case
        assert case.assign(None, T2, actor="bo").assignee is None

    def test_a_malformed_assignee_is_refused(self) -> None:
        """An assignee id must be a usable id."""
        with pytest.raises(ValidationError, match=refused("assignee", " ada")):
            opened().assign(" ada", T1)

    def test_edits_are_allowed_on_resolved_cases_but_not_closed_ones(self) -> None:
        """A resolved case can be reclassified; a closed one cannot be changed."""
        resolved = in_status(CaseStatus.RESOLVED)
        assert resolved.change_kind(CaseKind.WARRANTY, T2).kind is CaseKind.WARRANTY
        closed = in_status(CaseStatus.CLOSED)
        with pytest.raises(InvalidTransitionError, match="cannot change the priority of a closed"):
            closed.change_priority(Priority.LOW, T2)
        with pytest.raises(InvalidTransitionError, match="cannot change the kind of a closed"):
            closed.change_kind(CaseKind.RETURN, T2)
        with pytest.raises(InvalidTransitionError, match="cannot assign a closed"):
            closed.assign("ada", T2)

    def test_escalations_fire_once_per_key(self) -> None:
        """Recording an escalation step twice changes nothing; steps fire in any status."""
        case = in_status(CaseStatus.CLOSED).record_escalation("warn-75", T2)
        assert case.fired_escalations == {"warn-75"}
        assert case.record_escalation("warn-75", T3) is case
        assert case.record_escalation("breach", T3).fired_escalations == {"warn-75", "breach"}
        assert case.status is CaseStatus.CLOSED

    def test_an_escalation_key_must_be_an_id(self) -> None:
        """An empty escalation key is refused."""
        with pytest.raises(ValidationError, match=refused("escalation", "")):
            opened().record_escalation("", T1)


class TestErasureAndMerge:
    def test_erase_drops_free_text_and_keeps_the_facts(self) -> None:
        """Subject, notes and reasons go; kind, statuses, instants and goodwill stay."""
        case = (
            opened(subject="Kari's broken cup", note="called from 912 34 567", order_id="o-1")
            .assign("ada", T1, reason="Kari asked for Ada")
            .agent_reply(T1, agent="ada", note="Dear Kari")
            .resolve(T2, apology=True, compensation=Money("100", "NOK"), note="refund to Kari")
        )
        erased = case.erase()
        texts = [(event.subject, event.note, event.reason) for event in erased.history]
        assert texts == [("", "", "")] * len(case.history)
        assert erased.subject == ""
        assert [event.type for event in erased.history] == [e.type for e in case.history]
        assert (erased.status, erased.assignee, erased.order_id) == (
            CaseStatus.RESOLVED,
            "ada",
            "o-1",
        )
        assert erased.compensation == Money("100", "NOK")
        assert erased.apology
        assert erased.erase() is erased

    def test_moved_to_files_the_case_under_another_customer(self) -> None:
        """A merge moves the case to the survivor with its history unchanged."""
        case = opened().agent_reply(T1)
        moved = case.moved_to("k-2")
        assert moved.customer_id == "k-2"
        assert moved.history == case.history


class TestOutboxEvents:
    def test_each_event_becomes_a_domain_event_without_free_text(self) -> None:
        """events_since maps each history entry to a ``case.*`` event whose payload has no text."""
        case = (
            opened(channel="phone", order_id="o-1", subject="secret text", note="secret text")
            .assign("ada", T1, reason="secret text")
            .agent_reply(T1, agent="ada", note="secret text")
            .change_priority(Priority.URGENT, T1)
            .resolve(T2, apology=True, compensation=Money("199.90", "NOK"), note="secret text")
            .record_escalation("breach", T2)
        )
        events = case.events_since(0)
        assert [event.type for event in events] == [
            "case.opened",
            "case.assigned",
            "case.agent_replied",
            "case.priority_changed",
            "case.resolved",
            "case.escalated",
        ]
        assert all("secret" not in str(event.to_dict()) for event in events)
        assert {(event.customer_id, event.aggregate_id) for event in events} == {("k-1", "c-1")}
        assert [event.occurred_at for event in events] == [e.at for e in case.history]
        payloads = [dict(event.payload) for event in events]
        assert payloads[0]["channel"] == "phone"
        assert payloads[0]["order_id"] == "o-1"
        assert payloads[1]["assignee"] == "ada"
        assert payloads[1]["previous_assignee"] is None
        assert payloads[2]["previous_status"] == "new"
        assert payloads[3]["previous_priority"] == "high"
        assert payloads[4] | {} == {
            "status": "resolved",
            "previous_status": "open",
            "kind": "complaint",
            "priority": "urgent",
            "assignee": "ada",
            "actor": None,
            "first_contact": False,
            "apology": True,
            "compensation": {"money": {"amount": "199.90", "currency": "NOK"}},
        }
        assert payloads[5]["escalation"] == "breach"

    def test_events_since_returns_only_the_new_events_with_stable_ids(self) -> None:
        """Only history[count:] is returned, and event ids depend on the case and position."""
        case = opened().agent_reply(T1)
        longer = case.change_kind(CaseKind.RETURN, T2)
        (new,) = longer.events_since(len(case.history))
        assert new.type == "case.kind_changed"
        assert new.payload["previous_kind"] == "complaint"
        assert [e.event_id for e in longer.events_since(0)[:2]] == [
            e.event_id for e in case.events_since(0)
        ]
        assert longer.events_since(len(longer.history)) == ()
        other = opened(id="c-2").agent_reply(T1)
        assert other.events_since(0)[0].event_id != case.events_since(0)[0].event_id

    @pytest.mark.parametrize("count", [-1, 3, True, "1"])
    def test_events_since_refuses_counts_outside_the_history(self, count: object) -> None:
        """The count must be an int from 0 to the history's length."""
        with pytest.raises(ValidationError, match="count"):
            opened().agent_reply(T1).events_since(count)  # type: ignore[arg-type]

    def test_a_voucher_in_the_resolved_event_is_serialised(self) -> None:
        """A voucher's code and exact value travel in the ``case.resolved`` payload."""
        voucher = Voucher("SORRY-1", Money("0.05", "EUR"))
        (event,) = opened().resolve(T1, compensation=voucher).events_since(1)
        assert event.payload["compensation"] == {
            "voucher": {"code": "SORRY-1", "value": {"amount": "0.05", "currency": "EUR"}}
        }
