"""Each system's section of the config file (``[systems.NAME]``, ``[email]``), checked against its adapter.

Checked when a run opens, before anything is looked up (spec §2: in a config file an unknown field is
refused): a section for a system whose adapter is not installed, or a key its adapter does not read
(``Adapter.settings_keys``), is refused with the nearest known one, never ignored. A misspelt
``marker_category`` would otherwise leave Livelink's markers where nobody looks for them.
"""

from __future__ import annotations

from marac_core.intake.config import Config, SystemSettings
from marac_core.intake.suggest import nearest
from marac_core.model.errors import InputError
from marac_core.plugins.registry import Registry

# What every section may hold, whatever its adapter (SystemSettings' own fields).
COMMON_KEYS = frozenset(SystemSettings.model_fields)


def check_system_sections(config: Config, registry: Registry) -> None:
    """Refuse a section of an adapter not installed, and any key its adapter does not read."""
    installed = sorted(registry.record_systems())
    sections = [(f"systems.{name}", name, settings) for name, settings in config.systems.items()]
    sections.append(("email", "email", config.email))
    for where, name, settings in sections:
        if where == "systems.email":
            raise InputError(config.source, "the e-mail settings go under [email], not [systems.email]", where)
        registration = registry.adapters.get(name)
        if registration is None:
            close = nearest(name, installed)
            hint = f" (did you mean {close}?)" if close else f" (installed: {', '.join(installed) or 'none'})"
            raise InputError(config.source, f"no adapter {name!r} is installed{hint}", where)
        keys = registration.adapter().settings_keys
        if keys is None:
            continue
        for key in settings.model_extra or {}:
            if key not in keys:
                close = nearest(key, sorted(keys | COMMON_KEYS))
                hint = f" (did you mean {close}?)" if close else ""
                raise InputError(config.source, f"unknown key{hint}", f"{where}.{key}")
