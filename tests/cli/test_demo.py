import subprocess
import sys
from pathlib import Path

import pytest

from custrel.cases import CaseKind, CaseStatus
from custrel.cli import main
from custrel.lifecycle import Journey
from custrel.sla import PolicyBook
from custrel.storage.sql import SqlStore


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo run once on a file: its database and what it printed."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    completed = subprocess.run(
        [sys.executable, "-m", "custrel", "demo", "--db", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return path, completed.stdout


def the_sofa_sale(path: Path) -> tuple[Journey, list[str]]:
    """Kari's sofa order o-5001 as the demo left it, and the types of her events."""
    store = SqlStore(f"sqlite:///{path}")
    with store.unit_of_work() as uow:
        journey = uow.journeys.get("o-5001")
        events = [entry.event.type for entry in uow.outbox.for_customer("k-1001")]
    store.dispose()
    return journey, events


def book() -> PolicyBook:
    from custrel.cli._demo_shop import BOOK  # noqa: PLC0415 - the demo's own policies

    return BOOK


class TestDemoStory:
    def test_customers_are_greeted_by_preferred_name_and_merged(
        self, demo: tuple[Path, str]
    ) -> None:
        """The first chapters: greetings, consent, owners and the merge."""
        _, out = demo
        assert "greeted: 'Hei Kari'" in out
        assert "greeted: 'Hi Jim'" in out
        assert "Kari  email/marketing: opted_in (source: checkout form, 09:12)" in out
        assert "Kari  is looked after by staff:ola" in out
        assert "looking up k-2001 now finds k-1001" in out

    def test_the_late_sofa_breaks_its_promise_and_raises_a_warning(
        self, demo: tuple[Path, str]
    ) -> None:
        """The delivery promise is late, and the early warning names Kari and the order."""
        path, out = demo
        journey, events = the_sofa_sale(path)
        assert journey.delivered_at is not None
        (promise,) = journey.promises
        assert promise.due is not None
        assert journey.delivered_at > promise.due
        assert "lifecycle.promise_late" in events
        assert "delivered Fri 27 Nov 11:00: late, late by 43 hours" in out
        assert "early warning for k-1001 [high]: promise o-5001/p1 not kept" in out
        assert "early warnings now: none" in out  # Ola's call answered it

    def test_the_complaint_and_its_contacts_join_the_sale_s_journey(
        self, demo: tuple[Path, str]
    ) -> None:
        """Opening and resolving c-1 and logging the calls linked them without extra calls."""
        path, out = demo
        journey, events = the_sofa_sale(path)
        assert journey.case_ids == ("c-1",)
        assert journey.open_case_ids == ()
        assert "call-7731" in journey.interaction_ids
        assert events.count("lifecycle.case_linked") == 1
        assert events.count("lifecycle.case_resolved") == 1
        assert f"journey o-5001: {journey.phase.value}, case c-1 and contacts" in out

    def test_the_complaints_meet_breach_and_resolve_at_first_contact(
        self, demo: tuple[Path, str]
    ) -> None:
        """c-1 is in time by its owner, c-2 breaches and escalates once, c-3 is first contact."""
        path, out = demo
        store = SqlStore(f"sqlite:///{path}")
        with store.unit_of_work() as uow:
            kept, breached, first = (uow.cases.get(f"c-{n}") for n in (1, 2, 3))
        store.dispose()
        assert {case.kind for case in (kept, breached, first)} == {CaseKind.COMPLAINT}
        assert kept.assignee == "staff:ola"
        assert kept.apology
        assert kept.status is CaseStatus.RESOLVED
        assert breached.fired_escalations == {
            "Complaints/first_response/warn-owner",
            "Complaints/first_response/team-lead",
        }
        assert first.resolved_at_first_contact
        at = first.resolved_at
        assert at is not None
        assert not book().evaluate(kept, at).breached
        assert book().evaluate(breached, at.add(days=1)).breached
        report = book().evaluate(first, at)
        assert report.first_response is not None
        assert report.resolution is not None
        # Resolved at first contact: both clocks complete at the resolution, in time.
        for metric in (report.first_response, report.resolution):
            assert (metric.state, metric.completed_at) == ("completed", at)
        assert not report.breached
        assert "SLA (Complaints): first response: done Mon 30 Nov 10:06 (in time;" in out
        assert "breach queue: c-2, first response: BREACHED" in out
        assert "running the escalations again finds 0 new" in out

    def test_points_scores_and_the_contact_log(self, demo: tuple[Path, str]) -> None:
        """Kari earned, redeemed and returned; every customer's score has its reasons."""
        path, out = demo
        store = SqlStore(f"sqlite:///{path}")
        with store.unit_of_work() as uow:
            account = uow.loyalty.get("k-1001")
            timeline = uow.interactions.timeline("k-1001")
        store.dispose()
        from custrel.cli._demo_shop import PROGRAM  # noqa: PLC0415 - the demo's own program

        status = account.status(PROGRAM, account.entries[-1].at)
        assert status.balance == 10990 - 2000 - 1000
        assert status.tier is not None
        assert status.tier.name == "silver"
        assert "balance 7990, tier silver" in out
        for name in ("Kari", "Inga", "Jim"):
            assert f"   {name}: " in out
        assert "1 complaint: 1 resolved within the SLA, 1 with an apology" in out
        assert [item.external_id for item in timeline.items] == ["call-7731", "mail-881"]


class TestDemo:
    def test_demo_runs_twice_on_the_same_file(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The demo resets custrel's tables, so running it again gives the same story."""
        path = str(tmp_path / "demo.sqlite")
        first = run(["demo", "--db", path], capsys)
        second = run(["demo", "--db", path], capsys)
        assert first[0] == 0
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

    def test_python_dash_m_runs_the_command(self, demo: tuple[Path, str]) -> None:
        """``python -m custrel demo`` works like the installed command and ends with a count."""
        _, out = demo
        assert out.rstrip().splitlines()[-1].startswith("Done: ")
        assert "events, 4 customer records" in out
