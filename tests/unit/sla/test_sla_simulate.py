import io
from pathlib import Path

import pytest
from sla_support import OFFICE, at, complaint, hours

from custrel.cases import Case, CaseKind, CaseStatus, Priority
from custrel.errors import InvalidTransitionError, NotFoundError, ValidationError
from custrel.sla import (
    CSV_COLUMNS,
    CaseFilter,
    Metric,
    MetricTally,
    PolicyBook,
    SlaPolicy,
    Targets,
    read_cases_csv,
    simulate,
)

LENIENT = PolicyBook(
    [
        SlaPolicy(
            "Complaints",
            OFFICE,
            Targets(first_response=hours(4), resolution=hours(16)),
            applies_to=CaseFilter(kinds={CaseKind.COMPLAINT}),
        )
    ],
    default=SlaPolicy("Standard", OFFICE, Targets(resolution=hours(40))),
)
STRICT = PolicyBook(
    [
        SlaPolicy(
            "Complaints (strict)",
            OFFICE,
            Targets(first_response=hours(1), resolution=hours(8)),
            applies_to=CaseFilter(kinds={CaseKind.COMPLAINT}),
        )
    ],
    default=SlaPolicy("Standard", OFFICE, Targets(resolution=hours(40))),
)


def history() -> list[Case]:
    quick = complaint(at(0, 9)).agent_reply(at(0, 9, 30)).resolve(at(0, 12))
    slow = (
        Case.open(id="c-2", customer_id="k-2", kind="complaint", priority="normal", at=at(0, 9))
        .agent_reply(at(0, 11))
        .resolve(at(1, 12))
    )
    running = Case.open(id="c-3", customer_id="k-3", kind="inquiry", priority="low", at=at(1, 9))
    return [quick, slow, running]


class TestSimulate:
    def test_counts_cases_met_breached_and_running_per_group(self) -> None:
        """Each group tallies cases and each metric's cycles under the book."""
        result = simulate(STRICT, history())
        assert result.at == at(1, 12)
        everything = result.row("all", "all cases").book
        assert everything is not None
        assert (everything.cases, everything.met, everything.breached, everything.running) == (
            3,
            1,
            1,
            1,
        )
        assert everything.achieved == 50.0
        assert everything.metrics[Metric.FIRST_RESPONSE] == MetricTally(met=1, breached=1)
        assert everything.metrics[Metric.RESOLUTION] == MetricTally(met=1, breached=1, running=1)
        complaints = result.row("policy", "Complaints (strict)").book
        assert complaints is not None
        assert complaints.cases == 2
        low = result.row("priority", "low").book
        assert low is not None
        assert (low.running, low.achieved) == (1, None)
        assert result.row("kind", "inquiry").book is not None
        assert [row.dimension for row in result.rows] == [
            "all",
            "policy",
            "policy",
            "priority",
            "priority",
            "priority",
            "kind",
            "kind",
        ]
        with pytest.raises(NotFoundError, match="no kind row 'warranty'"):
            result.row("kind", "warranty")

    def test_compares_two_books_side_by_side(self) -> None:
        """With against, each row carries both tallies; policies are each book's own."""
        result = simulate(STRICT, history(), against=LENIENT)
        both = result.row("all", "all cases")
        assert both.book is not None
        assert both.against is not None
        assert (both.book.breached, both.against.breached) == (1, 0)
        strict_only = result.row("policy", "Complaints (strict)")
        assert (strict_only.book is not None, strict_only.against) == (True, None)
        lenient_only = result.row("policy", "Complaints")
        assert (lenient_only.book, lenient_only.against is not None) == (None, True)
        table = result.to_markdown(book="strict", against="lenient")
        assert (
            "| Group | Cases (strict) | Achieved (strict) | Breached (strict) | Cases (lenient)"
            in table
        )
        assert "| all cases | 3 | 50.0 % | 1 | 3 | 100.0 % | 0 |" in table
        assert "| policy: Complaints | - | - | - | 2 | 100.0 % | 0 |" in table
        assert "First response (strict) | First response (lenient)" in table

    def test_an_earlier_now_takes_cases_as_they_stood(self) -> None:
        """Later events are ignored and cases opened later are left out."""
        result = simulate(STRICT, history(), now=at(0, 10))
        everything = result.row("all", "all cases").book
        assert everything is not None
        assert (everything.cases, everything.running) == (2, 2)
        assert everything.metrics[Metric.FIRST_RESPONSE] == MetricTally(met=1, running=1)

    def test_nothing_to_simulate(self) -> None:
        """No cases give no rows; a now before every case too."""
        assert simulate(STRICT, []).rows == ()
        assert simulate(STRICT, [], now=at(0, 9)).at == at(0, 9)
        assert simulate(STRICT, history(), now=at(-1, 9)).rows == ()
        assert simulate(STRICT, []).to_markdown().startswith("| Group |")

    def test_inputs_are_checked(self) -> None:
        """Books and cases of the wrong type are refused."""
        with pytest.raises(ValidationError, match=r"^book: expected a PolicyBook"):
            simulate("strict", history())  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"^against: expected a PolicyBook"):
            simulate(STRICT, history(), against=STRICT.default)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"^cases: expected a Case"):
            simulate(STRICT, ["c-1"])  # type: ignore[list-item]


