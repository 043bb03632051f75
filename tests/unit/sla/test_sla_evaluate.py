import datetime as dt
from datetime import date, timedelta

import pendulum
import pytest
from sla_support import ALWAYS, OFFICE, OSLO, at, book, complaint, hours, policy

from custrel.calendars import BusinessCalendar, BusinessDays
from custrel.cases import CaseKind, CaseStatus, Priority
from custrel.errors import ValidationError
from custrel.sla import CaseFilter, MetricReport, PolicyBook, SlaPolicy, Targets

WAITING = CaseStatus.WAITING_ON_CUSTOMER


def resolution(report_metric: MetricReport | None) -> MetricReport:
    assert report_metric is not None
    return report_metric


class TestPauses:
    def test_a_pause_outside_opening_hours_moves_nothing(self) -> None:
        """Waiting on the customer overnight, while closed, leaves the deadline where it was."""
        sla = book(Targets(resolution=hours(16)))
        case = complaint(at(0, 10)).agent_reply(at(0, 10, 30))
        unpaused = sla.evaluate(case, at(1, 12)).resolution
        paused_overnight = case.set_status(WAITING, at(0, 17, 30)).customer_reply(at(1, 8, 30))
        report = resolution(sla.evaluate(paused_overnight, at(1, 12)).resolution)
        assert report.due_at == resolution(unpaused).due_at == at(2, 10)
        assert report.elapsed == hours(10)
        assert report.remaining == hours(6)
        assert report.state == "active"

    def test_a_pause_inside_opening_hours_moves_the_deadline_by_its_business_time(self) -> None:
        """Two and a half business hours waiting move the deadline two and a half hours."""
        sla = book(Targets(resolution=hours(16)))
        case = complaint(at(0, 10)).set_status(WAITING, at(1, 12)).customer_reply(at(1, 14, 30))
        report = resolution(sla.evaluate(case, at(1, 15)).resolution)
        assert report.due_at == at(2, 12, 30)
        assert report.elapsed == hours(10.5)

    def test_a_pause_spanning_closed_time_counts_only_its_open_part(self) -> None:
        """Waiting from Friday 16:00 to Monday 10:00 pauses two business hours."""
        sla = book(Targets(resolution=hours(8)))
        case = complaint(at(4, 12)).set_status(WAITING, at(4, 16)).customer_reply(at(7, 10))
        report = resolution(sla.evaluate(case, at(7, 10)).resolution)
        assert report.elapsed == hours(4)
        assert report.due_at == at(7, 14)

    def test_a_pause_after_the_deadline_moves_nothing(self) -> None:
        """Once the deadline passed, waiting on the customer does not undo the breach."""
        sla = book(Targets(resolution=hours(8)))
        case = complaint(at(0, 10)).set_status(WAITING, at(1, 11)).customer_reply(at(1, 15))
        report = resolution(sla.evaluate(case, at(1, 16)).resolution)
        assert report.due_at == report.breached_at == at(1, 10)
        assert report.elapsed == hours(10)
        assert report.remaining == -hours(2)

    def test_while_paused_the_deadline_is_provisional(self) -> None:
        """Paused, due_at is the deadline if the case resumed now, and it moves with now."""
        sla = book(Targets(resolution=hours(8)))
        case = complaint(at(0, 10)).set_status(WAITING, at(0, 12))
        first = resolution(sla.evaluate(case, at(0, 15)).resolution)
        later = resolution(sla.evaluate(case, at(1, 10)).resolution)
        assert (first.state, later.state) == ("paused", "paused")
        assert first.elapsed == later.elapsed == hours(2)
        assert first.due_at == at(1, 13)
        assert later.due_at == at(1, 16)
        assert first.breached_at is None

    def test_first_and_next_response_never_pause(self) -> None:
        """Waiting on the customer does not stop the clocks that wait on the company."""
        sla = book(Targets(first_response=hours(1), next_response=hours(1)))
        unanswered = complaint(at(0, 10)).set_status(WAITING, at(0, 10, 15))
        first = sla.evaluate(unanswered, at(0, 11, 30)).first_response
        assert first is not None
        assert (first.state, first.due_at, first.breached_at) == ("active", at(0, 11), at(0, 11))
        follow_up = (
            complaint(at(0, 9))
            .agent_reply(at(0, 9, 30))
            .customer_reply(at(0, 10))
            .set_status(WAITING, at(0, 10, 10))
        )
        next_response = sla.evaluate(follow_up, at(0, 10, 30)).next_response
        assert next_response is not None
        assert (next_response.state, next_response.due_at) == ("active", at(0, 11))

    def test_other_statuses_pause_when_configured(self) -> None:
        """pause_on decides; on hold pauses only when listed."""
        targets = Targets(resolution=hours(8))
        case = complaint(at(0, 9)).set_status(CaseStatus.ON_HOLD, at(0, 10))
        default = resolution(book(targets).evaluate(case, at(0, 12)).resolution)
        on_hold = resolution(
            book(targets, pause_on={WAITING, CaseStatus.ON_HOLD})
            .evaluate(case, at(0, 12))
            .resolution
        )
        assert (default.state, default.elapsed) == ("active", hours(3))
        assert (on_hold.state, on_hold.elapsed) == ("paused", hours(1))

    def test_reopening_counts_the_resolved_time_as_paused(self) -> None:
        """Resolved to reopened is paused: the reopened case keeps its earlier elapsed time."""
        sla = book(Targets(resolution=hours(8)))
        case = complaint(at(0, 10)).resolve(at(0, 14)).reopen(at(1, 10))
        report = resolution(sla.evaluate(case, at(1, 12)).resolution)
        assert (report.state, report.completed_at) == ("active", None)
        assert report.elapsed == hours(6)
        assert report.due_at == at(1, 14)

    def test_a_customer_reply_reopens_and_restarts_the_clocks(self) -> None:
        """A reply to a resolved case reopens it; resolution runs on from its elapsed time."""
        sla = book(Targets(resolution=hours(8), next_response=hours(2)))
        case = complaint(at(0, 10)).agent_reply(at(0, 11)).resolve(at(0, 14))
        reopened = case.customer_reply(at(1, 9))
        report = sla.evaluate(reopened, at(1, 10))
        assert resolution(report.resolution).elapsed == hours(5)
        assert report.next_response is not None
        assert (report.next_response.started_at, report.next_response.due_at) == (
            at(1, 9),
            at(1, 11),
        )

    def test_resolving_again_completes_at_the_new_resolution(self) -> None:
        """After a reopening, the latest resolution is the completion."""
        sla = book(Targets(resolution=hours(8)))
        case = complaint(at(0, 10)).resolve(at(0, 14)).reopen(at(1, 10)).resolve(at(1, 11))
        report = resolution(sla.evaluate(case, at(2, 9)).resolution)
        assert (report.state, report.completed_at, report.elapsed) == (
            "completed",
            at(1, 11),
            hours(5),
        )
        assert report.breached_at is None


