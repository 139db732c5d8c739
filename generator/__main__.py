"""`python -m generator` is the `mentorsite` command."""

from generator.commands.cli import program

program()
