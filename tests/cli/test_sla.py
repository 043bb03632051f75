from pathlib import Path

import pytest

from custrel.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
POLICIES = EXAMPLES / "policies.py"
CASES = EXAMPLES / "cases.csv"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


class TestSlaSimulate:
    def test_simulates_a_book_on_the_example_cases(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The report counts the cases and shows achieved % and breaches per group."""
        code, out, err = run(["sla", "simulate", f"{POLICIES}:BOOK", str(CASES)], capsys)
        assert (code, err) == (0, "")
        assert out.startswith("15 cases evaluated at 2026-04-05T00:44:00+02:00 under BOOK.\n")
        assert "| all cases | 15 | 86.7 % | 2 |" in out
        assert "| policy: Complaints | 7 | 71.4 % | 2 |" in out
        assert "| kind: warranty | 2 | 100.0 % | 0 |" in out
        assert "| First response (BOOK) |" in out

    def test_compares_with_another_book(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--against puts the book in force beside the proposal, row by row."""
        code, out, _ = run(
            [
                "sla",
                "simulate",
                f"{POLICIES}:PROPOSED",
                str(CASES),
                "--against",
                f"{POLICIES}:BOOK",
            ],
            capsys,
        )
        assert code == 0
        assert "under PROPOSED against BOOK." in out
        assert "| all cases | 15 | 73.3 % | 4 | 15 | 86.7 % | 2 |" in out
        assert "| priority: normal | 7 | 71.4 % | 2 | 7 | 100.0 % | 0 |" in out

    def test_now_takes_the_cases_as_they_stood(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--now evaluates at an earlier instant; before any case there is nothing to show."""
        code, out, _ = run(
            [
                "sla",
                "simulate",
                f"{POLICIES}:BOOK",
                str(CASES),
                "--now",
                "2026-03-10T12:00:00+01:00",
            ],
            capsys,
        )
        assert code == 0
        assert out.startswith("2 cases evaluated at 2026-03-10T12:00:00+01:00 under BOOK.")
        code, out, _ = run(
            ["sla", "simulate", f"{POLICIES}:BOOK", str(CASES), "--now", "2026-01-01T00:00:00Z"],
            capsys,
        )
        assert (code, out) == (0, "No cases to evaluate.\n")

    def test_a_single_policy_is_a_book_of_one(self, capsys: pytest.CaptureFixture[str]) -> None:
        """An SlaPolicy is simulated as the default of a book of its own."""
        code, out, _ = run(["sla", "simulate", f"{POLICIES}:STANDARD", str(CASES)], capsys)
        assert code == 0
        assert "| policy: Standard | 15 |" in out

    def test_a_malformed_file_names_the_line(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A bad row stops the command with the file, line and field in one line."""
        cases = tmp_path / "cases.csv"
        cases.write_text(
            "case_id,customer_id,event,at,kind,priority\n"
            "c-1,k-1,opened,2026-03-02T09:00:00Z,complaint,high\n"
            "c-1,,answered,2026-03-02T10:00:00Z,,\n"
        )
        code, out, err = run(["sla", "simulate", f"{POLICIES}:BOOK", str(cases)], capsys)
        assert (code, out) == (1, "")
        assert err.startswith("custrel: cases.csv, line 3: event: unknown event")

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["--now", "tomorrow"], "custrel: --now: not an ISO 8601 instant"),
            (["--against", f"{POLICIES}:OFFICE"], "expected a PolicyBook or an SlaPolicy"),
        ],
    )
    def test_bad_options(
        self, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Bad options are refused with one line."""
        code, _, err = run(["sla", "simulate", f"{POLICIES}:BOOK", str(CASES), *argv], capsys)
        assert code == 1
        assert message in err

    def test_a_missing_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A cases file that does not exist is an OSError reported on one line."""
        code, _, err = run(
            ["sla", "simulate", f"{POLICIES}:BOOK", str(tmp_path / "no.csv")], capsys
        )
        assert code == 1
        assert "No such file or directory" in err
