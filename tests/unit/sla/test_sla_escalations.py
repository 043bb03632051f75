from datetime import timedelta

from sla_support import at, book, complaint, hours

from custrel.calendars import BusinessDays
from custrel.cases import Case, CaseStatus
from custrel.sla import Escalation, Metric, PolicyBook, Targets

WAITING = CaseStatus.WAITING_ON_CUSTOMER
WARN = Escalation(name="warn-owner", metric="resolution", at=0.75, notify="owner")
BREACH = Escalation(name="team-lead", metric="resolution", at=1, notify=["team_lead", "ops"])


def ladder(*steps: Escalation, targets: Targets | None = None) -> PolicyBook:
    return book(targets or Targets(resolution=hours(8)), escalations=steps or (WARN, BREACH))


def fire_all(sla: PolicyBook, case: Case, now: object) -> Case:
    for notice in sla.due_escalations(case, now):  # type: ignore[arg-type]
        case = case.record_escalation(notice.key, now)  # type: ignore[arg-type]
    return case


class TestDueSteps:
    def test_nothing_is_due_before_the_first_point(self) -> None:
        """At 50 % of the target neither step is due."""
        assert ladder().due_escalations(complaint(at(0, 10)), at(0, 14)) == ()

    def test_the_warning_is_due_at_75_percent_in_business_time(self) -> None:
        """Six business hours of eight: Monday 10:00 + 6 h = Monday 16:00."""
        notices = ladder().due_escalations(complaint(at(0, 10)), at(0, 16, 30))
        assert [n.key for n in notices] == ["Standard/resolution/warn-owner"]
        notice = notices[0]
        assert (notice.case_id, notice.customer_id, notice.policy) == ("c-1", "k-1", "Standard")
        assert (notice.metric, notice.step, notice.notify) == (
            Metric.RESOLUTION,
            "warn-owner",
            ("owner",),
        )
        assert (notice.due_at, notice.deadline) == (at(0, 16), at(1, 10))
        assert notice.assignee is None

    def test_both_steps_are_due_after_the_breach_in_order(self) -> None:
        """Late at night after the deadline, the warning and the escalation are both due."""
        notices = ladder().due_escalations(complaint(at(0, 10)), at(1, 20))
        assert [(n.step, n.due_at) for n in notices] == [
            ("warn-owner", at(0, 16)),
            ("team-lead", at(1, 10)),
        ]
        assert notices[1].notify == ("team_lead", "ops")

    def test_recorded_steps_are_not_due_again(self) -> None:
        """Each step is due once: recording its key on the case retires it."""
        sla = ladder()
        case = fire_all(sla, complaint(at(0, 10)), at(0, 16, 30))
        assert case.fired_escalations == {"Standard/resolution/warn-owner"}
        assert sla.due_escalations(case, at(0, 16, 45)) == ()
        later = fire_all(sla, case, at(1, 11))
        assert later.fired_escalations == {
            "Standard/resolution/warn-owner",
            "Standard/resolution/team-lead",
        }
        assert sla.due_escalations(later, at(3, 9)) == ()

    def test_an_unrecorded_due_step_is_the_next_check(self) -> None:
        """A due step not yet recorded makes the case due for a check now."""
        sla = ladder()
        case = complaint(at(0, 10))
        assert sla.evaluate(case, at(0, 11)).next_check_at == at(0, 16)
        assert sla.evaluate(case, at(0, 16, 30)).next_check_at == at(0, 16)
        fired = fire_all(sla, case, at(0, 16, 30))
        assert sla.evaluate(fired, at(0, 16, 30)).next_check_at == at(1, 10)

    def test_completed_clocks_give_no_notices(self) -> None:
        """A resolved case has nothing left to escalate, even if a step was never recorded."""
        case = complaint(at(0, 10)).resolve(at(1, 12))
        assert ladder().due_escalations(case, at(2, 9)) == ()

    def test_steps_are_walked_in_business_time_around_pauses(self) -> None:
        """A pause pushes the warning back by its business time."""
        case = complaint(at(0, 10)).set_status(WAITING, at(0, 11)).customer_reply(at(0, 13))
        assert ladder().due_escalations(case, at(0, 17)) == ()
        notices = ladder().due_escalations(case, at(1, 10))
        assert [(n.step, n.due_at) for n in notices] == [("warn-owner", at(1, 10))]

    def test_a_paused_clock_keeps_due_steps_but_reaches_no_new_ones(self) -> None:
        """While paused, a step already due stays due; a later one waits for the case."""
        case = complaint(at(0, 10)).set_status(WAITING, at(0, 16, 30))
        notices = ladder().due_escalations(case, at(2, 9))
        assert [n.step for n in notices] == ["warn-owner"]
        fired = fire_all(ladder(), case, at(2, 9))
        assert ladder().evaluate(fired, at(2, 9)).next_check_at is None

    def test_before_and_after_offsets(self) -> None:
        """Offsets are business time: one hour before Tuesday 10:00 is Monday 17:00."""
        soon = Escalation(name="soon", metric="resolution", before=hours(1), notify="owner")
        late = Escalation(name="late", metric="resolution", after=hours(2), notify="manager")
        at_breach = Escalation(name="now", metric="resolution", after=timedelta(0), notify="m")
        sla = ladder(soon, late, at_breach)
        notices = sla.due_escalations(complaint(at(0, 10)), at(1, 13))
        assert [(n.step, n.due_at) for n in notices] == [
            ("soon", at(0, 17)),
            ("now", at(1, 10)),
            ("late", at(1, 12)),
        ]

    def test_steps_on_business_day_targets(self) -> None:
        """With BusinessDays the target is measured at the start, then steps are walked."""
        half = Escalation(name="half", metric="resolution", at=0.5, notify="owner")
        soon = Escalation(name="soon", metric="resolution", before=hours(1), notify="owner")
        sla = ladder(soon, half, targets=Targets(resolution=BusinessDays(1)))
        notices = sla.due_escalations(complaint(at(0, 14)), at(1, 14))
        assert [(n.step, n.due_at) for n in notices] == [
            ("half", at(1, 10)),
            ("soon", at(1, 13)),
        ]

    def test_recurring_metrics_have_a_key_per_cycle(self) -> None:
        """The next-response warning fires once per customer message, keyed by cycle."""
        step = Escalation(name="warn", metric="next_response", at=0.5, notify="owner")
        sla = ladder(step, targets=Targets(next_response=hours(2)))
        case = complaint(at(0, 9)).agent_reply(at(0, 9)).customer_reply(at(0, 10))
        first = sla.due_escalations(case, at(0, 11, 30))
        assert [n.key for n in first] == ["Standard/next_response#1/warn"]
        case = fire_all(sla, case, at(0, 11, 30)).agent_reply(at(0, 11, 40))
        case = case.customer_reply(at(0, 12))
        second = sla.due_escalations(case, at(0, 13))
        assert [n.key for n in second] == ["Standard/next_response#2/warn"]

    def test_notices_name_the_assignee(self) -> None:
        """'owner' means the case's assignee: the notice carries it."""
        case = complaint(at(0, 10)).assign("ola", at(0, 10))
        notices = ladder().due_escalations(case, at(0, 16))
        assert [n.assignee for n in notices] == ["ola"]