class TestCompletionAndBreach:
    def test_first_contact_resolution_completes_both_at_once(self) -> None:
        """Resolved at first contact: first response and resolution complete together."""
        sla = book(Targets(first_response=hours(1), resolution=hours(8)))
        case = complaint(at(0, 10)).resolve(at(0, 10, 20), first_contact=True)
        report = sla.evaluate(case, at(0, 12))
        assert report.first_response is not None
        assert report.resolution is not None
        for metric in (report.first_response, report.resolution):
            assert (metric.state, metric.completed_at, metric.breached_at) == (
                "completed",
                at(0, 10, 20),
                None,
            )
            assert metric.elapsed == timedelta(minutes=20)
        assert not report.breached
        assert report.next_check_at is None

    def test_a_late_completion_still_completes_and_stays_breached(self) -> None:
        """Breach is apart from state: completed, and breached at the deadline."""
        sla = book(Targets(first_response=hours(1)))
        case = complaint(at(0, 10)).agent_reply(at(0, 12))
        report = sla.evaluate(case, at(0, 13)).first_response
        assert report is not None
        assert (report.state, report.completed_at) == ("completed", at(0, 12))
        assert report.breached_at == report.due_at == at(0, 11)
        assert report.breaches == 1
        assert report.is_breached
        assert sla.evaluate(case, at(0, 13)).breached

    def test_a_completion_exactly_at_the_deadline_is_in_time(self) -> None:
        """The deadline is the last instant a completion is in time."""
        sla = book(Targets(first_response=hours(1)))
        case = complaint(at(0, 10)).agent_reply(at(0, 11))
        report = sla.evaluate(case, at(0, 12)).first_response
        assert report is not None
        assert report.breached_at is None
        assert report.remaining == timedelta(0)

    def test_a_running_clock_breaches_once_now_passes_the_deadline(self) -> None:
        """At the deadline itself nothing is breached yet; a moment later it is."""
        sla = book(Targets(first_response=hours(1)))
        case = complaint(at(0, 10))
        on_time = sla.evaluate(case, at(0, 11)).first_response
        late = sla.evaluate(case, at(0, 11).add(microseconds=1)).first_response
        assert on_time is not None
        assert late is not None
        assert on_time.breached_at is None
        assert late.breached_at == at(0, 11)

    def test_the_deadline_is_an_instant_even_in_closed_hours(self) -> None:
        """Due Friday 17:00: a reply on Saturday is late, though no business time passed."""
        sla = book(Targets(first_response=hours(1)))
        case = complaint(at(4, 16)).agent_reply(at(5, 10))
        report = sla.evaluate(case, at(5, 11)).first_response
        assert report is not None
        assert report.due_at == at(4, 17)
        assert report.elapsed == hours(1)
        assert report.breached_at == at(4, 17)

    def test_a_case_opened_while_closed_starts_counting_at_the_opening(self) -> None:
        """Opened on Saturday, a one-hour target is due at Monday 10:00."""
        sla = book(Targets(first_response=hours(1)))
        report = sla.evaluate(complaint(at(5, 11)), at(6, 20)).first_response
        assert report is not None
        assert report.due_at == at(7, 10)
        assert report.elapsed == timedelta(0)
        assert report.remaining == hours(1)


