import datetime as dt
import json
from typing import Any

import pendulum
import pytest

from custrel import (
    DuplicateError,
    InvalidTransitionError,
    Money,
    NotFoundError,
    Relations,
    ValidationError,
)
from custrel.cases import Case, CaseKind, Priority
from custrel.customers import PersonName
from custrel.interactions import (
    ERASED_TEXT,
    EarlyWarning,
    Interaction,
    NegativeContacts,
    Opportunity,
)
from custrel.lifecycle import Journey, Promise
from custrel.storage.memory import MemoryStore
from custrel.testing import FixedClock

NOW = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def crm(store: MemoryStore, clock: FixedClock) -> Relations:
    relations = Relations(store, clock=clock)
    relations.register("k-1", PersonName("Kari", "Nordmann"), email="kari@example.no")
    relations.register("k-2", PersonName("Kari", "Nordmann"), email="kari.n@example.no")
    return relations


def log(crm: Relations, external_id: str = "m-1", **fields: Any) -> Any:
    values: dict[str, Any] = {
        "external_id": external_id,
        "at": NOW.subtract(hours=1),
        "channel": "email",
        "direction": "inbound",
        "kind": "inquiry",
    }
    customer_id = fields.pop("customer_id", "k-1")
    return crm.log_interaction(customer_id, **(values | fields))


def events(store: MemoryStore, customer_id: str = "k-1") -> list[str]:
    with store.unit_of_work() as uow:
        return [entry.event.type for entry in uow.outbox.for_customer(customer_id)]


def contact(external_id: str, customer_id: str = "k-1", **fields: Any) -> Interaction:
    values: dict[str, Any] = {
        "external_id": external_id,
        "customer_id": customer_id,
        "at": NOW.subtract(hours=1),
        "channel": "phone",
        "direction": "outbound",
        "kind": "follow_up",
    }
    return Interaction(**(values | fields))


