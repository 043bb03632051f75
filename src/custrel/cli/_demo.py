"""``custrel demo``: a fortnight at a small Norwegian web shop, on an embedded SQLite file.

The story follows DOMAIN.md: a customer greeted by her preferred name orders a sofa with a
promised delivery date; it arrives late, the promise is marked broken and an early warning fires;
she complains, and her dedicated owner handles the complaint within its service level, with an
apology and a voucher; her points, tier and loyalty score are shown with their reasons. Another
customer's complaint breaches and escalates; a third is resolved at first contact.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import TextIO

import pendulum

from custrel.cases import CaseKind, Priority, Voucher
from custrel.cli import _demo_shop as shop
from custrel.customers import Channel, ConsentStatus, PersonName, PostalAddress, Purpose
from custrel.lifecycle import Promise, SaleLine
from custrel.loyalty import Order, OrderLine
from custrel.money import Money
from custrel.relations import Relations
from custrel.sla import MetricReport, SlaReport
from custrel.storage.sql import SqlStore
from custrel.testing import FixedClock

__all__ = ["DEMO_START", "run_demo"]

DEMO_START = pendulum.datetime(2026, 11, 23, 9, 0, tz="Europe/Oslo")
"""When the demo's fortnight starts: Monday 23 November 2026, 09:00 in Oslo."""

OSLO = "Europe/Oslo"


def _when(instant: pendulum.DateTime | None) -> str:
    return "-" if instant is None else f"{instant.in_tz(OSLO):%a %d %b %H:%M}"


def _hours(span: dt.timedelta | None) -> str:
    return "?" if span is None else f"{span.total_seconds() / 3600:g}"


def _metric(name: str, report: MetricReport | None) -> str:
    if report is None:
        return f"{name}: no target"
    if report.completed_at is not None:
        verdict = "late" if report.breached_at is not None else "in time"
        return f"{name}: done {_when(report.completed_at)} ({verdict}; due {_when(report.due_at)})"
    verdict = "BREACHED" if report.breached_at is not None else report.state
    return f"{name}: {verdict}, due {_when(report.due_at)}"