class TestTargetsAndCalendars:
    def test_deadlines_are_exact_across_spring_forward(self) -> None:
        """Four hours from 23:00 on the night clocks go forward is 04:00, not 03:00."""
        sla = PolicyBook([], default=SlaPolicy("24x7", ALWAYS, Targets(resolution=hours(4))))
        case = complaint(pendulum.datetime(2026, 3, 28, 23, 0, tz=OSLO))
        report = resolution(
            sla.evaluate(case, pendulum.datetime(2026, 3, 29, 1, tz=OSLO)).resolution
        )
        assert report.due_at == pendulum.datetime(2026, 3, 29, 4, 0, tz=OSLO)
        assert report.elapsed == hours(2)

    def test_deadlines_are_exact_across_fall_back(self) -> None:
        """Four hours from 23:00 on the night clocks go back is the second 02:00."""
        sla = PolicyBook([], default=SlaPolicy("24x7", ALWAYS, Targets(resolution=hours(4))))
        case = complaint(pendulum.datetime(2026, 10, 24, 23, 0, tz=OSLO))
        report = resolution(sla.evaluate(case, case.opened_at).resolution)
        # Inter-zone == is always False for an instant in a fold (PEP 495): compare in UTC.
        assert report.due_at.in_timezone("UTC") == pendulum.datetime(2026, 10, 25, 1, tz="UTC")
        assert report.due_at.isoformat() == "2026-10-25T02:00:00+01:00"

    def test_business_days_keep_the_wall_time(self) -> None:
        """One business day from Monday 14:00 is Tuesday 14:00; from Friday, Monday."""
        sla = book(Targets(resolution=BusinessDays(1)))
        monday = resolution(sla.evaluate(complaint(at(0, 14)), at(0, 15)).resolution)
        friday = resolution(sla.evaluate(complaint(at(4, 14)), at(4, 15)).resolution)
        assert monday.due_at == at(1, 14)
        assert monday.target_time == hours(8)
        assert friday.due_at == at(7, 14)
        assert monday.target == BusinessDays(1)

    def test_business_days_skip_holidays(self) -> None:
        """With Tuesday a holiday, one business day from Monday 14:00 is Wednesday 14:00."""
        calendar = BusinessCalendar.weekdays(timezone=OSLO, holidays=[date(2026, 3, 3)])
        sla = PolicyBook([], default=SlaPolicy("S", calendar, Targets(resolution=BusinessDays(1))))
        report = resolution(sla.evaluate(complaint(at(0, 14)), at(0, 15)).resolution)
        assert report.due_at == at(2, 14)

    def test_business_days_are_extended_by_pauses_in_business_time(self) -> None:
        """A business-day target turns into business time at the start; pauses extend it."""
        sla = book(Targets(resolution=BusinessDays(1)))
        case = complaint(at(0, 14)).set_status(WAITING, at(0, 15)).customer_reply(at(0, 16))
        report = resolution(sla.evaluate(case, at(0, 16)).resolution)
        assert report.due_at == at(1, 15)
        assert report.elapsed == hours(1)
        assert report.remaining == hours(7)

    def test_a_calendar_per_priority(self) -> None:
        """Urgent cases counted around the clock, the others in office hours."""
        targets = {
            Priority.URGENT: Targets(first_response=hours(1), calendar=ALWAYS),
            **dict.fromkeys(
                (Priority.HIGH, Priority.NORMAL, Priority.LOW), Targets(first_response=hours(1))
            ),
        }
        sla = PolicyBook([], default=SlaPolicy("S", OFFICE, targets))
        urgent = sla.evaluate(complaint(at(5, 10), Priority.URGENT), at(5, 10)).first_response
        high = sla.evaluate(complaint(at(5, 10), Priority.HIGH), at(5, 10)).first_response
        assert urgent is not None
        assert high is not None
        assert urgent.due_at == at(5, 11)
        assert high.due_at == at(7, 10)

    def test_a_calendar_per_metric(self) -> None:
        """First response around the clock, resolution in office hours."""
        targets = Targets(
            first_response=hours(1), resolution=hours(8), calendars={"first_response": ALWAYS}
        )
        report = book(targets).evaluate(complaint(at(5, 10)), at(5, 10))
        assert report.first_response is not None
        assert report.first_response.due_at == at(5, 11)
        assert resolution(report.resolution).due_at == at(7, 17)

    def test_instants_are_in_the_zone_of_the_metrics_calendar(self) -> None:
        """Deadlines read in the calendar's zone whatever zone the case was opened in."""
        utc_office = BusinessCalendar.weekdays(timezone="UTC")
        sla = PolicyBook([], default=SlaPolicy("S", utc_office, Targets(resolution=hours(1))))
        report = resolution(sla.evaluate(complaint(at(0, 10)), at(0, 10)).resolution)
        assert report.due_at.timezone_name == "UTC"
        assert report.due_at == pendulum.datetime(2026, 3, 2, 10, tz="UTC")


