import sys
from pathlib import Path

import pytest

from custrel.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


class TestPolicyDescribe:
    def test_describes_a_book_from_a_file(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A book named by file path and variable prints as Markdown for staff."""
        code, out, err = run(["policy", "describe", f"{EXAMPLES / 'policies.py'}:BOOK"], capsys)
        assert (code, err) == (0, "")
        assert out.startswith("# Service levels\n")
        assert "## Complaints" in out
        assert "## Returns and warranty" in out
        assert (
            "| Normal | 4 business hours | 8 business hours | 5 business days | 2 business days |"
            in out
        )
        assert "Closed on 2 holidays" in out
        assert "- When the resolution deadline passes: notify team lead (step `team-lead`)." in out

    def test_describes_one_policy_from_a_dotted_module(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A dotted module in the current directory works too, and so does a single policy."""
        monkeypatch.chdir(EXAMPLES)
        monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(EXAMPLES))])
        monkeypatch.delitem(sys.modules, "policies", raising=False)
        code, out, _ = run(["policy", "describe", "policies:STANDARD"], capsys)
        assert code == 0
        assert out.startswith("## Standard\n")

    @pytest.mark.parametrize(
        ("spec", "message"),
        [
            ("BOOK", "custrel: policy: expected MODULE:NAME"),
            ("missing.py:BOOK", "custrel: MODULE: no such Python file"),
            ("custrel_no_such_module:BOOK", "custrel: No module named 'custrel_no_such_module'"),
            ("{policies}:NOPE", "has no name 'NOPE'"),
            ("{policies}:OFFICE", "expected a PolicyBook or an SlaPolicy, found BusinessCalendar"),
        ],
    )
    def test_bad_references_fail_with_one_line(
        self, spec: str, message: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Wrong references give exit status 1 and one clear line on stderr."""
        code, out, err = run(
            ["policy", "describe", spec.format(policies=EXAMPLES / "policies.py")], capsys
        )
        assert (code, out) == (1, "")
        assert message in err
        assert err.count("\n") == 1

    def test_a_policy_error_in_the_module_is_reported(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A bad policy fails when the module is imported, with the field named."""
        module = tmp_path / "broken.py"
        module.write_text(
            "from datetime import timedelta\n"
            "from custrel.calendars import BusinessCalendar\n"
            "from custrel.sla import PolicyBook, SlaPolicy, Targets\n"
            "CAL = BusinessCalendar.weekdays(timezone='UTC')\n"
            "BOOK = PolicyBook([], default=SlaPolicy('S', CAL, Targets(resolution=timedelta(0))))\n"
        )
        loaded = set(sys.modules)
        code, _, err = run(["policy", "describe", f"{module}:BOOK"], capsys)
        assert code == 1
        assert "custrel: resolution: a target must be longer than zero" in err
        assert set(sys.modules) == loaded  # the half-imported module is not left behind
