"""Checked by mypy only: adapters satisfy the protocols; each area's API type-checks in use."""

import datetime as dt

import pendulum

from custrel import Relations
from custrel.calendars import BusinessCalendar, BusinessDays
from custrel.cases import AssignmentPolicy, Case, CaseKind, Priority, Role, Route, Team, TeamMember
from custrel.clock import Clock, SystemClock
from custrel.interactions import CustomerRisk, EarlyWarning, TimelinePage
from custrel.lifecycle import LifecyclePolicy, Promise, Relationship, StageResult
from custrel.loyalty import (
    BetaGeoModel,
    CustomerSummary,
    LoyaltyProgram,
    LoyaltyScore,
    LoyaltyScorer,
    Tier,
    summarize,
)
from custrel.money import Money
from custrel.sla import PolicyBook, SlaPolicy, SlaReport, Targets
from custrel.storage.memory import MemoryStore, MemoryUnitOfWork
from custrel.storage.protocols import Store, UnitOfWork
from custrel.storage.sql import SqlStore, SqlUnitOfWork
from custrel.testing import FixedClock, SteppingClock

memory: Store = MemoryStore()
sql: Store = SqlStore("sqlite://")
memory_uow: UnitOfWork = MemoryUnitOfWork.__new__(MemoryUnitOfWork)
sql_uow: UnitOfWork = SqlUnitOfWork.__new__(SqlUnitOfWork)
clocks: list[Clock] = [
    SystemClock(),
    FixedClock(SystemClock().now()),
    SteppingClock(SystemClock().now()),
]

now = pendulum.datetime(2026, 11, 23, 9, tz="Europe/Oslo")
office = BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Oslo")
deadline: pendulum.DateTime = office.add(now, dt.timedelta(hours=8))
spent: pendulum.Duration = office.elapsed(now, deadline)
later: pendulum.DateTime = office.add(now, BusinessDays(2))

book = PolicyBook(
    [],
    default=SlaPolicy(
        "Standard", office, {p: Targets(first_response=BusinessDays(1)) for p in Priority}
    ),
)
case = Case.open(
    id="c-1", customer_id="k-1", kind=CaseKind.COMPLAINT, priority=Priority.HIGH, at=now
)
report: SlaReport = book.evaluate(case.agent_reply(now.add(hours=1)), now.add(hours=2))
due: pendulum.DateTime | None = (
    None if report.first_response is None else report.first_response.due_at
)

team = Team([TeamMember("ola", [Role.HELP_DESK])])
assignment = AssignmentPolicy(team, default=Route([Role.HELP_DESK]))
program = LoyaltyProgram(name="Klubben", currency="NOK", tiers=[Tier("member")])
summaries: dict[str, CustomerSummary] = summarize(
    [("k-1", dt.date(2026, 1, 2), 10)], observation_end=dt.date(2026, 3, 1), unit="week"
)
model: BetaGeoModel = BetaGeoModel.fit(summaries.values())
alive: float = model.p_alive(summaries["k-1"])
started: Relationship = Relationship.start("k-1", now)
moved: StageResult = started.advance("lead", now, reason="signed up", actor="web")
promise: Promise = Promise.delivery(now.add(days=2), made_by="ola")

crm = Relations(
    memory,
    clock=clocks[0],
    sla=book,
    assignment=assignment,
    loyalty=program,
    scorer=LoyaltyScorer(),
    lifecycle=LifecyclePolicy(calendar=office),
    warnings=EarlyWarning.default(office),
)
opened: Case = crm.open_case("k-1", kind=CaseKind.SUPPORT)
status: SlaReport = crm.sla_status(opened.id)
risks: tuple[CustomerRisk, ...] = crm.at_risk()
page: TimelinePage = crm.timeline("k-1")
score: LoyaltyScore = crm.loyalty_score("k-1")
price = Money("10", "NOK")
