"""The docs cover every setting and every CLI command (a new one fails here until written)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from datong.cli import app
from datong.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _commands(command: object, prefix: str) -> list[str]:
    found: list[str] = []
    for name, sub in getattr(command, "commands", {}).items():
        full = f"{prefix} {name}"
        found += _commands(sub, full) if getattr(sub, "commands", None) else [full]
    return found


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    assert f"`DATONG_{name.upper()}`" in (DOCS / "settings.md").read_text()


@pytest.mark.parametrize("command", sorted(_commands(typer.main.get_command(app), "datong")))
def test_every_command_is_documented(command: str) -> None:
    assert f"`{command}" in (DOCS / "cli.md").read_text()


def test_readme_quick_start_is_two_commands() -> None:
    readme = (DOCS.parent / "README.md").read_text()
    start = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = [line.split("#")[0].strip() for line in start.split("```sh", 1)[1]
                .split("```", 1)[0].strip().splitlines()]
    assert commands == ["make demo", "make test"]