class TestRetargeting:
    def test_a_priority_change_retargets_keeping_elapsed_and_paused_time(self) -> None:
        """Raised to urgent, the case keeps its two business hours elapsed and its pause."""
        targets = {
            Priority.URGENT: Targets(resolution=hours(4)),
            **dict.fromkeys(
                (Priority.HIGH, Priority.NORMAL, Priority.LOW), Targets(resolution=hours(8))
            ),
        }
        sla = PolicyBook([], default=SlaPolicy("S", OFFICE, targets))
        case = complaint(at(0, 10)).set_status(WAITING, at(0, 11)).customer_reply(at(0, 13))
        before = resolution(sla.evaluate(case, at(0, 14)).resolution)
        raised = case.change_priority(Priority.URGENT, at(0, 14))
        after = resolution(sla.evaluate(raised, at(0, 14)).resolution)
        assert before.due_at == at(1, 12)
        assert after.elapsed == before.elapsed == hours(2)
        assert after.due_at == at(0, 16)
        assert after.target_time == hours(4)

    def test_a_tighter_target_can_be_breached_already(self) -> None:
        """Raised after the new target's deadline, the case is breached from that deadline."""
        targets = {
            Priority.URGENT: Targets(resolution=hours(1)),
            **dict.fromkeys(
                (Priority.HIGH, Priority.NORMAL, Priority.LOW), Targets(resolution=hours(8))
            ),
        }
        sla = PolicyBook([], default=SlaPolicy("S", OFFICE, targets))
        raised = complaint(at(0, 10)).change_priority(Priority.URGENT, at(0, 14))
        report = resolution(sla.evaluate(raised, at(0, 14)).resolution)
        assert report.breached_at == at(0, 11)

    def test_a_kind_change_moves_the_case_to_another_policy(self) -> None:
        """The policy follows the case's current kind."""
        complaints = SlaPolicy(
            "Complaints",
            OFFICE,
            Targets(resolution=hours(4)),
            applies_to=CaseFilter(kinds={CaseKind.COMPLAINT}),
        )
        sla = PolicyBook([complaints], default=policy(Targets(resolution=hours(16))))
        case = complaint(at(0, 10))
        assert sla.evaluate(case, at(0, 11)).policy == "Complaints"
        inquiry = case.change_kind(CaseKind.INQUIRY, at(0, 11))
        report = sla.evaluate(inquiry, at(0, 11))
        assert (report.policy, report.kind) == ("Standard", CaseKind.INQUIRY)
        assert resolution(report.resolution).due_at == at(2, 10)