class TestLogInteraction:
    def test_logging_stores_the_interaction_and_its_event(
        self, crm: Relations, store: MemoryStore
    ) -> None:
        """A new contact is stored at version 1 and announced by interaction.logged."""
        logged = log(crm, notes="Hvor er pakken?", sentiment=-1, staff="ola")
        assert logged.created is True
        assert logged.interaction.version == 1
        assert crm.get_interaction("m-1") == logged.interaction
        assert events(store) == ["customer.registered", "interaction.logged"]

    def test_logging_again_with_the_same_content_writes_nothing(
        self, crm: Relations, store: MemoryStore
    ) -> None:
        """A retried log returns the stored contact, created False, and no second event."""
        first = log(crm, notes="hei")
        again = log(crm, notes="hei")
        assert again.created is False
        assert again.interaction == first.interaction
        assert events(store).count("interaction.logged") == 1

    def test_logging_other_content_under_a_known_id_names_the_fields(
        self, crm: Relations, store: MemoryStore
    ) -> None:
        """A known external id with other content raises DuplicateError; nothing changes."""
        log(crm, notes="hei")
        with pytest.raises(DuplicateError, match="channel, notes differ"):
            log(crm, notes="hallo", channel="sms")
        assert crm.get_interaction("m-1").notes == "hei"
        assert events(store).count("interaction.logged") == 1

    def test_future_instants_beyond_the_skew_are_refused(
        self, crm: Relations, store: MemoryStore
    ) -> None:
        """Five minutes ahead of the clock is fine; more is refused and nothing is written."""
        log(crm, "ok", at=NOW.add(minutes=5))
        with pytest.raises(ValidationError, match=r"^at: dated in the future"):
            log(crm, "late", at=NOW.add(minutes=5, seconds=1))
        with pytest.raises(NotFoundError):
            crm.get_interaction("late")
        assert events(store).count("interaction.logged") == 1

    def test_the_clock_skew_is_configurable(self, store: MemoryStore, clock: FixedClock) -> None:
        """Relations(clock_skew=...) sets how far ahead an interaction may be dated."""
        strict = Relations(store, clock=clock, clock_skew=dt.timedelta(0))
        strict.register("k-1", PersonName("Kari"))
        with pytest.raises(ValidationError, match=r"^at: dated in the future"):
            log(strict, at=NOW.add(seconds=1))
        with pytest.raises(ValidationError, match=r"^clock_skew: expected a timedelta"):
            Relations(store, clock_skew=dt.timedelta(minutes=-1))
        with pytest.raises(ValidationError, match=r"^clock_skew"):
            Relations(store, clock_skew=300)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"channel": "pigeon"}, "channel"),
            ({"kind": "gossip"}, "kind"),
            ({"sentiment": 5}, "sentiment"),
            ({"csat": 3}, "csat"),
        ],
    )
    def test_bad_fields_are_refused_and_nothing_is_written(
        self, crm: Relations, store: MemoryStore, fields: dict[str, Any], field: str
    ) -> None:
        """Unknown channels or kinds, sentiment out of range, misplaced scores: nothing written."""
        with pytest.raises(ValidationError) as error:
            log(crm, **fields)
        assert error.value.field == field
        with pytest.raises(NotFoundError):
            crm.get_interaction("m-1")
        assert "interaction.logged" not in events(store)

    def test_unknown_customers_are_refused(self, crm: Relations) -> None:
        """Logging for a customer nobody registered raises NotFoundError."""
        with pytest.raises(NotFoundError, match="k-9"):
            log(crm, customer_id="k-9")

    def test_erased_customers_take_no_new_contacts(self, crm: Relations) -> None:
        """After erasure, new personal data is not collected again."""
        crm.erase("k-2")
        with pytest.raises(InvalidTransitionError, match="erased"):
            log(crm, customer_id="k-2")

    def test_a_merged_id_logs_on_the_survivor(self, crm: Relations) -> None:
        """A contact logged under a merged customer's old id lands on the survivor."""
        crm.merge("k-1", "k-2")
        logged = log(crm, customer_id="k-2")
        assert logged.interaction.customer_id == "k-1"
        assert log(crm, customer_id="k-2").created is False
        assert [item.external_id for item in crm.timeline("k-2")] == ["m-1"]


class TestLogInteractions:
    def test_a_batch_is_logged_with_one_event_per_new_contact(
        self, crm: Relations, store: MemoryStore
    ) -> None:
        """Each new contact gets an event; known ones come back not created."""
        log(crm, "m-1", channel="phone", direction="outbound", kind="follow_up")
        results = crm.log_interactions(
            [contact("m-1"), contact("m-2"), contact("m-3", customer_id="k-2")]
        )
        assert [(r.interaction.external_id, r.created) for r in results] == [
            ("m-1", False),
            ("m-2", True),
            ("m-3", True),
        ]
        assert events(store).count("interaction.logged") == 2
        assert events(store, "k-2").count("interaction.logged") == 1

    def test_a_bad_batch_writes_nothing(self, crm: Relations, store: MemoryStore) -> None:
        """One contradiction, unknown customer or future instant and nothing is logged."""
        log(crm, "m-1", channel="phone", direction="outbound", kind="follow_up", notes="x")
        with pytest.raises(DuplicateError):
            crm.log_interactions([contact("m-2"), contact("m-1")])
        with pytest.raises(NotFoundError):
            crm.log_interactions([contact("m-2"), contact("m-3", customer_id="k-9")])
        with pytest.raises(ValidationError, match=r"^at: dated in the future"):
            crm.log_interactions([contact("m-2"), contact("m-3", at=NOW.add(hours=1))])
        with pytest.raises(ValidationError, match=r"^interactions: expected an Interaction"):
            crm.log_interactions([contact("m-2"), "m-3"])  # type: ignore[list-item]
        assert [item.external_id for item in crm.timeline("k-1")] == ["m-1"]
        assert events(store).count("interaction.logged") == 1

    def test_a_batch_follows_merges(self, crm: Relations) -> None:
        """Contacts for a merged id are logged on the survivor."""
        crm.merge("k-1", "k-2")
        (result,) = crm.log_interactions([contact("m-1", customer_id="k-2")])
        assert result.interaction.customer_id == "k-1"


