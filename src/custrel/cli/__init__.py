"""The ``custrel`` command."""

from custrel.cli._main import main

__all__ = ["main"]