class _Story:
    """The demo's narration: one method per chapter, sharing the shop and its clock."""

    def __init__(self, crm: Relations, clock: FixedClock, out: TextIO) -> None:
        self.crm = crm
        self.clock = clock
        self.out = out

    def say(self, text: str = "") -> None:
        print(text, file=self.out)

    def say_sla(self, report: SlaReport) -> None:
        """The two clocks of a case, their names right-aligned under each other."""
        prefix = f"   SLA ({report.policy}): "
        self.say(prefix + _metric("first response", report.first_response))
        self.say(" " * (len(prefix) + 4) + _metric("resolution", report.resolution))

    def at(self, when: pendulum.DateTime) -> None:
        self.clock.set(when)

    def step(self) -> None:
        self.clock.advance(minutes=4)

    def customers(self) -> None:
        crm = self.crm
        self.say("1. Customers register")
        registered = []
        for customer_id, name, fields in (
            (
                "k-1001",
                PersonName(given="Kari Margrethe", family="Nordmann", preferred="Kari"),
                {
                    "email": "Kari.Nordmann@Example.no",
                    "timezone": OSLO,
                    "locale": "nb-NO",
                    "address": PostalAddress(
                        ["Storgata 1"], postal_code="0155", city="Oslo", country="NO"
                    ),
                },
            ),
            (
                "k-1002",
                PersonName(given="Ingrid", family="Solberg", preferred="Inga"),
                {
                    "email": "inga@example.no",
                    "phone": "+47 481 23 456",
                    "timezone": OSLO,
                    "locale": "nb-NO",
                },
            ),
            (
                "k-1003",
                PersonName(given="James", family="Smith", preferred="Jim"),
                {
                    "email": "jim.smith@example.co.uk",
                    "timezone": "Europe/London",
                    "locale": "en-GB",
                },
            ),
        ):
            registered.append(crm.register(customer_id, name, **fields))
            self.step()
        for customer in registered:
            self.say(
                f"   {customer.name.full:<24} {customer.email:<26} greeted: {customer.greeting()!r}"
            )

        self.say()
        self.say("2. Consent is recorded, with where it came from")
        for customer_id, channel, purpose, status, source in (
            ("k-1001", Channel.EMAIL, Purpose.MARKETING, ConsentStatus.OPTED_IN, "checkout form"),
            ("k-1002", Channel.SMS, Purpose.SERVICE, ConsentStatus.SUBSCRIBED, "order 5531"),
            ("k-1003", Channel.EMAIL, Purpose.MARKETING, ConsentStatus.UNSUBSCRIBED, "footer link"),
        ):
            customer = crm.record_consent(customer_id, channel, purpose, status, source=source)
            self.step()
            record = customer.consent_record(channel, purpose)
            assert record is not None  # noqa: S101 - recorded just above
            self.say(
                f"   {customer.name.called:<5} {channel.value}/{purpose.value}: "
                f"{record.status.value} (source: {record.source}, {record.at.in_tz(OSLO):%H:%M})"
            )

        self.say()
        self.say("3. Every customer gets a dedicated owner")
        for customer_id, owner, reason in (
            ("k-1001", "staff:ola", "key account"),
            ("k-1002", "staff:mona", ""),
            ("k-1003", "staff:mona", ""),
        ):
            customer = crm.assign_owner(customer_id, owner, reason=reason)
            self.step()
            self.say(f"   {customer.name.called:<5} is looked after by {customer.owner}")

        self.say()
        self.say("4. A phone order created a duplicate of Kari; it is merged into her record")
        duplicate = crm.register(
            "k-2001",
            PersonName(given="Kari", family="Nordmann"),
            phone="+47 912 34 567",
            locale="nb-NO",
        )
        self.step()
        self.say(
            f"   duplicate {duplicate.id}: {duplicate.name.full}, phone {duplicate.phone}, no email"
        )
        survivor = crm.merge("k-1001", duplicate.id)
        self.step()
        self.say(
            f"   merged into {survivor.id}: email {survivor.email}, phone {survivor.phone} "
            f"(filled from the duplicate), merged ids {list(survivor.merged_ids)}"
        )
        self.say(f"   looking up {duplicate.id} now finds {crm.get(duplicate.id).id}")
        self.say(f"   {crm.get('k-1001').greeting()} - she is still greeted by her preferred name")

    def sale(self) -> None:
        crm = self.crm
        self.say()
        self.say("5. Kari orders a sofa; Ola promises delivery by Wednesday")
        self.at(DEMO_START.set(hour=10))
        promised = DEMO_START.add(days=2).set(hour=16)
        journey = crm.record_order(
            "k-1001",
            "o-5001",
            lines=[SaleLine("sofa", 1), SaleLine("cushions", 2)],
            promises=[
                Promise.delivery(
                    promised, made_by="staff:ola", statement="at your door by Wednesday"
                )
            ],
            total=Money("10990", "NOK"),
        )
        award = crm.award_points(
            Order(
                id="o-5001",
                customer_id="k-1001",
                placed_at=crm.clock.now(),
                lines=[
                    OrderLine("1", "furniture", Money("9990", "NOK")),
                    OrderLine("2", "textiles", Money("1000", "NOK")),
                ],
            )
        )
        stage = crm.relationship("k-1001").stage
        self.say(
            f"   order o-5001, 10990 NOK, journey phase: {journey.phase.value}, "
            f"owner {journey.owner}; Kari is now a {stage!r}"
        )
        self.say(f"   promise: delivered by {_when(promised)} (made by staff:ola)")
        self.say(f"   {award.points} points earned, pending until the return window closes")

    def late_delivery(self) -> None:
        crm = self.crm
        self.say()
        self.say("6. The sofa ships Wednesday but arrives Friday: the promise is broken")
        self.at(DEMO_START.add(days=2).set(hour=12))
        crm.record_shipped("o-5001")
        self.at(DEMO_START.add(days=4).set(hour=11))
        crm.record_delivered("o-5001")
        (assessment,) = crm.promise_assessments("o-5001")
        self.say(
            f"   delivered {_when(crm.journey('o-5001').delivered_at)}: "
            f"{assessment.outcome.value}, late by {_hours(assessment.late_by)} hours "
            f"({_hours(assessment.business_late_by)} business hours)"
        )
        self.at(DEMO_START.add(days=4).set(hour=11, minute=15))
        for risk in crm.at_risk():
            for signal in risk.signals:
                self.say(
                    f"   early warning for {risk.customer_id} [{signal.severity.value}]: "
                    f"{signal.reason}"
                )

    def complaint_in_time(self) -> None:
        crm = self.crm
        self.say()
        self.say("7. Kari complains; her owner answers and resolves it within the service level")
        self.at(DEMO_START.add(days=4).set(hour=11, minute=30))
        crm.log_interaction(
            "k-1001",
            external_id="mail-881",
            at=crm.clock.now(),
            channel="email",
            direction="inbound",
            kind="complaint",
            sentiment=-2,
            order_id="o-5001",
            notes="The sofa came two days late; I took a day off for nothing.",
        )
        case = crm.open_case(
            "k-1001",
            kind=CaseKind.COMPLAINT,
            priority=Priority.HIGH,
            case_id="c-1",
            channel="email",
            order_id="o-5001",
            subject="Sofa delivered two days late",
        )
        self.say(
            f"   case c-1 ({case.kind.value}, {case.priority.value}) assigned to {case.assignee}"
        )
        self.at(DEMO_START.add(days=4).set(hour=12, minute=10))
        crm.agent_reply("c-1", agent="staff:ola")
        crm.log_interaction(
            "k-1001",
            external_id="call-7731",
            at=crm.clock.now(),
            channel="phone",
            direction="outbound",
            kind="complaint",
            outcome="resolved",
            sentiment=1,
            staff="staff:ola",
            case_id="c-1",
            notes="Apologised; offered a 500 NOK voucher, accepted.",
        )
        self.at(DEMO_START.add(days=4).set(hour=12, minute=40))
        crm.resolve_case(
            "c-1",
            apology=True,
            compensation=Voucher("SORRY-500", Money("500", "NOK")),
            actor="staff:ola",
        )
        report = crm.sla_status("c-1")
        self.say("   Ola called at 12:10: 'I'm sorry - that is not the delivery we promised.'")
        self.say("   resolved 12:40 with an apology and a 500 NOK voucher")
        self.say_sla(report)
        self.say(f"   breached: {report.breached}")
        journey = crm.journey("o-5001")
        self.say(
            f"   journey o-5001: {journey.phase.value}, case {', '.join(journey.case_ids)} and "
            f"contacts {', '.join(journey.interaction_ids)} linked to it"
        )
        flagged = [risk.customer_id for risk in crm.at_risk()]
        self.say(f"   early warnings now: {', '.join(flagged) or 'none'}")

    def complaint_breached(self) -> None:
        crm = self.crm
        self.say()
        self.say("8. Inga's complaint on Friday afternoon waits over the weekend and escalates")
        self.at(DEMO_START.add(days=4).set(hour=15))
        case = crm.open_case(
            "k-1002",
            kind=CaseKind.COMPLAINT,
            priority=Priority.NORMAL,
            case_id="c-2",
            channel="web",
            subject="Wrong colour delivered",
        )
        self.say(f"   case c-2 opened {_when(case.opened_at)}, assigned to {case.assignee}")
        self.at(DEMO_START.add(days=7).set(hour=13))
        for queued, report in crm.breach_queue():
            self.say(
                f"   {_when(crm.clock.now())} breach queue: {queued.id}, "
                f"{_metric('first response', report.first_response)}"
            )
        for notice in crm.escalations_due():
            self.say(
                f"   escalation {notice.step!r} on {notice.metric.value.replace('_', ' ')} "
                f"of {notice.case_id} (deadline {_when(notice.deadline)}) -> notify "
                f"{', '.join(notice.notify)}"
            )
        self.say(f"   running the escalations again finds {len(crm.escalations_due())} new")
        self.at(DEMO_START.add(days=7).set(hour=13, minute=20))
        crm.agent_reply("c-2", agent="staff:mona")
        report = crm.sla_status("c-2")
        self.say(f"   Mona answers at 13:20: {_metric('first response', report.first_response)}")

    def first_contact(self) -> None:
        crm = self.crm
        self.say()
        self.say("9. Jim calls to complain about a loose seam, and it is settled on the spot")
        self.at(DEMO_START.add(days=7).set(hour=10))
        crm.open_case(
            "k-1003",
            kind=CaseKind.COMPLAINT,
            case_id="c-3",
            channel="phone",
            subject="Loose seam on a cushion cover",
        )
        self.at(DEMO_START.add(days=7).set(hour=10, minute=6))
        crm.resolve_case("c-3", first_contact=True, actor="staff:per")
        crm.log_interaction(
            "k-1003",
            external_id="call-7790",
            at=crm.clock.now(),
            channel="phone",
            direction="inbound",
            kind="complaint",
            outcome="resolved",
            sentiment=1,
            staff="staff:per",
            case_id="c-3",
            notes="A new cover goes out today; Jim was glad it took two minutes.",
        )
        report = crm.sla_status("c-3")
        self.say_sla(report)

    def points(self) -> None:
        crm = self.crm
        self.say()
        self.say("10. Kari's points: the return window closes, she redeems, returns the cushions")
        self.at(DEMO_START.add(days=15).set(hour=9))
        status = crm.points_status("k-1001")
        self.say(
            f"   {_when(status.at)}: {status.available} points available, "
            f"tier {status.tier.name}, "
            f"member discount {status.discount} %"
        )
        crm.redeem_points("k-1001", 2000, redemption_id="r-1", note="gift card")
        self.say("   she spends 2000 points on a gift card")
        self.at(DEMO_START.add(days=16).set(hour=14))
        reversal = crm.reverse_points(
            "k-1001", "o-5001", {"2": Money("1000", "NOK")}, return_id="ret-1"
        )
        status = crm.points_status("k-1001")
        self.say(f"   the cushions go back: {reversal.points} points reversed")
        self.say(
            f"   balance {status.balance}, tier {status.tier.name} "
            f"(qualifying points {status.qualifying_points}), discount {status.discount} %"
        )

    def scores(self) -> None:
        crm = self.crm
        self.say()
        self.say("11. Loyalty scores, with their reasons")
        for customer_id in ("k-1001", "k-1002", "k-1003"):
            customer = crm.get(customer_id)
            score = crm.loyalty_score(customer_id)
            flag = "; churn risk" if score.churn_risk else ""
            self.say(f"   {customer.name.called}: {score.score:.0f}/100, {score.band}{flag}")
            for contribution in score.contributions:
                self.say(f"      - {contribution.explanation}")
            for reason in score.churn_reasons:
                self.say(f"      ! {reason}")

    def contact_log(self) -> None:
        self.say()
        self.say("12. Kari's contact log, newest first")
        for interaction in self.crm.timeline("k-1001").items:
            self.say(
                f"   {_when(interaction.at)}  {interaction.direction.value:<8} "
                f"{interaction.channel.value:<6} {interaction.kind.value:<10} "
                f"sentiment {interaction.sentiment:+d}"
                if interaction.sentiment is not None
                else f"   {_when(interaction.at)}  {interaction.direction.value}"
            )


