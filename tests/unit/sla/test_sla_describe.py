from datetime import timedelta

from sla_support import ALWAYS, OFFICE, hours

from custrel.calendars import BusinessDays
from custrel.cases import Case, CaseKind, CaseStatus, Priority
from custrel.sla import CaseFilter, Escalation, PolicyBook, SlaPolicy, Targets
from custrel.sla._metrics import format_duration

URGENT = Targets(first_response=hours(1), resolution=hours(4), calendar=ALWAYS)
OTHERS = Targets(first_response=hours(2), resolution=BusinessDays(2))
COMPLAINTS = SlaPolicy(
    "Complaints",
    OFFICE,
    {Priority.URGENT: URGENT, Priority.HIGH: OTHERS, Priority.NORMAL: OTHERS, Priority.LOW: OTHERS},
    applies_to=CaseFilter(kinds={CaseKind.COMPLAINT}),
    pause_on={CaseStatus.WAITING_ON_CUSTOMER, CaseStatus.ON_HOLD},
    escalations=[
        Escalation(name="warn", metric="resolution", at=0.75, notify="owner"),
        Escalation(name="lead", metric="resolution", at=1, notify=["team_lead", "duty_manager"]),
        Escalation(name="soon", metric="first_response", before=timedelta(minutes=15), notify="o"),
        Escalation(name="late", metric="resolution", after=hours(2), notify="head"),
        Escalation(name="now", metric="first_response", after=timedelta(0), notify="lead"),
        Escalation(name="two-thirds", metric="resolution", at=2 / 3, notify="owner"),
    ],
)
STANDARD = SlaPolicy("Standard", OFFICE, Targets(resolution=hours(16)), pause_on=())


class TestDescribe:
    def test_a_book_says_how_a_policy_is_chosen(self) -> None:
        """The book lists the policies in order and names the default."""
        text = PolicyBook([COMPLAINTS], default=STANDARD).describe()
        assert text.startswith("# Service levels\n")
        assert (
            "tried in this order: **Complaints**. Cases none of them takes get **Standard**."
            in text
        )
        assert "## Complaints" in text
        assert "## Standard" in text
        assert "Applies to: complaint cases." in text
        assert "Applies to: every case no other policy takes." in text
        assert (
            PolicyBook([], default=STANDARD).describe().count("Every case gets **Standard**.") == 1
        )

    def test_a_policy_shows_hours_pauses_targets_and_steps(self) -> None:
        """Business hours come from the calendar; the table has a row per priority."""
        text = COMPLAINTS.describe()
        assert text.startswith("## Complaints\n")
        assert f"Business hours: {OFFICE.describe()}" in text
        assert "pauses while the case is waiting on the customer or on hold" in text
        assert "| Priority | First response | Resolution |" in text
        assert "| Urgent | 1 business hour ¹ | 4 business hours ¹ |" in text
        assert "| Low | 2 business hours | 2 business days |" in text
        assert f"¹ Counted on other hours: {ALWAYS.describe()}" in text
        assert "- At 75 % of the resolution target: notify owner (step `warn`)." in text
        assert (
            "- When the resolution deadline passes: notify team lead and duty manager "
            "(step `lead`)." in text
        )
        assert "- 15 business minutes before the first response deadline: notify o" in text
        assert "- 2 business hours after the resolution deadline: notify head" in text
        assert "- At 66.6667 % of the resolution target" in text
        assert "- When the first response deadline passes: notify lead (step `now`)." in text

    def test_a_policy_that_never_pauses_says_so(self) -> None:
        """With an empty pause_on the text does not promise pauses."""
        text = STANDARD.describe()
        assert "The resolution clock never pauses; first and next response never pause" in text
        response_only = SlaPolicy("R", OFFICE, Targets(first_response=hours(1)))
        assert "First and next response never pause" in response_only.describe()

    def test_scope_words_for_rules_without_a_description(self) -> None:
        """A named function is quoted; a lambda is 'a rule in code'; a description wins."""

        def vip(case: Case) -> bool:
            return case.priority is Priority.URGENT

        assert SlaPolicy("V", OFFICE, OTHERS, applies_to=vip).scope() == (
            "cases for which `vip` says yes"
        )
        assert SlaPolicy(
            "L", OFFICE, OTHERS, applies_to=lambda c: c.kind is CaseKind.RETURN
        ).scope() == ("cases chosen by a rule in code")
        described = SlaPolicy("D", OFFICE, OTHERS, applies_to=vip, description="VIP customers")
        assert described.scope() == "VIP customers"
        assert STANDARD.scope() == "all cases"

    def test_durations_read_naturally(self) -> None:
        """Business time in hours and minutes, never days; business days as such."""
        assert format_duration(hours(1)) == "1 business hour"
        assert format_duration(timedelta(hours=1, minutes=30)) == "1 business hour 30 minutes"
        assert format_duration(timedelta(days=2)) == "48 business hours"
        assert format_duration(timedelta(seconds=90), business=False) == "1 minute 30 seconds"
        assert format_duration(timedelta(microseconds=5)) == "5 business microseconds"
        assert format_duration(BusinessDays(1)) == "1 business day"