class TestTimelineAndOpportunities:
    def test_the_timeline_is_newest_first_with_filters(self, crm: Relations) -> None:
        """The facade timeline pages and filters like the repository."""
        for minute in range(5):
            log(crm, f"m-{minute}", at=NOW.subtract(minutes=60 - minute))
        log(crm, "call", at=NOW.subtract(minutes=1), channel="phone", kind="complaint")
        first = crm.timeline("k-1", limit=4)
        assert [item.external_id for item in first] == ["call", "m-4", "m-3", "m-2"]
        rest = crm.timeline("k-1", limit=4, cursor=first.next_cursor)
        assert [item.external_id for item in rest] == ["m-1", "m-0"]
        assert rest.next_cursor is None
        assert [i.external_id for i in crm.timeline("k-1", kinds="complaint")] == ["call"]
        assert [i.external_id for i in crm.timeline("k-1", channels=["email"], limit=1)] == ["m-4"]
        since = crm.timeline("k-1", since=NOW.subtract(minutes=57), until=NOW.subtract(minutes=1))
        assert [item.external_id for item in since] == ["m-4", "m-3"]

    def test_the_timeline_of_an_unknown_customer_raises(self, crm: Relations) -> None:
        """Asking for the timeline of nobody raises NotFoundError."""
        with pytest.raises(NotFoundError):
            crm.timeline("k-9")

    def test_a_service_contact_registers_an_opportunity(
        self, crm: Relations, store: MemoryStore
    ) -> None:
        """register_opportunity stores it with the contact, announces it, and is idempotent."""
        log(crm, kind="support")
        deal = Opportunity("extended warranty", Money(990, "NOK"), "ola")
        registered = crm.register_opportunity("m-1", deal)
        assert registered.opportunity == deal
        assert registered.version == 2
        again = crm.register_opportunity("m-1", deal)
        assert again.version == 2
        assert events(store).count("interaction.opportunity_registered") == 1
        with pytest.raises(DuplicateError, match="value differ"):
            crm.register_opportunity("m-1", Opportunity("extended warranty", None, "ola"))
        with pytest.raises(NotFoundError):
            crm.register_opportunity("m-9", deal)

    def test_opportunities_are_queryable_across_customers(self, crm: Relations) -> None:
        """Opportunities of every customer, newest first, by staff."""
        log(crm, "a", opportunity=Opportunity("ski", staff="ola"), at=NOW.subtract(hours=3))
        log(crm, "b", customer_id="k-2", at=NOW.subtract(hours=2))
        crm.register_opportunity("b", Opportunity("sko", staff="per"))
        log(crm, "c", at=NOW.subtract(hours=1))
        assert [i.external_id for i in crm.opportunities()] == ["b", "a"]
        assert [i.external_id for i in crm.opportunities(staff="ola")] == ["a"]
        assert [i.external_id for i in crm.timeline("k-1", with_opportunity=True)] == ["a"]


