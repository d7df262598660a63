"""``marac procedures``: the installed procedures, with their versions and the distributions that provide them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from marac_core.cli.options import fail_cleanly

if TYPE_CHECKING:
    from marac_core.plugins.registry import Registry

CORE_DISTRIBUTION = "marac-core"


def _distributions() -> dict[str, tuple[str, str]]:
    """Entry-point name -> (distribution, its version), for every plugin installed under the group."""
    from importlib import metadata

    from marac_core.plugins.registry import ENTRY_POINT_GROUP

    found = {}
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = entry_point.dist
        if dist is not None:
            found[entry_point.name] = (dist.metadata["Name"], dist.version)
    return found


def procedure_rows(registry: Registry) -> list[dict[str, Any]]:
    """One row per procedure: name, title, version and the plugin distribution that provides it."""
    from importlib import metadata

    from marac_core.plugins.registry import BUILTIN_PLUGINS

    installed = _distributions()
    rows = []
    for name, procedure in sorted(registry.procedures.items()):
        source = registry.sources[name]
        builtin = source in BUILTIN_PLUGINS
        if builtin:
            plugin, plugin_version = CORE_DISTRIBUTION, metadata.version(CORE_DISTRIBUTION)
        else:
            # A plugin registered by hand (no entry point) is named by its pluggy name.
            plugin, plugin_version = installed.get(source, (source, None))  # type: ignore[arg-type]
        rows.append({"name": name, "title": procedure.title, "version": procedure.version or plugin_version,
                     "plugin": plugin, "builtin": builtin})
    return rows


@click.command("procedures")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@fail_cleanly
def procedures(as_json: bool) -> None:
    """List the installed procedures: name, title, version and the plugin that provides each."""
    from marac_core.plugins.registry import load

    rows = procedure_rows(load())
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    from marac_core.cli.display import show_procedures

    show_procedures(rows)
