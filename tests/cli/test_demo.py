import subprocess
import sys
from pathlib import Path

import pytest

from custrel.cli import main
from custrel.storage.sql import SqlStore


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


class TestDemo:
    def test_demo_greets_by_preferred_name_and_merges(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The demo narrates greetings by preferred name, consent, owners and the merge."""
        code, out, _ = run(["demo", "--db", str(tmp_path / "demo.sqlite")], capsys)
        assert code == 0
        assert "greeted: 'Hei Kari'" in out
        assert "greeted: 'Hi Jim'" in out
        assert "Kari  email/marketing: opted_in (source: checkout form, 09:12)" in out
        assert "Kari  is looked after by staff:ola" in out
        assert "looking up k-2001 now finds k-1001" in out

    def test_demo_leaves_its_story_in_the_database(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """What the demo prints is what the SQLite file holds afterwards."""
        path = tmp_path / "demo.sqlite"
        run(["demo", "--db", str(path)], capsys)
        store = SqlStore(f"sqlite:///{path}")
        with store.unit_of_work() as uow:
            kari = uow.customers.get("k-1001")
            duplicate = uow.customers.get("k-2001")
            customers = uow.customers.find()
            events = uow.outbox.pending(limit=1000)
        store.dispose()
        assert kari.greeting() == "Hei Kari"
        assert (kari.phone, kari.owner, kari.merged_ids) == (
            "+4791234567",
            "staff:ola",
            ("k-2001",),
        )
        assert duplicate.merged_into == "k-1001"
        assert len(customers) == 4
        assert len(events) == 11

    def test_demo_runs_twice_on_the_same_file(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The demo resets custrel's tables, so running it again gives the same story."""
        path = str(tmp_path / "demo.sqlite")
        first = run(["demo", "--db", path], capsys)
        second = run(["demo", "--db", path], capsys)
        assert first == second

    def test_demo_reports_storage_errors_without_a_traceback(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A database path that cannot be opened gives a one-line error and exit code 1."""
        code, _, err = run(["demo", "--db", str(tmp_path / "missing" / "demo.sqlite")], capsys)
        assert code == 1
        assert err.startswith("custrel: ")
        assert "Traceback" not in err


class TestCommand:
    def test_without_a_command_prints_help(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Plain ``custrel`` shows the commands and exits with 2."""
        code, out, _ = run([], capsys)
        assert code == 2
        assert "demo" in out

    def test_python_dash_m_runs_the_command(self, tmp_path: Path) -> None:
        """``python -m custrel demo`` works like the installed command."""
        completed = subprocess.run(
            [sys.executable, "-m", "custrel", "demo", "--db", str(tmp_path / "d.sqlite")],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert completed.returncode == 0, completed.stderr
        assert "Done: 11 events, 4 customer records" in completed.stdout