class TestHooks:
    def test_merge_moves_the_contact_log_to_the_survivor(
        self, crm: Relations, store: MemoryStore
    ) -> None:
        """After a merge the survivor's timeline holds both logs, in order, announced once."""
        log(crm, "own", at=NOW.subtract(hours=2))
        log(crm, "theirs", customer_id="k-2", at=NOW.subtract(hours=1))
        crm.merge("k-1", "k-2")
        assert [item.external_id for item in crm.timeline("k-1")] == ["theirs", "own"]
        assert crm.get_interaction("theirs").customer_id == "k-1"
        assert events(store).count("interactions.moved") == 1

    def test_merge_without_interactions_announces_nothing(
        self, crm: Relations, store: MemoryStore
    ) -> None:
        """No interactions moved, no interactions.moved event."""
        crm.merge("k-1", "k-2")
        assert "interactions.moved" not in events(store)

    def test_export_holds_the_contact_log_oldest_first(self, crm: Relations) -> None:
        """The GDPR export has every interaction, including merged ones, as JSON."""
        log(crm, "late", at=NOW.subtract(hours=1), notes="andre")
        log(crm, "early", customer_id="k-2", at=NOW.subtract(hours=2), notes="første")
        crm.merge("k-1", "k-2")
        exported = json.loads(json.dumps(crm.export("k-1")))
        assert [item["external_id"] for item in exported["interactions"]] == ["early", "late"]
        assert exported["interactions"][0]["notes"] == "første"

    def test_export_pages_through_long_logs(self, crm: Relations) -> None:
        """A log longer than one page is exported completely."""
        crm.log_interactions(
            contact(f"m-{i:04d}", at=NOW.subtract(minutes=i)) for i in range(1_050)
        )
        exported = crm.export("k-1")["interactions"]
        assert len(exported) == 1_050
        assert exported[0]["external_id"] == "m-1049"

    def test_erase_pseudonymises_free_text_and_keeps_facts(
        self, crm: Relations, store: MemoryStore
    ) -> None:
        """Erasure replaces notes and outcome notes; kind, sentiment and scores stay."""
        log(crm, "m-1", notes="Kari i Storgata 1", outcome_note="ring Kari", sentiment=-2)
        log(crm, "m-2", kind="feedback", csat=2)
        crm.erase("k-1")
        erased = crm.get_interaction("m-1")
        assert (erased.notes, erased.outcome_note, erased.sentiment) == (
            ERASED_TEXT,
            ERASED_TEXT,
            -2,
        )
        assert crm.get_interaction("m-2").csat == 2
        assert crm.get_interaction("m-2").version == 1  # nothing to erase, not rewritten
        assert "Storgata" not in json.dumps(crm.export("k-1"))
        assert events(store).count("interactions.erased") == 1

    def test_loyalty_signals_come_from_the_log(self, crm: Relations, store: MemoryStore) -> None:
        """The contact log contributes fatigue, negative contacts and feedback scores."""
        log(crm, "out", channel="phone", direction="outbound", kind="follow_up")
        log(crm, "angry", kind="complaint", sentiment=-2)
        log(crm, "survey", kind="feedback", csat=3, nps=7)
        with store.unit_of_work() as uow:
            signals = crm._loyalty_signals(uow, "k-1", NOW)
        assert signals["contacts_last_30_days"] == 1
        assert signals["negative_contacts_90_days"] == 1
        assert signals["csat_scores"] == (3,)
        assert signals["nps_scores"] == (7,)


