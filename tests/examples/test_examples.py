import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(name: str, *arguments: str) -> str:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *arguments],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_outbox_dispatcher_publishes_each_event_once(tmp_path: Path) -> None:
    """The dispatcher example publishes the three events in order, then nothing more."""
    out = run_example("outbox_dispatcher.py", "--db", f"sqlite:///{tmp_path / 'x.sqlite'}")
    published = [line for line in out.splitlines() if line.startswith("published")]
    assert published == [
        'published {"type": "customer.registered", "customer": "k-1"}',
        'published {"type": "customer.registered", "customer": "k-2"}',
        'published {"type": "customer.consent_recorded", "customer": "k-1"}',
    ]
    assert "first run: 3 events" in out
    assert "second run: 0 events" in out
