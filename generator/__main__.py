"""`python -m generator` is the `mentorsite` command."""

from .cli import main

raise SystemExit(main())
