"""`python -m telecare` is the `telecare` command."""

from telecare.cli import app

app(prog_name="telecare")
