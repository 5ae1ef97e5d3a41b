"""What several `churnwatch` commands share: the settings from the environment as a click
error, and the bench commands' ``--json [FILE]`` option."""

from __future__ import annotations

from pathlib import Path

import click

from streams.settings import Settings, SettingsError

json_option = click.option(
    "--json", "json_out", is_flag=False, flag_value="-", default=None, metavar="[FILE]",
    help="Also write the figures as JSON to FILE (to stdout when no FILE is given).")
"""``--json`` alone means stdout: the command then writes its human-readable output to stderr."""


def settings_from_env() -> Settings:
    """`Settings.from_env`, with a bad variable reported as a click error (exit 1, no traceback)."""
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def write_json(text: str, json_out: str) -> None:
    """`text` to stdout (``json_out`` is ``-``) or to the file ``json_out``."""
    if json_out == "-":
        click.echo(text)
    else:
        Path(json_out).write_text(text + "\n")
