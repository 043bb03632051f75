"""``python -m custrel``: the same as the ``custrel`` command."""

from custrel.cli import main

raise SystemExit(main())
