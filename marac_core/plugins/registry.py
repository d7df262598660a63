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

from marac_core.model.errors import PluginError
from marac_core.plugins import hookspecs
from marac_core.plugins.adapter import AdapterRegistration
from marac_core.plugins.procedure import Procedure

ENTRY_POINT_GROUP = "marac"
BUILTIN_PLUGINS = (
    "marac_core.builtin.dudley_childrens_health",
    "marac_core.builtin.email",
    "marac_core.builtin.herts_childrens",
    "marac_core.builtin.rdash",
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
    hooks = (("marac_register_adapters", AdapterRegistration, registry.adapters),
             ("marac_register_procedures", Procedure, registry.procedures))
    for plugin_name, plugin in manager.list_name_plugin():
        others = [p for p in manager.get_plugins() if p is not plugin]
        for hook, kind, registered in hooks:
            def add(thing: object, _source: str = str(plugin_name), _kind: type = kind,
                    _registered: dict = registered) -> None:  # type: ignore[type-arg]
                if not isinstance(thing, _kind):
                    raise PluginError(f"plugin {_source} registered {thing!r}, not a {_kind.__name__}")
                name = thing.name  # type: ignore[attr-defined]
                if name in _registered:
                    raise PluginError(f"{name!r} registered by both {registry.sources[name]} and {_source}")
                _registered[name] = thing
                registry.sources[name] = _source

            manager.subset_hook_caller(hook, others)(register=add)
    return registry


@cache
def load() -> Registry:
    """The registry of built-in and installed plugins (loaded once per process)."""
    manager = new_manager()
    for module_name in BUILTIN_PLUGINS:
        manager.register(importlib.import_module(module_name), name=module_name)
    _load_installed(manager)
    return collect(manager)