class TestAtRisk:
    def test_customers_come_worst_first_with_their_reasons(
        self, store: MemoryStore, clock: FixedClock
    ) -> None:
        """Each rule finds its customer, through the log, open cases or overdue promises."""
        crm = Relations(store, clock=clock)
        for customer_id in ("k-angry", "k-waiting", "k-promised", "k-reopened", "k-calm"):
            crm.register(customer_id, PersonName("Kari"))
        for number in range(3):
            log(crm, f"angry-{number}", customer_id="k-angry", kind="complaint", sentiment=-1)
        log(crm, "mail", customer_id="k-waiting", at=NOW.subtract(days=2))
        log(crm, "fine", customer_id="k-calm", direction="outbound", kind="follow_up")
        due = NOW.subtract(days=3)
        case = Case.open(
            id="c-1",
            customer_id="k-reopened",
            kind=CaseKind.COMPLAINT,
            priority=Priority.HIGH,
            at=NOW.subtract(days=9),
        )
        case = case.resolve(NOW.subtract(days=8)).reopen(NOW.subtract(days=7))
        with store.unit_of_work() as uow:
            uow.journeys.add(
                Journey.open(
                    "o-1",
                    "k-promised",
                    NOW.subtract(days=5),
                    promises=[Promise.delivery(due, made_by="ola")],
                )
            )
            uow.cases.add(case)
            uow.commit()
        risks = crm.at_risk()
        assert [(risk.customer_id, [s.rule for s in risk.signals]) for risk in risks] == [
            ("k-reopened", ["reopened_complaint"]),
            ("k-promised", ["broken_promise"]),
            ("k-angry", ["negative_contacts"]),
            ("k-waiting", ["unanswered_inbound"]),
        ]
        assert [risk.customer_id for risk in crm.at_risk(limit=2)] == ["k-reopened", "k-promised"]
        assert crm.at_risk(NOW.subtract(days=30)) == ()

    def test_a_promise_delivered_late_is_found_without_other_signs(
        self, store: MemoryStore, clock: FixedClock
    ) -> None:
        """A late delivery settles its promise, yet the customer nobody called is flagged."""
        crm = Relations(store, clock=clock)
        crm.register("k-1", PersonName("Kari"))
        due = NOW.subtract(days=3)
        with store.unit_of_work() as uow:
            journey = Journey.open(
                "o-1", "k-1", NOW.subtract(days=5), promises=[Promise.delivery(due, made_by="ola")]
            )
            uow.journeys.add(journey.deliver(NOW.subtract(days=2)).value)
            uow.commit()
        (risk,) = crm.at_risk()
        assert risk.customer_id == "k-1"
        assert [signal.rule for signal in risk.signals] == ["broken_promise"]
        log(crm, "sorry", direction="outbound", kind="follow_up", at=NOW.subtract(hours=1))
        assert crm.at_risk() == ()  # someone called: no longer a warning

    def test_every_overdue_promise_is_looked_at_however_many(
        self, store: MemoryStore, clock: FixedClock
    ) -> None:
        """Promises beyond any page are found: many at one instant, many at distinct ones."""
        crm = Relations(store, clock=clock)
        crm.register("k-many", PersonName("Kari"))
        crm.register("k-last", PersonName("Ola"))
        due = NOW.subtract(days=3)

        def sale(order_id: str, customer_id: str, promised: pendulum.DateTime) -> Journey:
            return Journey.open(
                order_id,
                customer_id,
                NOW.subtract(days=10),
                promises=[Promise.delivery(promised, made_by="ola")],
            )

        with store.unit_of_work() as uow:
            for number in range(700):
                uow.journeys.add(sale(f"o-a{number:04}", "k-many", due.subtract(minutes=number)))
            for number in range(1300):
                uow.journeys.add(sale(f"o-b{number:04}", "k-many", due))
            uow.journeys.add(sale("o-z", "k-last", due))  # the last at the busiest instant
            uow.commit()
        flagged = {risk.customer_id: risk for risk in crm.at_risk()}
        assert set(flagged) == {"k-many", "k-last"}
        assert [signal.rule for signal in flagged["k-last"].signals] == ["broken_promise"]

    def test_the_rules_are_the_hosts(self, store: MemoryStore, clock: FixedClock) -> None:
        """Relations(warnings=...) replaces the default rules."""
        crm = Relations(store, clock=clock, warnings=EarlyWarning([NegativeContacts(count=1)]))
        crm.register("k-1", PersonName("Kari"))
        log(crm, kind="complaint")
        (risk,) = crm.at_risk()
        assert [signal.rule for signal in risk.signals] == ["negative_contacts"]
        with pytest.raises(ValidationError, match=r"^warnings: expected an EarlyWarning"):
            Relations(store, warnings=[NegativeContacts()])  # type: ignore[arg-type]

    def test_bad_arguments_are_refused(self, crm: Relations) -> None:
        """A naive now or a limit out of range is refused."""
        with pytest.raises(ValidationError, match=r"^limit"):
            crm.at_risk(limit=0)
        with pytest.raises(ValidationError, match=r"^now: naive"):
            crm.at_risk(NOW.naive())
