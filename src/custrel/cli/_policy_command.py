"""``custrel policy describe MODULE:NAME``: a policy book in plain language for staff."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import TextIO

from custrel.errors import ValidationError
from custrel.sla import PolicyBook, SlaPolicy

__all__ = ["load_book", "load_object", "register"]


def _module(reference: str) -> ModuleType:
    """Import a module named by a file path (``examples/policies.py``) or a dotted name."""
    if reference.endswith(".py") or os.sep in reference or "/" in reference:
        path = Path(reference)
        if not path.is_file():
            raise ValidationError("no such Python file", field="MODULE", value=reference)
        name = f"_custrel_policies_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ValidationError("not an importable Python file", field="MODULE", value=reference)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # attrs and dataclasses look classes up by module name
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
        return module
    # Like other command-line runners, find modules in the current directory too.
    here = str(Path.cwd())
    if "" not in sys.path and here not in sys.path:
        sys.path.insert(0, here)
    return importlib.import_module(reference)


def load_object(spec: str) -> object:
    """Return the object named ``NAME`` in the module given as ``MODULE:NAME``.

    Raises:
        ValidationError: *spec* is not ``MODULE:NAME``, the file does not exist, or the module
            has no such name.
        ImportError: The module cannot be imported (raised by the import itself).
    """
    module_part, _, name = spec.rpartition(":")
    if not module_part or not name.isidentifier():
        raise ValidationError(
            "expected MODULE:NAME, such as policies.py:BOOK or myshop.sla:BOOK",
            field="policy",
            value=spec,
        )
    module = _module(module_part)
    if not hasattr(module, name):
        raise ValidationError(f"{module_part!r} has no name {name!r}", field="policy", value=spec)
    return getattr(module, name)


def load_book(spec: str) -> PolicyBook:
    """Return the `PolicyBook` at ``MODULE:NAME`` (a single `SlaPolicy` becomes a book of one)."""
    value = load_object(spec)
    if isinstance(value, SlaPolicy):
        return PolicyBook([], default=value)
    if not isinstance(value, PolicyBook):
        raise ValidationError(
            f"expected a PolicyBook or an SlaPolicy, found {type(value).__name__}",
            field="policy",
            value=spec,
        )
    return value


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``policy`` command with its ``describe`` subcommand."""
    policy = commands.add_parser("policy", help="service-level policies written in code")
    actions = policy.add_subparsers(dest="action", metavar="ACTION", required=True)
    describe = actions.add_parser(
        "describe", help="print a policy book (or one policy) in plain language, as Markdown"
    )
    describe.add_argument(
        "policy",
        metavar="MODULE:NAME",
        help="where the book is: a Python file or dotted module, and the variable holding it "
        "(examples/policies.py:BOOK, myshop.sla:BOOK)",
    )
    describe.set_defaults(run=_describe)


def _describe(arguments: argparse.Namespace, out: TextIO) -> int:
    value = load_object(arguments.policy)
    if not isinstance(value, (PolicyBook, SlaPolicy)):
        raise ValidationError(
            f"expected a PolicyBook or an SlaPolicy, found {type(value).__name__}",
            field="policy",
            value=arguments.policy,
        )
    out.write(value.describe())
    return 0
