"""The Python examples in the documentation run, and the assertions in them hold.

Each page's fenced ``python`` blocks run in order in one namespace, so a page reads (and is
checked) like one program. A block whose first line is ``# not run`` is shown but not run: use
it for code that needs a server (PostgreSQL) or a test runner (the contract suite).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from custrel.storage.sql import SqlStore

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(DOCS.glob("*.md"))
NOT_RUN = "# not run"

_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```python[^\n]*\n(?P<code>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """Return (line number of the first code line, dedented code) for each ``python`` block."""
    blocks = []
    for match in _FENCE.finditer(text):
        first_line = text.count("\n", 0, match.start("code")) + 1
        indent = match["indent"]
        lines = match["code"].splitlines(keepends=True)
        code = "".join(line.removeprefix(indent) for line in lines)
        blocks.append((first_line, code))
    return blocks


def is_run(code: str) -> bool:
    """Return False for a block whose first line is the ``# not run`` marker."""
    return code.lstrip().split("\n", 1)[0].strip() != NOT_RUN


def dispose_stores(namespace: dict[str, object]) -> None:
    """Close the connection pools of the SQL stores a page left in its namespace."""
    for value in namespace.values():
        if isinstance(value, SqlStore):
            value.dispose()


def test_blocks_are_found_in_order_and_the_marker_is_honoured() -> None:
    """Indented and top-level python blocks are found with their page line; others are not."""
    text = (
        "# Page\n"
        "```python\nx = 1\n```\n"
        "```sh\npip install custrel\n```\n"
        "!!! note\n    ```python\n    # not run\n    x = 2\n    ```\n"
    )
    assert python_blocks(text) == [(3, "x = 1\n"), (10, "# not run\nx = 2\n")]
    assert [is_run(code) for _, code in python_blocks(text)] == [True, False]


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_page_examples_run(page: Path) -> None:
    """Every runnable python block on the page runs, in order, and its assertions hold."""
    namespace: dict[str, object] = {"__name__": f"docs.{page.stem}"}
    try:
        for first_line, code in python_blocks(page.read_text(encoding="utf-8")):
            if is_run(code):
                # Pad with blank lines so tracebacks point at the line in the Markdown file.
                compiled = compile("\n" * (first_line - 1) + code, str(page), "exec")
                exec(compiled, namespace)  # noqa: S102 - running the docs is the point
    finally:
        dispose_stores(namespace)
