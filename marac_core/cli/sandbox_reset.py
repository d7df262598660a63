"""``marac sandbox reset --state DIR``: start a sandbox afresh (another records file, say)."""

from __future__ import annotations

from pathlib import Path

import click

from marac_core.cli.options import fail_cleanly


@click.command("reset")
@click.option("--state", type=click.Path(path_type=Path), required=True, metavar="DIR")
@fail_cleanly
def sandbox_reset(state: Path) -> None:
    """Forget what the sandbox under DIR holds and the runner's state about it (its ledger, research
    packs); the next run with --sandbox seeds it from the records file it is given."""
    from marac_core.execution.runner import _same_folder
    from marac_core.intake.config import default_state_dir
    from marac_core.model.errors import InputError
    from marac_core.sandbox.host import reset

    if _same_folder(state, default_state_dir()):
        raise InputError("--state", f"{state} is the real default state: marac never resets it")
    if not reset(state):
        raise InputError("--state", f"no sandbox in {state}")
    click.echo(f"sandbox in {state} reset: the next run seeds it from its records file")
