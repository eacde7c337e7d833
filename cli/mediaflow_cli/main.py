"""The ``mediaflow`` entry point: the command group of ``base`` with every command registered, and
errors printed as one line with the API family's code."""

from __future__ import annotations

import sys

import click

from mediaflow_cli import cmd_files, cmd_jobs, cmd_upload  # noqa: F401 - each registers its commands
from mediaflow_cli.base import cli, err
from mediaflow_cli.client import CliError


def main() -> None:
    try:
        cli(standalone_mode=False)
    except CliError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(1)
    except click.exceptions.Abort:
        err.print("interrupted - run the same upload again to resume")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