class TestRecurringMetrics:
    def test_next_response_counts_cycles_and_their_breaches(self) -> None:
        """Each customer message starts a cycle; the report shows the current one."""
        sla = book(Targets(next_response=hours(1)))
        case = (
            complaint(at(0, 9))
            .agent_reply(at(0, 9, 30))
            .customer_reply(at(0, 10))
            .agent_reply(at(0, 10, 30))
            .customer_reply(at(0, 11))
            .agent_reply(at(0, 13))
            .customer_reply(at(0, 14))
            .customer_reply(at(0, 14, 10))
        )
        report = sla.evaluate(case, at(0, 14, 30))
        metric = report.next_response
        assert metric is not None
        assert (metric.cycle, metric.breaches, metric.state) == (3, 1, "active")
        assert (metric.started_at, metric.due_at, metric.breached_at) == (
            at(0, 14),
            at(0, 15),
            None,
        )
        assert report.breached

    def test_no_next_response_before_a_customer_follow_up(self) -> None:
        """Messages before the first response belong to it; without a follow-up: None."""
        sla = book(Targets(first_response=hours(1), next_response=hours(1)))
        case = complaint(at(0, 9)).customer_reply(at(0, 9, 10)).agent_reply(at(0, 9, 20))
        assert sla.evaluate(case, at(0, 10)).next_response is None

    def test_a_resolution_answers_a_waiting_message(self) -> None:
        """Resolving answers the customer: the pending next response completes."""
        sla = book(Targets(next_response=hours(1)))
        case = complaint(at(0, 9)).agent_reply(at(0, 9)).customer_reply(at(0, 10))
        report = sla.evaluate(case.resolve(at(0, 10, 30)), at(0, 12)).next_response
        assert report is not None
        assert (report.state, report.completed_at) == ("completed", at(0, 10, 30))

    def test_periodic_update_restarts_at_each_reply_and_pauses(self) -> None:
        """The update clock restarts at every agent reply and pauses while waiting."""
        sla = book(Targets(periodic_update=hours(4)))
        case = (
            complaint(at(0, 9))
            .agent_reply(at(0, 10))
            .set_status(WAITING, at(0, 11))
            .customer_reply(at(1, 9))
        )
        report = sla.evaluate(case, at(1, 11)).periodic_update
        assert report is not None
        assert (report.cycle, report.state, report.started_at) == (2, "active", at(0, 10))
        assert report.elapsed == hours(3)
        assert report.due_at == at(1, 12)

    def test_periodic_update_stops_at_resolution_and_resumes_on_reopening(self) -> None:
        """Resolved, the update clock is done; reopened, a new cycle starts."""
        sla = book(Targets(periodic_update=hours(4)))
        resolved = complaint(at(0, 9)).resolve(at(0, 10))
        done = sla.evaluate(resolved, at(1, 9)).periodic_update
        assert done is not None
        assert (done.state, done.cycle) == ("completed", 1)
        reopened = sla.evaluate(resolved.reopen(at(1, 9)), at(1, 10)).periodic_update
        assert reopened is not None
        assert (reopened.state, reopened.cycle, reopened.due_at) == ("active", 2, at(1, 13))

    def test_a_late_update_cycle_counts_as_a_breach(self) -> None:
        """A past cycle that ran over its target is counted, paused time excluded."""
        sla = book(Targets(periodic_update=hours(2)))
        case = (
            complaint(at(0, 9))
            .set_status(WAITING, at(0, 10))
            .customer_reply(at(0, 15))
            .agent_reply(at(0, 16))
            .agent_reply(at(0, 16, 30))
            .set_status(WAITING, at(0, 16, 40))
            .customer_reply(at(1, 12))
            .agent_reply(at(1, 12, 30))
        )
        report = sla.evaluate(case, at(1, 13)).periodic_update
        assert report is not None
        assert (report.cycle, report.breaches) == (4, 0)
        late = case.agent_reply(at(1, 15))
        assert (sla.evaluate(late, at(1, 15)).periodic_update or report).breaches == 1


