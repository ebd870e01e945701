"""``python -m flowsheet.cli``."""

from flowsheet.cli import main

raise SystemExit(main())