def run_demo(path: str | Path, *, out: TextIO) -> Relations:
    """Run the demo on the SQLite file at *path* (custrel's tables reset) and narrate to *out*."""
    store = SqlStore(f"sqlite:///{Path(path)}")
    store.drop_schema()
    store.create_schema()
    clock = FixedClock(DEMO_START)
    crm = Relations(
        store,
        clock=clock,
        assignment=shop.ASSIGNMENT,
        sla=shop.BOOK,
        loyalty=shop.PROGRAM,
        lifecycle=shop.lifecycle_policy(),
        warnings=shop.warnings(),
    )
    story = _Story(crm, clock, out)
    story.say(
        f"custrel demo: a fortnight at Fjordhandel, a small web shop in Oslo (database: {path})"
    )
    story.say()
    story.customers()
    story.sale()
    story.late_delivery()
    story.complaint_in_time()
    story.complaint_breached()
    story.first_contact()
    story.points()
    story.scores()
    story.contact_log()

    story.say()
    story.say("13. The outbox holds an event for every change, ready to publish")
    with store.unit_of_work() as uow:
        pending = uow.outbox.pending(limit=10_000)
        customers = uow.customers.find(limit=1000)
    counts = Counter(entry.event.type.split(".")[0] for entry in pending)
    story.say("   " + ", ".join(f"{area}: {count}" for area, count in sorted(counts.items())))
    story.say()
    story.say(f"Done: {len(pending)} events, {len(customers)} customer records in {path}.")
    return crm
