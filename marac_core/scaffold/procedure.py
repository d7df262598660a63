"""``marac new-procedure``: a new procedure package that installs, is listed and passes its own tests."""

from __future__ import annotations

import re
from pathlib import Path

from marac_core.scaffold import RESERVED, ScaffoldError, fill, write_package

PROCEDURE_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def check_procedure_name(name: str) -> None:
    if not PROCEDURE_NAME.match(name) or not 2 <= len(name) <= 40:
        raise ScaffoldError(f"{name!r} is not a procedure name: use 2-40 lowercase letters and digits in words "
                            "joined by single hyphens, starting with a letter (e.g. kent-probation)")
    if name in RESERVED:
        raise ScaffoldError(f"{name!r} is reserved; choose another procedure name")
    from importlib import metadata

    from marac_core.plugins.registry import load

    if name in load().procedures:
        raise ScaffoldError(f"a procedure named {name!r} is already installed")
    if name in {ep.name for ep in metadata.entry_points(group="marac")}:
        raise ScaffoldError(f"a marac plugin named {name!r} is already installed")


def _values(name: str, title: str) -> dict[str, str]:
    return {
        "<<name>>": name,
        "<<module>>": "marac_" + name.replace("-", "_"),
        "<<dist>>": "marac-" + name,
        "<<Class>>": "".join(part.capitalize() for part in name.split("-")) + "Procedure",
        "<<title>>": title.replace("\\", "\\\\").replace('"', "'"),
    }


def render(template: str, name: str, title: str) -> str:
    return fill(template, _values(name, title))


def generate_procedure(name: str, directory: Path, title: str | None = None) -> tuple[Path, list[Path]]:
    """Write the package ``directory/NAME``; return its root and the files written."""
    from marac_core.scaffold.procedure_templates import FILES

    check_procedure_name(name)
    root = directory / name
    title = " ".join((title or f"{name} MARAC procedure").split())
    return root, write_package(root, FILES, _values(name, title))
