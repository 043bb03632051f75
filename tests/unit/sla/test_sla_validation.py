import re
from datetime import timedelta

import pendulum
import pytest
from sla_support import ALWAYS, OFFICE, at, complaint, hours, policy

from custrel.calendars import BusinessDays
from custrel.cases import CaseKind, CaseStatus, Priority
from custrel.errors import NotFoundError, PolicyError, ValidationError
from custrel.sla import CaseFilter, Escalation, Metric, PolicyBook, SlaPolicy, Targets

START = at(0, 10)


def refused(field: str, value: object) -> str:
    """A `match` pattern for a message naming *field* and the repr of *value*."""
    return rf"^{re.escape(field)}: .*\(got {re.escape(repr(value))}\)$"


class TestTargets:
    @pytest.mark.parametrize("value", [timedelta(0), timedelta(minutes=-5), -timedelta(hours=1)])
    def test_zero_or_negative_durations_are_refused(self, value: timedelta) -> None:
        """A target of zero or negative length is a PolicyError naming the field and value."""
        with pytest.raises(PolicyError, match=refused("resolution", value)):
            Targets(resolution=value)

    def test_months_are_not_business_time(self) -> None:
        """A calendar month is not a length of business time."""
        with pytest.raises(PolicyError, match=r"not months or years"):
            Targets(resolution=pendulum.duration(months=1))

    def test_zero_business_days_are_refused(self) -> None:
        """BusinessDays(0) is no target at all."""
        with pytest.raises(PolicyError, match=refused("first_response", BusinessDays(0))):
            Targets(first_response=BusinessDays(0))

    @pytest.mark.parametrize("value", [3600, 1.5, "1h", True])
    def test_wrong_types_are_refused(self, value: object) -> None:
        """Numbers and strings are not durations: the unit would be a guess."""
        with pytest.raises(PolicyError, match=refused("next_response", value)):
            Targets(next_response=value)

    def test_policy_errors_are_validation_errors(self) -> None:
        """A caller catching ValidationError (or ValueError) catches policy mistakes too."""
        with pytest.raises(ValidationError) as info:
            Targets(resolution=timedelta(0))
        assert isinstance(info.value, ValueError)

    def test_at_least_one_target(self) -> None:
        """Targets without any target measure nothing and are refused."""
        with pytest.raises(PolicyError, match="at least one target"):
            Targets()

    def test_items_and_get(self) -> None:
        """items() lists the measured metrics in Metric order; get() answers None for the rest."""
        targets = Targets(resolution=BusinessDays(2), first_response=hours(1))
        assert targets.items() == (
            (Metric.FIRST_RESPONSE, hours(1)),
            (Metric.RESOLUTION, BusinessDays(2)),
        )
        assert targets.get("next_response") is None
        assert targets.get(Metric.RESOLUTION) == BusinessDays(2)

    def test_calendar_for_prefers_metric_then_targets_then_policy(self) -> None:
        """A per-metric calendar wins over the targets' calendar, which wins over the default."""
        other = OFFICE
        targets = Targets(
            first_response=hours(1),
            resolution=hours(4),
            calendar=other,
            calendars={"first_response": ALWAYS},
        )
        assert targets.calendar_for(Metric.FIRST_RESPONSE, OFFICE) is ALWAYS
        assert targets.calendar_for(Metric.RESOLUTION, ALWAYS) is other
        assert Targets(resolution=hours(1)).calendar_for(Metric.RESOLUTION, ALWAYS) is ALWAYS

    def test_calendar_for_an_unmeasured_metric_is_refused(self) -> None:
        """A calendar for a metric without a target is a mistake worth reporting."""
        with pytest.raises(PolicyError, match=r"calendars\['periodic_update'\]"):
            Targets(resolution=hours(1), calendars={"periodic_update": ALWAYS})

    def test_calendars_must_be_calendars(self) -> None:
        """A calendar given as anything else is refused, naming where."""
        with pytest.raises(PolicyError, match=r"^calendar: expected a BusinessCalendar"):
            Targets(resolution=hours(1), calendar="24x7")
        with pytest.raises(PolicyError, match=r"calendars\['resolution'\]"):
            Targets(resolution=hours(1), calendars={"resolution": "24x7"})
        with pytest.raises(PolicyError, match="unknown metric"):
            Targets(resolution=hours(1), calendars={"solution": ALWAYS})
        with pytest.raises(PolicyError, match="expected a mapping"):
            Targets(resolution=hours(1), calendars=[ALWAYS])


