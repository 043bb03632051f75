import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "policies.py"


def test_policies_example_prints_its_book_and_a_report() -> None:
    """The policies example describes its book and evaluates a complaint paused over a weekend."""
    completed = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, check=False, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    assert out.startswith("# Service levels\n")
    assert "## Returns and warranty" in out
    assert "policy: Complaints" in out
    assert "resolution due: Monday 16 March 09:00" in out
    assert "elapsed: 4 hours 30 minutes" in out
