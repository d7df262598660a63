"""Finding plugins: the built-in ones and those installed under the entry-point group.

An agency installs only the adapters it uses; each is a distribution that
declares ``[project.entry-points.marac]``. Loading is lazy (only commands that
need plugins load them), which keeps ``marac --help`` fast.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata

import pluggy

from marac_core import hookspecs
from marac_core.adapter import AdapterRegistration
from marac_core.errors import PluginError
from marac_core.procedures.base import Procedure

ENTRY_POINT_GROUP = "marac"
BUILTIN_PLUGINS = (
    "marac_core.builtin.email",
    "marac_core.procedures.herts_childrens",
    "marac_core.procedures.rdash",
)
# A comma-separated list of entry-point names to load instead of all installed ones.
LOAD_ENV = "MARAC_LOAD_PLUGINS"


@dataclass
class Registry:
    manager: pluggy.PluginManager
    adapters: dict[str, AdapterRegistration] = field(default_factory=dict)
    procedures: dict[str, Procedure] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def record_systems(self) -> dict[str, AdapterRegistration]:
        """Adapters for record systems (every adapter but the built-in email one)."""
        return {n: r for n, r in self.adapters.items() if n != "email"}


def new_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    return manager


def _load_installed(manager: pluggy.PluginManager) -> None:
    wanted = os.environ.get(LOAD_ENV)
    allowed = {n.strip() for n in wanted.split(",") if n.strip()} if wanted is not None else None
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if allowed is not None and entry_point.name not in allowed:
            continue
        if manager.get_plugin(entry_point.name) is not None:
            continue
        plugin = entry_point.load()
        manager.register(plugin, name=entry_point.name)


def collect(manager: pluggy.PluginManager) -> Registry:
    """Ask every plugin to register; refuse two plugins claiming one name."""
    registry = Registry(manager=manager)
    manager.check_pending()

    for plugin_name, plugin in manager.list_name_plugin():
        caller = manager.subset_hook_caller(
            "marac_register_adapters", [p for p in manager.get_plugins() if p is not plugin])

        def add_adapter(reg: AdapterRegistration, _source: str = str(plugin_name)) -> None:
            if not isinstance(reg, AdapterRegistration):
                raise PluginError(f"plugin {_source} registered {reg!r}, not an AdapterRegistration")
            if reg.name in registry.adapters:
                raise PluginError(
                    f"adapter {reg.name!r} registered by both {registry.sources[reg.name]} and {_source}")
            registry.adapters[reg.name] = reg
            registry.sources[reg.name] = _source

        caller(register=add_adapter)

        proc_caller = manager.subset_hook_caller(
            "marac_register_procedures", [p for p in manager.get_plugins() if p is not plugin])

        def add_procedure(procedure: Procedure, _source: str = str(plugin_name)) -> None:
            if not isinstance(procedure, Procedure):
                raise PluginError(f"plugin {_source} registered {procedure!r}, not a Procedure")
            if procedure.name in registry.procedures:
                raise PluginError(f"procedure {procedure.name!r} registered twice (second by {_source})")
            registry.procedures[procedure.name] = procedure

        proc_caller(register=add_procedure)
    return registry


@cache
def load() -> Registry:
    """The registry of built-in and installed plugins (loaded once per process)."""
    manager = new_manager()
    for module_name in BUILTIN_PLUGINS:
        manager.register(importlib.import_module(module_name), name=module_name)
    _load_installed(manager)
    return collect(manager)