class TestPolicy:
    def test_a_valid_policy_keeps_what_it_was_given(self) -> None:
        """Name, calendar, targets for every priority, default pause_on and no escalations."""
        built = policy()
        assert built.name == "Standard"
        assert built.calendar is OFFICE
        assert set(built.targets) == set(Priority)
        assert built.pause_on == {CaseStatus.WAITING_ON_CUSTOMER}
        assert built.escalations == ()
        assert built.applies_to is None

    @pytest.mark.parametrize("name", ["", " Standard", "a/b", "a#b", 42, "x" * 81])
    def test_bad_names_are_refused(self, name: object) -> None:
        """Names are shown to staff and make escalation keys, so they are checked."""
        with pytest.raises(PolicyError, match=r"^name: "):
            policy(name=name)

    def test_calendar_must_be_a_calendar(self) -> None:
        """A policy without a real calendar fails when built."""
        with pytest.raises(PolicyError, match=r"^calendar: expected a BusinessCalendar"):
            SlaPolicy("X", "Mon-Fri", Targets(resolution=hours(1)))

    def test_every_priority_needs_targets(self) -> None:
        """A mapping that leaves a priority out would leave those cases unmeasured."""
        with pytest.raises(PolicyError, match=r"missing low, normal$"):
            SlaPolicy(
                "X",
                OFFICE,
                {
                    Priority.URGENT: Targets(resolution=hours(1)),
                    "high": Targets(resolution=hours(2)),
                },
            )

    def test_targets_values_and_keys_are_checked(self) -> None:
        """Targets of the wrong type, unknown priorities and non-mappings are refused."""
        with pytest.raises(PolicyError, match=r"targets\['high'\]"):
            SlaPolicy("X", OFFICE, {"high": hours(1)})
        with pytest.raises(PolicyError, match="unknown Priority"):
            SlaPolicy("X", OFFICE, {"critical": Targets(resolution=hours(1))})
        with pytest.raises(PolicyError, match=r"^targets: expected Targets"):
            SlaPolicy("X", OFFICE, [Targets(resolution=hours(1))])

    def test_applies_to_must_be_callable(self) -> None:
        """applies_to is a callable on a case (or None)."""
        with pytest.raises(PolicyError, match=r"^applies_to: "):
            policy(applies_to="complaints")

    @pytest.mark.parametrize(
        ("pause_on", "match"),
        [
            ({CaseStatus.RESOLVED}, "pause only on open statuses"),
            ({"closed"}, "pause only on open statuses"),
            ("waiting_on_customer", "expected a collection"),
            ({"sleeping"}, "unknown CaseStatus"),
        ],
    )
    def test_pause_on_is_checked(self, pause_on: object, match: str) -> None:
        """pause_on takes open statuses only, as a collection."""
        with pytest.raises(PolicyError, match=match):
            policy(pause_on=pause_on)

    def test_pause_on_accepts_status_values(self) -> None:
        """Statuses may be given by value; an empty set means nothing pauses."""
        assert policy(pause_on=["on_hold"]).pause_on == {CaseStatus.ON_HOLD}
        assert policy(pause_on=()).pause_on == frozenset()

    def test_escalations_are_checked(self) -> None:
        """Escalations are a collection of Escalation."""
        with pytest.raises(PolicyError, match=r"^escalations: expected a collection"):
            policy(escalations=Escalation(name="w", metric="resolution", at=0.5, notify="owner"))
        with pytest.raises(PolicyError, match=r"^escalations: expected an Escalation"):
            policy(escalations=["warn at 75 %"])

    def test_escalation_names_are_unique_per_metric(self) -> None:
        """Two steps with one name on one metric would share a key."""
        step = Escalation(name="warn", metric="resolution", at=0.5, notify="owner")
        with pytest.raises(PolicyError, match="share this name"):
            policy(escalations=[step, step])

    def test_escalation_needs_a_measured_metric(self) -> None:
        """A step on a metric no priority measures could never fire."""
        step = Escalation(name="warn", metric="periodic_update", at=0.5, notify="owner")
        with pytest.raises(PolicyError, match="no priority has a periodic update target"):
            policy(escalations=[step])

    def test_before_must_be_shorter_than_every_timedelta_target(self) -> None:
        """'Warn 2 hours before' a 1-hour target would fire before the clock starts."""
        step = Escalation(name="soon", metric="first_response", before=hours(1), notify="owner")
        with pytest.raises(PolicyError, match="shorter than the first response target"):
            policy(escalations=[step])

    def test_description_must_be_text(self) -> None:
        """The description is plain words."""
        with pytest.raises(PolicyError, match=r"^description: "):
            policy(description=3)