HEADER = "case_id,customer_id,event,at,kind,priority,status,actor,first_contact\n"
OPENED = "c-1,k-1,opened,2026-03-02T09:00:00Z,complaint,high,,,\n"


def read(text: str) -> list[Case]:
    return read_cases_csv(io.StringIO(text))


class TestCsv:
    def test_reads_one_row_per_event_into_cases(self) -> None:
        """Rows of interleaved cases become cases with the same history."""
        cases = read(
            HEADER
            + "c-1,k-1,opened,2026-03-02T09:00:00+01:00,complaint,high,,,\n"
            + "c-2,k-2,opened,2026-03-02T09:10:00Z,inquiry,low,new,,\n"
            + "c-1,,agent_replied,2026-03-02T09:30:00+01:00,,,open,ola,\n"
            + "c-1,k-1,status_changed,2026-03-02T09:40:00+01:00,complaint,high,"
            + "waiting_on_customer,ola,\n"
            + "c-1,,customer_replied,2026-03-02T11:00:00+01:00,,,,,\n"
            + "c-1,,priority_changed,2026-03-02T11:05:00+01:00,,urgent,,kari,\n"
            + "c-1,,kind_changed,2026-03-02T11:06:00+01:00,return,,,kari,\n"
            + "c-2,,resolved,2026-03-02T09:20:00Z,,,,per,true\n"
            + "c-1,,resolved,2026-03-02T12:00:00+01:00,,,,ola,no\n"
            + "c-1,,reopened,2026-03-03T09:00:00+01:00,,,,,\n"
            + "c-1,,resolved,2026-03-03T10:00:00+01:00,,,resolved,,\n"
            + "c-1,,closed,2026-03-04T10:00:00+01:00,,,closed,,\n"
        )
        first, second = cases
        assert (first.id, first.customer_id, second.id) == ("c-1", "k-1", "c-2")
        assert first.status is CaseStatus.CLOSED
        assert (first.priority, first.kind) == (Priority.URGENT, CaseKind.RETURN)
        assert len(first.history) == 10
        assert first.history[1].actor == "ola"
        assert second.resolved_at_first_contact
        assert second.opened_at == at(0, 10, 10)

    @pytest.mark.parametrize(
        ("rows", "message"),
        [
            (
                "c-1,k-1,opened,2026-03-02T09:00:00,complaint,high,,,\n",
                r"line 2: at: no UTC offset",
            ),
            ("c-1,k-1,opened,yesterday,complaint,high,,,\n", r"line 2: at: not an ISO 8601"),
            (
                "c-1,,opened,2026-03-02T09:00:00Z,complaint,high,,,\n",
                r"line 2: customer_id: required",
            ),
            ("c-1,k-1,opened,2026-03-02T09:00:00Z,,high,,,\n", r"line 2: kind: required"),
            (
                "c-1,k-1,opened,2026-03-02T09:00:00Z,complaint,critical,,,\n",
                r"line 2: priority: unknown",
            ),
            (
                OPENED + "c-1,k-1,opened,2026-03-02T09:00:00Z,complaint,high,,,\n",
                r"line 3: case_id: the case was opened on an earlier row",
            ),
            (
                "c-1,k-1,agent_replied,2026-03-02T09:00:00Z,,,,,\n",
                r"line 2: case_id: no earlier 'opened'",
            ),
            (
                OPENED + "c-1,k-2,agent_replied,2026-03-02T10:00:00Z,,,,,\n",
                r"line 3: customer_id: the case belongs to 'k-1'",
            ),
            (
                OPENED + "c-1,,escalated,2026-03-02T10:00:00Z,,,,,\n",
                r"line 3: event: unknown event",
            ),
            (
                OPENED + "c-1,,agent_replied,2026-03-02T08:00:00Z,,,,,\n",
                r"line 3: at: before the case was opened",
            ),
            (
                OPENED + "c-1,,agent_replied,2026-03-02T10:00:00Z,,,waiting_on_customer,,\n",
                r"line 3: status: the case is open after this event, not waiting_on_customer",
            ),
            (
                OPENED + "c-1,,status_changed,2026-03-02T10:00:00Z,,,,,\n",
                r"line 3: status: required on status_changed rows",
            ),
            (
                OPENED + "c-1,,agent_replied,2026-03-02T10:00:00Z,,,,,true\n",
                r"line 3: first_contact: only read on resolved rows",
            ),
            (
                "c-1,k-1,opened,2026-03-02T09:00:00Z,complaint,high,,,maybe\n",
                r"line 2: first_contact: only read on resolved rows",
            ),
            (
                OPENED + "c-1,,resolved,2026-03-02T10:00:00Z,,,,,maybe\n",
                r"line 3: first_contact: expected true or false",
            ),
            (
                OPENED + "c-1,,status_changed,2026-03-02T10:00:00Z,,,sleeping,,\n",
                r"line 3: status: unknown CaseStatus",
            ),
            (
                OPENED + "c-1,,agent_replied,2026-03-02T10:00:00Z,,,asleep,,\n",
                r"line 3: status: expected one of new, open",
            ),
            (
                "c-1,k-1,opened,2026-03-02T09:00:00Z,complaint,high,,,,extra\n",
                r"line 2: more fields",
            ),
            (
                "\n" * 0 + ",k-1,opened,2026-03-02T09:00:00Z,complaint,high,,,\n",
                r"line 2: case_id: required",
            ),
        ],
    )
    def test_a_malformed_row_names_its_line(self, rows: str, message: str) -> None:
        """Every problem is a ValidationError naming the line and the field."""
        with pytest.raises(ValidationError, match=message):
            read(HEADER + rows)

    def test_impossible_transitions_keep_their_class(self) -> None:
        """A transition the case does not allow is still an InvalidTransitionError, with a line."""
        rows = (
            "c-1,k-1,opened,2026-03-02T09:00:00Z,complaint,high,,,\n"
            "c-1,,closed,2026-03-02T10:00:00Z,,,,,\n"
        )
        with pytest.raises(InvalidTransitionError, match=r"^<csv>, line 3: .*cannot close"):
            read(HEADER + rows)

    @pytest.mark.parametrize(
        ("header", "message"),
        [
            ("", "empty; expected a header line"),
            ("case_id,event\n", r"line 1: missing columns \['at'\]"),
            ("case_id,event,at,colour\n", r"line 1: unknown columns \['colour'\]"),
            ("case_id,event,at,at\n", "line 1: a column appears twice"),
        ],
    )
    def test_the_header_is_checked(self, header: str, message: str) -> None:
        """Unknown, missing or repeated columns are refused on line 1."""
        with pytest.raises(ValidationError, match=message):
            read(header)

    def test_columns_may_come_in_any_order_and_be_left_out(self) -> None:
        """Only case_id, event and at are required; extra spaces around names are fine."""
        cases = read(
            "at, event ,case_id,customer_id,kind,priority\n"
            "2026-03-02T09:00:00Z,opened,c-1,k-1,support,normal\n"
            "2026-03-02T10:00:00Z,resolved,c-1,,,\n"
        )
        assert cases[0].status is CaseStatus.RESOLVED
        assert set(CSV_COLUMNS) >= {"case_id", "event", "at"}

    def test_reads_from_a_path_naming_the_file_in_errors(self, tmp_path: Path) -> None:
        """A path is read as UTF-8; its name appears in error messages."""
        good = tmp_path / "cases.csv"
        good.write_text(HEADER + "c-1,k-1,opened,2026-03-02T09:00:00Z,complaint,high,,,\n")
        assert [case.id for case in read_cases_csv(good)] == ["c-1"]
        bad = tmp_path / "bad.csv"
        bad.write_text(HEADER + "c-1,k-1,opened,never,complaint,high,,,\n")
        with pytest.raises(ValidationError, match=r"^bad\.csv, line 2: at: "):
            read_cases_csv(str(bad))

    def test_the_example_file_reads(self) -> None:
        """The example cases in examples/ are a valid file."""
        path = Path(__file__).resolve().parents[3] / "examples" / "cases.csv"
        cases = read_cases_csv(path)
        assert len(cases) == 15
        assert {case.kind for case in cases} == set(CaseKind) - {CaseKind.SUPPORT}
