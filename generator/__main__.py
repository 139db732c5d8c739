"""`python -m generator` is the `mentorsite` command."""

from generator.commands.cli import main

raise SystemExit(main())
