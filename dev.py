#!/usr/bin/env python3
"""custrel's two developer commands, each setting itself up on a fresh machine.

    python3 dev.py demo [--db PATH]   run `custrel demo` on an embedded SQLite file
    python3 dev.py test               lint, type-check, test with coverage, build the docs

Both create `.venv/` beside this file on first use and install what they need into it
(again whenever pyproject.toml changes). Only Python 3.10+ is needed to start.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
MINIMUM_PYTHON = (3, 10)


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    completed = subprocess.run(
        [str(part) for part in command], cwd=ROOT, check=False, env={**os.environ, **(env or {})}
    )
    if completed.returncode != 0:
        raise SystemExit(completed.returncode)


def _ensure_environment(extras: str) -> Path:
    """Create .venv if needed and install custrel with *extras* when pyproject.toml changed."""
    python = _venv_python()
    if not python.exists():
        print(f"Creating {VENV} ...", flush=True)
        venv.create(VENV, with_pip=True)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = VENV / f".custrel-installed-{extras}"
    if not stamp.exists() or stamp.read_text() != digest:
        _run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        _run(python, "-m", "pip", "install", "--quiet", "--editable", f".[{extras}]")
        stamp.write_text(digest)
    return python


def demo(arguments: list[str]) -> None:
    """Run `custrel demo` with the SQL and holidays extras installed."""
    python = _ensure_environment("sql,holidays")
    _run(python, "-m", "custrel", "demo", *arguments)


def test(arguments: list[str]) -> None:
    """Run the whole check: ruff, mypy --strict, pytest with branch coverage, the docs build."""
    python = _ensure_environment("dev")
    _run(python, "-m", "ruff", "check", ".")
    _run(python, "-m", "ruff", "format", "--check", ".")
    _run(python, "-m", "mypy", "--strict", "src", "tests/typing")
    _run(
        python, "-m", "pytest",
        "--cov=custrel", "--cov-branch", "--cov-report=term-missing:skip-covered",
        "--cov-fail-under=90",
        *arguments,
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as site:
        # mkdocs-material prints a banner about MkDocs 2 on every build; it is not a warning.
        _run(
            python, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", site,
            env={"NO_MKDOCS_2_WARNING": "1"},
        )  # fmt: skip
    print("All checks passed.", flush=True)


COMMANDS = {"demo": demo, "test": test}


def main() -> None:
    """Dispatch to the command named on the command line."""
    if sys.version_info < MINIMUM_PYTHON:
        raise SystemExit("custrel needs Python 3.10 or newer")
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:  # noqa: PLR2004 - program and command
        raise SystemExit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
