"""The ``marac new-adapter`` command (wired into marac_core.cli.main)."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("new-adapter")
@click.argument("name")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Create the package in DIR/NAME.")
@click.option("--title", help="The system's name as people know it (e.g. 'EMIS Web').")
def new_adapter(name: str, directory: Path, title: str | None) -> None:
    """Create a new adapter package NAME: adapter, emulator, conformance tests.

    It installs with `pip install -e DIR/NAME`, is then listed by `marac adapters`,
    and passes the adapter conformance kit as generated.
    """
    from marac_core.scaffold import ScaffoldError, generate

    try:
        root, written = generate(name, directory, title)
    except ScaffoldError as error:
        # Bad input: one line on stderr and exit code 2, as every marac command.
        click.echo(f"marac: new-adapter: {error}", err=True)
        sys.exit(2)
    click.echo(f"Created {root} (distribution marac-{name.replace('_', '-')}):")
    for path in written:
        click.echo(f"  {path.relative_to(root)}")
    click.echo("Next:")
    click.echo(f"  pip install -e {root}")
    click.echo(f"  pytest {root / 'tests'}")
    click.echo("  marac adapters")


@click.command("new-procedure")
@click.argument("name")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Create the package in DIR/NAME.")
@click.option("--title", help="The procedure's name as people know it (e.g. 'Kent probation MARAC procedure').")
def new_procedure(name: str, directory: Path, title: str | None) -> None:
    """Create a new procedure package NAME: rules, settings, paragraph tests.

    It installs with `pip install -e DIR/NAME`, is then listed by `marac procedures`,
    and its tests (with the procedure harness of marac_core.testing) pass as generated.
    """
    from marac_core.scaffold import ScaffoldError
    from marac_core.scaffold.procedure import generate_procedure

    try:
        root, written = generate_procedure(name, directory, title)
    except ScaffoldError as error:
        click.echo(f"marac: new-procedure: {error}", err=True)
        sys.exit(2)
    click.echo(f"Created {root} (distribution marac-{name}):")
    for path in written:
        click.echo(f"  {path.relative_to(root)}")
    click.echo("Next:")
    click.echo(f"  pip install -e {root}")
    click.echo(f"  pytest {root / 'tests'}")
    click.echo("  marac procedures")