class TestEscalation:
    def test_exactly_one_offset(self) -> None:
        """A step says when in exactly one way."""
        with pytest.raises(PolicyError, match="exactly one of"):
            Escalation(name="w", metric="resolution", notify="owner")
        with pytest.raises(PolicyError, match="exactly one of"):
            Escalation(name="w", metric="resolution", notify="owner", at=0.5, after=hours(1))

    @pytest.mark.parametrize("fraction", [0, -0.5, 101, "75%", True])
    def test_fractions_are_checked(self, fraction: object) -> None:
        """A fraction is a number above 0 (1 is the deadline)."""
        with pytest.raises(PolicyError, match=r"^at: "):
            Escalation(name="w", metric="resolution", notify="owner", at=fraction)

    def test_offsets_are_checked(self) -> None:
        """Before is positive business time, after zero or more."""
        with pytest.raises(PolicyError, match=r"^before: "):
            Escalation(name="w", metric="resolution", notify="o", before=timedelta(0))
        with pytest.raises(PolicyError, match=r"^after: "):
            Escalation(name="w", metric="resolution", notify="o", after=-hours(1))
        with pytest.raises(PolicyError, match=r"^after: "):
            Escalation(name="w", metric="resolution", notify="o", after=60)

    @pytest.mark.parametrize("notify", ["", [], [" lead"], [3], b"owner"])
    def test_recipients_are_checked(self, notify: object) -> None:
        """Somebody must be told, named by a non-empty string."""
        with pytest.raises(PolicyError, match=r"^notify: "):
            Escalation(name="w", metric="resolution", notify=notify, at=1)

    def test_unknown_metric(self) -> None:
        """The metric is one of the four."""
        with pytest.raises(PolicyError, match="unknown metric"):
            Escalation(name="w", metric="reply", notify="owner", at=1)

    def test_points_on_the_clock(self) -> None:
        """A step's point is a fraction of the target, or the target less or plus an offset."""
        target = 8 * 3600 * 10**6
        step = Escalation(name="w", metric="resolution", notify="o", at=0.75)
        assert step.point_us(target) == 6 * 3600 * 10**6
        before = Escalation(name="b", metric="resolution", notify="o", before=hours(1))
        assert before.point_us(target) == 7 * 3600 * 10**6
        assert before.point_us(1800 * 10**6) == 0
        after = Escalation(name="a", metric="resolution", notify="o", after=hours(2))
        assert after.point_us(target) == 10 * 3600 * 10**6
        assert step.notify == ("o",)


class TestCaseFilter:
    def test_matches_every_given_criterion(self) -> None:
        """Kinds, priorities and channels must all hold; an empty one matches anything."""
        high_complaints = CaseFilter(kinds={CaseKind.COMPLAINT}, priorities={"high", "urgent"})
        case = complaint(START)
        assert high_complaints(case)
        assert not high_complaints(case.change_priority(Priority.LOW, START))
        assert not CaseFilter(channels={"Phone"})(case)

    def test_needs_a_criterion_and_checks_members(self) -> None:
        """A filter that takes everything is the default's job; unknown kinds are refused."""
        with pytest.raises(PolicyError, match="at least one"):
            CaseFilter()
        with pytest.raises(PolicyError, match="unknown CaseKind"):
            CaseFilter(kinds={"complaints"})
        with pytest.raises(PolicyError, match=r"^kinds: expected a collection"):
            CaseFilter(kinds=CaseKind.COMPLAINT)
        with pytest.raises(PolicyError, match=r"^channels: "):
            CaseFilter(channels=[""])
        with pytest.raises(PolicyError, match=r"^channels: "):
            CaseFilter(channels="email")

    def test_describes_itself(self) -> None:
        """The words list kinds and priorities in their usual order and the channels."""
        rule = CaseFilter(
            kinds={CaseKind.RETURN, CaseKind.COMPLAINT},
            priorities={Priority.URGENT, Priority.HIGH},
            channels={"phone"},
        )
        assert rule.describe() == (
            "complaint or return cases of high or urgent priority that came in by phone"
        )
        assert CaseFilter(priorities={"low"}).describe() == "cases of low priority"


class TestBook:
    def test_a_book_needs_a_default(self) -> None:
        """Without a default some cases would have no service level."""
        with pytest.raises(PolicyError, match=r"^default: a book needs a default"):
            PolicyBook([])
        with pytest.raises(PolicyError, match=r"^default: expected an SlaPolicy"):
            PolicyBook([], default="Standard")

    def test_only_the_default_may_go_without_applies_to(self) -> None:
        """A non-default policy without applies_to would take every case: refused."""
        with pytest.raises(PolicyError, match="'Other' has no applies_to"):
            PolicyBook([policy(name="Other")], default=policy())

    def test_policies_are_checked(self) -> None:
        """The book holds policies, with unique names."""
        with pytest.raises(PolicyError, match=r"^policies: expected a list"):
            PolicyBook(policy(), default=policy())
        with pytest.raises(PolicyError, match=r"^policies: expected an SlaPolicy"):
            PolicyBook(["Complaints"], default=policy())
        twin = policy(applies_to=lambda case: case.kind is CaseKind.RETURN)
        with pytest.raises(PolicyError, match="two policies share this name"):
            PolicyBook([twin], default=policy())

    def test_first_match_wins_and_the_default_takes_the_rest(self) -> None:
        """Policies are tried in order; the default takes what none accepts."""
        complaints = policy(name="Complaints", applies_to=CaseFilter(kinds={"complaint"}))
        urgent = policy(name="Urgent", applies_to=CaseFilter(priorities={"urgent"}))
        default = policy(name="Standard")
        book = PolicyBook([complaints, urgent], default=default)
        case = complaint(START, Priority.URGENT)
        assert book.policy_for(case) is complaints
        assert book.policy_for(case.change_kind("return", START)) is urgent
        assert book.policy_for(case.change_priority("low", START)) is complaints
        other = case.change_kind("inquiry", START).change_priority("low", START)
        assert book.policy_for(other) is default
        assert list(book) == [complaints, urgent, default]
        assert book.policy("Urgent") is urgent
        with pytest.raises(NotFoundError, match="'Nope'"):
            book.policy("Nope")
