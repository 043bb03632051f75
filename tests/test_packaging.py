import importlib.metadata
import subprocess
import sys

import pytest

import custrel


class TestPackaging:
    def test_version_comes_from_the_package_metadata(self) -> None:
        """custrel.__version__ is the installed distribution's version, not a second copy."""
        assert custrel.__version__ == importlib.metadata.version("custrel")
        assert custrel.__version__

    def test_everything_in_all_exists(self) -> None:
        """Each name in custrel.__all__ can be imported from custrel."""
        assert custrel.__all__
        for name in custrel.__all__:
            assert getattr(custrel, name) is not None, name

    def test_all_is_sorted_and_unique(self) -> None:
        """__all__ lists each public name once, in order, so additions are easy to review."""
        assert list(custrel.__all__) == sorted(set(custrel.__all__))

    def test_unknown_attributes_raise_attribute_error(self) -> None:
        """Asking for a name custrel does not have raises AttributeError naming it."""
        with pytest.raises(AttributeError, match="module 'custrel' has no attribute 'nope'"):
            custrel.nope  # type: ignore[attr-defined]  # noqa: B018

    def test_the_core_needs_no_optional_dependency(self) -> None:
        """Importing the core, the customers and the memory store loads no SQL or test library."""
        code = (
            "import sys, custrel, custrel.customers, custrel.loyalty, custrel.storage.memory,"
            " custrel.testing\n"
            "import custrel.calendars\n"
            "import custrel.cases\n"
            "import custrel.interactions\n"
            "import custrel.lifecycle\n"
            "import custrel.sla\n"
            "optional = {'sqlalchemy', 'psycopg', 'pytest', 'hypothesis', 'holidays'}\n"
            "loaded = optional & set(sys.modules)\n"
            "print(sorted(loaded))"
        )
        completed = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
        )
        assert completed.stdout.strip() == "[]"

    def test_runtime_dependencies_are_exactly_the_core_three(self) -> None:
        """The installed distribution requires attrs, pendulum and typing-extensions, no more."""
        requirements = importlib.metadata.requires("custrel") or []
        core = {
            req.split(">")[0].split("=")[0].strip() for req in requirements if "extra ==" not in req
        }
        assert core == {"attrs", "pendulum", "typing-extensions"}