class TestReport:
    def test_the_report_names_policy_priority_kind_and_instant(self) -> None:
        """A report says which policy and targets applied, and when."""
        report = book().evaluate(complaint(at(0, 10)), at(0, 11))
        assert (report.case_id, report.policy, report.priority, report.kind) == (
            "c-1",
            "Standard",
            Priority.HIGH,
            CaseKind.COMPLAINT,
        )
        assert report.at == at(0, 11)
        assert [m.metric.value for m in report.metrics] == ["first_response", "resolution"]
        assert report.next_response is None
        assert report.periodic_update is None

    def test_now_before_the_last_event_is_taken_as_that_event(self) -> None:
        """Evaluating before the latest event (a clock a little behind) is not an error."""
        case = complaint(at(0, 10)).agent_reply(at(0, 12))
        report = book().evaluate(case, at(0, 11))
        assert report.at == at(0, 12)
        assert report.first_response is not None
        assert report.first_response.state == "completed"

    def test_now_may_be_a_standard_library_datetime(self) -> None:
        """Any aware datetime is accepted; the report's instant is a pendulum.DateTime."""
        moment = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.timezone.utc)
        report = book().evaluate(complaint(at(0, 10)), moment)
        assert isinstance(report.at, pendulum.DateTime)
        assert report.at == moment
        with pytest.raises(ValidationError, match=r"^now: expected a timezone-aware datetime"):
            book().evaluate(complaint(at(0, 10)), "2026-03-02T10:30:00Z")  # type: ignore[arg-type]

    def test_reports_compare_by_what_they_say(self) -> None:
        """Equal reports are equal and hash alike; a report is not equal to anything else."""
        case = complaint(at(0, 10)).agent_reply(at(0, 10, 30))
        first = book().evaluate(case, at(0, 12)).first_response
        again = book().evaluate(case, at(0, 13)).first_response
        other = book().evaluate(complaint(at(0, 10)), at(0, 12)).first_response
        assert first == again
        assert hash(first) == hash(again)
        assert first != other
        assert first != "first response"

    def test_whole_reports_compare_by_what_they_say(self) -> None:
        """Reports saying the same are equal and hash alike; any difference makes them unequal."""
        case = complaint(at(0, 10)).agent_reply(at(0, 10, 30))
        report = book().evaluate(case, at(0, 12))
        again = book().evaluate(case, at(0, 12))
        assert report == again
        assert hash(report) == hash(again)
        assert report != book().evaluate(case, at(0, 13))
        assert report != book().evaluate(case.resolve(at(0, 12)), at(0, 12))
        assert report != "report"

    def test_a_report_shows_its_metrics(self) -> None:
        """The repr names the case, the policy and each metric's state, as fields would."""
        report = book().evaluate(complaint(at(0, 10)), at(0, 11))
        text = repr(report)
        assert text.startswith("SlaReport(case_id='c-1', policy='Standard', priority=")
        assert "first_response=MetricReport(metric=<Metric.FIRST_RESPONSE" in text
        assert "state='active', cycle=1)" in text
        assert "next_response=None" in text

    def test_naive_now_is_refused(self) -> None:
        """Time without a zone is refused with the argument named."""
        with pytest.raises(ValidationError, match=r"^now: naive datetime"):
            book().evaluate(complaint(at(0, 10)), at(0, 11).naive())

    def test_a_report_computes_what_evaluation_left_out_on_demand(self) -> None:
        """A completed clock's deadline and elapsed time are there when asked for."""
        case = complaint(at(0, 10)).agent_reply(at(0, 10, 30))
        first = book().evaluate(case, at(0, 11)).first_response
        assert first is not None
        assert first.elapsed == timedelta(minutes=30)
        assert first.due_at == at(0, 11)
        assert first.remaining == timedelta(minutes=30)
        assert first == book().evaluate(case, at(0, 12)).first_response

    def test_a_policy_evaluates_a_case_it_does_not_apply_to(self) -> None:
        """SlaPolicy.evaluate measures any case under that policy."""
        complaints = policy(name="Returns", applies_to=CaseFilter(kinds={"return"}))
        assert complaints.evaluate(complaint(at(0, 10)), at(0, 11)).policy == "Returns"


class TestNextCheck:
    def test_the_next_check_is_the_earliest_running_deadline(self) -> None:
        """Both clocks running: the first response deadline comes first."""
        report = book().evaluate(complaint(at(0, 10)), at(0, 10, 10))
        assert report.next_check_at == at(0, 11)

    def test_completed_and_passed_deadlines_need_no_check(self) -> None:
        """After the reply the resolution deadline remains; after the breach, nothing."""
        case = complaint(at(0, 10)).agent_reply(at(0, 10, 30))
        assert book().evaluate(case, at(0, 11)).next_check_at == at(1, 10)
        assert book().evaluate(case, at(1, 11)).next_check_at is None

    def test_a_paused_clock_needs_no_check(self) -> None:
        """Only a change to the case restarts a paused clock."""
        case = complaint(at(0, 10)).agent_reply(at(0, 10, 30)).set_status(WAITING, at(0, 11))
        assert book().evaluate(case, at(0, 12)).next_check_at is None

    def test_a_closed_case_needs_no_check(self) -> None:
        """Nothing happens by itself to a resolved and closed case."""
        case = complaint(at(0, 10)).resolve(at(0, 11)).close(at(0, 12))
        assert book().evaluate(case, at(0, 12)).next_check_at is None
